"""Writes of the accounts app."""

from __future__ import annotations

from rest_framework.authtoken.models import Token

from civicnest.accounts.models import User


def api_token_issue(*, user: User) -> str:
    """The user's API token (created on first use)."""
    token, _created = Token.objects.get_or_create(user=user)
    return token.key
