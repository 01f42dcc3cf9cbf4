"""党建 pages: thin — parse, call a selector or a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.forms import apply_service_errors
from civicnest.party import permissions, selectors, services
from civicnest.party.forms import (
    ActivityForm,
    DissolveForm,
    GuideForm,
    PartyOrgFilterForm,
    PartyOrgForm,
)
from civicnest.party.models import PartyOrganization
from civicnest.regions.scoping import Scope


def _staff_only(request: AuthenticatedRequest) -> None:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("该页面由民政部门和中心工作人员使用。"))


def _party_reader(request: AuthenticatedRequest) -> None:
    if not (
        Scope.for_user(request.user).is_staff_member
        or permissions.own_organization_ids(request.user)
    ):
        raise PermissionDenied(_("党建信息仅向管理部门、中心工作人员和社会组织本身开放。"))


@login_required
def org_list(request: AuthenticatedRequest) -> HttpResponse:
    _party_reader(request)
    filters = PartyOrgFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.party_org_list(user=request.user, filters=data)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = [(o, selectors.secretary_for(request.user, o)) for o in page]
    return render(
        request,
        "party/org_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "filters": filters,
            "summary": selectors.party_summary(user=request.user),
            "deadline_days": selectors.deadline_days(),
            "is_staff": Scope.for_user(request.user).is_staff_member,
        },
    )


def _org_form(request: AuthenticatedRequest, **kwargs: Any) -> PartyOrgForm:
    return PartyOrgForm(
        request.POST or None,
        organizations=selectors.organizations_manageable_by(request.user),
        centers=selectors.centers_manageable_by(request.user),
        **kwargs,
    )


@login_required
def org_create(request: AuthenticatedRequest) -> HttpResponse:
    _staff_only(request)
    initial = {}
    if request.GET.get("organization", "").isdigit():
        initial["organization"] = int(request.GET["organization"])
    form = _org_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            party_org = services.party_org_create(actor=request.user, data=form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("党组织已登记。"))
            return redirect("party:org-detail", pk=party_org.pk)
    return render(request, "party/org_form.html", {"form": form})


def _detail_context(
    request: AuthenticatedRequest,
    party_org: PartyOrganization,
    *,
    form: PartyOrgForm | None = None,
    activity_form: ActivityForm | None = None,
) -> dict[str, Any]:
    can_manage = permissions.can_manage_party(request.user, party_org.region_id)
    return {
        "o": party_org,
        "secretary": selectors.secretary_for(request.user, party_org),
        "personal": permissions.can_see_personal(request.user, party_org),
        "covered": selectors.covered_organizations(party_org),
        "activities": selectors.activities_of(user=request.user, party_org=party_org),
        "can_manage": can_manage and party_org.is_active,
        "can_record": permissions.can_record_activity(request.user, party_org),
        "form": form
        or (
            _org_form(request, instance=party_org, initial=_org_initial(party_org))
            if can_manage
            else None
        ),
        "activity_form": activity_form or ActivityForm(),
        "dissolve_form": DissolveForm(),
    }


def _org_initial(party_org: PartyOrganization) -> dict[str, Any]:
    return {
        "covered_organizations": list(party_org.covered_organizations.values_list("pk", flat=True))
    }


@login_required
def org_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    party_org = selectors.access_party_org_by_id(request.user, pk)
    form = None
    if request.method == "POST":
        if not permissions.can_manage_party(request.user, party_org.region_id):
            raise PermissionDenied(_("您无权修改该党组织。"))
        form = _org_form(request, instance=party_org)
        if form.is_valid():
            try:
                services.party_org_update(
                    actor=request.user, party_org=party_org, data=form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("party:org-detail", pk=pk)
    return render(request, "party/org_detail.html", _detail_context(request, party_org, form=form))


@login_required
def activity_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    party_org = selectors.access_party_org_by_id(request.user, pk)
    if not permissions.can_record_activity(request.user, party_org):
        raise PermissionDenied(_("您无权为该党组织记录活动。"))
    if request.method != "POST":
        return redirect("party:org-detail", pk=pk)
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            services.activity_record(
                actor=request.user, party_org=party_org, data=form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("活动已记录。"))
            return redirect("party:org-detail", pk=pk)
    return render(
        request, "party/org_detail.html", _detail_context(request, party_org, activity_form=form)
    )


@login_required
@require_POST
def org_dissolve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    party_org = selectors.access_party_org_by_id(request.user, pk)
    if not permissions.can_manage_party(request.user, party_org.region_id):
        raise PermissionDenied(_("您无权撤销该党组织。"))
    return post_form_action(
        request,
        form=DissolveForm(request.POST),
        call=lambda d: services.party_org_dissolve(
            actor=request.user, party_org=party_org, dissolved_on=d["dissolved_on"]
        ),
        success=_("党组织已撤销。"),
        back_to=reverse("party:org-detail", kwargs={"pk": pk}),
    )


@login_required
def rule(request: AuthenticatedRequest) -> HttpResponse:
    """W 四(二): organizations and centers with ≥ 3 party members and no party organization."""
    _staff_only(request)
    rows = selectors.party_rule_rows(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "party/rule.html",
        {
            "page_obj": page,
            "deadline_days": selectors.deadline_days(),
            "overdue": sum(1 for r in rows if r.overdue),
            "total": len(rows),
        },
    )


def _guide_form(request: AuthenticatedRequest, **kwargs: Any) -> GuideForm:
    return GuideForm(
        request.POST or None,
        streets=selectors.streets_manageable_by(request.user),
        organizations=selectors.organizations_manageable_by(request.user),
        **kwargs,
    )


@login_required
def guide_list(request: AuthenticatedRequest) -> HttpResponse:
    _party_reader(request)
    qs = selectors.guide_list(user=request.user, current_only=request.GET.get("current") == "1")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "party/guide_list.html",
        {
            "page_obj": page,
            "rows": [(g, selectors.guide_phone_for(request.user, g)) for g in page],
            "can_assign": selectors.streets_manageable_by(request.user).exists(),
        },
    )


@login_required
def guide_create(request: AuthenticatedRequest) -> HttpResponse:
    _staff_only(request)
    form = _guide_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            guide = services.guide_assign(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("党建指导员已选派，相关社会组织已收到通知。"))
            return redirect("party:guide-detail", pk=guide.pk)
    return render(request, "party/guide_form.html", {"form": form})


@login_required
def guide_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    guide = selectors.access_guide_by_id(request.user, pk)
    can_edit = permissions.can_assign_guide(request.user, guide.region_id)
    form = None
    if can_edit:
        form = _guide_form(
            request,
            instance=guide,
            initial={"organizations": list(guide.organizations.values_list("pk", flat=True))},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("您无权修改该党建指导员的派驻。"))
        if form.is_valid():
            try:
                services.guide_update(actor=request.user, guide=guide, data=form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("party:guide-detail", pk=pk)
    return render(
        request,
        "party/guide_detail.html",
        {
            "g": guide,
            "phone": selectors.guide_phone_for(request.user, guide),
            "organizations": selectors.guided_organizations(guide),
            "form": form,
        },
    )
