#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on loopback; TEST_DATABASE_URL and
# DATABASE_URL point at it. The cluster is removed afterwards.
set -euo pipefail
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL is not installed: skipping the PostgreSQL run." >&2
  exit 0
fi
dir=$(mktemp -d /tmp/lms-pg.XXXXXX)
port=${PGPORT_TEST:-25432}  # below the ephemeral range (32768+), where clients' ports live
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as_pg=(runuser -u postgres --); fi
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
cleanup() { "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
# A start can fail now and then (the port still held by a cluster that is going away): the
# server's log is shown and the next port is tried.
for attempt in 1 2 3; do
  if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
    break
  fi
  tail -5 "$dir/log" >&2 || true
  [ "$attempt" = 3 ] && exit 1
  port=$((port + 1))
done
"$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres lms_test
export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/lms_test"
export DATABASE_URL="$TEST_DATABASE_URL"
"$@"
