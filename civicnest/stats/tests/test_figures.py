"""Every dashboard figure against a small fixture whose answers are worked out by hand."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.periods import Period, PeriodError
from civicnest.incubation.models import Application, ServiceRecord
from civicnest.incubation.tests.factories import ApplicationFactory
from civicnest.matching.models import Match, MatchStatus, Need, ServiceOffering
from civicnest.network.tests.factories import CenterFactory
from civicnest.regions.figures import METRICS
from civicnest.regions.models import Region
from civicnest.registry.tests.factories import OrganizationFactory, TeamFactory
from civicnest.stats import selectors
from civicnest.training.models import Enrolment, ServiceHour
from civicnest.training.tests.factories import SessionFactory, VolunteerFactory
from civicnest.venues.models import Booking
from civicnest.venues.tests.factories import RoomFactory

JIANGAN = "420102"
WUCHANG = "420106"
JIANGAN_STREET = "420102002"
TZ = timezone.get_fixed_timezone(480)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@pytest.fixture
def city(make_user: Callable[..., User]) -> dict[str, Any]:
    """Jiang'an: 3 organizations (one new in 2026-Q1), 1 filed team, 2 needs, 1 delivered match;
    Wuchang: 2 organizations, 1 need. Everything else is worked out in the tests."""
    submitter = make_user(Role.RESIDENT, JIANGAN_STREET)
    OrganizationFactory.create(region_id=JIANGAN, registered_on=datetime.date(2020, 5, 1))
    OrganizationFactory.create(
        region_id=JIANGAN_STREET,
        registered_on=datetime.date(2025, 11, 3),
        org_type="social_group",
        category="youth",
    )
    new = OrganizationFactory.create(
        region_id=JIANGAN_STREET, registered_on=datetime.date(2026, 2, 10), grade="3A"
    )
    OrganizationFactory.create(region_id=WUCHANG, registered_on=datetime.date(2019, 1, 1))
    OrganizationFactory.create(region_id=WUCHANG, registered_on=datetime.date(2026, 1, 20))
    OrganizationFactory.create(  # deregistered organizations are not counted
        region_id=JIANGAN, registered_on=datetime.date(2018, 1, 1), status="deregistered"
    )
    TeamFactory.create(
        status="filed", filed_on=datetime.date(2026, 3, 1), filing_number="江岸备2026001"
    )
    TeamFactory.create(status="submitted")

    district_center = CenterFactory.create(region_id=JIANGAN, level="district")
    CenterFactory.create(region_id=JIANGAN_STREET, level="street")
    CenterFactory.create(region_id=WUCHANG, level="district")

    def need(region: str, when: datetime.datetime) -> Need:
        n = Need.objects.create(
            region_id=region, title="助餐", description="老人助餐", submitter=submitter
        )
        Need.objects.filter(pk=n.pk).update(created_at=when)
        return n

    n1 = need(JIANGAN_STREET, at(datetime.date(2026, 1, 5), 10))
    need(JIANGAN_STREET, at(datetime.date(2026, 4, 1), 0))  # the next quarter, to the hour
    need(WUCHANG, at(datetime.date(2026, 2, 1), 9))
    offering = ServiceOffering.objects.create(
        region_id=JIANGAN, organization=new, title="助餐服务", description="上门送餐"
    )
    match = Match.objects.create(
        region_id=JIANGAN_STREET,
        need=n1,
        offering=offering,
        status=MatchStatus.RATED,
        delivered_on=datetime.date(2026, 3, 30),
        hours=Decimal("2.0"),
        rating=4,
    )
    Match.objects.filter(pk=match.pk).update(created_at=at(datetime.date(2026, 1, 6), 9))

    room = RoomFactory.create(
        center=district_center, opens_at=datetime.time(9), closes_at=datetime.time(17)
    )
    # Q1 2026 has 90 days of 8 open hours = 720 h; 6 h booked → 0.8 %.
    for start, end in ((9, 12), (14, 17)):
        Booking.objects.create(
            region_id=JIANGAN,
            room=room,
            booked_by=submitter,
            start=at(datetime.date(2026, 3, 2), start),
            end=at(datetime.date(2026, 3, 2), end),
            purpose="议事会",
        )
    Booking.objects.create(  # cancelled: not counted
        region_id=JIANGAN,
        room=room,
        booked_by=submitter,
        start=at(datetime.date(2026, 3, 3), 9),
        end=at(datetime.date(2026, 3, 3), 17),
        purpose="取消的活动",
        status="cancelled",
    )
    # Incubation: one application made in Q1 and graduated on 31 March, 1.5 h of services; one
    # incubating since 2025 (present state).
    graduated = ApplicationFactory.create(
        round__program__center=district_center,
        status="graduated",
        graduated_on=datetime.date(2026, 3, 31),
    )
    Application.objects.filter(pk=graduated.pk).update(created_at=at(datetime.date(2026, 1, 8), 9))
    incubating = ApplicationFactory.create(round=graduated.round, status="incubating")
    Application.objects.filter(pk=incubating.pk).update(created_at=at(datetime.date(2025, 6, 1), 9))
    ServiceRecord.objects.create(
        region_id=JIANGAN,
        application=graduated,
        service_type="consulting",
        served_on=datetime.date(2026, 2, 2),
        hours=Decimal("1.5"),
        staff=submitter,
        topic="登记指导",
    )
    # Training: a 3-hour session in Q1 with two check-ins and one absentee → 6 person-hours.
    session = SessionFactory.create(
        course__center=district_center,
        starts_at=at(datetime.date(2026, 3, 10), 9),
        ends_at=at(datetime.date(2026, 3, 10), 12),
        hours=Decimal("3.0"),
        capacity=5,
    )
    for n, checked_in in enumerate((True, True, False)):
        Enrolment.objects.create(
            region_id=JIANGAN,
            session=session,
            person=make_user(username=f"learner{n}"),
            checked_in_at=at(datetime.date(2026, 3, 10), 9) if checked_in else None,
        )
    volunteer = VolunteerFactory.create()
    for hours, status in ((Decimal("2.5"), "verified"), (Decimal("4"), "pending")):
        ServiceHour.objects.create(
            region_id=JIANGAN,
            volunteer=volunteer,
            activity="助老探访",
            served_on=datetime.date(2026, 1, 15),
            hours=hours,
            status=status,
            recorded_by=submitter,
        )
    return {"new": new}


Q1 = Period.parse("2026-Q1")


def values(code: str, period: Period = Q1) -> dict[str, Any]:
    return {key: metric.value(code, period) for key, metric in METRICS.items()}


def test_figures_for_a_district_match_the_hand_count(city: dict[str, Any]) -> None:
    v = values(JIANGAN)
    assert v["org_total"] == 3  # 2020, 2025 and 2026-02 registrations; the deregistered one is out
    assert v["org_new"] == 1
    assert v["team_total"] == 1
    assert v["team_new"] == 1
    assert v["center_total"] == 2
    assert v["need_submitted"] == 1  # 2026-04-01 00:00 belongs to Q2
    assert v["match_made"] == 1
    assert v["match_delivered"] == 1
    assert v["match_rating"] == Decimal("4.0")
    assert v["venue_hours"] == Decimal("6.0")
    assert v["venue_occupancy"] == Decimal("0.8")
    assert v["inc_applications"] == 1
    assert v["inc_incubating"] == 1
    assert v["inc_graduated"] == 1
    assert v["inc_service_hours"] == Decimal("1.5")
    assert v["training_hours"] == Decimal("6.0")
    assert v["trainees"] == 2
    assert v["volunteer_hours"] == Decimal("2.5")
    # One of Jiang'an's official streets has a center.
    streets = Region.objects.filter(level="street", code__startswith=JIANGAN).count()
    assert streets > 10
    assert v["coverage_street"] == (Decimal(100) / streets).quantize(Decimal("0.1"))


def test_city_figures_are_the_sum_of_its_districts(city: dict[str, Any]) -> None:
    v = values("4201")
    assert v["org_total"] == 5
    assert v["org_new"] == 2
    assert v["need_submitted"] == 2
    children = METRICS["org_total"].by_child("4201", Q1)
    assert children == {JIANGAN: 3, WUCHANG: 2}
    assert METRICS["need_submitted"].by_child(JIANGAN, Q1) == {JIANGAN_STREET: 1}


def test_previous_period_and_change(city: dict[str, Any], city_officer: User) -> None:
    board = selectors.dashboard(user=city_officer, code="4201", period=Q1)
    org_total = board.figure("org_total")
    assert org_total.previous == 3  # at the end of 2025-Q4: 2019, 2020 and 2025 registrations
    assert org_total.change == Decimal("66.7")
    assert board.figure("inc_incubating").change is None  # a present-state figure
    by_type = dict(next(s for s in board.sections if s.key == "registry").breakdowns[0][2])
    assert by_type["社会团体"] == 1


def test_district_user_sees_only_their_district(
    city: dict[str, Any], jiangan_officer: User
) -> None:
    board = selectors.dashboard(user=jiangan_officer, code=None, period=Q1)
    assert board.region.code == JIANGAN
    assert board.figure("org_total").value == 3
    assert {row.region.code[:6] for row in board.children} == {JIANGAN}
    with pytest.raises(Exception, match="管辖范围"):
        selectors.dashboard(user=jiangan_officer, code=WUCHANG, period=Q1)
    with pytest.raises(Exception, match="管辖范围"):
        selectors.dashboard(user=jiangan_officer, code="4201", period=Q1)


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2026-02", datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)),
        ("2024-02", datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)),
        ("2026-Q4", datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
        ("2026", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    ],
)
def test_periods(key: str, start: datetime.date, end: datetime.date) -> None:
    period = Period.parse(key)
    assert (period.start, period.end, period.key) == (start, end, key)
    assert Period.parse("2026-01").previous().key == "2025-12"
    assert Period.parse("2026-Q1").previous().key == "2025-Q4"


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "26", "1999", "abc", ""])
def test_bad_periods_get_a_chinese_message(bad: str) -> None:
    with pytest.raises(PeriodError, match="统计期格式"):
        Period.parse(bad)


def test_philanthropy_money_figures(make_user: Callable[..., User], jiangan_center) -> None:
    """One whole chain in Jiang'an (see `foreign_chain`): two programs of 500,000 opened on 2026-03-01, a
    project of 50,000 contracted the same day, 10,000 subscribed and the first 20,000 tranche paid."""
    from civicnest.philanthropy.tests.factories import foreign_chain

    officer = make_user(Role.BUREAU_OFFICER, JIANGAN)
    org = OrganizationFactory.create(region_id=JIANGAN, registered_on=datetime.date(2015, 1, 1))
    foreign_chain(officer, jiangan_center, org, marker="M", private="P")
    year = Period.parse("2026")
    v = {key: METRICS[key].value(JIANGAN, year) for key in METRICS if key.startswith("phil_")}
    assert v == {
        "phil_budget": Decimal("1000000.00"),
        "phil_subscribed": Decimal("10000.00"),
        "phil_contracted": Decimal("50000.00"),
        "phil_disbursed": Decimal("20000.00"),
    }
    assert METRICS["phil_disbursed"].value(WUCHANG, year) == Decimal("0.00")
    assert METRICS["phil_budget"].by_child("4201", year) == {JIANGAN: Decimal("1000000.00")}


def test_compliance_figures_follow_the_live_rules(jiangan_officer: User) -> None:
    """A district center with 10 m² and no staff breaks the rules; the figure agrees with the
    compliance page of the evaluation app."""
    from civicnest.evaluation.selectors import compliance_report

    CenterFactory.create(region_id=JIANGAN, level="district", premises_area=Decimal("10"))
    assert METRICS["centers_in_breach"].value(JIANGAN, Q1) == 1
    assert METRICS["centers_compliant_share"].value(JIANGAN, Q1) == Decimal("0.0")
    report = compliance_report(user=jiangan_officer)
    assert report.centers - report.compliant == 1
    assert METRICS["centers_in_breach"].value(WUCHANG, Q1) == 0
    assert METRICS["centers_in_breach"].by_child("4201", Q1) == {JIANGAN: 1}


def test_targets_are_shown_beside_coverage(city: dict[str, Any], city_officer: User) -> None:
    from civicnest.evaluation.models import NetworkTarget

    NetworkTarget.objects.create(region_id="4201", year=2026, metric="streets", target_percent=90)
    NetworkTarget.objects.create(region_id=JIANGAN, year=2026, metric="streets", target_percent=50)
    city_board = selectors.dashboard(user=city_officer, code="4201", period=Q1)
    assert city_board.figure("coverage_street").target == Decimal("90")
    district_board = selectors.dashboard(user=city_officer, code=JIANGAN, period=Q1)
    assert district_board.figure("coverage_street").target == Decimal("50")  # the nearest wins
    assert district_board.figure("coverage_community").target is None
