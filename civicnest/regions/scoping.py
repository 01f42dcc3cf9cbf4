"""Jurisdiction: the only code that knows the rule "a user sees the subtree of the region they are bound to".

The code arithmetic it rests on (subtrees as code ranges, ancestors, containment) is in `regions.codes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Prefetch, Q, QuerySet, prefetch_related_objects

from civicnest.accounts.models import RoleAssignment
from civicnest.accounts.roles import STAFF_ROLES
from civicnest.regions.codes import minimal_prefixes, subtree_q, within

if TYPE_CHECKING:
    from civicnest.accounts.models import User

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Grant:
    role: str
    region_code: str
    center_id: int | None = None
    organization_id: int | None = None


@dataclass(frozen=True)
class Scope:
    """What one user may see: their role grants, each bound to a region node."""

    user_id: int | None
    grants: tuple[Grant, ...] = ()
    is_superuser: bool = False

    @classmethod
    def for_user(cls, user: User | Any) -> Scope:
        if not getattr(user, "is_authenticated", False):
            return cls(user_id=None)
        cached = getattr(user, "_civicnest_scope", None)
        if cached is not None:
            return cached
        # Prefetched with their regions: the layout's role badges read the same list, no more queries.

        prefetch_related_objects(
            [user],
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("region")),
        )
        grants = tuple(
            Grant(
                role=a.role,
                region_code=a.region_id,
                center_id=a.center_id,
                organization_id=getattr(a, "organization_id", None),
            )
            for a in user.role_assignments.all()
        )
        scope = cls(user_id=user.pk, grants=grants, is_superuser=user.is_superuser)
        user._civicnest_scope = scope  # type: ignore[union-attr]
        return scope

    # -- roles ---------------------------------------------------------------------------------
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or any(g.role in roles for g in self.grants)

    @property
    def is_staff_member(self) -> bool:
        return self.has_role(*STAFF_ROLES)

    def center_ids(self, roles: Iterable[str] | None = None) -> frozenset[int]:
        wanted = set(roles) if roles is not None else None
        return frozenset(
            g.center_id
            for g in self.grants
            if g.center_id is not None and (wanted is None or g.role in wanted)
        )

    # -- regions -------------------------------------------------------------------------------
    def prefixes(self, roles: Iterable[str] | None = None) -> tuple[str, ...]:
        """Region prefixes visible through grants of `roles` (staff roles unless told otherwise)."""
        if self.is_superuser:
            return ("",)
        wanted = frozenset(roles) if roles is not None else STAFF_ROLES
        return minimal_prefixes(g.region_code for g in self.grants if g.role in wanted)

    def covers(self, code: str | None, roles: Iterable[str] | None = None) -> bool:
        if code is None:
            return self.is_superuser
        return any(within(code, prefix) for prefix in self.prefixes(roles))

    def q(self, field_name: str = "region", roles: Iterable[str] | None = None) -> Q:
        return subtree_q(self.prefixes(roles), field_name)

    def filter(
        self, qs: QuerySet[M], field_name: str = "region", roles: Iterable[str] | None = None
    ) -> QuerySet[M]:
        """The one jurisdiction filter: rows whose region code lies in the scope's subtrees."""
        if self.is_superuser:
            return qs
        return qs.filter(self.q(field_name, roles))

    @property
    def home_region_code(self) -> str | None:
        """The broadest region the user is bound to (for headings and default filters)."""
        if self.is_superuser:
            return None
        prefixes = minimal_prefixes(g.region_code for g in self.grants)
        return min(prefixes, key=len) if prefixes else None
