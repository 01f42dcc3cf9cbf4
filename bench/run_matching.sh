#!/usr/bin/env bash
# Matching engine benchmarks on SQLite, then on a throw-away PostgreSQL, then the matching section of docs/benchmarks.md.
# Usage: bench/run_matching.sh [--offerings 50000] [--needs 10000] [--profile]   (arguments go to matching_bench.py)
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
unset DEBUG

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "run_matching: load average is $load on $(nproc) cores; numbers will be slower than on a quiet machine" >&2
fi

mkdir -p var/bench
DB="var/bench/matching.sqlite3"
rm -f "$DB" "$DB-wal" "$DB-shm"
DATABASE_URL="sqlite:///$PWD/$DB" uv run python bench/matching_bench.py "$@"
rm -f "$DB" "$DB-wal" "$DB-shm"

scripts/with-postgres.sh uv run python bench/matching_bench.py "$@"

uv run python bench/matching_bench.py --report
