#!/usr/bin/env bash
# Debian packages the full test run needs: Chromium (browser tests), PostgreSQL (the second
# database), Redis and nginx (several app servers sharing rate limits behind a reverse proxy,
# tests/test_multi_server.py). Installed when missing and we are root; otherwise say what is
# missing. The tests start their own servers on loopback; nothing here starts a service.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (Debian packages)…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "NOTE: ${missing[*]} not installed (needs root: apt-get install ${missing[*]});" \
       "the browser and PostgreSQL tests will be skipped, the several-servers tests will fail." >&2
fi
