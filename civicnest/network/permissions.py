"""Named predicates for the platform network. Visibility itself is the scope's job (selectors)."""

from __future__ import annotations

from typing import Any

import rules

from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.regions.scoping import Scope


def center_lineage_ids(center: Center) -> set[int]:
    """The center and all its ancestors (the network is at most four levels deep)."""
    ids: set[int] = set()
    node: Center | None = center
    while node is not None and node.pk not in ids:
        ids.add(node.pk)
        node = node.parent
    return ids


@rules.predicate
def can_edit_center(user: Any, center: Center) -> bool:
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return True
    if scope.covers(center.region_id, roles=[Role.BUREAU_OFFICER]):
        return True
    # Center staff run their own center and the centers under it.
    return bool(scope.center_ids(roles=[Role.CENTER_STAFF]) & center_lineage_ids(center))


def can_create_center(user: Any, *, region_code: str, parent: Center | None) -> bool:
    scope = Scope.for_user(user)
    if scope.is_superuser or scope.covers(region_code, roles=[Role.BUREAU_OFFICER]):
        return True
    if parent is None:
        return False
    return bool(scope.center_ids(roles=[Role.CENTER_STAFF]) & center_lineage_ids(parent))


def can_create_any_center(user: Any) -> bool:
    return Scope.for_user(user).has_role(Role.BUREAU_OFFICER, Role.CENTER_STAFF)


rules.add_perm("network.change_center", can_edit_center)
