"""Jurisdiction: the only code that knows the rule "a user sees the subtree of the region they are bound to".

Region codes are prefixes of their descendants' codes (42 → 4201 → 420106 → 420106001 → 420106001002),
so a subtree is a code range: every code c with prefix <= c < prefix-with-last-digit-plus-one. A range
uses the plain B-tree index on both SQLite and PostgreSQL, whatever the collation, which LIKE does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from civicnest.accounts.roles import STAFF_ROLES

if TYPE_CHECKING:
    from civicnest.accounts.models import User

M = TypeVar("M", bound=Model)

VALID_CODE_LENGTHS = (2, 4, 6, 9, 12)


class RegionCodeError(ValueError):
    pass


def normalize_region_code(raw: str) -> str:
    """Accept a stored code (2/4/6/9/12 digits) or an official 6-digit province/city code (420100)."""
    code = (raw or "").strip()
    if not code.isascii() or not code.isdigit():
        raise RegionCodeError(_("区划代码只能由数字组成：%(code)s") % {"code": raw})
    if len(code) == 6 and code.endswith("0000"):
        code = code[:2]
    elif len(code) == 6 and code.endswith("00"):
        code = code[:4]
    if len(code) not in VALID_CODE_LENGTHS:
        raise RegionCodeError(
            _("区划代码应为 6 位（区县）、9 位（街道）或 12 位（社区）数字：%(code)s")
            % {"code": raw}
        )
    return code


def code_range(prefix: str) -> tuple[str, str]:
    """The half-open range [low, high) of codes under `prefix` (digits only)."""
    if not prefix:
        return "", "~"
    head = prefix.rstrip("9")
    if not head:  # "99…": everything from the prefix up
        return prefix, "~"
    return prefix, head[:-1] + str(int(head[-1]) + 1)


def subtree_q(prefixes: Iterable[str], field_name: str) -> Q:
    """OR of code ranges; the empty set of prefixes matches nothing."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        low, high = code_range(prefix)
        q |= Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high})
    return q


def minimal_prefixes(codes: Iterable[str]) -> tuple[str, ...]:
    """Drop codes already covered by a shorter one in the set."""
    result: list[str] = []
    for code in sorted(set(codes), key=len):
        if not any(code.startswith(kept) for kept in result):
            result.append(code)
    return tuple(sorted(result))


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
        from civicnest.accounts.models import RoleAssignment

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
        return any(code.startswith(prefix) for prefix in self.prefixes(roles))

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
