"""Statutory time limits of a case on the holiday table, checked against an independent oracle
(`chinese_calendar.is_workday`) and against dates counted by hand, across the 2025 National Day (1–8 Oct;
Sun 28 Sep and Sat 11 Oct worked), the 2026 Spring Festival (15–23 Feb; Sat 14 and Sat 28 Feb worked) and the
2026 National Day (1–7 Oct; Sun 20 Sep and Sat 10 Oct worked)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from minzheng.cases.casework import case_extend
from minzheng.cases.models import CaseState, Decision, PublicNotice, Transition
from minzheng.cases.services import ObjectionInput
from minzheng.core.access.models import Role
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput
from minzheng.registry.models import Household
from tests.cases.conftest import Staffing, act, dibao_intake
from tests.cases.fixtures_services import (
    district_parameter,
    investigated,
    oracle_add,
    oracle_count,
    oracle_due,
    private_files,  # noqa: F401  (autouse: uploads go to tmp_path)
    staff_actor,
    tekun_applicant,
    tekun_intake,
    to_district_review,
)
from tests.conftest import Tree

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accepted_on", "step_due", "overall_due"),
    [
        # Fri 26 Sep 2025: Sun 28, Mon 29, Tue 30 Sep; the 30 days jump 1–8 Oct and count Sat 11 Oct.
        (date(2025, 9, 26), date(2025, 9, 30), date(2025, 11, 13)),
        # Thu 12 Feb 2026: Fri 13, Sat 14, then 15–23 Feb off, Tue 24 Feb.
        (date(2026, 2, 12), date(2026, 2, 24), date(2026, 4, 1)),
        # Fri 18 Sep 2026: Sun 20 (worked), Mon 21, Tue 22; Mid-Autumn 25 Sep and 1–7 Oct off, Sat 10 Oct worked.
        (date(2026, 9, 18), date(2026, 9, 22), date(2026, 11, 5)),
    ],
)
def test_accept_sets_the_overall_limit_and_the_investigation_start_limit(
    staffing: Staffing, poor_family: Household, accepted_on: date, step_due: date, overall_due: date
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, accepted_on - timedelta(days=1))
    act(staffing.caseworker, case, "accept", accepted_on)
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert case.step_due_on == oracle_due(accepted_on, 3) == step_due
    assert case.due_on == oracle_due(accepted_on, 30) == overall_due
    assert (case.due_provisional, case.step_due_provisional) == (False, False)


def test_notice_days_are_excluded_and_the_district_has_ten_working_days(
    staffing: Staffing, poor_family: Household
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2025, 9, 1))
    case = investigated(staffing.caseworker, case, date(2025, 9, 2))
    assert case.step_due_on is None  # the investigation has started; 低保 sets no separate limit for 初审
    act(staffing.reviewer, case, "review", date(2025, 9, 16))
    case.refresh_from_db()
    notice = PublicNotice.objects.get(case=case)
    assert (notice.starts_on, notice.ends_on) == (date(2025, 9, 17), date(2025, 9, 23))
    assert case.step_due_on == notice.ends_on
    assert case.due_on == oracle_due(date(2025, 9, 2), 30) == date(2025, 10, 20)
    act(staffing.reviewer, case, "notice_end", date(2025, 9, 25))
    case.refresh_from_db()
    # Wed 17 – Tue 23 Sep 2025: five working days on notice, which Chongqing does not count (条例 第19条).
    assert case.excluded_days == oracle_count(date(2025, 9, 17), date(2025, 9, 23)) == 5
    assert case.due_on == oracle_due(date(2025, 9, 2), 35) == date(2025, 10, 27)
    # From Thu 25 Sep: 26, 28 (Sun), 29, 30 Sep, then 9, 10, 11 (Sat), 13, 14, 15 Oct.
    assert case.step_due_on == oracle_due(date(2025, 9, 25), 10) == date(2025, 10, 15)


def test_notice_days_count_where_the_region_does_not_exclude_them(
    staffing: Staffing, poor_family: Household, tree: Tree
) -> None:
    district_parameter(tree.district, "cases.dibao.notice_excluded", "no")
    case = dibao_intake(staffing.assistant, poor_family, date(2025, 9, 1))
    case = to_district_review(staffing, case, date(2025, 9, 2), date(2025, 9, 16), date(2025, 9, 25))
    assert case.excluded_days == 5  # still recorded, no longer added
    assert case.due_on == oracle_due(date(2025, 9, 2), 30) == date(2025, 10, 20)


def test_extension_moves_the_limit_to_45_working_days_once(staffing: Staffing, poor_family: Household) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2025, 9, 1))
    with pytest.raises(Conflict) as not_accepted:
        case_extend(actor=staffing.reviewer, case_id=case.pk, reason="人户分离，需异地核查")
    assert not_accepted.value.code == "case.extend_state"
    case = to_district_review(staffing, case, date(2025, 9, 2), date(2025, 9, 16), date(2025, 9, 25))
    with pytest.raises(AccessDenied):
        case_extend(actor=staffing.caseworker, case_id=case.pk, reason="人户分离，需异地核查")
    with pytest.raises(InvalidInput) as no_reason:
        case_extend(actor=staffing.reviewer, case_id=case.pk, reason="  ")
    assert no_reason.value.code == "case.reason_required"
    case = case_extend(actor=staffing.reviewer, case_id=case.pk, reason="人户分离，需异地核查")
    assert case.extended
    assert case.due_on == oracle_due(date(2025, 9, 2), 45 + 5) == date(2025, 11, 17)
    with pytest.raises(Conflict) as again:
        case_extend(actor=staffing.approver, case_id=case.pk, reason="再次延期")
    assert again.value.code == "case.already_extended"


def test_delegated_region_has_20_working_days_and_the_township_approves(
    staffing: Staffing, poor_family: Household, tree: Tree
) -> None:
    district_parameter(tree.district, "cases.dibao.delegated", "yes")
    case = dibao_intake(staffing.assistant, poor_family, date(2025, 9, 1))
    case = investigated(staffing.caseworker, case, date(2025, 9, 2))
    assert case.delegated
    assert Transition.objects.get(case=case, action="accept").detail["delegated"] is True
    assert case.due_on == oracle_due(date(2025, 9, 2), 20) == date(2025, 9, 29)
    act(staffing.reviewer, case, "review", date(2025, 9, 16))
    act(staffing.reviewer, case, "notice_end", date(2025, 9, 25))
    case.refresh_from_db()
    assert case.due_on == oracle_due(date(2025, 9, 2), 20 + 5)
    with pytest.raises(Conflict) as own_review:
        act(staffing.reviewer, case, "approve", date(2025, 9, 26))
    assert own_review.value.code == "case.maker_checker"
    colleague = staff_actor("reviewer-colleague", tree.township, Role.TOWNSHIP_REVIEWER)
    act(colleague, case, "approve", date(2025, 9, 26))
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert Transition.objects.get(case=case, action="approve").role == Role.TOWNSHIP_REVIEWER


def test_delegated_and_extended_case_has_45_working_days(
    staffing: Staffing, poor_family: Household, tree: Tree
) -> None:
    district_parameter(tree.district, "cases.dibao.delegated", "yes")
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 2, 11))
    act(staffing.caseworker, case, "accept", date(2026, 2, 12))
    case = case_extend(actor=staffing.reviewer, case_id=case.pk, reason="有异议，需重新调查")
    assert case.due_on == oracle_due(date(2026, 2, 12), 45)


@pytest.mark.parametrize(
    ("accepted_on", "overall_due", "provisional"),
    [
        # 30 working days from Fri 20 Nov 2026 end in 2027, whose schedule is not published: counted on weekdays.
        (date(2026, 11, 20), date(2027, 1, 1), True),
        (date(2026, 10, 9), date(2026, 11, 19), False),
    ],
)
def test_due_date_is_provisional_when_it_reaches_an_unpublished_year(
    staffing: Staffing, poor_family: Household, accepted_on: date, overall_due: date, provisional: bool
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, accepted_on - timedelta(days=1))
    act(staffing.caseworker, case, "accept", accepted_on)
    case.refresh_from_db()
    assert (case.due_on, case.due_provisional) == oracle_add(accepted_on, 30) == (overall_due, provisional)
    assert (case.step_due_on, case.step_due_provisional) == (oracle_due(accepted_on, 3), False)


def test_refusal_notice_is_due_three_working_days_after_the_decision(
    staffing: Staffing, poor_family: Household
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2025, 9, 1))
    case = to_district_review(staffing, case, date(2025, 9, 2), date(2025, 9, 16), date(2025, 9, 25))
    act(staffing.approver, case, "refuse", date(2025, 9, 30), reason="家庭人均收入高于当地低保标准")
    case.refresh_from_db()
    decision = Decision.objects.get(case=case)
    # Tue 30 Sep 2025: 1–8 Oct off, then Thu 9, Fri 10 and the make-up Saturday 11 Oct.
    assert decision.notify_due_on == oracle_due(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert Transition.objects.get(case=case, action="refuse").detail["notify_due_on"] == "2025-10-11"
    assert (case.state, case.closed_on, case.step_due_on) == (CaseState.REFUSED, date(2025, 9, 30), None)


def test_action_dates_must_not_lie_in_the_future_or_before_the_last_step(
    staffing: Staffing, poor_family: Household
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22))
    with pytest.raises(InvalidInput) as before_receipt:
        act(staffing.caseworker, case, "accept", date(2026, 9, 21))
    assert before_receipt.value.code == "case.date_order"
    with pytest.raises(InvalidInput) as future:
        act(staffing.caseworker, case, "accept", timezone.localdate() + timedelta(days=1))
    assert future.value.code == "case.future_date"
    act(staffing.caseworker, case, "accept", date(2026, 9, 24))
    with pytest.raises(InvalidInput) as before_accept:
        act(staffing.caseworker, case, "investigate", date(2026, 9, 23))
    assert before_accept.value.code == "case.date_order"


def test_tekun_has_15_working_days_to_review_and_15_for_the_district(staffing: Staffing, tree: Tree) -> None:
    case = tekun_intake(staffing.caseworker, tekun_applicant(tree), date(2026, 9, 17))
    act(staffing.caseworker, case, "accept", date(2026, 9, 18))
    case.refresh_from_db()
    assert case.step_due_on == oracle_due(date(2026, 9, 18), 15) == date(2026, 10, 15)
    case = investigated(staffing.caseworker, case, date(2026, 9, 18), accept=False)
    assert case.step_due_on == date(2026, 10, 15)  # 初审 still due 15 working days after 受理 (认定办法 第13条)
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    act(staffing.reviewer, case, "notice_end", date(2026, 10, 19))
    case.refresh_from_db()
    assert case.step_due_on == oracle_due(date(2026, 10, 19), 15) == date(2026, 11, 9)


def test_tekun_review_after_an_objection_has_a_new_15_working_days(staffing: Staffing, tree: Tree) -> None:
    case = tekun_intake(staffing.caseworker, tekun_applicant(tree), date(2026, 9, 17))
    case = investigated(staffing.caseworker, case, date(2026, 9, 18))
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    objection = ObjectionInput("邻居甲", "13600000001", "申请人有子女按月给付赡养费")
    act(staffing.caseworker, case, "object", date(2026, 10, 12), reason="收到实名异议", objection=objection)
    case.refresh_from_db()
    assert case.state == CaseState.INVESTIGATING
    assert case.step_due_on == oracle_due(date(2026, 10, 12), 15)


def test_tekun_total_limit_excludes_the_notice(staffing: Staffing, tree: Tree) -> None:
    case = tekun_intake(staffing.caseworker, tekun_applicant(tree), date(2026, 9, 17))
    case = investigated(staffing.caseworker, case, date(2026, 9, 18))
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    act(staffing.reviewer, case, "notice_end", date(2026, 10, 19))
    case.refresh_from_db()
    on_notice = oracle_count(date(2026, 10, 10), date(2026, 10, 16))  # Sat 10 Oct was a working day: 6
    assert case.due_on == oracle_due(date(2026, 9, 18), 30 + on_notice)
