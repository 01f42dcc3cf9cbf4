"""Two app nodes sharing one database and one Redis: what one node does, the other sees at once.

A CI-sized version of bench/multinode.sh (issue 18): a private redis-server on a loopback port and two
gunicorn processes (one worker each) on the test database, REDIS_URL pointing both at that Redis. Checks that
a lock-out made through node A applies on node B, a session made on A works on B, the API throttle counts the
requests of both, and a cached list fragment (the booking approval queue) invalidated by a write on A is fresh
on B. With the per-process LocMem cache the last two fail: each node counts and caches for itself.
Skipped when `redis-server` is not installed (scripts/setup.sh test installs it).
"""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.venues.models import Booking, BookingStatus
from civicnest.venues.tests.factories import RoomFactory

ROOT = Path(__file__).resolve().parents[3]
REDIS = shutil.which("redis-server")
PASSWORD = "Test-Password-2026"
NO_PERSISTENCE = ["--save", "", "--appendonly", "no", "--daemonize", "no"]
NODE_ENV: dict[str, str] = {}  # the environment of the running nodes (for a third process)
GUNICORN = [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "1", "--timeout", "30"]

pytestmark = [
    pytest.mark.skipif(REDIS is None, reason="redis-server 未安装（scripts/setup.sh test 会安装）"),
    pytest.mark.django_db(transaction=True),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            requests.get(f"{url}/healthz/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def nodes(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """Redis and two gunicorn nodes on loopback, once for the module (on the test database, which
    django_db_setup has made); every process is stopped by its PID at the end."""
    assert REDIS is not None
    tmp_path = tmp_path_factory.mktemp("multinode")
    redis_port = _free_port()
    started: list[subprocess.Popen[bytes]] = []
    try:
        redis_log = tmp_path / "redis.log"
        with redis_log.open("wb") as out:
            started.append(
                subprocess.Popen(
                    [REDIS, "--port", str(redis_port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CIVICNEST_TEST_NODE": "1",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "API_AUTH_THROTTLE": "6/min",
            "LOG_LEVEL": "WARNING",
        }
        urls = []
        for name in ("a", "b"):
            port = _free_port()
            log = tmp_path / f"node-{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [*GUNICORN, "-b", f"127.0.0.1:{port}"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append(process)
            urls.append((f"http://127.0.0.1:{port}", process, log))
        for url, process, log in urls:
            _wait_until_up(url, process, log)
        NODE_ENV.clear()
        NODE_ENV.update(env)
        yield urls[0][0], urls[1][0]
    finally:
        for process in reversed(started):
            _stop(process)


def _login(url: str, username: str, password: str = PASSWORD) -> tuple[requests.Session, int]:
    session = requests.Session()
    session.get(f"{url}/accounts/login/", timeout=10)
    response = session.post(
        f"{url}/accounts/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=10,
    )
    return session, response.status_code


def test_two_nodes_share_lockouts_sessions_throttles_and_cached_fragments(
    nodes: tuple[str, str], make_user: Callable[..., User], jiangan_center: Center
) -> None:
    a, b = nodes

    # A lock-out made through node A applies on node B.
    make_user(username="mn_locked")
    failures = [_login(a, "mn_locked", "wrong")[1] for _ in range(5)]
    assert failures == [200] * 4 + [429]  # the form again with the error; the fifth locks
    assert _login(b, "mn_locked")[1] == 429

    # A session made on A works on B.
    staff = make_user(Role.CENTER_STAFF, center=jiangan_center, username="mn_staff")
    session, status = _login(a, "mn_staff")
    assert status == 302
    assert session.get(f"{b}/", allow_redirects=False, timeout=10).status_code == 200

    # The API throttle (6/min here) counts the requests of both nodes.
    statuses = [
        requests.post(
            f"{(a, b)[i % 2]}/api/v1/auth/token/",
            json={"username": f"nobody{i}", "password": "wrong"},
            timeout=10,
        ).status_code
        for i in range(7)
    ]
    assert statuses == [400] * 6 + [429]

    # A booking approved through A leaves the (cached) approval queue on B at once.
    booker = make_user(username="mn_booker")
    RoleAssignment.objects.create(user=booker, role=Role.RESIDENT, region_id="420102")
    room = RoomFactory.create(center=jiangan_center, requires_approval=True)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    booking = Booking.objects.create(
        room=room,
        region_id=room.region_id,
        booked_by=booker,
        start=start,
        end=start + datetime.timedelta(hours=2),
        purpose="多节点测试待审批",
        attendance=5,
        status=BookingStatus.PENDING,
    )
    assert "多节点测试待审批" in session.get(f"{b}/venues/bookings/", timeout=10).text
    assert "多节点测试待审批" in session.get(f"{a}/venues/bookings/", timeout=10).text
    decided = session.post(
        f"{a}/venues/bookings/{booking.pk}/decide/",
        {"approve": "1", "note": "", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=10,
    )
    assert decided.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.decided_by == staff
    assert "多节点测试待审批" not in session.get(f"{b}/venues/bookings/", timeout=10).text


def _pending_booking(center: Center, booker: User, purpose: str) -> Booking:
    room = RoomFactory.create(center=center, requires_approval=True)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    return Booking.objects.create(
        room=room,
        region_id=room.region_id,
        booked_by=booker,
        start=start,
        end=start + datetime.timedelta(hours=2),
        purpose=purpose,
        attendance=5,
        status=BookingStatus.PENDING,
    )


def test_a_write_in_a_process_that_never_rendered_the_list_invalidates_it(
    nodes: tuple[str, str], make_user: Callable[..., User], jiangan_center: Center
) -> None:
    _a, b = nodes
    make_user(Role.CENTER_STAFF, center=jiangan_center, username="mn_staff2")
    booker = make_user(username="mn_booker2")
    RoleAssignment.objects.create(user=booker, role=Role.RESIDENT, region_id="420102")
    booking = _pending_booking(jiangan_center, booker, "另一进程审批")
    session, status = _login(b, "mn_staff2")
    assert status == 302
    assert "另一进程审批" in session.get(f"{b}/venues/bookings/", timeout=10).text
    # The approval happens in a third process on the same database and Redis (like a second worker).
    code = (
        "from civicnest.accounts.models import User; from civicnest.venues import services; "
        "from civicnest.venues.models import Booking; "
        f"services.booking_decide(actor=User.objects.get(username='mn_staff2'), "
        f"booking=Booking.objects.get(pk={booking.pk}), approve=True)"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=NODE_ENV,
        check=True,
        capture_output=True,
        timeout=60,
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "另一进程审批" not in session.get(f"{b}/venues/bookings/", timeout=10).text
