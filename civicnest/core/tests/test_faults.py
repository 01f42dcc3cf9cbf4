"""Faults: a worker killed mid-job, a lost database connection, a full disk during an upload.

What CI can run lives here; the database restart under load is scripted in bench/faults.sh and recorded in
docs/benchmarks.md ("FAULTS").
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, connections

from civicnest.accounts.models import RoleAssignment
from civicnest.accounts.roles import Role
from civicnest.matching import services as matching
from civicnest.matching.models import Match, MatchStatus
from civicnest.regions.loader import load_city
from civicnest.registry.excel import organization_import
from civicnest.registry.models import ArchiveDocument, SocialOrganization
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.registry.tests.test_excel import row, workbook

ROOT = Path(__file__).resolve().parents[3]

KILLED_IMPORT = """
import pathlib, sys, time
import django
django.setup()
from civicnest.accounts.models import User
from civicnest.registry import excel
marker, book, username = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
real = excel.OrganizationResource.before_save_instance
seen = {"rows": 0}
def slow(self, instance, row, **kwargs):
    real(self, instance, row, **kwargs)
    seen["rows"] += 1
    if seen["rows"] == 6:  # five rows written inside the import's transaction
        marker.write_text("mid-import")
        time.sleep(120)
excel.OrganizationResource.before_save_instance = slow
excel.organization_import(actor=User.objects.get(username=username), content=book.read_bytes(), mode="all")
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def regions_after_flush(django_db_blocker) -> Iterator[None]:
    """Requested before transactional_db, so this teardown runs after its flush."""
    yield
    with django_db_blocker.unblock():
        load_city("4201")


def test_an_import_killed_mid_file_leaves_nothing_and_can_be_rerun(
    regions_after_flush, transactional_db, jiangan_officer, tmp_path: Path
) -> None:
    book = tmp_path / "orgs.xlsx"
    book.write_bytes(workbook([row(n) for n in range(1, 11)]))
    marker = tmp_path / "marker"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(marker), str(book), jiangan_officer.username],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
            assert time.monotonic() < deadline, "the import never reached its sixth row"
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)  # like the OOM killer or a power cut: no clean-up runs
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        if worker.stderr:
            worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL
    assert (
        SocialOrganization.objects.count() == 0
    )  # the five written rows went with the transaction

    report = organization_import(
        actor=jiangan_officer, content=book.read_bytes(), mode="all"
    )  # the retry: same file, same answer as a first run
    assert (report.imported, report.errors) == (10, [])
    assert SocialOrganization.objects.count() == 10


@pytest.mark.django_db
def test_a_batch_match_killed_mid_need_keeps_every_need_whole_and_reruns(make_user) -> None:
    from civicnest.matching.tests.test_matching import COMMUNITY

    org = OrganizationFactory.create(region_id="420102002", name="江岸区暖心为老服务中心")
    rep = make_user(username="batch_rep")
    RoleAssignment.objects.create(user=rep, role=Role.ORG_REP, region_id="420102", organization=org)
    resident = make_user(Role.RESIDENT, COMMUNITY, username="batch_resident")
    for title in ("独居老人助餐配送", "老人上门理发", "社区老人健康讲座"):
        matching.offering_save(
            actor=rep,
            organization=org,
            data={
                "title": title,
                "description": f"为社区老人提供{title}",
                "categories": ["elderly"],
                "area_codes": ["420102002"],
                "beneficiaries": ["elderly"],
                "capacity": 30,
            },
        )
    needs = [
        matching.need_submit(
            actor=resident,
            data={"title": f"老人送餐{n}", "description": "独居老人需要助餐", "region": COMMUNITY},
        )
        for n in range(4)
    ]
    matching.refresh_all_suggestions()
    before = {n.pk: sorted(n.matches.values_list("offering_id", flat=True)) for n in needs}
    assert all(before.values())
    # The offerings change; the nightly batch starts and is killed while writing the third need.
    Match.objects.filter(status=MatchStatus.SUGGESTED).update(score=0)
    real_bulk_create = Match.objects.bulk_create
    calls = {"n": 0}

    def killed_on_third(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")  # BaseException, like the interpreter going away
        return real_bulk_create(objs, *args, **kwargs)

    with (
        mock.patch.object(Match.objects, "bulk_create", side_effect=killed_on_third),
        pytest.raises(SystemExit),
    ):
        # One need per transaction, so the kill lands between needs' writes as in a large batch.
        matching.refresh_all_suggestions(batch_size=1, workers=1)
    after = {n.pk: sorted(n.matches.values_list("offering_id", flat=True)) for n in needs}
    assert (
        after == before
    )  # the interrupted need kept its old suggestions: deleted-but-not-written never shows
    scores = {n.pk: set(n.matches.values_list("score", flat=True)) for n in needs}
    # Two needs were refreshed before the kill; the interrupted one and the one after still hold the old rows.
    assert sorted(0.0 in s for s in scores.values()) == [False, False, True, True]

    matching.refresh_all_suggestions()  # the rerun finishes the job
    assert all(0.0 not in set(n.matches.values_list("score", flat=True)) for n in needs)


@pytest.mark.django_db
def test_a_full_disk_during_an_archive_upload_says_so_and_leaves_no_trace(
    client, disk_media: Path, full_disk_after, make_user
) -> None:
    org = OrganizationFactory.create(region_id="420102")
    officer = make_user(Role.BUREAU_OFFICER, "420102")
    client.force_login(officer)
    upload = SimpleUploadedFile("章程.pdf", b"%PDF-1.7\n" + b"x" * 200_000)
    with mock.patch("django.core.files.storage.filesystem.os.fdopen", full_disk_after(4096)):
        response = client.post(
            f"/registry/{org.pk}/archives/",
            {"doc_type": "charter", "title": "章程", "file": upload},
            follow=True,
        )
    text = response.content.decode()
    assert "服务器存储空间已满，文件没有保存，也没有留下任何记录" in text
    assert ArchiveDocument.objects.count() == 0
    assert [p for p in disk_media.rglob("*") if p.is_file()] == []  # the partial file was removed

    upload.seek(0)
    retry = client.post(
        f"/registry/{org.pk}/archives/",
        {"doc_type": "charter", "title": "章程", "file": upload},
        follow=True,
    )
    assert "已上传档案" in retry.content.decode()
    assert ArchiveDocument.objects.count() == 1


@pytest.mark.django_db
def test_other_storage_failures_are_reported_too(disk_media: Path, make_user) -> None:
    from django.core.exceptions import ValidationError

    from civicnest.registry.services import archive_upload

    org = OrganizationFactory.create(region_id="420102")
    officer = make_user(Role.BUREAU_OFFICER, "420102")
    with (
        mock.patch(
            "django.core.files.storage.filesystem.os.open",
            side_effect=PermissionError(errno.EACCES, "Permission denied"),
        ),
        pytest.raises(ValidationError, match="服务器保存文件失败（Permission denied）"),
    ):
        archive_upload(
            actor=officer,
            organization=org,
            doc_type="charter",
            title="章程",
            upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7 x"),
        )
    assert ArchiveDocument.objects.count() == 0


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres") is False,
    reason="a server-side connection drop is a PostgreSQL matter",
)
@pytest.mark.django_db
@pytest.mark.parametrize("health_checks", [True, False])
def test_a_connection_dropped_by_the_server_is_replaced_at_the_next_request(
    health_checks: bool,
) -> None:
    """What a database restart does to a persistent connection, and how CONN_HEALTH_CHECKS recovers."""
    conn = connections.create_connection("default")
    conn.settings_dict = {
        **conn.settings_dict,
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": health_checks,
    }
    try:
        conn.ensure_connection()
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with connection.cursor() as cursor:  # the restart, as seen by this one connection
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)
        # What Django does at the start of every request (request_started → close_old_connections):
        conn.health_check_done = False  # type: ignore[attr-defined]
        conn.close_if_unusable_or_obsolete()
        if health_checks:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
                assert cursor.fetchone() == (1,)
        else:
            with pytest.raises(OperationalError), conn.cursor() as cursor:
                cursor.execute("SELECT 1")  # without the check the request fails first
    finally:
        conn.close()
