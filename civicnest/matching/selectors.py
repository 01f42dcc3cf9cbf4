"""Reads of needs, offerings and matches, through the user's scope."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicnest.accounts.roles import Role
from civicnest.matching import permissions
from civicnest.matching.engine import ResourceDoc, rank_resources
from civicnest.matching.live_index import query_for
from civicnest.matching.models import (
    Match,
    MatchStatus,
    Need,
    NeedEventKind,
    NeedStatus,
    Resource,
    ServiceOffering,
)
from civicnest.regions.codes import subtree_q
from civicnest.regions.scoping import Scope
from civicnest.venues.selectors import bookable_rooms


def _own_orgs(scope: Scope) -> list[int]:
    return [g.organization_id for g in scope.grants if g.role == Role.ORG_REP and g.organization_id]


def needs_visible_to(user: Any) -> QuerySet[Need]:
    """Staff see their region's needs; a resident their own; an organization the needs offered to it."""
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Need.objects.all()
    offered = Match.objects.filter(offering__organization_id__in=_own_orgs(scope)).exclude(
        status=MatchStatus.SUGGESTED
    )
    return Need.objects.filter(
        scope.q("region") | Q(submitter_id=scope.user_id) | Q(pk__in=offered.values("need_id"))
    )


def access_need_by_id(user: Any, pk: int) -> Need:
    return get_object_or_404(
        needs_visible_to(user).select_related("region", "submitter", "escalated_to"), pk=pk
    )


def need_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Need]:
    filters = filters or {}
    qs = needs_visible_to(user).select_related("region")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("escalated"):
        qs = qs.filter(escalated_at__isnull=False)
    return qs.order_by("-created_at", "-id")


@dataclass
class TimelineEntry:
    """One line of a need's timeline: when, who, what happened, and the sentence the resident reads."""

    at: datetime.datetime
    who: str
    what: str
    summary: str


# Steps an organization takes: the timeline names the organization, not the person who clicked.
ORGANIZATION_STEPS = frozenset(
    {
        NeedEventKind.DECLINED,
        NeedEventKind.ACCEPTED,
        NeedEventKind.SCHEDULED,
        NeedEventKind.DELIVERED,
    }
)


def need_timeline(*, user: Any, need: Need) -> list[TimelineEntry]:
    """The need's story, oldest first, for its submitter and the staff who manage it.

    Anyone else who may open the need (an organization it was offered to) gets an empty list: the
    timeline names the other organizations and their reasons for declining.
    """
    is_submitter = need.submitter_id == getattr(user, "pk", None)
    is_staff = permissions.can_manage_need(user, need)
    if not (is_submitter or is_staff):
        return []
    entries = []
    for event in need.events.select_related("actor").order_by("at", "pk"):
        organization = str(event.data.get("organization") or "")
        if event.kind in ORGANIZATION_STEPS and organization:
            who = organization
        elif event.actor is None:
            who = _("系统")
        elif event.actor_id == need.submitter_id and is_submitter:
            who = _("您")
        elif is_staff:
            who = event.actor.display_name
        else:
            who = _("工作人员")
        entries.append(
            TimelineEntry(
                at=event.at,
                who=str(who),
                what=str(event.get_kind_display()),
                summary=event.summary(),
            )
        )
    return entries


def declined_offerings(*, need_ids: Collection[int] | None = None) -> dict[int, frozenset[int]]:
    """Per need that an organization declined: every offering of the declining organizations.

    The suggestions leave these out, so an organization that said no is never suggested again for
    that need. Internal to the ranking (not a page's read): unscoped; without `need_ids`, for every
    need still waiting (待对接 or 对接中).
    """
    declined = Match.objects.filter(status=MatchStatus.DECLINED)
    if need_ids is None:
        declined = declined.filter(need__status__in=[NeedStatus.OPEN, NeedStatus.MATCHING])
    else:
        declined = declined.filter(need_id__in=list(need_ids))
    orgs_of: dict[int, set[int]] = {}
    for need_id, org_id in declined.values_list("need_id", "offering__organization_id"):
        orgs_of.setdefault(need_id, set()).add(org_id)
    if not orgs_of:
        return {}
    offerings_of: dict[int, set[int]] = {}
    for org_id, pk in ServiceOffering.objects.filter(
        organization_id__in=set().union(*orgs_of.values())
    ).values_list("organization_id", "pk"):
        offerings_of.setdefault(org_id, set()).add(pk)
    return {
        need_id: frozenset(pk for org_id in orgs for pk in offerings_of.get(org_id, ()))
        for need_id, orgs in orgs_of.items()
    }


def offerings_visible_to(user: Any) -> QuerySet[ServiceOffering]:
    """Active offerings are a public catalogue for signed-in users; an organization sees all of its own."""
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return ServiceOffering.objects.all()
    return ServiceOffering.objects.filter(
        Q(is_active=True) | Q(organization_id__in=_own_orgs(scope)) | scope.q("region")
    )


def access_offering_by_id(user: Any, pk: int) -> ServiceOffering:
    return get_object_or_404(
        offerings_visible_to(user).select_related("organization").prefetch_related("areas"), pk=pk
    )


def matches_visible_to(user: Any) -> QuerySet[Match]:
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Match.objects.all()
    return Match.objects.filter(
        scope.q("region")
        | Q(need__submitter_id=scope.user_id)
        | (Q(offering__organization_id__in=_own_orgs(scope)) & ~Q(status=MatchStatus.SUGGESTED))
    )


def access_match_by_id(user: Any, pk: int) -> Match:
    return get_object_or_404(
        matches_visible_to(user).select_related("need__submitter", "offering__organization"), pk=pk
    )


def organization_inbox(*, user: Any) -> QuerySet[Match]:
    scope = Scope.for_user(user)
    return (
        Match.objects.filter(offering__organization_id__in=_own_orgs(scope))
        .exclude(status=MatchStatus.SUGGESTED)
        .select_related("need__region", "offering")
        .order_by("status", "-updated_at")
    )


def matching_board(*, user: Any) -> QuerySet[Need]:
    """Open needs of the user's region with their suggestions, escalated ones first, urgent before normal."""
    return (
        Scope.for_user(user)
        .filter(Need.objects.filter(status__in=[NeedStatus.OPEN, NeedStatus.MATCHING]), "region")
        .select_related("region", "escalated_to")
        .prefetch_related("matches__offering__organization")
        .order_by("escalated_at", "-urgency", "created_at")
    )


def resources_visible_to(user: Any) -> QuerySet[Resource]:
    return Scope.for_user(user).filter(Resource.objects.all(), "region")


@dataclass
class ResourceMatch:
    """A resource or a bookable room suggested for a need, as the need page lists it."""

    title: str
    kind: str
    provider: str
    detail: str
    url: str
    score: float
    reasons: list[str]


def resources_for_need(*, user: Any, need: Need, limit: int = 5) -> list[ResourceMatch]:
    """Resources (venues, funds, volunteers, in-kind) and bookable rooms of the venues app for a need,
    ranked with reasons: those the user may see, from the need's district and the city level above it."""

    community = need.region_id
    near = Q(region_id=community[:4]) | subtree_q([community[:6]], "region_id")
    shown: list[ResourceMatch] = []
    docs: list[ResourceDoc] = []
    for r in resources_visible_to(user).filter(near):
        shown.append(
            ResourceMatch(r.title, str(r.get_kind_display()), r.provider, r.quantity, "", 0, [])
        )
        docs.append(
            ResourceDoc(
                id=len(docs),
                kind=r.kind,
                kind_label=str(r.get_kind_display()),
                title=r.title,
                description=r.description,
                region=r.region_id,
                available_from=r.available_from,
                available_until=r.available_until,
            )
        )
    rooms: dict[int, Any] = {}  # doc id → room, for the winners' links
    for room in bookable_rooms().filter(near).select_related("center"):
        detail = _("可容纳 %(n)d 人") % {"n": room.capacity}
        rooms[len(docs)] = room
        shown.append(ResourceMatch(room.name, str(_("场地")), room.center.name, detail, "", 0, []))
        docs.append(
            ResourceDoc(
                id=len(docs),
                kind="venue",
                kind_label=str(_("场地")),
                title=room.name,
                description=f"{room.equipment} {detail}",
                region=room.region_id,
            )
        )
    ranked = rank_resources(
        query_for(need),
        docs,
        today=timezone.localdate(),
        window=(need.window_start, need.window_end),
        limit=limit,
    )
    out = []
    for s in ranked:
        match = shown[s.resource]
        match.score, match.reasons = s.score, s.reasons
        if s.resource in rooms:
            match.url = rooms[s.resource].get_absolute_url()
        out.append(match)
    return out


def matching_summary(*, user: Any) -> dict[str, Any]:
    needs = Scope.for_user(user).filter(Need.objects.all(), "region")
    counts = dict(needs.values_list("status").annotate(n=Count("pk")).order_by())
    rated = (
        Scope.for_user(user)
        .filter(Match.objects.filter(rating__isnull=False), "region")
        .aggregate(avg=Avg("rating"), n=Count("pk"))
    )
    return {
        "submitted": sum(counts.values()),
        "open": counts.get(NeedStatus.OPEN, 0),
        "matching": counts.get(NeedStatus.MATCHING, 0),
        "served": counts.get(NeedStatus.SERVED, 0) + counts.get(NeedStatus.CLOSED, 0),
        "avg_rating": rated["avg"],
        "ratings": rated["n"],
    }


def need_suggestions(*, need: Need, limit: int) -> list[Match]:
    """The engine's stored suggestions for a need the caller may see (`access_need_by_id`), best first."""
    return list(
        need.matches.filter(status=MatchStatus.SUGGESTED).order_by("-score", "offering_id")[:limit]
    )
