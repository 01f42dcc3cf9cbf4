from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.regions.codes import RegionCodeError, normalize_region_code
from civicnest.venues import selectors, services
from config.api import StandardPagination


class RoomOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    center = serializers.IntegerField(source="center_id")
    center_name = serializers.CharField(source="center.name")
    region = serializers.CharField(source="region_id")
    capacity = serializers.IntegerField()
    area = serializers.DecimalField(max_digits=7, decimal_places=2)
    equipment = serializers.CharField()
    opens_at = serializers.TimeField()
    closes_at = serializers.TimeField()
    open_weekdays = serializers.CharField()
    requires_approval = serializers.BooleanField()


class RoomListApi(APIView):
    class RoomFilterSerializer(serializers.Serializer):
        region = serializers.CharField(required=False)
        center = serializers.IntegerField(required=False)
        min_capacity = serializers.IntegerField(required=False, min_value=1)

        def validate_region(self, value: str) -> str:
            try:
                return normalize_region_code(value)
            except RegionCodeError as exc:
                raise serializers.ValidationError(str(exc)) from exc

    @extend_schema(
        parameters=[RoomFilterSerializer, OpenApiParameter("page", int)],
        responses={200: RoomOutputSerializer(many=True)},
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        filters = self.RoomFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            selectors.room_list(user=request.user, filters=filters.validated_data),
            request,
            view=self,
        )
        return paginator.get_paginated_response(RoomOutputSerializer(page, many=True).data)


class BookingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    room = serializers.IntegerField(source="room_id")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    purpose = serializers.CharField()
    attendance = serializers.IntegerField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    series = serializers.CharField()


class BookingListApi(APIView):
    class BookingInputSerializer(serializers.Serializer):
        room = serializers.IntegerField()
        start = serializers.DateTimeField()
        end = serializers.DateTimeField()
        purpose = serializers.CharField(max_length=200)
        attendance = serializers.IntegerField(min_value=1, required=False, default=1)

    @extend_schema(responses={200: BookingOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        paginator = StandardPagination()
        qs = selectors.bookings_visible_to(request.user).order_by("-start", "pk")
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(BookingOutputSerializer(page, many=True).data)

    @extend_schema(
        request=BookingInputSerializer,
        responses={201: BookingOutputSerializer, 409: None},
        description="时段与已确认的预约重叠时返回 409，message 说明冲突的时间。",
    )
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.BookingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        room = selectors.access_room_by_id(request.user, data["room"])
        booking = services.booking_create(
            actor=request.user,
            room=room,
            start=data["start"],
            end=data["end"],
            purpose=data["purpose"],
            attendance=data["attendance"],
        )
        return Response(BookingOutputSerializer(booking).data, status=status.HTTP_201_CREATED)
