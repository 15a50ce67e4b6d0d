"""Reads of the case workflow: the work queue, one case with its timeline, the dashboard, public notices and a
household's assistance chain (一户一条救助链). Every read is scoped to the actor's region; a case page is a
read of personal data and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from minzheng.cases.deadlines import DUE_SOON_WORKING_DAYS
from minzheng.cases.models import (
    OPEN_STATES,
    Attachment,
    Case,
    Decision,
    Department,
    EconomicCheck,
    HomeVisit,
    PublicNotice,
    Referral,
    ReferralStatus,
    Transition,
)
from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.calendar.selectors import working_days_add
from minzheng.core.errors import NotFound
from minzheng.core.regions.models import Region
from minzheng.payments.selectors import PAYING_STATES, household_enrolments

# Cases not yet accepted have no due date: last in either direction, the same on SQLite and PostgreSQL.
QUEUE_ORDERS: dict[str, tuple[Any, ...]] = {
    "due": (F("due_on").asc(nulls_last=True), "id"),
    "-due": (F("due_on").desc(nulls_last=True), "-id"),
    "step_due": (F("step_due_on").asc(nulls_last=True), "id"),
    "received": ("intake__received_on", "id"),
    "-received": ("-intake__received_on", "-id"),
}


@dataclass(frozen=True)
class QueueFilter:
    state: str = ""
    programme: str = ""
    urgency: str = ""  # "" | overdue | due_soon
    mine: bool = False
    open_only: bool = True
    order: str = "due"


def urgency_bounds(today: date) -> date:
    """The last due date that counts as "due soon": three working days from today (issue 5 §2)."""
    return working_days_add(today, DUE_SOON_WORKING_DAYS).due_on


def case_queue(*, actor: Actor, filters: QueueFilter, today: date) -> QuerySet[Case]:
    """The work queue: the actor's region, filtered and ordered; rows carry everything a list row shows."""
    actor.require("case.view")
    cases = Case.objects.filter(region__path__startswith=actor.scope_path).select_related(
        "region", "intake__applicant", "household", "person", "assignee"
    )
    if filters.open_only and not filters.state:
        cases = cases.filter(state__in=OPEN_STATES)
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.programme:
        cases = cases.filter(programme=filters.programme)
    if filters.mine:
        cases = cases.filter(assignee_id=actor.user_id)
    soon = urgency_bounds(today)
    if filters.urgency == "overdue":
        cases = cases.filter(Q(due_on__lt=today) | Q(step_due_on__lt=today))
    elif filters.urgency == "due_soon":
        cases = cases.filter(Q(due_on__range=(today, soon)) | Q(step_due_on__range=(today, soon)))
    return cases.order_by(*QUEUE_ORDERS.get(filters.order, QUEUE_ORDERS["due"]))


def case_urgency(case: Case, today: date, soon: date) -> str:
    """overdue | due_soon | "" for a row of the queue (closed cases are never urgent)."""
    if not case.is_open:
        return ""
    dues = [d for d in (case.due_on, case.step_due_on) if d is not None]
    if any(d < today for d in dues):
        return "overdue"
    if any(d <= soon for d in dues):
        return "due_soon"
    return ""


def case_get(*, actor: Actor, case_id: int) -> Case:
    """One case with what its page shows; reading it is audited (it holds personal and economic data)."""
    actor.require("case.view")
    case = (
        Case.objects.select_related("region", "intake__applicant", "household", "person", "assignee", "assessment")
        .filter(pk=case_id, region__path__startswith=actor.scope_path)
        .first()
    )
    if case is None:
        raise NotFound("case.not_found", _("申请不存在或不在您的管辖范围内"))
    audit_record(actor=actor, action="case.view", obj=case, region=case.region)
    return case


@dataclass(frozen=True)
class Dashboard:
    by_state: dict[str, int]
    by_programme: dict[str, int]
    overdue: int
    due_soon: int
    referrals: dict[str, int]
    referrals_overdue: int
    monthly_intake: list[tuple[str, int]]


def case_dashboard(*, actor: Actor, today: date) -> Dashboard:
    """Counts for the dashboard: a fixed number of aggregate queries whatever the number of cases."""
    actor.require("case.view")
    cases = Case.objects.filter(region__path__startswith=actor.scope_path)
    soon = urgency_bounds(today)
    open_cases = cases.filter(state__in=OPEN_STATES)
    urgent = open_cases.aggregate(
        overdue=Count("id", filter=Q(due_on__lt=today) | Q(step_due_on__lt=today)),
        due_soon=Count(
            "id",
            filter=(Q(due_on__range=(today, soon)) | Q(step_due_on__range=(today, soon)))
            & ~(Q(due_on__lt=today) | Q(step_due_on__lt=today)),
        ),
    )
    referrals = Referral.objects.filter(region__path__startswith=actor.scope_path)
    months = (
        cases.annotate(month=TruncMonth("intake__received_on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return Dashboard(
        by_state=_counts(cases, "state"),
        by_programme=_counts(open_cases, "programme"),
        overdue=urgent["overdue"],
        due_soon=urgent["due_soon"],
        referrals=_counts(referrals, "status"),
        referrals_overdue=referrals.filter(status=ReferralStatus.SENT, due_on__lt=today).count(),
        monthly_intake=[(row["month"].strftime("%Y-%m"), row["n"]) for row in months if row["month"]],
    )


def _counts(queryset: QuerySet[Any], column: str) -> dict[str, int]:
    return {row[column]: row["n"] for row in queryset.values(column).annotate(n=Count("id")).order_by(column)}


def public_notices(*, region: Region, on: date) -> QuerySet[PublicNotice]:
    """The notices posted in a village or community on a date: name masked, no ID number, no address.

    Public: residents read these on the portal without logging in (审核确认办法 第19、24条)."""
    return (
        PublicNotice.objects.filter(region__path__startswith=region.path, starts_on__lte=on, ends_on__gte=on)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=on))
        .select_related("case", "region")
        .order_by("region__code", "starts_on", "id")
    )


@dataclass(frozen=True)
class AssistanceChain:
    """一户一条救助链: everything every department did for one household."""

    cases: list[Case]
    enrolments: list[Any]  # payments.Enrolment rows
    referrals: list[Referral]
    monthly_total_fen: int


def household_assistance_chain(*, actor: Actor, household_id: int) -> AssistanceChain:
    actor.require("case.view")
    scope = Q(region__path__startswith=actor.scope_path, household_id=household_id)
    cases = list(Case.objects.filter(scope).select_related("person", "decision").order_by("-created_at"))
    enrolments = list(household_enrolments(actor=actor, household_id=household_id))
    referrals = list(
        Referral.objects.filter(region__path__startswith=actor.scope_path, intake__household_id=household_id)
        .select_related("department")
        .order_by("-sent_on")
    )
    paying = [e for e in enrolments if e.state in PAYING_STATES]
    total = sum(e.amount_fen for e in paying)
    return AssistanceChain(cases=cases, enrolments=enrolments, referrals=referrals, monthly_total_fen=total)


def notice_totals(notices: QuerySet[PublicNotice]) -> dict[str, int]:
    return notices.aggregate(count=Count("id"), members=Sum("members"), amount_fen=Sum("amount_fen"))


@dataclass(frozen=True)
class CaseRecords:
    """What the case page lists beside the case itself, each in one query."""

    transitions: list[Transition]
    visits: list[HomeVisit]
    checks: list[EconomicCheck]
    notices: list[PublicNotice]  # objections prefetched
    attachments: list[Attachment]
    referrals: list[Referral]
    decision: Decision | None


def case_records(*, case: Case) -> CaseRecords:
    """The rows hanging off a case already read (and audited) through `selectors.case_get`."""
    return CaseRecords(
        transitions=list(case.transitions.order_by("on", "at", "id")),
        visits=list(case.home_visits.order_by("visited_on", "id")),
        checks=list(case.economic_checks.order_by("requested_on", "id")),
        notices=list(case.notices.prefetch_related("objections").order_by("round")),
        attachments=list(case.intake.attachments.order_by("material", "uploaded_at", "id")),
        referrals=list(case.intake.referrals.select_related("department").order_by("sent_on", "id")),
        decision=Decision.objects.filter(case=case).first(),
    )


def departments_active() -> list[tuple[str, str]]:
    return list(Department.objects.filter(active=True).values_list("code", "name"))
