"""Reporting periods: a month (2026-11), a quarter (2026-Q4) or a year (2026), each with its predecessor."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _


class PeriodError(ValueError):
    pass


class PeriodKind:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), PeriodKind.MONTH),
    (re.compile(r"^(\d{4})-Q([1-4])$"), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})$"), PeriodKind.YEAR),
)
_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date  # first day
    end: datetime.date  # last day, inclusive

    @classmethod
    def parse(cls, key: str) -> Period:
        for pattern, kind in _PATTERNS:
            match = pattern.match((key or "").strip())
            if not match:
                continue
            year = int(match.group(1))
            if not 2000 <= year <= 2100:
                break
            if kind == PeriodKind.MONTH:
                month = int(match.group(2))
                if not 1 <= month <= 12:
                    break
            elif kind == PeriodKind.QUARTER:
                month = (int(match.group(2)) - 1) * 3 + 1
            else:
                month = 1
            start = datetime.date(year, month, 1)
            return cls(kind, start, start + relativedelta(months=_MONTHS[kind], days=-1))
        raise PeriodError(
            _("统计期格式应为 2026-11（月）、2026-Q4（季度）或 2026（年）：%(key)s") % {"key": key}
        )

    @classmethod
    def current(cls, kind: str = PeriodKind.YEAR) -> Period:
        today = timezone.localdate()
        if kind == PeriodKind.MONTH:
            return cls.parse(f"{today:%Y-%m}")
        if kind == PeriodKind.QUARTER:
            return cls.parse(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
        return cls.parse(str(today.year))

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return _("%(y)d年%(m)d月") % {"y": self.start.year, "m": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            return _("%(y)d年第%(q)d季度") % {
                "y": self.start.year,
                "q": (self.start.month - 1) // 3 + 1,
            }
        return _("%(y)d年") % {"y": self.start.year}

    def previous(self) -> Period:
        start = self.start - relativedelta(months=_MONTHS[self.kind])
        return Period(self.kind, start, self.start - datetime.timedelta(days=1))

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes in the local time zone, for DateTimeFields."""
        tz = timezone.get_current_timezone()
        return (
            datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(
                self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            ),
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1
