from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.forms import apply_service_errors
from civicnest.disclosure import selectors, services
from civicnest.disclosure.forms import (
    AnnouncementForm,
    AttachmentForm,
    DisclosureForm,
    PublishForm,
    WithdrawForm,
)
from civicnest.disclosure.models import CenterDisclosure
from civicnest.network.permissions import can_edit_center
from civicnest.network.selectors import access_center_by_id, centers_editable_by
from civicnest.regions.scoping import Scope


def _detail(pk: int) -> str:
    return reverse("disclosure:announcement-detail", kwargs={"pk": pk})


def _staff_only(request: HttpRequest) -> None:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("信息公开由管理部门和中心工作人员维护。"))


@login_required
def announcement_list(request: AuthenticatedRequest) -> HttpResponse:
    _staff_only(request)
    qs = selectors.announcements_visible_to(request.user).order_by("-created_at", "-pk")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "disclosure/announcement_list.html", {"page_obj": page})


@login_required
def announcement_create(request: AuthenticatedRequest) -> HttpResponse:
    _staff_only(request)
    form = AnnouncementForm(request.POST or None, centers=centers_editable_by(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            announcement = services.announcement_create(actor=request.user, data=form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存为草稿，可上传附件后发布。"))
            return redirect("disclosure:announcement-detail", pk=announcement.pk)
    return render(request, "disclosure/announcement_form.html", {"form": form})


@login_required
def announcement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    announcement = selectors.access_announcement_by_id(request.user, pk)
    form = AnnouncementForm(
        request.POST or None, instance=announcement, centers=centers_editable_by(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.announcement_update(
                actor=request.user, announcement=announcement, data=form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("disclosure:announcement-detail", pk=pk)
    return render(
        request,
        "disclosure/announcement_detail.html",
        {
            "a": announcement,
            "form": form,
            "publish_form": PublishForm(),
            "withdraw_form": WithdrawForm(),
            "attachment_form": AttachmentForm(),
        },
    )


@login_required
@require_POST
def announcement_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    announcement = selectors.access_announcement_by_id(request.user, pk)
    return post_form_action(
        request,
        form=PublishForm(request.POST),
        call=lambda d: services.announcement_publish(
            actor=request.user, announcement=announcement, publish_at=d["publish_at"]
        ),
        success=_("已发布（定时发布的将在设定时间出现在门户）。"),
        back_to=_detail(pk),
    )


@login_required
@require_POST
def announcement_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    announcement = selectors.access_announcement_by_id(request.user, pk)
    return post_form_action(
        request,
        form=WithdrawForm(request.POST),
        call=lambda d: services.announcement_withdraw(
            actor=request.user, announcement=announcement, reason=d["reason"]
        ),
        success=_("已撤回，门户不再显示。"),
        back_to=_detail(pk),
    )


@login_required
@require_POST
def attachment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    announcement = selectors.access_announcement_by_id(request.user, pk)
    return post_form_action(
        request,
        form=AttachmentForm(request.POST, request.FILES),
        call=lambda d: services.attachment_add(
            actor=request.user, announcement=announcement, upload=d["file"]
        ),
        success=_("附件已上传。"),
        back_to=_detail(pk),
    )


@login_required
def center_disclosures(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    form = DisclosureForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.disclosure_save(
                actor=request.user,
                center=center,
                year=data["year"],
                data=data,
                upload=data.get("report_file"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("年度公开信息已保存。"))
            return redirect("disclosure:center-disclosures", pk=pk)
    return render(
        request,
        "disclosure/center_disclosures.html",
        {
            "center": center,
            "form": form,
            "disclosures": selectors.center_disclosures(center=center),
            "can_edit": can_edit_center(request.user, center),
        },
    )


@login_required
@require_POST
def disclosure_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    disclosure = get_object_or_404(CenterDisclosure, pk=pk)
    center = access_center_by_id(request.user, disclosure.center_id)  # 404 outside the scope
    services.disclosure_publish(actor=request.user, disclosure=disclosure)
    messages.success(request, _("已公开，门户的中心页面将显示。"))
    return redirect("disclosure:center-disclosures", pk=center.pk)
