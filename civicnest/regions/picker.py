"""The region picker's data: communities (or streets…) a user may choose, searchable by name and pinyin initials."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from pypinyin import lazy_pinyin

from civicnest.accounts.roles import Role
from civicnest.regions.codes import minimal_prefixes, subtree_q
from civicnest.regions.models import Region, RegionLevel
from civicnest.regions.scoping import Scope

MAX_QUERY = 40
MAX_RESULTS = 50
PICKABLE_LEVELS = (RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY)


def parse_levels(raw: str) -> tuple[str, ...]:
    """The `level` parameter of the search view ("community" or "district,street,community")."""
    levels = tuple(x for x in raw[:60].split(",") if x in PICKABLE_LEVELS)
    return levels or (RegionLevel.COMMUNITY,)


@lru_cache(maxsize=20000)
def name_initials(name: str) -> str:
    """保成社区 → bcsq (pure computation of a name, so a per-process cache is safe)."""
    return "".join(s[0] for s in (p.lower() for p in lazy_pinyin(name, errors="ignore")) if s)


def picker_regions(
    *, prefixes: Iterable[str], level: str | tuple[str, ...] = RegionLevel.COMMUNITY
) -> list[Region]:
    """The regions of `level` inside the given code prefixes, with their parents loaded for labels."""
    prefixes = tuple(prefixes)
    if not prefixes:
        return []
    levels = (level,) if isinstance(level, str) else level
    qs = Region.objects.filter(level__in=levels).select_related("parent__parent")
    if "" not in prefixes:
        qs = qs.filter(subtree_q(prefixes, "code"))
    return list(qs.order_by("code"))


def region_label(region: Region) -> str:
    parts = []
    parent = region.parent
    while parent is not None and parent.level in (RegionLevel.DISTRICT, RegionLevel.STREET):
        parts.append(parent.name)
        parent = parent.parent
    return " ".join([*reversed(parts), region.name])


def picker_search(regions: list[Region], q: str) -> list[Region]:
    """Match a name substring (of the region or its street/district) or pinyin initials."""
    q = q.strip()[:MAX_QUERY].lower()
    if not q:
        return regions
    hits = []
    for region in regions:
        label = region_label(region)
        if q in label or (q.isascii() and name_initials(region.name).startswith(q)):
            hits.append(region)
    return hits


def picker_prefixes(user: object, *, staff_only: bool = False) -> tuple[str, ...]:
    """Where a user may pick a region: their staff jurisdiction, plus (unless staff_only) the
    community they live or serve in."""
    scope = Scope.for_user(user)
    prefixes = list(scope.prefixes())
    if not staff_only:
        prefixes += scope.prefixes(roles=[Role.RESIDENT, Role.VOLUNTEER, Role.ORG_REP])
    return minimal_prefixes(prefixes)
