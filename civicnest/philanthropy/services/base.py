"""What every part of the funding chain's services shares: amounts and scores as typed, saving under the
actor's name, notifications, and the row locks (always taken in the order project → contract → fund)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.accounts.selectors import users_with_role
from civicnest.core.audit import acting_as
from civicnest.core.exceptions import ConflictError
from civicnest.core.services import notify
from civicnest.philanthropy import selectors
from civicnest.philanthropy.models import Fund, FundingProgram, Project
from civicnest.regions.codes import subtree_q

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")


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


def score(value: Any, field: str, top: Decimal = Decimal("100")) -> Decimal:
    """A score from 0 to `top`, to the cent, or a field-level Chinese error."""
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: [_("请输入分数。")]}) from exc
    if not result.is_finite() or result < 0 or result > top:
        raise ValidationError({field: [_("分数应在 0 到 %(top)s 之间。") % {"top": top}]})
    return result.quantize(CENT, rounding=ROUND_HALF_UP)


def save(actor: User, obj: Any, *, fields: Sequence[str] | None = None) -> Any:
    """A new or whole row is validated (`full_clean`); named fields are saved as they are."""
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


def org_reps_in(region_code: str) -> list[User]:
    """Organization representatives bound inside the region (a call or a tender is news to them)."""
    return list(
        users_with_role(Role.ORG_REP, where=subtree_q([region_code], "role_assignments__region"))[
            :500
        ]
    )


def tell(event: str, users: Iterable[User], title: str, url: str = "", body: str = "") -> None:
    notify(event=event, recipients=users, title=title, body=body, url=url)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def lock_fund(fund_id: int) -> Fund:
    return Fund.objects.select_for_update().get(pk=fund_id)


def lock_project(project_id: int) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("program__fund", "program__center", "organization")
        .get(pk=project_id)
    )


def lock_program(program_id: int) -> FundingProgram:
    return (
        FundingProgram.objects.select_for_update(of=("self",))
        .select_related("center")
        .get(pk=program_id)
    )


def check_program_budget(program: FundingProgram, amount: Decimal) -> None:
    """Caller holds the program's row lock: Σ project budgets never exceeds the program budget."""
    used = selectors.program_budget_used(program)
    if used + amount > program.budget:
        raise ConflictError(
            _("超出资助项目总预算：已安排 %(u)s 元，剩余 %(r)s 元。")
            % {"u": used, "r": program.budget - used},
            extra={"remaining": str(program.budget - used)},
        )
