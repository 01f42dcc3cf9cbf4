"""Matching's dashboard figures: needs submitted, matches made and delivered, ratings."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.matching.models import Match, MatchStatus, Need
from civicnest.regions.figures import (
    Metric,
    aware_range,
    count,
    day_range,
    mean,
    register,
    register_section,
)

MATCH = Match._meta.label


def _created(period: Period) -> Q:
    return Q(created_at__range=aware_range(period))


def _matches_made(period: Period) -> Q:
    return _created(period) & ~Q(status__in=[MatchStatus.SUGGESTED, MatchStatus.DECLINED])


def _delivered(period: Period) -> Q:
    return Q(delivered_on__range=day_range(period))


def _rated(period: Period) -> Q:
    return _delivered(period) & Q(rating__isnull=False)


def register_figures() -> None:
    register_section("matching", _("供需对接"), order=40)
    M = Metric
    register(
        M(
            "need_submitted",
            "matching",
            _("提交的需求"),
            _("条"),
            Need._meta.label,
            _created,
            count(),
        ),
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
    )
