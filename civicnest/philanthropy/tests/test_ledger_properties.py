"""Property tests (hypothesis): any sequence of ledger operations — valid ones posted, invalid ones refused —
keeps every balance equal to the sum of its entries and never negative."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicnest.accounts.models import User
from civicnest.core.exceptions import ApplicationError
from civicnest.network.models import Center
from civicnest.philanthropy import services
from civicnest.philanthropy.models import ENTRY_EFFECT, EntryKind, Fund, LedgerEntry, Project
from civicnest.philanthropy.tests.factories import (
    fund_for,
    program_for,
    published_projects,
    user_with,
)
from civicnest.registry.models import SocialOrganization

pytestmark = pytest.mark.django_db

amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2, allow_nan=False
)
operations = st.lists(
    st.tuples(
        st.sampled_from(
            [
                EntryKind.INFLOW,
                EntryKind.COMMITMENT,
                EntryKind.RELEASE,
                EntryKind.DISBURSEMENT,
                EntryKind.RETURN,
            ]
        ),
        st.integers(min_value=0, max_value=1),
        amounts,
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def ledger_world(
    jiangan_staff: User, jiangan_center: Center, org: SocialOrganization
) -> dict[str, Any]:
    fund = fund_for(jiangan_staff, jiangan_center, code="PROP", money="0")
    rich = fund_for(jiangan_staff, jiangan_center, code="RICH", money="900000")
    program = program_for(jiangan_staff, jiangan_center, rich)
    rep = user_with("org_rep", "420102", username="prop_rep", organization=org)
    expert = user_with("expert", "420102", username="prop_expert")
    projects = published_projects(
        jiangan_staff, expert, program, [(rep, org, f"性质测试{i}", "50000") for i in range(2)]
    )
    return {"fund": fund, "projects": projects, "actor": jiangan_staff}


def _check(fund: Fund, model: dict[str, Any], projects: list[Project]) -> None:
    entries = list(LedgerEntry.objects.filter(fund=fund).order_by("seq"))
    cash = committed = Decimal("0")
    for i, entry in enumerate(entries, start=1):
        assert entry.seq == i  # no gaps, no duplicates
        cash_sign, commit_sign = ENTRY_EFFECT[entry.kind]
        cash += cash_sign * entry.amount
        committed += commit_sign * entry.amount
        assert entry.balance_after == cash and entry.committed_after == committed
        assert cash >= 0 and committed >= 0 and committed <= cash
    totals = services.fund_totals(fund)
    assert totals["balance"] == cash == model["cash"]
    assert totals["committed"] == committed == model["committed"]
    assert totals["available"] >= 0
    for i, project in enumerate(projects):
        held = services.project_commitment(fund, project)
        assert held == model["held"][i] and held >= 0


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_any_sequence_keeps_balances_equal_to_the_sum_of_entries(
    ledger_world: dict[str, Any], ops: list[tuple[str, int, Decimal]]
) -> None:
    fund, projects, actor = ledger_world["fund"], ledger_world["projects"], ledger_world["actor"]
    with transaction.atomic():  # each example starts from the same empty fund
        model: dict[str, Any] = {
            "cash": Decimal(0),
            "committed": Decimal(0),
            "held": [Decimal(0)] * 2,
        }
        for kind, which, amount in ops:
            project = projects[which] if kind not in (EntryKind.INFLOW, EntryKind.RETURN) else None
            # What a correct ledger must allow:
            if kind == EntryKind.COMMITMENT:
                allowed = model["cash"] - model["committed"] >= amount
            elif kind in (EntryKind.RELEASE, EntryKind.DISBURSEMENT):
                allowed = model["held"][which] >= amount
            else:
                allowed = True
            try:
                with transaction.atomic():
                    locked = Fund.objects.select_for_update().get(pk=fund.pk)
                    services._post(
                        actor=actor, fund=locked, kind=kind, amount=amount, project=project
                    )
            except ApplicationError:
                assert not allowed, (kind, amount, model)
            else:
                assert allowed, (kind, amount, model)
                cash_sign, commit_sign = ENTRY_EFFECT[kind]
                model["cash"] += cash_sign * amount
                model["committed"] += commit_sign * amount
                if project is not None:
                    model["held"][which] += commit_sign * amount
            _check(fund, model, projects)
        transaction.set_rollback(True)
