from __future__ import annotations

import datetime
from typing import Any

from civicnest.accounts.models import User
from civicnest.party.models import PartyActivity, PartyGuide, PartyOrganization, PartyOrgKind
from civicnest.registry.models import SocialOrganization


def party_org(
    *,
    organization: SocialOrganization | None = None,
    center: Any = None,
    by: User,
    kind: str = PartyOrgKind.INDEPENDENT,
    covered: list[SocialOrganization] | None = None,
    **extra: Any,
) -> PartyOrganization:
    host = organization or center
    found = PartyOrganization.objects.create(
        name=extra.pop("name", f"{host}党支部"),
        kind=kind,
        region_id=host.region_id,
        organization=organization,
        center=center,
        secretary_name=extra.pop("secretary_name", "王建国"),
        member_count=extra.pop("member_count", 5),
        founded_on=extra.pop("founded_on", datetime.date(2024, 7, 1)),
        created_by=by,
        **extra,
    )
    if covered:
        found.covered_organizations.set(covered)
    return found


def guide(
    *, region_code: str, organizations: list[SocialOrganization], by: User, **extra: Any
) -> PartyGuide:
    found = PartyGuide.objects.create(
        name=extra.pop("name", "李指导"),
        phone=extra.pop("phone", "13900001234"),
        region_id=region_code,
        starts_on=extra.pop("starts_on", datetime.date(2025, 1, 1)),
        assigned_by=by,
        **extra,
    )
    found.organizations.set(organizations)
    return found


def activity(*, party_org: PartyOrganization, by: User, **extra: Any) -> PartyActivity:
    return PartyActivity.objects.create(
        party_org=party_org,
        region_id=party_org.region_id,
        kind=extra.pop("kind", "theme_day"),
        held_on=extra.pop("held_on", datetime.date(2025, 3, 5)),
        topic=extra.pop("topic", "学雷锋主题党日"),
        attendance=extra.pop("attendance", 4),
        attendees=extra.pop("attendees", "王建国、张红梅、刘志强、陈晓"),
        recorded_by=by,
    )
