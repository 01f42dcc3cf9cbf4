from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from civicnest.accounts.models import User
from civicnest.evaluation import selectors
from civicnest.evaluation.models import (
    Assessment,
    BreachAcknowledgement,
    CenterReview,
    NetworkTarget,
    SurveyResponse,
)

pytestmark = pytest.mark.django_db


def test_demo_has_grades_reviews_and_some_breaches(settings) -> None:
    settings.CIVICNEST_DEMO_PASSWORD = "Demo-Password-2026"
    call_command("seed_demo", stdout=io.StringIO())
    assert sorted(Assessment.objects.values_list("status", flat=True)) == [
        "confirmed",
        "publicized",
    ]
    confirmed = Assessment.objects.get(status="confirmed")
    assert confirmed.organization.grade == confirmed.final_grade != ""
    review = CenterReview.objects.get()
    assert review.status == "confirmed" and review.rewards.count() == 1
    assert review.survey_responses == SurveyResponse.objects.count() == 12
    assert NetworkTarget.objects.count() == 7
    report = selectors.compliance_report(user=User.objects.get(username="city_officer"))
    failed = {b.rule.code for b in report.breaches}
    assert {"premises", "board", "rules", "average_pay"} <= failed
    assert 0 < report.compliant < report.centers
    assert BreachAcknowledgement.objects.get().rule == "premises"
