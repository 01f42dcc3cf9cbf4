"""Names, texts and small helpers shared by the city generator and the benchmarks (no Django imports).

The registry, venues and matching benchmarks and `generate_city` draw from the same vocabulary; values that
name a model choice are the choice's stored value ("elderly", "social_service", "city"…).
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
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
    "大爱",
    "守望",
    "四季",
    "向日葵",
    "微光",
    "同行",
    "绿色家园",
    "江城",
    "楚天",
    "汉风",
    "东湖",
    "长江",
    "黄鹤",
    "晴川",
    "琴台",
    "知音桥",
    "红枫",
    "金桥",
    "明德",
    "扬帆",
    "聚力",
    "馨家",
]
# (category, legal type, name suffix): every one of the 14 categories, several suffixes for the common ones.
KINDS: tuple[tuple[str, str, str], ...] = (
    ("elderly", "social_service", "为老服务中心"),
    ("elderly", "social_service", "养老服务中心"),
    ("elderly", "social_group", "老年协会"),
    ("disability", "social_service", "助残服务社"),
    ("disability", "social_service", "残疾人康复服务中心"),
    ("children", "social_service", "青少年成长服务中心"),
    ("children", "social_service", "儿童关爱服务中心"),
    ("education", "social_service", "社区教育服务中心"),
    ("education", "social_group", "学习促进会"),
    ("health", "social_service", "健康促进服务中心"),
    ("psychology", "social_service", "心理健康服务中心"),
    ("psychology", "social_service", "心理咨询服务中心"),
    ("legal", "social_service", "法律服务中心"),
    ("legal", "social_service", "法律援助服务中心"),
    ("mediation", "social_group", "人民调解协会"),
    ("environment", "social_group", "环保志愿者协会"),
    ("environment", "social_service", "生态环保服务中心"),
    ("culture_sports", "social_group", "文体协会"),
    ("culture_sports", "social_group", "全民健身协会"),
    ("volunteer", "social_group", "志愿者协会"),
    ("volunteer", "social_service", "志愿服务中心"),
    ("poverty", "foundation", "慈善基金会"),
    ("poverty", "social_group", "慈善会"),
    ("governance", "social_service", "社工服务中心"),
    ("governance", "social_service", "社区发展服务中心"),
    ("governance", "social_service", "社会工作服务站"),
    ("other", "social_service", "公益发展中心"),
    ("other", "social_service", "综合服务中心"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌凤兰玉梅慧晓燕辉鹏"
BRANDS = [
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
    "晨曦",
    "惠民",
    "守望",
    "微光",
    "同行",
    "聚力",
    "馨家",
    "明德",
    "扬帆",
]
APPLY = [
    "有需要的居民可到所在社区居委会登记报名。",
    "报名方式：电话或到项目办公室现场报名。",
    "服务免费，需提前预约。",
    "可通过社区网格员代为登记。",
]
SCHEDULES = [
    "周一至周五 9:00-17:00",
    "每周六上午",
    "每月第一个周三",
    "工作日下午",
    "节假日除外每天",
]
NEED_OPENERS = ["", "", "", "你好，", "请问", "麻烦问一下，", "急！"]
NEED_CLOSERS = ["", "", "", "谢谢！", " 谢谢", "。急", "，麻烦尽快回复", "，有没有人可以帮忙"]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


# (name, lowest and highest capacity, equipment); names are unique within a center.
ROOM_KINDS: tuple[tuple[str, int, int, str], ...] = (
    ("多功能厅", 60, 200, "投影、音响、话筒 4 支"),
    ("报告厅", 100, 200, "LED 屏、音响、舞台灯光"),
    ("路演厅", 80, 160, "LED 屏、舞台灯光"),
    ("培训教室", 30, 60, "投影、可移动桌椅"),
    ("党群活动室", 20, 50, "投影、党建展板"),
    ("一号会议室", 10, 30, "电视屏、白板"),
    ("二号会议室", 8, 20, "电视屏、白板"),
    ("活动室", 15, 40, "音响、桌椅"),
    ("舞蹈排练室", 15, 35, "镜墙、把杆、音响"),
    ("书画室", 10, 25, "书画桌、毛毡"),
    ("阅览室", 10, 30, "书架、阅读桌"),
    ("心理咨询室", 8, 12, "沙盘、咨询椅"),
    ("共享办公室", 8, 16, "工位、打印机"),
)
LARGE = ROOM_KINDS[:3]
SMALL = ROOM_KINDS[5:]
# (opens, closes, weight) and (open weekdays, weight): what centers post on their doors.
HOURS = (
    (datetime.time(8, 30), datetime.time(21, 0), 45),
    (datetime.time(9, 0), datetime.time(17, 30), 20),
    (datetime.time(9, 0), datetime.time(21, 0), 15),
    (datetime.time(8, 0), datetime.time(22, 0), 10),
    (datetime.time(8, 30), datetime.time(18, 0), 10),
)
WEEKDAYS = (("1234567", 60), ("123456", 20), ("12345", 12), ("234567", 8))
DURATIONS = ((60, 35), (120, 35), (180, 20), (240, 10))  # minutes, weight
PURPOSES = (
    "社区议事会",
    "志愿者培训",
    "老年合唱排练",
    "广场舞排练",
    "四点半课堂",
    "亲子阅读",
    "党员学习日",
    "项目路演",
    "社工督导",
    "心理健康讲座",
    "法律咨询",
    "书法兴趣班",
    "居民团队例会",
    "公益市集筹备会",
    "助残康复小组",
)


def start_weight(minute: int) -> float:
    """How likely a booking starts at this minute of the day: evenings and afternoons are busiest."""
    hour = minute // 60
    if hour < 12:
        return 0.8
    if hour < 14:
        return 0.4
    if hour < 18:
        return 1.4
    return 1.8


@dataclass
class RoomPlan:
    """One generated room and its month of bookings (minutes after midnight, local time, per day)."""

    pk: int
    center_id: int
    region: str
    capacity: int
    opens: datetime.time
    closes: datetime.time
    weekdays: str
    bookable: bool
    popularity: float
    days: dict[datetime.date, list[tuple[int, int]]] = field(default_factory=dict)

    def open_on(self, day: datetime.date) -> bool:
        return str(day.isoweekday()) in self.weekdays

    def window(self) -> tuple[int, int]:
        return self.opens.hour * 60 + self.opens.minute, self.closes.hour * 60 + self.closes.minute


def weighted(rng: random.Random, options: Iterable[tuple[Any, ...]]) -> tuple[Any, ...]:
    items = list(options)
    return rng.choices(items, weights=[item[-1] for item in items])[0]


def poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def room_kinds(level: str, rng: random.Random) -> list[tuple[str, int, int, str]]:
    """The rooms a center of this level has: bigger centers have more rooms and a hall."""
    if level in ("city", "district"):
        return [rng.choice(LARGE), *rng.sample(ROOM_KINDS[3:], rng.randint(4, 7))]
    if level == "street":
        first = rng.choice(LARGE) if rng.random() < 0.4 else rng.choice(ROOM_KINDS[3:5])
        rest = [k for k in ROOM_KINDS[5:] if k[0] != first[0]]
        return [first, *rng.sample(rest, rng.randint(2, 3))]
    return rng.sample(SMALL, rng.randint(2, 3))


def place_booking(plan: RoomPlan, day: datetime.date, rng: random.Random, tries: int = 8) -> bool:
    """Put one booking on the room's day where it fits; False when eight random tries collide."""
    opens, closes = plan.window()
    slots = list(range(opens, closes - 60 + 1, 30))
    weights = [start_weight(m) for m in slots]
    taken = plan.days.setdefault(day, [])
    for _ in range(tries):
        start = rng.choices(slots, weights=weights)[0]
        length = min(weighted(rng, DURATIONS)[0], (closes - start) // 60 * 60)
        end = start + length
        if all(end <= s or e <= start for s, e in taken):
            taken.append((start, end))
            return True
    return False
