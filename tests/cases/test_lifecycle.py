"""The full 低保 lifecycle through the services, with Chongqing's time limits on the 2026 holiday table."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from minzheng.cases.models import CaseState, Decision, PublicNotice, Transition
from minzheng.core.errors import Conflict
from minzheng.payments.models import Enrolment
from minzheng.registry.models import Household
from tests.cases.conftest import Staffing, act, dibao_intake, investigate


def nth_working_day(start: date, n: int) -> date:
    """An oracle independent of our table: the State Council schedule as chinesecalendar publishes it."""
    day = start
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


@pytest.mark.django_db
def test_dibao_from_intake_to_enrolment(staffing: Staffing, poor_family: Household) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22))
    assert case.state == CaseState.SUBMITTED
    case = investigate(staffing, case, date(2026, 9, 23))
    assert case.state == CaseState.INVESTIGATING
    # 30 working days from Wed 23 Sep 2026 across Mid-Autumn (25 Sep) and National Day (1–7 Oct; Sat 10 Oct worked).
    assert case.due_on == nth_working_day(date(2026, 9, 23), 30) == date(2026, 11, 11)
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    case.refresh_from_db()
    assert case.state == CaseState.ON_NOTICE
    notice = PublicNotice.objects.get(case=case)
    assert (notice.starts_on, notice.ends_on) == (date(2026, 10, 10), date(2026, 10, 16))
    assert notice.name_masked == "陈**"
    with pytest.raises(Conflict) as early:
        act(staffing.reviewer, case, "notice_end", date(2026, 10, 16))
    assert early.value.code == "notice.not_ended"
    act(staffing.reviewer, case, "notice_end", date(2026, 10, 17))
    case.refresh_from_db()
    assert case.state == CaseState.DISTRICT_REVIEW
    # Chongqing excludes the notice's working days (Sat 10 Oct was a make-up day: 6 working days) from the 30.
    assert case.excluded_days == 6
    assert case.due_on == nth_working_day(date(2026, 9, 23), 36) == date(2026, 11, 19)
    act(staffing.approver, case, "approve", date(2026, 10, 20))
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    decision = Decision.objects.get(case=case)
    assert decision.start_month == date(2026, 10, 1)  # Chongqing: the month of approval
    enrolment = Enrolment.objects.get(case=case)
    assert enrolment.amount_fen == decision.amount_fen == case.assessed_amount_fen
    assert list(Transition.objects.filter(case=case).values_list("action", flat=True).order_by("id")) == [
        "accept", "investigate", "review", "notice_end", "approve",
    ]  # fmt: skip


@pytest.mark.django_db
def test_illegal_transition_names_state_and_allowed_actions(staffing: Staffing, poor_family: Household) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 9, 24))
    with pytest.raises(Conflict) as refused:
        act(staffing.approver, case, "approve", date(2026, 9, 25))
    assert refused.value.code == "case.invalid_transition"
    assert refused.value.extra["state"] == "submitted"
    assert refused.value.extra["allowed_actions"] == []  # the approver can do nothing to a submitted case
