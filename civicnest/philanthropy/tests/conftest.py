from __future__ import annotations

from collections.abc import Callable

import pytest

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.philanthropy.models import Fund, FundingProgram
from civicnest.philanthropy.tests.factories import fund_for, program_for, user_with
from civicnest.registry.models import SocialOrganization
from civicnest.registry.tests.factories import OrganizationFactory


@pytest.fixture
def org(db: None) -> SocialOrganization:
    return OrganizationFactory.create(name="江岸区阳光社工服务中心", region_id="420102002")


@pytest.fixture
def other_org(db: None) -> SocialOrganization:
    return OrganizationFactory.create(name="江岸区暖心养老服务社", region_id="420102003")


@pytest.fixture
def org_rep(org: SocialOrganization) -> User:
    return user_with(
        Role.ORG_REP, "420102", username="org_rep", organization=org, full_name="阳光负责人"
    )


@pytest.fixture
def other_rep(other_org: SocialOrganization) -> User:
    return user_with(Role.ORG_REP, "420102", username="other_rep", organization=other_org)


@pytest.fixture
def expert(db: None) -> User:
    return user_with(Role.EXPERT, "420102", username="expert_a", full_name="王教授")


@pytest.fixture
def expert_b(db: None) -> User:
    return user_with(Role.EXPERT, "420102", username="expert_b", full_name="李老师")


@pytest.fixture
def funder(db: None) -> User:
    return user_with(Role.FUNDER, "420102", username="funder_a", full_name="爱心企业甲")


@pytest.fixture
def fund(jiangan_staff: User, jiangan_center: Center) -> Fund:
    return fund_for(jiangan_staff, jiangan_center)


@pytest.fixture
def program(jiangan_staff: User, jiangan_center: Center, fund: Fund) -> FundingProgram:
    return program_for(jiangan_staff, jiangan_center, fund)


@pytest.fixture
def make_role_user(make_user: Callable[..., User]) -> Callable[..., User]:
    return make_user
