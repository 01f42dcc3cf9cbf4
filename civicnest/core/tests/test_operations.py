"""Operations: the health endpoint (database, task backlog) and structured JSON logs."""

from __future__ import annotations

import datetime
import json
import logging
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicnest.core.logging import JsonFormatter

pytestmark = pytest.mark.django_db


def _task(status: str, **times: datetime.datetime) -> DBTaskResult:
    result = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="civicnest.matching.tasks.matching_nightly",
        backend_name="default",
        run_after=timezone.now(),
        **{k: v for k, v in times.items() if k != "enqueued_at"},
    )
    if "enqueued_at" in times:  # auto_now_add: set afterwards
        DBTaskResult.objects.filter(pk=result.pk).update(enqueued_at=times["enqueued_at"])
    return result


def test_health_reports_the_task_backlog(client) -> None:
    now = timezone.now()
    _task(TaskResultStatus.READY, enqueued_at=now - datetime.timedelta(minutes=10))
    _task(TaskResultStatus.READY)
    _task(TaskResultStatus.RUNNING, started_at=now - datetime.timedelta(hours=3))
    _task(TaskResultStatus.RUNNING, started_at=now)
    _task(TaskResultStatus.FAILED, finished_at=now - datetime.timedelta(hours=1))
    _task(TaskResultStatus.FAILED, finished_at=now - datetime.timedelta(days=3))
    response = client.get("/healthz/")
    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert tasks["ready"] == 2
    assert 590 <= tasks["oldest_ready_seconds"] <= 700
    assert (tasks["running"], tasks["stale_running"], tasks["failed_24h"]) == (2, 1, 1)


def test_health_answers_503_when_the_database_is_down(client) -> None:
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("server closed")):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_json_log_lines_carry_request_and_exception() -> None:
    request = RequestFactory().get("/registry/organizations/")
    try:
        raise ValueError("坏数据")
    except ValueError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            (request.path,),
            exc_info=__import__("sys").exc_info(),
            extra={"request": request, "status_code": 500},
        )
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR"
    assert line["message"] == "Internal Server Error: /registry/organizations/"
    assert (line["method"], line["path"], line["status_code"]) == (
        "GET",
        "/registry/organizations/",
        500,
    )
    assert "ValueError: 坏数据" in line["exception"]
    assert line["time"].endswith("+00:00")


def test_stale_running_tasks_are_put_back_in_the_queue() -> None:
    import io

    from django.core.management import call_command

    now = timezone.now()
    stale = _task(TaskResultStatus.RUNNING, started_at=now - datetime.timedelta(hours=2))
    fresh = _task(TaskResultStatus.RUNNING, started_at=now - datetime.timedelta(minutes=5))
    out = io.StringIO()
    call_command("tasks_requeue_stale", "--dry-run", stdout=out)
    assert "将重新入队 1 个" in out.getvalue()
    assert DBTaskResult.objects.get(pk=stale.pk).status == TaskResultStatus.RUNNING
    call_command("tasks_requeue_stale", stdout=io.StringIO())
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.started_at) == (TaskResultStatus.READY, None)
    assert fresh.status == TaskResultStatus.RUNNING
    # A worker can claim it again: it is the oldest ready task.
    assert DBTaskResult.objects.ready().filter(pk=stale.pk).exists()
