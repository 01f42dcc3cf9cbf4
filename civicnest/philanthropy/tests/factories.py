"""Builders that walk the funding chain through the services, so tests (and the sweep) start at any stage."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.philanthropy import services
from civicnest.philanthropy.models import (
    Contract,
    Fund,
    FundingProgram,
    Project,
    Proposal,
)
from civicnest.registry.models import SocialOrganization

DAY = datetime.date(2026, 3, 1)
CRITERIA = [("需求与目标", 30), ("方案可行性", 40), ("团队能力", 30)]


def user_with(
    role: str,
    region: str,
    *,
    username: str,
    center: Center | None = None,
    organization: SocialOrganization | None = None,
    full_name: str = "测试用户",
) -> User:
    user = User.objects.create_user(
        username=username, password="Test-Password-2026", full_name=full_name
    )
    RoleAssignment.objects.create(
        user=user, role=role, region_id=region, center=center, organization=organization
    )
    return user


def fund_for(staff: User, center: Center, *, code: str = "WHF", money: str = "1000000") -> Fund:
    fund = services.fund_create(
        actor=staff,
        center=center,
        data={"name": f"{center.name}公益基金", "code": code, "kind": "foundation"},
    )
    if Decimal(money) > 0:
        services.donation_record(
            actor=staff,
            fund=fund,
            donor_name="市财政局",
            amount=money,
            received_on=DAY,
            purpose="年度拨款",
        )
    return fund


def program_for(
    staff: User,
    center: Center,
    fund: Fund,
    *,
    kind: str = "venture",
    name: str = "2026 年公益创投大赛",
    budget: str = "500000",
    cap: str = "100000",
    status: str = "call_open",
) -> FundingProgram:
    program = services.program_create(
        actor=staff,
        center=center,
        fund=fund,
        data={
            "name": name,
            "kind": kind,
            "description": "面向本区社会组织的公益创投",
            "focus_areas": ["elderly", "children"],
            "eligible_org_types": ["social_service", "social_group"],
            "min_registered_years": 1,
            "budget": Decimal(budget),
            "per_project_cap": Decimal(cap),
            "call_opens": DAY,
            "call_closes": DAY + datetime.timedelta(days=30),
            "review_until": DAY + datetime.timedelta(days=45),
            "publish_on": DAY + datetime.timedelta(days=50),
            "implementation_ends": DAY + datetime.timedelta(days=300),
            "evaluation_by": DAY + datetime.timedelta(days=330),
        },
        criteria=CRITERIA,
    )
    if status != "draft":
        return services.program_advance(actor=staff, program=program, to="call_open")
    return program


def proposal_for(
    org_rep: User,
    program: FundingProgram,
    org: SocialOrganization,
    *,
    title: str = "长者助餐与陪伴",
    lines: list[tuple[str, str]] | None = None,
    submit: bool = True,
    **extra: Any,
) -> Proposal:
    proposal = services.proposal_save(
        actor=org_rep,
        program=program,
        organization=org,
        data={
            "title": title,
            "category": "elderly",
            "objectives": "为社区独居老人提供助餐和陪伴服务",
            "beneficiaries": "社区独居老人",
            "beneficiary_count": 120,
            "activities": "助餐、探访、健康讲座",
            "outputs": [{"name": "助餐人次", "target": "3000"}],
            "outcomes": [{"name": "老人满意度", "target": "90%"}],
            "team": "社工 3 人，志愿者 20 人",
            **extra,
        },
        budget_lines=lines or [("人员经费", "30000"), ("活动物料", "20000")],
    )
    if submit:
        services.proposal_submit(actor=org_rep, proposal=proposal)
    return Proposal.objects.get(pk=proposal.pk)


def score_all(expert: User, proposal: Proposal, value: int) -> None:
    scores = {c.pk: value for c in proposal.program.criteria.all()}
    services.review_submit(
        actor=expert, proposal=proposal, scores=scores, comment="方案清晰", no_conflict=True
    )


def published_project(
    staff: User,
    expert: User,
    org_rep: User,
    program: FundingProgram,
    org: SocialOrganization,
    *,
    title: str = "长者助餐与陪伴",
    budget: str = "50000",
) -> Project:
    """A proposal walked from submission to a published project (the program ends up in 评审)."""
    if not program.experts.filter(expert=expert).exists():
        services.expert_assign(actor=staff, program=program, expert=expert)
    proposal = proposal_for(org_rep, program, org, title=title)
    services.proposal_check_eligibility(actor=staff, proposal=proposal, eligible=True)
    program.refresh_from_db()
    if program.status == "call_open":
        services.program_advance(actor=staff, program=program, to="reviewing")
    score_all(expert, Proposal.objects.get(pk=proposal.pk), 85)
    services.proposal_shortlist(actor=staff, proposal=proposal, shortlisted=True)
    return services.project_publish(actor=staff, proposal=proposal, budget=budget)


def contract_for(
    staff: User,
    project: Project,
    *,
    amount: str | None = None,
    tranches: list[tuple[str, str]] | None = None,
) -> Contract:
    value = amount or str(project.budget)
    specs = [
        {"milestone": m, "amount": a, "due_on": DAY + datetime.timedelta(days=60 * i)}
        for i, (m, a) in enumerate(tranches or [], start=1)
    ]
    return services.contract_sign(
        actor=staff,
        project=project,
        data={
            "amount": value,
            "starts_on": DAY,
            "ends_on": DAY + datetime.timedelta(days=300),
            "terms": "按申报书执行",
        },
        tranches=specs,
    )


def foreign_chain(
    officer: User, center: Center, org: SocialOrganization, *, marker: str, private: str
) -> dict[str, Any]:
    """For the jurisdiction sweep: a whole chain in another district. Names carry `marker` (public once
    published); internal records carry `private` (never shown to anyone outside)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    district = center.region_id
    rep = user_with(Role.ORG_REP, district, username="sweep_foreign_rep", organization=org)
    expert = user_with(Role.EXPERT, district, username="sweep_foreign_expert")
    funder = user_with(Role.FUNDER, district, username="sweep_foreign_funder")
    fund = fund_for(officer, center, code="WCSWEEP")
    services.donation_record(
        actor=officer, fund=fund, donor_name=f"{private}捐赠人", amount="1000", received_on=DAY
    )
    program = program_for(officer, center, fund, name=f"{marker}创投大赛")
    services.expert_assign(actor=officer, program=program, expert=expert)
    proposal = proposal_for(rep, program, org, title=f"{marker}项目", team=f"{private}团队")
    services.proposal_check_eligibility(actor=officer, proposal=proposal, eligible=True)
    services.program_advance(actor=officer, program=program, to="reviewing")
    services.review_submit(
        actor=expert,
        proposal=Proposal.objects.get(pk=proposal.pk),
        scores={c.pk: 80 for c in program.criteria.all()},
        comment=f"{private}评语",
        no_conflict=True,
    )
    services.proposal_shortlist(actor=officer, proposal=proposal, shortlisted=True)
    project = services.project_publish(actor=officer, proposal=proposal, budget="50000")
    services.subscription_create(
        actor=funder, project=project, amount="10000", funder_name="某公司"
    )
    contract = contract_for(officer, project, tranches=[("启动", "20000"), ("中期", "20000")])
    services.tranche_disburse(actor=officer, tranche=contract.tranches.get(seq=1))
    report = services.report_submit(
        actor=rep,
        project=project,
        period="一季度",
        narrative=f"{private}进展",
        indicators=[],
        spent="100",
        receipts=[SimpleUploadedFile("r.pdf", b"%PDF-1.4 x", content_type="application/pdf")],
    )
    services.evaluation_self_submit(actor=rep, project=project, score=90, report=f"{private}自评")
    purchase = program_for(officer, center, fund, kind="purchase", name=f"{marker}购买服务")
    tender = services.tender_open(
        actor=officer,
        program=purchase,
        data={
            "title": f"{marker}招标",
            "requirements": f"{private}要求",
            "ceiling": "50000",
            "closes_on": datetime.date(2099, 1, 1),
        },
    )
    bid = services.bid_submit(
        actor=rep, tender=tender, organization=org, price="40000", plan=f"{private}方案"
    )
    return {
        "fund": fund,
        "program": program,
        "purchase": purchase,
        "proposal": proposal,
        "project": project,
        "tranche": contract.tranches.get(seq=2),
        "attachment": report.attachments.get(),
        "tender": tender,
        "bid": bid,
        "receipt": fund.receipts.order_by("seq").last(),
    }


def published_projects(
    staff: User,
    expert: User,
    program: FundingProgram,
    entries: list[tuple[User, SocialOrganization, str, str]],
) -> list[Project]:
    """Several proposals (rep, org, title, budget) submitted in one call, reviewed, published."""
    if not program.experts.filter(expert=expert).exists():
        services.expert_assign(actor=staff, program=program, expert=expert)
    proposals = [
        proposal_for(rep, program, org, title=title, lines=[("项目经费", budget)])
        for rep, org, title, budget in entries
    ]
    for p in proposals:
        services.proposal_check_eligibility(actor=staff, proposal=p, eligible=True)
    services.program_advance(actor=staff, program=program, to="reviewing")
    projects = []
    for p, (_r, _o, _t, budget) in zip(proposals, entries, strict=True):
        score_all(expert, p, 80)
        services.proposal_shortlist(actor=staff, proposal=p, shortlisted=True)
        projects.append(services.project_publish(actor=staff, proposal=p, budget=budget))
    return projects
