"""One-door intake (一门受理): register a request for help, its materials, and check completeness at once.

An intake names the household (existing, or registered in the same step by the registry services), the
channel, the programmes asked for, what the family declares, the signed authorisation (授权核对, 审核确认办法
第9条) and needs outside civil affairs, which become referrals. Missing materials are listed all at once
(一次性告知, 第10条); materials the registry already holds (ID data, disability certificates) are never asked for.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import filetype
from django.conf import settings
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.cases.models import OPEN_STATES, Attachment, Case, Channel, Intake, TemporaryAidKind
from minzheng.cases.workflow import APPLICABLE_PROGRAMMES, PERSON_PROGRAMMES, procedure_for
from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import FieldError, InvalidInput, NotFound
from minzheng.core.masking import mask_phone
from minzheng.core.programmes import Programme
from minzheng.registry.selectors import (
    economic_kinds,
    household_get,
    household_list,
    person_disability_certificates,
    resident_membership,
)
from minzheng.registry.services import MemberInput, PersonInput, household_create, person_create

ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class Material:
    code: str
    title: Promise
    note: Promise | str = ""


MATERIALS: dict[str, Material] = {
    m.code: m
    for m in (
        Material("application_form", _("书面申请书"), _("申请人签字的救助申请书")),
        Material("authorisation", _("家庭经济状况授权核对书"), _("全体共同生活家庭成员签字（审核确认办法 第9条）")),
        Material("income_proof", _("收入情况说明"), _("家庭成员收入的书面说明或证明")),
        Material("expense_proof", _("支出凭证"), _("医疗、教育等自付费用票据（近12个月）")),
        Material("proxy_authorisation", _("委托书"), _("委托村（居）委会或他人代为申请的手续（审核确认办法 第6条）")),
        Material("incident_proof", _("急难情况说明"), _("事故、灾害或突发疾病的情况说明，可事后补充")),
    )
}

# What each procedure needs before 受理; the emergency fast path needs only the request, the rest before approval.
REQUIRED_TO_ACCEPT: dict[str, tuple[str, ...]] = {
    "dibao": ("application_form", "authorisation", "income_proof"),
    "tekun": ("application_form", "authorisation", "income_proof"),
    "near_dibao": ("application_form", "authorisation", "income_proof"),
    "rigid_expense": ("application_form", "authorisation", "income_proof", "expense_proof"),
    "temporary_aid_expenditure": ("application_form", "authorisation", "expense_proof"),
    "temporary_aid_emergency": ("application_form",),
    "disability_subsidy": ("application_form",),
}
REQUIRED_TO_APPROVE: dict[str, tuple[str, ...]] = {
    "temporary_aid_emergency": ("application_form", "authorisation", "incident_proof"),
}


@dataclass(frozen=True)
class ProgrammeRequest:
    programme: str
    person_id: int | None = None  # the member who applies alone (单人保, 特困, 两项补贴)
    aid_kind: str = ""  # 临时救助: emergency | expenditure


@dataclass(frozen=True)
class Declared:
    """One declared item: `category` income | asset | expense, with the registry's kind codes."""

    category: str
    kind: str
    amount_fen: int
    person_id: int | None = None
    period_months: int = 1
    incurred_on: date | None = None


@dataclass(frozen=True)
class NewMember:
    relation: str
    person_id: int | None = None  # an existing person, or:
    person: PersonInput | None = None


@dataclass(frozen=True)
class NewHousehold:
    number: str
    region_code: str
    address: str
    hukou_type: str
    members: list[NewMember]


@dataclass(frozen=True)
class ReferralRequest:
    department_code: str
    matter: str


@dataclass(frozen=True)
class IntakeInput:
    channel: str
    received_on: date
    programmes: list[ProgrammeRequest]
    household_id: int | None = None
    new_household: NewHousehold | None = None
    applicant_id: int | None = None  # defaults to the household head
    contact_phone: str = ""
    authorisation_signed_on: date | None = None
    proxy_name: str = ""
    proxy_authorised: bool = False
    related_party: bool = False
    related_party_note: str = ""
    other_needs: str = ""
    declared: list[Declared] = field(default_factory=list)
    referrals: list[ReferralRequest] = field(default_factory=list)
    source_alert_id: int | None = None


@transaction.atomic
def intake_create(*, actor: Actor, data: IntakeInput) -> Intake:
    """Register an intake and one submitted case per programme; all or nothing, every error reported at once."""
    actor.require("case.intake")
    if data.new_household is not None:
        errors = intake_validate(actor=actor, data=data)
        if errors:
            raise InvalidInput("intake.invalid", _("申请信息有误"), extra={"errors": errors})
    household = _household(actor, data)
    intake = _intake_store(household, data, created_by_id=actor.user_id)
    audit_record(actor=actor, action="intake.create", obj=intake, region=household.region, detail=_audit(intake))
    if data.referrals:
        from minzheng.cases.referrals import referral_send  # referrals import this module's types

        for request in data.referrals:
            referral_send(actor=actor, intake_id=intake.pk, department_code=request.department_code,
                          matter=request.matter, sent_on=data.received_on)  # fmt: skip
    return intake


@transaction.atomic
def intake_create_online(*, person_id: int, phone: str, data: IntakeInput) -> Intake:
    """A resident applies on the portal for the household they currently belong to (审核确认办法 第4条 "网上申请").

    `phone` is the number the portal verified with a one-time code; it must be the person's phone in the
    registry. Needs outside civil affairs are kept in `other_needs` for the township to refer."""
    member = resident_membership(person_id=person_id)
    if member is None or not phone or member.person.phone != phone:
        raise NotFound("intake.resident", _("未找到与该手机号码对应的在册家庭成员"))
    online = replace(data, channel=Channel.ONLINE, household_id=member.household_id, new_household=None,
                     applicant_id=person_id, contact_phone=phone, referrals=[])  # fmt: skip
    intake = _intake_store(member.household, online, created_by_id=None)
    detail = {**_audit(intake), "phone": mask_phone(phone)}
    audit_record(actor=None, action="intake.create_online", obj=intake, region=intake.region, detail=detail)
    return intake


def _intake_store(household: Any, data: IntakeInput, *, created_by_id: int | None) -> Intake:
    members = {m.person_id: m for m in household.members.filter(valid_to__isnull=True)}
    errors = _intake_errors(data, members) + _already_open(household.pk, data.programmes)
    if errors:
        raise InvalidInput("intake.invalid", _("申请信息有误"), extra={"errors": errors})
    applicant_id = data.applicant_id or next((m.person_id for m in members.values() if m.is_head), None)
    if applicant_id is None:
        raise InvalidInput("intake.applicant", _("该家庭没有户主，请指定申请人"), field="applicant_id")
    intake = Intake.objects.create(
        household=household,
        applicant_id=applicant_id,
        region=household.region,
        channel=data.channel,
        received_on=data.received_on,
        contact_phone=data.contact_phone,
        authorisation_signed_on=data.authorisation_signed_on,
        proxy_name=data.proxy_name.strip(),
        proxy_authorised=data.proxy_authorised,
        related_party=data.related_party,
        related_party_note=data.related_party_note.strip(),
        other_needs=data.other_needs.strip(),
        declared=[_declared_json(item) for item in data.declared],
        source_alert_id=data.source_alert_id,
        created_by_id=created_by_id,
    )
    for request in data.programmes:
        _case_create(intake, request)
    return intake


def _audit(intake: Intake) -> dict[str, Any]:
    cases = list(intake.cases.values_list("pk", flat=True))
    return {"channel": intake.channel, "cases": cases, "related_party": intake.related_party}


def intake_validate(*, actor: Actor, data: IntakeInput) -> list[FieldError]:
    """The checks of `intake_create` without writing anything: the intake form validates as the user types."""
    actor.require("case.intake")
    if data.new_household is not None:
        members: dict[int, Any] = {}
        errors = _new_household_errors(data.new_household)
    elif data.household_id is None:
        return [FieldError("household_id", "intake.household", _("请选择申请家庭或登记新家庭"))]
    else:
        household = household_list(actor=actor).filter(pk=data.household_id).first()  # no audit per keystroke
        if household is None:
            raise NotFound("household.not_found", _("未找到该户"), field="household_id")
        members = {m.person_id: m for m in household.members.filter(valid_to__isnull=True)}
        errors = []
    checked = replace(data, programmes=[p for p in data.programmes if p.programme not in PERSON_PROGRAMMES or members])
    return errors + _intake_errors(checked, members)


def _new_household_errors(new: NewHousehold) -> list[FieldError]:
    errors = []
    if not new.number.strip():
        errors.append(FieldError("new_household.number", "household.number", _("请填写户编号")))
    if sum(1 for m in new.members if m.relation == "02") != 1:
        errors.append(FieldError("new_household.members", "household.head", _("家庭须有且只有一名户主")))
    return errors


def _household(actor: Actor, data: IntakeInput) -> Any:
    if data.new_household is not None:
        return _household_register(actor, data.new_household, data.received_on)
    if data.household_id is None:
        raise InvalidInput("intake.household", _("请选择申请家庭或登记新家庭"), field="household_id")
    return household_get(actor=actor, household_id=data.household_id)


def _household_register(actor: Actor, new: NewHousehold, on: date) -> Any:
    members = []
    for index, member in enumerate(new.members):
        person_id = member.person_id
        if person_id is None:
            if member.person is None:
                raise InvalidInput("intake.member", _("请填写成员信息"), field=f"new_household.members[{index}]")
            person_id = person_create(actor=actor, data=member.person).pk
        members.append(MemberInput(person_id=person_id, relation=member.relation))
    return household_create(
        actor=actor, number=new.number, region_code=new.region_code, address=new.address,
        hukou_type=new.hukou_type, members=members, valid_from=on,
    )  # fmt: skip


def _intake_errors(data: IntakeInput, members: dict[int, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    if data.channel not in Channel.values:
        errors.append(FieldError("channel", "intake.channel", _("受理渠道无效")))
    if not data.programmes and not data.other_needs.strip():
        errors.append(FieldError("programmes", "intake.empty", _("请至少选择一个救助项目或填写其他救助需求")))
    if data.channel == Channel.ASSISTANT and not data.proxy_name.strip():
        errors.append(FieldError("proxy_name", "intake.proxy", _("代办申请须填写代办人")))
    if data.applicant_id is not None and data.applicant_id not in members:
        errors.append(FieldError("applicant_id", "intake.applicant", _("申请人须为该家庭的现有成员")))
    if data.related_party and not data.related_party_note.strip():
        errors.append(
            FieldError("related_party_note", "intake.related_party", _("请说明与经办人员或村（居）委会成员的关系"))
        )
    for index, request in enumerate(data.programmes):
        errors.extend(_programme_errors(request, members, f"programmes[{index}]"))
    seen = [(r.programme, r.person_id, r.aid_kind) for r in data.programmes]
    if len(set(seen)) != len(seen):
        errors.append(FieldError("programmes", "intake.duplicate", _("同一项目不能重复申请")))
    for index, item in enumerate(data.declared):
        errors.extend(_declared_errors(item, members, f"declared[{index}]"))
    return errors


def _already_open(household_id: int, requests: list[ProgrammeRequest]) -> list[FieldError]:
    """A programme the household (or the member) already has an open application for is not opened twice."""
    open_cases = set(
        Case.objects.filter(household_id=household_id, state__in=OPEN_STATES).values_list("programme", "person_id")
    )
    return [
        FieldError(f"programmes[{index}].programme", "intake.already_open", _("该项目已有正在办理的申请"))
        for index, request in enumerate(requests)
        if (request.programme, request.person_id if request.programme in PERSON_PROGRAMMES else None) in open_cases
    ]


def _programme_errors(request: ProgrammeRequest, members: dict[int, Any], path: str) -> list[FieldError]:
    if request.programme not in APPLICABLE_PROGRAMMES:
        return [FieldError(f"{path}.programme", "intake.programme", _("该项目不受理申请"))]
    errors = []
    if request.programme in PERSON_PROGRAMMES and request.person_id not in members:
        errors.append(FieldError(f"{path}.person_id", "intake.person", _("该项目须指明申请的家庭成员")))
    if request.programme == Programme.TEMPORARY_AID and request.aid_kind not in TemporaryAidKind.values:
        errors.append(FieldError(f"{path}.aid_kind", "intake.aid_kind", _("请选择急难型或支出型")))
    return errors


def _declared_errors(item: Declared, members: dict[int, Any], path: str) -> list[FieldError]:
    errors = []
    if item.kind not in economic_kinds().get(item.category, frozenset()):
        errors.append(FieldError(f"{path}.kind", "declared.kind", _("申报项目类别无效")))
    if item.amount_fen < 0:
        errors.append(FieldError(f"{path}.amount_fen", "declared.amount", _("金额不能为负数")))
    if item.person_id is not None and item.person_id not in members:
        errors.append(FieldError(f"{path}.person_id", "declared.person", _("须为该家庭的现有成员")))
    if item.category == "expense" and item.incurred_on is None:
        errors.append(FieldError(f"{path}.incurred_on", "declared.incurred_on", _("支出须填写发生日期")))
    return errors


def _declared_json(item: Declared) -> dict[str, Any]:
    return {
        "category": item.category,
        "kind": item.kind,
        "amount_fen": item.amount_fen,
        "person_id": item.person_id,
        "period_months": item.period_months,
        "incurred_on": item.incurred_on.isoformat() if item.incurred_on else None,
    }


def _case_create(intake: Intake, request: ProgrammeRequest) -> Case:
    procedure = procedure_for(request.programme, request.aid_kind)
    return Case.objects.create(
        intake=intake,
        household=intake.household,
        person_id=request.person_id if request.programme in PERSON_PROGRAMMES else None,
        region=intake.region,
        programme=request.programme,
        aid_kind=request.aid_kind if request.programme == Programme.TEMPORARY_AID else "",
        procedure=procedure.key,
        related_party=intake.related_party,
        district_visit_required=intake.related_party,  # 审核确认办法 第11、20条; 重庆条例 第33条
    )


# ---------------------------------------------------------------------------------------------------------
# Materials
# ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, actor: Actor, intake_id: int, material: str, filename: str, content: bytes) -> Attachment:
    """Store one scanned material: PDF, JPEG or PNG by content (not by name), within the size limit."""
    actor.require("case.intake")
    intake = intake_get_for_update(actor=actor, intake_id=intake_id)
    if material not in MATERIALS:
        raise InvalidInput("attachment.material", _("材料类别无效"), field="material")
    if len(content) > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise InvalidInput("attachment.too_large", _("文件超过 %(mb)s MB") % {"mb": limit}, field="file")
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise InvalidInput("attachment.type", _("只接受 PDF、JPEG 或 PNG 文件（按文件内容判断）"), field="file")
    storage_name = f"{secrets.token_hex(16)}.{ALLOWED_TYPES[kind.mime]}"
    attachment = Attachment.objects.create(
        intake=intake, material=material, filename=Path(filename).name[:255] or storage_name,
        content_type=kind.mime, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        storage_name=storage_name, uploaded_by_id=actor.user_id,
    )  # fmt: skip
    path = attachment_path(attachment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    audit_record(actor=actor, action="attachment.add", obj=attachment, region=intake.region,
                 detail={"intake": intake.pk, "material": material, "sha256": attachment.sha256})  # fmt: skip
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    return Path(settings.PRIVATE_FILES_DIR) / "attachments" / attachment.storage_name[:2] / attachment.storage_name


def intake_get_for_update(*, actor: Actor, intake_id: int) -> Intake:
    intake = (
        Intake.objects.select_for_update()
        .select_related("region")
        .filter(pk=intake_id, region__path__startswith=actor.scope_path)
        .first()
    )
    if intake is None:
        raise NotFound("intake.not_found", _("受理登记不存在或不在您的管辖范围内"))
    return intake


@dataclass(frozen=True)
class Missing:
    code: str
    title: str
    note: str


def case_missing(case: Case, *, to_approve: bool = False) -> list[Missing]:
    """Everything the case still lacks, listed at once (一次性告知)."""
    required = (REQUIRED_TO_APPROVE if to_approve else REQUIRED_TO_ACCEPT).get(case.procedure, ())
    present = set(case.intake.attachments.values_list("material", flat=True))
    missing = [MATERIALS[code] for code in required if code not in present]
    if case.intake.channel == Channel.ASSISTANT and "proxy_authorisation" not in present:
        missing.append(MATERIALS["proxy_authorisation"])
    result = [Missing(m.code, str(m.title), str(m.note)) for m in missing]
    # At 受理 the signing date is registered; for paperwork completed after an emergency advance the signed scan
    # (the `authorisation` material) is the record.
    if "authorisation" in required and case.intake.authorisation_signed_on is None and not to_approve:
        result.append(
            Missing("authorisation_signed", str(_("授权核对签署日期")), str(_("尚未登记签署授权核对书的日期")))
        )
    if case.programme in {Programme.DISABILITY_LIVING, Programme.DISABILITY_NURSING}:
        result.extend(_certificate_missing(case))
    return result


def _certificate_missing(case: Case) -> list[Missing]:
    grades = [c.disability_grade for c in person_disability_certificates(person=case.person)] if case.person else []
    needed = (1, 2) if case.programme == Programme.DISABILITY_NURSING else (1, 2, 3, 4)
    if any(grade in needed for grade in grades):
        return []
    note = (
        _("护理补贴须持一、二级残疾人证") if case.programme == Programme.DISABILITY_NURSING else _("须持有效残疾人证")
    )
    return [Missing("disability_certificate", str(_("残疾人证")), str(note))]


def attachment_read(*, actor: Actor, attachment_id: int) -> tuple[Attachment, bytes]:
    """A material's file, for staff of the intake's region only; every read is audited."""
    actor.require("case.view")
    attachment = (
        Attachment.objects.select_related("intake__region")
        .filter(pk=attachment_id, intake__region__path__startswith=actor.scope_path)
        .first()
    )
    if attachment is None:
        raise NotFound("attachment.not_found", _("材料不存在或不在您的管辖范围内"))
    content = attachment_path(attachment).read_bytes()
    audit_record(actor=actor, action="attachment.read", obj=attachment, region=attachment.intake.region)
    return attachment, content
