"""Every write to centers and their staff: validate, check the actor's scope, save, audit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.core.audit import acting_as
from civicnest.network.models import LEVEL_ORDER, Center, CenterStaff
from civicnest.network.permissions import can_create_center, can_edit_center

CENTER_FIELDS = (
    "name",
    "center_type",
    "level",
    "region",
    "parent",
    "operation_mode",
    "address",
    "premises_area",
    "contact_name",
    "contact_phone",
    "email",
    "opening_hours",
    "opening_date",
    "status",
    "description",
    "premises_independent",
    "has_party_org",
    "has_board",
    "has_supervisor",
    "has_financial_rules",
    "has_personnel_rules",
    "has_procedure_rules",
)
STAFF_FIELDS = (
    "name",
    "position",
    "employment",
    "social_worker_level",
    "is_party_member",
    "phone",
    "joined_on",
    "annual_pay",
    "is_active",
)


def _check_placement(center: Center) -> None:
    """A center sits on a region of its own level, under a parent of the same or a higher level."""
    errors: dict[str, list[str]] = {}
    region = center.region
    if region.level != center.level:
        errors["region"] = [
            _("所选区划“%(region)s”是%(region_level)s，与中心层级“%(level)s”不符。")
            % {
                "region": region.name,
                "region_level": region.get_level_display(),
                "level": center.get_level_display(),
            }
        ]
    parent = center.parent
    if parent is not None:
        if center.pk and parent.pk == center.pk:
            errors["parent"] = [_("中心不能以自身为上级中心。")]
        elif not center.region_id.startswith(parent.region_id):
            errors["parent"] = [_("上级中心必须位于本中心所在区划或其上级区划。")]
        elif LEVEL_ORDER.index(parent.level) > LEVEL_ORDER.index(center.level):  # type: ignore[arg-type]
            errors["parent"] = [_("上级中心的层级不能低于本中心。")]
        elif center.pk and _is_descendant(parent, center):
            errors["parent"] = [_("不能把下级中心设为上级中心。")]
    if errors:
        raise ValidationError(errors)


def _is_descendant(candidate: Center, ancestor: Center) -> bool:
    node: Center | None = candidate
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == ancestor.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


@transaction.atomic
def center_create(*, actor: User, data: dict[str, Any]) -> Center:
    center = Center(**{k: v for k, v in data.items() if k in CENTER_FIELDS})
    center.full_clean()
    _check_placement(center)
    if not can_create_center(actor, region_code=center.region_id, parent=center.parent):
        raise PermissionDenied(_("您无权在该区划新建中心。"))
    with acting_as(actor):
        center.save(force_insert=True)
    return center


@transaction.atomic
def center_update(*, actor: User, center: Center, data: dict[str, Any]) -> Center:
    locked = (
        Center.objects.select_for_update(of=("self",))
        .select_related("region", "parent")
        .get(pk=center.pk)
    )
    if not can_edit_center(actor, locked):
        raise PermissionDenied(_("您没有修改该中心的权限。"))
    changed = [k for k, v in data.items() if k in CENTER_FIELDS and getattr(locked, k) != v]
    for key in changed:
        setattr(locked, key, data[key])
    locked.full_clean()
    _check_placement(locked)
    # Moving a center must keep it inside the actor's jurisdiction.
    if "region" in changed and not can_create_center(
        actor, region_code=locked.region_id, parent=locked.parent
    ):
        raise PermissionDenied(_("不能把中心移到您管辖范围以外的区划。"))
    if changed:
        with acting_as(actor):
            locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def staff_create(*, actor: User, center: Center, data: dict[str, Any]) -> CenterStaff:
    if not can_edit_center(actor, center):
        raise PermissionDenied(_("您没有管理该中心人员的权限。"))
    staff = CenterStaff(center=center, **{k: v for k, v in data.items() if k in STAFF_FIELDS})
    staff.full_clean()
    with acting_as(actor):
        staff.save(force_insert=True)
    return staff


@transaction.atomic
def staff_update(*, actor: User, staff: CenterStaff, data: dict[str, Any]) -> CenterStaff:
    locked = (
        CenterStaff.objects.select_for_update(of=("self",))
        .select_related("center")
        .get(pk=staff.pk)
    )
    if not can_edit_center(actor, locked.center):
        raise PermissionDenied(_("您没有管理该中心人员的权限。"))
    changed = [k for k, v in data.items() if k in STAFF_FIELDS and getattr(locked, k) != v]
    for key in changed:
        setattr(locked, key, data[key])
    locked.full_clean()
    if changed:
        with acting_as(actor):
            locked.save(update_fields=[*changed, "updated_at"])
    return locked
