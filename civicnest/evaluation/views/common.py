"""What every evaluation page shares: who may use it, and the home page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.accounts.roles import Role
from civicnest.evaluation import permissions, selectors
from civicnest.evaluation.workflows import ROUND
from civicnest.regions.scoping import Scope


def require_staff_or_expert(user: Any) -> Scope:
    scope = Scope.for_user(user)
    if not (scope.is_staff_member or scope.has_role(Role.EXPERT, Role.ORG_REP)):
        raise PermissionDenied(_("您无权使用评估功能。"))
    return scope


@login_required
def home_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = require_staff_or_expert(request.user)
    context: dict[str, Any] = {
        "rounds": selectors.rounds_visible_to(request.user).order_by("-year", "-created_at")[:20],
        "assignments": selectors.my_assignments(user=request.user)[:50],
        "applications": selectors.my_applications(user=request.user)[:20],
        "is_staff": scope.is_staff_member,
        "can_open_round": permissions.is_bureau(request.user),
    }
    if scope.is_staff_member:
        report = selectors.compliance_report(user=request.user)
        context["compliance"] = report
    open_rounds = []
    for grant in scope.grants:
        if grant.role == Role.ORG_REP and grant.organization_id:
            org = selectors.organization_by_id(grant.organization_id)
            if org is not None:
                open_rounds += [
                    (org, r)
                    for r in selectors.open_rounds_for_org(org)
                    if "apply" in ROUND.names(r, request.user)
                ]
    context["open_rounds"] = open_rounds
    return render(request, "evaluation/home.html", context)
