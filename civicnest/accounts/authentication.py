"""API tokens that expire: DRF's TokenAuthentication, refusing a token older than API_TOKEN_TTL_HOURS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expired(token: Token) -> bool:
    hours = int(getattr(settings, "API_TOKEN_TTL_HOURS", 24 * 30))
    return hours > 0 and token.created < timezone.now() - timedelta(hours=hours)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token …`; a token older than API_TOKEN_TTL_HOURS (0: never) is deleted and refused (401)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("认证令牌已过期，请重新获取。"))
        return user, token
