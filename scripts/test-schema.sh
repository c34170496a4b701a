#!/usr/bin/env bash
# Schemathesis against the OpenAPI document of a throwaway `motp-server --sandbox` (embedded HRD
# emulator, SQLite in a temp dir, loopback only): every operation, with the checks
# not_a_server_error, status_code_conformance, content_type_conformance and
# response_schema_conformance. Requests carry a sandbox launch token, so the trainee's routes are
# exercised past authentication; the console's pages are run again with the demo staff member's
# session cookie. Schemathesis lives in tools/venv (scripts/bootstrap.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ST=tools/venv/bin/schemathesis
[ -x "$ST" ] || { echo "test-schema: no $ST (run scripts/bootstrap.sh)" >&2; exit 1; }
BIN=${MOTP_SERVER_BIN:-${CARGO_TARGET_DIR:-target}/debug/motp-server}
[ -x "$BIN" ] || { echo "test-schema: no $BIN (cargo build -p motp-server)" >&2; exit 1; }

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Limits high enough for a fuzzer from one address: the limits have their own tests.
"$BIN" --sandbox --listen "127.0.0.1:$port" --database-url "sqlite://$dir/motp.db" \
  --sandbox-state "$dir/sandbox.json" --widget-dir "$dir/no-widget" --outbox-interval-secs 0 \
  --per-ip-per-minute 100000 --per-trainee-per-minute 100000 >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
token=$("$BIN" token --sandbox --listen "127.0.0.1:$port" --usrid schema01 --name 홍길동 --tel 01012345678 --ttl 900)

run() {
  "$ST" run "http://127.0.0.1:$port/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" --seed 14 --workers 1 \
    --phases examples,coverage,fuzzing --warnings off "$@"
}
echo "== the widget's routes, with a sandbox launch token =="
run --header "Authorization: Bearer $token" --exclude-tag admin --exclude-tag lms
echo "== the LMS server's and the admins' routes, with the demo tenant's API key =="
run --auth "demo:sandbox-demo-api-key-not-for-production" --include-tag admin --include-tag lms
echo "== the help desk's console, signed in as the demo's staff member (session cookie) =="
jar="$dir/cookies"
csrf=$(curl -fsS -c "$jar" "http://127.0.0.1:$port/console/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
curl -fsS -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "login=demo-staff" --data-urlencode "password=sandbox-demo-staff-password" \
  --data-urlencode "csrf=$csrf" "http://127.0.0.1:$port/console/login"
session=$(awk '$6 == "motp_console" { print $7 }' "$jar")
[ -n "$session" ] || { echo "test-schema: the demo staff member could not sign in" >&2; exit 1; }
run --header "Cookie: motp_console=$session" --include-tag console
# Schemathesis leaves the document's own URL out of a run unless it is named.
echo "== /openapi.json itself =="
run --include-path /openapi.json
