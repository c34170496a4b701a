#!/usr/bin/env bash
# What an LMS developer copies, run as they would run it: the Python and PHP examples in
# examples/lms/ against motp-server in sandbox mode (a throwaway one on a free loopback port, with its
# own temporary database), each minting a launch token, verifying the virtual phone's code, accepting
# the receipt and refusing a launch token passed off as a receipt. Builds nothing: it runs
# $MOTP_SERVER_BIN, or target/debug/motp-server (`make test-lms-examples` builds it first).
# Needs Debian's php-cli, python3-jwt and python3-cryptography (scripts/bootstrap.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${MOTP_SERVER_BIN:-${CARGO_TARGET_DIR:-target}/debug/motp-server}
[ -x "$BIN" ] || { echo "test-lms-examples: no $BIN (cargo build -p motp-server, or set MOTP_SERVER_BIN)" >&2; exit 1; }

# The Python that has PyJWT with cryptography: Debian's, where apt installs them, unless PATH has
# another that has them too.
PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import jwt, cryptography' 2>/dev/null; then PYTHON=$candidate; break; fi
  done
fi
[ -n "$PYTHON" ] || { echo "test-lms-examples: no python3 with PyJWT and cryptography (apt-get install python3-jwt python3-cryptography)" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ left in examples/
command -v php >/dev/null || { echo "test-lms-examples: no php (apt-get install php-cli)" >&2; exit 1; }

# README's excerpts of the examples are the examples' code, verbatim.
"$PYTHON" - <<'EOF'
import re, sys
readme = open("README.md", encoding="utf-8").read()
pattern = r"<!-- excerpt of (\S+) \(make test checks it is verbatim\) -->\n```\w*\n(.*?)```"
excerpts = re.findall(pattern, readme, re.S)
stale = [path for path, code in excerpts if code not in open(path, encoding="utf-8").read()]
if not excerpts or stale:
    sys.exit(f"test-lms-examples: README's excerpt of {', '.join(stale) or '(none found)'} is not the file's code")
print(f"README's {len(excerpts)} excerpts of examples/lms/ are the files' code, verbatim")
EOF

dir=$(mktemp -d /tmp/motp-lms-examples.XXXXXX)
server_pid=
stop() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap stop EXIT

# Port 0: the kernel picks a free port, the server names it when it listens (and allows that
# origin), so no other process can take it in between.
"$BIN" --sandbox --listen 127.0.0.1:0 --database-url "sqlite://$dir/motp.db" \
  --sandbox-state "$dir/sandbox.json" --widget-dir /nonexistent >"$dir/server.log" 2>&1 &
server_pid=$!

port=
for _ in $(seq 1 300); do # 30 s at most
  port=$(grep -o 'motp-server listening on http://127\.0\.0\.1:[0-9]*' "$dir/server.log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "test-lms-examples: motp-server did not start listening; its log:" >&2
  cat "$dir/server.log" >&2
  exit 1
fi
echo "== LMS examples (examples/lms/) against motp-server --sandbox on 127.0.0.1:$port =="

passed=0 failed=0
run() {
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
run "$PYTHON" examples/lms/python/check_against_sandbox.py "$port" --sandbox-db "$dir/motp.db"
run php examples/lms/php/check_against_sandbox.php "$port"

if [ "$failed" -gt 0 ]; then
  echo "test-lms-examples: the server's log:" >&2
  sed 's/\x1b\[[0-9;]*m//g' "$dir/server.log" | tail -n 40 >&2
fi
echo "lms examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
