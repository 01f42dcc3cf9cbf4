"""Programs and their calls: setting a program up and moving it through its stages, proposals, eligibility,
expert panels, conflicts of interest, reviews, the shortlist, publishing projects and funders' subscriptions
(认购). Each step is guarded by its workflow table (`philanthropy/workflows.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.selectors import center_staff_of, org_reps_of
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.network.models import Center
from civicnest.philanthropy import permissions, selectors
from civicnest.philanthropy.models import (
    ZERO,
    BudgetLine,
    ConflictDeclaration,
    EntryKind,
    ExpertAssignment,
    Fund,
    FundingProgram,
    ProgramKind,
    ProgramStatus,
    Project,
    Proposal,
    ProposalStatus,
    Review,
    RubricCriterion,
    Subscription,
)
from civicnest.philanthropy.services.base import (
    CENT,
    check_program_budget,
    lock_fund,
    lock_program,
    lock_project,
    money,
    org_reps_in,
    require,
    save,
    score,
    tell,
)
from civicnest.philanthropy.services.funds import issue_receipt, post_entry
from civicnest.philanthropy.workflows import (
    IN_ORDER,
    PROGRAM,
    PROGRAM_ADVANCE_TO,
    PROJECT,
    PROPOSAL,
    RUNS_PROGRAM,
)
from civicnest.registry.models import SocialOrganization

# -- programs ------------------------------------------------------------------------------------


@transaction.atomic
def program_create(
    *,
    actor: User,
    center: Center,
    fund: Fund,
    data: dict[str, Any],
    criteria: list[tuple[str, int]],
) -> FundingProgram:
    require(
        permissions.can_run_center_programs(actor, center), _("您无权以该中心名义设立资助项目。")
    )
    if not permissions.can_keep_fund(actor, fund):
        raise ValidationError({"fund": [_("请选择本中心管理的资金账户。")]})
    program = FundingProgram(
        center=center,
        region_id=center.region_id,
        fund=fund,
        created_by=actor,
        **{
            k: data[k]
            for k in (
                "name",
                "kind",
                "description",
                "focus_areas",
                "eligible_org_types",
                "min_registered_years",
                "budget",
                "per_project_cap",
                "call_opens",
                "call_closes",
                "review_until",
                "publish_on",
                "implementation_ends",
                "evaluation_by",
            )
            if k in data
        },
    )
    save(actor, program)
    for name, weight in criteria:
        criterion = RubricCriterion(program=program, name=name, weight=weight)
        save(actor, criterion)
    return program


def _review_queue_url() -> str:
    return reverse("philanthropy:review-queue")


@transaction.atomic
def program_advance(*, actor: User, program: FundingProgram, to: str) -> FundingProgram:
    """Move the program to the next stage `to` (PROGRAM's open_call, start_review, … close)."""
    locked = lock_program(program.pk)
    action = PROGRAM_ADVANCE_TO.get(to)
    if action is None:
        require(permissions.can_run_program(actor, locked), str(RUNS_PROGRAM))
        raise ApplicationError(str(IN_ORDER))
    PROGRAM.check(locked, action, actor)
    locked.status = to
    save(actor, locked, fields=["status"])
    if to == ProgramStatus.CALL_OPEN and locked.kind == ProgramKind.VENTURE:
        tell(
            "philanthropy.call_open",
            org_reps_in(locked.region_id),
            _("项目征集：%(p)s（截止 %(d)s）") % {"p": locked.name, "d": locked.call_closes},
            url=locked.get_absolute_url(),
        )
    if to == ProgramStatus.REVIEWING:
        tell(
            "philanthropy.review_open",
            selectors.program_expert_users(locked),
            _("评审任务：%(p)s") % {"p": locked.name},
            url=str(_review_queue_url()),
        )
    return locked


@transaction.atomic
def expert_assign(*, actor: User, program: FundingProgram, expert: User) -> ExpertAssignment:
    PROGRAM.check(program, "assign_expert", actor)
    if not selectors.has_expert_role(expert):
        raise ValidationError({"expert": [_("所选用户不是评审专家。")]})
    if selectors.is_on_panel(program, expert):
        raise ApplicationError(_("该专家已在评审组中。"))
    assignment = ExpertAssignment(program=program, expert=expert)
    save(actor, assignment)
    tell(
        "philanthropy.expert_assigned",
        [expert],
        _("您被邀请担任“%(p)s”的评审专家") % {"p": program.name},
        url=_review_queue_url(),
    )
    return assignment


# -- proposals -----------------------------------------------------------------------------------


@transaction.atomic
def proposal_save(
    *,
    actor: User,
    program: FundingProgram,
    organization: SocialOrganization,
    data: dict[str, Any],
    budget_lines: list[tuple[str, Any]],
    proposal: Proposal | None = None,
) -> Proposal:
    """Create (PROGRAM "apply") or edit (PROPOSAL "edit") a draft. Nothing is half-saved: lines are
    replaced in the same transaction."""
    require(permissions.speaks_for(actor, organization.pk), _("只能以本组织名义申报。"))
    program = FundingProgram.objects.get(pk=program.pk)
    if proposal is None:
        PROGRAM.check(program, "apply", actor)
    else:
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("program")
            .get(pk=proposal.pk)
        )
        PROPOSAL.check(proposal, "edit", actor)
    if program.focus_areas and data.get("category") not in program.focus_areas:
        raise ValidationError({"category": [_("服务领域不在本项目资助范围内。")]})
    if not budget_lines:
        raise ValidationError({"budget_lines": [_("请至少填写一项预算。")]})
    lines = [(item[:100], money(amount, "budget_lines")) for item, amount in budget_lines]
    total = sum((a for _i, a in lines), ZERO)
    if total > program.per_project_cap:
        raise ValidationError(
            {
                "budget_lines": [
                    _("预算合计 %(t)s 元，超过单个项目上限 %(c)s 元。")
                    % {"t": total, "c": program.per_project_cap}
                ]
            }
        )
    target = proposal or Proposal(
        program=program, organization=organization, region_id=program.region_id, submitted_by=actor
    )
    for key in (
        "title",
        "category",
        "objectives",
        "beneficiaries",
        "beneficiary_count",
        "activities",
        "outputs",
        "outcomes",
        "team",
    ):
        if key in data:
            setattr(target, key, data[key])
    save(actor, target)
    target.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        [BudgetLine(proposal=target, item=item, amount=amount) for item, amount in lines]
    )
    return target


def _lock_proposal(proposal: Proposal, *related: str) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related(*related)
        .get(pk=proposal.pk)
    )


@transaction.atomic
def proposal_submit(*, actor: User, proposal: Proposal) -> Proposal:
    locked = _lock_proposal(proposal, "program__center")
    PROPOSAL.check(locked, "submit", actor)
    locked.status, locked.submitted_at = ProposalStatus.SUBMITTED, timezone.now()
    save(actor, locked, fields=["status", "submitted_at"])
    tell(
        "philanthropy.proposal_submitted",
        center_staff_of(locked.program.center_id),
        _("收到项目申报书：%(t)s") % {"t": locked.title},
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def proposal_check_eligibility(
    *, actor: User, proposal: Proposal, eligible: bool, note: str = ""
) -> Proposal:
    """资格审查: PROPOSAL "accept" (the program's rules must all hold) or "reject" (with the reason)."""
    locked = _lock_proposal(proposal, "program__center", "organization")
    transition = PROPOSAL.check(locked, "accept" if eligible else "reject", actor)
    if not eligible and not (note or "").strip():
        raise ValidationError({"note": [_("资格审查不通过时请写明原因。")]})
    locked.status = transition.target
    locked.eligibility_note = (note or "").strip()[:300]
    save(actor, locked, fields=["status", "eligibility_note"])
    tell(
        "philanthropy.eligibility",
        org_reps_of(locked.organization_id),
        (_("资格审查通过：%(t)s") if eligible else _("资格审查未通过：%(t)s"))
        % {"t": locked.title},
        url=locked.get_absolute_url(),
        body=locked.eligibility_note,
    )
    return locked


@transaction.atomic
def conflict_declare(*, actor: User, proposal: Proposal, reason: str) -> ConflictDeclaration:
    proposal = Proposal.objects.select_related("program__center", "organization").get(
        pk=proposal.pk
    )
    program = proposal.program
    PROPOSAL.check(proposal, "declare_conflict", actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请说明利益关系。")]})
    declaration = ConflictDeclaration(
        program=program, expert=actor, organization=proposal.organization, reason=reason.strip()
    )
    save(actor, declaration)
    tell(
        "philanthropy.conflict_declared",
        center_staff_of(program.center_id),
        _("评审专家声明利益冲突并回避：%(t)s") % {"t": proposal.title},
        url=proposal.get_absolute_url(),
    )
    return declaration


def weighted_total(criteria: Sequence[RubricCriterion], scores: dict[int, Decimal]) -> Decimal:
    """Σ(weight × score/max) / Σweight × 100, to the cent."""
    weight_sum = sum(c.weight for c in criteria)
    value = sum(
        (Decimal(c.weight) * scores[c.pk] / Decimal(c.max_score) for c in criteria), Decimal(0)
    )
    return (value * 100 / Decimal(weight_sum)).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def review_submit(
    *,
    actor: User,
    proposal: Proposal,
    scores: dict[int, Any],
    comment: str = "",
    no_conflict: bool,
) -> Review:
    proposal = _lock_proposal(proposal, "program")
    program = proposal.program
    PROPOSAL.check(proposal, "review", actor)
    if not no_conflict:
        raise ValidationError({"no_conflict": [_("评审前须声明与申报组织无利益冲突。")]})
    criteria = list(program.criteria.all())
    clean: dict[int, Decimal] = {}
    for c in criteria:
        if c.pk not in scores or scores[c.pk] in (None, ""):
            raise ValidationError({f"score_{c.pk}": [_("请为“%(n)s”打分。") % {"n": c.name}]})
        clean[c.pk] = score(scores[c.pk], f"score_{c.pk}", Decimal(c.max_score))
    review = Review(
        proposal=proposal,
        expert=actor,
        scores={str(k): str(v) for k, v in clean.items()},
        total=weighted_total(criteria, clean),
        comment=(comment or "").strip(),
        no_conflict_declared=True,
    )
    save(actor, review)
    tell(
        "philanthropy.reviewed",
        center_staff_of(program.center_id),
        _("专家已提交评分：%(t)s") % {"t": proposal.title},
        url=proposal.get_absolute_url(),
    )
    return review


@transaction.atomic
def proposal_shortlist(
    *, actor: User, proposal: Proposal, shortlisted: bool, note: str = ""
) -> Proposal:
    """入围 (PROPOSAL "shortlist", which needs at least one review) or not ("not_select")."""
    locked = _lock_proposal(proposal, "program__center")
    transition = PROPOSAL.check(locked, "shortlist" if shortlisted else "not_select", actor)
    locked.status = transition.target
    if note:
        locked.eligibility_note = note[:300]
    save(actor, locked, fields=["status", "eligibility_note"])
    tell(
        "philanthropy.shortlist",
        org_reps_of(locked.organization_id),
        (_("申报书入围：%(t)s") if shortlisted else _("申报书未入围：%(t)s")) % {"t": locked.title},
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def project_publish(*, actor: User, proposal: Proposal, budget: Any) -> Project:
    """发布: a shortlisted proposal becomes a project on the portal, open for funders' subscriptions."""
    program = lock_program(proposal.program_id)
    locked = Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
    locked.program = program
    PROPOSAL.check(locked, "publish", actor)
    amount = money(budget, "budget")
    if amount > program.per_project_cap or amount > locked.requested_total:
        raise ValidationError({"budget": [_("核定预算不能超过申请金额和单个项目上限。")]})
    check_program_budget(program, amount)
    project = Project(
        program=program,
        proposal=locked,
        organization_id=locked.organization_id,
        region_id=program.region_id,
        title=locked.title,
        summary=locked.objectives,
        budget=amount,
        published_at=timezone.now(),
    )
    save(actor, project)
    locked.status = ProposalStatus.PUBLISHED
    save(actor, locked, fields=["status"])
    tell(
        "philanthropy.project_published",
        org_reps_of(locked.organization_id),
        _("项目已发布，进入认购：%(t)s") % {"t": project.title},
        url=project.get_absolute_url(),
    )
    return project


# -- subscriptions (认购) -------------------------------------------------------------------------


@transaction.atomic
def subscription_create(
    *, actor: User, project: Project, amount: Any, funder_name: str = ""
) -> Subscription:
    """The funder's money comes into the program's fund (with a receipt) and is committed to the project.
    The project's row lock makes concurrent subscriptions queue, so their total never passes the budget."""
    amount = money(amount)
    locked = lock_project(project.pk)
    PROJECT.check(locked, "subscribe", actor)
    subscribed = selectors.subscribed_total(locked)
    if subscribed + amount > locked.budget:
        raise ConflictError(
            _("认购金额超过项目剩余可认购额度 %(r)s 元。") % {"r": locked.budget - subscribed},
            extra={"remaining": str(locked.budget - subscribed)},
        )
    name = (funder_name or "").strip() or actor.display_name
    fund = lock_fund(locked.program.fund_id)
    inflow = post_entry(
        actor=actor,
        fund=fund,
        kind=EntryKind.INFLOW,
        amount=amount,
        project=locked,
        counterparty=name,
        memo=_("认购：%(t)s") % {"t": locked.title},
    )
    post_entry(
        actor=actor,
        fund=fund,
        kind=EntryKind.COMMITMENT,
        amount=amount,
        project=locked,
        counterparty=locked.organization.name,
        memo=_("认购承诺：%(t)s") % {"t": locked.title},
    )
    issue_receipt(
        actor=actor,
        fund=fund,
        entry=inflow,
        donor_name=name,
        received_on=timezone.localdate(),
        purpose=_("定向资助：%(t)s") % {"t": locked.title},
    )
    subscription = Subscription(
        project=locked,
        region_id=locked.region_id,
        funder=actor,
        funder_name=name[:120],
        amount=amount,
        inflow=inflow,
    )
    save(actor, subscription)
    tell(
        "philanthropy.subscribed",
        [*org_reps_of(locked.organization_id), *center_staff_of(locked.program.center_id)],
        _("%(f)s 认购了“%(t)s” %(a)s 元") % {"f": name, "t": locked.title, "a": amount},
        url=locked.get_absolute_url(),
    )
    return subscription
