"""The dashboard figures, each defined once: which rows, which aggregate, which region field.

A figure is computed for one jurisdiction (a region code and its subtree) and one period, and the same
definition gives the per-child breakdown used by the drill-down table, the map and the reports, with
one grouped query (`Substr(region, 1, child length)`). Apps that land later register their own
figures with `register()`; the dashboard, the API and the reports pick them up without change.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicnest.regions.models import Region, RegionLevel
from civicnest.regions.scoping import subtree_q
from civicnest.stats.periods import Period

Number = Decimal | int


def child_code_length(code: str) -> int | None:
    """The code length of a region's children: "" → 2, 31 → 4, 3101 → 6, 310101 → 9, 9 → 12."""
    return {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}.get(len(code))


def _as_number(value: Any, decimals: int) -> Number:
    if value is None:
        return 0 if decimals == 0 else Decimal(0)
    if isinstance(value, datetime.timedelta):
        value = Decimal(value.total_seconds()) / 3600
    if decimals == 0:
        return int(value)
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals))


@dataclass(frozen=True)
class Metric:
    """Rows of one model restricted to a period, and an aggregate over them."""

    key: str
    section: str
    label: str | Promise
    unit: str | Promise
    rows: Callable[[Period], QuerySet[Any]]
    aggregate: Callable[[], Aggregate]
    region_field: str = "region"
    decimals: int = 0
    # A "current" figure describes the present state (no history is kept), so it has no
    # period-over-period change.
    current: bool = False

    def value(self, code: str, period: Period) -> Number:
        qs = self.rows(period).filter(subtree_q([code], self.region_field))
        return _as_number(qs.aggregate(v=self.aggregate())["v"], self.decimals)

    def by_child(self, code: str, period: Period) -> dict[str, Number]:
        length = child_code_length(code)
        if length is None:
            return {}
        grouped = (
            self.rows(period)
            .filter(subtree_q([code], self.region_field))
            .annotate(child=Substr(self.region_field, 1, length))
            .values("child")
            .annotate(v=self.aggregate())
            .order_by()
        )
        return {row["child"]: _as_number(row["v"], self.decimals) for row in grouped}


@dataclass(frozen=True)
class CoverageMetric:
    """Share (%) of the regions of one level in the jurisdiction that have an active center."""

    key: str
    section: str
    label: str | Promise
    level: str
    unit: str | Promise = "%"
    decimals: int = 1
    current: bool = False
    region_field: str = field(default="code")

    def _regions(self, code: str, period: Period) -> QuerySet[Region]:
        from civicnest.network.models import Center, CenterStatus

        centers = Center.objects.filter(status=CenterStatus.ACTIVE).filter(
            Q(opening_date__isnull=True) | Q(opening_date__lte=period.end)
        )
        return (
            Region.objects.filter(level=self.level)
            .filter(subtree_q([code], "code"))
            .annotate(covered=Count("centers", filter=Q(centers__in=centers), distinct=True))
        )

    def _percent(self, total: int, covered: int) -> Decimal:
        if not total:
            return Decimal(0)
        return (Decimal(covered * 100) / total).quantize(Decimal("0.1"))

    def value(self, code: str, period: Period) -> Number:
        rows = list(self._regions(code, period).values_list("covered", flat=True))  # type: ignore[misc]
        return self._percent(len(rows), sum(1 for c in rows if c))

    def by_child(self, code: str, period: Period) -> dict[str, Number]:
        length = child_code_length(code)
        if length is None:
            return {}
        totals: dict[str, list[int]] = {}
        for region_code, covered in self._regions(code, period).values_list(  # type: ignore[misc]
            "code", "covered"
        ):
            bucket = totals.setdefault(region_code[:length], [0, 0])
            bucket[0] += 1
            bucket[1] += 1 if covered else 0
        return {child: self._percent(t, c) for child, (t, c) in totals.items()}


@dataclass(frozen=True)
class OccupancyMetric:
    """Confirmed booked hours over the rooms' opening hours in the period (%)."""

    key: str
    section: str
    label: str | Promise
    unit: str | Promise = "%"
    decimals: int = 1
    current: bool = False
    region_field: str = "region"

    def _ratios(self, code: str, period: Period, length: int) -> dict[str, Decimal]:
        from civicnest.venues.models import Room

        booked = BOOKED_HOURS.by_child(code, period) if length > len(code) else {}
        if length == len(code):
            booked = {code: Decimal(BOOKED_HOURS.value(code, period))}
        # Days of the period on each weekday (1 = Monday), so a room's open days are a sum of seven
        # numbers rather than a walk through every day of the year for every room.
        per_weekday = dict.fromkeys("1234567", 0)
        for i in range(period.days):
            per_weekday[str((period.start + datetime.timedelta(days=i)).isoweekday())] += 1
        open_hours: dict[str, Decimal] = {}
        rooms = Room.objects.filter(is_active=True).filter(subtree_q([code], "region"))
        for region_id, opens_at, closes_at, weekdays in rooms.values_list(
            "region_id", "opens_at", "closes_at", "open_weekdays"
        ):
            minutes = (closes_at.hour * 60 + closes_at.minute) - (
                opens_at.hour * 60 + opens_at.minute
            )
            days = sum(per_weekday[d] for d in set(weekdays))
            key = region_id[:length]
            open_hours[key] = open_hours.get(key, Decimal(0)) + Decimal(minutes * days) / 60
        return {
            key: (Decimal(booked.get(key, 0)) * 100 / hours).quantize(Decimal("0.1"))
            for key, hours in open_hours.items()
            if hours
        }

    def value(self, code: str, period: Period) -> Number:
        return self._ratios(code, period, len(code)).get(code, Decimal(0))

    def by_child(self, code: str, period: Period) -> dict[str, Number]:
        length = child_code_length(code)
        return dict(self._ratios(code, period, length)) if length else {}


AnyMetric = Any  # Metric, CoverageMetric, OccupancyMetric, ComplianceMetric: value() and by_child()


@dataclass(frozen=True)
class Breakdown:
    """A distribution for a chart: rows counted by one choice field."""

    key: str
    section: str
    label: str | Promise
    rows: Callable[[Period], QuerySet[Any]]
    field_name: str
    choices: Callable[[], Iterable[tuple[str, Any]]]
    region_field: str = "region"

    def counts(self, code: str, period: Period) -> list[tuple[str, int]]:
        qs = self.rows(period).filter(subtree_q([code], self.region_field))
        found = dict(qs.values_list(self.field_name).annotate(n=Count("pk")).order_by())
        return [(str(label), found.get(value, 0)) for value, label in self.choices()]


SECTIONS: dict[str, str | Promise] = {}
METRICS: dict[str, AnyMetric] = {}
BREAKDOWNS: dict[str, Breakdown] = {}


def register_section(key: str, label: str | Promise) -> None:
    SECTIONS.setdefault(key, label)


def register(*items: AnyMetric | Breakdown) -> None:
    for item in items:
        target: dict[str, Any] = BREAKDOWNS if isinstance(item, Breakdown) else METRICS
        target[item.key] = item


# -- the figures of the apps already built -----------------------------------------------------


def _registry_rows(period: Period) -> QuerySet[Any]:
    from civicnest.registry.models import OrgStatus, SocialOrganization

    return SocialOrganization.objects.filter(registered_on__lte=period.end).exclude(
        status=OrgStatus.DEREGISTERED
    )


def _new_orgs(period: Period) -> QuerySet[Any]:
    from civicnest.registry.models import SocialOrganization

    return SocialOrganization.objects.filter(registered_on__range=(period.start, period.end))


def _teams(period: Period) -> QuerySet[Any]:
    from civicnest.registry.models import ActivityTeam, FilingStatus

    return ActivityTeam.objects.filter(status=FilingStatus.FILED, filed_on__lte=period.end)


def _new_teams(period: Period) -> QuerySet[Any]:
    from civicnest.registry.models import ActivityTeam, FilingStatus

    return ActivityTeam.objects.filter(
        status=FilingStatus.FILED, filed_on__range=(period.start, period.end)
    )


def _centers(period: Period) -> QuerySet[Any]:
    from civicnest.network.models import Center, CenterStatus

    return Center.objects.filter(status=CenterStatus.ACTIVE).filter(
        Q(opening_date__isnull=True) | Q(opening_date__lte=period.end)
    )


def _applications(period: Period) -> QuerySet[Any]:
    from civicnest.incubation.models import Application

    return Application.objects.filter(created_at__range=_aware(period))


def _incubating(period: Period) -> QuerySet[Any]:
    from civicnest.incubation.models import Application, ApplicationStatus

    return Application.objects.filter(
        status__in=[ApplicationStatus.INCUBATING, ApplicationStatus.EXTENDED]
    )


def _graduated(period: Period) -> QuerySet[Any]:
    from civicnest.incubation.models import Application

    return Application.objects.filter(graduated_on__range=(period.start, period.end))


def _incubation_services(period: Period) -> QuerySet[Any]:
    from civicnest.incubation.models import ServiceRecord

    return ServiceRecord.objects.filter(served_on__range=(period.start, period.end))


def _needs(period: Period) -> QuerySet[Any]:
    from civicnest.matching.models import Need

    return Need.objects.filter(created_at__range=_aware(period))


def _matches_made(period: Period) -> QuerySet[Any]:
    from civicnest.matching.models import Match, MatchStatus

    return Match.objects.filter(created_at__range=_aware(period)).exclude(
        status__in=[MatchStatus.SUGGESTED, MatchStatus.DECLINED]
    )


def _delivered(period: Period) -> QuerySet[Any]:
    from civicnest.matching.models import Match

    return Match.objects.filter(delivered_on__range=(period.start, period.end))


def _rated(period: Period) -> QuerySet[Any]:
    return _delivered(period).filter(rating__isnull=False)


def _attended(period: Period) -> QuerySet[Any]:
    from civicnest.training.models import Enrolment

    return Enrolment.objects.filter(
        checked_in_at__isnull=False, session__starts_at__range=_aware(period)
    )


def _volunteer_hours(period: Period) -> QuerySet[Any]:
    from civicnest.training.models import HourStatus, ServiceHour

    return ServiceHour.objects.filter(
        status=HourStatus.VERIFIED, served_on__range=(period.start, period.end)
    )


def _bookings(period: Period) -> QuerySet[Any]:
    from civicnest.venues.models import Booking, BookingStatus

    start, end = period.bounds()
    return Booking.objects.filter(status=BookingStatus.CONFIRMED, start__gte=start, start__lt=end)


def _aware(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = period.bounds()
    return start, end - datetime.timedelta(microseconds=1)


def _duration_sum() -> Aggregate:
    return Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField()))


BOOKED_HOURS = Metric(
    "venue_hours", "venues", _("场地预约时长"), _("小时"), _bookings, _duration_sum, decimals=1
)


def _choices(module: str, name: str) -> Callable[[], Iterable[tuple[str, Any]]]:
    def choices() -> Iterable[tuple[str, Any]]:
        import importlib

        return getattr(importlib.import_module(module), name).choices

    return choices


register_section("registry", _("社会组织"))
register_section("network", _("服务网络"))
register_section("incubation", _("孵化培育"))
register_section("matching", _("供需对接"))
register_section("training", _("培训与志愿服务"))
register_section("venues", _("场地使用"))

register(
    Metric(
        "org_total", "registry", _("登记社会组织"), _("家"), _registry_rows, lambda: Count("pk")
    ),
    Metric("org_new", "registry", _("新登记社会组织"), _("家"), _new_orgs, lambda: Count("pk")),
    Metric("team_total", "registry", _("备案群众活动团队"), _("支"), _teams, lambda: Count("pk")),
    Metric("team_new", "registry", _("新备案团队"), _("支"), _new_teams, lambda: Count("pk")),
    Metric("center_total", "network", _("运营中的中心"), _("个"), _centers, lambda: Count("pk")),
    CoverageMetric("coverage_district", "network", _("区县中心覆盖率"), RegionLevel.DISTRICT),
    CoverageMetric("coverage_street", "network", _("街道中心覆盖率"), RegionLevel.STREET),
    CoverageMetric("coverage_community", "network", _("社区中心覆盖率"), RegionLevel.COMMUNITY),
    Metric(
        "inc_applications", "incubation", _("孵化申请"), _("个"), _applications, lambda: Count("pk")
    ),
    Metric(
        "inc_incubating",
        "incubation",
        _("在孵组织（当前）"),
        _("家"),
        _incubating,
        lambda: Count("pk"),
        current=True,
    ),
    Metric("inc_graduated", "incubation", _("出壳"), _("家"), _graduated, lambda: Count("pk")),
    Metric(
        "inc_service_hours",
        "incubation",
        _("孵化服务时长"),
        _("小时"),
        _incubation_services,
        lambda: Sum("hours"),
        decimals=1,
    ),
    Metric("need_submitted", "matching", _("提交的需求"), _("条"), _needs, lambda: Count("pk")),
    Metric("match_made", "matching", _("达成对接"), _("次"), _matches_made, lambda: Count("pk")),
    Metric("match_delivered", "matching", _("完成服务"), _("次"), _delivered, lambda: Count("pk")),
    Metric(
        "match_rating",
        "matching",
        _("服务平均评价"),
        _("分"),
        _rated,
        lambda: Avg("rating"),
        decimals=1,
    ),
    Metric(
        "training_hours",
        "training",
        _("培训学时"),
        _("人·学时"),
        _attended,
        lambda: Sum("session__hours"),
        decimals=1,
    ),
    Metric("trainees", "training", _("培训签到人次"), _("人次"), _attended, lambda: Count("pk")),
    Metric(
        "volunteer_hours",
        "training",
        _("志愿服务时长（已核验）"),
        _("小时"),
        _volunteer_hours,
        lambda: Sum("hours"),
        decimals=1,
    ),
    BOOKED_HOURS,
    OccupancyMetric("venue_occupancy", "venues", _("场地使用率")),
)


def _org_choices(name: str) -> Callable[[], Iterable[tuple[str, Any]]]:
    return _choices("civicnest.registry.models", name)


register(
    Breakdown(
        "org_by_type",
        "registry",
        _("按组织类型"),
        _registry_rows,
        "org_type",
        _org_choices("OrgType"),
    ),
    Breakdown(
        "org_by_category",
        "registry",
        _("按服务领域"),
        _registry_rows,
        "category",
        _org_choices("Category"),
    ),
    Breakdown(
        "org_by_stage", "registry", _("按发展阶段"), _registry_rows, "stage", _org_choices("Stage")
    ),
    Breakdown(
        "org_by_grade", "registry", _("按评估等级"), _registry_rows, "grade", _org_choices("Grade")
    ),
)


# -- venture philanthropy: the money chain, budget → subscribed → contracted → disbursed ------------


def _programs(period: Period) -> QuerySet[Any]:
    from civicnest.philanthropy.models import FundingProgram

    return FundingProgram.objects.filter(call_opens__range=(period.start, period.end))


def _subscriptions(period: Period) -> QuerySet[Any]:
    from civicnest.philanthropy.models import Subscription

    return Subscription.objects.filter(inflow__posted_at__range=_aware(period))


def _contracts(period: Period) -> QuerySet[Any]:
    from civicnest.philanthropy.models import Contract

    return Contract.objects.filter(starts_on__range=(period.start, period.end))


def _disbursed(period: Period) -> QuerySet[Any]:
    from civicnest.philanthropy.models import Tranche, TrancheStatus

    return Tranche.objects.filter(status=TrancheStatus.PAID, entry__posted_at__range=_aware(period))


register_section("philanthropy", _("公益创投与购买服务"))
register(
    Metric(
        "phil_budget",
        "philanthropy",
        _("新开项目预算"),
        _("元"),
        _programs,
        lambda: Sum("budget"),
        decimals=2,
    ),
    Metric(
        "phil_subscribed",
        "philanthropy",
        _("认购金额"),
        _("元"),
        _subscriptions,
        lambda: Sum("amount"),
        decimals=2,
    ),
    Metric(
        "phil_contracted",
        "philanthropy",
        _("签约金额"),
        _("元"),
        _contracts,
        lambda: Sum("amount"),
        decimals=2,
    ),
    Metric(
        "phil_disbursed",
        "philanthropy",
        _("拨付金额"),
        _("元"),
        _disbursed,
        lambda: Sum("amount"),
        decimals=2,
    ),
)


# -- compliance: the live rules of the evaluation app, counted per jurisdiction ---------------------


@dataclass(frozen=True)
class ComplianceMetric:
    """Centers breaching at least one rule, or the share meeting all (present state, no history)."""

    key: str
    section: str
    label: str | Promise
    unit: str | Promise
    share: bool = False
    decimals: int = 0
    current: bool = True
    region_field: str = "region"

    def _per_center(self, code: str) -> list[tuple[str, bool]]:
        from civicnest.evaluation import compliance
        from civicnest.evaluation.selectors import center_facts, parameters_for
        from civicnest.network.models import Center, CenterStatus

        centers = Center.objects.filter(status=CenterStatus.ACTIVE).filter(
            subtree_q([code], "region")
        )
        params = parameters_for()
        return [
            (f.region_id, all(o.passed for o in compliance.evaluate(f, params)))
            for f in center_facts(centers)
        ]

    def _summarise(self, rows: list[bool]) -> Number:
        if self.share:
            if not rows:
                return Decimal(0)
            return (Decimal(sum(rows) * 100) / len(rows)).quantize(Decimal("0.1"))
        return sum(1 for ok in rows if not ok)

    def value(self, code: str, period: Period) -> Number:
        return self._summarise([ok for _region, ok in self._per_center(code)])

    def by_child(self, code: str, period: Period) -> dict[str, Number]:
        length = child_code_length(code)
        if length is None:
            return {}
        grouped: dict[str, list[bool]] = {}
        for region, ok in self._per_center(code):
            if len(region) >= length:
                grouped.setdefault(region[:length], []).append(ok)
        return {child: self._summarise(rows) for child, rows in grouped.items()}


register_section("compliance", _("合规与达标"))
register(
    ComplianceMetric("centers_in_breach", "compliance", _("存在违规的中心（当前）"), _("个")),
    ComplianceMetric(
        "centers_compliant_share",
        "compliance",
        _("全部规则达标的中心比例（当前）"),
        "%",
        share=True,
        decimals=1,
    ),
)
