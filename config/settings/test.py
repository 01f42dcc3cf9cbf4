"""Test settings: fast hashing, immediate tasks, in-memory mail, no lock-out unless a test enables it."""

from __future__ import annotations

import os

from config.env import env_bool

from .base import *  # noqa: F403
from .base import DATABASES, TASK_QUEUES, VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": TASK_QUEUES,
    }
}
AXES_ENABLED = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared-cache memory: concurrent writers then wait on SQLite's lock (busy_timeout) the
    # way they do in production, instead of failing at once with "database table is locked".
    # CIVICNEST_TEST_DB names another file, so two runs in one checkout do not share (and corrupt) one database.
    _name = os.environ.get("CIVICNEST_TEST_DB", "test-civicnest")
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"{_name}.sqlite3")}
# Tests see every change at once; civicnest/core/tests/test_paging.py turns both caches on.
STATS_CACHE_SECONDS = 0
LIST_CACHE_SECONDS = 0
# Dashboards read the roll-up only where a test builds it (civicnest/stats/tests/test_rollup.py turns
# the self-refresh on).
STATS_ROLLUP_STALE_MINUTES = 0
STATS_ROLLUP_ON_WRITE = False  # the immediate task backend would recompute the month on every save

if env_bool("CIVICNEST_TEST_NODE"):
    # An app node started by core/tests/test_multinode.py: the test settings (fast hashing, the test database),
    # but lock-outs and the list cache on, as in production, so the test sees what nodes share.
    AXES_ENABLED = True
    LIST_CACHE_SECONDS = 30
