"""Who may act in the funding chain. Visibility is the selectors' job; these decide who may do what."""

from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.network.permissions import can_edit_center
from civicnest.philanthropy.models import (
    ConflictDeclaration,
    ExpertAssignment,
    Fund,
    FundingProgram,
    Project,
)
from civicnest.regions.scoping import Scope


def can_run_center_programs(user: Any, center: Center) -> bool:
    """Staff of the center (or above it) and the bureau over its region run its programs and funds."""
    return bool(can_edit_center(user, center))


def can_run_program(user: Any, program: FundingProgram) -> bool:
    return can_run_center_programs(user, program.center)


def can_keep_fund(user: Any, fund: Fund) -> bool:
    return can_run_center_programs(user, fund.center)


def own_org_ids(user: Any) -> set[int]:
    return {
        g.organization_id
        for g in Scope.for_user(user).grants
        if g.role == Role.ORG_REP and g.organization_id
    }


def speaks_for(user: Any, organization_id: int) -> bool:
    return organization_id in own_org_ids(user)


def is_panel_expert(user: Any, program: FundingProgram) -> bool:
    return ExpertAssignment.objects.filter(program=program, expert_id=user.pk).exists()


def has_conflict(user: Any, program: FundingProgram, organization_id: int) -> bool:
    return ConflictDeclaration.objects.filter(
        program=program, expert_id=user.pk, organization_id=organization_id
    ).exists()


def can_review(user: Any, program: FundingProgram, organization_id: int) -> bool:
    return is_panel_expert(user, program) and not has_conflict(user, program, organization_id)


def is_funder(user: Any) -> bool:
    return any(g.role == Role.FUNDER for g in Scope.for_user(user).grants)


def can_subscribe(user: Any, project: Project) -> bool:
    """Funders bound to a region covering the project subscribe (the service checks it is still 认购)."""
    return Scope.for_user(user).covers(project.region_id, roles=[Role.FUNDER])


def can_evaluate(user: Any, project: Project) -> bool:
    """Final evaluation: a panel expert without a conflict with the organization, or the program's staff
    recording a third-party evaluator's score."""
    return can_review(user, project.program, project.organization_id) or can_run_program(
        user, project.program
    )
