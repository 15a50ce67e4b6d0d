"""Household economics and self-care: services (validation, scope, audit), selectors and the detail pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minzheng.assistance.inputs import ABSENCES, ASSET_KINDS, EXPENSE_KINDS, INCOME_KINDS
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from minzheng.registry import economics as facts
from minzheng.registry import selectors, services
from minzheng.registry.models import (
    Absence,
    AssetItem,
    AssetKind,
    ExpenseKind,
    Household,
    IncomeItem,
    IncomeKind,
    Person,
    SelfCareAssessment,
    SelfCareLevel,
)
from tests.conftest import Tree

ActorOf = Callable[..., Actor]
LoggedIn = Callable[..., Client]
ABLE: dict[str, Any] = {
    "eating": True,
    "dressing": True,
    "transferring": True,
    "toileting": True,
    "walking": True,
    "bathing": True,
}


def _head(household: Household) -> Person:
    return household.members.get(is_head=True).person


def _spouse(household: Household) -> Person:
    return household.members.get(is_head=False).person


def test_kinds_are_the_contract_of_the_assistance_inputs() -> None:
    assert tuple(IncomeKind.values) == INCOME_KINDS
    assert tuple(AssetKind.values) == ASSET_KINDS
    assert tuple(ExpenseKind.values) == EXPENSE_KINDS
    assert tuple(Absence.values) == ABSENCES


# ------------------------------------------------------------------------------------------------ incomes


def test_income_item_add_records_and_audits(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    head = _head(family)
    item = facts.income_item_add(
        actor=actor,
        household_id=family.id,
        person_id=head.id,
        kind="farm",
        amount_fen=1_200_000,
        period_months=12,
        valid_from=date(2025, 1, 1),
        source=" 申报 ",
    )
    assert (item.kind, item.amount_fen, item.period_months, item.valid_to, item.source) == (
        "farm",
        1_200_000,
        12,
        None,
        "申报",
    )
    event = AuditEvent.objects.get(action="household.income_add")
    assert (event.object_type, event.object_id) == ("registry.household", str(family.id))
    assert event.detail == {
        "item_id": item.id,
        "kind": "farm",
        "person_id": head.id,
        "amount_fen": 1_200_000,
        "period_months": 12,
    }


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"kind": "salary"}, "income.kind", "kind"),
        ({"amount_fen": -1}, "income.amount", "amount_fen"),
        ({"amount_fen": 12.5}, "income.amount", "amount_fen"),
        ({"amount_fen": True}, "income.amount", "amount_fen"),
        ({"period_months": 6}, "income.period_months", "period_months"),
        ({"valid_to": date(2024, 12, 31)}, "income.valid_to", "valid_to"),
        ({"valid_to": date(2025, 1, 1)}, "income.valid_to", "valid_to"),
        ({"person_id": 987_654}, "member.not_current", "person_id"),
    ],
)
def test_income_item_add_validates_with_the_field(
    family: Household, actor_of: ActorOf, changes: dict[str, Any], code: str, field: str
) -> None:
    values: dict[str, Any] = {"kind": "wage", "amount_fen": 300_000, "valid_from": date(2025, 1, 1)} | changes
    with pytest.raises(InvalidInput) as caught:
        facts.income_item_add(actor=actor_of(Role.VILLAGE_ASSISTANT), household_id=family.id, **values)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert not IncomeItem.objects.exists()
    assert not AuditEvent.objects.exists()


def test_items_of_a_former_member_are_refused(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    spouse = _spouse(family)
    services.household_member_end(
        actor=actor, household_id=family.id, person_id=spouse.id, valid_to=date(2024, 1, 1), reason="迁出"
    )
    with pytest.raises(InvalidInput) as caught:
        facts.asset_item_add(
            actor=actor, household_id=family.id, person_id=spouse.id, kind="house", value_fen=1, valid_from=date.today()
        )
    assert caught.value.field == "person_id"


def test_out_of_region_household_is_not_found(stranger: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    with pytest.raises(NotFound):
        facts.income_item_add(
            actor=actor, household_id=stranger.id, kind="wage", amount_fen=1, valid_from=date(2025, 1, 1)
        )
    with pytest.raises(NotFound):
        facts.expense_item_add(
            actor=actor, household_id=stranger.id, kind="medical", amount_fen=1, incurred_on=date(2025, 1, 1)
        )
    with pytest.raises(NotFound):
        facts.member_absence_set(actor=actor, household_id=stranger.id, person_id=_head(stranger).id, absence="prison")
    with pytest.raises(NotFound):
        facts.self_care_assess(actor=actor, person_id=_head(stranger).id, assessed_on=date(2025, 1, 1), **ABLE)
    with pytest.raises(NotFound):
        selectors.household_economics(actor=actor, household_id=stranger.id)
    assert not AuditEvent.objects.exists()


def test_items_of_an_out_of_region_household_cannot_be_ended(
    stranger: Household, tree: Tree, actor_of: ActorOf
) -> None:
    other = actor_of(Role.TOWNSHIP_CASEWORKER, tree.other_township)
    item = facts.asset_item_add(
        actor=other, household_id=stranger.id, kind="vehicle", value_fen=5_000_000, valid_from=date(2024, 3, 1)
    )
    with pytest.raises(NotFound):
        facts.asset_item_end(actor=actor_of(Role.TOWNSHIP_CASEWORKER), asset_item_id=item.id, valid_to=date.today())
    item.refresh_from_db()
    assert item.valid_to is None


def test_roles_without_household_write_are_denied(family: Household, actor_of: ActorOf) -> None:
    for role in (Role.DISTRICT_APPROVER, Role.CITY_ANALYST, Role.SUPERVISOR, Role.TOWNSHIP_REVIEWER):
        with pytest.raises(AccessDenied):
            facts.income_item_add(
                actor=actor_of(role), household_id=family.id, kind="wage", amount_fen=1, valid_from=date(2025, 1, 1)
            )


def test_ending_an_income_closes_it_once(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    item = facts.income_item_add(
        actor=actor, household_id=family.id, kind="pension", amount_fen=320_000, valid_from=date(2020, 5, 1)
    )
    with pytest.raises(InvalidInput) as caught:
        facts.income_item_end(actor=actor, income_item_id=item.id, valid_to=date(2020, 4, 30))
    assert caught.value.field == "valid_to"
    ended = facts.income_item_end(actor=actor, income_item_id=item.id, valid_to=date(2025, 7, 1))
    assert ended.valid_to == date(2025, 7, 1)
    with pytest.raises(Conflict):
        facts.income_item_end(actor=actor, income_item_id=item.id, valid_to=date(2025, 8, 1))
    with pytest.raises(NotFound):
        facts.income_item_end(actor=actor, income_item_id=987_654, valid_to=date(2025, 8, 1))
    event = AuditEvent.objects.get(action="household.income_end")
    assert event.detail == {"item_id": item.id, "kind": "pension", "valid_to": "2025-07-01"}


# ---------------------------------------------------------------------------------------- assets, expenses


def test_asset_and_expense_validation(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    with pytest.raises(InvalidInput) as caught:
        facts.asset_item_add(actor=actor, household_id=family.id, kind="boat", value_fen=1, valid_from=date(2025, 1, 1))
    assert (caught.value.code, caught.value.field) == ("asset.kind", "kind")
    with pytest.raises(InvalidInput) as caught:
        facts.asset_item_add(
            actor=actor, household_id=family.id, kind="deposit", value_fen=-5, valid_from=date(2025, 1, 1)
        )
    assert (caught.value.code, caught.value.field) == ("asset.value", "value_fen")
    with pytest.raises(InvalidInput) as caught:
        facts.expense_item_add(
            actor=actor, household_id=family.id, kind="medical", amount_fen=-1, incurred_on=date(2025, 1, 1)
        )
    assert (caught.value.code, caught.value.field) == ("expense.amount", "amount_fen")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        facts.expense_item_add(actor=actor, household_id=family.id, kind="medical", amount_fen=1, incurred_on=tomorrow)
    assert caught.value.field == "incurred_on"
    with pytest.raises(InvalidInput) as caught:
        facts.expense_item_add(
            actor=actor, household_id=family.id, kind="food", amount_fen=1, incurred_on=date(2025, 1, 1)
        )
    assert caught.value.field == "kind"


def test_asset_and_expense_are_recorded_and_audited(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    head = _head(family)
    asset = facts.asset_item_add(
        actor=actor,
        household_id=family.id,
        person_id=head.id,
        kind="mobility_vehicle",
        value_fen=1_500_000,
        valid_from=date(2023, 6, 1),
        note="代步车",
    )
    expense = facts.expense_item_add(
        actor=actor,
        household_id=family.id,
        person_id=head.id,
        kind="medical",
        amount_fen=4_512_345,
        incurred_on=date(2025, 3, 2),
    )
    facts.asset_item_end(actor=actor, asset_item_id=asset.id, valid_to=date(2025, 1, 1))
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["household.asset_add", "household.expense_add", "household.asset_end"]
    assert AuditEvent.objects.get(action="household.expense_add").detail["item_id"] == expense.id
    assert AssetItem.objects.get().valid_to == date(2025, 1, 1)


# -------------------------------------------------------------------------------------- self-care, absence


def test_self_care_assessment_counts_unmet_indicators(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    head = _head(family)
    assessment = facts.self_care_assess(
        actor=actor,
        person_id=head.id,
        assessed_on=date(2025, 6, 1),
        assessor="第三方评估机构",
        **(ABLE | {"bathing": False, "dressing": False}),
    )
    assert (assessment.unmet_count, assessment.level) == (2, SelfCareLevel.PARTIAL)
    assert SelfCareAssessment(**ABLE).level == SelfCareLevel.FULL
    none = dict.fromkeys(ABLE, False) | {"eating": True, "walking": True}
    assert SelfCareAssessment(**none).unmet_count == 4
    assert SelfCareAssessment(**none).level == SelfCareLevel.NONE
    event = AuditEvent.objects.get(action="person.self_care_assess")
    assert (event.object_type, event.object_id) == ("registry.person", str(head.id))
    assert event.detail["unmet"] == ["dressing", "bathing"]


def test_self_care_assessment_dates(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    head = _head(family)
    for day, code in (
        (timezone.localdate() + timedelta(days=1), "self_care.assessed_in_future"),
        (date(1949, 1, 1), "self_care.assessed_on"),
    ):
        with pytest.raises(InvalidInput) as caught:
            facts.self_care_assess(actor=actor, person_id=head.id, assessed_on=day, **ABLE)
        assert (caught.value.code, caught.value.field) == (code, "assessed_on")
    with pytest.raises(AccessDenied):
        facts.self_care_assess(
            actor=actor_of(Role.CITY_ANALYST), person_id=head.id, assessed_on=date(2025, 1, 1), **ABLE
        )


def test_member_absence_set_and_clear(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    spouse = _spouse(family)
    membership = facts.member_absence_set(
        actor=actor, household_id=family.id, person_id=spouse.id, absence="religious", absent_since=date(2023, 4, 1)
    )
    assert (membership.absence, membership.absent_since) == ("religious", date(2023, 4, 1))
    event = AuditEvent.objects.get(action="household.member_absence")
    assert event.detail == {
        "person_id": spouse.id,
        "changes": {"absence": ["", "religious"], "absent_since": [None, "2023-04-01"]},
    }
    cleared = facts.member_absence_set(actor=actor, household_id=family.id, person_id=spouse.id, absence="")
    assert (cleared.absence, cleared.absent_since) == ("", None)


@pytest.mark.parametrize(
    ("absence", "since", "code", "field"),
    [
        ("vacation", None, "member.absence", "absence"),
        ("religious", None, "member.absent_since_required", "absent_since"),
        ("", date(2023, 1, 1), "member.absent_since_without_absence", "absent_since"),
        ("prison", date(1940, 1, 1), "member.absent_since", "absent_since"),
        ("prison", date(2999, 1, 1), "member.absent_since", "absent_since"),
    ],
)
def test_member_absence_validation(
    family: Household, actor_of: ActorOf, absence: str, since: date | None, code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        facts.member_absence_set(
            actor=actor_of(Role.VILLAGE_ASSISTANT),
            household_id=family.id,
            person_id=_head(family).id,
            absence=absence,
            absent_since=since,
        )
    assert (caught.value.code, caught.value.field) == (code, field)


def test_member_absence_needs_a_current_member(family: Household, stranger: Household, actor_of: ActorOf) -> None:
    with pytest.raises(NotFound) as caught:
        facts.member_absence_set(
            actor=actor_of(Role.VILLAGE_ASSISTANT),
            household_id=family.id,
            person_id=_head(stranger).id,
            absence="prison",
        )
    assert caught.value.field == "person_id"


# ---------------------------------------------------------------------------------------------- selectors


@pytest.fixture
def economics(family: Household, actor_of: ActorOf) -> Household:
    """Incomes (one ended), assets, expenses inside and outside the last year, and two assessments."""
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    head, spouse = _head(family), _spouse(family)
    add_income = facts.income_item_add
    add_income(actor=actor, household_id=family.id, person_id=head.id, kind="pension", amount_fen=250_000,
               valid_from=date(2015, 1, 1))  # fmt: skip
    old = add_income(
        actor=actor, household_id=family.id, kind="support", amount_fen=50_000, valid_from=date(2020, 1, 1)
    )
    facts.income_item_end(actor=actor, income_item_id=old.id, valid_to=date(2025, 1, 1))
    add_income(actor=actor, household_id=family.id, kind="farm", amount_fen=600_000, period_months=12,
               valid_from=date(2025, 1, 1))  # fmt: skip
    facts.asset_item_add(actor=actor, household_id=family.id, kind="deposit", value_fen=3_000_000,
                            valid_from=date(2018, 1, 1))  # fmt: skip
    facts.asset_item_add(actor=actor, household_id=family.id, kind="house", value_fen=45_000_000,
                            valid_from=date(2026, 1, 1))  # fmt: skip
    for day, amount in ((date(2025, 6, 1), 1_234_567), (date(2024, 6, 1), 99), (date(2025, 5, 31), 1_000)):
        facts.expense_item_add(actor=actor, household_id=family.id, person_id=spouse.id, kind="medical",
                                  amount_fen=amount, incurred_on=day)  # fmt: skip
    for day, walking in ((date(2024, 1, 1), True), (date(2025, 3, 1), False)):
        facts.self_care_assess(actor=actor, person_id=spouse.id, assessed_on=day, **(ABLE | {"walking": walking}))
    return family


def test_household_economics_on_a_date(economics: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.DISTRICT_APPROVER)
    before = AuditEvent.objects.count()
    result = selectors.household_economics(actor=actor, household_id=economics.id, on=date(2025, 6, 1))
    assert sorted(item.kind for item in result.incomes) == ["farm", "pension"]
    assert [item.kind for item in result.assets] == ["deposit"]  # the house is registered from 2026
    assert [item.amount_fen for item in result.expenses] == [1_234_567, 1_000]  # (2024-06-01, 2025-06-01]
    spouse = _spouse(economics)
    assert set(result.self_care) == {spouse.id}
    assert result.self_care[spouse.id].assessed_on == date(2025, 3, 1)
    assert result.self_care[spouse.id].unmet_count == 1
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert (event.action, event.object_id, event.detail) == (
        "household.view",
        str(economics.id),
        {"economics_on": "2025-06-01"},
    )
    earlier = selectors.household_economics(actor=actor, household_id=economics.id, on=date(2024, 12, 31))
    assert sorted(item.kind for item in earlier.incomes) == ["pension", "support"]
    assert earlier.self_care[spouse.id].unmet_count == 0
    assert selectors.person_self_care(person=spouse, on=date(2023, 12, 31)) is None


def test_household_economics_needs_the_view_permission(economics: Household, actor_of: ActorOf) -> None:
    with pytest.raises(AccessDenied):
        selectors.household_economics(actor=actor_of(Role.ADMINISTRATOR), household_id=economics.id)


# -------------------------------------------------------------------------------------------------- pages


def _text(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


def test_household_page_shows_the_economic_situation_in_yuan(
    economics: Household, logged_in: LoggedIn, django_assert_max_num_queries: Any
) -> None:
    client = logged_in(Role.TOWNSHIP_CASEWORKER)
    with django_assert_max_num_queries(20):  # as in test_views: no query per item or member
        response = client.get(reverse("household_detail", args=[economics.id]), {"on": "2025-06-01"})
    text = _text(response)
    assert "家庭经济状况" in text
    assert "2,500.00" in text  # the pension, monthly
    assert "6,000.00" in text  # the farm's 12-month total
    assert "12 个月合计" in text
    assert "30,000.00" in text  # the deposit
    assert "12,345.67" in text  # an expense
    assert "12,355.67" in text  # the year's total
    assert "0.99" not in text  # more than a year before the date
    assert "部分丧失生活自理能力" in text


def test_person_page_shows_self_care_school_and_absence(
    economics: Household, logged_in: LoggedIn, actor_of: ActorOf
) -> None:
    spouse = _spouse(economics)
    facts.member_absence_set(
        actor=actor_of(Role.TOWNSHIP_CASEWORKER),
        household_id=economics.id,
        person_id=spouse.id,
        absence="religious",
        absent_since=date(2024, 2, 1),
    )
    text = _text(logged_in(Role.SUPERVISOR).get(reverse("person_detail", args=[spouse.id])))
    assert "室内自主行走" in text
    assert "2025-03-01" in text
    assert "在校就读" in text
    assert "宗教教职人员离家" in text
    assert "2024-02-01" in text
