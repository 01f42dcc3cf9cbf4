"""Reads for dashboards, the stats API and the reports: figures of one jurisdiction and period."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from civicnest.core.periods import Period
from civicnest.evaluation.models import NetworkTarget
from civicnest.regions import figures as metrics
from civicnest.regions.codes import child_code_length
from civicnest.regions.figures import BREAKDOWNS, METRICS, SECTIONS, Number
from civicnest.regions.models import Region, RegionLevel
from civicnest.regions.scoping import Scope
from civicnest.stats import rollup
from civicnest.stats.models import StatReport

CACHE_SECONDS = 300
# Columns of the drill-down table (the map can colour by any figure).
HEADLINE = (
    "org_total",
    "center_total",
    "need_submitted",
    "match_delivered",
    "training_hours",
    "venue_occupancy",
)


def jurisdiction_for(user: Any, code: str | None) -> Region:
    """The region whose figures the user asked for: inside their scope (404 otherwise), staff only."""
    scope = Scope.for_user(user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("统计看板仅向管理部门和中心工作人员开放。"))
    if not code:
        code = scope.home_region_code
        if code is None:  # a superuser: the first city loaded
            city = Region.objects.filter(level=RegionLevel.CITY).order_by("code").first()
            code = city.code if city else ""
    region = Region.objects.filter(code=code).first()
    if region is None or not scope.covers(region.code):
        raise Http404(_("该区划不存在或不在您的管辖范围内。"))
    return region


def _cached(key: str, compute: Any) -> Any:
    return cache.get_or_set(f"stats:v1:{key}", compute, CACHE_SECONDS)


def figure_values(
    code: str, period: Period
) -> tuple[dict[str, Number], dict[str, Number], datetime.datetime | None]:
    """Every figure's value in the period and in the previous one (which skips present-state figures:
    they have no history to compare with), and when the monthly roll-up they were read from was
    computed (None: computed live from the source tables)."""

    def compute() -> tuple[dict[str, Number], dict[str, Number], datetime.datetime | None]:
        periods = [period, period.previous()]
        rolled = rollup.values(code, periods, METRICS.values())
        if rolled is not None:
            (current, previous), as_of = rolled
            return current, previous, as_of
        current, previous = metrics.values(code, periods, METRICS.values())
        return current, previous, None

    return _cached(f"values:{code}:{period.key}", compute)


def breakdown_counts(code: str, period: Period) -> dict[str, list[tuple[str, int]]]:
    def compute() -> dict[str, list[tuple[str, int]]]:
        rolled = rollup.breakdowns(code, period)
        if rolled is not None:
            return rolled
        return {key: b.counts(code, period) for key, b in BREAKDOWNS.items()}

    return _cached(f"breakdowns:{code}:{period.key}:{_lang()}", compute)


def child_values(
    code: str, period: Period, keys: tuple[str, ...], child_codes: list[str]
) -> dict[str, dict[str, Number]]:
    """{metric key: {child code: value}} for the given figures."""

    def compute() -> dict[str, dict[str, Number]]:
        chosen = [METRICS[key] for key in keys if key in METRICS]
        rolled = rollup.children(code, period, chosen, child_codes)
        return rolled if rolled is not None else metrics.children(code, period, chosen)

    return _cached(f"children:{code}:{period.key}:{','.join(keys)}", compute)


def _lang() -> str:

    return translation.get_language() or ""


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    value: Number
    previous: Number | None
    current_only: bool
    target: Decimal | None = None
    money: bool = False

    @property
    def change(self) -> Decimal | None:
        """Period-over-period change in percent; None when there is nothing to compare with."""
        if self.current_only or self.previous is None or not self.previous:
            return None
        return (
            (Decimal(self.value) - Decimal(self.previous)) * 100 / Decimal(self.previous)
        ).quantize(Decimal("0.1"))


@dataclass
class Section:
    key: str
    label: str
    figures: list[Figure]
    breakdowns: list[tuple[str, str, list[tuple[str, int]]]]


@dataclass
class ChildRow:
    region: Region
    values: dict[str, Number]

    def cells(self, keys: tuple[str, ...]) -> list[Number]:
        return [self.values.get(key, 0) for key in keys]


@dataclass
class Dashboard:
    region: Region
    period: Period
    sections: list[Section]
    children: list[ChildRow]
    headline: tuple[str, ...]
    ancestors: list[Region]
    as_of: datetime.datetime | None = None  # when the roll-up read was computed; None: live

    def figure(self, key: str) -> Figure:
        return next(f for s in self.sections for f in s.figures if f.key == key)


def sections_for(region: Region, period: Period) -> list[Section]:
    """The figures (with the previous period and any target) and the charts of one jurisdiction."""
    values, previous, _as_of = figure_values(region.code, period)
    counts = breakdown_counts(region.code, period)
    targets = _targets(region.code, period.start.year)
    sections = []
    for section_key, label in SECTIONS.items():
        figures = [
            Figure(
                key,
                str(metric.label),
                str(metric.unit),
                values[key],
                previous.get(key),
                metric.current,
                target=targets.get(key),
                money=metric.decimals == 2,
            )
            for key, metric in METRICS.items()
            if metric.section == section_key
        ]
        charts = [
            (key, str(b.label), counts[key])
            for key, b in BREAKDOWNS.items()
            if b.section == section_key
        ]
        if figures or charts:
            sections.append(Section(section_key, str(label), figures, charts))
    return sections


def dashboard(*, user: Any, code: str | None, period: Period, map_metric: str = "") -> Dashboard:
    region = jurisdiction_for(user, code)
    sections = sections_for(region, period)
    keys = HEADLINE + (
        (map_metric,) if map_metric in METRICS and map_metric not in HEADLINE else ()
    )
    return Dashboard(
        region=region,
        period=period,
        sections=sections,
        children=_children(region, period, keys),
        headline=HEADLINE,
        ancestors=_ancestors_in_scope(user, region),
        as_of=figure_values(region.code, period)[2],
    )


# Network targets (evaluation app) by the dashboard figure they are measured with.
TARGET_FIGURES = {
    "districts": "coverage_district",
    "streets": "coverage_street",
    "communities": "coverage_community",
    "compliant": "centers_compliant_share",
}


def _targets(code: str, year: int) -> dict[str, Decimal]:
    """The year's targets set for the region or the nearest region above it."""

    codes = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    found: dict[str, tuple[int, Decimal]] = {}
    for region_id, metric, percent in NetworkTarget.objects.filter(
        region_id__in=codes, year=year
    ).values_list("region_id", "metric", "target_percent"):
        key = TARGET_FIGURES.get(metric)
        if key and (key not in found or len(region_id) > found[key][0]):
            found[key] = (len(region_id), percent)
    return {key: percent for key, (_length, percent) in found.items()}


def _children(region: Region, period: Period, keys: tuple[str, ...]) -> list[ChildRow]:
    length = child_code_length(region.code)
    if length is None:
        return []
    regions = list(Region.objects.filter(parent=region).order_by("code"))
    per_metric = child_values(region.code, period, keys, [r.code for r in regions])
    return [
        ChildRow(child, {key: per_metric.get(key, {}).get(child.code, 0) for key in keys})
        for child in regions
    ]


def _ancestors_in_scope(user: Any, region: Region) -> list[Region]:
    """The breadcrumb: ancestors the user may open, from the top of their scope down."""
    scope = Scope.for_user(user)
    codes = [region.code[:n] for n in (2, 4, 6, 9) if n < len(region.code)]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found and scope.covers(c)]


def figures_for_api(*, user: Any, code: str | None, period: Period) -> dict[str, Any]:
    """The dashboard's figures and charts, without the drill-down table the API does not return."""
    region = jurisdiction_for(user, code)
    sections = sections_for(region, period)
    return {
        "region": region.code,
        "region_name": region.name,
        "period": period.key,
        "period_label": period.label,
        "as_of": figure_values(region.code, period)[2],
        "figures": [
            {
                "key": f.key,
                "section": s.key,
                "label": f.label,
                "unit": f.unit,
                "value": f.value,
                "previous": None if f.current_only else f.previous,
                "change_percent": f.change,
                "target": f.target,
            }
            for s in sections
            for f in s.figures
        ],
        "breakdowns": [
            {"key": key, "label": label, "counts": [{"label": a, "count": n} for a, n in counts]}
            for s in sections
            for key, label, counts in s.breakdowns
        ],
    }


def children_for_api(*, user: Any, code: str | None, period: Period, metric: str) -> dict[str, Any]:
    if metric not in METRICS:
        raise ValueError(metric)
    region = jurisdiction_for(user, code)
    rows = _children(region, period, (metric,))
    return {
        "region": region.code,
        "period": period.key,
        "metric": metric,
        "children": [
            {"region": r.region.code, "name": r.region.name, "value": r.values[metric]}
            for r in rows
        ],
    }


def reports_visible_to(user: Any) -> Any:

    scope = Scope.for_user(user)
    if not scope.is_staff_member:
        return StatReport.objects.none()
    return scope.filter(StatReport.objects.select_related("region", "requested_by"), "region")


def access_report_by_id(user: Any, pk: int) -> Any:
    report = reports_visible_to(user).filter(pk=pk).first()
    if report is None:
        raise Http404(_("专报不存在或不在您的管辖范围内。"))
    return report
