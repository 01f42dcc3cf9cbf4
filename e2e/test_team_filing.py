"""Journey: a street-center worker files a community team, a reviewer approves it, the public directory lists it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center, CenterLevel, CenterType
from civicnest.network.tests.factories import CenterFactory
from civicnest.registry.models import ActivityTeam, FilingStatus
from civicnest.registry.tests.factories import OrganizationFactory
from e2e.helpers import JIANGAN, JIANGAN_DAZHI_STREET, screenshot

pytestmark = pytest.mark.playwright

TEAM = "保成社区夕阳红合唱团"


@pytest.fixture
def street_center(jiangan_center: Center) -> Center:
    return CenterFactory.create(
        name="大智街道社会组织促进中心",
        center_type=CenterType.STREET_PROMOTION_CENTER,
        level=CenterLevel.STREET,
        region_id=JIANGAN_DAZHI_STREET,
        parent=jiangan_center,
    )


@pytest.fixture
def street_users(make_user: Callable[..., User], street_center: Center) -> None:
    make_user(
        Role.CENTER_STAFF,
        JIANGAN_DAZHI_STREET,
        center=street_center,
        username="street_filer",
        full_name="陈专干",
    )
    make_user(
        Role.CENTER_STAFF,
        JIANGAN_DAZHI_STREET,
        center=street_center,
        username="street_reviewer",
        full_name="林主任",
    )


@pytest.mark.usefixtures("street_users")
def test_street_worker_files_a_team_reviewer_approves_public_sees_it(
    new_page: Callable[..., Page], login: Callable[..., None]
) -> None:
    filer = new_page()
    login(filer, "street_filer")
    filer.locator("#sidebar").get_by_role("link", name="团队备案").click()
    filer.get_by_role("link", name="提交备案").first.click()
    expect(filer.get_by_role("heading", level=1)).to_have_text("提交团队备案")

    # First attempt with a wrong phone number: a Chinese message beside the field, nothing saved.
    filer.get_by_label("名称").fill(TEAM)
    filer.get_by_label("类别").select_option("activity_team")
    filer.get_by_label("活动领域").select_option("culture_sports")
    filer.get_by_label("所在社区/街道代码").fill("420102002003")
    filer.get_by_label("负责人").fill("刘阿姨")
    filer.get_by_label("联系电话").fill("1360000")
    filer.get_by_label("活动场所").fill("保成社区活动中心二楼")
    filer.get_by_label("成员人数").fill("32")
    filer.get_by_role("button", name="提交").click()
    expect(filer.get_by_test_id("error-contact_phone")).to_contain_text("11 位")
    assert not ActivityTeam.objects.exists()
    filer.get_by_label("联系电话").fill("13600001234")
    filer.get_by_role("button", name="提交").click()

    expect(filer.get_by_test_id("team-name")).to_have_text(TEAM)
    expect(filer.get_by_test_id("team-status")).to_have_text("待审核")
    screenshot(filer, "team-submitted")

    reviewer = new_page()
    login(reviewer, "street_reviewer")
    expect(reviewer.get_by_test_id("unread-count")).to_have_text(
        "1"
    )  # the filing notified the reviewers
    reviewer.goto("/registry/teams/?status=submitted")
    reviewer.get_by_role("link", name=TEAM).click()
    reviewer.get_by_test_id("approve").click()
    expect(reviewer.get_by_test_id("team-status")).to_have_text("已备案")
    expect(reviewer.get_by_test_id("filing-number")).to_contain_text(
        re.compile(r"BA420102002\d{4}0001")
    )
    screenshot(reviewer, "team-filed")
    assert ActivityTeam.objects.get().status == FilingStatus.FILED

    public = new_page()
    public.goto("/portal/organizations/")
    expect(public.get_by_test_id("team-directory")).to_contain_text(TEAM)
    expect(public.get_by_test_id("team-directory")).not_to_contain_text("13600001234")
    screenshot(public, "portal-directory")


def test_staff_search_by_pinyin_initials_on_a_phone(
    new_page: Callable[..., Page], login: Callable[..., None], make_user: Callable[..., User]
) -> None:
    make_user(Role.BUREAU_OFFICER, JIANGAN, username="officer", full_name="王建国")
    OrganizationFactory.create(name="武汉市江岸区和谐社工服务中心", contact_phone="13712345678")
    OrganizationFactory.create(name="江岸区阳光为老服务中心")
    page = new_page(viewport={"width": 390, "height": 844})
    login(page, "officer")
    page.goto("/registry/")
    page.get_by_placeholder("名称、拼音首字母（如 hxsg）或信用代码").fill("hxsg")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("和谐社工")
    screenshot(page, "registry-search-phone")
    rows.first.get_by_role("link").click()
    expect(page.get_by_test_id("org-name")).to_contain_text("武汉市江岸区和谐社工服务中心")
    expect(page.locator("main")).to_contain_text("13712345678")
    screenshot(page, "organization-detail-phone")
