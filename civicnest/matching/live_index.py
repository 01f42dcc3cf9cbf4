"""The engine's index kept in step with the database, per process (see engine.py for the policy)."""

from __future__ import annotations

import datetime
import threading
from typing import Any

from django.db.models import Avg, Count, Max, Q
from django.utils import timezone

from civicnest.matching.engine import Index, NeedQuery, OfferingDoc, Suggestion, make_doc
from civicnest.matching.models import Match, MatchStatus, Need, ServiceOffering
from civicnest.registry.models import OrgStatus, SocialOrganization

IN_SERVICE = [MatchStatus.ACCEPTED, MatchStatus.SCHEDULED, MatchStatus.DELIVERED, MatchStatus.RATED]


def _month_start() -> datetime.datetime:
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def load_docs(offerings: Any) -> list[OfferingDoc]:
    rows = list(
        offerings.filter(is_active=True)
        .select_related("organization")
        .prefetch_related("areas")
        .annotate(
            used=Count(
                "matches",
                filter=Q(matches__status__in=IN_SERVICE, matches__updated_at__gte=_month_start()),
            )
        )
    )
    ratings = dict(
        Match.objects.filter(
            offering__organization_id__in={o.organization_id for o in rows}, rating__isnull=False
        )
        .values_list("offering__organization_id")
        .annotate(Avg("rating"))
        .order_by()
    )
    return [
        make_doc(
            id=o.pk,
            title=o.title,
            description=o.description,
            categories=o.categories,
            beneficiaries=o.beneficiaries,
            areas=[a.code for a in o.areas.all()],
            capacity=o.capacity,
            used=o.used,
            grade=o.organization.grade,
            rating=ratings.get(o.organization_id),
            excluded=o.organization.status != OrgStatus.NORMAL,
        )
        for o in rows
    ]


class LiveIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._stamp: tuple[Any, ...] = ()

    @staticmethod
    def _current_stamp() -> tuple[Any, ...]:
        offerings = ServiceOffering.objects.aggregate(m=Max("updated_at"), n=Count("pk"))
        orgs = SocialOrganization.objects.filter(offerings__isnull=False).aggregate(
            m=Max("updated_at")
        )
        return (offerings["m"], offerings["n"], orgs["m"])

    def sync(self) -> Index:
        stamp = self._current_stamp()
        with self._lock:
            if self._index is None or stamp[1] != self._stamp[1] or stamp[2] != self._stamp[2]:
                self._index = Index(load_docs(ServiceOffering.objects.all()))
            elif stamp[0] != self._stamp[0]:
                changed = (
                    ServiceOffering.objects.filter(updated_at__gt=self._stamp[0])
                    if self._stamp[0]
                    else ServiceOffering.objects.all()
                )
                changed_ids = list(changed.values_list("pk", flat=True))
                for doc_id in changed_ids:
                    self._index.remove(doc_id)
                for doc in load_docs(ServiceOffering.objects.filter(pk__in=changed_ids)):
                    self._index.add(doc)
            self._stamp = stamp
            return self._index

    def rank(self, need: Need, limit: int = 10) -> list[Suggestion]:
        return self.sync().rank(query_for(need), limit=limit)

    def reset(self) -> None:
        with self._lock:
            self._index, self._stamp = None, ()


def query_for(need: Need) -> NeedQuery:
    return NeedQuery(
        text=f"{need.title} {need.description}",
        region=need.region_id,
        beneficiaries=need.beneficiaries,
        category=need.category,
    )


live_index = LiveIndex()
