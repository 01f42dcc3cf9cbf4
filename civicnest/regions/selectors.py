"""Reads of the region tree. Official codes are public reference data: every signed-in user may browse them."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from civicnest.regions.codes import RegionCodeError, normalize_region_code, subtree_q
from civicnest.regions.models import Region, RegionLevel


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


def region_by_code(raw: str) -> Region:
    """The region a user typed the code of; RegionCodeError (a Chinese message) when malformed or unknown."""
    code = normalize_region_code(raw)
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise RegionCodeError(_("区划代码不存在：%(code)s") % {"code": raw})
    return region


def district_list() -> QuerySet[Region]:
    """Every district-level region (public reference data: the portal's filters)."""
    return Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")
