"""Mixed real traffic on the generated city (run by bench/run_load.sh; not part of `make test`).

    uv run locust -f bench/locustfile.py --headless -u 16 -r 4 -t 10m --host http://127.0.0.1:8000 \
        Resident Staff OrgRep Public ApiClient

Who does what (weights are how many of the 16 users play each part):
- Resident (4): their own needs list and details, submits a need now and then, the home page;
- Staff (5): district center staff and district officers working the needs list (also filtered), need details,
  the matching board, the organization list (first pages, deep pages, searches), organization details,
  filed teams, bookings, centers, the home page;
- OrgRep (3): rooms and the free-room search, a room's calendar, books a room, the match inbox, services;
- Public (3): the disclosure portal (centers by district, organizations, searches, events), no login;
- ApiClient (1): token-authenticated list reads of the REST API.
Each user waits 0.5–2 s between actions (a person reading a page). `Floor` and `Single` are the
closed-loop classes of the throughput runs: no waiting, one URL (LOAD_PATH) again and again.

Fixtures (who signs in, which objects exist) come from bench/load_fixtures.py (LOAD_FIXTURES).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
from http.cookiejar import Cookie
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

FIXTURES_PATH = Path(
    os.environ.get(
        "LOAD_FIXTURES",
        Path(__file__).resolve().parent.parent / "var" / "bench" / "load-fixtures.json",
    )
)
FIXTURES: dict[str, Any] = (
    json.loads(FIXTURES_PATH.read_text(encoding="utf-8")) if FIXTURES_PATH.exists() else {}
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEARCHES = [
    "养老",
    "社工",
    "阳光",
    "志愿者协会",
    "心理健康",
    "浦东",
    "和谐",
    "助残",
    "xqfw",
    "慈善",
]
NEED_TEXTS = [
    ("独居老人吃饭难", "我家楼上的独居老人腿脚不便，每天吃饭成问题，希望有助餐或送餐服务。"),
    ("孩子放学后没人看", "双职工家庭，孩子下午三点半放学后没人照看，希望社区有四点半课堂。"),
    ("想学用智能手机", "老年人不会用手机挂号、扫码，希望有志愿者教一教。"),
    ("楼道堆物清理", "楼道里堆了很多杂物，存在消防隐患，希望有人协调清理。"),
    ("残疾人康复训练", "家里有肢体残疾的老人，希望有上门康复训练服务。"),
]
PURPOSES = ["志愿者培训", "居民议事会", "合唱排练", "项目路演", "亲子阅读", "书法兴趣班"]


def session_cookie(value: str) -> Cookie:
    host = urlparse(os.environ.get("LOAD_HOST", "http://127.0.0.1")).hostname or "127.0.0.1"
    return Cookie(
        version=0,
        name="sessionid",
        value=value,
        port=None,
        port_specified=False,
        domain=host,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )


def page_ok(response: Any) -> None:
    """A page is fine when it is 200 (forms re-shown with field errors are 200 too) or a redirect."""
    if response.status_code not in (200, 302):
        response.failure(f"HTTP {response.status_code}")


class SignedIn(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    pool: str = ""

    def on_start(self) -> None:
        self.me = random.choice(FIXTURES[self.pool])
        self.sign_in(self.me["username"])

    def sign_in(self, username: str) -> None:
        """Use the session bench/load_fixtures.py made for the user (LOAD_LOGIN=1: sign in with the form)."""
        session = FIXTURES.get("sessions", {}).get(username)
        if session and os.environ.get("LOAD_LOGIN") != "1":
            self.client.cookiejar.set_cookie(session_cookie(session))
        else:
            self.login(username)

    def login(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF.search(page.text or "")
        assert token, "no CSRF token on the login page"
        with self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": FIXTURES["password"],
                "csrfmiddlewaretoken": token.group(1),
            },
            name="/accounts/login/ [POST]",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {username} failed: HTTP {response.status_code}")

    def get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            page_ok(response)

    def post_form(self, form_path: str, data: dict[str, Any], name: str) -> None:
        page = self.client.get(form_path, name=f"{name} [form]")
        token = CSRF.search(page.text or "")
        if not token:
            return
        with self.client.post(
            form_path,
            data={**data, "csrfmiddlewaretoken": token.group(1)},
            name=f"{name} [POST]",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            page_ok(response)


class Resident(SignedIn):
    weight = 4
    pool = "residents"

    @task(4)
    def my_needs(self) -> None:
        self.get("/matching/needs/", "/matching/needs/ (resident)")

    @task(3)
    def need_detail(self) -> None:
        if self.me["needs"]:
            pk = random.choice(self.me["needs"])
            self.get(f"/matching/needs/{pk}/", "/matching/needs/<id>/ (resident)")

    @task(1)
    def submit_need(self) -> None:
        title, description = random.choice(NEED_TEXTS)
        self.post_form(
            "/matching/needs/new/",
            {
                "title": title,
                "description": description,
                "region": self.me["region"],
                "category": "",
                "people_count": random.choice((1, 2, 5)),
                "urgency": "normal",
            },
            "/matching/needs/new/",
        )

    @task(1)
    def home(self) -> None:
        self.get("/", "/ (home)")


class Staff(SignedIn):
    weight = 5
    pool = "staff"

    def district(self) -> str:
        return str(self.me["region"])[:6]

    @task(4)
    def need_list(self) -> None:
        self.get("/matching/needs/", "/matching/needs/ (staff)")

    @task(2)
    def need_list_open(self) -> None:
        self.get("/matching/needs/?status=open", "/matching/needs/?status=")

    @task(4)
    def need_detail(self) -> None:
        pk = random.choice(FIXTURES["needs"][self.district()])
        self.get(f"/matching/needs/{pk}/", "/matching/needs/<id>/ (staff)")

    @task(2)
    def board(self) -> None:
        self.get("/matching/", "/matching/ (board)")

    @task(4)
    def organizations(self) -> None:
        self.get(f"/registry/?page={random.randint(1, 5)}", "/registry/?page=1-5")

    @task(1)
    def organizations_deep(self) -> None:
        self.get(f"/registry/?page={random.randint(20, 40)}", "/registry/?page=20-40")

    @task(2)
    def organization_search(self) -> None:
        self.get(f"/registry/?q={random.choice(SEARCHES)}", "/registry/?q=")

    @task(3)
    def organization_detail(self) -> None:
        pk = random.choice(FIXTURES["organizations"][self.district()])
        self.get(f"/registry/{pk}/", "/registry/<id>/")

    @task(2)
    def teams(self) -> None:
        self.get(f"/registry/teams/?page={random.randint(1, 5)}", "/registry/teams/?page=1-5")

    @task(1)
    def team_detail(self) -> None:
        pk = random.choice(FIXTURES["teams"][self.district()])
        self.get(f"/registry/teams/{pk}/", "/registry/teams/<id>/")

    @task(2)
    def bookings(self) -> None:
        self.get("/venues/bookings/", "/venues/bookings/")

    @task(1)
    def centers(self) -> None:
        self.get("/network/centers/", "/network/centers/")

    @task(1)
    def home(self) -> None:
        self.get("/", "/ (home)")


class OrgRep(SignedIn):
    weight = 3
    pool = "org_reps"

    def room(self) -> int | None:
        return random.choice(self.me["rooms"]) if self.me["rooms"] else None

    @task(2)
    def rooms(self) -> None:
        self.get("/venues/", "/venues/ (rooms)")

    @task(2)
    def free_rooms(self) -> None:
        day = datetime.date(2026, 12, 1) + datetime.timedelta(days=random.randrange(28))
        hour = random.choice((9, 14, 19))
        self.get(
            f"/venues/?region={str(self.me['region'])[:6]}&day={day.isoformat()}"
            f"&start_time={hour}:00&end_time={hour + 2}:00&min_capacity={random.choice((10, 20, 30))}",
            "/venues/?region=&day= (free rooms)",
        )

    @task(3)
    def room_detail(self) -> None:
        pk = self.room()
        if pk:
            self.get(f"/venues/rooms/{pk}/", "/venues/rooms/<id>/")

    @task(1)
    def book(self) -> None:
        pk = self.room()
        if not pk:
            return
        day = datetime.date(2027, 1, 4) + datetime.timedelta(days=random.randrange(120))
        hour = random.randrange(9, 19)
        self.post_form(
            f"/venues/rooms/{pk}/?date={day.isoformat()}",
            {
                "day": day.isoformat(),
                "start_time": f"{hour:02d}:00",
                "end_time": f"{hour + 1:02d}:00",
                "purpose": random.choice(PURPOSES),
                "attendance": random.randint(3, 8),
                "weeks": 1,
            },
            "/venues/rooms/<id>/ (book)",
        )

    @task(2)
    def inbox(self) -> None:
        self.get("/matching/inbox/", "/matching/inbox/")

    @task(1)
    def services(self) -> None:
        self.get("/matching/services/", "/matching/services/")


class Public(FastHttpUser):
    weight = 3
    wait_time = between(0.5, 2.0)

    def get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            page_ok(response)

    @task(3)
    def portal(self) -> None:
        district = random.choice(FIXTURES["districts"])
        self.get(f"/portal/?district={district}&page={random.randint(1, 3)}", "/portal/?district=")

    @task(3)
    def organizations(self) -> None:
        district = random.choice(FIXTURES["districts"])
        self.get(
            f"/portal/organizations/?district={district}&page={random.randint(1, 10)}",
            "/portal/organizations/?district=",
        )

    @task(2)
    def search(self) -> None:
        self.get(f"/portal/organizations/?q={random.choice(SEARCHES)}", "/portal/organizations/?q=")

    @task(1)
    def events(self) -> None:
        self.get("/portal/events/", "/portal/events/")


class ApiClient(FastHttpUser):
    weight = 1
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Token {random.choice(FIXTURES['tokens'])}"}

    def get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, headers=self.headers, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")

    @task(3)
    def organizations(self) -> None:
        self.get(
            f"/api/v1/organizations/?page={random.randint(1, 3)}", "/api/v1/organizations/?page="
        )

    @task(2)
    def needs(self) -> None:
        self.get(f"/api/v1/needs/?page={random.randint(1, 3)}", "/api/v1/needs/?page=")

    @task(1)
    def teams(self) -> None:
        self.get(f"/api/v1/teams/?page={random.randint(1, 3)}", "/api/v1/teams/?page=")

    @task(1)
    def bookings(self) -> None:
        self.get("/api/v1/bookings/", "/api/v1/bookings/")

    @task(1)
    def centers(self) -> None:
        self.get("/api/v1/centers/", "/api/v1/centers/")


class Floor(FastHttpUser):
    """The framework floor: /bench/floor/ (served only with BENCH_FLOOR=1) as fast as it answers."""

    wait_time = constant(0)

    @task
    def floor(self) -> None:
        with self.client.get("/bench/floor/", name="/bench/floor/", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")


class Single(SignedIn):
    """One page as fast as it answers, signed in as a district officer (LOAD_PATH, LOAD_NAME)."""

    wait_time = constant(0)
    pool = "staff"

    def on_start(self) -> None:
        # District officers: sh_officer_<code> in the city, hb_officer_<code> in the province.
        officers = [s for s in FIXTURES["staff"] if s["username"].split("_")[1:2] == ["officer"]]
        self.me = random.choice(officers or FIXTURES["staff"])
        self.sign_in(self.me["username"])

    @task
    def page(self) -> None:
        path = os.environ["LOAD_PATH"]
        self.get(path, os.environ.get("LOAD_NAME", path))
