from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.validators import uscc_build
from civicnest.registry.excel import (
    COLUMN_OF,
    import_template,
    organization_export,
    organization_import,
)
from civicnest.registry.models import SocialOrganization
from civicnest.registry.selectors import organization_list
from civicnest.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
HEADERS = list(COLUMN_OF.values())


def row(n: int, **overrides: object) -> list[object]:
    values: dict[str, object] = {
        "名称": f"导入测试社工服务中心{n}",
        "统一社会信用代码": uscc_build(
            org_type="social_service", region_code="420102", body=f"MA{n:06d}"
        ),
        "组织类型": "社会服务机构（民办非企业单位）",
        "法定代表人": "赵法人",
        "登记管理机关": "江岸区民政局",
        "登记日期": "2022-06-01",
        "区划代码": 420102002,  # Excel keeps codes as numbers
        "服务领域": "养老",
        "发展阶段": "初创期",
        "专职人员数": 3,
        "志愿者数": 12,
        "党员人数": 1,
        "已建立党组织": "否",
        "联系人": "钱联络",
        "联系电话": "13912340000",
        "住所": "江岸区某路 1 号",
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def mixed_file() -> bytes:
    good = [row(1), row(2), row(3)]
    bad = [
        row(4, **{"统一社会信用代码": "52420102MA0000046X"}),  # wrong check character
        row(5, **{"组织类型": "基金会"}),  # type digit 2 does not match 基金会
        row(6, **{"区划代码": 420106002}),  # another district
        row(2, **{"名称": "重复行"}),  # same code as row 3 of the sheet
        row(8, **{"服务领域": "养花", "联系电话": "12345"}),
    ]
    return workbook(good + bad)


def test_all_or_nothing_mode_reports_every_error_and_writes_nothing(jiangan_officer: User) -> None:
    report = organization_import(actor=jiangan_officer, content=mixed_file(), mode="all")
    assert not report.written
    assert SocialOrganization.objects.count() == 0
    assert report.total == 8
    errors = {(e.row, e.column) for e in report.errors}
    assert (5, "统一社会信用代码") in errors
    assert (6, "统一社会信用代码") in errors
    assert (7, "区划代码") in errors
    assert (8, "统一社会信用代码") in errors
    assert (9, "服务领域") in errors and (9, "联系电话") in errors
    reasons = " ".join(e.reason for e in report.errors)
    assert "与第 3 行重复" in reasons
    assert "不在您的管辖范围内" in reasons
    assert "组织类型不符" in reasons


def test_valid_rows_mode_imports_only_the_good_rows(jiangan_officer: User) -> None:
    report = organization_import(actor=jiangan_officer, content=mixed_file(), mode="valid")
    assert report.written and report.imported == 3
    names = set(SocialOrganization.objects.values_list("name", flat=True))
    assert names == {"导入测试社工服务中心1", "导入测试社工服务中心2", "导入测试社工服务中心3"}
    imported = SocialOrganization.objects.get(name="导入测试社工服务中心1")
    assert imported.region_id == "420102002" and imported.name_initials.startswith("drcs")
    # Importing the same file again: every row is now a known code.
    again = organization_import(actor=jiangan_officer, content=mixed_file(), mode="valid")
    assert again.imported == 0
    assert SocialOrganization.objects.count() == 3


def test_a_clean_file_imports_everything_in_all_mode(jiangan_officer: User) -> None:
    report = organization_import(
        actor=jiangan_officer, content=workbook([row(i) for i in range(1, 21)]), mode="all"
    )
    assert report.written and report.imported == 20 and report.errors == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not an excel file", "无法读取"), (workbook([]), "没有数据行")],
)
def test_unreadable_or_empty_files(jiangan_officer: User, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        organization_import(actor=jiangan_officer, content=content, mode="all")


def test_missing_columns_are_named(jiangan_officer: User) -> None:
    book = openpyxl.Workbook()
    book.active.append(["名称", "统一社会信用代码"])
    book.active.append(["x", "y"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValidationError, match="缺少列"):
        organization_import(actor=jiangan_officer, content=buffer.getvalue(), mode="all")


def test_only_staff_may_import(make_user: Callable[..., User]) -> None:
    with pytest.raises(PermissionDenied):
        organization_import(actor=make_user(Role.RESIDENT), content=mixed_file(), mode="all")


def test_template_round_trips(jiangan_officer: User) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(import_template())).active
    assert [c.value for c in sheet[1]] == HEADERS
    report = organization_import(actor=jiangan_officer, content=import_template(), mode="all")
    assert report.imported == 1, report.errors


def test_export_masks_phones_the_user_may_not_see(
    jiangan_officer: User, make_user: Callable[..., User]
) -> None:
    mine = OrganizationFactory.create(contact_phone="13711112222")
    rep = make_user()
    RoleAssignment.objects.create(
        user=rep, role=Role.ORG_REP, region_id="420102", organization=mine
    )
    staff_book = openpyxl.load_workbook(
        io.BytesIO(
            organization_export(
                actor=jiangan_officer, queryset=organization_list(user=jiangan_officer)
            )
        )
    )
    values = [c.value for c in staff_book.active[2]]
    assert "13711112222" in values and "社会服务机构（民办非企业单位）" in values
    assert "420102" in values

    other = make_user(Role.BUREAU_OFFICER, "420106")
    qs = (
        SocialOrganization.objects.all()
    )  # even when handed rows outside their scope, phones stay masked
    masked = openpyxl.load_workbook(io.BytesIO(organization_export(actor=other, queryset=qs)))
    assert "137****2222" in [c.value for c in masked.active[2]]


def test_import_and_export_pages(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    template = client.get("/registry/import/template/")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    upload = io.BytesIO(mixed_file())
    upload.name = "orgs.xlsx"
    response = client.post("/registry/import/", {"file": upload, "mode": "all"}, follow=True)
    body = response.content.decode()
    assert "未导入任何数据" in body and "与第 3 行重复" in body
    upload = io.BytesIO(mixed_file())
    upload.name = "orgs.xlsx"
    response = client.post("/registry/import/", {"file": upload, "mode": "valid"}, follow=True)
    assert "已导入 3 行" in response.content.decode()
    export = client.get("/registry/", {"export": "xlsx", "q": "导入测试"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == 4


def test_export_writes_a_formula_typed_by_a_user_as_text(jiangan_officer: User) -> None:
    """Issue 18, finding 5: a contact name starting with = was a live formula in the export."""
    OrganizationFactory.create(contact_name='=HYPERLINK("http://evil.example","x")')
    book = openpyxl.load_workbook(
        io.BytesIO(
            organization_export(
                actor=jiangan_officer, queryset=organization_list(user=jiangan_officer)
            )
        )
    )
    cells = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("'=HYPERLINK") for c in cells)
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)


def _with_padding(content: bytes, size: int) -> bytes:
    """The same workbook with an extra member that unpacks to `size` bytes (compressed to almost nothing)."""
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/padding.bin", b"\0" * size)
    return out.getvalue()


def test_an_xlsx_that_unpacks_to_hundreds_of_mb_is_refused_before_parsing(
    jiangan_officer: User,
) -> None:
    """Issue 18, finding 7: a 1 MB xlsx unpacking to 247 MB held a worker for 117 s."""
    from civicnest.registry.excel import organization_import

    bomb = _with_padding(mixed_file(), 100 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ValidationError) as exc:
        organization_import(actor=jiangan_officer, content=bomb, mode="all")
    assert "解压后超过" in " ".join(exc.value.message_dict["file"])


def test_a_sheet_over_the_row_limit_stops_at_the_limit(jiangan_officer: User) -> None:
    from civicnest.registry.excel import MAX_IMPORT_ROWS, organization_import

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(COLUMN_OF.values()))
    for n in range(MAX_IMPORT_ROWS + 5):
        sheet.append([f"组织{n}"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValidationError) as exc:
        organization_import(actor=jiangan_officer, content=buffer.getvalue(), mode="all")
    assert f"最多 {MAX_IMPORT_ROWS} 行" in " ".join(exc.value.message_dict["file"])
