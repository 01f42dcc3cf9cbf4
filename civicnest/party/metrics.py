"""党建's dashboard figures (they appear in the dashboards and the 情况专报 through the figure registry):
active party organizations, joint branches, guides on duty, activities held, the share of organizations
with ≥ 3 party members that have a party organization, and those past the W 四(二) deadline."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.party import selectors
from civicnest.party.models import PartyActivity, PartyGuide, PartyOrganization, PartyOrgKind
from civicnest.regions.codes import child_code_length, cut, subtree_q
from civicnest.regions.figures import (
    Metric,
    Number,
    Parts,
    Rollup,
    count,
    day_range,
    register,
    register_section,
)
from civicnest.registry.models import SocialOrganization

PARTY_ORG, GUIDE, ACTIVITY = (
    PartyOrganization._meta.label,
    PartyGuide._meta.label,
    PartyActivity._meta.label,
)


def _active_orgs(period: Period) -> Q:
    return Q(founded_on__lte=period.end) & (
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=period.end)
    )


def _joint(period: Period) -> Q:
    return _active_orgs(period) & Q(kind=PartyOrgKind.JOINT)


def _guides(period: Period) -> Q:
    return Q(starts_on__lte=period.end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=period.end))


def _activities(period: Period) -> Q:
    return Q(held_on__range=day_range(period))


@dataclass(frozen=True)
class PartyRuleMetric:
    """Of the organizations the rule applies to (≥ 3 party members): the share covered by a party
    organization, or the number past the deadline without one. Present state: member counts keep no
    history."""

    key: str
    section: str
    label: str | Promise
    unit: str | Promise
    share: bool = False
    decimals: int = 0
    current: bool = True
    region_field: str = "region"
    models: tuple[str, ...] = (SocialOrganization._meta.label, PARTY_ORG)
    rollup: str = Rollup.CURRENT

    def _rows(self, code: str) -> list[tuple[str, bool]]:
        """(region, counted) per organization the rule applies to: counted = covered (share) or
        overdue (count)."""
        today = timezone.localdate()
        flag = selectors.org_has_party_org_q() if self.share else selectors.org_overdue_q(today)
        qs = SocialOrganization.objects.filter(subtree_q([code], "region")).filter(
            selectors.org_requires_party_org_q()
        )
        counted = set(qs.filter(flag).values_list("pk", flat=True))
        return [(region, pk in counted) for pk, region in qs.values_list("pk", "region_id")]

    def _percent(self, counted: int, total: int) -> Decimal:
        if not total:
            return Decimal(0)
        return (Decimal(counted * 100) / total).quantize(Decimal("0.1"))

    def _summarise(self, flags: list[bool]) -> Number:
        if self.share:
            return self._percent(sum(flags), len(flags))
        return sum(flags)

    def value(self, code: str, period: Period) -> Number:
        return self._summarise([flag for _r, flag in self._rows(code)])

    def by_child(self, code: str, period: Period) -> dict[str, Number]:
        length = child_code_length(code)
        if length is None:
            return {}
        grouped: dict[str, list[bool]] = {}
        for region, flag in self._rows(code):
            if len(region) >= length:
                grouped.setdefault(cut(region, length), []).append(flag)
        return {child: self._summarise(flags) for child, flags in grouped.items()}

    def grouped_parts(self, code: str, period: Period, length: int) -> dict[str, Parts]:
        out: dict[str, list[int]] = {}
        for region, flag in self._rows(code):
            bucket = out.setdefault(cut(region, length), [0, 0])
            bucket[0] += 1 if flag else 0
            bucket[1] += 1
        if not self.share:  # a count: no denominator
            return {k: (Decimal(n), Decimal(0)) for k, (n, _t) in out.items()}
        return {k: (Decimal(n), Decimal(t)) for k, (n, t) in out.items()}

    def from_parts(self, num: Decimal, den: Decimal) -> Number:
        if self.share:
            return self._percent(int(num), int(den))
        return int(num)


def register_figures() -> None:
    register_section("party", _("党建工作"), order=15)
    M = Metric
    register(
        PartyRuleMetric(
            "party_coverage",
            "party",
            _("党组织覆盖率（党员3人以上的组织）"),
            "%",
            share=True,
            decimals=1,
        ),
        PartyRuleMetric("party_overdue", "party", _("逾期未建党组织"), _("家")),
        M(
            "party_org_total",
            "party",
            _("党组织"),
            _("个"),
            PARTY_ORG,
            _active_orgs,
            count(),
            stock=True,
        ),
        M(
            "party_joint_total",
            "party",
            _("联合党支部"),
            _("个"),
            PARTY_ORG,
            _joint,
            count(),
            stock=True,
        ),
        M(
            "party_guides",
            "party",
            _("在岗党建指导员"),
            _("名"),
            GUIDE,
            _guides,
            count(),
            stock=True,
        ),
        M("party_activities", "party", _("党组织活动"), _("次"), ACTIVITY, _activities, count()),
    )
