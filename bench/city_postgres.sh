#!/usr/bin/env bash
# A PostgreSQL cluster KEPT between runs, for the city-sized dataset (issue 15):
# scripts/with-postgres.sh removes its cluster when the command ends, and loading 10M
# completions again for every measurement would take a quarter of an hour.
#
#   bench/city_postgres.sh run CMD...   start the cluster if needed (initdb on first use),
#                                        run CMD with DATABASE_URL set; the cluster keeps running
#   bench/city_postgres.sh stop         stop it (the data stays in $CITY_PG_DIR)
#   bench/city_postgres.sh remove       stop it and delete $CITY_PG_DIR
#
# CITY_PG_DIR (default /tmp/lms-city-pg), CITY_PG_PORT (default 25960), CITY_PG_DB (the
# database, created when missing; default lms_city). The settings are
# those of scripts/with-postgres.sh (no fsync: a benchmark, not a deployment) plus a memory
# budget a 4-8 GB city server would have: shared_buffers 1 GB, effective_cache_size 4 GB,
# maintenance_work_mem 512 MB, work_mem 32 MB.
set -euo pipefail
dir=${CITY_PG_DIR:-/tmp/lms-city-pg}
port=${CITY_PG_PORT:-25960}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pg_bin" ] || { echo "PostgreSQL is not installed." >&2; exit 1; }
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
name=${CITY_PG_DB:-lms_city}
url="postgresql://postgres@127.0.0.1:$port/$name"

running() { "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

start() {
  if [ ! -d "$dir/data" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    "${as_pg[@]}" "$pg_bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
  fi
  if ! running; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir \
      -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
      -c full_page_writes=off -c max_connections=200 -c shared_buffers=1GB \
      -c effective_cache_size=4GB -c maintenance_work_mem=512MB -c work_mem=32MB \
      -c max_wal_size=8GB" start >/dev/null
  fi
  "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
    "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$name"
}

case "${1:-}" in
  run)
    shift
    start
    export DATABASE_URL="$url"
    "$@"
    ;;
  stop)
    running && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null
    ;;
  remove)
    running && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null
    rm -rf "$dir"
    ;;
  *)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
