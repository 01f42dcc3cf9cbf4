#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster, with DATABASE_URL pointing at it.
# Usage: scripts/with-postgres.sh CMD [ARGS...]   (exit code is the command's)
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
[ -x "${BIN:-}/pg_ctl" ] || { echo "with-postgres: no PostgreSQL server; run scripts/setup.sh test" >&2; exit 1; }

# Under /tmp rather than the repo: the postgres user can traverse it even when the repo is
# under /root, and the socket path stays short.
D=$(mktemp -d "${TMPDIR:-/tmp}/civicnest-pgtest-$$.XXXXXX")
chmod 755 "$D"
mkdir "$D/data" "$D/sock"

if [ "$(id -u)" -eq 0 ]; then
  # The server refuses to run as root.
  chown postgres:postgres "$D/data" "$D/sock"
  as_pg() { (cd "$D" && runuser -u postgres -- "$@"); }
else
  as_pg() { "$@"; }
fi

cleanup() {
  local rc=$?
  if [ -f "$D/data/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$D"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_pg "$BIN/initdb" -D "$D/data" -E UTF8 --locale=C.UTF-8 -A trust -U postgres >/dev/null

free_port() {
  python3 -c '
import socket
for port in range(5433, 5633):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
'
}

# Retry: a parallel run may grab the same port between the check and the server's bind.
# fsync etc. off: the data is thrown away anyway, and the tests run faster.
for _ in 1 2 3 4 5; do
  PORT=$(free_port)
  if as_pg "$BIN/pg_ctl" -D "$D/data" -l "$D/data/server.log" -w -s start \
      -o "-p $PORT -c listen_addresses=127.0.0.1 -k $D/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" 2>/dev/null; then
    STARTED=1
    break
  fi
done
if [ -z "${STARTED:-}" ]; then
  echo "with-postgres: server did not start" >&2
  tail -n 20 "$D/data/server.log" >&2 || true
  exit 1
fi

"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres civicnest
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/civicnest"
echo "with-postgres: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') at $DATABASE_URL (data in $D)" >&2
"$@"
