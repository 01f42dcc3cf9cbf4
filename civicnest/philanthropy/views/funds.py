"""Funds, the ledger and receipts (票据)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.forms import apply_service_errors
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.network.selectors import centers_visible_to
from civicnest.philanthropy import permissions, selectors, services
from civicnest.philanthropy.forms import DonationForm, FundForm, ReasonForm
from civicnest.philanthropy.views.common import xlsx
from civicnest.regions.scoping import Scope


@login_required
def fund_list_view(request: AuthenticatedRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("资金账户由中心和民政部门工作人员管理。"))
    centers = centers_visible_to(request.user).order_by("region_id", "name")
    form = FundForm(request.POST or None, centers=centers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            fund = services.fund_create(actor=request.user, center=data.pop("center"), data=data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("资金账户已开设。"))
            return redirect(fund)
    funds = [(f, selectors.fund_totals(f)) for f in selectors.funds_visible_to(request.user)[:100]]
    return render(request, "philanthropy/fund_list.html", {"funds": funds, "form": form})


@login_required
def fund_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    fund = selectors.access_fund_by_id(request.user, pk)
    return render(
        request,
        "philanthropy/fund_detail.html",
        {
            "fund": fund,
            "totals": selectors.fund_totals(fund),
            "entries": selectors.fund_ledger(fund=fund).reverse()[:200],
            "receipts": selectors.fund_receipts(fund=fund)[:100],
            "can_keep": permissions.can_keep_fund(request.user, fund),
            "donation_form": DonationForm(initial={"received_on": timezone.localdate()}),
            "void_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def donation_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    fund = selectors.access_fund_by_id(request.user, pk)
    return post_form_action(
        request,
        form=DonationForm(request.POST),
        back_to=fund,
        success=_("已入账并开具票据。"),
        call=lambda d: services.donation_record(actor=request.user, fund=fund, **d),
    )


@login_required
def ledger_export_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    fund = selectors.access_fund_by_id(request.user, pk)
    if not permissions.can_keep_fund(request.user, fund):
        raise PermissionDenied(_("您无权导出该账户。"))
    rows = [
        [
            e.seq,
            timezone.localtime(e.posted_at).strftime("%Y-%m-%d %H:%M"),
            str(e.get_kind_display()),
            e.amount,
            e.balance_after,
            e.committed_after,
            e.balance_after - e.committed_after,
            e.project.title if e.project else "",
            e.counterparty,
            e.memo,
        ]
        for e in selectors.fund_ledger(fund=fund)
    ]
    headers = [
        _("序号"),
        _("记账时间"),
        _("类型"),
        _("金额（元）"),
        _("余额"),
        _("已承诺"),
        _("可用"),
    ]
    headers += [_("项目"), _("对方"), _("摘要")]
    return xlsx(f"ledger-{fund.code}.xlsx", headers, rows)


@login_required
def receipt_pdf_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    receipt = selectors.access_receipt_by_id(request.user, pk)
    if not permissions.can_keep_fund(request.user, receipt.fund):
        raise PermissionDenied(_("您无权打印该票据。"))
    content = render_pdf("philanthropy/pdf/receipt.html", {"receipt": receipt})
    return pdf_response(content, f"receipt-{receipt.serial}.pdf")


@login_required
@require_POST
def receipt_void_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    receipt = selectors.access_receipt_by_id(request.user, pk)
    return post_form_action(
        request,
        form=ReasonForm(request.POST),
        back_to=receipt.fund,
        success=_("票据已作废，编号保留。"),
        call=lambda d: services.receipt_void(
            actor=request.user, receipt=receipt, reason=d["reason"]
        ),
    )
