"""Reads of incubation records, through the user's scope."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from civicnest.accounts.roles import Role
from civicnest.incubation.models import (
    PLACE_HOLDING,
    Application,
    ApplicationStatus,
    Desk,
    FollowUp,
    IncubationProgram,
    IntakeRound,
    Milestone,
    ServiceRecord,
    Tenancy,
)
from civicnest.network.models import Center
from civicnest.network.selectors import centers_visible_to
from civicnest.regions.scoping import Scope

S = ApplicationStatus
# Columns of the pipeline board.
BOARD = [
    ("applied", (S.SUBMITTED, S.ELIGIBLE, S.WAITLISTED)),
    ("admitted", (S.ADMITTED,)),
    ("incubating", (S.INCUBATING, S.EXTENDED)),
    ("graduated", (S.GRADUATED,)),
]


def application_has_reviews(application: Application) -> bool:
    return application.reviews.exists()


def places_taken(round_id: int) -> int:
    """Applications holding a place in the round's capacity."""
    return Application.objects.filter(round_id=round_id, status__in=PLACE_HOLDING).count()


def programs_visible_to(user: Any) -> QuerySet[IncubationProgram]:
    return Scope.for_user(user).filter(IncubationProgram.objects.all(), "region")


def open_rounds(*, today: datetime.date | None = None) -> QuerySet[IntakeRound]:
    """Rounds open for applications: any signed-in user may see and apply to them."""
    today = today or timezone.localdate()
    return (
        IntakeRound.objects.filter(
            opens_on__lte=today, closes_on__gte=today, program__is_active=True
        )
        .select_related("program__center__region")
        .annotate(taken=Count("applications", filter=Q(applications__status__in=PLACE_HOLDING)))
        .order_by("closes_on", "pk")
    )


def rounds_visible_to(user: Any) -> QuerySet[IntakeRound]:
    return Scope.for_user(user).filter(IntakeRound.objects.all(), "region")


def access_round_by_id(user: Any, pk: int) -> IntakeRound:
    """Staff in scope see every round; others see rounds that are open for applications."""
    visible = rounds_visible_to(user) | IntakeRound.objects.filter(
        pk__in=open_rounds().values("pk")
    )
    return get_object_or_404(visible.select_related("program__center__region").distinct(), pk=pk)


def applications_visible_to(
    user: Any, qs: QuerySet[Application] | None = None
) -> QuerySet[Application]:
    scope = Scope.for_user(user)
    base = Application.objects.all() if qs is None else qs
    if scope.is_superuser:
        return base
    own_orgs = [
        g.organization_id for g in scope.grants if g.role == Role.ORG_REP and g.organization_id
    ]
    return base.filter(
        scope.q("region")  # staff of the region
        | scope.q("region", roles=[Role.EXPERT])  # experts reviewing in their region
        | Q(applicant_id=scope.user_id)
        | Q(organization_id__in=own_orgs)
        | Q(mentorships__mentor_id=scope.user_id)
    ).distinct()


def access_application_by_id(user: Any, pk: int) -> Application:
    return get_object_or_404(
        applications_visible_to(user).select_related(
            "round__program__center__region", "organization", "team", "applicant", "region"
        ),
        pk=pk,
    )


def application_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Application]:
    filters = filters or {}
    qs = applications_visible_to(user).select_related(
        "round__program__center", "organization", "team"
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("center"):
        qs = qs.filter(round__program__center_id=filters["center"])
    if filters.get("round"):
        qs = qs.filter(round_id=filters["round"])
    return qs.order_by("-created_at", "pk")


def pipeline_board(*, user: Any, center: Center | None) -> list[tuple[str, list[Application]]]:
    qs = application_list(user=user, filters={"center": center.pk if center else None})
    rows = list(qs)
    return [(column, [a for a in rows if a.status in statuses]) for column, statuses in BOARD]


def board_centers(*, user: Any) -> QuerySet[Center]:
    return (
        centers_visible_to(user)
        .filter(incubation_programs__isnull=False)
        .distinct()
        .order_by("region_id", "name")
    )


def desks_of(
    *, center: Center, on: datetime.date | None = None
) -> list[tuple[Desk, Tenancy | None]]:
    on = on or timezone.localdate()
    desks = list(Desk.objects.filter(center=center).order_by("code"))
    current = {
        t.desk_id: t
        for t in Tenancy.objects.filter(desk__center=center, starts_on__lte=on, ends_on__gt=on)
        .filter(Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=on))
        .select_related("application__organization", "application__team")
    }
    return [(d, current.get(d.pk)) for d in desks]


def access_desk_by_id(user: Any, pk: int) -> Desk:
    return get_object_or_404(
        Scope.for_user(user).filter(Desk.objects.select_related("center"), "region"), pk=pk
    )


def tenancies_visible_to(user: Any) -> QuerySet[Tenancy]:
    return Tenancy.objects.filter(application__in=applications_visible_to(user))


def services_visible_to(user: Any) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(application__in=applications_visible_to(user))


def service_hours(*, application: Application) -> dict[str, Any]:
    agg = application.services.aggregate(hours=Sum("hours"), count=Count("pk"))
    return {"hours": agg["hours"] or 0, "count": agg["count"]}


def due_follow_ups(*, user: Any, today: datetime.date | None = None) -> QuerySet[FollowUp]:
    today = today or timezone.localdate()
    return (
        Scope.for_user(user)
        .filter(FollowUp.objects.all(), "region")
        .filter(done_on__isnull=True, due_on__lte=today + datetime.timedelta(days=30))
        .select_related("application")
    )


def round_taken(round_: IntakeRound) -> int:
    return round_.applications.filter(status__in=PLACE_HOLDING).count()


def incubation_summary(*, user: Any) -> dict[str, int]:
    counts = dict(
        Scope.for_user(user)
        .filter(Application.objects.all(), "region")
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "applied": sum(
            counts.get(s, 0)
            for s in (
                ApplicationStatus.SUBMITTED,
                ApplicationStatus.ELIGIBLE,
                ApplicationStatus.WAITLISTED,
            )
        ),
        "incubating": counts.get(ApplicationStatus.INCUBATING, 0)
        + counts.get(ApplicationStatus.EXTENDED, 0),
        "graduated": counts.get(ApplicationStatus.GRADUATED, 0),
    }


def center_desks(*, center_id: int) -> QuerySet[Desk]:
    return Desk.objects.filter(center_id=center_id).order_by("code")


def center_programs(*, center: Center) -> QuerySet[IncubationProgram]:
    return IncubationProgram.objects.filter(center=center).prefetch_related("rounds")


def access_milestone_by_id(user: Any, pk: int) -> Milestone:
    return get_object_or_404(
        Milestone.objects.filter(application__in=applications_visible_to(user)), pk=pk
    )


def access_follow_up_by_id(user: Any, pk: int) -> FollowUp:
    return get_object_or_404(
        FollowUp.objects.filter(application__in=applications_visible_to(user)), pk=pk
    )
