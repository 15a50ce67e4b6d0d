"""Referrals to other departments (转办) and residents' online applications."""

from __future__ import annotations

from datetime import date

import pytest

from minzheng.cases.intake import IntakeInput, ProgrammeRequest, ReferralRequest, intake_create, intake_create_online
from minzheng.cases.models import Channel, Department, DepartmentOfficer, Intake, Referral, ReferralStatus
from minzheng.cases.referrals import (
    FeedbackInput,
    referral_feedback,
    referral_get,
    referral_send,
    referrals_escalate,
    referrals_visible,
)
from minzheng.core.access.actor import Actor, actor_for_user
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from minzheng.core.regions.models import Region
from minzheng.registry.models import Household
from tests.cases.conftest import Staffing, dibao_intake
from tests.cases.fixtures_services import (
    audit_events,
    oracle_due,
    private_files,  # noqa: F401  (autouse: uploads go to tmp_path)
)
from tests.conftest import Tree, make_staff

pytestmark = pytest.mark.django_db


def officer(username: str, region: Region, department_code: str | None) -> Actor:
    user = make_staff(username, region, Role.DEPARTMENT_OFFICER)
    if department_code is not None:
        DepartmentOfficer.objects.create(staff=user.staff, department=Department.objects.get(code=department_code))
    return actor_for_user(user)


def needs_intake(actor: Actor, household: Household, received_on: date, **kwargs: object) -> Intake:
    data = IntakeInput(channel="window", received_on=received_on, household_id=household.pk, programmes=[],
                       other_needs="孩子上学学费困难；长期服药", **kwargs)  # type: ignore[arg-type]  # fmt: skip
    return intake_create(actor=actor, data=data)


@pytest.mark.parametrize(
    ("sent_on", "due_on"),
    [
        # Thu 12 Feb 2026: 13, 14 (Sat) Feb, then 24–27, 28 (Sat) Feb, 2–4 Mar.
        (date(2026, 2, 12), date(2026, 3, 4)),
        # Fri 26 Sep 2025: 28 (Sun), 29, 30 Sep, then 9, 10, 11 (Sat), 13–16 Oct.
        (date(2025, 9, 26), date(2025, 10, 16)),
    ],
)
def test_referral_is_due_ten_working_days_later(
    staffing: Staffing, poor_family: Household, sent_on: date, due_on: date
) -> None:
    intake = needs_intake(staffing.caseworker, poor_family, sent_on)
    referral = referral_send(actor=staffing.caseworker, intake_id=intake.pk, department_code="education",
                             matter="子女就读初中，申请教育资助", sent_on=sent_on)  # fmt: skip
    assert (referral.due_on, referral.due_provisional) == (oracle_due(sent_on, 10), False)
    assert referral.due_on == due_on
    assert (referral.status, referral.region_id) == (ReferralStatus.SENT, poor_family.region_id)
    [event] = audit_events("referral.send", referral)
    assert event.detail == {"department": "education", "due_on": due_on.isoformat()}


def test_intake_refers_needs_and_checks_the_referral(staffing: Staffing, poor_family: Household) -> None:
    intake = needs_intake(
        staffing.assistant, poor_family, date(2026, 11, 2),
        referrals=[ReferralRequest("medical_insurance", "慢性病门诊报销"), ReferralRequest("education", "学费减免")],
    )  # fmt: skip
    sent = intake.referrals.order_by("id")
    assert [(r.department.code, r.sent_on, r.sent_by_id) for r in sent] == [
        ("medical_insurance", date(2026, 11, 2), staffing.assistant.user_id),
        ("education", date(2026, 11, 2), staffing.assistant.user_id),
    ]
    other = dibao_intake(staffing.assistant, poor_family, date(2026, 11, 2))
    for department, matter, case_id, code in [
        ("police", "户籍迁移", None, "referral.department"),
        ("education", "  ", None, "referral.matter"),
        ("education", "学费减免", other.pk, "referral.case"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            referral_send(actor=staffing.caseworker, intake_id=intake.pk, department_code=department, matter=matter,
                          sent_on=date(2026, 11, 3), case_id=case_id)  # fmt: skip
        assert refused.value.code == code
    with pytest.raises(AccessDenied):
        referral_send(actor=staffing.approver, intake_id=intake.pk, department_code="education", matter="学费减免",
                      sent_on=date(2026, 11, 3))  # fmt: skip


def test_department_officer_sees_and_answers_only_its_own_referrals(
    staffing: Staffing, tree: Tree, poor_family: Household
) -> None:
    intake = needs_intake(
        staffing.caseworker, poor_family, date(2026, 10, 12),
        referrals=[ReferralRequest("education", "学费减免"), ReferralRequest("health", "家庭医生签约")],
    )  # fmt: skip
    education, health = intake.referrals.order_by("id")
    teacher = officer("education-officer", tree.district, "education")
    assert list(referrals_visible(actor=teacher)) == [education]
    assert set(referrals_visible(actor=staffing.caseworker)) == {education, health}
    assert not referrals_visible(actor=officer("education-elsewhere", tree.other_district, "education")).exists()
    assert not referrals_visible(actor=officer("unlinked-officer", tree.district, None)).exists()
    with pytest.raises(NotFound):
        referral_get(actor=teacher, referral_id=health.pk)
    with pytest.raises(NotFound):
        referral_feedback(actor=teacher, referral_id=health.pk,
                          data=FeedbackInput("accepted", "", date(2026, 10, 13)))  # fmt: skip
    with pytest.raises(AccessDenied):
        referral_feedback(actor=staffing.caseworker, referral_id=education.pk,
                          data=FeedbackInput("accepted", "", date(2026, 10, 13)))  # fmt: skip

    def answer(status: str, text: str, on: date) -> Referral:
        return referral_feedback(actor=teacher, referral_id=education.pk, data=FeedbackInput(status, text, on))

    with pytest.raises(InvalidInput) as early:
        answer("accepted", "", date(2026, 10, 9))
    assert early.value.code == "referral.feedback_on"
    with pytest.raises(InvalidInput) as unexplained:
        answer("helped", " ", date(2026, 10, 13))
    assert unexplained.value.code == "referral.feedback"
    assert answer("accepted", "", date(2026, 10, 13)).status == ReferralStatus.ACCEPTED
    helped = answer("helped", "减免学费1200元", date(2026, 10, 20))
    assert (helped.status, helped.feedback, helped.feedback_on, helped.feedback_by_id) == (
        "helped", "减免学费1200元", date(2026, 10, 20), teacher.user_id,
    )  # fmt: skip
    with pytest.raises(Conflict) as closed:
        answer("declined", "重复申请", date(2026, 10, 21))
    assert (closed.value.code, closed.value.extra) == ("referral.closed", {"status": "helped"})


def test_overdue_referrals_are_escalated_once(staffing: Staffing, tree: Tree, poor_family: Household) -> None:
    intake = needs_intake(
        staffing.caseworker, poor_family, date(2026, 10, 30),
        referrals=[ReferralRequest("education", "学费减免"), ReferralRequest("health", "家庭医生签约")],
    )  # fmt: skip
    late, answered = intake.referrals.order_by("id")
    later = referral_send(actor=staffing.caseworker, intake_id=intake.pk, department_code="housing",
                          matter="危房改造", sent_on=date(2026, 11, 2))  # fmt: skip
    assert (late.due_on, answered.due_on, later.due_on) == (date(2026, 11, 13), date(2026, 11, 13), date(2026, 11, 16))
    referral_feedback(actor=officer("health-officer", tree.district, "health"), referral_id=answered.pk,
                      data=FeedbackInput("declined", "不属于本部门职责", date(2026, 11, 2)))  # fmt: skip
    assert referrals_escalate(on=date(2026, 11, 16)) == 1  # due 13 Nov and unanswered; the third is due today
    assert Referral.objects.get(pk=late.pk).escalated_on == date(2026, 11, 16)
    assert referrals_escalate(on=date(2026, 11, 16)) == 0
    assert referrals_escalate(on=date(2026, 11, 17)) == 1  # now the third one, and the first not again
    assert dict(Referral.objects.values_list("pk", "escalated_on")) == {
        late.pk: date(2026, 11, 16), answered.pk: None, later.pk: date(2026, 11, 17),
    }  # fmt: skip
    escalations = AuditEvent.objects.filter(action="referral.escalate").order_by("id")
    assert [event.detail for event in escalations] == [
        {"on": "2026-11-16", "count": 1},
        {"on": "2026-11-17", "count": 1},
    ]


def test_resident_applies_online_with_the_registered_phone(
    staffing: Staffing, poor_family: Household, stranger: Household
) -> None:
    spouse = poor_family.members.get(person__phone="13900001111").person
    data = IntakeInput(
        channel="window", received_on=date(2026, 11, 20), household_id=stranger.pk,
        programmes=[ProgrammeRequest("dibao")], other_needs="孩子学费困难",
        referrals=[ReferralRequest("education", "学费减免")],
    )  # fmt: skip
    for phone in ("13900002222", ""):
        with pytest.raises(NotFound) as unknown:
            intake_create_online(person_id=spouse.pk, phone=phone, data=data)
        assert unknown.value.code == "intake.resident"
    intake = intake_create_online(person_id=spouse.pk, phone="13900001111", data=data)
    assert (intake.channel, intake.household_id, intake.applicant_id, intake.created_by_id) == (
        Channel.ONLINE, poor_family.pk, spouse.pk, None,
    )  # fmt: skip
    assert (intake.contact_phone, intake.other_needs) == ("13900001111", "孩子学费困难")
    assert [(c.programme, c.state) for c in intake.cases.all()] == [("dibao", "submitted")]
    assert not Referral.objects.exists()  # the township refers what the resident wrote in other_needs
    [event] = audit_events("intake.create_online", intake)
    assert (event.user_id, event.detail["phone"]) == (None, "139****1111")
