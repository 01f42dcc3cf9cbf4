"""Journey: a resident picks their community by pinyin initials with the region picker on a phone and submits a
need; an officer's out-of-scope region on the organization form comes back as a field error with input kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from e2e.helpers import JIANGAN, PHONE, screenshot

pytestmark = pytest.mark.playwright
COMMUNITY = "420102002003"  # 保成社区

OVERLAPS = """() => {
  const els = [...document.querySelectorAll('form input:not([type=hidden]), form select, form textarea, form button')]
    .filter(e => e.offsetParent !== null);
  const boxes = els.map(e => [e, e.getBoundingClientRect()]);
  const bad = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra] = boxes[i], [b, rb] = boxes[j];
    if (ra.left < rb.right - 1 && rb.left < ra.right - 1 && ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1)
      bad.push((a.name || a.id) + ' / ' + (b.name || b.id));
  }
  return bad;
}"""


def _assert_phone_layout(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(OVERLAPS) == []


@pytest.fixture
def users(make_user: Callable[..., User]) -> None:
    make_user(Role.RESIDENT, COMMUNITY, username="grandson", full_name="小王")
    make_user(Role.BUREAU_OFFICER, JIANGAN, username="officer", full_name="江岸科长")


@pytest.mark.usefixtures("users")
def test_resident_picks_community_and_submits_need(
    new_page: Callable[..., Page], login: Callable[..., None]
) -> None:
    page = new_page(viewport=PHONE)
    login(page, "grandson")
    page.goto("/matching/needs/new/")
    select = page.locator("select[name=region]")
    expect(select).to_have_value(COMMUNITY)  # remembered from the role grant
    _assert_phone_layout(page)
    screenshot(page, "need-form-region-picker-phone")
    select.select_option("")
    page.get_by_test_id("region-search-region").fill("bcsq")
    expect(select.locator(f"option[value='{COMMUNITY}']")).to_have_count(1)
    expect(select.locator("option")).to_have_count(2)
    select.select_option(COMMUNITY)
    page.get_by_label("一句话说说需要什么").fill("爷爷吃饭难")
    page.get_by_label("详细情况").fill("爷爷八十多了一个人住，中午没人做饭")
    page.get_by_label("老年人").check()
    _assert_phone_layout(page)
    page.get_by_test_id("submit-need").click()
    expect(page.get_by_test_id("need-title")).to_have_text("爷爷吃饭难")


@pytest.mark.usefixtures("users")
def test_out_of_scope_region_is_a_field_error_with_input_kept(
    new_page: Callable[..., Page], login: Callable[..., None]
) -> None:
    page = new_page(viewport=PHONE)
    login(page, "officer")
    page.goto("/registry/new/")
    page.locator("input[name=name]").fill("武汉市江岸区测试保留社工服务中心")
    page.locator("input[name=legal_representative]").fill("张保留")
    # 武昌区 is not offered; a forged option stands in for a stale or tampered form.
    page.evaluate(
        """() => { const s = document.querySelector('select[name=region]');
        s.add(new Option('武昌区某街道', '420106001')); s.value = '420106001'; }"""
    )
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_test_id("error-region")).to_contain_text("不在您可以办理的范围内")
    expect(page.locator("input[name=name]")).to_have_value("武汉市江岸区测试保留社工服务中心")
    expect(page.locator("input[name=legal_representative]")).to_have_value("张保留")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
