"""gunicorn settings (`gunicorn -c config/gunicorn.conf.py`): used by bench/run_load.sh; a starting point for
production (docs/benchmarks.md, LOAD). Environment: WEB_CONCURRENCY (workers, default 2), GUNICORN_BIND,
GUNICORN_TIMEOUT, CIVICNEST_WARM_MATCHING=0 to skip building the matching index before the workers start.

The matching engine keeps an in-memory index of every active service offering per process. Built lazily, the
first need submitted to a fresh worker pays for the whole build (about 28 s for 50,000 offerings on a quiet
machine, more under load) — longer than the worker timeout, so the worker was killed and the request failed
(found by the load test). With preload_app the index is built once in the master before the workers fork,
and they share it copy-on-write; each worker then only applies the changes since.
"""

from __future__ import annotations

import os
from typing import Any

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
preload_app = True
accesslog = None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")


def when_ready(server: Any) -> None:
    """In the master, after the application is loaded and before any worker forks."""
    if os.environ.get("CIVICNEST_WARM_MATCHING", "1") != "1":
        return
    from django.db import connections

    from civicnest.matching.live_index import live_index

    index = live_index.sync()
    server.log.warning("matching index warmed: %d offerings", len(index.docs))
    connections.close_all()  # never share a database connection with the forked workers
