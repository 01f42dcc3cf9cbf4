from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.governance import selectors, services
from civicnest.governance.models import Meeting
from config.api import StandardPagination


def _page(request: Request, view: APIView, qs: Any, serializer: Any) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class TopicOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    background = serializers.CharField()
    region = serializers.CharField(source="region_id")
    center = serializers.IntegerField(source="center_id")
    stage = serializers.CharField()
    collect_until = serializers.DateField()


class TopicListApi(APIView):
    @extend_schema(responses={200: TopicOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return _page(
            request,
            self,
            selectors.topics_visible_to(request.user).order_by("-created_at", "pk"),
            TopicOutputSerializer,
        )


class OpinionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.IntegerField(source="topic_id")
    body = serializers.CharField()
    supports = serializers.IntegerField(source="support_count")
    created_at = serializers.DateTimeField()


class OpinionListApi(APIView):
    class OpinionInputSerializer(serializers.Serializer):
        topic = serializers.IntegerField()
        body = serializers.CharField(allow_blank=True)

    @extend_schema(responses={200: OpinionOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        qs = selectors.opinion_list(user=request.user)
        return _page(request, self, qs, OpinionOutputSerializer)

    @extend_schema(request=OpinionInputSerializer, responses={201: OpinionOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.OpinionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        topic = selectors.access_topic_by_id(request.user, payload.validated_data["topic"])
        opinion = services.opinion_post(
            actor=request.user, topic=topic, body=payload.validated_data["body"]
        )
        opinion.support_count = 0  # type: ignore[attr-defined]
        return Response(OpinionOutputSerializer(opinion).data, status=status.HTTP_201_CREATED)


class MeetingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.IntegerField(source="topic_id")
    held_at = serializers.DateTimeField()
    location = serializers.CharField()
    agenda = serializers.CharField()
    minutes = serializers.CharField()
    resolutions = serializers.SerializerMethodField()

    def get_resolutions(self, meeting: Meeting) -> list[dict[str, Any]]:
        return [
            {"text": r.text, "owner": r.owner, "due_on": r.due_on.isoformat(), "status": r.status}
            for r in meeting.resolutions.all()
        ]


class MeetingListApi(APIView):
    @extend_schema(responses={200: MeetingOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        qs = selectors.meeting_list(user=request.user)
        return _page(request, self, qs, MeetingOutputSerializer)
