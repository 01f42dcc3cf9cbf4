"""Center reviews (考评) with their scores and rewards, and the satisfaction surveys that feed them."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import CodePurpose, User, mobile_validator
from civicnest.accounts.phone_codes import phone_code_send, phone_code_verify
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.saving import save_changes, save_new
from civicnest.evaluation import permissions, scoring, selectors
from civicnest.evaluation.forms import parse_rates
from civicnest.evaluation.models import (
    DEFAULT_REVIEW_BANDS,
    CenterReview,
    IndicatorTemplate,
    ReviewerKind,
    ReviewScore,
    Reward,
    Survey,
    SurveyResponse,
    TemplateKind,
)
from civicnest.evaluation.workflows import REVIEW
from civicnest.network.models import Center


# -- center reviews ---------------------------------------------------------------------------------
@transaction.atomic
def review_open(
    *, actor: User, center: Center, year: int, template: IndicatorTemplate | None = None
) -> CenterReview:
    if not permissions.can_supervise_center(actor, center):
        raise PermissionDenied(_("中心的年度考评由上级中心或民政局组织。"))
    template = template or selectors.current_template(kind=TemplateKind.CENTER_REVIEW)
    if template is None or template.kind != TemplateKind.CENTER_REVIEW:
        raise ValidationError({"template": [_("请先建立中心考评指标模板。")]})
    if selectors.review_exists(center=center, year=year):
        raise ValidationError({"year": [_("该中心本年度的考评已经建立。")]})
    return save_new(
        actor,
        CenterReview(
            center=center, region_id=center.region_id, year=year, template=template, opened_by=actor
        ),
    )


def _lock_review(review: CenterReview) -> CenterReview:
    return (
        CenterReview.objects.select_for_update(of=("self",))
        .select_related("center")
        .get(pk=review.pk)
    )


@transaction.atomic
def review_score_submit(
    *, actor: User, review: CenterReview, scores: dict[int, Any], note: str = ""
) -> list[ReviewScore]:
    locked = _lock_review(review)
    REVIEW.check(locked, "score", actor)
    kind = (
        ReviewerKind.SUPERVISOR
        if permissions.can_run_review(actor, locked)
        else ReviewerKind.THIRD_PARTY
    )
    rates = parse_rates(locked.template, scores, required=True)
    saved = []
    for key, (rate, score_note) in rates.items():
        row, _c = ReviewScore.objects.update_or_create(
            review=locked,
            indicator_id=key,
            reviewer=actor,
            defaults={"score": rate, "note": score_note or note, "reviewer_kind": kind},
        )
        saved.append(row)
    return saved


def review_result(total: Decimal, full_score: Decimal) -> str:
    percent = total * 100 / full_score if full_score else Decimal(0)
    return scoring.grade_for(percent, DEFAULT_REVIEW_BANDS)


@transaction.atomic
def review_confirm(*, actor: User, review: CenterReview, conclusion: str) -> CenterReview:
    locked = _lock_review(review)
    transition = REVIEW.check(locked, "confirm", actor)
    if not conclusion.strip():
        raise ValidationError({"conclusion": [_("请填写考评结论。")]})
    roots, _by_id = selectors.template_tree(locked.template)
    locked.total = scoring.total_score(
        roots, selectors.review_rates(locked), locked.template.full_score
    )
    locked.result = review_result(locked.total, locked.template.full_score)
    locked.satisfaction, locked.survey_responses = selectors.survey_satisfaction(
        center=locked.center, year=locked.year
    )
    locked.conclusion, locked.status, locked.confirmed_at = (
        conclusion.strip(),
        transition.target,
        timezone.now(),
    )
    return save_changes(
        actor,
        locked,
        [
            "total",
            "result",
            "satisfaction",
            "survey_responses",
            "conclusion",
            "status",
            "confirmed_at",
        ],
    )


@transaction.atomic
def reward_record(*, actor: User, review: CenterReview, data: dict[str, Any]) -> Reward:
    REVIEW.check(review, "reward", actor)
    return save_new(
        actor,
        Reward(
            review=review,
            region_id=review.region_id,
            recorded_by=actor,
            **{k: data[k] for k in ("title", "amount", "granted_on", "note") if k in data},
        ),
    )


# -- surveys ----------------------------------------------------------------------------------------
@transaction.atomic
def survey_create(*, actor: User, center: Center, data: dict[str, Any]) -> Survey:
    if not permissions.can_manage_surveys(actor, center):
        raise PermissionDenied(_("只有本中心的工作人员可以发起满意度调查。"))
    survey = Survey(
        center=center,
        region_id=center.region_id,
        created_by=actor,
        **{
            k: data[k]
            for k in ("title", "subject", "event", "match", "year", "closes_on")
            if k in data
        },
    )
    errors: dict[str, list[str]] = {}
    if survey.subject == "event" and survey.event is None:
        errors["event"] = [_("请选择活动。")]
    if survey.subject == "match" and survey.match is None:
        errors["match"] = [_("请选择对接服务。")]
    if survey.event is not None and survey.event.center_id != center.pk:
        errors["event"] = [_("只能调查本中心的活动。")]
    if survey.match is not None and not survey.match.region_id.startswith(center.region_id):
        errors["match"] = [_("只能调查本中心辖区内的对接服务。")]
    if errors:
        raise ValidationError(errors)
    return save_new(actor, survey)


@transaction.atomic
def survey_close(*, actor: User, survey: Survey) -> Survey:
    if not permissions.can_manage_surveys(actor, survey.center):
        raise PermissionDenied(_("只有本中心的工作人员可以关闭调查。"))
    survey.is_open = False
    return save_changes(actor, survey, ["is_open"])


def respondent_key(*, user: Any = None, phone: str = "") -> str:
    """One key per person: their verified mobile number (as a keyed hash; the number itself is never
    stored) or, for an account without a number, the account. So answering once with a code and once
    logged in with the same number counts once."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    number = (getattr(user, "phone", "") if authenticated else phone) or ""
    if number:
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"survey-phone:{number}".encode(), hashlib.sha256
        ).hexdigest()
        return f"p:{digest}"
    return f"u:{user.pk}"


def survey_code_send(*, survey: Survey, phone: str, client_ip: str | None) -> None:
    """Text a one-time code for answering `survey` (rate-limited per number and per client)."""
    _require_open(survey)
    if SurveyResponse.objects.filter(
        survey=survey, respondent_key=respondent_key(phone=phone.strip())
    ).exists():
        raise ConflictError(_("您已经填写过这份问卷，每人只能填写一次。"))
    phone_code_send(
        phone=phone, purpose=CodePurpose.SURVEY, context=survey.token, client_ip=client_ip
    )


def _require_open(survey: Survey) -> None:
    if not survey.is_open or survey.closes_on < timezone.localdate():
        raise ApplicationError(_("该调查已结束。"))


def survey_answer(
    *, survey: Survey, user: Any = None, phone: str = "", code: str = "", data: dict[str, Any]
) -> SurveyResponse:
    """Record one answer per person. Without an account the mobile number must be proven by an SMS
    code (issue 18, finding 4: unverified numbers let one client stuff the ballot)."""
    _require_open(survey)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    phone = "" if authenticated else (phone or "").strip()
    key = respondent_key(user=user if authenticated else None, phone=phone)
    if not authenticated:
        try:
            mobile_validator(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
    response = SurveyResponse(
        survey=survey,
        respondent_key=key,
        respondent=user if authenticated else None,
        **{
            k: data[k]
            for k in ("overall", "attitude", "professionalism", "facilities", "comment")
            if k in data
        },
    )
    response.full_clean(exclude=["respondent_key", "survey"], validate_constraints=False)
    if SurveyResponse.objects.filter(survey=survey, respondent_key=key).exists():
        raise ConflictError(_("您已经填写过这份问卷，每人只能填写一次。"))
    if not authenticated:
        # Commits on its own: a wrong code is counted even though this answer is refused.
        phone_code_verify(phone=phone, purpose=CodePurpose.SURVEY, code=code, context=survey.token)
    try:
        with transaction.atomic():
            response.save(force_insert=True)
    except IntegrityError as exc:
        raise ConflictError(_("您已经填写过这份问卷，每人只能填写一次。")) from exc
    return response


def survey_url(survey: Survey) -> str:
    return reverse("evaluation:survey-answer", kwargs={"token": survey.token})
