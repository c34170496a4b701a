#!/usr/bin/env bash
# The gateway's layers, checked (make lint): each folder of crates/server/src may import only the
# layers below it, so transport, decisions and storage stay apart (docs/architecture.md).
#
#   http/ (axum)  →  domain/  →  upstream/, store/  →  tenant.rs  →  model.rs
#
# A `use` (or a path) naming a forbidden crate or module in a file under a folder fails the check;
# comments may name anything.
set -euo pipefail
cd "$(dirname "$0")/../crates/server/src"

status=0
# forbid FOLDER PATTERN WHY
forbid() {
  local folder=$1 pattern=$2 why=$3 hits
  hits=$(grep -rnHE "$pattern" "$folder" --include='*.rs' | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)
  if [ -n "$hits" ]; then
    printf 'layers: %s must not %s:\n%s\n' "$folder" "$why" "$hits" >&2
    status=1
  fi
}

forbid domain/   '\baxum\b|tower_http|crate::http\b|AppState|AppError' "know about HTTP (axum, AppState, AppError)"
forbid store/    '\baxum\b|tower_http|crate::http\b|AppError'           "know about HTTP (axum, AppError)"
forbid store/    'crate::(domain|upstream)\b'                          "import the domain or the upstream clients"
forbid upstream/ '\baxum\b|crate::(http|domain|store)\b'               "import HTTP, the domain or the store"
forbid model.rs  '\baxum\b|crate::(http|domain|store|upstream)\b'      "import any layer"
forbid tenant.rs '\baxum\b|crate::(http|domain|store|upstream)\b'       "import a layer above the model"
forbid urls.rs   '\baxum\b|crate::(http|domain|store|upstream|tenant|model)\b' "import any layer"

[ "$status" -eq 0 ] && echo "layers: http → domain → upstream, store → model: no import crosses upward"
exit "$status"
