"""The network's dashboard figures: operating centers and the share of regions with a center."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.network.models import Center, CenterStatus
from civicnest.regions.codes import child_code_length, cut, subtree_q
from civicnest.regions.figures import (
    Metric,
    Number,
    Parts,
    Rollup,
    count,
    register,
    register_section,
)
from civicnest.regions.models import Region, RegionLevel


def _centers(period: Period) -> Q:
    return Q(status=CenterStatus.ACTIVE) & (
        Q(opening_date__isnull=True) | Q(opening_date__lte=period.end)
    )


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
    models: tuple[str, ...] = (
        "network.Center",
    )  # what the figure reads (stats.rollup refreshes on write)
    rollup: str = Rollup.STOCK

    def _regions(self, code: str, period: Period) -> list[tuple[str, bool]]:
        """(region code, has an active center) for every region of the level in the subtree."""
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
            bucket = out.setdefault(cut(region_code, length), [0, 0])
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
            bucket = totals.setdefault(cut(region_code, length), [0, 0])
            bucket[0] += 1
            bucket[1] += 1 if covered else 0
        return {child: self._percent(t, c) for child, (t, c) in totals.items()}


def register_figures() -> None:
    register_section("network", _("服务网络"), order=20)
    register(
        Metric(
            "center_total",
            "network",
            _("运营中的中心"),
            _("个"),
            Center._meta.label,
            _centers,
            count(),
            stock=True,
        ),
        CoverageMetric("coverage_district", "network", _("区县中心覆盖率"), RegionLevel.DISTRICT),
        CoverageMetric("coverage_street", "network", _("街道中心覆盖率"), RegionLevel.STREET),
        CoverageMetric("coverage_community", "network", _("社区中心覆盖率"), RegionLevel.COMMUNITY),
    )
