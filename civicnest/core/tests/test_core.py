from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.db import transaction

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.models import Notification
from civicnest.core.services import notify
from civicnest.core.sms import LoggingSmsBackend
from civicnest.network.models import Center
from civicnest.network.services import center_update

pytestmark = pytest.mark.django_db


def test_notify_fans_out_to_inbox_email_and_sms(
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks,
) -> None:
    user = make_user(Role.RESIDENT, email="resident@example.org", phone="13800001111")
    LoggingSmsBackend.sent.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(
            event="need.matched",
            recipients=[user, user],
            title="您的需求已匹配",
            body="请查看",
            url="/x/",
            sms=True,
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 2
    assert Notification.objects.filter(recipient=user).count() == 1
    assert [m.subject for m in mail.outbox] == ["您的需求已匹配"]
    assert "/x/" in mail.outbox[0].body
    assert list(LoggingSmsBackend.sent) == [("13800001111", "您的需求已匹配")]


def test_rolled_back_operation_sends_nothing(
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks,
) -> None:
    user = make_user(Role.RESIDENT, email="resident@example.org")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(event="x", recipients=[user], title="不应发送")
        raise RuntimeError
    assert mail.outbox == []
    assert not Notification.objects.filter(recipient=user).exists()


def test_bell_shows_unread_count_and_inbox_marks_read(
    client, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.RESIDENT)
    other = make_user(Role.RESIDENT)
    notify(event="a", recipients=[user], title="第一条")
    notify(event="b", recipients=[user], title="第二条")
    notify(event="c", recipients=[other], title="别人的消息")
    client.force_login(user)
    home = client.get("/").content.decode()
    assert 'data-testid="unread-count">2<' in home
    inbox = client.get("/core/notifications/").content.decode()
    assert "第一条" in inbox and "别人的消息" not in inbox
    mine = Notification.objects.filter(recipient=user).earliest("created_at")
    foreign = Notification.objects.get(recipient=other)
    client.post("/core/notifications/read/", {"id": foreign.pk})
    foreign.refresh_from_db()
    assert foreign.read_at is None
    client.post("/core/notifications/read/", {"id": mine.pk})
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 1
    client.post("/core/notifications/read/")
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()


def test_notification_api(api_client, make_user: Callable[..., User]) -> None:
    user = make_user(Role.FUNDER)
    notify(event="a", recipients=[user], title="项目进展")
    api_client.force_authenticate(user)
    data = api_client.get("/api/v1/notifications/").json()
    assert data["count"] == 1 and data["results"][0]["title"] == "项目进展"
    assert api_client.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}


def test_audit_page_is_scoped_to_the_officer_district(
    client,
    jiangan_officer: User,
    wuchang_officer: User,
    jiangan_center: Center,
    wuchang_center: Center,
) -> None:
    center_update(actor=jiangan_officer, center=jiangan_center, data={"address": "江岸新址"})
    center_update(actor=wuchang_officer, center=wuchang_center, data={"address": "武昌新址"})
    client.force_login(jiangan_officer)
    body = client.get("/core/audit/").content.decode()
    assert jiangan_center.name in body
    assert wuchang_center.name not in body
    assert "江岸新址" in body
    filtered = client.get("/core/audit/", {"action": "1", "actor": "jiangan"}).content.decode()
    assert jiangan_center.name in filtered
    assert client.get("/core/audit/", {"action": "bogus"}).status_code == 200


def test_only_bureau_officers_see_the_audit_page(client, jiangan_staff: User) -> None:
    client.force_login(jiangan_staff)
    response = client.get("/core/audit/")
    assert response.status_code == 403
    assert "只有民政局工作人员" in response.content.decode()


def test_error_pages_are_chinese(client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user(Role.RESIDENT))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    forbidden = client.get("/network/")
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.content.decode()


def test_server_error_page_is_chinese(rf) -> None:
    from civicnest.core.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "系统出错了" in response.content.decode()


def test_health_endpoint(client) -> None:
    body = client.get("/healthz/").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"


def test_english_interface_is_available(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    zh = client.get("/").content.decode()
    assert 'lang="zh-CN"' in zh and "退出登录" in zh
    en = client.get("/en/").content.decode()
    assert 'lang="en"' in en
    assert "Log out" in en


@pytest.mark.django_db
def test_a_name_of_only_invisible_characters_is_refused() -> None:
    """Issue 18, finding 11: names made only of zero-width characters were accepted."""
    from django.core.exceptions import ValidationError

    from civicnest.registry.tests.factories import OrganizationFactory

    org = OrganizationFactory.build(name="\u200b\u200b\ufeff")
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "不可见字符" in " ".join(exc.value.message_dict["name"])
    org.name = "和谐\u200b社工"  # a visible name keeps its characters
    org.clean_fields(exclude=[f.name for f in org._meta.fields if f.name != "name"])
    assert org.name == "和谐\u200b社工"


@pytest.mark.django_db
def test_an_integer_postgresql_would_refuse_is_refused_on_both_databases() -> None:
    """Issue 18, finding 9: staff_count 2147483648 was accepted on SQLite."""
    from django.core.exceptions import ValidationError

    from civicnest.registry.tests.factories import OrganizationFactory

    org = OrganizationFactory.build(staff_count=2147483648)
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "超出范围" in " ".join(exc.value.message_dict["staff_count"])
