"""The rows one synthetic case leaves (`minzheng cases generate`): intake, case, transitions, investigation
records, notices, objections, decision, referral and the enrolment handed to payments.

Each action has the effects `case_act` gives it (cases/services.py): `accept` sets the delegation flag, `review`
stores the assessment and publishes a notice, `object` and `notice_end` close it and add its working days to
the excluded days, `approve` needs the district's own visit when one is required, and the deadlines are updated
after every step as `_deadlines_update` does. Primary keys are assigned here (`Ids`), so rows can point at
each other before anything is written. Texts in rows are synthetic records, not interface strings.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from minzheng.cases.deadlines import Limits
from minzheng.cases.models import CLOSED_STATES, Case, CaseState
from minzheng.cases.services import recheck_drawn
from minzheng.cases.synthetic_calendar import Rules, WorkCalendar
from minzheng.cases.synthetic_timeline import REASONS, Timeline, transitions_walk
from minzheng.cases.workflow import ONE_OFF_PROGRAMMES, STATUS_PROGRAMMES
from minzheng.core.calendar.selectors import Deadline, month_start, months_add
from minzheng.core.masking import mask_given_name
from minzheng.core.programmes import Programme

S = CaseState
Row = dict[str, Any]
LOCAL = ZoneInfo("Asia/Shanghai")
EXTENDED_SHARE = 0.04
REFERRAL_SHARE = 0.2
ADVANCE_SHARE = 0.4  # emergency cases paid a small advance first
DIBAO_FAMILY = frozenset({Programme.DIBAO, Programme.DIBAO_SINGLE})
TABLES = ("intake", "case", "economiccheck", "homevisit", "publicnotice", "objection", "transition", "decision",
          "referral")  # fmt: skip
FINDINGS = (
    "家庭成员{n}人，住房为自建砖混房屋，家中无贵重物品，主要收入为务农和零工。",
    "申请人患慢性病长期服药，配偶在家照料，家庭无稳定收入。",
    "家庭成员{n}人，子女在校就读，租住公房，收入来源单一。",
)
MATTERS = {
    "education": "子女就学资助（学费减免、助学金）",
    "human_resources": "就业援助：推荐公益性岗位和职业技能培训",
    "housing": "住房救助：公租房保障或农村危房改造",
    "health": "家庭医生签约和慢性病健康管理",
    "medical_insurance": "医疗救助：住院自付费用救助和参保资助",
    "emergency_management": "受灾人员生活救助",
    "disabled_persons_federation": "残疾人康复服务和辅助器具适配",
    "rural_revitalisation": "防止返贫监测帮扶",
}
DEPARTMENT_WEIGHTS = {"medical_insurance": 30, "education": 15, "human_resources": 15, "housing": 10, "health": 8,
                      "disabled_persons_federation": 8}  # fmt: skip


class StaffUser(NamedTuple):
    user_id: int
    username: str
    name: str
    roles: str  # as Transition.role records it


class Crew(NamedTuple):
    """Who acts on a village's cases: the nearest staff of each role."""

    assistant: StaffUser | None
    caseworker: StaffUser
    reviewer: StaffUser
    approver: StaffUser


class HouseholdRow(NamedTuple):
    id: int
    region_id: int
    urban: bool
    head_id: int
    head_name: str
    phone: str
    members: int


@dataclass(frozen=True)
class Plan:
    """What a case will be: drawn by `synthetic_world`, laid out by `Timeline`, written by `CaseRows`."""

    programme: str
    aid_kind: str
    state: str
    household: HouseholdRow
    person: tuple[int, str] | None
    eligible: bool  # as the household's assessment says (or as drawn without one)
    amount_fen: int  # the assessed amount when eligible
    claimed_fen: int  # a plausible amount, approved with a reason when the assessment disagrees
    assessment_id: int | None
    channel: str
    related_party: bool
    late: bool  # an open case left past its limit
    region_code: str
    crew: Crew
    officers: Mapping[int, int]  # department id → the user id of its officer for this village


class Ids:
    """The next primary key per table, after the current maximum."""

    def __init__(self, start: Mapping[str, int]) -> None:
        self._next = dict(start)

    def take(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value


@dataclass
class Output:
    """Rows per table (dicts keyed by column) and the enrolment rows for payments."""

    tables: dict[str, list[Row]]
    enrolments: list[Row]

    @classmethod
    def empty(cls) -> Output:
        return cls({table: [] for table in TABLES}, [])


class Context(NamedTuple):
    calendar: WorkCalendar
    rules: Rules
    timeline: Timeline
    ids: Ids
    departments: list[tuple[int, str]]
    stamp: Callable[[date, int], Any]  # a database-ready timestamp on a day, minutes after 09:00


def stamp_function(adapt: Callable[[datetime], Any]) -> Callable[[date, int], Any]:
    cache: dict[tuple[date, int], Any] = {}

    def stamp(day: date, minutes: int) -> Any:
        key = (day, minutes)
        if key not in cache:
            cache[key] = adapt(datetime.combine(day, time(9), tzinfo=LOCAL) + timedelta(minutes=minutes))
        return cache[key]

    return stamp


class CaseRows:
    """Walks one plan's timeline and appends its rows to `out`."""

    def __init__(self, context: Context, plan: Plan, rng: random.Random, out: Output) -> None:
        self.c, self.plan, self.rng, self.out = context, plan, rng, out
        self.procedure, self.path = context.timeline.path(
            state=plan.state, programme=plan.programme, aid_kind=plan.aid_kind,
            region_id=plan.household.region_id, late=plan.late, rng=rng,
        )  # fmt: skip
        self.case_id, self.intake_id = context.ids.take("case"), context.ids.take("intake")
        self.accepted_on: date | None = None
        self.delegated = False
        self.extended = rng.random() < EXTENDED_SHARE
        self.excluded = 0
        self.visit_required = plan.related_party
        self.last_open: tuple[date, Limits] | None = None
        self.last_step: tuple[str, date, Limits, int] | None = None
        self.closed_on: date | None = None
        self.assessed = False
        self.advance_fen = 0
        self.notices: list[Row] = []
        self.suspended_from = ""

    def write(self) -> None:
        names = [step.action for step in self.path.steps]
        walked = transitions_walk(names, self.procedure)
        for number, (step, (name, source, target)) in enumerate(zip(self.path.steps, walked, strict=True)):
            limits = self.c.rules.limits(self.plan.household.region_id, self.procedure, step.on)
            detail, reason = getattr(self, f"_{name}")(step.on, number, limits)
            self._deadlines(target, step.on, limits)
            self.suspended_from = source if name == "suspend" else ("" if name == "resume" else self.suspended_from)
            actor = self._actor(name)
            self.out.tables["transition"].append({
                "id": self.c.ids.take("transition"), "case_id": self.case_id, "action": name, "from_state": source,
                "to_state": target, "on": step.on, "at": self.c.stamp(step.on, 10 * number + 5),
                "actor_id": actor.user_id, "actor_name": actor.username, "role": actor.roles, "reason": reason,
                "detail": json.dumps(detail),
            })  # fmt: skip
        state = walked[-1][2] if walked else S.SUBMITTED
        self._case_row(state)
        self._intake_row()
        if self.rng.random() < REFERRAL_SHARE:
            self._referral_row()

    def _actor(self, action: str) -> StaffUser:
        crew = self.plan.crew
        return {"review": crew.reviewer, "notice_end": crew.reviewer, "approve": crew.approver,
                "refuse": crew.approver}.get(action, crew.caseworker)  # fmt: skip

    def _deadlines(self, state: str, on: date, limits: Limits) -> None:
        """Note what `services._deadlines_update` reads; `_limits_final` computes only what the last step left."""
        if state in CLOSED_STATES:
            self.closed_on = on
            return
        self.last_open = (on, limits)  # the overall limit, as recomputed by every step that leaves the case open
        if state != S.SUSPENDED:  # suspension keeps the step limit in force
            self.last_step = (state, on, limits, len(self.notices))

    def _limits_final(self, state: str) -> tuple[Deadline | None, Deadline | None]:
        """(overall due, step due) as the case's last step left them; a closed case keeps the overall one."""
        due = step = None
        if self.accepted_on is not None and self.last_open is not None:
            due = self.c.rules.overall_due(self.last_open[1], self.accepted_on, delegated=self.delegated,
                                           extended=self.extended, excluded=self.excluded)  # fmt: skip
        if state not in CLOSED_STATES and self.last_step is not None:
            entered, on, limits, notice_round = self.last_step
            if entered == S.ON_NOTICE:  # the notice's last day
                step = Deadline(self.notices[notice_round - 1]["ends_on"], False)
            else:
                step = self.c.rules.step_due(limits, entered, self.accepted_on, on, notice_round=notice_round)
        return due, step

    # Effects of each action: (detail, reason) of the transition, as the service's handler records them.

    def _accept(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        self.accepted_on, self.delegated = on, limits.flag("delegated")
        if self.procedure.advance_aid and self.rng.random() < ADVANCE_SHARE:
            cap = self.c.rules.value(self.plan.household.region_id, "temporary_aid.emergency_first_fen", on)
            self.advance_fen = min(int(cap), self.rng.randint(3, 8) * 10_000) if cap else 0
        return {"declared_recorded": 0, "delegated": self.delegated}, ""

    def _investigate(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        until = self._until("review", number)
        reviewed = any(step.action == "review" for step in self.path.steps[number:])
        detail: Row = {}
        if self.procedure.economic_check:
            detail["economic_check"] = self._check_row(on, until, completed=reviewed or self.rng.random() < 0.5)
        if self.procedure.home_visit and (reviewed or self.rng.random() < 0.6):
            self._visit_row(self.c.calendar.between(on, until, self.rng), by_district=False)
        return detail, ""

    def _until(self, action: str, number: int) -> date:
        """The date of the next `action` after step `number`, else the case's last day (today if open)."""
        later = [step.on for step in self.path.steps[number + 1 :] if step.action == action]
        if later:
            return later[0]
        return self.c.calendar.today if self.plan.state not in CLOSED_STATES else self.path.last

    def _review(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        self.assessed = True
        plan = self.plan
        detail: Row = {"assessment": plan.assessment_id, "eligible": plan.eligible, "amount_fen": self._assessed()}
        if self.procedure.notice:
            detail["notice"] = self._notice_row(on)
        return detail, ""

    def _assessed(self) -> int:
        return self.plan.amount_fen if self.plan.eligible else 0

    def _object(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        notice = self.notices[-1]
        notice["closed_on"], notice["objected"] = on, True
        self.excluded += self.c.calendar.notice_excluded(notice["starts_on"], on)
        self.visit_required = True
        content = self.rng.choice(REASONS["object"])
        self.out.tables["objection"].append({
            "id": self.c.ids.take("objection"), "notice_id": notice["id"], "received_on": on,
            "objector_name": self.rng.choice(("李某", "王某", "张某", "刘某")),
            "objector_contact": f"13{self.rng.randint(0, 999_999_999):09d}", "content": content,
            "recorded_by_id": self.plan.crew.caseworker.user_id,
        })  # fmt: skip
        return {"notice": notice["id"]}, content

    def _notice_end(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        notice = self.notices[-1]
        notice["closed_on"] = notice["ends_on"]
        self.excluded += self.c.calendar.notice_excluded(notice["starts_on"], notice["ends_on"])
        drawn = bool(self.procedure.recheck_share) and recheck_drawn(Case(pk=self.case_id), limits)
        self.visit_required = self.visit_required or drawn
        return {"notice": notice["id"], "recheck_drawn": drawn}, ""

    def _approve(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        if self.visit_required:
            self._visit_row(self.c.calendar.between(self.path.steps[number - 1].on, on, self.rng), by_district=True)
        plan = self.plan
        amount = plan.amount_fen if plan.eligible else plan.claimed_fen
        override = amount != self._assessed() or not plan.eligible
        reason = "经入户核实和民主评议，家庭实际生活困难，按核定金额批准" if override else ""
        decision = self._decision_row(on, "approved", amount=amount, reason=reason, override=override)
        if plan.programme not in STATUS_PROGRAMMES | ONE_OFF_PROGRAMMES:
            self._enrolment_row(decision, on)
        detail = {"decision": decision["id"], "amount_fen": amount, "assessed_amount_fen": self._assessed(),
                  "override": override}  # fmt: skip
        return detail, reason

    def _refuse(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        reason = self.rng.choice(REASONS["refuse"])
        decision = self._decision_row(on, "refused", amount=0, reason=reason, override=False)
        return {"decision": decision["id"], "notify_due_on": decision["notify_due_on"].isoformat()}, reason

    def _suspend(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        return {}, self.rng.choice(REASONS["suspend"])

    def _resume(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        return {}, ""

    def _withdraw(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        return {}, self.rng.choice(REASONS["withdraw"])

    def _terminate(self, on: date, number: int, limits: Limits) -> tuple[Row, str]:
        return {}, self.rng.choice(REASONS["terminate"])

    # Rows.

    def _check_row(self, on: date, until: date, *, completed: bool) -> int:
        check_id = self.c.ids.take("economiccheck")
        region_id = self.plan.household.region_id
        days = int(self.c.rules.value(region_id, "cases.economic_check_start_wd", on) or 3)
        discrepancy = self.rng.random() < 0.08
        self.out.tables["economiccheck"].append({
            "id": check_id, "case_id": self.case_id, "requested_on": on,
            "start_due_on": self.c.calendar.deadline(on, days).due_on,
            "completed_on": self.c.calendar.between(on, until, self.rng) if completed else None,
            "result": ("discrepancy" if discrepancy else "consistent") if completed else "",
            "summary": ("核对发现银行存款与申报不一致，已告知申请人" if discrepancy else "核对结果与申报情况一致")
            if completed else "",
        })  # fmt: skip
        return check_id

    def _visit_row(self, on: date, *, by_district: bool) -> None:
        crew = self.plan.crew
        recorder = crew.approver if by_district else crew.caseworker
        second = "区县民政局工作人员" if by_district else (crew.assistant.name if crew.assistant else "村委会干部")
        helpers = [] if by_district or crew.assistant is None else [crew.assistant.user_id]
        findings = self.rng.choice(FINDINGS).format(n=self.plan.household.members)
        self.out.tables["homevisit"].append({
            "id": self.c.ids.take("homevisit"), "case_id": self.case_id, "visited_on": on,
            "method": "remote" if self.rng.random() < 0.05 else "in_person",
            "investigators": json.dumps([recorder.name, second], ensure_ascii=False),
            "investigator_user_ids": json.dumps(sorted({recorder.user_id, *helpers})), "by_district": by_district,
            "findings": findings, "recorded_by_id": recorder.user_id, "created_at": self.c.stamp(on, 240),
        })  # fmt: skip

    def _notice_row(self, on: date) -> int:
        starts_on, ends_on = self.path.notices[len(self.notices)]
        plan = self.plan
        name = plan.person[1] if plan.person else plan.household.head_name
        notice_id = self.c.ids.take("publicnotice")
        notice: Row = {
            "id": notice_id, "case_id": self.case_id, "region_id": plan.household.region_id,
            "round": len(self.notices) + 1, "starts_on": starts_on, "ends_on": ends_on,
            "name_masked": mask_given_name(name), "members": 1 if plan.person else plan.household.members,
            "amount_fen": self._assessed(), "closed_on": None, "objected": False,
        }  # fmt: skip
        self.notices.append(notice)
        self.out.tables["publicnotice"].append(notice)
        return notice_id

    def _decision_row(self, on: date, outcome: str, *, amount: int, reason: str, override: bool) -> Row:
        region_id, calendar = self.plan.household.region_id, self.c.calendar
        notify_due = None
        if outcome == "refused":
            days = int(self.c.rules.value(region_id, "cases.refusal_notice_wd", on) or 3)
            notify_due = calendar.deadline(on, days).due_on
        decision = {
            "id": self.c.ids.take("decision"), "case_id": self.case_id, "outcome": outcome, "decided_on": on,
            "amount_fen": amount, "assessed_amount_fen": self._assessed(),
            "override_reason": reason if override else "",
            "start_month": self._start_month(on) if outcome == "approved" else None, "reasons": reason,
            "notify_due_on": notify_due, "notified_on": self._notified_on(on, notify_due),
            "document_number": f"{self.plan.region_code[:6]}-{on:%Y}-{self.case_id:06d}",
            "decided_by_id": self.plan.crew.approver.user_id,
        }  # fmt: skip
        self.out.tables["decision"].append(decision)
        return decision

    def _notified_on(self, decided_on: date, due: date | None) -> date | None:
        """Most decisions are delivered within days; a few refusals are still undelivered after the limit."""
        calendar = self.c.calendar
        if due is not None and due < calendar.today and self.rng.random() < 0.1:
            return None
        delivered = calendar.deadline(decided_on, self.rng.randint(0, 4)).due_on
        return delivered if delivered <= calendar.today else None

    def _start_month(self, on: date) -> date:
        key = self.procedure.payment_start
        rule = self.c.rules.value(self.plan.household.region_id, key, on) if key else None
        return months_add(month_start(on), 1) if rule == "next_month" else month_start(on)

    def _enrolment_row(self, decision: Row, on: date) -> None:
        plan = self.plan
        frequency, months = self._review_frequency()
        reviews, due = [], months_add(on, months)
        while due <= self.c.calendar.today and self.rng.random() < 0.93:  # reviews done on time, a few missed
            reviewed = min(due + timedelta(days=self.rng.randint(0, 5)), self.c.calendar.today)
            reviews.append(reviewed)
            due = months_add(reviewed, months)
        self.out.enrolments.append({
            "programme": plan.programme, "household_id": plan.household.id,
            "person_id": plan.person[0] if plan.person else None, "region_id": plan.household.region_id,
            "case_id": self.case_id, "decision_id": decision["id"], "amount_fen": decision["amount_fen"],
            "start_month": decision["start_month"], "decided_on": on, "review_frequency": frequency,
            "next_review_on": due, "reviewed_on": reviews, "actor_id": plan.crew.approver.user_id,
        })  # fmt: skip

    def _review_frequency(self) -> tuple[str, int]:
        """低保 families as payments.review_frequency spreads them; every other programme yearly."""
        if self.plan.programme not in DIBAO_FAMILY:
            return "yearly", 12
        draw = self.rng.random()
        if draw < 0.15:
            return ("monthly", 1) if self.plan.household.urban else ("quarterly", 3)
        return ("yearly", 12) if draw < 0.45 else ("half_yearly", 6)

    def _case_row(self, state: str) -> None:
        plan, received = self.plan, self.path.received
        due, step_due = self._limits_final(state)
        self.out.tables["case"].append({
            "id": self.case_id, "intake_id": self.intake_id, "household_id": plan.household.id,
            "person_id": plan.person[0] if plan.person else None, "region_id": plan.household.region_id,
            "programme": plan.programme, "aid_kind": plan.aid_kind, "procedure": self.procedure.key, "state": state,
            "suspended_from": self.suspended_from, "accepted_on": self.accepted_on,
            "due_on": due.due_on if due else None, "due_provisional": bool(due and due.provisional),
            "step_due_on": step_due.due_on if step_due else None,
            "step_due_provisional": bool(step_due and step_due.provisional),
            "excluded_days": self.excluded, "extended": self.extended and self.accepted_on is not None,
            "extension_reason": "需补充调查家庭经济状况，经批准延长办理期限"
            if self.extended and self.accepted_on else "",
            "delegated": self.delegated, "related_party": plan.related_party,
            "district_visit_required": self.visit_required, "notice_round": len(self.notices),
            "assessment_id": plan.assessment_id if self.assessed else None,
            "assessed_amount_fen": self._assessed() if self.assessed else None,
            "assessed_eligible": plan.eligible if self.assessed else None, "advance_aid_fen": self.advance_fen,
            "assignee_id": plan.crew.caseworker.user_id if self.accepted_on else None, "closed_on": self.closed_on,
            "created_at": self.c.stamp(received, 0), "updated_at": self.c.stamp(self.path.last, 60),
        })  # fmt: skip

    def _intake_row(self) -> None:
        plan, crew = self.plan, self.plan.crew
        assistant = crew.assistant or crew.caseworker
        creator = {"online": None, "assistant": assistant.user_id}.get(plan.channel, crew.caseworker.user_id)
        self.out.tables["intake"].append({
            "id": self.intake_id, "household_id": plan.household.id, "applicant_id": plan.household.head_id,
            "region_id": plan.household.region_id, "channel": plan.channel, "received_on": self.path.received,
            "contact_phone": plan.household.phone, "authorisation_signed_on": self.path.received,
            "proxy_name": f"{assistant.name}（村居协理员）" if plan.channel == "assistant" else "",
            "proxy_authorised": plan.channel == "assistant", "related_party": plan.related_party,
            "related_party_note": "申请人系村（居）委会成员的近亲属" if plan.related_party else "",
            "other_needs": "", "declared": "[]", "declared_recorded_on": self.accepted_on, "source_alert_id": None,
            "created_by_id": creator, "created_at": self.c.stamp(self.path.received, 0),
        })  # fmt: skip

    def _referral_row(self) -> None:
        department_id, code = self.rng.choices(
            self.c.departments, weights=[DEPARTMENT_WEIGHTS.get(code, 2) for _, code in self.c.departments]
        )[0]
        calendar, sent_on = self.c.calendar, self.path.received
        days = int(self.c.rules.value(self.plan.household.region_id, "cases.referral_feedback_wd", sent_on) or 10)
        due = calendar.deadline(sent_on, days)
        status, feedback_on, escalated_on = self._referral_progress(sent_on, due.due_on)
        self.out.tables["referral"].append({
            "id": self.c.ids.take("referral"), "intake_id": self.intake_id, "case_id": self.case_id,
            "department_id": department_id, "region_id": self.plan.household.region_id,
            "matter": MATTERS.get(code, "协助解决其他生活困难"), "sent_on": sent_on, "due_on": due.due_on,
            "due_provisional": due.provisional, "status": status,
            "feedback": {"helped": "已按规定给予帮扶", "declined": "经核查不符合本部门救助条件"}.get(status, ""),
            "feedback_on": feedback_on, "escalated_on": escalated_on,
            "sent_by_id": self.plan.crew.caseworker.user_id,
            "feedback_by_id": self.plan.officers.get(department_id) if feedback_on else None,
        })  # fmt: skip

    def _referral_progress(self, sent_on: date, due_on: date) -> tuple[str, date | None, date | None]:
        """Answered (accepted, helped or declined), still waiting, or waiting past the deadline (some escalated)."""
        calendar, rng = self.c.calendar, self.rng
        answered = rng.random() < (0.8 if due_on < calendar.today else 0.4)
        if answered:
            status = rng.choices(("helped", "accepted", "declined"), weights=(5, 3, 2))[0]
            return status, calendar.between(sent_on, min(due_on + timedelta(days=5), calendar.today), rng), None
        if due_on < calendar.today - timedelta(days=7) and rng.random() < 0.6:
            return "sent", None, calendar.deadline(due_on, 1).due_on  # escalated by an earlier daily run
        return "sent", None, None
