from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicnest.accounts.roles import Role
from civicnest.regions.codes import (
    RegionCodeError,
    code_range,
    minimal_prefixes,
    normalize_region_code,
)
from civicnest.regions.models import Region
from civicnest.regions.scoping import Grant, Scope

digits = st.text(alphabet="0123456789", min_size=1, max_size=12)


@given(prefix=digits, code=st.text(alphabet="0123456789", min_size=0, max_size=12))
def test_code_range_matches_exactly_the_codes_with_the_prefix(prefix: str, code: str) -> None:
    low, high = code_range(prefix)
    assert (low <= code < high) is code.startswith(prefix)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("420102", "420102"), ("420100", "4201"), ("420000", "42"), (" 420106001 ", "420106001")],
)
def test_normalize_accepts_official_forms(raw: str, expected: str) -> None:
    assert normalize_region_code(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "42010", "4201A2", "4201021", "１２３４５６", "42010200100100"]
)
def test_normalize_refuses_malformed_codes_in_chinese(raw: str) -> None:
    with pytest.raises(RegionCodeError, match="区划代码"):
        normalize_region_code(raw)


def test_minimal_prefixes_drops_covered_codes() -> None:
    assert minimal_prefixes(["420102", "4201", "420102001", "3101"]) == ("3101", "4201")


def test_scope_covers_only_its_subtree() -> None:
    scope = Scope(user_id=1, grants=(Grant(Role.BUREAU_OFFICER, "420102"),))
    assert scope.covers("420102001001")
    assert not scope.covers("420106")
    assert not scope.covers("4201")
    # A resident's grant does not open the staff view of the region.
    resident = Scope(user_id=2, grants=(Grant(Role.RESIDENT, "420102"),))
    assert not resident.covers("420102001")
    assert resident.covers("420102001", roles=[Role.RESIDENT])


@pytest.mark.django_db
def test_scope_filter_uses_the_code_range(django_assert_num_queries) -> None:
    scope = Scope(user_id=1, grants=(Grant(Role.BUREAU_OFFICER, "420102"),))
    with django_assert_num_queries(1):
        codes = list(scope.filter(Region.objects.all(), "code").values_list("code", flat=True))
    assert codes
    assert all(code.startswith("420102") for code in codes)
    assert len(codes) == Region.objects.filter(code__startswith="420102").count()


def test_anonymous_scope_sees_nothing() -> None:
    from django.contrib.auth.models import AnonymousUser

    scope = Scope.for_user(AnonymousUser())
    assert scope.prefixes() == ()
    assert not scope.covers("420102")


@pytest.mark.parametrize("code", ["441900", "442000", "460400"])
def test_district_rows_ending_in_00_stay_districts(code: str) -> None:
    """Issue 18, finding 11: 东莞, 中山 and 儋州's district-level units were turned into city codes."""
    assert normalize_region_code(code) == code
    assert normalize_region_code("420100") == "4201"  # a real city code still means the city
    assert normalize_region_code("420000") == "42"
