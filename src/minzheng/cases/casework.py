"""Case work that does not move the state: investigation records, the county's check result, extensions,
assignment, the emergency advance (小金额先行救助), notifying a decision, and bulk actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from minzheng.cases import deadlines
from minzheng.cases.models import (
    Case,
    CaseState,
    CheckResult,
    Decision,
    DecisionOutcome,
    EconomicCheck,
    HomeVisit,
    VisitMethod,
)
from minzheng.cases.services import ActionInput, case_act, case_for_update
from minzheng.cases.workflow import procedure_for
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Staff
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import ApplicationError, Conflict, InvalidInput
from minzheng.core.parameters.selectors import parameter_value

_VISIT_STATES = frozenset({CaseState.ACCEPTED, CaseState.INVESTIGATING})


@dataclass(frozen=True)
class HomeVisitInput:
    visited_on: date
    investigators: list[str]
    findings: str
    investigator_user_ids: list[int] = field(default_factory=list)
    method: str = VisitMethod.IN_PERSON
    by_district: bool = False


@transaction.atomic
def home_visit_record(*, actor: Actor, case_id: int, data: HomeVisitInput) -> HomeVisit:
    """入户调查 by ≥ 2 people (审核确认办法 第16条), or the county's own visit before approval (第20条)."""
    actor.require("case.approve" if data.by_district else "case.accept")
    case = case_for_update(actor=actor, case_id=case_id)
    allowed = frozenset({CaseState.DISTRICT_REVIEW}) if data.by_district else _VISIT_STATES
    if case.state not in allowed:
        raise Conflict("case.visit_state", _("当前环节不能登记入户调查"), extra={"state": case.state})
    names = [name.strip() for name in data.investigators if name.strip()]
    if len(set(names)) < 2:
        raise InvalidInput("visit.investigators", _("入户调查须有不少于2名调查人员"), field="investigators")
    if data.method not in VisitMethod.values:
        raise InvalidInput("visit.method", _("调查方式无效"), field="method")
    if not data.findings.strip():
        raise InvalidInput("visit.findings", _("请填写调查情况"), field="findings")
    if data.visited_on < (case.accepted_on or case.intake.received_on):
        raise InvalidInput("visit.date", _("调查日期不能早于受理日期"), field="visited_on")
    visit = HomeVisit.objects.create(
        case=case, visited_on=data.visited_on, method=data.method, investigators=names,
        investigator_user_ids=sorted(set(data.investigator_user_ids) | {actor.user_id}), by_district=data.by_district,
        findings=data.findings.strip(), recorded_by_id=actor.user_id,
    )  # fmt: skip
    audit_record(actor=actor, action="case.home_visit", obj=case, region=case.region,
                 detail={"visit": visit.pk, "by_district": data.by_district})  # fmt: skip
    return visit


@transaction.atomic
def economic_check_complete(
    *, actor: Actor, case_id: int, completed_on: date, result: str, summary: str
) -> EconomicCheck:
    """Record the county's 信息核对 result; a discrepancy is told to the applicant, who may object (第18条)."""
    actor.require("case.accept")
    case = case_for_update(actor=actor, case_id=case_id)
    check = case.economic_checks.filter(completed_on__isnull=True).order_by("-requested_on").first()
    if check is None:
        raise Conflict("check.none_open", _("该申请没有待完成的信息核对"))
    if result not in CheckResult.values:
        raise InvalidInput("check.result", _("核对结果无效"), field="result")
    if completed_on < check.requested_on:
        raise InvalidInput("check.date", _("完成日期不能早于申请核对日期"), field="completed_on")
    check.completed_on, check.result, check.summary = completed_on, result, summary.strip()
    check.save(update_fields=["completed_on", "result", "summary"])
    audit_record(actor=actor, action="case.economic_check", obj=case, region=case.region, detail={"result": result})
    return check


@transaction.atomic
def case_extend(*, actor: Actor, case_id: int, reason: str) -> Case:
    """Extend the overall limit to the special limit (45 working days, 审核确认办法 第22条), once, with a reason."""
    actor.require("case.manage")
    case = case_for_update(actor=actor, case_id=case_id)
    if not case.is_open or case.accepted_on is None:
        raise Conflict("case.extend_state", _("只有已受理且未办结的申请可以延期"), extra={"state": case.state})
    if case.extended:
        raise Conflict("case.already_extended", _("该申请已延期，不能再次延期"))
    if not reason.strip():
        raise InvalidInput("case.reason_required", _("延期须填写理由"), field="reason")
    before = case.due_on
    case.extended, case.extension_reason = True, reason.strip()
    overall = deadlines.overall_due(case, deadlines.limits_for(case, case.accepted_on))
    case.due_on, case.due_provisional = overall.due_on, overall.provisional
    case.save(update_fields=["extended", "extension_reason", "due_on", "due_provisional", "updated_at"])
    detail = {"before": str(before), "after": str(case.due_on), "reason": case.extension_reason}
    audit_record(actor=actor, action="case.extend", obj=case, region=case.region, detail=detail)
    return case


@transaction.atomic
def case_assign(*, actor: Actor, case_id: int, assignee_id: int) -> Case:
    """Give the case to a caseworker of the case's township (or above) who may accept cases."""
    actor.require("case.manage")
    case = case_for_update(actor=actor, case_id=case_id)
    staff = Staff.objects.select_related("region").filter(user_id=assignee_id).first()
    if staff is None or not case.region.path.startswith(staff.region.path):
        raise InvalidInput("case.assignee", _("经办人须为该申请所属区划的工作人员"), field="assignee_id")
    if not staff.roles.filter(role="township_caseworker").exists():
        raise InvalidInput("case.assignee_role", _("经办人须具有乡镇经办角色"), field="assignee_id")
    case.assignee_id = assignee_id
    case.save(update_fields=["assignee", "updated_at"])
    audit_record(actor=actor, action="case.assign", obj=case, region=case.region, detail={"assignee": assignee_id})
    return case


@transaction.atomic
def case_advance_aid(*, actor: Actor, case_id: int, amount_fen: int, paid_on: date, reason: str) -> Case:
    """急难型: a small amount paid first by the township, paperwork afterwards (2020 意见 第15项)."""
    actor.require("case.accept")
    case = case_for_update(actor=actor, case_id=case_id)
    if not procedure_for(case.programme, case.aid_kind).advance_aid:
        raise Conflict("case.advance_not_allowed", _("只有急难型临时救助可以先行救助"))
    if not case.is_open or case.advance_aid_fen:
        raise Conflict("case.advance_state", _("该申请已办结或已先行救助"), extra={"state": case.state})
    cap = int(parameter_value(key="temporary_aid.emergency_first_fen", region=case.region, on=paid_on).value)
    if not 0 < amount_fen <= cap:
        message = _("先行救助金额须大于0且不超过 %(cap)s 元") % {"cap": f"{cap / 100:.2f}"}
        raise InvalidInput("case.advance_amount", message, field="amount_fen")
    if not reason.strip():
        raise InvalidInput("case.reason_required", _("请说明急难情况"), field="reason")
    case.advance_aid_fen = amount_fen
    case.save(update_fields=["advance_aid_fen", "updated_at"])
    detail = {"amount_fen": amount_fen, "paid_on": paid_on.isoformat(), "reason": reason.strip()}
    audit_record(actor=actor, action="case.advance_aid", obj=case, region=case.region, detail=detail)
    return case


@transaction.atomic
def decision_notified(*, actor: Actor, case_id: int, notified_on: date) -> Decision:
    """The written notice of a decision was delivered (refusals within 3 working days, 审核确认办法 第21条)."""
    actor.require("case.accept")
    case = case_for_update(actor=actor, case_id=case_id)
    decision = Decision.objects.filter(case=case).first()
    if decision is None:
        raise Conflict("decision.none", _("该申请尚未作出决定"))
    if decision.notified_on is not None:  # a delivered notice is a fact: not overwritten
        message = _("该决定已于 %(day)s 告知") % {"day": decision.notified_on.isoformat()}
        raise Conflict("decision.already_notified", message)
    if notified_on < decision.decided_on:
        raise InvalidInput("decision.notified_on", _("告知日期不能早于决定日期"), field="notified_on")
    decision.notified_on = notified_on
    decision.save(update_fields=["notified_on"])
    late = (
        decision.outcome == DecisionOutcome.REFUSED
        and bool(decision.notify_due_on)
        and (
            notified_on > decision.notify_due_on  # type: ignore[operator]
        )
    )
    audit_record(actor=actor, action="case.notified", obj=case, region=case.region,
                 detail={"on": notified_on.isoformat(), "late": late})  # fmt: skip
    return decision


@dataclass(frozen=True)
class BulkOutcome:
    done: list[int]
    failed: list[dict[str, Any]]  # {"case_id", "code", "message"}


def cases_bulk_act(*, actor: Actor, case_ids: list[int], data: ActionInput) -> BulkOutcome:
    """Apply one action to a page of cases, each checked on its own: the good ones proceed, each bad one says why.

    Deliberately one case at a time, each in its own transaction: the law requires every case to be checked
    individually (maker-checker, evidence, notice periods); a page holds at most a hundred cases."""
    done, failed = [], []
    for case_id in dict.fromkeys(case_ids):
        try:
            case_act(actor=actor, case_id=case_id, data=data)
            done.append(case_id)
        except ApplicationError as error:
            failed.append({"case_id": case_id, "code": error.code, "message": str(error.message)})
    return BulkOutcome(done=done, failed=failed)


def cases_bulk_assign(*, actor: Actor, case_ids: list[int], assignee_id: int) -> BulkOutcome:
    """Assign a page of cases to one caseworker, each checked on its own (see `cases_bulk_act`)."""
    done, failed = [], []
    for case_id in dict.fromkeys(case_ids):
        try:
            case_assign(actor=actor, case_id=case_id, assignee_id=assignee_id)
            done.append(case_id)
        except ApplicationError as error:
            failed.append({"case_id": case_id, "code": error.code, "message": str(error.message)})
    return BulkOutcome(done=done, failed=failed)


def assignable_staff(*, actor: Actor) -> list[tuple[int, str]]:
    """Caseworkers an actor may assign cases to: township caseworkers within the actor's region."""
    User = get_user_model()
    staff = Staff.objects.filter(region__path__startswith=actor.scope_path, roles__role="township_caseworker")
    users = User.objects.filter(staff__in=staff).select_related("staff").order_by("username")
    return [(int(user.pk), str(user.staff.display_name or user.get_username())) for user in users]
