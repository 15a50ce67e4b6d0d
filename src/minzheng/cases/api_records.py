"""The records around a case, under /api/v1: materials (upload and download), PDF documents, the village's public
notices, referrals to other departments (转办) and a household's assistance chain (一户一条救助链).

Files are returned as attachments with `X-Content-Type-Options: nosniff`: a stored material is served with the
type its content was recognised as on upload, never one a browser guesses.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from minzheng.cases.api_out import (
    ERRORS,
    AssistanceChainOut,
    AttachmentOut,
    ErrorOut,
    PublicNoticeListOut,
    ReferralOut,
    ReferralPageOut,
)
from minzheng.cases.api_render import (
    assistance_chain_out,
    attachment_out,
    public_notice_row,
    referral_out,
    region_ref,
)
from minzheng.cases.documents import CASE_DOCUMENT_KINDS, case_document
from minzheng.cases.intake import attachment_add, attachment_read
from minzheng.cases.models import ReferralStatus
from minzheng.cases.referrals import FeedbackInput, referral_feedback, referral_get, referral_send, referrals_visible
from minzheng.cases.schemas import (
    FeedbackIn,
    NoticeQuery,
    ReferralQuery,
    ReferralSendIn,
)
from minzheng.cases.selectors import case_get, household_assistance_chain, notice_totals, public_notices
from minzheng.core.access.actor import actor_for_request
from minzheng.core.pagination import cursor_decode, keyset_page
from minzheng.registry.selectors import household_get, region_in_scope

router = Router()

REFERRALS = ["referrals"]


def _file_response(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _binary(content_type: str, description: str) -> dict[str, Any]:
    """OpenAPI for a 200 that is a file, not JSON."""
    schema = {"type": "string", "format": "binary"}
    return {"responses": {200: {"description": description, "content": {content_type: {"schema": schema}}}}}


# ---------------------------------------------------------------------------------------------------------
# Materials and documents
# ---------------------------------------------------------------------------------------------------------


@router.post(
    "/applications/{case_id}/attachments",
    response={201: AttachmentOut, ERRORS: ErrorOut},
    operation_id="application_attachment_upload",
    summary=str(_("上传申请材料")),
    description=str(_("multipart/form-data：material 为材料类别，file 为文件。只接受 PDF、JPEG、PNG（按内容判断）。")),
)
def application_attachment_upload(
    request: HttpRequest, case_id: int, material: Form[str], file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    actor = actor_for_request(request)
    actor.require("case.intake")  # before the case is looked up: a role that may not upload is refused anywhere
    case = case_get(actor=actor, case_id=case_id)
    # One byte over the limit is enough for the service to refuse the file: never read a huge upload into memory.
    content = file.read(settings.ATTACHMENT_MAX_BYTES + 1)
    attachment = attachment_add(
        actor=actor, intake_id=case.intake_id, material=material, filename=file.name or "", content=content
    )
    return Status(201, attachment_out(attachment))


@router.get(
    "/attachments/{attachment_id}",
    response={ERRORS: ErrorOut},
    operation_id="attachment_get",
    summary=str(_("下载申请材料")),
    description=str(_("以附件形式返回原文件；每次下载记入审计。")),
    openapi_extra=_binary("application/octet-stream", str(_("材料文件（PDF、JPEG 或 PNG）"))),
)
def attachment_get(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment, content = attachment_read(actor=actor_for_request(request), attachment_id=attachment_id)
    return _file_response(content, content_type=attachment.content_type, filename=attachment.filename)


@router.get(
    "/applications/{case_id}/documents/{kind}",
    response={ERRORS: ErrorOut},
    operation_id="application_document",
    summary=str(_("生成文书（PDF）")),
    description=str(
        _("kind：%(kinds)s。尚无决定的申请没有决定书（409）。") % {"kinds": "、".join(CASE_DOCUMENT_KINDS)}
    ),
    openapi_extra=_binary("application/pdf", str(_("文书 PDF"))),
)
def application_document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    document = case_document(actor=actor_for_request(request), case_id=case_id, kind=kind)
    return _file_response(document.content, content_type="application/pdf", filename=document.filename)


@router.get(
    "/public-notices",
    response={200: PublicNoticeListOut, ERRORS: ErrorOut},
    operation_id="public_notice_list",
    tags=["notices"],
    summary=str(_("公示名单")),
    description=str(_("某村（社区）在某日公示中的对象：只有脱敏姓名、人数、金额和项目，不含身份证号码和住址。")),
)
def public_notice_list(request: HttpRequest, query: Query[NoticeQuery]) -> dict[str, Any]:
    actor = actor_for_request(request)
    region = region_in_scope(actor=actor, code=query.region, permission="case.view")
    on = query.on or timezone.localdate()
    notices = public_notices(region=region, on=on).filter(region__path__startswith=actor.scope_path)
    totals = notice_totals(notices)
    return {
        "region": region_ref(region),
        "on": on,
        "items": [public_notice_row(notice) for notice in notices],
        "totals": {
            "count": totals["count"],
            "members": totals["members"] or 0,
            "amount_fen": totals["amount_fen"] or 0,
        },
    }


# ---------------------------------------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------------------------------------


@router.get(
    "/referrals",
    response={200: ReferralPageOut, ERRORS: ErrorOut},
    operation_id="referral_list",
    tags=REFERRALS,
    summary=str(_("转办事项列表")),
    description=str(_("协同部门经办人员只看到本部门的转办事项；姓名脱敏；游标分页，新转办在前。")),
)
def referral_list(request: HttpRequest, query: Query[ReferralQuery]) -> dict[str, Any]:
    actor = actor_for_request(request)
    referrals = referrals_visible(actor=actor)
    today = timezone.localdate()
    if query.region:
        region = region_in_scope(actor=actor, code=query.region)
        referrals = referrals.filter(region__path__startswith=region.path)
    if query.status:
        referrals = referrals.filter(status=query.status)
    if query.overdue:
        referrals = referrals.filter(status=ReferralStatus.SENT, due_on__lt=today)
    page = keyset_page(
        referrals.select_related("intake__applicant"), after=cursor_decode(query.cursor), limit=query.limit, order="-pk"
    )
    return {"items": [referral_out(r, today=today) for r in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralOut, ERRORS: ErrorOut},
    operation_id="referral_get",
    tags=REFERRALS,
    summary=str(_("转办事项详情")),
)
def referral_detail(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    referral = referral_get(actor=actor_for_request(request), referral_id=referral_id)
    return referral_out(referral, today=timezone.localdate())


@router.post(
    "/applications/{case_id}/referrals",
    response={201: ReferralOut, ERRORS: ErrorOut},
    operation_id="referral_send",
    tags=REFERRALS,
    summary=str(_("转办其他部门")),
    description=str(_("按规定的工作日期限要求接收部门反馈，逾期未反馈的自动督办。")),
)
def referral_create(request: HttpRequest, case_id: int, payload: ReferralSendIn) -> Status[dict[str, Any]]:
    actor = actor_for_request(request)
    actor.require("referral.send")  # from a case, as on the case page; an intake's own referrals need case.intake
    case = case_get(actor=actor, case_id=case_id)
    referral = referral_send(
        actor=actor, intake_id=case.intake_id, department_code=payload.department_code, matter=payload.matter,
        sent_on=payload.sent_on, case_id=case.pk,
    )  # fmt: skip
    return Status(201, referral_out(referral, today=timezone.localdate()))


@router.post(
    "/referrals/{referral_id}/feedback",
    response={200: ReferralOut, ERRORS: ErrorOut},
    operation_id="referral_feedback",
    tags=REFERRALS,
    summary=str(_("反馈转办结果")),
    description=str(_("协同部门：已接收办理（accepted）、已救助（helped）或不予办理（declined，须说明理由）。")),
)
def referral_answer(request: HttpRequest, referral_id: int, payload: FeedbackIn) -> dict[str, Any]:
    data = FeedbackInput(status=payload.status, feedback=payload.feedback, feedback_on=payload.feedback_on)
    referral = referral_feedback(actor=actor_for_request(request), referral_id=referral_id, data=data)
    return referral_out(referral, today=timezone.localdate())


# ---------------------------------------------------------------------------------------------------------
# 一户一条救助链
# ---------------------------------------------------------------------------------------------------------


@router.get(
    "/households/{household_id}/assistance-chain",
    response={200: AssistanceChainOut, ERRORS: ErrorOut},
    operation_id="household_assistance_chain",
    tags=["households"],
    summary=str(_("一户一条救助链")),
    description=str(_("该户的全部申请、保障对象（含已停发）和转办事项，以及正在发放的月金额合计。")),
)
def household_chain(request: HttpRequest, household_id: int) -> dict[str, Any]:
    actor = actor_for_request(request)
    household = household_get(actor=actor, household_id=household_id)
    chain = household_assistance_chain(actor=actor, household_id=household.pk)
    return assistance_chain_out(household, chain)
