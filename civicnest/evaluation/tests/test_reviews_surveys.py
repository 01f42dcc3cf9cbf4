"""Center reviews (考评) by the supervising level and third parties, fed by satisfaction surveys (one answer per
person, enforced by the database), and rewards."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.phone_codes import code_in_text
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.sms import captured_sms
from civicnest.evaluation import services
from civicnest.evaluation.models import (
    CenterReview,
    IndicatorTemplate,
    ReviewStatus,
    Survey,
    SurveyResponse,
)
from civicnest.evaluation.tests.conftest import all_rates
from civicnest.evaluation.tests.helpers import answer_by_phone
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db
RATINGS = {"overall": 5, "attitude": 4, "professionalism": 5, "facilities": 4, "comment": "很好"}


@pytest.fixture
def street_center(jiangan_center: Center) -> Center:
    return CenterFactory.create(
        region_id="420102002", level="street", parent=jiangan_center, name="大智街道促进中心"
    )


@pytest.fixture
def street_staff(make_user: Callable[..., User], street_center: Center) -> User:
    return make_user(Role.CENTER_STAFF, "420102002", center=street_center, username="street_staff")


@pytest.fixture
def survey(street_center: Center, street_staff: User) -> Survey:
    return services.survey_create(
        actor=street_staff,
        center=street_center,
        data={
            "title": "重阳节敬老活动满意度",
            "subject": "service",
            "year": timezone.localdate().year,
            "closes_on": timezone.localdate() + datetime.timedelta(days=10),
        },
    )


# -- surveys ----------------------------------------------------------------------------------------
def test_one_answer_per_account(survey: Survey, make_user: Callable[..., User]) -> None:
    resident = make_user(Role.RESIDENT, "420102002003")
    services.survey_answer(survey=survey, user=resident, data=RATINGS)
    with pytest.raises(ConflictError, match="只能填写一次"):
        services.survey_answer(survey=survey, user=resident, data=RATINGS)
    assert survey.responses.count() == 1


def test_one_answer_per_phone_number_which_is_not_stored(survey: Survey) -> None:
    answer_by_phone(survey, "13912345678", RATINGS)
    with pytest.raises(ConflictError):
        answer_by_phone(survey, "13912345678", RATINGS)
    answer_by_phone(survey, "13912345679", RATINGS)
    keys = list(SurveyResponse.objects.values_list("respondent_key", flat=True))
    assert len(keys) == 2 and not any("13912345678" in k for k in keys)
    with pytest.raises(ValidationError) as exc:
        answer_by_phone(survey, "12345", RATINGS)
    assert "phone" in exc.value.message_dict


def test_the_database_refuses_a_second_answer(survey: Survey) -> None:
    """The rule holds even for code that skips the service."""
    SurveyResponse.objects.create(survey=survey, respondent_key="u:1", **RATINGS)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(survey=survey, respondent_key="u:1", **RATINGS)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            survey=survey, respondent_key="u:2", **dict(RATINGS, overall=6)
        )


def test_closed_survey_refuses_answers(survey: Survey, street_staff: User) -> None:
    services.survey_close(actor=street_staff, survey=survey)
    with pytest.raises(ApplicationError, match="已结束"):
        answer_by_phone(survey, "13912345678", RATINGS)


def test_phone_page_without_an_account(client, survey: Survey) -> None:
    """A person without an account asks for a code (the choices are kept), then answers with it."""
    url = reverse("evaluation:survey-answer", kwargs={"token": survey.token})
    page = client.get(url)
    assert page.status_code == 200 and "重阳节敬老活动满意度" in page.content.decode()
    data = {
        "overall": 5,
        "attitude": 5,
        "professionalism": 4,
        "facilities": 3,
        "comment": "谢谢社工",
        "phone": "13700001111",
    }
    with captured_sms() as outbox:
        sent = client.post(url, {**data, "action": "send_code"}).content.decode()
    assert 'data-testid="code-sent"' in sent and "请选择一项" not in sent
    assert re.search(r'name="professionalism" value="4"[^>]*checked', sent)
    assert "谢谢社工" in sent and 'value="13700001111"' in sent
    assert outbox and outbox[0][0] == "13700001111"
    code = code_in_text(outbox[0][1])
    wrong = client.post(url, {**data, "code": "000000" if code != "000000" else "111111"})
    assert 'data-testid="error-code"' in wrong.content.decode()
    assert "谢谢社工" in wrong.content.decode() and survey.responses.count() == 0
    assert "感谢您的评价" in client.post(url, {**data, "code": code}).content.decode()
    again = client.post(url, {**data, "code": code}).content.decode()
    assert "每人只能填写一次" in again
    missing = client.post(url, {"phone": "13700002222"}).content.decode()
    assert "请选择一项。" in missing
    assert survey.responses.count() == 1
    assert (
        client.get(reverse("evaluation:survey-answer", kwargs={"token": "0" * 32})).status_code
        == 404
    )


def test_ballot_stuffing_with_unverified_numbers_fails(client, survey: Survey) -> None:
    """Issue 18, finding 4: 50 answers with random numbers and no code took a center from 4.67 to 1.68."""
    url = reverse("evaluation:survey-answer", kwargs={"token": survey.token})
    low = {"overall": 1, "attitude": 1, "professionalism": 1, "facilities": 1}
    for n in range(50):
        page = client.post(url, {**low, "phone": f"1380000{n:04d}", "code": f"{n:06d}"})
        assert page.status_code == 200
    assert survey.responses.count() == 0
    # Codes are texted, but one client gets ten an hour, whatever numbers it gives.
    with captured_sms() as outbox:
        for n in range(12):
            client.post(url, {**low, "phone": f"1390000{n:04d}", "action": "send_code"})
    assert len(outbox) == 10
    refused = client.post(url, {**low, "phone": "13911112222", "action": "send_code"})
    assert "本设备获取验证码过于频繁" in refused.content.decode()


def test_an_account_and_its_number_answer_once(
    survey: Survey, make_user: Callable[..., User]
) -> None:
    resident = make_user(Role.RESIDENT, "420102002003", username="with_phone")
    resident.phone = "13612345678"
    resident.save(update_fields=["phone"])
    services.survey_answer(survey=survey, user=resident, data=RATINGS)
    with pytest.raises(ConflictError):
        answer_by_phone(survey, "13612345678", RATINGS)


def test_a_code_is_good_for_its_survey_only(
    survey: Survey, street_center: Center, street_staff: User
) -> None:
    other = services.survey_create(
        actor=street_staff,
        center=street_center,
        data={
            "title": "另一份问卷",
            "subject": "service",
            "year": timezone.localdate().year,
            "closes_on": timezone.localdate() + datetime.timedelta(days=10),
        },
    )
    with captured_sms() as outbox:
        services.survey_code_send(survey=survey, phone="13712340000", client_ip=None)
    with pytest.raises(ValidationError) as exc:
        services.survey_answer(
            survey=other, phone="13712340000", code=code_in_text(outbox[0][1]), data=RATINGS
        )
    assert "code" in exc.value.message_dict and other.responses.count() == 0


def test_only_the_centers_staff_create_surveys(
    street_center: Center, jiangan_center: Center, make_user: Callable[..., User]
) -> None:
    community_staff = make_user(
        Role.CENTER_STAFF,
        "420102002003",
        center=CenterFactory.create(
            region_id="420102002003", level="community", parent=street_center
        ),
    )
    with pytest.raises(PermissionDenied):
        services.survey_create(
            actor=community_staff,
            center=street_center,
            data={
                "title": "x",
                "subject": "service",
                "year": 2026,
                "closes_on": timezone.localdate(),
            },
        )


# -- reviews ----------------------------------------------------------------------------------------
@pytest.fixture
def review(
    templates: dict[str, IndicatorTemplate], street_center: Center, jiangan_staff: User
) -> CenterReview:
    return services.review_open(
        actor=jiangan_staff, center=street_center, year=timezone.localdate().year
    )


def test_a_center_cannot_review_itself(
    templates: dict[str, IndicatorTemplate], street_center: Center, street_staff: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.review_open(actor=street_staff, center=street_center, year=2026)


def test_one_review_per_center_and_year(review: CenterReview, jiangan_staff: User) -> None:
    with pytest.raises(ValidationError):
        services.review_open(actor=jiangan_staff, center=review.center, year=review.year)


def test_review_combines_supervisor_third_party_and_surveys(
    review: CenterReview,
    survey: Survey,
    jiangan_staff: User,
    make_user: Callable[..., User],
    street_staff: User,
    jiangan_officer: User,
) -> None:
    third_party = make_user(Role.EXPERT, "420102", username="third_party")
    outsider = make_user(Role.EXPERT, "420106", username="outsider")
    for n in range(4):  # all answers 5/5 → satisfaction 100
        answer_by_phone(
            survey,
            f"1391234567{n}",
            {"overall": 5, "attitude": 5, "professionalism": 5, "facilities": 5},
        )
    services.review_score_submit(
        actor=jiangan_staff, review=review, scores=all_rates(review.template, 80)
    )
    services.review_score_submit(
        actor=third_party, review=review, scores=all_rates(review.template, 70)
    )
    with pytest.raises(PermissionDenied):
        services.review_score_submit(
            actor=outsider, review=review, scores=all_rates(review.template, 0)
        )
    with pytest.raises(PermissionDenied):
        services.review_score_submit(
            actor=street_staff, review=review, scores=all_rates(review.template, 100)
        )
    kinds = set(review.scores.values_list("reviewer_kind", flat=True))
    assert kinds == {"supervisor", "third_party"}
    with pytest.raises(PermissionDenied):
        services.review_confirm(actor=third_party, review=review, conclusion="x")
    confirmed = services.review_confirm(actor=jiangan_staff, review=review, conclusion="工作扎实")
    # Manual indicators average 75 % over 80 points = 60; the survey indicator is 100 % of 20 points.
    assert confirmed.total == Decimal("80.00")
    assert confirmed.satisfaction == Decimal("100.00") and confirmed.survey_responses == 4
    assert confirmed.result == "良好"
    assert confirmed.status == ReviewStatus.CONFIRMED
    with pytest.raises(ApplicationError):
        services.review_score_submit(
            actor=jiangan_staff, review=review, scores=all_rates(review.template, 1)
        )
    reward = services.reward_record(
        actor=jiangan_officer,
        review=confirmed,
        data={
            "title": "年度优秀服务中心",
            "amount": Decimal("20000.00"),
            "granted_on": timezone.localdate(),
        },
    )
    assert reward.amount == Decimal("20000.00")
    with pytest.raises(PermissionDenied):
        services.reward_record(
            actor=street_staff,
            review=confirmed,
            data={"title": "自奖", "amount": Decimal("1"), "granted_on": timezone.localdate()},
        )


def test_rewards_wait_for_the_confirmed_result(review: CenterReview, jiangan_staff: User) -> None:
    with pytest.raises(ApplicationError, match="确认后"):
        services.reward_record(
            actor=jiangan_staff,
            review=review,
            data={"title": "x", "amount": Decimal("1"), "granted_on": timezone.localdate()},
        )
