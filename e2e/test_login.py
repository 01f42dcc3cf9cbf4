"""Journey: a bureau officer logs in through the form, sees the dashboard, switches to English, logs out."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from e2e.helpers import JIANGAN, screenshot, status, submit_login

pytestmark = pytest.mark.playwright


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user(Role.BUREAU_OFFICER, JIANGAN, username="jiangan_officer", full_name="王建国")


def test_officer_logs_in_sees_dashboard_and_logs_out(page: Page, officer: User) -> None:
    page.goto("/")
    # Anonymous visitors are sent to the login form, which remembers where they were going.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="登录 CivicNest")).to_be_visible()
    screenshot(page, "login")

    submit_login(page, "jiangan_officer")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，王建国")
    expect(page.get_by_test_id("assignment")).to_have_text("民政局工作人员 · 江岸区")
    user_menu = page.get_by_test_id("user-menu")
    expect(user_menu).to_contain_text("王建国")
    # The officer's role badge sits in the user menu's dropdown.
    role_badge = page.get_by_test_id("role-badge")
    expect(role_badge).to_be_hidden()
    user_menu.click()
    expect(role_badge).to_be_visible()
    expect(role_badge).to_have_text("民政局工作人员 · 江岸区")
    screenshot(page, "home-user-menu")
    user_menu.click()
    expect(role_badge).to_be_hidden()
    expect(page.get_by_test_id("center-count")).to_have_text("0")
    screenshot(page, "home")

    # Logging out is a POST from inside the dropdown.
    user_menu.click()
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    # The session is really gone: the dashboard asks for a login again.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_wrong_password_shows_chinese_error(page: Page, officer: User) -> None:
    response = submit_login(page, "jiangan_officer", "Wrong-Password-2026")

    assert status(response) == 200
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("用户名或密码不正确")
    # The username is kept, the password is not.
    expect(page.locator("#id_username")).to_have_value("jiangan_officer")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    screenshot(page, "login-error")


def test_english_prefix_after_login(page: Page, officer: User, login: Callable[..., None]) -> None:
    login(page, "jiangan_officer")

    response = page.goto("/en/")

    assert status(response) == 200
    expect(page).to_have_url(re.compile(r"/en/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("user-menu")).to_contain_text("王建国")
    # Links on an English page stay in English, and the switcher offers Chinese.
    expect(page.locator("a.navbar-brand")).to_have_attribute("href", "/en/")
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    screenshot(page, "home-en")


def test_phone_login_and_dashboard(
    phone_page: Page, officer: User, login: Callable[..., None]
) -> None:
    phone_page.goto("/accounts/login/")
    screenshot(phone_page, "login-phone")

    login(phone_page, "jiangan_officer")

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("您好，王建国")
    # The sidebar collapses behind the menu button on a phone.
    menu_button = phone_page.get_by_role("button", name="菜单")
    expect(menu_button).to_be_visible()
    expect(phone_page.locator("#sidebar")).to_be_hidden()
    screenshot(phone_page, "home-phone")
    menu_button.click()
    expect(phone_page.locator("#sidebar")).to_be_visible()
    expect(phone_page.locator("#sidebar").get_by_role("link", name="网络总览")).to_be_visible()
    screenshot(phone_page, "home-phone-menu")
