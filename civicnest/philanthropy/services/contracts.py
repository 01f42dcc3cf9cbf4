"""Implementation (实施) to the end of a project: the contract and its tranches, disbursement and refunds,
progress reports with receipts, self and expert evaluation, the published result and termination. Guarded
by the PROJECT and TRANCHE tables of `philanthropy/workflows.py`."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.selectors import center_staff_of, org_reps_of
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.uploads import check_document, store_upload
from civicnest.philanthropy import selectors
from civicnest.philanthropy.models import (
    ZERO,
    AttachmentKind,
    Contract,
    EntryKind,
    Evaluation,
    LedgerEntry,
    ProgressReport,
    Project,
    ProjectStatus,
    ReportAttachment,
    Tranche,
    TrancheStatus,
)
from civicnest.philanthropy.services.base import (
    CENT,
    lock_fund,
    lock_project,
    money,
    save,
    score,
    tell,
)
from civicnest.philanthropy.services.funds import post_entry, release_rest
from civicnest.philanthropy.workflows import PROJECT, TRANCHE

# Final evaluation: the expert/third-party score weighs more than the organization's own.
SELF_WEIGHT = Decimal("0.3")
EXPERT_WEIGHT = Decimal("0.7")
CONCLUSIONS = ((Decimal("90"), "优秀"), (Decimal("75"), "良好"), (Decimal("60"), "合格"))


# -- contract, tranches, disbursement -------------------------------------------------------------


@transaction.atomic
def contract_sign(
    *, actor: User, project: Project, data: dict[str, Any], tranches: Sequence[dict[str, Any]] = ()
) -> Contract:
    """实施: the contract fixes the amount; the fund holds exactly that much for the project from now on
    (the program's fund tops up what the subscriptions did not cover, or releases any excess)."""
    locked = lock_project(project.pk)
    PROJECT.check(locked, "sign_contract", actor)
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
    save(actor, contract)
    fund = lock_fund(locked.program.fund_id)
    held = selectors.project_commitment(fund, locked)
    if held < amount:
        post_entry(
            actor=actor,
            fund=fund,
            kind=EntryKind.COMMITMENT,
            amount=amount - held,
            project=locked,
            counterparty=locked.organization.name,
            memo=_("合同配套：%(n)s") % {"n": contract.number},
        )
    elif held > amount:
        post_entry(
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
        save(actor, tranche)
    locked.status = ProjectStatus.CONTRACTED
    save(actor, locked, fields=["status"])
    tell(
        "philanthropy.contract",
        org_reps_of(locked.organization_id),
        _("项目合同已签订：%(t)s（%(n)s）") % {"t": locked.title, "n": contract.number},
        url=locked.get_absolute_url(),
    )
    return contract


@transaction.atomic
def tranche_add(
    *, actor: User, project: Project, milestone: str, amount: Any, due_on: datetime.date
) -> Tranche:
    locked = lock_project(project.pk)
    contract = selectors.locked_contract_of(locked)
    PROJECT.check(locked, "add_tranche", actor)
    if contract is None:  # a contracted project always has its contract
        raise ApplicationError(_("项目尚未签约或已结束。"))
    value = money(amount)
    planned = selectors.contract_planned(contract)
    if planned + value > contract.amount:
        raise ConflictError(
            _("各期拨付合计不能超过合同金额：尚可安排 %(r)s 元。")
            % {"r": contract.amount - planned},
            extra={"remaining": str(contract.amount - planned)},
        )
    if not (milestone or "").strip():
        raise ValidationError({"milestone": [_("请填写对应的里程碑。")]})
    tranche = Tranche(
        contract=contract,
        region_id=locked.region_id,
        seq=selectors.next_tranche_seq(contract),
        milestone=milestone.strip(),
        amount=value,
        due_on=due_on,
    )
    return save(actor, tranche)


@transaction.atomic
def tranche_disburse(*, actor: User, tranche: Tranche, note: str = "") -> Tranche:
    """Approve a tranche and post the disbursement: never twice, never beyond the contract."""
    project = lock_project(tranche.contract.project_id)
    contract = Contract.objects.select_for_update().get(pk=tranche.contract_id)
    locked = Tranche.objects.select_for_update().get(pk=tranche.pk)
    contract.project, locked.contract = project, contract
    TRANCHE.check(locked, "disburse", actor)
    fund = lock_fund(project.program.fund_id)
    entry = post_entry(
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
    save(actor, locked, fields=["status", "entry", "approved_by", "approval_note"])
    tell(
        "philanthropy.disbursed",
        org_reps_of(project.organization_id),
        _("已拨付“%(t)s”第 %(s)d 期 %(a)s 元")
        % {"t": project.title, "s": locked.seq, "a": locked.amount},
        url=project.get_absolute_url(),
    )
    return locked


@transaction.atomic
def refund_record(*, actor: User, project: Project, amount: Any, note: str) -> LedgerEntry:
    """Unspent or clawed-back money returned by the organization (退回): never more than was paid out."""
    locked = lock_project(project.pk)
    PROJECT.check(locked, "refund", actor)
    value = money(amount)
    fund = lock_fund(locked.program.fund_id)
    figures = selectors.project_money(locked)
    if figures["returned"] + value > figures["disbursed"]:
        raise ValidationError(
            {
                "amount": [
                    _("退回金额不能超过已拨付未退回的 %(r)s 元。")
                    % {"r": figures["disbursed"] - figures["returned"]}
                ]
            }
        )
    return post_entry(
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
    actor: User,
    project: Project,
    period: str,
    narrative: str,
    indicators: list[dict[str, str]],
    spent: Any,
    receipts: Sequence[UploadedFile] = (),
) -> ProgressReport:
    project = lock_project(project.pk)
    PROJECT.check(project, "report", actor)
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
    save(actor, report)
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
    tell(
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
def evaluation_self_submit(*, actor: User, project: Project, score: Any, report: str) -> Evaluation:
    locked = lock_project(project.pk)
    PROJECT.check(locked, "self_evaluate", actor)
    if not (report or "").strip():
        raise ValidationError({"report": [_("请填写自评报告。")]})
    evaluation = _evaluation_for(locked)
    evaluation.self_score, evaluation.self_report = _score(score, "score"), report.strip()
    save(actor, evaluation)
    tell(
        "philanthropy.self_evaluation",
        center_staff_of(locked.program.center_id),
        _("项目已提交自评：%(t)s") % {"t": locked.title},
        url=locked.get_absolute_url(),
    )
    return evaluation


_score = score  # the evaluation services take an argument named `score`


def conclusion_for(score: Decimal) -> str:
    for floor, label in CONCLUSIONS:
        if score >= floor:
            return label
    return "不合格"


@transaction.atomic
def evaluation_expert_submit(
    *, actor: User, project: Project, score: Any, comment: str
) -> Evaluation:
    locked = lock_project(project.pk)
    evaluation = _evaluation_for(locked)
    PROJECT.check(locked, "evaluate", actor)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("请填写评估意见。")]})
    expert = _score(score, "score")
    if evaluation.self_score is None:  # the workflow's condition, read again under the lock
        raise ApplicationError(_("承接组织尚未提交自评。"))
    final = (evaluation.self_score * SELF_WEIGHT + expert * EXPERT_WEIGHT).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    evaluation.expert_score, evaluation.expert_comment, evaluation.evaluator = (
        expert,
        comment.strip(),
        actor,
    )
    evaluation.final_score, evaluation.conclusion = final, conclusion_for(final)
    save(actor, evaluation)
    locked.status = ProjectStatus.EVALUATED
    save(actor, locked, fields=["status"])
    tell(
        "philanthropy.evaluated",
        [*org_reps_of(locked.organization_id), *center_staff_of(locked.program.center_id)],
        _("项目评估完成：%(t)s，综合得分 %(s)s（%(c)s）")
        % {"t": locked.title, "s": final, "c": evaluation.conclusion},
        url=locked.get_absolute_url(),
    )
    return evaluation


@transaction.atomic
def project_result_publish(*, actor: User, project: Project, summary: str) -> Project:
    """结项: results go on the public portal; whatever the fund still held for the project is released."""
    locked = lock_project(project.pk)
    PROJECT.check(locked, "publish_result", actor)
    if not (summary or "").strip():
        raise ValidationError({"summary": [_("请填写结项成果。")]})
    release_rest(actor, locked, _("结项释放未拨付余额"))
    locked.status, locked.result_summary = ProjectStatus.COMPLETED, summary.strip()
    locked.result_published_at = timezone.now()
    save(actor, locked, fields=["status", "result_summary", "result_published_at"])
    tell(
        "philanthropy.result",
        [*org_reps_of(locked.organization_id), *selectors.subscription_funders(locked)],
        _("项目成果已公开：%(t)s") % {"t": locked.title},
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def project_terminate(*, actor: User, project: Project, reason: str) -> Project:
    """Stop a project (终止): the rest of its commitment is released; money already paid is recovered with
    `refund_record`."""
    locked = lock_project(project.pk)
    PROJECT.check(locked, "terminate", actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请写明终止原因。")]})
    release_rest(actor, locked, _("项目终止释放"))
    locked.status, locked.result_summary = ProjectStatus.TERMINATED, reason.strip()
    save(actor, locked, fields=["status", "result_summary"])
    tell(
        "philanthropy.terminated",
        org_reps_of(locked.organization_id),
        _("项目已终止：%(t)s") % {"t": locked.title},
        url=locked.get_absolute_url(),
        body=reason.strip(),
    )
    return locked
