"""Grading pages: rounds, assessments (self-assessment, evidence, eligibility, evaluators, on-site scores,
the committee's grade, appeals, confirmation), the report PDF and conflict declarations. Which actions a
page offers comes only from the workflow tables (`evaluation.workflows`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.evaluation import permissions, selectors, services
from civicnest.evaluation.forms import (
    AppealDecideForm,
    AppealForm,
    AssignForm,
    ConflictForm,
    EligibilityForm,
    EvidenceForm,
    NoteForm,
    OnsiteScoreForm,
    RoundForm,
    SelfAssessmentForm,
)
from civicnest.evaluation.models import AssessmentStatus, EvaluatorAssignment, RoundStatus
from civicnest.evaluation.workflows import APPEAL, ASSESSMENT, ROUND, appeal_window_open
from civicnest.regions.scoping import Scope


# -- rounds -----------------------------------------------------------------------------------------
@login_required
def round_create_view(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.is_bureau(request.user):
        raise PermissionDenied(_("只有民政局可以发起等级评估。"))
    form = RoundForm(request.POST or None)
    if request.method == "GET":
        home = Scope.for_user(request.user).home_region_code
        form.fields["region"].initial = home or "4201"
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_open(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
            if "grade_bands" in getattr(exc, "error_dict", {}):
                form.add_error(None, "；".join(exc.message_dict["grade_bands"]))
        else:
            messages.success(request, _("评估批次已发起。"))
            return redirect(round_)
    return render(request, "evaluation/round_form.html", {"form": form})


@login_required
def round_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    round_ = selectors.access_round_by_id(request.user, pk)
    actions = ROUND.names(round_, request.user)
    advance = [t for t in ROUND.allowed_actions(round_, request.user) if t.action != "apply"]
    my_orgs = (
        [
            o
            for o in selectors.organizations_represented(user=request.user)
            if round_ in selectors.open_rounds_for_org(o)
        ]
        if "apply" in actions
        else []
    )
    close_blocked = None
    if round_.status == RoundStatus.EVALUATING and permissions.can_run_round(request.user, round_):
        close_blocked = ROUND.refusal(round_, "close", request.user)
    return render(
        request,
        "evaluation/round_detail.html",
        {
            "round": round_,
            "assessments": selectors.round_assessments(user=request.user, round_=round_),
            "next_status": RoundStatus(advance[0].target) if advance else None,
            "close_blocked": close_blocked,
            "bands": sorted(round_.grade_bands.items(), key=lambda kv: -kv[1]),
            "can_apply_for": my_orgs,
        },
    )


@login_required
@require_POST
def round_advance_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    round_ = selectors.access_round_by_id(request.user, pk)
    try:
        services.round_advance(
            actor=request.user, round_=round_, status=request.POST.get("status", "")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(round_)


@login_required
@require_POST
def round_apply_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    round_ = selectors.access_round_by_id(request.user, pk)
    org = selectors.organization_by_id(request.POST.get("organization"))
    if org is None or not permissions.can_apply(request.user, org):
        raise PermissionDenied(_("只有该组织的负责人可以申报。"))
    try:
        assessment = services.assessment_apply(actor=request.user, round_=round_, organization=org)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(round_)
    messages.success(request, _("已申报，请填写自评并上传佐证材料。"))
    return redirect("evaluation:self-assessment", pk=assessment.pk)


# -- assessments ------------------------------------------------------------------------------------
@login_required
def assessment_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    can_run = permissions.can_run_round(request.user, assessment.round)
    is_rep = permissions.is_org_rep(request.user, assessment.organization)
    mine = permissions.assignment_of(request.user, assessment)
    appeal = selectors.appeal_of(assessment)
    assignments = selectors.assignments_of(assessment)
    onsite = {a.pk: selectors.onsite_rates(a) for a in assignments} if (can_run or mine) else {}
    context = {
        "assessment": assessment,
        "actions": ASSESSMENT.names(assessment, request.user),
        "appeal_actions": APPEAL.names(appeal, request.user) if appeal is not None else set(),
        "can_run": can_run,
        "is_rep": is_rep,
        "appeal": appeal,
        "rows": selectors.indicator_rows(assessment.template),
        "self_rates": selectors.self_rates(assessment),
        "assignments": assignments if (can_run or mine) else [],
        "onsite": onsite,
        "evidence": selectors.evidence_of(assessment),
        "evidence_form": EvidenceForm(template=assessment.template),
        "eligibility_form": EligibilityForm(),
        "assign_form": AssignForm(evaluators=selectors.evaluators_for(user=request.user)),
        "note_form": NoteForm(),
        "appeal_form": AppealForm(),
        "decide_form": AppealDecideForm(),
        "window_open": appeal_window_open(assessment),
        "S": AssessmentStatus,
    }
    return render(request, "evaluation/assessment_detail.html", context)


@login_required
def self_assessment_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    if not permissions.can_edit_self_assessment(request.user, assessment):
        raise PermissionDenied(_("只有该组织的负责人可以填写自评。"))
    refused = ASSESSMENT.refusal(assessment, "save_self", request.user)
    if refused is not None:
        messages.info(
            request, _("自评已提交。") if assessment.status != AssessmentStatus.DRAFT else refused
        )
        return redirect(assessment)
    rows = selectors.indicator_rows(assessment.template)
    submit = request.POST.get("action") == "submit"
    form = SelfAssessmentForm(
        request.POST or None,
        rows=rows,
        initial_scores=selectors.own_self_scores(assessment),
        required=submit,
        initial={"summary": assessment.self_summary},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.self_assessment_save(
                actor=request.user,
                assessment=assessment,
                scores=form.scores(),
                summary=form.cleaned_data.get("summary", ""),
                submit=submit,
            )
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("自评已提交，等待资格审核。") if submit else _("自评已保存。")
            )
            return redirect(
                assessment if submit else reverse("evaluation:self-assessment", kwargs={"pk": pk})
            )
    return render(
        request,
        "evaluation/self_assessment.html",
        {
            "assessment": assessment,
            "form": form,
            "actions": ASSESSMENT.names(assessment, request.user),
            "evidence": selectors.evidence_of(assessment),
            "evidence_form": EvidenceForm(template=assessment.template),
        },
    )


@login_required
@require_POST
def evidence_upload_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES, template=assessment.template)
    return post_form_action(
        request,
        form=form,
        back_to=reverse("evaluation:self-assessment", kwargs={"pk": pk})
        if assessment.status == AssessmentStatus.DRAFT
        else assessment.get_absolute_url(),
        success=_("材料已上传。"),
        call=lambda d: services.evidence_upload(
            actor=request.user,
            assessment=assessment,
            title=d["title"],
            upload=d["file"],
            indicator=d.get("indicator"),
        ),
    )


@login_required
def evidence_download_view(request: AuthenticatedRequest, pk: int) -> FileResponse:
    evidence = selectors.access_evidence_by_id(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("文件不存在。")) from exc
    return FileResponse(handle, as_attachment=True, filename=evidence.file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def eligibility_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    return post_form_action(
        request,
        form=EligibilityForm(request.POST),
        back_to=assessment,
        success=_("资格审核已记录。"),
        call=lambda d: services.assessment_check_eligibility(
            actor=request.user, assessment=assessment, accept=d["accept"], note=d.get("note", "")
        ),
    )


@login_required
@require_POST
def assign_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    return post_form_action(
        request,
        form=AssignForm(request.POST, evaluators=selectors.evaluators_for(user=request.user)),
        back_to=assessment,
        success=_("已分派评估专家。"),
        call=lambda d: services.evaluator_assign(
            actor=request.user, assessment=assessment, evaluator=d["evaluator"]
        ),
    )


@login_required
def score_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The evaluator's on-site scoring page: one indicator per card, designed for a phone."""
    assessment = selectors.access_assessment_by_id(request.user, pk)
    mine = permissions.assignment_of(request.user, assessment)
    if mine is None:
        raise PermissionDenied(_("只有被分派的专家可以打分。"))
    if "score" not in ASSESSMENT.names(assessment, request.user):
        messages.info(request, _("评分已提交。"))
        return redirect(assessment)
    rows = selectors.indicator_rows(assessment.template)
    form = OnsiteScoreForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            services.onsite_score_submit(
                actor=request.user,
                assignment=mine,
                scores=form.scores(),
                summary=form.cleaned_data["summary"],
                visited_on=form.cleaned_data["visited_on"],
            )
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("评分已提交。"))
            return redirect(assessment)
    return render(
        request,
        "evaluation/score_form.html",
        {
            "form": form,
            "title": assessment.organization.name,
            "back": assessment,
            "subject": assessment,
        },
    )


@login_required
@require_POST
def propose_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    return post_form_action(
        request,
        form=NoteForm(request.POST),
        back_to=assessment,
        success=_("初评等级已公示。"),
        call=lambda d: services.grade_propose(
            actor=request.user, assessment=assessment, note=d.get("note", "")
        ),
    )


@login_required
@require_POST
def appeal_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    return post_form_action(
        request,
        form=AppealForm(request.POST),
        back_to=assessment,
        success=_("申诉已提交。"),
        call=lambda d: services.appeal_submit(
            actor=request.user, assessment=assessment, reason=d["reason"]
        ),
    )


@login_required
@require_POST
def waive_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    try:
        services.appeal_waive(actor=request.user, assessment=assessment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已确认对初评结果无异议。"))
    return redirect(assessment)


@login_required
@require_POST
def appeal_decide_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    appeal = selectors.access_appeal_of(assessment)
    return post_form_action(
        request,
        form=AppealDecideForm(request.POST),
        back_to=assessment,
        success=_("申诉已处理。"),
        call=lambda d: services.appeal_decide(
            actor=request.user,
            appeal=appeal,
            upheld=d["upheld"],
            decision=d["decision"],
            revised_total=d.get("revised_total"),
        ),
    )


@login_required
@require_POST
def confirm_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    try:
        services.grade_confirm(actor=request.user, assessment=assessment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("等级已确认，已写入社会组织名录。"))
    return redirect(assessment)


@login_required
def assessment_pdf_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    if not (
        permissions.can_run_round(request.user, assessment.round)
        or permissions.is_org_rep(request.user, assessment.organization)
    ):
        raise PermissionDenied(_("只有评估机关和该组织可以下载评估报告。"))
    assignments = selectors.assignments_of(assessment)
    context = {
        "assessment": assessment,
        "rows": selectors.indicator_rows(assessment.template),
        "self_rates": selectors.self_rates(assessment),
        "onsite": _mean_onsite(assignments),
        "assignments": assignments,
        "appeal": selectors.appeal_of(assessment),
        "today": timezone.localdate(),
    }
    return pdf_response(
        render_pdf("evaluation/pdf/assessment.html", context),
        f"evaluation-report-{assessment.pk}.pdf",
    )


def _mean_onsite(assignments: list[EvaluatorAssignment]) -> dict[int, Any]:
    sums: dict[int, list[Any]] = {}
    for a in assignments:
        for key, value in selectors.onsite_rates(a).items():
            sums.setdefault(key, []).append(value)
    return {k: sum(v) / len(v) for k, v in sums.items()}


@login_required
def conflict_view(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.is_evaluator(request.user):
        raise PermissionDenied(_("只有评估专家可以申报利益关系。"))
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = selectors.organization_by_uscc(form.cleaned_data["uscc"])
        if org is None:
            form.add_error("uscc", _("找不到该统一社会信用代码对应的社会组织。"))
        else:
            try:
                services.conflict_declare(
                    actor=request.user, organization=org, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已申报，今后不会分派您评估该组织。"))
                return redirect("evaluation:conflicts")

    return render(
        request,
        "evaluation/conflicts.html",
        {
            "form": form,
            "declared": selectors.conflicts_declared_by(user=request.user),
        },
    )
