"""The case-workflow API over HTTP: a 低保 case from intake to approval, objections, refusals with their body,
bulk actions, file uploads, referrals seen by a department, and region scope."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minzheng.cases import casework
from minzheng.cases.models import Case, Department, DepartmentOfficer, Referral
from minzheng.core.access.actor import Actor, actor_for_user
from minzheng.core.access.services import api_token_issue
from minzheng.core.audit.models import AuditEvent
from minzheng.payments.models import Enrolment
from minzheng.registry.models import Household
from tests.cases.conftest import PDF, PNG, Staffing, act, dibao_intake, investigate
from tests.conftest import Tree, make_household, make_id_number, make_person, make_staff

API = "/api/v1"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


def session(actor: Actor) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=actor.user_id))
    return client


def bearer(actor: Actor) -> Client:
    _token, clear = api_token_issue(username=actor.username, name="test")
    return Client(headers={"Authorization": f"Bearer {clear}"})


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{url}", body, content_type="application/json")


def transition(client: Client, case_id: int, action: str, on: str, **body: Any) -> Any:
    return post(client, f"/applications/{case_id}/transitions", {"action": action, "on": on, **body})


def upload(client: Client, case_id: int, material: str, content: bytes = PDF, name: str = "scan.pdf") -> Any:
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(f"{API}/applications/{case_id}/attachments", {"material": material, "file": file})


def intake_body(household: Household, **overrides: Any) -> dict[str, Any]:
    head = household.members.get(is_head=True).person_id
    body = {
        "channel": "window",
        "received_on": "2026-09-22",
        "household_id": household.pk,
        "programmes": [{"programme": "dibao"}],
        "authorisation_signed_on": "2026-09-22",
        "declared": [{"category": "income", "kind": "wage", "amount_fen": 50000, "person_id": head}],
    }
    return body | overrides


def neighbour(tree: Tree, number: int) -> Household:
    """Another one-person household in the own village (a household has one open 低保 application at a time)."""
    person = make_person(tree.village, name=f"邻居{number}", born=date(1970, 1, number), sequence=100 + number)
    return make_household(tree.village, f"H500103001001-{number:05d}", person)


def staff(username: str, region: Any, role: str) -> Actor:
    return actor_for_user(make_staff(username, region, role))


@pytest.mark.django_db
def test_dibao_lifecycle_over_http(staffing: Staffing, poor_family: Household, tree: Tree) -> None:
    assistant, caseworker, reviewer = (
        session(staffing.assistant),
        session(staffing.caseworker),
        session(staffing.reviewer),
    )
    second_approver = staff("approver-2", tree.district, "district_approver")

    created = post(assistant, "/applications", intake_body(poor_family))
    assert created.status_code == 201, created.content
    row = created.json()["cases"][0]
    case_id = row["id"]
    assert (row["state"], row["applicant_name"]) == ("submitted", "陈*明")

    incomplete = transition(caseworker, case_id, "accept", "2026-09-23")
    assert incomplete.status_code == 422
    assert incomplete.json()["code"] == "case.incomplete"
    paths = {error["path"] for error in incomplete.json()["errors"]}
    assert paths == {"materials.application_form", "materials.authorisation", "materials.income_proof"}
    detail = caseworker.get(f"{API}/applications/{case_id}").json()
    assert [m["code"] for m in detail["missing"]] == ["application_form", "authorisation", "income_proof"]
    assert detail["applicant"]["id_number"].count("*") == 8

    for material in ("application_form", "authorisation", "income_proof"):
        assert upload(assistant, case_id, material).status_code == 201
    accepted = transition(caseworker, case_id, "accept", "2026-09-23")
    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["state"], accepted.json()["missing"]) == ("accepted", [])
    investigating = transition(caseworker, case_id, "investigate", "2026-09-23").json()
    assert investigating["state"] == "investigating"
    assert investigating["deadlines"]["due_on"] == "2026-11-11"
    assert investigating["deadlines"]["due_provisional"] is False
    assert [c["completed_on"] for c in investigating["checks"]] == [None]

    visit = {"visited_on": "2026-09-24", "investigators": ["王经办", "赵审批"], "findings": "两人部分丧失劳动能力。",
             "investigator_user_ids": [second_approver.user_id]}  # fmt: skip
    assert post(caseworker, f"/applications/{case_id}/home-visits", visit).status_code == 201
    check = {"completed_on": "2026-09-28", "result": "consistent"}
    assert post(caseworker, f"/applications/{case_id}/economic-check", check).json()["result"] == "consistent"

    on_notice = transition(reviewer, case_id, "review", "2026-10-09").json()
    assert on_notice["state"] == "on_notice"
    assert on_notice["amounts"]["assessed_eligible"] is True
    notice = on_notice["notices"][0]
    assert (notice["starts_on"], notice["ends_on"], notice["name_masked"]) == ("2026-10-10", "2026-10-16", "陈**")

    early = transition(reviewer, case_id, "notice_end", "2026-10-16")
    assert (early.status_code, early.json()["code"]) == (409, "notice.not_ended")
    assert transition(reviewer, case_id, "notice_end", "2026-10-17").json()["state"] == "district_review"

    maker = transition(session(second_approver), case_id, "approve", "2026-10-20")
    assert (maker.status_code, maker.json()["code"]) == (409, "case.maker_checker")

    approved = transition(bearer(staffing.approver), case_id, "approve", "2026-10-20")
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assessed = body["amounts"]["assessed_amount_fen"]
    assert (body["state"], body["amounts"]["decided_amount_fen"], body["allowed_actions"]) == ("approved", assessed, [])
    assert body["decision"]["start_month"] == "2026-10-01"
    assert [t["action"] for t in body["timeline"]] == ["accept", "investigate", "review", "notice_end", "approve"]
    assert Enrolment.objects.get(case_id=case_id).amount_fen == assessed

    letter = caseworker.get(f"{API}/applications/{case_id}/documents/decision")
    assert (letter.status_code, letter["Content-Type"]) == (200, "application/pdf")
    assert letter.content.startswith(b"%PDF")
    chain = caseworker.get(f"{API}/households/{poor_family.pk}/assistance-chain").json()
    assert chain["monthly_total_fen"] == assessed
    assert [e["state"] for e in chain["enrolments"]] == ["active"]


@pytest.mark.django_db
def test_intake_field_errors_come_all_at_once(staffing: Staffing, poor_family: Household) -> None:
    body = intake_body(
        poor_family,
        programmes=[{"programme": "tekun"}, {"programme": "dibao"}],
        declared=[
            {"category": "income", "kind": "wage", "amount_fen": 100},
            {"category": "income", "kind": "lottery", "amount_fen": 100},
        ],
    )
    response = post(session(staffing.caseworker), "/applications", body)
    assert response.status_code == 422
    assert {e["path"] for e in response.json()["errors"]} == {"programmes[0].person_id", "declared[1].kind"}
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_intake_registers_a_new_household(tree: Tree, staffing: Staffing) -> None:
    known = make_person(tree.village, name="周一", born=date(1960, 2, 3), sequence=81)
    new_id = make_id_number("500103", date(1962, 4, 5), 82)
    body = {
        "channel": "window",
        "received_on": "2026-11-02",
        "new_household": {
            "number": "H500103001001-00099",
            "region_code": tree.village.code,
            "address": "金汤街9号",
            "hukou_type": "urban",
            "members": [
                {"relation": "02", "person_id": known.pk},
                {
                    "relation": "10",
                    "person": {"id_number": new_id, "name": "吴二", "hukou_region_code": tree.village.code},
                },
            ],
        },
        "programmes": [{"programme": "dibao"}],
        "referrals": [{"department_code": "medical_insurance", "matter": "住院费用报销"}],
    }
    response = post(session(staffing.caseworker), "/applications", body)
    assert response.status_code == 201, response.content
    intake = response.json()
    household = Household.objects.get(pk=intake["household_id"])
    assert household.members.count() == 2
    assert [r["department"]["code"] for r in intake["referrals"]] == ["medical_insurance"]
    assert intake["cases"][0]["applicant_name"] == "周*"


@pytest.mark.django_db
def test_objection_reopens_the_investigation_and_hides_the_contact(staffing: Staffing, poor_family: Household) -> None:
    case = investigate(staffing, dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22)), date(2026, 9, 23))
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    objection = {"objector_name": "邻居甲", "objector_contact": "13700001234", "content": "家中有经营性收入。"}
    response = transition(
        session(staffing.caseworker), case.pk, "object", "2026-10-12", reason="实名异议", objection=objection
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "investigating"
    assert body["district_visit_required"] is True
    assert body["notices"][0]["objected"] is True
    assert body["notices"][0]["objections"][0]["objector_contact"] == "13700001234"
    seen_by_approver = session(staffing.approver).get(f"{API}/applications/{case.pk}").json()
    assert seen_by_approver["notices"][0]["objections"][0]["objector_contact"] is None
    assert all(
        "13700001234" not in json.dumps(detail) for detail in AuditEvent.objects.values_list("detail", flat=True)
    )


@pytest.mark.django_db
def test_illegal_transition_answers_state_and_allowed_actions(staffing: Staffing, poor_family: Household) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22))
    client = session(staffing.caseworker)
    assert transition(client, case.pk, "approve", "2026-09-23").status_code == 403  # never the caseworker's
    response = transition(client, case.pk, "investigate", "2026-09-23")
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["state"]) == ("case.invalid_transition", "submitted")
    assert body["allowed_actions"] == ["accept", "suspend", "withdraw", "terminate"]
    assert body["errors"][0]["code"] == "case.invalid_transition"


@pytest.mark.django_db
def test_bulk_transition_reports_each_failure(staffing: Staffing, poor_family: Household, tree: Tree) -> None:
    good = dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22))
    bad = dibao_intake(staffing.assistant, neighbour(tree, 1), date(2026, 9, 22))
    bad.intake.attachments.filter(material="income_proof").delete()
    body = {"case_ids": [good.pk, bad.pk, 999999], "action": "accept", "on": "2026-09-23"}
    response = post(session(staffing.caseworker), "/applications/bulk-transitions", body)
    assert response.status_code == 200
    result = response.json()
    assert result["done"] == [good.pk]
    assert [(f["case_id"], f["code"]) for f in result["failed"]] == [
        (bad.pk, "case.incomplete"), (999999, "case.not_found"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_uploads_are_checked_by_content_and_served_as_attachments(staffing: Staffing, poor_family: Household) -> None:
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22))
    client = session(staffing.assistant)
    spoofed = upload(client, case.pk, "income_proof", EXE, name="工资证明.pdf")
    assert spoofed.status_code == 422
    assert [(e["path"], e["code"]) for e in spoofed.json()["errors"]] == [("file", "attachment.type")]
    stored = upload(client, case.pk, "expense_proof", PNG, name="收据.png.pdf")
    assert stored.status_code == 201
    assert stored.json()["content_type"] == "image/png"
    download = session(staffing.reviewer).get(f"{API}/attachments/{stored.json()['id']}")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download.content == PNG


@pytest.mark.django_db
def test_department_officer_sees_and_answers_only_its_referrals(
    staffing: Staffing, poor_family: Household, tree: Tree
) -> None:
    medical = Department.objects.get(code="medical_insurance")  # departments are seeded by a migration
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22))
    sender = session(staffing.caseworker)
    for code in ("medical_insurance", "education"):
        body = {"department_code": code, "matter": "协助办理", "sent_on": "2026-11-02"}
        assert post(sender, f"/applications/{case.pk}/referrals", body).status_code == 201
    officer = make_staff("medical-officer", tree.district, "department_officer")
    DepartmentOfficer.objects.create(staff=officer.staff, department=medical)
    client = Client()
    client.force_login(officer)

    listed = client.get(f"{API}/referrals").json()["items"]
    assert [(r["department"]["code"], r["applicant_name"]) for r in listed] == [("medical_insurance", "陈*明")]
    answer = {"status": "helped", "feedback": "已纳入医疗救助。", "feedback_on": "2026-11-05"}
    answered = post(client, f"/referrals/{listed[0]['id']}/feedback", answer)
    assert (answered.status_code, answered.json()["status"]) == (200, "helped")
    education = Referral.objects.get(department__code="education")
    assert post(client, f"/referrals/{education.pk}/feedback", answer).status_code == 404
    assert client.get(f"{API}/applications/{case.pk}").status_code == 403
    assert len(sender.get(f"{API}/referrals?status=sent").json()["items"]) == 1


@pytest.mark.django_db
def test_the_other_district_does_not_exist(staffing: Staffing, tree: Tree, stranger: Household) -> None:
    theirs = staff("their-assistant", tree.other_village, "village_assistant")
    case = dibao_intake(theirs, stranger, date(2026, 9, 22))
    client = session(staffing.caseworker)
    assert client.get(f"{API}/applications/{case.pk}").status_code == 404
    assert transition(client, case.pk, "accept", "2026-09-23").json()["code"] == "case.not_found"
    assert upload(session(staffing.assistant), case.pk, "application_form").status_code == 404
    attachment = case.intake.attachments.first()
    assert attachment is not None
    assert client.get(f"{API}/attachments/{attachment.pk}").status_code == 404
    assert client.get(f"{API}/applications?region={tree.other_district.code}").status_code == 404
    assert client.get(f"{API}/applications").json()["items"] == []


@pytest.mark.django_db
def test_list_filters_masks_and_pages(staffing: Staffing, poor_family: Household, tree: Tree) -> None:
    households = [poor_family, neighbour(tree, 1), neighbour(tree, 2)]
    cases = [dibao_intake(staffing.assistant, household, date(2026, 9, 22)) for household in households]
    act(staffing.caseworker, cases[0], "accept", date(2026, 9, 23))
    client = session(staffing.reviewer)
    first = client.get(f"{API}/applications?limit=2").json()
    assert [row["id"] for row in first["items"]] == [cases[2].pk, cases[1].pk]
    rest = client.get(f"{API}/applications?limit=2&cursor={first['next_cursor']}").json()
    assert ([row["id"] for row in rest["items"]], rest["next_cursor"]) == ([cases[0].pk], None)
    accepted = client.get(f"{API}/applications?state=accepted&region={tree.township.code}").json()["items"]
    assert [(row["id"], row["applicant_name"]) for row in accepted] == [(cases[0].pk, "陈*明")]
    assert client.get(f"{API}/applications?urgency=later").status_code == 422


@pytest.mark.django_db
def test_public_notice_rows_name_no_one(staffing: Staffing, poor_family: Household, tree: Tree) -> None:
    case = investigate(staffing, dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22)), date(2026, 9, 23))
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    response = session(staffing.assistant).get(f"{API}/public-notices?region={tree.village.code}&on=2026-10-12")
    body = response.json()
    assert body["totals"]["count"] == 1
    row = body["items"][0]
    assert set(row) == {"region", "name_masked", "members", "amount_fen", "programme", "programme_label",
                        "starts_on", "ends_on"}  # fmt: skip
    assert (row["name_masked"], row["members"]) == ("陈**", 3)
    assert session(staffing.assistant).get(f"{API}/public-notices?region={tree.village.code}").json()["items"] == []


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(staffing: Staffing, poor_family: Household, tree: Tree) -> None:
    client = session(staffing.reviewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/applications").status_code == 200
        return len(captured.captured_queries)

    def assigned_case(household: Household) -> None:
        case = dibao_intake(staffing.assistant, household, date(2026, 9, 22))
        casework.case_assign(actor=staffing.reviewer, case_id=case.pk, assignee_id=staffing.caseworker.user_id)

    assigned_case(poor_family)
    queries()  # the first request also reads what stays cached (the holiday table)
    few = queries()
    for number in range(1, 5):
        assigned_case(neighbour(tree, number))
    assert queries() == few
