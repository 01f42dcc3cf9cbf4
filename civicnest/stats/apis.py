"""/api/v1/stats/…: the dashboard figures of one jurisdiction and period."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.core.periods import Period, PeriodError, PeriodKind
from civicnest.regions.figures import METRICS
from civicnest.stats import selectors

REGION = OpenApiParameter(
    "region", str, description="区划代码（默认为用户所辖的最高一级区划）", required=False
)
PERIOD = OpenApiParameter(
    "period", str, description="统计期：2026-11（月）、2026-Q4（季度）或 2026（年）", required=False
)


def _period(request: Request) -> Period:
    raw = request.query_params.get("period", "")
    if not raw:
        return Period.current(PeriodKind.YEAR)
    try:
        return Period.parse(raw)
    except PeriodError as exc:
        raise ValidationError({"period": [str(exc)]}) from exc


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    section = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    unit = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=False)
    previous = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    change_percent = serializers.DecimalField(
        max_digits=20, decimal_places=1, coerce_to_string=False, allow_null=True
    )
    target = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True
    )


class CountSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class BreakdownSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    counts = CountSerializer(many=True)


class OverviewSerializer(serializers.Serializer):
    region = serializers.CharField()
    region_name = serializers.CharField()
    period = serializers.CharField()
    period_label = serializers.CharField()
    as_of = serializers.DateTimeField(
        allow_null=True,
        help_text="When the monthly roll-up the figures were read from was computed; null: live.",
    )
    figures = FigureSerializer(many=True)
    breakdowns = BreakdownSerializer(many=True)


class ChildValueSerializer(serializers.Serializer):
    region = serializers.CharField()
    name = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=False)


class ChildrenSerializer(serializers.Serializer):
    region = serializers.CharField()
    period = serializers.CharField()
    metric = serializers.CharField()
    children = ChildValueSerializer(many=True)


class StatsOverviewApi(APIView):
    """All dashboard figures of a jurisdiction for a period, with the previous period and the change."""

    @extend_schema(parameters=[REGION, PERIOD], responses={200: OverviewSerializer})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        data = selectors.figures_for_api(
            user=request.user, code=request.query_params.get("region"), period=_period(request)
        )
        return Response(OverviewSerializer(data).data)


class StatsChildrenApi(APIView):
    """One figure for each child region (districts of a city, streets of a district…): the drill-down."""

    @extend_schema(
        parameters=[
            REGION,
            PERIOD,
            OpenApiParameter(
                "metric",
                str,
                enum=list(METRICS),
                required=False,
                description="指标，默认 org_total",
            ),
        ],
        responses={200: ChildrenSerializer},
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        metric = request.query_params.get("metric") or "org_total"
        if metric not in METRICS:
            raise ValidationError({"metric": [_("未知的指标：%(m)s") % {"m": metric[:40]}]})
        data = selectors.children_for_api(
            user=request.user,
            code=request.query_params.get("region"),
            period=_period(request),
            metric=metric,
        )
        return Response(ChildrenSerializer(data).data)
