"""The local Swagger UI renders under the strict Content-Security-Policy (no inline script or style)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import screenshot, status

pytestmark = pytest.mark.playwright


def test_swagger_ui_renders_the_api_under_the_csp(page: Page) -> None:
    response = page.goto("/api/docs/")
    assert status(response) == 200
    assert (
        "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        if response
        else False
    )
    expect(page.locator(".swagger-ui .title")).to_contain_text("CivicNest API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    screenshot(page, "api-docs")
    # new_page's teardown fails the test on any CSP violation or failed asset.
