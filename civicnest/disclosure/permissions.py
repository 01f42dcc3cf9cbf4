"""Who may publish: bureau officers in their region, center staff for their center (and those below it)."""

from __future__ import annotations

from typing import Any

from civicnest.accounts.roles import Role
from civicnest.network.models import Center
from civicnest.network.permissions import can_edit_center
from civicnest.regions.scoping import Scope


def can_publish(user: Any, *, region_code: str, center: Center | None) -> bool:
    if center is not None:
        return bool(can_edit_center(user, center))
    scope = Scope.for_user(user)
    return scope.is_superuser or scope.covers(region_code, roles=[Role.BUREAU_OFFICER])
