#!/usr/bin/env bash
# Two app nodes behind nginx on loopback, sharing one PostgreSQL and one Redis, with two task workers:
# the shape of a multi-machine deployment (docs/operations.md), on one machine.
#
#   nginx (Debian nginx-light, private config) ──┬── node A: gunicorn (config/gunicorn.conf.py)
#                                                └── node B: gunicorn
#   both nodes + 2 × `manage.py db_worker` ── PostgreSQL (private cluster) + Redis (private, no persistence)
#
# Usage: bench/multinode.sh [--scale small] [--duration 60s] [--users 16]
#   --scale     generate_city scale (MULTINODE_SCALE; default small — city takes ~1 minute more to generate)
#   --duration  each load phase (single node direct, two nodes through nginx, the kill phase)
#   --users     concurrent locust users (the mix of bench/locustfile.py)
# Checks (bench/multinode_checks.py): a booking approved through node A leaves the approval queue on node B at
# once; a lock-out and a session made on A hold on B; under load through nginx, killing node B (SIGKILL of its
# whole process group) loses no acknowledged write and nginx keeps serving. Results: var/bench/multinode/.
# Every process is started here on private ports and stopped by its PID at the end (also on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
unset DEBUG

SCALE=${MULTINODE_SCALE:-small} DURATION=60s USERS=16 SEED=2026
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --users) USERS=$2; shift 2 ;;
    *) echo "multinode: unknown argument $1" >&2; exit 2 ;;
  esac
done
for cmd in redis-server nginx curl; do
  command -v "$cmd" >/dev/null || { echo "multinode: $cmd missing; run scripts/setup.sh test" >&2; exit 1; }
done
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
[ -x "${BIN:-}/pg_ctl" ] || { echo "multinode: no PostgreSQL server; run scripts/setup.sh test" >&2; exit 1; }

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "multinode: load average is $load on $(nproc) cores; numbers will be slower than on a quiet machine" >&2
fi

OUT=var/bench/multinode
rm -rf "$OUT" && mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)
META="$OUT/meta.env"
note() { echo "$1=$2" >> "$META"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
note scale "$SCALE"; note users "$USERS"; note duration "$DURATION"
note started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; note nproc "$(nproc)"

D=$(mktemp -d "${TMPDIR:-/tmp}/civicnest-multinode-$$.XXXXXX")
chmod 755 "$D"; mkdir "$D/data" "$D/sock" "$D/nginx"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$D/data" "$D/sock"
  as_pg() { (cd "$D" && runuser -u postgres -- "$@"); }
else
  as_pg() { "$@"; }
fi

FAILED=0
PIDS=()  # everything started in the background, stopped by PID (each in its own process group)
NGINX_STARTED=""
cleanup() {
  local rc=$?
  [ -n "$NGINX_STARTED" ] && nginx -c "$D/nginx.conf" -s stop 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -f "$D/redis.pid" ]; then kill "$(cat "$D/redis.pid")" 2>/dev/null || true; fi
  if [ -f "$D/data/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$D"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

# -- PostgreSQL and Redis --------------------------------------------------------------------------------
as_pg "$BIN/initdb" -D "$D/data" -E UTF8 --locale=C.UTF-8 -A trust -U postgres >/dev/null
PGPORT=$(free_port 5833)
as_pg "$BIN/pg_ctl" -D "$D/data" -l "$D/data/server.log" -w -s start \
  -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $D/sock -c shared_buffers=256MB -c max_connections=80"
"$BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres civicnest
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/civicnest"
REDIS_PORT=$(free_port 6390)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$D/redis.pid" --logfile "$OUT_ABS/redis.log"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export TRUSTED_PROXY_COUNT=1  # nginx sets X-Forwarded-For to the address it saw
note postgres "$("$BIN/postgres" --version | awk '{print $3}')"; note redis "$(redis-server --version | awk '{print $3}')"
note nginx "$(nginx -v 2>&1 | cut -d/ -f2)"

# -- the city ----------------------------------------------------------------------------------------------
uv run python manage.py migrate -v0
started=$(date +%s)
uv run python manage.py generate_city --scale "$SCALE" --seed "$SEED" > "$OUT/generate.txt"
note generate_s "$(( $(date +%s) - started ))"
uv run python bench/load_fixtures.py "$OUT/fixtures.json"
uv run python bench/multinode_checks.py prepare "$OUT/prep.json"

# -- two nodes, two workers, nginx ------------------------------------------------------------------------
PORT_A=$(free_port 8810); PORT_B=$(free_port $((PORT_A + 1)))
start_node() {  # name port
  GUNICORN_BIND="127.0.0.1:$2" LOG_LEVEL=WARNING \
    setsid uv run gunicorn -c config/gunicorn.conf.py > "$OUT/node-$1.log" 2>&1 &
  PIDS+=($!)
  eval "NODE_$1=$!"
}
start_node a "$PORT_A"
start_node b "$PORT_B"
# Worker 1 runs the default queue only; worker 2 also the "matching" queue (the one process per machine
# that holds the matching index: web nodes never build it).
WORKER_QUEUES=(default default,matching)
for i in 1 2; do
  setsid uv run python manage.py db_worker --queue-name "${WORKER_QUEUES[$((i - 1))]}" > "$OUT/worker-$i.log" 2>&1 &
  PIDS+=($!)
done
for port in "$PORT_A" "$PORT_B"; do
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz/"; do sleep 1; done
done

NGINX_PORT=$(free_port 8890)
cat > "$D/nginx.conf" <<EOF
worker_processes 1;
pid $D/nginx.pid;
error_log $OUT_ABS/nginx-error.log notice;  # notice: also who signalled it
events { worker_connections 1024; }
http {
  access_log $OUT_ABS/nginx-access.log;
  client_body_temp_path $D/nginx/body;
  proxy_temp_path $D/nginx/proxy;
  fastcgi_temp_path $D/nginx/fastcgi;
  uwsgi_temp_path $D/nginx/uwsgi;
  scgi_temp_path $D/nginx/scgi;
  upstream civicnest {
    server 127.0.0.1:$PORT_A max_fails=1 fail_timeout=10s;
    server 127.0.0.1:$PORT_B max_fails=1 fail_timeout=10s;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    client_max_body_size 20m;
    location / {
      proxy_pass http://civicnest;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host:\$server_port;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # A node that refuses the connection: try the other (a request not yet sent is safe to resend, also
      # a POST); a request already sent to a node that dies is not resent (it may have been written).
      proxy_next_upstream error timeout http_502;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
  }
}
EOF
nginx -c "$D/nginx.conf"
NGINX_STARTED=1
HOST="http://127.0.0.1:$NGINX_PORT"
curl -sf -o /dev/null "$HOST/healthz/"

# -- checks: what A does, B sees -------------------------------------------------------------------------
uv run python bench/multinode_checks.py shared "$OUT/prep.json" "http://127.0.0.1:$PORT_A" \
  "http://127.0.0.1:$PORT_B" | tee "$OUT/shared.json" || { note shared_checks FAILED; FAILED=1; }

export LOAD_FIXTURES="$OUT_ABS/fixtures.json"
locust_run() {  # name host duration
  note "${1}_load_before" "$(loadavg)"
  LOAD_HOST="$2" uv run locust -f bench/locustfile.py --headless -u "$USERS" -r "$USERS" -t "$3" \
    --host "$2" --csv "$OUT/$1" --only-summary --stop-timeout 5 Resident Staff OrgRep Public ApiClient \
    > "$OUT/$1.log" 2>&1 || true
  note "${1}_load_after" "$(loadavg)"
}

# -- load: one node directly, then both through nginx (same mix, same length) ------------------------------
locust_run warmup "$HOST" 20s
locust_run single "http://127.0.0.1:$PORT_A" "$DURATION"
locust_run multi "$HOST" "$DURATION"

# -- kill node B under load: no acknowledged write lost, nginx keeps serving ------------------------------
secs=${DURATION%s}
locust_run kill "$HOST" "$DURATION" &
LOCUST_KILL=$!
uv run python bench/multinode_checks.py writer "$OUT/prep.json" "$HOST" "$secs" "$OUT/writer.json" \
  "$OUT/fixtures.json" &
WRITER=$!
sleep $((secs / 3))
note killed_at_s "$((secs / 3))"
kill -KILL -- "-$NODE_b"  # the master and its workers, abruptly
sleep $((secs / 3))
after_kill=$(for _ in $(seq 20); do curl -s -o /dev/null -w "%{http_code}\n" "$HOST/portal/" || true; done | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
note after_kill_portal "$after_kill"
wait "$WRITER"
wait "$LOCUST_KILL" || true
uv run python bench/multinode_checks.py reconcile "$OUT/prep.json" "$OUT/writer.json" | tee "$OUT/reconcile.json" \
  || { note reconcile FAILED; FAILED=1; }
note upstream_errors "$(grep -c 'upstream' "$OUT/nginx-error.log" || true)"
note nginx_statuses "$(awk '{print $9}' "$OUT/nginx-access.log" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
note finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

uv run python - "$OUT" <<'PY'
import csv, json, sys
from pathlib import Path
out = Path(sys.argv[1])
meta = dict(line.split("=", 1) for line in (out / "meta.env").read_text().splitlines() if "=" in line)
def agg(name):
    rows = list(csv.DictReader((out / f"{name}_stats.csv").open()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return {k: total[k] for k in ("Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%")}
print("\n== multinode results (%s scale, %s users, %s each) ==" % (meta["scale"], meta["users"], meta["duration"]))
for name in ("single", "multi", "kill"):
    a = agg(name)
    print(f"{name:7} req={a['Request Count']:>6} fail={a['Failure Count']:>4} rps={float(a['Requests/s']):7.1f} "
          f"p50={a['50%']}ms p95={a['95%']}ms p99={a['99%']}ms  load {meta.get(name + '_load_before')} -> {meta.get(name + '_load_after')}")
print("shared:", json.loads((out / "shared.json").read_text()))
print("reconcile:", (out / "reconcile.json").read_text().strip())
print("after kill, 20 × /portal/ through nginx:", meta.get("after_kill_portal"))
print("nginx statuses (whole run):", meta.get("nginx_statuses"), "| upstream errors logged:", meta.get("upstream_errors"))
PY
[ "$FAILED" -eq 0 ] || { echo "multinode: some checks FAILED (see above and $OUT)" >&2; exit 1; }
