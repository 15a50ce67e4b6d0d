"""The life of an enrolment after approval: start, periodic review (复核), amount change, 渐退, suspension, stop.

Review frequency (审核确认办法 第31条; 重庆条例 第26条; REFERENCE §16 row 12, the most frequent applies):
a working-age member able to work and without employment → monthly (urban) or quarterly (rural); otherwise
a member seriously ill or with a grade 1–2 disability → yearly; otherwise half-yearly. Other programmes are
reviewed yearly. A change of amount closes the enrolment and starts a new one that supersedes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.calendar.selectors import month_start, months_add
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.parameters.selectors import parameter_value
from minzheng.core.programmes import Programme
from minzheng.core.regions.models import Region
from minzheng.payments.models import Enrolment, EnrolmentEvent, EnrolmentEventKind, EnrolmentState, ReviewFrequency
from minzheng.registry.selectors import household_member_facts

_FREQUENCY_MONTHS: dict[str, int] = {
    ReviewFrequency.MONTHLY: 1,
    ReviewFrequency.QUARTERLY: 3,
    ReviewFrequency.HALF_YEARLY: 6,
    ReviewFrequency.YEARLY: 12,
}
_DIBAO_FAMILY = frozenset({Programme.DIBAO, Programme.DIBAO_SINGLE})
_PAYING = frozenset({EnrolmentState.ACTIVE, EnrolmentState.PHASE_OUT})


@dataclass(frozen=True)
class EnrolmentStart:
    """What an approval decision (cases) hands over to start paying."""

    programme: str
    household_id: int
    person_id: int | None
    region: Region
    urban: bool
    case_id: int
    decision_id: int
    amount_fen: int
    start_month: date
    decided_on: date


def review_frequency(*, start: EnrolmentStart) -> str:
    if start.programme not in _DIBAO_FAMILY:
        return ReviewFrequency.YEARLY
    on = start.decided_on
    low = int(parameter_value(key="enrolment.working_age_from", region=start.region, on=on).value)
    high = int(parameter_value(key="enrolment.working_age_to", region=start.region, on=on).value)
    facts = household_member_facts(household_id=start.household_id, on=on)
    if any(m.able_to_work and low <= m.age < high and not m.employed for m in facts):
        return ReviewFrequency.MONTHLY if start.urban else ReviewFrequency.QUARTERLY
    if any(m.seriously_ill or m.severely_disabled for m in facts):
        return ReviewFrequency.YEARLY
    return ReviewFrequency.HALF_YEARLY


def enrolment_start(*, actor: Actor, start: EnrolmentStart) -> Enrolment | None:
    """The enrolment an approval creates: monthly programmes only (临时救助 is paid once, by its decision)."""
    if start.programme == Programme.TEMPORARY_AID:
        return None
    frequency = review_frequency(start=start)
    enrolment = Enrolment.objects.create(
        programme=start.programme, household_id=start.household_id, person_id=start.person_id, region=start.region,
        case_id=start.case_id, decision_id=start.decision_id, amount_fen=start.amount_fen,
        from_month=start.start_month, review_frequency=frequency,
        next_review_on=_next_review(start.decided_on, frequency),
    )  # fmt: skip
    _event(actor, enrolment, EnrolmentEventKind.START, start.decided_on, after=start.amount_fen)
    return enrolment


@transaction.atomic
def enrolments_bulk_start(*, actor: Actor | None, rows: list[dict[str, Any]]) -> int:
    """The set-based twin of `enrolment_start` for generated cases (`minzheng cases generate`): one enrolment, its
    START event and a REVIEW event per date in `reviewed_on` for each row, in batches; one audit event in all.

    A row holds the fields of `EnrolmentStart` as ids (`region_id`, no `urban`) plus `review_frequency`,
    `next_review_on`, `reviewed_on` (dates) and `actor_id` (the approver); 临时救助 rows are skipped as in
    `enrolment_start`. Returns the number of enrolments created."""
    monthly = [row for row in rows if row["programme"] != Programme.TEMPORARY_AID]
    fields = ("programme", "household_id", "person_id", "region_id", "case_id", "decision_id", "amount_fen")
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                **{name: row[name] for name in fields},
                from_month=row["start_month"],
                review_frequency=row["review_frequency"],
                next_review_on=row["next_review_on"],
            )
            for row in monthly
        ],
        batch_size=2000,
    )
    events = []
    for enrolment, row in zip(enrolments, monthly, strict=True):
        events.append(EnrolmentEvent(enrolment=enrolment, kind=EnrolmentEventKind.START, on=row["decided_on"],
                                     amount_after_fen=row["amount_fen"], actor_id=row["actor_id"]))  # fmt: skip
        events += [
            EnrolmentEvent(enrolment=enrolment, kind=EnrolmentEventKind.REVIEW, on=day, actor_id=row["actor_id"])
            for day in row["reviewed_on"]
        ]
    EnrolmentEvent.objects.bulk_create(events, batch_size=2000)
    if enrolments:
        audit_record(actor=actor, action="enrolment.bulk_start", detail={"enrolments": len(enrolments),
                                                                         "events": len(events)})  # fmt: skip
    return len(enrolments)


def _next_review(on: date, frequency: str) -> date:
    return months_add(on, _FREQUENCY_MONTHS[frequency])


def _event(
    actor: Actor, enrolment: Enrolment, kind: str, on: date, *, before: int | None = None,
    after: int | None = None, reason: str = "",
) -> None:  # fmt: skip
    EnrolmentEvent.objects.create(enrolment=enrolment, kind=kind, on=on, amount_before_fen=before,
                                  amount_after_fen=after, reason=reason, actor_id=actor.user_id)  # fmt: skip
    audit_record(actor=actor, action=f"enrolment.{kind}", obj=enrolment, region=enrolment.region,
                 detail={"on": on.isoformat(), "before": before, "after": after})  # fmt: skip


def _enrolment_for_update(actor: Actor, enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("region", "case", "household")
        .filter(pk=enrolment_id, region__path__startswith=actor.scope_path)
        .first()
    )
    if enrolment is None:
        raise NotFound("enrolment.not_found", _("保障对象不存在或不在您的管辖范围内"))
    return enrolment


def _require_state(enrolment: Enrolment, states: frozenset[str]) -> None:
    if enrolment.state not in states:
        message = _("保障对象当前为“%(state)s”，不能执行该操作") % {"state": enrolment.get_state_display()}
        raise Conflict("enrolment.invalid_state", message, extra={"state": enrolment.state})


@dataclass(frozen=True)
class ReviewInput:
    reviewed_on: date
    amount_fen: int | None = None  # a new monthly amount; None keeps it (no obvious change: 第31条)
    reason: str = ""


@transaction.atomic
def enrolment_review(*, actor: Actor, enrolment_id: int, data: ReviewInput) -> Enrolment:
    """Record a periodic review; a new amount supersedes the enrolment from the next month."""
    actor.require("enrolment.manage")
    enrolment = _enrolment_for_update(actor, enrolment_id)
    _require_state(enrolment, _PAYING | {EnrolmentState.SUSPENDED})
    if data.amount_fen is not None and data.amount_fen != enrolment.amount_fen:
        return _amount_change(actor, enrolment, data)
    enrolment.next_review_on = _next_review(data.reviewed_on, enrolment.review_frequency)
    enrolment.save(update_fields=["next_review_on"])
    _event(actor, enrolment, EnrolmentEventKind.REVIEW, data.reviewed_on, reason=data.reason)
    return enrolment


def _amount_change(actor: Actor, enrolment: Enrolment, data: ReviewInput) -> Enrolment:
    assert data.amount_fen is not None
    if data.amount_fen <= 0:
        raise InvalidInput("enrolment.amount", _("新金额须大于零；不再符合条件请办理停发"), field="amount_fen")
    if not data.reason.strip():
        raise InvalidInput("enrolment.reason_required", _("变更金额须填写理由"), field="reason")
    first = months_add(month_start(data.reviewed_on), 1)
    enrolment.to_month = month_start(data.reviewed_on)
    enrolment.state = EnrolmentState.SUPERSEDED
    enrolment.save(update_fields=["to_month", "state"])
    successor = Enrolment.objects.create(
        programme=enrolment.programme, household_id=enrolment.household_id, person_id=enrolment.person_id,
        region=enrolment.region, case=enrolment.case, decision=enrolment.decision, amount_fen=data.amount_fen,
        from_month=first, review_frequency=enrolment.review_frequency, supersedes=enrolment,
        next_review_on=_next_review(data.reviewed_on, enrolment.review_frequency),
    )  # fmt: skip
    _event(actor, successor, EnrolmentEventKind.CHANGE, data.reviewed_on, before=enrolment.amount_fen,
           after=data.amount_fen, reason=data.reason)  # fmt: skip
    return successor


@transaction.atomic
def enrolment_phase_out(*, actor: Actor, enrolment_id: int, on: date, months: int, reason: str) -> Enrolment:
    """渐退: payments continue for up to the configured months, then stop (审核确认办法 第33条; 2022 通知)."""
    actor.require("enrolment.manage")
    enrolment = _enrolment_for_update(actor, enrolment_id)
    _require_state(enrolment, frozenset({EnrolmentState.ACTIVE}))
    limit = int(parameter_value(key="dibao.phase_out_months", region=enrolment.region, on=on).value)
    if not 1 <= months <= limit:
        raise InvalidInput("enrolment.phase_out_months", _("渐退期为1至%(n)s个月") % {"n": limit}, field="months")
    enrolment.state = EnrolmentState.PHASE_OUT
    enrolment.to_month = months_add(month_start(on), months - 1)
    enrolment.save(update_fields=["state", "to_month"])
    _event(actor, enrolment, EnrolmentEventKind.PHASE_OUT, on, reason=reason)
    return enrolment


@transaction.atomic
def enrolment_suspend(*, actor: Actor, enrolment_id: int, on: date, reason: str, resume: bool = False) -> Enrolment:
    """Suspend payments (e.g. during a review the family does not cooperate with), or resume them."""
    actor.require("enrolment.manage")
    enrolment = _enrolment_for_update(actor, enrolment_id)
    if not reason.strip():
        raise InvalidInput("enrolment.reason_required", _("须填写理由"), field="reason")
    _require_state(enrolment, frozenset({EnrolmentState.SUSPENDED}) if resume else _PAYING)
    if resume:  # back to where it was: an enrolment suspended during its 渐退 resumes the 渐退 (to_month kept)
        phased = enrolment.events.filter(kind=EnrolmentEventKind.PHASE_OUT).exists()
        enrolment.state = EnrolmentState.PHASE_OUT if phased else EnrolmentState.ACTIVE
    else:
        enrolment.state = EnrolmentState.SUSPENDED
    enrolment.save(update_fields=["state"])
    _event(actor, enrolment, EnrolmentEventKind.RESUME if resume else EnrolmentEventKind.SUSPEND, on, reason=reason)
    return enrolment


@transaction.atomic
def enrolment_stop(*, actor: Actor, enrolment_id: int, on: date, last_month: date, reason: str) -> Enrolment:
    """停发 with a reason; `last_month` is the last month paid (after a death: the month of death)."""
    actor.require("enrolment.stop")
    enrolment = _enrolment_for_update(actor, enrolment_id)
    _require_state(enrolment, _PAYING | {EnrolmentState.SUSPENDED})
    if not reason.strip():
        raise InvalidInput("enrolment.reason_required", _("停发须填写理由"), field="reason")
    last = last_month.replace(day=1)
    if last < months_add(enrolment.from_month, -1):
        raise InvalidInput("enrolment.last_month", _("止发月份不能早于起发月份"), field="last_month")
    enrolment.state, enrolment.to_month = EnrolmentState.STOPPED, last
    enrolment.save(update_fields=["state", "to_month"])
    _event(actor, enrolment, EnrolmentEventKind.STOP, on, before=enrolment.amount_fen, reason=reason)
    return enrolment
