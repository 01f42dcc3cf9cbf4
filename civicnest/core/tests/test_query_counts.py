"""No N+1 queries: the number of queries of each main page (those of the load test) does not grow with the
number of rows it shows. Each page is requested on a tiny generated city and on a bigger one, as the same
kind of user; the bigger city shows many more rows on every page, the query count must not change."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.citygen.core import SCALES, generate
from bench.citygen.steps import wipe
from civicnest.accounts.models import User
from civicnest.matching.models import Need
from civicnest.registry.models import ActivityTeam, SocialOrganization
from civicnest.venues.models import Room

pytestmark = pytest.mark.django_db

TINY = dataclasses.replace(
    SCALES["small"],
    name="tiny",
    community_centers=8,
    organizations=40,
    teams=40,
    offerings=48,
    needs=60,
    matches=120,
    bookings=80,
    residents=40,
    projects=12,
)
BIG = dataclasses.replace(
    SCALES["small"],
    name="big",
    organizations=600,
    teams=900,
    offerings=700,
    needs=2_000,
    matches=5_000,
    bookings=2_500,
    residents=80,
    projects=120,
)

# (who, path); {need}, {org}, {team}, {room} are filled from the generated data.
PAGES = [
    ("officer", "/"),
    ("officer", "/matching/needs/"),
    ("officer", "/matching/"),
    ("officer", "/matching/needs/{need}/"),
    ("officer", "/registry/"),
    ("officer", "/registry/{org}/"),
    ("officer", "/registry/teams/"),
    ("officer", "/registry/teams/{team}/"),
    ("officer", "/venues/bookings/"),
    ("officer", "/network/centers/"),
    ("officer", "/api/v1/organizations/"),
    ("officer", "/api/v1/needs/"),
    ("officer", "/api/v1/teams/"),
    ("officer", "/api/v1/bookings/"),
    ("officer", "/api/v1/centers/"),
    ("officer", "/api/v1/services/"),
    ("rep", "/venues/"),
    ("rep", "/venues/rooms/{room}/"),
    ("rep", "/matching/inbox/"),
    ("rep", "/matching/services/"),
    ("resident", "/matching/needs/"),
    ("public", "/portal/"),
    ("public", "/portal/?district={district}"),
    ("public", "/portal/organizations/"),
    ("public", "/portal/events/"),
]


def first(model: Any, district: str, **filters: Any) -> Any:
    row = model.objects.filter(region__code__startswith=district, **filters).order_by("pk").first()
    assert row is not None, f"no {model.__name__} in {district}"
    return row


def busiest_district() -> str:
    """The district with most organizations in the tiny city (the same district is used for both)."""
    counts: dict[str, int] = {}
    for region in SocialOrganization.objects.values_list("region_id", flat=True):
        counts[region[:6]] = counts.get(region[:6], 0) + 1
    return max(sorted(counts), key=lambda d: counts[d])


def measure(district: str) -> dict[str, tuple[int, int]]:
    """Query count and response size of every page, for users of `district`."""
    officer = User.objects.get(username=f"sh_officer_{district}")
    rep_org = first(SocialOrganization, district)
    rep = User.objects.get(username=f"sh_org_{rep_org.pk}")
    resident = User.objects.get(pk=Need.objects.order_by("pk").values("submitter_id")[:1])
    ids = {
        "district": district,
        "need": first(Need, district).pk,
        "org": rep_org.pk,
        "team": first(ActivityTeam, district).pk,
        "room": first(Room, district, is_active=True).pk,
    }
    clients: dict[str, Client] = {}
    for who, user in (("officer", officer), ("rep", rep), ("resident", resident)):
        clients[who] = Client()
        clients[who].force_login(user)
    clients["public"] = Client()
    result = {}
    for who, template in PAGES:
        path = template.format(**ids)
        clients[who].get(path)  # warm: sessions renewed, caches filled
        with CaptureQueriesContext(connection) as ctx:
            response = clients[who].get(path)
        assert response.status_code == 200, f"{who} {path}: {response.status_code}"
        result[f"{who} {template}"] = (len(ctx.captured_queries), len(response.content))
    return result


def test_main_pages_run_the_same_number_of_queries_for_few_and_many_rows() -> None:
    generate(scale=TINY, seed=3)
    district = busiest_district()
    few = measure(district)
    wipe()
    generate(scale=BIG, seed=3)
    many = measure(district)
    grown = {page: (few[page][0], many[page][0]) for page in few if many[page][0] > few[page][0]}
    assert not grown, f"queries grow with the rows shown (few → many): {grown}"
    # The bigger city really shows more on the list pages (otherwise the comparison proves nothing).
    for page in ("officer /matching/needs/", "officer /registry/", "officer /registry/teams/"):
        assert many[page][1] > few[page][1] * 1.5, page
    for page in (
        "officer /venues/bookings/",
        "officer /matching/",
        "public /portal/organizations/",
    ):
        assert many[page][1] > few[page][1], page
