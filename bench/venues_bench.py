"""Venues benchmark: free-slot search over a city's rooms with a month of bookings, and one center's usage.

    uv run python bench/venues_bench.py [--bookings 100000] [--repeat 3] [--explain]
                                        [--history-months N]

DATABASE_URL decides the database (a throw-away one: the script refuses a database that already holds rooms).
Without it, a SQLite file under var/bench/ is used. Results go to var/bench/venues-<engine>.json;
bench/report.py turns them into docs/benchmarks.md. Numbers are never asserted anywhere. The variants for
diagnosis (--history-months: earlier months of bookings too) write
venues-<engine>+<variant>.json, which the report ignores.

The data (deterministic, fixed seed): Wuhan's regions; ~500 centers (one per district, one per street, 300 in
communities, one for the city), each with a few rooms (~1,500 in all) of varied capacity, opening hours and
open weekdays; then at least --bookings confirmed bookings in June 2026 (30 days), more in the afternoons,
evenings and at weekends, 1-4 h long, never overlapping within a room. Centers, rooms and bookings are written
with bulk_create (no services, no audit), with each row's region equal to its center's.

What is measured (time.perf_counter):
- free-slot search: what the room list page does per search, `free_rooms(region=, start=, end=, min_capacity=)`
  evaluated (it returns a list), for a fixed mix of query shapes: district (6 digits) or street (9 digits)
  x weekday or weekend x morning, afternoon or evening window of 1-4 h, minimum capacity 10-100. After one
  unmeasured warm-up pass (which also checks every answer against the generated schedule), --repeat passes;
  p50/p95/max per shape and overall in each pass, then the median of each over the passes;
- usage: `usage_for_center` for the busiest center over the month (information only, no target).
"""
# ruff: noqa: E402 - Django must be configured before the project's modules are imported

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT_DIR / 'venues.sqlite3'}")
os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory: not what production does
os.environ.setdefault("LOG_LEVEL", "WARNING")
OUT_DIR.mkdir(parents=True, exist_ok=True)

import django

django.setup()

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.citygen.vocab import (
    HOURS,
    PURPOSES,
    WEEKDAYS,
    RoomPlan,
    place_booking,
    poisson,
    room_kinds,
    weighted,
)
from civicnest.accounts.models import User
from civicnest.network.models import Center, CenterLevel, CenterType
from civicnest.regions.loader import load_city
from civicnest.regions.models import Region, RegionLevel
from civicnest.venues.models import Booking, BookingStatus, OpenTo, Room
from civicnest.venues.selectors import free_rooms, usage_for_center

SEED = 30_000
CITY = "4201"  # 武汉市
FIRST_DAY = datetime.date(2026, 6, 1)  # a Monday; June has 30 days
DAYS = 30
TARGETS = {"free_p95_ms": 50.0}
LIMIT = 50  # free_rooms' default, what the page shows
COMMUNITY_CENTERS = 300
BOOKERS = 300
BATCH = 2_000

LEVELS = {"district": "区", "street": "街道"}  # region codes of 6 and 9 digits
DAY_KINDS = {"weekday": "工作日", "weekend": "周末"}
WINDOWS = {  # name → (label, possible start times)
    "morning": ("上午", ("08:30", "09:00", "09:30", "10:00")),
    "afternoon": ("下午", ("13:30", "14:00", "14:30", "15:00")),
    "evening": ("晚上", ("18:00", "18:30", "19:00")),
}
# Most groups that search are small: 10-30 people two times in three, up to 100.
MIN_CAPACITIES = (10, 10, 12, 15, 15, 20, 20, 25, 30, 30, 40, 50, 60, 80, 100)
# Nobody searches for a window ending later than the latest closing time.
LATEST_END = datetime.time(22, 0)


# -- setup --------------------------------------------------------------------------------------------
def prepare_database() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    if Room.objects.exists() or Booking.objects.exists():
        sys.exit(
            f"venues_bench: {connection.settings_dict['NAME']} already holds rooms; "
            "point DATABASE_URL at a throw-away database."
        )
    load_city(CITY)


def analyze() -> None:
    """On PostgreSQL autovacuum analyzes the tables within a minute of 100,000 inserts; do it now so the
    search runs with the statistics a live server would have. SQLite is left as deployed (no ANALYZE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Center, Room, Booking):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# -- data ---------------------------------------------------------------------------------------------
class Places:
    """Wuhan's districts with their streets and communities, as loaded from the shipped data."""

    def __init__(self) -> None:
        regions = Region.objects.filter(code__startswith=CITY).values_list("code", "name", "level")
        self.names = {code: name for code, name, _level in regions}
        self.districts = sorted(c for c, _n, lvl in regions if lvl == RegionLevel.DISTRICT)
        self.streets = sorted(c for c, _n, lvl in regions if lvl == RegionLevel.STREET)
        self.communities = sorted(c for c, _n, lvl in regions if lvl == RegionLevel.COMMUNITY)


def create_centers(places: Places, rng: random.Random) -> list[Center]:
    """One city center, one per district, one per street and COMMUNITY_CENTERS in communities."""
    now = timezone.now()
    specs = [(CITY, CenterLevel.CITY, CenterType.SERVICE_CENTER, "社会组织服务中心")]
    specs += [
        (code, CenterLevel.DISTRICT, CenterType.SERVICE_CENTER, "社会组织服务中心")
        for code in places.districts
    ]
    specs += [
        (code, CenterLevel.STREET, CenterType.STREET_PROMOTION_CENTER, "社会组织促进中心")
        for code in places.streets
    ]
    specs += [
        (code, CenterLevel.COMMUNITY, CenterType.NEIGHBORHOOD_CENTER, "邻坊中心")
        for code in sorted(rng.sample(places.communities, COMMUNITY_CENTERS))
    ]
    centers = [
        Center(
            name=f"{places.names[code]}{suffix}",
            center_type=center_type,
            level=level,
            region_id=code,
            address=f"{places.names[code]}{rng.randrange(1, 300)}号",
            opening_date=datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(3000)),
            created_at=now,
            updated_at=now,
        )
        for code, level, center_type, suffix in specs
    ]
    Center.objects.bulk_create(centers, batch_size=BATCH)
    return list(Center.objects.order_by("pk"))  # primary keys on both databases


def create_rooms(centers: list[Center], rng: random.Random) -> list[RoomPlan]:
    now = timezone.now()
    rooms: list[Room] = []
    for center in centers:
        hours = weighted(rng, HOURS)  # most rooms keep the center's hours
        weekdays = weighted(rng, WEEKDAYS)[0]
        for name, low, high, equipment in room_kinds(center.level, rng):
            if rng.random() < 0.15:
                hours = weighted(rng, HOURS)
            capacity = rng.randint(low, high)
            roll = rng.random()
            rooms.append(
                Room(
                    center_id=center.pk,
                    region_id=center.region_id,
                    name=name,
                    area=Decimal(capacity * rng.choice((15, 18, 20, 25))) / 10,
                    capacity=capacity if capacity < 20 else capacity // 5 * 5,
                    equipment=equipment,
                    opens_at=hours[0],
                    closes_at=hours[1],
                    open_weekdays=weekdays,
                    open_to=OpenTo.STAFF
                    if roll < 0.05
                    else OpenTo.ORGANIZATIONS
                    if roll < 0.15
                    else OpenTo.EVERYONE,
                    requires_approval=rng.random() < 0.15,
                    is_active=rng.random() >= 0.02,
                    created_at=now,
                    updated_at=now,
                )
            )
    Room.objects.bulk_create(rooms, batch_size=BATCH)
    return [
        RoomPlan(
            pk=r.pk,
            center_id=r.center_id,
            region=r.region_id,
            capacity=r.capacity,
            opens=r.opens_at,
            closes=r.closes_at,
            weekdays=r.open_weekdays,
            bookable=r.is_active and r.open_to != OpenTo.STAFF,
            popularity=rng.lognormvariate(0, 0.5),
        )
        for r in Room.objects.order_by("pk")
    ]


def schedule(rooms: list[RoomPlan], target: int, rng: random.Random, history_days: int = 0) -> int:
    """The month's bookings, about `target` expected from per-room-day Poisson counts, topped up to it;
    then `history_days` of earlier bookings at the same rates (own random stream: the month stays the same)."""
    days = [FIRST_DAY + datetime.timedelta(days=i) for i in range(DAYS)]
    factor = {d: 1.5 if d.isoweekday() >= 6 else 1.0 for d in days}
    open_weight = sum(r.popularity * factor[d] for r in rooms for d in days if r.open_on(d))
    per_unit = target / open_weight
    total = 0
    for plan in rooms:
        for day in days:
            if plan.open_on(day):
                for _ in range(poisson(rng, per_unit * plan.popularity * factor[day])):
                    total += place_booking(plan, day, rng)
    room_weights = [r.popularity for r in rooms]
    while total < target:  # a busy room-day refused some: book elsewhere, popular rooms first
        plan = rng.choices(rooms, weights=room_weights)[0]
        day = rng.choices(days, weights=[factor[d] for d in days])[0]
        if plan.open_on(day):
            total += place_booking(plan, day, rng)
    past = random.Random(SEED + 2)
    for plan in rooms:
        for back in range(history_days, 0, -1):
            day = FIRST_DAY - datetime.timedelta(days=back)
            if plan.open_on(day):
                weight = 1.5 if day.isoweekday() >= 6 else 1.0
                for _ in range(poisson(past, per_unit * plan.popularity * weight)):
                    total += place_booking(plan, day, past)
    return total


def in_month(day: datetime.date) -> bool:
    return FIRST_DAY <= day < FIRST_DAY + datetime.timedelta(days=DAYS)


def insert_bookings(rooms: list[RoomPlan], rng: random.Random) -> int:
    now = timezone.now()
    tz = timezone.get_current_timezone()
    unusable = make_password(None)  # nobody signs in as these bookers
    bookers = [
        User(username=f"bench_booker_{i:03d}", full_name=f"预约人{i:03d}", password=unusable)
        for i in range(BOOKERS)
    ]
    User.objects.bulk_create(bookers, batch_size=BATCH)
    booker_ids = list(
        User.objects.filter(username__startswith="bench_booker_").values_list("pk", flat=True)
    )

    def at(day: datetime.date, minute: int) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), tzinfo=tz)

    batch: list[Booking] = []
    written = 0
    with transaction.atomic():
        for plan in rooms:
            for day, taken in sorted(plan.days.items()):
                for start, end in sorted(taken):
                    batch.append(
                        Booking(
                            room_id=plan.pk,
                            region_id=plan.region,
                            booked_by_id=rng.choice(booker_ids),
                            start=at(day, start),
                            end=at(day, end),
                            purpose=rng.choice(PURPOSES),
                            attendance=rng.randint(1, plan.capacity),
                            status=BookingStatus.CONFIRMED,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    if len(batch) == BATCH:
                        Booking.objects.bulk_create(batch)
                        written += len(batch)
                        batch = []
        Booking.objects.bulk_create(batch)
    return written + len(batch)


def overlapping_pairs() -> int:
    """Confirmed bookings that overlap the previous one of their room (must be 0)."""
    table = connection.ops.quote_name(Booking._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT COUNT(*) FROM (SELECT "start", LAG("end") OVER '  # noqa: S608 - our table name
            f'(PARTITION BY room_id ORDER BY "start") AS previous_end FROM {table} '
            "WHERE status = 'confirmed') AS b WHERE previous_end > \"start\""
        )
        return int(cursor.fetchone()[0])


# -- queries ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    level: str
    day_kind: str
    window: str
    region: str
    start: datetime.datetime
    end: datetime.datetime
    min_capacity: int

    @property
    def shape(self) -> str:
        return f"{self.level}·{self.day_kind}·{self.window}"

    def describe(self) -> str:
        return (
            f"region={self.region} {self.start:%Y-%m-%d %a %H:%M}–{self.end:%H:%M} "
            f"min_capacity={self.min_capacity}"
        )


def free_slot_queries(places: Places, per_shape: int) -> list[Query]:
    """`per_shape` queries of each level x day kind x window, shuffled in a fixed order."""
    rng = random.Random(SEED + 1)
    tz = timezone.get_current_timezone()
    days = [FIRST_DAY + datetime.timedelta(days=i) for i in range(DAYS)]
    by_kind = {
        "weekday": [d for d in days if d.isoweekday() <= 5],
        "weekend": [d for d in days if d.isoweekday() >= 6],
    }
    regions = {"district": places.districts, "street": places.streets}
    queries = []
    for level, codes in regions.items():
        for day_kind, day_list in by_kind.items():
            for window, (_label, starts) in WINDOWS.items():
                for _ in range(per_shape):
                    day = rng.choice(day_list)
                    start = datetime.datetime.combine(
                        day, datetime.time.fromisoformat(rng.choice(starts)), tzinfo=tz
                    )
                    latest = datetime.datetime.combine(day, LATEST_END, tzinfo=tz)
                    hours = min(rng.randint(1, 4), int((latest - start).total_seconds() // 3600))
                    queries.append(
                        Query(
                            level=level,
                            day_kind=day_kind,
                            window=window,
                            region=rng.choice(codes),
                            start=start,
                            end=start + datetime.timedelta(hours=hours),
                            min_capacity=rng.choice(MIN_CAPACITIES),
                        )
                    )
    rng.shuffle(queries)
    return queries


def run_query(q: Query) -> list[Room]:
    return free_rooms(region=q.region, start=q.start, end=q.end, min_capacity=q.min_capacity)


def expected_answer(q: Query, rooms: list[RoomPlan]) -> list[int]:
    """The rooms free_rooms must return, computed from the generated schedule."""
    local_start, local_end = timezone.localtime(q.start), timezone.localtime(q.end)
    day = local_start.date()
    start = local_start.hour * 60 + local_start.minute
    end = local_end.hour * 60 + local_end.minute
    free = [
        r
        for r in rooms
        if r.bookable
        and r.region.startswith(q.region)
        and r.capacity >= q.min_capacity
        and r.open_on(day)
        and r.opens <= local_start.time()
        and local_end.time() <= r.closes
        and all(end <= s or e <= start for s, e in r.days.get(day, []))
    ]
    free.sort(key=lambda r: (r.capacity, r.region, r.pk))
    return [r.pk for r in free[:LIMIT]]


# -- measuring ----------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def groups(q: Query) -> list[str]:
    return ["all", q.level, q.day_kind, q.window, q.shape]


def measure_free_slots(queries: list[Query], rooms: list[RoomPlan], repeat: int) -> dict[str, Any]:
    found: dict[str, list[int]] = defaultdict(list)
    for q in queries:  # warm-up: connection, database page cache; and a check of every answer
        got = [room.pk for room in run_query(q)]
        want = expected_answer(q, rooms)
        if got != want:
            sys.exit(f"venues_bench: wrong answer for {q.describe()}: {got[:5]}… ≠ {want[:5]}…")
        found["all"].append(len(got))
        found[q.level].append(len(got))
    per_query: list[list[float]] = [[] for _ in queries]
    per_repeat: list[dict[str, dict[str, float]]] = []
    for _ in range(repeat):
        by_group: dict[str, list[float]] = defaultdict(list)
        for i, q in enumerate(queries):
            start = time.perf_counter()
            run_query(q)
            ms = (time.perf_counter() - start) * 1000
            per_query[i].append(ms)
            for group in groups(q):
                by_group[group].append(ms)
        per_repeat.append(
            {
                group: {
                    "p50_ms": percentile(times, 50),
                    "p95_ms": percentile(times, 95),
                    "max_ms": max(times),
                }
                for group, times in by_group.items()
            }
        )
    order = ["all", *LEVELS, *DAY_KINDS, *WINDOWS]
    order += sorted(
        {q.shape for q in queries}, key=lambda s: [order.index(p) for p in s.split("·")]
    )
    summary = {
        group: {
            "queries": sum(1 for q in queries if group in groups(q)),
            **{
                stat: statistics.median(r[group][stat] for r in per_repeat)
                for stat in ("p50_ms", "p95_ms", "max_ms")
            },
        }
        for group in order
    }
    medians = [statistics.median(times) for times in per_query]
    slowest = sorted(range(len(queries)), key=lambda i: -medians[i])[:10]
    return {
        "by_group": summary,
        "worst_ms": max(max(times) for times in per_query),
        "per_repeat": per_repeat,
        "rooms_returned": {
            group: {
                "median": statistics.median(counts),
                "none": sum(1 for n in counts if n == 0),
                "limit": sum(1 for n in counts if n == LIMIT),
            }
            for group, counts in found.items()
        },
        "slowest": [
            {"query": queries[i].describe(), "shape": queries[i].shape, "median_ms": medians[i]}
            for i in slowest
        ],
    }


def measure_usage(rooms: list[RoomPlan], repeat: int) -> dict[str, Any]:
    bookings: dict[int, int] = defaultdict(int)
    room_count: dict[int, int] = defaultdict(int)
    for r in rooms:
        bookings[r.center_id] += sum(len(t) for d, t in r.days.items() if in_month(d))
        room_count[r.center_id] += 1
    center_id = max(bookings, key=lambda c: (bookings[c], -c))
    center = Center.objects.get(pk=center_id)
    last = FIRST_DAY + datetime.timedelta(days=DAYS - 1)
    usage_for_center(center=center, first=FIRST_DAY, last=last)  # warm-up
    times = []
    for _ in range(max(repeat, 5)):
        seconds, (usage, _by_whom) = timed(
            lambda: usage_for_center(center=center, first=FIRST_DAY, last=last)
        )
        times.append(seconds * 1000)
    counted = sum(u.bookings for u in usage)
    if counted != bookings[center_id]:
        sys.exit(f"venues_bench: usage counted {counted} bookings, expected {bookings[center_id]}")
    return {
        "center": center.name,
        "rooms": room_count[center_id],
        "bookings": counted,
        "runs_ms": times,
        "median_ms": statistics.median(times),
    }


def explain(queries: list[Query], slowest: list[dict[str, Any]]) -> dict[str, str]:
    """The plan of the slowest district and street query (EXPLAIN ANALYZE on PostgreSQL)."""
    plans: dict[str, str] = {}
    by_text = {q.describe(): q for q in queries}
    for level in LEVELS:
        entry = next((s for s in slowest if s["shape"].startswith(level)), None)
        if entry is None:
            continue
        q = by_text[entry["query"]]
        with CaptureQueriesContext(connection) as captured:
            run_query(q)
        sql = captured.captured_queries[-1]["sql"]
        prefix = (
            "EXPLAIN (ANALYZE, BUFFERS)"
            if connection.vendor == "postgresql"
            else "EXPLAIN QUERY PLAN"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {sql}")
            rows = cursor.fetchall()
        plan = "\n".join(" | ".join(str(c) for c in row) for row in rows)
        plans[level] = f"-- {entry['query']} ({entry['median_ms']:.1f} ms)\n{sql}\n{plan}"
        print(f"\n=== {level}: {plans[level]}")
    return plans


# -- report -------------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    def first(path: str, key: str) -> str:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError:
            return "?"
        return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(key)), "?")

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db_version = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            db_version = f"SQLite {sqlite3.sqlite_version}"
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = "?"
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory": first("/proc/meminfo", "MemTotal"),
        "cpu": first("/proc/cpuinfo", "model name"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": db_version,
        "commit": commit,
    }


def print_table(result: dict[str, Any]) -> None:
    d, free, usage = result["dataset"], result["free_slots"], result["usage"]
    print(
        f"\n{result['engine']} · {d['rooms']} rooms in {d['centers']} centers · "
        f"{d['bookings']} bookings in the month (+ {d['history_bookings']} before it) · "
        f"median of {result['repeat']}"
    )
    print(f"{'free-slot search (queries)':<36}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for group, s in free["by_group"].items():
        label = f"  {group} ({s['queries']})"
        print(f"{label:<36}{s['p50_ms']:>10.1f}{s['p95_ms']:>10.1f}{s['max_ms']:>10.1f}")
    print(f"p95 target: {result['targets']['free_p95_ms']:.0f} ms")
    print(f"usage_for_center ({usage['center']}, {usage['bookings']} bookings): ", end="")
    print(f"{usage['median_ms']:.1f} ms")
    load = result["load_average"]
    print(f"1-minute load average: {load['before']:.1f} before, {load['after']:.1f} after")


def dataset_facts(rooms: list[RoomPlan]) -> dict[str, Any]:
    """What the month's bookings look like (the history, if any, is only counted)."""
    month = [(r, d, t) for r in rooms for d, t in r.days.items() if in_month(d)]
    bookings = sum(len(t) for _r, _d, t in month)
    open_minutes = sum(
        (r.window()[1] - r.window()[0])
        for r in rooms
        for i in range(DAYS)
        if r.open_on(FIRST_DAY + datetime.timedelta(days=i))
    )
    return {
        "rooms": len(rooms),
        "bookable_rooms": sum(r.bookable for r in rooms),
        "capacity_range": [min(r.capacity for r in rooms), max(r.capacity for r in rooms)],
        "bookings": bookings,
        "history_bookings": sum(
            len(t) for r in rooms for d, t in r.days.items() if not in_month(d)
        ),
        "first_day": FIRST_DAY.isoformat(),
        "days": DAYS,
        "weekend_share": sum(len(t) for _r, d, t in month if d.isoweekday() >= 6) / bookings,
        "evening_share": sum(1 for _r, _d, t in month for s, _e in t if s >= 18 * 60) / bookings,
        "occupancy": sum(e - s for _r, _d, t in month for s, e in t) / open_minutes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bookings", type=int, default=100_000, help="bookings in the month")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--per-shape", type=int, default=26, help="queries per shape (12 shapes)")
    parser.add_argument(
        "--explain", action="store_true", help="print the plans of the slowest queries"
    )
    parser.add_argument(
        "--history-months",
        type=int,
        default=0,
        help="also book this many 30-day months before June at the same rates (diagnosis)",
    )
    args = parser.parse_args()

    prepare_database()
    places = Places()
    rng = random.Random(SEED)
    start = time.perf_counter()
    centers = create_centers(places, rng)
    rooms = create_rooms(centers, rng)
    rooms_s = time.perf_counter() - start
    schedule_s, planned = timed(
        lambda: schedule(rooms, args.bookings, rng, history_days=30 * args.history_months)
    )
    insert_s, written = timed(lambda: insert_bookings(rooms, rng))
    if written != planned or Booking.objects.count() != planned:
        sys.exit(f"venues_bench: wrote {written} of {planned} bookings")
    analyze_s, _ = timed(analyze)
    clashes = overlapping_pairs()
    if clashes:
        sys.exit(f"venues_bench: {clashes} overlapping confirmed bookings")
    print(
        f"{connection.vendor}: {len(centers)} centers and {len(rooms)} rooms in {rooms_s:.1f} s, "
        f"{planned} bookings scheduled in {schedule_s:.1f} s and inserted in {insert_s:.1f} s"
    )

    result: dict[str, Any] = {
        "engine": connection.vendor,
        "repeat": args.repeat,
        "variant": {"history_months": args.history_months},
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "targets": TARGETS,
        "labels": {
            "levels": LEVELS,
            "day_kinds": DAY_KINDS,
            "windows": {k: v[0] for k, v in WINDOWS.items()},
        },
        "dataset": {
            "centers": len(centers),
            **dataset_facts(rooms),
            "rooms_s": rooms_s,
            "schedule_s": schedule_s,
            "insert_s": insert_s,
            "analyze_s": analyze_s,
        },
    }
    queries = free_slot_queries(places, args.per_shape)
    load_before = os.getloadavg()[0]
    result["free_slots"] = measure_free_slots(queries, rooms, args.repeat)
    result["usage"] = measure_usage(rooms, args.repeat)
    # Other work on the machine skews every number: keep the 1-minute load average next to them.
    result["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
    if args.explain:
        result["explain"] = explain(queries, result["free_slots"]["slowest"])

    # Variants (history) are for diagnosis: their own file, which the report ignores.
    suffix = f"+history{args.history_months}" if args.history_months else ""
    path = OUT_DIR / f"venues-{connection.vendor}{suffix}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"\nwritten {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
