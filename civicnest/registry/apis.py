from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.core.masking import mask_phone
from civicnest.regions.codes import RegionCodeError, normalize_region_code
from civicnest.regions.models import Region
from civicnest.regions.selectors import region_by_code
from civicnest.registry import permissions, selectors, services
from civicnest.registry.models import (
    ActivityTeam,
    Category,
    FilingStatus,
    OrgStatus,
    OrgType,
    SocialOrganization,
    Stage,
    TeamKind,
)
from config.api import StandardPagination


class RegionCodeSerializerField(serializers.CharField):
    def to_internal_value(self, data: Any) -> Region:  # type: ignore[override]
        raw = super().to_internal_value(data)
        try:
            return region_by_code(raw)
        except RegionCodeError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value: Any) -> str:
        return value.code if isinstance(value, Region) else str(value)


def _validate_region_filter(value: str) -> str:
    try:
        return normalize_region_code(value)
    except RegionCodeError as exc:
        raise serializers.ValidationError(str(exc)) from exc


class OrganizationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()
    org_type = serializers.CharField()
    org_type_display = serializers.CharField(source="get_org_type_display")
    legal_representative = serializers.CharField()
    registration_authority = serializers.CharField()
    registered_on = serializers.DateField()
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    center = serializers.IntegerField(source="center_id", allow_null=True)
    category = serializers.CharField()
    category_display = serializers.CharField(source="get_category_display")
    stage = serializers.CharField()
    grade = serializers.CharField()
    staff_count = serializers.IntegerField()
    volunteer_count = serializers.IntegerField()
    party_member_count = serializers.IntegerField()
    has_party_org = serializers.BooleanField()
    contact_name = serializers.CharField()
    contact_phone = serializers.SerializerMethodField()
    address = serializers.CharField()
    status = serializers.CharField()

    def get_contact_phone(self, org: SocialOrganization) -> str:
        user = self.context["request"].user
        return (
            org.contact_phone
            if permissions.can_see_contacts(user, org)
            else mask_phone(org.contact_phone)
        )


class OrganizationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    uscc = serializers.CharField(max_length=20)
    org_type = serializers.ChoiceField(choices=OrgType.choices)
    legal_representative = serializers.CharField(max_length=50)
    registration_authority = serializers.CharField(max_length=100)
    registered_on = serializers.DateField()
    region = RegionCodeSerializerField()
    category = serializers.ChoiceField(choices=Category.choices)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    staff_count = serializers.IntegerField(min_value=0, required=False)
    volunteer_count = serializers.IntegerField(min_value=0, required=False)
    party_member_count = serializers.IntegerField(min_value=0, required=False)
    has_party_org = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=11, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class OrganizationFilterSerializer(serializers.Serializer):
    region = serializers.CharField(required=False)
    org_type = serializers.ChoiceField(choices=OrgType.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    status = serializers.ChoiceField(choices=OrgStatus.choices, required=False)
    q = serializers.CharField(required=False, max_length=50)

    def validate_region(self, value: str) -> str:
        return _validate_region_filter(value)


class OrganizationListApi(APIView):
    @extend_schema(
        parameters=[OrganizationFilterSerializer, OpenApiParameter("page", int)],
        responses={200: OrganizationOutputSerializer(many=True)},
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        filters = OrganizationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            selectors.organization_list(user=request.user, filters=filters.validated_data),
            request,
            view=self,
        )
        return paginator.get_paginated_response(
            OrganizationOutputSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        request=OrganizationInputSerializer, responses={201: OrganizationOutputSerializer}
    )
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = OrganizationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        org = services.organization_create(actor=request.user, data=dict(payload.validated_data))
        return Response(
            OrganizationOutputSerializer(org, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class OrganizationDetailApi(APIView):
    @extend_schema(responses={200: OrganizationOutputSerializer})
    def get(self, request: AuthenticatedApiRequest, pk: int) -> Response:
        org = selectors.access_organization_by_id(request.user, pk)
        return Response(OrganizationOutputSerializer(org, context={"request": request}).data)

    @extend_schema(
        request=OrganizationInputSerializer, responses={200: OrganizationOutputSerializer}
    )
    def patch(self, request: AuthenticatedApiRequest, pk: int) -> Response:
        org = selectors.access_organization_by_id(request.user, pk, for_write=True)
        payload = OrganizationInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        org = services.organization_update(
            actor=request.user, organization=org, data=dict(payload.validated_data)
        )
        return Response(OrganizationOutputSerializer(org, context={"request": request}).data)


class TeamOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    category = serializers.CharField()
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    responsible_person = serializers.CharField()
    member_count = serializers.IntegerField()
    funds = serializers.DecimalField(max_digits=12, decimal_places=2)
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    filing_number = serializers.CharField(allow_null=True)
    filed_on = serializers.DateField(allow_null=True)
    return_reason = serializers.CharField()


class TeamInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=TeamKind.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices)
    region = RegionCodeSerializerField()
    responsible_person = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(max_length=11)
    venue = serializers.CharField(max_length=200)
    member_count = serializers.IntegerField(min_value=1)
    funds = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    activity_area = serializers.CharField(max_length=200, required=False, allow_blank=True)
    charter = serializers.CharField(required=False, allow_blank=True)


class TeamFilterSerializer(serializers.Serializer):
    region = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=FilingStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=TeamKind.choices, required=False)
    q = serializers.CharField(required=False, max_length=50)

    def validate_region(self, value: str) -> str:
        return _validate_region_filter(value)


class TeamListApi(APIView):
    @extend_schema(
        parameters=[TeamFilterSerializer], responses={200: TeamOutputSerializer(many=True)}
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        filters = TeamFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            selectors.team_list(user=request.user, filters=filters.validated_data),
            request,
            view=self,
        )
        return paginator.get_paginated_response(TeamOutputSerializer(page, many=True).data)

    @extend_schema(request=TeamInputSerializer, responses={201: TeamOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = TeamInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        team = services.team_submit(actor=request.user, data=dict(payload.validated_data))
        return Response(TeamOutputSerializer(team).data, status=status.HTTP_201_CREATED)


class TeamTransitionApi(APIView):
    class TeamTransitionInputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=FilingStatus.choices)
        reason = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(request=TeamTransitionInputSerializer, responses={200: TeamOutputSerializer})
    def post(self, request: AuthenticatedApiRequest, pk: int) -> Response:
        team: ActivityTeam = selectors.access_team_by_id(request.user, pk)
        payload = self.TeamTransitionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        team = services.team_transition(actor=request.user, team=team, **payload.validated_data)
        return Response(TeamOutputSerializer(team).data)


class AnnualReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    year = serializers.IntegerField()
    income = serializers.DecimalField(max_digits=14, decimal_places=2)
    expenses = serializers.DecimalField(max_digits=14, decimal_places=2)
    net_assets = serializers.DecimalField(max_digits=14, decimal_places=2)
    staff_count = serializers.IntegerField()
    status = serializers.CharField()
    result = serializers.CharField()


class AnnualReportListApi(APIView):
    class AnnualReportFilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
        organization = serializers.IntegerField(required=False)

    class AnnualReportInputSerializer(serializers.Serializer):
        organization = serializers.IntegerField()
        year = serializers.IntegerField(min_value=1990, max_value=2100)
        activities = serializers.CharField()
        income = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
        expenses = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
        net_assets = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
        staff_count = serializers.IntegerField(min_value=0)
        member_count = serializers.IntegerField(min_value=0, required=False)

    @extend_schema(
        parameters=[AnnualReportFilterSerializer],
        responses={200: AnnualReportOutputSerializer(many=True)},
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        filters = self.AnnualReportFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            selectors.annual_report_list(user=request.user, filters=filters.validated_data),
            request,
            view=self,
        )
        return paginator.get_paginated_response(AnnualReportOutputSerializer(page, many=True).data)

    @extend_schema(
        request=AnnualReportInputSerializer, responses={201: AnnualReportOutputSerializer}
    )
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.AnnualReportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        org = selectors.access_organization_by_id(request.user, data.pop("organization"))
        report = services.annual_report_submit(actor=request.user, organization=org, data=data)
        return Response(AnnualReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)
