from __future__ import annotations

from typing import Any

from civicnest.accounts.models import RoleAssignment


def role_assignment_list(*, user: Any) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(user=user).select_related("region", "center").order_by("role")
    )
