"""Case-workflow API under /api/v1: applications (intake, the work queue, one case, its transitions) and the
casework that does not move a case (home visits, the county's check, extension, assignment, advance aid,
notification). Materials, documents, notices, referrals and a household's assistance chain are in
`cases/api_records.py`, mounted on this router.

Handlers parse input, call a service or selector with the request's actor, and render with `cases/api_render.py`.
Scope, permissions, state checks and audit are the services' and selectors' job; every refusal reaches the
client through the API's one exception handler (404 outside the region, 403 without the role, 409 for a state
that does not allow the action, 422 with field paths for bad input).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from minzheng.cases import casework
from minzheng.cases.api_out import (
    ERRORS,
    ApplicationPageOut,
    BulkOut,
    CaseOut,
    DecisionOut,
    EconomicCheckOut,
    ErrorOut,
    HomeVisitOut,
    IntakeOut,
    TransitionConflictOut,
)
from minzheng.cases.api_records import router as records_router
from minzheng.cases.api_render import (
    case_detail,
    case_rows,
    decision_out,
    economic_check_out,
    home_visit_out,
    intake_out,
)
from minzheng.cases.intake import intake_create
from minzheng.cases.schemas import (
    AdvanceAidIn,
    ApplicationQuery,
    AssigneeIn,
    BulkTransitionIn,
    EconomicCheckIn,
    ExtensionIn,
    HomeVisitIn,
    IntakeIn,
    NotifiedIn,
    TransitionIn,
)
from minzheng.cases.selectors import QueueFilter, case_get, case_queue
from minzheng.cases.services import case_act
from minzheng.cases.workflow import ACTIONS
from minzheng.core.access.actor import Actor, actor_for_request
from minzheng.core.pagination import cursor_decode, keyset_page
from minzheng.registry.selectors import region_in_scope

router = Router(tags=["applications"])
router.add_router("/", records_router)


def _require_action_role(actor: Actor, action: str) -> None:
    """Refuse (403) a role that may never perform `action`, before any case is looked up, as the web pages do;
    `case_act` then checks the exact permission (approval may be delegated to the township reviewer)."""
    if action in ACTIONS:
        actor.require("case.approve_delegated" if action in {"approve", "refuse"} else ACTIONS[action].permission)


@router.get(
    "/applications",
    response={200: ApplicationPageOut, ERRORS: ErrorOut},
    operation_id="application_list",
    summary=str(_("救助申请列表（工作队列）")),
    description=str(_("按状态、项目、紧急程度、经办人、区划筛选；姓名脱敏；游标分页，新申请在前。")),
)
def application_list(request: HttpRequest, query: Query[ApplicationQuery]) -> dict[str, Any]:
    actor = actor_for_request(request)
    region = region_in_scope(actor=actor, code=query.region, permission="case.view") if query.region else None
    filters = QueueFilter(
        state=query.state or "", programme=query.programme or "", urgency=query.urgency or "", mine=query.mine,
        open_only=query.open_only,
    )  # fmt: skip
    cases = case_queue(actor=actor, filters=filters, today=timezone.localdate()).select_related("assignee__staff")
    if region is not None:  # a narrower part of the actor's own scope, which the selector has applied
        cases = cases.filter(region__path__startswith=region.path)
    page = keyset_page(cases, after=cursor_decode(query.cursor), limit=query.limit, order="-pk")
    return {"items": case_rows(page.items), "next_cursor": page.next_cursor}


@router.post(
    "/applications",
    response={201: IntakeOut, ERRORS: ErrorOut},
    operation_id="application_create",
    summary=str(_("受理登记（一门受理）")),
    description=str(
        _(
            "登记一次救助申请：已登记家庭或同时登记新家庭，申请的各救助项目各成一件申请，申报的收入财产，"
            "以及转办其他部门的事项。所有字段错误一次性返回（422，路径如 programmes[0].person_id）。"
        )
    ),
)
def application_create(request: HttpRequest, payload: IntakeIn) -> Status[dict[str, Any]]:
    intake = intake_create(actor=actor_for_request(request), data=payload.to_input())
    return Status(201, intake_out(intake))


# Before "/applications/{case_id}", whose pattern would otherwise take "bulk-transitions" for a case id.
@router.post(
    "/applications/bulk-transitions",
    response={200: BulkOut, ERRORS: ErrorOut},
    operation_id="application_bulk_transition",
    summary=str(_("批量办理")),
    description=str(
        _("逐件检查、逐件办理：不能办理的逐件说明原因，部分失败仍返回 200；无权执行该操作的角色返回 403。")
    ),
)
def application_bulk_transition(request: HttpRequest, payload: BulkTransitionIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    _require_action_role(actor, payload.action)
    outcome = casework.cases_bulk_act(actor=actor, case_ids=payload.case_ids, data=payload.to_input())
    return {"done": outcome.done, "failed": outcome.failed}


@router.get(
    "/applications/{case_id}",
    response={200: CaseOut, ERRORS: ErrorOut},
    operation_id="application_get",
    summary=str(_("救助申请详情")),
    description=str(
        _("状态、期限、金额、当前用户可执行的操作、办理记录、调查核对、公示与异议、材料、转办和决定；记入审计。")
    ),
)
def application_get(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = actor_for_request(request)
    return case_detail(actor=actor, case=case_get(actor=actor, case_id=case_id))


@router.post(
    "/applications/{case_id}/transitions",
    response={200: CaseOut, ERRORS - {409}: ErrorOut, 409: TransitionConflictOut},
    operation_id="application_transition",
    summary=str(_("办理申请：受理、调查、初审、公示、审批等")),
    description=str(
        _(
            "当前状态不允许该操作时返回 409，响应中 state 为当前状态，allowed_actions 为当前用户可执行的操作；"
            "调查或初审过该申请的人员不能审批（409 case.maker_checker）。"
        )
    ),
)
def application_transition(request: HttpRequest, case_id: int, payload: TransitionIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    _require_action_role(actor, payload.action)
    case = case_act(actor=actor, case_id=case_id, data=payload.to_input())
    return case_detail(actor=actor, case=case)


@router.post(
    "/applications/{case_id}/home-visits",
    response={201: HomeVisitOut, ERRORS: ErrorOut},
    operation_id="application_home_visit",
    summary=str(_("登记入户调查")),
    description=str(_("不少于2名调查人员；by_district=true 为区县审批前的入户核查。")),
)
def application_home_visit(request: HttpRequest, case_id: int, payload: HomeVisitIn) -> Status[dict[str, Any]]:
    visit = casework.home_visit_record(actor=actor_for_request(request), case_id=case_id, data=payload.to_input())
    return Status(201, home_visit_out(visit))


@router.post(
    "/applications/{case_id}/economic-check",
    response={200: EconomicCheckOut, ERRORS: ErrorOut},
    operation_id="application_economic_check",
    summary=str(_("登记家庭经济状况核对结果")),
)
def application_economic_check(request: HttpRequest, case_id: int, payload: EconomicCheckIn) -> dict[str, Any]:
    check = casework.economic_check_complete(
        actor=actor_for_request(request), case_id=case_id, completed_on=payload.completed_on,
        result=payload.result, summary=payload.summary,
    )  # fmt: skip
    return economic_check_out(check)


@router.post(
    "/applications/{case_id}/extension",
    response={200: CaseOut, ERRORS: ErrorOut},
    operation_id="application_extend",
    summary=str(_("延长办结期限")),
    description=str(_("特殊情况延长至特别期限，每件申请只能延期一次，须说明理由。")),
)
def application_extend(request: HttpRequest, case_id: int, payload: ExtensionIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    case = casework.case_extend(actor=actor, case_id=case_id, reason=payload.reason)
    return case_detail(actor=actor, case=case)


@router.post(
    "/applications/{case_id}/assignee",
    response={200: CaseOut, ERRORS: ErrorOut},
    operation_id="application_assign",
    summary=str(_("分配经办人")),
)
def application_assign(request: HttpRequest, case_id: int, payload: AssigneeIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    case = casework.case_assign(actor=actor, case_id=case_id, assignee_id=payload.assignee_id)
    return case_detail(actor=actor, case=case)


@router.post(
    "/applications/{case_id}/advance-aid",
    response={200: CaseOut, ERRORS: ErrorOut},
    operation_id="application_advance_aid",
    summary=str(_("小金额先行救助")),
    description=str(_("仅急难型临时救助；金额不超过当地规定的先行救助上限（分）。")),
)
def application_advance_aid(request: HttpRequest, case_id: int, payload: AdvanceAidIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    case = casework.case_advance_aid(
        actor=actor, case_id=case_id, amount_fen=payload.amount_fen, paid_on=payload.paid_on, reason=payload.reason
    )
    return case_detail(actor=actor, case=case)


@router.post(
    "/applications/{case_id}/notified",
    response={200: DecisionOut, ERRORS: ErrorOut},
    operation_id="application_notified",
    summary=str(_("登记决定书送达日期")),
    description=str(_("不予批准的须在决定后3个工作日内书面告知。")),
)
def application_notified(request: HttpRequest, case_id: int, payload: NotifiedIn) -> dict[str, Any]:
    decision = casework.decision_notified(
        actor=actor_for_request(request), case_id=case_id, notified_on=payload.notified_on
    )
    return decision_out(decision)
