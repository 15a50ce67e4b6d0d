"""Enrolment API: periodic review (same or new amount), 渐退, suspension and resumption, stop; roles and scope."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from minzheng.core.access.actor import Actor
from minzheng.payments.models import Enrolment, EnrolmentEvent, EnrolmentState
from minzheng.registry.models import Household
from tests.cases.conftest import Staffing, act, dibao_intake, investigate, poor_family, staffing
from tests.conftest import Tree, make_staff

__all__ = ["poor_family", "staffing"]  # fixtures of the case workflow, used here too

API = "/api/v1"


@pytest.fixture
def enrolment(staffing: Staffing, poor_family: Household) -> Enrolment:
    """The 低保 enrolment that approving the poor family's application on 2026-10-20 started."""
    case = investigate(staffing, dibao_intake(staffing.assistant, poor_family, date(2026, 9, 22)), date(2026, 9, 23))
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    act(staffing.reviewer, case, "notice_end", date(2026, 10, 17))
    act(staffing.approver, case, "approve", date(2026, 10, 20))
    return Enrolment.objects.get(case=case)


def post(actor: Actor, url: str, body: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(User.objects.get(pk=actor.user_id))
    return client.post(f"{API}{url}", body, content_type="application/json")


@pytest.mark.django_db
def test_review_keeps_or_supersedes(staffing: Staffing, enrolment: Enrolment) -> None:
    url = f"/enrolments/{enrolment.pk}/reviews"
    kept = post(staffing.caseworker, url, {"reviewed_on": "2026-11-20"})
    assert kept.status_code == 200, kept.content
    assert kept.json()["id"] == enrolment.pk
    assert kept.json()["next_review_on"] > enrolment.next_review_on.isoformat()

    unexplained = post(staffing.caseworker, url, {"reviewed_on": "2026-11-20", "amount_fen": 12300})
    assert unexplained.status_code == 422
    assert [e["path"] for e in unexplained.json()["errors"]] == ["reason"]
    changed = post(
        staffing.caseworker, url, {"reviewed_on": "2026-11-20", "amount_fen": 12300, "reason": "务工收入增加"}
    )
    body = changed.json()
    assert (body["amount_fen"], body["supersedes_id"], body["from_month"]) == (12300, enrolment.pk, "2026-12-01")
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.to_month) == (EnrolmentState.SUPERSEDED, date(2026, 11, 1))


@pytest.mark.django_db
def test_phase_out_within_the_limit(staffing: Staffing, enrolment: Enrolment) -> None:
    url = f"/enrolments/{enrolment.pk}/phase-out"
    too_long = post(staffing.caseworker, url, {"on": "2026-11-20", "months": 7, "reason": "就业"})
    assert (too_long.status_code, too_long.json()["errors"][0]["path"]) == (422, "months")
    phased = post(staffing.caseworker, url, {"on": "2026-11-20", "months": 3, "reason": "就业"}).json()
    assert (phased["state"], phased["to_month"]) == ("phase_out", "2027-01-01")


@pytest.mark.django_db
def test_suspension_resumption_and_refused_state(staffing: Staffing, enrolment: Enrolment) -> None:
    url = f"/enrolments/{enrolment.pk}/suspension"
    assert post(staffing.caseworker, url, {"on": "2026-11-20", "reason": "不配合复核"}).json()["state"] == "suspended"
    again = post(staffing.caseworker, url, {"on": "2026-11-21", "reason": "不配合复核"})
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["state"]) == ("enrolment.invalid_state", "suspended")
    resumed = post(staffing.caseworker, url, {"on": "2026-11-22", "reason": "已配合", "resume": True})
    assert resumed.json()["state"] == "active"
    kinds = EnrolmentEvent.objects.filter(enrolment=enrolment).order_by("id").values_list("kind", flat=True)
    assert list(kinds) == ["start", "suspend", "resume"]


@pytest.mark.django_db
def test_stop_is_the_districts_and_stays_in_its_region(staffing: Staffing, enrolment: Enrolment, tree: Tree) -> None:
    url = f"/enrolments/{enrolment.pk}/stop"
    body = {"on": "2026-11-20", "last_month": "2026-11-15", "reason": "家庭收入超过标准"}
    assert post(staffing.caseworker, url, body).status_code == 403
    outsider = make_staff("other-approver", tree.other_district, "district_approver")
    other = Client()
    other.force_login(outsider)
    assert other.post(f"{API}{url}", body, content_type="application/json").status_code == 404
    stopped = post(staffing.approver, url, body)
    assert stopped.status_code == 200
    assert (stopped.json()["state"], stopped.json()["to_month"]) == ("stopped", "2026-11-01")
    assert (
        post(staffing.approver, f"/enrolments/{enrolment.pk}/reviews", {"reviewed_on": "2026-11-21"}).status_code == 409
    )
