from __future__ import annotations

from collections.abc import Callable

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_and_bad_password_gives_a_clear_message(
    client, jiangan_officer: User
) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "登录 CivicNest" in page
    response = client.post("/accounts/login/", {"username": "jiangan_officer", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post(
        "/accounts/login/", {"username": "jiangan_officer", "password": "Test-Password-2026"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_anonymous_users_are_sent_to_login(client) -> None:
    response = client.get("/network/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_lockout_after_repeated_failures(client, settings, jiangan_officer: User) -> None:
    settings.AXES_ENABLED = True
    try:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post("/accounts/login/", {"username": "jiangan_officer", "password": "wrong"})
        locked = client.post(
            "/accounts/login/", {"username": "jiangan_officer", "password": "Test-Password-2026"}
        )
        assert locked.status_code == 429
        assert "账户已暂时锁定" in locked.content.decode()
        assert "_auth_user_id" not in client.session
    finally:
        AccessAttempt.objects.all().delete()


def test_password_policy_rejects_weak_passwords() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_password("12345678")
    assert any("密码" in m for m in exc.value.messages)


def test_password_change_page(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    response = client.post(
        "/accounts/password/",
        {"old_password": "Test-Password-2026", "new_password1": "short", "new_password2": "short"},
    )
    assert "密码" in response.content.decode() and response.status_code == 200
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Test-Password-2026",
            "new_password1": "Wuhan-Civic-2027!",
            "new_password2": "Wuhan-Civic-2027!",
        },
    )
    assert response.status_code == 302
    jiangan_officer.refresh_from_db()
    assert jiangan_officer.check_password("Wuhan-Civic-2027!")


def test_sessions_expire_after_inactivity(client, jiangan_officer: User, monkeypatch) -> None:
    """The idle timeout is renewed by requests, but the session row is rewritten at most once a minute."""
    from django.contrib.sessions.models import Session

    from civicnest.core import sessions

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(sessions.time, "time", lambda: clock["now"])
    client.force_login(jiangan_officer)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.get("/")
    first = Session.objects.get(session_key=key).expire_date
    clock["now"] += 30  # within the refresh interval: no write, no new cookie
    response = client.get("/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == first
    clock["now"] += 31  # a minute after the last renewal: renewed
    response = client.get("/")
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    assert Session.objects.get(session_key=key).expire_date > first
    # The public portal without a session cookie never creates a session.
    client.logout()
    client.cookies.clear()
    assert settings.SESSION_COOKIE_NAME not in client.get("/portal/").cookies


def test_token_auth_and_me(api_client, jiangan_staff: User, jiangan_center: Center) -> None:
    bad = api_client.post(
        "/api/v1/auth/token/", {"username": "jiangan_staff", "password": "nope"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["message"] == "用户名或密码不正确。"
    missing = api_client.post("/api/v1/auth/token/", {}, format="json")
    assert missing.status_code == 400 and "username" in missing.json()["extra"]["fields"]
    token = api_client.post(
        "/api/v1/auth/token/",
        {"username": "jiangan_staff", "password": "Test-Password-2026"},
        format="json",
    ).json()["token"]
    assert api_client.get("/api/v1/me/").status_code in (401, 403)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/").json()
    assert me["username"] == "jiangan_staff"
    assert me["roles"] == [
        {
            "role": "center_staff",
            "role_display": "中心工作人员",
            "region": "420102",
            "region_name": "江岸区",
            "center": jiangan_center.pk,
            "center_name": jiangan_center.name,
        }
    ]


def test_unauthenticated_api_error_is_chinese(api_client) -> None:
    response = api_client.get("/api/v1/centers/")
    assert response.status_code in (401, 403)
    assert (
        response.json()["message"] in ("身份认证信息未提供。", "认证令牌无效。")
        or "认证" in response.json()["message"]
    )


def test_center_staff_role_requires_a_center(make_user: Callable[..., User]) -> None:
    from django.db import IntegrityError, transaction

    user = make_user()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.CENTER_STAFF, region_id="420102")


def test_api_schema_and_local_swagger(client) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    for path in ("/api/v1/auth/token/", "/api/v1/me/", "/api/v1/regions/", "/api/v1/centers/"):
        assert path in body
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower()
