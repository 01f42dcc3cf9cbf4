"""Issue 18, findings 1, 2 and 6: client IPs behind proxies, lock-outs nobody else can cause, API tokens that end.

Each test failed before its fix: the throttle took the whole X-Forwarded-For header as the client's identity,
every client behind nginx was 127.0.0.1 to the lock-out, and a token survived logout and password changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from civicnest.accounts.client_ip import client_ip
from civicnest.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "Test-Password-2026"
NGINX = "127.0.0.1"
ATTACKER = "203.0.113.66"
OFFICIAL = "198.51.100.7"


@pytest.fixture
def behind_one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


@pytest.fixture
def lockouts(settings: Any) -> Iterator[None]:
    settings.AXES_ENABLED = True
    try:
        yield
    finally:
        AccessAttempt.objects.all().delete()


def _token_post(client: APIClient, password: str, **meta: Any) -> Any:
    return client.post(
        "/api/v1/auth/token/",
        {"username": "jiangan_officer", "password": password},
        format="json",
        **meta,
    )


def _web_login(client: Client, password: str, **meta: Any) -> Any:
    return client.post(
        "/accounts/login/", {"username": "jiangan_officer", "password": password}, **meta
    )


# -- finding 1: throttles ----------------------------------------------------------------------------------


def test_a_new_forwarded_for_on_each_request_does_not_escape_the_throttle(
    api_client: APIClient, jiangan_officer: User
) -> None:
    """No proxy configured (the default): the header is ignored, the connecting address is the client."""
    statuses = [
        _token_post(api_client, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.{i}.1").status_code
        for i in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_behind_one_proxy_the_throttle_counts_the_real_client(
    api_client: APIClient, jiangan_officer: User, behind_one_proxy: None
) -> None:
    """nginx appends the address it saw; whatever the client put in front of it changes nothing."""
    statuses = [
        _token_post(
            api_client,
            "wrong",
            REMOTE_ADDR=NGINX,
            HTTP_X_FORWARDED_FOR=f"10.9.{i}.9, {ATTACKER}",
        ).status_code
        for i in range(21)
    ]
    assert statuses[20] == 429
    # Another client behind the same nginx is not throttled by the attacker's requests.
    other = _token_post(api_client, "wrong", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=OFFICIAL)
    assert other.status_code == 400


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "", "192.0.2.1"),
        (0, "192.0.2.1", "10.0.0.5", "192.0.2.1"),  # header ignored without a trusted proxy
        (1, NGINX, "10.0.0.5", "10.0.0.5"),
        (1, NGINX, "1.2.3.4, 10.0.0.5", "10.0.0.5"),  # spoofed entry on the left
        (2, NGINX, "1.2.3.4, 10.0.0.5, 172.16.0.2", "10.0.0.5"),
        (1, NGINX, "", NGINX),  # no header: the proxy itself (a health check)
        (1, NGINX, "1.2.3.4, not-an-ip", NGINX),
    ],
)
def test_the_client_ip_rule(
    settings: Any, proxies: int, remote: str, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    meta: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected
    if (
        expected != NGINX or not forwarded
    ):  # DRF does not validate the entry; for real ones it agrees
        assert BaseThrottle().get_ident(Request(request)) == expected


def test_the_throttles_follow_trusted_proxy_count() -> None:
    from django.conf import settings

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
    assert settings.AXES_CLIENT_IP_CALLABLE == "civicnest.accounts.client_ip.client_ip"


# -- finding 2: lock-outs ----------------------------------------------------------------------------------


def test_an_attacker_cannot_lock_an_official_out(
    client: Client, jiangan_officer: User, lockouts: None
) -> None:
    for _ in range(10):
        _web_login(client, "wrong", REMOTE_ADDR=ATTACKER)
    # The attacker's address is locked, even with the right password.
    locked = _web_login(Client(), PASSWORD, REMOTE_ADDR=ATTACKER)
    assert locked.status_code == 429
    assert "账户已暂时锁定" in locked.content.decode()
    # The official, from his own desk, logs in.
    official = Client()
    response = _web_login(official, PASSWORD, REMOTE_ADDR=OFFICIAL)
    assert response.status_code == 302 and "_auth_user_id" in official.session


def test_behind_nginx_the_lockout_uses_the_real_client_ip(
    jiangan_officer: User, lockouts: None, behind_one_proxy: None
) -> None:
    """Every request comes from nginx (127.0.0.1); the attacker also forges the official's address in front."""
    attacker = APIClient()
    for _ in range(10):
        _token_post(
            attacker,
            "wrong",
            REMOTE_ADDR=NGINX,
            HTTP_X_FORWARDED_FOR=f"{OFFICIAL}, {ATTACKER}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    locked = _token_post(APIClient(), PASSWORD, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert locked.status_code == 429 and "锁定" in locked.json()["message"]
    # The official behind the same nginx still gets his token, and logs in on the site.
    ok = _token_post(APIClient(), PASSWORD, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=OFFICIAL)
    assert ok.status_code == 200 and ok.json()["token"]
    page = _web_login(Client(), PASSWORD, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=OFFICIAL)
    assert page.status_code == 302


# -- finding 6: API tokens ---------------------------------------------------------------------------------


def _token(client: APIClient) -> str:
    response = _token_post(client, PASSWORD)
    assert response.status_code == 200
    return str(response.json()["token"])


def _me(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return int(client.get("/api/v1/me/").status_code)


def test_delete_revokes_the_callers_token_and_login_issues_a_new_one(
    api_client: APIClient, jiangan_officer: User
) -> None:
    key = _token(api_client)
    assert _me(key) == 200
    assert _token(api_client) == key  # a second login while it is valid: the same token
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.delete("/api/v1/auth/token/")
    assert response.status_code == 204
    assert _me(key) == 401
    assert api_client.delete("/api/v1/auth/token/").status_code == 401
    api_client.credentials()
    fresh = _token(api_client)
    assert fresh != key and _me(fresh) == 200


def test_delete_without_credentials_is_refused(api_client: APIClient) -> None:
    response = api_client.delete("/api/v1/auth/token/")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


def test_logging_out_of_the_site_revokes_the_token(
    api_client: APIClient, client: Client, jiangan_officer: User
) -> None:
    key = _token(api_client)
    client.force_login(jiangan_officer)
    assert client.post("/accounts/logout/").status_code == 302
    assert _me(key) == 401


def test_changing_the_password_on_the_page_revokes_the_token(
    api_client: APIClient, client: Client, jiangan_officer: User
) -> None:
    key = _token(api_client)
    client.force_login(jiangan_officer)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Wuhan-Civic-2027!",
            "new_password2": "Wuhan-Civic-2027!",
        },
    )
    assert response.status_code == 302
    assert _me(key) == 401
    assert client.get("/").status_code == 200  # the page that changed it stays signed in


def test_set_password_anywhere_revokes_the_token(
    api_client: APIClient, jiangan_officer: User
) -> None:
    """The admin's password form, `manage.py changepassword` and resets all end in set_password() + save()."""
    key = _token(api_client)
    jiangan_officer.refresh_from_db()
    jiangan_officer.full_name = "改名不改密码"
    jiangan_officer.save()
    assert _me(key) == 200  # other saves keep it
    jiangan_officer.set_password("Wuhan-Civic-2027!")
    jiangan_officer.save()
    assert _me(key) == 401


def test_the_admin_password_form_revokes_the_token(
    api_client: APIClient, client: Client, jiangan_officer: User, make_user: Any
) -> None:
    key = _token(api_client)
    admin = make_user(username="site_admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{jiangan_officer.pk}/password/",
        {"password1": "Wuhan-Civic-2027!", "password2": "Wuhan-Civic-2027!"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _me(key) == 401


def test_an_expired_token_is_refused_and_login_issues_a_new_one(
    api_client: APIClient, jiangan_officer: User, settings: Any
) -> None:
    settings.API_TOKEN_TTL_HOURS = 24
    key = _token(api_client)
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=25))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["message"] == "认证令牌已过期，请重新获取。"
    fresh = _token(api_client)
    assert fresh != key and _me(fresh) == 200
    # Within the lifetime, the token works; TTL 0 means tokens never expire.
    Token.objects.filter(key=fresh).update(created=timezone.now() - timedelta(hours=23))
    assert _me(fresh) == 200
    settings.API_TOKEN_TTL_HOURS = 0
    Token.objects.filter(key=fresh).update(created=timezone.now() - timedelta(days=3650))
    assert _me(fresh) == 200
