"""API: grading rounds, assessments, compliance breaches and surveys (thin; the selectors do the scoping)."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.evaluation import compliance, selectors, services
from civicnest.regions.codes import RegionCodeError
from civicnest.regions.selectors import region_by_code
from config.api import StandardPagination


def _page(request: Request, view: APIView, items: Any, serializer: Any) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class RoundOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    region = serializers.CharField(source="region_id")
    status = serializers.CharField()
    applications_close_on = serializers.DateField()
    grade_bands = serializers.DictField(child=serializers.IntegerField())
    validity_years = serializers.IntegerField()
    appeal_days = serializers.IntegerField()


class RoundInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    region = serializers.CharField(max_length=12)
    applications_close_on = serializers.DateField()
    templates = serializers.ListField(child=serializers.IntegerField(), required=False)
    grade_bands = serializers.DictField(child=serializers.IntegerField(), required=False)
    validity_years = serializers.IntegerField(min_value=1, max_value=10, required=False)
    appeal_days = serializers.IntegerField(min_value=1, max_value=60, required=False)


class RoundListApi(APIView):
    @extend_schema(responses={200: RoundOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        qs = selectors.rounds_visible_to(request.user).order_by("-year", "-pk")
        return _page(request, self, qs, RoundOutputSerializer)

    @extend_schema(request=RoundInputSerializer, responses={201: RoundOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = RoundInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        try:
            data["region"] = region_by_code(data["region"])
        except RegionCodeError as exc:
            raise serializers.ValidationError({"region": [str(exc)]}) from exc
        ids = data.pop("templates", None)
        templates = selectors.current_grading_templates()
        data["templates"] = list(templates.filter(pk__in=ids) if ids else templates)
        round_ = services.round_open(actor=request.user, data=data)
        return Response(RoundOutputSerializer(round_).data, status=status.HTTP_201_CREATED)


class AssessmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField(source="round_id")
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    status = serializers.CharField()
    self_total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    onsite_total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    proposed_grade = serializers.CharField()
    appeal_until = serializers.DateField(allow_null=True)
    final_grade = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True)


class AssessmentListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("round", int, required=False)],
        responses={200: AssessmentOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        qs = selectors.assessments_visible_to(request.user).select_related("organization")
        round_id = request.query_params.get("round", "")
        if round_id.isdigit():
            qs = qs.filter(round_id=int(round_id))
        return _page(request, self, qs.order_by("-pk"), AssessmentOutputSerializer)


class BreachOutputSerializer(serializers.Serializer):
    center = serializers.IntegerField(source="center_id")
    center_name = serializers.CharField()
    region = serializers.CharField(source="region_id")
    rule = serializers.CharField(source="rule.code")
    title = serializers.CharField(source="rule.title")
    rule_source = serializers.CharField(source="rule.source")
    message = serializers.CharField(source="outcome.message")
    facts = serializers.SerializerMethodField()
    plan = serializers.SerializerMethodField()
    due_on = serializers.SerializerMethodField()

    def get_facts(self, breach: selectors.Breach) -> dict[str, str]:
        return breach.outcome.data_dict()

    def get_plan(self, breach: selectors.Breach) -> str | None:
        return breach.acknowledgement.plan if breach.acknowledgement else None

    def get_due_on(self, breach: selectors.Breach) -> str | None:
        return breach.acknowledgement.due_on.isoformat() if breach.acknowledgement else None


class ComplianceListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("rule", str, required=False, enum=list(compliance.RULES_BY_CODE))
        ],
        responses={200: BreachOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        rule = request.query_params.get("rule", "")
        if rule not in compliance.RULES_BY_CODE:
            rule = ""
        report = selectors.compliance_report(user=request.user, rule=rule)
        return _page(request, self, report.breaches, BreachOutputSerializer)


class SurveyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    center = serializers.IntegerField(source="center_id")
    subject = serializers.CharField()
    event = serializers.IntegerField(source="event_id", allow_null=True)
    match = serializers.IntegerField(source="match_id", allow_null=True)
    year = serializers.IntegerField()
    closes_on = serializers.DateField()
    is_open = serializers.BooleanField()
    answers = serializers.IntegerField()
    average_overall = serializers.FloatField(source="avg_overall", allow_null=True)


class SurveyListApi(APIView):
    @extend_schema(responses={200: SurveyOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        qs = (
            selectors.surveys_visible_to(request.user)
            .annotate(answers=Count("responses"), avg_overall=Avg("responses__overall"))
            .order_by("-pk")
        )
        return _page(request, self, qs, SurveyOutputSerializer)
