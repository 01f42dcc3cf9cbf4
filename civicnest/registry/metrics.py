"""The registry's dashboard figures: organizations and filed activity teams."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.regions.figures import (
    Breakdown,
    Metric,
    choices_of,
    count,
    day_range,
    register,
    register_section,
)
from civicnest.registry.models import (
    ActivityTeam,
    Category,
    FilingStatus,
    Grade,
    OrgStatus,
    OrgType,
    SocialOrganization,
    Stage,
)

ORG, TEAM = SocialOrganization._meta.label, ActivityTeam._meta.label


def _orgs(period: Period) -> Q:
    return Q(registered_on__lte=period.end) & ~Q(status=OrgStatus.DEREGISTERED)


def _new_orgs(period: Period) -> Q:
    return Q(registered_on__range=day_range(period))


def _teams(period: Period) -> Q:
    return Q(status=FilingStatus.FILED, filed_on__lte=period.end)


def _new_teams(period: Period) -> Q:
    return Q(status=FilingStatus.FILED, filed_on__range=day_range(period))


def register_figures() -> None:
    register_section("registry", _("社会组织"), order=10)
    M = Metric  # the definitions read as a table
    register(
        M("org_total", "registry", _("登记社会组织"), _("家"), ORG, _orgs, count(), stock=True),
        M("org_new", "registry", _("新登记社会组织"), _("家"), ORG, _new_orgs, count()),
        M(
            "team_total",
            "registry",
            _("备案群众活动团队"),
            _("支"),
            TEAM,
            _teams,
            count(),
            stock=True,
        ),
        M("team_new", "registry", _("新备案团队"), _("支"), TEAM, _new_teams, count()),
    )
    register(
        Breakdown(
            "org_by_type", "registry", _("按组织类型"), ORG, _orgs, "org_type", choices_of(OrgType)
        ),
        Breakdown(
            "org_by_category",
            "registry",
            _("按服务领域"),
            ORG,
            _orgs,
            "category",
            choices_of(Category),
        ),
        Breakdown(
            "org_by_stage", "registry", _("按发展阶段"), ORG, _orgs, "stage", choices_of(Stage)
        ),
        Breakdown(
            "org_by_grade", "registry", _("按评估等级"), ORG, _orgs, "grade", choices_of(Grade)
        ),
    )
