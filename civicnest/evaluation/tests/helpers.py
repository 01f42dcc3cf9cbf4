"""Test helpers of the evaluation app."""

from __future__ import annotations

from typing import Any

from civicnest.accounts.phone_codes import code_in_text
from civicnest.core.sms import captured_sms
from civicnest.evaluation import services
from civicnest.evaluation.models import Survey, SurveyResponse


def answer_by_phone(survey: Survey, phone: str, data: dict[str, Any]) -> SurveyResponse:
    """Answer as a person without an account does: ask for a code, read the SMS, answer with it."""
    with captured_sms() as outbox:
        services.survey_code_send(survey=survey, phone=phone, client_ip=None)
    return services.survey_answer(
        survey=survey, phone=phone, code=code_in_text(outbox[-1][1]), data=data
    )
