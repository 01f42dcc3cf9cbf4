from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.matching.models import Match, Need, ServiceOffering
from civicnest.regions.scoping import Scope

SUBMITTERS = (Role.RESIDENT, Role.VOLUNTEER, Role.ORG_REP, Role.CENTER_STAFF, Role.BUREAU_OFFICER)


def represents(user: Any, organization_id: int | None) -> bool:
    return organization_id is not None and any(
        g.role == Role.ORG_REP and g.organization_id == organization_id
        for g in Scope.for_user(user).grants
    )


def can_submit_need(user: Any, region_code: str) -> bool:
    """Residents submit for the area they are bound to; staff for their jurisdiction."""
    scope = Scope.for_user(user)
    return scope.covers(region_code) or scope.covers(
        region_code, roles=[Role.RESIDENT, Role.VOLUNTEER, Role.ORG_REP]
    )


def can_manage_need(user: Any, need: Need) -> bool:
    return Scope.for_user(user).covers(need.region_id)


def can_edit_offering(user: Any, offering: ServiceOffering) -> bool:
    return represents(user, offering.organization_id) or Scope.for_user(user).covers(
        offering.organization.region_id
    )


def can_respond(user: Any, match: Match) -> bool:
    return represents(user, match.offering.organization_id)


def can_rate(user: Any, match: Match) -> bool:
    return match.need.submitter_id == getattr(user, "pk", None)
