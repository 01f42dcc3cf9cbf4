"""Paging for big lists: a paginator that stops counting at a cap, and keyset (cursor) pages.

A plain Paginator runs COUNT(*) over the whole filtered list on every request and reads deep pages with
OFFSET, which PostgreSQL walks row by row. At city scale (200,000 needs, 40,000 teams) both grow with the
table (docs/benchmarks.md, LOAD). `CappedPaginator` counts at most `cap` + 1 rows (the page shows "10,000+");
`keyset_page` reads the rows after a cursor (the last row's sort key) through the ordering's index, so page
500 costs what page 1 costs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property

M = TypeVar("M", bound=Model)

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows: `count_label` says "10,000+" when there are more."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if isinstance(qs, QuerySet):
            return int(qs.order_by()[: self.cap + 1].count())
        return len(qs)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        return f"{self.cap:,}+" if self.capped else f"{self.count:,}"


def capped_page(qs: QuerySet[Any], number: Any, per_page: int) -> Page:
    return CappedPaginator(qs, per_page).get_page(number)


@dataclass
class KeysetPage(Generic[M]):
    rows: list[M]
    next_cursor: str | None  # the `before` value of the following (older) page
    is_first: bool


def keyset_page(qs: QuerySet[M], cursor: str | None, size: int) -> KeysetPage[M]:
    """Rows of `qs` newest first by (created_at, id), starting after `cursor` ("<iso time>|<id>").

    An unreadable cursor starts from the newest row, like page=abc does on a paginated list.
    """
    qs = qs.order_by("-created_at", "-id")
    after = _parse_cursor(cursor)
    if after is not None:
        at, pk = after
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    next_cursor = (
        f"{last.created_at.isoformat()}|{last.pk}"  # type: ignore[attr-defined]
        if more and last is not None
        else None
    )
    return KeysetPage(rows=rows, next_cursor=next_cursor, is_first=after is None)


def _parse_cursor(cursor: str | None) -> tuple[datetime.datetime, int] | None:
    if not cursor or "|" not in cursor:
        return None
    at_text, _sep, pk_text = cursor.rpartition("|")
    try:
        at = parse_datetime(at_text)
        pk = int(pk_text)
    except ValueError:
        return None
    if at is None or at.tzinfo is None:
        return None
    return at, pk
