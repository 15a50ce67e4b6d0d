"""Case work through the services: objections during the notice, maker-checker, refusals and their notice,
related-party cases, suspension, withdrawal and termination, and bulk actions."""

from __future__ import annotations

import json
from datetime import date

import pytest

from minzheng.cases.casework import cases_bulk_act, cases_bulk_assign, decision_notified
from minzheng.cases.intake import IntakeInput, ProgrammeRequest, attachment_add, intake_create
from minzheng.cases.models import Case, CaseState, Decision, Objection, PublicNotice, Transition
from minzheng.cases.services import ActionInput, ObjectionInput, actions_allowed
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput
from minzheng.payments.models import Enrolment
from minzheng.registry.models import Household
from tests.cases.conftest import PDF, Staffing, act, dibao_intake
from tests.cases.fixtures_services import (
    audit_events,
    investigated,
    oracle_count,
    oracle_due,
    poor_household,
    private_files,  # noqa: F401  (autouse: uploads go to tmp_path)
    staff_actor,
    to_district_review,
    visit,
)
from tests.conftest import Tree

pytestmark = pytest.mark.django_db

RECEIVED, ACCEPTED, REVIEWED, ENDED = date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 15), date(2026, 9, 23)
CONTACT = "13600000001"


OBJECTION = ObjectionInput("邻居甲", CONTACT, "申请人家中新购小轿车一辆，未如实申报")


def on_notice(staffing: Staffing, household: Household) -> Case:
    case = investigated(staffing.caseworker, dibao_intake(staffing.assistant, household, RECEIVED), ACCEPTED)
    act(staffing.reviewer, case, "review", REVIEWED)  # notice Wed 16 – Tue 22 Sep 2026
    case.refresh_from_db()
    return case


def test_objection_reopens_the_investigation_and_a_second_review_publishes_three_days(
    staffing: Staffing, poor_family: Household
) -> None:
    case = on_notice(staffing, poor_family)
    act(staffing.caseworker, case, "object", date(2026, 9, 18), reason="收到实名异议", objection=OBJECTION)
    case.refresh_from_db()
    first = PublicNotice.objects.get(case=case, round=1)
    assert case.state == CaseState.INVESTIGATING
    assert (first.objected, first.closed_on) == (True, date(2026, 9, 18))
    assert case.excluded_days == oracle_count(date(2026, 9, 16), date(2026, 9, 18)) == 3  # Wed–Fri on notice
    assert case.due_on == oracle_due(ACCEPTED, 30 + 3)
    assert case.district_visit_required  # a case with a complaint gets the county's own visit (第20条)

    act(staffing.reviewer, case, "review", date(2026, 9, 28))
    second = PublicNotice.objects.get(case=case, round=2)
    assert (second.starts_on, second.ends_on) == (date(2026, 9, 29), date(2026, 10, 1))  # 重庆条例 第18条: 3 days
    act(staffing.reviewer, case, "notice_end", date(2026, 10, 8))
    case.refresh_from_db()
    assert case.excluded_days == 3 + oracle_count(date(2026, 9, 29), date(2026, 10, 1)) == 5  # 1 Oct is off
    assert case.due_on == oracle_due(ACCEPTED, 35)
    with pytest.raises(Conflict) as no_visit:
        act(staffing.approver, case, "approve", date(2026, 10, 9))
    assert no_visit.value.code == "case.district_visit_missing"
    visit(staffing.approver, case, date(2026, 10, 9), by_district=True)
    act(staffing.approver, case, "approve", date(2026, 10, 9))  # the county's own visit does not bar its approver
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED


def test_objection_outside_the_notice_period_is_refused(staffing: Staffing, poor_family: Household) -> None:
    case = on_notice(staffing, poor_family)
    with pytest.raises(InvalidInput) as no_reason:
        act(staffing.caseworker, case, "object", date(2026, 9, 18), objection=OBJECTION)
    assert no_reason.value.code == "case.reason_required"
    with pytest.raises(InvalidInput) as no_objector:
        act(staffing.caseworker, case, "object", date(2026, 9, 18), reason="异议")
    assert no_objector.value.code == "objection.required"
    for day in (REVIEWED, date(2026, 9, 23)):  # the notice runs Wed 16 – Tue 22 Sep
        with pytest.raises(Conflict) as outside:
            act(staffing.caseworker, case, "object", day, reason="公示期外收到异议", objection=OBJECTION)
        assert outside.value.code == "objection.outside_notice"
    case.refresh_from_db()
    assert (case.state, case.excluded_days) == (CaseState.ON_NOTICE, 0)
    assert not Objection.objects.exists()


def test_objector_contact_is_stored_but_kept_out_of_the_audit_and_timeline(
    staffing: Staffing, poor_family: Household
) -> None:
    case = on_notice(staffing, poor_family)
    act(staffing.caseworker, case, "object", date(2026, 9, 22), reason="收到实名异议", objection=OBJECTION)
    assert Objection.objects.get(notice__case=case).objector_contact == CONTACT
    # The last notice day still counts: Wed 16 – Tue 22 Sep 2026, the Sunday 20 Sep a make-up working day.
    assert Case.objects.get(pk=case.pk).excluded_days == oracle_count(date(2026, 9, 16), date(2026, 9, 22)) == 6
    [event] = audit_events("case.object", case)
    transition = Transition.objects.get(case=case, action="object")
    for recorded in (event.detail, transition.detail, transition.reason):
        assert CONTACT not in json.dumps(recorded, ensure_ascii=False)


def test_whoever_investigated_or_reviewed_cannot_approve(
    staffing: Staffing, tree: Tree, poor_family: Household
) -> None:
    investigator = staff_actor("dual-investigator", tree.township, Role.TOWNSHIP_CASEWORKER, Role.DISTRICT_APPROVER)
    reviewer = staff_actor("dual-reviewer", tree.township, Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER)
    case = investigated(investigator, dibao_intake(staffing.assistant, poor_family, RECEIVED), ACCEPTED)
    act(reviewer, case, "review", REVIEWED)
    act(reviewer, case, "notice_end", ENDED)
    assert "approve" in [a.name for a in actions_allowed(actor=investigator, case=Case.objects.get(pk=case.pk))]
    for doer in (investigator, reviewer):
        with pytest.raises(Conflict) as barred:
            act(doer, case, "approve", date(2026, 9, 24))
        assert barred.value.code == "case.maker_checker"
        with pytest.raises(Conflict) as barred_refusal:
            act(doer, case, "refuse", date(2026, 9, 24), reason="收入超标")
        assert barred_refusal.value.code == "case.maker_checker"
    act(staffing.approver, case, "approve", date(2026, 9, 24))
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED


REASONS = "家庭月人均收入高于当地低保标准\n家庭成员名下有非营运小轿车一辆"


@pytest.mark.parametrize(
    ("notified_on", "late"),
    # Refused Fri 9 Oct 2026: due Tue 13 Oct (Sat 10 Oct was a working day).
    [(date(2026, 10, 12), False), (date(2026, 10, 13), False), (date(2026, 10, 14), True)],
)
def test_refusal_with_reasons_and_its_written_notice(
    staffing: Staffing, poor_family: Household, notified_on: date, late: bool
) -> None:
    case = to_district_review(
        staffing, dibao_intake(staffing.assistant, poor_family, RECEIVED), ACCEPTED, REVIEWED, ENDED
    )
    with pytest.raises(Conflict) as undecided:
        decision_notified(actor=staffing.caseworker, case_id=case.pk, notified_on=date(2026, 10, 9))
    assert undecided.value.code == "decision.none"
    with pytest.raises(InvalidInput) as no_reason:
        act(staffing.approver, case, "refuse", date(2026, 10, 9))
    assert no_reason.value.code == "case.reason_required"
    act(staffing.approver, case, "refuse", date(2026, 10, 9), reason=REASONS)
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.reasons, decision.amount_fen) == ("refused", REASONS, 0)
    assert decision.notify_due_on == oracle_due(date(2026, 10, 9), 3) == date(2026, 10, 13)
    assert not Enrolment.objects.filter(case=case).exists()
    with pytest.raises(InvalidInput) as before:
        decision_notified(actor=staffing.caseworker, case_id=case.pk, notified_on=date(2026, 10, 8))
    assert before.value.code == "decision.notified_on"
    decision = decision_notified(actor=staffing.caseworker, case_id=case.pk, notified_on=notified_on)
    assert decision.notified_on == notified_on
    [event] = audit_events("case.notified", case)
    assert event.detail == {"on": notified_on.isoformat(), "late": late}


def related_party_case(staffing: Staffing, household: Household, note: str) -> Case:
    intake = intake_create(
        actor=staffing.caseworker,
        data=IntakeInput(
            channel="window", received_on=RECEIVED, household_id=household.pk, programmes=[ProgrammeRequest("dibao")],
            authorisation_signed_on=RECEIVED, related_party=True, related_party_note=note,
        ),
    )  # fmt: skip
    for material in ("application_form", "authorisation", "income_proof"):
        attachment_add(actor=staffing.caseworker, intake_id=intake.pk, material=material, filename="a.pdf", content=PDF)
    return intake.cases.get()


def test_related_party_case_needs_the_district_visit_before_approval(
    staffing: Staffing, poor_family: Household
) -> None:
    with pytest.raises(InvalidInput) as unexplained:
        related_party_case(staffing, poor_family, note=" ")
    assert [(e.path, e.code) for e in unexplained.value.extra["errors"]] == [
        ("related_party_note", "intake.related_party")
    ]
    case = related_party_case(staffing, poor_family, note="申请人之妻为村委会委员刘某的胞妹")
    assert (case.related_party, case.district_visit_required) == (True, True)
    case = investigated(staffing.caseworker, case, ACCEPTED)
    with pytest.raises(Conflict) as too_early:
        visit(staffing.approver, case, ACCEPTED, by_district=True)
    assert too_early.value.code == "case.visit_state"
    act(staffing.reviewer, case, "review", REVIEWED)
    act(staffing.reviewer, case, "notice_end", ENDED)
    with pytest.raises(Conflict) as refused:
        act(staffing.approver, case, "approve", date(2026, 9, 24))
    assert refused.value.code == "case.district_visit_missing"
    with pytest.raises(AccessDenied):
        visit(staffing.caseworker, case, date(2026, 9, 24), by_district=True)
    visit(staffing.approver, case, date(2026, 9, 24), by_district=True)
    act(staffing.approver, case, "approve", date(2026, 9, 25))
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED


def test_suspend_and_resume_return_to_the_state_before(staffing: Staffing, poor_family: Household) -> None:
    case = on_notice(staffing, poor_family)
    with pytest.raises(InvalidInput) as no_reason:
        act(staffing.caseworker, case, "suspend", date(2026, 9, 17))
    assert no_reason.value.code == "case.reason_required"
    act(staffing.caseworker, case, "suspend", date(2026, 9, 17), reason="申请人住院，暂无法配合调查")
    case.refresh_from_db()
    assert (case.state, case.suspended_from, case.step_due_on) == ("suspended", "on_notice", date(2026, 9, 22))
    assert [a.name for a in actions_allowed(actor=staffing.caseworker, case=case)] == [
        "resume",
        "withdraw",
        "terminate",
    ]
    act(staffing.caseworker, case, "resume", date(2026, 9, 21))
    case.refresh_from_db()
    assert (case.state, case.suspended_from, case.step_due_on) == ("on_notice", "", date(2026, 9, 22))
    assert list(Transition.objects.filter(case=case).values_list("from_state", "to_state").order_by("id"))[-2:] == [
        ("on_notice", "suspended"), ("suspended", "on_notice"),
    ]  # fmt: skip


@pytest.mark.parametrize(("action", "state"), [("withdraw", "withdrawn"), ("terminate", "terminated")])
def test_withdraw_and_terminate_need_a_reason_and_close_the_case(
    staffing: Staffing, tree: Tree, poor_family: Household, action: str, state: str
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, RECEIVED)
    act(staffing.caseworker, case, "accept", ACCEPTED)
    act(staffing.caseworker, case, "suspend", date(2026, 9, 3), reason="家庭外出务工，无法联系")
    with pytest.raises(InvalidInput) as no_reason:
        act(staffing.caseworker, case, action, date(2026, 9, 4), reason="")
    assert no_reason.value.code == "case.reason_required"
    act(staffing.caseworker, case, action, date(2026, 9, 4), reason="申请人书面撤回/拒不配合调查")
    case.refresh_from_db()
    assert (case.state, case.closed_on, case.step_due_on, case.step_due_provisional) == (
        state, date(2026, 9, 4), None, False,
    )  # fmt: skip
    everyone = staff_actor(
        "all-roles", tree.township, Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER
    )
    for attempt in ("accept", "resume", "withdraw", "terminate", "approve", "suspend"):
        with pytest.raises(Conflict) as closed:
            act(everyone, case, attempt, date(2026, 9, 7), reason="再次办理")
        assert closed.value.code == "case.invalid_transition"
        assert closed.value.extra == {"state": state, "allowed_actions": []}


def test_bulk_approval_proceeds_case_by_case(staffing: Staffing, tree: Tree) -> None:
    cases = []
    for index in range(3):
        case = dibao_intake(staffing.assistant, poor_household(tree, index), RECEIVED)
        # The approver went along on the third family's home visit: it may not approve that one.
        investigated(staffing.caseworker, case, ACCEPTED, also=[staffing.approver.user_id] if index == 2 else None)
        act(staffing.reviewer, case, "review", REVIEWED)
        act(staffing.reviewer, case, "notice_end", ENDED)
        cases.append(case.pk)
    outcome = cases_bulk_act(
        actor=staffing.approver, case_ids=[*cases, cases[0]], data=ActionInput("approve", date(2026, 9, 24))
    )
    assert outcome.done == cases[:2]
    assert [(f["case_id"], f["code"]) for f in outcome.failed] == [(cases[2], "case.maker_checker")]
    assert dict(Case.objects.filter(pk__in=cases).values_list("pk", "state")) == {
        cases[0]: "approved", cases[1]: "approved", cases[2]: "district_review",
    }  # fmt: skip
    assert Enrolment.objects.filter(case_id__in=cases).count() == 2


def test_bulk_assignment_checks_the_assignee_for_each_case(staffing: Staffing, tree: Tree) -> None:
    cases = [dibao_intake(staffing.assistant, poor_household(tree, index), RECEIVED).pk for index in range(2)]
    outsider = staff_actor("caseworker-elsewhere", tree.other_township, Role.TOWNSHIP_CASEWORKER)
    outcome = cases_bulk_assign(actor=staffing.reviewer, case_ids=cases, assignee_id=outsider.user_id)
    assert (outcome.done, [(f["case_id"], f["code"]) for f in outcome.failed]) == (
        [], [(cases[0], "case.assignee"), (cases[1], "case.assignee")],
    )  # fmt: skip
    outcome = cases_bulk_assign(actor=staffing.reviewer, case_ids=cases, assignee_id=staffing.reviewer.user_id)
    assert {f["code"] for f in outcome.failed} == {"case.assignee_role"}
    outcome = cases_bulk_assign(actor=staffing.reviewer, case_ids=cases, assignee_id=staffing.caseworker.user_id)
    assert (outcome.done, outcome.failed) == (cases, [])
    assert set(Case.objects.filter(pk__in=cases).values_list("assignee_id", flat=True)) == {staffing.caseworker.user_id}
    assert AuditEvent.objects.filter(action="case.assign").count() == 2
