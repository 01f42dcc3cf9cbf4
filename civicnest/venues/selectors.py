"""Reads of rooms and bookings. Rooms that are open for booking are visible to every signed-in user
(like a public venue list); bookings' details are visible to the booker and to staff of the region."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from civicnest.network.models import Center
from civicnest.network.selectors import centers_visible_to
from civicnest.regions.codes import subtree_q
from civicnest.regions.scoping import Scope
from civicnest.venues.models import Booking, BookingStatus, OpenTo, Room, RoomPhoto


def bookable_rooms() -> QuerySet[Room]:
    return Room.objects.filter(is_active=True).exclude(open_to=OpenTo.STAFF)


def rooms_visible_to(user: Any) -> QuerySet[Room]:
    return (Scope.for_user(user).filter(Room.objects.all(), "region") | bookable_rooms()).distinct()


def access_room_by_id(user: Any, pk: int) -> Room:
    return get_object_or_404(rooms_visible_to(user).select_related("center__region"), pk=pk)


def room_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Room]:
    filters = filters or {}
    qs = rooms_visible_to(user).select_related("center", "region")
    if filters.get("region"):
        qs = qs.filter(subtree_q([filters["region"]], "region"))
    if filters.get("center"):
        qs = qs.filter(center_id=filters["center"])
    if filters.get("min_capacity"):
        qs = qs.filter(capacity__gte=filters["min_capacity"])
    return qs.order_by("region_id", "center_id", "name")


def bookings_visible_to(user: Any) -> QuerySet[Booking]:
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Booking.objects.all()
    return Booking.objects.filter(scope.q("region") | Q(booked_by_id=scope.user_id))


def access_booking_by_id(user: Any, pk: int) -> Booking:
    return get_object_or_404(
        bookings_visible_to(user).select_related("room__center", "booked_by"), pk=pk
    )


def busy_slots(
    *, room: Room, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[Booking]:
    """Every pending or confirmed booking of the room in the window (the calendar shows all as taken)."""
    return (
        Booking.objects.filter(
            room=room,
            start__lt=end,
            end__gt=start,
            status__in=[BookingStatus.CONFIRMED, BookingStatus.PENDING],
        )
        .select_related("booked_by", "organization")
        .order_by("start")
    )


def free_rooms(
    *,
    region: str,
    start: datetime.datetime,
    end: datetime.datetime,
    min_capacity: int = 1,
    limit: int = 50,
) -> list[Room]:
    """Rooms in the region with room for `min_capacity`, open for the whole window and not booked in it."""
    taken = Booking.objects.filter(
        room=OuterRef("pk"), status=BookingStatus.CONFIRMED, start__lt=end, end__gt=start
    )
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    candidates = (
        bookable_rooms()
        .filter(subtree_q([region], "region"), capacity__gte=min_capacity)
        .filter(
            opens_at__lte=local_start.time(),
            closes_at__gte=local_end.time(),
            open_weekdays__contains=str(local_start.isoweekday()),
        )
        .filter(~Exists(taken))
        .select_related("center")
        .order_by("capacity", "region_id", "pk")
    )
    return list(candidates[:limit]) if local_start.date() == local_end.date() else []


@dataclass
class Usage:
    room: Room
    booked_hours: Decimal
    open_hours: Decimal
    bookings: int

    @property
    def occupancy(self) -> float:
        return (
            round(float(self.booked_hours / self.open_hours) * 100, 1) if self.open_hours else 0.0
        )


def weekday_counts(first: datetime.date, last: datetime.date) -> dict[str, int]:
    """How many days of [first, last] fall on each weekday ("1" = Monday … "7" = Sunday)."""
    counts = dict.fromkeys("1234567", 0)
    for i in range((last - first).days + 1):
        counts[str((first + datetime.timedelta(days=i)).isoweekday())] += 1
    return counts


def room_open_seconds(room: Room, days: dict[str, int]) -> int:
    """A room's opening time in seconds over a period given as `weekday_counts` (exact, so that
    months add up to the quarter)."""
    per_day = (
        datetime.datetime.combine(datetime.date.min, room.closes_at)
        - datetime.datetime.combine(datetime.date.min, room.opens_at)
    ).total_seconds()
    return int(per_day) * sum(days[d] for d in set(room.open_weekdays))


def room_open_hours(room: Room, days: dict[str, int]) -> Decimal:
    """A room's opening hours over a period given as `weekday_counts` (computed once per period)."""
    return Decimal(room_open_seconds(room, days)) / 3600


def usage_for_center(
    *, center: Center, first: datetime.date, last: datetime.date
) -> tuple[list[Usage], list[tuple[str, Decimal]]]:
    """Hours booked per room and per booking organization in [first, last], with occupancy."""
    tz = timezone.get_current_timezone()
    window_start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    window_end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    bookings = list(
        Booking.objects.filter(
            room__center=center,
            status=BookingStatus.CONFIRMED,
            start__gte=window_start,
            start__lt=window_end,
        ).select_related("organization", "booked_by")
    )
    rooms = list(Room.objects.filter(center=center).order_by("name"))
    days = weekday_counts(first, last)
    per_room: dict[int, list[Booking]] = {r.pk: [] for r in rooms}
    by_whom: dict[str, Decimal] = {}
    for b in bookings:
        per_room.setdefault(b.room_id, []).append(b)
        who = b.organization.name if b.organization else b.booked_by.display_name
        by_whom[who] = by_whom.get(who, Decimal(0)) + b.hours
    usage = [
        Usage(
            room,
            sum((b.hours for b in per_room[room.pk]), Decimal(0)),
            room_open_hours(room, days),
            len(per_room[room.pk]),
        )
        for room in rooms
    ]
    return usage, sorted(by_whom.items(), key=lambda item: -item[1])


def access_center_with_rooms(user: Any, pk: int) -> Center:
    """A center whose calendar the user may read: one in their scope, or one with rooms open to them."""

    with_rooms = Center.objects.filter(pk__in=rooms_visible_to(user).values("center_id"))
    return get_object_or_404((centers_visible_to(user) | with_rooms).distinct(), pk=pk)


def center_rooms(*, center_id: int, active_only: bool = True) -> QuerySet[Room]:
    """A center's rooms by name (the session form's choices; a course sets its room from them)."""
    rooms = Room.objects.filter(center_id=center_id)
    return (rooms.filter(is_active=True) if active_only else rooms).order_by("name")


def public_center_rooms(*, center_id: int) -> QuerySet[Room]:
    """A center's rooms that the public may book or see on its portal page."""
    return center_rooms(center_id=center_id).exclude(open_to=OpenTo.STAFF)


def access_room_photo_by_id(user: Any, pk: int) -> RoomPhoto:
    return get_object_or_404(RoomPhoto.objects.filter(room__in=rooms_visible_to(user)), pk=pk)
