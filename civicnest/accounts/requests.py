"""Request types of signed-in users, so services can take `actor: User` and mypy checks the callers.

Django types `request.user` as `User | AnonymousUser`; behind `login_required` (pages) or
`IsAuthenticated` (the API's default permission) it is always a `User`. Views declare that with these types.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from civicnest.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    user: User  # login_required guarantees it


class AuthenticatedApiRequest(Request):
    user: User  # the API default permission is IsAuthenticated
