from __future__ import annotations

from collections.abc import Callable

import pytest

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center

pytestmark = pytest.mark.django_db


def test_officer_dashboard_and_menu(client, jiangan_officer: User, jiangan_center: Center) -> None:
    client.force_login(jiangan_officer)
    body = client.get("/").content.decode()
    assert 'data-testid="center-count">1<' in body
    assert "网络总览" in body and "操作审计" in body
    assert "民政局工作人员 · 江岸区" in body


@pytest.mark.parametrize(
    "role", [Role.ORG_REP, Role.FUNDER, Role.EXPERT, Role.RESIDENT, Role.VOLUNTEER]
)
def test_non_staff_roles_get_their_own_cards_and_no_staff_menu(
    client, make_user: Callable[..., User], role: str
) -> None:
    client.force_login(make_user(role, "420102"))
    body = client.get("/").content.decode()
    assert "我的事项" in body
    assert "网络总览" not in body and "操作审计" not in body
    assert client.get("/network/centers/").status_code == 403


def test_center_staff_sees_network_but_not_audit(client, jiangan_staff: User) -> None:
    client.force_login(jiangan_staff)
    body = client.get("/").content.decode()
    assert "网络总览" in body and "操作审计" not in body


def test_admin_is_for_superusers_only(
    client, jiangan_officer: User, make_user: Callable[..., User]
) -> None:
    client.force_login(jiangan_officer)
    assert client.get("/admin/").status_code == 302
    admin = make_user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    for url in (
        "/admin/",
        "/admin/regions/region/",
        "/admin/network/center/",
        "/admin/network/centerstaff/",
        "/admin/accounts/user/",
        "/admin/accounts/roleassignment/",
        "/admin/core/notification/",
    ):
        assert client.get(url).status_code == 200, url


def test_public_portal_lists_active_centers_without_personal_data(
    client, jiangan_center: Center
) -> None:
    body = client.get("/portal/").content.decode()
    assert jiangan_center.name in body
    assert jiangan_center.contact_phone not in body
    assert jiangan_center.name in client.get("/portal/", {"district": "420102"}).content.decode()
    assert (
        jiangan_center.name not in client.get("/portal/", {"district": "420106"}).content.decode()
    )


def test_registry_card_counts_only_the_users_jurisdiction(client, jiangan_officer: User) -> None:
    from civicnest.registry.tests.factories import OrganizationFactory

    OrganizationFactory.create_batch(3, region_id="420102002")
    OrganizationFactory.create(region_id="420106002")
    client.force_login(jiangan_officer)
    assert 'data-testid="org-count">3<' in client.get("/").content.decode()


def test_org_rep_home_links_to_their_organization(client, make_user: Callable[..., User]) -> None:
    from civicnest.accounts.models import RoleAssignment
    from civicnest.registry.tests.factories import OrganizationFactory

    org = OrganizationFactory.create(name="江岸区阳光为老服务中心")
    rep = make_user()
    RoleAssignment.objects.create(user=rep, role=Role.ORG_REP, region_id="420102", organization=org)
    client.force_login(rep)
    body = client.get("/").content.decode()
    assert "我的社会组织" in body and org.get_absolute_url() in body
