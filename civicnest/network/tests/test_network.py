from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center, CenterStaff
from civicnest.network.selectors import center_list, network_coverage, network_tree
from civicnest.network.services import center_create, center_update, staff_create, staff_update
from civicnest.network.tests.factories import CenterFactory, CenterStaffFactory
from civicnest.regions.models import Region

pytestmark = pytest.mark.django_db


def center_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "大智街道社会组织促进中心",
        "center_type": "street_promotion_center",
        "level": "street",
        "region": Region.objects.get(code="420102002"),
        "premises_area": Decimal("150.50"),
        "contact_phone": "13800000001",
    }
    data.update(overrides)
    return data


def test_officer_creates_a_street_center_and_it_is_audited(
    jiangan_officer: User, jiangan_center: Center
) -> None:
    center = center_create(actor=jiangan_officer, data=center_data(parent=jiangan_center))
    assert center.pk and center.parent == jiangan_center
    entry = LogEntry.objects.get_for_object(center).get()
    assert entry.actor == jiangan_officer
    assert entry.action == LogEntry.Action.CREATE
    assert entry.additional_data == {"region": "420102002"}


def test_officer_cannot_create_a_center_in_another_district(jiangan_officer: User) -> None:
    with pytest.raises(PermissionDenied):
        center_create(
            actor=jiangan_officer,
            data=center_data(name="外区中心", region=Region.objects.get(code="420106002")),
        )
    assert not Center.objects.filter(name="外区中心").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"level": "district"}, "region", "与中心层级"),
        ({"premises_area": Decimal("-1")}, "premises_area", "0"),
        ({"contact_phone": "12345"}, "contact_phone", "手机号码"),
        ({"name": ""}, "name", ""),
    ],
)
def test_bad_center_input_is_refused_with_field_messages(
    jiangan_officer: User, overrides: dict[str, object], field: str, message: str
) -> None:
    before = Center.objects.count()
    with pytest.raises(ValidationError) as exc:
        center_create(actor=jiangan_officer, data=center_data(**overrides))
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])
    assert Center.objects.count() == before


def test_parent_must_cover_the_center_region(jiangan_officer: User, wuchang_center: Center) -> None:
    with pytest.raises(ValidationError) as exc:
        center_create(actor=jiangan_officer, data=center_data(parent=wuchang_center))
    assert "上级中心必须位于" in exc.value.message_dict["parent"][0]


def test_duplicate_center_name_in_one_region_is_refused(
    jiangan_officer: User, jiangan_center: Center
) -> None:
    with pytest.raises(ValidationError):
        center_create(
            actor=jiangan_officer,
            data=center_data(
                name=jiangan_center.name, level="district", region=jiangan_center.region
            ),
        )


def test_center_staff_edits_own_and_child_centers_only(
    make_user: Callable[..., User], jiangan_center: Center
) -> None:
    street = CenterFactory.create(region_id="420102002", level="street", parent=jiangan_center)
    sibling = CenterFactory.create(
        region_id="420102", level="district", name="江岸区社会组织促进会"
    )
    staff = make_user(Role.CENTER_STAFF, "420102", center=jiangan_center)
    center_update(actor=staff, center=street, data={"address": "新地址 8 号"})
    street.refresh_from_db()
    assert street.address == "新地址 8 号"
    with pytest.raises(PermissionDenied):
        center_update(actor=staff, center=sibling, data={"address": "不应修改"})
    sibling.refresh_from_db()
    assert sibling.address != "不应修改"


def test_a_center_cannot_become_its_own_ancestor(
    jiangan_officer: User, jiangan_center: Center
) -> None:
    street = CenterFactory.create(region_id="420102002", level="street", parent=jiangan_center)
    with pytest.raises(ValidationError):
        center_update(actor=jiangan_officer, center=jiangan_center, data={"parent": jiangan_center})
    with pytest.raises(ValidationError):
        center_update(actor=jiangan_officer, center=jiangan_center, data={"parent": street})


def test_update_records_changed_fields(jiangan_officer: User, jiangan_center: Center) -> None:
    center_update(
        actor=jiangan_officer, center=jiangan_center, data={"premises_area": Decimal("888.00")}
    )
    entry = (
        LogEntry.objects.get_for_object(jiangan_center).filter(action=LogEntry.Action.UPDATE).get()
    )
    assert "premises_area" in entry.changes_dict


def test_staff_services_check_scope(
    jiangan_officer: User, wuchang_center: Center, jiangan_center: Center
) -> None:
    person = staff_create(
        actor=jiangan_officer,
        center=jiangan_center,
        data={
            "name": "张三",
            "position": "director",
            "employment": "full_time",
            "phone": "13911112222",
        },
    )
    staff_update(actor=jiangan_officer, staff=person, data={"social_worker_level": "senior"})
    person.refresh_from_db()
    assert person.social_worker_level == "senior"
    with pytest.raises(PermissionDenied):
        staff_create(
            actor=jiangan_officer,
            center=wuchang_center,
            data={"name": "李四", "position": "director", "employment": "full_time"},
        )
    assert not CenterStaff.objects.filter(name="李四").exists()


def test_lists_tree_and_coverage_are_scoped(
    jiangan_officer: User, city_officer: User, jiangan_center: Center, wuchang_center: Center
) -> None:
    CenterFactory.create(region_id="420102002", level="street", parent=jiangan_center)
    assert set(center_list(user=jiangan_officer)) == {
        jiangan_center,
        *jiangan_center.children.all(),
    }
    assert wuchang_center in center_list(user=city_officer)
    roots = network_tree(user=jiangan_officer)
    assert [n.center for n in roots] == [jiangan_center]
    assert len(roots[0].children) == 1
    district, street, community = network_coverage(user=jiangan_officer)
    assert (district.total, district.covered) == (1, 1)
    assert street.covered == 1
    assert street.total == Region.objects.filter(code__startswith="420102", level="street").count()
    assert community.covered == 0
    city_district = network_coverage(user=city_officer)[0]
    assert (city_district.total, city_district.covered) == (13, 2)


def test_center_list_query_count_does_not_grow(
    django_assert_max_num_queries, jiangan_officer: User
) -> None:
    CenterFactory.create_batch(25, region_id="420102", level="district")
    with django_assert_max_num_queries(2):
        rows = list(center_list(user=jiangan_officer))
        _ = [(c.region.name, getattr(c, "staff_count", None)) for c in rows]


def test_center_pages_for_staff(client, jiangan_officer: User, jiangan_center: Center) -> None:
    CenterStaffFactory.create(center=jiangan_center, name="王社工", phone="13912345678")
    client.force_login(jiangan_officer)
    assert "江岸区社会组织孵化中心" in client.get("/network/").content.decode()
    assert client.get("/network/centers/?level=district&q=江岸").status_code == 200
    detail = client.get(f"/network/centers/{jiangan_center.pk}/").content.decode()
    assert "王社工" in detail and "13912345678" in detail
    response = client.post(
        "/network/centers/new/",
        {
            "name": "",
            "center_type": "service_center",
            "level": "street",
            "region_code": "420106002",
            "premises_area": "-5",
            "operation_mode": "government",
            "status": "active",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "这个字段是必填项" in body or "必填" in body
    response = client.post(
        "/network/centers/new/",
        {
            "name": "大智街道社会组织促进中心",
            "center_type": "street_promotion_center",
            "level": "street",
            "region_code": "420102002",
            "parent": jiangan_center.pk,
            "premises_area": "160",
            "operation_mode": "government",
            "status": "active",
        },
    )
    assert response.status_code == 302
    created = Center.objects.get(name="大智街道社会组织促进中心")
    edit = client.post(
        f"/network/centers/{created.pk}/staff/new/",
        {
            "name": "赵专干",
            "position": "social_worker",
            "employment": "part_time",
            "phone": "1391234",
        },
    )
    assert "11 位" in edit.content.decode()
    assert not created.staff.exists()


def test_phones_are_masked_for_staff_who_do_not_manage_the_center(
    client,
    make_user: Callable[..., User],
    jiangan_center: Center,
) -> None:
    street_center = CenterFactory.create(
        region_id="420102002", level="street", parent=jiangan_center
    )
    CenterStaffFactory.create(center=jiangan_center, name="王社工", phone="13912345678")
    street_staff = make_user(Role.CENTER_STAFF, "420102002", center=street_center)
    other = CenterFactory.create(region_id="420102002", level="street", name="同街道另一中心")
    CenterStaffFactory.create(center=other, name="钱社工", phone="13987654321")
    client.force_login(street_staff)
    body = client.get(f"/network/centers/{other.pk}/").content.decode()
    assert "139****4321" in body
    assert "13987654321" not in body


def test_center_api_create_list_and_errors(
    api_client, jiangan_officer: User, jiangan_center: Center
) -> None:
    api_client.force_authenticate(jiangan_officer)
    bad = api_client.post(
        "/api/v1/centers/",
        {"name": "坏", "center_type": "nope", "level": "street", "region": "42x"},
        format="json",
    )
    assert bad.status_code == 400
    fields = bad.json()["extra"]["fields"]
    assert "center_type" in fields and "区划代码" in fields["region"][0]
    ok = api_client.post(
        "/api/v1/centers/",
        {
            "name": "API中心",
            "center_type": "service_center",
            "level": "street",
            "region": "420102002",
            "parent": jiangan_center.pk,
        },
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["region"] == "420102002"
    listing = api_client.get("/api/v1/centers/", {"level": "street"}).json()
    assert [c["name"] for c in listing["results"]] == ["API中心"]
    patched = api_client.patch(
        f"/api/v1/centers/{ok.json()['id']}/", {"address": "API 路 1 号"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["address"] == "API 路 1 号"
    foreign = api_client.post(
        "/api/v1/centers/",
        {"name": "外区", "center_type": "service_center", "level": "street", "region": "420106002"},
        format="json",
    )
    assert foreign.status_code == 403
    assert (
        foreign.json()["message"] == "您没有执行此操作的权限。"
        or "无权" in foreign.json()["message"]
    )
