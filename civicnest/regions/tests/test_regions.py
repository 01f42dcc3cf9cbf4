from __future__ import annotations

from collections.abc import Callable

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.regions.loader import load_city
from civicnest.regions.models import Region, RegionLevel
from civicnest.regions.services import region_create

pytestmark = pytest.mark.django_db


def test_wuhan_tree_is_loaded_with_official_counts() -> None:
    wuhan = Region.objects.filter(code__startswith="4201")
    assert wuhan.filter(level=RegionLevel.DISTRICT).count() == 13
    assert wuhan.filter(level=RegionLevel.STREET).count() == 193
    assert wuhan.filter(level=RegionLevel.COMMUNITY).count() == 3495
    assert Region.objects.get(code="4201").name == "武汉市"
    assert Region.objects.get(code="420106").parent_id == "4201"
    assert Region.objects.get(code="4201").gb_code == "420100"


def test_loading_again_changes_nothing() -> None:
    before = Region.objects.count()
    result = load_city("4201")
    assert (result.created, result.updated) == (0, 0)
    assert Region.objects.count() == before


def test_load_regions_command_loads_shanghai_and_names_the_municipality() -> None:
    call_command("load_regions", "310100")
    assert Region.objects.get(code="3101").name == "上海市"
    assert Region.objects.filter(code__startswith="3101", level=RegionLevel.DISTRICT).count() == 16
    assert (
        Region.objects.filter(code__startswith="3101", level=RegionLevel.COMMUNITY).count() == 6509
    )


@pytest.mark.parametrize("bad", ["9999", "42AB", "420102"])
def test_load_regions_refuses_unknown_or_malformed_city(bad: str) -> None:
    with pytest.raises(CommandError):
        call_command("load_regions", bad)


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user(Role.BUREAU_OFFICER, "420102")


def test_officer_adds_a_community_under_their_street(officer: User) -> None:
    region = region_create(
        actor=officer, code="420102002999", name="新建社区", parent_code="420102002"
    )
    assert region.level == RegionLevel.COMMUNITY
    entry = LogEntry.objects.get_for_object(region).get()
    assert entry.actor == officer
    assert entry.additional_data == {"region": "420102002999"}


@pytest.mark.parametrize(
    ("code", "parent", "field", "message"),
    [
        ("42010200299", "420102002", "code", "区划代码格式不正确"),
        ("42010200299X", "420102002", "code", "区划代码格式不正确"),
        ("420106002999", "420102002", "code", "必须以上级区划代码"),
        ("420102002999", "420102999", "parent", "上级区划不存在"),
        ("420102002003", "420102002", "code", "已存在"),
        ("420102099", "4201", "code", "应为 6 位"),
    ],
)
def test_bad_region_input_is_refused_in_chinese_and_writes_nothing(
    officer: User, code: str, parent: str, field: str, message: str
) -> None:
    before = Region.objects.count()
    with pytest.raises(ValidationError) as exc:
        region_create(actor=officer, code=code, name="测试", parent_code=parent)
    assert message in " ".join(exc.value.message_dict[field])
    assert Region.objects.count() == before


def test_officer_cannot_add_region_in_another_district(officer: User) -> None:
    with pytest.raises(PermissionDenied):
        region_create(actor=officer, code="420106002999", name="外区社区", parent_code="420106002")
    assert not Region.objects.filter(code="420106002999").exists()


def test_center_staff_cannot_add_regions(make_user: Callable[..., User], jiangan_center) -> None:
    staff = make_user(Role.CENTER_STAFF, "420102", center=jiangan_center)
    with pytest.raises(PermissionDenied):
        region_create(actor=staff, code="420102002999", name="测试", parent_code="420102002")


def test_region_api_lists_children_and_refuses_bad_input(api_client, officer: User) -> None:
    api_client.force_authenticate(officer)
    response = api_client.get("/api/v1/regions/", {"parent": "420100"})
    assert response.status_code == 200
    assert response.json()["count"] == 13
    assert response.json()["results"][0] == {
        "code": "420102",
        "gb_code": "420102",
        "name": "江岸区",
        "level": "district",
        "level_display": "区县",
        "parent": "4201",
    }
    bad = api_client.get("/api/v1/regions/", {"parent": "42x"})
    assert bad.status_code == 400
    assert "区划代码" in bad.json()["message"]

    before = Region.objects.count()
    dup = api_client.post(
        "/api/v1/regions/",
        {"code": "420102002003", "name": "重复", "parent": "420102002"},
        format="json",
    )
    assert dup.status_code == 400
    assert "已存在" in dup.json()["extra"]["fields"]["code"][0]
    unknown = api_client.post(
        "/api/v1/regions/",
        {"code": "420102999001", "name": "无上级", "parent": "420102999"},
        format="json",
    )
    assert unknown.status_code == 400
    assert "上级区划不存在" in unknown.json()["extra"]["fields"]["parent"][0]
    assert Region.objects.count() == before
    created = api_client.post(
        "/api/v1/regions/",
        {"code": "420102002998", "name": "新社区", "parent": "420102002"},
        format="json",
    )
    assert created.status_code == 201
    assert api_client.get("/api/v1/regions/420102002998/").json()["name"] == "新社区"
    assert api_client.get("/api/v1/regions/420102002997/").status_code == 404


def test_region_create_page_shows_field_errors(client, officer: User) -> None:
    client.force_login(officer)
    response = client.post(
        "/regions/new/", {"parent_code": "420102002", "code": "4201020029", "name": "坏代码"}
    )
    assert response.status_code == 200
    assert "区划代码格式不正确" in response.content.decode()
    response = client.post(
        "/regions/new/", {"parent_code": "420102002", "code": "420102002996", "name": "好社区"}
    )
    assert response.status_code == 302
    assert Region.objects.filter(code="420102002996", name="好社区").exists()
