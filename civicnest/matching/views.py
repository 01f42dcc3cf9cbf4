from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action, safe_next
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.masking import mask_name
from civicnest.core.paging import keyset_page
from civicnest.matching import permissions, selectors, services
from civicnest.matching.forms import (
    DeclineForm,
    DeliverForm,
    NeedForm,
    OfferingForm,
    RatingForm,
    ScheduleForm,
    initial_region,
)
from civicnest.matching.models import Match, MatchStatus, Need, ServiceOffering
from civicnest.regions.caching import cached_fragment, cached_stats, fragment_context
from civicnest.regions.scoping import Scope
from civicnest.registry.selectors import own_organizations

NEED_PAGE_SIZE = 50


@login_required
def need_create_view(request: AuthenticatedRequest) -> HttpResponse:
    form = NeedForm(request.POST or None, initial={"region": initial_region(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_submit(actor=request.user, data=dict(form.cleaned_data))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if need.merged:
                messages.info(request, str(services.MERGED_NOTICE))
                return redirect(need)
            messages.success(request, _("需求已提交，工作人员会尽快为您对接服务。"))
            if need.duplicate_of_id:
                messages.info(request, _("附近最近有类似的需求，工作人员会一并处理。"))
            return redirect(need)
    return render(request, "matching/need_form.html", {"form": form})


@login_required
def need_list_view(request: AuthenticatedRequest) -> HttpResponse:
    needs = selectors.need_list(
        user=request.user,
        filters={
            "status": request.GET.get("status", ""),
            "escalated": request.GET.get("escalated"),
        },
    )

    def rows() -> str:
        # Newest first, NEED_PAGE_SIZE at a time through a cursor: no COUNT, no OFFSET (core/paging.py).
        page = keyset_page(needs, request.GET.get("before"), NEED_PAGE_SIZE)
        return render_to_string(
            "matching/_need_rows.html",
            {
                "needs": page.rows,
                "page": page,
                "filters": {
                    k: v for k, v in request.GET.items() if k in ("status", "escalated") and v
                },
            },
        )

    return render(
        request,
        "matching/need_list.html",
        {
            "rows": cached_fragment(name="needs", request=request, models=[Need], render=rows),
            "is_staff_member": Scope.for_user(request.user).is_staff_member,
        },
    )


def _need_matches(need: Need, can_manage: bool) -> list[Match]:
    matches = list(need.matches.select_related("offering__organization").order_by("-score"))
    if not can_manage:
        matches = [m for m in matches if m.status != MatchStatus.SUGGESTED]
    return matches


@login_required
def need_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = selectors.access_need_by_id(request.user, pk)
    can_manage = permissions.can_manage_need(request.user, need)
    return render(
        request,
        "matching/need_detail.html",
        {
            "need": need,
            "matches": _need_matches(need, can_manage),
            "can_manage": can_manage,
            "resources": selectors.resources_for_need(user=request.user, need=need)
            if can_manage
            else [],
            "is_submitter": need.submitter_id == request.user.pk,
            "timeline": selectors.need_timeline(user=request.user, need=need),
            "submitter": need.submitter.display_name
            if can_manage or need.submitter_id == request.user.pk
            else mask_name(need.submitter.display_name),
        },
    )


@login_required
def need_matches_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The suggestions block alone: polled by the need page while the matching worker ranks."""
    need = selectors.access_need_by_id(request.user, pk)
    can_manage = permissions.can_manage_need(request.user, need)
    return render(
        request,
        "matching/_need_matches.html",
        {
            "need": need,
            "matches": _need_matches(need, can_manage),
            "can_manage": can_manage,
            "is_submitter": need.submitter_id == request.user.pk,
        },
    )


@login_required
def board_view(request: AuthenticatedRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("只有中心工作人员和民政局可以使用对接看板。"))

    def board() -> str:
        needs = list(selectors.matching_board(user=request.user)[:60])
        for need in needs:
            need.top = sorted(need.matches.all(), key=lambda m: -m.score)[:3]  # type: ignore[attr-defined]
        return render_to_string("matching/_board_needs.html", fragment_context(needs=needs))

    return render(
        request,
        "matching/board.html",
        {
            # Shared by the staff with the same grants for LIST_CACHE_SECONDS (their own offers show at once).
            "board": cached_fragment(
                name="matching-board",
                request=request,
                models=[Need, Match, ServiceOffering],
                vary=(),
                render=board,
                shared=True,
            ),
            "summary": cached_stats(
                "matching",
                Scope.for_user(request.user),
                lambda: selectors.matching_summary(user=request.user),
            ),
        },
    )


@login_required
@require_POST
def offer_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = selectors.access_need_by_id(request.user, pk)
    offering = selectors.access_offering_by_id(
        request.user, int(request.POST.get("offering", "0") or 0)
    )
    try:
        services.match_offer(actor=request.user, need=need, offering=offering)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已推送给“%(org)s”。") % {"org": offering.organization.name})
    return redirect(safe_next(request, need.get_absolute_url()))


@login_required
@require_POST
def refresh_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = selectors.access_need_by_id(request.user, pk)
    services.suggestions_request(actor=request.user, need=need)
    messages.success(request, _("已请求刷新推荐，片刻后自动显示。"))
    return redirect(need)


@login_required
def inbox_view(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "matching/inbox.html",
        {
            "matches": selectors.organization_inbox(user=request.user)[:200],
            "decline_form": DeclineForm(),
            "deliver_form": DeliverForm(),
            "schedule_form": ScheduleForm(),
        },
    )


def _match_action(
    request: HttpRequest, pk: int, form: Any, call: Any, success: str
) -> HttpResponse:
    match = selectors.access_match_by_id(request.user, pk)
    return post_form_action(
        request,
        form=form,
        back_to=safe_next(request, "matching:inbox"),
        success=success,
        call=lambda data: call(match, data),
    )


@login_required
@require_POST
def respond_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("accept") == "1"
    return _match_action(
        request,
        pk,
        DeclineForm(request.POST),
        lambda m, d: services.match_respond(
            actor=request.user, match=m, accept=accept, reason=d["reason"]
        ),
        _("已接受，请与需求方约定服务时间。") if accept else _("已婉拒。"),
    )


@login_required
@require_POST
def schedule_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _match_action(
        request,
        pk,
        ScheduleForm(request.POST),
        lambda m, d: services.match_schedule(actor=request.user, match=m, day=d["day"]),
        _("已排期。"),
    )


@login_required
@require_POST
def deliver_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _match_action(
        request,
        pk,
        DeliverForm(request.POST),
        lambda m, d: services.match_deliver(actor=request.user, match=m, **d),
        _("已记录服务完成，等待需求方评价。"),
    )


@login_required
def rate_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    match = selectors.access_match_by_id(request.user, pk)
    if not permissions.can_rate(request.user, match):
        raise PermissionDenied(_("只有提出需求的人可以评价。"))
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.match_rate(actor=request.user, match=match, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect(match.need)
    return render(request, "matching/rate.html", {"match": match, "form": form})


@login_required
@require_POST
def close_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    match = selectors.access_match_by_id(request.user, pk)
    try:
        services.match_close(actor=request.user, match=match)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(match.need)


@login_required
def offering_list_view(request: AuthenticatedRequest) -> HttpResponse:
    offerings = (
        selectors.offerings_visible_to(request.user)
        .select_related("organization")
        .order_by("-created_at")[:200]
    )
    return render(
        request,
        "matching/offering_list.html",
        {"offerings": offerings, "can_add": own_organizations(user=request.user).exists()},
    )


@login_required
def offering_form_view(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    offering = selectors.access_offering_by_id(request.user, pk) if pk else None
    orgs = list(own_organizations(user=request.user))
    organization = offering.organization if offering else (orgs[0] if orgs else None)
    if organization is None:
        raise PermissionDenied(_("只有社会组织负责人可以发布服务。"))
    initial = {}
    if offering:
        initial = {
            "title": offering.title,
            "description": offering.description,
            "categories": offering.categories,
            "area_codes": " ".join(a.code for a in offering.areas.all()),
            "beneficiaries": offering.beneficiaries,
            "capacity": offering.capacity,
            "schedule": offering.schedule,
            "cost_model": offering.cost_model,
        }
    form = OfferingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.offering_save(
                actor=request.user,
                organization=organization,
                data=dict(form.cleaned_data),
                offering=offering,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存服务项目，新的需求会自动匹配到它。"))
            return redirect(saved)
    return render(
        request,
        "matching/offering_form.html",
        {"form": form, "offering": offering, "organization": organization},
    )


@login_required
def offering_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offering = selectors.access_offering_by_id(request.user, pk)
    return render(
        request,
        "matching/offering_detail.html",
        {"o": offering, "can_edit": permissions.can_edit_offering(request.user, offering)},
    )
