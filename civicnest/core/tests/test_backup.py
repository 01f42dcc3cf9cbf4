"""Backup and restore round trip on the configured database (SQLite, or PostgreSQL in `make test-pg`).

Committed data is needed (pg_dump reads from its own session), so the test is transactional; pytest-django
flushes every table afterwards, so the Wuhan region tree is reloaded for the tests that follow.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from civicnest.accounts.roles import Role
from civicnest.core.backup import media_fingerprint, table_fingerprint
from civicnest.regions.loader import load_city
from civicnest.registry.models import ArchiveDocument, SocialOrganization
from civicnest.registry.services import archive_upload
from civicnest.registry.tests.factories import OrganizationFactory


@pytest.fixture
def regions_after_flush(django_db_blocker) -> Iterator[None]:
    """Requested before transactional_db, so this teardown runs after its flush."""
    yield
    with django_db_blocker.unblock():
        load_city("4201")


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def test_backup_then_restore_brings_back_every_row_and_file(
    regions_after_flush, transactional_db, media: Path, tmp_path: Path, make_user
) -> None:
    org = OrganizationFactory.create(region_id="420102")
    rep = make_user(Role.BUREAU_OFFICER, "420102")
    doc = archive_upload(
        actor=rep,
        organization=org,
        doc_type="charter",
        title="章程",
        upload=SimpleUploadedFile("章程.pdf", b"%PDF-1.4 charter v1"),
    )
    OrganizationFactory.create_batch(3, region_id="420106")
    before_tables, before_media = table_fingerprint(), media_fingerprint()
    assert before_tables["registry_socialorganization"][0] == 4
    assert before_tables["regions_region"][0] > 3000
    assert len(before_media) == 1

    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    archive = next((tmp_path / "backups").glob("civicnest-backup-*.tar.gz"))
    assert "备份完成" in out.getvalue()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    expected_db = "database.pgdump" if connection.vendor == "postgresql" else "database.sqlite3"
    assert {"manifest.json", expected_db, f"media/{doc.file.name}"} <= set(names)
    assert manifest["tables"] == before_tables
    assert manifest["media"] == before_media

    # Damage: rows deleted and changed, an uploaded file lost, a stray file added.
    SocialOrganization.objects.filter(region_id="420106").delete()
    SocialOrganization.objects.filter(pk=org.pk).update(name="被篡改的名称")
    (media / doc.file.name).unlink()
    (media / "stray.txt").write_text("x")
    assert table_fingerprint() != before_tables

    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)
    assert "恢复完成并已核对" in out.getvalue()
    assert table_fingerprint() == before_tables
    assert media_fingerprint() == before_media
    assert SocialOrganization.objects.get(pk=org.pk).name == org.name
    restored = ArchiveDocument.objects.get(pk=doc.pk)
    with restored.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 charter v1"


def test_a_damaged_archive_is_refused_before_anything_changes(
    regions_after_flush, transactional_db, media: Path, tmp_path: Path
) -> None:
    OrganizationFactory.create(region_id="420102")
    call_command("backup", output=str(tmp_path), stdout=io.StringIO())
    archive = next(tmp_path.glob("civicnest-backup-*.tar.gz"))
    # Re-pack the archive with a corrupted database file.
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    db_file = next(p for p in unpacked.iterdir() if p.name.startswith("database."))
    # Flip bytes in the middle (the tail of a SQLite file can be zero padding already).
    data = bytearray(db_file.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 100] = bytes(b ^ 0xFF for b in data[middle : middle + 100])
    db_file.write_bytes(bytes(data))
    broken = tmp_path / "broken.tar.gz"
    with tarfile.open(broken, "w:gz") as tar:
        for path in unpacked.iterdir():
            tar.add(path, arcname=path.name)
    OrganizationFactory.create(region_id="420102")
    before = table_fingerprint()
    with pytest.raises(CommandError, match="校验和不符"):
        call_command("restore", str(broken), yes=True, stdout=io.StringIO())
    assert table_fingerprint() == before
