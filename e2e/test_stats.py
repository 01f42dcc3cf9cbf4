"""Journey: a city officer drills down the dashboard city → district → street and orders a 情况专报."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.tests.factories import CenterFactory
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.stats import rollup
from e2e.helpers import JIANGAN, JIANGAN_DAZHI_STREET, screenshot

pytestmark = pytest.mark.playwright

WUCHANG = "420106"


@pytest.fixture
def city(make_user: Callable[..., User]) -> User:
    for region, n in ((JIANGAN, 2), (JIANGAN_DAZHI_STREET, 3), (WUCHANG, 1)):
        for _ in range(n):
            OrganizationFactory.create(region_id=region, registered_on=datetime.date(2026, 2, 1))
    CenterFactory.create(region_id=JIANGAN, level="district")
    CenterFactory.create(region_id=JIANGAN_DAZHI_STREET, level="street")
    rollup.refresh(
        rollup.retained_months()
    )  # as the scheduled job does: the pages read the roll-up
    return make_user(Role.BUREAU_OFFICER, "4201", username="city_officer", full_name="赵市局")


def test_drill_down_city_district_street_and_report(
    page: Page, city: User, login: Callable[..., None]
) -> None:
    login(page, "city_officer")
    page.locator("#sidebar").get_by_role("link", name="统计看板").click()
    expect(page.get_by_test_id("stats-title")).to_have_text("武汉市统计看板")
    page.get_by_label("统计期").fill("2026")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("figure-org_total")).to_contain_text("6")
    expect(page.get_by_test_id("stats-as-of")).to_contain_text("数据更新于")
    # The charts and the tile map are drawn (ECharts renders SVG into the containers).
    expect(page.locator('[data-chart="org_by_type"] svg')).to_have_count(1)
    expect(page.locator('[data-chart="map"] svg')).to_have_count(1)
    screenshot(page, "stats-city")

    page.get_by_test_id(f"drill-{JIANGAN}").click()
    expect(page.get_by_test_id("stats-title")).to_have_text("江岸区统计看板")
    expect(page.get_by_test_id("figure-org_total")).to_contain_text("5")
    expect(page.get_by_test_id("stats-breadcrumb")).to_contain_text("武汉市")

    page.get_by_test_id(f"drill-{JIANGAN_DAZHI_STREET}").click()
    expect(page.get_by_test_id("stats-title")).to_have_text(re.compile(r"大智街道统计看板"))
    expect(page.get_by_test_id("figure-org_total")).to_contain_text("3")
    screenshot(page, "stats-street")

    # Back up through the breadcrumb, then order the district's yearly report.
    page.get_by_test_id("stats-breadcrumb").get_by_role("link", name="江岸区").click()
    page.get_by_test_id("stats-filter").get_by_role("link", name="情况专报").click()
    expect(page.get_by_label("区划代码")).to_have_value(JIANGAN)
    page.get_by_label("统计期").fill("2026")
    page.get_by_test_id("request-report").click()
    expect(page.get_by_text("已提交生成")).to_be_visible()
    # The row polls itself until the background task has written both files.
    expect(page.get_by_test_id("report-pdf")).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        page.get_by_test_id("report-xlsx").click()
    assert download.value.suggested_filename == f"{JIANGAN}-2026.xlsx"
    screenshot(page, "stats-reports")


def test_the_map_tooltip_shows_region_names_as_text(
    page: Page, city: User, login: Callable[..., None]
) -> None:
    """Issue 18, finding 8: the tile map's tooltip was built from region names unescaped."""
    from civicnest.regions.models import Region

    Region.objects.filter(code=JIANGAN).update(name='<b id="injected">江岸区</b>')
    login(page, "city_officer")
    page.goto(page.url.split("/accounts")[0] + "/stats/?region=4201&period=2026")
    expect(page.locator('[data-chart="map"] svg')).to_have_count(1)
    index = page.evaluate(
        """(code) => {
            const data = JSON.parse(document.getElementById("stats-data").textContent);
            const i = data.map.items.findIndex((item) => item.code === code);
            const chart = echarts.getInstanceByDom(document.querySelector('[data-chart="map"]'));
            chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: i });
            return i;
        }""",
        JIANGAN,
    )
    assert index >= 0
    tooltip = page.locator("text=江岸区</b>")
    expect(tooltip.first).to_be_visible()
    assert page.locator("#injected").count() == 0
