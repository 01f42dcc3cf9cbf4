"""Journey: a street center opens a topic → residents post and support → a meeting records a resolution → residents
see the follow-up."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory
from e2e.helpers import JIANGAN_DAZHI_STREET, PHONE, screenshot

pytestmark = pytest.mark.playwright
COMMUNITY = "420102002003"


@pytest.fixture
def setting(jiangan_center: Center, make_user: Callable[..., User]) -> None:
    street = CenterFactory.create(
        region_id=JIANGAN_DAZHI_STREET,
        level="street",
        parent=jiangan_center,
        name="大智街道社会组织促进中心",
    )
    make_user(
        Role.CENTER_STAFF,
        JIANGAN_DAZHI_STREET,
        center=street,
        username="street_staff",
        full_name="林主任",
    )
    make_user(Role.RESIDENT, COMMUNITY, username="resident_a", full_name="王阿姨")
    make_user(Role.RESIDENT, COMMUNITY, username="resident_b", full_name="李爹爹")


@pytest.mark.usefixtures("setting")
def test_topic_opinions_meeting_follow_up(
    new_page: Callable[..., Page], login: Callable[..., None]
) -> None:
    staff = new_page()
    login(staff, "street_staff")
    staff.goto("/governance/new/")
    staff.locator("#id_title").fill("老旧小区加装电梯")
    staff.get_by_label("背景").fill("保成社区 12 栋老楼居民提出加装电梯，需要协商费用分摊。")
    staff.get_by_label("涉及区域代码").fill(COMMUNITY)
    staff.get_by_role("button", name="发起").click()
    expect(staff.get_by_test_id("topic-title")).to_have_text("老旧小区加装电梯")
    topic_url = staff.url

    first = new_page(viewport=PHONE)
    login(first, "resident_a")
    first.goto(topic_url)
    first.get_by_label("我的意见").fill("支持加装，费用按楼层分摊比较公平。")
    first.get_by_test_id("post-opinion").click()
    expect(first.get_by_test_id("opinions")).to_contain_text("费用按楼层分摊")

    second = new_page(viewport=PHONE)
    login(second, "resident_b")
    second.goto(topic_url)
    second.get_by_test_id("support").first.click()
    expect(second.get_by_test_id("support-count").first).to_have_text("1")
    second.get_by_test_id("support").first.click()  # a second click counts nothing
    expect(second.get_by_test_id("support-count").first).to_have_text("1")
    screenshot(second, "topic-phone")

    staff.reload()
    staff.get_by_label("地点").fill("社区议事厅")
    staff.get_by_label("参会人员（社区、社会组织、社工）").fill(
        "社区书记、居民代表 12 人、社工 2 人"
    )
    staff.get_by_label("议程").fill("讨论加装电梯方案")
    staff.get_by_test_id("record-meeting").click()
    staff.get_by_role("link", name="社区议事厅").click()
    staff.get_by_label("决议内容").fill("12 栋先行试点加装电梯")
    staff.get_by_label("赞成").fill("10")
    staff.get_by_label("落实责任方").fill("社区居委会、12 栋楼长")
    staff.get_by_label("完成时限").fill("2027-03-31")
    staff.get_by_test_id("add-resolution").click()
    staff.locator("select[name=status]").first.select_option("in_progress")
    staff.locator("input[name=note]").first.fill("已完成入户意见征询")
    staff.get_by_test_id("progress").first.click()
    expect(staff.get_by_test_id("resolutions")).to_contain_text("已完成入户意见征询")

    first.goto(topic_url)
    follow_ups = first.get_by_test_id("follow-ups")
    expect(follow_ups).to_contain_text("12 栋先行试点加装电梯")
    expect(follow_ups).to_contain_text("落实中")
    expect(follow_ups).to_contain_text("已完成入户意见征询")
    screenshot(first, "follow-up-phone")
