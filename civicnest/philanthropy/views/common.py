"""The funding chain's home page and what the page modules share."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.accounts.roles import Role
from civicnest.core.xlsx import table_xlsx, xlsx_response
from civicnest.philanthropy import permissions, selectors
from civicnest.regions.scoping import Scope


def xlsx(filename: str, headers: list[str], rows: list[list[Any]]) -> HttpResponse:
    return xlsx_response(table_xlsx(headers, rows), filename)


@login_required
def home_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    scope = Scope.for_user(user)
    programs = selectors.programs_visible_to(user).select_related("center").order_by("-pk")[:50]
    context: dict[str, Any] = {
        "programs": programs,
        "is_staff": scope.is_staff_member,
        "is_org": bool(permissions.own_org_ids(user)),
        "is_expert": scope.has_role(Role.EXPERT),
        "is_funder": permissions.is_funder(user),
        "proposals": selectors.own_proposals(user=user)[:50],
        "projects": selectors.recent_projects(user=user)[:50],
        "queue": selectors.review_queue(user=user) if scope.has_role(Role.EXPERT) else [],
        "tenders": selectors.open_tenders(user=user)[:20],
        "subscriptions": selectors.funder_subscriptions(user=user)[:50],
        "funds": selectors.funds_visible_to(user)[:20] if scope.is_staff_member else [],
    }
    return render(request, "philanthropy/home.html", context)
