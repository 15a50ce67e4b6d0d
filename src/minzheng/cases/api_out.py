"""Response schemas of the case-workflow API; `cases/api_render.py` fills them (ARCHITECTURE §7 Masking).

Names are masked in lists, ID numbers always; an objector's contact is shown only to staff who handle objections.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from minzheng.core.regions.schemas import ErrorOut

__all__ = ["ERRORS", "ErrorOut"]

ERRORS = frozenset({401, 403, 404, 409, 422})  # the error statuses each operation documents with ErrorOut


class RegionRefOut(Schema):
    code: str
    name: str


class PersonRefOut(Schema):
    id: int
    name: str
    id_number: str = Field(description=str(_("公民身份号码，脱敏显示")))


class CaseRowOut(Schema):
    id: int
    intake_id: int
    programme: str
    programme_label: str
    aid_kind: str
    state: str
    state_label: str
    region: RegionRefOut
    household_id: int
    household_number: str
    applicant_name: str = Field(description=str(_("申请人姓名，脱敏显示")))
    person_name: str | None = Field(description=str(_("单人申请的对象，脱敏显示")))
    received_on: date
    accepted_on: date | None
    due_on: date | None
    due_provisional: bool = Field(description=str(_("期限跨入尚未公布节假日安排的年份，为暂定")))
    step_due_on: date | None
    step_due_provisional: bool
    urgency: str = Field(description=str(_("overdue（已超期）、due_soon（3个工作日内到期）或空")))
    assignee: str | None


class ApplicationPageOut(Schema):
    items: list[CaseRowOut]
    next_cursor: str | None = Field(description=str(_("下一页游标；为空表示已到最后一页")))


class DepartmentOut(Schema):
    code: str
    name: str


class ReferralOut(Schema):
    id: int
    intake_id: int
    case_id: int | None
    department: DepartmentOut
    region: RegionRefOut
    household_number: str
    applicant_name: str = Field(description=str(_("申请人姓名，脱敏显示")))
    matter: str
    sent_on: date
    due_on: date
    due_provisional: bool
    status: str
    status_label: str
    feedback: str
    feedback_on: date | None
    escalated_on: date | None = Field(description=str(_("逾期未反馈的督办日期")))
    overdue: bool


class ReferralPageOut(Schema):
    items: list[ReferralOut]
    next_cursor: str | None


class IntakeOut(Schema):
    id: int
    household_id: int
    region: RegionRefOut
    channel: str
    received_on: date
    cases: list[CaseRowOut]
    referrals: list[ReferralOut]


class DeadlinesOut(Schema):
    due_on: date | None = Field(description=str(_("办结期限")))
    due_provisional: bool
    step_due_on: date | None = Field(description=str(_("本环节期限")))
    step_due_provisional: bool
    excluded_days: int = Field(description=str(_("不计入期限的工作日（公示、评议）")))
    extended: bool
    extension_reason: str


class AmountsOut(Schema):
    assessed_eligible: bool | None
    assessed_amount_fen: int | None = Field(description=str(_("评估金额（分/月）")))
    decided_amount_fen: int | None = Field(description=str(_("核定金额（分/月）；尚未决定为空")))
    override_reason: str = Field(description=str(_("核定金额与评估不一致的理由")))
    advance_aid_fen: int


class ActionOut(Schema):
    name: str
    label: str
    needs_reason: bool


class TransitionOut(Schema):
    action: str
    action_label: str
    from_state: str
    to_state: str
    on: date
    at: datetime
    actor_name: str
    role: str
    reason: str


class HomeVisitOut(Schema):
    id: int
    visited_on: date
    method: str
    investigators: list[str]
    by_district: bool
    findings: str


class EconomicCheckOut(Schema):
    id: int
    requested_on: date
    start_due_on: date
    completed_on: date | None
    result: str
    summary: str


class ObjectionOut(Schema):
    received_on: date
    objector_name: str
    objector_contact: str | None = Field(description=str(_("仅经办、审核人员可见；其他角色为空")))
    content: str


class NoticeOut(Schema):
    round: int
    starts_on: date
    ends_on: date
    name_masked: str
    members: int
    amount_fen: int
    closed_on: date | None
    objected: bool
    objections: list[ObjectionOut]


class AttachmentOut(Schema):
    id: int
    material: str
    material_title: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime


class MissingOut(Schema):
    code: str
    title: str
    note: str


class DecisionOut(Schema):
    outcome: str
    outcome_label: str
    decided_on: date
    amount_fen: int
    assessed_amount_fen: int | None
    override_reason: str
    start_month: date | None
    reasons: str
    notify_due_on: date | None
    notified_on: date | None
    document_number: str


class CaseOut(Schema):
    id: int
    intake_id: int
    programme: str
    programme_label: str
    aid_kind: str
    procedure: str
    procedure_title: str
    state: str
    state_label: str
    region: RegionRefOut
    household_id: int
    household_number: str
    applicant: PersonRefOut
    person: PersonRefOut | None
    channel: str
    received_on: date
    accepted_on: date | None
    closed_on: date | None
    delegated: bool = Field(description=str(_("审批委托乡镇")))
    related_party: bool = Field(description=str(_("近亲属备案")))
    district_visit_required: bool
    assignee: str | None
    deadlines: DeadlinesOut
    amounts: AmountsOut
    allowed_actions: list[ActionOut] = Field(description=str(_("当前用户现在可以执行的操作")))
    timeline: list[TransitionOut]
    home_visits: list[HomeVisitOut]
    checks: list[EconomicCheckOut]
    notices: list[NoticeOut]
    materials: list[AttachmentOut]
    missing: list[MissingOut] = Field(description=str(_("尚缺的材料（一次性告知）；受理后为审批前须补齐的材料")))
    referrals: list[ReferralOut]
    decision: DecisionOut | None


class TransitionConflictOut(ErrorOut):
    state: str | None = Field(None, description=str(_("申请的当前状态")))
    allowed_actions: list[str] | None = Field(None, description=str(_("当前用户在该状态下可以执行的操作")))


class BulkFailureOut(Schema):
    case_id: int
    code: str
    message: str


class BulkOut(Schema):
    done: list[int]
    failed: list[BulkFailureOut]


class PublicNoticeRowOut(Schema):
    region: RegionRefOut
    name_masked: str
    members: int
    amount_fen: int
    programme: str
    programme_label: str
    starts_on: date
    ends_on: date


class NoticeTotalsOut(Schema):
    count: int
    members: int
    amount_fen: int


class PublicNoticeListOut(Schema):
    region: RegionRefOut
    on: date
    items: list[PublicNoticeRowOut]
    totals: NoticeTotalsOut


class ChainCaseOut(Schema):
    id: int
    programme: str
    programme_label: str
    state: str
    state_label: str
    person_name: str | None
    accepted_on: date | None
    closed_on: date | None
    assessed_amount_fen: int | None


class ChainEnrolmentOut(Schema):
    id: int
    programme: str
    programme_label: str
    person_name: str | None
    amount_fen: int
    from_month: date
    to_month: date | None
    state: str
    state_label: str
    next_review_on: date


class AssistanceChainOut(Schema):
    household_id: int
    household_number: str
    region: RegionRefOut
    monthly_total_fen: int = Field(description=str(_("正在发放的月金额合计（分）")))
    cases: list[ChainCaseOut]
    enrolments: list[ChainEnrolmentOut]
    referrals: list[ReferralOut]
