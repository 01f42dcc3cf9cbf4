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

MAX_INCREMENTAL = 2000
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
    """Checks three cheap aggregates per query and reloads only what changed since the last check.

    Offerings and organizations carry `updated_at` (auto_now, indexed), so newer rows are the changed ones;
    ids no longer in the table are dropped, and the count catches deletions that move no timestamp. A stamp that went backwards
    (a rolled-back transaction, a clock step) rebuilds the whole index.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._stamp: tuple[Any, ...] = ()

    @staticmethod
    def _current_stamp() -> tuple[Any, ...]:
        offerings = ServiceOffering.objects.aggregate(m=Max("updated_at"), n=Count("pk"))
        orgs = SocialOrganization.objects.aggregate(m=Max("updated_at"))
        return (offerings["m"], offerings["n"], orgs["m"])

    @staticmethod
    def _went_back(new: Any, old: Any) -> bool:
        return old is not None and (new is None or new < old)

    def sync(self) -> Index:
        stamp = self._current_stamp()
        with self._lock:
            if self._index is None or any(
                map(self._went_back, (stamp[0], stamp[2]), (self._stamp[0], self._stamp[2]))
            ):
                self._index = Index(load_docs(ServiceOffering.objects.all()))
            elif stamp != self._stamp:
                self._index = self._apply_changes(self._index, stamp)
            self._stamp = stamp
            return self._index

    def _apply_changes(self, index: Index, stamp: tuple[Any, ...]) -> Index:
        old_updated, _count, old_org_updated = self._stamp
        changed = Q(updated_at__gt=old_updated) if old_updated else Q(pk__isnull=False)
        if old_org_updated and stamp[2] != old_org_updated:
            changed |= Q(organization__updated_at__gt=old_org_updated)
        changed_ids = set(ServiceOffering.objects.filter(changed).values_list("pk", flat=True))
        # Additions are newer than the stamp; deleted (or rolled-back) rows would linger, so drop missing ids.
        changed_ids |= index.docs.keys() - set(ServiceOffering.objects.values_list("pk", flat=True))
        if len(changed_ids) > MAX_INCREMENTAL:  # a bulk import: one rebuild beats a huge IN (...)
            return Index(load_docs(ServiceOffering.objects.all()))
        for doc_id in changed_ids:
            index.remove(doc_id)
        for doc in load_docs(ServiceOffering.objects.filter(pk__in=changed_ids)):
            index.add(doc)
        return index

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
