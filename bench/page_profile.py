"""Time and count the SQL of the load test's pages in-process (no HTTP server), to find what is slow.

    DATABASE_URL=postgres://… uv run python bench/page_profile.py [--repeat 5] [--sql PATH-SUBSTRING]

Needs a database filled by `generate_city` and the fixtures of bench/load_fixtures.py. For each page: the median
time over --repeat requests (after one warm-up) and the number of queries; --sql prints the slowest queries
of the pages whose path contains the substring.
"""
# ruff: noqa: E402 - Django must be configured before the project's modules are imported

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ["DEBUG"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicnest.accounts.models import User


def pages(f: dict) -> list[tuple[str, str | None, str]]:
    """(user, username or None for anonymous, path)."""
    officer = next(s["username"] for s in f["staff"] if s["username"].startswith("sh_officer_"))
    district = next(s["region"] for s in f["staff"] if s["username"] == officer)
    staff = next(s["username"] for s in f["staff"] if s["username"].startswith("sh_staff_"))
    resident = next(r for r in f["residents"] if r["needs"])
    rep = next(r for r in f["org_reps"] if r["rooms"])
    need = f["needs"][district][0]
    org = f["organizations"][district][0]
    team = f["teams"][district][0]
    return [
        ("officer", officer, "/"),
        ("officer", officer, "/matching/needs/"),
        ("officer", officer, "/matching/needs/?status=open"),
        ("officer", officer, f"/matching/needs/{need}/"),
        ("officer", officer, "/matching/"),
        ("officer", officer, "/registry/"),
        ("officer", officer, "/registry/?page=30"),
        ("officer", officer, "/registry/?q=养老"),
        ("officer", officer, f"/registry/{org}/"),
        ("officer", officer, "/registry/teams/"),
        ("officer", officer, f"/registry/teams/{team}/"),
        ("officer", officer, "/venues/bookings/"),
        ("officer", officer, "/network/centers/"),
        ("staff", staff, "/matching/needs/"),
        ("resident", resident["username"], "/matching/needs/"),
        ("resident", resident["username"], f"/matching/needs/{resident['needs'][0]}/"),
        ("resident", resident["username"], "/"),
        ("org_rep", rep["username"], "/venues/"),
        ("org_rep", rep["username"], f"/venues/rooms/{rep['rooms'][0]}/"),
        (
            "org_rep",
            rep["username"],
            f"/venues/?region={rep['region'][:6]}&day=2026-12-08&start_time=14:00&end_time=16:00&min_capacity=20",
        ),
        ("org_rep", rep["username"], "/matching/inbox/"),
        ("org_rep", rep["username"], "/matching/services/"),
        ("public", None, f"/portal/?district={district}"),
        ("public", None, f"/portal/organizations/?district={district}&page=3"),
        ("public", None, "/portal/organizations/?q=养老"),
        ("public", None, "/portal/events/"),
        ("api", officer, "/api/v1/organizations/?page=2"),
        ("api", officer, "/api/v1/needs/?page=2"),
        ("api", officer, "/api/v1/teams/"),
        ("api", officer, "/api/v1/bookings/"),
        ("api", officer, "/api/v1/centers/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sql", default="")
    parser.add_argument("--fixtures", default=str(ROOT / "var" / "bench" / "load-fixtures.json"))
    args = parser.parse_args()
    f = json.loads(Path(args.fixtures).read_text(encoding="utf-8"))
    clients: dict[str | None, Client] = {}
    print(f"{'who':<9} {'ms p50':>8} {'queries':>7}  path")
    for who, username, path in pages(f):
        if username not in clients:
            client = Client(HTTP_HOST="127.0.0.1")
            if username:
                client.force_login(User.objects.get(username=username))
            clients[username] = client
        client = clients[username]
        client.get(path)  # warm-up
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
        status = "" if response.status_code == 200 else f" HTTP {response.status_code}"
        print(
            f"{who:<9} {statistics.median(times):8.1f} {len(ctx.captured_queries):7d}  {path}{status}"
        )
        if args.sql and args.sql in path:
            for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:5]:
                print(f"      {float(q['time']) * 1000:7.1f} ms  {q['sql'][:400]}")


if __name__ == "__main__":
    main()
