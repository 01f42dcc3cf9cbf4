from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from auditlog.models import LogEntry
from django.conf import settings
from django.db.models import CharField, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from civicnest.accounts.roles import Role
from civicnest.core.models import Notification
from civicnest.regions.scoping import Scope

if TYPE_CHECKING:
    from civicnest.accounts.models import User


def notification_list(*, user: User | Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user: User | Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def audit_entry_list(
    *, scope: Scope, q: str = "", model: str = "", action: str = "", actor: str = ""
) -> QuerySet[LogEntry]:
    """Audit entries of objects inside the scope's regions (each entry carries its object's region code)."""
    entries = scope.filter(
        LogEntry.objects.select_related("actor", "content_type").annotate(
            region_code=Cast(KeyTextTransform("region", "additional_data"), CharField())
        ),
        "region_code",
        roles=[Role.BUREAU_OFFICER],
    )
    if q:
        entries = entries.filter(Q(object_repr__icontains=q) | Q(object_pk=q))
    if model:
        entries = entries.filter(content_type__model=model)
    if action != "":
        entries = entries.filter(action=int(action))
    if actor:
        entries = entries.filter(actor__username__icontains=actor)
    return entries.order_by("-timestamp", "-id")


def task_queue_stats(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Backlog of the django-tasks database queue, for /healthz/ and monitoring."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

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
