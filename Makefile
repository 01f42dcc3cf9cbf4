SHELL := /bin/bash

export UV_SYSTEM_CERTS := 1
export UV_PYTHON_DOWNLOADS := never
export UV_FROZEN := 1
# Extra pytest arguments, e.g. make test-sqlite PYTEST_ARGS="-k search"
export PYTEST_ARGS ?=

PYTEST := uv run pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

.PHONY: run test setup lint fmt test-sqlite test-pg messages bench

run:
	scripts/run.sh

test:
	scripts/test.sh

setup:
	scripts/setup.sh test

lint:
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy .
	uv run lint-imports

fmt:
	uv run ruff format .
	uv run ruff check --fix .

test-sqlite:
	env -u DATABASE_URL DJANGO_ALLOW_ASYNC_UNSAFE=true $(PYTEST)

test-pg:
	DJANGO_ALLOW_ASYNC_UNSAFE=true scripts/with-postgres.sh $(PYTEST)

messages:
	uv run python manage.py makemessages -l en --ignore=.venv --ignore=node_modules
	uv run python manage.py compilemessages --ignore=.venv --ignore=node_modules

# Registry, venues and matching benchmarks (each on SQLite, then PostgreSQL), then the city-scale load test
# (generate_city + gunicorn + locust on PostgreSQL, ~20 min); writes docs/benchmarks.md. Never part of `make test`.
bench:
	bench/run_registry.sh
	bench/run_venues.sh
	bench/run_matching.sh
	bench/run_load.sh
	bench/run_dashboards.sh
