"""Scanned materials (accepted by content, stored outside the web root, read only in scope and audited) and the
written documents of a case, read back out of the PDF."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from minzheng.cases.documents import case_document
from minzheng.cases.intake import IntakeInput, ProgrammeRequest, attachment_add, attachment_read, intake_create
from minzheng.cases.models import Attachment, Case, Decision
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from minzheng.registry.models import Household
from tests.cases.conftest import PDF, PNG, Staffing, act, dibao_intake
from tests.cases.fixtures_services import (
    EXE,
    JPEG,
    audit_events,
    pdf_text,
    private_files,  # noqa: F401  (autouse: uploads go to tmp_path)
    staff_actor,
    to_district_review,
    visit,
)
from tests.conftest import Tree

pytestmark = pytest.mark.django_db

RECEIVED = date(2026, 9, 1)


@pytest.fixture
def intake_id(staffing: Staffing, poor_family: Household) -> int:
    data = IntakeInput(channel="window", received_on=RECEIVED, household_id=poor_family.pk,
                       programmes=[ProgrammeRequest("dibao")])  # fmt: skip
    return intake_create(actor=staffing.caseworker, data=data).pk


@pytest.mark.parametrize(
    ("filename", "content", "mime", "stored_as"),
    [
        ("申请书.pdf", PDF, "application/pdf", "申请书.pdf"),
        ("收入证明.jpg", JPEG, "image/jpeg", "收入证明.jpg"),
        ("授权书.pdf", PNG, "image/png", "授权书.pdf"),  # a PNG named .pdf is a PNG
        ("../../etc/cron.d/job.pdf", PDF, "application/pdf", "job.pdf"),
    ],
)
def test_materials_are_judged_by_content_and_stored_privately(
    staffing: Staffing, intake_id: int, settings: Any, filename: str, content: bytes, mime: str, stored_as: str
) -> None:
    root = Path(settings.PRIVATE_FILES_DIR)
    attachment = attachment_add(actor=staffing.caseworker, intake_id=intake_id, material="authorisation",
                                filename=filename, content=content)  # fmt: skip
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[mime]
    assert (attachment.content_type, attachment.filename, attachment.size) == (mime, stored_as, len(content))
    assert attachment.storage_name.endswith(extension)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    [stored] = [path for path in root.rglob("*") if path.is_file()]
    assert stored == root / "attachments" / attachment.storage_name[:2] / attachment.storage_name
    assert stored.read_bytes() == content


@pytest.mark.parametrize(
    ("content", "material", "code"),
    [
        (EXE, "authorisation", "attachment.type"),  # a Windows program named x.pdf
        (b"GIF89a" + b"\x00" * 32, "authorisation", "attachment.type"),
        ("收入情况说明".encode(), "authorisation", "attachment.type"),
        (PDF, "household_register", "attachment.material"),
    ],
)
def test_other_files_are_refused(
    staffing: Staffing, intake_id: int, settings: Any, content: bytes, material: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        attachment_add(actor=staffing.caseworker, intake_id=intake_id, material=material, filename="x.pdf",
                       content=content)  # fmt: skip
    assert refused.value.code == code
    assert not Attachment.objects.exists()
    assert not any(path.is_file() for path in Path(settings.PRIVATE_FILES_DIR).rglob("*"))


def test_size_limit(staffing: Staffing, intake_id: int, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 2048
    exact = PDF + b"\x00" * (2048 - len(PDF))
    assert attachment_add(actor=staffing.caseworker, intake_id=intake_id, material="authorisation",
                          filename="ok.pdf", content=exact).size == 2048  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        attachment_add(actor=staffing.caseworker, intake_id=intake_id, material="authorisation",
                       filename="big.pdf", content=exact + b"\x00")  # fmt: skip
    assert refused.value.code == "attachment.too_large"


def test_materials_are_read_in_scope_only_and_every_read_is_audited(
    staffing: Staffing, tree: Tree, intake_id: int
) -> None:
    attachment = attachment_add(actor=staffing.caseworker, intake_id=intake_id, material="income_proof",
                                filename="收入.png", content=PNG)  # fmt: skip
    found, content = attachment_read(actor=staffing.approver, attachment_id=attachment.pk)
    assert (found.pk, content) == (attachment.pk, PNG)
    elsewhere = staff_actor("caseworker-elsewhere", tree.other_township, Role.TOWNSHIP_CASEWORKER)
    with pytest.raises(NotFound):
        attachment_read(actor=elsewhere, attachment_id=attachment.pk)
    with pytest.raises(NotFound):
        attachment_add(actor=elsewhere, intake_id=intake_id, material="income_proof", filename="x.png", content=PNG)
    with pytest.raises(AccessDenied):
        attachment_read(actor=staff_actor("admin", tree.city, Role.ADMINISTRATOR), attachment_id=attachment.pk)
    with pytest.raises(AccessDenied):
        attachment_add(actor=staffing.reviewer, intake_id=intake_id, material="income_proof", filename="x.png",
                       content=PNG)  # fmt: skip
    reads = audit_events("attachment.read", attachment)
    assert [(event.user_id, event.region_code) for event in reads] == [(staffing.approver.user_id, "500103001001")]


def yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def decided(staffing: Staffing, household: Household, action: str, **kwargs: object) -> Case:
    case = dibao_intake(staffing.assistant, household, RECEIVED)
    to_district_review(staffing, case, date(2026, 9, 2), date(2026, 9, 15), date(2026, 9, 23))
    return act(staffing.approver, case, action, date(2026, 9, 24), **kwargs)


def test_approval_letter_states_the_amount_and_the_first_month(staffing: Staffing, poor_family: Household) -> None:
    case = decided(staffing, poor_family, "approve")
    decision = Decision.objects.get(case=case)
    document = case_document(actor=staffing.caseworker, case_id=case.pk, kind="decision")
    assert document.filename == f"decision_approval-{case.pk}.pdf"
    assert document.content.startswith(b"%PDF")
    text = pdf_text(document.content)
    assert decision.amount_fen > 0
    for expected in (f"人民币{yuan(decision.amount_fen)}元", "起始月份2026年9月", "保障人数3人", "陈大明",
                     decision.document_number, "渝中区民政局"):  # fmt: skip
        assert expected in text
    [event] = audit_events("case.document", case)
    assert (event.user_id, event.detail) == (staffing.caseworker.user_id, {"kind": "decision_approval"})


def test_refusal_letter_gives_the_reasons_and_the_appeal_route(staffing: Staffing, poor_family: Household) -> None:
    reasons = "家庭月人均收入高于当地低保标准\n家庭成员名下有非营运小轿车一辆"
    case = decided(staffing, poor_family, "refuse", reason=reasons)
    text = pdf_text(case_document(actor=staffing.approver, case_id=case.pk, kind="decision").content)
    for expected in ("1.家庭月人均收入高于当地低保标准", "2.家庭成员名下有非营运小轿车一辆", "决定不予救助",
                     "向渝中区人民政府申请行政复议", "六个月内依法向人民法院提起行政诉讼"):  # fmt: skip
        assert expected in text
    assert "人民币" not in text


def test_completeness_notice_lists_what_is_missing(staffing: Staffing, intake_id: int) -> None:
    case = Case.objects.get(intake_id=intake_id)
    attachment_add(actor=staffing.caseworker, intake_id=intake_id, material="application_form", filename="a.pdf",
                   content=PDF)  # fmt: skip
    text = pdf_text(case_document(actor=staffing.caseworker, case_id=case.pk, kind="completeness_notice").content)
    for title in ("家庭经济状况授权核对书", "收入情况说明", "授权核对签署日期", "2026年9月1日"):
        assert title in text
    assert "书面申请书" not in text  # handed in already


def test_documents_that_do_not_exist_yet_are_conflicts(staffing: Staffing, tree: Tree, poor_family: Household) -> None:
    case = dibao_intake(staffing.assistant, poor_family, RECEIVED)
    for kind, code in (("decision", "document.no_decision"), ("investigation_record", "document.no_visit")):
        with pytest.raises(Conflict) as missing:
            case_document(actor=staffing.caseworker, case_id=case.pk, kind=kind)
        assert missing.value.code == code
    with pytest.raises(InvalidInput):
        case_document(actor=staffing.caseworker, case_id=case.pk, kind="approval_letter")
    elsewhere = staff_actor("reviewer-elsewhere", tree.other_township, Role.TOWNSHIP_REVIEWER)
    with pytest.raises(NotFound):
        case_document(actor=elsewhere, case_id=case.pk, kind="completeness_notice")
    act(staffing.caseworker, case, "accept", date(2026, 9, 2))
    visit(staffing.caseworker, case, date(2026, 9, 3))
    text = pdf_text(case_document(actor=staffing.caseworker, case_id=case.pk, kind="investigation_record").content)
    for expected in ("入户核实家庭成员和收入情况。", "王经办", "赵协理", "2026年9月3日", "陈大明"):
        assert expected in text
    assert not AuditEvent.objects.filter(action="case.document", user_id=elsewhere.user_id).exists()


def emergency_approved(staffing: Staffing, tree: Tree, household: Household) -> Case:
    data = IntakeInput(channel="window", received_on=date(2026, 11, 16), household_id=household.pk,
                       programmes=[ProgrammeRequest("temporary_aid", aid_kind="emergency")],
                       authorisation_signed_on=date(2026, 11, 16))  # fmt: skip
    case = intake_create(actor=staffing.caseworker, data=data).cases.get()
    for material in ("application_form", "authorisation", "incident_proof"):
        attachment_add(actor=staffing.caseworker, intake_id=case.intake_id, material=material, filename="a.pdf",
                       content=PDF)  # fmt: skip
    act(staffing.caseworker, case, "accept", date(2026, 11, 16))
    act(staffing.caseworker, case, "investigate", date(2026, 11, 16))
    act(staffing.reviewer, case, "review", date(2026, 11, 17))
    township = staff_actor("reviewer-b", tree.township, Role.TOWNSHIP_REVIEWER)
    return act(township, case, "approve", date(2026, 11, 18), amount_fen=150000, reason="房屋失火，生活用品全部损毁")


def test_delegated_decision_is_issued_by_the_township(staffing: Staffing, tree: Tree, poor_family: Household) -> None:
    case = emergency_approved(staffing, tree, poor_family)
    text = pdf_text(case_document(actor=staffing.caseworker, case_id=case.pk, kind="decision").content)
    assert "七星岗街道办事处" in text
    assert "人民币1,500.00元" in text
    assert "渝中区民政局" not in text


def test_one_off_aid_letter_does_not_promise_monthly_payments(
    staffing: Staffing, tree: Tree, poor_family: Household
) -> None:
    case = emergency_approved(staffing, tree, poor_family)
    text = pdf_text(case_document(actor=staffing.caseworker, case_id=case.pk, kind="decision").content)
    assert "月救助金额" not in text
    assert "按月" not in text
