"""Journey: a 江岸区 officer browses the platform network, opens a center and creates one through the form."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center, CenterLevel, CenterType
from civicnest.network.tests.factories import CenterFactory
from civicnest.regions.models import Region
from e2e.helpers import JIANGAN, JIANGAN_DAZHI_STREET, screenshot, status

pytestmark = pytest.mark.playwright

STREET_CENTER_NAME = "大智街道社会组织促进中心"


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user(Role.BUREAU_OFFICER, JIANGAN, username="jiangan_officer", full_name="王建国")


@pytest.fixture
def street_center(jiangan_center: Center) -> Center:
    return CenterFactory.create(
        name=STREET_CENTER_NAME,
        center_type=CenterType.STREET_PROMOTION_CENTER,
        level=CenterLevel.STREET,
        region_id=JIANGAN_DAZHI_STREET,
        parent=jiangan_center,
    )


@pytest.fixture
def network(jiangan_center: Center, street_center: Center, wuchang_center: Center) -> None:
    """江岸区: a district center with a street center under it; 武昌区: a district center."""


@pytest.mark.usefixtures("network")
def test_officer_browses_the_tree_and_opens_a_center(
    page: Page,
    officer: User,
    login: Callable[..., None],
    jiangan_center: Center,
    street_center: Center,
) -> None:
    login(page, "jiangan_officer")
    page.locator("#sidebar").get_by_role("link", name="网络总览").click()

    expect(page).to_have_url(re.compile(r"/network/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("平台网络总览")

    # The tree: the district center is a root, the street center hangs under it.
    tree = page.get_by_test_id("network-tree")
    expect(tree.get_by_role("link")).to_have_text(["江岸区社会组织孵化中心", STREET_CENTER_NAME])
    district_node = tree.locator(":scope > ul > li")
    expect(district_node).to_have_count(1)
    expect(district_node.locator(":scope > a")).to_have_text("江岸区社会组织孵化中心")
    expect(district_node.locator(":scope > ul > li > a")).to_have_text(STREET_CENTER_NAME)
    expect(district_node.locator(":scope > ul > li")).to_contain_text("街道级")
    expect(district_node.locator(":scope > ul > li")).to_contain_text("大智街道")
    # 武昌区 is outside the officer's jurisdiction.
    expect(tree).not_to_contain_text("武昌")
    expect(page.locator("main")).not_to_contain_text("武昌")

    # Coverage of 江岸区: its one district, one of its streets, none of its communities.
    streets = Region.objects.filter(code__startswith=JIANGAN, level="street").count()
    communities = Region.objects.filter(code__startswith=JIANGAN, level="community").count()
    assert streets > 1
    assert communities > 1
    cards = page.get_by_test_id("coverage").locator(".card")
    expect(cards).to_have_count(3)
    expect(cards.nth(0)).to_contain_text("有中心的区县")
    expect(cards.nth(0).locator(".display-6")).to_have_text("1 / 1")
    expect(cards.nth(1)).to_contain_text("有中心的街道/乡镇")
    expect(cards.nth(1).locator(".display-6")).to_have_text(f"1 / {streets}")
    expect(cards.nth(2)).to_contain_text("有中心的社区/村")
    expect(cards.nth(2).locator(".display-6")).to_have_text(f"0 / {communities}")
    screenshot(page, "network-tree")

    tree.get_by_role("link", name=STREET_CENTER_NAME).click()

    expect(page).to_have_url(re.compile(rf"/network/centers/{street_center.pk}/$"))
    expect(page.get_by_test_id("center-name")).to_have_text(STREET_CENTER_NAME)
    breadcrumb = page.get_by_role("navigation", name="breadcrumb")
    expect(breadcrumb.get_by_role("link")).to_have_text(["平台网络", "江岸区社会组织孵化中心"])
    # The officer manages the center, so the contact phone is shown in full.
    expect(page.locator("main")).to_contain_text("13800138000")
    screenshot(page, "center-detail")

    # Up to the parent through the breadcrumb; the street center is listed as its child.
    breadcrumb.get_by_role("link", name="江岸区社会组织孵化中心").click()
    expect(page.get_by_test_id("center-name")).to_have_text("江岸区社会组织孵化中心")
    expect(page.get_by_role("link", name=STREET_CENTER_NAME)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/network/centers/{jiangan_center.pk}/$"))


@pytest.mark.usefixtures("network")
def test_center_of_another_district_is_hidden(
    page: Page, officer: User, login: Callable[..., None], wuchang_center: Center
) -> None:
    login(page, "jiangan_officer")

    page.goto("/network/centers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("中心列表")
    expect(page.locator("main table tbody")).to_contain_text("江岸区社会组织孵化中心")
    expect(page.locator("main table tbody")).not_to_contain_text("武昌区社会组织孵化中心")

    # Even by its address, a center outside the jurisdiction does not exist for this officer.
    response = page.goto(f"/network/centers/{wuchang_center.pk}/")
    assert status(response) == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在（404）")
    expect(page.get_by_test_id("center-name")).to_have_count(0)


@pytest.mark.usefixtures("network")
def test_network_tree_on_a_phone(
    phone_page: Page, officer: User, login: Callable[..., None]
) -> None:
    login(phone_page, "jiangan_officer")
    phone_page.goto("/network/")

    tree = phone_page.get_by_test_id("network-tree")
    expect(tree.get_by_role("link", name=STREET_CENTER_NAME)).to_be_visible()
    expect(phone_page.get_by_test_id("coverage")).to_be_visible()
    # Nothing pushes the page sideways on a 390 px screen.
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"page is {scroll_width}px wide on a 390px phone"
    screenshot(phone_page, "network-tree-phone")

    tree.get_by_role("link", name=STREET_CENTER_NAME).click()
    expect(phone_page.get_by_test_id("center-name")).to_have_text(STREET_CENTER_NAME)
    screenshot(phone_page, "center-detail-phone")

    for path, name in (
        ("/network/centers/", "center-list"),
        ("/network/centers/new/", "center-form"),
    ):
        phone_page.goto(path)
        scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 390, f"{path} is {scroll_width}px wide on a 390px phone"
        screenshot(phone_page, f"{name}-phone")


def test_officer_creates_a_center_after_fixing_a_bad_region_code(
    page: Page, officer: User, login: Callable[..., None], jiangan_center: Center
) -> None:
    login(page, "jiangan_officer")
    page.goto("/network/centers/")
    page.locator("main").get_by_role("link", name="新建中心").click()
    expect(page).to_have_url(re.compile(r"/network/centers/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("新建中心")

    page.get_by_label("中心名称").fill(STREET_CENTER_NAME)
    page.get_by_label("类型").select_option(CenterType.STREET_PROMOTION_CENTER.value)
    page.get_by_label("层级").select_option(CenterLevel.STREET.value)
    page.get_by_label("所在区划代码").fill("42x")
    page.get_by_label("上级中心").select_option(label="江岸区社会组织孵化中心")
    page.get_by_label("场地面积（平方米）").fill("150.5")
    page.get_by_label("联系电话").fill("13800000001")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()

    # Refused, with the reason next to the field and everything else kept.
    expect(page).to_have_url(re.compile(r"/network/centers/new/$"))
    error = page.get_by_test_id("error-region_code")
    expect(error).to_be_visible()
    expect(error).to_have_text("区划代码只能由数字组成：42x")
    expect(page.get_by_label("中心名称")).to_have_value(STREET_CENTER_NAME)
    expect(page.get_by_label("上级中心").locator("option:checked")).to_have_text(
        "江岸区社会组织孵化中心"
    )
    assert not Center.objects.filter(name=STREET_CENTER_NAME).exists()
    screenshot(page, "center-form-error")

    page.get_by_label("所在区划代码").fill(JIANGAN_DAZHI_STREET)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()

    created = Center.objects.get(name=STREET_CENTER_NAME)
    expect(page).to_have_url(re.compile(rf"/network/centers/{created.pk}/$"))
    expect(page.get_by_test_id("center-name")).to_have_text(STREET_CENTER_NAME)
    expect(page.get_by_role("alert")).to_contain_text(f"已创建中心：{STREET_CENTER_NAME}")
    assert created.region_id == JIANGAN_DAZHI_STREET
    assert created.parent == jiangan_center
    assert created.level == CenterLevel.STREET
    screenshot(page, "center-created")
