#!/usr/bin/env bash
# Dashboards and the yearly 情况专报 on a throw-away PostgreSQL filled by `generate_city --scale city`,
# then the DASHBOARDS section of docs/benchmarks.md.
# Usage: bench/run_dashboards.sh [--scale city] [--repeat 15]
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
unset DEBUG

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "run_dashboards: load average is $load on $(nproc) cores; numbers will be slower than on a quiet machine" >&2
fi

SCALE=city REPEAT=15
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    *) echo "run_dashboards: unknown argument $1" >&2; exit 2 ;;
  esac
done

# The report's files go to a scratch media folder, not the developer's var/media.
export MEDIA_ROOT="$PWD/var/bench/dashboards-media"
scripts/with-postgres.sh bash -c "
  uv run python manage.py migrate --no-input >/dev/null &&
  uv run python manage.py generate_city --scale '$SCALE' --seed 2026 &&
  uv run python bench/dashboards_bench.py --repeat '$REPEAT'
"
rm -rf "$MEDIA_ROOT"
uv run python bench/dashboards_bench.py --report
