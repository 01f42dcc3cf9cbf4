"""Registry imports as background jobs (issue 18, finding 7): checked at once, run by the task worker with
progress, an error sheet to download and upload again, visible to the uploader only."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.registry import excel, imports
from civicnest.registry.models import ImportJob, ImportStatus, SocialOrganization
from civicnest.registry.tests.test_excel import HEADERS, mixed_file, row, workbook

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, mode: str = "all", name: str = "名录.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("registry:org-import"), {"file": file, "mode": mode})


def test_an_upload_is_queued_and_the_worker_imports_it(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    response = upload(client, workbook([row(1), row(2)]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    # The test settings run tasks at once (django-tasks' immediate backend); `make run` has db_worker.
    assert job.status == ImportStatus.DONE and (job.total, job.processed, job.imported) == (2, 2, 2)
    assert job.content == b"" and job.finished_at is not None  # the sheet is not kept
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已导入 2 行" in page and 'hx-trigger="every 2s"' not in page
    assert SocialOrganization.objects.filter(name__startswith="导入测试").count() == 2


def test_a_running_job_polls_and_shows_its_progress(client, jiangan_officer: User) -> None:
    job = ImportJob.objects.create(
        created_by=jiangan_officer,
        file_name="大表.xlsx",
        mode="all",
        content=b"x",
        status=ImportStatus.CHECKING,
        total=20_000,
        processed=5_000,
    )
    client.force_login(jiangan_officer)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已校验 5000 / 20000 行" in page and 'value="22"' in page
    assert 'hx-trigger="every 2s"' in page
    card = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert card.lstrip().startswith('<div class="card" id="import-job"') and "<html" not in card


def test_progress_is_reported_chunk_by_chunk(
    jiangan_officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(excel, "CHECK_CHUNK_ROWS", 2)
    seen: list[tuple[str, int, int]] = []
    rows = [row(n) for n in range(1, 6)] + [row(2, **{"名称": "跨块重复"})]
    report = excel.organization_import(
        actor=jiangan_officer,
        content=workbook(rows),
        mode="all",
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert seen == [("checking", 2, 6), ("checking", 4, 6), ("checking", 6, 6)]
    # A code repeated in another chunk is still found, with the sheet's own row numbers.
    assert [(e.row, e.reason) for e in report.errors] == [(7, "与第 3 行重复")]
    assert not report.written and not SocialOrganization.objects.exists()


def test_refused_rows_come_back_as_a_sheet_to_correct_and_upload_again(
    client, jiangan_officer: User
) -> None:
    client.force_login(jiangan_officer)
    upload(client, mixed_file(), mode="valid")
    job = ImportJob.objects.get()
    assert job.imported == 3 and job.invalid_rows == 5
    sheet = client.get(reverse("registry:org-import-errors", kwargs={"pk": job.pk}))
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)
    )
    assert list(rows[0]) == [*HEADERS, "原行号", "错误原因"]
    assert [r[-2] for r in rows[1:]] == ["5", "6", "7", "8", "9"]
    assert "区划代码" in rows[3][-1] and "管辖范围" in rows[3][-1]
    # Corrected in the sheet itself (the extra columns are ignored), it imports.
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    fixed = [row(n) for n in (14, 15, 16, 17, 18)]
    for r, values in enumerate(fixed, start=2):
        for c, value in enumerate(values, start=1):
            book.active.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    upload(client, buffer.getvalue(), mode="all")
    again = ImportJob.objects.order_by("-pk").first()
    assert again is not None and (again.imported, again.error_count) == (5, 0)


def test_a_formula_in_a_refused_row_stays_text_in_the_error_sheet(
    client, jiangan_officer: User
) -> None:
    client.force_login(jiangan_officer)
    upload(
        client,
        workbook([row(1, **{"名称": '=HYPERLINK("http://evil.example","x")', "区划代码": 1})]),
    )
    job = ImportJob.objects.get()
    sheet = client.get(reverse("registry:org-import-errors", kwargs={"pk": job.pk}))
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    assert all(c.data_type != "f" for r in book.active.iter_rows() for c in r)


def test_a_bad_file_is_refused_on_the_form_and_nothing_is_queued(
    client, jiangan_officer: User
) -> None:
    client.force_login(jiangan_officer)
    book = openpyxl.Workbook()
    book.active.append(["名称", "统一社会信用代码"])
    buffer = io.BytesIO()
    book.save(buffer)
    page = upload(client, buffer.getvalue()).content.decode()
    assert "缺少列" in page and "组织类型" in page
    page = upload(client, b"PK\x03\x04 not really a zip").content.decode()
    assert page.count("invalid-feedback") >= 1 and not ImportJob.objects.exists()


def test_a_sheet_the_worker_refuses_whole_fails_the_job_and_writes_nothing(
    jiangan_officer: User,
) -> None:
    only_headers = workbook([])
    job = imports.import_start(
        actor=jiangan_officer, content=only_headers, file_name="空表.xlsx", mode="all"
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "没有数据行" in job.message


def test_only_the_uploader_sees_a_job(
    client, jiangan_officer: User, make_user: Callable[..., User]
) -> None:
    job = imports.import_start(
        actor=jiangan_officer, content=mixed_file(), file_name="a.xlsx", mode="all"
    )
    colleague = make_user(Role.BUREAU_OFFICER, "420102", username="colleague")
    client.force_login(colleague)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("registry:org-import-errors", kwargs={"pk": job.pk})).status_code == 404
    )
    assert "a.xlsx" not in client.get(reverse("registry:org-import")).content.decode()


def test_residents_cannot_start_an_import(make_user: Callable[..., User]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        imports.import_start(
            actor=make_user(Role.RESIDENT), content=mixed_file(), file_name="a.xlsx", mode="all"
        )
    assert not ImportJob.objects.exists()


def test_the_check_at_upload_refuses_an_unreadable_file() -> None:
    with pytest.raises(ValidationError) as exc:
        excel.check_sheet(b"not an xlsx")
    assert "file" in exc.value.message_dict
