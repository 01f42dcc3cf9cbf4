"""The one xlsx writer: every export goes through it, so no cell typed by a user becomes a live formula.

A spreadsheet program runs a cell that starts with =, +, - or @ as a formula (CSV/formula injection,
OWASP). Text cells that start so are written with a leading apostrophe, which Excel, WPS and LibreOffice
show as plain text; numbers, dates and our own header texts are written as they are.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as it may go into a cell: text that a spreadsheet would run is neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def append_rows(sheet: Worksheet, rows: Iterable[Sequence[Any]]) -> None:
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for row_cells in sheet.iter_rows():
        for cell in row_cells:
            if cell.data_type == "f":  # openpyxl's own formula detection: never from our writers
                cell.data_type = "s"


def style_header(sheet: Worksheet, *, row: int = 1, fill: str = "", width: int = 0) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill)
    if width:
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = width


def new_workbook(title: str = "") -> tuple[Workbook, Worksheet]:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.title = title
    return book, sheet


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_xlsx(headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "") -> bytes:
    """One sheet: a bold header row, then the rows (formula-safe)."""
    book, sheet = new_workbook(title)
    sheet.append([str(h) for h in headers])
    style_header(sheet)
    append_rows(sheet, rows)
    return workbook_bytes(book)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
