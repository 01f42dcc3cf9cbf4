"""Every write of 党建: validate → check the actor's jurisdiction → save → audit → notify on commit."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.selectors import org_reps_of
from civicnest.core.audit import acting_as
from civicnest.core.services import notify
from civicnest.network.models import Center
from civicnest.party import permissions
from civicnest.party.models import PartyActivity, PartyGuide, PartyOrganization, PartyOrgKind
from civicnest.regions.codes import same_district, within
from civicnest.regions.models import Region
from civicnest.registry.models import SocialOrganization

PARTY_ORG_FIELDS = ("name", "secretary_name", "member_count", "founded_on", "superior")
GUIDE_FIELDS = ("name", "phone", "affiliation", "starts_on", "ends_on")
ACTIVITY_FIELDS = ("kind", "held_on", "topic", "attendance", "attendees", "summary")

NOT_IN_SCOPE = _("该单位不在您的管辖范围内。")
ONE_HOST = _("请选择党组织所在的社会组织或中心（二选一）。")
ONLY_JOINT_COVERS = _("只有联合党支部可以覆盖其他社会组织。")
JOINT_NEEDS_COVERED = _("联合党支部须至少覆盖一家其他社会组织。")
ALREADY_HAS_OWN = _("%(org)s 已有自己的党组织。")
ALREADY_COVERED = _("%(org)s 已被联合党支部“%(branch)s”覆盖。")
COVERED_OUTSIDE = _("%(org)s 与党组织所在单位不在同一区县。")
GUIDE_NOT_STREET = _("党建指导员由街道选派：请选择您辖区内的街道。")
GUIDE_ORG_OUTSIDE = _("%(org)s 不在该街道。")
GUIDE_NEEDS_ORGS = _("请至少选择一家联系指导的社会组织。")
ACTIVITY_BEFORE_FOUNDED = _("活动日期不能早于党组织成立日期。")
ATTENDANCE_TOO_HIGH = _("出席人数不能超过党员人数（列席人员请写在活动内容中）。")
DISSOLVED = _("党组织已撤销，不能再记录活动。")


def _other_joint(org: SocialOrganization, exclude_pk: int | None) -> PartyOrganization | None:
    return (
        PartyOrganization.objects.filter(
            covered_organizations=org, kind=PartyOrgKind.JOINT, dissolved_on__isnull=True
        )
        .exclude(pk=exclude_pk or 0)
        .first()
    )


def _check_covered(
    *, actor: User, party_org: PartyOrganization, covered: Iterable[SocialOrganization]
) -> list[SocialOrganization]:
    covered = [o for o in covered if o.pk != party_org.organization_id]
    if party_org.kind != PartyOrgKind.JOINT:
        if covered:
            raise ValidationError({"covered_organizations": [ONLY_JOINT_COVERS]})
        return []
    if not covered:
        raise ValidationError({"covered_organizations": [JOINT_NEEDS_COVERED]})
    errors = []
    for org in covered:
        if not permissions.can_manage_party(actor, org.region_id):
            raise PermissionDenied(NOT_IN_SCOPE)
        if not same_district(org.region_id, party_org.region_id):
            errors.append(COVERED_OUTSIDE % {"org": org.name})
        elif PartyOrganization.objects.filter(organization=org, dissolved_on__isnull=True).exists():
            errors.append(ALREADY_HAS_OWN % {"org": org.name})
        elif (other := _other_joint(org, party_org.pk)) is not None:
            errors.append(ALREADY_COVERED % {"org": org.name, "branch": other.name})
    if errors:
        raise ValidationError({"covered_organizations": errors})
    return covered


@transaction.atomic
def party_org_create(*, actor: User, data: dict[str, Any]) -> PartyOrganization:
    """Record the party organization of an organization or a center (a joint branch lists the
    organizations it covers)."""
    organization: SocialOrganization | None = data.get("organization")
    center: Center | None = data.get("center")
    if (organization is None) == (center is None):
        raise ValidationError({"organization": [ONE_HOST]})
    host_region = organization.region_id if organization else center.region_id  # type: ignore[union-attr]
    if not permissions.can_manage_party(actor, host_region):
        raise PermissionDenied(NOT_IN_SCOPE)
    party_org = PartyOrganization(
        kind=data.get("kind", ""),
        region_id=host_region,
        organization=organization,
        center=center,
        created_by=actor,
        **{f: data.get(f) if data.get(f) is not None else "" for f in PARTY_ORG_FIELDS},
    )
    other = _other_joint(organization, None) if organization is not None else None
    if other is not None and organization is not None and party_org.kind != PartyOrgKind.JOINT:
        message = ALREADY_COVERED % {"org": organization.name, "branch": other.name}
        raise ValidationError({"organization": [message]})
    party_org.full_clean()
    covered = _check_covered(
        actor=actor, party_org=party_org, covered=data.get("covered_organizations") or []
    )
    with acting_as(actor):
        party_org.save(force_insert=True)
        party_org.covered_organizations.set(covered)
    return party_org


@transaction.atomic
def party_org_update(
    *, actor: User, party_org: PartyOrganization, data: dict[str, Any]
) -> PartyOrganization:
    if not permissions.can_manage_party(actor, party_org.region_id):
        raise PermissionDenied(_("您无权修改该党组织。"))
    party_org = PartyOrganization.objects.select_for_update().get(pk=party_org.pk)
    for f in PARTY_ORG_FIELDS:
        if f in data:
            setattr(party_org, f, data[f] if data[f] is not None else "")
    if "kind" in data:
        party_org.kind = data["kind"]
    party_org.full_clean()
    covered = _check_covered(
        actor=actor,
        party_org=party_org,
        covered=data.get("covered_organizations", party_org.covered_organizations.all()) or [],
    )
    with acting_as(actor):
        party_org.save()
        party_org.covered_organizations.set(covered)
    return party_org


@transaction.atomic
def party_org_dissolve(
    *, actor: User, party_org: PartyOrganization, dissolved_on: datetime.date
) -> PartyOrganization:
    if not permissions.can_manage_party(actor, party_org.region_id):
        raise PermissionDenied(_("您无权撤销该党组织。"))
    party_org = PartyOrganization.objects.select_for_update().get(pk=party_org.pk)
    if party_org.dissolved_on is not None:
        raise ValidationError(_("该党组织已撤销。"))
    if dissolved_on > timezone.localdate():
        raise ValidationError({"dissolved_on": [_("撤销日期不能晚于今天。")]})
    party_org.dissolved_on = dissolved_on
    party_org.full_clean()
    with acting_as(actor):
        party_org.save()
    return party_org


def _check_guide_orgs(
    region: Region, organizations: Iterable[SocialOrganization]
) -> list[SocialOrganization]:
    organizations = list(organizations)
    if not organizations:
        raise ValidationError({"organizations": [GUIDE_NEEDS_ORGS]})
    outside = [o.name for o in organizations if not within(o.region_id, region.code)]
    if outside:
        raise ValidationError(
            {"organizations": [GUIDE_ORG_OUTSIDE % {"org": name} for name in outside]}
        )
    return organizations


@transaction.atomic
def guide_assign(*, actor: User, data: dict[str, Any]) -> PartyGuide:
    """A street assigns a 党建指导员 to organizations in its area; their representatives are told."""
    region: Region | None = data.get("region")
    if region is None or not permissions.can_assign_guide(actor, region.code):
        raise ValidationError({"region": [GUIDE_NOT_STREET]})
    guide = PartyGuide(
        region=region,
        assigned_by=actor,
        **{
            f: data.get(f) if data.get(f) is not None or f == "ends_on" else ""
            for f in GUIDE_FIELDS
        },
    )
    guide.full_clean()
    organizations = _check_guide_orgs(region, data.get("organizations") or [])
    with acting_as(actor):
        guide.save(force_insert=True)
        guide.organizations.set(organizations)
    reps = {u for o in organizations for u in org_reps_of(o.pk)}
    if reps:
        transaction.on_commit(
            lambda: notify(
                event="party.guide_assigned",
                recipients=reps,
                title=_("街道已为贵组织选派党建指导员：%(name)s") % {"name": guide.name},
                url=guide.get_absolute_url(),
            )
        )
    return guide


@transaction.atomic
def guide_update(*, actor: User, guide: PartyGuide, data: dict[str, Any]) -> PartyGuide:
    if not permissions.can_assign_guide(actor, guide.region_id):
        raise PermissionDenied(_("您无权修改该党建指导员的派驻。"))
    guide = PartyGuide.objects.select_for_update().get(pk=guide.pk)
    for f in GUIDE_FIELDS:
        if f in data:
            setattr(guide, f, data[f] if data[f] is not None or f == "ends_on" else "")
    guide.full_clean()
    organizations = _check_guide_orgs(
        guide.region, data.get("organizations", guide.organizations.all()) or []
    )
    with acting_as(actor):
        guide.save()
        guide.organizations.set(organizations)
    return guide


@transaction.atomic
def activity_record(
    *, actor: User, party_org: PartyOrganization, data: dict[str, Any]
) -> PartyActivity:
    """Record an activity held (三会一课, 主题党日…) with its attendance."""
    if not party_org.is_active:
        raise ValidationError(DISSOLVED)
    if not permissions.can_record_activity(actor, party_org):
        raise PermissionDenied(_("您无权为该党组织记录活动。"))
    activity = PartyActivity(
        party_org=party_org,
        region_id=party_org.region_id,
        recorded_by=actor,
        **{f: data.get(f) if data.get(f) is not None else "" for f in ACTIVITY_FIELDS},
    )
    activity.full_clean()
    errors: dict[str, list[str]] = {}
    if activity.held_on < party_org.founded_on:
        errors["held_on"] = [ACTIVITY_BEFORE_FOUNDED]
    if activity.attendance > party_org.member_count:
        errors["attendance"] = [ATTENDANCE_TOO_HIGH]
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        activity.save(force_insert=True)
    return activity
