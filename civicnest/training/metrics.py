"""Training's dashboard figures: training hours, trainees, verified volunteer hours."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.regions.figures import (
    Metric,
    aware_range,
    count,
    day_range,
    register,
    register_section,
    total,
)
from civicnest.training.models import Enrolment, HourStatus, ServiceHour

ENROLMENT = Enrolment._meta.label


def _attended(period: Period) -> Q:
    return Q(checked_in_at__isnull=False, session__starts_at__range=aware_range(period))


def _volunteer_hours(period: Period) -> Q:
    return Q(status=HourStatus.VERIFIED, served_on__range=day_range(period))


def register_figures() -> None:
    register_section("training", _("培训与志愿服务"), order=50)
    M = Metric
    register(
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
            ServiceHour._meta.label,
            _volunteer_hours,
            total("hours"),
            decimals=1,
        ),
    )
