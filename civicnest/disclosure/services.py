"""Publishing: drafts, scheduled or immediate publication, withdrawal with a reason, attachments."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.core.audit import acting_as
from civicnest.core.uploads import check_document, store_upload
from civicnest.disclosure import permissions
from civicnest.disclosure.models import (
    Announcement,
    Attachment,
    CenterDisclosure,
    PublishStatus,
)
from civicnest.network.models import Center
from civicnest.regions.models import Region
from civicnest.regions.scoping import Scope

ANNOUNCEMENT_FIELDS = ("kind", "title", "summary", "body", "document_number")
DISCLOSURE_FIELDS = ("governance", "work_report", "income", "government_funding", "expenditure")


def _publisher_region(actor: User, center: Center | None, region: Region | None) -> Region:
    if center is not None:
        return center.region
    if region is None:
        code = Scope.for_user(actor).home_region_code
        region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        raise PermissionDenied(_("请以中心名义发布，或由民政部门工作人员发布。"))
    return region


def _check(actor: User, announcement: Announcement) -> None:
    if not permissions.can_publish(
        actor, region_code=announcement.region_id, center=announcement.center
    ):
        if announcement.center is None:
            raise PermissionDenied(_("请以中心名义发布，或由民政部门工作人员发布。"))
        raise PermissionDenied(_("您无权以该单位名义发布。"))


@transaction.atomic
def announcement_create(*, actor: User, data: dict[str, Any]) -> Announcement:
    center: Center | None = data.get("center")
    region = _publisher_region(actor, center, data.get("region"))
    announcement = Announcement(
        region=region,
        center=center,
        publisher=center.name if center else _("%(r)s民政局") % {"r": region.name},
        author=actor,
        **{f: data.get(f, "") for f in ANNOUNCEMENT_FIELDS},
    )
    _check(actor, announcement)
    announcement.full_clean()
    with acting_as(actor):
        announcement.save(force_insert=True)
    return announcement


@transaction.atomic
def announcement_update(
    *, actor: User, announcement: Announcement, data: dict[str, Any]
) -> Announcement:
    _check(actor, announcement)
    if announcement.status == PublishStatus.WITHDRAWN:
        raise ValidationError(_("已撤回的公告不能再修改。"))
    for f in ANNOUNCEMENT_FIELDS:
        if f in data:
            setattr(announcement, f, data[f])
    announcement.full_clean()
    with acting_as(actor):
        announcement.save()
    return announcement


@transaction.atomic
def announcement_publish(
    *, actor: User, announcement: Announcement, publish_at: datetime.datetime | None = None
) -> Announcement:
    """Publish now, or at `publish_at` (scheduled): the portal shows it from that moment on."""
    _check(actor, announcement)
    if announcement.status == PublishStatus.WITHDRAWN:
        raise ValidationError(_("已撤回的公告不能再发布。"))
    now = timezone.now()
    if publish_at is not None and publish_at < now - datetime.timedelta(minutes=5):
        raise ValidationError({"publish_at": [_("定时发布的时间不能早于现在。")]})
    announcement.status = PublishStatus.PUBLISHED
    announcement.publish_at = publish_at or now
    announcement.full_clean()
    with acting_as(actor):
        announcement.save()
    return announcement


@transaction.atomic
def announcement_withdraw(*, actor: User, announcement: Announcement, reason: str) -> Announcement:
    _check(actor, announcement)
    if announcement.status != PublishStatus.PUBLISHED:
        raise ValidationError(_("只有已发布的公告可以撤回。"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写撤回原因。")]})
    announcement.status = PublishStatus.WITHDRAWN
    announcement.withdrawn_reason = reason.strip()[:200]
    with acting_as(actor):
        announcement.save()
    return announcement


@transaction.atomic
def attachment_add(*, actor: User, announcement: Announcement, upload: UploadedFile) -> Attachment:
    _check(actor, announcement)
    check_document(upload)
    attachment = Attachment(
        announcement=announcement, original_name=(upload.name or "")[:255], size=upload.size or 0
    )
    store_upload(attachment.file, upload.name or "attachment", upload, field="file")
    try:
        attachment.full_clean()
        with acting_as(actor):
            attachment.save(force_insert=True)
    except Exception:
        attachment.file.delete(save=False)  # no orphan file behind a failed insert
        raise
    return attachment


def _check_center(actor: User, center: Center) -> None:
    if not permissions.can_publish(actor, region_code=center.region_id, center=center):
        raise PermissionDenied(_("您无权维护该中心的信息公开。"))


@transaction.atomic
def disclosure_save(
    *,
    actor: User,
    center: Center,
    year: int,
    data: dict[str, Any],
    upload: UploadedFile | None = None,
) -> CenterDisclosure:
    """Create or update the year's disclosure; a published one is re-published as corrected."""
    _check_center(actor, center)
    disclosure = CenterDisclosure.objects.select_for_update().filter(
        center=center, year=year
    ).first() or CenterDisclosure(center=center, year=year)
    for f in DISCLOSURE_FIELDS:
        setattr(disclosure, f, data[f])
    disclosure.full_clean(exclude=["report_file"])
    if upload is not None:
        check_document(upload, field="report_file")
        store_upload(
            disclosure.report_file, upload.name or "report.pdf", upload, field="report_file"
        )
    with acting_as(actor):
        disclosure.save()
    return disclosure


@transaction.atomic
def disclosure_publish(*, actor: User, disclosure: CenterDisclosure) -> CenterDisclosure:
    _check_center(actor, disclosure.center)
    disclosure.status = PublishStatus.PUBLISHED
    disclosure.published_at = timezone.now()
    with acting_as(actor):
        disclosure.save()
    return disclosure
