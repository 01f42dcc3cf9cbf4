"""Every transition of every evaluation workflow table, walked for several roles and states: an action is
offered (`allowed_actions`) exactly when its service accepts it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.evaluation import services
from civicnest.evaluation.models import (
    Appeal,
    Assessment,
    CenterReview,
    EvaluatorAssignment,
    GradingRound,
    IndicatorTemplate,
    ReviewScore,
)
from civicnest.evaluation.tests.conftest import all_rates
from civicnest.evaluation.workflows import APPEAL, ASSESSMENT, REVIEW, ROUND, WORKFLOWS
from civicnest.network.models import Center
from civicnest.network.tests.factories import CenterFactory
from civicnest.registry.models import SocialOrganization
from civicnest.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


class _Rollback(Exception):
    pass


def _service_accepts(call: Callable[[], Any]) -> bool:
    """Run the service in a savepoint that is always rolled back: True if it went through."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except (ApplicationError, PermissionDenied):
        return False


class Walk:
    """Collects (table, action, state, user) → (offered, accepted) and what each action was seen doing."""

    def __init__(self) -> None:
        self.mismatches: list[str] = []
        self.seen: dict[tuple[str, str], set[bool]] = {}

    def check(
        self,
        workflow: Any,
        obj_of: Callable[[], Any],
        action: str,
        user: User,
        state: str,
        call: Callable[[], Any],
    ) -> None:
        offered = action in {t.action for t in workflow.allowed_actions(obj_of(), user)}
        accepted = _service_accepts(call)
        self.seen.setdefault((workflow.name, action), set()).add(accepted)
        if offered != accepted:
            self.mismatches.append(
                f"{workflow.name}.{action} in {state} for {user.username}: "
                f"offered={offered}, service accepted={accepted}"
            )


@pytest.fixture
def walk() -> Walk:
    return Walk()


# -- assessments and appeals ------------------------------------------------------------------------
def _assessment_states() -> list[Any]:
    """(name, round status, assessment fields, assignment submitted, appeal status or None, bands)."""
    window = {"publicized_on": TODAY, "onsite_total": Decimal("950"), "proposed_grade": "4A"}
    open_window = {**window, "appeal_until": TODAY + datetime.timedelta(days=3)}
    closed_window = {**window, "appeal_until": TODAY - datetime.timedelta(days=1)}
    below = {"1A": 600, "2A": 801, "3A": 851, "4A": 901, "5A": 951}
    return [
        ("draft", "open", {"status": "draft"}, False, None, None),
        ("submitted", "evaluating", {"status": "submitted"}, False, None, None),
        ("accepted", "evaluating", {"status": "accepted"}, False, None, None),
        ("accepted, scores in", "evaluating", {"status": "accepted"}, True, None, None),
        ("scored", "evaluating", {"status": "scored", "onsite_total": Decimal("950")}, True, None, None),
        ("scored below every band", "evaluating", {"status": "scored", "onsite_total": Decimal("500")}, True, None, below),
        ("on notice", "evaluating", {"status": "publicized", **open_window}, True, None, None),
        ("notice over", "evaluating", {"status": "publicized", **closed_window}, True, None, None),
        ("on notice, appeal decided", "evaluating", {"status": "publicized", **open_window}, True, "dismissed", None),
        ("appealed", "evaluating", {"status": "appealed", **open_window}, True, "pending", None),
        ("confirmed", "evaluating", {"status": "confirmed", **closed_window, "final_grade": "4A"}, True, None, None),
        ("rejected", "evaluating", {"status": "rejected"}, False, None, None),
        ("draft, round closed", "closed", {"status": "draft"}, False, None, None),
        ("notice over, round closed", "closed", {"status": "publicized", **closed_window}, True, None, None),
        ("appealed, round closed", "closed", {"status": "appealed", **open_window}, True, "pending", None),
        ("confirmed, round closed", "closed", {"status": "confirmed", **closed_window, "final_grade": "4A"}, True, None, None),
    ]  # fmt: skip


def test_assessment_and_appeal_actions_are_offered_exactly_when_the_service_accepts_them(
    accepted: Assessment,
    city_officer: User,
    jiangan_officer: User,
    org_rep: User,
    expert: User,
    expert_b: User,
    disk_media: Any,
    walk: Walk,
) -> None:
    assignment = services.evaluator_assign(
        actor=city_officer, assessment=accepted, evaluator=expert
    )
    bands = accepted.round.grade_bands
    template = accepted.template
    users = [city_officer, jiangan_officer, org_rep, expert, expert_b]

    def fresh() -> Assessment:
        return Assessment.objects.select_related("round", "organization").get(pk=accepted.pk)

    def fresh_appeal() -> Appeal:
        return Appeal.objects.select_related("assessment__round").get(assessment=accepted)

    def calls_for(u: User) -> dict[str, Callable[[], Any]]:
        return {
            "save_self": lambda: services.self_assessment_save(
                actor=u, assessment=fresh(), scores={}, summary="草稿"
            ),
            "submit": lambda: services.self_assessment_save(
                actor=u,
                assessment=fresh(),
                scores=all_rates(template, 90),
                summary="自评报告",
                submit=True,
            ),
            "upload_evidence": lambda: services.evidence_upload(
                actor=u,
                assessment=fresh(),
                title="章程",
                upload=SimpleUploadedFile("c.pdf", b"%PDF-1.4"),
            ),
            "accept": lambda: services.assessment_check_eligibility(
                actor=u, assessment=fresh(), accept=True
            ),
            "reject": lambda: services.assessment_check_eligibility(
                actor=u, assessment=fresh(), accept=False, note="不符合条件"
            ),
            "assign": lambda: services.evaluator_assign(
                actor=u, assessment=fresh(), evaluator=expert_b
            ),
            "score": lambda: services.onsite_score_submit(
                actor=u,
                assignment=assignment,
                scores=all_rates(template, 90),
                summary="现场查看台账。",
            ),
            "propose": lambda: services.grade_propose(actor=u, assessment=fresh()),
            "appeal": lambda: services.appeal_submit(
                actor=u, assessment=fresh(), reason="财务分漏计"
            ),
            "waive": lambda: services.appeal_waive(actor=u, assessment=fresh()),
            "confirm": lambda: services.grade_confirm(actor=u, assessment=fresh()),
        }

    def decide(u: User, upheld: bool) -> Callable[[], Any]:
        return lambda: services.appeal_decide(
            actor=u,
            appeal=fresh_appeal(),
            upheld=upheld,
            decision="复核意见",
            revised_total=Decimal("905"),
        )

    for name, round_status, fields, scored, appeal_status, round_bands in _assessment_states():
        GradingRound.objects.filter(pk=accepted.round_id).update(
            status=round_status, grade_bands=round_bands or bands
        )
        Assessment.objects.filter(pk=accepted.pk).update(
            **{"onsite_total": None, "proposed_grade": "", "appeal_until": None, **fields}
        )
        EvaluatorAssignment.objects.filter(pk=assignment.pk).update(
            submitted_at=timezone.now() if scored else None,
            total=Decimal("950") if scored else None,
        )
        Appeal.objects.filter(assessment=accepted).delete()
        if appeal_status:
            Appeal.objects.create(
                assessment=accepted, reason="分数漏计", submitted_by=org_rep, status=appeal_status
            )
        for user in users:
            calls = calls_for(user)
            assert set(calls) == set(ASSESSMENT.by_action)
            for action, call in calls.items():
                walk.check(ASSESSMENT, fresh, action, user, name, call)
            if appeal_status:
                for action, upheld in (("uphold", True), ("dismiss", False)):
                    walk.check(APPEAL, fresh_appeal, action, user, name, decide(user, upheld))
    assert walk.mismatches == []
    for workflow in (ASSESSMENT, APPEAL):
        for action in workflow.by_action:
            assert walk.seen[(workflow.name, action)] == {True, False}, action


# -- rounds ------------------------------------------------------------------------------------------
def test_round_actions_are_offered_exactly_when_the_service_accepts_them(
    accepted: Assessment,
    city_officer: User,
    jiangan_officer: User,
    org_rep: User,
    expert: User,
    make_user: Callable[..., User],
    jiangan_center: Center,
    walk: Walk,
) -> None:
    round_ = accepted.round
    newcomer: SocialOrganization = OrganizationFactory.create(
        region_id="420102002", registered_on=datetime.date(2018, 5, 1), center=jiangan_center
    )
    newcomer_rep = make_user(username="newcomer_rep")
    RoleAssignment.objects.create(
        user=newcomer_rep, role=Role.ORG_REP, region_id="420102", organization=newcomer
    )
    states = [
        ("open", "open", TODAY + datetime.timedelta(days=5), "accepted"),
        ("open, applications closed", "open", TODAY - datetime.timedelta(days=1), "accepted"),
        ("evaluating, one unsettled", "evaluating", TODAY, "accepted"),
        ("evaluating, all settled", "evaluating", TODAY, "confirmed"),
        ("closed", "closed", TODAY, "confirmed"),
    ]

    def fresh() -> GradingRound:
        return GradingRound.objects.get(pk=round_.pk)

    def apply(u: User) -> Callable[[], Any]:
        return lambda: services.assessment_apply(actor=u, round_=fresh(), organization=newcomer)

    def advance(u: User, target: str) -> Callable[[], Any]:
        return lambda: services.round_advance(actor=u, round_=fresh(), status=target)

    for name, status, close_on, assessment_status in states:
        GradingRound.objects.filter(pk=round_.pk).update(
            status=status, applications_close_on=close_on
        )
        Assessment.objects.filter(pk=accepted.pk).update(
            status=assessment_status, final_grade="4A" if assessment_status == "confirmed" else ""
        )
        # An organization applies for itself; the others are refused for the newcomer.
        for user in (city_officer, jiangan_officer, newcomer_rep, expert):
            walk.check(ROUND, fresh, "apply", user, name, apply(user))
        for user in (city_officer, jiangan_officer, org_rep, expert):
            for action, target in (("evaluate", "evaluating"), ("close", "closed")):
                walk.check(ROUND, fresh, action, user, name, advance(user, target))
    assert walk.mismatches == []
    for action in ROUND.by_action:
        assert walk.seen[(ROUND.name, action)] == {True, False}, action


# -- center reviews ----------------------------------------------------------------------------------
def test_review_actions_are_offered_exactly_when_the_service_accepts_them(
    templates: dict[str, IndicatorTemplate],
    jiangan_center: Center,
    jiangan_staff: User,
    jiangan_officer: User,
    make_user: Callable[..., User],
    walk: Walk,
) -> None:
    street = CenterFactory.create(
        region_id="420102002", level="street", parent=jiangan_center, name="大智街道促进中心"
    )
    street_staff = make_user(Role.CENTER_STAFF, "420102002", center=street, username="street_s")
    third_party = make_user(Role.EXPERT, "420102", username="third_party")
    outsider = make_user(Role.EXPERT, "420106", username="outsider")
    review = services.review_open(actor=jiangan_staff, center=street, year=TODAY.year)
    rates = all_rates(review.template, 80)
    first = next(iter(rates))

    def fresh() -> CenterReview:
        return CenterReview.objects.select_related("center").get(pk=review.pk)

    def calls_for(u: User) -> dict[str, Callable[[], Any]]:
        return {
            "score": lambda: services.review_score_submit(actor=u, review=fresh(), scores=rates),
            "confirm": lambda: services.review_confirm(
                actor=u, review=fresh(), conclusion="工作扎实"
            ),
            "reward": lambda: services.reward_record(
                actor=u,
                review=fresh(),
                data={"title": "优秀中心", "amount": Decimal("1000"), "granted_on": TODAY},
            ),
        }

    for name, status, scored in (
        ("open, no scores", "open", False),
        ("open, scored", "open", True),
        ("confirmed", "confirmed", True),
    ):
        CenterReview.objects.filter(pk=review.pk).update(status=status)
        ReviewScore.objects.filter(review=review).delete()
        if scored:
            ReviewScore.objects.create(
                review=review,
                indicator_id=first,
                reviewer=jiangan_staff,
                reviewer_kind="supervisor",
                score=Decimal("80"),
            )
        for user in (jiangan_staff, jiangan_officer, third_party, outsider, street_staff):
            calls = calls_for(user)
            assert set(calls) == set(REVIEW.by_action)
            for action, call in calls.items():
                walk.check(REVIEW, fresh, action, user, name, call)
    assert walk.mismatches == []
    for action in REVIEW.by_action:
        assert walk.seen[(REVIEW.name, action)] == {True, False}, action


def test_every_table_is_walked() -> None:
    assert {w.name for w in WORKFLOWS} == {"grading_round", "assessment", "appeal", "center_review"}
