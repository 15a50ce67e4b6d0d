"""The only code that moves a case (ARCHITECTURE §5, §7): `case_act` checks the state machine in
`cases/workflow.py`, the actor's permission and region, the action's preconditions, then records an
append-only `Transition`, recomputes the deadlines and audits — all in one transaction.

Refusals are specific: an action the state does not allow is `Conflict("case.invalid_transition")` carrying
the current state and the actions allowed; maker-checker and missing evidence are their own Conflict codes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.assistance.selectors import assessment_programme_amounts
from minzheng.assistance.services import household_assess
from minzheng.cases import deadlines
from minzheng.cases.intake import case_missing
from minzheng.cases.models import (
    CLOSED_STATES,
    OPEN_STATES,
    Case,
    CaseState,
    Decision,
    DecisionOutcome,
    EconomicCheck,
    Objection,
    PublicNotice,
    Transition,
)
from minzheng.cases.workflow import (
    ACTIONS,
    STATUS_PROGRAMMES,
    Action,
    Procedure,
    action_target,
    actions_available,
    procedure_for,
)
from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.calendar.selectors import month_start, months_add, working_days_add
from minzheng.core.errors import Conflict, FieldError, InvalidInput, NotFound
from minzheng.core.masking import mask_given_name
from minzheng.core.parameters.selectors import parameter_value
from minzheng.payments.services import EnrolmentStart, enrolment_start
from minzheng.registry.economics import asset_item_add, expense_item_add, income_item_add


@dataclass(frozen=True)
class ObjectionInput:
    objector_name: str
    objector_contact: str
    content: str


@dataclass(frozen=True)
class ActionInput:
    action: str
    on: date
    reason: str = ""
    amount_fen: int | None = None  # approve: a reviewed amount differing from the assessment needs a reason
    objection: ObjectionInput | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def case_for_update(*, actor: Actor, case_id: int) -> Case:
    """A case in the actor's region, locked; outside the region it does not exist (NotFound)."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("region", "intake", "household")
        .filter(pk=case_id, region__path__startswith=actor.scope_path)
        .first()
    )
    if case is None:
        raise NotFound("case.not_found", _("申请不存在或不在您的管辖范围内"))
    return case


def action_permission(action: Action, case: Case) -> Any:
    """Approval is the district's, or the township reviewer's where the region delegates it (审核确认办法 第2条)."""
    if action.name in {"approve", "refuse"} and case.delegated:
        return "case.approve_delegated"
    return action.permission


def actions_allowed(*, actor: Actor, case: Case) -> list[Action]:
    """What this actor may do to this case now (the state machine and the role; preconditions come later)."""
    procedure = procedure_for(case.programme, case.aid_kind)
    return [a for a in actions_available(case.state, procedure) if actor.can(action_permission(a, case))]


@transaction.atomic
def case_act(*, actor: Actor, case_id: int, data: ActionInput) -> Case:
    action = ACTIONS.get(data.action)
    if action is None:
        raise InvalidInput("case.action", _("未知的操作：%(action)s") % {"action": data.action}, field="action")
    if not (
        actor.can(action.permission) or (action.name in {"approve", "refuse"} and actor.can("case.approve_delegated"))
    ):
        actor.require(action.permission)  # a role that can never do this is refused before any case is looked up
    case = case_for_update(actor=actor, case_id=case_id)
    procedure = procedure_for(case.programme, case.aid_kind)
    if action not in actions_available(case.state, procedure):
        raise _invalid_transition(actor, case, action)
    actor.require(action_permission(action, case))
    _check_input(case, action, data)
    limits = deadlines.limits_for(case, data.on)
    detail = _HANDLERS[action.name](actor, case, data, limits)
    _transition_record(actor, case, action, data, limits, detail)
    return case


def _invalid_transition(actor: Actor, case: Case, action: Action) -> Conflict:
    allowed = [a.name for a in actions_allowed(actor=actor, case=case)]
    message = _("申请当前为“%(state)s”，不能执行“%(action)s”") % {
        "state": case.get_state_display(),
        "action": action.label,
    }
    return Conflict("case.invalid_transition", message, extra={"state": case.state, "allowed_actions": allowed})


def _check_input(case: Case, action: Action, data: ActionInput) -> None:
    if action.needs_reason and not data.reason.strip():
        raise InvalidInput("case.reason_required", _("该操作须填写理由"), field="reason")
    if data.on > timezone.localdate():
        raise InvalidInput("case.future_date", _("办理日期不能晚于今天"), field="on")
    last = case.transitions.order_by("-on").values_list("on", flat=True).first()
    earliest = last or case.intake.received_on
    if data.on < earliest:
        message = _("办理日期不能早于上一环节（%(day)s）") % {"day": earliest.isoformat()}
        raise InvalidInput("case.date_order", message, field="on")


def _transition_record(
    actor: Actor, case: Case, action: Action, data: ActionInput, limits: deadlines.Limits, detail: dict[str, Any]
) -> None:
    from_state = case.state
    case.state = action_target(action, limits.procedure, case.suspended_from)
    if action.name == "suspend":
        case.suspended_from = from_state
    elif action.name == "resume":
        case.suspended_from = ""
    _deadlines_update(case, limits, data.on)
    case.save()
    Transition.objects.create(
        case=case, action=action.name, from_state=from_state, to_state=case.state, on=data.on,
        actor_id=actor.user_id, actor_name=actor.username, role=actor.roles_label, reason=data.reason.strip(),
        detail=detail,
    )  # fmt: skip
    audit_record(actor=actor, action=f"case.{action.name}", obj=case, region=case.region,
                 detail={"from": from_state, "to": case.state, "on": data.on.isoformat(), **detail})  # fmt: skip


def _deadlines_update(case: Case, limits: deadlines.Limits, on: date) -> None:
    if case.state in CLOSED_STATES:
        case.closed_on, case.step_due_on, case.step_due_provisional = on, None, False
        return
    if case.accepted_on is not None:
        overall = deadlines.overall_due(case, limits)
        case.due_on, case.due_provisional = overall.due_on, overall.provisional
    if case.state == CaseState.ON_NOTICE:
        notice = case.notices.order_by("-round").first()
        case.step_due_on, case.step_due_provisional = (notice.ends_on if notice else None), False
        return
    if case.state == CaseState.SUSPENDED:
        return  # the step limit in force when suspended stays visible
    step = deadlines.step_due(case, limits, on)
    case.step_due_on = step.due_on if step else None
    case.step_due_provisional = step.provisional if step else False


# ---------------------------------------------------------------------------------------------------------
# Action handlers: preconditions and side effects; each returns the detail recorded with the transition.
# ---------------------------------------------------------------------------------------------------------

Handler = Callable[[Actor, Case, ActionInput, deadlines.Limits], dict[str, Any]]


def _accept(actor: Actor, case: Case, data: ActionInput, limits: deadlines.Limits) -> dict[str, Any]:
    missing = case_missing(case)
    if missing:
        errors = [FieldError(f"materials.{m.code}", "case.material_missing", m.title) for m in missing]
        raise InvalidInput("case.incomplete", _("申请材料不齐全，请一次性告知申请人补齐"), extra={"errors": errors})
    case.accepted_on = data.on
    case.delegated = limits.flag("delegated")
    recorded = _declared_record(actor, case, data.on)
    return {"declared_recorded": recorded, "delegated": case.delegated}


def _declared_record(actor: Actor, case: Case, on: date) -> int:
    """Copy what the family declared into the registry once per intake, so that the assessment counts it."""
    intake = case.intake
    if intake.declared_recorded_on is not None:
        return 0
    source = f"申报（受理登记 {intake.pk}）"
    for item in intake.declared:
        common = {"actor": actor, "household_id": case.household_id, "person_id": item["person_id"]}
        if item["category"] == "income":
            income_item_add(**common, kind=item["kind"], amount_fen=item["amount_fen"], valid_from=on,
                            period_months=item["period_months"], source=source)  # fmt: skip
        elif item["category"] == "asset":
            asset_item_add(**common, kind=item["kind"], value_fen=item["amount_fen"], valid_from=on, note=source)
        else:
            expense_item_add(**common, kind=item["kind"], amount_fen=item["amount_fen"],
                             incurred_on=date.fromisoformat(item["incurred_on"]), note=source)  # fmt: skip
    intake.declared_recorded_on = on
    intake.save(update_fields=["declared_recorded_on"])
    return len(intake.declared)


def _investigate(actor: Actor, case: Case, data: ActionInput, limits: deadlines.Limits) -> dict[str, Any]:
    if not limits.procedure.economic_check:
        return {}
    days = deadlines.general_limit("cases.economic_check_start_wd", case.region, data.on)
    due = working_days_add(data.on, days)
    check = EconomicCheck.objects.create(case=case, requested_on=data.on, start_due_on=due.due_on)
    return {"economic_check": check.pk}


def _review(actor: Actor, case: Case, data: ActionInput, limits: deadlines.Limits) -> dict[str, Any]:
    _evidence_require(case, limits.procedure)
    assessment = household_assess(actor=actor, household_id=case.household_id, as_of=data.on)
    amounts = assessment_programme_amounts(
        assessment_id=assessment.pk, programme=case.programme, person_id=case.person_id
    )
    case.assessment = assessment
    case.assessed_eligible = bool(amounts)
    case.assessed_amount_fen = sum(amounts)
    detail: dict[str, Any] = {"assessment": assessment.pk, "eligible": case.assessed_eligible,
                              "amount_fen": case.assessed_amount_fen}  # fmt: skip
    if limits.procedure.notice:
        detail["notice"] = _notice_publish(case, limits, data.on).pk
    return detail


def _evidence_require(case: Case, procedure: Procedure) -> None:
    if procedure.home_visit:
        visits = case.home_visits.filter(by_district=False)
        if not any(len(visit.investigators) >= 2 for visit in visits):
            raise Conflict(
                "case.home_visit_missing", _("初审前须有不少于2名调查人员的入户调查记录（审核确认办法 第16条）")
            )
    if procedure.economic_check and not case.economic_checks.filter(completed_on__isnull=False).exists():
        raise Conflict("case.economic_check_missing", _("初审前须完成家庭经济状况信息核对（审核确认办法 第17条）"))


def _notice_publish(case: Case, limits: deadlines.Limits, on: date) -> PublicNotice:
    case.notice_round += 1
    days = limits.required("notice_days" if case.notice_round == 1 else "renotice_days")
    starts_on, ends_on = deadlines.notice_period(on + timedelta(days=1), days)
    members = case.household.members.filter(valid_to__isnull=True).count() if case.person_id is None else 1
    name = case.person.name if case.person_id and case.person else case.intake.applicant.name
    return PublicNotice.objects.create(
        case=case, region=case.region, round=case.notice_round, starts_on=starts_on, ends_on=ends_on,
        name_masked=mask_given_name(name), members=members, amount_fen=case.assessed_amount_fen or 0,
    )  # fmt: skip


def _current_notice(case: Case) -> PublicNotice:
    notice = case.notices.filter(closed_on__isnull=True).order_by("-round").first()
    if notice is None:  # cannot happen in on_notice; kept as a clear error rather than an assertion
        raise Conflict("notice.missing", _("该申请没有进行中的公示"))
    return notice


def _object(actor: Actor, case: Case, data: ActionInput, limits: deadlines.Limits) -> dict[str, Any]:
    objection = data.objection
    if objection is None or not (objection.objector_name.strip() and objection.content.strip()):
        raise InvalidInput("objection.required", _("请填写异议人和异议内容"), field="objection")
    notice = _current_notice(case)
    if not notice.starts_on <= data.on <= notice.ends_on:
        raise Conflict("objection.outside_notice", _("异议须在公示期内提出"))
    notice.objected, notice.closed_on = True, data.on
    notice.save(update_fields=["objected", "closed_on"])
    case.excluded_days += deadlines.notice_working_days(notice.starts_on, data.on)
    case.district_visit_required = True  # cases with complaints get a county home visit (审核确认办法 第20条)
    Objection.objects.create(
        notice=notice, received_on=data.on, objector_name=objection.objector_name.strip(),
        objector_contact=objection.objector_contact.strip(), content=objection.content.strip(),
        recorded_by_id=actor.user_id,
    )  # fmt: skip
    return {"notice": notice.pk}  # the objector's contact stays out of the audit detail


def _notice_end(actor: Actor, case: Case, data: ActionInput, limits: deadlines.Limits) -> dict[str, Any]:
    notice = _current_notice(case)
    if data.on <= notice.ends_on:
        message = _("公示期至 %(day)s 结束，期满后才能提交审批") % {"day": notice.ends_on.isoformat()}
        raise Conflict("notice.not_ended", message)
    notice.closed_on = notice.ends_on
    notice.save(update_fields=["closed_on"])
    case.excluded_days += deadlines.notice_working_days(notice.starts_on, notice.ends_on)
    drawn = recheck_drawn(case, limits)
    case.district_visit_required = case.district_visit_required or drawn
    return {"notice": notice.pk, "recheck_drawn": drawn}


def recheck_drawn(case: Case, limits: deadlines.Limits) -> bool:
    """The county's random re-check (特困 ≥ 30 %, 认定办法 第16条): a reproducible draw on the case number."""
    share = limits.number(limits.procedure.recheck_share)
    if not share:
        return False
    return int(hashlib.sha256(f"recheck:{case.pk}".encode()).hexdigest(), 16) % 1000 < share


def _approve(actor: Actor, case: Case, data: ActionInput, limits: deadlines.Limits) -> dict[str, Any]:
    _maker_checker(actor, case)
    if case.district_visit_required and not case.home_visits.filter(by_district=True).exists():
        raise Conflict("case.district_visit_missing", _("该申请须先完成区县入户核查（近亲属备案、有异议或被抽查）"))
    missing = case_missing(case, to_approve=True)
    if missing:
        titles = "、".join(m.title for m in missing)
        raise Conflict("case.paperwork_missing", _("审批前须补齐材料：%(titles)s") % {"titles": titles})
    amount = case.assessed_amount_fen if data.amount_fen is None else data.amount_fen
    overridden = amount != case.assessed_amount_fen or not case.assessed_eligible
    if amount is None or amount < 0:
        raise InvalidInput("case.amount", _("请填写核定金额"), field="amount_fen")
    if overridden and not data.reason.strip():
        raise InvalidInput("case.override_reason", _("核定金额与评估结果不一致，须填写理由"), field="reason")
    decision = _decision_create(actor, case, data, DecisionOutcome.APPROVED, amount=amount, override=overridden)
    enrolment = _enrolment_start(actor, case, decision)
    return {"decision": decision.pk, "amount_fen": amount, "assessed_amount_fen": case.assessed_amount_fen,
            "override": overridden, "enrolment": enrolment.pk if enrolment else None}  # fmt: skip


def _enrolment_start(actor: Actor, case: Case, decision: Decision) -> Any:
    """Monthly programmes start paying (payments); 边缘 and 刚性支出 are recognitions without a benefit of their own."""
    if case.programme in STATUS_PROGRAMMES or decision.start_month is None:
        return None
    start = EnrolmentStart(
        programme=case.programme, household_id=case.household_id, person_id=case.person_id, region=case.region,
        urban=case.household.hukou_type == "urban", case_id=case.pk, decision_id=decision.pk,
        amount_fen=decision.amount_fen, start_month=decision.start_month, decided_on=decision.decided_on,
    )  # fmt: skip
    return enrolment_start(actor=actor, start=start)


def _maker_checker(actor: Actor, case: Case) -> None:
    """Whoever investigated or reviewed the case may not approve it (ARCHITECTURE §7)."""
    doers = set(case.transitions.filter(action__in=("investigate", "review")).values_list("actor_id", flat=True))
    for visit in case.home_visits.filter(by_district=False):
        doers.update(visit.investigator_user_ids)
        doers.add(visit.recorded_by_id)
    if actor.user_id in doers:
        raise Conflict("case.maker_checker", _("调查或初审过该申请的人员不能审批同一申请"))


def _refuse(actor: Actor, case: Case, data: ActionInput, limits: deadlines.Limits) -> dict[str, Any]:
    _maker_checker(actor, case)
    decision = _decision_create(actor, case, data, DecisionOutcome.REFUSED, amount=0, override=False)
    return {
        "decision": decision.pk,
        "notify_due_on": decision.notify_due_on.isoformat() if decision.notify_due_on else None,
    }


def _decision_create(
    actor: Actor, case: Case, data: ActionInput, outcome: str, *, amount: int, override: bool
) -> Decision:
    start = None
    if outcome == DecisionOutcome.APPROVED:
        start = _start_month(case, data.on)
    notify_due = None
    if outcome == DecisionOutcome.REFUSED:
        notify_due = working_days_add(
            data.on, deadlines.general_limit("cases.refusal_notice_wd", case.region, data.on)
        ).due_on
    return Decision.objects.create(
        case=case, outcome=outcome, decided_on=data.on, amount_fen=amount,
        assessed_amount_fen=case.assessed_amount_fen, override_reason=data.reason.strip() if override else "",
        start_month=start, reasons=data.reason.strip(), notify_due_on=notify_due,
        document_number=f"{case.region.code[:6]}-{data.on:%Y}-{case.pk:06d}", decided_by_id=actor.user_id,
    )  # fmt: skip


def _start_month(case: Case, decided_on: date) -> date:
    """Payment starts in the month of approval (重庆条例 第22条) or the next (审核确认办法 第21条): a parameter."""
    key = procedure_for(case.programme, case.aid_kind).payment_start
    if key is None:
        return month_start(decided_on)
    rule = parameter_value(key=key, region=case.region, on=decided_on).value
    return month_start(decided_on) if rule == "same_month" else months_add(month_start(decided_on), 1)


def _no_effect(actor: Actor, case: Case, data: ActionInput, limits: deadlines.Limits) -> dict[str, Any]:
    return {}


_HANDLERS: dict[str, Handler] = {
    "accept": _accept,
    "investigate": _investigate,
    "review": _review,
    "object": _object,
    "notice_end": _notice_end,
    "approve": _approve,
    "refuse": _refuse,
    "suspend": _no_effect,
    "resume": _no_effect,
    "withdraw": _no_effect,
    "terminate": _no_effect,
}


def provisional_deadlines_refresh() -> int:
    """Recompute the deadlines that were provisional, after an administrator loads a year's holiday schedule.

    Only open cases whose overall or step deadline reached into an unpublished year are touched: at most the
    cases of the last weeks of a year, so each is recomputed with the same code as a transition."""
    cases = (
        Case.objects.filter(state__in=OPEN_STATES)
        .filter(Q(due_provisional=True) | Q(step_due_provisional=True))
        .select_related("region")
    )
    refreshed = 0
    with transaction.atomic():
        for case in cases.select_for_update(of=("self",)):
            last = case.transitions.order_by("-on", "-id").values_list("on", flat=True).first()
            began = last or case.intake.received_on
            limits = deadlines.limits_for(case, began)
            _deadlines_update(case, limits, began)
            case.save(update_fields=["due_on", "due_provisional", "step_due_on", "step_due_provisional"])
            refreshed += 1
    if refreshed:
        audit_record(actor=None, action="case.deadlines_refresh", detail={"cases": refreshed})
    return refreshed
