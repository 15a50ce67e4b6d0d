"""Referrals to other departments (转办, 一门受理、协同办理): sent with a deadline, answered by the department,
escalated when the deadline passes without an answer (REFERENCE §2.4; seed 004: 19,300 referrals in 2022).

A department officer sees only its own department's referrals within its region; the township that sent a
referral sees it through the intake's region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from minzheng.cases.deadlines import general_limit
from minzheng.cases.intake import intake_get_for_update
from minzheng.cases.models import Department, DepartmentOfficer, Referral, ReferralStatus
from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.calendar.selectors import working_days_add
from minzheng.core.errors import Conflict, InvalidInput, NotFound

FEEDBACK_STATUSES = frozenset({ReferralStatus.ACCEPTED, ReferralStatus.HELPED, ReferralStatus.DECLINED})


@transaction.atomic
def referral_send(
    *, actor: Actor, intake_id: int, department_code: str, matter: str, sent_on: date, case_id: int | None = None
) -> Referral:
    if not actor.can("case.intake"):  # whoever takes the intake refers the needs outside civil affairs
        actor.require("referral.send")
    intake = intake_get_for_update(actor=actor, intake_id=intake_id)
    department = Department.objects.filter(code=department_code, active=True).first()
    if department is None:
        raise InvalidInput("referral.department", _("接收部门无效"), field="department_code")
    if not matter.strip():
        raise InvalidInput("referral.matter", _("请填写转办事项"), field="matter")
    if case_id is not None and not intake.cases.filter(pk=case_id).exists():
        raise InvalidInput("referral.case", _("该申请不属于此受理登记"), field="case_id")
    due = working_days_add(sent_on, general_limit("cases.referral_feedback_wd", intake.region, sent_on))
    referral = Referral.objects.create(
        intake=intake, case_id=case_id, department=department, region=intake.region, matter=matter.strip(),
        sent_on=sent_on, due_on=due.due_on, due_provisional=due.provisional, sent_by_id=actor.user_id,
    )  # fmt: skip
    audit_record(actor=actor, action="referral.send", obj=referral, region=intake.region,
                 detail={"department": department.code, "due_on": due.due_on.isoformat()})  # fmt: skip
    return referral


def officer_department(actor: Actor) -> Department | None:
    """The department of a department officer; None for civil-affairs staff."""
    link = DepartmentOfficer.objects.select_related("department").filter(staff__user_id=actor.user_id).first()
    return link.department if link else None


def referrals_visible(*, actor: Actor) -> QuerySet[Referral]:
    """Referrals in the actor's region; a department officer's are limited to its department."""
    actor.require("referral.view")
    referrals = Referral.objects.select_related("department", "region", "intake__household", "case").filter(
        region__path__startswith=actor.scope_path
    )
    if actor.roles == {"department_officer"}:
        department = officer_department(actor)
        return referrals.filter(department=department) if department else referrals.none()
    return referrals


def referral_get(*, actor: Actor, referral_id: int) -> Referral:
    referral = referrals_visible(actor=actor).filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("referral.not_found", _("转办事项不存在或不在您的办理范围内"))
    return referral


@dataclass(frozen=True)
class FeedbackInput:
    status: str
    feedback: str
    feedback_on: date


@transaction.atomic
def referral_feedback(*, actor: Actor, referral_id: int, data: FeedbackInput) -> Referral:
    """The department answers: accepted, helped (with what), or declined (with the reason)."""
    actor.require("referral.feedback")
    referral = referral_get(actor=actor, referral_id=referral_id)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if data.status not in FEEDBACK_STATUSES:
        raise InvalidInput("referral.status", _("反馈结果无效"), field="status")
    if referral.status in {ReferralStatus.HELPED, ReferralStatus.DECLINED}:
        raise Conflict("referral.closed", _("该转办事项已办结"), extra={"status": referral.status})
    if data.status != ReferralStatus.ACCEPTED and not data.feedback.strip():
        raise InvalidInput("referral.feedback", _("请说明救助内容或不予办理的理由"), field="feedback")
    if data.feedback_on < referral.sent_on:
        raise InvalidInput("referral.feedback_on", _("反馈日期不能早于转办日期"), field="feedback_on")
    referral.status, referral.feedback = data.status, data.feedback.strip()
    referral.feedback_on, referral.feedback_by_id = data.feedback_on, actor.user_id
    referral.save(update_fields=["status", "feedback", "feedback_on", "feedback_by"])
    audit_record(actor=actor, action="referral.feedback", obj=referral, region=referral.region,
                 detail={"status": data.status})  # fmt: skip
    return referral


@transaction.atomic
def referrals_escalate(*, on: date) -> int:
    """Mark every referral still without feedback after its deadline as escalated (督办); one UPDATE, idempotent."""
    overdue = Referral.objects.filter(status=ReferralStatus.SENT, due_on__lt=on, escalated_on__isnull=True)
    count = overdue.update(escalated_on=on)
    if count:
        audit_record(actor=None, action="referral.escalate", detail={"on": on.isoformat(), "count": count})
    return count
