"""Registry benchmarks: .xlsx import and export of N organizations, and the staff search over them.

    uv run python bench/registry_bench.py [--rows 20000] [--repeat 3] [--profile]

DATABASE_URL decides the database (a throw-away one: the script refuses a database that already holds
organizations). Without it, a SQLite file under var/bench/ is used. Results go to var/bench/registry-<engine>.json;
bench/report.py turns them into docs/benchmarks.md. Numbers are never asserted anywhere.

What is measured (time.perf_counter, median over --repeat runs):
- import: organization_import(mode="all") of the whole file by a city bureau officer, from an empty table
  each time; the parse of the workbook alone is timed separately (it is part of the import as a user sees it);
- export: organization_export over organization_list(user=officer), i.e. every row the officer may see;
- search: what the staff list page does per request, one page of 30 rows plus the paginator's count, for
  a mixed set of queries; p50/p95 per query kind and overall, after one unmeasured warm-up pass.
"""
# ruff: noqa: E402 - Django must be configured before the project's modules are imported

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT_DIR / 'registry.sqlite3'}")
os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory: not what production does
os.environ.setdefault("LOG_LEVEL", "WARNING")
OUT_DIR.mkdir(parents=True, exist_ok=True)

import django

django.setup()

import openpyxl
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.citygen.vocab import KINDS, USCC_ALPHABET, WORDS, person
from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.validators import uscc_build
from civicnest.regions.loader import load_city
from civicnest.regions.models import Region, RegionLevel
from civicnest.registry.excel import (
    COLUMN_OF,
    _load_dataset,
    organization_export,
    organization_import,
)
from civicnest.registry.models import Category, OrgType, SocialOrganization, Stage
from civicnest.registry.search import pinyin_full, pinyin_initials
from civicnest.registry.selectors import organization_list

SEED = 20_000
CITY = "4201"  # 武汉市
TARGETS = {"import_s": 20.0, "export_s": 10.0, "search_p95_ms": 50.0}
PAGE_SIZE = 30  # the staff list page's page size
QUERIES_PER_KIND = 30
SEARCH_KINDS = {  # kind → what its queries are (docs/benchmarks.md uses these labels)
    "zh2": "2 个汉字（养老、社工、和谐…）",
    "zh3plus": "3 个及以上汉字（社工服务、洪山区和谐…）",
    "initials": "拼音首字母（hxsg…）",
    "pinyin": "全拼片段（hexieshe…）",
    "uscc_prefix": "信用代码前缀（4–12 位）",
    "region_q": "区划（区/街道）+ 2 个汉字",
    "category": "服务领域（单独或 + 2 个汉字）",
    "all": "全部",
}

ROADS = [
    "解放大道",
    "中山大道",
    "建设大道",
    "武珞路",
    "珞喻路",
    "和平大道",
    "友谊大道",
    "汉阳大道",
    "民主路",
    "青年路",
    "光谷大道",
    "沿江大道",
]


# -- setup --------------------------------------------------------------------------------------------
def prepare_database() -> User:
    call_command("migrate", verbosity=0, interactive=False)
    if SocialOrganization.objects.exists():
        sys.exit(
            f"registry_bench: {connection.settings_dict['NAME']} already holds organizations; "
            "point DATABASE_URL at a throw-away database."
        )
    load_city(CITY)
    officer, _created = User.objects.get_or_create(
        username="bench_city_officer", defaults={"full_name": "基准测试市局"}
    )
    RoleAssignment.objects.get_or_create(user=officer, role=Role.BUREAU_OFFICER, region_id=CITY)
    return officer


def wipe_organizations() -> None:
    """Back to an empty registry. Raw SQL: nothing references the rows, and a model delete would load
    every row and write an audit entry for each."""
    table = connection.ops.quote_name(SocialOrganization._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the table name is ours
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")


def analyze() -> None:
    """On PostgreSQL autovacuum analyzes a table within a minute of 20,000 inserts; do it now so the
    search runs with the statistics a live server would have. SQLite is left as deployed (no ANALYZE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {connection.ops.quote_name(SocialOrganization._meta.db_table)}"
            )


# -- data ---------------------------------------------------------------------------------------------
class Places:
    """Wuhan's districts with their streets and communities, as loaded from the shipped data."""

    def __init__(self) -> None:
        regions = Region.objects.filter(code__startswith=CITY).values_list("code", "name", "level")
        self.names = {code: name for code, name, _level in regions}
        self.districts = sorted(c for c, _n, lvl in regions if lvl == RegionLevel.DISTRICT)
        self.streets: dict[str, list[str]] = defaultdict(list)
        self.communities: dict[str, list[str]] = defaultdict(list)
        for code, _name, level in sorted(regions):
            if level == RegionLevel.STREET:
                self.streets[code[:6]].append(code)
            elif level == RegionLevel.COMMUNITY:
                self.communities[code[:9]].append(code)

    def pick(self, rng: random.Random) -> tuple[str, str]:
        """(district, region): 20 % at district level, 40 % on a street, 40 % in a community."""
        district = rng.choice(self.districts)
        roll = rng.random()
        if roll < 0.2 or not self.streets[district]:
            return district, district
        street = rng.choice(self.streets[district])
        if roll < 0.6 or not self.communities[street]:
            return district, street
        return district, rng.choice(self.communities[street])


def organization_rows(count: int, places: Places) -> list[dict[str, Any]]:
    """`count` valid, deterministic rows keyed by the import's column names."""
    rng = random.Random(SEED)
    seen_names: Counter[str] = Counter()
    seen_bodies: set[str] = set()
    stages = [str(label) for _value, label in Stage.choices]
    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        district, region = places.pick(rng)
        category, org_type, suffix = rng.choice(KINDS)
        district_name = places.names[district]
        base = f"武汉市{district_name}{rng.choice(WORDS)}{suffix}"
        seen_names[base] += 1
        name = base if seen_names[base] == 1 else f"{base}{seen_names[base]}"
        body = "MA" + "".join(rng.choices(USCC_ALPHABET, k=6))
        if body in seen_bodies:
            continue
        seen_bodies.add(body)
        authority = (
            "武汉市民政局" if org_type == OrgType.FOUNDATION else f"武汉市{district_name}民政局"
        )
        street = places.names[region[:9]] if len(region) >= 9 else ""
        party_members = rng.choice((0, 0, 1, 2, 3, 5, 8))
        rows.append(
            {
                "name": name,
                "uscc": uscc_build(org_type=org_type, region_code=district, body=body),
                "org_type": str(OrgType(org_type).label),
                "legal_representative": person(rng),
                "registration_authority": authority,
                "registered_on": datetime.date(2008, 1, 1)
                + datetime.timedelta(days=rng.randrange(18 * 365)),
                "region_id": int(region),  # Excel keeps codes as numbers
                "category": str(Category(category).label),
                "stage": rng.choice(stages),
                "staff_count": rng.randrange(0, 40),
                "volunteer_count": rng.randrange(0, 600),
                "party_member_count": party_members,
                "has_party_org": "是" if party_members >= 3 else "否",
                "contact_name": person(rng),
                "contact_phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                "address": f"武汉市{district_name}{street}{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
            }
        )
    return rows


def workbook(rows: list[dict[str, Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "社会组织"
    sheet.append(list(COLUMN_OF.values()))
    for row in rows:
        sheet.append([row[attribute] for attribute in COLUMN_OF])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- search queries -----------------------------------------------------------------------------------
def search_queries(rows: list[dict[str, Any]], places: Places) -> list[tuple[str, dict[str, str]]]:
    """(kind, filters) pairs, QUERIES_PER_KIND of each kind, in a shuffled but fixed order."""
    rng = random.Random(SEED + 1)
    short = [
        "养老",
        "社工",
        "和谐",
        "阳光",
        "暖心",
        "志愿",
        "协会",
        "助残",
        "心理",
        "法律",
        "调解",
        "环保",
        "文体",
        "慈善",
        "教育",
        "健康",
        "儿童",
        "邻里",
        "江岸",
        "洪山",
        "武昌",
        "汉阳",
        "中心",
        "服务",
        "基金",
        "彩虹",
        "乐龄",
        "长江",
        "东湖",
        "康复",
    ]
    longer = [
        "社工服务",
        "为老服务",
        "和谐社工",
        "阳光助残",
        "暖心为老",
        "志愿者协会",
        "心理健康",
        "法律援助",
        "江岸区",
        "洪山区和谐",
        "武昌区阳光",
        "慈善基金会",
        "青少年",
        "社区教育",
        "人民调解",
        "全民健身",
        "养老服务中心",
        "儿童关爱",
        "邻里社区",
        "汉阳区",
        "东湖生态",
        "江城公益",
        "黄鹤志愿",
        "社会工作",
        "学习促进",
        "生态环保",
        "晴川",
        "光明社工",
        "不存在的",
        "楚天慈善",
    ]
    phrases = [w + s[:2] for w in WORDS for _c, _t, s in KINDS]
    rng.shuffle(phrases)
    initials = [pinyin_initials(p) for p in phrases[:QUERIES_PER_KIND]]
    full = [pinyin_full(p)[: rng.choice((5, 7, 9, 12))] for p in phrases[-QUERIES_PER_KIND:]]
    codes = [r["uscc"] for r in rng.sample(rows, QUERIES_PER_KIND)]
    uscc = [code[: rng.choice((4, 8, 10, 12))] for code in codes]
    streets = [s for d in places.districts for s in places.streets[d]]
    by_region = [
        {
            "region": rng.choice(places.districts) if i % 2 else rng.choice(streets),
            "q": rng.choice(short),
        }
        for i in range(QUERIES_PER_KIND)
    ]
    categories = [value for value, _label in Category.choices]
    by_category = [
        {"category": categories[i % len(categories)]}
        | ({"q": rng.choice(short)} if i >= len(categories) else {})
        for i in range(QUERIES_PER_KIND)
    ]
    kinds: dict[str, list[dict[str, str]]] = {
        "zh2": [{"q": q} for q in short],
        "zh3plus": [{"q": q} for q in longer],
        "initials": [{"q": q} for q in initials],
        "pinyin": [{"q": q} for q in full],
        "uscc_prefix": [{"q": q} for q in uscc],
        "region_q": by_region,
        "category": by_category,
    }
    assert set(kinds) | {"all"} == set(SEARCH_KINDS)
    queries = [(kind, f) for kind, filters in kinds.items() for f in filters[:QUERIES_PER_KIND]]
    rng.shuffle(queries)
    return queries


# -- measuring ----------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def run_page(officer: User, filters: dict[str, str]) -> tuple[list[SocialOrganization], int]:
    """What the list view does: one page of rows (with region and center) and the paginator's count."""
    qs = organization_list(user=officer, filters=filters)
    return list(qs[:PAGE_SIZE]), qs.count()


def measure_import(officer: User, content: bytes, rows: int, repeat: int) -> dict[str, Any]:
    read_times, import_times = [], []
    for _ in range(repeat):
        wipe_organizations()
        read_times.append(timed(lambda: _load_dataset(content))[0])
        seconds, report = timed(
            lambda: organization_import(actor=officer, content=content, mode="all")
        )
        if not report.written or report.imported != rows:
            for error in report.errors[:10]:
                print(f"  row {error.row} {error.column}: {error.reason}", file=sys.stderr)
            sys.exit(f"registry_bench: import wrote {report.imported} of {rows} rows")
        import_times.append(seconds)
    return {
        "runs_s": import_times,
        "median_s": statistics.median(import_times),
        "read_runs_s": read_times,
        "read_median_s": statistics.median(read_times),
    }


def measure_export(officer: User, rows: int, repeat: int) -> dict[str, Any]:
    times, content = [], b""
    for _ in range(repeat):
        seconds, content = timed(
            lambda: organization_export(actor=officer, queryset=organization_list(user=officer))
        )
        times.append(seconds)
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    exported = sum(1 for _row in sheet.iter_rows(min_row=2, values_only=True))
    if exported != rows:
        sys.exit(f"registry_bench: export holds {exported} rows, expected {rows}")
    return {"runs_s": times, "median_s": statistics.median(times), "bytes": len(content)}


def measure_search(
    officer: User, queries: list[tuple[str, dict[str, str]]], repeat: int
) -> dict[str, Any]:
    matches = {}
    for _kind, filters in queries:  # warm-up: connection, scope cache, database page cache
        matches[json.dumps(filters, ensure_ascii=False)] = run_page(officer, filters)[1]
    per_repeat: list[dict[str, dict[str, float]]] = []
    for _ in range(repeat):
        by_kind: dict[str, list[float]] = defaultdict(list)
        for kind, filters in queries:
            start = time.perf_counter()
            run_page(officer, filters)
            by_kind[kind].append((time.perf_counter() - start) * 1000)
        by_kind["all"] = [t for kind_times in list(by_kind.values()) for t in kind_times]
        per_repeat.append(
            {
                kind: {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}
                for kind, times in by_kind.items()
            }
        )
    kinds = [kind for kind in SEARCH_KINDS if kind in per_repeat[0]]
    summary = {
        kind: {
            "queries": sum(1 for k, _f in queries if k == kind) if kind != "all" else len(queries),
            "p50_ms": statistics.median(r[kind]["p50_ms"] for r in per_repeat),
            "p95_ms": statistics.median(r[kind]["p95_ms"] for r in per_repeat),
        }
        for kind in kinds
    }
    zero = sorted(f for f, n in matches.items() if n == 0)
    return {"by_kind": summary, "per_repeat": per_repeat, "queries_without_hits": zero}


# -- profiling (--profile) ------------------------------------------------------------------------------
def profile(officer: User, content: bytes, rows: int) -> dict[str, Any]:
    """One extra import and export under cProfile and query capture; prints where the time goes."""
    result: dict[str, Any] = {}
    wipe_organizations()
    for label, fn in (
        ("import", lambda: organization_import(actor=officer, content=content, mode="all")),
        (
            "export",
            lambda: organization_export(actor=officer, queryset=organization_list(user=officer)),
        ),
    ):
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            profiler.runcall(fn)
            seconds = time.perf_counter() - start
        sql_seconds = sum(float(q["time"]) for q in captured.captured_queries)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(25)
        print(f"\n=== profile: {label} ({seconds:.2f} s under the profiler) ===")
        print(f"queries: {len(captured)}, time in SQL (as Django measured it): {sql_seconds:.2f} s")
        print(out.getvalue())
        result[label] = {
            "seconds_profiled": seconds,
            "queries": len(captured),
            "sql_s": sql_seconds,
        }
    if SocialOrganization.objects.count() != rows:
        sys.exit("registry_bench: profiled import did not write every row")
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
    imp, exp, search = result["import"], result["export"], result["search"]["by_kind"]
    t = result["targets"]
    print(f"\n{result['engine']} · {result['rows']} rows · median of {result['repeat']}")
    print(f"{'measure':<28}{'result':>12}{'target':>12}")
    print(f"{'import (whole file)':<28}{imp['median_s']:>11.2f}s{t['import_s']:>11.0f}s")
    print(f"{'  of which reading .xlsx':<28}{imp['read_median_s']:>11.2f}s")
    print(f"{'export (all rows)':<28}{exp['median_s']:>11.2f}s{t['export_s']:>11.0f}s")
    print(f"{'search kind (queries)':<28}{'p50 ms':>12}{'p95 ms':>12}")
    for kind, s in search.items():
        label = f"  {kind} ({s['queries']})"
        print(f"{label:<28}{s['p50_ms']:>12.1f}{s['p95_ms']:>12.1f}")
    print(f"search p95 target: {t['search_p95_ms']:.0f} ms")
    load = result["load_average"]
    print(f"1-minute load average: {load['before']:.1f} before, {load['after']:.1f} after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile", action="store_true", help="also profile one import and one export"
    )
    args = parser.parse_args()

    officer = prepare_database()
    places = Places()
    generate_s, rows = timed(lambda: organization_rows(args.rows, places))
    write_s, content = timed(lambda: workbook(rows))
    print(
        f"{connection.vendor}: generated {len(rows)} rows in {generate_s:.1f} s, "
        f".xlsx ({len(content) / 1e6:.1f} MB) written in {write_s:.1f} s (not counted)"
    )

    result: dict[str, Any] = {
        "engine": connection.vendor,
        "rows": args.rows,
        "repeat": args.repeat,
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "targets": TARGETS,
        "search_kinds": SEARCH_KINDS,
        "dataset": {"xlsx_bytes": len(content), "generate_s": generate_s, "write_xlsx_s": write_s},
    }
    load_before = os.getloadavg()[0]
    result["import"] = measure_import(officer, content, args.rows, args.repeat)
    analyze()
    result["export"] = measure_export(officer, args.rows, args.repeat)
    queries = search_queries(rows, places)
    result["search"] = measure_search(officer, queries, args.repeat)
    # Other work on the machine skews every number: keep the 1-minute load average next to them.
    result["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
    if args.profile:
        result["profile"] = profile(officer, content, args.rows)

    path = OUT_DIR / f"registry-{connection.vendor}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"\nwritten {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
