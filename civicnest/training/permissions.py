from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.network.permissions import can_edit_center
from civicnest.regions.scoping import Scope
from civicnest.training.models import ServiceHour, Volunteer


def can_run_training(user: Any, center: Center) -> bool:
    return bool(can_edit_center(user, center))


def can_manage_volunteer(user: Any, volunteer: Volunteer) -> bool:
    """Staff of the region, and the organization the volunteer serves with."""
    scope = Scope.for_user(user)
    if scope.covers(volunteer.region_id):
        return True
    return volunteer.organization_id is not None and any(
        g.role == Role.ORG_REP and g.organization_id == volunteer.organization_id
        for g in scope.grants
    )


def can_see_personal_data(user: Any, volunteer: Volunteer) -> bool:
    return can_manage_volunteer(user, volunteer) or volunteer.user_id == getattr(user, "pk", None)


def can_verify_hours(user: Any, hour: ServiceHour) -> bool:
    """The organizer verifies: staff of the region or the volunteer's organization, never the person who recorded."""
    return hour.recorded_by_id != getattr(user, "pk", None) and can_manage_volunteer(
        user, hour.volunteer
    )
