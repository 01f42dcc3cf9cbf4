"""Who may act on incubation records. Visibility is in selectors."""

from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.incubation.models import Application, IncubationProgram
from civicnest.network.models import Center
from civicnest.network.permissions import can_edit_center
from civicnest.regions.scoping import Scope


def can_run_center(user: Any, center: Center) -> bool:
    """Staff of the center (or a center above it) and the bureau over its region run its incubation."""
    return bool(can_edit_center(user, center))


def can_manage_application(user: Any, application: Application) -> bool:
    return can_run_center(user, application.round.program.center)


def can_review_application(user: Any, application: Application) -> bool:
    scope = Scope.for_user(user)
    return can_manage_application(user, application) or scope.covers(
        application.region_id, roles=[Role.EXPERT]
    )


def is_applicant_side(user: Any, application: Application) -> bool:
    """The person who applied, or a representative of the applying organization."""
    if application.applicant_id == getattr(user, "pk", None):
        return True
    scope = Scope.for_user(user)
    return application.organization_id is not None and any(
        g.role == Role.ORG_REP and g.organization_id == application.organization_id
        for g in scope.grants
    )


def can_apply_for_organization(user: Any, organization_id: int) -> bool:
    scope = Scope.for_user(user)
    return scope.is_staff_member or any(
        g.role == Role.ORG_REP and g.organization_id == organization_id for g in scope.grants
    )


def can_create_program(user: Any, center: Center) -> bool:
    return can_run_center(user, center)


def can_manage_program(user: Any, program: IncubationProgram) -> bool:
    return can_run_center(user, program.center)
