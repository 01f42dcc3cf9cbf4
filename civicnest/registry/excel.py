"""Excel in and out for the organization registry (django-import-export + openpyxl).

Import validates every row without per-row queries (existing codes and the user's regions are read once),
reports row / column / reason in Chinese, and writes either everything or nothing ("all") or only the
valid rows ("valid"); both inside one transaction, so a failure leaves the database as it was.
Uploaded sheets are imported by the task worker (`registry/imports.py`): a first pass checks the rows
chunk by chunk and reports how far it got, then the write runs as before.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from civicnest.accounts.models import User
from civicnest.core.audit import acting_as
from civicnest.core.masking import mask_phone
from civicnest.core.validators import validate_uscc
from civicnest.core.xlsx import new_workbook, style_header, table_xlsx, workbook_bytes
from civicnest.regions.codes import normalize_region_code
from civicnest.regions.models import Region, RegionLevel
from civicnest.regions.scoping import Scope
from civicnest.registry.models import Category, OrgType, SocialOrganization, Stage
from civicnest.registry.permissions import can_see_contacts
from civicnest.registry.search import pinyin_forms

# Sheets are imported by the task worker, not inside a request, so the limit is the sheet's size, not
# gunicorn's timeout: 50,000 rows (a city's whole registry is about 17,000).
MAX_IMPORT_ROWS = 50_000
# A registry sheet of 50,000 rows unpacks to about 15 MB; anything far larger is not one.
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
CHECK_CHUNK_ROWS = 1_000  # rows checked between two progress reports
PHONE_COLUMN = "联系电话"


class ChoiceLabelWidget(widgets.Widget):
    """Shows a choice by its Chinese label; accepts the label or the stored code."""

    def __init__(self, choices: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.by_label = {str(label): value for value, label in choices}
        self.labels = {value: str(label) for value, label in choices}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = str(value or "").strip()
        if text in self.labels:
            return text
        if text in self.by_label:
            return str(self.by_label[text])
        raise ValueError(
            _("“%(v)s”不是可选值，可选：%(opts)s") % {"v": text, "opts": "、".join(self.by_label)}
        )

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return self.labels.get(value, value or "")


class CodeTextWidget(widgets.CharWidget):
    """Excel turns 420102 into a number; read codes back as digit strings."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value if value is not None else "").strip()


class RegionCodeWidget(CodeTextWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return normalize_region_code(super().clean(value, row, **kwargs))


class LenientDateWidget(widgets.DateWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        try:
            return super().clean(value, row, **kwargs)
        except ValueError as exc:
            raise ValueError(_("日期格式应为 2020-01-31：%(v)s") % {"v": value}) from exc


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = ["是", "有", "1", 1, True, "true", "TRUE", "True"]
    FALSE_VALUES = ["否", "无", "0", 0, False, "false", "FALSE", "False", "", None]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "是" if value else "否"


class CountWidget(widgets.IntegerWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int:
        if value in (None, ""):
            return 0
        try:
            number = int(float(value))
        except (TypeError, ValueError) as exc:
            raise ValueError(_("应为整数：%(v)s") % {"v": value}) from exc
        if number < 0:
            raise ValueError(_("不能为负数"))
        return number


def _f(attribute: str, column: str, widget: widgets.Widget | None = None) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column, widget=widget or widgets.CharWidget()
    )


class OrganizationResource(resources.ModelResource):
    name = _f("name", "名称")
    uscc = _f("uscc", "统一社会信用代码", CodeTextWidget())
    org_type = _f("org_type", "组织类型", ChoiceLabelWidget(OrgType.choices))
    legal_representative = _f("legal_representative", "法定代表人")
    registration_authority = _f("registration_authority", "登记管理机关")
    registered_on = _f("registered_on", "登记日期", LenientDateWidget("%Y-%m-%d"))
    region = fields.Field(attribute="region_id", column_name="区划代码", widget=RegionCodeWidget())
    category = _f("category", "服务领域", ChoiceLabelWidget(Category.choices))
    stage = _f("stage", "发展阶段", ChoiceLabelWidget(Stage.choices))
    staff_count = _f("staff_count", "专职人员数", CountWidget())
    volunteer_count = _f("volunteer_count", "志愿者数", CountWidget())
    party_member_count = _f("party_member_count", "党员人数", CountWidget())
    has_party_org = _f("has_party_org", "已建立党组织", YesNoWidget())
    contact_name = _f("contact_name", "联系人")
    contact_phone = _f("contact_phone", PHONE_COLUMN, CodeTextWidget())
    address = _f("address", "住所")

    class Meta:
        model = SocialOrganization
        fields = (
            "name",
            "uscc",
            "org_type",
            "legal_representative",
            "registration_authority",
            "registered_on",
            "region",
            "category",
            "stage",
            "staff_count",
            "volunteer_count",
            "party_member_count",
            "has_party_org",
            "contact_name",
            "contact_phone",
            "address",
        )
        import_id_fields = ("uscc",)
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        clean_model_instances = False  # our own row checks below avoid a query per row
        use_transactions = False  # the caller owns the transaction

    def __init__(
        self, *, actor: User | None = None, show_personal: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.actor = actor
        self.show_personal = show_personal
        self.seen_codes: dict[str, int] = {}
        self._existing: set[str] | None = None
        self._regions: dict[str, str] | None = None
        self._excel_row = 0
        self.row_offset = 0  # data rows before the chunk being checked

    # -- import ------------------------------------------------------------------------------------
    def get_instance(self, instance_loader: Any, row: Any) -> None:
        return None  # existing codes are refused, never overwritten

    def _load_lookups(self) -> None:
        scope = Scope.for_user(self.actor)
        self._existing = set(SocialOrganization.objects.values_list("uscc", flat=True))
        levels = [RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY]
        self._regions = dict(
            scope.filter(Region.objects.filter(level__in=levels), "code").values_list(
                "code", "level"
            )
        )

    def validate_instance(  # noqa: PLR0912 - one flat list of row checks reads best
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        if self._existing is None:
            self._load_lookups()
        errors: dict[str, list[str]] = {
            k: list(v) for k, v in (import_validation_errors or {}).items()
        }
        org: SocialOrganization = instance
        if not org.name.strip():
            errors.setdefault("name", []).append(_("名称不能为空"))
        if not org.legal_representative.strip():
            errors.setdefault("legal_representative", []).append(_("法定代表人不能为空"))
        if not org.registration_authority.strip():
            errors.setdefault("registration_authority", []).append(_("登记管理机关不能为空"))
        if "registered_on" not in errors and org.registered_on is None:
            errors["registered_on"] = [_("登记日期不能为空")]
        if "uscc" not in errors:
            try:
                org.uscc = validate_uscc(org.uscc, org_type=org.org_type or None)
            except ValidationError as exc:
                errors["uscc"] = list(exc.messages)
            else:
                if org.uscc in self._existing:  # type: ignore[operator]
                    errors["uscc"] = [_("该统一社会信用代码已登记在系统中")]
                elif org.uscc in self.seen_codes:
                    errors["uscc"] = [_("与第 %(row)d 行重复") % {"row": self.seen_codes[org.uscc]}]
                else:
                    self.seen_codes[org.uscc] = self._excel_row
        if "region_id" not in errors and org.region_id not in self._regions:  # type: ignore[operator]
            errors["region_id"] = [_("区划代码不存在，或不在您的管辖范围内")]
        if org.contact_phone and not (
            len(org.contact_phone) == 11 and org.contact_phone.startswith("1")
        ):
            errors.setdefault("contact_phone", []).append(_("应为 11 位手机号码"))
        if errors:
            raise ValidationError(errors)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        # row_number counts the chunk's data rows from 1; row 1 of the sheet holds the headers.
        self._excel_row = self.row_offset + int(kwargs.get("row_number") or 0) + 1

    def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        instance.name_pinyin, instance.name_initials = pinyin_forms(instance.name)

    # -- export ------------------------------------------------------------------------------------
    def dehydrate_contact_phone(self, org: SocialOrganization) -> str:
        if self.show_personal or can_see_contacts(self.actor, org):
            return org.contact_phone
        return mask_phone(org.contact_phone)

    def dehydrate_region(self, org: SocialOrganization) -> str:
        return org.region_id


COLUMN_OF = {f.attribute: f.column_name for f in OrganizationResource().fields.values()}


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    total: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    headers: list[str] = field(default_factory=list)
    # The refused rows as uploaded, by sheet row: what the error sheet gives back to be corrected.
    error_rows: dict[int, list[str]] = field(default_factory=dict)

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})


# Reports "checking" with rows checked so far, then "writing"; called between chunks.
Progress = Callable[[str, int, int], None]


def _unreadable() -> ValidationError:
    return ValidationError({"file": [_("无法读取该文件，请上传由模板填写的 .xlsx 文件。")]})


def _require_columns(headers: list[str]) -> None:
    """Every column of the template is in the header row (checked at upload and again by the task)."""
    missing = [c for c in COLUMN_OF.values() if c not in headers]
    if missing:
        raise ValidationError(
            {"file": [_("缺少列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)}]}
        )


def _check_unpacked_size(content: bytes) -> None:
    """An xlsx is a zip: refuse one that unpacks to far more than a registry sheet can hold (a 1 MB file
    that unpacked to 247 MB held a worker for two minutes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _unreadable() from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("文件解压后超过 %(mb)d MB，不像是社会组织名录，请检查后重新上传。")
                    % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}
                ]
            }
        )


def _stream_rows(content: bytes) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """The sheet's header and non-empty rows, read as a stream (openpyxl read-only): reading stops as
    soon as the row limit is passed, instead of parsing the whole sheet first."""
    _check_unpacked_size(content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        headers = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        data: list[tuple[Any, ...]] = []
        for row in rows:
            if not any(v not in (None, "") for v in row):
                continue  # Excel keeps formatted blank rows
            if len(data) == MAX_IMPORT_ROWS:
                raise ValidationError(
                    {"file": [_("单个文件最多 %(n)d 行。") % {"n": MAX_IMPORT_ROWS}]}
                )
            data.append(tuple(row[: len(headers)]) + (None,) * (len(headers) - len(row)))
        book.close()
    except ValidationError:
        raise
    except Exception as exc:
        raise _unreadable() from exc
    return headers, data


def _load_dataset(content: bytes) -> tablib.Dataset:
    headers, rows = _stream_rows(content)
    dataset = tablib.Dataset(*rows, headers=headers)
    _require_columns(dataset.headers or [])
    if len(dataset) == 0:
        raise ValidationError({"file": [_("文件中没有数据行。")]})
    return dataset


def _collect_errors(result: Any, offset: int = 0) -> list[RowError]:
    errors: list[RowError] = []
    for index, row in enumerate(result.rows):
        excel_row = offset + index + 2  # row 1 holds the headers
        if row.validation_error is not None:
            for attr, messages in row.validation_error.message_dict.items():
                for message in messages:
                    errors.append(RowError(excel_row, COLUMN_OF.get(attr, attr), str(message)))
        for error in row.errors:
            errors.append(RowError(excel_row, "", str(error.error)))
    return errors


def _check_in_chunks(actor: User, dataset: tablib.Dataset, progress: Progress) -> list[RowError]:
    """Check every row without writing (dry run, no transaction of its own), reporting progress; one
    resource for all chunks, so a code repeated in two chunks is still found."""
    resource = OrganizationResource(actor=actor)
    errors: list[RowError] = []
    total = len(dataset)
    for start in range(0, total, CHECK_CHUNK_ROWS):
        chunk = tablib.Dataset(*dataset[start : start + CHECK_CHUNK_ROWS], headers=dataset.headers)
        resource.row_offset = start
        result = resource.import_data(chunk, dry_run=True, raise_errors=False)
        errors += _collect_errors(result, offset=start)
        progress("checking", min(start + CHECK_CHUNK_ROWS, total), total)
    return errors


def _keep_error_rows(report: ImportReport, dataset: tablib.Dataset) -> None:
    for row in sorted({e.row for e in report.errors}):
        values = dataset[row - 2] if 0 <= row - 2 < len(dataset) else ()
        report.error_rows[row] = ["" if v is None else str(v) for v in values]


def organization_import(
    *, actor: User, content: bytes, mode: str, progress: Progress | None = None
) -> ImportReport:
    """Check, then write inside one transaction: invalid rows are never saved; in "all" mode any
    invalid row rolls the whole file back. With `progress`, a first pass checks the rows chunk by
    chunk and reports how far it got (the write's transaction would hide its own progress); in
    "all" mode a sheet with errors then is never written at all."""
    scope = Scope.for_user(actor)
    if not scope.is_staff_member:
        raise PermissionDenied(_("只有民政局和中心工作人员可以导入社会组织。"))
    dataset = _load_dataset(content)
    report = ImportReport(total=len(dataset), headers=list(dataset.headers or []))
    if progress is not None:
        report.errors = _check_in_chunks(actor, dataset, progress)
        if report.errors and mode != "valid":
            _keep_error_rows(report, dataset)
            return report
        progress("writing", report.total, report.total)
    with transaction.atomic(), acting_as(actor):
        result = OrganizationResource(actor=actor).import_data(
            dataset, dry_run=False, raise_errors=False
        )
        report.errors = _collect_errors(result)
        if report.errors and mode != "valid":
            transaction.set_rollback(True)
            _keep_error_rows(report, dataset)
            return report
        report.imported = result.totals.get("new", 0)
        report.written = report.imported > 0
    _keep_error_rows(report, dataset)
    return report


def check_sheet(content: bytes) -> None:
    """The checks an upload gets at once, before it is queued: a readable xlsx of sane size whose
    first row has every column of the template (the rows are the task's work)."""
    _check_unpacked_size(content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        first = next(book.worksheets[0].iter_rows(values_only=True, max_row=1), ())
        book.close()
    except Exception as exc:
        raise _unreadable() from exc
    _require_columns([str(h).strip() for h in first if h is not None])


def error_sheet(
    headers: list[str], error_rows: dict[int, list[str]], errors: list[RowError]
) -> bytes:
    """The refused rows as uploaded, with the reasons in a last column: correct them and upload this
    sheet again (the extra columns are ignored). Written by core.xlsx, so nothing becomes a formula."""
    reasons: dict[int, list[str]] = {}
    for e in errors:
        reasons.setdefault(e.row, []).append(f"{e.column}：{e.reason}" if e.column else e.reason)
    rows = [
        [*values, str(row), "；".join(reasons.get(row, []))]
        for row, values in sorted(error_rows.items())
    ]
    return table_xlsx([*headers, _("原行号"), _("错误原因")], rows, title=_("错误行"))


def organization_export(*, actor: User, queryset: QuerySet[SocialOrganization]) -> bytes:
    dataset = OrganizationResource(actor=actor).export(queryset=queryset.select_related("region"))
    return table_xlsx(dataset.headers or [], list(dataset), title="社会组织")


def import_template() -> bytes:
    book, sheet = new_workbook("社会组织")
    headers = list(COLUMN_OF.values())
    sheet.append(headers)
    sheet.append(
        [
            "武汉市江岸区和谐社工服务中心",
            "52420102MA4K3X7Q6J",
            "社会服务机构（民办非企业单位）",
            "张和谐",
            "江岸区民政局",
            "2021-03-15",
            "420102002",
            "养老",
            "成长期",
            8,
            30,
            3,
            "是",
            "李联络",
            "13800138000",
            "江岸区大智路 1 号",
        ]
    )
    style_header(sheet, fill="DDEBF7", width=18)
    notes = book.create_sheet("填写说明")
    for line in (
        ["第 2 行是示例，导入前请删除或替换。"],
        [
            "统一社会信用代码：18 位，第 1 位为 5（民政登记），第 2 位与组织类型一致：社会团体 1、社会服务机构 2、基金会 3。"
        ],
        ["组织类型：" + "、".join(str(label) for _code, label in OrgType.choices)],
        ["服务领域：" + "、".join(str(label) for _code, label in Category.choices)],
        ["发展阶段：" + "、".join(str(label) for _code, label in Stage.choices)],
        ["区划代码：区 6 位、街道 9 位或社区 12 位，且须在您的管辖范围内。"],
        ["登记日期格式：2021-03-15。已建立党组织：是/否。联系电话：11 位手机号码。"],
    ):
        notes.append(line)
    return workbook_bytes(book)
