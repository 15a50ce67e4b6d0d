"""Assessing households through the services, with real registry data and the shipped parameters.

The household used throughout is the 赵 family in the own village: the father earns a wage and holds a deposit,
the son has a grade-1 physical disability certificate, a 生活自理 assessment with five of six items unmet and
medical bills paid out of pocket. With the 2021 Chongqing urban standard (636 元) they qualify for 低保, and the
son for both disability subsidies. The three uses of the rule set (what-if, one household, a region) must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.db import connection

from minzheng.assistance import selectors, services
from minzheng.assistance.models import Assessment, AssessmentResult, LowIncomeCategory, Programme
from minzheng.assistance.rules import PROGRAMMES
from minzheng.assistance.schemas import WhatIfIn
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.engine import io as engine_io
from minzheng.core.engine.models import BatchRun, BatchRunKind
from minzheng.core.errors import AccessDenied, NotFound
from minzheng.core.parameters.services import parameters_load
from minzheng.registry import economics
from minzheng.registry.models import DisabilityCertificate, Household, HouseholdMember, IncomeItem, Person, Relation
from tests.conftest import Tree, make_household, make_person

AS_OF = date(2025, 6, 30)
LATER = date(2025, 7, 31)
STANDARD_FEN = 63600  # 重庆 2021 urban 低保标准, in force on AS_OF
SUPPLEMENT_FEN = 4500  # 分类施保 for a severely disabled member (urban)
WAGE_FEN = 150000
MEDICAL_FEN = 600000  # 12 months' out-of-pocket medical costs: 500 元 a month deducted
DEPOSIT_FEN = 1000000


@dataclass
class Zhao:
    household: Household
    father: Person
    mother: Person
    son: Person
    wage: IncomeItem


def zhao_family(tree: Tree, recorder: Actor, number: str = "H500103001001-00009") -> Zhao:
    """The 赵 family, recorded as village staff would: members, wage, deposit, certificate, expenses, self-care."""
    father = make_person(tree.village, name="赵建国", born=date(1968, 5, 1), sequence=111)
    mother = make_person(tree.village, name="钱秀英", born=date(1970, 8, 2), sequence=122)
    son = make_person(tree.village, name="赵小宝", born=date(1998, 2, 3), sequence=131)
    household = make_household(tree.village, number, father, mother, son)
    HouseholdMember.objects.filter(household=household, person=son).update(relation=Relation.SON)
    wage = economics.income_item_add(
        actor=recorder, household_id=household.id, person_id=father.id, kind="wage", amount_fen=WAGE_FEN,
        valid_from=date(2024, 1, 1), source="劳动合同",
    )  # fmt: skip
    economics.asset_item_add(
        actor=recorder, household_id=household.id, person_id=father.id, kind="deposit", value_fen=DEPOSIT_FEN,
        valid_from=date(2024, 1, 1),
    )  # fmt: skip
    DisabilityCertificate.objects.create(
        person=son, certificate_number=f"{son.id_number}11", disability_category="4", disability_grade=1,
        valid_from=date(2020, 1, 1),
    )  # fmt: skip
    for incurred_on in (date(2024, 9, 1), date(2025, 3, 1)):
        economics.expense_item_add(
            actor=recorder, household_id=household.id, person_id=son.id, kind="medical",
            amount_fen=MEDICAL_FEN // 2, incurred_on=incurred_on,
        )  # fmt: skip
    economics.self_care_assess(
        actor=recorder, person_id=son.id, assessed_on=date(2025, 1, 10), eating=True, dressing=False,
        transferring=False, toileting=False, walking=False, bathing=False, assessor="街道评估小组",
    )  # fmt: skip
    return Zhao(household, father, mother, son, wage)


def zhao_what_if(zhao: Zhao, *, as_of: date = AS_OF, with_wage: bool = True) -> dict[str, Any]:
    """The same family described as JSON for the what-if API: members named by their registry ids."""
    father, mother, son = (str(p.id) for p in (zhao.father, zhao.mother, zhao.son))
    return {
        "region": "500103001001",
        "area": "urban",
        "as_of": as_of.isoformat(),
        "members": [
            {"id": father, "name": "赵建国", "relation": "02", "birth_on": "1968-05-01"},
            {"id": mother, "name": "钱秀英", "relation": "10", "birth_on": "1970-08-02"},
            {
                "id": son,
                "name": "赵小宝",
                "relation": "20",
                "birth_on": "1998-02-03",
                "disability_category": "4",
                "disability_grade": 1,
                "self_care_unmet": 5,
            },
        ],
        "incomes": [{"member": father, "kind": "wage", "monthly_fen": WAGE_FEN}] if with_wage else [],
        "assets": [{"member": father, "kind": "deposit", "value_fen": DEPOSIT_FEN}],
        "expenses": [
            {"member": son, "kind": "medical", "amount_fen": MEDICAL_FEN // 2, "incurred_on": "2024-09-01"},
            {"member": son, "kind": "medical", "amount_fen": MEDICAL_FEN // 2, "incurred_on": "2025-03-01"},
        ],
    }


def amounts(programmes: list[Any], persons: dict[str, str] | None = None) -> dict[tuple[str, str], int]:
    """{(programme, subject): amount} of every qualifying subject; `persons` renames person ids."""
    persons = persons or {}
    return {
        (view.code, persons.get(subject.person_id or "", subject.person_id or "household")): subject.amount_fen
        for view in programmes
        for subject in view.qualifying
    }


def dibao_fen(income_fen: int) -> int:
    """低保金 of the 赵 family: 3 × standard − (income − medical deduction, not below 0) + the son's supplement."""
    countable = max(income_fen - MEDICAL_FEN // 12, 0)
    return 3 * STANDARD_FEN - countable + SUPPLEMENT_FEN


@pytest.fixture
def params(db: None, tree: Tree) -> None:
    parameters_load()


@pytest.fixture
def caseworker(actor_of: Callable[..., Actor]) -> Actor:
    return actor_of(Role.TOWNSHIP_CASEWORKER)


@pytest.fixture
def recorder(actor_of: Callable[..., Actor]) -> Actor:
    """The village assistant who registers the households' data."""
    return actor_of(Role.VILLAGE_ASSISTANT)


@pytest.fixture
def zhao(tree: Tree, params: None, recorder: Actor) -> Zhao:
    return zhao_family(tree, recorder)


def _results(assessment: Assessment) -> dict[tuple[str, int | None], int]:
    return {(row["programme"], row["person_id"]): row["amount_fen"] for row in assessment.results}


# One registered household ------------------------------------------------------------------------------------


def test_household_assess_stores_results_explanation_and_audit(zhao: Zhao, caseworker: Actor) -> None:
    assessment = services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)

    assert assessment.as_of == AS_OF
    assert assessment.run.kind == BatchRunKind.SINGLE
    assert assessment.run.finished_at is not None
    assert assessment.run.started_by_id == caseworker.user_id
    assert set(assessment.run.rule_versions) == set(PROGRAMMES.values())
    assert _results(assessment) == {
        ("dibao", None): dibao_fen(WAGE_FEN),
        ("disability_living", zhao.son.id): 8000,
        ("disability_nursing", zhao.son.id): 9000,
        ("low_income", zhao.father.id): 0,
        ("low_income", zhao.mother.id): 0,
        ("low_income", zhao.son.id): 0,
    }
    rows = AssessmentResult.objects.filter(assessment=assessment)
    assert rows.count() == 6
    assert {row.category for row in rows.filter(programme=Programme.LOW_INCOME)} == {LowIncomeCategory.DIBAO}
    assert rows.get(programme=Programme.DISABILITY_NURSING).tier == "grade_1"

    # Every step of every rule is explained, per member or for the household, with the parameters used.
    explanation = assessment.explanation
    assert isinstance(explanation, list)
    steps = {row["step"] for row in explanation}
    assert {"member_facts", "dibao_shortfall", "disability_nursing", "low_income_category"} <= steps
    shortfall = next(row for row in explanation if row["step"] == "dibao_shortfall")
    assert shortfall["subject_type"] == "household"
    assert shortfall["values"]["amount_fen"] == dibao_fen(WAGE_FEN)
    assert shortfall["params"]["dibao.standard_fen"] == {"value": STANDARD_FEN, "confirmed": True}
    facts = next(row for row in explanation if row["step"] == "member_facts" and row["subject_id"] == str(zhao.son.id))
    assert facts["values"]["self_care_unmet"] == 5

    event = AuditEvent.objects.get(action="assessment.create")
    assert event.object_id == str(assessment.pk)
    assert event.username == caseworker.username
    assert event.region_code == zhao.household.region.code
    assert event.detail == {"run": assessment.run_id}


def test_reassessing_unchanged_data_adds_nothing(zhao: Zhao, caseworker: Actor) -> None:
    first = services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)
    again = services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)

    assert again.pk == first.pk
    assert again.results == first.results
    assert Assessment.objects.count() == 1
    assert AssessmentResult.objects.count() == 6
    # Both requests are runs (and audited), only the first stored anything.
    assert BatchRun.objects.count() == 2
    assert AuditEvent.objects.filter(action="assessment.create").count() == 2


def test_changed_income_adds_a_new_assessment(zhao: Zhao, caseworker: Actor) -> None:
    first = services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)
    economics.income_item_end(actor=caseworker, income_item_id=zhao.wage.id, valid_to=date(2025, 6, 1))

    second = services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)

    assert second.pk != first.pk
    assert second.digest != first.digest
    assert _results(second)[("dibao", None)] == dibao_fen(0) > _results(first)[("dibao", None)]
    assert Assessment.objects.filter(household=zhao.household).count() == 2
    latest = selectors.assessment_latest(actor=caseworker, household_id=zhao.household.id)
    assert latest is not None
    assert latest.assessment.pk == second.pk
    assert latest.monthly_total_fen == dibao_fen(0) + 8000 + 9000


def test_household_outside_the_region_is_not_found(
    zhao: Zhao, tree: Tree, stranger: Household, caseworker: Actor, actor_of: Callable[..., Actor]
) -> None:
    with pytest.raises(NotFound) as raised:
        services.household_assess(actor=caseworker, household_id=stranger.id, as_of=AS_OF)
    assert raised.value.code == "household.not_found"
    other = actor_of(Role.VILLAGE_ASSISTANT, tree.other_village)
    with pytest.raises(NotFound):
        services.household_assess(actor=other, household_id=zhao.household.id, as_of=AS_OF)
    with pytest.raises(NotFound):
        services.household_assess(actor=caseworker, household_id=999_999, as_of=AS_OF)
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("role", [Role.CITY_ANALYST, Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_roles_without_assessment_run_are_refused(zhao: Zhao, actor_of: Callable[..., Actor], role: str) -> None:
    with pytest.raises(AccessDenied):
        services.household_assess(actor=actor_of(role), household_id=zhao.household.id, as_of=AS_OF)
    assert not Assessment.objects.exists()
    assert not BatchRun.objects.exists()


def test_household_without_members_on_the_date(zhao: Zhao, caseworker: Actor) -> None:
    with pytest.raises(NotFound) as raised:
        services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=date(2019, 12, 31))
    assert raised.value.code == "assessment.no_members"
    assert raised.value.field == "as_of"
    assert not Assessment.objects.exists()


# One rule set, three uses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_wage", [True, False], ids=["wage", "no-wage"])
def test_what_if_agrees_with_the_stored_assessment(
    zhao: Zhao, caseworker: Actor, actor_of: Callable[..., Actor], with_wage: bool
) -> None:
    """The same household described in JSON and read from the registry gets the same amount in every programme,
    and the same conclusion and numbers at every step."""
    if not with_wage:
        economics.income_item_end(actor=caseworker, income_item_id=zhao.wage.id, valid_to=date(2025, 1, 1))
    what_if = WhatIfIn.model_validate(zhao_what_if(zhao, with_wage=with_wage)).to_what_if()
    evaluation = services.assessment_evaluate(actor=actor_of(Role.CITY_ANALYST), what_if=what_if)
    services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)
    stored = selectors.assessment_latest(actor=caseworker, household_id=zhao.household.id)
    assert stored is not None

    expected = {
        ("dibao", "household"): dibao_fen(WAGE_FEN if with_wage else 0),
        ("disability_living", str(zhao.son.id)): 8000,
        ("disability_nursing", str(zhao.son.id)): 9000,
        **{("low_income", str(p.id)): 0 for p in (zhao.father, zhao.mother, zhao.son)},
    }
    assert amounts(evaluation.programmes) == expected
    assert amounts(stored.programmes) == expected
    assert evaluation.monthly_total_fen == stored.monthly_total_fen == expected[("dibao", "household")] + 17000
    assert [p.code for p in evaluation.programmes] == [p.code for p in stored.programmes] == list(PROGRAMMES)
    names = {"赵建国", "钱秀英", "赵小宝"}
    for programmes in (evaluation.programmes, stored.programmes):  # the what-if's display names are kept
        assert {subject.name for view in programmes if view.code == "low_income" for subject in view.subjects} == names

    def steps(programmes: list[Any]) -> dict[tuple[str, str, str], Any]:
        return {
            (view.code, subject.person_id or "household", step.name): (
                step.outcome, [(str(line.label), str(line.value)) for line in step.values]
            )
            for view in programmes
            for subject in view.subjects
            for step in subject.steps
        }  # fmt: skip

    assert steps(evaluation.programmes) == steps(stored.programmes)
    assert [[(p.key, str(p.value), p.confirmed) for p in view.params] for view in evaluation.programmes] == [
        [(p.key, str(p.value), p.confirmed) for p in view.params] for view in stored.programmes
    ]


def test_what_if_in_an_unknown_region(params: None, actor_of: Callable[..., Actor]) -> None:
    payload = {
        "region": "990000",
        "area": "rural",
        "as_of": "2025-06-30",
        "members": [{"id": "a", "birth_on": "1950-01-01"}],
    }
    with pytest.raises(NotFound) as raised:
        services.assessment_evaluate(
            actor=actor_of(Role.VILLAGE_ASSISTANT), what_if=WhatIfIn.model_validate(payload).to_what_if()
        )
    assert raised.value.code == "region.not_found"


def test_what_if_is_refused_to_the_administrator(params: None, actor_of: Callable[..., Actor]) -> None:
    payload = {"region": "500103", "area": "rural", "members": [{"id": "a", "birth_on": "1950-01-01"}]}
    with pytest.raises(AccessDenied):
        services.assessment_evaluate(
            actor=actor_of(Role.ADMINISTRATOR), what_if=WhatIfIn.model_validate(payload).to_what_if()
        )


# Every household of a region ---------------------------------------------------------------------------------


@dataclass
class Region3:
    zhao: Zhao
    elder: Household  # alone, no income, a deposit above the 低保 limit
    elder_deposit: int
    worker: Household  # alone, unemployed and without means: 低保
    stranger: Household


@pytest.fixture
def neighbourhood(tree: Tree, zhao: Zhao, caseworker: Actor, stranger: Household) -> Region3:
    elder = make_household(tree.village, "H500103001001-00010", make_person(tree.village, name="孙大爷", sequence=141))
    deposit = economics.asset_item_add(
        actor=caseworker, household_id=elder.id, kind="deposit", value_fen=10_000_000, valid_from=date(2023, 1, 1)
    )
    worker = make_household(
        tree.village, "H500103001001-00011", make_person(tree.village, name="周明", born=date(1985, 1, 1), sequence=151)
    )
    return Region3(zhao, elder, deposit.id, worker, stranger)


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _counts(summary: services.RunSummary, programme: str) -> dict[str, int]:
    return summary.changes.get(programme, {})


def test_assessments_run_over_a_region(
    neighbourhood: Region3, tree: Tree, caseworker: Actor, actor_of: Callable[..., Actor], data_dir: Path
) -> None:
    approver = actor_of(Role.DISTRICT_APPROVER)
    seen: list[tuple[int, int]] = []

    first = services.assessments_run(
        actor=approver, as_of=AS_OF, region=tree.district, progress=lambda done, total: seen.append((done, total))
    )

    assert first.households == 3  # the other district's household is not in scope
    assert first.assessments_written == 3
    assert first.results_written == 6 + 2  # the 赵 family's six, the worker's 低保 and low-income category
    assert _counts(first, "dibao") == {"current": 2, "newly": 2, "ended": 0, "amount_changed": 0}
    assert _counts(first, "low_income")["current"] == 4
    assert seen
    assert seen[-1][0] == seen[-1][1]
    stored = Assessment.objects.get(household=neighbourhood.zhao.household)
    assert _results(stored)[("dibao", None)] == dibao_fen(WAGE_FEN)
    assert stored.explanation is None  # a batch keeps its explanations in Parquet
    assert not Assessment.objects.filter(household=neighbourhood.stranger).exists()

    run = BatchRun.objects.get(pk=first.run_id)
    assert run.kind == BatchRunKind.BATCH
    assert run.finished_at is not None
    assert run.counts["households"] == 3
    assert run.counts["assessments_written"] == 3
    assert run.explanations_path == str(data_dir / "runs" / str(run.pk))
    directory = Path(run.explanations_path)
    for rule_id in [*PROGRAMMES.values(), "rule_params"]:
        assert (directory / rule_id / "part-0000.parquet").exists(), rule_id
    dibao = pq.read_table(directory / "dibao.eligibility").to_pylist()
    households = (neighbourhood.zhao.household, neighbourhood.elder, neighbourhood.worker)
    assert {row["household_id"] for row in dibao} == {household.id for household in households}
    event = AuditEvent.objects.get(action="assessment.run")
    assert event.object_id == str(run.pk)
    assert event.region_code == tree.district.code
    assert event.detail["households"] == 3

    # The stored view of a batch assessment reads its explanation back from Parquet: each rule's last step.
    view = selectors.assessment_latest(actor=caseworker, household_id=neighbourhood.zhao.household.id)
    assert view is not None
    assert amounts(view.programmes)[("dibao", "household")] == dibao_fen(WAGE_FEN)
    dibao_view = next(p for p in view.programmes if p.code == "dibao")
    assert [step.name for step in dibao_view.subjects[0].steps] == ["dibao_shortfall"]
    assert next(p for p in dibao_view.params if p.key == "dibao.standard_fen").confirmed

    # Nothing changed: a second run writes nothing and reports no change.
    second = services.assessments_run(actor=approver, as_of=AS_OF, region=tree.district)
    assert second.households == 3
    assert (second.assessments_written, second.results_written) == (0, 0)
    assert second.changes == first.changes  # against the assessments before the date: re-running reads the same
    assert Assessment.objects.count() == 3

    # The father's wage ends, the elder spends the deposit, the worker finds a job; assessed a month later.
    economics.income_item_end(actor=caseworker, income_item_id=neighbourhood.zhao.wage.id, valid_to=date(2025, 6, 1))
    economics.asset_item_end(actor=caseworker, asset_item_id=neighbourhood.elder_deposit, valid_to=date(2025, 6, 1))
    economics.income_item_add(
        actor=caseworker, household_id=neighbourhood.worker.id, kind="wage", amount_fen=500000,
        valid_from=date(2025, 5, 1), person_id=neighbourhood.worker.members.get().person_id,
    )  # fmt: skip
    third = services.assessments_run(actor=approver, as_of=LATER, region=tree.district)
    assert third.assessments_written == 3
    assert _counts(third, "dibao") == {"current": 1, "newly": 0, "ended": 1, "amount_changed": 1}
    assert _counts(third, "dibao_phase_out") == {"current": 1, "newly": 1, "ended": 0, "amount_changed": 0}
    assert _counts(third, "tekun") == {"current": 1, "newly": 1, "ended": 0, "amount_changed": 0}  # the elder
    assert _counts(third, "low_income") == {"current": 5, "newly": 1, "ended": 0, "amount_changed": 0}
    assert _counts(third, "disability_nursing") == {"current": 1, "newly": 0, "ended": 0, "amount_changed": 0}
    elder = Assessment.objects.filter(household=neighbourhood.elder).order_by("-id")[0]
    assert {(r["programme"], r["tier"], r["category"]) for r in elder.results} == {
        ("tekun", "self", None), ("low_income", None, LowIncomeCategory.TEKUN)
    }  # fmt: skip
    # The worker was on 低保 before the date and now earns more: 渐退, six months at the former amount.
    worker = Assessment.objects.filter(household=neighbourhood.worker).order_by("-id")[0]
    assert {(r["programme"], r["amount_fen"], r["valid_until"]) for r in worker.results} == {
        ("dibao_phase_out", STANDARD_FEN, "2026-01-31"), ("low_income", 0, None)
    }  # fmt: skip
    assert Assessment.objects.count() == 6
    assert len(list((data_dir / "runs").iterdir())) == 3
    assert AuditEvent.objects.filter(action="assessment.run").count() == 3
    assert BatchRun.objects.get(pk=third.run_id).counts["changes"]["dibao"]["amount_changed"] == 1

    # A single assessment of the same data on the same date recognises the batch's row.
    again = services.household_assess(actor=caseworker, household_id=neighbourhood.zhao.household.id, as_of=LATER)
    assert Assessment.objects.count() == 6
    assert _results(again)[("dibao", None)] == dibao_fen(0)


def test_assessments_run_needs_the_batch_permission(
    neighbourhood: Region3, tree: Tree, caseworker: Actor, data_dir: Path
) -> None:
    with pytest.raises(AccessDenied):
        services.assessments_run(actor=caseworker, as_of=AS_OF, region=tree.district)
    assert not BatchRun.objects.exists()


def test_assessments_run_as_operator_on_an_empty_region(tree: Tree, params: None, data_dir: Path) -> None:
    summary = services.assessments_run(actor=None, as_of=AS_OF, region=tree.other_township)
    assert (summary.households, summary.assessments_written, summary.changes) == (0, 0, {})
    run = BatchRun.objects.get(pk=summary.run_id)
    assert run.finished_at is not None
    assert run.started_by_id is None
    assert AuditEvent.objects.get(action="assessment.run").username in {"", "system"}


@pytest.mark.django_db(transaction=True)
def test_assessments_run_outside_a_transaction(
    tree: Tree, actor_of: Callable[..., Actor], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Committed data, no atomic block around the run: on PostgreSQL reads and staging go through ADBC."""
    parameters_load()
    caseworker = actor_of(Role.TOWNSHIP_CASEWORKER)
    zhao = zhao_family(tree, actor_of(Role.VILLAGE_ASSISTANT))
    approver = actor_of(Role.DISTRICT_APPROVER)
    adbc_connections: list[object] = []
    connect = engine_io._adbc_connect

    def counted() -> Any:
        adbc_connections.append(connect())
        return adbc_connections[-1]

    monkeypatch.setattr(engine_io, "_adbc_connect", counted)

    first = services.assessments_run(actor=approver, as_of=AS_OF, region=tree.city)
    assert (first.households, first.assessments_written, first.results_written) == (1, 1, 6)
    assert bool(adbc_connections) == (connection.vendor == "postgresql")
    assert _results(Assessment.objects.get())[("dibao", None)] == dibao_fen(WAGE_FEN)
    assert services.assessments_run(actor=approver, as_of=AS_OF, region=tree.city).assessments_written == 0

    economics.income_item_end(actor=caseworker, income_item_id=zhao.wage.id, valid_to=date(2025, 6, 1))
    third = services.assessments_run(actor=approver, as_of=LATER, region=tree.city)
    assert third.assessments_written == 1
    assert _counts(third, "dibao") == {"current": 1, "newly": 0, "ended": 0, "amount_changed": 1}
    latest = Assessment.objects.filter(household=zhao.household).order_by("-id").first()
    assert latest is not None
    assert _results(latest)[("dibao", None)] == dibao_fen(0)
    view = selectors.assessment_latest(actor=caseworker, household_id=zhao.household.id)
    assert view is not None
    assert amounts(view.programmes)[("disability_nursing", str(zhao.son.id))] == 9000


# The low-income population ---------------------------------------------------------------------------------


def test_low_income_persons_from_the_latest_assessment_in_scope(
    zhao: Zhao, tree: Tree, caseworker: Actor, actor_of: Callable[..., Actor], stranger: Household
) -> None:
    services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)
    other_caseworker = actor_of(Role.TOWNSHIP_CASEWORKER, tree.other_township)
    services.household_assess(actor=other_caseworker, household_id=stranger.id, as_of=AS_OF)
    stranger_person = stranger.members.get().person_id

    assert [(r.person_id, r.category) for r in selectors.low_income_persons(actor=caseworker)] == [
        (zhao.father.id, 1), (zhao.mother.id, 1), (zhao.son.id, 1)
    ]  # fmt: skip
    assert [r.person_id for r in selectors.low_income_persons(actor=other_caseworker)] == [stranger_person]
    analyst = actor_of(Role.CITY_ANALYST)
    assert selectors.low_income_persons(actor=analyst).count() == 4
    assert selectors.low_income_persons(actor=analyst, region=tree.other_district).count() == 1
    assert not selectors.low_income_persons(actor=caseworker, category=LowIncomeCategory.NEAR_DIBAO).exists()
    assert selectors.low_income_persons(actor=caseworker, category=LowIncomeCategory.DIBAO).count() == 3

    # The father finds a well-paid job: the family no longer qualifies for 低保, only the son alone (单人保) keeps
    # his category; the earlier assessment's rows no longer count.
    economics.income_item_add(
        actor=caseworker, household_id=zhao.household.id, person_id=zhao.father.id, kind="wage",
        amount_fen=2_000_000, valid_from=date(2025, 6, 1),
    )  # fmt: skip
    latest = services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)
    assert ("dibao", None) not in _results(latest)
    assert _results(latest)[("dibao_single", zhao.son.id)] == STANDARD_FEN + SUPPLEMENT_FEN  # 重残 单人保
    assert AssessmentResult.objects.filter(programme=Programme.LOW_INCOME, household=zhao.household).count() == 4
    assert [(r.person_id, r.assessment_id) for r in selectors.low_income_persons(actor=caseworker)] == [
        (zhao.son.id, latest.pk)
    ]
    assert [r.person_id for r in selectors.low_income_persons(actor=analyst)] == [zhao.son.id, stranger_person]


def test_low_income_persons_needs_assessment_view(zhao: Zhao, actor_of: Callable[..., Actor]) -> None:
    with pytest.raises(AccessDenied):
        selectors.low_income_persons(actor=actor_of(Role.ADMINISTRATOR))


def test_household_members_joined_on_the_date(zhao: Zhao, caseworker: Actor) -> None:
    """A member who left before the date is not assessed with the household."""
    HouseholdMember.objects.filter(household=zhao.household, person=zhao.mother).update(valid_to=date(2025, 1, 1))
    assessment = services.household_assess(actor=caseworker, household_id=zhao.household.id, as_of=AS_OF)
    assert ("low_income", zhao.mother.id) not in _results(assessment)
    assert _results(assessment)[("dibao", None)] == 2 * STANDARD_FEN - (WAGE_FEN - MEDICAL_FEN // 12) + SUPPLEMENT_FEN
