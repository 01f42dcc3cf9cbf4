"""The monthly roll-up gives exactly the live figures, is used when it holds the months, and says when
it was computed; a change appears at the next refresh; periods it does not hold are computed live."""

from __future__ import annotations

import datetime
import io
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.periods import Period
from civicnest.network.tests.factories import CenterFactory
from civicnest.regions import figures as metrics
from civicnest.regions.figures import BREAKDOWNS, METRICS
from civicnest.regions.models import Region
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.stats import rollup, selectors
from civicnest.stats.models import MonthlyFigure, RollupMonth
from civicnest.stats.tests.test_figures import (  # noqa: F401 - the fixture
    JIANGAN,
    JIANGAN_STREET,
    WUCHANG,
    city,
)

PERIODS = ["2026-01", "2026-02", "2026-03", "2026-Q1", "2026-Q2", "2026-Q4", "2026", "2025"]
CODES = ["42", "4201", JIANGAN, WUCHANG, JIANGAN_STREET]


@pytest.fixture
def everything(
    city: dict[str, Any],  # noqa: F811
    make_user: Callable[..., User],
    jiangan_center: Any,
) -> dict[str, Any]:
    """The hand-counted city, plus a philanthropy chain and a center in breach of the rules."""
    from civicnest.philanthropy.tests.factories import foreign_chain

    officer = make_user(Role.BUREAU_OFFICER, JIANGAN)
    org = OrganizationFactory.create(region_id=JIANGAN, registered_on=datetime.date(2015, 1, 1))
    foreign_chain(officer, jiangan_center, org, marker="M", private="P")
    CenterFactory.create(region_id=JIANGAN, level="district", premises_area=Decimal("10"))
    # A street's only room, booked in Q1 and deactivated since: its hours still count above the street.
    from civicnest.venues.models import Booking
    from civicnest.venues.tests.factories import RoomFactory

    street_center = CenterFactory.create(region_id=JIANGAN_STREET, level="street")
    room = RoomFactory.create(center=street_center)
    start = datetime.datetime(2026, 2, 3, 9, tzinfo=timezone.get_fixed_timezone(480))
    Booking.objects.create(
        region_id=room.region_id,
        room=room,
        booked_by=officer,
        start=start,
        end=start + datetime.timedelta(hours=3),
        purpose="议事会",
    )
    type(room).objects.filter(pk=room.pk).update(is_active=False)
    return city


@pytest.mark.django_db
def test_the_rollup_gives_exactly_the_live_figures(everything: dict[str, Any]) -> None:
    rollup.refresh(rollup.retained_months())
    checked = 0
    for code in CODES:
        for key in PERIODS:
            period = Period.parse(key)
            periods = [period, period.previous()]
            live = metrics.values(code, periods, METRICS.values())
            rolled = rollup.values(code, periods, METRICS.values())
            assert rolled is not None, (code, key)
            assert rolled[0] == live, (code, key)
            assert rollup.breakdowns(code, period) == {
                k: b.counts(code, period) for k, b in BREAKDOWNS.items()
            }
            if len(code) < 9:  # a street's children are communities: computed live
                kids = {c.code for c in Region.objects.filter(parent_id=code)}
                live_kids = metrics.children(code, period, METRICS.values())
                rolled_kids = rollup.children(code, period, list(METRICS.values()), sorted(kids))
                assert rolled_kids is not None
                for k in METRICS:
                    assert rolled_kids[k] == {c: live_kids[k].get(c, 0) for c in kids}, (code, k)
            checked += 1
    assert checked == len(CODES) * len(PERIODS)
    # Not a comparison of zeros: the fixture's figures are there.
    rolled_q1 = rollup.values(JIANGAN, [Period.parse("2026-Q1")], METRICS.values())
    assert rolled_q1 is not None
    q1 = rolled_q1[0][0]
    assert q1["org_total"] == 4 and q1["match_rating"] == Decimal("4.0")
    assert q1["venue_occupancy"] > 0 and q1["training_hours"] == Decimal("6.0")
    year = rollup.values(JIANGAN, [Period.parse("2026")], METRICS.values())
    assert year is not None
    assert year[0][0]["phil_disbursed"] == Decimal("20000.00")
    assert year[0][0]["centers_in_breach"] >= 1


@pytest.mark.django_db
def test_the_dashboard_reads_the_rollup_and_says_when(
    city: dict[str, Any],  # noqa: F811
    city_officer: User,
    client: Any,
) -> None:
    q1 = Period.parse("2026-Q1")
    live = selectors.dashboard(user=city_officer, code="4201", period=q1)
    assert live.as_of is None
    client.force_login(city_officer)
    page = client.get(reverse("stats:dashboard"), {"region": "4201", "period": "2026-Q1"})
    assert "实时计算" in page.content.decode()

    call_command("stats_rollup", "--all", stdout=io.StringIO())
    cache.clear()
    board = selectors.dashboard(user=city_officer, code="4201", period=q1)
    assert board.as_of is not None
    assert [(f.key, f.value, f.previous) for s in board.sections for f in s.figures] == [
        (f.key, f.value, f.previous) for s in live.sections for f in s.figures
    ]
    assert [(c.region.code, c.values) for c in board.children] == [
        (c.region.code, c.values) for c in live.children
    ]
    page = client.get(reverse("stats:dashboard"), {"region": "4201", "period": "2026-Q1"})
    assert "数据更新于" in page.content.decode()
    api = client.get("/api/v1/stats/overview/", {"region": "4201", "period": "2026-Q1"}).json()
    assert api["as_of"] is not None
    assert next(f for f in api["figures"] if f["key"] == "org_total")["value"] == 5


@pytest.mark.django_db
def test_a_change_appears_at_the_next_refresh(city_officer: User) -> None:
    today = timezone.localdate()
    month = Period.parse(f"{today:%Y-%m}")
    call_command("stats_rollup", stdout=io.StringIO())  # the recent months
    assert RollupMonth.objects.count() == len(rollup.recent_months())
    OrganizationFactory.create(region_id=WUCHANG, registered_on=today)

    cache.clear()
    stale = selectors.dashboard(user=city_officer, code="4201", period=month)
    assert stale.as_of is not None and stale.figure("org_new").value == 0
    out = io.StringIO()
    call_command("stats_rollup", stdout=out)
    assert "已刷新" in out.getvalue()
    cache.clear()
    fresh = selectors.dashboard(user=city_officer, code="4201", period=month)
    assert fresh.figure("org_new").value == 1
    assert fresh.as_of is not None and fresh.as_of > stale.as_of


@pytest.mark.django_db
def test_periods_and_regions_the_rollup_does_not_hold_are_computed_live(
    city: dict[str, Any],  # noqa: F811
) -> None:
    rollup.refresh([datetime.date(2026, 1, 1)])
    month = Period.parse("2026-01")
    # Without the present-state figures of this month's refresh, nothing is read from it.
    assert rollup.values(JIANGAN, [month], METRICS.values()) is None
    rollup.refresh([timezone.localdate().replace(day=1)])
    # 2026-Q1 needs February and March (and 2025-Q4 for the comparison): not all held.
    assert rollup.values(JIANGAN, [Period.parse("2026-Q1")], METRICS.values()) is None
    assert rollup.values(JIANGAN_STREET + "001", [month], METRICS.values()) is None  # a community
    value, _prev, as_of = selectors.figure_values(JIANGAN, Period.parse("2026-Q1"))
    assert as_of is None and value["org_total"] == 3
    # January alone is held, but its comparison (December 2025) is not.
    assert rollup.values(JIANGAN, [month, month.previous()], METRICS.values()) is None
    assert rollup.values(JIANGAN, [month], METRICS.values()) is not None


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_month_at_once_leave_one_set_of_rows(
    city: dict[str, Any],  # noqa: F811
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL")
    month = datetime.date(2026, 3, 1)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            rollup.refresh([month])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert RollupMonth.objects.filter(month=month).count() == 1
    once = len(rollup.compute_month(month, with_current=False))
    assert MonthlyFigure.objects.filter(month=month).count() == once > 0


@pytest.mark.django_db
@override_settings(STATS_ROLLUP_STALE_MINUTES=20)
def test_a_stale_rollup_queues_its_own_refresh_once(city_officer: User) -> None:
    """Without cron the figures must not freeze: a read finding this month's roll-up older than
    STATS_ROLLUP_STALE_MINUTES queues one refresh (the test task backend runs it at once)."""
    call_command("stats_rollup", stdout=io.StringIO())
    this_month = timezone.localdate().replace(day=1)
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    RollupMonth.objects.update(computed_at=hour_ago)
    OrganizationFactory.create(region_id=WUCHANG, registered_on=timezone.localdate())
    month = Period.parse(f"{this_month:%Y-%m}")

    first = selectors.dashboard(user=city_officer, code="4201", period=month)
    assert first.as_of == hour_ago  # this read answered from the stale roll-up …
    refreshed = RollupMonth.objects.get(month=this_month).computed_at
    assert refreshed > hour_ago  # … and queued the refresh, which ran
    cache.delete("stats:v1:values:4201:" + month.key)
    assert (
        selectors.dashboard(user=city_officer, code="4201", period=month).figure("org_new").value
        == 1
    )

    # Stale again within the interval: no second request.
    RollupMonth.objects.update(computed_at=hour_ago)
    cache.delete("stats:v1:values:4201:" + month.key)
    selectors.dashboard(user=city_officer, code="4201", period=month)
    assert RollupMonth.objects.get(month=this_month).computed_at == hour_ago


@pytest.mark.django_db
@override_settings(STATS_ROLLUP_STALE_MINUTES=20)
def test_a_new_deployment_builds_its_rollup_on_first_use(
    city: dict[str, Any],  # noqa: F811
    city_officer: User,
) -> None:
    q1 = Period.parse("2026-Q1")
    first = selectors.dashboard(user=city_officer, code="4201", period=q1)
    assert first.as_of is None  # answered live …
    assert RollupMonth.objects.count() == len(
        rollup.retained_months()
    )  # … and the build was queued
    cache.delete("stats:v1:values:4201:" + q1.key)
    again = selectors.dashboard(user=city_officer, code="4201", period=q1)
    assert again.as_of is not None
    assert again.figure("org_total").value == first.figure("org_total").value == 5


@pytest.mark.django_db
def test_a_write_refreshes_this_month_so_the_dashboard_agrees_with_the_live_figures(
    city_officer: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue 18, finding 12: the dashboard (roll-up) showed 40 organizations while the home card and the
    report (live) showed 120. A write to a figure's model now queues a refresh of this month."""
    call_command("stats_rollup", stdout=io.StringIO())
    this_month = timezone.localdate().replace(day=1)
    month = Period.parse(f"{this_month:%Y-%m}")
    before = RollupMonth.objects.get(month=this_month).computed_at
    with override_settings(STATS_ROLLUP_ON_WRITE=True):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            OrganizationFactory.create(region_id=WUCHANG, registered_on=timezone.localdate())
            OrganizationFactory.create(region_id=WUCHANG, registered_on=timezone.localdate())
        assert len(callbacks) == 2  # one per write; a refresh is queued only when none is waiting
    assert RollupMonth.objects.get(month=this_month).computed_at > before
    cache.delete("stats:v1:values:4201:" + month.key)
    board = selectors.dashboard(user=city_officer, code="4201", period=month)
    live = metrics.values("4201", [month], [METRICS["org_new"]])[0]["org_new"]
    assert board.figure("org_new").value == live == 2


def test_every_figure_model_is_watched() -> None:
    labels = rollup.figure_models()
    assert {"registry.SocialOrganization", "venues.Booking", "network.Center"} <= labels
