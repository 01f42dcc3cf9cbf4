"""The region picker: a field that takes a region by name, never by typed code, and stays inside the user's scope."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django import forms

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.regions.forms import RegionPickerField
from civicnest.regions.picker import name_initials, picker_prefixes

BAOCHENG = "420102002003"  # 江岸区 大智街道 保成社区
WUCHANG_COMMUNITY_PREFIX = "420106"


class _PickForm(forms.Form):
    region = RegionPickerField(label="所在社区")


def _form(data: dict[str, str], prefixes: tuple[str, ...]) -> _PickForm:
    form = _PickForm(data)
    form.fields["region"].limit_to(prefixes)  # type: ignore[attr-defined]
    return form


def test_initials() -> None:
    assert name_initials("保成社区") == "bcsq"


@pytest.mark.django_db
def test_field_offers_names_grouped_by_street_and_cleans_to_region() -> None:
    form = _form({"region": BAOCHENG}, ("420102002",))
    html = str(form["region"])
    assert "保成社区" in html and "大智街道" in html
    assert 'name="region"' in html and 'type="search"' in html
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"].code == BAOCHENG


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["abc", "x" * 10_000, "420102", "999999999999", "420106001001", "4201020020 03"]
)
def test_bad_input_is_a_field_error(value: str) -> None:
    form = _form({"region": value}, ("420102",))
    assert not form.is_valid()
    assert "region" in form.errors


@pytest.mark.django_db
def test_out_of_scope_message() -> None:
    form = _form({"region": BAOCHENG}, (WUCHANG_COMMUNITY_PREFIX,))
    assert not form.is_valid()
    assert "不在您可以办理的范围内" in form.errors["region"][0]
    assert "保成社区" not in str(form["region"])


@pytest.mark.django_db
def test_resident_prefixes(make_user: Callable[..., User]) -> None:
    resident = make_user(Role.RESIDENT, region_code=BAOCHENG)
    assert picker_prefixes(resident) == (BAOCHENG,)
    assert picker_prefixes(resident, staff_only=True) == ()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "found"),
    [("保成", True), ("bcsq", True), ("BCSQ", True), ("大智", True), ("中山", False)],
)
def test_search_view_by_name_and_initials(
    client, make_user: Callable[..., User], q: str, found: bool
) -> None:
    client.force_login(make_user(Role.RESIDENT, region_code=BAOCHENG))
    response = client.get("/regions/picker/search/", {"q": q, "region": BAOCHENG})
    assert response.status_code == 200
    body = response.content.decode()
    assert ("保成社区" in body) is found
    if found:
        assert f'value="{BAOCHENG}" selected' in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"q": "x" * 10_000}, {"q": "abc", "level": "garbage"}, {"region": "z" * 10_000}, {}],
)
def test_search_view_never_fails(client, make_user: Callable[..., User], params) -> None:
    client.force_login(make_user(Role.RESIDENT, region_code=BAOCHENG))
    response = client.get("/regions/picker/search/", params)
    assert response.status_code == 200


@pytest.mark.django_db
def test_search_view_stays_in_scope(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    body = client.get("/regions/picker/search/", {"q": "社区"}).content.decode()
    assert 'value="420102' in body
    assert 'value="420106' not in body


def test_search_view_needs_login(client) -> None:
    assert client.get("/regions/picker/search/").status_code == 302
