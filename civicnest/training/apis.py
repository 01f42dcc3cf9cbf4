from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.core.masking import mask_id_number, mask_phone
from civicnest.training import permissions, selectors, services
from civicnest.training.models import Volunteer
from config.api import StandardPagination


def _page(
    request: Request, view: APIView, qs: Any, serializer: Any, context: dict[str, Any] | None = None
) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True, context=context or {}).data)


class CourseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    topic = serializers.CharField()
    center = serializers.IntegerField(source="center_id")
    trainers = serializers.CharField()
    is_published = serializers.BooleanField()


class CourseListApi(APIView):
    @extend_schema(responses={200: CourseOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return _page(
            request,
            self,
            selectors.courses_visible_to(request.user).order_by("-created_at", "pk"),
            CourseOutputSerializer,
        )


class SessionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField()
    capacity = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)


class SessionListApi(APIView):
    @extend_schema(responses={200: SessionOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return _page(
            request,
            self,
            selectors.sessions_visible_to(request.user).order_by("starts_at", "pk"),
            SessionOutputSerializer,
        )


class EnrolmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    status = serializers.CharField()
    checked_in_at = serializers.DateTimeField(allow_null=True)


class EnrolmentListApi(APIView):
    class EnrolmentInputSerializer(serializers.Serializer):
        session = serializers.IntegerField()

    @extend_schema(responses={200: EnrolmentOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return _page(
            request,
            self,
            selectors.enrolments_visible_to(request.user).order_by("-created_at", "pk"),
            EnrolmentOutputSerializer,
        )

    @extend_schema(request=EnrolmentInputSerializer, responses={201: EnrolmentOutputSerializer})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        payload = self.EnrolmentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session = selectors.access_session_by_id(request.user, payload.validated_data["session"])
        enrolment = services.enrol(actor=request.user, session=session)
        return Response(EnrolmentOutputSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class EventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    center = serializers.IntegerField(source="center_id")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField()
    status = serializers.CharField()
    report = serializers.CharField()


class EventListApi(APIView):
    @extend_schema(responses={200: EventOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return _page(
            request,
            self,
            selectors.events_visible_to(request.user).order_by("-starts_at", "pk"),
            EventOutputSerializer,
        )


class VolunteerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField(source="region_id")
    certificate_level = serializers.CharField()
    skills = serializers.CharField()
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    verified_hours = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)

    def get_id_number(self, v: Volunteer) -> str:
        return mask_id_number(v.id_number)  # never in full through the API

    def get_phone(self, v: Volunteer) -> str:
        user = self.context["request"].user
        return v.phone if permissions.can_see_personal_data(user, v) else mask_phone(v.phone)


class VolunteerListApi(APIView):
    @extend_schema(responses={200: VolunteerOutputSerializer(many=True)})
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return _page(
            request,
            self,
            selectors.volunteer_list(user=request.user),
            VolunteerOutputSerializer,
            {"request": request},
        )
