"""A deadline reaching into a year without a published schedule is provisional until the year is loaded; loading
it recomputes the open cases' deadlines on the new holidays (issue 5 §2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from minzheng.cases.models import Case
from minzheng.core.calendar.models import CalendarDayKind
from minzheng.core.calendar.services import CalendarDayInput, calendar_year_load
from minzheng.registry.models import Household
from tests.cases.conftest import Staffing, act, dibao_intake


@pytest.mark.django_db
def test_loading_2027_recomputes_provisional_deadlines(
    staffing: Staffing, poor_family: Household, django_capture_on_commit_callbacks: Any
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 11, 20))
    act(staffing.caseworker, case, "accept", date(2026, 11, 20))
    case.refresh_from_db()
    assert case.due_provisional
    weekday_due = case.due_on
    assert weekday_due == date(2027, 1, 1)  # 30 weekdays after Fri 20 Nov 2026, counting 1 Jan 2027 as a weekday
    days = [
        CalendarDayInput(date(2027, 1, 1), CalendarDayKind.HOLIDAY, "元旦"),
        CalendarDayInput(date(2027, 1, 4), CalendarDayKind.HOLIDAY, "元旦"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_load(actor=None, year=2027, days=days, source="国办发明电〔2026〕7号")
    refreshed = Case.objects.get(pk=case.pk)
    assert not refreshed.due_provisional
    assert refreshed.due_on == date(2027, 1, 5)  # 1 and 4 Jan are holidays now
