"""The dashboard figures, each defined once: which rows, which aggregate, which region field.

A figure is computed for one jurisdiction (a region code and its subtree) and one period, and the same
definition gives the per-child breakdown used by the drill-down table, the map and the reports, with
one grouped query (`Substr(region, 1, child length)`). Apps that land later register their own
figures with `register()`; the dashboard, the API and the reports pick them up without change.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from typing import Any

from django.apps import apps
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicnest.regions.codes import child_code_length, subtree_q
from civicnest.regions.models import Region, RegionLevel
from civicnest.stats.periods import Period

Number = Decimal | int


class Rollup:
    """How the monthly roll-up (stats.rollup) turns months into a quarter or a year."""

    FLOW = "flow"  # the months add up (counts and sums over dated rows)
    STOCK = "stock"  # the state at the period's end: the last month's row
    CURRENT = "current"  # the present state only: the latest refresh


def _as_number(value: Any, decimals: int) -> Number:
    if value is None:
        return 0 if decimals == 0 else Decimal(0)
    if isinstance(value, datetime.timedelta):
        value = Decimal(value.total_seconds()) / 3600
    if isinstance(value, float):  # an average: its shortest repr, so 4.55 rounds like the roll-up's
        value = Decimal(repr(value))
    if decimals == 0:
        return int(value)
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals))


@dataclass(frozen=True)
class Metric:
    """Rows of one model that meet `where(period)`, and an aggregate over them.

    Metrics of the same model are computed together (`values()`, `children()`): one query with one
    filtered aggregate per metric and period, instead of a query per figure.
    """

    key: str
    section: str
    label: str | Promise
    unit: str | Promise
    model: str  # "app_label.ModelName"
    where: Callable[[Period], Q]
    aggregate: Callable[[Q], Aggregate]  # given the period's filter
    region_field: str = "region"
    decimals: int = 0
    # A "current" figure describes the present state (no history is kept), so it has no
    # period-over-period change.
    current: bool = False
    # A "stock" figure is the state at the period's end (`where` reads only `period.end`), so a
    # quarter's value is its last month's; other figures are flows, and months add up.
    stock: bool = False
    # For an average: the field averaged, so that the monthly roll-up can keep sum and count.
    mean_of: str = ""
    # The aggregate is a duration (kept in seconds by the roll-up, shown in hours).
    duration: bool = False

    @property
    def rollup(self) -> str:
        return Rollup.CURRENT if self.current else Rollup.STOCK if self.stock else Rollup.FLOW

    def value(self, code: str, period: Period) -> Number:
        return values(code, [period], [self])[0][self.key]

    def by_child(self, code: str, period: Period) -> dict[str, Number]:
        return children(code, period, [self]).get(self.key, {})

    def from_parts(self, num: Decimal, den: Decimal) -> Number:
        """The figure from its roll-up parts (see `parts`)."""
        if self.mean_of:
            return _as_number(num / den if den else None, self.decimals)
        return _as_number(num / 3600 if self.duration else num, self.decimals)


def count() -> Callable[[Q], Aggregate]:
    return lambda q: Count("pk", filter=q)


def total(field_name: str) -> Callable[[Q], Aggregate]:
    return lambda q: Sum(field_name, filter=q)


def mean(field_name: str) -> Callable[[Q], Aggregate]:
    return lambda q: Avg(field_name, filter=q)


def parts(metric: Metric, q: Q) -> dict[str, Aggregate]:
    """The additive parts of a figure for the roll-up: a numerator, and for an average a count."""
    if metric.mean_of:
        return {"num": Sum(metric.mean_of, filter=q), "den": Count(metric.mean_of, filter=q)}
    return {"num": metric.aggregate(q)}


Parts = tuple[Decimal, Decimal]  # (numerator, denominator): what the monthly roll-up keeps


def _raw(value: Any) -> Decimal:
    """An aggregate as an exact Decimal (durations in seconds) for the roll-up to add up."""
    if value is None:
        return Decimal(0)
    if isinstance(value, datetime.timedelta):
        return Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds) / 10**6
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def grouped_parts(
    code: str, period: Period, metrics: Iterable[Metric], length: int
) -> dict[str, dict[str, Parts]]:
    """{metric key: {region code cut to `length`: parts}} of plain metrics, one query per model."""
    out: dict[str, dict[str, Parts]] = {m.key: {} for m in metrics}
    for group in _by_model(metrics).values():
        aggregates: dict[str, Aggregate] = {}
        for n, m in enumerate(group):
            for part, aggregate in parts(m, m.where(period)).items():
                aggregates[f"{part}{n}"] = aggregate
        for row in _grouped(code, period, group, length, aggregates):
            for n, m in enumerate(group):
                out[m.key][row["cut"]] = (_raw(row[f"num{n}"]), _raw(row.get(f"den{n}")))
    return out


def _grouped(
    code: str, period: Period, group: list[Metric], length: int, aggregates: dict[str, Aggregate]
) -> Any:
    """Rows of one model's metrics in the subtree, grouped by the region code cut to `length` ("cut")."""
    field_name = group[0].region_field
    return (
        apps.get_model(group[0].model)
        .objects.filter(subtree_q([code], field_name))
        .filter(reduce(operator.or_, [m.where(period) for m in group]))
        .annotate(cut=Substr(field_name, 1, length))
        .values("cut")
        .annotate(**aggregates)
        .order_by()
    )


def _by_model(metrics: Iterable[Any]) -> dict[tuple[str, str], list[Metric]]:
    groups: dict[tuple[str, str], list[Metric]] = {}
    for m in metrics:
        if isinstance(m, Metric):
            groups.setdefault((m.model, m.region_field), []).append(m)
    return groups


def values(code: str, periods: list[Period], metrics: Iterable[Any]) -> list[dict[str, Number]]:
    """Each metric's value per period (present-state metrics only for the first period)."""
    metrics = list(metrics)
    out: list[dict[str, Number]] = [{} for _ in periods]
    for (model, field_name), group in _by_model(metrics).items():
        aggregates: dict[str, Aggregate] = {}
        names: dict[str, tuple[Metric, int]] = {}
        wheres: list[Q] = []
        for m in group:
            for i, period in enumerate(periods):
                if i and m.current:
                    continue
                where = m.where(period)
                wheres.append(where)
                alias = f"v{len(names)}"
                aggregates[alias] = m.aggregate(where)
                names[alias] = (m, i)
        row = (
            apps.get_model(model)
            .objects.filter(subtree_q([code], field_name))
            .filter(reduce(operator.or_, wheres))
            .aggregate(**aggregates)
        )
        for alias, (m, i) in names.items():
            out[i][m.key] = _as_number(row[alias], m.decimals)
    for m in metrics:
        if not isinstance(m, Metric):
            for i, period in enumerate(periods):
                if not (i and m.current):
                    out[i][m.key] = m.value(code, period)
    return out


def children(code: str, period: Period, metrics: Iterable[Any]) -> dict[str, dict[str, Number]]:
    """{metric key: {child region code: value}}, one grouped query per model."""
    metrics = list(metrics)
    length = child_code_length(code)
    if length is None:
        return {}
    out: dict[str, dict[str, Number]] = {m.key: {} for m in metrics}
    for group in _by_model(metrics).values():
        aggregates = {f"v{n}": m.aggregate(m.where(period)) for n, m in enumerate(group)}
        for row in _grouped(code, period, group, length, aggregates):
            for n, m in enumerate(group):
                out[m.key][row["cut"]] = _as_number(row[f"v{n}"], m.decimals)
    for m in metrics:
        if not isinstance(m, Metric):
            out[m.key] = m.by_child(code, period)
    return out


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
    rollup: str = Rollup.STOCK

    def _regions(self, code: str, period: Period) -> list[tuple[str, bool]]:
        """(region code, has an active center) for every region of the level in the subtree."""
        from civicnest.network.models import Center, CenterStatus

        with_center = set(
            Center.objects.filter(status=CenterStatus.ACTIVE)
            .filter(Q(opening_date__isnull=True) | Q(opening_date__lte=period.end))
            .filter(subtree_q([code], "region"))
            .values_list("region_id", flat=True)
        )
        codes = (
            Region.objects.filter(level=self.level)
            .filter(subtree_q([code], "code"))
            .values_list("code", flat=True)
        )
        return [(c, c in with_center) for c in codes]

    def _percent(self, total: int, covered: int) -> Decimal:
        if not total:
            return Decimal(0)
        return (Decimal(covered * 100) / total).quantize(Decimal("0.1"))

    def grouped_parts(self, code: str, period: Period, length: int) -> dict[str, Parts]:
        """(regions covered, regions) per region code cut to `length`."""
        out: dict[str, list[int]] = {}
        for region_code, covered in self._regions(code, period):
            bucket = out.setdefault(region_code[:length], [0, 0])
            bucket[0] += 1 if covered else 0
            bucket[1] += 1
        return {k: (Decimal(c), Decimal(t)) for k, (c, t) in out.items()}

    def from_parts(self, num: Decimal, den: Decimal) -> Number:
        return self._percent(int(den), int(num))

    def value(self, code: str, period: Period) -> Number:
        rows = self._regions(code, period)
        return self._percent(len(rows), sum(1 for _c, covered in rows if covered))

    def by_child(self, code: str, period: Period) -> dict[str, Number]:
        length = child_code_length(code)
        if length is None:
            return {}
        totals: dict[str, list[int]] = {}
        for region_code, covered in self._regions(code, period):
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

    rollup: str = Rollup.FLOW

    def grouped_parts(self, code: str, period: Period, length: int) -> dict[str, Parts]:
        """(confirmed booked seconds, rooms' opening seconds) per region code cut to `length`."""
        from civicnest.venues.models import Room
        from civicnest.venues.selectors import room_open_seconds, weekday_counts

        booked = grouped_parts(code, period, [BOOKED_HOURS], length)[BOOKED_HOURS.key]
        days = weekday_counts(period.start, period.end)
        open_seconds: dict[str, int] = {}
        rooms = Room.objects.filter(is_active=True).filter(subtree_q([code], "region"))
        for room in rooms.only("region_id", "opens_at", "closes_at", "open_weekdays"):
            key = room.region_id[:length]
            open_seconds[key] = open_seconds.get(key, 0) + room_open_seconds(room, days)
        # Regions with bookings but no active room (a room deactivated later) still add their hours
        # to the region above, as the live figure does.
        return {
            key: (booked.get(key, (Decimal(0), Decimal(0)))[0], Decimal(open_seconds.get(key, 0)))
            for key in booked.keys() | open_seconds.keys()
        }

    def from_parts(self, num: Decimal, den: Decimal) -> Number:
        if not den:
            return Decimal(0)
        return (num * 100 / den).quantize(Decimal("0.1"))

    def value(self, code: str, period: Period) -> Number:
        found = self.grouped_parts(code, period, len(code)).get(code)
        return self.from_parts(*found) if found else Decimal(0)

    def by_child(self, code: str, period: Period) -> dict[str, Number]:
        length = child_code_length(code)
        if length is None:
            return {}
        return {
            key: self.from_parts(*found)
            for key, found in self.grouped_parts(code, period, length).items()
        }


AnyMetric = Any  # Metric, CoverageMetric, OccupancyMetric, ComplianceMetric: value() and by_child()


@dataclass(frozen=True)
class Breakdown:
    """A distribution for a chart: rows counted by one choice field."""

    key: str
    section: str
    label: str | Promise
    model: str
    where: Callable[[Period], Q]
    field_name: str
    choices: Callable[[], Iterable[tuple[str, Any]]]
    region_field: str = "region"

    def counts(self, code: str, period: Period) -> list[tuple[str, int]]:
        qs = (
            apps.get_model(self.model)
            .objects.filter(self.where(period))
            .filter(subtree_q([code], self.region_field))
        )
        found = dict(qs.values_list(self.field_name).annotate(n=Count("pk")).order_by())
        return self.labelled(found)

    def labelled(self, found: dict[Any, int]) -> list[tuple[str, int]]:
        return [(str(label), found.get(value, 0)) for value, label in self.choices()]

    def grouped_counts(self, code: str, period: Period, length: int) -> dict[str, dict[str, int]]:
        """{region code cut to `length`: {field value: rows}}; every distribution is a state at the
        period's end, so the roll-up keeps it per month."""
        rows = (
            apps.get_model(self.model)
            .objects.filter(self.where(period))
            .filter(subtree_q([code], self.region_field))
            .annotate(cut=Substr(self.region_field, 1, length))
            .values_list("cut", self.field_name)
            .annotate(n=Count("pk"))
            .order_by()
        )
        out: dict[str, dict[str, int]] = {}
        for cut, value, n in rows:
            out.setdefault(cut, {})[str(value)] = n
        return out


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


def _day_range(period: Period) -> tuple[datetime.date, datetime.date]:
    return period.start, period.end


def _aware(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = period.bounds()
    return start, end - datetime.timedelta(microseconds=1)


def _orgs(period: Period) -> Q:
    return Q(registered_on__lte=period.end) & ~Q(status="deregistered")


def _new_orgs(period: Period) -> Q:
    return Q(registered_on__range=_day_range(period))


def _teams(period: Period) -> Q:
    return Q(status="filed", filed_on__lte=period.end)


def _new_teams(period: Period) -> Q:
    return Q(status="filed", filed_on__range=_day_range(period))


def _centers(period: Period) -> Q:
    return Q(status="active") & (Q(opening_date__isnull=True) | Q(opening_date__lte=period.end))


def _applications(period: Period) -> Q:
    return Q(created_at__range=_aware(period))


def _incubating(period: Period) -> Q:
    return Q(status__in=["incubating", "extended"])


def _graduated(period: Period) -> Q:
    return Q(graduated_on__range=_day_range(period))


def _served_on(period: Period) -> Q:
    return Q(served_on__range=_day_range(period))


def _created(period: Period) -> Q:
    return Q(created_at__range=_aware(period))


def _matches_made(period: Period) -> Q:
    return _created(period) & ~Q(status__in=["suggested", "declined"])


def _delivered(period: Period) -> Q:
    return Q(delivered_on__range=_day_range(period))


def _rated(period: Period) -> Q:
    return _delivered(period) & Q(rating__isnull=False)


def _attended(period: Period) -> Q:
    return Q(checked_in_at__isnull=False, session__starts_at__range=_aware(period))


def _volunteer_hours(period: Period) -> Q:
    return Q(status="verified", served_on__range=_day_range(period))


def _bookings(period: Period) -> Q:
    start, end = period.bounds()
    return Q(status="confirmed", start__gte=start, start__lt=end)


def _duration_sum(q: Q) -> Aggregate:
    return Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField()), filter=q)


BOOKED_HOURS = Metric(
    "venue_hours",
    "venues",
    _("场地预约时长"),
    _("小时"),
    "venues.Booking",
    _bookings,
    _duration_sum,
    decimals=1,
    duration=True,
)


def _choices(module: str, name: str) -> Callable[[], Iterable[tuple[str, Any]]]:
    def choices() -> Iterable[tuple[str, Any]]:
        import importlib

        return getattr(importlib.import_module(module), name).choices

    return choices


ORG, TEAM = "registry.SocialOrganization", "registry.ActivityTeam"
APP, MATCH, ENROLMENT = "incubation.Application", "matching.Match", "training.Enrolment"

register_section("registry", _("社会组织"))
register_section("network", _("服务网络"))
register_section("incubation", _("孵化培育"))
register_section("matching", _("供需对接"))
register_section("training", _("培训与志愿服务"))
register_section("venues", _("场地使用"))

M = Metric  # the definitions below read as a table

register(
    M("org_total", "registry", _("登记社会组织"), _("家"), ORG, _orgs, count(), stock=True),
    M("org_new", "registry", _("新登记社会组织"), _("家"), ORG, _new_orgs, count()),
    M("team_total", "registry", _("备案群众活动团队"), _("支"), TEAM, _teams, count(), stock=True),
    M("team_new", "registry", _("新备案团队"), _("支"), TEAM, _new_teams, count()),
    M(
        "center_total",
        "network",
        _("运营中的中心"),
        _("个"),
        "network.Center",
        _centers,
        count(),
        stock=True,
    ),
    CoverageMetric("coverage_district", "network", _("区县中心覆盖率"), RegionLevel.DISTRICT),
    CoverageMetric("coverage_street", "network", _("街道中心覆盖率"), RegionLevel.STREET),
    CoverageMetric("coverage_community", "network", _("社区中心覆盖率"), RegionLevel.COMMUNITY),
    M("inc_applications", "incubation", _("孵化申请"), _("个"), APP, _applications, count()),
    M(
        "inc_incubating",
        "incubation",
        _("在孵组织（当前）"),
        _("家"),
        APP,
        _incubating,
        count(),
        current=True,
    ),
    M("inc_graduated", "incubation", _("出壳"), _("家"), APP, _graduated, count()),
    M(
        "inc_service_hours",
        "incubation",
        _("孵化服务时长"),
        _("小时"),
        "incubation.ServiceRecord",
        _served_on,
        total("hours"),
        decimals=1,
    ),
    M("need_submitted", "matching", _("提交的需求"), _("条"), "matching.Need", _created, count()),
    M("match_made", "matching", _("达成对接"), _("次"), MATCH, _matches_made, count()),
    M("match_delivered", "matching", _("完成服务"), _("次"), MATCH, _delivered, count()),
    M(
        "match_rating",
        "matching",
        _("服务平均评价"),
        _("分"),
        MATCH,
        _rated,
        mean("rating"),
        decimals=1,
        mean_of="rating",
    ),
    M(
        "training_hours",
        "training",
        _("培训学时"),
        _("人·学时"),
        ENROLMENT,
        _attended,
        total("session__hours"),
        decimals=1,
    ),
    M("trainees", "training", _("培训签到人次"), _("人次"), ENROLMENT, _attended, count()),
    M(
        "volunteer_hours",
        "training",
        _("志愿服务时长（已核验）"),
        _("小时"),
        "training.ServiceHour",
        _volunteer_hours,
        total("hours"),
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
        ORG,
        _orgs,
        "org_type",
        _org_choices("OrgType"),
    ),
    Breakdown(
        "org_by_category",
        "registry",
        _("按服务领域"),
        ORG,
        _orgs,
        "category",
        _org_choices("Category"),
    ),
    Breakdown(
        "org_by_stage", "registry", _("按发展阶段"), ORG, _orgs, "stage", _org_choices("Stage")
    ),
    Breakdown(
        "org_by_grade", "registry", _("按评估等级"), ORG, _orgs, "grade", _org_choices("Grade")
    ),
)


# -- venture philanthropy: the money chain, budget → subscribed → contracted → disbursed ------------


def _programs(period: Period) -> Q:
    return Q(call_opens__range=_day_range(period))


def _subscriptions(period: Period) -> Q:
    return Q(inflow__posted_at__range=_aware(period))


def _contracts(period: Period) -> Q:
    return Q(starts_on__range=_day_range(period))


def _disbursed(period: Period) -> Q:
    return Q(status="paid", entry__posted_at__range=_aware(period))


register_section("philanthropy", _("公益创投与购买服务"))
register(
    M(
        "phil_budget",
        "philanthropy",
        _("新开项目预算"),
        _("元"),
        "philanthropy.FundingProgram",
        _programs,
        total("budget"),
        decimals=2,
    ),
    M(
        "phil_subscribed",
        "philanthropy",
        _("认购金额"),
        _("元"),
        "philanthropy.Subscription",
        _subscriptions,
        total("amount"),
        decimals=2,
    ),
    M(
        "phil_contracted",
        "philanthropy",
        _("签约金额"),
        _("元"),
        "philanthropy.Contract",
        _contracts,
        total("amount"),
        decimals=2,
    ),
    M(
        "phil_disbursed",
        "philanthropy",
        _("拨付金额"),
        _("元"),
        "philanthropy.Tranche",
        _disbursed,
        total("amount"),
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
    rollup: str = Rollup.CURRENT

    def _per_center(self, code: str) -> list[tuple[str, bool]]:
        """(center region, meets every rule) per active center; computed once for all four uses
        (two figures, each with its value and its per-child breakdown) within the cache period."""
        from django.core.cache import cache

        def compute() -> list[tuple[str, bool]]:
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

        rows = cache.get_or_set(f"stats:v1:compliance:{code}", compute, 300)
        return rows if rows is not None else compute()

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

    def grouped_parts(self, code: str, period: Period, length: int) -> dict[str, Parts]:
        """(centers meeting every rule, active centers) per region code cut to `length`."""
        out: dict[str, list[int]] = {}
        for region, ok in self._per_center(code):
            bucket = out.setdefault(region[:length], [0, 0])
            bucket[0] += 1 if ok else 0
            bucket[1] += 1
        return {k: (Decimal(ok), Decimal(n)) for k, (ok, n) in out.items()}

    def from_parts(self, num: Decimal, den: Decimal) -> Number:
        return self._summarise([True] * int(num) + [False] * int(den - num))


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
