#!/usr/bin/env bash
# Every figure of docs/benchmarks.md, on SQLite then on a throwaway PostgreSQL (loopback):
#     ./bench/run_all.sh [OUTPUT_DIR]        (default /tmp/lms-bench; ~15 minutes on 2 cores)
# Each step is bounded by `timeout`; logs go to OUTPUT_DIR/*.log. Before each step it waits
# (at most 5 minutes) for the 1-minute load average to fall below 1, since other work on the
# machine skews the figures; the load average is printed in every log.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/lms-bench}
mkdir -p "$out"
py=.venv/bin/python
quiet() {
  for _ in $(seq 60); do
    awk '{exit !($1 < 1.0)}' /proc/loadavg && return
    sleep 5
  done
  echo "(machine still busy: load $(cut -d' ' -f1 /proc/loadavg))"
}
step() {  # step NAME COMMAND...
  quiet
  echo "== $1 (load $(cut -d' ' -f1 /proc/loadavg))"
  timeout 1800 "${@:2}" >"$out/$1.log" 2>&1
  echo "   exit $?; $out/$1.log"
}
rm -f "$out"/city.sqlite3*
step city-sqlite $py bench/city_dataset.py --database-url "sqlite:///$out/city.sqlite3"
step ward-sqlite $py bench/ward_metrics.py --database-url "sqlite:///$out/city.sqlite3"
step city-ward-postgres env PGPORT_TEST=25471 ./scripts/with-postgres.sh sh -c \
  "$py bench/city_dataset.py && $py bench/ward_metrics.py"
step quiz-sqlite $py bench/quiz_load.py
step quiz-postgres env PGPORT_TEST=25472 ./scripts/with-postgres.sh $py bench/quiz_load.py --postgres-env
step pages-sqlite $py bench/page_speed.py --floors
step pages-postgres env PGPORT_TEST=25473 ./scripts/with-postgres.sh $py bench/page_speed.py --postgres-env --floors
