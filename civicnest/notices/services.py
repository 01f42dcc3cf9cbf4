"""Sending a notice fans it out to the recipients' inboxes with one read receipt each."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.audit import acting_as
from civicnest.core.services import notify
from civicnest.network.models import Center
from civicnest.network.permissions import can_edit_center
from civicnest.notices.models import Audience, Notice, Receipt
from civicnest.regions.codes import subtree_q
from civicnest.regions.models import Region
from civicnest.regions.scoping import Scope


def _recipients(notice: Notice) -> dict[int, tuple[Any, str]]:
    """{user id: (user, unit name)} of everyone the notice reaches."""
    found: dict[int, tuple[Any, str]] = {}
    grants = RoleAssignment.objects.select_related("user", "center", "organization").filter(
        user__is_active=True
    )
    if notice.center is not None:
        # A center writes to the organizations it serves.
        reps = grants.filter(role=Role.ORG_REP, organization__center=notice.center)
    else:
        reps = grants.filter(role=Role.ORG_REP).filter(
            subtree_q([notice.region_id], "organization__region")
        )
    if notice.audience in (Audience.ORGANIZATIONS, Audience.BOTH):
        for g in reps:
            found.setdefault(g.user_id, (g.user, g.organization.name if g.organization else ""))
    if notice.audience in (Audience.CENTERS, Audience.BOTH) and notice.center is None:
        staff = grants.filter(role=Role.CENTER_STAFF, center__isnull=False).filter(
            subtree_q([notice.region_id], "center__region")
        )
        for g in staff:
            found.setdefault(g.user_id, (g.user, g.center.name if g.center else ""))
    found.pop(notice.sender_id, None)
    return found


@transaction.atomic
def notice_send(*, actor: User, data: dict[str, Any]) -> Notice:
    center: Center | None = data.get("center")
    scope = Scope.for_user(actor)
    if center is not None:
        if not can_edit_center(actor, center):
            raise PermissionDenied(_("您无权以该中心名义发送通知。"))
        region = center.region
        sender_name = center.name
        if data["audience"] != Audience.ORGANIZATIONS:
            raise ValidationError({"audience": [_("中心只能向其服务的社会组织发送通知。")]})
    else:
        home = data.get("region") or Region.objects.filter(code=scope.home_region_code).first()
        if home is None or not (
            scope.is_superuser or scope.covers(home.code, roles=[Role.BUREAU_OFFICER])
        ):
            raise PermissionDenied(_("只有民政部门工作人员可以向辖区内各中心和组织发送通知。"))
        region = home
        sender_name = _("%(r)s民政局") % {"r": region.name}
    notice = Notice(
        sender=actor,
        sender_name=sender_name,
        center=center,
        region=region,
        audience=data["audience"],
        title=data["title"],
        body=data["body"],
        reply_by=data.get("reply_by"),
    )
    notice.full_clean()
    recipients = _recipients(notice)
    if not recipients:
        raise ValidationError(_("范围内没有可接收通知的用户（中心工作人员或社会组织负责人）。"))
    with acting_as(actor):
        notice.save(force_insert=True)
    Receipt.objects.bulk_create(
        [
            Receipt(notice=notice, recipient=user, unit_name=unit[:120])
            for user, unit in recipients.values()
        ]
    )
    notify(
        event="notice",
        recipients=[user for user, _unit in recipients.values()],
        title=_("【工作通知】%(t)s") % {"t": notice.title},
        body=sender_name,
        url=notice.get_absolute_url(),
    )
    return notice


def notice_mark_read(*, actor: User, notice: Notice) -> None:
    """Opening a notice is its read receipt; the first opening counts."""
    Receipt.objects.filter(notice=notice, recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
