"""The demo city: Wuhan's real region tree, a four-level network of centers, staff, and one user per role
in two districts. Deterministic and idempotent: a second run finds everything in place and changes nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.services import notify
from civicnest.disclosure.demo import seed_disclosure
from civicnest.evaluation.demo import seed_evaluation
from civicnest.governance.demo import seed_governance
from civicnest.incubation.demo import seed_incubation
from civicnest.incubation.models import Application
from civicnest.matching.demo import seed_matching
from civicnest.matching.models import Need, ServiceOffering
from civicnest.network.models import (
    Center,
    CenterLevel,
    CenterStaff,
    CenterType,
    Employment,
    OperationMode,
    SocialWorkerLevel,
    StaffPosition,
)
from civicnest.network.services import center_create, staff_create
from civicnest.philanthropy.demo import seed_philanthropy
from civicnest.regions.loader import load_city
from civicnest.regions.models import Region, RegionLevel
from civicnest.registry.demo import seed_registry
from civicnest.registry.models import ActivityTeam, AnnualReport, SocialOrganization
from civicnest.stats import rollup
from civicnest.training.demo import seed_training
from civicnest.training.models import Course, Event, Volunteer
from civicnest.venues.models import Booking, Room

CITY = "4201"
DEMO_DISTRICTS = {"420102": "jiangan", "420106": "wuchang"}
STREETS_PER_DISTRICT = {"420102": 6, "420106": 6}  # the two demo districts get more street centers
DEFAULT_STREETS = 2
COMMUNITIES_PER_STREET = 2

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
    "建国",
    "文静",
    "志强",
    "晓燕",
    "海燕",
    "红梅",
    "玉兰",
    "建华",
    "春梅",
    "子涵",
]


def person_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7 + n // len(SURNAMES)) % len(GIVEN)]


def phone_number(n: int) -> str:
    return f"13{(n * 37) % 10}{(n * 7919 + 12345678) % 100000000:08d}"


@dataclass
class DemoReport:
    regions_created: int = 0
    centers_created: int = 0
    staff_created: int = 0
    users_created: int = 0
    registry: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)


def _admin() -> tuple[User, bool]:
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"full_name": "系统管理员", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(settings.CIVICNEST_DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    return admin, created


def _ensure_center(actor: User, report: DemoReport, **data: Any) -> Center:
    existing = Center.objects.filter(region=data["region"], name=data["name"]).first()
    if existing is not None:
        return existing
    center = center_create(actor=actor, data=data)
    report.centers_created += 1
    for i in range(2 + center.pk % 3):
        n = center.pk * 5 + i
        staff_create(
            actor=actor,
            center=center,
            data={
                "name": person_name(n),
                "position": [
                    StaffPosition.DIRECTOR,
                    StaffPosition.SOCIAL_WORKER,
                    StaffPosition.PROJECT_LEAD,
                    StaffPosition.FINANCE,
                ][i % 4],
                "employment": Employment.FULL_TIME if i < 2 else Employment.PART_TIME,
                "social_worker_level": [
                    SocialWorkerLevel.INTERMEDIATE,
                    SocialWorkerLevel.ASSISTANT,
                    SocialWorkerLevel.NONE,
                    SocialWorkerLevel.SENIOR,
                ][n % 4],
                "is_party_member": n % 3 == 0,
                "phone": phone_number(n),
                "joined_on": datetime.date(2016 + n % 8, 1 + n % 12, 1 + n % 28),
            },
        )
        report.staff_created += 1
    return center


def _build_network(actor: User, report: DemoReport) -> dict[str, Center]:
    """City → district → street → community centers; returns the district centers by code."""
    city = Region.objects.get(code=CITY)
    city_center = _ensure_center(
        actor,
        report,
        name="武汉市社会组织服务中心",
        center_type=CenterType.SERVICE_CENTER,
        level=CenterLevel.CITY,
        region=city,
        address="武汉市江岸区沿江大道 188 号",
        premises_area=Decimal("2400.00"),
        contact_name="王主任",
        contact_phone="13871000001",
        opening_hours="周一至周五 9:00–17:30",
        opening_date=datetime.date(2015, 6, 1),
        operation_mode=OperationMode.COMMISSIONED,
        description="市级枢纽型平台：孵化培育、能力建设、公益创投、供需对接与信息公开。",
    )
    for name, kind in (
        ("武汉市社会组织发展基金会", CenterType.DEVELOPMENT_FOUNDATION),
        ("武汉市社会组织促进会", CenterType.PROMOTION_ASSOCIATION),
    ):
        _ensure_center(
            actor,
            report,
            name=name,
            center_type=kind,
            level=CenterLevel.CITY,
            region=city,
            parent=city_center,
            premises_area=Decimal("300.00"),
            opening_hours="周一至周五 9:00–17:00",
        )
    district_centers: dict[str, Center] = {}
    for district in Region.objects.filter(level=RegionLevel.DISTRICT, parent=city).order_by("code"):
        dc = _ensure_center(
            actor,
            report,
            name=f"{district.name}社会组织孵化中心",
            center_type=CenterType.INCUBATION_BASE,
            level=CenterLevel.DISTRICT,
            region=district,
            parent=city_center,
            address=f"武汉市{district.name}公益路 {int(district.code[-2:]) * 3} 号",
            premises_area=Decimal(600 + int(district.code[-2:]) * 25),
            contact_name=person_name(int(district.code)),
            contact_phone=phone_number(int(district.code)),
            opening_hours="周一至周六 9:00–18:00",
            opening_date=datetime.date(2016, 3, 1),
            operation_mode=OperationMode.COMMISSIONED,
        )
        district_centers[district.code] = dc
        streets = district.children.order_by("code")[
            : STREETS_PER_DISTRICT.get(district.code, DEFAULT_STREETS)
        ]
        for street in streets:
            sc = _ensure_center(
                actor,
                report,
                name=f"{street.name}社会组织促进中心",
                center_type=CenterType.STREET_PROMOTION_CENTER,
                level=CenterLevel.STREET,
                region=street,
                parent=dc,
                premises_area=Decimal(120 + int(street.code[-3:]) % 90),
                opening_hours="周一至周五 8:30–17:30",
                address=f"{district.name}{street.name}党群服务中心",
            )
            for community in street.children.order_by("code")[:COMMUNITIES_PER_STREET]:
                _ensure_center(
                    actor,
                    report,
                    name=f"{community.name}社区社会组织服务站",
                    center_type=CenterType.COMMUNITY_SERVICE_CENTER,
                    level=CenterLevel.COMMUNITY,
                    region=community,
                    parent=sc,
                    premises_area=Decimal(40 + int(community.code[-3:]) % 60),
                    opening_hours="周一至周日 9:00–17:00",
                    address=f"{community.name}居委会一楼",
                )
    return district_centers


def _ensure_user(
    report: DemoReport,
    *,
    username: str,
    full_name: str,
    role: str,
    region: Region,
    center: Center | None = None,
    organization: SocialOrganization | None = None,
) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": full_name, "email": f"{username}@demo.civicnest.local"},
    )
    if created:
        user.set_password(settings.CIVICNEST_DEMO_PASSWORD)
        user.save(update_fields=["password"])
        report.users_created += 1
        notify(
            event="welcome",
            recipients=[user],
            title="欢迎使用 CivicNest 社会组织孵化与服务平台",
            body=f"您的角色：{Role(role).label}（{region.name}）。",
            url="/",
        )
    RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        region=region,
        defaults={"center": center, "organization": organization},
    )
    report.logins.append(
        (username, f"{Role(role).label} · {region.name}" + (f" · {center.name}" if center else ""))
    )
    return user


@transaction.atomic
def seed_demo() -> DemoReport:
    report = DemoReport()
    report.regions_created = load_city(CITY).created
    admin, _ = _admin()
    report.logins.append(("admin", "系统管理员（全部区划，可进入管理后台）"))
    district_centers = _build_network(admin, report)
    report.registry = seed_registry(admin)
    report.registry["incubation_applications"] = seed_incubation(admin)
    city = Region.objects.get(code=CITY)
    city_center = Center.objects.get(region=city, name="武汉市社会组织服务中心")
    _ensure_user(
        report, username="city_officer", full_name="赵局长", role=Role.BUREAU_OFFICER, region=city
    )
    _ensure_user(
        report,
        username="city_staff",
        full_name="钱主任",
        role=Role.CENTER_STAFF,
        region=city,
        center=city_center,
    )
    for code, key in DEMO_DISTRICTS.items():
        district = Region.objects.get(code=code)
        street_center = (
            Center.objects.filter(level=CenterLevel.STREET, parent=district_centers[code])
            .order_by("region_id")
            .first()
        )
        community = (
            Region.objects.filter(
                level=RegionLevel.COMMUNITY, code__startswith=street_center.region_id
            )
            .order_by("code")
            .first()
            if street_center
            else None
        )
        _ensure_user(
            report,
            username=f"{key}_officer",
            full_name=f"{district.name}民政局干部",
            role=Role.BUREAU_OFFICER,
            region=district,
        )
        _ensure_user(
            report,
            username=f"{key}_staff",
            full_name=f"{district.name}中心社工",
            role=Role.CENTER_STAFF,
            region=district,
            center=district_centers[code],
        )
        if street_center is not None:
            _ensure_user(
                report,
                username=f"{key}_street_staff",
                full_name=f"{street_center.region.name}专干",
                role=Role.CENTER_STAFF,
                region=street_center.region,
                center=street_center,
            )
        _ensure_user(
            report,
            username=f"{key}_org",
            full_name=f"{district.name}公益机构负责人",
            role=Role.ORG_REP,
            region=district,
            organization=SocialOrganization.objects.filter(region__code__startswith=code)
            .order_by("pk")
            .first(),
        )
        _ensure_user(
            report,
            username=f"{key}_funder",
            full_name=f"{district.name}爱心企业",
            role=Role.FUNDER,
            region=district,
        )
        _ensure_user(
            report,
            username=f"{key}_expert",
            full_name=f"{district.name}评审专家",
            role=Role.EXPERT,
            region=district,
        )
        _ensure_user(
            report,
            username=f"{key}_resident",
            full_name=f"{district.name}居民",
            role=Role.RESIDENT,
            region=community or district,
        )
        _ensure_user(
            report,
            username=f"{key}_volunteer",
            full_name=f"{district.name}志愿者",
            role=Role.VOLUNTEER,
            region=district,
        )
    report.registry.update(seed_training(admin))
    report.registry.update(seed_matching(admin))
    report.registry["topics"] = seed_governance(admin)
    report.registry.update(seed_disclosure(admin))
    report.registry.update(seed_philanthropy(admin))
    report.registry.update(seed_evaluation(admin))
    # The dashboards read the monthly roll-up, as in production where cron refreshes it.

    report.registry["stats_rollup_months"] = len(rollup.refresh(rollup.retained_months()))
    return report


def demo_counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "centers": Center.objects.count(),
        "staff": CenterStaff.objects.count(),
        "users": User.objects.count(),
        "role_assignments": RoleAssignment.objects.count(),
        "organizations": SocialOrganization.objects.count(),
        "teams": ActivityTeam.objects.count(),
        "annual_reports": AnnualReport.objects.count(),
        "incubation_applications": Application.objects.count(),
        "rooms": Room.objects.count(),
        "bookings": Booking.objects.count(),
        "courses": Course.objects.count(),
        "events": Event.objects.count(),
        "volunteers": Volunteer.objects.count(),
        "offerings": ServiceOffering.objects.count(),
        "needs": Need.objects.count(),
    }
