"""Journey: an officer publishes a policy document with an attachment; a resident reads it on a phone,
then opens the center's disclosure page."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.disclosure.models import CenterDisclosure
from civicnest.network.models import Center
from e2e.conftest import NewPage
from e2e.helpers import PHONE, screenshot

pytestmark = pytest.mark.playwright


def test_publish_then_read_on_a_phone(  # noqa: PLR0917 - pytest fixtures
    page: Page,
    new_page: NewPage,
    jiangan_officer: User,
    jiangan_center: Center,
    login: Callable[..., None],
    tmp_path: Path,
) -> None:
    CenterDisclosure.objects.create(
        center=jiangan_center,
        year=2025,
        governance="理事会 5 人，监事 1 人",
        work_report="全年孵化社会组织 12 家",
        income=Decimal("1200000"),
        government_funding=Decimal("900000"),
        expenditure=Decimal("1100000"),
        status="published",
    )
    login(page, "jiangan_officer")
    page.locator("#sidebar").get_by_role("link", name="公告与政策").click()
    page.get_by_test_id("new-announcement").click()
    page.get_by_label("类别").select_option(label="政策文件")
    page.get_by_label("标题").fill("江岸区社区社会组织培育扶持办法")
    page.get_by_label("摘要").fill("对新登记和备案的社区社会组织给予场地、培训和资金扶持。")
    page.get_by_label("正文").fill("第一条 为培育发展社区社会组织，制定本办法。\n第二条 扶持对象……")
    page.get_by_label("文号").fill("岸民规〔2026〕3号")
    page.get_by_test_id("save-announcement").click()
    expect(page.get_by_test_id("status")).to_have_text("草稿")

    attachment = tmp_path / "扶持办法.pdf"
    attachment.write_bytes(b"%PDF-1.4\n% test attachment\n")
    page.get_by_label("附件").set_input_files(str(attachment))
    page.get_by_test_id("upload").click()
    expect(page.get_by_text("附件已上传")).to_be_visible()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_have_text("已发布")

    phone = new_page(viewport=PHONE)
    phone.goto("/portal/announcements/")
    phone.get_by_role("link", name="江岸区社区社会组织培育扶持办法").click()
    expect(phone.get_by_test_id("announcement-title")).to_have_text(
        "江岸区社区社会组织培育扶持办法"
    )
    expect(phone.locator("article")).to_contain_text("岸民规〔2026〕3号")
    with phone.expect_download() as download:
        phone.get_by_test_id("attachment").click()
    assert download.value.suggested_filename == "扶持办法.pdf"
    screenshot(phone, "portal-announcement-phone")

    phone.get_by_test_id("portal-nav").get_by_role("link", name="服务中心").click()
    phone.get_by_role("link", name=jiangan_center.name).click()
    expect(phone.get_by_test_id("center-name")).to_have_text(jiangan_center.name)
    expect(phone.get_by_test_id("disclosure-2025")).to_contain_text("1,200,000.00")
    expect(phone.locator("main")).not_to_contain_text(jiangan_center.contact_phone)
    screenshot(phone, "portal-center-phone")
