"""Journey: a district officer uploads a registry sheet with some bad rows, follows the background job to its
report, downloads the refused rows, corrects them in that sheet and uploads it again."""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from civicnest.accounts.models import User
from civicnest.registry.models import SocialOrganization
from civicnest.registry.tests.test_excel import mixed_file, row
from e2e.helpers import screenshot

pytestmark = pytest.mark.playwright


def test_import_with_errors_then_the_corrected_error_sheet(
    new_page, login, jiangan_officer: User, tmp_path
) -> None:
    page: Page = new_page()
    login(page, "jiangan_officer")
    page.goto("/registry/import/")
    first = tmp_path / "江岸区名录.xlsx"
    first.write_bytes(mixed_file())
    page.locator("input[type=file]").set_input_files(str(first))
    page.get_by_label("只导入正确的行").check()
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("已导入 3 行")
    screenshot(page, "registry-import-report")
    with page.expect_download() as download:
        page.get_by_test_id("download-errors").click()
    errors_file = tmp_path / "错误行.xlsx"
    download.value.save_as(errors_file)
    book = openpyxl.load_workbook(errors_file)
    sheet = book.active
    assert sheet.max_row == 6 and sheet.cell(row=1, column=sheet.max_column).value == "错误原因"
    for r, n in enumerate((14, 15, 16, 17, 18), start=2):
        for c, value in enumerate(row(n), start=1):
            sheet.cell(row=r, column=c, value=value)
    corrected = tmp_path / "错误行-已改正.xlsx"
    book.save(corrected)
    page.goto("/registry/import/")
    expect(page.get_by_test_id("import-jobs")).to_contain_text("江岸区名录.xlsx")
    page.locator("input[type=file]").set_input_files(str(corrected))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("已导入 5 行")
    assert SocialOrganization.objects.filter(name__startswith="导入测试").count() == 8
