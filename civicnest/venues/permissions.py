from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.network.permissions import can_edit_center
from civicnest.regions.scoping import Scope
from civicnest.venues.models import Booking, OpenTo, Room

BOOKER_ROLES = (Role.ORG_REP, Role.RESIDENT, Role.VOLUNTEER)


def can_manage_room(user: Any, room: Room) -> bool:
    return bool(can_edit_center(user, room.center))


def can_book(user: Any, room: Room) -> bool:
    """Staff of the center book any of its rooms; organizations and residents' teams book rooms open to them."""
    if can_manage_room(user, room) or Scope.for_user(user).covers(room.region_id):
        return True
    roles = Scope.for_user(user).roles()
    if room.open_to == OpenTo.ORGANIZATIONS:
        return Role.ORG_REP in roles
    if room.open_to == OpenTo.EVERYONE:
        return bool(roles & set(BOOKER_ROLES))
    return False


def needs_approval(user: Any, room: Room) -> bool:
    return room.requires_approval and not can_manage_room(user, room)


def can_cancel(user: Any, booking: Booking) -> bool:
    return booking.booked_by_id == getattr(user, "pk", None) or can_manage_room(user, booking.room)
