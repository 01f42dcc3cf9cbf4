"""Every read of the registry goes through the user's scope (staff by region, an organization by its own id)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.roles import Role
from civicnest.regions.codes import subtree_q
from civicnest.regions.scoping import Scope
from civicnest.registry.models import (
    ActivityTeam,
    AnnualReport,
    ArchiveDocument,
    FilingStatus,
    ImportJob,
    OrgStatus,
    OrgType,
    SocialOrganization,
)
from civicnest.registry.permissions import can_edit_org_profile, is_org_member
from civicnest.registry.search import looks_like_pinyin

# Annual reports for year Y are due by this day of year Y+1 (configurable per deployment later).
ANNUAL_REPORT_DUE = (5, 31)


def organizations_visible_to(
    user: Any, qs: QuerySet[SocialOrganization] | None = None
) -> QuerySet[SocialOrganization]:
    scope = Scope.for_user(user)
    base = SocialOrganization.objects.all() if qs is None else qs
    own_ids = [
        g.organization_id for g in scope.grants if g.role == Role.ORG_REP and g.organization_id
    ]
    return base.filter(scope.q("region") | Q(pk__in=own_ids)) if not scope.is_superuser else base


def access_organization_by_id(user: Any, pk: int, *, for_write: bool = False) -> SocialOrganization:
    org = get_object_or_404(
        organizations_visible_to(user).select_related("region", "center"), pk=pk
    )
    if for_write and not can_edit_org_profile(user, org):
        raise PermissionDenied(_("您没有修改该社会组织信息的权限。"))
    return org


def apply_org_filters(
    qs: QuerySet[SocialOrganization], filters: dict[str, Any]
) -> QuerySet[SocialOrganization]:
    if filters.get("region"):
        qs = qs.filter(subtree_q([filters["region"]], "region"))
    for field in ("org_type", "category", "stage", "status", "grade"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    q = (filters.get("q") or "").strip()
    if q:
        condition = Q(name__contains=q) | Q(uscc__startswith=q.upper())
        if looks_like_pinyin(q):
            condition |= Q(name_initials__contains=q.lower()) | Q(name_pinyin__contains=q.lower())
        qs = qs.filter(condition)
    return qs


def organization_list(
    *, user: Any, filters: dict[str, Any] | None = None
) -> QuerySet[SocialOrganization]:
    qs = apply_org_filters(organizations_visible_to(user), filters or {})
    return qs.select_related("region", "center").order_by("region_id", "name", "pk")


def public_organization_list(
    *, filters: dict[str, Any] | None = None
) -> QuerySet[SocialOrganization]:
    """The public directory: active organizations, public fields only."""
    qs = apply_org_filters(
        SocialOrganization.objects.filter(status=OrgStatus.NORMAL), filters or {}
    )
    return (
        qs.select_related("region")
        .only(
            "name",
            "uscc",
            "org_type",
            "category",
            "stage",
            "grade",
            "registered_on",
            "address",
            "registration_authority",
            "region__name",
            "region__code",
            "description",
        )
        .order_by("region_id", "name", "pk")
    )


# -- teams ----------------------------------------------------------------------------------------
def teams_visible_to(user: Any, qs: QuerySet[ActivityTeam] | None = None) -> QuerySet[ActivityTeam]:
    scope = Scope.for_user(user)
    base = ActivityTeam.objects.all() if qs is None else qs
    if scope.is_superuser:
        return base
    return base.filter(scope.q("region") | Q(submitted_by_id=scope.user_id))


def access_team_by_id(user: Any, pk: int) -> ActivityTeam:
    return get_object_or_404(
        teams_visible_to(user).select_related("region", "submitted_by", "reviewed_by"), pk=pk
    )


def team_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[ActivityTeam]:
    filters = filters or {}
    qs = teams_visible_to(user).select_related("region")
    if filters.get("region"):
        qs = qs.filter(subtree_q([filters["region"]], "region"))
    for field in ("status", "kind", "category"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("q"):
        qs = qs.filter(name__contains=filters["q"])
    return qs.order_by("-created_at", "pk")


def public_team_list(*, district: str = "") -> QuerySet[ActivityTeam]:
    qs = ActivityTeam.objects.filter(status=FilingStatus.FILED).select_related("region")
    if district:
        qs = qs.filter(subtree_q([district], "region"))
    return qs.only(
        "name",
        "kind",
        "category",
        "member_count",
        "filing_number",
        "filed_on",
        "region__name",
        "region__code",
    ).order_by("region_id", "name")


# -- annual reports and archives ------------------------------------------------------------------
def annual_reports_visible_to(user: Any) -> QuerySet[AnnualReport]:
    return AnnualReport.objects.filter(organization__in=organizations_visible_to(user))


def annual_report_list(
    *, user: Any, filters: dict[str, Any] | None = None
) -> QuerySet[AnnualReport]:
    filters = filters or {}
    qs = annual_reports_visible_to(user).select_related("organization__region")
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("organization"):
        qs = qs.filter(organization_id=filters["organization"])
    return qs.order_by("-year", "organization__name", "pk")


def access_annual_report_by_id(user: Any, pk: int) -> AnnualReport:
    return get_object_or_404(
        annual_reports_visible_to(user).select_related("organization__region"), pk=pk
    )


def report_due_date(year: int) -> datetime.date:
    return datetime.date(year + 1, *ANNUAL_REPORT_DUE)


def overdue_organizations(
    *, user: Any, year: int, today: datetime.date | None = None
) -> QuerySet[SocialOrganization]:
    """Organizations registered before the end of `year` with no report for it once the due date has passed."""
    today = today or timezone.localdate()
    if today <= report_due_date(year):
        return SocialOrganization.objects.none()
    has_report = AnnualReport.objects.filter(organization=OuterRef("pk"), year=year)
    return (
        organizations_visible_to(user)
        .filter(registered_on__lte=datetime.date(year, 12, 31))
        .exclude(status=OrgStatus.DEREGISTERED)
        .filter(~Exists(has_report))
        .select_related("region")
        .order_by("region_id", "name")
    )


def archive_list(*, user: Any, organization: SocialOrganization) -> QuerySet[ArchiveDocument]:
    # `organization` came from access_organization_by_id, so it is inside the user's scope.
    return organization.archives.select_related("uploaded_by").order_by("doc_type", "-version")


def access_archive_by_id(user: Any, pk: int) -> ArchiveDocument:
    return get_object_or_404(
        ArchiveDocument.objects.filter(
            organization__in=organizations_visible_to(user)
        ).select_related("organization"),
        pk=pk,
    )


def org_is_own(user: Any, org: SocialOrganization) -> bool:
    return is_org_member(user, org)


def registry_summary(*, user: Any) -> dict[str, Any]:
    """Counts for the home dashboard, inside the user's scope."""
    orgs = organizations_visible_to(user)
    by_type = dict(orgs.values_list("org_type").annotate(n=Count("pk")).order_by())
    teams = teams_visible_to(user)
    return {
        "organizations": sum(by_type.values()),
        "by_type": [(str(label), by_type.get(value, 0)) for value, label in OrgType.choices],
        "abnormal": orgs.filter(status=OrgStatus.ABNORMAL).count(),
        "teams_filed": teams.filter(status=FilingStatus.FILED).count(),
        "teams_pending": teams.filter(status=FilingStatus.SUBMITTED).count(),
    }


def own_organizations(*, user: Any) -> QuerySet[SocialOrganization]:
    scope = Scope.for_user(user)
    ids = [g.organization_id for g in scope.grants if g.role == Role.ORG_REP and g.organization_id]
    return SocialOrganization.objects.filter(pk__in=ids).select_related("region")


def import_jobs_of(user: Any) -> QuerySet[ImportJob]:
    """The user's own uploads (an import's report shows rows of their jurisdiction only to them)."""
    return ImportJob.objects.filter(created_by_id=user.pk).defer("content")


def access_import_job(user: Any, pk: int) -> ImportJob:
    return get_object_or_404(import_jobs_of(user), pk=pk)
