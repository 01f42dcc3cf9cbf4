"""Demo supply and demand: offerings of the demo organizations (texts from the labelled set), needs in the
demo districts at every step of the match workflow."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.matching import services
from civicnest.matching.models import Need, ServiceOffering
from civicnest.registry.models import OrgStatus, SocialOrganization

DATA = Path(settings.BASE_DIR) / "data" / "matching"  # the labelled set doubles as the demo's needs
DISTRICTS = ("420102", "420106")


def seed_matching(actor: User) -> dict[str, int]:
    if ServiceOffering.objects.exists():
        return {}
    offerings = json.loads((DATA / "offerings.json").read_text(encoding="utf-8"))
    needs = json.loads((DATA / "needs.json").read_text(encoding="utf-8"))
    counts = {"offerings": 0, "needs": 0}
    by_id: dict[str, ServiceOffering] = {}
    for district in DISTRICTS:
        orgs = list(
            SocialOrganization.objects.filter(
                region__code__startswith=district, status=OrgStatus.NORMAL
            ).order_by("pk")
        )
        local = [o for o in offerings if any(code.startswith(district) for code in o["regions"])]
        for i, item in enumerate(local[:90]):
            by_id[item["id"]] = services.offering_save(
                actor=actor,
                organization=orgs[i % len(orgs)],
                data={
                    "title": item["title"],
                    "description": item["description"],
                    "categories": item["categories"],
                    "area_codes": item["regions"],
                    "beneficiaries": item["beneficiaries"],
                    "capacity": item["capacity"],
                },
            )
            counts["offerings"] += 1
    residents = {
        u.username: u
        for u in User.objects.filter(username__in=["jiangan_resident", "wuchang_resident"])
    }
    staff = {
        d: User.objects.filter(username=f"{k}_staff").first()
        for d, k in zip(DISTRICTS, ("jiangan", "wuchang"), strict=True)
    }
    for n, item in enumerate(x for x in needs if x["region"][:6] in DISTRICTS):
        if n >= 40:
            break
        need = services.need_submit(
            actor=actor,
            data={
                "title": item["title"],
                "description": item["description"],
                "region": item["region"],
                "beneficiaries": item["beneficiaries"],
                "category": item["category"] or "",
                "submitter_kind": "resident",
            },
        )
        counts["needs"] += 1
        resident = residents.get(
            "jiangan_resident" if item["region"].startswith("420102") else "wuchang_resident"
        )
        if resident is not None and n % 4 == 0:
            Need.objects.filter(pk=need.pk).update(submitter=resident)
            need.refresh_from_db()
        suggestions = services.suggestions_refresh(need=need)
        _advance(need, suggestions, staff.get(item["region"][:6]), n)
    return counts


def _advance(need: Need, suggestions: list[Any], staff: User | None, n: int) -> None:
    """Walk some needs along the workflow so every status appears in the demo."""
    if not suggestions or staff is None or n % 5 == 0:
        return
    offering = suggestions[0].offering
    match = services.match_offer(actor=staff, need=need, offering=offering)
    reps = [
        a.user
        for a in RoleAssignment.objects.filter(
            role=Role.ORG_REP, organization=offering.organization
        ).select_related("user")
    ]
    rep = reps[0] if reps else None
    if rep is None:
        rep = User.objects.create_user(
            username=f"org_{offering.organization_id}",
            full_name=f"{offering.organization.name}联络人",
        )
        RoleAssignment.objects.create(
            user=rep,
            role=Role.ORG_REP,
            region_id=offering.organization.region_id[:6],
            organization=offering.organization,
        )
    if n % 5 == 1:
        return
    if n % 5 == 2:
        services.match_respond(
            actor=rep, match=match, accept=False, reason="本月服务名额已满，建议联系其他机构"
        )
        return
    match = services.match_respond(actor=rep, match=match, accept=True)
    match = services.match_deliver(
        actor=rep,
        match=match,
        delivered_on=timezone.localdate() - datetime.timedelta(days=n % 7),
        hours=Decimal("2.0"),
        people_served=1 + n % 5,
    )
    if n % 5 == 4:
        services.match_rate(
            actor=need.submitter, match=match, rating=4 + n % 2, comment="服务很及时，谢谢！"
        )
