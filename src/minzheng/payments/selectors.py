"""Reads of enrolments: a household's, and those due for periodic review (复核), scoped to the actor's region."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from minzheng.core.access.actor import Actor
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
