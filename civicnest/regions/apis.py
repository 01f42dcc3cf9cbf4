from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.core.exceptions import ApplicationError
from civicnest.regions.codes import RegionCodeError
from civicnest.regions.models import Region, RegionLevel
from civicnest.regions.selectors import region_get, region_list
from civicnest.regions.services import region_create


class RegionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    gb_code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    level_display = serializers.CharField(source="get_level_display")
    parent = serializers.CharField(source="parent_id", allow_null=True)  # type: ignore[assignment]


class RegionListApi(ListAPIView[Region]):
    """Official region codes (GB/T 2260 and statistical codes): public reference data."""

    serializer_class = RegionOutputSerializer
    filter_backends: list[type] = []

    class RegionFilterSerializer(serializers.Serializer):
        parent = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]
        under = serializers.CharField(required=False, allow_blank=True)
        level = serializers.ChoiceField(choices=RegionLevel.choices, required=False)
        q = serializers.CharField(required=False, allow_blank=True)

    class RegionCreateInputSerializer(serializers.Serializer):
        code = serializers.CharField(label=_("区划代码"), max_length=12)
        name = serializers.CharField(label=_("名称"), max_length=100)
        parent = serializers.CharField(label=_("上级区划代码"), max_length=12)  # type: ignore[assignment]

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="直接上级的区划代码"),
            OpenApiParameter("under", str, description="某区划下的全部下级"),
            OpenApiParameter("level", str, enum=RegionLevel.values),
            OpenApiParameter("q", str, description="名称或代码前缀"),
        ]
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Region]:
        filters = self.RegionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        try:
            return region_list(**filters.validated_data)
        except RegionCodeError as exc:
            raise ApplicationError(str(exc)) from exc

    @extend_schema(request=RegionCreateInputSerializer, responses={201: RegionOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = self.RegionCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = region_create(
            actor=request.user,
            code=data.validated_data["code"],
            name=data.validated_data["name"],
            parent_code=data.validated_data["parent"],
        )
        return Response(RegionOutputSerializer(region).data, status=status.HTTP_201_CREATED)


class RegionDetailApi(APIView):
    @extend_schema(responses={200: RegionOutputSerializer})
    def get(self, request: AuthenticatedApiRequest, code: str) -> Response:
        region = region_get(code=code)
        if region is None:
            raise NotFound(_("区划代码不存在：%(code)s") % {"code": code})
        return Response(RegionOutputSerializer(region).data)
