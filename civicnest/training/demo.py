"""Demo rooms, bookings, courses, events and a talent pool for the two demo districts and the city center."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from stdnum.cn import ric

from civicnest.accounts.models import User
from civicnest.core.validators import validate_id_number
from civicnest.network.models import Center, CenterLevel
from civicnest.regions.models import Region
from civicnest.registry.models import SocialOrganization
from civicnest.training import services as training
from civicnest.training.models import Volunteer
from civicnest.venues import services as venues
from civicnest.venues.models import Room

ROOMS = [
    ("多功能厅", 80, "投影、音响、话筒 4 支", False),
    ("一号会议室", 20, "电视屏、白板", False),
    ("培训教室", 40, "投影、可移动桌椅", False),
    ("路演厅", 120, "LED 屏、舞台灯光", True),
    ("内部办公室", 8, "", False),
]
COURSES = [
    ("社会组织登记与年报实务", "registration"),
    ("公益项目设计与评估", "project_design"),
    ("社会组织财务管理", "finance"),
    ("小组工作方法", "social_work"),
]
EVENTS = [
    ("forum", "社区治理创新公益论坛", "邀请街道、社区、社会组织和社工代表交流“三社联动”经验。"),
    ("showcase", "优秀社会组织风采展示", "展示年度优秀社会组织和公益项目成果。"),
    ("fair", "社会组织与爱心企业对接会", "促成企业与社会组织的项目合作。"),
]
NAMES = [
    "张晓燕",
    "李建国",
    "王丽华",
    "陈志强",
    "刘海燕",
    "杨文静",
    "赵红梅",
    "周明",
    "吴子涵",
    "孙秀英",
]


def _id_number(n: int, district: str) -> str:
    base = f"{district}{1983 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{100 + n:03d}"[:17]

    return validate_id_number(base + ric.calc_check_digit(base + "0"))


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def seed_training(actor: User) -> dict[str, int]:
    if Room.objects.exists():
        return {}
    counts = {"rooms": 0, "bookings": 0, "courses": 0, "events": 0, "volunteers": 0}
    centers = list(
        Center.objects.filter(
            level__in=[CenterLevel.CITY, CenterLevel.DISTRICT],
            region__code__in=["4201", "420102", "420106"],
            center_type__in=["service_center", "incubation_base"],
        ).order_by("region_id")
    )
    for c_index, center in enumerate(centers):
        rooms = []
        for name, capacity, equipment, approval in ROOMS:
            rooms.append(
                venues.room_create(
                    actor=actor,
                    center=center,
                    data={
                        "name": name,
                        "capacity": capacity,
                        "area": Decimal(capacity * 2),
                        "equipment": equipment,
                        "requires_approval": approval,
                        "open_to": "staff" if name == "内部办公室" else "everyone",
                    },
                )
            )
            counts["rooms"] += 1
        orgs = list(
            SocialOrganization.objects.filter(region__code__startswith=center.region_id).order_by(
                "pk"
            )[:6]
        )
        for day in range(1, 15):
            for slot, hour in enumerate((9, 14, 19)):
                if (day + slot + c_index) % 3:
                    continue
                room = rooms[(day + slot) % 2]  # the training room (index 2) is left to the courses
                org = orgs[(day + slot) % len(orgs)] if orgs else None
                venues.booking_create(
                    actor=actor,
                    room=room,
                    start=_at(day, hour),
                    end=_at(day, hour + 2),
                    purpose=["志愿者培训", "项目研讨会", "社区议事会", "亲子阅读活动"][
                        (day + slot) % 4
                    ],
                    attendance=min(room.capacity, 15 + day),
                    organization=org,
                )
                counts["bookings"] += 1
        for i, (title, topic) in enumerate(COURSES):
            course = training.course_create(
                actor=actor,
                center=center,
                data={
                    "title": title,
                    "topic": topic,
                    "trainers": ["李老师", "王教授", "陈会计师", "刘督导"][i],
                    "description": f"{center.name}面向社会组织负责人和社工开设的{title}课程。",
                },
            )
            counts["courses"] += 1
            for week in range(2):
                start = _at(3 + i * 2 + week * 7, 14)
                training.session_create(
                    actor=actor,
                    course=course,
                    data={
                        "starts_at": start,
                        "ends_at": start + datetime.timedelta(hours=2),
                        "capacity": 30,
                        "room": rooms[2] if week == 0 and i % 2 == 0 else None,
                        "location": "" if week == 0 and i % 2 == 0 else "中心二楼培训室",
                    },
                )
        for kind, title, description in EVENTS:
            event = training.event_create(
                actor=actor,
                center=center,
                data={
                    "kind": kind,
                    "title": f"{title}（{center.region.name}）",
                    "description": description,
                    "starts_at": _at(10 + counts["events"], 9),
                    "ends_at": _at(10 + counts["events"], 12),
                    "location": f"{center.name}路演厅",
                    "capacity": 100,
                },
            )
            training.event_update(actor=actor, event=event, data={"status": "published"})
            counts["events"] += 1
    for n in range(20):
        district = "420102" if n % 2 else "420106"
        volunteer = training.volunteer_register(
            actor=actor,
            data={
                "kind": "social_worker" if n % 3 == 0 else "volunteer",
                "name": NAMES[n % len(NAMES)] + ("" if n < 10 else "二"),
                "id_number": _id_number(n, district),
                "phone": f"137{n:08d}",
                "region": Region.objects.get(code=district),
                "certificate_level": ["intermediate", "", "", "assistant"][n % 4]
                if n % 3 == 0
                else "",
                "skills": ["心理疏导", "法律咨询", "儿童陪伴", "摄影宣传", "急救培训"][n % 5],
                "availability": "周末全天",
            },
        )
        counts["volunteers"] += 1
        logged = training.service_hour_record(
            actor=actor,
            volunteer=volunteer,
            data={
                "activity": "社区助老服务",
                "served_on": timezone.localdate() - datetime.timedelta(days=n + 1),
                "hours": Decimal(2 + n % 4),
            },
        )
        staff = User.objects.filter(
            username=f"{'jiangan' if district == '420102' else 'wuchang'}_staff"
        ).first()
        if staff and n % 2 == 0:
            training.service_hour_verify(actor=staff, hour=logged, approve=True)
    volunteer_user = User.objects.filter(username="jiangan_volunteer").first()
    if volunteer_user and not Volunteer.objects.filter(user=volunteer_user).exists():
        Volunteer.objects.filter(region_id="420102", user__isnull=True).order_by("pk").filter(
            pk=Volunteer.objects.filter(region_id="420102", user__isnull=True)
            .order_by("pk")
            .values("pk")[:1]
        ).update(user=volunteer_user)
    return counts
