"""Journey: a resident submits a need on a phone → staff offer the top suggestion → the organization accepts and
records delivery → the resident rates it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.matching import services
from civicnest.matching.models import Match
from civicnest.network.models import Center
from civicnest.registry.tests.factories import OrganizationFactory
from e2e.helpers import JIANGAN, PHONE, screenshot

pytestmark = pytest.mark.playwright
COMMUNITY = "420102002003"


@pytest.fixture
def setting(jiangan_center: Center, make_user: Callable[..., User]) -> None:
    make_user(Role.RESIDENT, COMMUNITY, username="grandson", full_name="小王")
    make_user(
        Role.CENTER_STAFF, JIANGAN, center=jiangan_center, username="matcher", full_name="吴社工"
    )
    org = OrganizationFactory.create(name="江岸区暖心为老服务中心", region_id="420102002")
    rep = make_user(username="warmheart", full_name="暖心负责人")
    RoleAssignment.objects.create(user=rep, role=Role.ORG_REP, region_id=JIANGAN, organization=org)
    other = OrganizationFactory.create(name="江岸区阳光少儿成长中心", region_id="420102002")
    services.offering_save(
        actor=rep,
        organization=org,
        data={
            "title": "独居老人助餐配送",
            "description": "为社区独居、高龄老人每天中午送餐上门，荤素搭配。",
            "categories": ["elderly"],
            "area_codes": ["420102002"],
            "beneficiaries": ["elderly"],
            "capacity": 40,
        },
    )
    other_rep = make_user(username="sunshine")
    RoleAssignment.objects.create(
        user=other_rep, role=Role.ORG_REP, region_id=JIANGAN, organization=other
    )
    services.offering_save(
        actor=other_rep,
        organization=other,
        data={
            "title": "四点半课堂",
            "description": "小学生放学后作业辅导",
            "categories": ["children"],
            "area_codes": ["420102002"],
            "beneficiaries": ["children"],
            "capacity": 30,
        },
    )


@pytest.mark.usefixtures("setting")
def test_need_offer_accept_deliver_rate(
    new_page: Callable[..., Page], login: Callable[..., None]
) -> None:
    resident = new_page(viewport=PHONE)
    login(resident, "grandson")
    resident.goto("/matching/needs/new/")
    resident.get_by_label("一句话说说需要什么").fill("爷爷吃饭难")
    resident.get_by_label("详细情况").fill(
        "我爷爷八十多了一个人住，中午没人做饭，能不能有人送饭上门"
    )
    resident.get_by_label("老年人").check()
    resident.get_by_test_id("submit-need").click()
    expect(resident.get_by_test_id("need-title")).to_have_text("爷爷吃饭难")
    screenshot(resident, "need-submitted-phone")

    staff = new_page()
    login(staff, "matcher")
    staff.goto("/matching/")
    board = staff.get_by_test_id("board")
    expect(board).to_contain_text("爷爷吃饭难")
    expect(board).to_contain_text("独居老人助餐配送")  # the top suggestion, with its reasons
    expect(board).to_contain_text("服务对象匹配: 老年人")
    screenshot(staff, "matching-board")
    board.get_by_test_id("offer-top").first.click()
    expect(staff.locator(".alert-success")).to_contain_text("江岸区暖心为老服务中心")

    org = new_page()
    login(org, "warmheart")
    org.goto("/matching/inbox/")
    expect(org.get_by_test_id("inbox")).to_contain_text("爷爷吃饭难")
    org.get_by_test_id("accept").click()
    expect(org.get_by_test_id("inbox-status").first).to_have_text("组织已接受")
    org.get_by_test_id("deliver").click()
    expect(org.get_by_test_id("inbox-status").first).to_have_text("已服务")

    resident.reload()
    resident.get_by_test_id("rate").click()
    resident.get_by_label("★★★★★", exact=True).check()
    resident.get_by_label("说说您的感受（可不填）").fill("饭菜热乎，准时送到")
    resident.get_by_test_id("submit-rating").click()
    expect(resident.get_by_test_id("match-status").first).to_have_text("已评价")
    screenshot(resident, "need-rated-phone")
    assert Match.objects.get(status="rated").rating == 5
