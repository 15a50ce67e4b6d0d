"""Intake and case services: completeness told at once, the emergency fast path, 特困 payment start and the
county's re-check draw, validation without writing, and the append-only timeline."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from minzheng.cases.casework import case_advance_aid
from minzheng.cases.deadlines import Limits
from minzheng.cases.intake import (
    Declared,
    IntakeInput,
    NewHousehold,
    NewMember,
    ProgrammeRequest,
    attachment_add,
    intake_create,
    intake_validate,
)
from minzheng.cases.models import Case, CaseState, Decision, EconomicCheck, Intake, PublicNotice, Transition
from minzheng.cases.services import recheck_drawn
from minzheng.cases.workflow import PROCEDURES
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput
from minzheng.core.parameters.selectors import ParameterValue
from minzheng.payments.models import Enrolment
from minzheng.registry.models import DisabilityCertificate, Household
from minzheng.registry.services import PersonInput
from tests.cases.conftest import PDF, Staffing, act, dibao_intake
from tests.cases.fixtures_services import (
    district_parameter,
    investigated,
    oracle_due,
    private_files,  # noqa: F401  (autouse: uploads go to tmp_path)
    staff_actor,
    tekun_applicant,
    tekun_intake,
    visit,
)
from tests.conftest import Tree, make_id_number

pytestmark = pytest.mark.django_db

RECEIVED = date(2026, 11, 16)


def intake(actor: Actor, household: Household, request: ProgrammeRequest, **kwargs: object) -> Case:
    data = IntakeInput(received_on=RECEIVED, household_id=household.pk, programmes=[request], **kwargs)  # type: ignore[arg-type]
    return intake_create(actor=actor, data=data).cases.get()


def attach(actor: Actor, case: Case, *materials: str) -> None:
    for material in materials:
        attachment_add(
            actor=actor, intake_id=case.intake_id, material=material, filename=f"{material}.pdf", content=PDF
        )


def incomplete(actor: Actor, case: Case, on: date = RECEIVED) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as refused:
        act(actor, case, "accept", on)
    assert refused.value.code == "case.incomplete"
    return [(error.path, error.code) for error in refused.value.extra["errors"]]


@pytest.mark.parametrize(
    ("request_", "missing"),
    [
        (ProgrammeRequest("dibao"), ["application_form", "authorisation", "income_proof", "authorisation_signed"]),
        (
            ProgrammeRequest("rigid_expense"),
            ["application_form", "authorisation", "income_proof", "expense_proof", "authorisation_signed"],
        ),
        (
            ProgrammeRequest("temporary_aid", aid_kind="expenditure"),
            ["application_form", "authorisation", "expense_proof", "authorisation_signed"],
        ),
        (ProgrammeRequest("temporary_aid", aid_kind="emergency"), ["application_form"]),
    ],
)
def test_accept_without_materials_lists_everything_missing_at_once(
    staffing: Staffing, poor_family: Household, request_: ProgrammeRequest, missing: list[str]
) -> None:
    case = intake(staffing.caseworker, poor_family, request_, channel="window")
    assert incomplete(staffing.caseworker, case) == [(f"materials.{code}", "case.material_missing") for code in missing]
    case.refresh_from_db()
    assert (case.state, case.accepted_on, case.transitions.count()) == (CaseState.SUBMITTED, None, 0)


def test_assistant_channel_needs_the_proxy_authorisation(staffing: Staffing, poor_family: Household) -> None:
    with pytest.raises(InvalidInput) as no_proxy:
        intake(staffing.assistant, poor_family, ProgrammeRequest("dibao"), channel="assistant")
    assert [(e.path, e.code) for e in no_proxy.value.extra["errors"]] == [("proxy_name", "intake.proxy")]
    case = intake(
        staffing.assistant, poor_family, ProgrammeRequest("dibao"), channel="assistant", proxy_name="村协理员 何秀英",
        authorisation_signed_on=RECEIVED,
    )  # fmt: skip
    attach(staffing.assistant, case, "application_form", "authorisation", "income_proof")
    assert incomplete(staffing.caseworker, case) == [("materials.proxy_authorisation", "case.material_missing")]
    attach(staffing.assistant, case, "proxy_authorisation")
    assert act(staffing.caseworker, case, "accept", RECEIVED).state == CaseState.ACCEPTED


@pytest.mark.parametrize(
    ("programme", "grade", "accepted"),
    [
        ("disability_nursing", 3, False),
        ("disability_nursing", 2, True),
        ("disability_nursing", 1, True),
        ("disability_living", 4, True),
        ("disability_living", None, False),
    ],
)
def test_disability_subsidies_need_a_certificate_in_the_registry(
    staffing: Staffing, poor_family: Household, programme: str, grade: int | None, accepted: bool
) -> None:
    person = poor_family.members.get(is_head=True).person
    if grade is not None:
        DisabilityCertificate.objects.create(
            person=person, certificate_number=f"{person.id_number}4{grade}", disability_category="4",
            disability_grade=grade, valid_from=date(2019, 5, 6),
        )  # fmt: skip
    case = intake(staffing.caseworker, poor_family, ProgrammeRequest(programme, person_id=person.pk), channel="window")
    attach(staffing.caseworker, case, "application_form")  # nothing else: the registry holds the certificate
    if accepted:
        assert act(staffing.caseworker, case, "accept", RECEIVED).state == CaseState.ACCEPTED
    else:
        assert incomplete(staffing.caseworker, case) == [("materials.disability_certificate", "case.material_missing")]


def emergency(staffing: Staffing, household: Household, **kwargs: object) -> Case:
    """A house fire on Sun 15 Nov 2026: the family asks for 急难型 aid the next morning."""
    request = ProgrammeRequest("temporary_aid", aid_kind="emergency")
    case = intake(staffing.caseworker, household, request, channel="window", **kwargs)
    attach(staffing.caseworker, case, "application_form")
    return case


def test_emergency_aid_pays_a_capped_advance_once(staffing: Staffing, poor_family: Household) -> None:
    case = emergency(staffing, poor_family, authorisation_signed_on=RECEIVED)
    with pytest.raises(InvalidInput) as over_cap:
        case_advance_aid(actor=staffing.caseworker, case_id=case.pk, amount_fen=80001, paid_on=RECEIVED, reason="火灾")
    assert over_cap.value.code == "case.advance_amount"
    with pytest.raises(AccessDenied):
        case_advance_aid(actor=staffing.reviewer, case_id=case.pk, amount_fen=80000, paid_on=RECEIVED, reason="火灾")
    case = case_advance_aid(
        actor=staffing.caseworker, case_id=case.pk, amount_fen=80000, paid_on=RECEIVED, reason="房屋失火，先行救助"
    )
    assert case.advance_aid_fen == 80000
    with pytest.raises(Conflict) as second:
        case_advance_aid(actor=staffing.caseworker, case_id=case.pk, amount_fen=100, paid_on=RECEIVED, reason="再次")
    assert second.value.code == "case.advance_state"
    assert AuditEvent.objects.get(action="case.advance_aid").detail["amount_fen"] == 80000


def test_advance_aid_is_for_emergencies_only(staffing: Staffing, poor_family: Household) -> None:
    case = dibao_intake(staffing.assistant, poor_family, RECEIVED)
    with pytest.raises(Conflict) as refused:
        case_advance_aid(actor=staffing.caseworker, case_id=case.pk, amount_fen=50000, paid_on=RECEIVED, reason="困难")
    assert refused.value.code == "case.advance_not_allowed"


def test_emergency_aid_skips_the_notice_and_the_township_approves_once_paperwork_is_in(
    staffing: Staffing, tree: Tree, poor_family: Household
) -> None:
    case = emergency(staffing, poor_family, authorisation_signed_on=RECEIVED)
    act(staffing.caseworker, case, "accept", RECEIVED)
    case.refresh_from_db()
    assert (case.delegated, case.step_due_on) == (True, None)  # no investigation limit: aid comes first
    assert case.due_on == oracle_due(RECEIVED, 10)  # cases.temporary_aid_emergency.total_delegated_wd
    act(staffing.caseworker, case, "investigate", date(2026, 11, 17))
    assert not EconomicCheck.objects.filter(case=case).exists()
    act(staffing.reviewer, case, "review", date(2026, 11, 18))  # no home visit or check needed
    case.refresh_from_db()
    assert case.state == CaseState.DISTRICT_REVIEW
    assert not PublicNotice.objects.filter(case=case).exists()
    assert case.step_due_on == oracle_due(date(2026, 11, 18), 5)
    colleague = staff_actor("reviewer-b", tree.township, Role.TOWNSHIP_REVIEWER)
    approve = {"amount_fen": 150000, "reason": "房屋失火，生活用品全部损毁"}
    with pytest.raises(AccessDenied):
        act(staffing.caseworker, case, "approve", date(2026, 11, 20), **approve)
    with pytest.raises(Conflict) as own_review:
        act(staffing.reviewer, case, "approve", date(2026, 11, 20), **approve)
    assert own_review.value.code == "case.maker_checker"
    with pytest.raises(Conflict) as paperwork:
        act(colleague, case, "approve", date(2026, 11, 20), **approve)
    assert paperwork.value.code == "case.paperwork_missing"
    assert "家庭经济状况授权核对书" in str(paperwork.value.message)
    assert "急难情况说明" in str(paperwork.value.message)
    attach(staffing.caseworker, case, "authorisation")
    with pytest.raises(Conflict) as still:
        act(colleague, case, "approve", date(2026, 11, 20), **approve)
    assert "急难情况说明" in str(still.value.message)
    attach(staffing.caseworker, case, "incident_proof")
    with pytest.raises(InvalidInput) as unexplained:
        act(colleague, case, "approve", date(2026, 11, 20), amount_fen=150000)
    assert unexplained.value.code == "case.override_reason"  # the assessment found no amount for a one-off need
    act(colleague, case, "approve", date(2026, 11, 20), **approve)
    transition = Transition.objects.get(case=case, action="approve")
    assert (transition.role, transition.detail["enrolment"]) == (Role.TOWNSHIP_REVIEWER, None)
    assert Decision.objects.get(case=case).amount_fen == 150000
    assert not Enrolment.objects.filter(case=case).exists()  # one-off: nothing to pay monthly


def test_emergency_paperwork_can_all_come_after_the_aid(staffing: Staffing, tree: Tree, poor_family: Household) -> None:
    case = emergency(staffing, poor_family)  # the family signs nothing on the night of the fire
    act(staffing.caseworker, case, "accept", RECEIVED)
    act(staffing.caseworker, case, "investigate", RECEIVED)
    act(staffing.reviewer, case, "review", date(2026, 11, 17))
    attach(staffing.caseworker, case, "authorisation", "incident_proof")  # signed and scanned afterwards
    colleague = staff_actor("reviewer-b", tree.township, Role.TOWNSHIP_REVIEWER)
    act(colleague, case, "approve", date(2026, 11, 18), amount_fen=150000, reason="房屋失火")
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED


def test_tekun_is_paid_from_the_month_after_approval(staffing: Staffing, tree: Tree) -> None:
    case = tekun_intake(staffing.caseworker, tekun_applicant(tree), date(2026, 9, 17))
    case = investigated(staffing.caseworker, case, date(2026, 9, 18))
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    act(staffing.reviewer, case, "notice_end", date(2026, 10, 19))
    visit(staffing.approver, case, date(2026, 10, 28), by_district=True)  # whether drawn for the re-check or not
    act(staffing.approver, case, "approve", date(2026, 10, 30))
    case.refresh_from_db()
    decision = Decision.objects.get(case=case)
    assert decision.start_month == date(2026, 11, 1)  # 认定办法 第16条: 自批准之日下月起
    enrolment = Enrolment.objects.get(case=case)
    assert (enrolment.from_month, enrolment.person_id, enrolment.amount_fen) == (
        date(2026, 11, 1), case.person_id, case.assessed_amount_fen,
    )  # fmt: skip
    assert (enrolment.review_frequency, enrolment.next_review_on) == ("yearly", date(2027, 10, 30))


def recheck_limits(key: str, share: int | None) -> Limits:
    values = {}
    if share is not None:
        name = f"cases.{key}.recheck_share_permille"
        values[name] = ParameterValue(
            name, "", share, "permille", date(2021, 7, 1), "认定办法 第16条", "official", "500000"
        )
    return Limits(values=values, procedure=PROCEDURES[key])


def test_county_recheck_draws_about_thirty_percent_reproducibly() -> None:
    ids = range(1, 20001)
    drawn = [pk for pk in ids if recheck_drawn(Case(pk=pk), recheck_limits("tekun", 300))]
    assert 0.29 <= len(drawn) / len(ids) <= 0.31
    assert drawn == [pk for pk in ids if recheck_drawn(Case(pk=pk), recheck_limits("tekun", 300))]
    assert not any(recheck_drawn(Case(pk=pk), recheck_limits("tekun", 0)) for pk in ids[:500])
    assert all(recheck_drawn(Case(pk=pk), recheck_limits("tekun", 1000)) for pk in ids[:500])
    assert not any(recheck_drawn(Case(pk=pk), recheck_limits("dibao", None)) for pk in ids[:500])


@pytest.mark.parametrize("share", [0, 1000])
def test_a_drawn_tekun_case_needs_the_county_visit(staffing: Staffing, tree: Tree, share: int) -> None:
    district_parameter(tree.district, "cases.tekun.recheck_share_permille", share, unit="permille")
    case = tekun_intake(staffing.caseworker, tekun_applicant(tree), date(2026, 9, 17))
    case = investigated(staffing.caseworker, case, date(2026, 9, 18))
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    case = act(staffing.reviewer, case, "notice_end", date(2026, 10, 19))
    assert Transition.objects.get(case=case, action="notice_end").detail["recheck_drawn"] is (share == 1000)
    assert case.district_visit_required is (share == 1000)
    if share:
        with pytest.raises(Conflict) as refused:
            act(staffing.approver, case, "approve", date(2026, 10, 20))
        assert refused.value.code == "case.district_visit_missing"
        visit(staffing.approver, case, date(2026, 10, 20), by_district=True)
    assert act(staffing.approver, case, "approve", date(2026, 10, 21)).state == CaseState.APPROVED


def test_validation_reports_what_intake_would_refuse_without_writing(
    staffing: Staffing, poor_family: Household, tree: Tree
) -> None:
    outsider = tekun_applicant(tree).members.get().person_id
    data = IntakeInput(
        channel="assistant", received_on=RECEIVED, household_id=poor_family.pk, applicant_id=outsider,
        programmes=[ProgrammeRequest("dibao"), ProgrammeRequest("dibao"), ProgrammeRequest("tekun"),
                    ProgrammeRequest("temporary_aid"), ProgrammeRequest("low_income")],
        related_party=True,
        declared=[Declared("income", "wage", -1), Declared("expense", "medical", 12000),
                  Declared("income", "lottery", 500, person_id=outsider)],
    )  # fmt: skip
    expected = [
        ("proxy_name", "intake.proxy"),
        ("applicant_id", "intake.applicant"),
        ("related_party_note", "intake.related_party"),
        ("programmes[2].person_id", "intake.person"),
        ("programmes[3].aid_kind", "intake.aid_kind"),
        ("programmes[4].programme", "intake.programme"),
        ("programmes", "intake.duplicate"),
        ("declared[0].amount_fen", "declared.amount"),
        ("declared[1].incurred_on", "declared.incurred_on"),
        ("declared[2].kind", "declared.kind"),
        ("declared[2].person_id", "declared.person"),
    ]
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert [(e.path, e.code) for e in intake_validate(actor=staffing.assistant, data=data)] == expected
    assert (Intake.objects.count(), Case.objects.count()) == (0, 0)
    # Only the read of the household is recorded (as for any household page), nothing of an intake.
    assert list(AuditEvent.objects.filter(id__gt=last_event).values_list("action", flat=True)) == []
    with pytest.raises(InvalidInput) as refused:
        intake_create(actor=staffing.assistant, data=data)
    assert [(e.path, e.code) for e in refused.value.extra["errors"]] == expected
    with pytest.raises(AccessDenied):
        intake_validate(actor=staffing.reviewer, data=data)


def test_new_household_errors_match_validation(staffing: Staffing, tree: Tree) -> None:
    person = PersonInput(make_id_number("500103", date(1985, 6, 7), 41), "冯建国", tree.village.code)
    new = NewHousehold("", tree.village.code, "金汤街8号", "urban", [NewMember("02", person=person)])
    data = IntakeInput(channel="assistant", received_on=RECEIVED, programmes=[ProgrammeRequest("dibao")],
                       new_household=new)  # fmt: skip
    expected = [("new_household.number", "household.number"), ("proxy_name", "intake.proxy")]
    assert [(e.path, e.code) for e in intake_validate(actor=staffing.caseworker, data=data)] == expected
    with pytest.raises(InvalidInput) as refused:
        intake_create(actor=staffing.caseworker, data=data)
    assert [(e.path, e.code) for e in refused.value.extra["errors"]] == expected


def test_transitions_are_append_only(staffing: Staffing, poor_family: Household) -> None:
    case = dibao_intake(staffing.assistant, poor_family, RECEIVED)
    transition = Transition.objects.get(case=act(staffing.caseworker, case, "accept", RECEIVED))
    transition.reason = "改写历史"
    with pytest.raises(PermissionError):
        transition.save()
    with pytest.raises(PermissionError):
        Transition.objects.filter(pk=transition.pk).update(reason="改写历史")
    with pytest.raises(PermissionError):
        transition.delete()
    assert Transition.objects.get(pk=transition.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_raw_sql_cannot_rewrite_the_timeline_on_postgresql(staffing: Staffing, poor_family: Household) -> None:
    case = act(staffing.caseworker, dibao_intake(staffing.assistant, poor_family, RECEIVED), "accept", RECEIVED)
    pk = Transition.objects.get(case=case).pk
    for statement in (
        "UPDATE cases_transition SET reason = 'x' WHERE id = %s",
        "DELETE FROM cases_transition WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [pk])
    assert Transition.objects.filter(pk=pk, reason="").exists()
