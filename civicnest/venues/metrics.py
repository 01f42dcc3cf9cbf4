"""The venues' dashboard figures: confirmed booked hours and room occupancy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Aggregate, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicnest.core.periods import Period
from civicnest.regions.codes import child_code_length, cut, subtree_q
from civicnest.regions.figures import (
    Metric,
    Number,
    Parts,
    Rollup,
    grouped_parts,
    register,
    register_section,
)
from civicnest.venues.models import Booking, BookingStatus, Room
from civicnest.venues.selectors import room_open_seconds, weekday_counts


def _bookings(period: Period) -> Q:
    start, end = period.bounds()
    return Q(status=BookingStatus.CONFIRMED, start__gte=start, start__lt=end)


def _duration_sum(q: Q) -> Aggregate:
    return Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField()), filter=q)


BOOKED_HOURS = Metric(
    "venue_hours",
    "venues",
    _("场地预约时长"),
    _("小时"),
    Booking._meta.label,
    _bookings,
    _duration_sum,
    decimals=1,
    duration=True,
)


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

    models: tuple[str, ...] = (
        "venues.Room",
        "venues.Booking",
    )  # what the figure reads (stats.rollup refreshes on write)
    rollup: str = Rollup.FLOW

    def grouped_parts(self, code: str, period: Period, length: int) -> dict[str, Parts]:
        """(confirmed booked seconds, rooms' opening seconds) per region code cut to `length`."""
        booked = grouped_parts(code, period, [BOOKED_HOURS], length)[BOOKED_HOURS.key]
        days = weekday_counts(period.start, period.end)
        open_seconds: dict[str, int] = {}
        rooms = Room.objects.filter(is_active=True).filter(subtree_q([code], "region"))
        for room in rooms.only("region_id", "opens_at", "closes_at", "open_weekdays"):
            key = cut(room.region_id, length)
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


def register_figures() -> None:
    register_section("venues", _("场地使用"), order=60)
    register(BOOKED_HOURS, OccupancyMetric("venue_occupancy", "venues", _("场地使用率")))
