"""The life of one synthetic case (`minzheng cases generate`): its actions, their dates and the rows they leave.

The actions come from the state machine of `cases/workflow.py` (each is checked against `actions_available`),
so every timeline is one the services allow and its last transition leads to the case's state. Dates are
working days laid out forward from the intake; an open case ends a chosen number of working days before
`today`, past its limit for the share of late cases, so the queue shows a realistic mix of overdue and due-soon
work. Notice periods come from `cases.deadlines`; limits are counted on `synthetic_calendar`'s working days.
Texts stored in rows (reasons, findings) are synthetic records, not interface strings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from minzheng.cases import deadlines
from minzheng.cases.models import CLOSED_STATES, CaseState
from minzheng.cases.synthetic_calendar import ONE_DAY, Rules, WorkCalendar
from minzheng.cases.workflow import ACTIONS, Procedure, action_target, actions_available, procedure_for

S = CaseState
OBJECTION_SHARE = 0.04  # of cases past a public notice
INTERRUPTED_SHARE = 0.03  # decided cases suspended and resumed on the way
CLOSED_WITHIN = 250  # closed cases ended within the last ~year (working days)
GAPS: dict[str, tuple[int, int]] = {  # working days since the previous step (object: calendar days into the notice)
    "accept": (0, 2), "investigate": (0, 2), "review": (4, 14), "object": (1, 6), "notice_end": (0, 2),
    "approve": (1, 8), "refuse": (1, 8), "suspend": (1, 6), "resume": (3, 10), "withdraw": (1, 8),
    "terminate": (5, 12),
}  # fmt: skip
REASONS: dict[str, tuple[str, ...]] = {
    "object": ("反映申请人家庭有经营性收入未如实申报", "反映申请人子女有稳定工作且赡养能力较强"),
    "suspend": ("申请人外出就医，暂无法配合入户调查", "待补充提供医疗费用票据"),
    "withdraw": ("申请人主动撤回申请", "申请人已就业，家庭收入增加，申请撤回"),
    "terminate": ("申请人无正当理由拒不配合入户调查", "申请人无正当理由拒绝授权核对家庭经济状况"),
    "refuse": (
        "家庭人均收入高于当地最低生活保障标准",
        "家庭财产状况超过规定标准",
        "经核对，家庭成员有机动车辆且不属于残疾人代步车",
        "申请人不符合认定条件",
    ),
}


@dataclass(frozen=True)
class Step:
    action: str
    on: date


@dataclass
class Path:
    """A timeline: the intake date, the steps, and one notice period per review with a public notice."""

    received: date
    steps: list[Step]
    notices: list[tuple[date, date]] = field(default_factory=list)

    @property
    def last(self) -> date:
        return self.steps[-1].on if self.steps else self.received


def actions_for(state: str, procedure: Procedure, rng: random.Random) -> list[str]:
    """The actions that lead from `submitted` to `state` in `procedure`, with the odd objection or interruption."""
    objected = procedure.notice and rng.random() < OBJECTION_SHARE
    reviews = ["review", "object", "review"] if objected else ["review"]
    to_decision = ["accept", "investigate", *reviews, *(["notice_end"] if procedure.notice else [])]
    if state == S.SUBMITTED:
        return []
    if state == S.ACCEPTED:
        return ["accept"]
    if state == S.INVESTIGATING:
        return ["accept", "investigate", *(["review", "object"] if objected else [])]
    if state == S.ON_NOTICE:
        return ["accept", "investigate", *reviews]
    if state == S.DISTRICT_REVIEW:
        return to_decision
    if state in {S.APPROVED, S.REFUSED}:
        interrupted = ["suspend", "resume"] if rng.random() < INTERRUPTED_SHARE else []
        outcome = "approve" if state == S.APPROVED else "refuse"
        return [*to_decision[:2], *interrupted, *to_decision[2:], outcome]
    if state == S.SUSPENDED:
        return [*rng.choice((["accept"], ["accept", "investigate"], ["accept", "investigate"])), "suspend"]
    if state == S.WITHDRAWN:
        return [*rng.choice(([], ["accept"], ["accept", "investigate"])), "withdraw"]
    return ["accept", "investigate", "terminate"]


def transitions_walk(actions: list[str], procedure: Procedure) -> list[tuple[str, str, str]]:
    """(action, from, to) for each action, checked against the state machine; a bug here is a ValueError."""
    state, suspended_from, walked = str(S.SUBMITTED), "", []
    for name in actions:
        action = ACTIONS[name]
        if action not in actions_available(state, procedure):
            raise ValueError(f"{name} is not allowed in {state} ({procedure.key})")
        target = action_target(action, procedure, suspended_from)
        suspended_from = state if name == "suspend" else ("" if name == "resume" else suspended_from)
        walked.append((name, state, target))
        state = target
    return walked


class Timeline:
    """Lays a case's actions out on working days so that the last one falls on a chosen day."""

    def __init__(self, calendar: WorkCalendar, rules: Rules) -> None:
        self.calendar = calendar
        self.rules = rules

    def path(
        self, *, state: str, programme: str, aid_kind: str, region_id: int, late: bool, rng: random.Random
    ) -> tuple[Procedure, Path]:
        procedure = procedure_for(programme, aid_kind)
        actions = actions_for(state, procedure, rng)
        gaps = [rng.randint(*GAPS[name]) for name in actions]
        target = self._target(state, procedure, actions, region_id, late, rng)
        start = target - sum(gaps) - 6 * actions.count("review")
        for attempt in range(40):  # the notice periods make the span depend on the start: converge on `target`
            path = self._simulate(max(start, 0), actions, gaps, procedure, region_id)
            shift = self.calendar.index(path.last) - target
            if shift == 0 or (shift < 0 and attempt >= 5):
                return procedure, path
            start -= shift
        raise ValueError(f"no timeline for {state} ending near {self.calendar.days[target]}")

    def _simulate(self, start: int, actions: list[str], gaps: list[int], procedure: Procedure, region_id: int) -> Path:
        days = self.calendar.days
        index, path = start, Path(received=days[start], steps=[])
        for name, gap in zip(actions, gaps, strict=True):
            if name == "object":  # a resident objects on any day of the notice
                starts_on, ends_on = path.notices[-1]
                day = min(starts_on + timedelta(days=gap - 1), ends_on)
                index = self.calendar.index(day)
                path.steps.append(Step(name, day))
                continue
            if name == "notice_end":  # only after the notice has run its course
                index = self.calendar.index(path.notices[-1][1] + ONE_DAY) + gap
            else:
                index += gap
            day = days[index]
            if name == "review" and procedure.notice:
                limits = self.rules.limits(region_id, procedure, day)
                length = limits.required("renotice_days" if path.notices else "notice_days")
                path.notices.append(deadlines.notice_period(day + ONE_DAY, length))
            path.steps.append(Step(name, day))
        return path

    def _target(
        self, state: str, procedure: Procedure, actions: list[str], region_id: int, late: bool, rng: random.Random
    ) -> int:
        """The working-day index of the last step: closed cases within the last year, open ones recently."""
        today = self.calendar.today_index
        if state in CLOSED_STATES:
            return today - rng.randint(1, CLOSED_WITHIN)
        if state == S.SUBMITTED:
            return today - rng.randint(0, 4)
        limits = self.rules.limits(region_id, procedure, self.calendar.today)
        if state == S.ON_NOTICE:
            length = limits.required("renotice_days" if actions.count("review") > 1 else "notice_days")
            back = rng.randint(length, length + 6) if late else rng.randint(0, length - 1)
            return min(self.calendar.index(self.calendar.today - timedelta(days=back)), today)
        return today - self._idle(state, procedure, limits, late, rng)

    @staticmethod
    def _idle(state: str, procedure: Procedure, limits: deadlines.Limits, late: bool, rng: random.Random) -> int:
        """Working days since the last step: within the step's limit (or the overall one), or past it when late."""
        if state == S.SUSPENDED:
            return rng.randint(1, 6)
        if state == S.ACCEPTED:
            step = limits.number(procedure.investigation_limit) or limits.number(procedure.review_limit)
        elif state == S.INVESTIGATING:
            step = limits.number(procedure.review_limit)
        else:
            step = limits.number(procedure.district_limit)
        bound = step or limits.required("total_wd")
        if late:
            return bound + rng.randint(1, 8)
        return rng.randint(0, min(bound - 1, 4 if state == S.ACCEPTED else 14))
