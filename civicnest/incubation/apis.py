from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.incubation import selectors, services
from civicnest.incubation.models import ApplicationStatus, ServiceType
from civicnest.registry.models import Category, Stage
from civicnest.registry.selectors import organizations_visible_to
from config.api import StandardPagination


def _paginate(
    request: Request, view: APIView, qs: Any, serializer: type[serializers.Serializer]
) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class IncubationApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField(source="round_id")
    center = serializers.IntegerField(source="round.program.center_id")
    applicant_name = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id", allow_null=True)
    team = serializers.IntegerField(source="team_id", allow_null=True)
    project_title = serializers.CharField()
    category = serializers.CharField()
    stage = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    graduated_on = serializers.DateField(allow_null=True)


class IncubationApplicationListApi(APIView):
    class ApplicationFilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=ApplicationStatus.choices, required=False)
        center = serializers.IntegerField(required=False)
        round = serializers.IntegerField(required=False)

    class ApplicationInputSerializer(serializers.Serializer):
        round = serializers.IntegerField()
        organization = serializers.IntegerField(required=False, allow_null=True)
        founding_team = serializers.CharField(max_length=120, required=False, allow_blank=True)
        project_title = serializers.CharField(max_length=200)
        plan = serializers.CharField()
        category = serializers.ChoiceField(choices=Category.choices)
        stage = serializers.ChoiceField(choices=Stage.choices)
        contact_name = serializers.CharField(max_length=50)
        contact_phone = serializers.CharField(max_length=11)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if bool(attrs.get("organization")) == bool(attrs.get("founding_team", "").strip()):
                raise serializers.ValidationError(_("请提供 organization 或 founding_team 之一。"))
            return attrs

    @extend_schema(
        parameters=[ApplicationFilterSerializer, OpenApiParameter("page", int)],
        responses={200: IncubationApplicationOutputSerializer(many=True)},
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        filters = self.ApplicationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.application_list(user=request.user, filters=filters.validated_data)
        return _paginate(request, self, qs, IncubationApplicationOutputSerializer)

    @extend_schema(
        request=ApplicationInputSerializer, responses={201: IncubationApplicationOutputSerializer}
    )
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.ApplicationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        round_ = selectors.access_round_by_id(request.user, data.pop("round"))
        if data.get("organization"):
            data["organization"] = get_object_or_404(
                organizations_visible_to(request.user), pk=data["organization"]
            )
        application = services.application_submit(actor=request.user, round_=round_, data=data)
        return Response(
            IncubationApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED
        )


class TenancyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    desk = serializers.IntegerField(source="desk_id")
    desk_code = serializers.CharField(source="desk.code")
    application = serializers.IntegerField(source="application_id")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    moved_out_on = serializers.DateField(allow_null=True)


class TenancyListApi(APIView):
    class TenancyInputSerializer(serializers.Serializer):
        application = serializers.IntegerField()
        desk = serializers.IntegerField()
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()

    @extend_schema(responses={200: TenancyOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        qs = (
            selectors.tenancies_visible_to(request.user)
            .select_related("desk")
            .order_by("-starts_on", "pk")
        )
        return _paginate(request, self, qs, TenancyOutputSerializer)

    @extend_schema(
        request=TenancyInputSerializer, responses={201: TenancyOutputSerializer, 409: None}
    )
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.TenancyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        application = selectors.access_application_by_id(request.user, data["application"])
        desk = selectors.access_desk_by_id(request.user, data["desk"])
        tenancy = services.tenancy_allocate(
            actor=request.user,
            application=application,
            desk=desk,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
        return Response(TenancyOutputSerializer(tenancy).data, status=status.HTTP_201_CREATED)


class ServiceRecordOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.IntegerField(source="application_id")
    service_type = serializers.CharField()
    service_type_display = serializers.CharField(source="get_service_type_display")
    served_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    staff = serializers.CharField(source="staff.display_name")
    topic = serializers.CharField()
    outcome = serializers.CharField()


class ServiceRecordListApi(APIView):
    class ServiceFilterSerializer(serializers.Serializer):
        application = serializers.IntegerField(required=False)

    class ServiceInputSerializer(serializers.Serializer):
        application = serializers.IntegerField()
        service_type = serializers.ChoiceField(choices=ServiceType.choices)
        served_on = serializers.DateField()
        hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.5"))
        topic = serializers.CharField(max_length=200)
        outcome = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        parameters=[ServiceFilterSerializer],
        responses={200: ServiceRecordOutputSerializer(many=True)},
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        filters = self.ServiceFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = (
            selectors.services_visible_to(request.user)
            .select_related("staff")
            .order_by("-served_on", "-id")
        )
        if filters.validated_data.get("application"):
            qs = qs.filter(application_id=filters.validated_data["application"])
        return _paginate(request, self, qs, ServiceRecordOutputSerializer)

    @extend_schema(request=ServiceInputSerializer, responses={201: ServiceRecordOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.ServiceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        application = selectors.access_application_by_id(request.user, data.pop("application"))
        record = services.service_log(actor=request.user, application=application, data=data)
        return Response(ServiceRecordOutputSerializer(record).data, status=status.HTTP_201_CREATED)
