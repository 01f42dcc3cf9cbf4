"""DRF's settings load in any order: a fresh process that reads the paging class first must not hit an import cycle.

CI failed this way: `manage.py makemigrations --check` ran DRF's pagination check before anything had imported
`rest_framework.views`, and config/api.py (then holding the JSON parser) imported itself through APIView."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import django
django.setup()
from rest_framework.settings import api_settings
print(api_settings.DEFAULT_PAGINATION_CLASS.__name__)
print(",".join(p.__name__ for p in api_settings.DEFAULT_PARSER_CLASSES))
"""


def test_drf_settings_import_in_a_fresh_process() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    paging, parsers = done.stdout.split()
    assert paging == "StandardPagination"
    assert parsers.startswith("BoundedJSONParser")
