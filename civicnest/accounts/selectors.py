"""Reads of users and their role grants: who holds a role, for a center, an organization or a region.

Services use these to find the people to tell (center staff of a center, an organization's
representatives, the experts…), so the role lookups live in one place. A lookup inside a region
subtree takes the filter from `regions.codes.subtree_q` (this layer sits below regions).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role


def role_assignment_list(*, user: User | Any) -> list[RoleAssignment]:  # request.user
    return list(
        RoleAssignment.objects.filter(user=user).select_related("region", "center").order_by("role")
    )


def users_with_role(
    role: str,
    *,
    center_id: int | None = None,
    organization_id: int | None = None,
    where: Q | None = None,
) -> QuerySet[User]:
    """Active users holding `role` (for one center, one organization, or grants matching `where`)."""
    grant = Q(role_assignments__role=role)
    if center_id is not None:
        grant &= Q(role_assignments__center_id=center_id)
    if organization_id is not None:
        grant &= Q(role_assignments__organization_id=organization_id)
    if where is not None:
        grant &= where
    return User.objects.filter(grant, is_active=True).distinct()


def center_staff_of(center_id: int) -> list[User]:
    """The staff of one center (the people who act on its queue)."""
    return list(users_with_role(Role.CENTER_STAFF, center_id=center_id))


def org_reps_of(organization_id: int) -> list[User]:
    """The representatives of one social organization."""
    return list(users_with_role(Role.ORG_REP, organization_id=organization_id))


def active_user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()
