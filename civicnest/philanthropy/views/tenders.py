"""Government purchase of services (政府购买服务): tenders, bids, scoring and the award. Which actions a
page offers comes from `workflows.TENDER` only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.philanthropy import permissions, selectors, services
from civicnest.philanthropy.forms import AwardForm, BidForm, BidScoreForm, TenderForm
from civicnest.philanthropy.workflows import TENDER
from civicnest.registry.selectors import own_organizations


@login_required
@require_POST
def tender_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    return post_form_action(
        request,
        form=TenderForm(request.POST),
        back_to=program,
        success=_("招标已发布。"),
        call=lambda d: services.tender_open(actor=request.user, program=program, data=d),
    )


@login_required
def tender_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tender = selectors.access_tender_by_id(request.user, pk)
    orgs = own_organizations(user=request.user)
    return render(
        request,
        "philanthropy/tender_detail.html",
        {
            "tender": tender,
            "bids": selectors.tender_bids(user=request.user, tender=tender),
            "can_run": permissions.can_run_program(request.user, tender.program),
            "actions": TENDER.names(tender, request.user),
            "bid_form": BidForm(organizations=orgs),
            "score_form": BidScoreForm(),
            "award_form": AwardForm(),
            "project": selectors.awarded_project(user=request.user, tender=tender),
        },
    )


@login_required
@require_POST
def bid_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tender = selectors.access_tender_by_id(request.user, pk)
    return post_form_action(
        request,
        form=BidForm(request.POST, organizations=own_organizations(user=request.user)),
        back_to=tender,
        success=_("投标已提交。"),
        call=lambda d: services.bid_submit(actor=request.user, tender=tender, **d),
    )


@login_required
@require_POST
def bid_score_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bid = selectors.access_bid_by_id(request.user, pk)
    return post_form_action(
        request,
        form=BidScoreForm(request.POST),
        back_to=bid.tender,
        success=_("评分已记录。"),
        call=lambda d: services.bid_score(actor=request.user, bid=bid, **d),
    )


@login_required
@require_POST
def award_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tender = selectors.access_tender_by_id(request.user, pk)

    def call(d: dict[str, Any]) -> Any:
        bid = selectors.bid_of_tender(tender, d["bid"])
        if bid is None:
            raise ValidationError({"bid": [_("请选择中标的投标。")]})
        return services.tender_award(
            actor=request.user, tender=tender, bid=bid, reasons=d["reasons"]
        )

    return post_form_action(
        request, form=AwardForm(request.POST), back_to=tender, success=_("已定标。"), call=call
    )
