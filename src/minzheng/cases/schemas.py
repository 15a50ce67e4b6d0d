"""Request schemas of the case-workflow API (ARCHITECTURE §5, §7).

Inputs are strict (an unknown field is refused) but leave codes (programmes, kinds, actions) as plain strings:
the services check them and report every bad field at once with its path (`declared[1].kind`), which a schema
failure would cut short. The response schemas are in `cases/api_out.py`.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict

from minzheng.cases.casework import HomeVisitInput
from minzheng.cases.intake import (
    Declared,
    IntakeInput,
    NewHousehold,
    NewMember,
    ProgrammeRequest,
    ReferralRequest,
)
from minzheng.cases.models import CaseState, ReferralStatus
from minzheng.cases.services import ActionInput, ObjectionInput
from minzheng.core.programmes import Programme
from minzheng.registry.services import PersonInput

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_BULK = 100


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------------------


class ProgrammeIn(_Strict):
    programme: str = Field(description=str(_("救助项目代码，如 dibao、tekun、temporary_aid")))
    person_id: int | None = Field(None, description=str(_("单人申请的项目（单人保、特困、两项补贴）须指明成员")))
    aid_kind: str = Field("", description=str(_("临时救助类型：emergency（急难型）或 expenditure（支出型）")))


class DeclaredIn(_Strict):
    category: str = Field(description="income | asset | expense")
    kind: str = Field(description=str(_("收入、财产或支出的类别代码")))
    amount_fen: int = Field(description=str(_("金额（分）；收入为每期金额")))
    person_id: int | None = None
    period_months: int = Field(1, ge=1, le=12, description=str(_("收入的计算周期（月）")))
    incurred_on: date | None = Field(None, description=str(_("支出的发生日期")))


class NewPersonIn(_Strict):
    id_number: str = Field(description=str(_("18位公民身份号码")))
    name: str
    hukou_region_code: str
    residence_region_code: str = ""
    ethnic_group: str = "01"
    phone: str = ""
    work_ability: str = Field("full", description="full | partial | none")
    serious_illness: bool = False


class NewMemberIn(_Strict):
    relation: str = Field(description=str(_("与户主关系（GB/T 4761），户主为 02")))
    person_id: int | None = Field(None, description=str(_("已登记人员；未登记的填写 person")))
    person: NewPersonIn | None = None


class NewHouseholdIn(_Strict):
    number: str
    region_code: str = Field(description=str(_("所在村（社区）区划代码")))
    address: str = ""
    hukou_type: str = Field(description="urban | rural")
    members: list[NewMemberIn] = Field(min_length=1, max_length=30)

    def to_input(self) -> NewHousehold:
        members = [
            NewMember(m.relation, m.person_id, PersonInput(**m.person.dict()) if m.person else None)
            for m in self.members
        ]
        return NewHousehold(**self.dict(exclude={"members"}), members=members)


class ReferralRequestIn(_Strict):
    department_code: str
    matter: str


class IntakeIn(_Strict):
    channel: str = Field(description="window | assistant | online | outreach")
    received_on: date
    programmes: list[ProgrammeIn] = Field(default_factory=list, max_length=10)
    household_id: int | None = Field(None, description=str(_("已登记家庭；新家庭填写 new_household")))
    new_household: NewHouseholdIn | None = None
    applicant_id: int | None = Field(None, description=str(_("申请人，默认户主")))
    contact_phone: str = ""
    authorisation_signed_on: date | None = Field(None, description=str(_("授权核对书签署日期")))
    proxy_name: str = ""
    proxy_authorised: bool = False
    related_party: bool = Field(False, description=str(_("申请人家庭成员为经办人员或村（居）委会成员的近亲属")))
    related_party_note: str = ""
    other_needs: str = Field("", description=str(_("民政以外的救助需求")))
    declared: list[DeclaredIn] = Field(default_factory=list, max_length=200)
    referrals: list[ReferralRequestIn] = Field(default_factory=list, max_length=20)

    def to_input(self) -> IntakeInput:
        nested = {"programmes", "new_household", "declared", "referrals"}
        return IntakeInput(
            **self.dict(exclude=nested),
            programmes=[ProgrammeRequest(**p.dict()) for p in self.programmes],
            new_household=self.new_household.to_input() if self.new_household else None,
            declared=[Declared(**item.dict()) for item in self.declared],
            referrals=[ReferralRequest(**r.dict()) for r in self.referrals],
        )


class ObjectionIn(_Strict):
    objector_name: str
    objector_contact: str = Field("", description=str(_("联系方式，仅经办和审核人员可见")))
    content: str


class TransitionIn(_Strict):
    action: str = Field(description=str(_("操作：accept、investigate、review、object、notice_end、approve 等")))
    on: date = Field(description=str(_("办理日期，不能晚于今天")))
    reason: str = ""
    amount_fen: int | None = Field(None, ge=0, description=str(_("批准时的核定金额；与评估不同须填写理由")))
    objection: ObjectionIn | None = Field(None, description=str(_("登记公示异议（object）时填写")))

    def to_input(self) -> ActionInput:
        objection = ObjectionInput(**self.objection.dict()) if self.objection else None
        return ActionInput(
            action=self.action, on=self.on, reason=self.reason, amount_fen=self.amount_fen, objection=objection
        )


class BulkTransitionIn(_Strict):
    case_ids: list[int] = Field(min_length=1, max_length=MAX_BULK)
    action: str
    on: date
    reason: str = ""

    def to_input(self) -> ActionInput:
        return ActionInput(action=self.action, on=self.on, reason=self.reason)


class HomeVisitIn(_Strict):
    visited_on: date
    investigators: list[str] = Field(max_length=10, description=str(_("调查人员姓名，不少于2人")))
    findings: str
    investigator_user_ids: list[int] = Field(default_factory=list, max_length=10)
    method: str = Field("in_person", description="in_person | remote")
    by_district: bool = Field(False, description=str(_("区县入户核查（审批前）")))

    def to_input(self) -> HomeVisitInput:
        return HomeVisitInput(**self.dict())


class EconomicCheckIn(_Strict):
    completed_on: date
    result: str = Field(description="consistent | discrepancy")
    summary: str = ""


class ExtensionIn(_Strict):
    reason: str


class AssigneeIn(_Strict):
    assignee_id: int = Field(description=str(_("乡镇经办人员的用户编号")))


class AdvanceAidIn(_Strict):
    amount_fen: int
    paid_on: date
    reason: str


class NotifiedIn(_Strict):
    notified_on: date


class ReferralSendIn(_Strict):
    department_code: str
    matter: str
    sent_on: date


class FeedbackIn(_Strict):
    status: str = Field(description="accepted | helped | declined")
    feedback: str = ""
    feedback_on: date


class PageQuery(Schema):
    cursor: str | None = Field(None, description=str(_("上一页返回的 next_cursor")))
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=str(_("每页条数，1–200")))


class ApplicationQuery(PageQuery):
    state: CaseState | None = None
    programme: Programme | None = None
    urgency: str | None = Field(None, pattern="^(overdue|due_soon)$", description="overdue | due_soon")
    mine: bool = Field(False, description=str(_("只看分配给我的")))
    open_only: bool = Field(True, description=str(_("未指定状态时只列未办结的申请")))
    region: str | None = Field(None, description=str(_("区划代码（含下级）")))


class ReferralQuery(PageQuery):
    status: ReferralStatus | None = None
    overdue: bool = Field(False, description=str(_("只看逾期未反馈的")))
    region: str | None = Field(None, description=str(_("区划代码（含下级）")))


class NoticeQuery(Schema):
    region: str = Field(description=str(_("村（社区）区划代码")))
    on: date | None = Field(None, description=str(_("公示日期，默认今天")))
