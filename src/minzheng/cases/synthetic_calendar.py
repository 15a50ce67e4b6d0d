"""Deadline arithmetic for the synthetic cases (`minzheng cases generate`) without a query per deadline.

The services compute each deadline with one holiday-table query (`working_days_add`) and one parameter query
(`deadlines.limits_for`); a 100k-case run would make millions of them. Here the working days around `today` are
read once from the holiday table (`is_working_day`) and deadlines are counted on that list with
`working_days_add`'s semantics; parameters are resolved with the same selector once per date on which any
parameter changes (between two such dates every region's values are the same). `Rules.overall_due` and
`Rules.step_due` follow `cases.deadlines`; tests/cases/test_synthetic.py checks them against it.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from datetime import date, timedelta

from minzheng.cases import deadlines
from minzheng.cases.models import CaseState
from minzheng.cases.workflow import Procedure
from minzheng.core.calendar.selectors import Deadline, is_working_day, working_days_add, year_published
from minzheng.core.parameters.models import Parameter
from minzheng.core.parameters.selectors import ParameterValue, parameter_values_for
from minzheng.core.regions.models import Region

ONE_DAY = timedelta(days=1)
DAYS_AHEAD = 150  # open cases' limits reach up to ~45 working days (plus notice days) past today


class WorkCalendar:
    """The working days from `days_back` days before `today` to `DAYS_AHEAD` days after it."""

    def __init__(self, today: date, days_back: int) -> None:
        first = today - timedelta(days=days_back)
        listed = [first + timedelta(days=n) for n in range(days_back + DAYS_AHEAD)]
        self.today = today
        self.days = [day for day in listed if is_working_day(day)]
        self.today_index = bisect_right(self.days, today) - 1  # the last working day on or before today
        self._unpublished = frozenset(y for y in range(first.year, listed[-1].year + 1) if not year_published(y))

    def index(self, day: date) -> int:
        """The index of the first working day on or after `day`."""
        return bisect_left(self.days, day)

    def between(self, first: date, last: date, rng: random.Random) -> date:
        """A working day in [first, last]; `first` when there is none."""
        low, high = self.index(first), bisect_right(self.days, last) - 1
        return self.days[rng.randint(low, high)] if high >= low else first

    def deadline(self, start: date, days: int) -> Deadline:
        """`working_days_add(start, days)`: the `days`-th working day after `start`, provisional when a day
        counted lies in a year whose holidays are not published."""
        if days == 0:
            return Deadline(start, False)
        position = bisect_right(self.days, start) + days - 1
        if start < self.days[0] or position >= len(self.days):
            return working_days_add(start, days)  # outside the listed days: ask the calendar
        due = self.days[position]
        years = range((start + ONE_DAY).year, due.year + 1)
        return Deadline(due, any(year in self._unpublished for year in years))

    def notice_excluded(self, starts_on: date, closed_on: date) -> int:
        """`deadlines.notice_working_days`: the working days from `starts_on` to `closed_on`, both included."""
        return max(0, bisect_right(self.days, closed_on) - bisect_left(self.days, starts_on))


class Rules:
    """Parameters of the villages, each procedure's `Limits` as `deadlines.limits_for` resolves them, and the
    limits `case_act` sets, counted on the calendar."""

    def __init__(self, villages: list[Region], today: date, calendar: WorkCalendar) -> None:
        self._villages = villages
        self._calendar = calendar
        dates = Parameter.objects.filter(valid_from__lte=today).values_list("valid_from", flat=True).distinct()
        self._changes = sorted(set(dates))
        self._values: dict[date, dict[int, list[ParameterValue]]] = {}
        self._limits: dict[tuple[int, str], deadlines.Limits] = {}

    def values(self, region_id: int, on: date) -> list[ParameterValue]:
        position = bisect_right(self._changes, on)
        epoch = self._changes[position - 1] if position else on  # the last change on or before `on`
        if epoch not in self._values:
            self._values[epoch] = parameter_values_for(regions=self._villages, on=epoch)
        return self._values[epoch][region_id]

    def value(self, region_id: int, key: str, on: date) -> str | None:
        for value in self.values(region_id, on):
            if value.key == key and not value.variant:
                return str(value.value)
        return None

    def limits(self, region_id: int, procedure: Procedure, on: date) -> deadlines.Limits:
        values = self.values(region_id, on)
        key = (id(values), procedure.key)  # villages inheriting the same values share one list object
        if key not in self._limits:
            prefix = f"cases.{procedure.key}."
            mine = {value.key: value for value in values if value.key.startswith(prefix)}
            self._limits[key] = deadlines.Limits(values=mine, procedure=procedure)
        return self._limits[key]

    def overall_due(
        self, limits: deadlines.Limits, accepted_on: date, *, delegated: bool, extended: bool, excluded: int
    ) -> Deadline:
        """`deadlines.overall_due`."""
        if delegated:
            days = limits.required("total_extended_wd" if extended else "total_delegated_wd")
        else:
            days = limits.required("total_extended_wd" if extended else "total_wd")
        if limits.procedure.notice and limits.flag("notice_excluded"):
            days += excluded
        return self._calendar.deadline(accepted_on, days)

    def step_due(
        self, limits: deadlines.Limits, state: str, accepted_on: date | None, began_on: date, *, notice_round: int
    ) -> Deadline | None:
        """`deadlines.step_due`: the limit of the step the case has just entered."""
        procedure = limits.procedure
        if state == CaseState.ACCEPTED:
            days = limits.number(procedure.investigation_limit)
            if days is None:
                days = limits.number(procedure.review_limit)
            return None if days is None else self._calendar.deadline(began_on, days)
        if state == CaseState.INVESTIGATING and procedure.review_limit and accepted_on:
            start = began_on if notice_round else accepted_on  # a new 初审 after an objection gets the days again
            return self._calendar.deadline(start, limits.required(procedure.review_limit))
        if state == CaseState.DISTRICT_REVIEW:
            days = limits.number(procedure.district_limit)
            return None if days is None else self._calendar.deadline(began_on, days)
        return None
