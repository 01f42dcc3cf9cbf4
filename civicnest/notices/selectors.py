from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicnest.notices.models import Notice, Receipt
from civicnest.regions.scoping import Scope


def notices_received(user: Any) -> QuerySet[Receipt]:
    return (
        Receipt.objects.filter(recipient=user)
        .select_related("notice")
        .order_by("-notice__created_at")
    )


def notices_sent(user: Any) -> QuerySet[Notice]:
    """Notices sent inside the user's jurisdiction (staff), with their read counts."""
    scope = Scope.for_user(user)
    if not scope.is_staff_member:
        return Notice.objects.none()
    return scope.filter(Notice.objects.all(), "region").annotate(
        recipients=Count("receipts"),
        read=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
    )


def access_notice_by_id(user: Any, pk: int) -> tuple[Notice, bool]:
    """The notice and whether the user may see its receipts (staff of its jurisdiction)."""
    notice = notices_sent(user).filter(pk=pk).first()
    if notice is not None:
        return notice, True
    receipt = notices_received(user).filter(notice_id=pk).first()
    if receipt is None:
        raise Http404(_("通知不存在或您不是接收人。"))
    return receipt.notice, False
