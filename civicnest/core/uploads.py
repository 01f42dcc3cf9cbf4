"""One check for every uploaded file: allowed type (by extension AND by the file's first bytes) and size.

Forms attach `UploadValidator(POLICY)` to their FileFields (field-level Chinese messages); services call
`validate_upload` again, so an upload arriving another way (API, a script) gets the same answer. A renamed
executable (`virus.exe` → `photo.jpg`) fails the content check; an HTML or SVG file is never accepted, since
it could carry script that a browser would run from our origin.
"""

from __future__ import annotations

import errno
import logging
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ZIP = (b"PK\x03\x04",)  # docx, xlsx (Office Open XML is a zip archive)
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # doc, xls (legacy Office compound file)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "webp": (b"RIFF",),  # plus "WEBP" at offset 8, checked below
    "docx": ZIP,
    "xlsx": ZIP,
    "doc": OLE,
    "xls": OLE,
}
MB = 1024 * 1024
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadPolicy:
    extensions: tuple[str, ...]
    max_bytes: int
    description: Any  # what to tell the user, e.g. "JPG、PNG 或 WebP 图片"


IMAGE = UploadPolicy(("jpg", "jpeg", "png", "webp"), 5 * MB, gettext_lazy("JPG、PNG 或 WebP 图片"))
ARCHIVE = UploadPolicy(
    ("pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png"),
    20 * MB,
    gettext_lazy("PDF、Word、Excel 或图片"),
)
SPREADSHEET = UploadPolicy(("xlsx",), 10 * MB, gettext_lazy("Excel 文件（.xlsx）"))


def _suffix(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _head(upload: Any, size: int = 16) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(size)
    upload.seek(position)
    return head if isinstance(head, bytes) else head.encode()


HTML_MARKERS = (b"<html", b"<script", b"<body", b"<!doctype", b"<svg", b"<iframe", b"<img")


def _is_real_pdf(upload: Any) -> bool:
    """A PDF that does not open as a web page: a "%PDF-" line in front of HTML passed the signature check."""
    start = _head(upload, 4096).lower()
    return not any(tag in start for tag in HTML_MARKERS)


def validate_upload(upload: Any, policy: UploadPolicy) -> None:
    """Raise a Chinese ValidationError if the file's type, content or size is not what the policy allows."""
    suffix = _suffix(getattr(upload, "name", "") or "")
    if suffix not in policy.extensions:
        raise ValidationError(
            _("不支持的文件类型：%(s)s。请上传 %(allowed)s。")
            % {"s": suffix or "?", "allowed": policy.description},
            code="file_type",
        )
    size = getattr(upload, "size", None)
    if not size:
        raise ValidationError(_("文件是空的。"), code="file_empty")
    if size > policy.max_bytes:
        raise ValidationError(
            _("文件不能超过 %(mb)d MB（当前 %(now).1f MB）。")
            % {"mb": policy.max_bytes // MB, "now": size / MB},
            code="file_size",
        )
    head = _head(upload)
    signatures = SIGNATURES.get(suffix, ())
    matches = any(head.startswith(sig) for sig in signatures)
    if suffix == "webp":
        matches = matches and head[8:12] == b"WEBP"
    if suffix == "pdf":
        matches = matches and _is_real_pdf(upload)
    if not matches:
        raise ValidationError(
            _("文件内容与扩展名 .%(s)s 不符，请上传真实的 %(allowed)s。")
            % {"s": suffix, "allowed": policy.description},
            code="file_content",
        )


@deconstructible
class UploadValidator:
    """A form/model field validator: `forms.FileField(validators=[UploadValidator(IMAGE)])`."""

    def __init__(self, policy: UploadPolicy) -> None:
        self.policy = policy

    def __call__(self, upload: Any) -> None:
        validate_upload(upload, self.policy)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadValidator) and other.policy == self.policy

    def __hash__(self) -> int:
        return hash(self.policy)


def store_upload(field_file: Any, filename: str, upload: Any, *, field: str) -> None:
    """Write an upload to storage (like FieldFile.save(..., save=False)), failing cleanly.

    A storage failure — disk full, quota, read-only file system, permissions — removes whatever part of
    the file was written and raises a field-level Chinese ValidationError; the caller's transaction then
    rolls back, so no record points at a missing or truncated file.
    """
    storage = field_file.storage
    max_length = field_file.field.max_length
    name = storage.get_available_name(
        field_file.field.generate_filename(field_file.instance, filename), max_length=max_length
    )
    try:
        saved = storage.save(name, upload, max_length=max_length)
    except OSError as exc:
        with suppress(OSError):
            if storage.exists(name):
                storage.delete(name)  # the partial file the failed write left behind
        logger.error("upload storage failed: %s (%s)", name, exc)
        if exc.errno in {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}:
            message = _(
                "服务器存储空间已满，文件没有保存，也没有留下任何记录。请联系系统管理员清理空间后重新上传。"
            )
        else:
            message = _(
                "服务器保存文件失败（%(reason)s），没有留下任何记录。请稍后重试或联系系统管理员。"
            ) % {"reason": exc.strerror or exc.__class__.__name__}
        raise ValidationError({field: [message]}, code="storage") from exc
    field_file.name = saved
    setattr(field_file.instance, field_file.field.attname, saved)
    field_file._committed = True


def check_document(upload: Any, *, field: str = "file", policy: UploadPolicy = ARCHIVE) -> None:
    """`validate_upload` for services: the refusal is attached to the form field `field`."""
    try:
        validate_upload(upload, policy)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
