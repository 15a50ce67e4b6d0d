"""Synthetic cases (`minzheng cases generate`): every state, consistent timelines, deadlines as the services
compute them, notices, decisions and enrolments that fit, deterministic, and a second run adds nothing."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count

from minzheng.assistance.models import Assessment
from minzheng.assistance.services import assessments_run
from minzheng.cases import deadlines
from minzheng.cases.models import (
    CLOSED_STATES,
    OPEN_STATES,
    Case,
    CaseState,
    Decision,
    Intake,
    PublicNotice,
    Referral,
    Transition,
)
from minzheng.cases.synthetic import GenerateSummary, cases_generate
from minzheng.cases.synthetic_calendar import WorkCalendar
from minzheng.cases.workflow import ACTIONS, ONE_OFF_PROGRAMMES, STATUS_PROGRAMMES, action_target, procedure_for
from minzheng.core.calendar.selectors import working_days_add
from minzheng.payments.models import Enrolment, EnrolmentEvent
from minzheng.registry import synthetic as city
from tests.cases.conftest import Staffing
from tests.conftest import Tree

TODAY = date(2026, 11, 23)
S = CaseState


@pytest.fixture
def synthetic_city(tree: Tree, staffing: Staffing, monkeypatch: pytest.MonkeyPatch) -> Tree:
    """400 households in the two villages of `tree`, parameters and holidays loaded, staff in the own district."""
    monkeypatch.setattr(city, "_ensure_region_tree", lambda scale: None)
    city.generate_city(households=400, seed=5)
    return tree


@pytest.fixture
def generated(synthetic_city: Tree) -> GenerateSummary:
    return cases_generate(count=600, seed=11, today=TODAY)


def _timelines() -> dict[int, list[Transition]]:
    timelines: dict[int, list[Transition]] = {}
    for transition in Transition.objects.order_by("case_id", "id"):
        timelines.setdefault(transition.case_id, []).append(transition)
    return timelines


@pytest.mark.django_db
def test_every_state_in_realistic_shares(generated: GenerateSummary) -> None:
    assert generated.cases == Case.objects.count() == Intake.objects.count() == 600
    states = Counter(Case.objects.values_list("state", flat=True))
    assert set(states) == set(S.values)
    assert 0.53 <= sum(states[state] for state in CLOSED_STATES) / 600 <= 0.57
    programmes = Counter(Case.objects.values_list("programme", flat=True))
    assert 0.3 <= (programmes["dibao"] + programmes["dibao_single"]) / 600 <= 0.5
    assert 0.13 <= programmes["temporary_aid"] / 600 <= 0.27
    channels = Counter(Intake.objects.values_list("channel", flat=True))
    assert 0.45 <= channels["window"] / 600 <= 0.65
    assert min(channels["online"], channels["outreach"], channels["assistant"]) > 0
    assert 0.12 <= Referral.objects.count() / 600 <= 0.28


@pytest.mark.django_db
def test_transitions_lead_to_the_state_in_date_order(generated: GenerateSummary) -> None:
    timelines = _timelines()
    assert sum(len(t) for t in timelines.values()) == generated.transitions
    for case in Case.objects.select_related("intake"):
        timeline = timelines.get(case.pk, [])
        procedure = procedure_for(case.programme, case.aid_kind)
        state, suspended_from, day = str(S.SUBMITTED), "", case.intake.received_on
        for transition in timeline:
            action = ACTIONS[transition.action]
            assert transition.from_state == state, (case.pk, transition.action)
            assert state in action.sources
            assert transition.to_state == action_target(action, procedure, suspended_from)
            assert day <= transition.on <= TODAY
            suspended_from = state if action.name == "suspend" else suspended_from
            state, day = transition.to_state, transition.on
            assert transition.actor_name
        assert state == case.state
        assert case.accepted_on == next((t.on for t in timeline if t.action == "accept"), None)
        assert case.closed_on == (timeline[-1].on if case.state in CLOSED_STATES else None)


@pytest.mark.django_db
def test_deadlines_are_those_the_services_compute(generated: GenerateSummary) -> None:
    """The generator counts deadlines on its own calendar; they must equal `cases.deadlines` on the real tables."""
    timelines = _timelines()
    checked = 0
    for case in Case.objects.filter(accepted_on__isnull=False).select_related("region"):
        timeline = [t for t in timelines[case.pk] if t.to_state not in CLOSED_STATES]
        last = timeline[-1]
        assert case.due_on == deadlines.overall_due(case, deadlines.limits_for(case, last.on)).due_on
        if case.state in {S.ACCEPTED, S.INVESTIGATING, S.DISTRICT_REVIEW}:
            step = deadlines.step_due(case, deadlines.limits_for(case, last.on), last.on)
            assert case.step_due_on == (step.due_on if step else None)
            checked += 1
        if case.state in CLOSED_STATES:
            assert case.step_due_on is None
    assert checked > 50


@pytest.mark.django_db
def test_the_calendar_counts_like_working_days_add(synthetic_city: Tree) -> None:
    calendar = WorkCalendar(TODAY, 400)
    for start in (date(2026, 9, 23), date(2026, 9, 30), date(2025, 12, 31), date(2026, 11, 20)):
        for days in (0, 1, 3, 10, 30, 45):
            assert calendar.deadline(start, days) == working_days_add(start, days)


@pytest.mark.django_db
def test_open_cases_mix_overdue_and_due_soon(generated: GenerateSummary) -> None:
    open_cases = Case.objects.filter(state__in=OPEN_STATES)
    overdue = [c for c in open_cases if any(d and d < TODAY for d in _dues(c))]
    assert 0.03 <= len(overdue) / open_cases.count() <= 0.16
    soon = [c for c in open_cases if c not in overdue and any(d and d <= date(2026, 11, 26) for d in _dues(c))]
    assert soon


def _dues(case: Case) -> tuple[date | None, date | None]:
    return case.due_on, case.step_due_on


@pytest.mark.django_db
def test_notices_follow_the_cases(generated: GenerateSummary) -> None:
    notices = PublicNotice.objects.values("case_id").annotate(n=Count("id"))
    assert {row["case_id"]: row["n"] for row in notices} == dict(
        Case.objects.filter(notice_round__gt=0).values_list("id", "notice_round")
    )
    for case in Case.objects.filter(state=S.ON_NOTICE):
        current = case.notices.get(closed_on__isnull=True)
        assert current.round == case.notice_round
        assert case.step_due_on == current.ends_on
    ended = PublicNotice.objects.filter(closed_on__isnull=False, objected=False)
    assert ended.exists()
    assert all(notice.closed_on == notice.ends_on for notice in ended)
    for notice in PublicNotice.objects.filter(objected=True):
        assert notice.starts_on <= notice.closed_on <= notice.ends_on
        assert notice.objections.count() == 1
        assert notice.case.district_visit_required


@pytest.mark.django_db
def test_decisions_and_enrolments_fit_the_outcome(generated: GenerateSummary) -> None:
    decided = dict(Decision.objects.values_list("case_id", "outcome"))
    assert decided == dict(Case.objects.filter(state__in=(S.APPROVED, S.REFUSED)).values_list("id", "state"))
    monthly = Case.objects.filter(state=S.APPROVED).exclude(programme__in=STATUS_PROGRAMMES | ONE_OFF_PROGRAMMES)
    assert sorted(Enrolment.objects.values_list("case_id", flat=True)) == sorted(monthly.values_list("id", flat=True))
    for enrolment in Enrolment.objects.select_related("decision"):
        assert enrolment.amount_fen == enrolment.decision.amount_fen
        assert enrolment.from_month == enrolment.decision.start_month
        assert enrolment.events.filter(kind="start").count() == 1
    assert EnrolmentEvent.objects.filter(kind="start").count() == generated.enrolments
    for decision in Decision.objects.filter(outcome="refused"):
        assert decision.notify_due_on == working_days_add(decision.decided_on, 3).due_on
    for case in Case.objects.filter(state=S.APPROVED, district_visit_required=True):
        assert case.home_visits.filter(by_district=True).exists()


def _digest() -> str:
    rows: list[Any] = list(
        Case.objects.order_by("id").values_list(
            "id", "household_id", "person_id", "programme", "state", "accepted_on", "due_on", "step_due_on"
        )
    )
    rows += list(Transition.objects.order_by("id").values_list("case_id", "action", "on", "actor_id"))
    rows += list(Decision.objects.order_by("id").values_list("case_id", "amount_fen", "start_month"))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _generated_digest(seed: int) -> str:
    """Generate, take the digest, and roll the cases back so the next run starts from the same empty tables."""
    with transaction.atomic():
        cases_generate(count=150, seed=seed, today=TODAY)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_cases(synthetic_city: Tree) -> None:
    first = _generated_digest(3)
    assert not Case.objects.exists()
    assert _generated_digest(3) == first
    assert _generated_digest(4) != first


@pytest.mark.django_db
def test_a_second_run_adds_nothing(generated: GenerateSummary) -> None:
    before = (Case.objects.count(), Transition.objects.count(), Enrolment.objects.count())
    again = cases_generate(count=600, seed=11, today=TODAY)
    assert again.skipped
    assert (Case.objects.count(), Transition.objects.count(), Enrolment.objects.count()) == before


@pytest.mark.django_db
def test_approvals_take_the_assessed_amount(synthetic_city: Tree, settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    assessments_run(actor=None, as_of=TODAY, region=synthetic_city.city)
    cases_generate(count=300, seed=8, today=TODAY)
    approved = Decision.objects.filter(outcome="approved", case__programme="dibao", case__assessment__isnull=False)
    assert approved.exists()
    for decision in approved.select_related("case"):
        results = Assessment.objects.get(pk=decision.case.assessment_id).results
        assessed = sum(r["amount_fen"] for r in results if r["programme"] == "dibao")
        assert decision.case.assessed_amount_fen == assessed
        assert decision.amount_fen == assessed or decision.override_reason
