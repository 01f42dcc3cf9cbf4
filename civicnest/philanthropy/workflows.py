"""The five state machines of the funding chain as data: programs, proposals, projects, tenders, tranches.

Each table lists every action a person can take on the object, the statuses it starts from, where it leads
(`""` or the same status: the status stays, e.g. a subscription or a bid) and who may take it — with the
conditions beyond the status (a program with no experts cannot go to review, a fully subscribed project takes
no more subscriptions, a tender with unscored bids cannot be awarded…). The services guard each action with
`WORKFLOW.check(obj, action, actor)` and the pages offer exactly `WORKFLOW.names(obj, user)`, so a button is
shown exactly when the service would accept it (`tests/test_workflows.py` walks every table).

A refusal says which part failed (`core.workflows.Rule`): who may act → `PermissionDenied`; a condition or the
status → `ApplicationError` (or `ConflictError`) with the message users have always seen. Checks that depend
on the arguments (which organization, which amount) stay in the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicnest.core.exceptions import ConflictError
from civicnest.core.workflows import Condition, Rule, Transition, Workflow
from civicnest.philanthropy import permissions, selectors
from civicnest.philanthropy.models import (
    FundingProgram,
    ProgramKind,
    ProgramStatus,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    Tender,
    TenderStatus,
    Tranche,
    TrancheStatus,
)


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


# -- programs ----------------------------------------------------------------------------------------
P = ProgramStatus
RUNS_PROGRAM = gettext_lazy("只有主办中心可以推进资助项目。")
IN_ORDER = gettext_lazy(
    "资助项目只能按“筹备 → 征集 → 评审 → 发布与认购 → 实施 → 评估 → 结项”依次推进。"
)


def _runs_program(user: Any, program: FundingProgram) -> bool:
    return permissions.can_run_program(user, program)


def _has_an_organization(user: Any, obj: Any) -> bool:
    return bool(permissions.own_org_ids(user))


VENTURE_ONLY = Condition(
    lambda user, program: program.kind == ProgramKind.VENTURE,
    gettext_lazy("政府购买服务项目通过招投标承接，不接受申报书。"),
)
NOT_IN_CALL = gettext_lazy("该资助项目当前不在征集期。")
CALL_IS_OPEN = Condition(lambda user, program: program.status == P.CALL_OPEN, NOT_IN_CALL)
PANEL_READY = Condition(
    lambda user, program: (
        program.kind != ProgramKind.VENTURE or selectors.program_has_experts(program)
    ),
    gettext_lazy("进入评审前请先指派评审专家。"),
)
PURCHASE_ONLY = Condition(
    lambda user, program: program.kind == ProgramKind.PURCHASE,
    gettext_lazy("只有政府购买服务项目进行招投标。"),
)


def _advance(
    action: str, source: str, target: str, *, when: Sequence[Condition] = ()
) -> Transition:
    return Transition(
        action=action,
        source=frozenset([source]),
        target=target,
        allowed=Rule(_runs_program, RUNS_PROGRAM, wrong_status=IN_ORDER, when=when),
        label=P(target).label,
    )


PROGRAM = Workflow(
    "funding_program",
    [
        _advance("open_call", P.DRAFT, P.CALL_OPEN),
        _advance("start_review", P.CALL_OPEN, P.REVIEWING, when=[PANEL_READY]),
        _advance("publish", P.REVIEWING, P.PUBLISHED),
        _advance("implement", P.PUBLISHED, P.IMPLEMENTING),
        _advance("evaluate", P.IMPLEMENTING, P.EVALUATING),
        _advance("close", P.EVALUATING, P.CLOSED),
        _t(
            "apply",  # a new proposal (draft) in the call
            [P.CALL_OPEN],
            P.CALL_OPEN,
            Rule(
                _has_an_organization,
                gettext_lazy("只有社会组织可以申报项目。"),
                wrong_status=NOT_IN_CALL,
                frozen=[VENTURE_ONLY],
            ),
            gettext_lazy("申报项目"),
        ),
        _t(
            "assign_expert",
            P.values,
            "",
            Rule(_runs_program, gettext_lazy("只有主办中心可以指派评审专家。")),
            gettext_lazy("指派"),
        ),
        _t(
            "open_tender",
            [P.CALL_OPEN, P.REVIEWING, P.PUBLISHED],
            "",
            Rule(
                _runs_program,
                gettext_lazy("只有主办中心可以发布招标。"),
                wrong_status=gettext_lazy("资助项目当前阶段不能发布招标。"),
                frozen=[PURCHASE_ONLY],
            ),
            gettext_lazy("发布招标"),
        ),
    ],
)
# program_advance(to=…) names the status to move to; the action that leads there from the one before it.
ADVANCES = ("open_call", "start_review", "publish", "implement", "evaluate", "close")
PROGRAM_ADVANCE_TO: dict[str, str] = {
    t.target: t.action for t in PROGRAM.transitions if t.action in ADVANCES
}


# -- proposals ---------------------------------------------------------------------------------------
S = ProposalStatus


def _speaks_for(user: Any, obj: Proposal | Project) -> bool:
    return permissions.speaks_for(user, obj.organization_id)


def _runs_proposals_program(user: Any, proposal: Proposal) -> bool:
    return permissions.can_run_program(user, proposal.program)


def _on_panel(user: Any, proposal: Proposal) -> bool:
    return permissions.is_panel_expert(user, proposal.program)


def _may_review(user: Any, proposal: Proposal) -> bool:
    return permissions.can_review(user, proposal.program, proposal.organization_id)


def _why_not_reviewer(user: Any, proposal: Proposal) -> str:
    if permissions.is_panel_expert(user, proposal.program):
        return _("您已声明与该组织存在利益冲突，不能评审其申报书。")
    return _("您不是该项目的评审专家。")


def _on(condition: Condition) -> Condition:
    """A program condition read through the proposal."""
    return Condition(
        lambda user, proposal: condition.holds(user, proposal.program),
        condition.reason,
        condition.error,
    )


NOT_IN_REVIEW = gettext_lazy("该申报书当前不在评审阶段。")
PROGRAM_IN_REVIEW = Condition(
    lambda user, proposal: proposal.program.status == P.REVIEWING, NOT_IN_REVIEW
)
NOT_REVIEWED_YET = Condition(
    lambda user, proposal: not selectors.has_reviewed(user, proposal),
    gettext_lazy("您已提交过该申报书的评分。"),
)
ELIGIBLE = Condition(
    lambda user, proposal: not selectors.eligibility_problems(proposal),
    lambda proposal: _("不符合申报条件：") + "；".join(selectors.eligibility_problems(proposal)),
)
SHORTLIST_STAGE = gettext_lazy("只有评审阶段中资格审查通过的申报书可以确定是否入围。")
SHORTLIST_IN_REVIEW = Condition(PROGRAM_IN_REVIEW.holds, SHORTLIST_STAGE)
HAS_REVIEWS = Condition(
    lambda user, proposal: selectors.proposal_has_reviews(proposal),
    gettext_lazy("尚无专家评分，不能入围。"),
)
PUBLISHING_STAGE = Condition(
    lambda user, proposal: proposal.program.status in (P.REVIEWING, P.PUBLISHED),
    gettext_lazy("资助项目当前阶段不能发布项目。"),
)
NOT_SCORED_THE_ORG = Condition(
    lambda user, proposal: (
        not selectors.has_reviewed_organization(user, proposal.program, proposal.organization_id)
    ),
    gettext_lazy("您已评审过该组织的申报书，请联系主办中心处理。"),
)
NOT_DECLARED_YET = Condition(
    lambda user, proposal: (
        not selectors.has_declared_conflict(user, proposal.program, proposal.organization_id)
    ),
    gettext_lazy("您已声明与该组织存在利益冲突。"),
)
CHECKS_ELIGIBILITY = gettext_lazy("只有主办中心可以做资格审查。")
ELIGIBILITY_STAGE = gettext_lazy("只有已提交的申报书可以做资格审查。")
DECIDES_SHORTLIST = gettext_lazy("只有主办中心可以确定入围名单。")

PROPOSAL = Workflow(
    "proposal",
    [
        _t(
            "edit",
            [S.DRAFT],
            S.DRAFT,
            Rule(
                _speaks_for,
                gettext_lazy("只能修改本组织的申报书。"),
                wrong_status=gettext_lazy("申报书已提交，不能再修改。"),
                frozen=[_on(VENTURE_ONLY), _on(CALL_IS_OPEN)],
            ),
            gettext_lazy("修改"),
        ),
        _t(
            "submit",
            [S.DRAFT],
            S.SUBMITTED,
            Rule(
                _speaks_for,
                gettext_lazy("只能提交本组织的申报书。"),
                wrong_status=gettext_lazy("申报书已提交。"),
                when=[Condition(_on(CALL_IS_OPEN).holds, gettext_lazy("征集已结束。"))],
            ),
            gettext_lazy("提交申报"),
        ),
        _t(
            "accept",
            [S.SUBMITTED],
            S.ELIGIBLE,
            Rule(
                _runs_proposals_program,
                CHECKS_ELIGIBILITY,
                wrong_status=ELIGIBILITY_STAGE,
                when=[ELIGIBLE],
            ),
            gettext_lazy("资格审查通过"),
        ),
        _t(
            "reject",
            [S.SUBMITTED],
            S.INELIGIBLE,
            Rule(_runs_proposals_program, CHECKS_ELIGIBILITY, wrong_status=ELIGIBILITY_STAGE),
            gettext_lazy("资格审查不通过"),
            needs_reason=True,
        ),
        _t(
            "review",
            [S.ELIGIBLE],
            S.ELIGIBLE,
            Rule(
                _may_review,
                _why_not_reviewer,
                wrong_status=NOT_IN_REVIEW,
                when=[PROGRAM_IN_REVIEW, NOT_REVIEWED_YET],
            ),
            gettext_lazy("提交评分"),
        ),
        _t(
            "declare_conflict",
            S.values,
            "",
            Rule(
                _on_panel,
                gettext_lazy("您不是该项目的评审专家。"),
                when=[NOT_SCORED_THE_ORG, NOT_DECLARED_YET],
            ),
            gettext_lazy("声明回避"),
            needs_reason=True,
        ),
        _t(
            "shortlist",
            [S.ELIGIBLE],
            S.SHORTLISTED,
            Rule(
                _runs_proposals_program,
                DECIDES_SHORTLIST,
                wrong_status=SHORTLIST_STAGE,
                when=[SHORTLIST_IN_REVIEW, HAS_REVIEWS],
            ),
            gettext_lazy("入围"),
        ),
        _t(
            "not_select",
            [S.ELIGIBLE],
            S.NOT_SELECTED,
            Rule(
                _runs_proposals_program,
                DECIDES_SHORTLIST,
                wrong_status=SHORTLIST_STAGE,
                when=[SHORTLIST_IN_REVIEW],
            ),
            gettext_lazy("不入围"),
        ),
        _t(
            "publish",
            [S.SHORTLISTED],
            S.PUBLISHED,
            Rule(
                _runs_proposals_program,
                gettext_lazy("只有主办中心可以发布项目。"),
                wrong_status=gettext_lazy("只有入围的申报书可以发布。"),
                when=[PUBLISHING_STAGE],
            ),
            gettext_lazy("发布到门户"),
        ),
    ],
)


# -- projects ----------------------------------------------------------------------------------------
J = ProjectStatus


def _runs_projects_program(user: Any, obj: Project) -> bool:
    return permissions.can_run_program(user, obj.program)


def _remaining(project: Project) -> Any:
    return project.budget - selectors.subscribed_total(project)


def _unplanned(project: Project) -> Any:
    contract = selectors.contract_of(project)
    return contract.amount - selectors.contract_planned(contract) if contract else 0


def _refundable(project: Project) -> Any:
    figures = selectors.project_money(project)
    return figures["disbursed"] - figures["returned"]


def _self_scored(user: Any, project: Project) -> bool:
    evaluation = selectors.evaluation_of(project)
    return evaluation is not None and evaluation.self_score is not None


NOT_OPEN_FOR_SUBSCRIPTION = gettext_lazy("该项目当前不接受认购。")
SUBSCRIBABLE = Condition(
    lambda user, project: project.program.kind == ProgramKind.VENTURE, NOT_OPEN_FOR_SUBSCRIPTION
)
BUDGET_LEFT = Condition(
    lambda user, project: _remaining(project) > 0,
    lambda project: _("认购金额超过项目剩余可认购额度 %(r)s 元。") % {"r": _remaining(project)},
    ConflictError,
)
PLAN_LEFT = Condition(
    lambda user, project: _unplanned(project) > 0,
    lambda project: (
        _("各期拨付合计不能超过合同金额：尚可安排 %(r)s 元。") % {"r": _unplanned(project)}
    ),
    ConflictError,
)
PAID_OUT = Condition(
    lambda user, project: _refundable(project) > 0,
    lambda project: _("退回金额不能超过已拨付未退回的 %(r)s 元。") % {"r": _refundable(project)},
)
SELF_EVALUATED = Condition(_self_scored, gettext_lazy("承接组织尚未提交自评。"))
NO_SUBSCRIBERS_WAITING = Condition(
    lambda user, project: (
        not (project.status == J.PUBLISHED and selectors.project_has_subscriptions(project))
    ),
    gettext_lazy("已有认购的项目请先签约再终止，或与资助方协商退款。"),
)

PROJECT = Workflow(
    "project",
    [
        _t(
            "subscribe",
            [J.PUBLISHED],
            J.PUBLISHED,
            Rule(
                permissions.can_subscribe,
                gettext_lazy("只有所在区域的资助方可以认购该项目。"),
                wrong_status=NOT_OPEN_FOR_SUBSCRIPTION,
                when=[SUBSCRIBABLE, BUDGET_LEFT],
            ),
            gettext_lazy("认购"),
        ),
        _t(
            "sign_contract",
            [J.PUBLISHED],
            J.CONTRACTED,
            Rule(
                _runs_projects_program,
                gettext_lazy("只有主办中心可以签订合同。"),
                wrong_status=gettext_lazy("该项目已签约或已结束。"),
            ),
            gettext_lazy("签订"),
        ),
        _t(
            "add_tranche",
            [J.CONTRACTED],
            J.CONTRACTED,
            Rule(
                _runs_projects_program,
                gettext_lazy("只有主办中心可以安排拨付。"),
                wrong_status=gettext_lazy("项目尚未签约或已结束。"),
                when=[PLAN_LEFT],
            ),
            gettext_lazy("增加拨付期次"),
        ),
        _t(
            "report",
            [J.CONTRACTED],
            J.CONTRACTED,
            Rule(
                _speaks_for,
                gettext_lazy("只有承接组织可以提交进度报告。"),
                wrong_status=gettext_lazy("项目不在实施中。"),
            ),
            gettext_lazy("提交进度报告"),
        ),
        _t(
            "self_evaluate",
            [J.CONTRACTED],
            J.CONTRACTED,
            Rule(
                _speaks_for,
                gettext_lazy("只有承接组织可以提交自评。"),
                wrong_status=gettext_lazy("项目不在实施中，不能自评。"),
            ),
            gettext_lazy("提交自评"),
        ),
        _t(
            "evaluate",
            [J.CONTRACTED],
            J.EVALUATED,
            Rule(
                permissions.can_evaluate,
                gettext_lazy("您无权评估该项目。"),
                wrong_status=gettext_lazy("项目不在实施中，不能评估。"),
                when=[SELF_EVALUATED],
            ),
            gettext_lazy("提交评估"),
        ),
        _t(
            "publish_result",
            [J.EVALUATED],
            J.COMPLETED,
            Rule(
                _runs_projects_program,
                gettext_lazy("只有主办中心可以公开结项成果。"),
                wrong_status=gettext_lazy("项目完成评估后才能公开成果。"),
            ),
            gettext_lazy("公开到门户"),
        ),
        _t(
            "refund",  # also after termination: money already paid out is recovered
            J.values,
            "",
            Rule(
                _runs_projects_program,
                gettext_lazy("只有主办中心可以登记退回。"),
                when=[PAID_OUT],
            ),
            gettext_lazy("登记资金退回"),
        ),
        _t(
            "terminate",
            [J.PUBLISHED, J.CONTRACTED, J.EVALUATED],
            J.TERMINATED,
            Rule(
                _runs_projects_program,
                gettext_lazy("只有主办中心可以终止项目。"),
                wrong_status=gettext_lazy("项目已结束。"),
                when=[NO_SUBSCRIBERS_WAITING],
            ),
            gettext_lazy("终止"),
            needs_reason=True,
        ),
    ],
)


# -- tenders (政府购买服务) -----------------------------------------------------------------------------
T = TenderStatus


def _runs_tenders_program(user: Any, tender: Tender) -> bool:
    return permissions.can_run_program(user, tender.program)


BIDDING_CLOSED = gettext_lazy("投标已截止。")
BEFORE_DEADLINE = Condition(
    lambda user, tender: timezone.localdate() <= tender.closes_on, BIDDING_CLOSED
)
AN_ORG_YET_TO_BID = Condition(
    lambda user, tender: bool(selectors.orgs_yet_to_bid(user, tender)),
    gettext_lazy("本组织已投标。"),
)
HAS_BIDS = Condition(
    lambda user, tender: selectors.tender_has_bids(tender), gettext_lazy("尚无投标。")
)
ALL_BIDS_SCORED = Condition(
    lambda user, tender: not selectors.tender_has_unscored_bids(tender),
    gettext_lazy("还有投标未评分。"),
)

TENDER = Workflow(
    "tender",
    [
        _t(
            "bid",
            [T.OPEN],
            T.OPEN,
            Rule(
                _has_an_organization,
                gettext_lazy("只能以本组织名义投标。"),
                wrong_status=BIDDING_CLOSED,
                when=[BEFORE_DEADLINE, AN_ORG_YET_TO_BID],
            ),
            gettext_lazy("提交投标"),
        ),
        _t(
            "score_bid",
            [T.OPEN],
            T.OPEN,
            Rule(
                _runs_tenders_program,
                gettext_lazy("只有主办中心可以评标。"),
                wrong_status=gettext_lazy("已定标，不能再评分。"),
            ),
            gettext_lazy("评分"),
        ),
        _t(
            "award",
            [T.OPEN],
            T.AWARDED,
            Rule(
                _runs_tenders_program,
                gettext_lazy("只有主办中心可以定标。"),
                wrong_status=gettext_lazy("该招标已定标。"),
                when=[HAS_BIDS, ALL_BIDS_SCORED],
            ),
            gettext_lazy("定标"),
            needs_reason=True,
        ),
    ],
)


# -- tranches ----------------------------------------------------------------------------------------
def _runs_tranches_program(user: Any, tranche: Tranche) -> bool:
    return permissions.can_run_program(user, tranche.contract.project.program)


PROJECT_UNDER_WAY = Condition(
    lambda user, tranche: tranche.contract.project.status == J.CONTRACTED,
    gettext_lazy("项目不在实施中，不能拨付。"),
)
WITHIN_CONTRACT = Condition(
    lambda user, tranche: (
        selectors.contract_paid(tranche.contract) + tranche.amount <= tranche.contract.amount
    ),
    gettext_lazy("拨付将超过合同金额。"),
    ConflictError,
)

TRANCHE = Workflow(
    "tranche",
    [
        _t(
            "disburse",
            [TrancheStatus.PLANNED],
            TrancheStatus.PAID,
            Rule(
                _runs_tranches_program,
                gettext_lazy("只有主办中心可以审批拨付。"),
                wrong_status=gettext_lazy("该期已拨付。"),
                status_error=ConflictError,
                when=[PROJECT_UNDER_WAY, WITHIN_CONTRACT],
            ),
            gettext_lazy("审批拨付"),
        ),
    ],
)

WORKFLOWS = (PROGRAM, PROPOSAL, PROJECT, TENDER, TRANCHE)
