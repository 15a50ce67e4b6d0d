"""Runs every scenario in `src/minzheng/assistance/rules/tests/*.yaml` on DuckDB (ARCHITECTURE §6).

Scenarios are data, so a caseworker or lawyer can read and add them. Each states only what it is about:
- relations are those of `minzheng.assistance.inputs` with string ids; `id` is a household's or person's own id,
  `household` / `person` the ids it refers to, and an item without `household` belongs to its person's household;
- a member without a `persons` row is born 1980-01-01, fully able to work, with nothing else on record, and a
  `persons` row given is merged over those defaults; a member's relation defaults to none (no duty to support);
- parameters are DEFAULT_PARAMS, the 2021/2025 Chongqing set, with the scenario's `params` merged over them
  (a variant mapping such as {urban: …} is merged variant by variant).
Their parameters are turned into `rule_params` without the database; tests/core/test_engine.py checks that the
parameter store yields the same `rule_params`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from minzheng.assistance.inputs import relation_schemas
from minzheng.assistance.rules import PROGRAMMES, STEP_PARAMS
from minzheng.core.engine.params import param_column, params_from_values
from minzheng.core.engine.rules import Rule, rule_get, rules_for
from minzheng.core.engine.runner import RuleResult, RuleSet, rule_run, rules_run
from minzheng.core.engine.sql import portability_problems

RULES_DIR = Path(__file__).resolve().parents[2] / "src" / "minzheng" / "assistance" / "rules"
SCENARIO_DIR = RULES_DIR / "tests"
RELATIONS: dict[str, pa.Schema] = relation_schemas(pa.string())
SHORT_NAMES = {"household": "household_id", "person": "person_id"}
OWN_ID = {"households": "household_id", "persons": "person_id"}  # what `id` means in these relations
ROW_DEFAULTS: dict[str, dict[str, Any]] = {
    "households": {"area": "urban"},
    "persons": {"birth_on": date(1980, 1, 1), "work_ability": "full", "serious_illness": False, "in_school": False},
    "incomes": {"kind": "wage"},
}

# The 2021 Chongqing standards and the 2025 values of the later parameters (params.yaml in force on 2025-06-30,
# which test_defaults_are_the_shipped_values_in_force_mid_2025 checks).
DEFAULT_PARAMS: dict[str, Any] = {
    "dibao.standard_fen": {"urban": 63600, "rural": 51500},
    "dibao.religious_absence_years": 1,
    "dibao.exempt_basic_pension": "yes",
    "dibao.exempt_longevity_allowance": "yes",
    "dibao.exempt_disability_subsidy": "yes",
    "dibao.employment_cost_fen": 0,
    "dibao.deposit_limit_months": 24,
    "dibao.house_limit": "1",
    "dibao.supplement_elderly_age": 60,
    "dibao.supplement_minor_age": 18,
    "dibao.supplement_elderly_fen": {"urban": 4500, "rural": 3000},
    "dibao.supplement_minor_fen": {"urban": 4500, "rural": 3000},
    "dibao.supplement_disabled_fen": {"urban": 4500, "rural": 3000},
    "dibao.supplement_ill_fen": {"urban": 4500, "rural": 3000},
    "dibao.category_supplement_stacking": "highest",
    "dibao.single_person_adult_disabled": "yes",
    "dibao.single_person_support_exempt_permille": 1000,
    "dibao.phase_out_months": 6,
    "dibao.payment_start": "same_month",
    "tekun.elderly_age": 60,
    "tekun.minor_age_limit": 18,
    "tekun.supporter_age_limit": 70,
    "tekun.exempt_income_kinds": "basic_pension,special_care,longevity_allowance,assistance",
    "tekun.basic_living_fen": {"urban": 82680, "rural": 66950},
    "tekun.basic_living_multiple_permille": 1300,
    "tekun.care_self_fen": 16500,
    "tekun.care_partial_fen": 44000,
    "tekun.care_full_fen": 77000,
    "near_dibao.income_multiple_permille": 1500,
    "near_dibao.deposit_limit_months": 24,
    "near_dibao.valid_months": 12,
    "rigid_expense.disposable_income_fen": 4131400,
    "rigid_expense.ratio_permille": 700,
    "rigid_expense.valid_months": 12,
    "temporary_aid.expense_multiple_permille": 1000,
    "temporary_aid.cap_multiple_permille": 10000,
    "temporary_aid.emergency_first_fen": 80000,
    "disability_subsidy.living_fen": 8000,
    "disability_subsidy.nursing_grade1_fen": 9000,
    "disability_subsidy.nursing_grade2_fen": 8000,
    "disability_subsidy.nursing_min_unmet": "1",
}

# What every programme rule's last step gives (besides its subject key), and the extra columns some give.
RESULT_COLUMNS: dict[str, pa.DataType] = {"household_id": pa.string(), "outcome": pa.bool_(), "amount_fen": pa.int64()}
EXTRA_COLUMNS: dict[str, dict[str, pa.DataType]] = {
    "dibao.single_person": {"person_id": pa.string()},
    "dibao.phase_out": {"valid_until": pa.date32()},
    "tekun.eligibility": {"person_id": pa.string(), "tier": pa.string()},
    "near_dibao.eligibility": {"valid_until": pa.date32()},
    "rigid_expense.eligibility": {"valid_until": pa.date32()},
    "disability_subsidy.living": {"person_id": pa.string()},
    "disability_subsidy.nursing": {"person_id": pa.string(), "tier": pa.string()},
    "low_income.category": {"person_id": pa.string(), "category": pa.int16()},
}


def _load() -> list[Any]:
    cases = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        for index, scenario in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            cases.append(pytest.param(scenario, id=f"{path.stem}-{index:02d}"))
    return cases


SCENARIOS = _load()


def scenario_params(scenario: Mapping[str, Any]) -> dict[str, Any]:
    """DEFAULT_PARAMS with the scenario's own values merged over them (variant mappings variant by variant)."""
    merged = dict(DEFAULT_PARAMS)
    for key, value in (scenario.get("params") or {}).items():
        base = merged.get(key)
        merged[key] = {**base, **value} if isinstance(base, dict) and isinstance(value, dict) else value
    return merged


def scenario_inputs(scenario: Mapping[str, Any]) -> dict[str, pa.Table]:
    """The scenario's relations as Arrow, short names expanded and defaults filled in."""
    given = scenario["input"]
    unknown = set(given) - set(RELATIONS)
    assert not unknown, f"{scenario['name']}: unknown relations {unknown}"
    rows = {
        name: [ROW_DEFAULTS.get(name, {}) | _long(name, row) for row in given.get(name) or []] for name in RELATIONS
    }
    homes = {row["person_id"]: row["household_id"] for row in rows["household_members"]}
    for name in ("incomes", "assets", "expenses", "enrolments"):
        for row in rows[name]:
            if "household_id" not in row:
                row["household_id"] = homes[row["person_id"]]
    listed = {row["person_id"] for row in rows["persons"]}
    rows["persons"] += [ROW_DEFAULTS["persons"] | {"person_id": person} for person in homes if person not in listed]
    return {name: _table(name, rows[name]) for name in RELATIONS}


def _long(relation: str, row: Mapping[str, Any]) -> dict[str, Any]:
    names = SHORT_NAMES | ({"id": OWN_ID[relation]} if relation in OWN_ID else {})
    return {names.get(column, column): value for column, value in row.items()}


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = RELATIONS[name]
    for row in rows:
        assert set(row) <= set(schema.names), f"{name}: unknown columns {set(row) - set(schema.names)}"
    return pa.Table.from_pylist(rows, schema=schema)


def scenario_subjects(inputs: Mapping[str, pa.Table]) -> pa.Table:
    households = inputs["households"]
    return pa.table({"subject_id": households["household_id"], "area": households["area"]})


def scenario_run(scenario: Mapping[str, Any]) -> RuleResult:
    rule = rule_get(scenario["rule"])
    inputs = scenario_inputs(scenario)
    params = params_from_values(rule, subjects=scenario_subjects(inputs), values=scenario_params(scenario))
    return rule_run(rule, inputs=inputs, params=params, as_of=scenario["as_of"])


def _subjects_expected(rule: Rule, inputs: Mapping[str, pa.Table]) -> set[str]:
    """Household rules: every household. Person rules: every current member of those households, dead or alive."""
    households = set(inputs["households"]["household_id"].to_pylist())
    if rule.subject == "household":
        return households
    members = inputs["household_members"].to_pylist()
    return {row["person_id"] for row in members if row["household_id"] in households}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario: dict[str, Any]) -> None:
    result = scenario_run(scenario)
    rows = {row[result.rule.subject_key]: row for row in result.output.to_pylist()}
    assert set(rows) == _subjects_expected(result.rule, scenario_inputs(scenario))
    for subject, expected in scenario["output"].items():
        actual = {column: rows[subject][column] for column in expected}
        assert actual == expected, f"{scenario['name']} / {subject}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_rule_gives_the_same_result_with_every_programme_in_force(scenario: dict[str, Any]) -> None:
    """Run together, steps shared by several rules run once: each rule's result must not change."""
    rules = tuple(rule for rule in map(rule_get, PROGRAMMES.values()) if rule.in_force(scenario["as_of"]))
    rule_set = RuleSet(rules)
    inputs = scenario_inputs(scenario)
    params = params_from_values(rule_set, subjects=scenario_subjects(inputs), values=scenario_params(scenario))
    together = rules_run(rule_set, inputs=inputs, params=params, as_of=scenario["as_of"], explain="none")
    rule = rule_get(scenario["rule"])
    alone = rules_run(RuleSet((rule,)), inputs=inputs, params=params, as_of=scenario["as_of"], explain="none")
    assert _by(together.outputs[rule.id], rule.subject_key) == _by(alone.outputs[rule.id], rule.subject_key)


def _by(table: pa.Table, key: str) -> dict[Any, dict[str, Any]]:
    """Rows by subject: the engine's row order is not part of a result."""
    return {row[key]: row for row in table.to_pylist()}


def test_every_programme_rule_and_every_assistance_rule_has_scenarios_and_there_are_enough() -> None:
    covered = {case.values[0]["rule"] for case in SCENARIOS}
    assert set(PROGRAMMES.values()) <= covered
    assert covered == {rule.id for rule in rules_for("assistance")}
    assert len(SCENARIOS) >= 60
    names = [case.values[0]["name"] for case in SCENARIOS]
    assert len(names) == len(set(names))


def test_programmes_follow_the_assessment_models_in_display_order() -> None:
    from minzheng.assistance.models import Programme

    assert list(PROGRAMMES) == list(Programme.values)


@pytest.mark.parametrize("programme", list(PROGRAMMES))
def test_every_programme_result_has_the_columns_the_assessment_reads(programme: str) -> None:
    rule = rule_get(PROGRAMMES[programme])
    scenario = next(case.values[0] for case in SCENARIOS if case.values[0]["rule"] == rule.id)
    schema = scenario_run(scenario).output.schema
    for column, kind in (RESULT_COLUMNS | EXTRA_COLUMNS.get(rule.id, {})).items():
        assert schema.field(column).type == kind, f"{rule.id}.{column}"


def test_defaults_are_the_shipped_values_in_force_mid_2025() -> None:
    shipped = yaml.safe_load((RULES_DIR / "params.yaml").read_text(encoding="utf-8"))
    on = date(2025, 6, 30)
    in_force: dict[str, Any] = {}
    for key, spec in shipped.items():
        latest: dict[str, tuple[date, Any]] = {}
        for entry in spec["values"]:
            variant = entry.get("variant", "")
            if entry["valid_from"] <= on and entry["valid_from"] >= latest.get(variant, (date.min, None))[0]:
                latest[variant] = (entry["valid_from"], entry["value"])
        in_force[key] = latest[""][1] if set(latest) == {""} else {v: value for v, (_d, value) in latest.items()}
    assert in_force == DEFAULT_PARAMS


def test_every_rule_reads_exactly_the_parameters_its_steps_use() -> None:
    """STEP_PARAMS is what the rules declare; the SQL must use each listed parameter and no other."""
    shipped = yaml.safe_load((RULES_DIR / "params.yaml").read_text(encoding="utf-8"))
    for step, declared in STEP_PARAMS.items():
        code = re.sub(r"--[^\n]*", "", (RULES_DIR / step).read_text(encoding="utf-8"))
        used = {key for key in shipped if re.search(rf"\b{param_column(key)}\b", code)}
        assert used == set(declared), step
        assert not portability_problems((RULES_DIR / step).read_text(encoding="utf-8")), step
    listed = {step for rule in rules_for("assistance") for step in rule.steps}
    assert listed == set(STEP_PARAMS) == {path.name for path in RULES_DIR.glob("*.sql")}
