"""Writes to the holiday table: seeding from the `chinesecalendar` package, and an administrator loading a year.

The package covers the years the State Council had published when it was released (up to 2026 in 1.11);
a later year is loaded by an administrator from the State Council notice (国务院办公厅关于某年部分节假日安排的通知).
A year once loaded is not touched by seeding again, so an administrator's correction stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import chinese_calendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.calendar.models import CalendarDay, CalendarDayKind, CalendarYear
from minzheng.core.calendar.selectors import calendar_cache_clear
from minzheng.core.calendar.signals import calendar_year_loaded
from minzheng.core.errors import FieldError, InvalidInput

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
FIRST_YEAR, LAST_YEAR = 2000, 2100
NAME_MAX = CalendarDay._meta.get_field("name").max_length or 64
SOURCE_MAX = CalendarYear._meta.get_field("source").max_length or 255


@dataclass(frozen=True)
class SeedSummary:
    years_created: int
    days_created: int
    years_skipped: int  # already in the table (seeded before, or loaded by an administrator)


def _holiday_name(value: object) -> str:
    english = str(getattr(value, "value", value))
    return HOLIDAY_NAMES.get(english, english)


@transaction.atomic
def calendar_seed() -> SeedSummary:
    """Add the years `chinesecalendar` knows and the table lacks; running it again changes nothing."""
    source = f"chinesecalendar {chinese_calendar.__version__}（国务院办公厅部分节假日安排通知）"
    known: dict[date, tuple[str, str]] = {}
    for day, value in chinese_calendar.holidays.items():
        known[day] = (CalendarDayKind.HOLIDAY, _holiday_name(value))
    for day, value in chinese_calendar.workdays.items():
        known[day] = (CalendarDayKind.WORKDAY, _holiday_name(value))
    years = {day.year for day in known}
    present = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    wanted = sorted(years - present)
    if not wanted:
        return SeedSummary(years_created=0, days_created=0, years_skipped=len(present))
    days_before = CalendarDay.objects.count()
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=day, kind=kind, name=name, source=source)
         for day, (kind, name) in sorted(known.items()) if day.year in wanted],
        ignore_conflicts=True, batch_size=500,
    )  # fmt: skip
    now = timezone.now()
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=year, published=True, source=source, loaded_at=now) for year in wanted],
        ignore_conflicts=True,
    )
    days_created = CalendarDay.objects.count() - days_before
    audit_record(actor=None, action="calendar.seed",
                 detail={"years": wanted, "days": days_created, "source": source})  # fmt: skip
    transaction.on_commit(calendar_cache_clear)
    return SeedSummary(years_created=len(wanted), days_created=days_created, years_skipped=len(present))


@dataclass(frozen=True)
class CalendarDayInput:
    day: date
    kind: str  # CalendarDayKind: holiday | workday (调休上班日)
    name: str = ""


def _day_errors(year: int, days: Sequence[CalendarDayInput]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[date] = set()
    for index, entry in enumerate(days):
        path = f"days[{index}]"
        if entry.kind not in CalendarDayKind.values:
            errors.append(FieldError(f"{path}.kind", "calendar.kind", _("类别须为法定节假日或调休上班日")))
        if not isinstance(entry.day, date) or entry.day.year != year:
            errors.append(FieldError(f"{path}.day", "calendar.day_outside_year",
                                     _("日期不在%(year)d年内") % {"year": year}))  # fmt: skip
            continue
        if entry.day in seen:
            errors.append(
                FieldError(f"{path}.day", "calendar.day_duplicate", _("日期重复：%(day)s") % {"day": entry.day})
            )
        seen.add(entry.day)
        if entry.kind == CalendarDayKind.WORKDAY and entry.day.weekday() < 5:
            errors.append(FieldError(f"{path}.day", "calendar.workday_not_weekend", _("调休上班日须为周六或周日")))
        if len(entry.name) > NAME_MAX:
            errors.append(FieldError(f"{path}.name", "calendar.name_too_long", _("节日名称过长")))
    return errors


@transaction.atomic
def calendar_year_load(
    *, actor: Actor | None, year: int, days: Sequence[CalendarDayInput], source: str
) -> CalendarYear:
    """Load (or replace) one year's published schedule; deadlines in that year stop being provisional.

    `actor=None` is an operator at the command line. `source` names the State Council notice.
    """
    if actor is not None:
        actor.require("parameter.approve")  # the holiday table is policy data, kept by administrators
    errors: list[FieldError] = []
    year_valid = isinstance(year, int) and not isinstance(year, bool) and FIRST_YEAR <= year <= LAST_YEAR
    if not year_valid:
        errors.append(FieldError("year", "calendar.year", _("年度须在%(first)d至%(last)d之间")
                                 % {"first": FIRST_YEAR, "last": LAST_YEAR}))  # fmt: skip
    if not source.strip():
        errors.append(FieldError("source", "calendar.source_required", _("须注明依据（国务院办公厅通知文号）")))
    elif len(source.strip()) > SOURCE_MAX:
        errors.append(FieldError("source", "calendar.source_too_long", _("依据过长")))
    if not days:
        errors.append(FieldError("days", "calendar.days_required", _("须至少列出一个节假日")))
    elif year_valid:
        errors.extend(_day_errors(year, days))
    if errors:
        raise InvalidInput("input.invalid", _("节假日安排有误"), extra={"errors": errors})
    previous = CalendarYear.objects.select_for_update().filter(year=year).first()
    replaced = CalendarDay.objects.filter(day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)).delete()[0]
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=entry.day, kind=entry.kind, name=entry.name.strip(), source=source.strip())
         for entry in sorted(days, key=lambda entry: entry.day)]
    )  # fmt: skip
    calendar_year, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"published": True, "source": source.strip(), "loaded_at": timezone.now()}
    )
    holidays = sum(entry.kind == CalendarDayKind.HOLIDAY for entry in days)
    audit_record(actor=actor, action="calendar.year_load", obj=calendar_year,
                 detail={"year": year, "holidays": holidays, "workdays": len(days) - holidays,
                         "replaced_days": replaced, "was_published": bool(previous and previous.published),
                         "source": source.strip()})  # fmt: skip
    transaction.on_commit(calendar_cache_clear)
    transaction.on_commit(lambda: calendar_year_loaded.send(sender=CalendarYear, year=year))
    return calendar_year
