"""Registry imports as background jobs: the upload is checked at once and queued; the task worker
checks the rows with progress, writes them, and keeps the refused rows for an error sheet."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.regions.scoping import Scope
from civicnest.registry.excel import RowError, check_sheet, error_sheet, organization_import
from civicnest.registry.models import ImportJob, ImportStatus

logger = logging.getLogger("civicnest.registry.imports")
MAX_STORED_ERRORS = 5_000  # shown and kept; the count says how many there were


def import_start(*, actor: User, content: bytes, file_name: str, mode: str) -> ImportJob:
    """Check the upload's form (readable, sane size, the template's columns), store it and queue it."""
    from civicnest.registry.tasks import organization_import_run  # noqa: PLC0415 - tasks import this module

    if not Scope.for_user(actor).is_staff_member:
        raise PermissionDenied(_("只有民政局和中心工作人员可以导入社会组织。"))
    check_sheet(content)
    job = ImportJob.objects.create(
        created_by=actor, file_name=file_name[:200], mode=mode, content=content
    )
    # Not inside a transaction: the row is committed before a worker can look for it.
    organization_import_run.enqueue(job_id=job.pk)
    return job


def import_run(job_id: int) -> None:
    """The task's work: check with progress, write, record the outcome; the file is dropped at the end."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.finished:
        return
    job.status = ImportStatus.CHECKING
    job.save(update_fields=["status"])

    def progress(stage: str, done: int, total: int) -> None:
        status = ImportStatus.WRITING if stage == "writing" else ImportStatus.CHECKING
        ImportJob.objects.filter(pk=job_id).update(status=status, processed=done, total=total)

    try:
        report = organization_import(
            actor=job.created_by, content=bytes(job.content), mode=job.mode, progress=progress
        )
    except ValidationError as exc:  # the whole file was refused (too many rows, unreadable)
        _finish(job, ImportStatus.FAILED, message="；".join(exc.messages))
        return
    except (PermissionDenied, DatabaseError) as exc:
        logger.exception("import job %s failed", job_id)
        _finish(job, ImportStatus.FAILED, message=str(exc)[:300] or _("导入失败，数据库未改动。"))
        return
    job.total = job.processed = report.total
    job.imported = report.imported
    job.error_count = len(report.errors)
    job.errors = [vars(e) for e in report.errors[:MAX_STORED_ERRORS]]
    kept = {e["row"] for e in job.errors}
    job.error_rows = {str(r): v for r, v in report.error_rows.items() if r in kept}
    job.headers = report.headers
    _finish(job, ImportStatus.DONE)


def _finish(job: ImportJob, status: str, *, message: str = "") -> None:
    job.status = status
    job.message = message[:300]
    job.content = b""  # the sheet holds personal data: keep only what the report needs
    job.finished_at = timezone.now()
    job.save()


def import_error_sheet(job: ImportJob) -> bytes:
    errors = [RowError(**e) for e in job.errors]
    return error_sheet(job.headers, {int(k): v for k, v in job.error_rows.items()}, errors)
