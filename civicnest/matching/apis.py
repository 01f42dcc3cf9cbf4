"""The matching API. The names and shapes here are fixed: other tools rely on them."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.matching import selectors, services
from civicnest.matching.codes import Beneficiary, Category
from civicnest.registry.models import SocialOrganization
from config.api import StandardPagination


class CodeListSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class CategoryListApi(APIView):
    pagination_class = None  # a short bare list, not paged
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CodeListSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response([{"code": c.value, "label": str(c.label)} for c in Category])


class BeneficiaryListApi(APIView):
    pagination_class = None  # a short bare list, not paged
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CodeListSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response([{"code": b.value, "label": str(b.label)} for b in Beneficiary])


class ServiceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    title = serializers.CharField()
    description = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    regions = serializers.SerializerMethodField()
    beneficiaries = serializers.ListField(child=serializers.CharField())
    capacity = serializers.IntegerField()

    def get_regions(self, offering: Any) -> list[str]:
        return [a.code for a in offering.areas.all()]


class ServiceListApi(APIView):
    class OfferingInputSerializer(serializers.Serializer):
        organization = serializers.IntegerField()
        title = serializers.CharField(max_length=120)
        description = serializers.CharField(allow_blank=True)
        categories = serializers.ListField(child=serializers.CharField(), allow_empty=True)
        regions = serializers.ListField(child=serializers.CharField(), allow_empty=True)
        beneficiaries = serializers.ListField(
            child=serializers.CharField(), required=False, default=list
        )
        capacity = serializers.IntegerField(min_value=1, required=False, default=20)

    @extend_schema(responses={200: ServiceOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        paginator = StandardPagination()
        qs = (
            selectors.offerings_visible_to(request.user)
            .prefetch_related("areas")
            .order_by("-created_at", "pk")
        )
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ServiceOutputSerializer(page, many=True).data)

    @extend_schema(request=OfferingInputSerializer, responses={201: ServiceOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.OfferingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        organization = get_object_or_404(SocialOrganization, pk=data.pop("organization"))
        data["area_codes"] = data.pop("regions")
        offering = services.offering_save(actor=request.user, organization=organization, data=data)
        return Response(ServiceOutputSerializer(offering).data, status=status.HTTP_201_CREATED)


class NeedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    region = serializers.CharField(source="region_id")
    beneficiaries = serializers.ListField(child=serializers.CharField())
    category = serializers.CharField()
    status = serializers.CharField()
    duplicate_of = serializers.IntegerField(source="duplicate_of_id", allow_null=True)
    suggestions_pending = serializers.SerializerMethodField(
        help_text=_("推荐尚在生成中（稍后再取 matches/）")
    )

    def get_suggestions_pending(self, need: Any) -> bool:
        return need.suggestions_due is not None


class NeedListApi(APIView):
    class NeedInputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=120)
        description = serializers.CharField(allow_blank=True)
        region = serializers.CharField(max_length=12)
        beneficiaries = serializers.ListField(
            child=serializers.CharField(), required=False, default=list
        )
        category = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(responses={200: NeedOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            selectors.need_list(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(NeedOutputSerializer(page, many=True).data)

    @extend_schema(request=NeedInputSerializer, responses={201: NeedOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.NeedInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        need = services.need_submit(actor=request.user, data=dict(payload.validated_data))
        # A repeat of one's own open need is merged into it: 200 with that need, not a new one.
        return Response(
            NeedOutputSerializer(need).data,
            status=status.HTTP_200_OK if need.merged else status.HTTP_201_CREATED,
        )


class NeedMatchesApi(APIView):
    """The need's stored suggestions. Ranking happens in the matching worker, never in a web process:
    a need submitted a moment ago may list none yet (`pending` in the need's `suggestions_due`)."""

    pagination_class = None  # a short bare list, not paged

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit",
                int,
                description=_("返回条数，默认与最多均为 %(n)d") % {"n": services.SUGGESTIONS_KEPT},
            )
        ],
        responses={
            200: inline_serializer(
                name="RankedService",
                many=True,
                fields={
                    "service": serializers.IntegerField(),
                    "score": serializers.FloatField(),
                    "reasons": serializers.ListField(child=serializers.CharField()),
                },
            )
        },
    )
    def get(self, request: AuthenticatedApiRequest, pk: int) -> Response:
        need = selectors.access_need_by_id(request.user, pk)
        try:
            limit = min(
                max(int(request.query_params.get("limit", services.SUGGESTIONS_KEPT)), 1), 50
            )
        except ValueError as exc:
            raise serializers.ValidationError({"limit": [_("limit 应为 1–50 的整数。")]}) from exc
        return Response(
            [
                {"service": m.offering_id, "score": m.score, "reasons": m.reasons}
                for m in selectors.need_suggestions(need=need, limit=limit)
            ]
        )
