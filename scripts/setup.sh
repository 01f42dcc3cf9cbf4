#!/usr/bin/env bash
# Install what CivicNest needs. Idempotent and quick when everything is present.
# Usage: scripts/setup.sh [base|run|test]   (default: base)
set -euo pipefail
cd "$(dirname "$0")/.."

# uv must use the system CA store (TLS-intercepting proxy) and the machine's Python 3.11.
export UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never

MODE=${1:-base}
WEASYPRINT_LIBS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Install only the Debian packages that are missing; apt-get update only if something is.
apt_ensure() {
  local missing=() p
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

base() {
  if ! command -v uv >/dev/null; then
    # The fallback is for Debian's own python3, which refuses plain pip installs (PEP 668).
    python3 -m pip install uv || python3 -m pip install --break-system-packages uv
    if command -v pyenv >/dev/null; then pyenv rehash; fi
    hash -r
    command -v uv >/dev/null || { echo "setup: uv was installed but is not on PATH (~/.local/bin?)" >&2; exit 1; }
  fi
  uv sync --frozen

  command -v npm >/dev/null || apt_ensure nodejs npm
  # npm ci wipes node_modules, so only run it when the lock file is newer than the install.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi

  apt_ensure gettext  # msgfmt, for compilemessages
  if [ -d locale ]; then
    uv run --frozen python manage.py compilemessages --ignore=.venv --ignore=node_modules
  fi
}

case "$MODE" in
  base) base ;;
  run) base; apt_ensure "${WEASYPRINT_LIBS[@]}" fonts-noto-cjk ;;
  test)
    base
    apt_ensure postgresql postgresql-contrib chromium fonts-noto-cjk "${WEASYPRINT_LIBS[@]}" \
      gettext poppler-utils
    # Redis and nginx for the multi-node test (core/tests/test_multinode.py) and bench/multinode.sh.
    apt_ensure redis-server nginx-light
    ;;
  *) echo "usage: $0 [base|run|test]" >&2; exit 2 ;;
esac
