"""The working-day calendar: holidays and make-up working days (调休) as data, statutory counting, and deadlines
into a year without a published schedule marked provisional (issue 5 "Deadlines"; ARCHITECTURE §3, "Time")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

import chinese_calendar
import pytest
from django.core.management import call_command

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.calendar.models import CalendarDay, CalendarDayKind, CalendarYear
from minzheng.core.calendar.selectors import (
    is_working_day,
    working_days_add,
    working_days_between,
    year_published,
)
from minzheng.core.calendar.services import CalendarDayInput, calendar_seed, calendar_year_load
from minzheng.core.errors import AccessDenied, InvalidInput
from tests.conftest import Tree

ActorOf = Callable[..., Actor]
HOLIDAY, WORKDAY = CalendarDayKind.HOLIDAY, CalendarDayKind.WORKDAY
TEST_2027 = "测试用：虚构的2027年安排（非国务院通知）"


@pytest.fixture
def seeded(db: None) -> None:
    calendar_seed()


def _days(start: date, end: date) -> list[date]:
    return [date.fromordinal(ordinal) for ordinal in range(start.toordinal(), end.toordinal() + 1)]


def test_national_day_2025_follows_the_state_council_notice(seeded: None) -> None:
    golden_week = _days(date(2025, 10, 1), date(2025, 10, 8))
    assert all(chinese_calendar.is_holiday(day) for day in golden_week)
    assert chinese_calendar.is_workday(date(2025, 9, 28))
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    stored = dict(
        CalendarDay.objects.filter(day__range=(date(2025, 9, 27), date(2025, 10, 12))).values_list("day", "kind")
    )
    assert {day for day, kind in stored.items() if kind == HOLIDAY} == set(golden_week)
    assert {day for day, kind in stored.items() if kind == WORKDAY} == {date(2025, 9, 28), date(2025, 10, 11)}
    assert CalendarDay.objects.get(day=date(2025, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(day=date(2025, 10, 6)).name == "中秋节"
    assert not any(is_working_day(day) for day in golden_week)
    assert is_working_day(date(2025, 9, 28))  # a Sunday, worked in lieu
    assert is_working_day(date(2025, 10, 11))  # a Saturday, worked in lieu
    assert not is_working_day(date(2025, 10, 12))  # an ordinary Sunday
    assert is_working_day(date(2025, 10, 9))


def test_spring_festival_2026(seeded: None) -> None:
    festival = _days(date(2026, 2, 15), date(2026, 2, 23))
    assert all(chinese_calendar.is_holiday(day) for day in festival)
    assert not any(is_working_day(day) for day in festival)
    assert CalendarDay.objects.get(day=date(2026, 2, 17)).name == "春节"
    for make_up in (date(2026, 2, 14), date(2026, 2, 28)):
        assert chinese_calendar.is_workday(make_up)
        assert is_working_day(make_up)
    assert is_working_day(date(2026, 2, 24))
    assert year_published(2026)
    assert not year_published(2027)


def test_seven_working_days_across_national_day(seeded: None) -> None:
    # Counting starts the day after: 10-01..08 off, 09 (1) 10 (2) Sat 11 in lieu (3), 13 (4) … 16 (7).
    deadline = working_days_add(date(2025, 9, 30), 7)
    assert (deadline.due_on, deadline.provisional) == (date(2025, 10, 16), False)
    assert working_days_add(date(2025, 9, 26), 1).due_on == date(2025, 9, 28)  # the make-up Sunday counts
    assert working_days_add(date(2025, 9, 30), 0).due_on == date(2025, 9, 30)
    count = working_days_between(date(2025, 9, 30), date(2025, 10, 16))
    assert (count.days, count.provisional) == (7, False)
    assert working_days_between(date(2025, 10, 16), date(2025, 9, 30)).days == -7
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8)).days == 0


def test_a_deadline_into_an_unpublished_year_is_provisional_and_weekday_based(seeded: None) -> None:
    # 2026-12-28..31 (4), then 2027 on weekdays: Fri 01-01 counts (5), 01-04..08 (10).
    deadline = working_days_add(date(2026, 12, 25), 10)
    assert (deadline.due_on, deadline.provisional) == (date(2027, 1, 8), True)
    assert working_days_between(date(2026, 12, 25), date(2027, 1, 8)).provisional
    assert is_working_day(date(2027, 1, 1))
    assert not is_working_day(date(2027, 1, 2))
    assert working_days_add(date(2026, 12, 1), 5).provisional is False


def test_loading_2027_makes_the_deadline_final(seeded: None, tree: Tree, actor_of: ActorOf) -> None:
    admin = actor_of(Role.ADMINISTRATOR)
    assert working_days_add(date(2026, 12, 25), 10).provisional
    year = calendar_year_load(actor=admin, year=2027, source=TEST_2027, days=[
        CalendarDayInput(date(2027, 1, 1), HOLIDAY, "元旦"),
        CalendarDayInput(date(2027, 1, 2), HOLIDAY, "元旦"),
        CalendarDayInput(date(2027, 1, 3), HOLIDAY, "元旦"),
        CalendarDayInput(date(2027, 1, 9), WORKDAY, "元旦"),
    ])  # fmt: skip
    assert (year.year, year.published, year.source) == (2027, True, TEST_2027)
    assert year_published(2027)
    # Same count with 01-01 off and Saturday 01-09 worked: 12-28..31 (4), 01-04..08 (9), 01-09 (10).
    deadline = working_days_add(date(2026, 12, 25), 10)
    assert (deadline.due_on, deadline.provisional) == (date(2027, 1, 9), False)
    assert not is_working_day(date(2027, 1, 1))
    event = AuditEvent.objects.get(action="calendar.year_load")
    assert (event.username, event.object_type, event.object_id) == (admin.username, "core.calendaryear", str(year.pk))
    assert event.detail["holidays"] == 3
    assert event.detail["workdays"] == 1
    assert not event.detail["was_published"]


def test_loading_a_year_again_replaces_it(seeded: None) -> None:
    calendar_year_load(actor=None, year=2027, source=TEST_2027,
                       days=[CalendarDayInput(date(2027, 1, 1), HOLIDAY, "元旦")])  # fmt: skip
    calendar_year_load(actor=None, year=2027, source=TEST_2027 + "（更正）",
                       days=[CalendarDayInput(date(2027, 1, 4), HOLIDAY, "元旦")])  # fmt: skip
    assert list(CalendarDay.objects.filter(day__year=2027).values_list("day", flat=True)) == [date(2027, 1, 4)]
    assert is_working_day(date(2027, 1, 1))
    assert not is_working_day(date(2027, 1, 4))
    last = AuditEvent.objects.filter(action="calendar.year_load").order_by("-id").first()
    assert last is not None
    assert last.username == "system"
    assert last.detail["was_published"]
    assert last.detail["replaced_days"] == 1


def test_seed_is_idempotent_and_audited(db: None) -> None:
    first = calendar_seed()
    days, years = CalendarDay.objects.count(), CalendarYear.objects.count()
    assert first.years_created == years == len({day.year for day in chinese_calendar.holidays}) >= 23
    assert first.days_created == days == len(chinese_calendar.holidays) + len(chinese_calendar.workdays)
    again = calendar_seed()
    assert (again.years_created, again.days_created, again.years_skipped) == (0, 0, years)
    assert (CalendarDay.objects.count(), CalendarYear.objects.count()) == (days, years)
    events = list(AuditEvent.objects.filter(action="calendar.seed"))
    assert len(events) == 1
    assert events[0].username == "system"
    assert events[0].detail["days"] == days
    assert CalendarYear.objects.filter(published=False).count() == 0


def test_seed_leaves_a_year_an_administrator_loaded_alone(db: None) -> None:
    calendar_year_load(actor=None, year=2026, source="更正", days=[CalendarDayInput(date(2026, 1, 1), HOLIDAY, "元旦")])
    summary = calendar_seed()
    assert summary.years_skipped == 1
    assert CalendarDay.objects.filter(day__year=2026).count() == 1


def test_the_command_seeds(db: None) -> None:
    out = StringIO()
    call_command("calendar", "seed", stdout=out)
    assert "节假日安排已载入" in out.getvalue()
    assert CalendarYear.objects.filter(year=2025, published=True).exists()
    call_command("calendar", "seed", stdout=StringIO())
    assert AuditEvent.objects.filter(action="calendar.seed").count() == 1


def _paths(error: InvalidInput) -> dict[str, str]:
    return {failure.path: failure.code for failure in error.field_errors()}


def test_validation_names_each_failing_field(db: None) -> None:
    with pytest.raises(InvalidInput) as caught:
        calendar_year_load(actor=None, year=2027, source="  ", days=[
            CalendarDayInput(date(2026, 12, 31), HOLIDAY, "元旦"),
            CalendarDayInput(date(2027, 1, 1), "vacation", "元旦"),
            CalendarDayInput(date(2027, 1, 6), WORKDAY, "春节"),  # a Wednesday
            CalendarDayInput(date(2027, 1, 1), HOLIDAY, "元旦"),
        ])  # fmt: skip
    assert _paths(caught.value) == {
        "source": "calendar.source_required",
        "days[0].day": "calendar.day_outside_year",
        "days[1].kind": "calendar.kind",
        "days[2].day": "calendar.workday_not_weekend",
        "days[3].day": "calendar.day_duplicate",
    }
    assert caught.value.status == 422
    with pytest.raises(InvalidInput) as caught:
        calendar_year_load(actor=None, year=1800, source="x", days=[])
    assert _paths(caught.value) == {"year": "calendar.year", "days": "calendar.days_required"}
    assert not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar").exists()


def test_only_administrators_load_a_year(tree: Tree, actor_of: ActorOf) -> None:
    with pytest.raises(AccessDenied):
        calendar_year_load(actor=actor_of(Role.TOWNSHIP_CASEWORKER), year=2027, source=TEST_2027,
                           days=[CalendarDayInput(date(2027, 1, 1), HOLIDAY, "元旦")])  # fmt: skip
    assert not year_published(2027)


def test_without_a_table_everything_is_provisional(db: None) -> None:
    deadline = working_days_add(date(2025, 9, 30), 7)
    assert deadline.provisional
    assert deadline.due_on == date(2025, 10, 9)
    with pytest.raises(InvalidInput) as caught:
        working_days_add(date(2025, 9, 30), -1)
    assert caught.value.field == "n"


def test_one_query_per_call_once_cached(seeded: None, django_assert_num_queries: Any) -> None:
    is_working_day(date(2025, 10, 1))
    with django_assert_num_queries(1):
        assert working_days_add(date(2025, 9, 30), 30).due_on.year == 2025
    with django_assert_num_queries(1):
        assert not is_working_day(date(2025, 10, 2))
