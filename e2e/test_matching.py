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


@pytest.fixture
def second_elderly_service(setting: None, make_user: Callable[..., User]) -> None:
    """A second organization able to serve the need, so that a decline has somewhere to go."""
    org = OrganizationFactory.create(name="江岸区夕阳红志愿服务队", region_id="420102002")
    rep = make_user(username="sunset", full_name="夕阳红队长")
    RoleAssignment.objects.create(user=rep, role=Role.ORG_REP, region_id=JIANGAN, organization=org)
    services.offering_save(
        actor=rep,
        organization=org,
        data={
            "title": "高龄老人送餐上门",
            "description": "志愿者为独居高龄老人中午送饭上门，陪老人聊聊天。",
            "categories": ["elderly"],
            "area_codes": ["420102002"],
            "beneficiaries": ["elderly"],
            "capacity": 20,
        },
    )


@pytest.mark.usefixtures("second_elderly_service")
def test_a_declined_need_returns_to_the_pool_and_is_rematched(
    new_page: Callable[..., Page], login: Callable[..., None]
) -> None:
    resident = new_page(viewport=PHONE)
    login(resident, "grandson")
    resident.goto("/matching/needs/new/")
    resident.get_by_label("一句话说说需要什么").fill("奶奶中午没饭吃")
    resident.get_by_label("详细情况").fill("奶奶九十岁一个人住，中午没人做饭，想找人送饭上门")
    resident.get_by_label("老年人").check()
    resident.get_by_test_id("submit-need").click()
    expect(resident.get_by_test_id("need-title")).to_have_text("奶奶中午没饭吃")

    staff = new_page()
    login(staff, "matcher")
    staff.goto("/matching/")
    staff.get_by_test_id("board").get_by_test_id("offer-top").first.click()
    first_org = staff.locator(".alert-success").inner_text()
    declining = "warmheart" if "暖心" in first_org else "sunset"
    other_name = "夕阳红" if declining == "warmheart" else "暖心"

    org = new_page(viewport=PHONE)
    login(org, declining)
    org.goto("/matching/inbox/")
    inbox = org.get_by_test_id("inbox")
    expect(inbox).to_contain_text("奶奶中午没饭吃")
    inbox.locator("input[name=reason]").first.fill("本周人手不足")
    inbox.get_by_role("button", name="婉拒").first.click()
    expect(org.locator(".alert-success")).to_contain_text("已婉拒")

    # The resident sees the need back in the pool, the decline and its reason.
    resident.reload()
    expect(resident.get_by_test_id("need-status")).to_have_text("待对接")
    timeline = resident.get_by_test_id("timeline")
    expect(timeline).to_contain_text("组织婉拒")
    expect(timeline).to_contain_text("回到待对接")
    expect(resident.get_by_test_id("matches")).to_contain_text("本周人手不足")
    screenshot(resident, "need-declined-phone")

    # The board offers it again, to the other organization: the declining one is never suggested again.
    staff.goto("/matching/")
    board = staff.get_by_test_id("board")
    expect(board).to_contain_text("奶奶中午没饭吃")
    board.get_by_test_id("offer-top").first.click()
    expect(staff.locator(".alert-success")).to_contain_text(other_name)

    taker = new_page(viewport=PHONE)
    login(taker, "sunset" if declining == "warmheart" else "warmheart")
    taker.goto("/matching/inbox/")
    expect(taker.get_by_test_id("inbox")).to_contain_text("奶奶中午没饭吃")
    taker.get_by_test_id("accept").first.click()
    expect(taker.get_by_test_id("inbox-status").first).to_have_text("组织已接受")

    resident.reload()
    expect(resident.get_by_test_id("need-status")).to_have_text("对接中")
    expect(resident.get_by_test_id("timeline")).to_contain_text("组织已接受")
    statuses = set(
        Match.objects.filter(need__title="奶奶中午没饭吃").values_list("status", flat=True)
    )
    assert statuses >= {"declined", "accepted"}
