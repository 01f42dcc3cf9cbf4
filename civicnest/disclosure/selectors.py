"""Reads: staff see what their jurisdiction published; the public sees only what is published and due."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.disclosure.models import (
    Announcement,
    Attachment,
    CenterDisclosure,
    PublishStatus,
)
from civicnest.network.models import Center
from civicnest.regions.scoping import Scope


def announcements_visible_to(user: Any) -> QuerySet[Announcement]:
    scope = Scope.for_user(user)
    if not scope.is_staff_member:
        return Announcement.objects.none()
    return scope.filter(Announcement.objects.select_related("region", "center"), "region")


def access_announcement_by_id(user: Any, pk: int) -> Announcement:
    found = announcements_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("公告不存在或不在您的管辖范围内。"))
    return found


def public_announcements(*, kind: str = "") -> QuerySet[Announcement]:
    qs = Announcement.objects.filter(
        status=PublishStatus.PUBLISHED, publish_at__lte=timezone.now()
    ).order_by("-publish_at", "-pk")
    return qs.filter(kind=kind) if kind else qs


def public_announcement(pk: int) -> Announcement:
    found = public_announcements().prefetch_related("attachments").filter(pk=pk).first()
    if found is None:
        raise Http404(_("公告不存在或尚未发布。"))
    return found


def public_attachment(pk: int) -> Attachment:
    found = Attachment.objects.filter(pk=pk, announcement__in=public_announcements()).first()
    if found is None:
        raise Http404(_("附件不存在或尚未公开。"))
    return found


def center_disclosures(*, center: Center) -> QuerySet[CenterDisclosure]:
    return CenterDisclosure.objects.filter(center=center).order_by("-year")


def public_center_disclosures(*, center: Center) -> QuerySet[CenterDisclosure]:
    return center_disclosures(center=center).filter(status=PublishStatus.PUBLISHED)


def public_disclosure_file(pk: int) -> CenterDisclosure:
    found = (
        CenterDisclosure.objects.filter(pk=pk, status=PublishStatus.PUBLISHED)
        .exclude(report_file="")
        .first()
    )
    if found is None:
        raise Http404(_("文件不存在或尚未公开。"))
    return found
