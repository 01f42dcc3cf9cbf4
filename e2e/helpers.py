"""Constants and plain helpers shared by the browser tests (fixtures live in e2e/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Response, ViewportSize

PASSWORD = "Test-Password-2026"  # what the root conftest's make_user gives every user
JIANGAN = "420102"
JIANGAN_DAZHI_STREET = "420102002"  # 大智街道
WUCHANG = "420106"

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


def submit_login(page: Page, username: str, password: str = PASSWORD) -> Response | None:
    """Fill in and submit the real login form (opening it first if needed); the POST's response."""
    if page.locator("main form #id_username").count() == 0:
        page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation() as navigation:
        page.locator("main form button[type=submit]").click()
    return navigation.value


def status(response: Response | None) -> int:
    """The HTTP status of a navigation's response (which Playwright types as optional)."""
    assert response is not None, "no response: the navigation did not reach the server"
    return response.status


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
