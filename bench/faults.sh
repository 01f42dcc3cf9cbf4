#!/usr/bin/env bash
# FAULTS that CI cannot stage (the rest are tests in civicnest/core/tests/test_faults.py):
#   1. PostgreSQL restarted under load, behind gunicorn (2 sync workers, persistent connections with
#      CONN_HEALTH_CHECKS): errors only for requests in flight, recovery without restarting the app.
#   2. A really full disk (a 256 KB tmpfs as MEDIA_ROOT; needs root) while uploading an archive file:
#      a clear Chinese error, no record, no partial file.
# Results: var/bench/faults-*.json; summarised by hand in docs/benchmarks.md ("FAULTS").
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
unset DEBUG
mkdir -p var/bench

BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
D=$(mktemp -d /tmp/civicnest-faults.XXXXXX)
chmod 755 "$D"; mkdir "$D/data" "$D/sock"
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$D/data" "$D/sock"; as_pg() { (cd "$D" && runuser -u postgres -- "$@"); }; else as_pg() { "$@"; }; fi
PORT=5491
GUNICORN_PID=""
cleanup() {
  [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null || true
  mountpoint -q "$D/full" 2>/dev/null && umount "$D/full" || true
  as_pg "$BIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$D"
}
trap cleanup EXIT
as_pg "$BIN/initdb" -D "$D/data" -E UTF8 --locale=C.UTF-8 -A trust -U postgres >/dev/null
PGOPTS="-p $PORT -c listen_addresses=127.0.0.1 -k $D/sock"
as_pg "$BIN/pg_ctl" -D "$D/data" -l "$D/data/server.log" -w -s -o "$PGOPTS" start
"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres civicnest
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/civicnest" DB_CONN_MAX_AGE=60 ALLOWED_HOSTS=127.0.0.1
export DJANGO_SETTINGS_MODULE=config.settings.base
uv run python manage.py migrate -v0
uv run python -c "import django; django.setup(); from civicnest.regions.loader import load_city; load_city('4201')"

echo "== 1. PostgreSQL restart under load"
# gunicorn directly (not through `uv run`) so that kill reaches it; its error log (the in-flight failures
# during the restart, with tracebacks) goes to a file, not the terminal.
.venv/bin/gunicorn config.wsgi:application -w 2 -b 127.0.0.1:8765 --access-logfile /dev/null \
  --error-logfile "$D/gunicorn.log" 2>"$D/gunicorn.stderr" &
GUNICORN_PID=$!
for _ in $(seq 50); do curl -fs http://127.0.0.1:8765/healthz/ >/dev/null && break; sleep 0.2; done
uv run python bench/faults_load.py --base http://127.0.0.1:8765 --seconds 40 --threads 8 --restart-at 12 \
  --restart-cmd "runuser -u postgres -- $BIN/pg_ctl -D $D/data -l $D/data/server.log -m fast -w -o '$PGOPTS' restart" \
  --pids-cmd "pgrep -P $GUNICORN_PID | sort | tr '\n' ' '" \
  --out var/bench/faults-restart.json
kill "$GUNICORN_PID"; wait "$GUNICORN_PID" 2>/dev/null || true; GUNICORN_PID=""
echo "application errors logged during the run: $(grep -c 'ERROR django.request' "$D/gunicorn.stderr" || true)"

echo "== 2. Full disk while uploading an archive file"
if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$D/full" && mount -t tmpfs -o size=256k tmpfs "$D/full"
  MEDIA_ROOT="$D/full" uv run python - <<'PY' | tee var/bench/faults-fulldisk.txt
import django, json, os, pathlib
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from civicnest.accounts.models import RoleAssignment, User
from civicnest.registry.models import ArchiveDocument
from civicnest.registry.services import archive_upload
from civicnest.registry.tests.factories import OrganizationFactory
org = OrganizationFactory.create(region_id="420102")
officer = User.objects.create_user(username="faults_officer", password="x" * 12)
RoleAssignment.objects.create(user=officer, role="bureau_officer", region_id="420102")
before = ArchiveDocument.objects.count()
try:
    archive_upload(actor=officer, organization=org, doc_type="charter", title="章程",
                   upload=SimpleUploadedFile("章程.pdf", b"%PDF-1.7\n" + os.urandom(1024 * 1024)))
    outcome = "saved (unexpected)"
except ValidationError as exc:
    outcome = "; ".join(exc.messages)
files = [str(p) for p in pathlib.Path(os.environ["MEDIA_ROOT"]).rglob("*") if p.is_file()]
print(json.dumps({"message": outcome, "records_added": ArchiveDocument.objects.count() - before,
                  "files_left": files}, ensure_ascii=False))
PY
else
  echo "(skipped: mounting a tmpfs needs root)"
fi
