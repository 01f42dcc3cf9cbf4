"""Compliance check at city scale: every rule for every center of a Wuhan-sized network, computed live.

    uv run python bench/evaluation_bench.py [--repeat 5]
    scripts/with-postgres.sh uv run python bench/evaluation_bench.py      (PostgreSQL)

DATABASE_URL decides the database (a throw-away one: the script refuses a database that already holds centers).
Without it, a SQLite file under var/bench/ is used. Prints one JSON line; numbers are never asserted anywhere.

The data (deterministic): Wuhan's regions; one active center per district, street and community (~3,700),
3 staff each (2 full-time with pay), 16,000 organizations attached to centers and 25,000 filed activity teams
in communities, all written with bulk_create. Measured (time.perf_counter, median of --repeat after a warm-up):
`compliance_report` for a city administrator (all centers) and for one district officer, and `target_tracking`
for the city (coverage of three levels plus the compliance share).
"""
# ruff: noqa: E402 - Django must be configured before the project's modules are imported

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT_DIR / 'evaluation.sqlite3'}")
os.environ["DEBUG"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
OUT_DIR.mkdir(parents=True, exist_ok=True)

import django

django.setup()

from django.core.management import call_command
from django.db import connection

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.evaluation import selectors
from civicnest.evaluation.models import ComplianceParameters, NetworkTarget
from civicnest.network.models import Center, CenterStaff
from civicnest.regions.loader import load_city
from civicnest.regions.models import Region
from civicnest.registry.models import ActivityTeam, SocialOrganization


def build() -> int:
    load_city("4201")
    regions = list(
        Region.objects.filter(level__in=["district", "street", "community"]).order_by("code")
    )
    centers = [
        Center(
            name=f"中心{r.code}",
            center_type="service_center",
            level=r.level,
            region=r,
            premises_area=Decimal(20 + (i * 37) % 200),
            has_board=i % 11 != 0,
            has_supervisor=True,
            has_financial_rules=True,
            has_personnel_rules=i % 13 != 0,
            has_procedure_rules=True,
            has_party_org=i % 2 == 0,
        )
        for i, r in enumerate(regions)
    ]
    Center.objects.bulk_create(centers, batch_size=1000)
    centers = list(Center.objects.order_by("pk"))
    staff = []
    for i, c in enumerate(centers):
        for j in range(3):
            staff.append(
                CenterStaff(
                    center=c,
                    name=f"人员{i}-{j}",
                    position="director" if j == 0 else "social_worker",
                    employment="full_time" if j < 2 else "part_time",
                    social_worker_level="assistant" if (i + j) % 3 == 0 else "",
                    is_party_member=(i + j) % 2 == 0,
                    annual_pay=Decimal(90000 + (i * 131) % 60000) if j < 2 else None,
                )
            )
    CenterStaff.objects.bulk_create(staff, batch_size=2000)
    orgs = [
        SocialOrganization(
            name=f"组织{n}",
            uscc=f"52420100MA{n:07d}X"[:18],
            org_type="social_service",
            legal_representative="张",
            registration_authority="民政局",
            registered_on=datetime.date(2018, 1, 1),
            region=centers[n % len(centers)].region,
            center=centers[n % len(centers)],
            category="elderly",
        )
        for n in range(16_000)
    ]
    SocialOrganization.objects.bulk_create(orgs, batch_size=2000)
    communities = [c.region for c in centers if c.level == "community"]
    user = User.objects.create(username="bench_filer")
    teams = [
        ActivityTeam(
            name=f"团队{n}",
            region=communities[n % len(communities)],
            category="culture_sports",
            responsible_person="王",
            contact_phone="13600002222",
            venue="活动室",
            member_count=20,
            status="filed",
            filing_number=f"BA{n:08d}",
            submitted_by=user,
        )
        for n in range(25_000)
    ]
    ActivityTeam.objects.bulk_create(teams, batch_size=2000)
    ComplianceParameters.objects.create(year=2026, city_average_wage=Decimal("112000"))
    city = Region.objects.get(code="4201")
    for metric in ("districts", "streets", "communities", "compliant"):
        NetworkTarget.objects.create(region=city, year=2018, metric=metric, target_percent=80)
    return len(centers)


def timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    """Median wall-clock and CPU (this process) milliseconds: on a shared machine the CPU time is the
    steadier figure; the database work of SQLite runs in-process, PostgreSQL's does not."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {
        "wall_ms": round(statistics.median(wall) * 1000, 1),
        "cpu_ms": round(statistics.median(cpu) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Center.objects.exists():
        sys.exit("evaluation_bench: the database already holds centers; use a throw-away database")
    n = build()
    admin = User.objects.create(username="bench_admin", is_superuser=True)
    officer = User.objects.create(username="bench_officer")
    RoleAssignment.objects.create(user=officer, role=Role.BUREAU_OFFICER, region_id="420106")
    officer = User.objects.get(pk=officer.pk)
    report = selectors.compliance_report(user=admin)
    result: dict[str, object] = {
        "load_average": os.getloadavg()[0],
        "engine": connection.vendor,
        "centers": n,
        "breaches": len(report.breaches),
        "compliant": report.compliant,
        "city_compliance_ms": timed(lambda: selectors.compliance_report(user=admin), args.repeat),
        "district_compliance_ms": timed(
            lambda: selectors.compliance_report(user=officer), args.repeat
        ),
        "city_targets_ms": timed(lambda: selectors.target_tracking(user=admin), args.repeat),
    }
    print(json.dumps(result, ensure_ascii=False))
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: selectors.compliance_report(user=admin))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
