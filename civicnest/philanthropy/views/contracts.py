"""Projects from publication to the end: subscriptions, the contract and its tranches, progress reports,
evaluation, the result, refunds and termination. Which actions a page offers comes from
`workflows.PROJECT` and `TRANCHE` only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.masking import mask_name
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.core.views import serve_stored_file
from civicnest.philanthropy import permissions, selectors, services
from civicnest.philanthropy.forms import (
    ContractForm,
    DisburseForm,
    ExpertEvaluationForm,
    ReasonForm,
    RefundForm,
    ReportForm,
    ResultForm,
    SelfEvaluationForm,
    SubscribeForm,
    TrancheForm,
    parse_indicators,
    parse_tranches,
)
from civicnest.philanthropy.models import Project
from civicnest.philanthropy.workflows import PROJECT, TRANCHE


@login_required
def project_list_view(request: AuthenticatedRequest) -> HttpResponse:
    projects = selectors.recent_projects(user=request.user)[:200]
    rows = [(p, selectors.project_money(p)) for p in projects]
    return render(request, "philanthropy/project_list.html", {"rows": rows})


@login_required
def project_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    project = selectors.access_project_by_id(request.user, pk)
    user = request.user
    can_run = permissions.can_run_program(user, project.program)
    is_own = permissions.speaks_for(user, project.organization_id)
    contract = selectors.contract_of(project)
    if contract is not None:
        contract.project = project
    tranches = selectors.contract_tranches(contract)
    for t in tranches:
        t.actions = TRANCHE.names(t, user)  # type: ignore[attr-defined]
    subs = selectors.subscriptions_of(project=project)
    for s in subs:
        s.display_name = (
            s.funder_name
            if (can_run or is_own or s.funder_id == user.pk)
            else mask_name(s.funder_name)
        )
    return render(
        request,
        "philanthropy/project_detail.html",
        {
            "project": project,
            "money": selectors.project_money(project),
            "can_run": can_run,
            "is_own": is_own,
            "actions": PROJECT.names(project, user),
            "subscriptions": subs,
            "contract": contract,
            "tranches": tranches,
            "reports": selectors.project_reports(user=user, project=project),
            "show_attachments": selectors.can_read_reports(user, project),
            "evaluation": selectors.evaluation_of(project),
            "subscribe_form": SubscribeForm(initial={"funder_name": user.display_name}),
            "contract_form": ContractForm(
                initial={
                    "amount": project.budget,
                    "starts_on": timezone.localdate(),
                    "ends_on": project.program.implementation_ends,
                }
            ),
            "tranche_form": TrancheForm(),
            "disburse_form": DisburseForm(),
            "report_form": ReportForm(),
            "self_form": SelfEvaluationForm(),
            "expert_form": ExpertEvaluationForm(),
            "result_form": ResultForm(),
            "reason_form": ReasonForm(),
            "refund_form": RefundForm(),
        },
    )


def _project_action(
    request: AuthenticatedRequest,
    pk: int,
    form: Any,
    success: str,
    call: Callable[[Project, dict[str, Any]], Any],
) -> HttpResponse:
    project = selectors.access_project_by_id(request.user, pk)
    return post_form_action(
        request, form=form, back_to=project, success=success, call=lambda d: call(project, d)
    )


@login_required
@require_POST
def subscribe_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        SubscribeForm(request.POST),
        _("认购成功，已开具捐赠票据。"),
        lambda p, d: services.subscription_create(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def contract_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def call(project: Project, d: dict[str, Any]) -> Any:
        tranches = parse_tranches(d.pop("tranches", ""))
        return services.contract_sign(
            actor=request.user, project=project, data=d, tranches=tranches
        )

    return _project_action(request, pk, ContractForm(request.POST), _("合同已签订。"), call)


@login_required
def contract_pdf_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    project = selectors.access_project_by_id(request.user, pk)
    if not (
        permissions.can_run_program(request.user, project.program)
        or permissions.speaks_for(request.user, project.organization_id)
    ):
        raise PermissionDenied(_("只有合同双方可以下载合同。"))
    contract = selectors.contract_of(project)
    if contract is None:
        messages.error(request, _("项目尚未签约。"))
        return redirect(project)
    content = render_pdf(
        "philanthropy/pdf/contract.html",
        {
            "project": project,
            "contract": contract,
            "tranches": selectors.contract_tranches(contract, with_entries=False),
        },
    )
    return pdf_response(content, f"contract-{contract.number}.pdf")


@login_required
@require_POST
def tranche_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        TrancheForm(request.POST),
        _("已增加拨付期次。"),
        lambda p, d: services.tranche_add(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def disburse_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tranche = selectors.access_tranche_by_id(request.user, pk)
    return post_form_action(
        request,
        form=DisburseForm(request.POST),
        back_to=tranche.contract.project,
        success=_("已审批并拨付，账目已记录。"),
        call=lambda d: services.tranche_disburse(
            actor=request.user, tranche=tranche, note=d["note"]
        ),
    )


@login_required
@require_POST
def report_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def call(project: Project, d: dict[str, Any]) -> Any:
        indicators = parse_indicators(d.get("indicators", ""), "indicators", key="actual")
        return services.report_submit(
            actor=request.user,
            project=project,
            period=d["period"],
            narrative=d["narrative"],
            indicators=indicators,
            spent=d["spent"],
            receipts=d.get("receipts") or [],
        )

    return _project_action(
        request, pk, ReportForm(request.POST, request.FILES), _("进度报告已提交。"), call
    )


@login_required
def attachment_view(request: AuthenticatedRequest, pk: int) -> Any:
    attachment = selectors.access_attachment_by_id(request.user, pk)
    return serve_stored_file(attachment.file, filename=attachment.original_name)


@login_required
@require_POST
def self_evaluation_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        SelfEvaluationForm(request.POST),
        _("自评已提交。"),
        lambda p, d: services.evaluation_self_submit(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def expert_evaluation_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        ExpertEvaluationForm(request.POST),
        _("评估结论已记录。"),
        lambda p, d: services.evaluation_expert_submit(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def result_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        ResultForm(request.POST),
        _("结项成果已在门户公开。"),
        lambda p, d: services.project_result_publish(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def refund_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        RefundForm(request.POST),
        _("退回资金已入账。"),
        lambda p, d: services.refund_record(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def terminate_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        ReasonForm(request.POST),
        _("项目已终止，未拨付的承诺已释放。"),
        lambda p, d: services.project_terminate(actor=request.user, project=p, **d),
    )
