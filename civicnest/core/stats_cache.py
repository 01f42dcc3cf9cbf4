"""Short-lived caching of jurisdiction statistics (the dashboard cards, the matching board's summary).

Counting a district's or the city's needs, matches and organizations costs tens of milliseconds at city
scale on every view of the dashboard and the board, and the numbers need not be fresher than a minute.
The cache key is the user's grants (and the language, for the labels), so two users with the same roles over the same regions share an entry
and nobody ever sees another jurisdiction's numbers. STATS_CACHE_SECONDS = 0 turns caching off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from civicnest.regions.scoping import Scope

T = TypeVar("T")


def scope_key(scope: Scope) -> str:
    grants = sorted(
        (g.role, g.region_code, g.center_id or 0, g.organization_id or 0) for g in scope.grants
    )
    raw = repr((scope.is_superuser, grants)).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def cached_stats(name: str, scope: Scope, compute: Callable[[], T]) -> T:
    seconds = getattr(settings, "STATS_CACHE_SECONDS", 60)
    if seconds <= 0:
        return compute()
    key = f"civicnest:stats:{name}:{translation.get_language()}:{scope_key(scope)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
