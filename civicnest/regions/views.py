from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.accounts.roles import Role
from civicnest.core.forms import apply_service_errors
from civicnest.regions.codes import RegionCodeError
from civicnest.regions.forms import RegionCreateForm
from civicnest.regions.picker import (
    MAX_RESULTS,
    parse_levels,
    picker_prefixes,
    picker_regions,
    picker_search,
    region_label,
)
from civicnest.regions.scoping import Scope
from civicnest.regions.selectors import (
    region_ancestors,
    region_children_with_counts,
    region_get,
    region_list,
)
from civicnest.regions.services import region_create


def _require_staff(request: HttpRequest) -> Scope:
    scope = Scope.for_user(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("只有民政局和中心工作人员可以使用此功能。"))
    return scope


@login_required
def region_browse(request: AuthenticatedRequest, code: str = "") -> HttpResponse:
    scope = _require_staff(request)
    code = code or scope.home_region_code or ""
    q = request.GET.get("q", "").strip()
    region = region_get(code=code) if code else None
    if code and region is None:
        raise Http404
    if q:
        children = region_list(q=q, under=region.code if region else "")[:200]
    elif region is not None:
        children = region_children_with_counts(region=region)
    else:
        children = region_list(level="province")
    page = Paginator(children, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "regions/browse.html",
        {
            "region": region,
            "ancestors": region_ancestors(region) if region else [],
            "page_obj": page,
            "q": q,
            "can_add": scope.has_role(Role.BUREAU_OFFICER),
        },
    )


@login_required
def region_create_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if not scope.has_role(Role.BUREAU_OFFICER):
        raise PermissionDenied(_("只有民政局工作人员可以新增区划。"))
    form = RegionCreateForm(
        request.POST or None, initial={"parent_code": request.GET.get("parent", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            region = region_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                parent_code=form.cleaned_data["parent_code"],
            )
        except (ValidationError, RegionCodeError) as exc:
            if isinstance(exc, RegionCodeError):
                form.add_error("code", str(exc))
            else:
                apply_service_errors(form, exc)
        else:
            messages.success(request, _("已新增区划：%(name)s") % {"name": region.name})
            return redirect(reverse("regions:browse-node", kwargs={"code": region.parent_id}))
    return render(request, "regions/create.html", {"form": form})


@login_required
def region_picker_search(request: AuthenticatedRequest) -> HttpResponse:
    """Options for the region picker: the user's regions matching a name or pinyin initials (htmx)."""
    level = parse_levels(request.GET.get("level", ""))
    regions = picker_regions(prefixes=picker_prefixes(request.user), level=level)
    hits = picker_search(regions, request.GET.get("q", ""))[:MAX_RESULTS]
    options = [(r.code, region_label(r)) for r in hits]
    return render(
        request,
        "regions/_picker_options.html",
        {"options": options, "selected": request.GET.get("region", "")[:20]},
    )
