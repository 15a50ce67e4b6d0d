"""What the case-workflow API shows of a case, an intake, a referral or a notice (ARCHITECTURE §7 Masking).

Lists mask names (`mask_name`); ID numbers are masked everywhere; an objector's contact is shown only to staff
who accept cases or review them (case.accept, case.review), as nobody else deals with the objector.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.utils import timezone

from minzheng.cases.intake import MATERIALS, case_missing
from minzheng.cases.models import Case, CaseState, Intake, PublicNotice, Referral, ReferralStatus
from minzheng.cases.selectors import AssistanceChain, case_urgency, urgency_bounds
from minzheng.cases.services import actions_allowed
from minzheng.cases.workflow import ACTIONS, procedure_for
from minzheng.core.access.actor import Actor
from minzheng.core.masking import mask_id_number, mask_name
from minzheng.core.programmes import Programme
from minzheng.core.regions.models import Region


def region_ref(region: Region) -> dict[str, str]:
    return {"code": region.code, "name": region.name}


def _staff_name(user: Any) -> str | None:
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return str(getattr(staff, "display_name", "") or user.get_username())


def case_row(case: Case, *, today: date, soon: date) -> dict[str, Any]:
    """One row of a list: names masked."""
    return {
        "id": case.pk,
        "intake_id": case.intake_id,
        "programme": case.programme,
        "programme_label": str(case.get_programme_display()),
        "aid_kind": case.aid_kind,
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "region": region_ref(case.region),
        "household_id": case.household_id,
        "household_number": case.household.number,
        "applicant_name": mask_name(case.intake.applicant.name),
        "person_name": mask_name(case.person.name) if case.person else None,
        "received_on": case.intake.received_on,
        "accepted_on": case.accepted_on,
        "due_on": case.due_on,
        "due_provisional": case.due_provisional,
        "step_due_on": case.step_due_on,
        "step_due_provisional": case.step_due_provisional,
        "urgency": case_urgency(case, today, soon),
        "assignee": _staff_name(case.assignee),
    }


def case_rows(cases: list[Case]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    soon = urgency_bounds(today)
    return [case_row(case, today=today, soon=soon) for case in cases]


def referral_out(referral: Referral, *, today: date) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "intake_id": referral.intake_id,
        "case_id": referral.case_id,
        "department": {"code": referral.department.code, "name": referral.department.name},
        "region": region_ref(referral.region),
        "household_number": referral.intake.household.number,
        "applicant_name": mask_name(referral.intake.applicant.name),
        "matter": referral.matter,
        "sent_on": referral.sent_on,
        "due_on": referral.due_on,
        "due_provisional": referral.due_provisional,
        "status": referral.status,
        "status_label": str(referral.get_status_display()),
        "feedback": referral.feedback,
        "feedback_on": referral.feedback_on,
        "escalated_on": referral.escalated_on,
        "overdue": referral.status == ReferralStatus.SENT and referral.due_on < today,
    }


def _intake_referrals(intake: Intake) -> list[dict[str, Any]]:
    today = timezone.localdate()
    referrals = intake.referrals.select_related("department", "region", "intake__household", "intake__applicant")
    return [referral_out(referral, today=today) for referral in referrals.order_by("id")]


def intake_out(intake: Intake) -> dict[str, Any]:
    cases = intake.cases.select_related("region", "intake__applicant", "household", "person", "assignee__staff")
    return {
        "id": intake.pk,
        "household_id": intake.household_id,
        "region": region_ref(intake.region),
        "channel": intake.channel,
        "received_on": intake.received_on,
        "cases": case_rows(list(cases.order_by("id"))),
        "referrals": _intake_referrals(intake),
    }


def _person_ref(person: Any) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.pk, "name": person.name, "id_number": mask_id_number(person.id_number)}


def case_detail(*, actor: Actor, case: Case) -> dict[str, Any]:
    """Everything the case page shows, for this actor."""
    intake = case.intake
    decision = getattr(case, "decision", None)
    return {
        "id": case.pk,
        "intake_id": case.intake_id,
        "programme": case.programme,
        "programme_label": str(case.get_programme_display()),
        "aid_kind": case.aid_kind,
        "procedure": case.procedure,
        "procedure_title": str(procedure_for(case.programme, case.aid_kind).title),
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "region": region_ref(case.region),
        "household_id": case.household_id,
        "household_number": case.household.number,
        "applicant": _person_ref(intake.applicant),
        "person": _person_ref(case.person),
        "channel": intake.channel,
        "received_on": intake.received_on,
        "accepted_on": case.accepted_on,
        "closed_on": case.closed_on,
        "delegated": case.delegated,
        "related_party": case.related_party,
        "district_visit_required": case.district_visit_required,
        "assignee": _staff_name(case.assignee),
        "deadlines": {
            "due_on": case.due_on,
            "due_provisional": case.due_provisional,
            "step_due_on": case.step_due_on,
            "step_due_provisional": case.step_due_provisional,
            "excluded_days": case.excluded_days,
            "extended": case.extended,
            "extension_reason": case.extension_reason,
        },
        "amounts": {
            "assessed_eligible": case.assessed_eligible,
            "assessed_amount_fen": case.assessed_amount_fen,
            "decided_amount_fen": decision.amount_fen if decision else None,
            "override_reason": decision.override_reason if decision else "",
            "advance_aid_fen": case.advance_aid_fen,
        },
        "allowed_actions": [
            {"name": a.name, "label": str(a.label), "needs_reason": a.needs_reason}
            for a in actions_allowed(actor=actor, case=case)
        ],
        "timeline": _timeline(case),
        "home_visits": [home_visit_out(v) for v in case.home_visits.order_by("visited_on", "id")],
        "checks": [economic_check_out(c) for c in case.economic_checks.order_by("requested_on", "id")],
        "notices": _notices(actor, case),
        "materials": [attachment_out(a) for a in intake.attachments.order_by("id")],
        "missing": _missing(case),
        "referrals": _intake_referrals(intake),
        "decision": decision_out(decision) if decision else None,
    }


def _missing(case: Case) -> list[dict[str, Any]]:
    """Before 受理 what 受理 needs (一次性告知); afterwards what approval still needs; nothing once closed."""
    if not case.is_open:
        return []
    return [asdict(m) for m in case_missing(case, to_approve=case.state != CaseState.SUBMITTED)]


def _timeline(case: Case) -> list[dict[str, Any]]:
    return [
        {
            "action": t.action,
            "action_label": str(ACTIONS[t.action].label) if t.action in ACTIONS else t.action,
            "from_state": t.from_state,
            "to_state": t.to_state,
            "on": t.on,
            "at": t.at,
            "actor_name": t.actor_name,
            "role": t.role,
            "reason": t.reason,
        }
        for t in case.transitions.order_by("at", "id")
    ]


def home_visit_out(visit: Any) -> dict[str, Any]:
    return {"id": visit.pk, "visited_on": visit.visited_on, "method": visit.method,
            "investigators": list(visit.investigators), "by_district": visit.by_district,
            "findings": visit.findings}  # fmt: skip


def economic_check_out(check: Any) -> dict[str, Any]:
    return {"id": check.pk, "requested_on": check.requested_on, "start_due_on": check.start_due_on,
            "completed_on": check.completed_on, "result": check.result, "summary": check.summary}  # fmt: skip


def _notices(actor: Actor, case: Case) -> list[dict[str, Any]]:
    private = actor.can("case.accept") or actor.can("case.review")
    notices = case.notices.prefetch_related("objections").order_by("round")
    return [
        {
            "round": n.round,
            "starts_on": n.starts_on,
            "ends_on": n.ends_on,
            "name_masked": n.name_masked,
            "members": n.members,
            "amount_fen": n.amount_fen,
            "closed_on": n.closed_on,
            "objected": n.objected,
            "objections": [
                {
                    "received_on": o.received_on,
                    "objector_name": o.objector_name,
                    "objector_contact": o.objector_contact if private else None,
                    "content": o.content,
                }
                for o in n.objections.all()
            ],
        }
        for n in notices
    ]


def attachment_out(attachment: Any) -> dict[str, Any]:
    material = MATERIALS.get(attachment.material)
    return {
        "id": attachment.pk, "material": attachment.material,
        "material_title": str(material.title) if material else attachment.material,
        "filename": attachment.filename, "content_type": attachment.content_type, "size": attachment.size,
        "uploaded_at": attachment.uploaded_at,
    }  # fmt: skip


def decision_out(decision: Any) -> dict[str, Any]:
    return {
        "outcome": decision.outcome, "outcome_label": str(decision.get_outcome_display()),
        "decided_on": decision.decided_on, "amount_fen": decision.amount_fen,
        "assessed_amount_fen": decision.assessed_amount_fen, "override_reason": decision.override_reason,
        "start_month": decision.start_month, "reasons": decision.reasons, "notify_due_on": decision.notify_due_on,
        "notified_on": decision.notified_on, "document_number": decision.document_number,
    }  # fmt: skip


def public_notice_row(notice: PublicNotice) -> dict[str, Any]:
    """What the village board shows: masked name, members, amount, programme (审核确认办法 第24条)."""
    return {
        "region": region_ref(notice.region), "name_masked": notice.name_masked, "members": notice.members,
        "amount_fen": notice.amount_fen, "programme": notice.case.programme,
        "programme_label": str(notice.case.get_programme_display()),
        "starts_on": notice.starts_on, "ends_on": notice.ends_on,
    }  # fmt: skip


def assistance_chain_out(household: Any, chain: AssistanceChain) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "household_id": household.pk,
        "household_number": household.number,
        "region": region_ref(household.region),
        "monthly_total_fen": chain.monthly_total_fen,
        "cases": [
            {"id": c.pk, "programme": c.programme, "programme_label": str(c.get_programme_display()),
             "state": c.state, "state_label": str(c.get_state_display()),
             "person_name": mask_name(c.person.name) if c.person else None, "accepted_on": c.accepted_on,
             "closed_on": c.closed_on, "assessed_amount_fen": c.assessed_amount_fen}
            for c in chain.cases
        ],
        "enrolments": [
            {"id": e.pk, "programme": e.programme, "programme_label": str(Programme(e.programme).label),
             "person_name": mask_name(e.person.name) if e.person else None, "amount_fen": e.amount_fen,
             "from_month": e.from_month, "to_month": e.to_month, "state": e.state,
             "state_label": str(e.get_state_display()), "next_review_on": e.next_review_on}
            for e in chain.enrolments
        ],
        "referrals": [referral_out(r, today=today) for r in chain.referrals],
    }  # fmt: skip
