"""Exports never carry a live formula from user input (issue 18, finding 5)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from civicnest.core.xlsx import safe_cell, table_xlsx

PAYLOADS = ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_that_a_spreadsheet_would_run_is_written_as_text(payload: str) -> None:
    sheet = load_workbook(io.BytesIO(table_xlsx(["名称"], [[payload]]))).active
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == "'" + payload


def test_numbers_dates_and_plain_text_are_unchanged() -> None:
    assert safe_cell(-5) == -5
    assert safe_cell("张三") == "张三"
    sheet = load_workbook(io.BytesIO(table_xlsx(["a", "b"], [[-5, "张三"]]))).active
    assert sheet["A2"].value == -5
    assert sheet["B2"].value == "张三"
