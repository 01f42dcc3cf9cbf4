"""`manage.py generate_city --scale small`: counts, valid codes, conflict-free bookings, determinism."""

from __future__ import annotations

import datetime
import hashlib
import io
import itertools
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone

from bench.citygen.core import SCALES, ordered_steps, step
from bench.citygen.core import STEPS as REGISTERED
from bench.citygen.steps import GENERATED, wipe
from civicnest.accounts.models import RoleAssignment, User
from civicnest.core.validators import validate_uscc
from civicnest.matching.models import Match, Need, ServiceOffering
from civicnest.network.models import Center
from civicnest.philanthropy.models import (
    ENTRY_EFFECT,
    Contract,
    Evaluation,
    Fund,
    FundingProgram,
    LedgerEntry,
    Project,
    Proposal,
    Receipt,
    Subscription,
    Tranche,
)
from civicnest.philanthropy.services import fund_totals
from civicnest.regions.models import Region
from civicnest.registry.models import ActivityTeam, SocialOrganization
from civicnest.venues.models import Booking, Room

pytestmark = pytest.mark.django_db


def generate(seed: int) -> str:
    out = io.StringIO()
    call_command("generate_city", scale="small", seed=seed, stdout=out)
    return out.getvalue()


def digest() -> str:
    """A hash of every generated row, column by column, in primary-key order."""
    h = hashlib.sha256()
    for model in reversed(GENERATED):
        columns = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.order_by("pk").values_list(*columns):
            h.update(repr(row).encode())
    return h.hexdigest()


def test_small_city_has_the_scale_s_counts_and_valid_codes() -> None:
    small = SCALES["small"]
    output = generate(seed=11)
    assert "done in" in output

    assert Region.objects.filter(code__startswith="3101", level="district").count() == 16
    assert Center.objects.filter(level="city").count() == 1
    assert Center.objects.filter(level="district").count() == 16
    streets = Center.objects.filter(level="street").count()
    assert 200 <= streets <= 234  # Shanghai's ordinary streets and towns (code < 400)
    assert Center.objects.filter(level="community").count() == small.community_centers
    assert SocialOrganization.objects.count() == small.organizations
    assert ActivityTeam.objects.filter(status="filed").count() == small.teams
    assert ServiceOffering.objects.count() == small.offerings
    assert Need.objects.count() == small.needs
    assert Match.objects.count() == small.matches
    assert Booking.objects.count() == small.bookings
    assert User.objects.filter(username__startswith="sh_resident_").count() == small.residents
    # Every user has a role; every organization has its representative.
    assert RoleAssignment.objects.count() == User.objects.count()
    assert (
        RoleAssignment.objects.filter(role="org_rep", organization__isnull=False).count()
        == small.organizations
    )

    # Codes: every USCC passes the validator with its legal type; filing numbers are unique and name the street.
    for uscc, org_type, region in SocialOrganization.objects.values_list(
        "uscc", "org_type", "region_id"
    ):
        assert validate_uscc(uscc, org_type=org_type) == uscc
        assert uscc[2:8] == region[:6]
    numbers = [
        (str(n), r)
        for n, r in ActivityTeam.objects.filter(status="filed").values_list(
            "filing_number", "region_id"
        )
    ]
    assert len({n for n, _r in numbers}) == len(numbers)
    for number, region in numbers:
        assert re.fullmatch(r"BA\d{9}20\d{2}\d{4}", number)
        assert number[2:11] == region[:9]
    # Every row's region is a Shanghai region that exists.
    shanghai = set(Region.objects.filter(code__startswith="3101").values_list("code", flat=True))
    for model in (SocialOrganization, ActivityTeam, Need, ServiceOffering, Match, Booking, Center):
        assert set(model.objects.values_list("region_id", flat=True)) <= shanghai
    # Matches are served in their need's district; a served need has its delivered service record.
    for offering_region, need_region in Match.objects.values_list(
        "offering__region_id", "need__region_id"
    ):
        assert offering_region[:6] == need_region[:6]
    assert not (
        Need.objects.filter(status="served")
        .exclude(matches__status__in=["delivered", "rated"])
        .exists()
    )

    # Venture philanthropy: the scale's projects at every stage, and ledgers that add up.
    assert Project.objects.count() == small.projects
    assert (
        Fund.objects.count() == 1 + 2 * 16
    )  # the city's fund, a foundation and a purchase fund per district
    assert {"published", "contracted", "evaluated", "completed"} <= set(
        Project.objects.values_list("status", flat=True)
    )
    assert Subscription.objects.exists()
    assert Tranche.objects.filter(status="paid").exists()
    assert Tranche.objects.filter(status="planned").exists()
    assert Proposal.objects.filter(status="published").count() == (
        Project.objects.filter(program__kind="venture").count()
    )
    assert_ledgers_hold_every_invariant()


ZERO = Decimal("0.00")


def assert_ledgers_hold_every_invariant() -> None:  # noqa: PLR0912 - one invariant after another
    """Recompute every fund's balances from its entries; check subscriptions, tranches and receipts."""
    held: dict[int, Decimal] = defaultdict(
        lambda: ZERO
    )  # by project: committed − released − disbursed
    disbursed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    project_fund = dict(Project.objects.values_list("pk", "program__fund_id"))
    for fund in Fund.objects.all():
        balance = committed = ZERO
        entries = list(LedgerEntry.objects.filter(fund=fund).order_by("seq"))
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1)), fund.code
        for before, after in itertools.pairwise(entries):
            assert before.posted_at <= after.posted_at, f"{fund.code}#{after.seq} posted earlier"
        for e in entries:
            cash_sign, commit_sign = ENTRY_EFFECT[e.kind]
            assert e.amount > 0
            if e.kind == "commitment":
                assert balance - committed >= e.amount, f"{fund.code}#{e.seq} over-commits"
            balance += cash_sign * e.amount
            committed += commit_sign * e.amount
            assert (e.balance_after, e.committed_after) == (balance, committed), (
                f"{fund.code}#{e.seq}"
            )
            assert ZERO <= committed <= balance, f"{fund.code}#{e.seq}"
            if e.project_id is not None:
                assert project_fund[e.project_id] == fund.pk
                held[e.project_id] += commit_sign * e.amount
                assert held[e.project_id] >= 0, f"{fund.code}#{e.seq}: project holds less than zero"
                if e.kind == "disbursement":
                    disbursed[e.project_id] += e.amount
            else:
                assert e.kind in ("inflow", "return")
        totals = fund_totals(fund)
        assert (totals["balance"], totals["committed"]) == (balance, committed)

    # Subscriptions: within the project's budget; each is an inflow of its amount into the program's fund.
    budgets = dict(Project.objects.values_list("pk", "budget"))
    subscribed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for sub in Subscription.objects.select_related("inflow", "project__program"):
        assert sub.project.program.kind == "venture"
        assert sub.inflow.kind == "inflow"
        assert (sub.inflow.amount, sub.inflow.project_id) == (sub.amount, sub.project_id)
        subscribed[sub.project_id] += sub.amount
    for project_id, total in subscribed.items():
        assert total <= budgets[project_id], project_id

    # Contracts and tranches: contract ≤ budget; planned and paid tranches ≤ contract; a paid tranche is
    # its disbursement; nothing disbursed beyond the contract.
    contracts = {c.pk: c for c in Contract.objects.all()}
    planned: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for tranche in Tranche.objects.select_related("entry"):
        contract = contracts[tranche.contract_id]
        planned[contract.pk] += tranche.amount
        if tranche.status == "paid":
            assert tranche.entry is not None
            assert tranche.entry.kind == "disbursement"
            assert tranche.entry.amount == tranche.amount
            assert tranche.entry.project_id == contract.project_id
            paid[contract.pk] += tranche.amount
        else:
            assert tranche.entry is None
    for contract in contracts.values():
        assert contract.amount <= budgets[contract.project_id]
        assert paid[contract.pk] <= planned[contract.pk] <= contract.amount
        assert disbursed[contract.project_id] == paid[contract.pk]
    assert not any(
        disbursed[p] for p in budgets if p not in {c.project_id for c in contracts.values()}
    )
    for program in FundingProgram.objects.all():
        used = sum((p.budget for p in program.projects.all()), ZERO)
        assert used <= program.budget, program.name
        # Only eligible organizations: the program's legal types, registered long enough before the call.
        cutoff = program.call_opens.replace(
            year=program.call_opens.year - program.min_registered_years
        )
        applicants = SocialOrganization.objects.filter(
            Q(proposals__program=program) | Q(funded_projects__program=program)
        ).distinct()
        for org in applicants:
            assert org.org_type in program.eligible_org_types, program.name
            assert org.registered_on <= cutoff, program.name
    # Stages: contracted projects hold what is left of their contract; finished ones hold nothing.
    for project in Project.objects.all():
        if project.status in ("completed", "terminated"):
            assert held[project.pk] == 0, project.pk
        elif project.status in ("contracted", "evaluated"):
            contract = project.contract
            assert held[project.pk] == contract.amount - paid[contract.pk], project.pk
        else:
            assert held[project.pk] == subscribed[project.pk], project.pk
    assert (
        Evaluation.objects.count()
        == Project.objects.filter(status__in=["evaluated", "completed"]).count()
    )

    # Receipts: one per inflow, numbered 1, 2, 3… per fund and year, serial = code-year-seq.
    inflows = LedgerEntry.objects.filter(kind="inflow")
    assert Receipt.objects.count() == inflows.count()
    by_fund_year: dict[tuple[int, int], list[int]] = defaultdict(list)
    for receipt in Receipt.objects.select_related("fund", "entry").order_by(
        "fund_id", "year", "seq"
    ):
        assert receipt.entry.kind == "inflow"
        assert receipt.entry.fund_id == receipt.fund_id
        assert receipt.amount == receipt.entry.amount
        assert receipt.received_on.year == receipt.year
        assert receipt.serial == f"{receipt.fund.code}-{receipt.year}-{receipt.seq:06d}"
        by_fund_year[(receipt.fund_id, receipt.year)].append(receipt.seq)
    for seqs in by_fund_year.values():
        assert seqs == list(range(1, len(seqs) + 1))


def test_bookings_never_overlap_within_a_room_and_keep_opening_hours() -> None:
    generate(seed=12)
    by_room: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
    rooms = {r.pk: r for r in Room.objects.all()}
    for room_id, start, end in Booking.objects.values_list("room_id", "start", "end"):
        by_room[room_id].append((start, end))
    assert sum(len(v) for v in by_room.values()) == SCALES["small"].bookings
    for room_id, intervals in by_room.items():
        intervals.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(intervals):
            assert e1 <= s2, f"room {room_id}: {e1} > {s2}"
    for booking in Booking.objects.select_related("room")[:300]:
        start = timezone.localtime(booking.start)
        end = timezone.localtime(booking.end)
        assert rooms[booking.room_id].is_open(start, end)


def test_same_seed_same_data_other_seed_other_data() -> None:
    generate(seed=5)
    first = digest()
    wipe()
    generate(seed=5)
    assert digest() == first
    wipe()
    generate(seed=6)
    assert digest() != first


def test_refuses_a_database_that_already_holds_organizations() -> None:
    generate(seed=1)
    with pytest.raises(CommandError, match="已有社会组织"):
        generate(seed=1)


def test_steps_run_after_what_they_depend_on_and_new_steps_can_be_registered() -> None:
    names = [s.name for s in ordered_steps()]
    for s in ordered_steps():
        for dep in s.after:
            assert names.index(dep) < names.index(s.name)
    real = REGISTERED.get("projects")  # the real step: put back afterwards, not dropped
    try:

        @step("projects", after=("organizations",))
        def projects(ctx: object) -> None:  # what the philanthropy step will look like
            pass

        order = [s.name for s in ordered_steps(["projects"])]
        assert order[-1] == "projects"
        assert "organizations" in order and "regions" in order
    finally:
        if real is None:
            REGISTERED.pop("projects", None)
        else:
            REGISTERED["projects"] = real
