"""The shared upload check: type by extension and by content, size, and its use in every upload form."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from civicnest.core.uploads import ARCHIVE, IMAGE, MB, SPREADSHEET, UploadValidator, validate_upload
from civicnest.registry.forms import ArchiveUploadForm, ImportForm
from civicnest.training.forms import PhotoForm as EventPhotoForm
from civicnest.venues.forms import PhotoForm as RoomPhotoForm

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16
PDF = b"%PDF-1.7\n" + b"\x00" * 32
XLSX = b"PK\x03\x04" + b"\x00" * 32


@pytest.mark.parametrize(
    ("name", "content", "policy"),
    [
        ("照片.png", PNG, IMAGE),
        ("photo.JPG", JPEG, IMAGE),
        ("photo.webp", WEBP, IMAGE),
        ("章程.pdf", PDF, ARCHIVE),
        ("名册.xlsx", XLSX, ARCHIVE),
        ("导入.xlsx", XLSX, SPREADSHEET),
    ],
)
def test_real_files_of_allowed_types_pass(name: str, content: bytes, policy) -> None:
    validate_upload(SimpleUploadedFile(name, content), policy)


@pytest.mark.parametrize(
    ("name", "content", "policy", "message"),
    [
        ("run.exe", b"MZ\x90\x00", ARCHIVE, "不支持的文件类型：exe"),
        ("page.html", b"<script>alert(1)</script>", ARCHIVE, "不支持的文件类型：html"),
        ("logo.svg", b"<svg onload=alert(1)>", IMAGE, "不支持的文件类型：svg"),
        ("noext", PDF, ARCHIVE, "不支持的文件类型：?"),
        ("virus.jpg", b"MZ\x90\x00" + b"\x00" * 20, IMAGE, "文件内容与扩展名 .jpg 不符"),
        ("fake.pdf", b"<html>", ARCHIVE, "文件内容与扩展名 .pdf 不符"),
        ("fake.webp", b"RIFF\x00\x00\x00\x00AVI ", IMAGE, "文件内容与扩展名 .webp 不符"),
        ("empty.png", b"", IMAGE, "文件是空的"),
        ("doc.pdf", PDF, SPREADSHEET, "不支持的文件类型：pdf"),
    ],
)
def test_wrong_type_content_or_empty_is_refused_in_chinese(name, content, policy, message) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_upload(SimpleUploadedFile(name, content), policy)


def test_size_limit_names_the_limit_and_the_actual_size() -> None:
    big = SimpleUploadedFile("big.png", PNG)
    big.size = 6 * MB
    with pytest.raises(ValidationError, match=r"不能超过 5 MB（当前 6.0 MB）"):
        validate_upload(big, IMAGE)


def test_check_leaves_the_file_position_alone() -> None:
    upload = SimpleUploadedFile("a.pdf", PDF)
    upload.seek(3)
    validate_upload(upload, ARCHIVE)
    assert upload.tell() == 3


@pytest.mark.parametrize(
    ("form_class", "field", "extra"),
    [
        (ArchiveUploadForm, "file", {"doc_type": "charter", "title": "章程"}),
        (ImportForm, "file", {"mode": "all"}),
        (EventPhotoForm, "image", {}),
        (RoomPhotoForm, "image", {}),
    ],
)
def test_every_upload_form_uses_the_shared_check(form_class, field, extra) -> None:
    assert any(isinstance(v, UploadValidator) for v in form_class.base_fields[field].validators)
    form = form_class(data=extra, files={field: SimpleUploadedFile("x.jpg", b"MZ" + b"\x00" * 20)})
    assert not form.is_valid()
    assert field in form.errors
    assert "不" in form.errors[field][0]  # a Chinese reason on the field itself


def test_a_pdf_signature_in_front_of_html_is_refused() -> None:
    """Issue 18, finding 11: "%PDF-" followed by HTML was accepted as a PDF."""
    from django.core.exceptions import ValidationError

    from civicnest.core.uploads import ARCHIVE, validate_upload

    for body in (b"%PDF-1.4\n<html><script>alert(1)</script></html>", b"%PDF-1.7\n<SVG onload=x>"):
        with pytest.raises(ValidationError, match="不符"):
            validate_upload(SimpleUploadedFile("a.pdf", body), ARCHIVE)
    validate_upload(
        SimpleUploadedFile("a.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\n%%EOF"), ARCHIVE
    )
