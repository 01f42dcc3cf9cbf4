"""Reads for training, events and the talent pool. Published courses and events are open to every
signed-in user; rosters, hours and personal data follow the scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from civicnest.accounts.roles import Role
from civicnest.regions.scoping import Scope
from civicnest.training.models import (
    Course,
    Enrolment,
    EnrolmentStatus,
    Event,
    EventPhoto,
    EventStatus,
    HourStatus,
    ServiceHour,
    Session,
    Volunteer,
)


def courses_visible_to(user: Any) -> QuerySet[Course]:
    return (
        Scope.for_user(user).filter(Course.objects.all(), "region")
        | Course.objects.filter(is_published=True)
    ).distinct()


def access_course_by_id(user: Any, pk: int) -> Course:
    return get_object_or_404(courses_visible_to(user).select_related("center"), pk=pk)


def sessions_visible_to(user: Any) -> QuerySet[Session]:
    return Session.objects.filter(course__in=courses_visible_to(user))


def access_session_by_id(user: Any, pk: int) -> Session:
    return get_object_or_404(
        sessions_visible_to(user).select_related("course__center", "room"), pk=pk
    )


def enrolments_visible_to(user: Any) -> QuerySet[Enrolment]:
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Enrolment.objects.all()
    return Enrolment.objects.filter(scope.q("region") | Q(person_id=scope.user_id))


def access_enrolment_by_id(user: Any, pk: int) -> Enrolment:
    return get_object_or_404(
        enrolments_visible_to(user).select_related("session__course__center", "person"), pk=pk
    )


def roster(*, session: Session) -> QuerySet[Enrolment]:
    return (
        session.enrolments.exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("person", "organization")
        .order_by("status", "created_at", "pk")
    )


def training_hours_by_person(*, user: Any) -> list[dict[str, Any]]:
    """Hours of attended sessions per person, inside the user's scope (staff) or for the user alone."""
    rows = (
        enrolments_visible_to(user)
        .filter(checked_in_at__isnull=False)
        .values("person__username", "person__full_name")
        .annotate(hours=Sum("session__hours"), sessions=Count("pk"))
        .order_by("-hours", "person__username")
    )
    return list(rows)


def training_hours_by_organization(*, user: Any) -> list[dict[str, Any]]:
    rows = (
        enrolments_visible_to(user)
        .filter(checked_in_at__isnull=False, organization__isnull=False)
        .values("organization__name")
        .annotate(hours=Sum("session__hours"), people=Count("person", distinct=True))
        .order_by("-hours", "organization__name")
    )
    return list(rows)


def events_visible_to(user: Any) -> QuerySet[Event]:
    public = Event.objects.filter(status__in=[EventStatus.PUBLISHED, EventStatus.FINISHED])
    return (Scope.for_user(user).filter(Event.objects.all(), "region") | public).distinct()


def access_event_by_id(user: Any, pk: int) -> Event:
    return get_object_or_404(events_visible_to(user).select_related("center"), pk=pk)


def volunteers_visible_to(user: Any) -> QuerySet[Volunteer]:
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Volunteer.objects.all()
    own_orgs = [
        g.organization_id for g in scope.grants if g.role == Role.ORG_REP and g.organization_id
    ]
    return Volunteer.objects.filter(
        scope.q("region") | Q(organization_id__in=own_orgs) | Q(user_id=scope.user_id)
    )


def access_volunteer_by_id(user: Any, pk: int) -> Volunteer:
    return get_object_or_404(
        volunteers_visible_to(user).select_related("region", "organization"), pk=pk
    )


def volunteer_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Volunteer]:
    filters = filters or {}
    qs = (
        volunteers_visible_to(user)
        .select_related("region", "organization")
        .annotate(verified_hours=Sum("hours__hours", filter=Q(hours__status=HourStatus.VERIFIED)))
    )
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("q"):
        qs = qs.filter(Q(name__contains=filters["q"]) | Q(skills__contains=filters["q"]))
    return qs.order_by("region_id", "name", "pk")


def hours_visible_to(user: Any) -> QuerySet[ServiceHour]:
    return ServiceHour.objects.filter(volunteer__in=volunteers_visible_to(user))


def verified_hours(volunteer: Volunteer) -> Decimal:
    return volunteer.hours.filter(status=HourStatus.VERIFIED).aggregate(h=Sum("hours"))[
        "h"
    ] or Decimal(0)


def session_by_checkin_token(token: str) -> Session:
    """The session a check-in QR code names (the token is the capability: anyone holding it may open the page)."""
    return get_object_or_404(Session.objects.select_related("course__center"), checkin_token=token)


def photo_by_id(pk: int) -> EventPhoto:
    """An event photo; the view decides who may see it (published events are public)."""
    return get_object_or_404(EventPhoto.objects.select_related("event"), pk=pk)
