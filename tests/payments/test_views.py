"""Enrolment pages: the list with reviews due, and one enrolment's later life through its forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.payments.models import Enrolment, EnrolmentState
from minzheng.registry.models import Household
from tests.cases.conftest import Staffing, act, dibao_intake, investigate
from tests.cases.conftest import poor_family as poor_family
from tests.cases.conftest import staffing as staffing
from tests.conftest import Tree

LoggedIn = Callable[..., Client]


def client_of(actor: Actor) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(pk=actor.user_id))
    return client


@pytest.fixture
def enrolment(staffing: Staffing, poor_family: Household) -> Enrolment:
    case = dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22))
    investigate(staffing, case, date(2026, 9, 23))
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    act(staffing.reviewer, case, "notice_end", date(2026, 10, 17))
    act(staffing.approver, case, "approve", date(2026, 10, 20))
    return Enrolment.objects.get(case=case)


@pytest.mark.django_db
def test_list_filters_reviews_due(enrolment: Enrolment, staffing: Staffing) -> None:
    client = client_of(staffing.caseworker)
    page = client.get("/enrolments/")
    assert enrolment.household.number in page.content.decode()
    due = client.get("/enrolments/?due=1")
    is_due = enrolment.next_review_on <= date.today()
    assert (enrolment.household.number in due.content.decode()) == is_due


@pytest.mark.django_db
def test_detail_is_audited_and_review_with_new_amount_supersedes(enrolment: Enrolment, staffing: Staffing) -> None:
    client = client_of(staffing.caseworker)
    page = client.get(f"/enrolments/{enrolment.pk}/")
    assert page.status_code == 200
    assert "批准发放" in page.content.decode()
    assert AuditEvent.objects.filter(action="enrolment.view", object_id=str(enrolment.pk)).exists()
    response = client.post(
        f"/enrolments/{enrolment.pk}/",
        {"action": "review", "on": "2026-11-20", "amount": "1,200.50", "reason": "就业收入减少"},
    )
    successor = Enrolment.objects.get(supersedes=enrolment)
    assert response.status_code == 302
    assert response["Location"] == f"/enrolments/{successor.pk}/"
    assert successor.amount_fen == 120050
    assert successor.from_month == date(2026, 12, 1)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.SUPERSEDED


@pytest.mark.django_db
def test_errors_are_shown_and_stop_needs_the_approver(enrolment: Enrolment, staffing: Staffing) -> None:
    caseworker = client_of(staffing.caseworker)
    shown = caseworker.post(f"/enrolments/{enrolment.pk}/", {"action": "phase_out", "months": "9", "reason": "就业"})
    assert shown.status_code == 200
    assert "渐退期为1至6个月" in shown.content.decode()
    refused = caseworker.post(
        f"/enrolments/{enrolment.pk}/", {"action": "stop", "last_month": "2026-11", "reason": "x"}
    )
    assert refused.status_code == 403
    approver = client_of(staffing.approver)
    stopped = approver.post(
        f"/enrolments/{enrolment.pk}/", {"action": "stop", "last_month": "2026-11", "reason": "迁出"}
    )
    assert stopped.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.to_month) == (EnrolmentState.STOPPED, date(2026, 11, 1))


@pytest.mark.django_db
def test_other_district_cannot_open_it(enrolment: Enrolment, logged_in: LoggedIn, tree: Tree) -> None:
    other = logged_in(Role.TOWNSHIP_CASEWORKER, tree.other_township)
    assert other.get(f"/enrolments/{enrolment.pk}/").status_code == 404
