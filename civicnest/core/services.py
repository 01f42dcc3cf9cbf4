"""Writes owned by core: notifications fan-out."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from civicnest.core.models import Notification
from civicnest.core.tasks import notification_email_send, notification_sms_send

# The user model (accounts.User): the kernel does not import the apps above it.
User = Any


def notify(
    *,
    event: str,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    sms: bool = False,
) -> list[Notification]:
    """Fan one event out to the in-app inbox, e-mail (where the user has one) and optionally SMS.

    E-mail and SMS are queued as background tasks after the surrounding transaction commits, so a
    rolled-back operation never sends anything.
    """
    users = list({user.pk: user for user in recipients if user.is_active}.values())
    notes = Notification.objects.bulk_create(
        [Notification(recipient=u, event=event, title=title, body=body, url=url) for u in users]
    )
    message = f"{body}\n\n{url}".strip()
    for user in users:
        if user.email:
            transaction.on_commit(partial(_send_email, to=user.email, subject=title, body=message))
        if sms and user.phone:
            transaction.on_commit(partial(_send_sms, phone=user.phone, text=title))
    return notes


def notification_mark_read(*, user: User | Any, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the user's unread notifications as read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def _send_email(*, to: str, subject: str, body: str) -> None:
    notification_email_send.enqueue(to=to, subject=subject, body=body)


def _send_sms(*, phone: str, text: str) -> None:
    notification_sms_send.enqueue(phone=phone, text=text)
