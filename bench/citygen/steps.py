"""The generator's steps: the regions (Shanghai, or a province of Hebei's cities), users, centers,
organizations, teams, offerings, needs, matches (with their service records), rooms and bookings; the
venture-philanthropy projects and their ledgers are in projects.py. See core.py for how steps are registered.

To add a step: write `@step("name", after=(...))` in a module of this package, import it at the end of this
file, add its tables to GENERATED (children first) and its count to the scales and to the test.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import json
import re
from array import array
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any, overload

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Q

from bench.citygen.core import NOW, TODAY, Context, local, step
from bench.citygen.vocab import (
    APPLY,
    BRANDS,
    HOURS,
    KINDS,
    NEED_CLOSERS,
    NEED_OPENERS,
    PURPOSES,
    SCHEDULES,
    USCC_ALPHABET,
    WEEKDAYS,
    WORDS,
    RoomPlan,
    person,
    place_booking,
    room_kinds,
    weighted,
)
from civicnest.accounts.models import RoleAssignment, User
from civicnest.core.validators import uscc_build
from civicnest.matching.models import Match, Need, ServiceOffering
from civicnest.network.models import Center, CenterStaff
from civicnest.philanthropy.models import Tender
from civicnest.regions.loader import DATA_DIR, load_city
from civicnest.regions.models import Region, RegionLevel
from civicnest.registry.models import ActivityTeam, SocialOrganization
from civicnest.registry.search import pinyin_full, pinyin_initials
from civicnest.venues.models import Booking, Room
from civicnest.venues.services import ROOM_FIELDS

CITY = "3101"  # 上海市: the city scale's geography
CITY_NAME = "上海市"
EVALUATION = Path(settings.BASE_DIR) / "data" / "matching"
WUHAN_WORDS = {"江城", "楚天", "汉风", "东湖", "长江", "黄鹤", "晴川", "琴台", "知音桥", "知音"}
SH_WORDS = [w for w in WORDS if w not in WUHAN_WORDS] + [
    "申城",
    "浦江",
    "海上",
    "东方",
    "明珠",
    "滨江",
    "新绿",
    "梧桐",
    "玉兰",
    "弄堂",
]
ROADS = ["南京路", "淮海路", "四川北路", "衡山路", "世纪大道", "张杨路", "曹杨路", "共和新路"]
ROADS += ["中山北路", "延安西路", "漕宝路", "沪太路", "虹桥路", "长寿路", "控江路", "浦东大道"]
HB_WORDS = [w for w in WORDS if w not in WUHAN_WORDS] + [
    "燕赵",
    "冀中",
    "太行",
    "滹沱",
    "渤海",
    "长城",
    "燕山",
    "白洋淀",
    "冀韵",
    "慈善",
]
HB_ROADS = ["中山路", "建设大街", "胜利大街", "和平路", "解放路", "人民路", "新华路", "友谊大街"]
HB_ROADS += ["裕华路", "北二环路", "光明路", "育才街", "朝阳路", "团结路", "五一路", "长江大道"]
# The cities' telephone area codes (the matching texts' Wuhan 027- becomes the district's city's).
HB_AREA = {"1301": "0311", "1302": "0315", "1303": "0335", "1304": "0310", "1305": "0319"}
HB_AREA |= {"1306": "0312", "1307": "0313", "1308": "0314", "1309": "0317", "1310": "0316"}
HB_AREA |= {"1311": "0318"}


@dataclass(frozen=True)
class Geography:
    """Where the generated platform runs: one city (its code is the top) or a province of several cities
    (the province code is the top; each city gets a city-level center, its officer and its fund)."""

    code: str  # the top region: a city (4 digits) or a province (2)
    cities: tuple[str, ...]
    prefix: str  # of usernames (sh_resident_00001) and fund codes (SHF, SH01F)
    nickname: str  # 武汉's 江城 in the matching texts becomes this
    words: list[str]
    roads: list[str]
    area_codes: dict[str, str]  # city → telephone area code

    @property
    def is_province(self) -> bool:
        return len(self.code) == 2


GEOGRAPHIES = {
    "shanghai": Geography(
        code=CITY,
        cities=(CITY,),
        prefix="sh",
        nickname="申城",
        words=SH_WORDS,
        roads=ROADS,
        area_codes={CITY: "021"},
    ),
    "hebei": Geography(
        code="13",
        cities=tuple(sorted(HB_AREA)),
        prefix="hb",
        nickname="燕赵",
        words=HB_WORDS,
        roads=HB_ROADS,
        area_codes=HB_AREA,
    ),
}


TEAM_PREFIXES = [
    "夕阳红",
    "银发",
    "快乐",
    "和美",
    "金色年华",
    "邻里",
    "阳光",
    "康乐",
    "百合",
    "彩虹",
]
TEAM_PREFIXES += [
    "乐龄",
    "晚晴",
    "同心",
    "睦邻",
    "向日葵",
    "春风",
    "红枫",
    "欣欣",
    "石榴籽",
    "幸福",
]
# (activity, category, kind): what residents' teams do.
TEAM_ACTIVITIES = (
    ("舞蹈队", "culture_sports", "activity_team"),
    ("合唱团", "culture_sports", "activity_team"),
    ("太极拳队", "culture_sports", "activity_team"),
    ("书画社", "culture_sports", "activity_team"),
    ("读书会", "education", "activity_team"),
    ("沪剧沙龙", "culture_sports", "activity_team"),
    ("编织社", "culture_sports", "activity_team"),
    ("乒乓球队", "culture_sports", "activity_team"),
    ("健步走队", "health", "activity_team"),
    ("摄影社", "culture_sports", "activity_team"),
    ("志愿服务队", "volunteer", "community_org"),
    ("为老互助会", "elderly", "community_org"),
    ("睦邻调解队", "mediation", "community_org"),
    ("垃圾分类宣传队", "environment", "community_org"),
    ("楼组自治小组", "governance", "community_org"),
    ("助残关爱小组", "disability", "community_org"),
    ("四点半课堂志愿队", "children", "community_org"),
    ("平安巡逻队", "governance", "community_org"),
)
VENUE_WORDS = ["居委会活动室", "社区睦邻点", "党群服务站", "小区广场", "社区文化活动中心"]
REASONS = ["服务类别相符", "服务区域覆盖该社区", "服务对象相符", "本月尚有服务能力", "评价较好"]
DECLINES = ["本月服务名额已满", "服务区域暂不覆盖", "项目已结束", "人手不足"]
COMMENTS = ["服务很周到，谢谢！", "社工很耐心", "希望以后多开展", "时间安排有点紧", "很实用", ""]
OPEN_TO = (("everyone", 85), ("organizations", 10), ("staff", 5))


def short_name(name: str) -> str:
    """三门路居委会 → 三门路 (committee suffixes dropped when a name is used inside another name)."""
    return re.sub(r"(居民委员会|村民委员会|社区居委会|居委会|村委会)$", "", name)


def phone(rng: Any) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def days_ago(rng: Any, low: int, high: int) -> datetime.datetime:
    """A moment between `low` and `high` days before the generator's fixed NOW."""
    return NOW - datetime.timedelta(days=rng.randrange(low, high), minutes=rng.randrange(24 * 60))


class Places:
    """The geography's cities, districts with ordinary streets (code < 400; Shanghai ~215), and communities
    as loaded."""

    def __init__(self, geo: Geography, cities: tuple[str, ...]) -> None:
        self.geo = geo
        self.top = geo.code
        self.cities = list(cities)
        query = Q(code=geo.code)
        for city in cities:
            query |= Q(code__startswith=city)
        rows = Region.objects.filter(query).values_list("code", "name", "level")
        self.names: dict[str, str] = {}
        self.districts: list[str] = []
        self.streets: dict[str, list[str]] = defaultdict(list)  # by district
        self.communities: dict[str, list[str]] = defaultdict(list)  # by street
        for code, name, level in sorted(rows):
            self.names[code] = name
            if level == RegionLevel.DISTRICT:
                self.districts.append(code)
            elif level == RegionLevel.STREET and code[6:9] < "400":
                self.streets[code[:6]].append(code)
            elif level == RegionLevel.COMMUNITY:
                self.communities[code[:9]].append(code)
        # A province's development zones have no ordinary streets: nothing is generated in them.
        self.districts = [d for d in self.districts if self.streets[d]]
        self.all_streets = [s for d in self.districts for s in self.streets[d]]
        self.all_communities = [c for s in self.all_streets for c in self.communities[s]]
        self.district_communities: dict[str, list[str]] = {
            d: [c for s in self.streets[d] for c in self.communities[s]] for d in self.districts
        }
        # Where the top-level centers, officers and funds are: the city, or each city of the province.
        self.tops = self.cities if geo.is_province else [self.top]

    def city_name(self, code: str) -> str:
        """上海市 for a Shanghai region, 石家庄市 for a region of Shijiazhuang."""
        return self.names[code[:4]]

    def label(self, code: str) -> str:
        """A region's name as it stands alone: 黄浦区 in Shanghai, 石家庄市长安区 in a province (district
        names repeat between its cities)."""
        if self.geo.is_province and len(code) > 4:
            return f"{self.city_name(code)}{self.names[code]}"
        return self.names[code]

    def streets_under(self, code: str) -> list[str]:
        return [s for s in self.all_streets if s.startswith(code)]


URBAN = [
    "和平",
    "建设",
    "胜利",
    "新华",
    "光明",
    "友谊",
    "幸福",
    "东风",
    "红旗",
    "民主",
    "团结",
    "育才",
]
URBAN += [
    "花园",
    "康乐",
    "振兴",
    "文化",
    "朝阳",
    "青年",
    "前进",
    "富强",
    "裕华",
    "长安",
    "翠屏",
    "金桥",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
VILLAGE_ENDS = ["庄", "家庄", "营", "村", "屯", "堡", "店", "寨", "官庄", "家营", "辛庄", "家屯"]
SIDES = ["", "", "", "东", "西", "南", "北", "前", "后", "大", "小"]


def synthesize_communities(ctx: Context, geo: Geography, cities: tuple[str, ...]) -> int:
    """`ctx.scale.communities` communities spread over the cities' ordinary streets that have none: a street
    (街道) gets residents' committees (code 001…, 社区居委会), a town or township villages (code 200…, 村委会,
    about 2.5 times as many). Nothing when they are already there (the regions are kept between runs)."""
    target = ctx.scale.communities
    if not target:
        return 0
    places = Places(geo, cities)
    bare = [s for s in places.all_streets if not places.communities[s]]
    if not bare:
        return 0
    rng = ctx.rng("regions")
    urban = {s: places.names[s].endswith("街道") for s in bare}
    weights = [rng.uniform(0.6, 1.4) * (1.0 if urban[s] else 2.5) for s in bare]
    raw = [max(1.0, target * w / sum(weights)) for w in weights]
    counts = [int(r) for r in raw]
    deficit = max(0, target - sum(counts))
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[:deficit]:
        counts[i] += 1
    table = ctx.table(Region, ["code", "name", "level", "parent_id"])
    for street, count in zip(bare, counts, strict=True):
        used: set[str] = set()
        for n in range(count):
            for _ in range(100):
                if urban[street]:
                    name = f"{rng.choice(SIDES)}{rng.choice(URBAN)}{rng.choice(('', '里', '路', '街', '苑'))}社区居委会"
                else:
                    name = (
                        f"{rng.choice(SIDES)}{rng.choice(SURNAMES)}{rng.choice(VILLAGE_ENDS)}村委会"
                    )
                if name not in used:
                    break
            else:  # pragma: no cover - a street of hundreds of villages
                name = f"第{n + 1}村委会"
            used.add(name)
            code = f"{street}{(1 if urban[street] else 200) + n:03d}"
            table.add(code, name, RegionLevel.COMMUNITY, street)
    table.flush()
    return table.written


# -- regions and people -----------------------------------------------------------------------------
@step("regions")
def regions(ctx: Context) -> None:
    geo = GEOGRAPHIES[ctx.scale.geography]
    cities = ctx.scale.cities or geo.cities
    created = unchanged = 0
    for city in cities:
        result = load_city(city)
        created, unchanged = created + result.created, unchanged + result.unchanged
    synthesized = synthesize_communities(ctx, geo, cities)
    places = Places(geo, cities)
    ctx.data["places"] = places
    ctx.counts["cities"] = len(places.cities)
    ctx.counts["districts"] = len(places.districts)
    ctx.counts["streets"] = len(places.all_streets)
    ctx.counts["communities"] = len(places.all_communities)
    ctx.log(
        f"    regions loaded: {created} new, {unchanged} unchanged, {synthesized} communities synthesized"
    )


class Users:
    """Writes users and their role assignments together; every generated user can sign in with the demo
    password (CIVICNEST_DEMO_PASSWORD), so the load test can log in as any of them."""

    def __init__(self, ctx: Context) -> None:
        # A fixed salt: the same seed gives byte-identical rows.
        self.password = ctx.data.get("password_hash") or make_password(
            settings.CIVICNEST_DEMO_PASSWORD, salt=f"citygen{ctx.seed}"
        )
        ctx.data["password_hash"] = self.password
        self.users = ctx.table(
            User, ["username", "full_name", "phone", "password", "date_joined", "is_active"]
        )
        self.roles = ctx.table(
            RoleAssignment, ["user_id", "role", "region_id", "center_id", "organization_id"]
        )

    def add(
        self,
        username: str,
        full_name: str,
        mobile: str,
        role: str,
        region: str,
        *,
        center: int | None = None,
        organization: int | None = None,
        joined: datetime.datetime = NOW,
    ) -> int:
        user_id = self.users.add(username, full_name, mobile, self.password, joined, True)
        self.roles.add(user_id, role, region, center, organization)
        return user_id

    def flush(self) -> None:
        self.users.flush()
        self.roles.flush()


@step("users", after=("regions",))
def users(ctx: Context) -> None:
    """Bureau officers (the city and each district) and residents bound to their communities."""
    rng = ctx.rng("users")
    places: Places = ctx.data["places"]
    p = places.geo.prefix
    writer = Users(ctx)
    if places.geo.is_province:  # the province's department (民政厅) and each city's bureau
        ctx.data["province_officer"] = writer.add(
            f"{p}_province_officer",
            f"{places.names[places.top]}民政厅",
            phone(rng),
            "bureau_officer",
            places.top,
        )
        ctx.data["city_officers"] = {
            c: writer.add(
                f"{p}_city_officer_{c}", f"{places.names[c]}民政局", phone(rng), "bureau_officer", c
            )
            for c in places.cities
        }
    else:
        ctx.data["city_officer"] = writer.add(
            f"{p}_city_officer",
            f"{places.names[places.top]}民政局",
            phone(rng),
            "bureau_officer",
            places.top,
        )
    ctx.data["district_officers"] = {
        d: writer.add(
            f"{p}_officer_{d}", f"{places.label(d)}民政局", phone(rng), "bureau_officer", d
        )
        for d in places.districts
    }
    residents: list[tuple[int, str]] = []
    for i in range(ctx.scale.residents):
        community = rng.choice(places.all_communities)
        uid = writer.add(
            f"{p}_resident_{i:05d}",
            person(rng),
            phone(rng),
            "resident",
            community,
            joined=days_ago(rng, 30, 900),
        )
        residents.append((uid, community))
    writer.flush()
    ctx.data["residents"] = residents
    ctx.counts["residents"] = len(residents)


# -- the platform network ----------------------------------------------------------------------------
@step("centers", after=("users",))
def centers(ctx: Context) -> None:
    """One city center, one per district and per ordinary street, and community centers (four levels),
    each with a staff user (role center_staff) and three staff records."""
    rng = ctx.rng("centers")
    places: Places = ctx.data["places"]
    table = ctx.table(
        Center,
        [
            "name",
            "center_type",
            "level",
            "region_id",
            "parent_id",
            "operation_mode",
            "address",
            "premises_area",
            "contact_name",
            "contact_phone",
            "opening_hours",
            "opening_date",
            "description",
        ],
    )
    staff = ctx.table(
        CenterStaff,
        [
            "center_id",
            "name",
            "position",
            "employment",
            "social_worker_level",
            "phone",
            "joined_on",
        ],
    )
    writer = Users(ctx)
    by_region: dict[str, int] = {}
    rows: list[tuple[int, str, str]] = []  # (id, region, level)
    staff_user: dict[int, int] = {}

    def add(region: str, level: str, kind: str, suffix: str, parent: int | None) -> int:
        name = f"{short_name(places.label(region))}{suffix}"
        if level != "city" and len(region) > 6:
            name = f"{places.label(region[:6])}{short_name(places.names[region])}{suffix}"
        center_id = table.add(
            name,
            kind,
            level,
            region,
            parent,
            rng.choice(("government", "commissioned", "commissioned", "joint")),
            f"{places.city_name(region)}{places.names.get(region[:6], '')}{rng.choice(places.geo.roads)}"
            f"{rng.randrange(1, 999)}号",
            Decimal(rng.randrange(80, 3000) if level != "community" else rng.randrange(35, 400)),
            person(rng),
            phone(rng),
            "周一至周日 9:00-21:00" if rng.random() < 0.6 else "工作日 9:00-17:30",
            datetime.date(2012, 1, 1) + datetime.timedelta(days=rng.randrange(4000)),
            f"{name}为辖区社会组织和群众活动团队提供孵化培育、能力建设、场地共享和供需对接服务。",
        )
        by_region[region] = center_id
        rows.append((center_id, region, level))
        for position, employment, level_sw in (
            ("director", "full_time", rng.choice(("", "intermediate", "senior"))),
            ("social_worker", "full_time", rng.choice(("assistant", "intermediate", ""))),
            ("admin", rng.choice(("full_time", "part_time")), ""),
        ):
            staff.add(
                center_id,
                person(rng),
                position,
                employment,
                level_sw,
                phone(rng),
                datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(3500)),
            )
        staff_user[center_id] = writer.add(
            f"{places.geo.prefix}_staff_{center_id}",
            person(rng),
            phone(rng),
            "center_staff",
            region,
            center=center_id,
        )
        return center_id

    for top in places.tops:
        add(top, "city", "service_center", "社会组织服务中心", None)
    for d in places.districts:
        add(d, "district", "service_center", "社会组织服务中心", by_region[d[:4]])
    for s in places.all_streets:
        add(s, "street", "street_promotion_center", "社会组织促进中心", by_region[s[:6]])
    communities = sorted(
        rng.sample(
            places.all_communities, min(ctx.scale.community_centers, len(places.all_communities))
        )
    )
    for c in communities:
        add(c, "community", "community_service_center", "社区社会组织服务中心", by_region[c[:9]])
    table.flush()
    staff.flush()
    writer.flush()
    ctx.data["centers"] = rows
    ctx.data["center_by_region"] = by_region
    ctx.data["staff_user"] = staff_user
    ctx.counts["centers"] = table.written
    ctx.counts["center_staff"] = staff.written


def staff_for(ctx: Context, region: str) -> int:
    """The staff user of the nearest center above `region` (its street's, else its district's)."""
    by_region: dict[str, int] = ctx.data["center_by_region"]
    for length in (12, 9, 6, 4):
        center = by_region.get(region[:length])
        if center is not None:
            return int(ctx.data["staff_user"][center])
    raise KeyError(region)


# -- registry -------------------------------------------------------------------------------------
@step("organizations", after=("centers",))
def organizations(ctx: Context) -> None:
    """Registered social organizations with valid unified social credit codes, each with a representative."""
    rng = ctx.rng("organizations")
    places: Places = ctx.data["places"]
    by_region: dict[str, int] = ctx.data["center_by_region"]
    table = ctx.table(
        SocialOrganization,
        [
            "name",
            "uscc",
            "org_type",
            "legal_representative",
            "registration_authority",
            "registered_on",
            "region_id",
            "center_id",
            "category",
            "stage",
            "grade",
            "grade_valid_until",
            "staff_count",
            "volunteer_count",
            "party_member_count",
            "has_party_org",
            "contact_name",
            "contact_phone",
            "address",
            "description",
            "status",
            "name_pinyin",
            "name_initials",
            "created_at",
            "updated_at",
        ],
    )
    writer = Users(ctx)
    seen_names: set[str] = set()
    seen_bodies: set[str] = set()
    grades = ["", "", "", "", "", "1A", "2A", "3A", "3A", "4A", "5A"]
    stages = ["startup", "growth", "growth", "mature", "mature", "transition"]
    orgs: list[tuple[int, str, str]] = []  # (id, region, category)
    reps: dict[int, int] = {}
    while len(orgs) < ctx.scale.organizations:
        district = rng.choice(places.districts)
        streets = places.streets[district]
        street = rng.choice(streets)
        category, org_type, suffix = rng.choice(KINDS)
        dname = places.names[district]
        middle = places.names[street].removesuffix("街道") if rng.random() < 0.5 else ""
        name = f"{places.city_name(district)}{dname}{middle}{rng.choice(places.geo.words)}{suffix}"
        body = "MA" + "".join(rng.choices(USCC_ALPHABET, k=6))
        if name in seen_names or body in seen_bodies:
            continue
        seen_names.add(name)
        seen_bodies.add(body)
        region = district if rng.random() < 0.5 else street
        grade = rng.choice(grades)
        party = rng.choice((0, 0, 1, 2, 3, 5, 8))
        roll = rng.random()
        created = days_ago(rng, 10, 3000)
        org_id = table.add(
            name,
            uscc_build(org_type=org_type, region_code=district, body=body),
            org_type,
            person(rng),
            registration_authority(places, org_type, district),
            datetime.date(2006, 1, 1) + datetime.timedelta(days=rng.randrange(19 * 365)),
            region,
            by_region.get(district),
            category,
            rng.choice(stages),
            grade,
            TODAY + datetime.timedelta(days=rng.randrange(30, 1800)) if grade else None,
            rng.randrange(0, 40),
            rng.randrange(0, 600),
            party,
            party >= 3,
            person(rng),
            phone(rng),
            f"{places.city_name(district)}{dname}{rng.choice(places.geo.roads)}{rng.randrange(1, 999)}号",
            f"{name}面向{dname}居民开展{suffix.removesuffix('中心').removesuffix('协会')}等公益服务。",
            "abnormal" if roll < 0.02 else "deregistered" if roll < 0.03 else "normal",
            pinyin_full(name),
            pinyin_initials(name),
            created,
            created,
        )
        orgs.append((org_id, region, category))
        reps[org_id] = writer.add(
            f"{places.geo.prefix}_org_{org_id}",
            person(rng),
            phone(rng),
            "org_rep",
            region,
            organization=org_id,
        )
    table.flush()
    writer.flush()
    ctx.data["organizations"] = orgs
    ctx.data["org_rep"] = reps
    ctx.counts["organizations"] = table.written


def registration_authority(places: Places, org_type: str, district: str) -> str:
    """Foundations register with the top (上海市民政局, 河北省民政厅), the others with their district."""
    if org_type == "foundation":
        return f"{places.names[places.top]}{'民政厅' if places.geo.is_province else '民政局'}"
    return f"{places.city_name(district)}{places.names[district]}民政局"


@step("teams", after=("centers",))
def teams(ctx: Context) -> None:
    """Filed community activity teams (备案编号 BA + street + year + sequence), plus a few awaiting review."""
    rng = ctx.rng("teams")
    places: Places = ctx.data["places"]
    residents: list[tuple[int, str]] = ctx.data["residents"]
    table = ctx.table(
        ActivityTeam,
        [
            "name",
            "kind",
            "category",
            "region_id",
            "responsible_person",
            "contact_phone",
            "venue",
            "charter",
            "member_count",
            "funds",
            "activity_area",
            "status",
            "filing_number",
            "filed_on",
            "last_confirmed_year",
            "submitted_by_id",
            "reviewed_by_id",
            "reviewed_at",
            "created_at",
            "updated_at",
        ],
    )
    names: dict[str, set[str]] = defaultdict(set)
    sequence: dict[str, int] = defaultdict(int)
    pending = ctx.scale.teams // 40
    for i in range(ctx.scale.teams + pending):
        street = rng.choice(places.all_streets)
        communities = places.communities[street]
        region = rng.choice(communities) if communities and rng.random() < 0.8 else street
        activity, category, kind = rng.choice(TEAM_ACTIVITIES)
        short = short_name(places.names[region])
        base = name = f"{short}{rng.choice(TEAM_PREFIXES)}{activity}"
        n = 1
        while name in names[region]:
            n += 1
            name = f"{base}{n}"
        names[region].add(name)
        created = days_ago(rng, 20, 2500)
        filed = i < ctx.scale.teams
        filed_on = (created + datetime.timedelta(days=rng.randrange(3, 20))).date()
        number = None
        if filed:
            key = f"BA{street}{filed_on.year}"
            sequence[key] += 1
            number = f"{key}{sequence[key]:04d}"
        table.add(
            name,
            kind,
            category,
            region,
            person(rng),
            phone(rng),
            f"{places.names[region]}{rng.choice(VENUE_WORDS)}",
            f"本队以“{activity.rstrip('队社团会组')}”为主要活动内容，自愿参加，每周活动一次，活动经费由成员自筹。",
            rng.randrange(8, 120),
            Decimal(rng.randrange(0, 5000)),
            places.names[street],
            "filed" if filed else "submitted",
            number,
            filed_on if filed else None,
            min(filed_on.year + rng.randrange(0, 3), TODAY.year) if filed else None,
            rng.choice(residents)[0],
            staff_for(ctx, region) if filed else None,
            local(filed_on, 600) if filed else None,
            created,
            created,
        )
    table.flush()
    ctx.counts["teams_filed"] = ctx.scale.teams
    ctx.counts["teams_submitted"] = pending


# -- matching -----------------------------------------------------------------------------------------
class Relocate:
    """Moves the matching set's Wuhan texts to a district of the geography: Wuhan district names become the
    district's name, Wuhan street names one of its streets, 武汉/江城/027 become its city, the geography's
    nickname and the city's area code (上海/申城/021 for Shanghai)."""

    def __init__(self, places: Places) -> None:
        self.places = places
        self.districts: set[str] = set()
        names: set[str] = set()
        for filename, key in (("areas.csv", "city_code"), ("streets.csv", "area_code")):
            with (DATA_DIR / filename).open(encoding="utf-8", newline="") as handle:
                for r in csv.DictReader(handle):
                    if r[key].startswith("4201"):
                        names.add(r["name"])
                        if filename == "areas.csv":
                            self.districts.add(r["name"])
        ordered = sorted(names, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(n) for n in ordered))

    def __call__(self, text: str, district: str, rng: Any) -> str:
        streets = self.places.streets[district]

        def swap(m: re.Match[str]) -> str:
            if m.group(0) in self.districts:
                return self.places.names[district]
            return self.places.names[rng.choice(streets)]

        places = self.places
        city = places.city_name(district)
        text = self.pattern.sub(swap, text).replace("武汉市", city).replace("武汉", city[:-1])
        area = places.geo.area_codes[district[:4]]
        return text.replace("江城", places.geo.nickname).replace("027-", f"{area}-")


def templates() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    offerings = json.loads((EVALUATION / "offerings.json").read_text(encoding="utf-8"))
    needs = json.loads((EVALUATION / "needs.json").read_text(encoding="utf-8"))
    return offerings, needs


@step("offerings", after=("organizations",))
def offerings(ctx: Context) -> None:
    """Service offerings of normal organizations, texts from the labelled matching set moved to Shanghai,
    each serving one to three streets or communities of its district."""
    rng = ctx.rng("offerings")
    places: Places = ctx.data["places"]
    relocate = Relocate(places)
    offering_templates, _needs = templates()
    table = ctx.table(
        ServiceOffering,
        [
            "organization_id",
            "region_id",
            "title",
            "description",
            "categories",
            "beneficiaries",
            "capacity",
            "schedule",
            "cost_model",
            "is_active",
            "created_at",
            "updated_at",
        ],
    )
    areas = ctx.table(ServiceOffering.areas.through, ["serviceoffering_id", "region_id"])
    orgs = list(ctx.data["organizations"])
    by_district: dict[str, list[int]] = defaultdict(list)
    for i in range(ctx.scale.offerings):
        org_id, org_region, category = rng.choice(orgs)
        district = org_region[:6]
        t = rng.choice(offering_templates)
        area_codes = sorted(
            {
                rng.choice(places.district_communities[district])
                if rng.random() < 0.6
                else rng.choice(places.streets[district])
                for _ in range(rng.choice((1, 1, 2, 3)))
            }
        )
        title = relocate(t["title"], district, rng)
        if rng.random() < 0.25:
            title = f"“{rng.choice(BRANDS)}”{title}"
        description = relocate(t["description"], district, rng)
        if rng.random() < 0.4:
            description += rng.choice(APPLY)
        created = days_ago(rng, 0, 900)
        offering_id = table.add(
            org_id,
            district,
            title[:120],
            description,
            t["categories"] or [category],
            t["beneficiaries"],
            max(1, round(t["capacity"] * rng.uniform(0.5, 1.5))),
            rng.choice(SCHEDULES),
            rng.choice(("free", "free", "low_cost", "government", "paid")),
            rng.random() >= 0.03 and i % 997 != 0,
            created,
            created,
        )
        for code in area_codes:
            areas.add(offering_id, code)
        by_district[district].append(offering_id)
    table.flush()
    areas.flush()
    ctx.data["offerings_by_district"] = by_district
    ctx.counts["offerings"] = table.written
    ctx.counts["offering_areas"] = areas.written


NEED_STATUS = (("open", 12), ("matching", 8), ("served", 70), ("closed", 10))
STATUSES = [status for status, _w in NEED_STATUS]


class NeedRows(Sequence[tuple[int, str, str]]):
    """The generated needs as (id, region, status), for the matches step, in a few bytes a need rather than
    a tuple of objects (two million needs at the province scale): the ids are consecutive, a region is an
    index into the codes and a status one byte."""

    def __init__(self, first_id: int) -> None:
        self.first_id = first_id
        self.codes: list[str] = []
        self.positions: dict[str, int] = {}
        self.regions = array("I")
        self.statuses = bytearray()

    def append(self, need_id: int, region: str, status: str) -> None:
        assert need_id == self.first_id + len(self.statuses)
        i = self.positions.get(region)
        if i is None:
            i = self.positions[region] = len(self.codes)
            self.codes.append(region)
        self.regions.append(i)
        self.statuses.append(STATUSES.index(status))

    def __len__(self) -> int:
        return len(self.statuses)

    @overload
    def __getitem__(self, i: int) -> tuple[int, str, str]: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[tuple[int, str, str]]: ...

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return (self.first_id + i, self.codes[self.regions[i]], STATUSES[self.statuses[i]])

    def __iter__(self) -> Iterator[tuple[int, str, str]]:
        codes, first = self.codes, self.first_id
        for i, (r, st) in enumerate(zip(self.regions, self.statuses, strict=True)):
            yield first + i, codes[r], STATUSES[st]


@step("needs", after=("users", "centers"))
def needs(ctx: Context) -> None:
    """Residents' (and committees') needs over the last two years: recent ones open, older ones served."""
    rng = ctx.rng("needs")
    places: Places = ctx.data["places"]
    relocate = Relocate(places)
    _offerings, need_templates = templates()
    residents: list[tuple[int, str]] = ctx.data["residents"]
    table = ctx.table(
        Need,
        [
            "region_id",
            "title",
            "description",
            "category",
            "beneficiaries",
            "people_count",
            "urgency",
            "submitter_id",
            "submitter_kind",
            "status",
            "window_start",
            "window_end",
            "created_at",
            "updated_at",
        ],
    )
    urgencies = ["normal"] * 6 + ["urgent"] * 3 + ["critical"]
    rows = NeedRows(table.next_id)
    for _ in range(ctx.scale.needs):
        t = rng.choice(need_templates)
        submitter, region = rng.choice(residents)
        kind = "resident"
        if t["description"].startswith(("辖区", "我社区", "本社区")):
            kind, submitter = "committee", staff_for(ctx, region)
        age = int(rng.triangular(0, 730, 0))
        status = "open" if age < 7 else weighted(rng, NEED_STATUS)[0]
        if age < 30 and status == "served":
            status = "matching"
        created = NOW - datetime.timedelta(days=age, minutes=rng.randrange(24 * 60))
        start = created.date() + datetime.timedelta(days=rng.randrange(3, 30))
        title = relocate(t["title"], region[:6], rng)
        if rng.random() < 0.1:
            title = f"求助：{title}"
        need_id = table.add(
            region,
            title[:120],
            rng.choice(NEED_OPENERS)
            + relocate(t["description"], region[:6], rng)
            + rng.choice(NEED_CLOSERS),
            t["category"] or "",
            t["beneficiaries"],
            rng.choice((1, 1, 1, 2, 3, 5, 12, 40)),
            rng.choice(urgencies),
            submitter,
            kind,
            status,
            start if rng.random() < 0.5 else None,
            start + datetime.timedelta(days=rng.randrange(7, 90)) if rng.random() < 0.3 else None,
            created,
            created,
        )
        rows.append(need_id, region, status)
    table.flush()
    ctx.data["needs"] = rows
    ctx.counts["needs"] = table.written


@step("matches", after=("needs", "offerings"))
def matches(ctx: Context) -> None:
    """Match records: suggestions, offers, declines and — for served needs — the delivered and rated
    service record (date, hours, people served, rating)."""
    rng = ctx.rng("matches")
    rows: NeedRows = ctx.data["needs"]
    by_district: dict[str, list[int]] = ctx.data["offerings_by_district"]
    target = ctx.scale.matches
    # How many matches each need has, by its status; then adjusted so the total is exactly `target`.
    spread = {
        "open": (0, 1, 2, 3),
        "matching": (2, 3, 4),
        "served": (2, 2, 3, 4),
        "closed": (0, 1, 2),
    }
    counts = array(
        "B",
        (
            min(rng.choice(spread[status]), len(by_district.get(region[:6], ())))
            for _id, region, status in rows
        ),
    )
    floor = {"matching": 1, "served": 1}
    total = sum(counts)
    while total != target:
        i = rng.randrange(len(rows))
        _id, region, status = rows[i]
        if total < target and counts[i] < min(8, len(by_district.get(region[:6], ()))):
            counts[i] += 1
            total += 1
        elif total > target and counts[i] > floor.get(status, 0):
            counts[i] -= 1
            total -= 1
    table = ctx.table(
        Match,
        [
            "need_id",
            "offering_id",
            "region_id",
            "status",
            "score",
            "offered_by_id",
            "decline_reason",
            "scheduled_for",
            "delivered_on",
            "hours",
            "people_served",
            "rating",
            "comment",
            "reasons",
            "created_at",
            "updated_at",
        ],
    )
    for (need_id, region, status), k in zip(rows, counts, strict=True):
        if not k:
            continue
        chosen = rng.sample(by_district[region[:6]], k)
        staff = staff_for(ctx, region)
        created = NOW - datetime.timedelta(days=rng.randrange(1, 700))
        for j, offering_id in enumerate(chosen):
            table.add(
                need_id,
                offering_id,
                region,
                *match_state(rng, first=j == 0, need_status=status, created=created, staff=staff),
                rng.sample(REASONS, 2),
                created,
                created,
            )
    table.flush()
    ctx.counts["matches"] = table.written


def match_state(
    rng: Any, *, first: bool, need_status: str, created: datetime.datetime, staff: int
) -> tuple[Any, ...]:
    """(status, score, offered_by, decline_reason, scheduled_for, delivered_on, hours, people, rating,
    comment) of one match: a served need's first match is the delivered (and mostly rated) service."""
    score = round(rng.uniform(0.3, 0.95) - (0 if first else rng.uniform(0.05, 0.2)), 3)
    state, offered_by, decline, scheduled = "suggested", None, "", None
    delivered, hours, people, rating, comment = None, None, None, None, ""
    if first and need_status == "served":
        state, offered_by = ("rated" if rng.random() < 0.7 else "delivered"), staff
        delivered = min((created + datetime.timedelta(days=rng.randrange(3, 40))).date(), TODAY)
        hours = Decimal(rng.choice(("1", "1.5", "2", "3", "4")))
        people = rng.choice((1, 2, 5, 12, 30))
        if state == "rated":
            rating, comment = rng.choice((3, 4, 4, 5, 5, 5)), rng.choice(COMMENTS)
    elif first and need_status == "matching":
        state, offered_by = rng.choice(("offered", "accepted", "scheduled")), staff
        if state == "scheduled":
            scheduled = TODAY + datetime.timedelta(days=rng.randrange(1, 30))
    elif need_status in ("served", "closed"):
        state = rng.choice(("declined", "closed"))
        if state == "declined":
            decline, offered_by = rng.choice(DECLINES), staff
    return (
        state,
        max(score, 0.05),
        offered_by,
        decline,
        scheduled,
        delivered,
        hours,
        people,
        rating,
        comment,
    )


# -- venues -------------------------------------------------------------------------------------------
FIRST_DAY = datetime.date(2026, 10, 1)
DAYS = 92  # October to December 2026: history, this week and upcoming


@step("venues", after=("centers", "organizations"))
def venues(ctx: Context) -> None:
    """Rooms of every center (kinds, hours and weekdays as in the venues benchmark) and bookings over three
    months, never overlapping within a room (place_booking keeps each room-day's intervals apart)."""
    rng = ctx.rng("venues")
    centers: list[tuple[int, str, str]] = ctx.data["centers"]
    rooms = ctx.table(
        Room,
        ["center_id", "region_id", *ROOM_FIELDS],  # the fields a staff member edits
    )
    plans: list[RoomPlan] = []
    for center_id, region, level in centers:
        hours = weighted(rng, HOURS)
        weekdays = weighted(rng, WEEKDAYS)[0]
        for name, low, high, equipment in room_kinds(level, rng):
            capacity = rng.randint(low, high)
            capacity = capacity if capacity < 20 else capacity // 5 * 5
            open_to = weighted(rng, OPEN_TO)[0]
            active = rng.random() >= 0.02
            room_id = rooms.add(
                center_id,
                region,
                name,
                Decimal(capacity * rng.choice((15, 18, 20, 25))) / 10,
                capacity,
                equipment,
                hours[0],
                hours[1],
                weekdays,
                open_to,
                rng.random() < 0.15,
                active,
            )
            plan = RoomPlan(
                pk=room_id,
                center_id=center_id,
                region=region,
                capacity=capacity,
                opens=hours[0],
                closes=hours[1],
                weekdays=weekdays,
                bookable=active and open_to != "staff",
                popularity=rng.lognormvariate(0, 0.5),
            )
            if plan.bookable:
                plans.append(plan)
    rooms.flush()

    # Who books: organizations' representatives of the room's district, sometimes center staff.
    reps_by_district: dict[str, list[tuple[int | None, int]]] = defaultdict(list)
    for org_id, region, _category in ctx.data["organizations"]:
        reps_by_district[region[:6]].append((org_id, ctx.data["org_rep"][org_id]))
    days = [FIRST_DAY + datetime.timedelta(days=i) for i in range(DAYS)]
    day_weights = [1.5 if d.isoweekday() >= 6 else 1.0 for d in days]
    day_cum = list(accumulate(day_weights))
    bookings = ctx.table(
        Booking,
        [
            "room_id",
            "region_id",
            "booked_by_id",
            "organization_id",
            "start",
            "end",
            "purpose",
            "attendance",
            "status",
            "decided_by_id",
            "created_at",
            "updated_at",
        ],
    )
    # Rooms in groups of ROOM_GROUP, each group's bookings placed, written and dropped before the next
    # (a million bookings at the province scale); a group's share of the bookings is its expected share —
    # popularity times the weight of the days it opens. The city's rooms are one group.
    groups = [plans[i : i + ROOM_GROUP] for i in range(0, len(plans), ROOM_GROUP)]
    weights = [
        sum(
            p.popularity * sum(w for d, w in zip(days, day_weights, strict=True) if p.open_on(d))
            for p in group
        )
        for group in groups
    ]
    for group, target in zip(groups, shares(ctx.scale.bookings, weights), strict=True):
        room_cum = list(accumulate(p.popularity for p in group))
        placed = 0
        while placed < target:
            plan = group[bisect.bisect(room_cum, rng.random() * room_cum[-1])]
            day = days[bisect.bisect(day_cum, rng.random() * day_cum[-1])]
            if plan.open_on(day):
                placed += place_booking(plan, day, rng)
        for plan in group:
            write_bookings(ctx, bookings, plan, reps_by_district, rng)
            plan.days = {}
    bookings.flush()
    ctx.counts["rooms"] = rooms.written
    ctx.counts["bookings"] = bookings.written


ROOM_GROUP = 5_000


def shares(total: int, weights: list[float]) -> list[int]:
    """`total` split by `weights`, exactly, by largest remainder."""
    if len(weights) == 1:
        return [total]
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[
        : total - sum(parts)
    ]:
        parts[i] += 1
    return parts


def write_bookings(
    ctx: Context,
    bookings: Any,
    plan: RoomPlan,
    reps_by_district: dict[str, list[tuple[int | None, int]]],
    rng: Any,
) -> None:
    staff = ctx.data["staff_user"][plan.center_id]
    reps = reps_by_district.get(plan.region[:6]) or [(None, staff)]
    for day, taken in sorted(plan.days.items()):
        for start, end in sorted(taken):
            org, booker = rng.choice(reps) if rng.random() < 0.8 else (None, staff)
            roll = rng.random()
            status = "cancelled" if roll < 0.05 else "pending" if roll < 0.08 else "confirmed"
            created = local(day, start) - datetime.timedelta(days=rng.randrange(1, 30))
            bookings.add(
                plan.pk,
                plan.region,
                booker,
                org,
                local(day, start),
                local(day, end),
                rng.choice(PURPOSES),
                rng.randint(1, plan.capacity),
                status,
                staff if status == "confirmed" and org else None,
                created,
                created,
            )


# Every table the steps write, children before parents (regions are kept: load_city is idempotent).
GENERATED: list[Any] = [
    Booking,
    Room,
    Match,
    ServiceOffering.areas.through,
    ServiceOffering,
    Need,
    ActivityTeam,
    RoleAssignment,
    SocialOrganization,
    CenterStaff,
    Center,
    User,
]


def wipe() -> None:
    """Empty the generated tables without loading rows or writing audit entries (tests run the generator
    twice in one database). On PostgreSQL the ledger's append-only trigger also refuses DELETE: it is switched
    off for the wipe and on again, inside the caller's transaction; ALTER TABLE needs the pending (deferred)
    foreign-key checks done first, so the wipe runs with immediate constraints, children before parents (a
    tender's awarded bid is cleared first: the two point at each other)."""
    postgres = connection.vendor == "postgresql"
    trigger = "ALTER TABLE philanthropy_ledgerentry {} TRIGGER philanthropy_ledger_no_update"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(trigger.format("DISABLE"))
        Tender._base_manager.update(awarded_bid=None)
        for model in GENERATED:
            model._base_manager.all()._raw_delete(connection.alias)
        if postgres:
            cursor.execute(trigger.format("ENABLE"))
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def analyze(ctx: Context) -> None:
    """Fresh planner statistics (autovacuum would do it within a minute of the inserts)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


from bench.citygen import projects as _projects  # noqa: E402 - registers the "projects" step

GENERATED[:0] = _projects.GENERATED
