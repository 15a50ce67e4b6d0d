"""Enrolment API under /api/v1: what happens to a 保障对象 after approval — periodic review (复核, possibly a new
amount), 渐退, suspension and resumption, stop. Each returns the enrolment in force afterwards: a new amount
supersedes the enrolment, so a review may answer with a new id.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router

from minzheng.core.access.actor import actor_for_request
from minzheng.core.regions.schemas import ErrorOut
from minzheng.payments import services
from minzheng.payments.schemas import EnrolmentOut, PhaseOutIn, ReviewIn, StopIn, SuspensionIn, enrolment_out

router = Router(tags=["enrolments"])

ERRORS = frozenset({401, 403, 404, 409, 422})  # the error statuses each operation documents with ErrorOut


@router.post(
    "/enrolments/{enrolment_id}/reviews",
    response={200: EnrolmentOut, ERRORS: ErrorOut},
    operation_id="enrolment_review",
    summary=str(_("登记定期复核")),
    description=str(_("金额不变时更新下次复核日期；金额变化时自下月起按新金额发放（返回新的保障记录）。")),
)
def enrolment_review(request: HttpRequest, enrolment_id: int, payload: ReviewIn) -> dict[str, Any]:
    data = services.ReviewInput(reviewed_on=payload.reviewed_on, amount_fen=payload.amount_fen, reason=payload.reason)
    enrolment = services.enrolment_review(actor=actor_for_request(request), enrolment_id=enrolment_id, data=data)
    return enrolment_out(enrolment)


@router.post(
    "/enrolments/{enrolment_id}/phase-out",
    response={200: EnrolmentOut, ERRORS: ErrorOut},
    operation_id="enrolment_phase_out",
    summary=str(_("进入渐退期")),
)
def enrolment_phase_out(request: HttpRequest, enrolment_id: int, payload: PhaseOutIn) -> dict[str, Any]:
    enrolment = services.enrolment_phase_out(
        actor=actor_for_request(request), enrolment_id=enrolment_id, on=payload.on, months=payload.months,
        reason=payload.reason,
    )  # fmt: skip
    return enrolment_out(enrolment)


@router.post(
    "/enrolments/{enrolment_id}/suspension",
    response={200: EnrolmentOut, ERRORS: ErrorOut},
    operation_id="enrolment_suspend",
    summary=str(_("暂停或恢复发放")),
)
def enrolment_suspend(request: HttpRequest, enrolment_id: int, payload: SuspensionIn) -> dict[str, Any]:
    enrolment = services.enrolment_suspend(
        actor=actor_for_request(request), enrolment_id=enrolment_id, on=payload.on, reason=payload.reason,
        resume=payload.resume,
    )  # fmt: skip
    return enrolment_out(enrolment)


@router.post(
    "/enrolments/{enrolment_id}/stop",
    response={200: EnrolmentOut, ERRORS: ErrorOut},
    operation_id="enrolment_stop",
    summary=str(_("停发")),
    description=str(_("须填写理由；last_month 为最后发放的月份。")),
)
def enrolment_stop(request: HttpRequest, enrolment_id: int, payload: StopIn) -> dict[str, Any]:
    enrolment = services.enrolment_stop(
        actor=actor_for_request(request), enrolment_id=enrolment_id, on=payload.on, last_month=payload.last_month,
        reason=payload.reason,
    )  # fmt: skip
    return enrolment_out(enrolment)
