"""Idle session expiry without a database write on every request.

`SESSION_SAVE_EVERY_REQUEST` renews the 30-minute idle timeout by rewriting the session row (UPDATE + COMMIT)
on every page view; under load that write was a large share of a list page's time (docs/benchmarks.md, LOAD).
This middleware renews a signed-in session at most once per `SESSION_REFRESH_SECONDS` (default 60): the idle
timeout then ends between SESSION_COOKIE_AGE - 60 s and SESSION_COOKIE_AGE after the last request. Requests
without a session cookie (the public portal) never touch the session at all.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse

REFRESHED_KEY = "_civicnest_refreshed"


class RefreshingSessionMiddleware(SessionMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            every = getattr(settings, "SESSION_REFRESH_SECONDS", 60)
            if now - int(session.get(REFRESHED_KEY, 0)) >= every:
                session[REFRESHED_KEY] = now  # marks the session modified: saved and cookie renewed
        return super().process_response(request, response)
