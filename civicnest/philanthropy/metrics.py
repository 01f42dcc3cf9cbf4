"""Venture philanthropy's dashboard figures: the money chain, budget → subscribed → contracted → disbursed."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.philanthropy.models import (
    Contract,
    FundingProgram,
    Subscription,
    Tranche,
    TrancheStatus,
)
from civicnest.regions.figures import (
    Metric,
    aware_range,
    day_range,
    register,
    register_section,
    total,
)


def _programs(period: Period) -> Q:
    return Q(call_opens__range=day_range(period))


def _subscriptions(period: Period) -> Q:
    return Q(inflow__posted_at__range=aware_range(period))


def _contracts(period: Period) -> Q:
    return Q(starts_on__range=day_range(period))


def _disbursed(period: Period) -> Q:
    return Q(status=TrancheStatus.PAID, entry__posted_at__range=aware_range(period))


def register_figures() -> None:
    register_section("philanthropy", _("公益创投与购买服务"), order=70)
    M = Metric
    register(
        M(
            "phil_budget",
            "philanthropy",
            _("新开项目预算"),
            _("元"),
            FundingProgram._meta.label,
            _programs,
            total("budget"),
            decimals=2,
        ),
        M(
            "phil_subscribed",
            "philanthropy",
            _("认购金额"),
            _("元"),
            Subscription._meta.label,
            _subscriptions,
            total("amount"),
            decimals=2,
        ),
        M(
            "phil_contracted",
            "philanthropy",
            _("签约金额"),
            _("元"),
            Contract._meta.label,
            _contracts,
            total("amount"),
            decimals=2,
        ),
        M(
            "phil_disbursed",
            "philanthropy",
            _("拨付金额"),
            _("元"),
            Tranche._meta.label,
            _disbursed,
            total("amount"),
            decimals=2,
        ),
    )
