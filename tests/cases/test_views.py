"""The staff pages of the case workflow: the queue (filters, highlighting, bulk actions, query counts), the case
page (action forms, POST-redirect-GET, refusals shown on the page), downloads, referrals as a department sees
them, the intake form, the dashboard, the notice list and the household's assistance chain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from minzheng.cases.casework import case_assign
from minzheng.cases.intake import IntakeInput, ProgrammeRequest, intake_create
from minzheng.cases.models import Case, CaseState, Department, DepartmentOfficer, Referral, ReferralStatus
from minzheng.cases.referrals import referral_send
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role, Staff
from minzheng.core.audit.models import AuditEvent
from minzheng.registry.models import Household
from tests.cases.conftest import PDF, Staffing, act, dibao_intake
from tests.cases.fixtures_services import (
    audit_events,
    investigated,
    poor_household,
    staff_actor,
    to_district_review,
)
from tests.conftest import Tree

pytestmark = pytest.mark.django_db

RECEIVED, ACCEPTED, REVIEWED, ENDED = date(2026, 9, 22), date(2026, 9, 23), date(2026, 10, 9), date(2026, 10, 17)


def client_of(actor: Actor) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=actor.user_id))
    return client


def text(response: Any) -> str:
    return str(response.content.decode())


def bare_intake(actor: Actor, household: Household, received_on: date = RECEIVED) -> Case:
    """A submitted 低保 case without materials (intake needs none; acceptance does)."""
    data = IntakeInput(channel="window", received_on=received_on, household_id=household.pk,
                       programmes=[ProgrammeRequest("dibao")])  # fmt: skip
    return intake_create(actor=actor, data=data).cases.get()


def due(case: Case, due_on: date | None, step_due_on: date | None = None) -> None:
    """Put a case's deadlines where a test needs them (the services compute them from the holiday table)."""
    Case.objects.filter(pk=case.pk).update(due_on=due_on, step_due_on=step_due_on)


# ------------------------------------------------------------------------------------------------------ queue


def test_queue_filters_and_highlights_by_deadline(staffing: Staffing, tree: Tree) -> None:
    overdue = investigated(
        staffing.caseworker, dibao_intake(staffing.assistant, poor_household(tree, 1), RECEIVED), ACCEPTED
    )
    soon = bare_intake(staffing.assistant, poor_household(tree, 2))
    today = timezone.localdate()
    due(soon, today + timedelta(days=60), step_due_on=today + timedelta(days=1))  # within 3 working days
    calm = bare_intake(staffing.assistant, poor_household(tree, 3))
    closed = act(staffing.caseworker, bare_intake(staffing.assistant, poor_household(tree, 4)), "withdraw", ACCEPTED,
                 reason="申请人撤回")  # fmt: skip
    assert overdue.due_on is not None
    assert overdue.due_on < today
    client = client_of(staffing.caseworker)

    page = text(client.get("/cases/"))
    assert f'class="row--overdue" data-case="{overdue.pk}"' in page
    assert f'class="row--due-soon" data-case="{soon.pk}"' in page
    assert f'class="" data-case="{calm.pk}"' in page
    assert f'data-case="{closed.pk}"' not in page
    assert "陈**" not in page
    assert "周*明" in page

    def shown(**params: str) -> list[int]:
        return [row.case.pk for row in client.get("/cases/", params).context["rows"]]

    assert shown(urgency="overdue") == [overdue.pk]
    assert shown(urgency="due_soon") == [soon.pk]
    assert shown(state="submitted", order="received") == [soon.pk, calm.pk]
    assert closed.pk in shown(closed="1")
    assert closed.pk not in shown()
    assert shown(programme="tekun") == []
    assert [pk for pk in shown(order="-due") if pk in (soon.pk, overdue.pk)] == [soon.pk, overdue.pk]
    case_assign(actor=staffing.reviewer, case_id=calm.pk, assignee_id=staffing.caseworker.user_id)
    assert shown(mine="1") == [calm.pk]
    assert "没有符合条件的申请" in text(client.get("/cases/", {"programme": "tekun"}))
    partial = client.get("/cases/", {"urgency": "overdue"}, headers={"HX-Request": "true"})
    assert "<html" not in text(partial)
    assert "queue-table" in text(partial)


def test_bulk_approval_reports_each_case_that_could_not_be_done(staffing: Staffing, tree: Tree) -> None:
    ready = dibao_intake(staffing.assistant, poor_household(tree, 1), RECEIVED)
    to_district_review(staffing, ready, ACCEPTED, REVIEWED, ENDED)
    early = dibao_intake(staffing.assistant, poor_household(tree, 2), RECEIVED)
    approver = client_of(staffing.approver)
    assert "批量审批" in text(approver.get("/cases/"))
    assert "批量审批" not in text(client_of(staffing.caseworker).get("/cases/"))

    body = {
        "operation": "approve",
        "case_ids": [ready.pk, early.pk],
        "on": "2026-10-20",
        "back": "state=district_review",
    }
    response = approver.post("/cases/bulk/", body)
    assert response.status_code == 302
    assert response["Location"] == "/cases/?state=district_review"
    page = text(approver.get(response["Location"]))
    assert "批量审批：已办理 1 件，未办理 1 件" in page
    assert f"申请 {early.pk:06d} 未办理：申请当前为“待受理”，不能执行“批准”" in page
    assert dict(Case.objects.filter(pk__in=[ready.pk, early.pk]).values_list("pk", "state")) == {
        ready.pk: CaseState.APPROVED, early.pk: CaseState.SUBMITTED,
    }  # fmt: skip

    body = {"operation": "assign", "case_ids": [early.pk], "assignee": staffing.caseworker.user_id, "on": "2026-11-23"}
    page = text(client_of(staffing.reviewer).post("/cases/bulk/", body, follow=True))
    assert "分配给：已办理 1 件，未办理 0 件" in page
    assert client_of(staffing.caseworker).post("/cases/bulk/", body).status_code == 403


def test_queue_and_dashboard_need_the_same_queries_for_5_and_50_cases(
    staffing: Staffing, tree: Tree, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_of(staffing.reviewer)
    for count in (5, 50):
        while (index := Case.objects.count()) < count:  # one open 低保 application per household
            case = bare_intake(staffing.assistant, poor_household(tree, index))
            case_assign(actor=staffing.reviewer, case_id=case.pk, assignee_id=staffing.caseworker.user_id)
        # Session, user, actor (2), holiday table (3), assignable staff (2 for one caseworker), count, page, and the
        # session save (3): the same for any number of rows.
        with django_assert_max_num_queries(14, info=f"queue, {count} cases"):
            response = client.get("/cases/")
        assert len(response.context["rows"]) == count
        # Session, user, actor (2), holiday table, 6 aggregates, the session save (3).
        with django_assert_max_num_queries(14, info=f"dashboard, {count} cases"):
            assert client.get("/cases/dashboard/").status_code == 200


def test_dashboard_counts_and_charts_every_month(staffing: Staffing, tree: Tree) -> None:
    for index, received_on in enumerate((date(2026, 9, 1), date(2026, 9, 30), date(2026, 11, 2))):
        bare_intake(staffing.assistant, poor_household(tree, index), received_on)
    response = client_of(staffing.caseworker).get("/cases/dashboard/")
    assert response.context["chart"]["months"] == {"labels": ["2026-09", "2026-10", "2026-11"], "values": [2, 0, 1]}
    assert response.context["by_state"] == [("待受理", 3)]
    assert 'id="case-charts-data"' in text(response)


# -------------------------------------------------------------------------------------------------- case page


def test_an_action_form_posts_and_redirects_back_to_the_case(
    staffing: Staffing, poor_family: Household, actor_of: Callable[..., Actor]
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, RECEIVED)
    client = client_of(staffing.caseworker)
    page = text(client.get(f"/cases/{case.pk}/"))
    assert 'id="action-accept"' in page
    assert 'id="action-approve"' not in page
    response = client.post(f"/cases/{case.pk}/act/", {"action": "accept", "on": "2026-09-23"})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/#timeline"
    page = text(client.get(response["Location"]))
    assert "已办理：受理" in page
    assert 'id="action-investigate"' in page
    case.refresh_from_db()
    assert (case.state, case.accepted_on) == (CaseState.ACCEPTED, ACCEPTED)
    # A supervisor sees the same case without any form, and the timeline with who did what.
    page = text(client_of(actor_of(Role.SUPERVISOR)).get(f"/cases/{case.pk}/"))
    assert "您当前没有可办理的操作" in page
    assert "乡镇经办" in page


def test_refusals_are_shown_on_the_case_page(staffing: Staffing, poor_family: Household, tree: Tree) -> None:
    incomplete = bare_intake(staffing.assistant, poor_family)
    client = client_of(staffing.caseworker)
    response = client.post(f"/cases/{incomplete.pk}/act/", {"action": "accept", "on": "2026-09-23"})
    assert response.status_code == 422
    page = text(response)
    assert "申请材料不齐全，请一次性告知申请人补齐" in page
    for title in ("书面申请书", "家庭经济状况授权核对书", "收入情况说明"):
        assert f"<li>{title}</li>" in page  # every missing material, listed at once
    response = client.post(f"/cases/{incomplete.pk}/act/", {"action": "suspend", "on": "2026-09-23"})
    assert response.status_code == 422
    assert "请检查填写的内容" in text(response)

    started = dibao_intake(staffing.assistant, poor_household(tree, 1), RECEIVED)
    act(staffing.caseworker, started, "accept", ACCEPTED)
    act(staffing.caseworker, started, "investigate", ACCEPTED)
    response = client_of(staffing.reviewer).post(f"/cases/{started.pk}/act/", {"action": "review", "on": "2026-10-09"})
    assert response.status_code == 409
    assert "初审前须有不少于2名调查人员的入户调查记录" in text(response)
    response = client.post(f"/cases/{started.pk}/home-visits/",
                           {"visited_on": "2026-09-24", "method": "in_person", "investigators": "王经办",
                            "findings": "家中无劳动收入"})  # fmt: skip
    assert response.status_code == 422
    assert '<small class="field__error">入户调查须有不少于2名调查人员</small>' in text(response)  # at the field too
    assert client.post(f"/cases/{started.pk}/act/", {"action": "approve", "on": "2026-10-09"}).status_code == 403


def test_objector_contact_is_for_those_who_accept_or_review(staffing: Staffing, poor_family: Household) -> None:
    case = investigated(staffing.caseworker, dibao_intake(staffing.assistant, poor_family, RECEIVED), ACCEPTED)
    act(staffing.reviewer, case, "review", REVIEWED)
    body = {"action": "object", "on": "2026-10-12", "objector_name": "邻居甲", "objector_contact": "13600000001",
            "objection": "家中新购小轿车", "reason": "收到实名异议"}  # fmt: skip
    assert client_of(staffing.caseworker).post(f"/cases/{case.pk}/act/", body).status_code == 302
    assert "13600000001" in text(client_of(staffing.reviewer).get(f"/cases/{case.pk}/"))
    page = text(client_of(staffing.approver).get(f"/cases/{case.pk}/"))
    assert "家中新购小轿车" in page
    assert "13600000001" not in page


def test_materials_upload_and_download_with_access_and_audit(
    staffing: Staffing, poor_family: Household, tree: Tree
) -> None:
    case = bare_intake(staffing.assistant, poor_family)
    file = SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")
    response = client_of(staffing.assistant).post(
        f"/cases/intakes/{case.intake_id}/attachments/",
        {"case_id": case.pk, "material": "application_form", "file": file},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/#materials"
    attachment = case.intake.attachments.get()
    page = text(client_of(staffing.caseworker).get(f"/cases/{case.pk}/"))
    assert f"/cases/attachments/{attachment.pk}/" in page
    assert "家庭经济状况授权核对书" in page

    download = client_of(staffing.caseworker).get(f"/cases/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert len(audit_events("attachment.read", attachment)) == 1
    elsewhere = staff_actor("caseworker-elsewhere", tree.other_township, Role.TOWNSHIP_CASEWORKER)
    assert client_of(elsewhere).get(f"/cases/attachments/{attachment.pk}/").status_code == 404
    officer = staff_actor("officer", tree.district, Role.DEPARTMENT_OFFICER)
    assert client_of(officer).get(f"/cases/attachments/{attachment.pk}/").status_code == 403
    assert len(audit_events("attachment.read", attachment)) == 1


def test_documents_that_do_not_exist_yet_say_so(staffing: Staffing, poor_family: Household, tree: Tree) -> None:
    case = dibao_intake(staffing.assistant, poor_family, RECEIVED)
    client = client_of(staffing.caseworker)
    response = client.get(f"/cases/{case.pk}/documents/decision.pdf")
    assert response.status_code == 409
    assert "该申请尚未作出决定" in text(response)
    pdf = client.get(f"/cases/{case.pk}/documents/completeness_notice.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"/cases/{case.pk}/documents/unknown.pdf").status_code == 404
    assert "受理所需材料已齐全" in text(client.get(f"/cases/{case.pk}/completeness/"))
    incomplete = bare_intake(staffing.assistant, poor_household(tree, 1))
    page = text(client.get(f"/cases/{incomplete.pk}/completeness/"))
    assert "尚需补齐下列材料" in page
    assert "家庭经济状况授权核对书" in page


# -------------------------------------------------------------------------------------------------- referrals


def test_a_department_officer_sees_only_its_referrals_and_no_case(
    staffing: Staffing, poor_family: Household, tree: Tree
) -> None:
    case = dibao_intake(staffing.assistant, poor_family, RECEIVED)
    medical, education = (
        referral_send(actor=staffing.caseworker, intake_id=case.intake_id, department_code=code, matter=matter,
                      sent_on=date(2026, 11, 2), case_id=case.pk)
        for code, matter in (("medical_insurance", "住院费用自付部分较高"), ("education", "子女助学"))
    )  # fmt: skip
    officer = staff_actor("officer", tree.district, Role.DEPARTMENT_OFFICER)
    DepartmentOfficer.objects.create(staff=Staff.objects.get(user_id=officer.user_id),
                                     department=Department.objects.get(code="medical_insurance"))  # fmt: skip
    client = client_of(officer)
    listing = client.get("/cases/referrals/")
    assert [row.referral.pk for row in listing.context["rows"]] == [medical.pk]
    assert client.get(f"/cases/referrals/{education.pk}/").status_code == 404
    assert client.get(f"/cases/{case.pk}/").status_code == 403
    page = text(client.get(f"/cases/referrals/{medical.pk}/"))
    assert "住院费用自付部分较高" in page
    assert poor_family.number in page
    assert "陈*明" in page
    assert "陈大明" not in page
    assert "查看申请" not in page

    response = client.post(
        f"/cases/referrals/{medical.pk}/", {"status": "helped", "feedback": "", "feedback_on": "2026-11-05"}
    )
    assert response.status_code == 422
    assert "请说明救助内容或不予办理的理由" in text(response)
    response = client.post(f"/cases/referrals/{medical.pk}/",
                           {"status": "helped", "feedback": "已纳入医疗救助", "feedback_on": "2026-11-05"})  # fmt: skip
    assert response.status_code == 302
    assert Referral.objects.get(pk=medical.pk).status == ReferralStatus.HELPED
    township = client_of(staffing.caseworker)
    assert {row.referral.pk for row in township.get("/cases/referrals/").context["rows"]} == {medical.pk, education.pk}
    assert township.post(f"/cases/referrals/{education.pk}/", {"status": "accepted"}).status_code == 403


# ----------------------------------------------------------------------------------------------------- intake


def test_intake_form_registers_an_application_and_opens_its_case(staffing: Staffing, poor_family: Household) -> None:
    client = client_of(staffing.assistant)
    assert "为该户申请" in text(client.get("/cases/new/", {"q": "H500103001001-000"}, headers={"HX-Request": "true"}))
    page = text(client.get("/cases/new/", {"household": poor_family.pk}))
    assert "受理登记" in page
    assert "陈大明（户主）" in page
    row = text(client.get("/cases/new/row/", {"household": poor_family.pk, "declared_next": "3"}))
    assert 'name="declared-3-item"' in row
    assert 'value="4"' in row
    assert "hx-swap-oob" in row
    head = poor_family.members.get(is_head=True).person_id
    form = {
        "household": poor_family.pk, "channel": "assistant", "received_on": "2026-11-20", "programmes": ["dibao"],
        "proxy_name": "", "authorisation_signed_on": "2026-11-20",
        "declared-0-item": "income:wage", "declared-0-person": str(head), "declared-0-amount": "500.00",
        "declared-0-period_months": "1", "declared-1-item": "", "declared-1-amount": "",
        "declared-1-period_months": "1", "other_needs": "孩子上学费用困难", "refer_to": ["education"],
    }  # fmt: skip
    problems = text(client.post("/cases/new/validate/", form))
    assert "代办申请须填写代办人" in problems
    assert "<html" not in problems
    response = client.post(f"/cases/new/?household={poor_family.pk}", form)
    assert response.status_code == 422
    assert "代办申请须填写代办人" in text(response)
    assert Case.objects.count() == 0

    form |= {"proxy_name": "金汤街社区居委会", "proxy_authorised": "on"}
    assert "填写内容已通过检查" in text(client.post("/cases/new/validate/", form))
    response = client.post(f"/cases/new/?household={poor_family.pk}", form)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert (case.programme, case.intake.channel, case.intake.proxy_name) == ("dibao", "assistant", "金汤街社区居委会")
    assert case.intake.declared == [{"category": "income", "kind": "wage", "amount_fen": 50000, "person_id": head,
                                     "period_months": 1, "incurred_on": None}]  # fmt: skip
    assert list(case.intake.referrals.values_list("department__code", "matter")) == [("education", "孩子上学费用困难")]


def test_intake_form_asks_which_member_and_which_kind(staffing: Staffing, poor_family: Household) -> None:
    client = client_of(staffing.caseworker)
    form = {"household": poor_family.pk, "channel": "window", "received_on": "2026-11-20",
            "programmes": ["tekun", "temporary_aid"], "declared-0-item": "expense:medical",
            "declared-0-amount": "12x", "declared-0-period_months": "1"}  # fmt: skip
    response = client.post(f"/cases/new/?household={poor_family.pk}", form)
    assert response.status_code == 422
    assert "金额格式错误" in text(response)
    form["declared-0-amount"] = "1200"
    page = text(client.post(f"/cases/new/?household={poor_family.pk}", form))
    assert "特困人员救助供养</strong>：该项目须指明申请的家庭成员" in page
    assert "临时救助</strong>：请选择急难型或支出型" in page
    assert "第1项申报</strong>：支出须填写发生日期" in page
    assert client_of(staffing.reviewer).get("/cases/new/").status_code == 403


# ------------------------------------------------------------------------------------- notices, household chain


def test_notice_list_and_household_chain(staffing: Staffing, poor_family: Household, tree: Tree) -> None:
    case = investigated(staffing.caseworker, dibao_intake(staffing.assistant, poor_family, RECEIVED), ACCEPTED)
    act(staffing.reviewer, case, "review", REVIEWED)
    client = client_of(staffing.caseworker)
    page = text(client.get("/cases/notices/", {"region": tree.village.code, "on": "2026-10-12"}))
    assert "陈**" in page
    assert "金汤街社区" in page
    head = poor_family.members.get(is_head=True).person
    assert head.id_number not in page
    assert head.id_number[:6] + "*" not in page
    assert "测试路" not in page
    assert client.get("/cases/notices/", {"region": tree.other_village.code}).status_code == 404
    assert client.get("/cases/notices/", {"region": tree.district.code}).status_code == 404  # above the township
    pdf = client.get("/cases/notices/list.pdf", {"region": tree.village.code, "on": "2026-10-12"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")

    act(staffing.reviewer, case, "notice_end", ENDED)
    act(staffing.approver, case, "approve", date(2026, 10, 20))
    chain = text(client.get(f"/households/{poor_family.pk}/"))
    assert "一户一条救助链" in chain
    assert f"/cases/{case.pk}/" in chain
    assert "正常发放" in chain
    assert f"/cases/new/?household={poor_family.pk}" in chain
    assert AuditEvent.objects.filter(action="case.view").count() == 0  # the chain is not a case read
