"""The security pass: headers and CSP, no inline script in any template, deploy settings, rate limits."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings

from civicnest.accounts.models import User

ROOT = Path(__file__).resolve().parents[3]


def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/portal/", "/api/docs/"])
def test_pages_carry_a_strict_csp_and_the_security_headers(client, url: str) -> None:
    response = client.get(url, follow=True)
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other origin
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_swagger_ui_loads_its_start_up_script_from_a_url(client) -> None:
    page = client.get("/api/docs/").content.decode()
    assert re.search(r"<script>\s*\S", page) is None
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def _browser_templates() -> list[Path]:
    """Every template a browser renders (PDF templates go to WeasyPrint, which runs no script)."""
    return [
        p for p in (ROOT / "civicnest").rglob("templates/**/*.html") if "/pdf/" not in p.as_posix()
    ]


def test_no_template_has_inline_script_or_event_handlers() -> None:
    templates = _browser_templates()
    assert len(templates) > 50
    inline_script = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I
    )
    handler = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
    offenders = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text) or "javascript:" in text.lower():
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], "move page JavaScript to civicnest/static/ (CSP forbids inline script)"


def test_the_inline_script_check_would_catch_offenders() -> None:
    inline_script = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I
    )
    assert inline_script.search("<script>alert(1)</script>")
    assert not inline_script.search('<script src="/static/x.js"></script>')
    assert not inline_script.search('<script id="d" type="application/json">{}</script>')


def test_production_settings_pass_the_deploy_check_and_send_hsts() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "civicnest.example.org",
    }
    env.pop("DATABASE_URL", None)
    env.pop(
        "DJANGO_ALLOW_ASYNC_UNSAFE", None
    )  # make test-* sets it for the suite; a deployment must not
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.DEBUG)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split() == ["31536000", "True", "True", "True", "False"]


@pytest.mark.django_db
def test_token_endpoint_is_rate_limited(api_client, jiangan_officer: User) -> None:
    statuses = [
        api_client.post(
            "/api/v1/auth/token/",
            {"username": "jiangan_officer", "password": "wrong"},
            format="json",
        ).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    last = api_client.post(
        "/api/v1/auth/token/",
        {"username": "jiangan_officer", "password": "Test-Password-2026"},
        format="json",
    )
    assert last.status_code == 429
    assert last.json()["message"] == "请求过于频繁，请稍后再试。"


@pytest.mark.django_db
def test_token_endpoint_shares_the_login_lockout(
    api_client, settings, jiangan_officer: User
) -> None:
    settings.AXES_ENABLED = True
    try:
        for _ in range(django_settings.AXES_FAILURE_LIMIT):
            api_client.post(
                "/api/v1/auth/token/",
                {"username": "jiangan_officer", "password": "wrong"},
                format="json",
            )
        locked = api_client.post(
            "/api/v1/auth/token/",
            {"username": "jiangan_officer", "password": "Test-Password-2026"},
            format="json",
        )
        assert locked.status_code in {403, 429}
        assert "token" not in locked.json()
        assert "锁定" in locked.json()["message"]
    finally:
        AccessAttempt.objects.all().delete()


@pytest.mark.django_db
def test_every_download_url_checks_the_object_first(client, make_user) -> None:
    """The three views that stream stored files: anonymous and foreign users get nothing."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from civicnest.accounts.roles import Role
    from civicnest.registry.services import archive_upload
    from civicnest.registry.tests.factories import OrganizationFactory
    from civicnest.training.models import EventPhoto
    from civicnest.training.tests.factories import EventFactory
    from civicnest.venues.models import RoomPhoto
    from civicnest.venues.tests.factories import RoomFactory

    officer = make_user(Role.BUREAU_OFFICER, "420102")
    foreign = make_user(Role.BUREAU_OFFICER, "420106")
    doc = archive_upload(
        actor=officer,
        organization=OrganizationFactory.create(region_id="420102"),
        doc_type="charter",
        title="章程",
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7 secret"),
    )
    draft = EventFactory.create(status="draft", center__region_id="420102")
    event_photo = EventPhoto.objects.create(event=draft, region_id=draft.region_id, image="e/x.jpg")
    room = RoomFactory.create(center__region_id="420102")
    room_photo = RoomPhoto.objects.create(room=room, region_id=room.region_id, image="r/x.jpg")
    urls = [
        f"/registry/archives/{doc.pk}/download/",
        f"/training/event-photos/{event_photo.pk}/",
        f"/venues/photos/{room_photo.pk}/",
    ]
    for url in urls:
        anonymous = client.get(url)
        assert anonymous.status_code in {302, 403, 404}, url
        if anonymous.status_code == 302:
            assert "/accounts/login/" in anonymous.url
    client.force_login(foreign)
    for url in urls:
        assert client.get(url).status_code in {403, 404}, url
    client.force_login(officer)
    response = client.get(urls[0])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 secret"
