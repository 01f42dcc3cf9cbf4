"""Center review pages (考评: scores, confirmation, rewards, the report PDF) and satisfaction surveys,
including the public answer page reached by a survey's link or QR code."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicnest.accounts.client_ip import client_ip
from civicnest.accounts.requests import AuthenticatedRequest
from civicnest.core.actions import post_form_action
from civicnest.core.exceptions import ApplicationError
from civicnest.core.forms import apply_service_errors
from civicnest.core.pdf import pdf_response, render_pdf
from civicnest.evaluation import compliance, permissions, selectors, services
from civicnest.evaluation.forms import (
    ConclusionForm,
    ReviewOpenForm,
    ReviewScoreForm,
    RewardForm,
    SurveyAnswerForm,
    SurveyForm,
)
from civicnest.evaluation.views.common import require_staff_or_expert
from civicnest.evaluation.workflows import REVIEW
from civicnest.network.models import Center
from civicnest.network.permissions import can_edit_center
from civicnest.network.selectors import centers_visible_to
from civicnest.regions.scoping import Scope


# -- center reviews ---------------------------------------------------------------------------------
def _supervised_centers(user: Any) -> list[Center]:
    return [
        c
        for c in centers_visible_to(user).select_related("parent")
        if permissions.can_supervise_center(user, c)
    ]


@login_required
def review_list_view(request: AuthenticatedRequest) -> HttpResponse:
    require_staff_or_expert(request.user)
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
def review_create_view(request: AuthenticatedRequest) -> HttpResponse:
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
def review_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_by_id(request.user, pk)
    satisfaction, responses = selectors.survey_satisfaction(center=review.center, year=review.year)
    return render(
        request,
        "evaluation/review_detail.html",
        {
            "review": review,
            "actions": REVIEW.names(review, request.user),
            "rows": selectors.indicator_rows(review.template),
            "rates": selectors.review_rates(review),
            "scores": selectors.review_scores(review),
            "satisfaction": satisfaction,
            "responses": responses,
            "conclusion_form": ConclusionForm(),
            "reward_form": RewardForm(),
            "rewards": selectors.review_rewards(review),
            "surveys": selectors.surveys_of_review(review),
        },
    )


@login_required
def review_score_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_by_id(request.user, pk)
    if not permissions.can_score_review(request.user, review):
        raise PermissionDenied(_("只有上级主管部门或第三方评估专家可以打分。"))
    refused = REVIEW.refusal(review, "score", request.user)
    if refused is not None:
        messages.info(request, refused)
        return redirect(review)
    rows = selectors.indicator_rows(review.template)
    initial = selectors.own_review_scores(review, user=request.user)
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
def review_confirm_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def reward_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_by_id(request.user, pk)
    return post_form_action(
        request,
        form=RewardForm(request.POST),
        back_to=review,
        success=_("奖励已记录。"),
        call=lambda d: services.reward_record(actor=request.user, review=review, data=d),
    )


@login_required
def review_pdf_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
        "rewards": selectors.review_rewards(review),
        "outcomes": [
            (compliance.RULES_BY_CODE[o.rule], o) for o in report.outcomes.get(review.center_id, [])
        ],
        "today": timezone.localdate(),
    }
    return pdf_response(
        render_pdf("evaluation/pdf/review.html", context), f"center-review-{review.pk}.pdf"
    )


# -- surveys ----------------------------------------------------------------------------------------
def _survey_form(request: AuthenticatedRequest, data: Any = None) -> SurveyForm:
    centers = [
        c.pk
        for c in centers_visible_to(request.user)
        if permissions.can_manage_surveys(request.user, c)
    ]

    return SurveyForm(data, **selectors.survey_choices(user=request.user, center_ids=centers))


@login_required
def survey_list_view(request: AuthenticatedRequest) -> HttpResponse:
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
def survey_create_view(request: AuthenticatedRequest) -> HttpResponse:
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
def survey_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = selectors.access_survey_by_id(request.user, pk)
    url = request.build_absolute_uri(services.survey_url(survey))
    return render(
        request,
        "evaluation/survey_detail.html",
        {
            "survey": survey,
            "url": url,
            "qr": segno.make(url, error="m").svg_data_uri(scale=5),
            "comments": selectors.survey_comments(survey),
            "can_manage": permissions.can_manage_surveys(request.user, survey.center),
        },
    )


@login_required
@require_POST
def survey_close_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = selectors.access_survey_by_id(request.user, pk)
    services.survey_close(actor=request.user, survey=survey)
    messages.success(request, _("调查已关闭。"))
    return redirect(survey)


def survey_answer_view(request: HttpRequest, token: str) -> HttpResponse:
    """The public, phone-first answer page reached by the link or QR code (no account needed).

    Without an account the number is proven by an SMS code: 获取验证码 posts the whole form with
    action=send_code, and it comes back with every choice kept and only the number checked.
    """
    survey = selectors.survey_by_token(token)
    anonymous = not request.user.is_authenticated
    form = SurveyAnswerForm(request.POST or None, anonymous=anonymous)
    done = code_sent = False
    if request.method == "POST" and anonymous and request.POST.get("action") == "send_code":
        form.is_valid()
        form.errors.clear()  # only the number matters for sending a code
        try:
            services.survey_code_send(
                survey=survey, phone=request.POST.get("phone", ""), client_ip=client_ip(request)
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error("phone", exc.message)
        else:
            code_sent = True
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        phone = data.pop("phone", "")
        code = data.pop("code", "")
        try:
            services.survey_answer(
                survey=survey,
                user=None if anonymous else request.user,
                phone=phone,
                code=code,
                data=data,
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
        {
            "survey": survey,
            "form": form,
            "done": done,
            "closed": closed,
            "code_sent": code_sent,
        },
    )
