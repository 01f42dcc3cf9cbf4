"""Pages of the funding chain for staff, organizations, experts and funders. Thin: parse, call, render."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.roles import Role
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.masking import mask_name
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.core.views import serve_stored_file
from civicnest.core.xlsx import table_xlsx, xlsx_response
from civicnest.network.selectors import centers_visible_to
from civicnest.philanthropy import permissions, selectors, services
from civicnest.philanthropy.forms import (
    AwardForm,
    BidForm,
    BidScoreForm,
    ConflictForm,
    ContractForm,
    DisburseForm,
    DonationForm,
    EligibilityForm,
    ExpertEvaluationForm,
    ExpertForm,
    FundForm,
    ProgramForm,
    ProposalForm,
    PublishForm,
    ReasonForm,
    RefundForm,
    ReportForm,
    ResultForm,
    SelfEvaluationForm,
    ShortlistForm,
    SubscribeForm,
    TenderForm,
    TrancheForm,
    review_form_class,
)
from civicnest.philanthropy.models import (
    PROGRAM_ORDER,
    FundingProgram,
    ProgramKind,
    ProgramStatus,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    TenderStatus,
)
from civicnest.regions.scoping import Scope
from civicnest.registry.selectors import own_organizations


def _xlsx(filename: str, headers: list[str], rows: list[list[Any]]) -> HttpResponse:
    return xlsx_response(table_xlsx(headers, rows), filename)


def _pairs(text: str, field: str, *, money_column: bool = False) -> list[tuple[str, str]]:
    return services.parse_lines(text, field, money_column=money_column)


def _indicators(text: str, field: str) -> list[dict[str, str]]:
    return [{"name": n, "target": v} for n, v in _pairs(text, field)]


# -- home ----------------------------------------------------------------------------------------


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = Scope.for_user(user)
    programs = selectors.programs_visible_to(user).select_related("center").order_by("-pk")[:50]
    context: dict[str, Any] = {
        "programs": programs,
        "is_staff": scope.is_staff_member,
        "is_org": bool(permissions.own_org_ids(user)),
        "is_expert": scope.has_role(Role.EXPERT),
        "is_funder": permissions.is_funder(user),
        "proposals": selectors.proposals_visible_to(user)
        .filter(organization_id__in=permissions.own_org_ids(user))
        .select_related("program")
        .order_by("-pk")[:50],
        "projects": selectors.projects_visible_to(user)
        .select_related("organization", "program")
        .order_by("-published_at")[:50],
        "queue": selectors.review_queue(user=user) if scope.has_role(Role.EXPERT) else [],
        "tenders": selectors.tenders_visible_to(user)
        .filter(status=TenderStatus.OPEN)
        .order_by("closes_on")[:20],
        "subscriptions": selectors.funder_subscriptions(user=user)[:50],
        "funds": selectors.funds_visible_to(user)[:20] if scope.is_staff_member else [],
    }
    return render(request, "philanthropy/home.html", context)


# -- funds ---------------------------------------------------------------------------------------


@login_required
def fund_list_view(request: HttpRequest) -> HttpResponse:
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
    funds = [(f, services.fund_totals(f)) for f in selectors.funds_visible_to(request.user)[:100]]
    return render(request, "philanthropy/fund_list.html", {"funds": funds, "form": form})


@login_required
def fund_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.access_fund_by_id(request.user, pk)
    return render(
        request,
        "philanthropy/fund_detail.html",
        {
            "fund": fund,
            "totals": services.fund_totals(fund),
            "entries": selectors.fund_ledger(fund=fund).reverse()[:200],
            "receipts": fund.receipts.order_by("-year", "-seq")[:100],
            "can_keep": permissions.can_keep_fund(request.user, fund),
            "donation_form": DonationForm(initial={"received_on": timezone.localdate()}),
            "void_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def donation_view(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.access_fund_by_id(request.user, pk)
    return post_form_action(
        request,
        form=DonationForm(request.POST),
        back_to=fund,
        success=_("已入账并开具票据。"),
        call=lambda d: services.donation_record(actor=request.user, fund=fund, **d),
    )


@login_required
def ledger_export_view(request: HttpRequest, pk: int) -> HttpResponse:
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
    return _xlsx(f"ledger-{fund.code}.xlsx", headers, rows)


@login_required
def receipt_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = selectors.access_receipt_by_id(request.user, pk)
    if not permissions.can_keep_fund(request.user, receipt.fund):
        raise PermissionDenied(_("您无权打印该票据。"))
    content = render_pdf("philanthropy/pdf/receipt.html", {"receipt": receipt})
    return pdf_response(content, f"receipt-{receipt.serial}.pdf")


@login_required
@require_POST
def receipt_void_view(request: HttpRequest, pk: int) -> HttpResponse:
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


# -- programs ------------------------------------------------------------------------------------


@login_required
def program_create_view(request: HttpRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("只有中心和民政部门工作人员可以设立资助项目。"))
    centers = centers_visible_to(request.user).order_by("region_id", "name")
    funds = selectors.funds_visible_to(request.user).filter(is_active=True)
    form = ProgramForm(request.POST or None, centers=centers, funds=funds)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            criteria = services.parse_criteria(data.pop("criteria"))
            program = services.program_create(
                actor=request.user,
                center=data.pop("center"),
                fund=data.pop("fund"),
                data=data,
                criteria=criteria,
            )
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(program)
    return render(request, "philanthropy/program_form.html", {"form": form})


def _next_program_stage(program: FundingProgram) -> tuple[str, str] | None:
    index = PROGRAM_ORDER.index(program.status)
    if index + 1 >= len(PROGRAM_ORDER):
        return None
    nxt = ProgramStatus(PROGRAM_ORDER[index + 1])
    return nxt.value, str(nxt.label)


@login_required
def program_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    can_run = permissions.can_run_program(request.user, program)
    experts = (
        selectors.experts(excluding_program=program) if can_run else selectors.experts().none()
    )
    projects = selectors.projects_visible_to(request.user).filter(program=program)
    return render(
        request,
        "philanthropy/program_detail.html",
        {
            "program": program,
            "can_run": can_run,
            "stages": [(v, label, i) for i, (v, label) in enumerate(ProgramStatus.choices)],
            "stage_index": PROGRAM_ORDER.index(program.status),
            "next_stage": _next_program_stage(program),
            "criteria": program.criteria.all(),
            "panel": program.experts.select_related("expert") if can_run else [],
            "proposals": selectors.program_proposals(user=request.user, program=program),
            "projects": projects.select_related("organization"),
            "tenders": selectors.tenders_visible_to(request.user).filter(program=program),
            "can_apply": bool(permissions.own_org_ids(request.user))
            and program.status == ProgramStatus.CALL_OPEN
            and program.kind == ProgramKind.VENTURE,
            "expert_form": ExpertForm(experts=experts),
            "tender_form": TenderForm(),
            "used": sum(
                (p.budget for p in projects if p.status != ProjectStatus.TERMINATED), Decimal(0)
            ),
        },
    )


@login_required
@require_POST
def program_advance_view(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    try:
        services.program_advance(actor=request.user, program=program, to=request.POST.get("to", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(program)


@login_required
@require_POST
def expert_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    if not permissions.can_run_program(request.user, program):
        raise PermissionDenied(_("只有主办中心可以指派评审专家。"))
    experts = selectors.experts()
    return post_form_action(
        request,
        form=ExpertForm(request.POST, experts=experts),
        back_to=program,
        success=_("已指派评审专家。"),
        call=lambda d: services.expert_assign(
            actor=request.user, program=program, expert=d["expert"]
        ),
    )


@login_required
def proposal_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    """申报书与评分 (xlsx): staff see every proposal; an organization would only see its own."""
    program = selectors.access_program_by_id(request.user, pk)
    if not permissions.can_run_program(request.user, program):
        raise PermissionDenied(_("只有主办中心可以导出评分。"))
    criteria = list(program.criteria.all())
    headers = [
        _("编号"),
        _("申报组织"),
        _("项目名称"),
        _("服务领域"),
        _("申请金额（元）"),
        _("状态"),
    ]
    headers += [_("评审人数"), _("最终得分")] + [c.name for c in criteria] + [_("离群评分")]
    rows = []
    for p in selectors.program_proposals(user=request.user, program=program):
        summary = selectors.proposal_scores(p)
        means = dict(summary.criteria_means)
        rows.append(
            [
                p.pk,
                p.organization.name,
                p.title,
                p.category,
                p.requested_total,
                str(p.get_status_display()),
                summary.count,
                summary.mean,
                *[means.get(c.name) for c in criteria],
                "、".join(str(r.total) for r in summary.reviews if r.pk in summary.outliers),
            ]
        )
    return _xlsx(f"proposals-{program.pk}.xlsx", headers, rows)


# -- proposals -----------------------------------------------------------------------------------


def _proposal_form_save(
    request: HttpRequest, program: FundingProgram, proposal: Proposal | None
) -> HttpResponse:
    orgs = own_organizations(user=request.user)
    initial: dict[str, Any] = {}
    if proposal is not None:
        initial = {
            "organization": proposal.organization,
            "title": proposal.title,
            "category": proposal.category,
            "objectives": proposal.objectives,
            "beneficiaries": proposal.beneficiaries,
            "beneficiary_count": proposal.beneficiary_count,
            "activities": proposal.activities,
            "budget_lines": "\n".join(f"{b.item},{b.amount}" for b in proposal.budget_lines.all()),
            "outputs": "\n".join(f"{o['name']},{o['target']}" for o in proposal.outputs),
            "outcomes": "\n".join(f"{o['name']},{o['target']}" for o in proposal.outcomes),
            "team": proposal.team,
        }
    form = ProposalForm(request.POST or None, organizations=orgs, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            lines = _pairs(data.pop("budget_lines"), "budget_lines", money_column=True)
            data["outputs"] = _indicators(data["outputs"], "outputs")
            data["outcomes"] = _indicators(data["outcomes"], "outcomes")
            saved = services.proposal_save(
                actor=request.user,
                program=program,
                organization=data.pop("organization"),
                data=data,
                budget_lines=list(lines),
                proposal=proposal,
            )
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("申报书已保存，确认无误后请提交。"))
            return redirect(saved)
    return render(
        request,
        "philanthropy/proposal_form.html",
        {"form": form, "program": program, "proposal": proposal},
    )


@login_required
def proposal_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    if not permissions.own_org_ids(request.user):
        raise PermissionDenied(_("只有社会组织可以申报项目。"))
    return _proposal_form_save(request, program, None)


@login_required
def proposal_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    if not permissions.speaks_for(request.user, proposal.organization_id):
        raise PermissionDenied(_("只能修改本组织的申报书。"))
    return _proposal_form_save(request, proposal.program, proposal)


@login_required
def proposal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    user = request.user
    program = proposal.program
    can_run = permissions.can_run_program(user, program)
    is_own = permissions.speaks_for(user, proposal.organization_id)
    summary = selectors.proposal_scores(proposal)
    can_review = (
        permissions.can_review(user, program, proposal.organization_id)
        and program.status == ProgramStatus.REVIEWING
        and proposal.status == ProposalStatus.ELIGIBLE
        and not proposal.reviews.filter(expert_id=user.pk).exists()
    )
    criteria = list(program.criteria.all())
    return render(
        request,
        "philanthropy/proposal_detail.html",
        {
            "proposal": proposal,
            "program": program,
            "can_run": can_run,
            "is_own": is_own,
            # Staff see every reviewer; the organization its mean and per-criterion means, never who scored.
            "summary": summary if (can_run or is_own) else None,
            "show_reviewers": can_run,
            "problems": services.eligibility_problems(proposal) if can_run else [],
            "can_review": can_review,
            "is_expert": permissions.is_panel_expert(user, program),
            "review_form": review_form_class(criteria)() if can_review else None,
            "eligibility_form": EligibilityForm(),
            "shortlist_form": ShortlistForm(),
            "publish_form": PublishForm(initial={"budget": proposal.requested_total}),
            "conflict_form": ConflictForm(),
            "project": getattr(proposal, "project", None)
            if proposal.status == ProposalStatus.PUBLISHED
            else None,
        },
    )


@login_required
@require_POST
def proposal_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    try:
        services.proposal_submit(actor=request.user, proposal=proposal)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("申报书已提交。"))
    return redirect(proposal)


@login_required
@require_POST
def eligibility_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    return post_form_action(
        request,
        form=EligibilityForm(request.POST),
        back_to=proposal,
        success=_("已记录资格审查结论。"),
        call=lambda d: services.proposal_check_eligibility(
            actor=request.user, proposal=proposal, **d
        ),
    )


@login_required
@require_POST
def review_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    form = review_form_class(list(proposal.program.criteria.all()))(request.POST)
    return post_form_action(
        request,
        form=form,
        back_to=proposal,
        success=_("评分已提交。"),
        call=lambda d: services.review_submit(
            actor=request.user,
            proposal=proposal,
            scores=services.criteria_scores_from(d),
            comment=d.get("comment", ""),
            no_conflict=bool(d.get("no_conflict")),
        ),
    )


@login_required
@require_POST
def conflict_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    result = post_form_action(
        request,
        form=ConflictForm(request.POST),
        back_to="philanthropy:review-queue",
        success=_("已声明利益冲突，您将回避该组织的申报书。"),
        call=lambda d: services.conflict_declare(
            actor=request.user, proposal=proposal, reason=d["reason"]
        ),
    )
    return result


@login_required
@require_POST
def shortlist_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    return post_form_action(
        request,
        form=ShortlistForm(request.POST),
        back_to=proposal,
        success=_("已确定入围结论。"),
        call=lambda d: services.proposal_shortlist(actor=request.user, proposal=proposal, **d),
    )


@login_required
@require_POST
def publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            project = services.project_publish(
                actor=request.user, proposal=proposal, budget=form.cleaned_data["budget"]
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, getattr(exc, "message", None) or "；".join(exc.messages))  # type: ignore[union-attr]
        else:
            messages.success(request, _("项目已发布，资助方可以认购。"))
            return redirect(project)
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(proposal)


@login_required
def review_queue_view(request: HttpRequest) -> HttpResponse:
    if not Scope.for_user(request.user).has_role(Role.EXPERT):
        raise PermissionDenied(_("只有评审专家可以查看评审任务。"))
    return render(
        request,
        "philanthropy/review_queue.html",
        {
            "queue": selectors.review_queue(user=request.user),
            "done": selectors.my_reviews(user=request.user).order_by("-created_at")[:100],
            "conflict_form": ConflictForm(),
        },
    )


# -- projects ------------------------------------------------------------------------------------


@login_required
def project_list_view(request: HttpRequest) -> HttpResponse:
    projects = (
        selectors.projects_visible_to(request.user)
        .select_related("organization", "program", "region")
        .order_by("-published_at")[:200]
    )
    rows = [(p, services.project_money(p)) for p in projects]
    return render(request, "philanthropy/project_list.html", {"rows": rows})


@login_required
def project_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.access_project_by_id(request.user, pk)
    user = request.user
    can_run = permissions.can_run_program(user, project.program)
    is_own = permissions.speaks_for(user, project.organization_id)
    contract = getattr(project, "contract", None) if hasattr(project, "contract") else None
    evaluation = getattr(project, "evaluation", None) if hasattr(project, "evaluation") else None
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
            "money": services.project_money(project),
            "can_run": can_run,
            "is_own": is_own,
            "can_subscribe": permissions.can_subscribe(user, project)
            and project.status == ProjectStatus.PUBLISHED
            and project.program.kind == ProgramKind.VENTURE,
            "can_evaluate": permissions.can_evaluate(user, project),
            "subscriptions": subs,
            "contract": contract,
            "tranches": contract.tranches.select_related("entry") if contract else [],
            # Funders who subscribed follow the progress; receipts stay with the organization and staff.
            "reports": project.reports.prefetch_related("attachments")
            if selectors.can_read_reports(user, project)
            or project.subscriptions.filter(funder_id=user.pk).exists()
            else [],
            "show_attachments": selectors.can_read_reports(user, project),
            "evaluation": evaluation,
            "subscribe_form": SubscribeForm(initial={"funder_name": user.display_name}),  # type: ignore[union-attr]
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
    request: HttpRequest,
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
def subscribe_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        SubscribeForm(request.POST),
        _("认购成功，已开具捐赠票据。"),
        lambda p, d: services.subscription_create(actor=request.user, project=p, **d),
    )


def _tranche_specs(text: str) -> list[dict[str, Any]]:
    specs = []
    for raw in (text or "").splitlines():
        line = raw.strip().replace("，", ",")
        if not line:
            continue
        parts = [x.strip() for x in line.split(",")]
        try:
            due = datetime.date.fromisoformat(parts[2]) if len(parts) == 3 else None
        except ValueError:
            due = None
        if len(parts) != 3 or due is None or not parts[0]:
            raise ValidationError(
                {
                    "tranches": [
                        _("拨付计划每行格式应为“里程碑,金额,日期(YYYY-MM-DD)”：%(l)s") % {"l": raw}
                    ]
                }
            )
        specs.append({"milestone": parts[0], "amount": parts[1], "due_on": due})
    return specs


@login_required
@require_POST
def contract_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call(project: Project, d: dict[str, Any]) -> Any:
        tranches = _tranche_specs(d.pop("tranches", ""))
        return services.contract_sign(
            actor=request.user, project=project, data=d, tranches=tranches
        )

    return _project_action(request, pk, ContractForm(request.POST), _("合同已签订。"), call)


@login_required
def contract_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.access_project_by_id(request.user, pk)
    if not (
        permissions.can_run_program(request.user, project.program)
        or permissions.speaks_for(request.user, project.organization_id)
    ):
        raise PermissionDenied(_("只有合同双方可以下载合同。"))
    contract = getattr(project, "contract", None) if hasattr(project, "contract") else None
    if contract is None:
        messages.error(request, _("项目尚未签约。"))
        return redirect(project)
    content = render_pdf(
        "philanthropy/pdf/contract.html",
        {"project": project, "contract": contract, "tranches": contract.tranches.all()},
    )
    return pdf_response(content, f"contract-{contract.number}.pdf")


@login_required
@require_POST
def tranche_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        TrancheForm(request.POST),
        _("已增加拨付期次。"),
        lambda p, d: services.tranche_add(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def disburse_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call(project: Project, d: dict[str, Any]) -> Any:
        indicators = [
            {"name": n, "actual": v} for n, v in _pairs(d.get("indicators", ""), "indicators")
        ]
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
def attachment_view(request: HttpRequest, pk: int) -> Any:
    attachment = selectors.access_attachment_by_id(request.user, pk)
    return serve_stored_file(attachment.file, filename=attachment.original_name)


@login_required
@require_POST
def self_evaluation_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        SelfEvaluationForm(request.POST),
        _("自评已提交。"),
        lambda p, d: services.evaluation_self_submit(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def expert_evaluation_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        ExpertEvaluationForm(request.POST),
        _("评估结论已记录。"),
        lambda p, d: services.evaluation_expert_submit(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def result_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        ResultForm(request.POST),
        _("结项成果已在门户公开。"),
        lambda p, d: services.project_result_publish(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        RefundForm(request.POST),
        _("退回资金已入账。"),
        lambda p, d: services.refund_record(actor=request.user, project=p, **d),
    )


@login_required
@require_POST
def terminate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_action(
        request,
        pk,
        ReasonForm(request.POST),
        _("项目已终止，未拨付的承诺已释放。"),
        lambda p, d: services.project_terminate(actor=request.user, project=p, **d),
    )


# -- tenders -------------------------------------------------------------------------------------


@login_required
@require_POST
def tender_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    return post_form_action(
        request,
        form=TenderForm(request.POST),
        back_to=program,
        success=_("招标已发布。"),
        call=lambda d: services.tender_open(actor=request.user, program=program, data=d),
    )


@login_required
def tender_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.access_tender_by_id(request.user, pk)
    orgs = own_organizations(user=request.user)
    can_run = permissions.can_run_program(request.user, tender.program)
    project = None
    awarded = tender.awarded_bid
    if awarded is not None:
        project = (
            selectors.projects_visible_to(request.user)
            .filter(
                program=tender.program,
                organization_id=awarded.organization_id,
                title=tender.title,
            )
            .first()
        )
    return render(
        request,
        "philanthropy/tender_detail.html",
        {
            "tender": tender,
            "bids": selectors.tender_bids(user=request.user, tender=tender),
            "can_run": can_run,
            "can_bid": bool(orgs) and tender.status == TenderStatus.OPEN,
            "bid_form": BidForm(organizations=orgs),
            "score_form": BidScoreForm(),
            "award_form": AwardForm(),
            "project": project,
        },
    )


@login_required
@require_POST
def bid_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def bid_score_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def award_view(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.access_tender_by_id(request.user, pk)

    def call(d: dict[str, Any]) -> Any:
        bid = tender.bids.filter(pk=d["bid"]).first()
        if bid is None:
            raise ValidationError({"bid": [_("请选择中标的投标。")]})
        return services.tender_award(
            actor=request.user, tender=tender, bid=bid, reasons=d["reasons"]
        )

    return post_form_action(
        request, form=AwardForm(request.POST), back_to=tender, success=_("已定标。"), call=call
    )
