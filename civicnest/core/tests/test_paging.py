"""Big-list paging (capped counts, keyset pages) and the short-lived statistics cache."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from html import unescape

import pytest
from django.test import override_settings
from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.paging import CappedPaginator, keyset_page
from civicnest.matching.models import Need
from civicnest.regions.scoping import Scope

pytestmark = pytest.mark.django_db

COMMUNITY = "420102002003"
OTHER_DISTRICT_COMMUNITY = "420106002003"


def make_needs(user: User, n: int, region: str = COMMUNITY) -> list[Need]:
    needs = [
        Need.objects.create(
            region_id=region, title=f"需求{i}", description="老人送餐", submitter=user
        )
        for i in range(n)
    ]
    # Ties on created_at: the id must break them, or a page boundary loses or repeats rows.
    same = timezone.now() - datetime.timedelta(days=1)
    Need.objects.filter(pk__in=[x.pk for x in needs[:6]]).update(created_at=same)
    return needs


class Small(CappedPaginator):
    cap = 5


def test_capped_paginator_counts_up_to_the_cap(jiangan_officer: User) -> None:
    make_needs(jiangan_officer, 8)
    paginator = Small(Need.objects.order_by("pk"), 2)
    assert paginator.count == 6 and paginator.capped and paginator.count_label == "5+"
    assert [n.title for n in paginator.page(1)] == ["需求0", "需求1"]
    few = Small(Need.objects.filter(title__in=["需求0", "需求1", "需求2"]), 2)
    assert few.count == 3 and not few.capped and few.count_label == "3"


def test_keyset_pages_visit_every_row_once_in_order(jiangan_officer: User) -> None:
    make_needs(jiangan_officer, 13)
    expected = list(Need.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = keyset_page(Need.objects.all(), cursor, 4)
        seen += [n.pk for n in page.rows]
        assert page.is_first == (cursor is None)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    # A cursor from a hand-edited URL starts from the newest row instead of failing.
    for bad in ("x", "2026-13-01|5", "yesterday|1", "2026-01-01T00:00:00|x", "2026-01-01T00:00|1"):
        assert [n.pk for n in keyset_page(Need.objects.all(), bad, 4).rows] == expected[:4]


def test_need_list_pages_through_older_needs(client, jiangan_staff: User) -> None:
    make_needs(jiangan_staff, 57)
    client.force_login(jiangan_staff)
    titles: list[str] = []
    url = "/matching/needs/"
    for _ in range(3):
        html = client.get(url).content.decode()
        titles += re.findall(r"<strong>(需求\d+)</strong>", html)
        older = re.search(r'href="(\?[^"]*before=[^"]+)"', html)
        if not older:
            break
        url = "/matching/needs/" + unescape(older.group(1))
        assert "回到最新" in client.get(url).content.decode()
    assert len(titles) == 57 and len(set(titles)) == 57


def test_need_list_keeps_the_status_filter_across_pages(client, jiangan_staff: User) -> None:
    make_needs(jiangan_staff, 55)
    Need.objects.filter(title="需求54").update(status="served")
    client.force_login(jiangan_staff)
    html = client.get("/matching/needs/?status=open").content.decode()
    older = re.search(r'href="(\?[^"]*before=[^"]+)"', html)
    assert older and "status=open" in older.group(1)
    rest = client.get("/matching/needs/" + unescape(older.group(1))).content.decode()
    assert "需求54" not in html + rest


def test_statistics_are_cached_per_jurisdiction(
    client, make_user: Callable[..., User], jiangan_officer: User
) -> None:
    wuchang = make_user(Role.BUREAU_OFFICER, "420106", username="wuchang_officer2")
    make_needs(jiangan_officer, 3)
    make_needs(jiangan_officer, 2, region=OTHER_DISTRICT_COMMUNITY)
    with override_settings(STATS_CACHE_SECONDS=60):
        client.force_login(jiangan_officer)
        first = client.get("/matching/").context["summary"]["submitted"]
        make_needs(jiangan_officer, 4)
        assert client.get("/matching/").context["summary"]["submitted"] == first == 3
        # Another district's officer never gets Jiang'an's cached numbers.
        client.force_login(wuchang)
        assert client.get("/matching/").context["summary"]["submitted"] == 2
    client.force_login(jiangan_officer)  # caching off (the test settings): fresh numbers
    assert client.get("/matching/").context["summary"]["submitted"] == 7
    assert Scope.for_user(jiangan_officer).is_staff_member


@override_settings(LIST_CACHE_SECONDS=30)
def test_cached_list_tables_are_reused_invalidated_by_writes_and_never_shared_across_scopes(
    client, jiangan_officer: User, wuchang_officer: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civicnest.registry.tests.factories import OrganizationFactory

    OrganizationFactory.create(name="江岸区甲服务中心", region_id="420102")
    OrganizationFactory.create(name="武昌区乙服务中心", region_id="420106")
    client.force_login(jiangan_officer)
    with CaptureQueriesContext(connection) as first:
        html = client.get("/registry/").content.decode()
    assert "江岸区甲服务中心" in html and "武昌区乙服务中心" not in html
    with CaptureQueriesContext(connection) as second:
        assert "江岸区甲服务中心" in client.get("/registry/").content.decode()
    assert len(second.captured_queries) < len(
        first.captured_queries
    )  # the table came from the cache
    # A saved row bumps the version: the officer's next view shows it at once.
    OrganizationFactory.create(name="江岸区丙服务中心", region_id="420102")
    assert "江岸区丙服务中心" in client.get("/registry/").content.decode()
    # Another district's officer gets their own table, never Jiang'an's cached one.
    client.force_login(wuchang_officer)
    html = client.get("/registry/").content.decode()
    assert "武昌区乙服务中心" in html and "江岸区" not in html


@override_settings(LIST_CACHE_SECONDS=30)
def test_cached_need_lists_are_per_user(client, make_user: Callable[..., User]) -> None:
    one = make_user(Role.RESIDENT, COMMUNITY, username="resident_one")
    two = make_user(Role.RESIDENT, COMMUNITY, username="resident_two")  # the very same grants
    Need.objects.create(region_id=COMMUNITY, title="一号的需求", description="x", submitter=one)
    Need.objects.create(region_id=COMMUNITY, title="二号的需求", description="x", submitter=two)
    client.force_login(one)
    assert "一号的需求" in client.get("/matching/needs/").content.decode()
    client.force_login(two)
    html = client.get("/matching/needs/").content.decode()
    assert "二号的需求" in html and "一号的需求" not in html


def test_choice_labels_follow_the_language_and_unknown_values_show_as_stored(
    jiangan_officer: User,
) -> None:
    from django.utils import translation

    from civicnest.registry.models import Category
    from civicnest.registry.tests.factories import OrganizationFactory

    org = OrganizationFactory.create(category="elderly")
    for language in ("zh-hans", "en", "zh-hans"):
        with translation.override(language):
            assert org.get_category_display() == str(Category.ELDERLY.label)
    with translation.override("en"):
        english = org.get_category_display()
    assert english != "养老"  # the English catalogue translates it
    org.category = "no-such-category"
    assert org.get_category_display() == "no-such-category"


def test_the_approval_queue_shows_the_earliest_pending_bookings_only(
    client, jiangan_staff: User, jiangan_center
) -> None:
    from civicnest.venues.models import Booking, BookingStatus
    from civicnest.venues.tests.factories import RoomFactory

    room = RoomFactory.create(center=jiangan_center, requires_approval=True)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    for i in range(53):
        Booking.objects.create(
            room=room,
            region_id=room.region_id,
            booked_by=jiangan_staff,
            start=start + datetime.timedelta(hours=i),
            end=start + datetime.timedelta(hours=i, minutes=30),
            purpose=f"待审{i:02d}",
            status=BookingStatus.PENDING,
        )
    client.force_login(jiangan_staff)
    html = client.get("/venues/bookings/").content.decode()
    assert "待审00" in html and "待审49" in html
    assert "待审50" not in html.split("即将进行")[0]  # the queue stops at 50 …
    assert "处理后会显示后面的" in html  # … and says there are more


@override_settings(LIST_CACHE_SECONDS=30)
def test_a_cached_approval_queue_carries_each_sessions_own_csrf_token(
    jiangan_staff: User, jiangan_center, make_user: Callable[..., User]
) -> None:
    """The queue is cached for everyone with the same grants; its forms still post, because each
    response puts in the token of the session asking (the cache holds only a placeholder)."""
    from django.test import Client

    from civicnest.regions.caching import CSRF_MARKER
    from civicnest.venues.models import Booking, BookingStatus
    from civicnest.venues.tests.factories import RoomFactory

    room = RoomFactory.create(center=jiangan_center, requires_approval=True)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    booking = Booking.objects.create(
        room=room,
        region_id=room.region_id,
        booked_by=make_user(Role.ORG_REP, "420102", username="booker"),
        start=start,
        end=start + datetime.timedelta(hours=1),
        purpose="待审的读书会",
        status=BookingStatus.PENDING,
    )
    colleague = make_user(Role.CENTER_STAFF, "420102", username="colleague", center=jiangan_center)
    tokens = []
    for user in (jiangan_staff, colleague):  # the same grants: the second gets the cached queue
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        html = browser.get("/venues/bookings/").content.decode()
        assert "待审的读书会" in html and CSRF_MARKER not in html
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert found is not None
        tokens.append((browser, found.group(1)))
    assert tokens[0][1] != tokens[1][1]
    browser, token = tokens[1]
    response = browser.post(
        f"/venues/bookings/{booking.pk}/decide/",
        {"csrfmiddlewaretoken": token, "approve": "1", "note": ""},
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    # The decision bumped the bookings' version: the queue is rendered again, without the booking.
    assert "待审的读书会" not in browser.get("/venues/bookings/").content.decode()


@override_settings(LIST_CACHE_SECONDS=30)
def test_a_cached_team_list_never_shows_one_resident_anothers_filings(
    client, make_user: Callable[..., User]
) -> None:
    """Issue 18, finding 3: the team list's fragment was keyed on grants only, so a second resident of
    the same community saw the first one's private filings (and lost their own) for 30 s."""
    from civicnest.registry.tests.factories import TeamFactory

    one = make_user(Role.RESIDENT, COMMUNITY, username="filer_one")
    two = make_user(Role.RESIDENT, COMMUNITY, username="filer_two")  # the very same grants
    TeamFactory.create(name="一号的合唱队", region_id=COMMUNITY, submitted_by=one)
    TeamFactory.create(name="二号的舞蹈队", region_id=COMMUNITY, submitted_by=two)
    client.force_login(one)
    assert "一号的合唱队" in client.get("/registry/teams/").content.decode()
    client.force_login(two)
    html = client.get("/registry/teams/").content.decode()
    assert "二号的舞蹈队" in html and "一号的合唱队" not in html


def test_only_staff_only_scopes_share_a_fragment() -> None:
    from civicnest.regions.caching import fragment_owner
    from civicnest.regions.scoping import Grant, Scope

    staff = Scope(user_id=7, grants=(Grant(role=Role.CENTER_STAFF, region_code="420102"),))
    mixed = Scope(
        user_id=8,
        grants=(
            Grant(role=Role.CENTER_STAFF, region_code="420102"),
            Grant(role=Role.RESIDENT, region_code="420102002003"),
        ),
    )
    assert fragment_owner(staff, shared=True) is None
    assert fragment_owner(staff, shared=False) == 7  # the default: one user's rows
    assert fragment_owner(mixed, shared=True) == 8
    assert fragment_owner(Scope(user_id=None), shared=True) is None
