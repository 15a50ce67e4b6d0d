"""Reads of enrolments: a household's, and those due for periodic review (复核), scoped to the actor's region."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import NotFound
from minzheng.payments.models import Enrolment, EnrolmentState

PAYING_STATES = (EnrolmentState.ACTIVE, EnrolmentState.PHASE_OUT)


def household_enrolments(*, actor: Actor, household_id: int) -> QuerySet[Enrolment]:
    actor.require("enrolment.view")
    return (
        Enrolment.objects.filter(region__path__startswith=actor.scope_path, household_id=household_id)
        .select_related("person")
        .order_by("-from_month", "-id")
    )


def enrolments_due_for_review(*, actor: Actor, today: date) -> QuerySet[Enrolment]:
    actor.require("enrolment.view")
    return (
        Enrolment.objects.filter(region__path__startswith=actor.scope_path, next_review_on__lte=today)
        .filter(state__in=(*PAYING_STATES, EnrolmentState.SUSPENDED))
        .select_related("household", "person", "region")
        .order_by("next_review_on", "id")
    )


def enrolment_list(
    *, actor: Actor, state: str = "", programme: str = "", due_for_review_on: date | None = None
) -> QuerySet[Enrolment]:
    """Enrolments in scope; `due_for_review_on` keeps those whose periodic review is due by that day."""
    actor.require("enrolment.view")
    rows = Enrolment.objects.filter(region__path__startswith=actor.scope_path).select_related(
        "household", "person", "region"
    )
    if state:
        rows = rows.filter(state=state)
    if programme:
        rows = rows.filter(programme=programme)
    if due_for_review_on is not None:
        rows = rows.filter(next_review_on__lte=due_for_review_on, state__in=(*PAYING_STATES, EnrolmentState.SUSPENDED))
    return rows


def enrolment_get(*, actor: Actor, enrolment_id: int) -> Enrolment:
    """One enrolment with its events; a read of a person's benefit, so audited."""
    actor.require("enrolment.view")
    enrolment = (
        Enrolment.objects.select_related("household", "person", "region", "case", "decision", "supersedes")
        .filter(pk=enrolment_id, region__path__startswith=actor.scope_path)
        .first()
    )
    if enrolment is None:
        raise NotFound("enrolment.not_found", _("保障对象不存在或不在您的管辖范围内"))
    audit_record(actor=actor, action="enrolment.view", obj=enrolment, region=enrolment.region)
    return enrolment
