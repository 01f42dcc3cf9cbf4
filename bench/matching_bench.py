"""Matching engine speed: top-10 for one need, the nightly batch, and how soon a new offering is visible.

    uv run python bench/matching_bench.py [--offerings 50000] [--needs 10000] [--orgs 2000]
                                          [--rank-needs 600] [--repeat 3] [--profile]
    uv run python bench/matching_bench.py --report      # only rewrite the matching section of docs/benchmarks.md

DATABASE_URL decides the database (a throw-away one: the script refuses a database that already holds
offerings). Without it, a SQLite file under var/bench/ is used. Results go to var/bench/matching-<engine>.json;
`--report` turns them into the "供需对接 (matching)" section of docs/benchmarks.md (only the text between
the MATCHING markers is replaced). Numbers are never asserted anywhere.

Data: organizations, offerings and open needs generated deterministically (fixed seed) from the labelled
evaluation set in data/matching/ (its 740 offerings and 235 needs are the templates: texts
varied by title prefixes/suffixes and extra sentences, service areas moved to neighbouring streets and
communities of the same district, needs moved to other communities of their district), all written with
bulk_create, the service areas through the M2M through table.

What is measured (time.perf_counter):
1. cold build: `live_index.sync()` on an empty LiveIndex (every offering read and tokenised);
2. rank: `live_index.rank(need, limit=10)` for --rank-needs sampled open needs, i.e. what a request pays:
   the stamp query (MAX(updated_at) of offerings and organizations; COUNT(*) at most once a second) plus
   the in-memory ranking; after an unmeasured warm-up, --repeat passes, p50/p95/max per
   pass and the median over passes; the stamp query and `Index.rank` alone are timed separately;
3. batch: `refresh_all_suggestions()` over every open need, twice: the first run on an empty match table,
   the second replacing the first run's suggestions (the nightly steady state); when ranking runs in
   the forked workers (MATCHING_BATCH_WORKERS > 1) the service's own split is reported (waiting for
   ranked batches, writing them), otherwise stamp queries, index ranking and the rest (DB reads and
   writes) are split by wrapping those two functions;
4. freshness: `services.offering_save` of one new offering by an org rep of its organization, then
   `live_index.rank` of a need it serves until the offering appears (time from the save to that answer,
   the latency of that call); then the same through a second, separate LiveIndex (another process);
   then an edit of that offering (the incremental path) the same way.
"""
# ruff: noqa: E402 - Django must be configured before the project's modules are imported

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import inspect
import io
import json
import os
import platform
import pstats
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT_DIR / 'matching.sqlite3'}")
os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory: not what production does
os.environ.setdefault("LOG_LEVEL", "WARNING")
OUT_DIR.mkdir(parents=True, exist_ok=True)

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.citygen.vocab import (
    APPLY,
    BRANDS,
    NEED_CLOSERS,
    NEED_OPENERS,
    SCHEDULES,
    USCC_ALPHABET,
    person,
)
from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.validators import uscc_build
from civicnest.matching import engine, services
from civicnest.matching.codes import CostModel, Urgency
from civicnest.matching.live_index import LiveIndex, live_index, query_for
from civicnest.matching.models import (
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    ServiceOffering,
    SubmitterKind,
)
from civicnest.regions.loader import load_city
from civicnest.regions.models import Region, RegionLevel
from civicnest.registry.models import Category, OrgStatus, OrgType, SocialOrganization, Stage
from civicnest.registry.search import pinyin_full, pinyin_initials

SEED = 50_000
CITY = "4201"  # 武汉市
EVALUATION = ROOT / "data" / "matching"
TARGETS = {"rank_p95_ms": 30.0, "batch_s": 60.0, "fresh_s": 1.0}
TARGET_SIZES = {"offerings": 50_000, "needs": 10_000}  # the targets are stated for these sizes
LIMIT = 10
WARMUP = 50
FRESH_MAX_CALLS = 5
MARK_BEGIN = "<!-- MATCHING:BEGIN generated by bench/matching_bench.py --report from var/bench/matching-*.json -->"
MARK_END = "<!-- MATCHING:END -->"
ENGINES = (("sqlite", "SQLite"), ("postgresql", "PostgreSQL"))

FUNDING = [
    "本项目由政府购买服务。",
    "本项目获武汉市社区公益创投资助。",
    "经费来源：福彩公益金。",
    "本项目为“五社联动”试点项目。",
    "经费来源：社区惠民资金。",
]
COMMUNITY_NAME = re.compile(r"(社区|村)")


# -- setup --------------------------------------------------------------------------------------------
def prepare_database() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    if ServiceOffering.objects.exists():
        sys.exit(
            f"matching_bench: {connection.settings_dict['NAME']} already holds offerings; "
            "point DATABASE_URL at a throw-away database."
        )
    load_city(CITY)


def analyze() -> None:
    """On PostgreSQL autovacuum analyzes tables within a minute of bulk inserts; do it now so queries run with
    the statistics a live server would have. SQLite is left as deployed (no ANALYZE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Places:
    """Wuhan's districts, streets and communities as loaded (ordinary 社区/村 units, streets coded < 400)."""

    def __init__(self) -> None:
        rows = list(
            Region.objects.filter(code__startswith=CITY).values_list("code", "name", "level")
        )
        self.names = {code: name for code, name, _level in rows}
        self.streets: dict[str, list[str]] = defaultdict(list)
        self.communities: dict[str, list[str]] = defaultdict(list)  # by street
        self.district_communities: dict[str, list[str]] = defaultdict(list)
        for code, name, level in sorted(rows):
            if level == RegionLevel.STREET and code[6:9] < "400":
                self.streets[code[:6]].append(code)
            elif level == RegionLevel.COMMUNITY and COMMUNITY_NAME.search(name):
                self.communities[code[:9]].append(code)
                self.district_communities[code[:6]].append(code)

    def near(self, code: str, rng: random.Random) -> str:
        """A region of the same level next to `code`: another street of its district, another community
        of its street; districts stay as they are."""
        if len(code) == 9:
            return rng.choice(self.streets.get(code[:6]) or [code])
        if len(code) == 12:
            return rng.choice(self.communities.get(code[:9]) or [code])
        return code


def load_templates() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    offerings = json.loads((EVALUATION / "offerings.json").read_text(encoding="utf-8"))
    needs = json.loads((EVALUATION / "needs.json").read_text(encoding="utf-8"))
    return offerings, needs


def _bulk(model: Any, objs: list[Any]) -> list[Any]:
    return model.objects.bulk_create(objs, batch_size=2000)


def create_organizations(
    count: int, templates: list[dict[str, Any]], places: Places, rng: random.Random
) -> dict[str, list[SocialOrganization]]:
    """`count` organizations spread over the districts like the templates' offerings; district → orgs."""
    by_district: dict[str, list[str]] = defaultdict(list)
    for t in templates:
        by_district[t["regions"][0][:6]].append(t["org"])
    districts = sorted(by_district)
    weights = [len(by_district[d]) for d in districts]
    grades = ["", "", "", "", "1A", "2A", "3A", "3A", "4A", "5A"]
    stages = [s.value for s in Stage]
    categories = [c.value for c in Category]
    seen_bodies: set[str] = set()
    seen_names: set[str] = set()
    orgs: list[SocialOrganization] = []
    while len(orgs) < count:
        district = rng.choices(districts, weights)[0]
        name = rng.choice(by_district[district])
        if name in seen_names:  # 武汉市江岸区后湖健康… → 武汉市江岸区暖心后湖健康…
            prefix = f"武汉市{places.names[district]}"
            rest = name.removeprefix(prefix)
            name = f"{prefix}{rng.choice(BRANDS)}{rest}"
            if name in seen_names:
                name = f"{name}{len(orgs)}"
        seen_names.add(name)
        body = "MA" + "".join(rng.choices(USCC_ALPHABET, k=6))
        if body in seen_bodies:
            continue
        seen_bodies.add(body)
        org_type = rng.choice(
            [OrgType.SOCIAL_SERVICE, OrgType.SOCIAL_SERVICE, OrgType.SOCIAL_GROUP]
        )
        streets = places.streets.get(district) or [district]
        orgs.append(
            SocialOrganization(
                name=name,
                uscc=uscc_build(org_type=org_type, region_code=district, body=body),
                org_type=org_type,
                legal_representative=person(rng),
                registration_authority=f"武汉市{places.names[district]}民政局",
                registered_on=datetime.date(2008, 1, 1)
                + datetime.timedelta(days=rng.randrange(17 * 365)),
                region_id=district if rng.random() < 0.5 else rng.choice(streets),
                category=rng.choice(categories),
                stage=rng.choice(stages),
                grade=rng.choice(grades),
                staff_count=rng.randrange(0, 40),
                volunteer_count=rng.randrange(0, 600),
                contact_name=person(rng),
                contact_phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                # a few are on the abnormal-activity list: the engine must skip their offerings
                status=OrgStatus.ABNORMAL if rng.random() < 0.02 else OrgStatus.NORMAL,
                name_pinyin=pinyin_full(name),
                name_initials=pinyin_initials(name),
            )
        )
    created = _bulk(SocialOrganization, orgs)
    out: dict[str, list[SocialOrganization]] = defaultdict(list)
    for org in created:
        out[org.region_id[:6]].append(org)
    return out


def offering_text(t: dict[str, Any], places: Places, rng: random.Random) -> tuple[str, str]:
    district = places.names.get(t["regions"][0][:6], "")
    title = t["title"]
    roll = rng.random()
    if roll < 0.15 and not title.startswith(district):
        title = f"{district}{title}"
    elif roll < 0.25:
        title = f"“{rng.choice(BRANDS)}”{title}"
    elif roll < 0.32:
        title = f"{title}（二期）"
    elif roll < 0.4 and not title.endswith("项目"):
        title = f"{title}项目"
    extra = []
    if rng.random() < 0.5:
        extra.append(rng.choice(FUNDING))
    if rng.random() < 0.4:
        extra.append(rng.choice(APPLY))
    if rng.random() < 0.3:
        extra.append(
            f"本机构成立于{rng.randrange(2008, 2024)}年，现有专职社工{rng.randrange(3, 40)}名、"
            f"注册志愿者{rng.randrange(20, 800)}名。"
        )
    if rng.random() < 0.2:
        extra.append(f"咨询电话：027-8{rng.randrange(10**6, 10**7)}。")
    rng.shuffle(extra)
    return title[:120], t["description"] + "".join(extra)


def create_offerings(
    count: int,
    templates: list[dict[str, Any]],
    orgs: dict[str, list[SocialOrganization]],
    places: Places,
    rng: random.Random,
) -> tuple[list[ServiceOffering], int]:
    """`count` offerings, each a varied copy of a template; half keep the template's service area, half move
    it to neighbouring streets/communities of the same district. Returns the offerings and the area rows."""
    offerings: list[ServiceOffering] = []
    areas: list[list[str]] = []
    costs = [c.value for c in CostModel]
    for i in range(count):
        t = templates[i % len(templates)] if i < len(templates) else rng.choice(templates)
        district = t["regions"][0][:6]
        codes = list(t["regions"])
        if rng.random() < 0.5:
            codes = sorted({places.near(code, rng) for code in codes})
        title, description = offering_text(t, places, rng)
        org = rng.choice(orgs.get(district) or [o for os_ in orgs.values() for o in os_])
        offerings.append(
            ServiceOffering(
                organization=org,
                region_id=org.region_id[:6],
                title=title,
                description=description,
                categories=t["categories"],
                beneficiaries=t["beneficiaries"],
                capacity=max(1, round(t["capacity"] * rng.uniform(0.5, 1.5))),
                schedule=rng.choice(SCHEDULES),
                cost_model=rng.choice(costs),
                is_active=rng.random() >= 0.03,
            )
        )
        areas.append(codes)
    created = _bulk(ServiceOffering, offerings)
    through = ServiceOffering.areas.through
    rows = [
        through(serviceoffering_id=o.pk, region_id=code)
        for o, codes in zip(created, areas, strict=True)
        for code in codes
    ]
    _bulk(through, rows)
    return created, len(rows)


def create_needs(
    *,
    count: int,
    templates: list[dict[str, Any]],
    places: Places,
    residents: list[User],
    rng: random.Random,
    status: str = NeedStatus.OPEN,
) -> list[tuple[Need, dict[str, Any]]]:
    """`count` needs (with their template), half in the template's community, half in another community
    of the same district."""
    needs: list[Need] = []
    used: list[dict[str, Any]] = []
    urgencies = [Urgency.NORMAL] * 6 + [Urgency.URGENT] * 3 + [Urgency.CRITICAL]
    for _ in range(count):
        t = rng.choice(templates)
        region = t["region"]
        if rng.random() < 0.5:
            region = rng.choice(places.district_communities.get(region[:6]) or [region])
        title = t["title"]
        if rng.random() < 0.1:
            title = f"求助：{title}"
        description = rng.choice(NEED_OPENERS) + t["description"] + rng.choice(NEED_CLOSERS)
        needs.append(
            Need(
                region_id=region,
                title=title[:120],
                description=description,
                category=t["category"] or "",
                beneficiaries=t["beneficiaries"],
                people_count=rng.choice((1, 1, 1, 2, 3, 5, 12, 40)),
                urgency=rng.choice(urgencies),
                submitter=rng.choice(residents),
                submitter_kind=SubmitterKind.COMMITTEE
                if t["description"].startswith(("辖区", "我社区", "本社区"))
                else SubmitterKind.RESIDENT,
                status=status,
            )
        )
        used.append(t)
    return list(zip(_bulk(Need, needs), used, strict=True))


def create_history(
    *,
    count: int,
    templates: list[dict[str, Any]],
    offerings: list[ServiceOffering],
    places: Places,
    residents: list[User],
    rng: random.Random,
) -> None:
    """Served needs with a rated match each: the ratings and this month's used capacity the index reads."""
    served = create_needs(
        count=count,
        templates=templates,
        places=places,
        residents=residents,
        rng=rng,
        status=NeedStatus.SERVED,
    )
    today = timezone.localdate()
    matches = [
        Match(
            need=need,
            offering=rng.choice(offerings),
            region_id=need.region_id,
            status=MatchStatus.RATED,
            score=1.0,
            delivered_on=today - datetime.timedelta(days=rng.randrange(0, 200)),
            hours=rng.choice((1, 2, 3)),
            people_served=need.people_count,
            rating=rng.choice((3, 4, 4, 5, 5)),
        )
        for need, _t in served
    ]
    _bulk(Match, matches)


def build_dataset(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(SEED)
    places = Places()
    offering_templates, need_templates = load_templates()
    start = time.perf_counter()
    orgs = create_organizations(args.orgs, offering_templates, places, rng)
    org_count = sum(len(v) for v in orgs.values())
    offerings, area_rows = create_offerings(args.offerings, offering_templates, orgs, places, rng)
    residents = _bulk(
        User,
        [User(username=f"bench_resident_{i}", full_name=person(rng)) for i in range(200)],
    )
    open_needs = create_needs(
        count=args.needs, templates=need_templates, places=places, residents=residents, rng=rng
    )
    create_history(
        count=args.history,
        templates=need_templates,
        offerings=offerings,
        places=places,
        residents=residents,
        rng=rng,
    )
    analyze()
    seconds = time.perf_counter() - start
    return {
        "organizations": org_count,
        "abnormal_organizations": SocialOrganization.objects.exclude(
            status=OrgStatus.NORMAL
        ).count(),
        "offerings": len(offerings),
        "active_offerings": ServiceOffering.objects.filter(is_active=True).count(),
        "area_rows": area_rows,
        "open_needs": len(open_needs),
        "served_needs_with_rating": args.history,
        "templates": {"offerings": len(offering_templates), "needs": len(need_templates)},
        "generate_and_insert_s": seconds,
        "_open": open_needs,
        "_templates": offering_templates,
        "_orgs": orgs,
    }


# -- measuring ----------------------------------------------------------------------------------------
def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def summary_ms(values_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms),
        "mean_ms": statistics.fmean(ms),
    }


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    """How many SQL statements ran in the block, without the debug cursor's logging."""
    count = [0]

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


@contextmanager
def gc_pauses() -> Iterator[dict[str, Any]]:
    """Python's cyclic garbage collections during the block: a full (generation 2) collection walks every
    object the process holds, the index's millions of small objects included."""
    spent: dict[str, Any] = {"collections": [0, 0, 0], "seconds": [0.0, 0.0, 0.0], "longest_s": 0.0}
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            seconds = time.perf_counter() - started[0]
            generation = info["generation"]
            spent["collections"][generation] += 1
            spent["seconds"][generation] += seconds
            spent["longest_s"] = max(spent["longest_s"], seconds)

    gc.callbacks.append(callback)
    try:
        yield spent
    finally:
        gc.callbacks.remove(callback)


class LoadSampler(threading.Thread):
    """The 1-minute load average every 10 s while the measurements run (other work skews every number)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self.done.wait(10):
                return

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.join()
        return {
            "before": self.samples[0],
            "after": os.getloadavg()[0],
            "mean": statistics.fmean(self.samples),
            "max": max(self.samples),
        }


def measure_cold_build() -> dict[str, Any]:
    """The first sync of a fresh process; jieba's dictionary (loaded once per process) is timed apart."""
    start = time.perf_counter()
    engine.tokenizer()
    tokenizer_s = time.perf_counter() - start
    live_index.reset()
    rss_before = rss_mib()
    with counting_queries() as queries:
        start = time.perf_counter()
        index = live_index.sync()
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "tokenizer_init_s": tokenizer_s,
        "docs": len(index.docs),
        "terms": len(index.postings),
        "queries": queries[0],
        "rss_growth_mib": rss_mib() - rss_before,
    }


def measure_rank(sample: list[Need], repeat: int) -> dict[str, Any]:
    """`live_index.rank` as a request pays it (stamp query + ranking), then its two parts alone."""
    for need in sample[:WARMUP]:
        live_index.rank(need, limit=LIMIT)
    passes = []
    empty = 0
    with gc_pauses() as pauses:
        for _ in range(repeat):
            times = []
            for need in sample:
                start = time.perf_counter()
                ranked = live_index.rank(need, limit=LIMIT)
                times.append(time.perf_counter() - start)
                empty += not ranked
            passes.append(summary_ms(times))
    stamp_times = []
    for _need in sample:
        start = time.perf_counter()
        LiveIndex._current_stamp()
        stamp_times.append(time.perf_counter() - start)
    index = live_index.sync()
    pure_times, concept_times, candidates = [], [], []
    for need in sample:
        query = query_for(need)
        start = time.perf_counter()
        index.rank(query, limit=LIMIT)
        pure_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.concepts(query.text)
        concept_times.append(time.perf_counter() - start)
        candidates.append(len(index.covering(query.region)))
    return {
        "needs": len(sample),
        "repeat": repeat,
        "passes": passes,
        "p50_ms": statistics.median(p["p50_ms"] for p in passes),
        "p95_ms": statistics.median(p["p95_ms"] for p in passes),
        "max_ms": max(p["max_ms"] for p in passes),
        "empty_results": empty // repeat,
        "gc": pauses,
        "stamp": summary_ms(stamp_times),
        "index_rank": summary_ms(pure_times),
        "concepts": summary_ms(concept_times),
        "candidates": {
            "mean": statistics.fmean(candidates),
            "p50": percentile([float(c) for c in candidates], 50),
            "p95": percentile([float(c) for c in candidates], 95),
            "max": max(candidates),
        },
    }


@contextmanager
def split_batch_time() -> Iterator[dict[str, float]]:
    """Time spent in the stamp query and in Index.rank during the block (wrappers cost ~1 µs a call)."""
    spent = {"stamp_s": 0.0, "index_rank_s": 0.0, "stamp_calls": 0, "rank_calls": 0}
    original_stamp = LiveIndex._current_stamp
    original_rank = engine.Index.rank

    def stamp() -> tuple[Any, ...]:
        start = time.perf_counter()
        try:
            return original_stamp()
        finally:
            spent["stamp_s"] += time.perf_counter() - start
            spent["stamp_calls"] += 1

    def rank(self: engine.Index, need: engine.NeedQuery, limit: int = 10) -> Any:
        start = time.perf_counter()
        try:
            return original_rank(self, need, limit)
        finally:
            spent["index_rank_s"] += time.perf_counter() - start
            spent["rank_calls"] += 1

    LiveIndex._current_stamp = staticmethod(stamp)  # type: ignore[method-assign]
    engine.Index.rank = rank  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        LiveIndex._current_stamp = staticmethod(original_stamp)  # type: ignore[method-assign]
        engine.Index.rank = original_rank  # type: ignore[method-assign]


def measure_batch(label: str) -> dict[str, Any]:
    before = Match.objects.filter(status=MatchStatus.SUGGESTED).count()
    with split_batch_time() as spent, counting_queries() as queries, gc_pauses() as pauses:
        start = time.perf_counter()
        count = services.refresh_all_suggestions()
        seconds = time.perf_counter() - start
    after = Match.objects.filter(status=MatchStatus.SUGGESTED).count()
    result = {
        "label": label,
        "seconds": seconds,
        "needs": count,
        "suggestions_before": before,
        "suggestions_after": after,
        "queries": queries[0],
        "per_need_ms": seconds / max(count, 1) * 1000,
        **spent,
        "gc": pauses,
        "rest_s": seconds - spent["stamp_s"] - spent["index_rank_s"],
        # Where the batch ranks in forked workers, Index.rank runs in them, out of the wrapper's sight:
        # the service's own split (time waiting for ranked batches, time writing them) says more.
        "refresh": dict(getattr(services, "last_refresh", {})),
    }
    print(
        f"  batch ({label}): {count} needs in {seconds:.1f} s "
        f"(stamp {spent['stamp_s']:.1f} s, Index.rank {spent['index_rank_s']:.1f} s, "
        f"rest {result['rest_s']:.1f} s; {queries[0]} queries)"
    )
    return result


def org_rep_for(org: SocialOrganization) -> User:
    user = User.objects.create(username=f"bench_org_rep_{org.pk}", full_name="基准测试负责人")
    RoleAssignment.objects.create(
        user=user, role=Role.ORG_REP, region_id=org.region_id[:6], organization=org
    )
    return user


def wait_visible(
    index: LiveIndex, need: Need, offering_id: int, started: float, check: Callable[[], bool]
) -> dict[str, Any]:
    """rank() until the offering is there (and `check` holds); the first call is the one that counts."""
    calls = []
    for _ in range(FRESH_MAX_CALLS):
        start = time.perf_counter()
        ranked = index.rank(need, limit=LIMIT)
        end = time.perf_counter()
        calls.append(end - start)
        ids = [s.offering for s in ranked]
        if offering_id in ids and check():
            return {
                "visible": True,
                "calls": len(calls),
                "call_s": calls,
                "first_call_s": calls[0],
                "since_save_s": end - started,
                "position": ids.index(offering_id) + 1,
            }
    return {
        "visible": False,
        "calls": len(calls),
        "call_s": calls,
        "first_call_s": calls[0],
        "since_save_s": time.perf_counter() - started,
        "position": None,
    }


def fresh_need(
    open_needs: list[tuple[Need, dict[str, Any]]],
    templates: list[dict[str, Any]],
    orgs: dict[str, list[SocialOrganization]],
) -> tuple[Need, dict[str, Any], SocialOrganization]:
    """A need from a template with relevant offerings, in a district with a normal organization."""
    by_id = {t["id"]: t for t in templates}
    for need, t in open_needs:
        district = need.region_id[:6]
        normal = [o for o in orgs.get(district, []) if o.status == OrgStatus.NORMAL]
        if t["relevant"] and normal and live_index.rank(need, limit=LIMIT):
            return need, by_id[t["relevant"][0]], normal[0]
    sys.exit("matching_bench: no need suitable for the freshness measurement")


def measure_freshness(
    open_needs: list[tuple[Need, dict[str, Any]]],
    templates: list[dict[str, Any]],
    orgs: dict[str, list[SocialOrganization]],
) -> dict[str, Any]:
    need, template, org = fresh_need(open_needs, templates, orgs)
    rep = org_rep_for(org)
    live_index.sync()  # both indexes current before the save
    other = LiveIndex()
    other_build_start = time.perf_counter()
    other.sync()
    other_build_s = time.perf_counter() - other_build_start
    # A text of the template relevant to the need, serving exactly the need's community: it must rank
    # first among the copies of the same template (ties go to the lower id, and this one is the newest).
    data = {
        "title": template["title"],
        "description": f"{template['description']}也可上门服务，例如：{need.description}",
        "categories": template["categories"],
        "beneficiaries": template["beneficiaries"],
        "area_codes": [need.region_id],
        "capacity": template["capacity"],
    }
    started = time.perf_counter()
    offering = services.offering_save(actor=rep, organization=org, data=data)
    save_s = time.perf_counter() - started
    own = wait_visible(live_index, need, offering.pk, started, lambda: True)
    other_start = time.perf_counter()
    other_result = wait_visible(other, need, offering.pk, other_start, lambda: True)
    print(
        f"  new offering: saved in {save_s * 1000:.0f} ms; live_index visible={own['visible']} after "
        f"{own['calls']} call(s), {own['since_save_s']:.2f} s; other LiveIndex "
        f"{other_result['first_call_s']:.2f} s"
    )

    # An edit: same count, newer updated_at → the incremental path.
    new_title = f"{template['title']}（已更新）"
    started = time.perf_counter()
    services.offering_save(
        actor=rep, organization=org, offering=offering, data={**data, "title": new_title}
    )
    edit_save_s = time.perf_counter() - started

    def updated(index: LiveIndex) -> Callable[[], bool]:
        return lambda: index.sync().docs[offering.pk].title == new_title

    edit_own = wait_visible(live_index, need, offering.pk, started, updated(live_index))
    other_start = time.perf_counter()
    edit_other = wait_visible(other, need, offering.pk, other_start, updated(other))
    print(
        f"  edited offering: live_index {edit_own['since_save_s'] * 1000:.0f} ms, "
        f"other LiveIndex {edit_other['first_call_s'] * 1000:.0f} ms"
    )
    return {
        "need_id": need.pk,
        "need_region": need.region_id,
        "offering_id": offering.pk,
        "save_s": save_s,
        "second_index_cold_build_s": other_build_s,
        "new": {"live_index": own, "other_index": other_result},
        "edit": {"save_s": edit_save_s, "live_index": edit_own, "other_index": edit_other},
    }


# -- profiling (--profile) ------------------------------------------------------------------------------
def profiled(label: str, fn: Callable[[], Any], top: int = 25) -> dict[str, Any]:
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        profiler.runcall(fn)
        seconds = time.perf_counter() - start
    sql_s = sum(float(q["time"]) for q in captured.captured_queries)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(15)
    print(f"\n=== profile: {label} ({seconds:.2f} s under the profiler) ===")
    print(f"queries: {len(captured)}, time in SQL (as Django measured it): {sql_s:.2f} s")
    print(out.getvalue())
    by_sql: dict[str, float] = defaultdict(float)
    for q in captured.captured_queries:
        by_sql[re.sub(r"\d+", "N", q["sql"])[:160]] += float(q["time"])
    slowest = sorted(by_sql.items(), key=lambda kv: -kv[1])[:5]
    for sql, spent in slowest:
        print(f"  {spent:7.2f} s  {sql}")
    return {
        "seconds_profiled": seconds,
        "queries": len(captured),
        "sql_s": sql_s,
        "slowest_sql": slowest,
    }


def profile(sample: list[Need], open_needs: list[tuple[Need, dict[str, Any]]]) -> dict[str, Any]:
    result = {}
    result["rank_200"] = profiled(
        "200 × live_index.rank", lambda: [live_index.rank(n, limit=LIMIT) for n in sample[:200]]
    )
    batch = [need for need, _t in open_needs[:300]]
    # As the nightly batch calls it: with the index synced once, where suggestions_refresh accepts one.
    takes_index = "index" in inspect.signature(services.suggestions_refresh).parameters

    def refresh() -> None:
        index = live_index.sync()
        for need in batch:
            if takes_index:
                services.suggestions_refresh(need=need, index=index)
            else:
                services.suggestions_refresh(need=need)

    result["refresh_300"] = profiled("300 × suggestions_refresh", refresh)

    def rebuild() -> None:
        live_index.reset()
        live_index.sync()

    result["rebuild"] = profiled("full rebuild: reset() + sync()", rebuild)
    return result


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
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory": first("/proc/meminfo", "MemTotal"),
        "cpu": first("/proc/cpuinfo", "model name"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "jieba": getattr(engine.jieba, "__version__", "?"),
        "database": db_version,
        "commit": commit or "?",
    }


def verdict(value: float, target: float) -> str:
    share = value / target
    if share > 1:
        return (
            f"❌ 未达标：是目标的 {share:.1f} 倍"
            if share >= 2
            else f"❌ 未达标：超出 {share - 1:.0%}"
        )
    if share > 0.8:
        return f"⚠️ 达标但余量小：用去预算的 {share:.0%}"
    if share > 0.5:
        return f"✅ 达标：用去预算的 {share:.0%}"
    return f"✅ 达标且余量充足：用去预算的 {share:.0%}"


def seconds_text(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def memory(meminfo: str) -> str:
    number = meminfo.removesuffix("kB").strip()
    return f"{int(number) / 2**20:.1f} GiB" if number.isdigit() else meminfo


def gc_text(when: str, g: dict[str, Any]) -> str:
    n, spent = g["collections"], g["seconds"]
    return (
        f"- {when} Python 垃圾回收：第 0/1/2 代各 {n[0]:,}/{n[1]:,}/{n[2]:,} 次，共 "
        f"{sum(spent):.2f} s，其中第 2 代（遍历进程里未冻结的全部对象；整体建索引后 `gc.freeze()` 已把索引移出）"
        f"{spent[2]:.2f} s；"
        f"最长一次停顿 {seconds_text(g['longest_s'])}。"
    )


def fresh_row(label: str, r: dict[str, Any], target: float) -> str:
    if not r["visible"]:
        return (
            f"| {label} | {r['calls']} 次查询后仍不可见（{seconds_text(r['since_save_s'])}） "
            f"| ≤ {target:.0f} s | ❌ 未达标 |"
        )
    calls = "下一次查询即可见" if r["calls"] == 1 else f"第 {r['calls']} 次查询才可见"
    return (
        f"| {label} | {seconds_text(r['since_save_s'])}（{calls}；该次查询 "
        f"{seconds_text(r['call_s'][-1])}） | ≤ {target:.0f} s | {verdict(r['since_save_s'], target)} |"
    )


def engine_section(title: str, r: dict[str, Any]) -> list[str]:
    t, rank, build, fresh = r["targets"], r["rank"], r["cold_build"], r["freshness"]
    batches = r["batch"]
    load = r["load_average"]
    load_extra = f"，平均 {load['mean']:.1f}、最高 {load['max']:.1f}" if "mean" in load else ""
    pass_p95 = ", ".join(f"{p['p95_ms']:.1f}" for p in rank["passes"])
    lines = [
        f"### {title}（{r['machine']['database']}）",
        "",
        f"测于 {r['measured_at']}，代码 `{r['machine']['commit']}`；生成并写入数据 "
        f"{r['dataset']['generate_and_insert_s']:.0f} s（不计入）；测量期间 1 分钟负载 "
        f"{load['before']:.1f} → {load['after']:.1f}{load_extra}（{r['machine']['nproc']} 核）。",
        "",
        "| 项目 | 结果 | 目标 | 评价 |",
        "|---|---:|---:|---|",
        f"| 单个需求取前 10 条 p95（`live_index.rank`，含每次的 stamp 查询；{rank['needs']} 个需求 × "
        f"{rank['repeat']} 轮，取各轮中位数） | {rank['p95_ms']:.1f} ms | ≤ {t['rank_p95_ms']:.0f} ms "
        f"| {verdict(rank['p95_ms'], t['rank_p95_ms'])} |",
        f"| 　p50 / 最大 | {rank['p50_ms']:.1f} ms / {rank['max_ms']:.1f} ms | — | "
        f"各轮 p95：{pass_p95} ms |",
    ]
    for b in batches:
        what = (
            "首次，推荐表为空"
            if b["suggestions_before"] == 0
            else "再次运行、替换已有推荐，即每晚的常态"
        )
        lines.append(
            f"| 批量推荐 `refresh_all_suggestions()`，{b['needs']:,} 个待对接需求（{what}） "
            f"| {b['seconds']:.1f} s | ≤ {t['batch_s']:.0f} s | {verdict(b['seconds'], t['batch_s'])} |"
        )
    lines += [
        fresh_row(
            "新增 1 个服务项目（`offering_save`）→ 本进程 `live_index.rank` 返回它",
            fresh["new"]["live_index"],
            t["fresh_s"],
        ),
        fresh_row(
            "　同上，另一个 `LiveIndex()` 实例（相当于另一进程）的下一次查询",
            fresh["new"]["other_index"],
            t["fresh_s"],
        ),
        fresh_row(
            "修改该服务项目（增量路径）→ 本进程下一次查询看到新标题",
            fresh["edit"]["live_index"],
            t["fresh_s"],
        ),
        fresh_row(
            "　同上，另一个 `LiveIndex()` 实例",
            fresh["edit"]["other_index"],
            t["fresh_s"],
        ),
        f"| 首次建索引（冷启动 `live_index.sync()`，{build['docs']:,} 个提供中的项目，"
        f"{build['queries']} 条 SQL；不含进程首次加载 jieba 词典的 {build['tokenizer_init_s']:.1f} s） "
        f"| {build['seconds']:.1f} s | — | 进程内存增加约 {build['rss_growth_mib']:.0f} MiB |",
        "",
        "| 单次查询的组成（同一批需求，各测一遍） | p50 | p95 | 最大 |",
        "|---|---:|---:|---:|",
    ]
    for label, part in (
        ("`live_index.rank` 整体（同上）", {**rank, "max_ms": rank["max_ms"]}),
        ("　stamp 查询 `LiveIndex._current_stamp()`", rank["stamp"]),
        ("　内存排序 `Index.rank`", rank["index_rank"]),
        ("　　其中需求文本分词 `concepts()`", rank["concepts"]),
    ):
        lines.append(
            f"| {label} | {part['p50_ms']:.1f} ms | {part['p95_ms']:.1f} ms | {part['max_ms']:.1f} ms |"
        )
    c = rank["candidates"]
    lines += [
        "",
        gc_text("查询各轮期间", rank["gc"]),
        "",
        f"服务区域覆盖需求所在社区的候选项目：平均 {c['mean']:,.0f} 个，p95 {c['p95']:,.0f}，最多 {c['max']:,}；"
        f"{rank['empty_results']} 个需求没有任何候选。",
        "",
        "| 批量推荐的时间去向 | 运行 | 秒 | 每个需求 | SQL 条数 |",
        "|---|---|---:|---:|---:|",
    ]
    for b in batches:
        run = "首次" if b["suggestions_before"] == 0 else "再次"
        n = max(b["needs"], 1)
        split = b.get("refresh") or {}
        if split.get("workers", 1) > 1:
            other = b["seconds"] - split["rank_wait_s"] - split["write_s"]
            lines += [
                f"| 排序：{split['workers']} 个子进程并行，本进程等待排好的批次 | {run} | "
                f"{split['rank_wait_s']:.1f} | {split['rank_wait_s'] / n * 1000:.1f} ms | |",
                f"| 写入：每批一条 `DELETE` 删旧推荐、查已处理的对接、`bulk_create`、提交 | {run} | "
                f"{split['write_s']:.1f} | {split['write_s'] / n * 1000:.1f} ms | {b['queries']:,} |",
                f"| 其余：同步索引、读需求、启动子进程、汇总审计 | {run} | {other:.1f} | "
                f"{other / n * 1000:.1f} ms | |",
            ]
            continue
        lines += [
            f"| stamp 查询（{b['stamp_calls']:,} 次） | {run} | {b['stamp_s']:.1f} | "
            f"{b['stamp_s'] / n * 1000:.1f} ms | |",
            f"| 内存排序 `Index.rank` | {run} | {b['index_rank_s']:.1f} | "
            f"{b['index_rank_s'] / n * 1000:.1f} ms | |",
            f"| 其余：读需求、删旧推荐、写新推荐、提交 | {run} | {b['rest_s']:.1f} | "
            f"{b['rest_s'] / n * 1000:.1f} ms | {b['queries']:,} |",
        ]
    new = fresh["new"]
    lines += [
        "",
        *(
            gc_text(
                f"批量推荐（{'首次' if b['suggestions_before'] == 0 else '再次'}）期间", b["gc"]
            )
            for b in batches
        ),
        "",
        f"新增项目：`offering_save` 本身 {seconds_text(fresh['save_s'])}，之后本进程各次查询 "
        + "、".join(seconds_text(s) for s in new["live_index"]["call_s"])
        + "，另一实例 "
        + "、".join(seconds_text(s) for s in new["other_index"]["call_s"])
        + f"；它在结果中排第 {new['live_index']['position'] or '—'} 位。修改：`offering_save` "
        f"{seconds_text(fresh['edit']['save_s'])}。",
        "",
    ]
    return lines


def write_report() -> None:
    results = {}
    for engine_name, _title in ENGINES:
        path = OUT_DIR / f"matching-{engine_name}.json"
        if path.exists():
            results[engine_name] = json.loads(path.read_text(encoding="utf-8"))
    if not results:
        sys.exit(f"matching_bench: no matching-*.json in {OUT_DIR}; run bench/run_matching.sh")
    any_r = next(iter(results.values()))
    m, d = any_r["machine"], any_r["dataset"]
    versions = "、".join(r["machine"]["database"] for r in results.values())
    lines = [
        MARK_BEGIN,
        "## 供需对接 (matching)",
        "",
        f"**机器**：`nproc` = {m['nproc']}，内存 {memory(m['memory'])}，CPU {m['cpu']}；Python {m['python']}，"
        f"Django {m['django']}，jieba {m['jieba']}；{versions}。PostgreSQL 是 `scripts/with-postgres.sh` "
        "起的临时集群（fsync 关闭）。",
        "",
        f"**数据**（种子固定，由评测集 `data/matching/` 的 {d['templates']['offerings']} 个服务项目和 "
        f"{d['templates']['needs']} 个需求作模板变化生成，全部 `bulk_create`）：{d['organizations']:,} 个社会组织"
        f"（{d['abnormal_organizations']} 个在活动异常名录）、{d['offerings']:,} 个服务项目"
        f"（{d['active_offerings']:,} 个提供中；服务区域 {d['area_rows']:,} 行，经 M2M 中间表写入；"
        "一半沿用模板的区/街道/社区，一半移到同区相邻街道或社区；标题加区名、品牌、（二期）等，描述追加经费、"
        f"报名、机构介绍等句子）、{d['open_needs']:,} 个待对接需求（一半在模板的社区，一半在同区其他社区；"
        f"加口语前后缀），另有 {d['served_needs_with_rating']:,} 个已服务需求各带一条已评价的对接记录"
        "（索引读取评分和本月已用名额）。",
        "",
        "**复现**：`make bench`（其中 `bench/run_matching.sh`：先 SQLite 临时文件 `var/bench/matching.sqlite3`，"
        "再 `scripts/with-postgres.sh` 下的 PostgreSQL，最后 `bench/matching_bench.py --report` 更新本节）。"
        "单独跑一个数据库：`DATABASE_URL=… uv run python bench/matching_bench.py`，加 `--profile` 打印 "
        "200 次查询、300 个需求的推荐刷新和一次重建索引的 cProfile 与最慢的 SQL。",
        "",
        "**测法**：`time.perf_counter`。查询 = `live_index.rank(need, limit=10)`，即一次请求付出的全部："
        "stamp 查询（服务项目和组织各一条 `MAX(updated_at)`；另有每进程每秒至多一次的 `COUNT(*)` 发现别的进程的删除）"
        f"+ 内存排序；索引已建好，先预热 {WARMUP} 次不计。批量 = `refresh_all_suggestions()` 的墙钟时间，"
        "每个需求最多写 5 条推荐，每 500 个需求一个事务；排序在 `MATCHING_BATCH_WORKERS`（默认 2）个 fork 出的子进程里做时，"
        "时间去向取服务函数自己的分段（等待排序结果、写入），否则用包装函数累计 stamp 查询和 `Index.rank`"
        "（每次调用约多 1 µs）。可见性 = 从调用 "
        "`services.offering_save`（该组织的 org_rep 用户）开始，到 `rank` 第一次返回新项目为止。"
        "PostgreSQL 在写入数据后执行一次 `ANALYZE`；SQLite 保持部署时的样子。",
        "",
    ]
    for engine_name, title in ENGINES:
        if engine_name in results:
            lines += engine_section(title, results[engine_name])
    small = [
        e
        for e, r in results.items()
        if r["dataset"]["offerings"] < TARGET_SIZES["offerings"]
        or r["dataset"]["open_needs"] < TARGET_SIZES["needs"]
    ]
    if small:
        lines += [f"⚠️ {', '.join(small)} 的数据量小于目标规定的规模，结果不能对照目标。", ""]
    lines.append(MARK_END)
    section = "\n".join(lines)
    text = DOC.read_text(encoding="utf-8")
    if MARK_BEGIN in text and MARK_END in text:
        head, rest = text.split(MARK_BEGIN, 1)
        text = head + section + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"matching_bench: updated {DOC} ({', '.join(results)})")


def print_table(r: dict[str, Any]) -> None:
    rank, t = r["rank"], r["targets"]
    print(
        f"\n{r['engine']} · {r['dataset']['offerings']} offerings · {r['dataset']['open_needs']} needs"
    )
    print(f"cold build            {r['cold_build']['seconds']:8.2f} s")
    print(
        f"rank p50/p95/max      {rank['p50_ms']:6.1f} / {rank['p95_ms']:.1f} / {rank['max_ms']:.1f} ms"
        f"   (target p95 ≤ {t['rank_p95_ms']:.0f} ms)"
    )
    print(
        f"  stamp p50/p95       {rank['stamp']['p50_ms']:6.1f} / {rank['stamp']['p95_ms']:.1f} ms"
    )
    print(
        f"  Index.rank p50/p95  {rank['index_rank']['p50_ms']:6.1f} / "
        f"{rank['index_rank']['p95_ms']:.1f} ms"
    )
    for b in r["batch"]:
        print(
            f"batch ({b['label']:<8})      {b['seconds']:8.1f} s   (target ≤ {t['batch_s']:.0f} s)"
        )
    for label, f in (("new", r["freshness"]["new"]), ("edit", r["freshness"]["edit"])):
        for which in ("live_index", "other_index"):
            x = f[which]
            print(
                f"fresh {label:<4} {which:<11} visible={x['visible']} calls={x['calls']} "
                f"{x['since_save_s']:.2f} s   (target ≤ {t['fresh_s']:.0f} s)"
            )
    load = r["load_average"]
    print(f"1-minute load average: {load['before']:.1f} before, {load['after']:.1f} after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--offerings", type=int, default=TARGET_SIZES["offerings"])
    parser.add_argument("--needs", type=int, default=TARGET_SIZES["needs"])
    parser.add_argument("--orgs", type=int, default=2_000)
    parser.add_argument("--history", type=int, default=1_000, help="served needs with a rating")
    parser.add_argument("--rank-needs", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the rank sample")
    parser.add_argument("--profile", action="store_true", help="also print cProfile output")
    parser.add_argument(
        "--report", action="store_true", help="only rewrite the docs section from the JSON"
    )
    args = parser.parse_args()
    if args.report:
        write_report()
        return

    prepare_database()
    dataset = build_dataset(args)
    open_needs = dataset.pop("_open")
    templates = dataset.pop("_templates")
    orgs = dataset.pop("_orgs")
    print(
        f"{connection.vendor}: {dataset['organizations']} organizations, {dataset['offerings']} offerings "
        f"({dataset['area_rows']} area rows), {dataset['open_needs']} open needs in "
        f"{dataset['generate_and_insert_s']:.0f} s (not counted)"
    )
    result: dict[str, Any] = {
        "engine": connection.vendor,
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "targets": TARGETS,
        "dataset": dataset,
    }
    sampler = LoadSampler()
    sampler.start()
    result["cold_build"] = measure_cold_build()
    print(f"  cold build: {result['cold_build']['seconds']:.1f} s")
    sample = [need for need, _t in random.Random(SEED + 1).sample(open_needs, args.rank_needs)]
    result["rank"] = measure_rank(sample, args.repeat)
    print(f"  rank p95: {result['rank']['p95_ms']:.1f} ms")
    result["batch"] = [measure_batch("first")]
    analyze()
    result["batch"].append(measure_batch("again"))
    result["freshness"] = measure_freshness(open_needs, templates, orgs)
    result["load_average"] = sampler.stop()
    if args.profile:
        result["profile"] = profile(sample, open_needs)

    path = OUT_DIR / f"matching-{connection.vendor}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"\nwritten {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
