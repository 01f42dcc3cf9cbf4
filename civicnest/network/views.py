from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.forms import apply_service_errors
from civicnest.core.masking import mask_phone
from civicnest.core.paging import CappedPaginator
from civicnest.network.forms import CenterFilterForm, CenterForm, StaffForm
from civicnest.network.permissions import can_create_any_center, can_edit_center
from civicnest.network.selectors import (
    access_center_by_id,
    access_staff_by_id,
    center_list,
    network_coverage,
    network_coverage_by_district,
    network_tree,
    staff_list,
)
from civicnest.network.services import center_create, center_update, staff_create, staff_update
from civicnest.regions.scoping import Scope


def _require_staff(request: HttpRequest) -> Scope:
    scope = Scope.for_user(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("只有民政局和中心工作人员可以查看平台网络。"))
    return scope


@login_required
def network_tree_view(request: AuthenticatedRequest) -> HttpResponse:
    _require_staff(request)
    return render(
        request,
        "network/tree.html",
        {
            "roots": network_tree(user=request.user),
            "coverage": network_coverage(user=request.user),
            "districts": network_coverage_by_district(user=request.user),
        },
    )


@login_required
def center_list_view(request: AuthenticatedRequest) -> HttpResponse:
    _require_staff(request)
    form = CenterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = CappedPaginator(center_list(user=request.user, filters=filters), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "network/center_list.html",
        {"form": form, "page_obj": page, "can_create": can_create_any_center(request.user)},
    )


@login_required
def center_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    center = access_center_by_id(request.user, pk)
    may_edit = can_edit_center(request.user, center)
    staff = list(staff_list(user=request.user, center=center))
    for person in staff:
        # Phones are shown in full only to those who manage the center.
        person.phone_display = person.phone if may_edit else mask_phone(person.phone)  # type: ignore[attr-defined]
    return render(
        request,
        "network/center_detail.html",
        {
            "center": center,
            "staff": staff,
            "children": center.children.select_related("region").order_by("level", "name"),
            "can_edit": may_edit,
            "contact_phone": center.contact_phone if may_edit else mask_phone(center.contact_phone),
        },
    )


@login_required
def center_create_view(request: AuthenticatedRequest) -> HttpResponse:
    _require_staff(request)
    if not can_create_any_center(request.user):
        raise PermissionDenied(_("您无权新建中心。"))
    form = CenterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            center = center_create(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已创建中心：%(name)s") % {"name": center.name})
            return redirect(center)
    return render(request, "network/center_form.html", {"form": form, "center": None})


@login_required
def center_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    center = access_center_by_id(request.user, pk, for_write=True)
    form = CenterForm(request.POST or None, instance=center, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            center = center_update(
                actor=request.user,
                center=access_center_by_id(request.user, pk),
                data=form.service_data(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存中心信息。"))
            return redirect(center)
    return render(request, "network/center_form.html", {"form": form, "center": center})


@login_required
def staff_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    center = access_center_by_id(request.user, pk, for_write=True)
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_create(actor=request.user, center=center, data=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已添加工作人员。"))
            return redirect(center)
    return render(request, "network/staff_form.html", {"form": form, "center": center})


@login_required
def staff_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    staff = access_staff_by_id(request.user, pk)
    form = StaffForm(request.POST or None, instance=staff)
    if request.method == "POST" and form.is_valid():
        try:
            staff_update(
                actor=request.user,
                staff=access_staff_by_id(request.user, pk),
                data=form.cleaned_data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存工作人员信息。"))
            return redirect(staff.center)
    return render(
        request, "network/staff_form.html", {"form": form, "center": staff.center, "staff": staff}
    )
