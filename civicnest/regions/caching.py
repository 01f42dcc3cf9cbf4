"""Caches keyed on a jurisdiction: statistics (`cached_stats`) and rendered list fragments (`cached_fragment`).

Short-lived caching of jurisdiction statistics (the dashboard cards, the matching board's summary).

Counting a district's or the city's needs, matches and organizations costs tens of milliseconds at city
scale on every view of the dashboard and the board, and the numbers need not be fresher than a minute.
The cache key is the user's grants (and the language, for the labels), so two users with the same roles over the same regions share an entry
and nobody ever sees another jurisdiction's numbers. STATS_CACHE_SECONDS = 0 turns caching off.

Cached list fragments: the rendered table of a busy list page, shared for LIST_CACHE_SECONDS by users with
the same grants asking for the same filters and page.

Rendering a 30–50 row table (and the queries behind it) is most of a list page's cost; the load test's busiest
pages ask for the same first pages again and again (docs/benchmarks.md, LOAD). The key holds the user's grants
(so nobody sees another jurisdiction's rows or another role's unmasked phone numbers), the language, the query
string, and a version per model the table shows: saving or deleting such a row bumps the version in this
process's cache, so its own edits show at once; other processes (gunicorn workers with a per-process cache) see
them within LIST_CACHE_SECONDS. Bulk writes (imports, the generator) rely on that expiry too.
LIST_CACHE_SECONDS = 0 turns caching off (the test settings do).

A fragment with forms is rendered with `fragment_context()`: the cache holds a placeholder where the CSRF
token goes, and each request gets its own token put in (never another session's).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Model
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from civicnest.accounts.roles import STAFF_ROLES
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


CSRF_MARKER = "civicnest-fragment-csrf-token"


def fragment_context(**context: Any) -> dict[str, Any]:
    """A template context for a cached fragment whose forms carry `{% csrf_token %}`."""
    return {**context, "csrf_token": CSRF_MARKER}


def _with_token(request: HttpRequest, html: str) -> SafeString:
    if CSRF_MARKER in html:
        html = html.replace(CSRF_MARKER, get_token(request))
    return mark_safe(html)  # noqa: S308  # nosec B308, B703


def _version_key(model: type[Model]) -> str:
    return f"civicnest:listver:{model._meta.label_lower}"


def bump_list_version(sender: type[Model], **kwargs: Any) -> None:
    """Connected to every post_save/post_delete when the app loads (regions/apps.py), in every process:
    a write anywhere (another gunicorn worker, a task worker, another node) changes the keys of every
    cached fragment over that model."""
    key = _version_key(sender)
    try:
        cache.incr(key)
    except ValueError:  # not cached yet (or expired): any new value changes the fragment keys
        cache.set(key, 2, None)


def fragment_owner(scope: Scope, *, shared: bool) -> int | None:
    """The user a cached fragment belongs to, or None when users with the same grants may share it."""
    if scope.user_id is None:  # anonymous visitors see public rows only
        return None
    only_staff = bool(scope.grants) and all(g.role in STAFF_ROLES for g in scope.grants)
    if shared and (only_staff or scope.is_superuser):
        return None
    return scope.user_id


def cached_fragment(
    *,
    name: str,
    request: HttpRequest,
    models: Iterable[type[Model]],
    render: Callable[[], str],
    shared: bool = False,
    vary: Iterable[tuple[str, str]] | None = None,
) -> SafeString:
    """The fragment `render()` makes, from the cache when the same view of the same rows was rendered in the
    last LIST_CACHE_SECONDS. `vary`: the query parameters the fragment depends on (default: all of request.GET).

    Who may share an entry is decided by `fragment_owner()`, not by the caller: by default an entry belongs to
    one user. `shared=True` says the rows are a pure jurisdiction list (the same for everyone with the same
    grants); it is honoured only for users whose every grant is a staff role and for anonymous visitors,
    because what residents, organizations, funders, experts and volunteers see is their own rows."""
    seconds = getattr(settings, "LIST_CACHE_SECONDS", 30)
    if seconds <= 0:
        return _with_token(request, render())
    models = list(models)
    keys = [_version_key(m) for m in models]
    versions = cache.get_many(keys)
    stamp = ",".join(str(versions.get(k, 1)) for k in keys)
    query = sorted(
        vary if vary is not None else ((k, v) for k, vs in request.GET.lists() for v in vs)
    )
    scope = Scope.for_user(request.user)
    raw = repr((scope_key(scope), fragment_owner(scope, shared=shared), query, stamp)).encode()
    key = (
        f"civicnest:frag:{name}:{translation.get_language()}:{hashlib.sha256(raw).hexdigest()[:40]}"
    )
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, seconds)
    return _with_token(request, html)
