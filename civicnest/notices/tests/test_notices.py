"""Work notices: who receives them, read receipts, and who may send what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.models import Notification
from civicnest.network.models import Center
from civicnest.notices.models import Notice, Receipt
from civicnest.registry.tests.factories import OrganizationFactory

JIANGAN = "420102"
WUCHANG = "420106"


@pytest.fixture
def world(
    make_user: Callable[..., User], jiangan_center: Center, wuchang_center: Center
) -> dict[str, User]:
    served = OrganizationFactory.create(region_id="420102002", center=jiangan_center)
    other = OrganizationFactory.create(region_id=JIANGAN)  # in the district, served by no center
    foreign = OrganizationFactory.create(region_id=WUCHANG, center=wuchang_center)
    users = {
        "staff": make_user(Role.CENTER_STAFF, JIANGAN, center=jiangan_center, username="staff"),
        "wuchang_staff": make_user(
            Role.CENTER_STAFF, WUCHANG, center=wuchang_center, username="wuchang_staff"
        ),
    }
    for key, org in (("served_rep", served), ("other_rep", other), ("foreign_rep", foreign)):
        user = make_user(username=key)
        RoleAssignment.objects.create(
            user=user, role=Role.ORG_REP, region_id=org.region_id, organization=org
        )
        users[key] = user
    return users


def _send(client, **data: object):
    return client.post(
        reverse("notices:create"),
        {
            "audience": "both",
            "title": "关于报送年度工作总结的通知",
            "body": "请于月底前报送。",
            **data,
        },
    )


def test_bureau_notice_reaches_the_district_and_records_reads(
    client, jiangan_officer: User, world: dict[str, User]
) -> None:
    client.force_login(jiangan_officer)
    response = _send(client)
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert notice.sender_name == "江岸区民政局"
    got = set(Receipt.objects.values_list("recipient__username", flat=True))
    assert got == {"staff", "served_rep", "other_rep"}  # nobody from Wuchang
    assert Notification.objects.filter(recipient=world["staff"], event="notice").exists()

    client.force_login(world["served_rep"])
    inbox = client.get(reverse("notices:list")).content.decode()
    assert "关于报送年度工作总结的通知" in inbox and "未读" in inbox
    detail = client.get(reverse("notices:detail", kwargs={"pk": notice.pk})).content.decode()
    assert "请于月底前报送" in detail and 'data-testid="receipts"' not in detail
    first = Receipt.objects.get(recipient=world["served_rep"]).read_at
    assert first is not None
    client.get(reverse("notices:detail", kwargs={"pk": notice.pk}))
    assert (
        Receipt.objects.get(recipient=world["served_rep"]).read_at == first
    )  # first reading counts

    client.force_login(jiangan_officer)
    sent = client.get(reverse("notices:list"), {"box": "sent"}).content.decode()
    assert "已读 1/3" in sent
    receipts = client.get(reverse("notices:detail", kwargs={"pk": notice.pk})).content.decode()
    assert 'data-testid="receipts"' in receipts


def test_center_writes_only_to_the_organizations_it_serves(
    client, world: dict[str, User], jiangan_center: Center
) -> None:
    client.force_login(world["staff"])
    page = _send(client, center=jiangan_center.pk)
    assert "中心只能向其服务的社会组织发送通知" in page.content.decode()
    _send(client, center=jiangan_center.pk, audience="organizations")
    assert set(Receipt.objects.values_list("recipient__username", flat=True)) == {"served_rep"}
    page = _send(client, audience="organizations")  # not in the bureau's name
    assert "只有民政部门工作人员" in page.content.decode()


def test_strangers_cannot_read_or_send(
    client, jiangan_officer: User, world: dict[str, User]
) -> None:
    client.force_login(jiangan_officer)
    _send(client)
    notice = Notice.objects.get()
    for outsider in ("foreign_rep", "wuchang_staff"):
        client.force_login(world[outsider])
        assert client.get(reverse("notices:detail", kwargs={"pk": notice.pk})).status_code == 404
    client.force_login(world["served_rep"])
    assert client.get(reverse("notices:create")).status_code == 403


def test_empty_audience_is_refused(client, make_user: Callable[..., User]) -> None:
    officer = make_user(Role.BUREAU_OFFICER, "420111")  # 洪山区: no centers, no organizations here
    client.force_login(officer)
    page = _send(client)
    assert "没有可接收通知的用户" in page.content.decode()
    assert not Notice.objects.exists()
