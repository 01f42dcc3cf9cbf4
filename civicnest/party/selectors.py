"""Every read of 党建, already scoped; and the one home of the W 四(二) rule.

W 四(二): "有党员3人以上的，同步建立党组织" — an organization (or a center) with three or more party
members sets up a party organization at the same time as it is established. The platform gives it
`PARTY_ORG_DEADLINE_DAYS` (settings) from its registration (a center: from its opening) and lists the
ones past that deadline for the staff whose jurisdiction covers them. An organization is covered when it
hosts an active party organization of its own or an active 联合党支部 covers it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.core.masking import mask_name, mask_phone
from civicnest.network.models import Center, CenterStaff, CenterStatus
from civicnest.network.selectors import centers_visible_to
from civicnest.party import permissions
from civicnest.party.models import (
    BRANCH_MIN_MEMBERS,
    PartyActivity,
    PartyGuide,
    PartyOrganization,
    PartyOrgKind,
)
from civicnest.regions.models import Region, RegionLevel
from civicnest.regions.scoping import Scope
from civicnest.registry.models import OrgStatus, SocialOrganization
from civicnest.registry.selectors import organizations_visible_to

# -- the W 四(二) rule -----------------------------------------------------------------------------


def deadline_days() -> int:
    return int(settings.PARTY_ORG_DEADLINE_DAYS)


def due_date(start: datetime.date) -> datetime.date:
    """The day by which an organization established on `start` must have its party organization."""
    return start + datetime.timedelta(days=deadline_days())


def org_has_party_org_q() -> Q:
    """An organization hosting an active party organization, or covered by an active joint branch."""
    own = PartyOrganization.objects.filter(organization=OuterRef("pk"), dissolved_on__isnull=True)
    joint = PartyOrganization.objects.filter(
        covered_organizations=OuterRef("pk"), kind=PartyOrgKind.JOINT, dissolved_on__isnull=True
    )
    return Q(Exists(own)) | Q(Exists(joint))


def org_requires_party_org_q() -> Q:
    """Organizations the rule applies to: ≥ 3 party members and not deregistered."""
    return Q(party_member_count__gte=BRANCH_MIN_MEMBERS) & ~Q(status=OrgStatus.DEREGISTERED)


def org_overdue_q(today: datetime.date) -> Q:
    """Past the deadline and still without a party organization."""
    latest_start = today - datetime.timedelta(days=deadline_days())
    return org_requires_party_org_q() & ~org_has_party_org_q() & Q(registered_on__lt=latest_start)


@dataclass(frozen=True)
class RuleRow:
    """One organization or center that must set up a party organization."""

    kind: str  # "organization" or "center"
    pk: int
    name: str
    region_id: str
    party_members: int
    starts_on: datetime.date
    due_on: datetime.date
    today: datetime.date

    @property
    def overdue(self) -> bool:
        return self.today > self.due_on

    @property
    def days_over(self) -> int:
        return max((self.today - self.due_on).days, 0)

    @property
    def days_left(self) -> int:
        return max((self.due_on - self.today).days, 0)


def organizations_requiring_party_org(*, user: Any) -> QuerySet[SocialOrganization]:
    """Organizations in the user's view that the rule applies to and that have no party organization."""
    return (
        organizations_visible_to(user)
        .filter(org_requires_party_org_q())
        .exclude(org_has_party_org_q())
        .select_related("region")
        .order_by("registered_on", "pk")
    )


def _center_party_members() -> Any:
    return Count("staff", filter=Q(staff__is_active=True, staff__is_party_member=True))


def centers_requiring_party_org(*, user: Any) -> QuerySet[Center]:
    has_own = PartyOrganization.objects.filter(center=OuterRef("pk"), dissolved_on__isnull=True)
    return (
        centers_visible_to(user)
        .exclude(status=CenterStatus.CLOSED)
        .annotate(party_members=_center_party_members())
        .filter(party_members__gte=BRANCH_MIN_MEMBERS)
        .exclude(Exists(has_own))
        .select_related("region")
        .order_by("pk")
    )


def party_rule_rows(
    *, user: Any, today: datetime.date | None = None, overdue_only: bool = False
) -> list[RuleRow]:
    """Organizations and centers the rule says must set up a party organization, overdue first."""
    today = today or timezone.localdate()
    rows = [
        RuleRow(
            "organization",
            o.pk,
            o.name,
            o.region_id,
            o.party_member_count,
            o.registered_on,
            due_date(o.registered_on),
            today,
        )
        for o in organizations_requiring_party_org(user=user)
    ]
    for c in centers_requiring_party_org(user=user):
        start = c.opening_date or timezone.localdate(c.created_at)
        rows.append(
            RuleRow(
                "center",
                c.pk,
                c.name,
                c.region_id,
                getattr(c, "party_members", 0),
                start,
                due_date(start),
                today,
            )
        )
    if overdue_only:
        rows = [r for r in rows if r.overdue]
    return sorted(rows, key=lambda r: (not r.overdue, r.due_on, r.name))


# -- party organizations ---------------------------------------------------------------------------


def party_orgs_visible_to(user: Any) -> QuerySet[PartyOrganization]:
    """Staff see their jurisdiction; a representative sees their organization's own party
    organization and a joint branch that covers it."""
    scope = Scope.for_user(user)
    base = PartyOrganization.objects.all()
    if scope.is_superuser:
        return base
    own = permissions.own_organization_ids(user)
    staff = scope.filter(base, "region", roles=permissions.STAFF)
    if not own:
        return staff
    mine = base.filter(Q(organization_id__in=own) | Q(covered_organizations__in=own)).values("pk")
    return base.filter(Q(pk__in=staff.values("pk")) | Q(pk__in=mine))


def access_party_org_by_id(user: Any, pk: int) -> PartyOrganization:
    found = (
        party_orgs_visible_to(user)
        .select_related("region", "organization", "center")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("党组织不存在或不在您的管辖范围内。"))
    return found


def party_org_list(
    *, user: Any, filters: dict[str, Any] | None = None
) -> QuerySet[PartyOrganization]:
    filters = filters or {}
    qs = party_orgs_visible_to(user).select_related("region", "organization", "center")
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("status") == "active":
        qs = qs.filter(dissolved_on__isnull=True)
    elif filters.get("status") == "dissolved":
        qs = qs.filter(dissolved_on__isnull=False)
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(
            Q(name__icontains=q) | Q(organization__name__icontains=q) | Q(center__name__icontains=q)
        )
    return qs.annotate(covered=Count("covered_organizations", distinct=True)).order_by(
        "region_id", "name", "pk"
    )


def secretary_for(user: Any, party_org: PartyOrganization) -> str:
    """The secretary's name, masked for those who do not need it."""
    if permissions.can_see_personal(user, party_org):
        return party_org.secretary_name
    return mask_name(party_org.secretary_name)


def covered_organizations(party_org: PartyOrganization) -> QuerySet[SocialOrganization]:
    return party_org.covered_organizations.select_related("region").order_by("name")


@dataclass(frozen=True)
class ActivityView:
    activity: PartyActivity
    attendees: str


def mask_attendees(names: str) -> str:
    parts = [p.strip() for p in names.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    return "、".join(mask_name(p) for p in parts)


def activities_of(*, user: Any, party_org: PartyOrganization) -> list[ActivityView]:
    """`party_org` came from access_party_org_by_id: it is inside the user's view already."""
    full = permissions.can_see_personal(user, party_org)
    return [
        ActivityView(a, a.attendees if full else mask_attendees(a.attendees))
        for a in party_org.activities.select_related("recorded_by").order_by("-held_on", "-pk")
    ]


def activities_visible_to(user: Any) -> QuerySet[PartyActivity]:
    return PartyActivity.objects.filter(party_org__in=party_orgs_visible_to(user).values("pk"))


# -- guides ----------------------------------------------------------------------------------------


def guides_visible_to(user: Any) -> QuerySet[PartyGuide]:
    """Staff see the guides of their jurisdiction; a representative sees the guides of their organization."""
    scope = Scope.for_user(user)
    base = PartyGuide.objects.all()
    if scope.is_superuser:
        return base
    own = permissions.own_organization_ids(user)
    staff = scope.filter(base, "region", roles=permissions.STAFF)
    if not own:
        return staff
    mine = base.filter(organizations__in=own).values("pk")
    return base.filter(Q(pk__in=staff.values("pk")) | Q(pk__in=mine))


def access_guide_by_id(user: Any, pk: int) -> PartyGuide:
    found = guides_visible_to(user).select_related("region").filter(pk=pk).first()
    if found is None:
        raise Http404(_("党建指导员不存在或不在您的管辖范围内。"))
    return found


def guide_list(*, user: Any, current_only: bool = False) -> QuerySet[PartyGuide]:
    qs = guides_visible_to(user).select_related("region")
    if current_only:
        today = timezone.localdate()
        qs = qs.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    return qs.annotate(org_count=Count("organizations", distinct=True)).order_by(
        "region_id", "-starts_on", "pk"
    )


def guide_phone_for(user: Any, guide: PartyGuide) -> str:
    if permissions.can_manage_party(user, guide.region_id):
        return guide.phone
    return mask_phone(guide.phone)


def guided_organizations(guide: PartyGuide) -> QuerySet[SocialOrganization]:
    return guide.organizations.select_related("region").order_by("name")


# -- choices for the forms (inside the actor's jurisdiction) ---------------------------------------


def organizations_manageable_by(user: Any) -> QuerySet[SocialOrganization]:
    scope = Scope.for_user(user)
    return (
        scope.filter(SocialOrganization.objects.all(), "region", roles=permissions.STAFF)
        .exclude(status=OrgStatus.DEREGISTERED)
        .order_by("name")
    )


def centers_manageable_by(user: Any) -> QuerySet[Center]:
    scope = Scope.for_user(user)
    return scope.filter(Center.objects.all(), "region", roles=permissions.STAFF).order_by(
        "region_id", "name"
    )


def party_summary(*, user: Any) -> dict[str, Any]:
    """The figures at the top of the list page, inside the user's scope."""
    orgs = organizations_visible_to(user).filter(org_requires_party_org_q())
    required = orgs.count()
    covered = orgs.filter(org_has_party_org_q()).count()
    active = party_orgs_visible_to(user).filter(dissolved_on__isnull=True)
    return {
        "required": required,
        "covered": covered,
        "coverage": round(covered * 100 / required, 1) if required else None,
        "active": active.count(),
        "joint": active.filter(kind=PartyOrgKind.JOINT).count(),
        "guides": guide_list(user=user, current_only=True).count(),
        "overdue": len(party_rule_rows(user=user, overdue_only=True)),
    }


def staff_party_members(center: Center) -> int:
    return CenterStaff.objects.filter(center=center, is_active=True, is_party_member=True).count()


def streets_manageable_by(user: Any) -> QuerySet[Region]:
    """Streets a guide may be assigned to by this user."""
    scope = Scope.for_user(user)
    return scope.filter(
        Region.objects.filter(level=RegionLevel.STREET), "code", roles=permissions.STAFF
    ).order_by("code")
