"""Funds and their ledger. Money moves only through `post_entry`, under row locks taken in one order:
project → contract → fund. On PostgreSQL `select_for_update` serialises concurrent postings; on SQLite the
IMMEDIATE transactions (settings) serialise every writer, so the same code is correct on both."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ApplicationError
from civicnest.network.models import Center
from civicnest.philanthropy import permissions, selectors
from civicnest.philanthropy.models import (
    ENTRY_EFFECT,
    EntryKind,
    Fund,
    LedgerEntry,
    Project,
    Receipt,
)
from civicnest.philanthropy.services.base import lock_fund, money, require, save


def post_entry(
    *,
    actor: User,
    fund: Fund,
    kind: str,
    amount: Decimal,
    project: Project | None = None,
    counterparty: str = "",
    memo: str = "",
) -> LedgerEntry:
    """Append one entry. The caller holds the fund's row lock (and the project's, for project money)."""
    amount = money(amount)
    balance, committed, seq = selectors.fund_last_entry(fund)
    if kind == EntryKind.COMMITMENT and balance - committed < amount:
        raise ApplicationError(
            _("资金账户可用余额不足：可用 %(a)s 元，需要 %(n)s 元。")
            % {"a": balance - committed, "n": amount},
            extra={"available": str(balance - committed)},
        )
    if kind in (EntryKind.RELEASE, EntryKind.DISBURSEMENT):
        if project is None:
            raise ApplicationError(_("承诺、释放和拨付必须指明项目。"))
        held = selectors.project_commitment(fund, project)
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


def issue_receipt(
    *,
    actor: User,
    fund: Fund,
    entry: LedgerEntry,
    donor_name: str,
    received_on: datetime.date,
    purpose: str,
) -> Receipt:
    """Next serial of the fund's year (the caller holds the fund's row lock)."""
    year = received_on.year
    seq = selectors.next_receipt_seq(fund, year)
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
    return save(actor, receipt)


def release_rest(actor: User, project: Project, memo: str) -> None:
    """Release whatever the fund still holds for the project (the caller holds the project's lock)."""
    fund = lock_fund(project.program.fund_id)
    held = selectors.project_commitment(fund, project)
    if held > 0:
        post_entry(
            actor=actor, fund=fund, kind=EntryKind.RELEASE, amount=held, project=project, memo=memo
        )


@transaction.atomic
def fund_create(*, actor: User, center: Center, data: dict[str, Any]) -> Fund:
    require(permissions.can_run_center_programs(actor, center), _("您无权为该中心开设资金账户。"))
    code = str(data.get("code", "")).strip().upper()
    if not code.isalnum() or not code.isascii():
        raise ValidationError({"code": [_("账户代码只能由字母和数字组成。")]})
    return save(
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
    actor: User,
    fund: Fund,
    donor_name: str,
    amount: Any,
    received_on: datetime.date,
    purpose: str = "",
) -> Receipt:
    """A donation or appropriation into the fund: an inflow entry and its receipt (票据)."""
    require(permissions.can_keep_fund(actor, fund), _("您无权记录该账户的收入。"))
    donor = (donor_name or "").strip()
    if not donor:
        raise ValidationError({"donor_name": [_("请填写捐赠方。")]})
    amount = money(amount)
    locked = lock_fund(fund.pk)
    if not locked.is_active:
        raise ApplicationError(_("该资金账户已停用。"))
    entry = post_entry(
        actor=actor,
        fund=locked,
        kind=EntryKind.INFLOW,
        amount=amount,
        counterparty=donor,
        memo=purpose or _("捐赠收入"),
    )
    return issue_receipt(
        actor=actor,
        fund=locked,
        entry=entry,
        donor_name=donor,
        received_on=received_on,
        purpose=purpose,
    )


@transaction.atomic
def receipt_void(*, actor: User, receipt: Receipt, reason: str) -> Receipt:
    """Voiding keeps the serial (it is never reused) and records who and why; the money is not touched."""
    locked = Receipt.objects.select_for_update().select_related("fund__center").get(pk=receipt.pk)
    require(permissions.can_keep_fund(actor, locked.fund), _("您无权作废该票据。"))
    if locked.voided_at:
        raise ApplicationError(_("该票据已作废。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请写明作废原因。")]})
    locked.voided_at, locked.void_reason, locked.voided_by = timezone.now(), reason.strip(), actor
    return save(actor, locked, fields=["voided_at", "void_reason", "voided_by"])
