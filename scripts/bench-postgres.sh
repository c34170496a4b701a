#!/usr/bin/env bash
# make bench's PostgreSQL: the throwaway server of scripts/test-postgres.sh on a port of its own, and
# a fresh database in it for each run; prints that database's URL.
set -euo pipefail
cd "$(dirname "$0")/.."
url=$(MOTP_TEST_PG_PORT=${MOTP_BENCH_PG_PORT:-25434} bash scripts/test-postgres.sh start)
PGOPTIONS='--client-min-messages=warning' psql "$url" -qX -c 'DROP DATABASE IF EXISTS motp_bench' -c 'CREATE DATABASE motp_bench' >/dev/null
echo "${url%/postgres}/motp_bench"
