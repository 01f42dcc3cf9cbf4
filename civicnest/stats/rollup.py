"""The monthly roll-up: every dashboard figure per region and month, kept in `MonthlyFigure`.

A cold city dashboard computed from the source tables scans half a million match records, every
center's staff and the bookings (about 1 s at city scale); read from the roll-up it is a few hundred
rows. The figures are defined once (stats.metrics); here each is computed per street and month, added
up to the district, city and province, and stored as additive parts (numerator, denominator), so that:

- a flow (counts and sums of dated rows) over a quarter or a year is the sum of its months;
- a stock (the state at the period's end) is its last month's row;
- a present-state figure (in incubation, compliance) is the latest refresh of the current month;
- an average or a ratio is the sum of numerators over the sum of denominators.

`refresh()` recomputes whole months, each replaced in one transaction. The `stats_rollup` command
(cron, see docs/operations.md) refreshes the recent months every few minutes and every retained month
each night; should cron be missing, a dashboard read that finds the present month older than
STATS_ROLLUP_STALE_MINUTES, or no roll-up at all, queues that refresh itself (once per interval), so the
figures never freeze and a new deployment builds its roll-up on first use. A period whose months are not all held, or a jurisdiction below the street, is computed
live, so the dashboards are never wrong, only slower.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicnest.core.periods import Period, PeriodKind
from civicnest.regions.figures import (
    BREAKDOWNS,
    METRICS,
    Metric,
    Number,
    Parts,
    Rollup,
    grouped_parts,
)
from civicnest.stats.models import MonthlyFigure, RollupMonth
from civicnest.stats.tasks import stats_rollup

LEVELS = (2, 4, 6, 9)  # province, city, district, street: the jurisdictions read from the roll-up
LEAF = LEVELS[-1]


def months_of(period: Period) -> list[datetime.date]:
    return [period.start + relativedelta(months=n) for n in range(_month_count(period))]


def _month_count(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def _month_period(month: datetime.date) -> Period:
    return Period(PeriodKind.MONTH, month, month + relativedelta(months=1, days=-1))


def recent_months(today: datetime.date | None = None) -> list[datetime.date]:
    """The previous month through December: what changes during the day (late entries, bookings and
    programs dated ahead), refreshed every few minutes."""
    today = today or timezone.localdate()
    first = today.replace(day=1) - relativedelta(months=1)
    return _month_range(first, datetime.date(today.year, 12, 1))


def retained_months(today: datetime.date | None = None) -> list[datetime.date]:
    """Every month the dashboards read from the roll-up, refreshed each night."""
    today = today or timezone.localdate()
    first = today.replace(day=1) - relativedelta(months=settings.STATS_ROLLUP_MONTHS - 1)
    return _month_range(first, datetime.date(today.year, 12, 1))


def _month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    while first <= last:
        months.append(first)
        first += relativedelta(months=1)
    return months


# -- computing --------------------------------------------------------------------------------------


def compute_month(month: datetime.date, *, with_current: bool) -> list[MonthlyFigure]:
    """Every figure of the month per street, added up to every level above."""
    period = _month_period(month)
    leaves: dict[tuple[str, str], Parts] = {}
    plain = [
        m
        for m in METRICS.values()
        if isinstance(m, Metric) and (with_current or m.rollup != Rollup.CURRENT)
    ]
    for key, by_region in grouped_parts("", period, plain, LEAF).items():
        for cut, found in by_region.items():
            leaves[(key, cut)] = found
    for m in METRICS.values():
        if isinstance(m, Metric) or (m.rollup == Rollup.CURRENT and not with_current):
            continue
        for cut, found in m.grouped_parts("", period, LEAF).items():
            leaves[(m.key, cut)] = found
    for b in BREAKDOWNS.values():
        for cut, counts in b.grouped_counts("", period, LEAF).items():
            for value, n in counts.items():
                leaves[(f"{b.key}:{value}", cut)] = (Decimal(n), Decimal(0))

    totals: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (key, cut), (num, den) in leaves.items():
        if cut is None or not (num or den):
            continue
        for length in LEVELS:
            if length <= len(cut):
                total = totals[(key, cut[:length])]
                total[0] += num
                total[1] += den
    return [
        MonthlyFigure(region=region, month=month, key=key, num=num, den=den)
        for (key, region), (num, den) in totals.items()
    ]


def refresh(months: Iterable[datetime.date]) -> list[dict[str, Any]]:
    """Recompute the given months; each is replaced in one transaction, the month's stamp row locked
    first so that two refreshes of one month run one after the other."""
    this_month = timezone.localdate().replace(day=1)
    done = []
    for month in sorted(set(months)):
        started = time.perf_counter()
        with_current = month == this_month
        rows = compute_month(month, with_current=with_current)
        seconds = Decimal(time.perf_counter() - started).quantize(Decimal("0.01"))
        defaults = {
            "computed_at": timezone.now(),
            "with_current": with_current,
            "seconds": seconds,
        }
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    RollupMonth.objects.update_or_create(month=month, defaults=defaults)
                    MonthlyFigure.objects.filter(month=month).delete()
                    MonthlyFigure.objects.bulk_create(rows, batch_size=2000)
                    if with_current:
                        RollupMonth.objects.exclude(month=month).update(with_current=False)
                break
            except IntegrityError:  # another refresh created the stamp row first: wait for it
                if attempt == 2:
                    raise
        done.append({"month": month, "rows": len(rows), "seconds": float(seconds)})
    return done


# -- reading ----------------------------------------------------------------------------------------


def _held(months: Iterable[datetime.date]) -> tuple[dict[datetime.date, RollupMonth], Any] | None:
    """The stamps of the months and of the present-state month, or None unless the roll-up holds
    them all. Asks for a refresh when the present-state month is stale or missing."""
    months = set(months)
    stamps = {
        r.month: r
        for r in RollupMonth.objects.filter(month__in=months)
        | RollupMonth.objects.filter(with_current=True)
    }
    current = next((r for r in stamps.values() if r.with_current), None)
    _refresh_if_stale(current)
    if current is None or not months <= stamps.keys():
        return None
    if min(months) < retained_months()[0]:  # past the window: no longer refreshed, computed live
        return None
    return stamps, current


REFRESH_REQUESTED = "civicnest:stats:rollup-refresh-requested"
# Set while a refresh of this month is queued and has not started: writes meanwhile need no other one.
CURRENT_QUEUED = "civicnest:stats:rollup-current-queued"


def figure_models() -> frozenset[str]:
    """Labels of the models the registered figures read (a write to one changes this month's figures)."""
    labels = {m.model for m in METRICS.values() if isinstance(m, Metric)}
    labels |= {b.model for b in BREAKDOWNS.values()}
    for m in METRICS.values():
        labels |= set(getattr(m, "models", ()))
    return frozenset(labels)


def refresh_current_on_write(sender: Any, **kwargs: Any) -> None:
    """A saved or deleted row of a figure's model queues one refresh of this month after the commit, so
    the dashboard agrees with the live home cards and reports within seconds, not after
    STATS_ROLLUP_STALE_MINUTES (issue 18, finding 12)."""
    if not settings.STATS_ROLLUP_ON_WRITE or sender._meta.label not in figure_models():
        return
    transaction.on_commit(_queue_current_refresh)


def _queue_current_refresh() -> None:
    if cache.add(CURRENT_QUEUED, True, 600):  # expires if a worker dies before running it
        stats_rollup.enqueue(current_only=True)


def refresh_current() -> list[dict[str, Any]]:
    cache.delete(CURRENT_QUEUED)  # writes from now on queue the next refresh
    return refresh([timezone.localdate().replace(day=1)])


def _refresh_if_stale(current: RollupMonth | None) -> None:
    """Queue a refresh when this month's roll-up is missing (never built: every retained month) or older
    than STATS_ROLLUP_STALE_MINUTES (the recent months); at most once per that interval."""
    minutes = settings.STATS_ROLLUP_STALE_MINUTES
    if minutes <= 0:
        return
    if current is not None and current.computed_at >= timezone.now() - datetime.timedelta(
        minutes=minutes
    ):
        return
    if cache.add(REFRESH_REQUESTED, True, minutes * 60):
        stats_rollup.enqueue(every_month=current is None)


def _serves(code: str) -> bool:
    return len(code) in LEVELS


def _rows(regions: list[str], months: Iterable[datetime.date]) -> dict[Any, Parts]:
    found = MonthlyFigure.objects.filter(region__in=regions, month__in=set(months)).values_list(
        "region", "month", "key", "num", "den"
    )
    return {(region, month, key): (num, den) for region, month, key, num, den in found}


def _figure(
    m: Any,
    region: str,
    period: Period,
    rows: dict[Any, Parts],
    current: datetime.date,
) -> Number:
    zero = (Decimal(0), Decimal(0))
    if m.rollup == Rollup.CURRENT:
        return m.from_parts(*rows.get((region, current, m.key), zero))
    if m.rollup == Rollup.STOCK:
        return m.from_parts(*rows.get((region, months_of(period)[-1], m.key), zero))
    num, den = Decimal(0), Decimal(0)
    for month in months_of(period):
        n, d = rows.get((region, month, m.key), zero)
        num += n
        den += d
    return m.from_parts(num, den)


def values(
    code: str, periods: list[Period], metrics: Iterable[Any]
) -> tuple[list[dict[str, Number]], datetime.datetime] | None:
    """Like metrics.values(), with the time the oldest month used was computed; None when the
    roll-up cannot answer."""
    if not _serves(code):
        return None
    months = [m for p in periods for m in months_of(p)]
    held = _held(months)
    if held is None:
        return None
    stamps, current = held
    rows = _rows([code], [*months, current.month])
    out: list[dict[str, Number]] = []
    for i, period in enumerate(periods):
        out.append(
            {
                m.key: _figure(m, code, period, rows, current.month)
                for m in metrics
                if not (i and m.current)
            }
        )
    return out, min(s.computed_at for s in stamps.values())


def children(
    code: str, period: Period, metrics: Iterable[Any], child_codes: list[str]
) -> dict[str, dict[str, Number]] | None:
    """Like metrics.children(), for the given child regions; None when the roll-up cannot answer."""
    if not _serves(code) or any(not _serves(c) for c in child_codes):
        return None
    held = _held(months_of(period))
    if held is None:
        return None
    current = held[1].month
    rows = _rows(child_codes, [*months_of(period), current])
    return {m.key: {c: _figure(m, c, period, rows, current) for c in child_codes} for m in metrics}


def breakdowns(code: str, period: Period) -> dict[str, list[tuple[str, int]]] | None:
    """Like Breakdown.counts() for every distribution; None when the roll-up cannot answer."""
    if not _serves(code) or _held(months_of(period)) is None:
        return None
    last = months_of(period)[-1]
    found: dict[str, dict[str, int]] = defaultdict(dict)
    rows = MonthlyFigure.objects.filter(region=code, month=last, key__contains=":").values_list(
        "key", "num"
    )
    for key, num in rows:
        name, value = key.split(":", 1)
        found[name][value] = int(num)
    return {key: b.labelled(found[key]) for key, b in BREAKDOWNS.items()}
