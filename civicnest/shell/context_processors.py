from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civicnest.core.selectors import notification_unread_count
from civicnest.regions.scoping import Scope
from civicnest.shell.navigation import menu_for


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
