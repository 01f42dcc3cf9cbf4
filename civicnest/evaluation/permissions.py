"""Who may do what in evaluation. Visibility is the selectors' job; these decide who may act."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from civicnest.accounts.roles import Role
from civicnest.evaluation.models import (
    Assessment,
    CenterReview,
    ConflictDeclaration,
    EvaluatorAssignment,
    GradingRound,
)
from civicnest.network.models import Center
from civicnest.network.permissions import can_edit_center, center_lineage_ids
from civicnest.regions.scoping import Scope
from civicnest.registry.models import SocialOrganization

BUREAU = (Role.BUREAU_OFFICER,)


def is_bureau(user: Any) -> bool:
    return Scope.for_user(user).has_role(Role.BUREAU_OFFICER)


def can_edit_templates(user: Any) -> bool:
    """Indicator templates are city-wide: only a city-level bureau officer (or an admin) edits them."""
    scope = Scope.for_user(user)
    return scope.is_superuser or any(
        g.role == Role.BUREAU_OFFICER and len(g.region_code) <= 4 for g in scope.grants
    )


def can_open_round(user: Any, region_code: str) -> bool:
    return Scope.for_user(user).covers(region_code, roles=BUREAU)


def can_run_round(user: Any, round_: GradingRound) -> bool:
    """The bureau whose jurisdiction holds the round runs it: eligibility, evaluators, committee, appeals."""
    return Scope.for_user(user).covers(round_.region_id, roles=BUREAU)


def is_org_rep(user: Any, org: SocialOrganization) -> bool:
    return any(
        g.role == Role.ORG_REP and g.organization_id == org.pk for g in Scope.for_user(user).grants
    )


def can_apply(user: Any, org: SocialOrganization) -> bool:
    return is_org_rep(user, org)


def can_edit_self_assessment(user: Any, assessment: Assessment) -> bool:
    return is_org_rep(user, assessment.organization)


def is_evaluator(user: Any) -> bool:
    return Scope.for_user(user).has_role(Role.EXPERT)


def assignment_of(user: Any, assessment: Assessment) -> EvaluatorAssignment | None:
    return assessment.assignments.filter(evaluator_id=getattr(user, "pk", None)).first()


def conflict_reasons(evaluator: Any, org: SocialOrganization) -> list[str]:
    """Why this evaluator may not assess this organization (empty: no conflict of interest)."""

    reasons: list[str] = []
    scope = Scope.for_user(evaluator)
    if any(g.role == Role.ORG_REP and g.organization_id == org.pk for g in scope.grants):
        reasons.append(_("该专家是该组织的负责人或联络人"))
    if org.center_id is not None and org.center is not None:
        staff_centers = scope.center_ids(roles=[Role.CENTER_STAFF])
        if staff_centers & center_lineage_ids(org.center):
            reasons.append(_("该专家在为该组织提供服务的中心任职"))
    declared = ConflictDeclaration.objects.filter(evaluator=evaluator, organization=org).first()
    if declared is not None:
        reasons.append(_("该专家申报了利益关系：%(r)s") % {"r": declared.reason})
    return reasons


def can_run_review(user: Any, review: CenterReview) -> bool:
    """A center's review is run by the bureau over it or by the staff of a center above it — never by itself."""
    return can_supervise_center(user, review.center)


def can_supervise_center(user: Any, center: Center) -> bool:
    scope = Scope.for_user(user)
    if scope.covers(center.region_id, roles=BUREAU):
        return True
    above = center_lineage_ids(center) - {center.pk}
    return bool(scope.center_ids(roles=[Role.CENTER_STAFF]) & above)


def can_score_review(user: Any, review: CenterReview) -> bool:
    """Supervisors score as 上级主管部门; experts in the center's jurisdiction score as third parties."""
    if can_run_review(user, review):
        return True
    scope = Scope.for_user(user)
    return any(
        g.role == Role.EXPERT and review.center.region_id.startswith(g.region_code[:6])
        for g in scope.grants
    )


def can_manage_surveys(user: Any, center: Center) -> bool:
    return bool(can_edit_center(user, center))


def can_acknowledge_breach(user: Any, center: Center) -> bool:
    return bool(can_edit_center(user, center))


def can_set_parameters(user: Any) -> bool:
    return can_edit_templates(user)


def can_set_targets(user: Any, region_code: str) -> bool:
    return Scope.for_user(user).covers(region_code, roles=BUREAU)
