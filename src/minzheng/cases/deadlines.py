"""Statutory time limits of a case, from the procedure's parameters and the holiday table (REFERENCE §1.9, §16).

The overall limit counts working days from 受理: 30 (45 when extended; 20 when approval is delegated to the
township), plus, where the region's rule excludes it (重庆条例 第19条), the working days the case spent on
public notice. A step limit runs from the day the step began. A date that reaches into a year whose holiday
schedule is not published is `provisional` (core/calendar) and shown so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from minzheng.cases.models import Case, CaseState
from minzheng.cases.workflow import Procedure, limit_key, procedure_for
from minzheng.core.calendar.selectors import Deadline, working_days_add, working_days_between
from minzheng.core.errors import Conflict
from minzheng.core.parameters.selectors import ParameterValue, parameter_value, parameter_values
from minzheng.core.regions.models import Region

DUE_SOON_WORKING_DAYS = 3  # the work queue highlights cases due within three working days (issue 5 §2)


@dataclass(frozen=True)
class Limits:
    """The parameters of one procedure for one region on one date, resolved with one query."""

    values: dict[str, ParameterValue]
    procedure: Procedure

    def number(self, limit: str | None) -> int | None:
        if limit is None:
            return None
        value = self.values.get(limit_key(self.procedure, limit))
        return None if value is None else int(value.value)

    def required(self, limit: str) -> int:
        number = self.number(limit)
        if number is None:  # the procedure names it, so the store must hold it: the usual param.missing error
            raise _missing(self.procedure, limit)
        return number

    def flag(self, limit: str) -> bool:
        value = self.values.get(limit_key(self.procedure, limit))
        return value is not None and value.value == "yes"


def _missing(procedure: Procedure, limit: str) -> Conflict:
    return Conflict("param.missing", _("参数 %(key)s 对该区划无有效取值") % {"key": limit_key(procedure, limit)})


def limits_for(case: Case, on: date) -> Limits:
    procedure = procedure_for(case.programme, case.aid_kind)
    prefix = f"cases.{procedure.key}."
    values = {value.key: value for value in parameter_values(region=case.region, on=on) if value.key.startswith(prefix)}
    return Limits(values=values, procedure=procedure)


def general_limit(key: str, region: Region, on: date) -> int:
    """A limit shared by all procedures (`cases.refusal_notice_wd`, `cases.referral_feedback_wd`)."""
    return int(parameter_value(key=key, region=region, on=on).value)


def overall_due(case: Case, limits: Limits) -> Deadline:
    """The case's overall due date: from 受理, counting the excluded notice days when the region excludes them."""
    assert case.accepted_on is not None
    if case.delegated:
        days = limits.required("total_extended_wd" if case.extended else "total_delegated_wd")
    else:
        days = limits.required("total_extended_wd" if case.extended else "total_wd")
    if limits.procedure.notice and limits.flag("notice_excluded"):
        days += case.excluded_days
    return working_days_add(case.accepted_on, days)


def step_due(case: Case, limits: Limits, began_on: date) -> Deadline | None:
    """The limit of the step the case has just entered, counted from `began_on`; None when the law sets none."""
    procedure = limits.procedure
    if case.state == CaseState.ACCEPTED:
        days = limits.number(procedure.investigation_limit)
        if days is None:
            days = limits.number(procedure.review_limit)
        return None if days is None else working_days_add(began_on, days)
    if case.state == CaseState.INVESTIGATING and procedure.review_limit and case.accepted_on:
        # 初审 within n working days of 受理; after an objection a new 初审 gets n days again (特困认定办法 第14条).
        start = began_on if case.notice_round else case.accepted_on
        return working_days_add(start, limits.required(procedure.review_limit))
    if case.state == CaseState.DISTRICT_REVIEW:
        days = limits.number(procedure.district_limit)
        return None if days is None else working_days_add(began_on, days)
    return None


def notice_period(starts_on: date, days: int) -> tuple[date, date]:
    """A notice of `days` calendar days starting on `starts_on` ends on its last day (公示7天)."""
    return starts_on, starts_on + timedelta(days=days - 1)


def notice_working_days(starts_on: date, closed_on: date) -> int:
    """Working days from the first notice day up to `closed_on` inclusive: what the overall limit excludes."""
    return max(0, working_days_between(starts_on - timedelta(days=1), closed_on).days)
