"""Every transition refuses the wrong people: another district's officer, another organization, a funder,
an expert outside the panel — and changes nothing when it does."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.philanthropy import services
from civicnest.philanthropy.models import (
    FundingProgram,
    LedgerEntry,
    Project,
    Proposal,
    Receipt,
    Review,
)
from civicnest.philanthropy.tests.factories import (
    DAY,
    contract_for,
    program_for,
    proposal_for,
    published_project,
    user_with,
)
from civicnest.registry.models import SocialOrganization

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    program: FundingProgram,
    org: SocialOrganization,
    org_rep: User,
    other_rep: User,
    jiangan_staff: User,
    jiangan_center: Any,
    expert: User,
    funder: User,
    wuchang_officer: User,
) -> dict[str, Any]:
    outsider = user_with(Role.EXPERT, "420102", username="outsider_expert")
    waiting = proposal_for(org_rep, program, org, title="待审查")
    project = published_project(jiangan_staff, expert, org_rep, program, org, title="已发布")
    contracted = Project.objects.get(pk=project.pk)
    purchase = program_for(
        jiangan_staff, jiangan_center, program.fund, kind="purchase", name="购买"
    )
    tender = services.tender_open(
        actor=jiangan_staff,
        program=purchase,
        data={
            "title": "招标",
            "requirements": "要求",
            "ceiling": "1000",
            "closes_on": DAY.replace(year=2099),
        },
    )
    bid = services.bid_submit(
        actor=org_rep, tender=tender, organization=org, price="900", plan="方案"
    )
    return {
        "program": FundingProgram.objects.get(pk=program.pk),
        "waiting": Proposal.objects.get(pk=waiting.pk),
        "project": contracted,
        "tender": tender,
        "bid": bid,
        "org": org,
        "staff": jiangan_staff,
        "rep": org_rep,
        "other_rep": other_rep,
        "expert": expert,
        "outsider": outsider,
        "funder": funder,
        "foreign": wuchang_officer,
    }


TRANSITIONS: list[tuple[str, list[str], Callable[[dict[str, Any], User], Any]]] = [
    (
        "advance",
        ["foreign", "rep", "expert", "funder"],
        lambda w, u: services.program_advance(actor=u, program=w["program"], to="published"),
    ),
    (
        "assign expert",
        ["foreign", "rep", "expert"],
        lambda w, u: services.expert_assign(actor=u, program=w["program"], expert=w["outsider"]),
    ),
    (
        "eligibility",
        ["foreign", "rep", "expert", "funder"],
        lambda w, u: services.proposal_check_eligibility(
            actor=u, proposal=w["waiting"], eligible=True
        ),
    ),
    (
        "review",
        ["outsider", "staff", "rep", "funder"],
        lambda w, u: services.review_submit(
            actor=u, proposal=w["waiting"], scores={}, no_conflict=True
        ),
    ),
    (
        "conflict",
        ["outsider", "rep", "funder"],
        lambda w, u: services.conflict_declare(actor=u, proposal=w["waiting"], reason="x"),
    ),
    (
        "shortlist",
        ["foreign", "rep", "expert"],
        lambda w, u: services.proposal_shortlist(actor=u, proposal=w["waiting"], shortlisted=True),
    ),
    (
        "publish",
        ["foreign", "rep", "expert", "funder"],
        lambda w, u: services.project_publish(actor=u, proposal=w["waiting"], budget="1"),
    ),
    (
        "subscribe",
        ["foreign", "rep", "expert", "staff"],
        lambda w, u: services.subscription_create(actor=u, project=w["project"], amount="1"),
    ),
    (
        "contract",
        ["foreign", "rep", "expert", "funder"],
        lambda w, u: contract_for(u, w["project"]),
    ),
    (
        "tranche",
        ["foreign", "rep", "funder"],
        lambda w, u: services.tranche_add(
            actor=u, project=w["project"], milestone="m", amount="1", due_on=DAY
        ),
    ),
    (
        "report",
        ["other_rep", "staff", "funder"],
        lambda w, u: services.report_submit(
            actor=u, project=w["project"], period="p", narrative="n", indicators=[], spent="0"
        ),
    ),
    (
        "self evaluation",
        ["other_rep", "staff", "funder"],
        lambda w, u: services.evaluation_self_submit(
            actor=u, project=w["project"], score=90, report="r"
        ),
    ),
    (
        "expert evaluation",
        ["outsider", "rep", "funder", "foreign"],
        lambda w, u: services.evaluation_expert_submit(
            actor=u, project=w["project"], score=90, comment="c"
        ),
    ),
    (
        "result",
        ["foreign", "rep", "expert", "funder"],
        lambda w, u: services.project_result_publish(actor=u, project=w["project"], summary="s"),
    ),
    (
        "terminate",
        ["foreign", "rep", "expert", "funder"],
        lambda w, u: services.project_terminate(actor=u, project=w["project"], reason="r"),
    ),
    (
        "refund",
        ["foreign", "rep", "funder"],
        lambda w, u: services.refund_record(actor=u, project=w["project"], amount="1", note=""),
    ),
    (
        "tender",
        ["foreign", "rep", "expert"],
        lambda w, u: services.tender_open(
            actor=u,
            program=w["tender"].program,
            data={
                "title": "t",
                "requirements": "r",
                "ceiling": "1",
                "closes_on": datetime.date(2099, 1, 1),
            },
        ),
    ),
    (
        "bid",
        ["other_rep", "staff", "funder"],
        lambda w, u: services.bid_submit(
            actor=u, tender=w["tender"], organization=w["org"], price="1", plan="p"
        ),
    ),
    (
        "bid score",
        ["foreign", "rep", "expert"],
        lambda w, u: services.bid_score(actor=u, bid=w["bid"], score=80),
    ),
    (
        "award",
        ["foreign", "rep", "expert"],
        lambda w, u: services.tender_award(actor=u, tender=w["tender"], bid=w["bid"], reasons="r"),
    ),
    (
        "donation",
        ["foreign", "rep", "expert", "funder"],
        lambda w, u: services.donation_record(
            actor=u, fund=w["program"].fund, donor_name="d", amount="1", received_on=DAY
        ),
    ),
    (
        "void receipt",
        ["foreign", "rep", "expert", "funder"],
        lambda w, u: services.receipt_void(
            actor=u,
            receipt=Receipt.objects.filter(fund=w["program"].fund).earliest("pk"),
            reason="r",
        ),
    ),
]


@pytest.mark.parametrize(("name", "wrong", "call"), TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_each_transition_refuses_the_wrong_people(
    world: dict[str, Any], name: str, wrong: list[str], call: Callable[[dict[str, Any], User], Any]
) -> None:
    if name in {"tranche", "report", "self evaluation", "expert evaluation", "refund"}:
        contract_for(world["staff"], world["project"])
    before = (LedgerEntry.objects.count(), Review.objects.count(), Project.objects.count())
    for key in wrong:
        with pytest.raises(PermissionDenied):
            call(world, world[key])
    assert (LedgerEntry.objects.count(), Review.objects.count(), Project.objects.count()) == before
