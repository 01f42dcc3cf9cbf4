"""Every transition of every funding-chain workflow table, walked for several roles and many states: an action
is offered (`allowed_actions`, what the pages show) exactly when its service accepts it. Each service call
runs in a savepoint that is always rolled back, so every check starts from the same world."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError
from civicnest.core.workflows import Workflow
from civicnest.network.models import Center
from civicnest.philanthropy import services
from civicnest.philanthropy.models import (
    Fund,
    FundingProgram,
    Project,
    Proposal,
    Tender,
    Tranche,
)
from civicnest.philanthropy.tests.factories import (
    DAY,
    contract_for,
    program_for,
    proposal_for,
    published_projects,
    score_all,
    user_with,
)
from civicnest.philanthropy.workflows import (
    PROGRAM,
    PROJECT,
    PROPOSAL,
    TENDER,
    TRANCHE,
    WORKFLOWS,
)
from civicnest.registry.models import SocialOrganization
from civicnest.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

FAR = datetime.date(2099, 1, 1)


class _Rollback(Exception):
    pass


def _service_accepts(
    call: Callable[[Any, User], Any], model: type[Any], pk: int, user: User
) -> bool:
    """Run the service in a savepoint that is always rolled back: True if it went through. A
    ValidationError (bad arguments of the walk itself) is not caught: it fails the test."""
    try:
        with transaction.atomic():
            call(_fresh(model, pk), user)
            raise _Rollback
    except _Rollback:
        return True
    except (ApplicationError, PermissionDenied):
        return False


def _advance(staff: User, program: FundingProgram, *statuses: str) -> FundingProgram:
    for status in statuses:
        program = services.program_advance(actor=staff, program=program, to=status)
    return program


def _world(
    staff: User,
    center: Center,
    fund: Fund,
    org: SocialOrganization,
    org_rep: User,
    other_org: SocialOrganization,
    other_rep: User,
    expert: User,
    funder: User,
) -> dict[str, Any]:
    """Programs, proposals, projects, tenders and tranches in every status the tables know (and some
    conditions beyond the status: no panel yet, eligibility problems, fully subscribed, fully planned,
    unscored bids, a deadline passed…)."""
    young = OrganizationFactory.create(
        name="江岸区新成立服务社", region_id="420102002", registered_on=datetime.date(2025, 12, 1)
    )
    young_rep = user_with(Role.ORG_REP, "420102", username="young_rep", organization=young)

    def venture(name: str) -> FundingProgram:
        program = program_for(staff, center, fund, name=name)
        services.expert_assign(actor=staff, program=program, expert=expert)
        return program

    programs: dict[str, FundingProgram] = {
        "draft": program_for(staff, center, fund, name="筹备中", status="draft"),
        "call, no panel": program_for(staff, center, fund, name="无专家"),
        "purchase draft": program_for(
            staff, center, fund, kind="purchase", name="购买筹备", status="draft"
        ),
    }
    # proposals of a call still open
    call = venture("征集中")
    programs["call"] = call
    proposals: dict[str, Proposal] = {
        "draft": proposal_for(org_rep, call, org, title="草稿", submit=False),
        "submitted": proposal_for(org_rep, call, org, title="已提交"),
        "submitted, problems": proposal_for(young_rep, call, young, title="未满一年"),
        "eligible, call open": proposal_for(org_rep, call, org, title="征集中通过"),
    }
    services.proposal_check_eligibility(
        actor=staff, proposal=proposals["eligible, call open"], eligible=True
    )
    # proposals of a program in review
    review = venture("评审中")
    made = {
        key: proposal_for(rep, review, o, title=key)
        for key, rep, o in [
            ("eligible", org_rep, org),
            ("eligible, reviewed", org_rep, org),
            ("eligible, conflict", other_rep, other_org),
            ("ineligible", org_rep, org),
            ("shortlisted", org_rep, org),
            ("not selected", org_rep, org),
            ("submitted, review", org_rep, org),
        ]
    }
    made["draft, review"] = proposal_for(org_rep, review, org, title="评审期草稿", submit=False)
    for key in (
        "eligible",
        "eligible, reviewed",
        "eligible, conflict",
        "shortlisted",
        "not selected",
    ):
        services.proposal_check_eligibility(actor=staff, proposal=made[key], eligible=True)
    services.proposal_check_eligibility(
        actor=staff, proposal=made["ineligible"], eligible=False, note="不符合"
    )
    review = _advance(staff, review, "reviewing")
    programs["review"] = review
    for key in ("eligible, reviewed", "shortlisted"):
        score_all(expert, made[key], 80)
    services.conflict_declare(actor=expert, proposal=made["eligible, conflict"], reason="理事")
    services.proposal_shortlist(actor=staff, proposal=made["shortlisted"], shortlisted=True)
    services.proposal_shortlist(actor=staff, proposal=made["not selected"], shortlisted=False)
    proposals.update(made)

    # projects in every status, from a program of their own
    projects_program = venture("实施中")
    titles = [
        "published",
        "published, subscribed",
        "published, fully subscribed",
        "contracted",
        "contracted, fully planned",
        "contracted, self-evaluated",
        "evaluated",
        "completed",
        "terminated",
        "shortlisted, published program",
    ]
    built = published_projects(
        staff, expert, projects_program, [(org_rep, org, t, "20000") for t in titles]
    )
    projects = dict(zip(titles, built, strict=True))
    publishing = projects.pop("shortlisted, published program")
    proposals["published"] = publishing.proposal  # type: ignore[assignment]
    services.subscription_create(
        actor=funder, project=projects["published, subscribed"], amount="5000"
    )
    services.subscription_create(
        actor=funder, project=projects["published, fully subscribed"], amount="20000"
    )
    contract_for(staff, projects["contracted"], tranches=[("启动", "5000")])
    planned = contract_for(
        staff,
        projects["contracted, fully planned"],
        tranches=[("一期", "10000"), ("二期", "10000")],
    )
    services.tranche_disburse(actor=staff, tranche=planned.tranches.get(seq=1))
    for key in ("contracted, self-evaluated", "evaluated", "completed"):
        contract_for(staff, projects[key])
        services.evaluation_self_submit(actor=org_rep, project=projects[key], score=90, report="好")
    for key in ("evaluated", "completed"):
        services.evaluation_expert_submit(
            actor=expert, project=projects[key], score=80, comment="好"
        )
    services.project_result_publish(actor=staff, project=projects["completed"], summary="成果")
    stopped = contract_for(
        staff, projects["terminated"], tranches=[("一期", "5000"), ("二期", "5000")]
    )
    services.tranche_disburse(actor=staff, tranche=stopped.tranches.get(seq=1))
    services.project_terminate(actor=staff, project=projects["terminated"], reason="停止")
    tranches = {
        "planned": planned.tranches.get(seq=2),
        "paid": planned.tranches.get(seq=1),
        "planned, project terminated": stopped.tranches.get(seq=2),
    }
    for key, to in [
        ("published", ["published"]),
        ("implementing", ["published", "implementing"]),
        ("evaluating", ["published", "implementing", "evaluating"]),
        ("closed", ["published", "implementing", "evaluating", "closed"]),
    ]:
        later = venture(f"阶段{key}")
        programs[key] = _advance(staff, later, "reviewing", *to)
    programs["implementing, projects"] = _advance(staff, projects_program, "published")

    # government purchase: tenders
    purchase = program_for(staff, center, fund, kind="purchase", name="购买服务")
    programs["purchase call"] = purchase

    def tender(title: str, bid: bool = True, scored: bool = True) -> Tender:
        opened = services.tender_open(
            actor=staff,
            program=purchase,
            data={"title": title, "requirements": "要求", "ceiling": "50000", "closes_on": FAR},
        )
        if bid:
            made_bid = services.bid_submit(
                actor=org_rep, tender=opened, organization=org, price="40000", plan="方案"
            )
            if scored:
                services.bid_score(actor=staff, bid=made_bid, score=85)
        return opened

    tenders = {
        "open, scored bid": tender("已评分"),
        "open, unscored bid": tender("未评分", scored=False),
        "open, no bids": tender("无投标", bid=False),
        "open, deadline passed": tender("已截止"),
        "awarded": tender("已定标"),
    }
    Tender.objects.filter(pk=tenders["open, deadline passed"].pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    awarded = tenders["awarded"]
    projects["purchase, published"] = services.tender_award(
        actor=staff, tender=awarded, bid=awarded.bids.get(), reasons="综合得分最高"
    )
    return {
        "programs": programs,
        "proposals": proposals,
        "projects": projects,
        "tenders": tenders,
        "tranches": tranches,
    }


Call = Callable[[Any, User], Any]


def _advance_to(target: str) -> Call:
    return lambda p, u: services.program_advance(actor=u, program=p, to=target)


def _calls(
    world: dict[str, Any], org_of: Callable[[User], SocialOrganization]
) -> dict[str, dict[str, Call]]:
    """What each action's service is called with, per workflow (two tables share action names such as
    "publish"), for an object and a user (valid arguments, so that only the workflow can refuse)."""
    spare = user_with(Role.EXPERT, "420102", username="spare_expert")
    some_bid = world["tenders"]["open, scored bid"].bids.get()

    def proposal_data(title: str) -> dict[str, Any]:
        return {
            "title": title,
            "category": "elderly",
            "objectives": "目标",
            "beneficiaries": "老人",
            "beneficiary_count": 10,
            "activities": "探访",
            "team": "团队",
        }

    def first_bid_or_another(tender: Tender) -> Any:
        return tender.bids.order_by("pk").first() or some_bid

    return {
        PROGRAM.name: {
            t.action: _advance_to(t.target)
            for t in PROGRAM.transitions
            if t.action
            in ("open_call", "start_review", "publish", "implement", "evaluate", "close")
        }
        | {
            "apply": lambda p, u: services.proposal_save(
                actor=u,
                program=p,
                organization=org_of(u),
                data=proposal_data("新申报"),
                budget_lines=[("经费", "1000")],
            ),
            "assign_expert": lambda p, u: services.expert_assign(actor=u, program=p, expert=spare),
            "open_tender": lambda p, u: services.tender_open(
                actor=u,
                program=p,
                data={"title": "t", "requirements": "r", "ceiling": "1000", "closes_on": FAR},
            ),
        },
        PROPOSAL.name: {
            "edit": lambda p, u: services.proposal_save(
                actor=u,
                program=p.program,
                organization=p.organization,
                data=proposal_data("修改后"),
                budget_lines=[("经费", "1000")],
                proposal=p,
            ),
            "submit": lambda p, u: services.proposal_submit(actor=u, proposal=p),
            "accept": lambda p, u: services.proposal_check_eligibility(
                actor=u, proposal=p, eligible=True
            ),
            "reject": lambda p, u: services.proposal_check_eligibility(
                actor=u, proposal=p, eligible=False, note="不符合"
            ),
            "review": lambda p, u: score_all(u, p, 70),
            "declare_conflict": lambda p, u: services.conflict_declare(
                actor=u, proposal=p, reason="利益关系"
            ),
            "shortlist": lambda p, u: services.proposal_shortlist(
                actor=u, proposal=p, shortlisted=True
            ),
            "not_select": lambda p, u: services.proposal_shortlist(
                actor=u, proposal=p, shortlisted=False
            ),
            "publish": lambda p, u: services.project_publish(actor=u, proposal=p, budget="1000"),
        },
        PROJECT.name: {
            "subscribe": lambda p, u: services.subscription_create(actor=u, project=p, amount="1"),
            "sign_contract": lambda p, u: contract_for(u, p),
            "add_tranche": lambda p, u: services.tranche_add(
                actor=u, project=p, milestone="追加", amount="1", due_on=DAY
            ),
            "report": lambda p, u: services.report_submit(
                actor=u, project=p, period="一季度", narrative="进展", indicators=[], spent="0"
            ),
            "self_evaluate": lambda p, u: services.evaluation_self_submit(
                actor=u, project=p, score=90, report="自评"
            ),
            "evaluate": lambda p, u: services.evaluation_expert_submit(
                actor=u, project=p, score=80, comment="意见"
            ),
            "publish_result": lambda p, u: services.project_result_publish(
                actor=u, project=p, summary="成果"
            ),
            "refund": lambda p, u: services.refund_record(actor=u, project=p, amount="1", note=""),
            "terminate": lambda p, u: services.project_terminate(actor=u, project=p, reason="原因"),
        },
        TENDER.name: {
            "bid": lambda t, u: services.bid_submit(
                actor=u, tender=t, organization=org_of(u), price="1", plan="方案"
            ),
            "score_bid": lambda t, u: services.bid_score(
                actor=u, bid=first_bid_or_another(t), score=80
            ),
            "award": lambda t, u: services.tender_award(
                actor=u, tender=t, bid=first_bid_or_another(t), reasons="理由"
            ),
        },
        TRANCHE.name: {
            "disburse": lambda t, u: services.tranche_disburse(actor=u, tranche=t),
        },
    }


def _fresh(model: type[Any], pk: int) -> Any:
    related = {
        FundingProgram: ("center", "fund"),
        Proposal: ("program__center", "organization"),
        Project: ("program__center", "program__fund", "organization"),
        Tender: ("program__center",),
        Tranche: ("contract__project__program__center",),
    }[model]
    return model.objects.select_related(*related).get(pk=pk)


def test_every_action_is_offered_exactly_when_its_service_accepts_it(
    jiangan_staff: User,
    jiangan_center: Center,
    fund: Fund,
    org: SocialOrganization,
    org_rep: User,
    other_org: SocialOrganization,
    other_rep: User,
    expert: User,
    funder: User,
    wuchang_officer: User,
) -> None:
    world = _world(
        jiangan_staff, jiangan_center, fund, org, org_rep, other_org, other_rep, expert, funder
    )
    outsider = user_with(Role.EXPERT, "420102", username="outsider_expert")
    users = [jiangan_staff, wuchang_officer, org_rep, other_rep, expert, outsider, funder]
    calls = _calls(world, lambda u: other_org if u.pk == other_rep.pk else org)
    tables: list[tuple[Workflow, type[Any], dict[str, Any]]] = [
        (PROGRAM, FundingProgram, world["programs"]),
        (PROPOSAL, Proposal, world["proposals"]),
        (PROJECT, Project, world["projects"]),
        (TENDER, Tender, world["tenders"]),
        (TRANCHE, Tranche, world["tranches"]),
    ]
    assert {w.name for w, _m, _o in tables} == {w.name for w in WORKFLOWS}
    mismatches: list[str] = []
    seen: dict[tuple[str, str], set[bool]] = {}
    for workflow, model, objects in tables:
        for transition in workflow.transitions:
            call = calls[workflow.name][transition.action]
            for state, obj in objects.items():
                for user in users:
                    offered = transition.action in workflow.names(_fresh(model, obj.pk), user)
                    accepted = _service_accepts(call, model, obj.pk, user)
                    seen.setdefault((workflow.name, transition.action), set()).add(accepted)
                    if offered != accepted:
                        mismatches.append(
                            f"{workflow.name}.{transition.action} on {state!r} for "
                            f"{user.username}: offered={offered}, service accepted={accepted}"
                        )
    assert not mismatches, "\n".join(mismatches)
    # the walk saw every action both accepted and refused somewhere
    assert {k: v for k, v in seen.items() if v != {True, False}} == {}
