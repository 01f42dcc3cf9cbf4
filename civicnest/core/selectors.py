from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicnest.core.models import Notification


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def task_queue_stats(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Backlog of the django-tasks database queue, for /healthz/ and monitoring."""

    now = now or timezone.now()
    results = DBTaskResult.objects.all()
    ready = results.filter(status=TaskResultStatus.READY)
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    stale_before = now - datetime.timedelta(minutes=settings.TASK_STALE_MINUTES)
    return {
        "ready": ready.count(),
        "oldest_ready_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "running": results.filter(status=TaskResultStatus.RUNNING).count(),
        "stale_running": results.filter(
            status=TaskResultStatus.RUNNING, started_at__lt=stale_before
        ).count(),
        "failed_24h": results.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=now - datetime.timedelta(hours=24)
        ).count(),
    }
