"""Public reads (no login): only what is meant for disclosure, never personal data."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicnest.network.models import Center, CenterStatus
from civicnest.regions.codes import subtree_q
from civicnest.training.models import Event, EventStatus


def public_center_list(*, district: str = "") -> QuerySet[Center]:
    qs = Center.objects.filter(status=CenterStatus.ACTIVE).select_related("region")
    if district:
        qs = qs.filter(subtree_q([district], "region"))
    return qs.only(
        "name",
        "center_type",
        "level",
        "region__name",
        "region__code",
        "address",
        "opening_hours",
        "premises_area",
    ).order_by("region_id", "name")


def public_event_list() -> QuerySet[Event]:
    return (
        Event.objects.filter(status__in=[EventStatus.PUBLISHED, EventStatus.FINISHED])
        .select_related("center")
        .prefetch_related("photos")
        .order_by("-starts_at", "pk")
    )


def public_center(pk: int) -> Center:

    center = (
        Center.objects.filter(status=CenterStatus.ACTIVE, pk=pk)
        .select_related("region", "parent")
        .first()
    )
    if center is None:
        raise Http404(_("中心不存在或未在运营。"))
    return center
