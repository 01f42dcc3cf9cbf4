from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.core.selectors import notification_list
from civicnest.core.services import notification_mark_read
from config.api import StandardPagination


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationListApi(APIView):
    @extend_schema(responses={200: NotificationOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(notification_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(NotificationOutputSerializer(page, many=True).data)


class NotificationReadApi(APIView):
    class NotificationReadInputSerializer(serializers.Serializer):
        id = serializers.IntegerField(required=False, help_text="不填则全部标为已读")

    class NotificationReadOutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()

    @extend_schema(
        request=NotificationReadInputSerializer, responses={200: NotificationReadOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        data = self.NotificationReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notification_mark_read(
            user=request.user, notification_id=data.validated_data.get("id")
        )
        return Response({"marked": marked})
