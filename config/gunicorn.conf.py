"""gunicorn settings (`gunicorn -c config/gunicorn.conf.py`): used by bench/run_load.sh and bench/multinode.sh; a
starting point for production (docs/benchmarks.md, LOAD). Environment: WEB_CONCURRENCY (workers, default 2),
GUNICORN_BIND, GUNICORN_TIMEOUT.

Web workers never rank offerings: a submitted need or a 刷新推荐 queues `need_suggest` on the "matching" task
queue, whose one worker per machine holds the matching index (decision "对接索引只在 matching 队列的进程里").
So nothing is warmed here; preload_app only shares the loaded code between the workers.
"""

from __future__ import annotations

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
preload_app = True
accesslog = None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
