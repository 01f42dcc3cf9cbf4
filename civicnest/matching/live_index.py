"""The engine's index kept in step with the database, per process (see engine.py for the policy)."""

from __future__ import annotations

import datetime
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Avg, Count, Max, Q
from django.db.models.signals import post_delete
from django.utils import timezone

from civicnest.matching.engine import Index, NeedQuery, OfferingDoc, Suggestion, make_doc
from civicnest.matching.models import Match, MatchStatus, Need, ServiceOffering
from civicnest.registry.models import OrgStatus, SocialOrganization

MAX_INCREMENTAL = 2000
COUNT_EVERY_S = (
    1.0  # how often a process counts the offerings to notice deletions made by other processes
)
FREEZE_MIN_DOCS = 1000  # below this a full collection costs more than the index's GC pauses
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
    """Checks two cheap aggregates per query and reloads only what changed since the last check.

    Offerings and organizations carry `updated_at` (auto_now, indexed): a separate `MAX(updated_at)` per
    table is one index lookup on both databases, and newer rows are the changed ones. Deletions move no
    timestamp: a deletion in this process is seen at once (a `post_delete` receiver asks for a check of
    the ids), one in another process through `COUNT(*)`, which costs a scan and so runs at most once per
    `COUNT_EVERY_S` per process. Whenever anything changed, ids no longer in the table are dropped. A stamp
    that went backwards (a rolled-back transaction, a clock step) rebuilds the whole index.

    After a full build the index's millions of small objects are moved out of the garbage collector's
    reach (`gc.freeze()`): otherwise every generation-2 collection walks them, a pause of 0.6–2.3 s on
    whichever request it lands. They hold no reference cycles, so a replaced index is still freed.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._stamp: tuple[Any, ...] = ()
        self._count: int | None = None
        self._counted_at = -COUNT_EVERY_S
        self._check_ids = False

    @staticmethod
    def _current_stamp() -> tuple[Any, ...]:
        # Two statements on purpose: MAX alone is an index lookup, MAX with COUNT scans (see docs/benchmarks.md).
        offerings = ServiceOffering.objects.aggregate(m=Max("updated_at"))["m"]
        orgs = SocialOrganization.objects.aggregate(m=Max("updated_at"))["m"]
        return (offerings, orgs)

    @staticmethod
    def _went_back(new: Any, old: Any) -> bool:
        return old is not None and (new is None or new < old)

    def deleted(self) -> None:
        """An offering was deleted in this process: the next sync looks for missing ids."""
        self._check_ids = True

    def _count_changed(self) -> bool:
        now = self._clock()
        if now - self._counted_at < COUNT_EVERY_S:
            return False
        self._counted_at = now
        count = ServiceOffering.objects.count()
        changed, self._count = count != self._count, count
        return changed

    def sync(self) -> Index:
        stamp = self._current_stamp()
        check_ids = self._count_changed() or self._check_ids
        with self._lock:
            if self._index is None or any(map(self._went_back, stamp, self._stamp)):
                self._index = self._rebuild()
            elif stamp != self._stamp or check_ids:
                self._index = self._apply_changes(self._index, stamp)
            self._stamp = stamp
            self._check_ids = False
            return self._index

    @staticmethod
    def _rebuild() -> Index:
        index = Index(load_docs(ServiceOffering.objects.all()))
        if len(index.docs) >= FREEZE_MIN_DOCS:
            gc.collect()
            gc.freeze()
        return index

    def _apply_changes(self, index: Index, stamp: tuple[Any, ...]) -> Index:
        old_updated, old_org_updated = self._stamp
        changed = Q(updated_at__gt=old_updated) if old_updated else Q(pk__isnull=False)
        if old_org_updated and stamp[1] != old_org_updated:
            changed |= Q(organization__updated_at__gt=old_org_updated)
        changed_ids = set(ServiceOffering.objects.filter(changed).values_list("pk", flat=True))
        # Additions are newer than the stamp; deleted (or rolled-back) rows would linger, so drop missing ids.
        changed_ids |= index.docs.keys() - set(ServiceOffering.objects.values_list("pk", flat=True))
        if len(changed_ids) > MAX_INCREMENTAL:  # a bulk import: one rebuild beats a huge IN (...)
            return self._rebuild()
        for doc_id in changed_ids:
            index.remove(doc_id)
        for doc in load_docs(ServiceOffering.objects.filter(pk__in=changed_ids)):
            index.add(doc)
        return index

    def rank(
        self, need: Need, limit: int = 10, skip: frozenset[int] = frozenset()
    ) -> list[Suggestion]:
        """`skip`: offerings never to suggest for this need (`selectors.declined_offerings`)."""
        return self.sync().rank(query_for(need, skip=skip), limit=limit)

    def reset(self) -> None:
        with self._lock:
            self._index, self._stamp, self._count = None, (), None
            self._counted_at = -COUNT_EVERY_S


def query_for(need: Need, *, skip: frozenset[int] = frozenset()) -> NeedQuery:
    return NeedQuery(
        text=f"{need.title} {need.description}",
        region=need.region_id,
        beneficiaries=need.beneficiaries,
        category=need.category,
        skip=skip,
    )


live_index = LiveIndex()


def _offering_deleted(**_kwargs: Any) -> None:
    live_index.deleted()


post_delete.connect(_offering_deleted, sender=ServiceOffering, dispatch_uid="matching-live-index")
