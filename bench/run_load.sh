#!/usr/bin/env bash
# Load test on loopback: a throw-away PostgreSQL filled by `generate_city`, gunicorn with 2 sync workers
# (config/gunicorn.conf.py), locust headless; then the LOAD section of docs/benchmarks.md.
#
# Usage: bench/run_load.sh [--scale city] [--duration 10m] [--users 16] [--single 20s] [--out DIR]
#   --scale     generate_city scale (city | province | medium | small)
#   --duration  the mixed-traffic run (Resident, Staff, OrgRep, Public, ApiClient in bench/locustfile.py)
#   --users     concurrent users of every run
#   --single    length of each closed-loop throughput run (the floor, then each busy list page alone)
#   --out       results folder (default var/bench/load; the province run uses var/bench/load-province)
# Results: CSV from locust, meta.env, generate.txt, matching_*.json, rss.txt; bench/load_report.py writes the
# docs (a province run: its own section, page by page against the city run in var/bench/load/).
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
unset DEBUG

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "run_load: load average is $load on $(nproc) cores; numbers will be slower than on a quiet machine" >&2
fi

SCALE=city DURATION=10m USERS=16 SINGLE=20s SEED=2026 OUT=var/bench/load
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --users) USERS=$2; shift 2 ;;
    --single) SINGLE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "run_load: unknown argument $1" >&2; exit 2 ;;
  esac
done

rm -rf "$OUT" && mkdir -p "$OUT"
META="$OUT/meta.env"
note() { echo "$1=$2" >> "$META"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
note scale "$SCALE"; note users "$USERS"; note duration "$DURATION"; note single "$SINGLE"
note started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; note nproc "$(nproc)"
note cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

# -- a private PostgreSQL with its default durability (fsync on), as in production -------------------------
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
[ -x "${BIN:-}/pg_ctl" ] || { echo "run_load: no PostgreSQL server; run scripts/setup.sh test" >&2; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/civicnest-load-$$.XXXXXX")
chmod 755 "$D"; mkdir "$D/data" "$D/sock"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$D/data" "$D/sock"
  as_pg() { (cd "$D" && runuser -u postgres -- "$@"); }
else
  as_pg() { "$@"; }
fi
GUNICORN_PID="" WORKER_PID=""
cleanup() {
  local rc=$?
  if [ -n "$WORKER_PID" ]; then
    pkill -P "$WORKER_PID" 2>/dev/null || true; kill "$WORKER_PID" 2>/dev/null || true; wait "$WORKER_PID" 2>/dev/null || true
  fi
  if [ -f "$OUT/gunicorn.pid" ]; then kill "$(cat "$OUT/gunicorn.pid")" 2>/dev/null || true; fi  # the master
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  if [ -f "$D/data/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$D"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
as_pg "$BIN/initdb" -D "$D/data" -E UTF8 --locale=C.UTF-8 -A trust -U postgres >/dev/null
free_port() {
  python3 -c '
import socket, sys
for port in range(int(sys.argv[1]), int(sys.argv[1]) + 200):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
' "$1"
}
PGPORT=$(free_port 5633)
as_pg "$BIN/pg_ctl" -D "$D/data" -l "$D/data/server.log" -w -s start \
  -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $D/sock -c shared_buffers=256MB -c max_connections=50"
"$BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres civicnest
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/civicnest"
note postgres "$("$BIN/postgres" --version | awk '{print $3}')"

# -- the city ----------------------------------------------------------------------------------------------
uv run python manage.py migrate -v0
note generate_load_before "$(loadavg)"
uv run python manage.py generate_city --scale "$SCALE" --seed "$SEED" | tee "$OUT/generate.txt"
note generate_load_after "$(loadavg)"
uv run python bench/load_fixtures.py "$OUT/fixtures.json"
# What the matching worker's index costs, measured alone in a fresh process before any traffic.
uv run python bench/matching_worker.py build "$OUT/matching_build.json"

# -- the server: the app and the floor view (/bench/floor/) under the same gunicorn settings ----------------
PORT=$(free_port 8700)
HOST="http://127.0.0.1:$PORT"
BENCH_FLOOR=1 LOG_LEVEL=WARNING GUNICORN_BIND="127.0.0.1:$PORT" \
  uv run gunicorn -c config/gunicorn.conf.py --pid "$OUT/gunicorn.pid" > "$OUT/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
started=$(date +%s)
until curl -sf -o /dev/null "$HOST/healthz/"; do
  kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "run_load: gunicorn died" >&2; tail -n 30 "$OUT/gunicorn.log" >&2; exit 1; }
  sleep 1
done
note server_ready_s "$(( $(date +%s) - started ))"

# -- the matching worker (decision 34): the one process that holds the index; warmed before the runs -------
uv run python manage.py db_worker --queue-name matching > "$OUT/worker.log" 2>&1 &
WORKER_PID=$!
uv run python bench/matching_worker.py warm "$OUT/matching_warm.json"

export LOAD_FIXTURES="$OUT/fixtures.json"
locust_run() {  # name duration classes… ; extra environment is passed by the caller
  local name=$1 duration=$2; shift 2
  LOAD_HOST="$HOST" uv run locust -f bench/locustfile.py --headless -u "$USERS" -r "$USERS" -t "$duration" \
    --host "$HOST" --csv "$OUT/$name" --only-summary --stop-timeout 5 "$@" > "$OUT/$name.log" 2>&1 || true
  note "${name}_load" "$(loadavg)"
  tail -n 3 "$OUT/$name.log"
}

# 1. Closed loop, no waiting: the framework floor, then the busiest list pages one at a time.
note floor_load_before "$(loadavg)"
locust_run floor "$SINGLE" Floor
declare -A PAGES=(
  [needs]="/matching/needs/"
  [registry]="/registry/"
  [teams]="/registry/teams/"
  [bookings]="/venues/bookings/"
  [portal_orgs]="/portal/organizations/"
)
for name in needs registry teams bookings portal_orgs; do
  LOAD_PATH="${PAGES[$name]}" LOAD_NAME="${PAGES[$name]}" locust_run "single_$name" "$SINGLE" Single
done

# 2. Mixed real traffic: 16 people with think time 0.5–2 s, after a short unrecorded warm-up.
locust_run warmup 30s Resident Staff OrgRep Public ApiClient
note mixed_load_before "$(loadavg)"
locust_run mixed "$DURATION" Resident Staff OrgRep Public ApiClient
note finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
grep -c "Traceback" "$OUT/gunicorn.log" > "$OUT/tracebacks.txt" || true
# Memory after the runs: each gunicorn worker (children of the master) and the matching worker's python.
rss() { awk '/^VmRSS|^VmHWM/ { printf "%s %d ", $1, $2 / 1024 }' "/proc/$1/status"; }
{
  for pid in $(pgrep -P "$(cat "$OUT/gunicorn.pid")"); do echo "gunicorn_worker $pid $(rss "$pid")"; done
  for pid in $(pgrep -f "manage.py db_worker --queue-name matching" | grep -vx "$WORKER_PID"); do
    echo "matching_worker $pid $(rss "$pid")"
  done
} > "$OUT/rss.txt" || true
uv run python bench/matching_worker.py queue "$OUT/matching_queue.json"

uv run python bench/load_report.py "$OUT"
