"""Reads of the region tree. Official codes are public reference data: every signed-in user may browse them."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from civicnest.regions.codes import RegionCodeError, normalize_region_code, subtree_q
from civicnest.regions.models import Region


def region_list(
    *, parent: str = "", level: str = "", q: str = "", under: str = ""
) -> QuerySet[Region]:
    qs = Region.objects.all()
    if parent:
        qs = qs.filter(parent_id=normalize_region_code(parent))
    if under:
        qs = qs.filter(subtree_q([normalize_region_code(under)], "code"))
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q.strip()))
    return qs.order_by("code")


def region_get(*, code: str) -> Region | None:
    try:
        normalized = normalize_region_code(code)
    except RegionCodeError:
        return None
    return Region.objects.select_related("parent__parent__parent").filter(code=normalized).first()


def region_children_with_counts(*, region: Region) -> QuerySet[Region]:
    return region.children.annotate(child_count=Count("children")).order_by("code")


def region_ancestors(region: Region) -> list[Region]:
    chain = []
    node = region.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))
