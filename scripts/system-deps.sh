#!/usr/bin/env bash
# Debian packages the full test run needs: Chromium (browser tests) and PostgreSQL (the
# second database). Installed when missing and we are root; otherwise say what is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (Debian packages)…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "NOTE: ${missing[*]} not installed (needs root: apt-get install ${missing[*]});" \
       "the tests that need them will be skipped." >&2
fi
