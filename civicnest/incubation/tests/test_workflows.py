"""The application table and its services agree: for every transition, status and user, the action is offered
(`APPLICATION.names`) exactly when its service accepts it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.incubation import services
from civicnest.incubation.models import Application
from civicnest.incubation.models import ApplicationStatus as S
from civicnest.incubation.tests.factories import ApplicationFactory, ProgramFactory, RoundFactory
from civicnest.incubation.tests.test_incubation import admitted, incubating
from civicnest.incubation.workflows import APPLICATION
from civicnest.network.models import Center

pytestmark = pytest.mark.django_db
D = datetime.date
SCORES = {"need": 20, "feasibility": 18, "capacity": 15, "impact": 22}


class _Rollback(Exception):
    pass


def _accepted(call: Callable[[Application, User], Any], pk: int, user: User) -> bool:
    try:
        with transaction.atomic():
            call(Application.objects.select_related("round__program__center").get(pk=pk), user)
            raise _Rollback
    except _Rollback:
        return True
    except (ApplicationError, PermissionDenied):
        return False


def _decide(to: str) -> Callable[[Application, User], Any]:
    return lambda a, u: services.application_decide(actor=u, application=a, to=to, reason="原因")


def _sign(a: Application, u: User) -> Any:
    agreement = getattr(a, "agreement", None)
    if agreement is None:  # the walk's own set-up: an agreement, as the staff would have made it
        raise ApplicationError("no agreement")
    return services.agreement_sign(actor=u, agreement=agreement, signed_on=D(2026, 1, 2))


def _assess(outcome: str) -> Callable[[Application, User], Any]:
    data = {"assessed_on": D(2026, 12, 1), "score": Decimal("70"), "summary": "评估意见"}
    if outcome == "extend":
        data["extend_until"] = D(2027, 6, 30)
    return lambda a, u: services.assessment_record(
        actor=u, application=a, data={**data, "outcome": outcome}
    )


CALLS: dict[str, Callable[[Application, User], Any]] = {
    "pass_check": _decide(S.ELIGIBLE),
    "fail_check": _decide(S.INELIGIBLE),
    "admit": _decide(S.ADMITTED),
    "waitlist": _decide(S.WAITLISTED),
    "reject": _decide(S.REJECTED),
    "start": _sign,
    "graduate": _assess("graduate"),
    "extend": _assess("extend"),
    "exit": _assess("exit"),
}


def test_every_application_action_is_offered_exactly_when_its_service_accepts_it(
    make_user: Callable[..., User],
    jiangan_staff: User,
    jiangan_center: Center,
    wuchang_officer: User,
) -> None:
    assert set(CALLS) == {t.action for t in APPLICATION.transitions}
    round_ = RoundFactory.create(program=ProgramFactory.create(center=jiangan_center), capacity=10)
    full = RoundFactory.create(program=ProgramFactory.create(center=jiangan_center), capacity=1)
    staff = jiangan_staff

    def new(r: Any = round_) -> Application:
        return ApplicationFactory.create(round=r)

    def eligible(r: Any = round_, reviewed: bool = True) -> Application:
        a = services.application_decide(actor=staff, application=new(r), to=S.ELIGIBLE)
        if reviewed:
            services.review_submit(actor=staff, application=a, scores=SCORES)
        return a

    apps: dict[str, Application] = {
        "submitted": new(),
        "eligible, no review": eligible(reviewed=False),
        "eligible, reviewed": eligible(),
        "waitlisted": services.application_decide(
            actor=staff, application=eligible(), to=S.WAITLISTED
        ),
        "admitted": admitted(staff, new()),
        "incubating": incubating(staff, new()),
    }
    admitted(staff, new(full))  # the full round's one place is taken
    apps["eligible, round full"] = eligible(full)
    services.agreement_create(
        actor=staff,
        application=apps["admitted"],
        data={"starts_on": D(2026, 1, 1), "obligations": "x"},
    )
    extended = incubating(staff, new())
    _assess("extend")(extended, staff)
    apps["extended"] = extended
    rejected = services.application_decide(
        actor=staff, application=eligible(), to=S.REJECTED, reason="名额"
    )
    apps["rejected"] = rejected
    users = [
        staff,
        wuchang_officer,
        make_user(Role.RESIDENT, "420102002003", username="someone"),
        make_user(Role.EXPERT, "420102", username="district_expert"),
    ]
    mismatches: list[str] = []
    seen: dict[str, set[bool]] = {a: set() for a in CALLS}
    for transition in APPLICATION.transitions:
        for label, app in apps.items():
            for user in users:
                fresh = Application.objects.select_related("round__program__center").get(pk=app.pk)
                offered = transition.action in APPLICATION.names(fresh, user)
                accepted = _accepted(CALLS[transition.action], app.pk, user)
                seen[transition.action].add(accepted)
                if offered != accepted:
                    mismatches.append(
                        f"{transition.action} on {label!r} for {user.username}: "
                        f"offered={offered}, accepted={accepted}"
                    )
    assert not mismatches, "\n".join(mismatches)
    assert all(v == {True, False} for v in seen.values()), seen
