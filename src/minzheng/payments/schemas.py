"""Request and response schemas of the enrolment API (保障对象: review, 渐退, suspension, stop)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict

from minzheng.core.masking import mask_name
from minzheng.core.programmes import Programme
from minzheng.payments.models import Enrolment


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ReviewIn(_Strict):
    reviewed_on: date
    amount_fen: int | None = Field(None, description=str(_("新的月金额（分）；为空表示无明显变化，金额不变")))
    reason: str = Field("", description=str(_("变更金额须填写理由")))


class PhaseOutIn(_Strict):
    on: date
    months: int = Field(description=str(_("渐退月数，不超过当地规定")))
    reason: str = ""


class SuspensionIn(_Strict):
    on: date
    reason: str
    resume: bool = Field(False, description=str(_("true 为恢复发放")))


class StopIn(_Strict):
    on: date
    last_month: date = Field(description=str(_("最后发放的月份（取该月任一日）")))
    reason: str


class EnrolmentOut(Schema):
    id: int
    programme: str
    programme_label: str
    household_id: int
    person_name: str | None = Field(description=str(_("单人保障的对象，脱敏显示")))
    case_id: int
    amount_fen: int = Field(description=str(_("月发放金额（分）")))
    from_month: date
    to_month: date | None
    state: str
    state_label: str
    review_frequency: str
    next_review_on: date
    supersedes_id: int | None = Field(description=str(_("金额变更前的保障记录")))


def enrolment_out(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "id": enrolment.pk, "programme": enrolment.programme,
        "programme_label": str(Programme(enrolment.programme).label), "household_id": enrolment.household_id,
        "person_name": mask_name(enrolment.person.name) if enrolment.person else None, "case_id": enrolment.case_id,
        "amount_fen": enrolment.amount_fen, "from_month": enrolment.from_month, "to_month": enrolment.to_month,
        "state": enrolment.state, "state_label": str(enrolment.get_state_display()),
        "review_frequency": enrolment.review_frequency, "next_review_on": enrolment.next_review_on,
        "supersedes_id": enrolment.supersedes_id,
    }  # fmt: skip
