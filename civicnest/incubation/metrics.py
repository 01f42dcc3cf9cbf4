"""Incubation's dashboard figures: applications, organizations in incubation, graduations, service hours."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.incubation.models import Application, ApplicationStatus, ServiceRecord
from civicnest.regions.figures import (
    Metric,
    aware_range,
    count,
    day_range,
    register,
    register_section,
    total,
)

APP = Application._meta.label


def _applications(period: Period) -> Q:
    return Q(created_at__range=aware_range(period))


def _incubating(period: Period) -> Q:
    return Q(status__in=[ApplicationStatus.INCUBATING, ApplicationStatus.EXTENDED])


def _graduated(period: Period) -> Q:
    return Q(graduated_on__range=day_range(period))


def _served_on(period: Period) -> Q:
    return Q(served_on__range=day_range(period))


def register_figures() -> None:
    register_section("incubation", _("孵化培育"), order=30)
    M = Metric
    register(
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
            ServiceRecord._meta.label,
            _served_on,
            total("hours"),
            decimals=1,
        ),
    )
