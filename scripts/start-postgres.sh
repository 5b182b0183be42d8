#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on 127.0.0.1 for the test suite and prints its URL.
# Usage: scripts/start-postgres.sh [DIR] [PORT]   (needs Debian's postgresql package; run as root or postgres)
set -euo pipefail
dir=${1:-/tmp/liaison-pg}
port=${2:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "start-postgres: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [ ! -f "$dir/PG_VERSION" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_postgres "$bin/initdb -D '$dir' -U postgres --auth=trust -E UTF8" >/dev/null
fi
if ! as_postgres "$bin/pg_ctl -D '$dir' status" >/dev/null 2>&1; then
  as_postgres "$bin/pg_ctl -D '$dir' -l '$dir/server.log' -o \"-p $port -c listen_addresses=127.0.0.1 -k '$dir' -c fsync=off -c max_connections=500\" -w start" >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$port/postgres"
