"""Evaluation's dashboard figures: centers in breach of a compliance rule, and the share meeting all."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.evaluation import compliance
from civicnest.evaluation.selectors import center_facts, parameters_for
from civicnest.network.models import Center, CenterStatus
from civicnest.regions.codes import child_code_length, cut, subtree_q
from civicnest.regions.figures import Number, Parts, Rollup, register, register_section


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
    models: tuple[str, ...] = (
        "network.Center",
        "network.CenterStaff",
    )  # what the figure reads (stats.rollup refreshes on write)
    rollup: str = Rollup.CURRENT

    def _per_center(self, code: str) -> list[tuple[str, bool]]:
        """(center region, meets every rule) per active center; computed once for all four uses
        (two figures, each with its value and its per-child breakdown) within the cache period."""

        def compute() -> list[tuple[str, bool]]:
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
                grouped.setdefault(cut(region, length), []).append(ok)
        return {child: self._summarise(rows) for child, rows in grouped.items()}

    def grouped_parts(self, code: str, period: Period, length: int) -> dict[str, Parts]:
        """(centers meeting every rule, active centers) per region code cut to `length`."""
        out: dict[str, list[int]] = {}
        for region, ok in self._per_center(code):
            bucket = out.setdefault(cut(region, length), [0, 0])
            bucket[0] += 1 if ok else 0
            bucket[1] += 1
        return {k: (Decimal(ok), Decimal(n)) for k, (ok, n) in out.items()}

    def from_parts(self, num: Decimal, den: Decimal) -> Number:
        return self._summarise([True] * int(num) + [False] * int(den - num))


def register_figures() -> None:
    register_section("compliance", _("合规与达标"), order=80)
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
