"""Writes of the accounts app."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from civicnest.accounts.authentication import token_expired
from civicnest.accounts.models import User


def api_token_issue(*, user: User) -> str:
    """The user's API token: the current one, or a new one when there is none or it has expired."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
    return token.key


def api_tokens_revoke(*, user: User) -> int:
    """Delete the user's API token (logout, password change, DELETE /api/v1/auth/token/)."""
    deleted, _per_model = Token.objects.filter(user_id=user.pk).delete()
    return deleted
