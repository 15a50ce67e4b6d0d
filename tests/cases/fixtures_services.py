"""Helpers for the case-workflow service tests: an independent working-day oracle, files kept out of var/,
more poor households, district parameter overrides, and drivers that bring a 低保 case to a given step.

Import what a module uses explicitly (`from tests.cases.fixtures_services import private_files, ...`):
`private_files` is autouse only where it is imported."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from django.contrib.auth.models import User

from minzheng.cases.casework import HomeVisitInput, economic_check_complete, home_visit_record
from minzheng.cases.intake import IntakeInput, ProgrammeRequest, attachment_add, intake_create
from minzheng.cases.models import Case
from minzheng.core.access.actor import Actor, actor_for_user
from minzheng.core.audit.models import AuditEvent
from minzheng.core.parameters.models import Parameter
from minzheng.core.regions.models import Region
from minzheng.registry.models import Household, HukouType, WorkAbility
from tests.cases.conftest import PDF, Staffing, act
from tests.conftest import Tree, make_household, make_person, make_staff

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_files(settings: Any, tmp_path: Path) -> Path:
    """Uploaded materials go to the test's own directory, never to var/private."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    return Path(settings.PRIVATE_FILES_DIR)


def oracle_add(start: date, n: int) -> tuple[date, bool]:
    """The n-th working day after `start` on the State Council schedule as `chinesecalendar` publishes it; a
    year the package does not cover is counted on weekdays and reported provisional (our table's rule)."""
    day, provisional = start, False
    while n:
        day += timedelta(days=1)
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            working, provisional = day.weekday() < 5, True
        n -= working
    return day, provisional


def oracle_due(start: date, n: int) -> date:
    return oracle_add(start, n)[0]


def oracle_count(first: date, last: date) -> int:
    """Working days from `first` to `last`, both included."""
    return sum(chinese_calendar.is_workday(first + timedelta(days=i)) for i in range((last - first).days + 1))


def district_parameter(region: Region, key: str, value: Any, unit: str = "choice") -> Parameter:
    """A district's own value, which wins over the city's (the nearest region holding a value applies)."""
    return Parameter.objects.create(
        key=key, region=region, value=value, unit=unit, valid_from=date(2021, 7, 1),
        source="测试：区县自定", status="official",
    )  # fmt: skip


def staff_actor(username: str, region: Region, *roles: str) -> Actor:
    user: User = make_staff(username, region, *roles)
    return actor_for_user(user)


def poor_household(tree: Tree, index: int, *, hukou_type: str = HukouType.URBAN) -> Household:
    """Like `poor_family`: two parents of working age able to work only partly and a child; distinct IDs."""
    head = make_person(tree.village, name=f"周{index}明", born=date(1976, 5, 6), sequence=100 + 2 * index + 1)
    spouse = make_person(tree.village, name=f"吴{index}芳", born=date(1979, 7, 8), sequence=100 + 2 * index, phone="")
    child = make_person(tree.village, name=f"周{index}乐", born=date(2013, 3, 4), sequence=300 + 2 * index, phone="")
    for person in (head, spouse):
        person.work_ability = WorkAbility.PARTIAL
        person.save(update_fields=["work_ability"])
    household = make_household(tree.village, f"H500103001001-{200 + index:05d}", head, spouse, child)
    if hukou_type != HukouType.URBAN:
        household.hukou_type = hukou_type
        household.save(update_fields=["hukou_type"])
    return household


def visit(actor: Actor, case: Case, on: date, *, by_district: bool = False, also: list[int] | None = None) -> None:
    home_visit_record(
        actor=actor,
        case_id=case.pk,
        data=HomeVisitInput(
            visited_on=on, investigators=["王经办", "赵协理"], findings="入户核实家庭成员和收入情况。",
            investigator_user_ids=also or [], by_district=by_district,
        ),
    )  # fmt: skip


def investigated(
    caseworker: Actor, case: Case, on: date, *, also: list[int] | None = None, accept: bool = True
) -> Case:
    """Accept (unless done), investigate, a home visit (with `also` among the investigators) and the county's
    check, all on `on`."""
    if accept:
        act(caseworker, case, "accept", on)
    act(caseworker, case, "investigate", on)
    visit(caseworker, case, on, also=also)
    economic_check_complete(actor=caseworker, case_id=case.pk, completed_on=on, result="consistent", summary="")
    case.refresh_from_db()
    return case


def to_district_review(staff: Staffing, case: Case, accepted_on: date, reviewed_on: date, ended_on: date) -> Case:
    """Investigated on `accepted_on`, reviewed (7-day notice) on `reviewed_on`, notice ended on `ended_on`."""
    investigated(staff.caseworker, case, accepted_on)
    act(staff.reviewer, case, "review", reviewed_on)
    act(staff.reviewer, case, "notice_end", ended_on)
    case.refresh_from_db()
    return case


def audit_events(action: str, obj: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by(
            "id"
        )
    )


def pdf_text(content: bytes) -> str:
    """All text of a PDF, whitespace removed (the renderer wraps long Chinese lines anywhere)."""
    document = pdfium.PdfDocument(io.BytesIO(content))
    try:
        text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    return "".join(text.split())


def tekun_applicant(tree: Tree) -> Household:
    """A man of 78 living alone, unable to work, without income: he qualifies for 特困."""
    person = make_person(tree.village, name="孙德福", born=date(1948, 2, 3), sequence=91, phone="13700000091")
    person.work_ability = WorkAbility.NONE
    person.save(update_fields=["work_ability"])
    return make_household(tree.village, "H500103001001-00091", person)


def tekun_intake(actor: Actor, household: Household, received_on: date) -> Case:
    person_id = household.members.get(is_head=True).person_id
    intake = intake_create(
        actor=actor,
        data=IntakeInput(
            channel="window", received_on=received_on, household_id=household.pk,
            programmes=[ProgrammeRequest("tekun", person_id=person_id)], authorisation_signed_on=received_on,
        ),
    )  # fmt: skip
    for material in ("application_form", "authorisation", "income_proof"):
        attachment_add(actor=actor, intake_id=intake.pk, material=material, filename=f"{material}.pdf", content=PDF)
    return intake.cases.get()
