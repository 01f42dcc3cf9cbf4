"""Demo incubation: programs at several centers with applications at every stage of the chain."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from civicnest.accounts.models import User
from civicnest.incubation import services
from civicnest.incubation.models import (
    Application,
    Desk,
    IncubationProgram,
    IntakeRound,
)
from civicnest.incubation.models import (
    ApplicationStatus as S,
)
from civicnest.network.models import Center, CenterLevel
from civicnest.registry.models import ActivityTeam, FilingStatus, SocialOrganization

D = datetime.date
SCORES = {"need": 22, "feasibility": 20, "capacity": 18, "impact": 21}
FOUNDING_TEAMS = [
    "社区长者关爱行动小组",
    "困境儿童陪伴计划发起团队",
    "社区心理支持志愿团队",
    "外来务工子女课堂发起人",
    "垃圾分类宣导青年团队",
    "残障青年就业支持小组",
]
PLANS = {
    "elderly": (
        "长者助餐与探访",
        "为社区 80 岁以上独居老人提供每周三次助餐和一次上门探访，培育 30 名低龄老人志愿者。",
    ),
    "children": (
        "困境儿童四点半课堂",
        "为 40 名困境儿童提供放学后作业辅导、阅读和心理陪伴，联动学校社工。",
    ),
    "psychology": ("社区心理支持站", "开设每周心理咨询日，组织减压小组活动，建立转介机制。"),
    "education": ("务工子女周末课堂", "利用社区活动室开设周末课堂，招募大学生志愿者授课。"),
    "environment": ("垃圾分类入户宣导", "组织青年志愿者入户宣导，建立楼栋分类督导员队伍。"),
    "disability": (
        "残障青年就业支持",
        "提供职业技能培训与岗位对接，联系 10 家爱心企业提供实习岗位。",
    ),
}


def _ensure_program(actor: User, center: Center, name: str, kind: str) -> IncubationProgram:
    program = IncubationProgram.objects.filter(center=center, name=name).first()
    return program or services.program_create(
        actor=actor,
        center=center,
        data={
            "name": name,
            "kind": kind,
            "description": f"{center.name}{name}：面向初创期、转型期社会组织和民生需求迫切的服务项目。",
            "services_offered": "办公工位、政策与登记咨询、能力辅导、项目设计、财务指导、品牌建设、交流展示、资源链接",
        },
    )


def _ensure_round(
    actor: User,
    program: IncubationProgram,
    *,
    name: str,
    opens: datetime.date,
    closes: datetime.date,
    capacity: int,
) -> IntakeRound:
    existing = program.rounds.filter(name=name).first()
    return existing or services.round_create(
        actor=actor,
        program=program,
        data={
            "name": name,
            "opens_on": opens,
            "closes_on": closes,
            "capacity": capacity,
            "period_months": 12,
            "criteria": "在本区登记或拟登记的社会组织；服务本区居民；有明确的发展计划。",
            "target_stages": ["startup", "transition"],
            "target_categories": [],
        },
    )


def _apply(
    actor: User,
    round_: IntakeRound,
    *,
    org: SocialOrganization | None = None,
    team: ActivityTeam | None = None,
    founding: str = "",
    category: str = "elderly",
) -> Application:
    title, plan = PLANS.get(category, PLANS["elderly"])
    data: dict[str, Any] = {
        "organization": org,
        "team": team,
        "founding_team": founding,
        "project_title": title,
        "plan": plan,
        "category": category,
        "stage": "startup",
        "contact_name": "项目负责人",
        "contact_phone": "13507170000",
    }
    # Past rounds are closed now; demo history is written as if applied while they were open.
    app = Application(
        round=round_,
        region_id=round_.region_id,
        applicant=actor,
        **{k: v for k, v in data.items() if v is not None},
    )
    app.full_clean()
    app.save()
    return app


def _advance(
    actor: User, app: Application, target: str, desk: Desk | None, start: datetime.date
) -> None:
    steps = [S.ELIGIBLE, S.ADMITTED, S.INCUBATING, S.GRADUATED]
    if target in {S.INELIGIBLE}:
        services.application_decide(
            actor=actor,
            application=app,
            to=S.INELIGIBLE,
            reason="申请材料中缺少发展计划的具体目标，欢迎补充后参加下一批次。",
        )
        return
    for step in steps:
        if step == S.ELIGIBLE:
            services.application_decide(actor=actor, application=app, to=S.ELIGIBLE)
            if target in {S.ELIGIBLE}:
                return
            services.review_submit(
                actor=actor, application=app, scores=SCORES, comment="需求明确，团队稳定。"
            )
            if target == S.WAITLISTED:
                services.application_decide(
                    actor=actor, application=app, to=S.WAITLISTED, reason="名额有限，列入候补。"
                )
                return
        elif step == S.ADMITTED:
            services.application_decide(
                actor=actor, application=app, to=S.ADMITTED, reason="综合评分靠前。"
            )
            if target == S.ADMITTED:
                return
        elif step == S.INCUBATING:
            agreement = services.agreement_create(
                actor=actor,
                application=app,
                data={
                    "starts_on": start,
                    "obligations": "中心提供工位与一站式服务；入驻方按计划开展服务并每季度报告进展。",
                    "services_granted": ["training", "capacity", "project_design", "finance"],
                },
            )
            services.agreement_sign(actor=actor, agreement=agreement, signed_on=start)
            app.refresh_from_db()
            if desk is not None:
                services.tenancy_allocate(
                    actor=actor,
                    application=app,
                    desk=desk,
                    starts_on=start,
                    ends_on=start + datetime.timedelta(days=365),
                )
            for i, (kind, topic) in enumerate(
                [
                    ("consult_registration", "登记材料准备"),
                    ("project_design", "项目逻辑模型"),
                    ("finance", "财务制度与票据"),
                    ("training", "志愿者管理培训"),
                ]
            ):
                services.service_log(
                    actor=actor,
                    application=app,
                    data={
                        "service_type": kind,
                        "served_on": start + datetime.timedelta(days=20 + i * 30),
                        "hours": Decimal("2.0") + i,
                        "topic": topic,
                        "outcome": "已完成",
                    },
                )
            milestone = services.milestone_add(
                actor=actor,
                application=app,
                data={
                    "kind": "registered",
                    "title": "完成民办非企业单位登记",
                    "due_on": start + datetime.timedelta(days=180),
                },
            )
            services.milestone_achieve(
                actor=actor, milestone=milestone, achieved_on=start + datetime.timedelta(days=150)
            )
            services.milestone_add(
                actor=actor,
                application=app,
                data={
                    "kind": "first_funded",
                    "title": "首个公益创投项目获资助",
                    "due_on": start + datetime.timedelta(days=300),
                },
            )
            services.progress_review_add(
                actor=actor,
                application=app,
                data={
                    "reviewed_on": start + datetime.timedelta(days=85),
                    "rating": 4,
                    "summary": "按计划推进，服务对象反馈良好。",
                },
            )
            if target == S.INCUBATING:
                return
        elif step == S.GRADUATED:
            services.assessment_record(
                actor=actor,
                application=app,
                data={
                    "assessed_on": start + datetime.timedelta(days=360),
                    "score": Decimal("88.5"),
                    "outcome": "graduate",
                    "summary": "完成登记并获得首个资助项目，治理结构健全，准予出壳。",
                },
            )


def seed_incubation(actor: User) -> int:
    if Application.objects.exists():
        return 0
    today = timezone.localdate()
    created = 0
    for center in Center.objects.filter(
        level=CenterLevel.DISTRICT, region__code__in=["420102", "420106", "420111"]
    ).order_by("region_id"):
        program = _ensure_program(actor, center, "社会组织孵化计划", "incubation")
        urgent = _ensure_program(actor, center, "民生服务项目孵化", "urgent_project")
        past = _ensure_round(
            actor,
            program,
            name=f"{today.year - 1} 年度入驻批次",
            opens=D(today.year - 1, 1, 1),
            closes=D(today.year - 1, 2, 28),
            capacity=6,
        )
        current = _ensure_round(
            actor,
            program,
            name=f"{today.year} 年第二批",
            opens=today - datetime.timedelta(days=15),
            closes=today + datetime.timedelta(days=30),
            capacity=6,
        )
        _ensure_round(
            actor,
            urgent,
            name=f"{today.year} 年民生项目批次",
            opens=today - datetime.timedelta(days=5),
            closes=today + datetime.timedelta(days=45),
            capacity=4,
        )
        desks = [
            Desk.objects.get_or_create(
                center=center,
                code=f"A{i:02d}",
                defaults={"region_id": center.region_id, "area": Decimal("6.5")},
            )[0]
            for i in range(1, 9)
        ]
        orgs = list(
            SocialOrganization.objects.filter(
                region__code__startswith=center.region_id, stage__in=["startup", "transition"]
            ).order_by("pk")[:4]
        )
        plan = [
            (past, S.GRADUATED),
            (past, S.GRADUATED),
            (past, S.INCUBATING),
            (current, S.INCUBATING),
            (current, S.ADMITTED),
            (current, S.WAITLISTED),
            (current, S.ELIGIBLE),
            (current, S.SUBMITTED),
            (current, S.INELIGIBLE),
        ]
        categories = list(PLANS)
        for i, (round_, target) in enumerate(plan):
            org = orgs[i] if i < len(orgs) else None
            app = _apply(
                actor,
                round_,
                org=org,
                founding="" if org else FOUNDING_TEAMS[i % len(FOUNDING_TEAMS)],
                category=categories[i % len(categories)],
            )
            start = (
                round_.closes_on + datetime.timedelta(days=14)
                if round_ == past
                else today - datetime.timedelta(days=5)
            )
            _advance(
                actor,
                app,
                target,
                desks[i] if target in {S.INCUBATING, S.GRADUATED} else None,
                start,
            )
            created += 1
    street = (
        Center.objects.filter(level=CenterLevel.STREET, region__code__startswith="420102")
        .order_by("region_id")
        .first()
    )
    team = (
        ActivityTeam.objects.filter(
            status=FilingStatus.FILED, region__code__startswith=street.region_id
        ).first()
        if street
        else None
    )
    if street and team:
        grassroots = _ensure_program(actor, street, "社区社会组织基层孵化", "grassroots")
        round_ = _ensure_round(
            actor,
            grassroots,
            name=f"{today.year} 年基层孵化",
            opens=today - datetime.timedelta(days=20),
            closes=today + datetime.timedelta(days=40),
            capacity=10,
        )
        app = _apply(
            actor,
            round_,
            team=team,
            category=team.category if team.category in PLANS else "elderly",
        )
        _advance(actor, app, S.INCUBATING, None, today - datetime.timedelta(days=10))
        created += 1
    return created
