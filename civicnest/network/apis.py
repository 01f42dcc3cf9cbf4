from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.core.exceptions import ApplicationError
from civicnest.core.masking import mask_phone
from civicnest.network.models import Center, CenterLevel, CenterStatus, CenterType, OperationMode
from civicnest.network.permissions import can_edit_center
from civicnest.network.selectors import access_center_by_id, center_list
from civicnest.network.services import center_create, center_update
from civicnest.regions.codes import RegionCodeError, normalize_region_code
from civicnest.regions.models import Region
from civicnest.regions.selectors import region_by_code
from config.api import StandardPagination


class CenterOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    center_type = serializers.CharField()
    center_type_display = serializers.CharField(source="get_center_type_display")
    level = serializers.CharField()
    level_display = serializers.CharField(source="get_level_display")
    region = serializers.CharField(source="region.gb_code")
    region_name = serializers.CharField(source="region.name")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]
    operation_mode = serializers.CharField()
    address = serializers.CharField()
    premises_area = serializers.DecimalField(max_digits=9, decimal_places=2)
    contact_name = serializers.CharField()
    contact_phone = serializers.SerializerMethodField()
    opening_hours = serializers.CharField()
    opening_date = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")

    def get_contact_phone(self, center: Center) -> str:
        user = self.context["request"].user
        return (
            center.contact_phone
            if can_edit_center(user, center)
            else mask_phone(center.contact_phone)
        )


class CenterInputSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("中心名称"), max_length=120)
    center_type = serializers.ChoiceField(label=_("类型"), choices=CenterType.choices)
    level = serializers.ChoiceField(label=_("层级"), choices=CenterLevel.choices)
    region = serializers.CharField(label=_("所在区划代码"), max_length=12)
    parent = serializers.IntegerField(label=_("上级中心"), required=False, allow_null=True)  # type: ignore[assignment]
    operation_mode = serializers.ChoiceField(choices=OperationMode.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    premises_area = serializers.DecimalField(
        max_digits=9, decimal_places=2, required=False, min_value=0
    )
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=11, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    opening_hours = serializers.CharField(max_length=100, required=False, allow_blank=True)
    opening_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=CenterStatus.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)

    def validate_region(self, value: str) -> Region:
        try:
            return region_by_code(value)
        except RegionCodeError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_service_data(self, user: Any) -> dict[str, Any]:
        data = dict(self.validated_data)
        if data.get("parent") is not None:
            try:
                data["parent"] = access_center_by_id(user, data["parent"])
            except Exception as exc:
                raise ApplicationError(_("上级中心不存在或不在您的管辖范围内。")) from exc
        return data


class CenterListApi(APIView):
    class CenterFilterSerializer(serializers.Serializer):
        level = serializers.ChoiceField(choices=CenterLevel.choices, required=False)
        center_type = serializers.ChoiceField(choices=CenterType.choices, required=False)
        status = serializers.ChoiceField(choices=CenterStatus.choices, required=False)
        region = serializers.CharField(required=False)
        q = serializers.CharField(required=False)

        def validate_region(self, value: str) -> str:
            try:
                return normalize_region_code(value)
            except RegionCodeError as exc:
                raise serializers.ValidationError(str(exc)) from exc

    @extend_schema(
        parameters=[CenterFilterSerializer, OpenApiParameter("page", int)],
        responses={200: CenterOutputSerializer(many=True)},
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        filters = self.CenterFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            center_list(user=request.user, filters=filters.validated_data), request, view=self
        )
        data = CenterOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=CenterInputSerializer, responses={201: CenterOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = CenterInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        center = center_create(actor=request.user, data=payload.to_service_data(request.user))
        return Response(
            CenterOutputSerializer(center, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CenterDetailApi(APIView):
    @extend_schema(responses={200: CenterOutputSerializer})
    def get(self, request: AuthenticatedApiRequest, pk: int) -> Response:
        center = access_center_by_id(request.user, pk)
        return Response(CenterOutputSerializer(center, context={"request": request}).data)

    @extend_schema(request=CenterInputSerializer, responses={200: CenterOutputSerializer})
    def patch(self, request: AuthenticatedApiRequest, pk: int) -> Response:
        center = access_center_by_id(request.user, pk, for_write=True)
        payload = CenterInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        center = center_update(
            actor=request.user, center=center, data=payload.to_service_data(request.user)
        )
        return Response(CenterOutputSerializer(center, context={"request": request}).data)
