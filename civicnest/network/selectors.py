"""Reads of the platform network, always through the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from civicnest.network.models import LEVEL_ORDER, Center, CenterLevel, CenterStaff, CenterStatus
from civicnest.network.permissions import can_edit_center
from civicnest.regions.codes import subtree_q
from civicnest.regions.models import Region, RegionLevel
from civicnest.regions.scoping import Scope


def centers_visible_to(user: Any, qs: QuerySet[Center] | None = None) -> QuerySet[Center]:
    return Scope.for_user(user).filter(Center.objects.all() if qs is None else qs, "region")


def access_center_by_id(user: Any, pk: int, *, for_write: bool = False) -> Center:
    """404 outside the user's jurisdiction; 403 inside it without the right to change."""
    center = get_object_or_404(centers_visible_to(user).select_related("region", "parent"), pk=pk)
    if for_write and not can_edit_center(user, center):
        raise PermissionDenied(_("您没有修改该中心的权限。"))
    return center


def centers_editable_by(user: Any) -> QuerySet[Center]:
    """Centers in the user's scope that they may act for (publish, send notices in their name)."""
    visible = centers_visible_to(user).select_related("parent")
    ids = [c.pk for c in visible if can_edit_center(user, c)]
    return Center.objects.filter(pk__in=ids).order_by("region_id", "name")


def center_list(*, user: Any, filters: dict[str, str] | None = None) -> QuerySet[Center]:
    filters = filters or {}
    qs = centers_visible_to(user).select_related("region", "parent__region")
    if filters.get("level"):
        qs = qs.filter(level=filters["level"])
    if filters.get("center_type"):
        qs = qs.filter(center_type=filters["center_type"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("region"):
        qs = qs.filter(subtree_q([filters["region"]], "region"))
    if filters.get("q"):
        qs = qs.filter(Q(name__icontains=filters["q"]) | Q(address__icontains=filters["q"]))
    return qs.annotate(staff_count=Count("staff", filter=Q(staff__is_active=True))).order_by(
        "region_id", "level", "name"
    )


def staff_list(*, user: Any, center: Center) -> QuerySet[CenterStaff]:
    # `center` came from access_center_by_id, so it is already inside the user's scope.
    return CenterStaff.objects.filter(center=center).order_by("-is_active", "position", "name")


def access_staff_by_id(user: Any, pk: int) -> CenterStaff:
    visible = CenterStaff.objects.filter(center__in=centers_visible_to(user))
    staff = get_object_or_404(visible.select_related("center__region", "center__parent"), pk=pk)
    if not can_edit_center(user, staff.center):
        raise PermissionDenied(_("您没有管理该中心人员的权限。"))
    return staff


@dataclass
class TreeNode:
    center: Center
    children: list[TreeNode] = field(default_factory=list)


def network_tree(*, user: Any) -> list[TreeNode]:
    """Visible centers as a forest: a center whose parent is not visible becomes a root."""
    centers = list(
        centers_visible_to(user).select_related("region").exclude(status=CenterStatus.CLOSED)
    )
    nodes = {c.pk: TreeNode(c) for c in centers}
    roots: list[TreeNode] = []
    for c in centers:
        parent = nodes.get(c.parent_id) if c.parent_id else None
        (parent.children if parent else roots).append(nodes[c.pk])
    rank = {str(level): i for i, level in enumerate(LEVEL_ORDER)}

    def sort(items: list[TreeNode]) -> None:
        items.sort(key=lambda n: (rank[n.center.level], n.center.region_id, n.center.name))
        for n in items:
            sort(n.children)

    sort(roots)
    return roots


@dataclass
class CoverageRow:
    level: str
    label: str
    total: int
    covered: int

    @property
    def percent(self) -> float:
        return round(100 * self.covered / self.total, 1) if self.total else 0.0


def _regions_in_scope(scope: Scope) -> QuerySet[Region]:
    return scope.filter(Region.objects.all(), "code")


def _with_center_flag(regions: QuerySet[Region], level: str) -> QuerySet[Region]:
    serving = Center.objects.filter(region=OuterRef("pk"), level=level, status=CenterStatus.ACTIVE)
    return regions.filter(level=level).annotate(has_center=Exists(serving))


def network_coverage(*, user: Any) -> list[CoverageRow]:
    """How many districts, streets and communities in the user's jurisdiction have an active center."""
    scope = Scope.for_user(user)
    rows = []
    for level, label in (
        (CenterLevel.DISTRICT, _("区县")),
        (CenterLevel.STREET, _("街道/乡镇")),
        (CenterLevel.COMMUNITY, _("社区/村")),
    ):
        counts = _with_center_flag(_regions_in_scope(scope), level).aggregate(
            total=Count("pk"), covered=Count("pk", filter=Q(has_center=True))
        )
        rows.append(CoverageRow(level, str(label), counts["total"], counts["covered"]))
    return rows


@dataclass
class DistrictCoverage:
    district: Region
    has_center: bool
    streets_total: int = 0
    streets_covered: int = 0
    communities_total: int = 0
    communities_covered: int = 0


def network_coverage_by_district(*, user: Any) -> list[DistrictCoverage]:
    scope = Scope.for_user(user)
    regions = _regions_in_scope(scope)
    districts = {
        d.code: DistrictCoverage(d, d.has_center)  # type: ignore[attr-defined]
        for d in _with_center_flag(regions, RegionLevel.DISTRICT)
    }
    for level, total_attr, covered_attr in (
        (RegionLevel.STREET, "streets_total", "streets_covered"),
        (RegionLevel.COMMUNITY, "communities_total", "communities_covered"),
    ):
        grouped = (
            _with_center_flag(regions, level)
            .annotate(district=Substr("code", 1, 6))
            .values("district")
            .annotate(total=Count("pk"), covered=Count("pk", filter=Q(has_center=True)))
            .order_by()
        )
        for row in grouped:
            if row["district"] in districts:
                setattr(districts[row["district"]], total_attr, row["total"])
                setattr(districts[row["district"]], covered_attr, row["covered"])
    return sorted(districts.values(), key=lambda d: d.district.code)
