"""Every write of the funding chain. Money moves only through `_post`, under row locks taken in one order:
project → contract → fund. On PostgreSQL `select_for_update` serialises concurrent postings; on SQLite the
IMMEDIATE transactions (settings) serialise every writer, so the same code is correct on both."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.accounts.selectors import center_staff_of, org_reps_of, users_with_role
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.services import notify
from civicnest.core.uploads import check_document, store_upload
from civicnest.network.models import Center
from civicnest.philanthropy import permissions
from civicnest.philanthropy.models import (
    ENTRY_EFFECT,
    PROGRAM_ORDER,
    ZERO,
    AttachmentKind,
    Bid,
    BudgetLine,
    ConflictDeclaration,
    Contract,
    EntryKind,
    Evaluation,
    ExpertAssignment,
    Fund,
    FundingProgram,
    LedgerEntry,
    ProgramKind,
    ProgramStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    Receipt,
    ReportAttachment,
    Review,
    RubricCriterion,
    Subscription,
    Tender,
    TenderStatus,
    Tranche,
    TrancheStatus,
)
from civicnest.regions.codes import subtree_q
from civicnest.registry.models import OrgStatus, SocialOrganization

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
# Final evaluation: the expert/third-party score weighs more than the organization's own.
SELF_WEIGHT = Decimal("0.3")
EXPERT_WEIGHT = Decimal("0.7")
CONCLUSIONS = ((Decimal("90"), "优秀"), (Decimal("75"), "良好"), (Decimal("60"), "合格"))


# -- helpers ---------------------------------------------------------------------------------------


def money(value: Any, field: str = "amount") -> Decimal:
    """A positive amount in 元 with at most two decimals, or a field-level Chinese error."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: [_("请输入金额，例如 12000.00。")]}) from exc
    if not amount.is_finite():
        raise ValidationError({field: [_("请输入金额，例如 12000.00。")]})
    if amount <= 0:
        raise ValidationError({field: [_("金额必须大于 0。")]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("金额最多保留两位小数（分）。")]})
    if amount > MAX_MONEY:
        raise ValidationError({field: [_("金额过大。")]})
    return amount.quantize(CENT)


def _score(value: Any, field: str, top: Decimal = Decimal("100")) -> Decimal:
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: [_("请输入分数。")]}) from exc
    if not score.is_finite() or score < 0 or score > top:
        raise ValidationError({field: [_("分数应在 0 到 %(top)s 之间。") % {"top": top}]})
    return score.quantize(CENT, rounding=ROUND_HALF_UP)


def _save(actor: Any, obj: Any, *, fields: Sequence[str] | None = None) -> Any:
    if fields is None:
        obj.full_clean()
        with acting_as(actor):
            obj.save()
    else:
        with acting_as(actor):
            obj.save(
                update_fields=[*fields, "updated_at"] if hasattr(obj, "updated_at") else fields
            )
    return obj


def _org_reps_in(region_code: str) -> list[User]:
    """Organization representatives bound inside the region (a call or a tender is news to them)."""
    return list(
        users_with_role(Role.ORG_REP, where=subtree_q([region_code], "role_assignments__region"))[
            :500
        ]
    )


def _tell(event: str, users: Iterable[User], title: str, url: str = "", body: str = "") -> None:
    notify(event=event, recipients=users, title=title, body=body, url=url)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


# -- the ledger ----------------------------------------------------------------------------------


def _lock_fund(fund_id: int) -> Fund:
    return Fund.objects.select_for_update().get(pk=fund_id)


def _lock_project(project_id: int) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("program__fund", "program__center", "organization")
        .get(pk=project_id)
    )


def fund_totals(fund: Fund) -> dict[str, Decimal]:
    """Balances derived from the entries (never stored): cash held, committed to projects, available."""
    sums = dict(
        LedgerEntry.objects.filter(fund=fund)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    cash = committed = ZERO
    for kind, total in sums.items():
        cash_sign, commit_sign = ENTRY_EFFECT[kind]
        cash += cash_sign * total
        committed += commit_sign * total
    return {
        "balance": cash.quantize(CENT),
        "committed": committed.quantize(CENT),
        "available": (cash - committed).quantize(CENT),
    }


def project_commitment(fund: Fund, project: Project) -> Decimal:
    """What the fund still holds for the project: commitments − releases − disbursements."""
    sums = dict(
        LedgerEntry.objects.filter(fund=fund, project=project)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return (
        sums.get(EntryKind.COMMITMENT, ZERO)
        - sums.get(EntryKind.RELEASE, ZERO)
        - sums.get(EntryKind.DISBURSEMENT, ZERO)
    )


def project_money(project: Project) -> dict[str, Decimal]:
    sums = dict(
        LedgerEntry.objects.filter(project=project)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    subscribed = project.subscriptions.aggregate(t=Sum("amount"))["t"] or ZERO
    committed = (
        sums.get(EntryKind.COMMITMENT, ZERO)
        - sums.get(EntryKind.RELEASE, ZERO)
        - sums.get(EntryKind.DISBURSEMENT, ZERO)
    )
    return {
        "subscribed": Decimal(subscribed).quantize(CENT),
        "remaining": (project.budget - subscribed).quantize(CENT),
        "committed": Decimal(committed).quantize(CENT),
        "disbursed": Decimal(sums.get(EntryKind.DISBURSEMENT, ZERO)).quantize(CENT),
        "returned": Decimal(sums.get(EntryKind.RETURN, ZERO)).quantize(CENT),
    }


def _post(
    *,
    actor: Any,
    fund: Fund,
    kind: str,
    amount: Decimal,
    project: Project | None = None,
    counterparty: str = "",
    memo: str = "",
) -> LedgerEntry:
    """Append one entry. The caller holds the fund's row lock (and the project's, for project money)."""
    amount = money(amount)
    last = (
        LedgerEntry.objects.filter(fund=fund)
        .order_by("-seq")
        .values_list("balance_after", "committed_after", "seq")
        .first()
    )
    balance, committed, seq = last or (ZERO, ZERO, 0)
    if kind == EntryKind.COMMITMENT and balance - committed < amount:
        raise ApplicationError(
            _("资金账户可用余额不足：可用 %(a)s 元，需要 %(n)s 元。")
            % {"a": balance - committed, "n": amount},
            extra={"available": str(balance - committed)},
        )
    if kind in (EntryKind.RELEASE, EntryKind.DISBURSEMENT):
        if project is None:
            raise ApplicationError(_("承诺、释放和拨付必须指明项目。"))
        held = project_commitment(fund, project)
        if held < amount:
            raise ApplicationError(
                _("该项目在账户中的承诺余额不足：剩余 %(h)s 元，需要 %(n)s 元。")
                % {"h": held, "n": amount}
            )
    cash_sign, commit_sign = ENTRY_EFFECT[kind]
    entry = LedgerEntry(
        fund=fund,
        seq=seq + 1,
        kind=kind,
        amount=amount,
        balance_after=balance + cash_sign * amount,
        committed_after=committed + commit_sign * amount,
        project=project,
        counterparty=counterparty[:120],
        memo=memo[:200],
        posted_by=actor,
    )
    entry.full_clean()
    with acting_as(actor):
        entry.save(force_insert=True)
    return entry


def _issue_receipt(
    *,
    actor: Any,
    fund: Fund,
    entry: LedgerEntry,
    donor_name: str,
    received_on: datetime.date,
    purpose: str,
) -> Receipt:
    """Next serial of the fund's year (the caller holds the fund's row lock)."""
    year = received_on.year
    seq = (Receipt.objects.filter(fund=fund, year=year).aggregate(m=Max("seq"))["m"] or 0) + 1
    receipt = Receipt(
        fund=fund,
        region_id=fund.region_id,
        entry=entry,
        year=year,
        seq=seq,
        serial=f"{fund.code}-{year}-{seq:06d}",
        donor_name=donor_name,
        amount=entry.amount,
        received_on=received_on,
        purpose=purpose[:200],
        issued_by=actor,
    )
    return _save(actor, receipt)


@transaction.atomic
def fund_create(*, actor: Any, center: Center, data: dict[str, Any]) -> Fund:
    _require(permissions.can_run_center_programs(actor, center), _("您无权为该中心开设资金账户。"))
    code = str(data.get("code", "")).strip().upper()
    if not code.isalnum() or not code.isascii():
        raise ValidationError({"code": [_("账户代码只能由字母和数字组成。")]})
    return _save(
        actor,
        Fund(
            center=center,
            region_id=center.region_id,
            name=str(data["name"]).strip(),
            code=code,
            kind=data["kind"],
        ),
    )


@transaction.atomic
def donation_record(
    *,
    actor: Any,
    fund: Fund,
    donor_name: str,
    amount: Any,
    received_on: datetime.date,
    purpose: str = "",
) -> Receipt:
    """A donation or appropriation into the fund: an inflow entry and its receipt (票据)."""
    _require(permissions.can_keep_fund(actor, fund), _("您无权记录该账户的收入。"))
    donor = (donor_name or "").strip()
    if not donor:
        raise ValidationError({"donor_name": [_("请填写捐赠方。")]})
    amount = money(amount)
    locked = _lock_fund(fund.pk)
    if not locked.is_active:
        raise ApplicationError(_("该资金账户已停用。"))
    entry = _post(
        actor=actor,
        fund=locked,
        kind=EntryKind.INFLOW,
        amount=amount,
        counterparty=donor,
        memo=purpose or _("捐赠收入"),
    )
    return _issue_receipt(
        actor=actor,
        fund=locked,
        entry=entry,
        donor_name=donor,
        received_on=received_on,
        purpose=purpose,
    )


@transaction.atomic
def receipt_void(*, actor: Any, receipt: Receipt, reason: str) -> Receipt:
    """Voiding keeps the serial (it is never reused) and records who and why; the money is not touched."""
    locked = Receipt.objects.select_for_update().select_related("fund__center").get(pk=receipt.pk)
    _require(permissions.can_keep_fund(actor, locked.fund), _("您无权作废该票据。"))
    if locked.voided_at:
        raise ApplicationError(_("该票据已作废。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请写明作废原因。")]})
    locked.voided_at, locked.void_reason, locked.voided_by = timezone.now(), reason.strip(), actor
    return _save(actor, locked, fields=["voided_at", "void_reason", "voided_by"])


# -- programs ------------------------------------------------------------------------------------


def parse_criteria(text: str) -> list[tuple[str, int]]:
    """Lines of “名称,权重” (or 名称 权重)."""
    result: list[tuple[str, int]] = []
    for raw in (text or "").splitlines():
        line = raw.strip().replace("，", ",").replace("\t", ",")
        if not line:
            continue
        name, _sep, weight = line.rpartition(",") if "," in line else line.rpartition(" ")
        if not name.strip() or not weight.strip().isdigit() or int(weight) <= 0:
            raise ValidationError(
                {"criteria": [_("评分指标格式应为“名称,权重”，权重为正整数：%(l)s") % {"l": raw}]}
            )
        result.append((name.strip()[:60], int(weight)))
    if not result:
        raise ValidationError({"criteria": [_("请至少设置一项评分指标。")]})
    if len({n for n, _w in result}) != len(result):
        raise ValidationError({"criteria": [_("评分指标名称不能重复。")]})
    return result


@transaction.atomic
def program_create(
    *, actor: Any, center: Center, fund: Fund, data: dict[str, Any], criteria: list[tuple[str, int]]
) -> FundingProgram:
    _require(
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
    _save(actor, program)
    for name, weight in criteria:
        criterion = RubricCriterion(program=program, name=name, weight=weight)
        _save(actor, criterion)
    return program


@transaction.atomic
def program_advance(*, actor: Any, program: FundingProgram, to: str) -> FundingProgram:
    locked = (
        FundingProgram.objects.select_for_update(of=("self",))
        .select_related("center")
        .get(pk=program.pk)
    )
    _require(permissions.can_run_program(actor, locked), _("只有主办中心可以推进资助项目。"))
    if to not in PROGRAM_ORDER or PROGRAM_ORDER.index(to) != PROGRAM_ORDER.index(locked.status) + 1:
        raise ApplicationError(
            _("资助项目只能按“筹备 → 征集 → 评审 → 发布与认购 → 实施 → 评估 → 结项”依次推进。")
        )
    if (
        to == ProgramStatus.REVIEWING
        and locked.kind == ProgramKind.VENTURE
        and not locked.experts.exists()
    ):
        raise ApplicationError(_("进入评审前请先指派评审专家。"))
    locked.status = to
    _save(actor, locked, fields=["status"])
    if to == ProgramStatus.CALL_OPEN and locked.kind == ProgramKind.VENTURE:
        _tell(
            "philanthropy.call_open",
            _org_reps_in(locked.region_id),
            _("项目征集：%(p)s（截止 %(d)s）") % {"p": locked.name, "d": locked.call_closes},
            url=locked.get_absolute_url(),
        )
    if to == ProgramStatus.REVIEWING:
        experts = User.objects.filter(pk__in=locked.experts.values("expert_id"))
        _tell(
            "philanthropy.review_open",
            experts,
            _("评审任务：%(p)s") % {"p": locked.name},
            url=str(_review_queue_url()),
        )
    return locked


def _review_queue_url() -> str:

    return reverse("philanthropy:review-queue")


@transaction.atomic
def expert_assign(*, actor: Any, program: FundingProgram, expert: User) -> ExpertAssignment:
    _require(permissions.can_run_program(actor, program), _("只有主办中心可以指派评审专家。"))
    if not expert.role_assignments.filter(role=Role.EXPERT).exists():
        raise ValidationError({"expert": [_("所选用户不是评审专家。")]})
    if ExpertAssignment.objects.filter(program=program, expert=expert).exists():
        raise ApplicationError(_("该专家已在评审组中。"))
    assignment = ExpertAssignment(program=program, expert=expert)
    _save(actor, assignment)
    _tell(
        "philanthropy.expert_assigned",
        [expert],
        _("您被邀请担任“%(p)s”的评审专家") % {"p": program.name},
        url=_review_queue_url(),
    )
    return assignment


# -- proposals -----------------------------------------------------------------------------------


def parse_lines(text: str, field: str, *, money_column: bool) -> list[tuple[str, str]]:
    """Lines of “名称,数值” for budget lines (amount) and indicators (target)."""
    rows: list[tuple[str, str]] = []
    for raw in (text or "").splitlines():
        line = raw.strip().replace("，", ",").replace("\t", ",")
        if not line:
            continue
        name, sep, value = line.rpartition(",")
        if not sep or not name.strip() or not value.strip():
            raise ValidationError({field: [_("每行格式应为“名称,数值”：%(l)s") % {"l": raw}]})
        if money_column:
            money(value, field)
        rows.append((name.strip(), value.strip()))
    return rows


@transaction.atomic
def proposal_save(
    *,
    actor: Any,
    program: FundingProgram,
    organization: SocialOrganization,
    data: dict[str, Any],
    budget_lines: list[tuple[str, Any]],
    proposal: Proposal | None = None,
) -> Proposal:
    """Create or edit a draft. Nothing is half-saved: lines are replaced in the same transaction."""
    _require(permissions.speaks_for(actor, organization.pk), _("只能以本组织名义申报。"))
    program = FundingProgram.objects.get(pk=program.pk)
    if proposal is not None:
        proposal = Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
    if program.kind != ProgramKind.VENTURE:
        raise ApplicationError(_("政府购买服务项目通过招投标承接，不接受申报书。"))
    if program.status != ProgramStatus.CALL_OPEN:
        raise ApplicationError(_("该资助项目当前不在征集期。"))
    if proposal is not None and proposal.status != ProposalStatus.DRAFT:
        raise ApplicationError(_("申报书已提交，不能再修改。"))
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
    _save(actor, target)
    target.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        [BudgetLine(proposal=target, item=item, amount=amount) for item, amount in lines]
    )
    return target


@transaction.atomic
def proposal_submit(*, actor: Any, proposal: Proposal) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("program__center")
        .get(pk=proposal.pk)
    )
    _require(permissions.speaks_for(actor, locked.organization_id), _("只能提交本组织的申报书。"))
    if locked.status != ProposalStatus.DRAFT:
        raise ApplicationError(_("申报书已提交。"))
    if locked.program.status != ProgramStatus.CALL_OPEN:
        raise ApplicationError(_("征集已结束。"))
    locked.status, locked.submitted_at = ProposalStatus.SUBMITTED, timezone.now()
    _save(actor, locked, fields=["status", "submitted_at"])
    _tell(
        "philanthropy.proposal_submitted",
        center_staff_of(locked.program.center_id),
        _("收到项目申报书：%(t)s") % {"t": locked.title},
        url=locked.get_absolute_url(),
    )
    return locked


def eligibility_problems(proposal: Proposal) -> list[str]:
    """The program's eligibility rules applied to the proposal (shown to staff; they block 通过)."""
    program, org = proposal.program, proposal.organization
    problems: list[str] = []
    if org.status != OrgStatus.NORMAL:
        problems.append(_("申报组织处于活动异常或注销状态。"))
    if program.eligible_org_types and org.org_type not in program.eligible_org_types:
        problems.append(_("组织类型不在本项目申报范围内。"))
    if program.min_registered_years:
        anniversary = (
            org.registered_on.replace(year=org.registered_on.year + program.min_registered_years)
            if not (org.registered_on.month == 2 and org.registered_on.day == 29)
            else datetime.date(org.registered_on.year + program.min_registered_years, 3, 1)
        )
        if anniversary > program.call_opens:
            problems.append(_("登记未满 %(n)d 年。") % {"n": program.min_registered_years})
    if proposal.requested_total > program.per_project_cap:
        problems.append(_("申请金额超过单个项目上限。"))
    if program.focus_areas and proposal.category not in program.focus_areas:
        problems.append(_("服务领域不在本项目资助范围内。"))
    return problems


@transaction.atomic
def proposal_check_eligibility(
    *, actor: Any, proposal: Proposal, eligible: bool, note: str = ""
) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("program__center", "organization")
        .get(pk=proposal.pk)
    )
    _require(permissions.can_run_program(actor, locked.program), _("只有主办中心可以做资格审查。"))
    if locked.status != ProposalStatus.SUBMITTED:
        raise ApplicationError(_("只有已提交的申报书可以做资格审查。"))
    problems = eligibility_problems(locked)
    if eligible and problems:
        raise ApplicationError(_("不符合申报条件：") + "；".join(problems))
    if not eligible and not (note or "").strip():
        raise ValidationError({"note": [_("资格审查不通过时请写明原因。")]})
    locked.status = ProposalStatus.ELIGIBLE if eligible else ProposalStatus.INELIGIBLE
    locked.eligibility_note = (note or "").strip()[:300]
    _save(actor, locked, fields=["status", "eligibility_note"])
    _tell(
        "philanthropy.eligibility",
        org_reps_of(locked.organization_id),
        (_("资格审查通过：%(t)s") if eligible else _("资格审查未通过：%(t)s"))
        % {"t": locked.title},
        url=locked.get_absolute_url(),
        body=locked.eligibility_note,
    )
    return locked


@transaction.atomic
def conflict_declare(*, actor: Any, proposal: Proposal, reason: str) -> ConflictDeclaration:
    proposal = Proposal.objects.select_related("program__center", "organization").get(
        pk=proposal.pk
    )
    program = proposal.program
    _require(permissions.is_panel_expert(actor, program), _("您不是该项目的评审专家。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请说明利益关系。")]})
    if Review.objects.filter(
        proposal__program=program, proposal__organization=proposal.organization, expert=actor
    ).exists():
        raise ApplicationError(_("您已评审过该组织的申报书，请联系主办中心处理。"))
    if permissions.has_conflict(actor, program, proposal.organization_id):
        raise ApplicationError(_("您已声明与该组织存在利益冲突。"))
    declaration = ConflictDeclaration(
        program=program, expert=actor, organization=proposal.organization, reason=reason.strip()
    )
    _save(actor, declaration)
    _tell(
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
    actor: Any,
    proposal: Proposal,
    scores: dict[int, Any],
    comment: str = "",
    no_conflict: bool,
) -> Review:
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=proposal.pk)
    )
    program = proposal.program
    _require(permissions.is_panel_expert(actor, program), _("您不是该项目的评审专家。"))
    if permissions.has_conflict(actor, program, proposal.organization_id):
        raise PermissionDenied(_("您已声明与该组织存在利益冲突，不能评审其申报书。"))
    if not no_conflict:
        raise ValidationError({"no_conflict": [_("评审前须声明与申报组织无利益冲突。")]})
    if program.status != ProgramStatus.REVIEWING or proposal.status != ProposalStatus.ELIGIBLE:
        raise ApplicationError(_("该申报书当前不在评审阶段。"))
    if Review.objects.filter(proposal=proposal, expert=actor).exists():
        raise ApplicationError(_("您已提交过该申报书的评分。"))
    criteria = list(program.criteria.all())
    clean: dict[int, Decimal] = {}
    for c in criteria:
        if c.pk not in scores or scores[c.pk] in (None, ""):
            raise ValidationError({f"score_{c.pk}": [_("请为“%(n)s”打分。") % {"n": c.name}]})
        clean[c.pk] = _score(scores[c.pk], f"score_{c.pk}", Decimal(c.max_score))
    review = Review(
        proposal=proposal,
        expert=actor,
        scores={str(k): str(v) for k, v in clean.items()},
        total=weighted_total(criteria, clean),
        comment=(comment or "").strip(),
        no_conflict_declared=True,
    )
    _save(actor, review)
    _tell(
        "philanthropy.reviewed",
        center_staff_of(program.center_id),
        _("专家已提交评分：%(t)s") % {"t": proposal.title},
        url=proposal.get_absolute_url(),
    )
    return review


@transaction.atomic
def proposal_shortlist(
    *, actor: Any, proposal: Proposal, shortlisted: bool, note: str = ""
) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("program__center")
        .get(pk=proposal.pk)
    )
    _require(
        permissions.can_run_program(actor, locked.program), _("只有主办中心可以确定入围名单。")
    )
    if locked.program.status != ProgramStatus.REVIEWING or locked.status != ProposalStatus.ELIGIBLE:
        raise ApplicationError(_("只有评审阶段中资格审查通过的申报书可以确定是否入围。"))
    if shortlisted and not locked.reviews.exists():
        raise ApplicationError(_("尚无专家评分，不能入围。"))
    locked.status = ProposalStatus.SHORTLISTED if shortlisted else ProposalStatus.NOT_SELECTED
    if note:
        locked.eligibility_note = note[:300]
    _save(actor, locked, fields=["status", "eligibility_note"])
    _tell(
        "philanthropy.shortlist",
        org_reps_of(locked.organization_id),
        (_("申报书入围：%(t)s") if shortlisted else _("申报书未入围：%(t)s")) % {"t": locked.title},
        url=locked.get_absolute_url(),
    )
    return locked


def _check_program_budget(program: FundingProgram, amount: Decimal) -> None:
    """Caller holds the program's row lock: Σ project budgets never exceeds the program budget."""
    used = (
        program.projects.exclude(status=ProjectStatus.TERMINATED).aggregate(t=Sum("budget"))["t"]
        or ZERO
    )
    if used + amount > program.budget:
        raise ConflictError(
            _("超出资助项目总预算：已安排 %(u)s 元，剩余 %(r)s 元。")
            % {"u": used, "r": program.budget - used},
            extra={"remaining": str(program.budget - used)},
        )


@transaction.atomic
def project_publish(*, actor: Any, proposal: Proposal, budget: Any) -> Project:
    """发布: a shortlisted proposal becomes a project on the portal, open for funders' subscriptions."""
    program = (
        FundingProgram.objects.select_for_update(of=("self",))
        .select_related("center")
        .get(pk=proposal.program_id)
    )
    _require(permissions.can_run_program(actor, program), _("只有主办中心可以发布项目。"))
    locked = Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
    if locked.status != ProposalStatus.SHORTLISTED:
        raise ApplicationError(_("只有入围的申报书可以发布。"))
    if program.status not in (ProgramStatus.REVIEWING, ProgramStatus.PUBLISHED):
        raise ApplicationError(_("资助项目当前阶段不能发布项目。"))
    amount = money(budget, "budget")
    if amount > program.per_project_cap or amount > locked.requested_total:
        raise ValidationError({"budget": [_("核定预算不能超过申请金额和单个项目上限。")]})
    _check_program_budget(program, amount)
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
    _save(actor, project)
    locked.status = ProposalStatus.PUBLISHED
    _save(actor, locked, fields=["status"])
    _tell(
        "philanthropy.project_published",
        org_reps_of(locked.organization_id),
        _("项目已发布，进入认购：%(t)s") % {"t": project.title},
        url=project.get_absolute_url(),
    )
    return project


# -- subscriptions (认购) -------------------------------------------------------------------------


@transaction.atomic
def subscription_create(
    *, actor: Any, project: Project, amount: Any, funder_name: str = ""
) -> Subscription:
    """The funder's money comes into the program's fund (with a receipt) and is committed to the project.
    The project's row lock makes concurrent subscriptions queue, so their total never passes the budget."""
    amount = money(amount)
    locked = _lock_project(project.pk)
    _require(permissions.can_subscribe(actor, locked), _("只有所在区域的资助方可以认购该项目。"))
    if locked.status != ProjectStatus.PUBLISHED or locked.program.kind != ProgramKind.VENTURE:
        raise ApplicationError(_("该项目当前不接受认购。"))
    subscribed = locked.subscriptions.aggregate(t=Sum("amount"))["t"] or ZERO
    if subscribed + amount > locked.budget:
        raise ConflictError(
            _("认购金额超过项目剩余可认购额度 %(r)s 元。") % {"r": locked.budget - subscribed},
            extra={"remaining": str(locked.budget - subscribed)},
        )
    name = (funder_name or "").strip() or actor.display_name
    fund = _lock_fund(locked.program.fund_id)
    inflow = _post(
        actor=actor,
        fund=fund,
        kind=EntryKind.INFLOW,
        amount=amount,
        project=locked,
        counterparty=name,
        memo=_("认购：%(t)s") % {"t": locked.title},
    )
    _post(
        actor=actor,
        fund=fund,
        kind=EntryKind.COMMITMENT,
        amount=amount,
        project=locked,
        counterparty=locked.organization.name,
        memo=_("认购承诺：%(t)s") % {"t": locked.title},
    )
    _issue_receipt(
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
    _save(actor, subscription)
    _tell(
        "philanthropy.subscribed",
        [*org_reps_of(locked.organization_id), *center_staff_of(locked.program.center_id)],
        _("%(f)s 认购了“%(t)s” %(a)s 元") % {"f": name, "t": locked.title, "a": amount},
        url=locked.get_absolute_url(),
    )
    return subscription


# -- tenders (政府购买服务) -------------------------------------------------------------------------


@transaction.atomic
def tender_open(*, actor: Any, program: FundingProgram, data: dict[str, Any]) -> Tender:
    _require(permissions.can_run_program(actor, program), _("只有主办中心可以发布招标。"))
    program = FundingProgram.objects.get(pk=program.pk)
    if program.kind != ProgramKind.PURCHASE:
        raise ApplicationError(_("只有政府购买服务项目进行招投标。"))
    if program.status not in (
        ProgramStatus.CALL_OPEN,
        ProgramStatus.REVIEWING,
        ProgramStatus.PUBLISHED,
    ):
        raise ApplicationError(_("资助项目当前阶段不能发布招标。"))
    ceiling = money(data.get("ceiling"), "ceiling")
    if ceiling > program.per_project_cap:
        raise ValidationError({"ceiling": [_("最高限价不能超过单个项目上限。")]})
    tender = Tender(
        program=program,
        region_id=program.region_id,
        title=str(data["title"]).strip(),
        requirements=str(data["requirements"]).strip(),
        ceiling=ceiling,
        closes_on=data["closes_on"],
    )
    _save(actor, tender)
    _tell(
        "philanthropy.tender_open",
        _org_reps_in(program.region_id),
        _("政府购买服务招标：%(t)s（截止 %(d)s）") % {"t": tender.title, "d": tender.closes_on},
        url=tender.get_absolute_url(),
    )
    return tender


@transaction.atomic
def bid_submit(
    *, actor: Any, tender: Tender, organization: SocialOrganization, price: Any, plan: str
) -> Bid:
    _require(permissions.speaks_for(actor, organization.pk), _("只能以本组织名义投标。"))
    locked = Tender.objects.select_for_update(of=("self",)).get(pk=tender.pk)
    if locked.status != TenderStatus.OPEN or timezone.localdate() > locked.closes_on:
        raise ApplicationError(_("投标已截止。"))
    amount = money(price, "price")
    if amount > locked.ceiling:
        raise ValidationError(
            {"price": [_("报价不能超过最高限价 %(c)s 元。") % {"c": locked.ceiling}]}
        )
    if not (plan or "").strip():
        raise ValidationError({"plan": [_("请填写服务方案。")]})
    if locked.bids.filter(organization=organization).exists():
        raise ApplicationError(_("本组织已投标。"))
    bid = Bid(
        tender=locked,
        region_id=locked.region_id,
        organization=organization,
        price=amount,
        plan=plan.strip(),
        submitted_by=actor,
    )
    _save(actor, bid)
    _tell(
        "philanthropy.bid",
        center_staff_of(locked.program.center_id),
        _("收到投标：%(t)s（%(o)s）") % {"t": locked.title, "o": organization.name},
        url=locked.get_absolute_url(),
    )
    return bid


@transaction.atomic
def bid_score(*, actor: Any, bid: Bid, score: Any, note: str = "") -> Bid:
    locked = (
        Bid.objects.select_for_update(of=("self",))
        .select_related("tender__program__center")
        .get(pk=bid.pk)
    )
    _require(permissions.can_run_program(actor, locked.tender.program), _("只有主办中心可以评标。"))
    if locked.tender.status != TenderStatus.OPEN:
        raise ApplicationError(_("已定标，不能再评分。"))
    locked.score, locked.score_note = _score(score, "score"), (note or "").strip()[:200]
    return _save(actor, locked, fields=["score", "score_note"])


@transaction.atomic
def tender_award(*, actor: Any, tender: Tender, bid: Bid, reasons: str) -> Project:
    program = (
        FundingProgram.objects.select_for_update(of=("self",))
        .select_related("center")
        .get(pk=tender.program_id)
    )
    _require(permissions.can_run_program(actor, program), _("只有主办中心可以定标。"))
    locked = Tender.objects.select_for_update(of=("self",)).get(pk=tender.pk)
    if locked.status != TenderStatus.OPEN:
        raise ApplicationError(_("该招标已定标。"))
    if bid.tender_id != locked.pk:
        raise ValidationError({"bid": [_("所选投标不属于该招标。")]})
    if locked.bids.filter(score__isnull=True).exists():
        raise ApplicationError(_("还有投标未评分。"))
    if not (reasons or "").strip():
        raise ValidationError({"reasons": [_("请写明定标理由。")]})
    _check_program_budget(program, bid.price)
    project = Project(
        program=program,
        organization_id=bid.organization_id,
        region_id=program.region_id,
        title=locked.title,
        summary=locked.requirements,
        budget=bid.price,
        published_at=timezone.now(),
    )
    _save(actor, project)
    locked.status, locked.awarded_bid, locked.award_reasons = (
        TenderStatus.AWARDED,
        bid,
        reasons.strip(),
    )
    _save(actor, locked, fields=["status", "awarded_bid", "award_reasons"])
    for other in locked.bids.select_related("organization"):
        won = other.pk == bid.pk
        _tell(
            "philanthropy.tender_award",
            org_reps_of(other.organization_id),
            (_("中标通知：%(t)s") if won else _("未中标：%(t)s")) % {"t": locked.title},
            url=locked.get_absolute_url(),
            body=locked.award_reasons,
        )
    return project


# -- contract, tranches, disbursement -------------------------------------------------------------


@transaction.atomic
def contract_sign(
    *, actor: Any, project: Project, data: dict[str, Any], tranches: Sequence[dict[str, Any]] = ()
) -> Contract:
    """实施: the contract fixes the amount; the fund holds exactly that much for the project from now on
    (the program's fund tops up what the subscriptions did not cover, or releases any excess)."""
    locked = _lock_project(project.pk)
    _require(permissions.can_run_program(actor, locked.program), _("只有主办中心可以签订合同。"))
    if locked.status != ProjectStatus.PUBLISHED:
        raise ApplicationError(_("该项目已签约或已结束。"))
    amount = money(data.get("amount"))
    if amount > locked.budget:
        raise ValidationError(
            {"amount": [_("合同金额不能超过项目预算 %(b)s 元。") % {"b": locked.budget}]}
        )
    planned = [money(t["amount"], "tranches") for t in tranches]
    if sum(planned, ZERO) > amount:
        raise ValidationError({"tranches": [_("各期拨付合计不能超过合同金额。")]})
    contract = Contract(
        project=locked,
        region_id=locked.region_id,
        number=f"CN{timezone.localdate().year}-{locked.pk:06d}",
        amount=amount,
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        terms=str(data.get("terms", "")).strip() or _("按申报书执行。"),
        signed_by=actor,
    )
    _save(actor, contract)
    fund = _lock_fund(locked.program.fund_id)
    held = project_commitment(fund, locked)
    if held < amount:
        _post(
            actor=actor,
            fund=fund,
            kind=EntryKind.COMMITMENT,
            amount=amount - held,
            project=locked,
            counterparty=locked.organization.name,
            memo=_("合同配套：%(n)s") % {"n": contract.number},
        )
    elif held > amount:
        _post(
            actor=actor,
            fund=fund,
            kind=EntryKind.RELEASE,
            amount=held - amount,
            project=locked,
            memo=_("超出合同金额的认购释放：%(n)s") % {"n": contract.number},
        )
    for seq, (spec, value) in enumerate(zip(tranches, planned, strict=True), start=1):
        tranche = Tranche(
            contract=contract,
            region_id=locked.region_id,
            seq=seq,
            milestone=str(spec["milestone"]).strip(),
            amount=value,
            due_on=spec["due_on"],
        )
        _save(actor, tranche)
    locked.status = ProjectStatus.CONTRACTED
    _save(actor, locked, fields=["status"])
    _tell(
        "philanthropy.contract",
        org_reps_of(locked.organization_id),
        _("项目合同已签订：%(t)s（%(n)s）") % {"t": locked.title, "n": contract.number},
        url=locked.get_absolute_url(),
    )
    return contract


@transaction.atomic
def tranche_add(
    *, actor: Any, project: Project, milestone: str, amount: Any, due_on: datetime.date
) -> Tranche:
    locked = _lock_project(project.pk)
    _require(permissions.can_run_program(actor, locked.program), _("只有主办中心可以安排拨付。"))
    contract = Contract.objects.select_for_update().filter(project=locked).first()
    if contract is None or locked.status != ProjectStatus.CONTRACTED:
        raise ApplicationError(_("项目尚未签约或已结束。"))
    value = money(amount)
    planned = contract.tranches.aggregate(t=Sum("amount"))["t"] or ZERO
    if planned + value > contract.amount:
        raise ConflictError(
            _("各期拨付合计不能超过合同金额：尚可安排 %(r)s 元。")
            % {"r": contract.amount - planned},
            extra={"remaining": str(contract.amount - planned)},
        )
    if not (milestone or "").strip():
        raise ValidationError({"milestone": [_("请填写对应的里程碑。")]})
    seq = (contract.tranches.aggregate(m=Max("seq"))["m"] or 0) + 1
    tranche = Tranche(
        contract=contract,
        region_id=locked.region_id,
        seq=seq,
        milestone=milestone.strip(),
        amount=value,
        due_on=due_on,
    )
    return _save(actor, tranche)


@transaction.atomic
def tranche_disburse(*, actor: Any, tranche: Tranche, note: str = "") -> Tranche:
    """Approve a tranche and post the disbursement: never twice, never beyond the contract."""
    project = _lock_project(tranche.contract.project_id)
    _require(permissions.can_run_program(actor, project.program), _("只有主办中心可以审批拨付。"))
    contract = Contract.objects.select_for_update().get(pk=tranche.contract_id)
    locked = Tranche.objects.select_for_update().get(pk=tranche.pk)
    if locked.status != TrancheStatus.PLANNED:
        raise ConflictError(_("该期已拨付。"))
    if project.status != ProjectStatus.CONTRACTED:
        raise ApplicationError(_("项目不在实施中，不能拨付。"))
    paid = (
        contract.tranches.filter(status=TrancheStatus.PAID).aggregate(t=Sum("amount"))["t"] or ZERO
    )
    if paid + locked.amount > contract.amount:
        raise ConflictError(_("拨付将超过合同金额。"))
    fund = _lock_fund(project.program.fund_id)
    entry = _post(
        actor=actor,
        fund=fund,
        kind=EntryKind.DISBURSEMENT,
        amount=locked.amount,
        project=project,
        counterparty=project.organization.name,
        memo=_("%(n)s 第 %(s)d 期：%(m)s")
        % {"n": contract.number, "s": locked.seq, "m": locked.milestone},
    )
    locked.status, locked.entry, locked.approved_by = TrancheStatus.PAID, entry, actor
    locked.approval_note = (note or "").strip()[:200]
    _save(actor, locked, fields=["status", "entry", "approved_by", "approval_note"])
    _tell(
        "philanthropy.disbursed",
        org_reps_of(project.organization_id),
        _("已拨付“%(t)s”第 %(s)d 期 %(a)s 元")
        % {"t": project.title, "s": locked.seq, "a": locked.amount},
        url=project.get_absolute_url(),
    )
    return locked


@transaction.atomic
def refund_record(*, actor: Any, project: Project, amount: Any, note: str) -> LedgerEntry:
    """Unspent or clawed-back money returned by the organization (退回): never more than was paid out."""
    locked = _lock_project(project.pk)
    _require(permissions.can_run_program(actor, locked.program), _("只有主办中心可以登记退回。"))
    value = money(amount)
    fund = _lock_fund(locked.program.fund_id)
    figures = project_money(locked)
    if figures["returned"] + value > figures["disbursed"]:
        raise ValidationError(
            {
                "amount": [
                    _("退回金额不能超过已拨付未退回的 %(r)s 元。")
                    % {"r": figures["disbursed"] - figures["returned"]}
                ]
            }
        )
    return _post(
        actor=actor,
        fund=fund,
        kind=EntryKind.RETURN,
        amount=value,
        project=locked,
        counterparty=locked.organization.name,
        memo=(note or "").strip() or _("项目资金退回"),
    )


# -- reports and evaluation ---------------------------------------------------------------------


@transaction.atomic
def report_submit(
    *,
    actor: Any,
    project: Project,
    period: str,
    narrative: str,
    indicators: list[dict[str, str]],
    spent: Any,
    receipts: Sequence[UploadedFile] = (),
) -> ProgressReport:
    _require(
        permissions.speaks_for(actor, project.organization_id), _("只有承接组织可以提交进度报告。")
    )
    project = _lock_project(project.pk)
    if project.status != ProjectStatus.CONTRACTED:
        raise ApplicationError(_("项目不在实施中。"))
    for upload in receipts:
        check_document(upload, field="files")
    value = Decimal("0.00") if str(spent).strip() in ("", "0", "0.00") else money(spent, "spent")
    report = ProgressReport(
        project=project,
        region_id=project.region_id,
        period=(period or "").strip(),
        narrative=(narrative or "").strip(),
        indicators=indicators,
        spent=value,
        submitted_by=actor,
    )
    _save(actor, report)
    stored: list[Any] = []  # the files written so far, removed again if a later one fails
    try:
        for upload in receipts:
            attachment = ReportAttachment(
                report=report, kind=AttachmentKind.RECEIPT, original_name=(upload.name or "")[:255]
            )
            store_upload(attachment.file, upload.name or "receipt", upload, field="files")
            stored.append(attachment.file)
            with acting_as(actor):
                attachment.save()
    except Exception:
        for written in stored:  # the transaction rolls the rows back; the files go here
            written.delete(save=False)
        raise
    _tell(
        "philanthropy.report",
        center_staff_of(project.program.center_id),
        _("收到进度报告：%(t)s（%(p)s）") % {"t": project.title, "p": report.period},
        url=project.get_absolute_url(),
    )
    return report


def _evaluation_for(project: Project) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().filter(project=project).first()
    return evaluation or Evaluation(project=project, region_id=project.region_id)


@transaction.atomic
def evaluation_self_submit(*, actor: Any, project: Project, score: Any, report: str) -> Evaluation:
    locked = _lock_project(project.pk)
    _require(permissions.speaks_for(actor, locked.organization_id), _("只有承接组织可以提交自评。"))
    if locked.status != ProjectStatus.CONTRACTED:
        raise ApplicationError(_("项目不在实施中，不能自评。"))
    if not (report or "").strip():
        raise ValidationError({"report": [_("请填写自评报告。")]})
    evaluation = _evaluation_for(locked)
    evaluation.self_score, evaluation.self_report = _score(score, "score"), report.strip()
    _save(actor, evaluation)
    _tell(
        "philanthropy.self_evaluation",
        center_staff_of(locked.program.center_id),
        _("项目已提交自评：%(t)s") % {"t": locked.title},
        url=locked.get_absolute_url(),
    )
    return evaluation


def conclusion_for(score: Decimal) -> str:
    for floor, label in CONCLUSIONS:
        if score >= floor:
            return label
    return "不合格"


@transaction.atomic
def evaluation_expert_submit(
    *, actor: Any, project: Project, score: Any, comment: str
) -> Evaluation:
    locked = _lock_project(project.pk)
    _require(permissions.can_evaluate(actor, locked), _("您无权评估该项目。"))
    if locked.status != ProjectStatus.CONTRACTED:
        raise ApplicationError(_("项目不在实施中，不能评估。"))
    evaluation = _evaluation_for(locked)
    if evaluation.self_score is None:
        raise ApplicationError(_("承接组织尚未提交自评。"))
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("请填写评估意见。")]})
    expert = _score(score, "score")
    final = (evaluation.self_score * SELF_WEIGHT + expert * EXPERT_WEIGHT).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    evaluation.expert_score, evaluation.expert_comment, evaluation.evaluator = (
        expert,
        comment.strip(),
        actor,
    )
    evaluation.final_score, evaluation.conclusion = final, conclusion_for(final)
    _save(actor, evaluation)
    locked.status = ProjectStatus.EVALUATED
    _save(actor, locked, fields=["status"])
    _tell(
        "philanthropy.evaluated",
        [*org_reps_of(locked.organization_id), *center_staff_of(locked.program.center_id)],
        _("项目评估完成：%(t)s，综合得分 %(s)s（%(c)s）")
        % {"t": locked.title, "s": final, "c": evaluation.conclusion},
        url=locked.get_absolute_url(),
    )
    return evaluation


def _release_rest(actor: Any, project: Project, memo: str) -> None:
    fund = _lock_fund(project.program.fund_id)
    held = project_commitment(fund, project)
    if held > 0:
        _post(
            actor=actor, fund=fund, kind=EntryKind.RELEASE, amount=held, project=project, memo=memo
        )


@transaction.atomic
def project_result_publish(*, actor: Any, project: Project, summary: str) -> Project:
    """结项: results go on the public portal; whatever the fund still held for the project is released."""
    locked = _lock_project(project.pk)
    _require(
        permissions.can_run_program(actor, locked.program), _("只有主办中心可以公开结项成果。")
    )
    if locked.status != ProjectStatus.EVALUATED:
        raise ApplicationError(_("项目完成评估后才能公开成果。"))
    if not (summary or "").strip():
        raise ValidationError({"summary": [_("请填写结项成果。")]})
    _release_rest(actor, locked, _("结项释放未拨付余额"))
    locked.status, locked.result_summary = ProjectStatus.COMPLETED, summary.strip()
    locked.result_published_at = timezone.now()
    _save(actor, locked, fields=["status", "result_summary", "result_published_at"])
    funders = User.objects.filter(pk__in=locked.subscriptions.values("funder_id"))
    _tell(
        "philanthropy.result",
        [*org_reps_of(locked.organization_id), *funders],
        _("项目成果已公开：%(t)s") % {"t": locked.title},
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def project_terminate(*, actor: Any, project: Project, reason: str) -> Project:
    """Stop a project (终止): the rest of its commitment is released; money already paid is recovered with
    `refund_record`."""
    locked = _lock_project(project.pk)
    _require(permissions.can_run_program(actor, locked.program), _("只有主办中心可以终止项目。"))
    if locked.status in (ProjectStatus.COMPLETED, ProjectStatus.TERMINATED):
        raise ApplicationError(_("项目已结束。"))
    if locked.subscriptions.exists() and locked.status == ProjectStatus.PUBLISHED:
        raise ApplicationError(_("已有认购的项目请先签约再终止，或与资助方协商退款。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请写明终止原因。")]})
    _release_rest(actor, locked, _("项目终止释放"))
    locked.status, locked.result_summary = ProjectStatus.TERMINATED, reason.strip()
    _save(actor, locked, fields=["status", "result_summary"])
    _tell(
        "philanthropy.terminated",
        org_reps_of(locked.organization_id),
        _("项目已终止：%(t)s") % {"t": locked.title},
        url=locked.get_absolute_url(),
        body=reason.strip(),
    )
    return locked


def criteria_scores_from(data: dict[str, Any]) -> dict[int, Any]:
    return {
        int(k.removeprefix("score_")): v
        for k, v in data.items()
        if k.startswith("score_") and k.removeprefix("score_").isdigit()
    }
