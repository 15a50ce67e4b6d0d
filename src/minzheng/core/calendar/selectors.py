"""Working days and deadlines on the holiday table (ARCHITECTURE §3 core/calendar, "Time").

Counting is statutory: a period of n working days starts the day after the triggering day. A day in a
published year is a working day when it is a weekday and not a holiday, or a make-up working day (调休).
A year without a published schedule is counted on weekdays, and any result that touches such a year is
`provisional` until an administrator loads it — never silently final.

Each call runs one query (the list of loaded years, a few dozen rows); the days themselves are cached in
the process and reloaded when that list changes, so a load in another process, or a rolled-back test,
is seen by the next call. Loads also clear the cache explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

from django.utils.translation import gettext_lazy as _

from minzheng.core.calendar.models import CalendarDay, CalendarDayKind, CalendarYear
from minzheng.core.errors import InvalidInput

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    due_on: date
    provisional: bool  # some day counted lies in a year whose schedule is not published yet


@dataclass(frozen=True)
class WorkingDayCount:
    days: int  # working days after `a` up to and including `b`; negative when `b` is before `a`
    provisional: bool


@dataclass(frozen=True)
class _Table:
    fingerprint: tuple[tuple[int, bool, datetime], ...]
    published: frozenset[int]
    kinds: Mapping[date, str]

    def working(self, day: date) -> tuple[bool, bool]:
        """(is a working day, is provisional)."""
        if day.year not in self.published:
            return day.weekday() < 5, True
        kind = self.kinds.get(day)
        if kind is not None:
            return kind == CalendarDayKind.WORKDAY, False
        return day.weekday() < 5, False


_cached: _Table | None = None


def calendar_cache_clear() -> None:
    global _cached
    _cached = None


def _table() -> _Table:
    global _cached
    fingerprint = tuple(CalendarYear.objects.order_by("year").values_list("year", "published", "loaded_at"))
    cached = _cached
    if cached is not None and cached.fingerprint == fingerprint:
        return cached
    published = frozenset(year for year, is_published, _loaded in fingerprint if is_published)
    kinds = {day: kind for day, kind in CalendarDay.objects.values_list("day", "kind") if day.year in published}
    _cached = _Table(fingerprint=fingerprint, published=published, kinds=MappingProxyType(kinds))
    return _cached


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day (weekday-based, hence provisional, in a year not yet published)."""
    return _table().working(day)[0]


def year_published(year: int) -> bool:
    return year in _table().published


def working_days_add(start: date, n: int) -> Deadline:
    """The n-th working day after `start` (the day of `start` itself is not counted)."""
    if n < 0:
        raise InvalidInput("calendar.negative_days", _("工作日数不能为负数"), field="n")
    table, day, counted, provisional = _table(), start, 0, False
    while counted < n:
        day += ONE_DAY
        working, uncertain = table.working(day)
        counted += working
        provisional = provisional or uncertain
    return Deadline(due_on=day, provisional=provisional)


def working_days_between(a: date, b: date) -> WorkingDayCount:
    """Working days after `a` up to and including `b`, so that `working_days_add(a, n).due_on == b` gives n."""
    if b < a:
        earlier = working_days_between(b, a)
        return WorkingDayCount(days=-earlier.days, provisional=earlier.provisional)
    table, day, counted, provisional = _table(), a, 0, False
    while day < b:
        day += ONE_DAY
        working, uncertain = table.working(day)
        counted += working
        provisional = provisional or uncertain
    return WorkingDayCount(days=counted, provisional=provisional)


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_add(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = date(year, month + 1, 1)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first.replace(day=min(day.day, (following - first).days))


@dataclass(frozen=True)
class YearRow:
    year: int
    published: bool
    source: str
    loaded_at: datetime
    holidays: int
    workdays: int


def calendar_years() -> list[YearRow]:
    """The loaded years with their counts of holidays and make-up working days (two queries)."""
    counts: dict[tuple[int, str], int] = {}
    for day, kind in CalendarDay.objects.values_list("day", "kind"):
        counts[(day.year, kind)] = counts.get((day.year, kind), 0) + 1
    return [
        YearRow(
            year=row.year,
            published=row.published,
            source=row.source,
            loaded_at=row.loaded_at,
            holidays=counts.get((row.year, CalendarDayKind.HOLIDAY), 0),
            workdays=counts.get((row.year, CalendarDayKind.WORKDAY), 0),
        )
        for row in CalendarYear.objects.order_by("-year")
    ]
