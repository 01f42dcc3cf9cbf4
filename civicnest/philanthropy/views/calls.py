"""Programs and their calls: setting up, stages, expert panels, proposals, eligibility, reviews, the
shortlist and publishing. Which actions a page offers comes from `workflows.PROGRAM` and `PROPOSAL` only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.accounts.roles import Role
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.network.selectors import centers_visible_to
from civicnest.philanthropy import permissions, selectors, services
from civicnest.philanthropy.forms import (
    ConflictForm,
    EligibilityForm,
    ExpertForm,
    ProgramForm,
    ProposalForm,
    PublishForm,
    ShortlistForm,
    TenderForm,
    criteria_scores_from,
    parse_criteria,
    parse_indicators,
    parse_lines,
    review_form_class,
)
from civicnest.philanthropy.models import (
    PROGRAM_ORDER,
    FundingProgram,
    ProgramStatus,
    ProjectStatus,
    Proposal,
    ProposalStatus,
)
from civicnest.philanthropy.views.common import xlsx
from civicnest.philanthropy.workflows import ADVANCES, PROGRAM, PROPOSAL
from civicnest.regions.scoping import Scope
from civicnest.registry.selectors import own_organizations

# -- programs ------------------------------------------------------------------------------------


@login_required
def program_create_view(request: AuthenticatedRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("只有中心和民政部门工作人员可以设立资助项目。"))
    centers = centers_visible_to(request.user).order_by("region_id", "name")
    funds = selectors.active_funds(user=request.user)
    form = ProgramForm(request.POST or None, centers=centers, funds=funds)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            criteria = parse_criteria(data.pop("criteria"))
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


@login_required
def program_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    user = request.user
    can_run = permissions.can_run_program(user, program)
    allowed = PROGRAM.allowed_actions(program, user)
    advance = next((t for t in allowed if t.action in ADVANCES), None)
    experts = (
        selectors.experts(excluding_program=program) if can_run else selectors.experts().none()
    )
    projects = selectors.program_projects(user=user, program=program)
    return render(
        request,
        "philanthropy/program_detail.html",
        {
            "program": program,
            "can_run": can_run,
            "actions": {t.action for t in allowed},
            "stages": [(v, label, i) for i, (v, label) in enumerate(ProgramStatus.choices)],
            "stage_index": PROGRAM_ORDER.index(program.status),
            "next_stage": (advance.target, str(advance.label)) if advance else None,
            "criteria": selectors.program_criteria(program),
            "panel": selectors.program_panel(program) if can_run else [],
            "proposals": selectors.program_proposals(user=user, program=program),
            "projects": projects,
            "tenders": selectors.program_tenders(user=user, program=program),
            "expert_form": ExpertForm(experts=experts),
            "tender_form": TenderForm(),
            "used": sum(
                (p.budget for p in projects if p.status != ProjectStatus.TERMINATED), Decimal(0)
            ),
        },
    )


@login_required
@require_POST
def program_advance_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    try:
        services.program_advance(actor=request.user, program=program, to=request.POST.get("to", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(program)


@login_required
@require_POST
def expert_assign_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def proposal_export_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """申报书与评分 (xlsx): staff see every proposal; an organization would only see its own."""
    program = selectors.access_program_by_id(request.user, pk)
    if not permissions.can_run_program(request.user, program):
        raise PermissionDenied(_("只有主办中心可以导出评分。"))
    criteria = selectors.program_criteria(program)
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
    return xlsx(f"proposals-{program.pk}.xlsx", headers, rows)


# -- proposals -----------------------------------------------------------------------------------


def _proposal_form_save(
    request: AuthenticatedRequest, program: FundingProgram, proposal: Proposal | None
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
            lines = parse_lines(data.pop("budget_lines"), "budget_lines", money_column=True)
            data["outputs"] = parse_indicators(data["outputs"], "outputs")
            data["outcomes"] = parse_indicators(data["outcomes"], "outcomes")
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
def proposal_create_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.access_program_by_id(request.user, pk)
    if not permissions.own_org_ids(request.user):
        raise PermissionDenied(_("只有社会组织可以申报项目。"))
    return _proposal_form_save(request, program, None)


@login_required
def proposal_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    if not permissions.speaks_for(request.user, proposal.organization_id):
        raise PermissionDenied(_("只能修改本组织的申报书。"))
    return _proposal_form_save(request, proposal.program, proposal)


@login_required
def proposal_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    user = request.user
    program = proposal.program
    can_run = permissions.can_run_program(user, program)
    is_own = permissions.speaks_for(user, proposal.organization_id)
    summary = selectors.proposal_scores(proposal)
    actions = PROPOSAL.names(proposal, user)
    return render(
        request,
        "philanthropy/proposal_detail.html",
        {
            "proposal": proposal,
            "program": program,
            "can_run": can_run,
            "is_own": is_own,
            "actions": actions,
            # Staff see every reviewer; the organization its mean and per-criterion means, never who scored.
            "summary": summary if (can_run or is_own) else None,
            "show_reviewers": can_run,
            "problems": selectors.eligibility_problems(proposal) if can_run else [],
            "is_expert": permissions.is_panel_expert(user, program),
            "review_form": review_form_class(selectors.program_criteria(program))()
            if "review" in actions
            else None,
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
def proposal_submit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def eligibility_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def review_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    form = review_form_class(selectors.program_criteria(proposal.program))(request.POST)
    return post_form_action(
        request,
        form=form,
        back_to=proposal,
        success=_("评分已提交。"),
        call=lambda d: services.review_submit(
            actor=request.user,
            proposal=proposal,
            scores=criteria_scores_from(d),
            comment=d.get("comment", ""),
            no_conflict=bool(d.get("no_conflict")),
        ),
    )


@login_required
@require_POST
def conflict_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = selectors.access_proposal_by_id(request.user, pk)
    return post_form_action(
        request,
        form=ConflictForm(request.POST),
        back_to="philanthropy:review-queue",
        success=_("已声明利益冲突，您将回避该组织的申报书。"),
        call=lambda d: services.conflict_declare(
            actor=request.user, proposal=proposal, reason=d["reason"]
        ),
    )


@login_required
@require_POST
def shortlist_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def publish_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def review_queue_view(request: AuthenticatedRequest) -> HttpResponse:
    if not Scope.for_user(request.user).has_role(Role.EXPERT):
        raise PermissionDenied(_("只有评审专家可以查看评审任务。"))
    queue = selectors.review_queue(user=request.user)
    for p in queue:
        p.actions = PROPOSAL.names(p, request.user)  # type: ignore[attr-defined]
    return render(
        request,
        "philanthropy/review_queue.html",
        {
            "queue": queue,
            "done": selectors.my_reviews(user=request.user).order_by("-created_at")[:100],
            "conflict_form": ConflictForm(),
        },
    )
