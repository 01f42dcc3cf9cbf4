from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def security_policy(request: HttpRequest) -> dict[str, Any]:
    """The login-policy figures the pages quote, read from settings so they never disagree."""
    return {
        "policy_idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "policy_lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "policy_failure_limit": settings.AXES_FAILURE_LIMIT,
    }
