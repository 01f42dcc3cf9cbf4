"""Checks every uploaded document passes before anything is stored: type by extension, size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

DOCUMENT_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png"})
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


def check_document_upload(upload: UploadedFile, *, field: str = "file") -> str:
    """Refuse a document that is not PDF/Word/Excel/image, empty or over 20 MB; return its suffix."""
    name = upload.name or ""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in DOCUMENT_EXTENSIONS:
        raise ValidationError(
            {
                field: [
                    _("不支持的文件类型：%(s)s。请上传 PDF、Word、Excel 或图片。")
                    % {"s": suffix or "?"}
                ]
            }
        )
    if upload.size is None or upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError({field: [_("文件不能超过 20 MB。")]})
    if upload.size == 0:
        raise ValidationError({field: [_("文件是空的。")]})
    return suffix
