from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from civicnest.core.navigation import menu_for
from civicnest.core.selectors import notification_unread_count
from civicnest.regions.scoping import Scope


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs: the user's scope, role badges, side menu and unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = Scope.for_user(user)
    return {
        "scope": scope,
        "nav_menu": menu_for(scope, request.path),
        "unread_count": notification_unread_count(user=user),
    }


def security_policy(request: HttpRequest) -> dict[str, Any]:
    """The login-policy figures the pages quote, read from settings so they never disagree."""
    return {
        "policy_idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "policy_lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "policy_failure_limit": settings.AXES_FAILURE_LIMIT,
    }
