#!/usr/bin/env bash
# Everything CI checks: setup, lint, types, migrations, deploy check, security scan, pytest on SQLite and PostgreSQL.
# Extra pytest arguments: PYTEST_ARGS="-k search" scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# UV_FROZEN: `uv run` uses uv.lock as is and never rewrites it.
export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never UV_FROZEN=1

banner() { printf '\n\033[1m==== %s ====\033[0m\n' "$*"; }

eval "EXTRA=(${PYTEST_ARGS:-})"  # eval so quoting works: PYTEST_ARGS='-k "a and b"'
PYTEST=(uv run pytest -n 2 -p no:cacheprovider "${EXTRA[@]}")

banner "setup"
scripts/setup.sh test

banner "ruff check"
uv run ruff check .

banner "ruff format --check"
uv run ruff format --check .

banner "mypy"
uv run mypy .

banner "import contract (layers, docs/architecture.md)"
uv run lint-imports

banner "migrations are up to date"
DJANGO_SETTINGS_MODULE=config.settings.test uv run python manage.py makemigrations --check --dry-run

banner "deploy check (production settings)"
DJANGO_SETTINGS_MODULE=config.settings.production \
  SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" \
  ALLOWED_HOSTS=example.org \
  uv run python manage.py check --deploy --fail-level WARNING

banner "security scan (bandit, pip-audit)"
scripts/security-scan.sh

banner "pytest on SQLite"
env -u DATABASE_URL DJANGO_ALLOW_ASYNC_UNSAFE=true "${PYTEST[@]}"

banner "pytest on PostgreSQL"
DJANGO_ALLOW_ASYNC_UNSAFE=true scripts/with-postgres.sh "${PYTEST[@]}"

banner "all checks passed"
