"""The four state machines of evaluation as data: grading rounds, assessments, appeals and center reviews.

Each table lists every action a person can take, the statuses it starts from, where it leads and who may take
it — including the conditions beyond the status (a closed round freezes every step of its assessments, the
public-notice and appeal window, a score below every band…). The services guard each action with
`WORKFLOW.check(obj, action, user)` and the pages offer exactly `WORKFLOW.allowed_actions(obj, user)`, so a
button is shown exactly when the service would accept it (`tests/test_workflows.py` walks every table).

A refusal says which part failed: who may act → `PermissionDenied`; a condition or the status →
`ApplicationError` with that condition's reason (the messages users have always seen) — the shared `core.workflows.Rule`."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicnest.accounts.roles import Role
from civicnest.core.workflows import Condition, Rule, Transition, Workflow
from civicnest.evaluation import permissions, scoring, selectors
from civicnest.evaluation.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentStatus,
    CenterReview,
    GradingRound,
    ReviewStatus,
    RoundStatus,
)
from civicnest.regions.scoping import Scope
from civicnest.registry.models import Grade

A = AssessmentStatus

# Assessments still moving through the round: a round with any of them cannot be closed.
UNFINISHED = (A.SUBMITTED, A.ACCEPTED, A.SCORED, A.PUBLICIZED, A.APPEALED)


# -- conditions --------------------------------------------------------------------------------------
def _round_of(obj: Assessment | Appeal) -> GradingRound:
    return obj.assessment.round if isinstance(obj, Appeal) else obj.round


def appeal_window_open(assessment: Assessment, today: datetime.date | None = None) -> bool:
    """The draft grade is on public notice and the appeal period (its last day included) is running."""
    today = today or timezone.localdate()
    return (
        assessment.status == A.PUBLICIZED
        and assessment.appeal_until is not None
        and today <= assessment.appeal_until
    )


def _unfinished(round_: GradingRound) -> int:
    return selectors.unfinished_assessment_count(round_, UNFINISHED)


def _appeal_settled(assessment: Assessment) -> bool:
    """The window is over, or the appeal lodged in it has been decided."""
    if not appeal_window_open(assessment):
        return True
    appeal = selectors.appeal_of(assessment)
    return appeal is not None and appeal.status != AppealStatus.PENDING


def _own_assignment_open(user: Any, assessment: Assessment) -> bool:
    mine = permissions.assignment_of(user, assessment)
    return mine is not None and mine.submitted_at is None


ROUND_OPEN = Condition(
    lambda user, obj: _round_of(obj).status != RoundStatus.CLOSED,
    gettext_lazy("评估批次已结束，不能再修改。"),
)
TAKES_APPLICATIONS = Condition(
    lambda user, r: r.applications_close_on >= timezone.localdate(),
    gettext_lazy("该批次已停止接受申报。"),
)
ALL_SETTLED = Condition(
    lambda user, r: _unfinished(r) == 0,
    lambda r: (
        _("还有 %(n)d 个评估没有确认等级或作出资格结论，不能结束评估批次。") % {"n": _unfinished(r)}
    ),
)
WINDOW_OPEN = Condition(lambda user, a: appeal_window_open(a), gettext_lazy("不在公示及申诉期内。"))
NO_APPEAL_YET = Condition(
    lambda user, a: selectors.appeal_of(a) is None, gettext_lazy("每次评估只能申诉一次。")
)
APPEAL_SETTLED = Condition(
    lambda user, a: _appeal_settled(a),
    lambda a: _("公示及申诉期至 %(d)s，期满后才能确认等级。") % {"d": a.appeal_until},
)
HAS_GRADE = Condition(
    lambda user, a: bool(a.proposed_grade) and a.proposed_grade in Grade.values,
    gettext_lazy("没有可确认的等级。"),
)
SCORED = Condition(
    lambda user, a: a.onsite_total is not None, gettext_lazy("实地评估完成后才能评定等级。")
)
REACHES_A_BAND = Condition(
    lambda user, a: (
        a.onsite_total is None or bool(scoring.grade_for(a.onsite_total, a.round.grade_bands))
    ),
    gettext_lazy("得分未达到任何等级的分数线。"),
)
OWN_SCORES_OPEN = Condition(
    _own_assignment_open, gettext_lazy("评分已提交或该评估不在实地评估阶段。")
)
REVIEW_SCORED = Condition(
    lambda user, review: selectors.review_has_scores(review), gettext_lazy("还没有人打分。")
)


# -- who ---------------------------------------------------------------------------------------------
def _runs_round(user: Any, obj: GradingRound | Assessment | Appeal) -> bool:
    round_ = obj if isinstance(obj, GradingRound) else _round_of(obj)
    return permissions.can_run_round(user, round_)


def _represents(user: Any, obj: Assessment) -> bool:
    return permissions.is_org_rep(user, obj.organization)


def _represents_an_organization(user: Any, round_: GradingRound) -> bool:
    return any(g.role == Role.ORG_REP and g.organization_id for g in Scope.for_user(user).grants)


def _is_assigned(user: Any, assessment: Assessment) -> bool:
    return permissions.assignment_of(user, assessment) is not None


# -- the tables --------------------------------------------------------------------------------------
def _t(
    action: str,
    source: Sequence[str],
    target: str,
    rule: Rule,
    label: str | Promise,
    *,
    needs_reason: bool = False,
) -> Transition:
    return Transition(
        action=action,
        source=frozenset(source),
        target=target,
        allowed=rule,
        label=label,
        needs_reason=needs_reason,
    )


R = RoundStatus
RUNS_ROUND = gettext_lazy("您无权管理该评估批次。")
IN_ORDER = gettext_lazy("评估批次只能按“接受申报 → 实地评估 → 已结束”依次推进。")

ROUND = Workflow(
    "grading_round",
    [
        _t(
            "apply",
            [R.OPEN],
            R.OPEN,  # stays open: the application is a new assessment in it
            Rule(
                _represents_an_organization,
                gettext_lazy("只有该组织的负责人可以申报。"),
                wrong_status=gettext_lazy("该批次已停止接受申报。"),
                when=[TAKES_APPLICATIONS],
            ),
            gettext_lazy("申报"),
        ),
        _t(
            "evaluate",
            [R.OPEN],
            R.EVALUATING,
            Rule(_runs_round, RUNS_ROUND, wrong_status=IN_ORDER),
            gettext_lazy("进入实地评估"),
        ),
        _t(
            "close",
            [R.EVALUATING],
            R.CLOSED,
            Rule(_runs_round, RUNS_ROUND, wrong_status=IN_ORDER, when=[ALL_SETTLED]),
            gettext_lazy("结束评估批次"),
        ),
    ],
)
# round_advance(status=…) names the status to move to.
ROUND_ACTION_TO: dict[str, str] = {R.EVALUATING: "evaluate", R.CLOSED: "close"}

ORG_ONLY = gettext_lazy("只有该组织的负责人可以填写自评。")
ASSESSMENT = Workflow(
    "assessment",
    [
        _t(
            "save_self",
            [A.DRAFT],
            A.DRAFT,
            Rule(
                _represents,
                ORG_ONLY,
                wrong_status=gettext_lazy("自评已提交，不能再修改。"),
                frozen=[ROUND_OPEN],
            ),
            gettext_lazy("保存自评"),
        ),
        _t(
            "submit",
            [A.DRAFT],
            A.SUBMITTED,
            Rule(
                _represents,
                ORG_ONLY,
                wrong_status=gettext_lazy("自评已提交，不能再修改。"),
                frozen=[ROUND_OPEN],
            ),
            gettext_lazy("提交申报"),
        ),
        _t(
            "upload_evidence",
            [A.DRAFT, A.SUBMITTED],
            "",  # the status stays as it is
            Rule(
                _represents,
                gettext_lazy("只有该组织的负责人可以上传佐证材料。"),
                wrong_status=gettext_lazy("资格审核后不能再补充材料。"),
                frozen=[ROUND_OPEN],
            ),
            gettext_lazy("上传佐证材料"),
        ),
        _t(
            "accept",
            [A.SUBMITTED],
            A.ACCEPTED,
            Rule(
                _runs_round,
                gettext_lazy("只有组织评估的民政局可以审核申报资格。"),
                wrong_status=gettext_lazy("只有已申报的评估可以审核资格。"),
                frozen=[ROUND_OPEN],
            ),
            gettext_lazy("受理"),
        ),
        _t(
            "reject",
            [A.SUBMITTED],
            A.REJECTED,
            Rule(
                _runs_round,
                gettext_lazy("只有组织评估的民政局可以审核申报资格。"),
                wrong_status=gettext_lazy("只有已申报的评估可以审核资格。"),
                frozen=[ROUND_OPEN],
            ),
            gettext_lazy("不予受理"),
            needs_reason=True,
        ),
        _t(
            "assign",
            [A.ACCEPTED],
            A.ACCEPTED,
            Rule(
                _runs_round,
                gettext_lazy("只有组织评估的民政局可以分派评估专家。"),
                wrong_status=gettext_lazy("资格审核通过、尚未完成实地评估的申报才能分派专家。"),
                frozen=[ROUND_OPEN],
            ),
            gettext_lazy("分派评估专家"),
        ),
        _t(
            "score",
            [A.ACCEPTED],
            A.SCORED,  # once every assigned evaluator has submitted; until then it stays accepted
            Rule(
                _is_assigned,
                gettext_lazy("只有被分派的专家可以打分。"),
                wrong_status=gettext_lazy("评分已提交或该评估不在实地评估阶段。"),
                frozen=[ROUND_OPEN],
                when=[OWN_SCORES_OPEN],
            ),
            gettext_lazy("实地评估打分"),
        ),
        _t(
            "propose",
            [A.SCORED],
            A.PUBLICIZED,
            Rule(
                _runs_round,
                gettext_lazy("只有评估委员会（民政局）可以评定等级。"),
                wrong_status=gettext_lazy("实地评估完成后才能评定等级。"),
                frozen=[ROUND_OPEN],
                when=[SCORED, REACHES_A_BAND],
            ),
            gettext_lazy("评定并公示"),
        ),
        _t(
            "appeal",
            [A.PUBLICIZED],
            A.APPEALED,
            Rule(
                _represents,
                gettext_lazy("只有该组织的负责人可以申诉。"),
                wrong_status=gettext_lazy("不在公示及申诉期内，不能申诉。"),
                frozen=[ROUND_OPEN],
                when=[
                    Condition(WINDOW_OPEN.holds, gettext_lazy("不在公示及申诉期内，不能申诉。")),
                    NO_APPEAL_YET,
                ],
            ),
            gettext_lazy("提出申诉"),
            needs_reason=True,
        ),
        _t(
            "waive",
            [A.PUBLICIZED],
            A.PUBLICIZED,  # the appeal window closes early
            Rule(
                _represents,
                gettext_lazy("只有该组织的负责人可以确认无异议。"),
                wrong_status=gettext_lazy("不在公示及申诉期内。"),
                frozen=[ROUND_OPEN],
                when=[WINDOW_OPEN, NO_APPEAL_YET],
            ),
            gettext_lazy("无异议"),
        ),
        _t(
            "confirm",
            [A.PUBLICIZED],
            A.CONFIRMED,
            Rule(
                _runs_round,
                gettext_lazy("只有评估委员会（民政局）可以确认等级。"),
                wrong_status=gettext_lazy("只有公示中的初评等级可以确认。"),
                frozen=[ROUND_OPEN],
                when=[APPEAL_SETTLED, HAS_GRADE],
            ),
            gettext_lazy("确认等级"),
        ),
        # APPEALED → PUBLICIZED: the committee decides the appeal (APPEAL below).
    ],
)

DECIDES_APPEALS = Rule(
    _runs_round,
    gettext_lazy("只有评估委员会（民政局）可以处理申诉。"),
    wrong_status=gettext_lazy("该申诉已处理。"),
    frozen=[ROUND_OPEN],
)
APPEAL = Workflow(
    "appeal",
    [
        _t(
            "uphold",
            [AppealStatus.PENDING],
            AppealStatus.UPHELD,
            DECIDES_APPEALS,
            gettext_lazy("申诉成立"),
            needs_reason=True,
        ),
        _t(
            "dismiss",
            [AppealStatus.PENDING],
            AppealStatus.DISMISSED,
            DECIDES_APPEALS,
            gettext_lazy("申诉不成立"),
            needs_reason=True,
        ),
    ],
)


def _runs_review(user: Any, review: CenterReview) -> bool:
    return permissions.can_run_review(user, review)


def _scores_review(user: Any, review: CenterReview) -> bool:
    return permissions.can_score_review(user, review)


REVIEW = Workflow(
    "center_review",
    [
        _t(
            "score",
            [ReviewStatus.OPEN],
            ReviewStatus.OPEN,
            Rule(
                _scores_review,
                gettext_lazy("只有上级主管部门或第三方评估专家可以打分。"),
                wrong_status=gettext_lazy("考评已确认，不能再打分。"),
            ),
            gettext_lazy("打分"),
        ),
        _t(
            "confirm",
            [ReviewStatus.OPEN],
            ReviewStatus.CONFIRMED,
            Rule(
                _runs_review,
                gettext_lazy("只有组织考评的上级可以确认结果。"),
                wrong_status=gettext_lazy("考评已确认。"),
                when=[REVIEW_SCORED],
            ),
            gettext_lazy("确认考评结果"),
            needs_reason=True,  # the conclusion
        ),
        _t(
            "reward",
            [ReviewStatus.CONFIRMED],
            ReviewStatus.CONFIRMED,
            Rule(
                _runs_review,
                gettext_lazy("只有组织考评的上级可以记录奖励。"),
                wrong_status=gettext_lazy("考评结果确认后才能记录奖励。"),
            ),
            gettext_lazy("记录奖励"),
        ),
    ],
)

WORKFLOWS = (ROUND, ASSESSMENT, APPEAL, REVIEW)
