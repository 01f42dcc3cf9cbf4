"""Issue 18, finding 13: dates nobody checked — each is now a field error in Chinese."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicnest.incubation.models import Agreement
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.training.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db
NEXT_YEAR = timezone.localdate() + datetime.timedelta(days=400)


def test_a_registration_date_in_the_future_is_refused() -> None:
    org = OrganizationFactory.build(registered_on=NEXT_YEAR)
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "不能晚于今天" in " ".join(exc.value.message_dict["registered_on"])


def test_an_agreement_signed_in_the_future_is_refused() -> None:
    agreement = Agreement(signed_on=NEXT_YEAR)
    with pytest.raises(ValidationError) as exc:
        agreement.clean()
    assert "不能晚于今天" in " ".join(exc.value.message_dict["signed_on"])


def test_a_training_session_needs_a_room_or_a_place() -> None:
    session = SessionFactory.build(room=None, location="  ")
    with pytest.raises(ValidationError) as exc:
        session.clean()
    assert "场地或填写地点" in " ".join(exc.value.message_dict["location"])
    session.location = "社区活动室"
    session.clean()


def test_a_service_cannot_be_scheduled_in_the_past() -> None:
    from civicnest.matching import services

    with pytest.raises(ValidationError) as exc:
        services.match_schedule(actor=None, match=None, day=datetime.date(2020, 1, 1))  # type: ignore[arg-type]
    assert "不能早于今天" in " ".join(exc.value.message_dict["day"])
