"""`generate_city --scale province`: ten times the city, on Hebei's cities; a tiny run of its code path."""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict

import pytest

from bench.citygen import steps
from bench.citygen.core import SCALES, generate
from civicnest.accounts.models import RoleAssignment, User
from civicnest.core.validators import validate_uscc
from civicnest.matching.models import Match, Need, ServiceOffering
from civicnest.network.models import Center
from civicnest.philanthropy.models import Fund, Project
from civicnest.regions.loader import city_rows
from civicnest.regions.models import Region
from civicnest.registry.models import ActivityTeam, SocialOrganization
from civicnest.shell.tests.test_generate_city import assert_ledgers_hold_every_invariant
from civicnest.venues.models import Booking

COUNTS = (
    "community_centers",
    "organizations",
    "teams",
    "offerings",
    "needs",
    "matches",
    "bookings",
    "residents",
    "projects",
)


def ordinary(rows: list[tuple[str, str, str, str | None]]) -> tuple[int, int, int]:
    """(districts with ordinary streets, ordinary streets, their communities) of region rows."""
    streets = {c for c, _n, level, _p in rows if level == "street" and c[6:9] < "400"}
    districts = {s[:6] for s in streets}
    communities = [c for c, _n, level, _p in rows if level == "community" and c[:9] in streets]
    return len(districts), len(streets), len(communities)


def test_the_province_is_ten_times_the_city() -> None:
    city, province = SCALES["city"], SCALES["province"]
    for name in COUNTS:
        assert getattr(province, name) == 10 * getattr(city, name), name
    assert province.matches == 5_000_000 and province.needs == 2_000_000

    shanghai = ordinary(city_rows(steps.CITY))
    assert shanghai == (16, 215, 6_395)
    hebei = steps.GEOGRAPHIES[province.geography]
    assert hebei.is_province and len(hebei.cities) == 11
    rows = [r for c in hebei.cities for r in city_rows(c)]
    districts, streets, communities = ordinary(rows)
    assert communities == 0  # no community file ships for Hebei: they are synthesized
    assert province.communities == 10 * shanghai[2]
    # The real districts and streets: about ten times Shanghai's (186 and 2,246 against 16 and 215).
    assert 9 * shanghai[0] <= districts <= 12 * shanghai[0]
    assert 9 * shanghai[1] <= streets <= 12 * shanghai[1]


TINY = dataclasses.replace(
    SCALES["province"],
    name="tiny-province",
    community_centers=30,
    organizations=300,
    teams=600,
    offerings=500,
    needs=2_000,
    matches=5_000,
    bookings=1_500,
    residents=200,
    projects=50,
    communities=1_000,
    cities=("1301", "1302"),  # 石家庄市, 唐山市
)


@pytest.mark.django_db
def test_a_tiny_province_run_writes_every_table_in_the_province(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(steps, "ROOM_GROUP", 40)  # bookings placed and written group by group
    ctx = generate(scale=TINY, seed=7)

    # Regions: the two cities' real districts and streets, and the synthesized communities.
    assert set(Region.objects.filter(level="city").values_list("code", flat=True)) >= {
        "1301",
        "1302",
    }
    communities = Region.objects.filter(level="community", code__startswith="13")
    assert communities.count() == ctx.counts["communities"] == TINY.communities
    assert not communities.filter(name="").exists()
    for code, parent in communities.values_list("code", "parent_id"):
        assert code[:9] == parent and parent[6:9] < "400"
    assert ctx.counts["cities"] == 2

    # People and centers: the province's department, each city's bureau and center, every district's.
    officer = RoleAssignment.objects.get(user__username="hb_province_officer")
    assert officer.region_id == "13"
    assert set(
        RoleAssignment.objects.filter(user__username__startswith="hb_city_officer_").values_list(
            "region_id", flat=True
        )
    ) == {"1301", "1302"}
    assert set(Center.objects.filter(level="city").values_list("region_id", flat=True)) == {
        "1301",
        "1302",
    }
    for center in Center.objects.filter(level="district").select_related("parent"):
        assert center.parent is not None and center.parent.region_id == center.region_id[:4]
        assert center.name.startswith(("石家庄市", "唐山市"))
    assert Center.objects.filter(level="community").count() == TINY.community_centers

    # Every count of the scale, every row in the two cities.
    assert SocialOrganization.objects.count() == TINY.organizations
    assert ActivityTeam.objects.filter(status="filed").count() == TINY.teams
    assert ServiceOffering.objects.count() == TINY.offerings
    assert Need.objects.count() == TINY.needs
    assert Match.objects.count() == TINY.matches
    assert Booking.objects.count() == TINY.bookings
    assert Project.objects.count() == TINY.projects
    assert User.objects.filter(username__startswith="hb_resident_").count() == TINY.residents
    for model in (SocialOrganization, ActivityTeam, Need, ServiceOffering, Match, Booking, Center):
        assert {r[:4] for r in model.objects.values_list("region_id", flat=True)} <= {
            "1301",
            "1302",
        }, model
    for uscc, org_type, region, name in SocialOrganization.objects.values_list(
        "uscc", "org_type", "region_id", "name"
    ):
        assert validate_uscc(uscc, org_type=org_type) == uscc
        assert uscc[2:8] == region[:6]
        assert name.startswith(("石家庄市", "唐山市"))
    # The matching texts moved from Wuhan to the district's city.
    texts = " ".join(ServiceOffering.objects.values_list("description", flat=True))
    assert "武汉" not in texts and "027-" not in texts and "上海" not in texts
    for offering_region, need_region in Match.objects.values_list(
        "offering__region_id", "need__region_id"
    ):
        assert offering_region[:6] == need_region[:6]

    # Bookings never overlap within a room, though written group by group.
    by_room: dict[int, list[tuple[object, object]]] = defaultdict(list)
    for room_id, start, end in Booking.objects.values_list("room_id", "start", "end"):
        by_room[room_id].append((start, end))
    for intervals in by_room.values():
        intervals.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(intervals):
            assert e1 <= s2  # type: ignore[operator]

    # Funds: each city's and a foundation and a purchase fund per district, codes unique; ledgers add up.
    codes = list(Fund.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 2 + 2 * ctx.counts["districts"]
    assert {"HB01F", "HB02F"} <= set(codes)
    assert_ledgers_hold_every_invariant()
