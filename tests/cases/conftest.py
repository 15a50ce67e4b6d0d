"""Fixtures for the case workflow: parameters and the holiday table loaded, one actor per role, and a helper
that drives a 低保 case through its procedure with realistic dates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from minzheng.cases.casework import HomeVisitInput, economic_check_complete, home_visit_record
from minzheng.cases.intake import Declared, IntakeInput, ProgrammeRequest, attachment_add, intake_create
from minzheng.cases.models import Case
from minzheng.cases.services import ActionInput, case_act
from minzheng.core.access.actor import Actor
from minzheng.core.calendar.services import calendar_seed
from minzheng.core.parameters.services import parameters_load
from minzheng.registry.models import Household, WorkAbility
from tests.conftest import Tree, make_household, make_person

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Staffing:
    assistant: Actor
    caseworker: Actor
    reviewer: Actor
    approver: Actor


@pytest.fixture
def staffing(tree: Tree, actor_of: Callable[..., Actor]) -> Staffing:
    parameters_load()
    calendar_seed()
    return Staffing(
        assistant=actor_of("village_assistant"),
        caseworker=actor_of("township_caseworker"),
        reviewer=actor_of("township_reviewer"),
        approver=actor_of("district_approver"),
    )


@pytest.fixture
def poor_family(tree: Tree) -> Household:
    """Three people in the own village, the parents of working age but unable to work full time, one child:
    with 500 yuan a month they are below 3 × the 2021 standard (636 yuan) and qualify for 低保, not 特困."""
    head = make_person(tree.village, name="陈大明", born=date(1978, 4, 5), sequence=51)
    spouse = make_person(tree.village, name="刘小芳", born=date(1980, 8, 9), sequence=62, phone="13900001111")
    child = make_person(tree.village, name="陈乐", born=date(2014, 1, 2), sequence=73, phone="")
    for person in (head, spouse):
        person.work_ability = WorkAbility.PARTIAL
        person.save(update_fields=["work_ability"])
    return make_household(tree.village, "H500103001001-00077", head, spouse, child)


def dibao_intake(actor: Actor, household: Household, received_on: date, *, income_fen: int = 50000) -> Case:
    """A complete 低保 application: income declared, authorisation signed, the three materials attached."""
    head = household.members.get(is_head=True).person_id
    intake = intake_create(
        actor=actor,
        data=IntakeInput(
            channel="window",
            received_on=received_on,
            household_id=household.pk,
            programmes=[ProgrammeRequest("dibao")],
            authorisation_signed_on=received_on,
            declared=[Declared("income", "wage", income_fen, person_id=head)],
        ),
    )
    for material in ("application_form", "authorisation", "income_proof"):
        attachment_add(actor=actor, intake_id=intake.pk, material=material, filename=f"{material}.pdf", content=PDF)
    return intake.cases.get()


def act(actor: Actor, case: Case, action: str, on: date, **kwargs: object) -> Case:
    return case_act(actor=actor, case_id=case.pk, data=ActionInput(action=action, on=on, **kwargs))  # type: ignore[arg-type]


def investigate(staff: Staffing, case: Case, on: date) -> Case:
    """Accept, start the investigation, record a two-person home visit and the county's check result."""
    act(staff.caseworker, case, "accept", on)
    act(staff.caseworker, case, "investigate", on)
    home_visit_record(
        actor=staff.caseworker,
        case_id=case.pk,
        data=HomeVisitInput(visited_on=on, investigators=["王经办", "赵协理"], findings="家中两位老人，无劳动收入。"),
    )
    economic_check_complete(actor=staff.caseworker, case_id=case.pk, completed_on=on, result="consistent", summary="")
    case.refresh_from_db()
    return case
