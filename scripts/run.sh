#!/usr/bin/env bash
# Run CivicNest locally: migrate, seed demo data, task worker in the background, dev server.
# Listens on 127.0.0.1:${PORT:-8000}.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1

scripts/setup.sh run
mkdir -p var
uv run python manage.py migrate --noinput
uv run python manage.py seed_demo  # prints the demo logins

# One worker for both queues: it is also the one process that holds the matching index.
uv run python manage.py db_worker --queue-name default,matching &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true' EXIT  # uv forwards the TERM to the worker
trap 'exit 130' INT
trap 'exit 143' TERM

uv run python manage.py runserver "127.0.0.1:${PORT:-8000}"
