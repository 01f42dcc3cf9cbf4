#!/usr/bin/env bash
# Venues benchmark on SQLite, then on a throw-away PostgreSQL, then the venues section of docs/benchmarks.md.
# Usage: bench/run_venues.sh [--bookings 100000] [--repeat 3] [--explain]   (arguments go to venues_bench.py)
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
unset DEBUG

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "run_venues: load average is $load on $(nproc) cores; numbers will be slower than on a quiet machine" >&2
fi

mkdir -p var/bench
DB="var/bench/venues.sqlite3"
rm -f "$DB" "$DB-wal" "$DB-shm"
DATABASE_URL="sqlite:///$PWD/$DB" uv run python bench/venues_bench.py "$@"
rm -f "$DB" "$DB-wal" "$DB-shm"

scripts/with-postgres.sh uv run python bench/venues_bench.py "$@"

uv run python bench/report.py venues
