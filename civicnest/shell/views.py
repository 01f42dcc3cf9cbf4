from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.accounts.roles import Role
from civicnest.accounts.selectors import role_assignment_list
from civicnest.core.selectors import notification_list
from civicnest.incubation.selectors import incubation_summary
from civicnest.matching.selectors import matching_summary
from civicnest.network.selectors import center_list, network_coverage
from civicnest.regions.caching import cached_stats
from civicnest.regions.scoping import Scope
from civicnest.registry.selectors import own_organizations, registry_summary
from civicnest.shell.selectors import audit_entry_list


def staff_cards(user: object) -> dict[str, object]:
    return {
        "center_count": center_list(user=user).count(),
        "coverage": network_coverage(user=user),
        "registry": registry_summary(user=user),
        "incubation": incubation_summary(user=user),
        "matching": matching_summary(user=user),
    }


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """One dashboard whose cards depend on the user's roles; later capabilities add cards."""
    scope = Scope.for_user(request.user)
    context: dict[str, object] = {
        "assignments": role_assignment_list(user=request.user),
        "recent_notifications": list(notification_list(user=request.user)[:5]),
        "is_staff_member": scope.is_staff_member,
        "roles": scope.roles(),
    }
    if scope.is_staff_member:
        # The statistics cards: up to a minute old, shared by users with the same grants.
        context |= cached_stats("dashboard", scope, lambda: staff_cards(request.user))
    if scope.has_role(Role.ORG_REP):
        context["own_organizations"] = list(own_organizations(user=request.user))
    if scope.has_role(Role.BUREAU_OFFICER):
        context["recent_audit"] = list(audit_entry_list(scope=scope)[:5])
    return render(request, "shell/home.html", context)


@login_required
def audit_search(request: AuthenticatedRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if not scope.has_role(Role.BUREAU_OFFICER):
        raise PermissionDenied(_("只有民政局工作人员可以查看操作审计。"))
    filters: dict[str, Any] = {
        key: request.GET.get(key, "").strip() for key in ("q", "model", "action", "actor")
    }
    if filters["action"] not in {"", "0", "1", "2"}:
        filters["action"] = ""
    entries = audit_entry_list(scope=scope, **filters)
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "shell/audit.html",
        {
            "page_obj": page,
            "filters": filters,
            "actions": [("0", _("新增")), ("1", _("修改")), ("2", _("删除"))],
        },
    )
