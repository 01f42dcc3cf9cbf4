"""Demo venture philanthropy in 江岸区: the foundation's fund, a 公益创投 program with proposals at every
stage (draft → submitted → ineligible → in review → not selected → shortlisted → published and subscribed →
contracted with a paid tranche and a report → completed with results on the portal), and a government
purchase program with a tender awarded with reasons. Idempotent: a second run finds the program and stops."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center, CenterLevel
from civicnest.philanthropy import services
from civicnest.philanthropy.models import Fund, FundingProgram, Project, Proposal
from civicnest.registry.models import Category, OrgStatus, OrgType, SocialOrganization

DISTRICT = "420102"
PROGRAM_NAME = "2026 年江岸区公益创投大赛"
PURCHASE_NAME = "2026 年江岸区社区养老政府购买服务"
IDEAS = [
    ("长者助餐与陪伴", "elderly", "为独居和高龄老人提供助餐、探访和健康讲座"),
    ("“四点半课堂”课后托管", "children", "为双职工家庭儿童提供课后学业辅导和安全看护"),
    ("社区心理支持小站", "psychology", "为居民提供心理咨询、减压小组和危机转介"),
    ("残障青年就业支持", "disability", "开展职业技能培训、岗位对接和就业跟踪"),
    ("邻里调解工作室", "mediation", "组建居民调解员队伍，化解邻里纠纷"),
    ("垃圾分类绿色家庭", "environment", "入户宣传、督导和绿色家庭评选"),
    ("社区健康自我管理小组", "health", "慢病患者健康自我管理和同伴支持"),
    ("社区法律明白人培训", "legal", "培训社区法律明白人，开展普法和法律咨询"),
    ("青少年科普营", "education", "周末科普实验和暑期科学营"),
]


def _rep(org: SocialOrganization, n: int) -> User:
    """The organization's representative (an existing one, or a demo account that is not advertised)."""
    existing = (
        User.objects.filter(role_assignments__role=Role.ORG_REP, role_assignments__organization=org)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    user, _ = User.objects.get_or_create(
        username=f"phil_demo_rep{n}", defaults={"full_name": f"{org.name}联络人"}
    )
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.get_or_create(
        user=user, role=Role.ORG_REP, region_id=DISTRICT, organization=org
    )
    return user


def seed_philanthropy(admin: User) -> dict[str, Any]:
    if FundingProgram.objects.filter(name=PROGRAM_NAME).exists():
        return {
            "funding_programs": FundingProgram.objects.count(),
            "projects": Project.objects.count(),
        }
    center = (
        Center.objects.filter(region_id=DISTRICT, level=CenterLevel.DISTRICT).order_by("pk").first()
    )
    staff = User.objects.filter(username="jiangan_staff").first()
    expert = User.objects.filter(username="jiangan_expert").first()
    funder = User.objects.filter(username="jiangan_funder").first()
    if center is None or staff is None or expert is None or funder is None:
        return {}
    today = timezone.localdate()
    call_opens = today - datetime.timedelta(days=90)
    orgs = list(
        SocialOrganization.objects.filter(
            region__code__startswith=DISTRICT,
            status=OrgStatus.NORMAL,
            registered_on__lte=call_opens - datetime.timedelta(days=400),
            org_type__in=[OrgType.SOCIAL_GROUP, OrgType.SOCIAL_SERVICE],
        ).order_by("pk")[: len(IDEAS)]
    )
    if len(orgs) < 7:
        return {}
    fund = Fund.objects.filter(code="JAF").first() or services.fund_create(
        actor=staff,
        center=center,
        data={"name": "江岸区社会组织发展基金", "code": "JAF", "kind": "foundation"},
    )
    services.donation_record(
        actor=staff,
        fund=fund,
        donor_name="武汉市江岸区民政局（福彩公益金）",
        amount="800000",
        received_on=call_opens,
        purpose="2026 年度公益创投资金",
    )
    services.donation_record(
        actor=staff,
        fund=fund,
        donor_name="武汉某某实业有限公司",
        amount="50000",
        received_on=call_opens + datetime.timedelta(days=3),
        purpose="非定向捐赠",
    )
    timeline = {
        "call_opens": call_opens,
        "call_closes": today - datetime.timedelta(days=60),
        "review_until": today - datetime.timedelta(days=45),
        "publish_on": today - datetime.timedelta(days=30),
        "implementation_ends": today + datetime.timedelta(days=240),
        "evaluation_by": today + datetime.timedelta(days=270),
    }
    program = services.program_create(
        actor=staff,
        center=center,
        fund=fund,
        data={
            "name": PROGRAM_NAME,
            "kind": "venture",
            "description": "以社区需求为导向，资助社会组织开展为老、助残、儿童、心理、调解等公益服务项目。",
            "focus_areas": list(Category.values),
            "eligible_org_types": [OrgType.SOCIAL_GROUP, OrgType.SOCIAL_SERVICE],
            "min_registered_years": 1,
            "budget": Decimal("600000"),
            "per_project_cap": Decimal("100000"),
            **timeline,
        },
        criteria=[
            ("需求与目标", 25),
            ("方案可行性", 30),
            ("团队能力", 20),
            ("预算合理性", 15),
            ("可持续性", 10),
        ],
    )
    program = services.program_advance(actor=staff, program=program, to="call_open")
    services.expert_assign(actor=staff, program=program, expert=expert)
    proposals: list[Proposal] = []
    for n, (org, (title, category, objectives)) in enumerate(zip(orgs, IDEAS, strict=False)):
        rep = _rep(org, n)
        proposal = services.proposal_save(
            actor=rep,
            program=program,
            organization=org,
            data={
                "title": title,
                "category": category,
                "objectives": objectives,
                "beneficiaries": "江岸区社区居民",
                "beneficiary_count": 80 + 20 * n,
                "activities": "需求调研、常态服务、主题活动、志愿者培育、成果展示",
                "outputs": [{"name": "服务人次", "target": str(1000 + 200 * n)}],
                "outcomes": [{"name": "服务对象满意度", "target": "90%"}],
                "team": "项目负责人 1 名（持证社工），执行社工 2 名，志愿者 15 名",
            },
            budget_lines=[
                ("人员经费", Decimal(30000 + 2000 * n)),
                ("活动经费", Decimal(20000)),
                ("宣传与评估", Decimal(5000)),
            ],
        )
        proposals.append(proposal)
    _draft, *submitted = proposals
    for p in submitted:
        services.proposal_submit(actor=_rep(p.organization, 0), proposal=p)
    _waiting, ineligible, *checked = submitted
    services.proposal_check_eligibility(
        actor=staff, proposal=ineligible, eligible=False, note="未按要求提供上年度财务审计报告"
    )
    for p in checked:
        services.proposal_check_eligibility(actor=staff, proposal=p, eligible=True)
    program = services.program_advance(actor=staff, program=program, to="reviewing")
    _in_review, *reviewed = checked
    for i, p in enumerate(reviewed):
        services.review_submit(
            actor=expert,
            proposal=p,
            scores={c.pk: 70 + 5 * (i % 4) for c in program.criteria.all()},
            comment="需求分析扎实，建议细化成效指标。",
            no_conflict=True,
        )
    not_selected, shortlisted, *to_publish = reviewed
    services.proposal_shortlist(
        actor=staff, proposal=not_selected, shortlisted=False, note="与已入围项目重复"
    )
    for p in (shortlisted, *to_publish):
        services.proposal_shortlist(actor=staff, proposal=p, shortlisted=True)
    projects = [
        services.project_publish(actor=staff, proposal=p, budget=p.requested_total)
        for p in to_publish
    ]
    program = services.program_advance(actor=staff, program=program, to="published")
    published, *rest = projects
    services.subscription_create(
        actor=funder, project=published, amount="20000", funder_name="江岸区爱心企业联盟"
    )
    for project in rest:
        services.subscription_create(
            actor=funder, project=project, amount="15000", funder_name="江岸区爱心企业联盟"
        )
        half = (project.budget / 2).quantize(Decimal("0.01"))
        contract = services.contract_sign(
            actor=staff,
            project=project,
            data={
                "amount": project.budget,
                "starts_on": today - datetime.timedelta(days=25),
                "ends_on": timeline["implementation_ends"],
                "terms": "按申报书执行，专款专用。",
            },
            tranches=[
                {
                    "milestone": "合同签订、项目启动",
                    "amount": half,
                    "due_on": today - datetime.timedelta(days=20),
                },
                {
                    "milestone": "中期评估通过",
                    "amount": project.budget - half,
                    "due_on": today + datetime.timedelta(days=120),
                },
            ],
        )
        services.tranche_disburse(
            actor=staff, tranche=contract.tranches.get(seq=1), note="启动材料齐全"
        )
        rep = _rep(project.organization, 0)
        services.report_submit(
            actor=rep,
            project=project,
            period="第一季度",
            narrative="完成需求调研，开展常态服务 12 次，招募志愿者 15 名。",
            indicators=[{"name": "服务人次", "actual": "420"}],
            spent=Decimal("18000"),
            receipts=[
                SimpleUploadedFile(
                    "支出票据.pdf", b"%PDF-1.4 demo receipt", content_type="application/pdf"
                )
            ],
        )
    if rest:
        done = rest[-1]
        rep = _rep(done.organization, 0)
        services.evaluation_self_submit(
            actor=rep, project=done, score=92, report="全部产出指标完成，服务对象满意度 95%。"
        )
        services.evaluation_expert_submit(
            actor=expert, project=done, score=88, comment="执行规范，成效明显，台账完整。"
        )
        services.project_result_publish(
            actor=staff,
            project=done,
            summary="服务社区居民 2,300 人次，培育志愿者 15 名，形成可复制的社区服务模式。",
        )
    _seed_purchase(staff, center, fund, orgs, timeline)
    return {"funding_programs": FundingProgram.objects.count(), "projects": Project.objects.count()}


def _seed_purchase(
    staff: User,
    center: Center,
    fund: Fund,
    orgs: list[SocialOrganization],
    timeline: dict[str, datetime.date],
) -> None:
    today = timezone.localdate()
    purchase = services.program_create(
        actor=staff,
        center=center,
        fund=fund,
        data={
            "name": PURCHASE_NAME,
            "kind": "purchase",
            "description": "“费随事转”：向社会组织购买居家养老上门服务。",
            "focus_areas": ["elderly"],
            "eligible_org_types": [OrgType.SOCIAL_SERVICE],
            "min_registered_years": 1,
            "budget": Decimal("200000"),
            "per_project_cap": Decimal("120000"),
            **timeline,
        },
        criteria=[("服务方案", 60), ("报价", 40)],
    )
    services.program_advance(actor=staff, program=purchase, to="call_open")
    tender = services.tender_open(
        actor=staff,
        program=purchase,
        data={
            "title": "大智街道居家养老上门服务",
            "requirements": "为 200 名高龄独居老人提供每周上门探访、助洁和紧急呼叫响应。",
            "ceiling": Decimal("120000"),
            "closes_on": today + datetime.timedelta(days=10),
        },
    )
    bids = []
    for n, org in enumerate(orgs[:2]):
        bids.append(
            services.bid_submit(
                actor=_rep(org, n),
                tender=tender,
                organization=org,
                price=Decimal(110000 - 8000 * n),
                plan="组建上门服务队，建立老人档案和紧急响应机制。",
            )
        )
    services.bid_score(actor=staff, bid=bids[0], score=91, note="方案完整，经验丰富")
    services.bid_score(actor=staff, bid=bids[1], score=84, note="报价较低，人员配置偏少")
    services.tender_award(
        actor=staff,
        tender=tender,
        bid=bids[0],
        reasons="综合评分最高，服务经验与人员配置最符合需求。",
    )
