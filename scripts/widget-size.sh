#!/usr/bin/env bash
# Prints the widget's release size (each file and the total, gzip -9) and fails above the ceiling.
set -euo pipefail
limit=${1:?usage: widget-size.sh LIMIT_BYTES}
cd "$(dirname "$0")/../dist"
total=0
printf '%-24s %10s %10s\n' file bytes gzip-9
for f in motp-widget_bg.wasm motp-widget.js motp-embed.js; do
  raw=$(wc -c < "$f")
  gz=$(gzip -9 -n -c "$f" | wc -c)
  total=$((total + gz))
  printf '%-24s %10d %10d\n' "$f" "$raw" "$gz"
done
printf '%-24s %10s %10d  (ceiling %d; the CSS is inside the wasm)\n' total '' "$total" "$limit"
if [ "$total" -gt "$limit" ]; then
  echo "widget-size: $total bytes gzip is over the $limit-byte ceiling" >&2
  exit 1
fi
