from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.evaluation import defaults, services
from civicnest.evaluation.models import (
    Assessment,
    GradingRound,
    Indicator,
    IndicatorTemplate,
    TemplateKind,
)
from civicnest.evaluation.scoring import leaves
from civicnest.evaluation.selectors import template_tree
from civicnest.network.models import Center
from civicnest.regions.models import Region
from civicnest.registry.models import SocialOrganization
from civicnest.registry.tests.factories import OrganizationFactory


@pytest.fixture
def templates(db: None) -> dict[str, IndicatorTemplate]:
    defaults.install(IndicatorTemplate, Indicator)
    return {t.family: t for t in IndicatorTemplate.objects.filter(is_current=True)}


@pytest.fixture
def org(db: None, jiangan_center: Center) -> SocialOrganization:
    return OrganizationFactory.create(
        name="江岸区阳光社工服务中心",
        region_id="420102002",
        registered_on=datetime.date(2019, 3, 1),
        center=jiangan_center,
    )


@pytest.fixture
def org_rep(make_user: Callable[..., User], org: SocialOrganization) -> User:
    user = make_user(username="org_rep", full_name="周理事长")
    RoleAssignment.objects.create(
        user=user, role=Role.ORG_REP, region_id="420102", organization=org
    )
    return user


@pytest.fixture
def expert(make_user: Callable[..., User]) -> User:
    return make_user(Role.EXPERT, "420106", username="expert_a", full_name="吴专家")


@pytest.fixture
def expert_b(make_user: Callable[..., User]) -> User:
    return make_user(Role.EXPERT, "420102", username="expert_b", full_name="郑专家")


def all_rates(template: IndicatorTemplate, rate: Any) -> dict[int, Any]:
    roots, by_id = template_tree(template)
    return {n.key: (Decimal(rate), "") for n in leaves(roots) if by_id[n.key].source == "manual"}


@pytest.fixture
def grading_round(templates: dict[str, IndicatorTemplate], city_officer: User) -> GradingRound:
    return services.round_open(
        actor=city_officer,
        data={
            "name": "2026 年度社会组织等级评估",
            "year": 2026,
            "region": Region.objects.get(code="4201"),
            "templates": list(
                IndicatorTemplate.objects.filter(kind=TemplateKind.ORG_GRADING, is_current=True)
            ),
            "applications_close_on": timezone.localdate() + datetime.timedelta(days=30),
        },
    )


@pytest.fixture
def accepted(
    grading_round: GradingRound, org: SocialOrganization, org_rep: User, city_officer: User
) -> Assessment:
    """An assessment applied for, self-assessed, submitted and found eligible."""
    assessment = services.assessment_apply(actor=org_rep, round_=grading_round, organization=org)
    services.self_assessment_save(
        actor=org_rep,
        assessment=assessment,
        scores=all_rates(assessment.template, 95),
        summary="规范运作，服务居民。",
        submit=True,
    )
    return services.assessment_check_eligibility(
        actor=city_officer, assessment=assessment, accept=True
    )


def score_all(assessment: Assessment, evaluator: User, rate: Any) -> None:
    assignment = assessment.assignments.get(evaluator=evaluator)
    services.onsite_score_submit(
        actor=evaluator,
        assignment=assignment,
        scores=all_rates(assessment.template, rate),
        summary="现场查看台账。",
    )
