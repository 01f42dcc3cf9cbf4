"""Who the load test signs in as and which objects it opens: picked from the generated city (fixed seed).

    uv run python bench/load_fixtures.py var/bench/load-fixtures.json

Run against the database that `generate_city --scale city` filled (DATABASE_URL). Writes the usernames of
residents (with their own needs), center staff and district officers, organization representatives (with the
rooms of their district), ids of needs, organizations, teams and rooms to open, and API tokens for a few staff
users. bench/locustfile.py reads it.
"""
# ruff: noqa: E402 - Django must be configured before the project's modules are imported

from __future__ import annotations

import json
import os
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token

from civicnest.accounts.models import RoleAssignment, User
from civicnest.matching.models import Need
from civicnest.registry.models import ActivityTeam, SocialOrganization
from civicnest.venues.models import Room

SEED = 11_000
SAMPLE = 2_000  # per district: a tenth of it


def sample(rng: random.Random, items: list, k: int) -> list:
    return rng.sample(items, min(k, len(items)))


def session_for(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "var" / "bench" / "load-fixtures.json")
    rng = random.Random(SEED)
    roles = RoleAssignment.objects.values_list(
        "user__username", "role", "region_id", "center__level", "organization_id"
    ).order_by("user_id")
    residents, staff, officers, reps = [], [], [], []
    for username, role, region, level, org in roles:
        if role == "resident":
            residents.append((username, region))
        elif role == "center_staff" and level == "district":
            staff.append((username, region))
        elif role == "bureau_officer" and len(region) == 6:
            officers.append((username, region))
        elif role == "org_rep":
            reps.append((username, region, org))
    residents = sample(rng, residents, 300)
    own_needs: dict[str, list[int]] = defaultdict(list)
    by_username = dict(
        User.objects.filter(username__in=[u for u, _r in residents]).values_list("username", "pk")
    )
    for submitter, pk in Need.objects.filter(submitter_id__in=by_username.values()).values_list(
        "submitter_id", "pk"
    ):
        own_needs[str(submitter)].append(pk)
    rooms_by_district: dict[str, list[int]] = defaultdict(list)
    for pk, region in (
        Room.objects.filter(is_active=True).exclude(open_to="staff").values_list("pk", "region_id")
    ):
        rooms_by_district[region[:6]].append(pk)
    reps = sample(rng, reps, 300)
    staff_users = staff + officers  # district level: 16 centers' staff and 16 officers
    tokens = []
    for username, _region in sample(rng, staff, 4):
        token, _created = Token.objects.get_or_create(user=User.objects.get(username=username))
        tokens.append(token.key)

    def by_district(model: Any) -> dict[str, list[int]]:
        ids: dict[str, list[int]] = defaultdict(list)
        for pk, region in model.objects.values_list("pk", "region_id"):
            ids[region[:6]].append(pk)
        return {d: sample(rng, sorted(v), SAMPLE // 10) for d, v in sorted(ids.items())}

    # Signed-in sessions made here, so that 16 users don't start with a burst of password hashing (the
    # sign-in itself is deliberately slow: PBKDF2); the load test sends these session cookies.
    usernames = (
        [u for u, _r in residents] + [u for u, _r in staff_users] + [u for u, _r, _o in reps]
    )
    sessions = {
        user.username: session_for(user) for user in User.objects.filter(username__in=usernames)
    }
    fixtures = {
        "sessions": sessions,
        "password": settings.CIVICNEST_DEMO_PASSWORD,
        "residents": [
            {"username": u, "region": r, "needs": own_needs.get(str(by_username[u]), [])[:20]}
            for u, r in residents
        ],
        "staff": [{"username": u, "region": r} for u, r in staff_users],
        "org_reps": [
            {"username": u, "region": r, "rooms": sample(rng, rooms_by_district[r[:6]], 30)}
            for u, r, _org in reps
        ],
        "needs": by_district(Need),
        "organizations": by_district(SocialOrganization),
        "teams": by_district(ActivityTeam),
        "districts": sorted({r[:6] for _u, r in staff}),
        "tokens": tokens,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixtures, ensure_ascii=False), encoding="utf-8")
    print(
        f"load_fixtures: {len(fixtures['residents'])} residents, {len(fixtures['staff'])} staff, "
        f"{len(fixtures['org_reps'])} organization representatives, {len(tokens)} API tokens → {out}"
    )


if __name__ == "__main__":
    main()
