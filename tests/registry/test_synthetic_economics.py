"""The synthetic city's economic facts: the shares the assistance rules need, consistency and determinism."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

import pytest
from django.db.models import Count, Q

from minzheng.registry import synthetic
from minzheng.registry.models import (
    AssetItem,
    ExpenseItem,
    Household,
    HouseholdMember,
    IncomeItem,
    Person,
    SelfCareAssessment,
)
from minzheng.registry.synthetic_economics import (
    COUNTED,
    DEPOSIT_LIMIT_MONTHS,
    RURAL_STANDARD_FEN,
    URBAN_STANDARD_FEN,
    monthly_fen,
)

AS_OF = synthetic.AS_OF
HOUSEHOLDS = 8000


def _years_before(years: int) -> date:
    return AS_OF.replace(year=AS_OF.year - years)


@pytest.fixture
def city(db: None) -> synthetic.CitySummary:
    """The demo region tree with 8,000 households (the real tree; about two seconds on SQLite)."""
    return synthetic.generate_city(households=HOUSEHOLDS, seed=2025)


def _per_household_income() -> dict[int, tuple[str, int, int]]:
    """household id → (hukou type, members counted, counted monthly income in fen), as the rules compute it."""
    counted = dict(
        HouseholdMember.objects.filter(valid_to__isnull=True, absence="")
        .values("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    income: Counter[int] = Counter()
    current = IncomeItem.objects.filter(valid_from__lte=AS_OF).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=AS_OF))
    for household_id, amount, months in current.filter(kind__in=COUNTED).values_list(
        "household_id", "amount_fen", "period_months"
    ):
        income[household_id] += monthly_fen(amount, months)
    return {
        household_id: (hukou_type, counted[household_id], income[household_id])
        for household_id, hukou_type in Household.objects.values_list("id", "hukou_type")
        if counted.get(household_id)
    }


def test_poor_and_near_poor_shares(city: synthetic.CitySummary) -> None:
    poor = near = above = 0
    for hukou_type, members, income in _per_household_income().values():
        line = (URBAN_STANDARD_FEN if hukou_type == "urban" else RURAL_STANDARD_FEN) * members
        if income < line:
            poor += 1
        elif income * 1000 < line * 1500:
            near += 1
        else:
            above += 1
            assert income * 1000 >= line * 1600  # clear of the line, whatever the rounding
    assert 0.04 <= poor / HOUSEHOLDS <= 0.065
    assert 0.02 <= near / HOUSEHOLDS <= 0.045


def test_income_kinds_and_amounts(city: synthetic.CitySummary) -> None:
    kinds = Counter(IncomeItem.objects.values_list("kind", flat=True))
    assert {"wage", "business", "farm", "pension", "basic_pension", "support"} <= set(kinds)
    assert not IncomeItem.objects.filter(amount_fen__lt=0).exists()
    assert set(IncomeItem.objects.filter(kind="farm").values_list("period_months", flat=True)) == {12}
    assert not IncomeItem.objects.exclude(kind="farm").exclude(period_months=1).exists()
    assert not Household.objects.filter(hukou_type="urban", income_items__kind="farm").exists()
    rural = Household.objects.filter(hukou_type="rural")
    assert rural.filter(income_items__kind="farm").distinct().count() > 0.5 * rural.count()
    basic = IncomeItem.objects.filter(kind="basic_pension").values_list("amount_fen", flat=True)
    assert all(15_000 <= amount <= 20_000 for amount in basic)
    wages = list(IncomeItem.objects.filter(kind="wage", valid_to__isnull=True).values_list("amount_fen", flat=True))
    assert 0.01 < sum(amount == 0 for amount in wages) / len(wages) < 0.06  # some declare none
    adults = Person.objects.filter(
        died_on__isnull=True, birth_on__lte=_years_before(18), birth_on__gt=_years_before(60)
    )
    earners = adults.filter(income_items__kind="wage", income_items__valid_to__isnull=True).distinct().count()
    assert 0.55 < earners / adults.count() < 0.85
    assert IncomeItem.objects.filter(valid_to__isnull=False).exists()  # some history: earlier jobs
    assert not IncomeItem.objects.filter(valid_from__gt=AS_OF).exists()
    dead = Person.objects.filter(died_on__isnull=False)
    assert not IncomeItem.objects.filter(person__in=dead).exists()


def test_assets(city: synthetic.CitySummary) -> None:
    def share(kind: str) -> float:
        return AssetItem.objects.filter(kind=kind).values("household_id").distinct().count() / HOUSEHOLDS

    assert 0.8 < share("deposit") < 0.95
    assert 0.2 < share("vehicle") < 0.32
    assert share("mobility_vehicle") > 0
    assert 0.8 < share("house") < 0.95
    business_income = set(IncomeItem.objects.filter(kind="business").values_list("household_id", flat=True))
    business_assets = set(AssetItem.objects.filter(kind="business").values_list("household_id", flat=True))
    assert business_income == business_assets
    assert len(business_income) > 0.03 * HOUSEHOLDS
    houses = Counter(
        AssetItem.objects.filter(kind="house")
        .values("household_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert set(houses) == {1, 2}
    assert not AssetItem.objects.filter(value_fen__lt=0).exists()


def test_some_poor_households_fail_the_property_test(city: synthetic.CitySummary) -> None:
    incomes = _per_household_income()
    deposits = dict(AssetItem.objects.filter(kind="deposit").values_list("household_id", "value_fen"))
    poor_above = poor_within = rich_above = 0
    for household_id, (hukou_type, members, income) in incomes.items():
        standard = URBAN_STANDARD_FEN if hukou_type == "urban" else RURAL_STANDARD_FEN
        above = deposits.get(household_id, 0) > standard * members * DEPOSIT_LIMIT_MONTHS
        if income < standard * members:
            poor_above += above
            poor_within += not above
        else:
            rich_above += above
    assert poor_within > 5 * poor_above > 0
    assert rich_above > 0.2 * HOUSEHOLDS


def test_expenses_for_the_ill_and_disabled(city: synthetic.CitySummary) -> None:
    expenses = ExpenseItem.objects.all()
    assert set(expenses.values_list("kind", flat=True)) >= {"medical", "rehabilitation", "education"}
    assert not expenses.filter(Q(incurred_on__gte=AS_OF) | Q(incurred_on__lt=_years_before(1))).exists()
    ill = Person.objects.filter(serious_illness=True, died_on__isnull=True, memberships__valid_to__isnull=True)
    with_medical = ill.filter(expense_items__kind="medical").distinct().count()
    assert with_medical == ill.count()
    assert expenses.filter(kind="medical", amount_fen__gte=5_000_000).exists()  # some large bills
    rehab = expenses.filter(kind="rehabilitation").values_list("person_id", flat=True)
    assert set(rehab) <= set(Person.objects.filter(disability_certificates__isnull=False).values_list("id", flat=True))


def test_self_care_assessments(city: synthetic.CitySummary) -> None:
    oldest = Person.objects.filter(
        died_on__isnull=True, birth_on__lte=_years_before(75), memberships__valid_to__isnull=True
    )
    assessed = oldest.filter(self_care_assessments__isnull=False).distinct().count()
    assert 0.65 < assessed / oldest.count() < 0.92
    unmet = Counter(min(a.unmet_count, 4) for a in SelfCareAssessment.objects.all())
    assert unmet[0] > 0
    assert sum(unmet[n] for n in (1, 2, 3)) > 0.1 * sum(unmet.values())
    assert unmet[4] > 0.08 * sum(unmet.values())
    twice = SelfCareAssessment.objects.values("person_id").annotate(n=Count("id")).filter(n__gt=1)
    assert twice.exists()
    assert not SelfCareAssessment.objects.filter(assessed_on__gte=AS_OF).exists()


def test_school_absences_and_special_households(city: synthetic.CitySummary) -> None:
    alive = Person.objects.filter(died_on__isnull=True)
    school_age = alive.filter(birth_on__lte=_years_before(6), birth_on__gt=_years_before(22))
    assert 0.75 < school_age.filter(in_school=True).count() / school_age.count() < 0.97
    assert not alive.filter(in_school=True, birth_on__gt=_years_before(6)).exists()
    assert not alive.filter(in_school=True, birth_on__lte=_years_before(23)).exists()
    absences = Counter(HouseholdMember.objects.exclude(absence="").values_list("absence", flat=True))
    assert {"prison", "religious", "soldier_unmarried"} <= set(absences)
    assert sum(absences.values()) < 0.01 * alive.count()
    assert not HouseholdMember.objects.exclude(absence="").filter(absent_since__isnull=True).exists()
    assert not HouseholdMember.objects.filter(absence="", absent_since__isnull=False).exists()
    assert not HouseholdMember.objects.filter(is_head=True).exclude(absence="").exists()
    religious = HouseholdMember.objects.filter(absence="religious").values_list("absent_since", flat=True)
    assert all(day is not None and day < AS_OF for day in religious)
    # Elderly living alone with no counted income: 特困 candidates.
    alone = [
        household_id
        for household_id, (_type, members, income) in _per_household_income().items()
        if members == 1 and income == 0
    ]
    elderly_alone = HouseholdMember.objects.filter(
        household_id__in=alone, valid_to__isnull=True, person__birth_on__lte=_years_before(60)
    )
    assert elderly_alone.count() >= 5
    # Children living with grandparents only.
    skipped = Household.objects.filter(
        members__valid_to__isnull=True, members__relation="40", members__person__birth_on__gt=_years_before(18)
    ).exclude(members__valid_to__isnull=True, members__relation__in=("20", "30"))
    assert skipped.distinct().count() > 0.005 * HOUSEHOLDS


def _digest() -> str:
    tables = (
        IncomeItem.objects.order_by("id").values_list(
            "id", "household_id", "person_id", "kind", "amount_fen", "period_months", "valid_from", "valid_to"
        ),
        AssetItem.objects.order_by("id").values_list("id", "household_id", "person_id", "kind", "value_fen"),
        ExpenseItem.objects.order_by("id").values_list("id", "person_id", "kind", "amount_fen", "incurred_on"),
        SelfCareAssessment.objects.order_by("id").values_list("id", "person_id", "assessed_on", "bathing", "eating"),
        HouseholdMember.objects.order_by("id").values_list("id", "absence", "absent_since"),
        Person.objects.order_by("id").values_list("id", "in_school"),
    )
    return hashlib.sha256(repr([list(rows) for rows in tables]).encode()).hexdigest()


@pytest.mark.django_db
def test_same_seed_same_facts_and_replace_clears_them() -> None:
    synthetic.generate_city(households=400, seed=5)
    first = _digest()
    assert IncomeItem.objects.exists()
    synthetic.generate_city(households=400, seed=5, replace=True)
    assert _digest() == first
    summary = synthetic.generate_city(households=400, seed=6, replace=True)
    assert _digest() != first
    assert summary.incomes == IncomeItem.objects.count()
    assert summary.assets == AssetItem.objects.count()
    assert summary.expenses == ExpenseItem.objects.count()
    assert summary.assessments == SelfCareAssessment.objects.count()
