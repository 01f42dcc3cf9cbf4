from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.accounts.selectors import role_assignment_list
from civicnest.accounts.services import api_token_issue, api_tokens_revoke
from civicnest.core.exceptions import ApplicationError


class TokenObtainApi(APIView):
    """POST: exchange a username and password for an API token. DELETE: revoke the caller's token.

    A token also ends on logout, on a password change and after API_TOKEN_TTL_HOURS (issue 18, finding 6)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def _logging_in(self) -> bool:
        # None while drf-spectacular builds its mock request.
        request = getattr(self, "request", None)
        return request is not None and request.method == "POST"

    def get_authenticators(self) -> list[Any]:
        # Logging in needs no credentials (and so no CSRF check of a browser session); revoking needs them.
        if self._logging_in():
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[Any]:
        if self._logging_in():
            return [AllowAny()]
        return [IsAuthenticated()]

    class TokenObtainInputSerializer(serializers.Serializer):
        username = serializers.CharField(label=_("用户名"))
        password = serializers.CharField(label=_("密码"), style={"input_type": "password"})

    class TokenObtainOutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=TokenObtainInputSerializer, responses={200: TokenObtainOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise ApplicationError(_("用户名或密码不正确。"))
        key = api_token_issue(user=user)
        return Response(self.TokenObtainOutputSerializer({"token": key}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: AuthenticatedApiRequest) -> Response:
        api_tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class MeOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        full_name = serializers.CharField()
        is_superuser = serializers.BooleanField()
        roles = inline_serializer(
            name="MeRole",
            many=True,
            fields={
                "role": serializers.CharField(),
                "role_display": serializers.CharField(),
                "region": serializers.CharField(),
                "region_name": serializers.CharField(),
                "center": serializers.IntegerField(allow_null=True),
                "center_name": serializers.CharField(allow_null=True),
            },
        )

    @extend_schema(responses={200: MeOutputSerializer})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        user = request.user
        roles = [
            {
                "role": a.role,
                "role_display": a.get_role_display(),
                "region": a.region.gb_code,
                "region_name": a.region.name,
                "center": a.center_id,
                "center_name": a.center.name if a.center else None,
            }
            for a in role_assignment_list(user=user)
        ]
        payload = {
            "id": user.pk,
            "username": user.get_username(),
            "full_name": getattr(user, "full_name", ""),
            "is_superuser": user.is_superuser,
            "roles": roles,
        }
        return Response(self.MeOutputSerializer(payload).data)
