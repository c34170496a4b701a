#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, on 127.0.0.1 only: `start` prints its URL (tests create
# their own databases in it), `stop` stops it. Debian's postgresql package; as root, the server
# runs as the postgres user.
set -euo pipefail
# Below the kernel's ephemeral range (32768-60999): a client socket of an earlier test can hold a
# port in that range and make the bind fail.
PORT=${MOTP_TEST_PG_PORT:-25432}
DIR=/tmp/motp-test-pg-$PORT
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] || { echo "test-postgres: Debian's postgresql is not installed (make bootstrap)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
url="postgres://postgres@127.0.0.1:$PORT/postgres"

case "${1:-start}" in
  start)
    if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      rm -rf "$DIR"
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
      as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
      # fsync off: a test database, thrown away after the run.
      as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=300" start >/dev/null
    fi
    echo "$url"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
