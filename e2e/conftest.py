"""Browser-test fixtures: Debian's chromium driven by Playwright's sync API against pytest-django's live server.

pytest-playwright is deliberately not used (it breaks under pytest 9 with ``filterwarnings = error``);
these few fixtures do its job.
"""

from __future__ import annotations

import os

# Playwright's sync API runs an asyncio loop in the test thread, so Django's async-safety check would
# refuse every ORM call made from a test body or fixture. Set before Django touches the database.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)

from civicnest.regions.loader import load_city
from civicnest.regions.models import Region
from e2e.helpers import DESKTOP, JIANGAN_DAZHI_STREET, PASSWORD, PHONE, submit_login

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every page here renders in well under a second: waiting Playwright's default 30 s only slows failures.
ACTION_TIMEOUT_MS = 10_000
STATIC_RESOURCE_TYPES = frozenset({"stylesheet", "script", "font", "image"})

expect.set_options(timeout=5_000)


class NewPage(Protocol):
    def __call__(self, *, viewport: ViewportSize = ...) -> Page: ...


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium per xdist worker."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `scripts/setup.sh test` (chromium, fonts-noto-cjk)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def wuhan_regions(transactional_db: None) -> None:
    """The Wuhan region tree, reloaded when a previous browser test's flush removed it.

    The root conftest loads it once in ``django_db_setup``, but live-server tests are transactional
    and pytest-django flushes every table after each one, so only the first browser test on a
    worker still finds it. ``load_city`` is idempotent and takes about half a second.
    """
    if not Region.objects.filter(code=JIANGAN_DAZHI_STREET).exists():
        load_city("4201")


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[NewPage]:
    """``new_page(viewport=...)``: a page in a fresh browser context (own cookies), in Chinese.

    At teardown the test fails if a page raised a JavaScript error, violated the Content-Security-Policy,
    or a stylesheet, script, font or image failed to load: either means a page that looks or behaves broken although the test passed.
    """
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def on_response(response: Response) -> None:
        if response.request.resource_type in STATIC_RESOURCE_TYPES and response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    def make(*, viewport: ViewportSize = DESKTOP) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=viewport,
            # Bootstrap honours prefers-reduced-motion: no fades or slides caught half-way in a screenshot.
            reduced_motion="reduce",
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.on("response", on_response)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
        # The Content-Security-Policy forbids inline script/style elements: a violation means a page
        # that works in tests without CSP but breaks in production.
        page.on(
            "console",
            lambda msg: (
                problems.append(f"CSP violation: {msg.text}")
                if "Content Security Policy" in msg.text
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "browser problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A desktop-size page (1280×800)."""
    return new_page()


@pytest.fixture
def phone_page(new_page: NewPage) -> Page:
    """A phone-size page (390×844)."""
    return new_page(viewport=PHONE)


@pytest.fixture
def login() -> Callable[..., None]:
    """``login(page, username, password=PASSWORD)``: log in through the form, land past it."""

    def do_login(page: Page, username: str, password: str = PASSWORD) -> None:
        submit_login(page, username, password)
        expect(page.get_by_test_id("user-menu")).to_be_visible()
        assert "/accounts/login/" not in page.url

    return do_login
