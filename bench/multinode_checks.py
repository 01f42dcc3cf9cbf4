"""The checks of bench/multinode.sh: what one app node does, the other sees; killing a node loses no write.

    python bench/multinode_checks.py prepare OUT.json          # users, a room needing approval, a pending booking
    python bench/multinode_checks.py shared PREP.json URL_A URL_B
    python bench/multinode_checks.py writer PREP.json URL SECONDS OUT.json FIXTURES.json
    python bench/multinode_checks.py reconcile PREP.json WRITER.json

Runs against the database of the run (DATABASE_URL). `shared` talks to the two nodes directly; `writer`
submits needs through nginx one after another and records which ones were acknowledged (302), so `reconcile`
can check that every acknowledged write is in the database.
"""
# ruff: noqa: E402 - Django must be configured before the project's modules are imported

from __future__ import annotations

import datetime
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

import requests
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.matching.models import Need
from civicnest.network.models import Center
from civicnest.venues.models import Booking, BookingStatus, Room

PASSWORD = "Multi-Node-2026!"  # noqa: S105 - throw-away users of a throw-away database
PURPOSE = "多节点检查：待审批"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WRITE_PREFIX = "多节点写入"


def _user(username: str, role: str, center: Center) -> User:
    user, _created = User.objects.get_or_create(username=username, defaults={"full_name": username})
    user.set_password(PASSWORD)
    user.save()
    RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        region_id=center.region_id,
        center=center if role == Role.CENTER_STAFF else None,
    )
    return user


def prepare(out: str) -> None:
    center = Center.objects.order_by("pk").first()
    assert center is not None, "no center: run generate_city first"
    staff = _user("mn_staff", Role.CENTER_STAFF, center)
    _user("mn_locked", Role.CENTER_STAFF, center)
    booker = _user("mn_booker", Role.RESIDENT, center)
    room = Room.objects.create(
        center=center,
        region_id=center.region_id,
        name="多节点检查室",
        capacity=20,
        area=40,
        requires_approval=True,
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)
    booking = Booking.objects.create(
        room=room,
        region_id=room.region_id,
        booked_by=booker,
        start=start,
        end=start + datetime.timedelta(hours=2),
        purpose=PURPOSE,
        attendance=5,
        status=BookingStatus.PENDING,
    )
    Path(out).write_text(
        json.dumps({"booking": booking.pk, "staff": staff.pk, "started": time.time()}),
        encoding="utf-8",
    )


def _login(url: str, username: str, password: str = PASSWORD) -> tuple[requests.Session, int]:
    session = requests.Session()
    session.trust_env = False
    session.get(f"{url}/accounts/login/", timeout=30)
    response = session.post(
        f"{url}/accounts/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    return session, response.status_code


def shared(prep_path: str, a: str, b: str) -> None:
    prep = json.loads(Path(prep_path).read_text(encoding="utf-8"))
    results: dict[str, Any] = {}

    failures = [_login(a, "mn_locked", "wrong")[1] for _ in range(5)]
    locked_on_b = _login(b, "mn_locked")[1]
    results["lockout_shared"] = failures[-1] == 429 and locked_on_b == 429
    results["lockout_detail"] = f"A: {failures}, then the right password on B: {locked_on_b}"

    session, status = _login(a, "mn_staff")
    home_on_b = session.get(f"{b}/", allow_redirects=False, timeout=30).status_code
    results["session_shared"] = status == 302 and home_on_b == 200
    results["session_detail"] = f"login on A: {status}, / on B: {home_on_b}"

    before_b = PURPOSE in session.get(f"{b}/venues/bookings/", timeout=30).text
    before_a = PURPOSE in session.get(f"{a}/venues/bookings/", timeout=30).text
    started = time.monotonic()
    decided = session.post(
        f"{a}/venues/bookings/{prep['booking']}/decide/",
        {"approve": "1", "note": "", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    ).status_code
    after_b = PURPOSE in session.get(f"{b}/venues/bookings/", timeout=30).text
    elapsed_ms = (time.monotonic() - started) * 1000
    status_now = Booking.objects.get(pk=prep["booking"]).status
    # A fresh node (or worker) that never rendered the queue: does it show the approved booking as pending?
    after_a = PURPOSE in session.get(f"{a}/venues/bookings/", timeout=30).text
    results["approval_fresh_on_b"] = (
        before_a
        and before_b
        and decided == 302
        and not after_b
        and status_now == BookingStatus.CONFIRMED
    )
    results["approval_detail"] = (
        f"queued on A/B before: {before_a}/{before_b}; approve on A: {decided}; "
        f"still queued right after on B: {after_b}, on A: {after_a} "
        f"({elapsed_ms:.0f} ms for approve + reload); booking now {status_now}"
    )
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if not all(v for k, v in results.items() if not k.endswith("_detail")):
        sys.exit(1)


def writer(prep_path: str, url: str, seconds: str, out: str, fixtures_path: str) -> None:
    """Submit needs through nginx as fast as one resident can, for SECONDS; record what was acknowledged."""
    fixtures = json.loads(Path(fixtures_path).read_text(encoding="utf-8"))
    resident = fixtures["residents"][0]
    session = requests.Session()
    session.trust_env = False
    session.cookies.set("sessionid", fixtures["sessions"][resident["username"]])
    acknowledged: list[str] = []
    failed: dict[str, int] = {}
    deadline = time.monotonic() + float(seconds)
    i = 0
    while time.monotonic() < deadline:
        i += 1
        title = f"{WRITE_PREFIX}-{os.getpid()}-{i}"
        try:
            page = session.get(f"{url}/matching/needs/new/", timeout=30)
            token = CSRF.search(page.text)
            if page.status_code != 200 or not token:
                failed[f"form {page.status_code}"] = failed.get(f"form {page.status_code}", 0) + 1
                continue
            response = session.post(
                f"{url}/matching/needs/new/",
                {
                    "title": title,
                    "description": "多节点检查写入的需求，用来核对杀掉一个节点时有没有丢失写入。",
                    "region": resident["region"],
                    "category": "",
                    "people_count": 1,
                    "urgency": "normal",
                    "csrfmiddlewaretoken": token.group(1),
                },
                allow_redirects=False,
                timeout=30,
            )
        except requests.RequestException as exc:
            failed[type(exc).__name__] = failed.get(type(exc).__name__, 0) + 1
            time.sleep(0.1)
            continue
        if response.status_code == 302:
            acknowledged.append(title)
        else:
            key = f"post {response.status_code}"
            failed[key] = failed.get(key, 0) + 1
    Path(out).write_text(
        json.dumps({"acknowledged": acknowledged, "failed": failed, "attempts": i}),
        encoding="utf-8",
    )


def reconcile(prep_path: str, writer_path: str) -> None:
    written = json.loads(Path(writer_path).read_text(encoding="utf-8"))
    stored = set(
        Need.objects.filter(title__startswith=WRITE_PREFIX).values_list("title", flat=True)
    )
    acknowledged = set(written["acknowledged"])
    lost = sorted(acknowledged - stored)
    unacknowledged_stored = len(stored - acknowledged)
    result = {
        "attempts": written["attempts"],
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(lost),
        "stored_without_acknowledgement": unacknowledged_stored,
        "failed": written["failed"],
    }
    print(json.dumps(result, ensure_ascii=False))
    if lost:
        sys.exit(1)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    commands: dict[str, Callable[..., None]] = {
        "prepare": prepare,
        "shared": shared,
        "writer": writer,
        "reconcile": reconcile,
    }
    commands[command](*args)
