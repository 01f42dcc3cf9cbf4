"""Many simultaneous requests against one project: totals never pass the budget or the contract, and the
ledger always balances. On PostgreSQL the row locks do the work (50 threads); on SQLite the IMMEDIATE
transactions serialise writers (fewer threads show the same)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Sum

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.network.models import Center
from civicnest.philanthropy import services
from civicnest.philanthropy.models import (
    ENTRY_EFFECT,
    Fund,
    LedgerEntry,
    Project,
    Subscription,
    Tranche,
    TrancheStatus,
)
from civicnest.philanthropy.tests.factories import (
    contract_for,
    fund_for,
    program_for,
    published_project,
    published_projects,
    user_with,
)
from civicnest.regions.loader import load_city
from civicnest.regions.models import Region
from civicnest.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def threads() -> int:
    return 50 if connection.vendor == "postgresql" else 16


@pytest.fixture(scope="module", autouse=True)
def _restore_regions_after(django_db_blocker: Any) -> Iterator[None]:
    """These tests commit, so pytest-django flushes every table after each one — the region tree too.
    Put it back once the module is done, for the tests that run after it on this worker."""
    yield
    with django_db_blocker.unblock():
        if not Region.objects.filter(code="420102").exists():
            load_city("4201")


@pytest.fixture(autouse=True)
def _regions() -> None:
    """A transactional test before this one on the worker flushed the region tree: put it back."""
    if not Region.objects.filter(code="420102").exists():
        load_city("4201")


def _race(n: int, work: Callable[[int], Any]) -> dict[str, int]:
    barrier = threading.Barrier(n)
    outcome = {"ok": 0, "refused": 0, "other": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        key = "other"
        try:
            barrier.wait()
            work(i)
            key = "ok"
        except (ConflictError, ApplicationError):
            key = "refused"
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()
        with lock:
            outcome[key] += 1

    pool = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors[:3]
    return outcome


def _assert_ledger_balances(fund: Fund) -> None:
    cash = committed = Decimal(0)
    for i, entry in enumerate(LedgerEntry.objects.filter(fund=fund).order_by("seq"), start=1):
        assert entry.seq == i
        cash_sign, commit_sign = ENTRY_EFFECT[entry.kind]
        cash += cash_sign * entry.amount
        committed += commit_sign * entry.amount
        assert (entry.balance_after, entry.committed_after) == (cash, committed)
    totals = services.fund_totals(fund)
    assert (totals["balance"], totals["committed"]) == (cash, committed)
    assert 0 <= committed <= cash


@pytest.fixture
def chain(make_user: Callable[..., User]) -> dict[str, Any]:
    center = Center.objects.create(
        name="并发测试中心", center_type="service_center", level="district", region_id="420102"
    )
    staff = make_user(Role.CENTER_STAFF, "420102", center=center, username="race_staff")
    org = OrganizationFactory.create(region_id="420102002")
    rep = user_with(Role.ORG_REP, "420102", username="race_rep", organization=org)
    expert = user_with(Role.EXPERT, "420102", username="race_expert")
    fund = fund_for(staff, center, code="RACE", money="100000")
    program = program_for(staff, center, fund)
    project = published_project(staff, expert, rep, program, org, budget="50000")
    return {"staff": staff, "fund": fund, "project": project}


def test_simultaneous_subscriptions_never_exceed_the_budget(chain: dict[str, Any]) -> None:
    project: Project = chain["project"]
    n = threads()
    funders = [user_with(Role.FUNDER, "420102", username=f"race_funder{i}") for i in range(n)]
    # Each asks for 5,000 (budget 50,000: exactly ten fit) — or 3,000 for every third, to mix sizes.
    asks = [Decimal("3000") if i % 3 == 0 else Decimal("5000") for i in range(n)]

    def subscribe(i: int) -> None:
        services.subscription_create(
            actor=User.objects.get(pk=funders[i].pk),
            project=Project.objects.get(pk=project.pk),
            amount=asks[i],
        )

    outcome = _race(n, subscribe)
    total = Subscription.objects.filter(project=project).aggregate(t=Sum("amount"))["t"]
    print(connection.vendor, outcome, total)
    assert total <= project.budget
    assert outcome["ok"] == Subscription.objects.filter(project=project).count()
    assert outcome["ok"] + outcome["refused"] == n
    # Nothing that still fits was refused: the remainder is below the smallest ask.
    assert project.budget - total < Decimal("3000")
    assert services.project_money(project)["committed"] == total
    _assert_ledger_balances(chain["fund"])


def test_simultaneous_tranches_and_disbursements_stay_within_the_contract(
    chain: dict[str, Any],
) -> None:
    project: Project = chain["project"]
    staff: User = chain["staff"]
    contract = contract_for(staff, project)  # 50,000
    n = threads()

    def add(i: int) -> None:
        services.tranche_add(
            actor=User.objects.get(pk=staff.pk),
            project=Project.objects.get(pk=project.pk),
            milestone=f"里程碑{i}",
            amount="4000",
            due_on=contract.starts_on,
        )

    added = _race(n, add)
    planned = contract.tranches.aggregate(t=Sum("amount"))["t"]
    assert added["ok"] == 12 and planned == Decimal("48000.00")  # 12 × 4,000 fit in 50,000
    seqs = sorted(contract.tranches.values_list("seq", flat=True))
    assert seqs == list(range(1, 13))

    first = contract.tranches.get(seq=1)

    def pay_same(_i: int) -> None:
        services.tranche_disburse(
            actor=User.objects.get(pk=staff.pk), tranche=Tranche.objects.get(pk=first.pk)
        )

    same = _race(n, pay_same)
    assert same["ok"] == 1, same
    ids = list(contract.tranches.values_list("pk", flat=True))

    def pay_each(i: int) -> None:
        services.tranche_disburse(
            actor=User.objects.get(pk=staff.pk),
            tranche=Tranche.objects.get(pk=ids[i % len(ids)]),
        )

    _race(n, pay_each)
    paid = contract.tranches.filter(status=TrancheStatus.PAID)
    assert paid.count() == 12
    disbursed = services.project_money(project)["disbursed"]
    assert disbursed == Decimal("48000.00") <= contract.amount
    assert LedgerEntry.objects.filter(project=project, kind="disbursement").count() == 12
    _assert_ledger_balances(chain["fund"])


def test_simultaneous_commitments_never_overdraw_the_fund(make_user: Callable[..., User]) -> None:
    """Contracts of many projects on one small fund: the fund never commits more than it holds."""
    center = Center.objects.create(
        name="小额基金中心", center_type="service_center", level="district", region_id="420102"
    )
    staff = make_user(Role.CENTER_STAFF, "420102", center=center, username="small_staff")
    fund = fund_for(staff, center, code="SMALL", money="25000")
    program = program_for(staff, center, fund, budget="500000", cap="10000")
    expert = user_with(Role.EXPERT, "420102", username="small_expert")
    n = 10 if connection.vendor == "postgresql" else 6
    entries = []
    for i in range(n):
        org = OrganizationFactory.create(region_id="420102002")
        rep = user_with(Role.ORG_REP, "420102", username=f"small_rep{i}", organization=org)
        entries.append((rep, org, f"小项目{i}", "10000"))
    projects = published_projects(staff, expert, program, entries)

    def sign(i: int) -> None:
        contract_for(User.objects.get(pk=staff.pk), Project.objects.get(pk=projects[i].pk))

    outcome = _race(n, sign)
    assert outcome["ok"] == 2, outcome  # 25,000 holds two 10,000 contracts, not three
    totals = services.fund_totals(fund)
    assert totals["committed"] == Decimal("20000.00") and totals["available"] == Decimal("5000.00")
    _assert_ledger_balances(fund)
