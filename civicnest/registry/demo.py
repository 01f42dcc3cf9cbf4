"""Demo registry: a few hundred organizations and filed teams spread over Wuhan, with valid codes."""

from __future__ import annotations

import datetime
from decimal import Decimal

from civicnest.accounts.models import User
from civicnest.core.validators import uscc_build
from civicnest.network.models import Center, CenterLevel
from civicnest.regions.models import Region, RegionLevel
from civicnest.registry import services
from civicnest.registry.models import (
    ActivityTeam,
    AnnualReport,
    Category,
    CreditKind,
    FilingStatus,
    OrgType,
    SocialOrganization,
    Stage,
)

WORDS = [
    "和谐",
    "阳光",
    "暖心",
    "同心",
    "益家",
    "春晖",
    "邻里",
    "启明",
    "彩虹",
    "心语",
    "安康",
    "乐龄",
    "博爱",
    "众益",
    "善行",
    "知音",
    "晨曦",
    "惠民",
    "green",
    "大爱",
    "守望",
    "四季",
    "向日葵",
    "微光",
    "同行",
]
KINDS: list[tuple[str, str, str]] = [  # category, legal type, name suffix
    (Category.ELDERLY, OrgType.SOCIAL_SERVICE, "为老服务中心"),
    (Category.GOVERNANCE, OrgType.SOCIAL_SERVICE, "社工服务中心"),
    (Category.DISABILITY, OrgType.SOCIAL_SERVICE, "助残服务社"),
    (Category.CHILDREN, OrgType.SOCIAL_SERVICE, "青少年成长服务中心"),
    (Category.LEGAL, OrgType.SOCIAL_SERVICE, "法律服务中心"),
    (Category.PSYCHOLOGY, OrgType.SOCIAL_SERVICE, "心理健康服务中心"),
    (Category.MEDIATION, OrgType.SOCIAL_GROUP, "人民调解协会"),
    (Category.ENVIRONMENT, OrgType.SOCIAL_GROUP, "环保志愿者协会"),
    (Category.CULTURE_SPORTS, OrgType.SOCIAL_GROUP, "文体协会"),
    (Category.VOLUNTEER, OrgType.SOCIAL_GROUP, "志愿者协会"),
    (Category.POVERTY, OrgType.FOUNDATION, "慈善基金会"),
    (Category.EDUCATION, OrgType.SOCIAL_SERVICE, "社区教育服务中心"),
    (Category.HEALTH, OrgType.SOCIAL_SERVICE, "健康促进服务中心"),
]
TEAM_KINDS = [
    ("夕阳红合唱团", Category.CULTURE_SPORTS),
    ("书画社", Category.CULTURE_SPORTS),
    ("广场舞队", Category.CULTURE_SPORTS),
    ("老年协会", Category.ELDERLY),
    ("志愿服务队", Category.VOLUNTEER),
    ("巡逻队", Category.GOVERNANCE),
    ("读书会", Category.EDUCATION),
    ("环保小分队", Category.ENVIRONMENT),
    ("太极拳队", Category.CULTURE_SPORTS),
    ("调解小组", Category.MEDIATION),
]
ORGS_PER_DISTRICT = {"420102": 40, "420106": 40}
DEFAULT_ORGS = 18
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def _org_name(district: Region, n: int) -> tuple[str, str, str]:
    category, org_type, suffix = KINDS[n % len(KINDS)]
    word = WORDS[(n * 7 + int(district.code[-2:])) % len(WORDS)]
    if word == "green":
        word = "绿色家园"
    return f"武汉市{district.name}{word}{suffix}", category, org_type


def seed_registry(actor: User) -> dict[str, int]:
    created = {"organizations": 0, "teams": 0, "reports": 0}
    districts = Region.objects.filter(level=RegionLevel.DISTRICT, code__startswith="4201").order_by(
        "code"
    )
    orgs_by_district: dict[str, list[SocialOrganization]] = {}
    for district in districts:
        streets = list(district.children.order_by("code")[:8])
        center = Center.objects.filter(region=district, level=CenterLevel.DISTRICT).first()
        orgs_by_district[district.code] = []
        for n in range(ORGS_PER_DISTRICT.get(district.code, DEFAULT_ORGS)):
            name, category, org_type = _org_name(district, n)
            if n == 0 and district.code == "420102":
                name, category, org_type = (
                    "武汉市江岸区和谐社工服务中心",
                    Category.GOVERNANCE,
                    OrgType.SOCIAL_SERVICE,
                )
            if n >= len(KINDS) * 1:
                name = name.replace("武汉市", "") + f"（{streets[n % len(streets)].name}）"
            uscc = uscc_build(
                org_type=org_type,
                region_code=district.code,
                body=f"MA{int(district.code[-2:]):02d}{n:04d}",
            )
            org = SocialOrganization.objects.filter(uscc=uscc).first()
            if org is None:
                region = streets[n % len(streets)] if n % 3 else district
                org = services.organization_create(
                    actor=actor,
                    data={
                        "name": name,
                        "uscc": uscc,
                        "org_type": org_type,
                        "legal_representative": SURNAMES[n % len(SURNAMES)] + "会长"
                        if org_type == OrgType.SOCIAL_GROUP
                        else SURNAMES[n % len(SURNAMES)] + "主任",
                        "registration_authority": f"武汉市{district.name}民政局",
                        "registered_on": datetime.date(2014 + n % 11, 1 + n % 12, 1 + n % 27),
                        "region": region,
                        "center": center,
                        "category": category,
                        "stage": [Stage.STARTUP, Stage.GROWTH, Stage.MATURE, Stage.TRANSITION][
                            n % 4
                        ],
                        "staff_count": 2 + n % 15,
                        "volunteer_count": 10 + (n * 13) % 200,
                        "party_member_count": n % 6,
                        "has_party_org": n % 6 >= 3,
                        "contact_name": SURNAMES[(n + 3) % len(SURNAMES)] + "老师",
                        "contact_phone": f"139{int(district.code[-2:]):02d}{n:06d}",
                        "address": f"武汉市{district.name}{region.name if region != district else ''}公益路 {n + 1} 号",
                        "description": f"{name}立足社区，提供{Category(category).label}领域的专业服务。",
                    },
                )
                created["organizations"] += 1
                if n % 5 == 0 and n:
                    services.organization_set_grade(
                        actor=actor,
                        organization=org,
                        grade=["3A", "4A", "5A"][n % 3],
                        valid_until=datetime.date(2029, 12, 31),
                    )
                if n % 17 == 7:
                    services.credit_record_add(
                        actor=actor,
                        organization=org,
                        kind=CreditKind.ABNORMAL_LISTED,
                        occurred_on=datetime.date(2026, 7, 1),
                        reason="未按规定报送 2025 年度工作报告",
                    )
                elif n % 11 == 4:
                    services.credit_record_add(
                        actor=actor,
                        organization=org,
                        kind=CreditKind.REWARD,
                        occurred_on=datetime.date(2025, 12, 5),
                        reason="年度优秀社会组织",
                    )
            orgs_by_district[district.code].append(org)
    for district_orgs in orgs_by_district.values():
        for i, org in enumerate(district_orgs):
            if (
                i % 4 == 3
                or org.registered_on.year > 2025
                or AnnualReport.objects.filter(organization=org, year=2025).exists()
            ):
                continue
            report = services.annual_report_submit(
                actor=actor,
                organization=org,
                data={
                    "year": 2025,
                    "activities": f"全年开展{Category(org.category).label}服务 {20 + i * 3} 场，服务 {300 + i * 41} 人次。",
                    "income": Decimal(80000 + i * 7331),
                    "expenses": Decimal(70000 + i * 6917) + Decimal("0.50"),
                    "net_assets": Decimal(20000 + i * 1000),
                    "staff_count": org.staff_count,
                    "member_count": 10 + i,
                },
            )
            created["reports"] += 1
            if i % 2 == 0:
                services.annual_report_review(
                    actor=actor, report=report, result=["pass", "pass", "basic"][i % 3]
                )
    created["teams"] = _seed_teams(actor)
    return created


def _seed_teams(actor: User) -> int:
    count = 0
    for district_code in ("420102", "420106", "420103", "420111"):
        communities = Region.objects.filter(
            level=RegionLevel.COMMUNITY, code__startswith=district_code
        ).order_by("code")[:25]
        for i, community in enumerate(communities):
            for j in range(2):
                suffix, category = TEAM_KINDS[(i + j * 3) % len(TEAM_KINDS)]
                name = f"{community.name.removesuffix('社区居委会').removesuffix('居委会').removesuffix('社区')}社区{suffix}"
                if ActivityTeam.objects.filter(region=community, name=name).exists():
                    continue
                team = services.team_submit(
                    actor=actor,
                    data={
                        "name": name,
                        "kind": "community_org"
                        if suffix in {"老年协会", "志愿服务队"}
                        else "activity_team",
                        "category": category,
                        "region": community,
                        "responsible_person": SURNAMES[(i + j) % len(SURNAMES)] + "阿姨",
                        "contact_phone": f"136{int(community.code[-6:]):06d}{j:02d}"[:11],
                        "venue": f"{community.name}活动室",
                        "member_count": 12 + (i * 7 + j) % 40,
                        "funds": Decimal(500 * (i % 5)),
                        "activity_area": community.name,
                        "charter": "每周固定时间活动，成员自愿参加，经费公开。",
                    },
                )
                count += 1
                step = (i + j) % 6
                if step <= 3:
                    services.team_transition(actor=actor, team=team, to=FilingStatus.FILED)
                elif step == 4:
                    services.team_transition(
                        actor=actor,
                        team=team,
                        to=FilingStatus.RETURNED,
                        reason="请补充成员名单和活动场所使用证明",
                    )
    return count
