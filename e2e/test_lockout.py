"""Journey: repeated wrong passwords lock the account (django-axes), and then even the right one is refused.

Axes is off in the test settings. It reads ``django.conf.settings`` on every request (the ``AXES_*``
defaults are attached to the settings object when ``axes.conf`` is imported), so pytest-django's
``settings`` fixture, which swaps the settings object process-wide, switches it on for the live
server thread too; ``test_without_axes_nothing_is_locked`` shows the default stays off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect
from pytest_django import Settings

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from e2e.helpers import JIANGAN, screenshot, status, submit_login

pytestmark = pytest.mark.playwright

WRONG = "Wrong-Password-2026"


def clear_axes_records() -> None:
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.all().delete()


@pytest.fixture
def axes_enabled(settings: Settings, transactional_db: None) -> Iterator[int]:
    """Axes on for this test only, starting and ending with no recorded attempts; the failure limit."""
    clear_axes_records()
    settings.AXES_ENABLED = True
    yield settings.AXES_FAILURE_LIMIT
    # The flush after a live-server test removes them as well; this does not depend on it.
    clear_axes_records()


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user(Role.BUREAU_OFFICER, JIANGAN, username="jiangan_officer", full_name="王建国")


@pytest.fixture
def colleague(make_user: Callable[..., User]) -> User:
    return make_user(Role.BUREAU_OFFICER, JIANGAN, username="jiangan_colleague")


def expect_login_refused(page: Page) -> None:
    expect(page.get_by_test_id("login-error")).to_contain_text("用户名或密码不正确")
    expect(page.get_by_test_id("locked-out")).to_have_count(0)


def expect_locked_out(page: Page) -> None:
    expect(page.get_by_test_id("locked-out")).to_have_text("账户已暂时锁定")
    expect(page.locator("main")).to_contain_text("30 分钟后再试")
    expect(page.get_by_test_id("user-menu")).to_have_count(0)


@pytest.mark.usefixtures("officer", "colleague")
def test_five_wrong_passwords_lock_the_account(
    page: Page, axes_enabled: int, login: Callable[..., None]
) -> None:
    assert axes_enabled == 5

    for attempt in range(1, axes_enabled):
        response = submit_login(page, "jiangan_officer", WRONG)
        assert status(response) == 200, f"attempt {attempt}"
        expect_login_refused(page)
    assert AccessAttempt.objects.get(username="jiangan_officer").failures_since_start == 4

    # The fifth failure locks the account.
    response = submit_login(page, "jiangan_officer", WRONG)
    assert status(response) == 429  # axes' default AXES_HTTP_RESPONSE_CODE: Too Many Requests
    expect_locked_out(page)
    expect(page).to_have_title(re.compile(r"^账户已锁定"))
    screenshot(page, "locked-out")

    # Now even the right password is refused, and no session is opened.
    response = submit_login(page, "jiangan_officer")
    assert status(response) == 429
    expect_locked_out(page)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    assert AccessAttempt.objects.get(username="jiangan_officer").failures_since_start >= 5

    # The lock is per account (username + IP address): a colleague on the same machine gets in.
    login(page, "jiangan_colleague")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，测试用户")


@pytest.mark.usefixtures("officer")
def test_locked_out_page_on_a_phone(phone_page: Page, axes_enabled: int) -> None:
    for _ in range(axes_enabled):
        submit_login(phone_page, "jiangan_officer", WRONG)
    expect_locked_out(phone_page)
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"page is {scroll_width}px wide on a 390px phone"
    screenshot(phone_page, "locked-out-phone")


@pytest.mark.usefixtures("officer")
def test_without_axes_nothing_is_locked(page: Page, login: Callable[..., None]) -> None:
    """The test settings keep axes off, so no other test can lock its users out by accident."""
    assert django_settings.AXES_ENABLED is False
    for _ in range(6):
        submit_login(page, "jiangan_officer", WRONG)
        expect_login_refused(page)
    login(page, "jiangan_officer")
    assert not AccessAttempt.objects.exists()
