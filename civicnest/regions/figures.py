"""Statistics figures of a region subtree: how a figure is defined, registered and computed.

A figure is computed for one jurisdiction (a region code and its subtree) and one period, and the same
definition gives the per-child breakdown used by the drill-down table, the map and the reports, with
one grouped query (`Substr(region, 1, child length)`). Each app defines its own figures in
`<app>/metrics.py` and registers them from its `AppConfig.ready()`; the dashboard, the stats API, the
monthly roll-up and the reports (the `stats` app) pick them up without naming any app's models.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any

from django.apps import apps
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    Q,
    Sum,
)
from django.db.models.functions import Substr
from django.utils.functional import Promise

from civicnest.core.periods import Period
from civicnest.regions.codes import child_code_length, subtree_q

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


_SECTION_ORDER: dict[str, int] = {}


def _in_section_order(registry: dict[str, Any], section: Callable[[str, Any], str]) -> None:
    """Re-order a registry by section (stable: figures keep their order inside a section), so the
    dashboard and the reports list sections in the same order whichever app registered first."""
    ordered = sorted(registry.items(), key=lambda kv: _SECTION_ORDER.get(section(*kv), 10**6))
    registry.clear()
    registry.update(ordered)


def register_section(key: str, label: str | Promise, order: int) -> None:
    """A section of the dashboard; `order` places it among the other apps' sections."""
    SECTIONS[key] = label
    _SECTION_ORDER[key] = order
    _in_section_order(SECTIONS, lambda k, _label: k)


def register(*items: AnyMetric | Breakdown) -> None:
    for item in items:
        target: dict[str, Any] = BREAKDOWNS if isinstance(item, Breakdown) else METRICS
        target[item.key] = item
    _in_section_order(METRICS, lambda _k, m: m.section)
    _in_section_order(BREAKDOWNS, lambda _k, b: b.section)


def day_range(period: Period) -> tuple[datetime.date, datetime.date]:
    """The period's first and last day, for `__range` on a date field."""
    return period.start, period.end


def aware_range(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """The period's first and last instant, for `__range` on a datetime field."""
    start, end = period.bounds()
    return start, end - datetime.timedelta(microseconds=1)


def choices_of(choices_class: Any) -> Callable[[], Iterable[tuple[str, Any]]]:
    """A Breakdown's labels, read when the chart is drawn (so they follow the active language)."""
    return lambda: choices_class.choices
