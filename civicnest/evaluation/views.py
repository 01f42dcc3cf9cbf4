from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.roles import Role
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.evaluation import compliance, permissions, selectors, services
from civicnest.evaluation.forms import (
    AppealDecideForm,
    AppealForm,
    AssignForm,
    BreachAckForm,
    ConclusionForm,
    ConflictForm,
    EligibilityForm,
    EvidenceForm,
    IndicatorForm,
    NoteForm,
    OnsiteScoreForm,
    ParametersForm,
    ReviewOpenForm,
    ReviewScoreForm,
    RewardForm,
    RoundForm,
    SelfAssessmentForm,
    SurveyAnswerForm,
    SurveyForm,
    TargetForm,
)
from civicnest.evaluation.models import (
    Appeal,
    AppealStatus,
    AssessmentStatus,
    Indicator,
    ReviewStatus,
    RoundStatus,
)
from civicnest.network.permissions import can_edit_center
from civicnest.network.selectors import access_center_by_id, centers_visible_to
from civicnest.regions.scoping import Scope


def _require_staff_or_expert(user: Any) -> Scope:
    scope = Scope.for_user(user)
    if not (scope.is_staff_member or scope.has_role(Role.EXPERT, Role.ORG_REP)):
        raise PermissionDenied(_("您无权使用评估功能。"))
    return scope


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    scope = _require_staff_or_expert(request.user)
    context: dict[str, Any] = {
        "rounds": selectors.rounds_visible_to(request.user).order_by("-year", "-created_at")[:20],
        "assignments": selectors.my_assignments(user=request.user)[:50],
        "applications": selectors.my_applications(user=request.user)[:20],
        "is_staff": scope.is_staff_member,
        "can_open_round": permissions.is_bureau(request.user),
    }
    if scope.is_staff_member:
        report = selectors.compliance_report(user=request.user)
        context["compliance"] = report
    open_rounds = []
    for grant in scope.grants:
        if grant.role == Role.ORG_REP and grant.organization_id:
            org = selectors.organization_by_id(grant.organization_id)
            if org is not None:
                open_rounds += [(org, r) for r in selectors.open_rounds_for_org(org)]
    context["open_rounds"] = open_rounds
    return render(request, "evaluation/home.html", context)


# -- templates --------------------------------------------------------------------------------------
@login_required
def template_list_view(request: HttpRequest) -> HttpResponse:
    _require_staff_or_expert(request.user)
    return render(
        request,
        "evaluation/template_list.html",
        {
            "templates": selectors.template_list(),
            "can_edit": permissions.can_edit_templates(request.user),
        },
    )


@login_required
def template_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.access_template_by_id(request.user, pk)
    can_edit = permissions.can_edit_templates(request.user) and template.is_current
    return render(
        request,
        "evaluation/template_detail.html",
        {
            "template": template,
            "rows": selectors.indicator_rows(template),
            "can_edit": can_edit,
            "in_use": services.template_in_use(template),
            "versions": selectors.template_versions(template),
            "add_form": IndicatorForm(prefix="new"),
        },
    )


@login_required
@require_POST
def indicator_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.access_indicator_by_id(request.user, pk)
    form = IndicatorForm(request.POST, instance=Indicator(template=indicator.template))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}：{'；'.join(str(e) for e in errors)}",
            )
        return redirect(indicator.template)
    try:
        updated = services.indicator_update(
            actor=request.user, indicator=indicator, data=form.cleaned_data
        )
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, getattr(exc, "message", "；".join(getattr(exc, "messages", []))))
        return redirect(indicator.template)
    if updated.template_id != indicator.template_id:
        messages.success(
            request, _("该模板已被使用，已生成新版本 v%(v)s。") % {"v": updated.template.version}
        )
    else:
        messages.success(request, _("指标已保存。"))
    return redirect(updated.template)


@login_required
@require_POST
def indicator_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.access_template_by_id(request.user, pk)
    form = IndicatorForm(request.POST, prefix="new", instance=Indicator(template=template))
    parent_id = request.POST.get("parent") or None
    parent = template.indicators.filter(pk=parent_id).first() if parent_id else None
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}：{'；'.join(str(e) for e in errors)}",
            )
        return redirect(template)
    try:
        new = services.indicator_add(
            actor=request.user, template=template, parent=parent, data=form.cleaned_data
        )
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, getattr(exc, "message", "；".join(getattr(exc, "messages", []))))
        return redirect(template)
    messages.success(request, _("已添加指标。"))
    return redirect(new.template)


# -- rounds -----------------------------------------------------------------------------------------
@login_required
def round_create_view(request: HttpRequest) -> HttpResponse:
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
def round_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.access_round_by_id(request.user, pk)
    can_run = permissions.can_run_round(request.user, round_)
    order = list(RoundStatus)
    index = order.index(RoundStatus(round_.status))
    my_orgs = [
        o
        for o in selectors.organizations_represented(user=request.user)
        if round_ in selectors.open_rounds_for_org(o)
    ]
    return render(
        request,
        "evaluation/round_detail.html",
        {
            "round": round_,
            "can_run": can_run,
            "assessments": selectors.round_assessments(user=request.user, round_=round_),
            "next_status": order[index + 1] if index + 1 < len(order) else None,
            "bands": sorted(round_.grade_bands.items(), key=lambda kv: -kv[1]),
            "can_apply_for": my_orgs,
        },
    )


@login_required
@require_POST
def round_advance_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def round_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def assessment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    can_run = permissions.can_run_round(request.user, assessment.round)
    is_rep = permissions.is_org_rep(request.user, assessment.organization)
    mine = permissions.assignment_of(request.user, assessment)
    appeal = selectors.appeal_of(assessment)
    rows = selectors.indicator_rows(assessment.template)
    self_rates = selectors.self_rates(assessment)
    assignments = list(
        assessment.assignments.select_related("evaluator").prefetch_related("scores")
    )
    onsite = {a.pk: selectors.onsite_rates(a) for a in assignments} if (can_run or mine) else {}
    window_open = services.appeal_window_open(assessment)
    context = {
        "assessment": assessment,
        "can_run": can_run,
        "is_rep": is_rep,
        "mine": mine,
        "appeal": appeal,
        "rows": rows,
        "self_rates": self_rates,
        "assignments": assignments if (can_run or mine) else [],
        "onsite": onsite,
        "evidence": assessment.evidence.select_related("indicator"),
        "evidence_form": EvidenceForm(template=assessment.template),
        "eligibility_form": EligibilityForm(),
        "assign_form": AssignForm(evaluators=selectors.evaluators_for(user=request.user)),
        "note_form": NoteForm(),
        "appeal_form": AppealForm(),
        "decide_form": AppealDecideForm(),
        "window_open": window_open,
        "can_confirm": can_run
        and assessment.status == AssessmentStatus.PUBLICIZED
        and (not window_open or (appeal is not None and appeal.status != AppealStatus.PENDING)),
        "S": AssessmentStatus,
    }
    return render(request, "evaluation/assessment_detail.html", context)


@login_required
def self_assessment_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    if not permissions.can_edit_self_assessment(request.user, assessment):
        raise PermissionDenied(_("只有该组织的负责人可以填写自评。"))
    if assessment.status != AssessmentStatus.DRAFT:
        messages.info(request, _("自评已提交。"))
        return redirect(assessment)
    rows = selectors.indicator_rows(assessment.template)
    initial = {s.indicator_id: (s.score, s.note) for s in assessment.self_scores.all()}
    submit = request.POST.get("action") == "submit"
    form = SelfAssessmentForm(
        request.POST or None,
        rows=rows,
        initial_scores=initial,
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
            "evidence": assessment.evidence.all(),
            "evidence_form": EvidenceForm(template=assessment.template),
        },
    )


@login_required
@require_POST
def evidence_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def evidence_download_view(request: HttpRequest, pk: int) -> FileResponse:
    evidence = selectors.access_evidence_by_id(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("文件不存在。")) from exc
    return FileResponse(handle, as_attachment=True, filename=evidence.file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def eligibility_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def assign_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def score_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluator's on-site scoring page: one indicator per card, designed for a phone."""
    assessment = selectors.access_assessment_by_id(request.user, pk)
    mine = permissions.assignment_of(request.user, assessment)
    if mine is None:
        raise PermissionDenied(_("只有被分派的专家可以打分。"))
    if mine.submitted_at or assessment.status != AssessmentStatus.ACCEPTED:
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
def propose_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def appeal_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def waive_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def appeal_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    appeal = get_object_or_404(Appeal, assessment=assessment)
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
def confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    try:
        services.grade_confirm(actor=request.user, assessment=assessment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("等级已确认，已写入社会组织名录。"))
    return redirect(assessment)


@login_required
def assessment_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.access_assessment_by_id(request.user, pk)
    if not (
        permissions.can_run_round(request.user, assessment.round)
        or permissions.is_org_rep(request.user, assessment.organization)
    ):
        raise PermissionDenied(_("只有评估机关和该组织可以下载评估报告。"))
    assignments = list(assessment.assignments.select_related("evaluator"))
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


def _mean_onsite(assignments: list[Any]) -> dict[int, Any]:
    sums: dict[int, list[Any]] = {}
    for a in assignments:
        for key, value in selectors.onsite_rates(a).items():
            sums.setdefault(key, []).append(value)
    return {k: sum(v) / len(v) for k, v in sums.items()}


@login_required
def conflict_view(request: HttpRequest) -> HttpResponse:
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


# -- center reviews ---------------------------------------------------------------------------------
def _supervised_centers(user: Any) -> Any:
    return [
        c
        for c in centers_visible_to(user).select_related("parent")
        if permissions.can_supervise_center(user, c)
    ]


@login_required
def review_list_view(request: HttpRequest) -> HttpResponse:
    _require_staff_or_expert(request.user)
    centers = _supervised_centers(request.user)

    form = ReviewOpenForm(centers=selectors.centers_by_ids([c.pk for c in centers]))
    return render(
        request,
        "evaluation/review_list.html",
        {
            "reviews": selectors.reviews_visible_to(request.user)
            .select_related("center__region")
            .order_by("-year", "center__region_id")[:200],
            "form": form if centers else None,
        },
    )


@login_required
@require_POST
def review_create_view(request: HttpRequest) -> HttpResponse:

    centers = selectors.centers_by_ids([c.pk for c in _supervised_centers(request.user)])
    form = ReviewOpenForm(request.POST, centers=centers)
    if form.is_valid():
        try:
            review = services.review_open(
                actor=request.user,
                center=form.cleaned_data["center"],
                year=form.cleaned_data["year"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已建立年度考评。"))
            return redirect(review)
    else:
        for errors in form.errors.values():
            messages.error(request, "；".join(str(e) for e in errors))
    return redirect("evaluation:review-list")


@login_required
def review_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_by_id(request.user, pk)
    satisfaction, responses = selectors.survey_satisfaction(center=review.center, year=review.year)
    rates = selectors.review_rates(review)
    return render(
        request,
        "evaluation/review_detail.html",
        {
            "review": review,
            "rows": selectors.indicator_rows(review.template),
            "rates": rates,
            "scores": review.scores.select_related("reviewer", "indicator").order_by(
                "indicator__code"
            ),
            "satisfaction": satisfaction,
            "responses": responses,
            "can_run": permissions.can_run_review(request.user, review),
            "can_score": permissions.can_score_review(request.user, review)
            and review.status == ReviewStatus.OPEN,
            "conclusion_form": ConclusionForm(),
            "reward_form": RewardForm(),
            "rewards": review.rewards.all(),
            "surveys": selectors.surveys_of_review(review),
        },
    )


@login_required
def review_score_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_by_id(request.user, pk)
    if not permissions.can_score_review(request.user, review):
        raise PermissionDenied(_("只有上级主管部门或第三方评估专家可以打分。"))
    rows = selectors.indicator_rows(review.template)
    initial = {
        s.indicator_id: (s.score, s.note) for s in review.scores.filter(reviewer_id=request.user.pk)
    }
    form = ReviewScoreForm(request.POST or None, rows=rows, initial_scores=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_score_submit(actor=request.user, review=review, scores=form.scores())
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("评分已保存。"))
            return redirect(review)
    return render(
        request,
        "evaluation/score_form.html",
        {"form": form, "title": review.center.name, "back": review, "subject": review},
    )


@login_required
@require_POST
def review_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_by_id(request.user, pk)
    return post_form_action(
        request,
        form=ConclusionForm(request.POST),
        back_to=review,
        success=_("考评结果已确认。"),
        call=lambda d: services.review_confirm(
            actor=request.user, review=review, conclusion=d["conclusion"]
        ),
    )


@login_required
@require_POST
def reward_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_by_id(request.user, pk)
    return post_form_action(
        request,
        form=RewardForm(request.POST),
        back_to=review,
        success=_("奖励已记录。"),
        call=lambda d: services.reward_record(actor=request.user, review=review, data=d),
    )


@login_required
def review_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_by_id(request.user, pk)

    if not (
        permissions.can_score_review(request.user, review)
        or can_edit_center(request.user, review.center)
    ):
        raise PermissionDenied(_("您无权下载该考评报告。"))
    satisfaction, responses = selectors.survey_satisfaction(center=review.center, year=review.year)
    report = selectors.compliance_report(user=request.user, center_ids=[review.center_id])
    context = {
        "review": review,
        "rows": selectors.indicator_rows(review.template),
        "rates": selectors.review_rates(review),
        "satisfaction": satisfaction,
        "responses": responses,
        "rewards": review.rewards.all(),
        "outcomes": [
            (compliance.RULES_BY_CODE[o.rule], o) for o in report.outcomes.get(review.center_id, [])
        ],
        "today": timezone.localdate(),
    }
    return pdf_response(
        render_pdf("evaluation/pdf/review.html", context), f"center-review-{review.pk}.pdf"
    )


# -- surveys ----------------------------------------------------------------------------------------
def _survey_form(request: HttpRequest, data: Any = None) -> SurveyForm:
    centers = [
        c.pk
        for c in centers_visible_to(request.user)
        if permissions.can_manage_surveys(request.user, c)
    ]

    return SurveyForm(data, **selectors.survey_choices(user=request.user, center_ids=centers))


@login_required
def survey_list_view(request: HttpRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("满意度调查由中心工作人员管理。"))

    surveys = (
        selectors.surveys_visible_to(request.user)
        .select_related("center")
        .annotate(answers=Count("responses"))
        .order_by("-created_at")[:200]
    )
    return render(request, "evaluation/survey_list.html", {"surveys": surveys})


@login_required
def survey_create_view(request: HttpRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("满意度调查由中心工作人员管理。"))
    form = _survey_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        center = data.pop("center")
        try:
            survey = services.survey_create(actor=request.user, center=center, data=data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(survey)
    return render(request, "evaluation/survey_form.html", {"form": form})


@login_required
def survey_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.access_survey_by_id(request.user, pk)
    url = request.build_absolute_uri(services.survey_url(survey))
    return render(
        request,
        "evaluation/survey_detail.html",
        {
            "survey": survey,
            "url": url,
            "qr": segno.make(url, error="m").svg_data_uri(scale=5),
            "comments": survey.responses.exclude(comment="").values_list("comment", flat=True)[:50],
            "can_manage": permissions.can_manage_surveys(request.user, survey.center),
        },
    )


@login_required
@require_POST
def survey_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.access_survey_by_id(request.user, pk)
    services.survey_close(actor=request.user, survey=survey)
    messages.success(request, _("调查已关闭。"))
    return redirect(survey)


def survey_answer_view(request: HttpRequest, token: str) -> HttpResponse:
    """The public, phone-first answer page reached by the link or QR code (no account needed)."""
    survey = selectors.survey_by_token(token)
    anonymous = not request.user.is_authenticated
    form = SurveyAnswerForm(request.POST or None, anonymous=anonymous)
    done = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        phone = data.pop("phone", "")
        try:
            services.survey_answer(
                survey=survey, user=None if anonymous else request.user, phone=phone, data=data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            done = True
    closed = not survey.is_open or survey.closes_on < timezone.localdate()
    return render(
        request,
        "evaluation/survey_answer.html",
        {"survey": survey, "form": form, "done": done, "closed": closed},
    )


# -- compliance and targets ------------------------------------------------------------------------
@login_required
def compliance_view(request: HttpRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("合规检查面向民政局和中心工作人员。"))
    rule = request.GET.get("rule", "")
    if rule not in compliance.RULES_BY_CODE:
        rule = ""
    report = selectors.compliance_report(user=request.user, rule=rule)
    return render(
        request,
        "evaluation/compliance.html",
        {"report": report, "rules": compliance.RULES, "rule": rule, "today": timezone.localdate()},
    )


@login_required
def breach_ack_view(request: HttpRequest, pk: int) -> HttpResponse:
    center = access_center_by_id(request.user, pk)
    if not permissions.can_acknowledge_breach(request.user, center):
        raise PermissionDenied(_("只有本中心或上级可以登记整改计划。"))
    report = selectors.compliance_report(user=request.user, center_ids=[center.pk])
    form = BreachAckForm(request.POST or None, initial={"rule": request.GET.get("rule", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.breach_acknowledge(actor=request.user, center=center, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("整改计划已登记。"))
            return redirect("evaluation:compliance")
    return render(
        request,
        "evaluation/breach_ack.html",
        {
            "center": center,
            "form": form,
            "outcomes": [
                (compliance.RULES_BY_CODE[o.rule], o) for o in report.outcomes.get(center.pk, [])
            ],
        },
    )


@login_required
def parameters_view(request: HttpRequest) -> HttpResponse:
    if not Scope.for_user(request.user).is_staff_member:
        raise PermissionDenied(_("合规参数面向民政局和中心工作人员。"))
    can_edit = permissions.can_set_parameters(request.user)
    form = ParametersForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("只有市民政局可以设置合规参数。"))
        if form.is_valid():
            services.parameters_set(actor=request.user, data=form.cleaned_data)
            messages.success(request, _("合规参数已保存。"))
            return redirect("evaluation:parameters")

    return render(
        request,
        "evaluation/parameters.html",
        {"form": form, "can_edit": can_edit, "rows": selectors.compliance_parameter_rows()},
    )


@login_required
def targets_view(request: HttpRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("网络建设目标面向民政局和中心工作人员。"))
    form = TargetForm(request.POST or None)
    if request.method == "POST":
        if not permissions.is_bureau(request.user):
            raise PermissionDenied(_("只有民政局可以设置建设目标。"))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.target_set(actor=request.user, region=data.pop("region"), data=data)
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    form.add_error("region", _("只能为本辖区设置目标。"))
                else:
                    apply_service_errors(form, exc)
            else:
                messages.success(request, _("目标已保存。"))
                return redirect("evaluation:targets")
    return render(
        request,
        "evaluation/targets.html",
        {
            "rows": selectors.target_tracking(user=request.user),
            "form": form,
            "can_edit": permissions.is_bureau(request.user),
        },
    )
