"""Case-workflow endpoints of the permission matrix (/api/v1); merged into tests/test_permission_matrix.py.

A call that needs a case in some state builds it first, through the services, with staff of the case's own
region ("m-…" accounts, created once per test): the same world serves the own and the other district.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from minzheng.cases.intake import IntakeInput, ProgrammeRequest, intake_create
from minzheng.cases.models import Case, CaseState, Decision, DecisionOutcome, Department, DepartmentOfficer
from minzheng.cases.referrals import referral_send
from minzheng.core.access.actor import actor_for_user
from minzheng.core.access.models import Role, Staff
from minzheng.core.parameters.services import parameter_files, parameters_load
from minzheng.payments.models import Enrolment
from minzheng.payments.services import EnrolmentStart, enrolment_start
from tests.cases.conftest import PDF, Staffing, act, dibao_intake
from tests.conftest import make_staff
from tests.matrix_support import Endpoint, World, _district, _household, _village

Call = Callable[[Client, World, bool], Any]
API = "/api/v1"


def _parameters(world: World, *, apps: tuple[str, ...] = ("cases", "payments")) -> None:
    """Load the parameters of `apps` (time limits, caps) once per test, as loading costs even when done.
    Without the holiday table deadlines fall back to weekdays (provisional), which is all the matrix needs."""
    loaded: set[str] = vars(world).setdefault("_matrix_parameters", set())
    missing = [app for app in apps if app not in loaded]
    if missing:
        parameters_load(paths=[path for path in parameter_files() if path.parent.parent.name in missing])
        loaded.update(missing)


def _staffing(world: World, own: bool) -> Staffing:
    """Staff of the own or the other district who prepare the records a call needs."""
    prepared: dict[bool, Staffing] = vars(world).setdefault("_matrix_staffing", {})
    if own in prepared:
        return prepared[own]
    tree = world.tree
    village, township, district = (
        (tree.village, tree.township, tree.district)
        if own
        else (tree.other_village, tree.other_township, tree.other_district)
    )

    def actor(role: str, region: Any) -> Any:
        username = f"m-{role}-{region.code}"
        user = User.objects.filter(username=username).first() or make_staff(username, region, role)
        return actor_for_user(user)

    prepared[own] = Staffing(
        assistant=actor(Role.VILLAGE_ASSISTANT, village),
        caseworker=actor(Role.TOWNSHIP_CASEWORKER, township),
        reviewer=actor(Role.TOWNSHIP_REVIEWER, township),
        approver=actor(Role.DISTRICT_APPROVER, district),
    )
    return prepared[own]


def _submitted(world: World, own: bool) -> Case:
    return dibao_intake(_staffing(world, own).assistant, _household(world, own), date(2026, 9, 22))


def _ready(world: World, own: bool) -> Case:
    """A submitted case, with the parameters that accepting it or referring from it needs."""
    _parameters(world)
    return _submitted(world, own)


def _accepted(world: World, own: bool) -> Case:
    case = _ready(world, own)
    return act(_staffing(world, own).caseworker, case, "accept", date(2026, 9, 23))


def _investigating(world: World, own: bool) -> Case:
    case = _accepted(world, own)
    return act(_staffing(world, own).caseworker, case, "investigate", date(2026, 9, 23))


def _decided(world: World, own: bool) -> Case:
    """An approved case and its enrolment. The rows are written directly: the way there is covered by
    tests/cases/test_lifecycle.py, and through the services it would cost seconds per call of this matrix."""
    staff = _staffing(world, own)
    case = _ready(world, own)
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.APPROVED, accepted_on=date(2026, 9, 23), closed_on=date(2026, 10, 20)
    )
    decision = Decision.objects.create(
        case=case, outcome=DecisionOutcome.APPROVED, decided_on=date(2026, 10, 20), amount_fen=60000,
        start_month=date(2026, 10, 1), document_number=f"M-{case.pk}", decided_by_id=staff.approver.user_id,
    )  # fmt: skip
    start = EnrolmentStart(
        programme=case.programme, household_id=case.household_id, person_id=None, region=case.region, urban=True,
        case_id=case.pk, decision_id=decision.pk, amount_fen=decision.amount_fen, start_month=date(2026, 10, 1),
        decided_on=decision.decided_on,
    )  # fmt: skip
    enrolment_start(actor=staff.approver, start=start)
    return case


def _emergency(world: World, own: bool) -> Case:
    _parameters(world, apps=("assistance",))  # the cap of the advance
    intake = intake_create(
        actor=_staffing(world, own).caseworker,
        data=IntakeInput(
            channel="window", received_on=date(2026, 11, 2), household_id=_household(world, own).pk,
            programmes=[ProgrammeRequest("temporary_aid", aid_kind="emergency")],
        ),
    )  # fmt: skip
    return intake.cases.get()


def _enrolment(world: World, own: bool) -> Enrolment:
    _parameters(world, apps=("assistance", "cases", "payments"))  # 渐退 months
    return Enrolment.objects.get(case=_decided(world, own))


def _referral(world: World, own: bool) -> int:
    """A referral to the medical-insurance department, whose department officers are all linked to it."""
    case = _ready(world, own)
    department = Department.objects.get(code="medical_insurance")
    for staff in Staff.objects.filter(roles__role=Role.DEPARTMENT_OFFICER, department_link__isnull=True):
        DepartmentOfficer.objects.create(staff=staff, department=department)
    referral = referral_send(actor=_staffing(world, own).caseworker, intake_id=case.intake_id,
                             department_code=department.code, matter="住院费用", sent_on=date(2026, 11, 2))  # fmt: skip
    return referral.pk


def _get(url: Callable[[World, bool], str]) -> Call:
    return lambda client, world, own: client.get(f"{API}{url(world, own)}")


def _post(url: Callable[[World, bool], str], body: Callable[[World, bool], dict[str, Any]] | dict[str, Any]) -> Call:
    def call(client: Client, world: World, own: bool) -> Any:
        target = url(world, own)  # builds the records first, so that the body may name them
        data = body(world, own) if callable(body) else body
        return client.post(f"{API}{target}", json.dumps(data), content_type="application/json")

    return call


def _upload(client: Client, world: World, own: bool) -> Any:
    file = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    url = f"{API}/applications/{_submitted(world, own).pk}/attachments"
    return client.post(url, {"material": "expense_proof", "file": file})


def _assignee(world: World, own: bool) -> dict[str, int]:
    return {"assignee_id": _staffing(world, own).caseworker.user_id}


def _bulk(world: World, own: bool) -> dict[str, Any]:
    return {"case_ids": [_ready(world, own).pk], "action": "accept", "on": "2026-09-23"}


def _intake(world: World, own: bool) -> dict[str, Any]:
    return {"channel": "window", "received_on": "2026-11-02", "household_id": _household(world, own).pk,
            "programmes": [{"programme": "dibao"}]}  # fmt: skip


def _attachment(world: World, own: bool) -> str:
    attachment = _submitted(world, own).intake.attachments.first()
    assert attachment is not None
    return f"/attachments/{attachment.pk}"


def _chain(world: World, own: bool) -> str:
    return f"/households/{_household(world, own).pk}/assistance-chain"


MATRIX_API: dict[str, Endpoint] = {
    "application_list": Endpoint("case.view", _get(lambda w, own: f"/applications?region={_district(w, own)}")),
    "application_create": Endpoint("case.intake", _post(lambda w, own: "/applications", _intake), success=201),
    "application_get": Endpoint("case.view", _get(lambda w, own: f"/applications/{_submitted(w, own).pk}")),
    "application_transition": Endpoint(
        "case.accept",
        _post(
            lambda w, own: f"/applications/{_ready(w, own).pk}/transitions",
            {"action": "accept", "on": "2026-09-23"},
        ),
    ),
    # Each case is checked on its own: the other district's case is reported as not found, with a 200.
    "application_bulk_transition": Endpoint(
        "case.accept", _post(lambda w, own: "/applications/bulk-transitions", _bulk), other_region=200
    ),
    "application_home_visit": Endpoint(
        "case.accept",
        _post(
            lambda w, own: f"/applications/{_accepted(w, own).pk}/home-visits",
            {"visited_on": "2026-09-24", "investigators": ["甲", "乙"], "findings": "家中无劳动收入。"},
        ),
        success=201,
    ),
    "application_economic_check": Endpoint(
        "case.accept",
        _post(
            lambda w, own: f"/applications/{_investigating(w, own).pk}/economic-check",
            {"completed_on": "2026-09-28", "result": "consistent"},
        ),
    ),
    "application_extend": Endpoint(
        "case.manage",
        _post(lambda w, own: f"/applications/{_accepted(w, own).pk}/extension", {"reason": "需补充调查"}),
    ),
    "application_assign": Endpoint(
        "case.manage", _post(lambda w, own: f"/applications/{_submitted(w, own).pk}/assignee", _assignee)
    ),
    "application_advance_aid": Endpoint(
        "case.accept",
        _post(
            lambda w, own: f"/applications/{_emergency(w, own).pk}/advance-aid",
            {"amount_fen": 50000, "paid_on": "2026-11-02", "reason": "火灾"},
        ),
    ),
    "application_notified": Endpoint(
        "case.accept",
        _post(lambda w, own: f"/applications/{_decided(w, own).pk}/notified", {"notified_on": "2026-10-21"}),
    ),
    "application_attachment_upload": Endpoint("case.intake", _upload, success=201),
    "attachment_get": Endpoint("case.view", _get(_attachment)),
    "application_document": Endpoint(
        "case.view", _get(lambda w, own: f"/applications/{_submitted(w, own).pk}/documents/completeness_notice")
    ),
    "public_notice_list": Endpoint("case.view", _get(lambda w, own: f"/public-notices?region={_village(w, own)}")),
    "referral_list": Endpoint("referral.view", _get(lambda w, own: f"/referrals?region={_district(w, own)}")),
    "referral_get": Endpoint("referral.view", _get(lambda w, own: f"/referrals/{_referral(w, own)}")),
    "referral_send": Endpoint(
        "referral.send",
        _post(
            lambda w, own: f"/applications/{_ready(w, own).pk}/referrals",
            {"department_code": "education", "matter": "助学", "sent_on": "2026-11-02"},
        ),
        success=201,
    ),
    "referral_feedback": Endpoint(
        "referral.feedback",
        _post(
            lambda w, own: f"/referrals/{_referral(w, own)}/feedback",
            {"status": "accepted", "feedback": "", "feedback_on": "2026-11-03"},
        ),
    ),
    "household_assistance_chain": Endpoint("case.view", _get(_chain)),
    "enrolment_review": Endpoint(
        "enrolment.manage",
        _post(lambda w, own: f"/enrolments/{_enrolment(w, own).pk}/reviews", {"reviewed_on": "2026-11-20"}),
    ),
    "enrolment_phase_out": Endpoint(
        "enrolment.manage",
        _post(
            lambda w, own: f"/enrolments/{_enrolment(w, own).pk}/phase-out",
            {"on": "2026-11-20", "months": 3, "reason": "家庭成员就业"},
        ),
    ),
    "enrolment_suspend": Endpoint(
        "enrolment.manage",
        _post(
            lambda w, own: f"/enrolments/{_enrolment(w, own).pk}/suspension",
            {"on": "2026-11-20", "reason": "复核期间不配合"},
        ),
    ),
    "enrolment_stop": Endpoint(
        "enrolment.stop",
        _post(
            lambda w, own: f"/enrolments/{_enrolment(w, own).pk}/stop",
            {"on": "2026-11-20", "last_month": "2026-11-01", "reason": "不再符合条件"},
        ),
    ),
}
