"""Runs every scenario in `src/minzheng/assistance/rules/tests/*.yaml` on DuckDB (ARCHITECTURE §6).

Scenarios are data, so a caseworker or lawyer can read and add them. Their parameters are given inline and
turned into `rule_params` without the database; tests/core/test_engine.py checks that the parameter store
yields the same `rule_params`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from minzheng.core.engine.params import params_from_values
from minzheng.core.engine.rules import rule_get, rules_for
from minzheng.core.engine.runner import RuleResult, rule_run

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "src" / "minzheng" / "assistance" / "rules" / "tests"

# The input relations the assistance rules read, with scenario ids as strings. `inputs.sql` will publish the
# same relations from the registry; until then these schemas are the contract.
RELATIONS: dict[str, dict[str, pa.DataType]] = {
    "households": {"household_id": pa.string(), "area": pa.string()},
    "household_members": {"household_id": pa.string(), "person_id": pa.string(), "counted": pa.bool_()},
    "incomes": {
        "household_id": pa.string(),
        "person_id": pa.string(),
        "kind": pa.string(),
        "monthly_fen": pa.int64(),
        "exempt": pa.bool_(),
    },
}
SHORT_NAMES = {"id": "household_id", "household": "household_id", "person": "person_id"}
DEFAULTS: dict[str, dict[str, Any]] = {
    "household_members": {"counted": True},
    "incomes": {"kind": "wage", "exempt": False},
}


def _load() -> list[Any]:
    cases = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        for index, scenario in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            cases.append(pytest.param(scenario, id=f"{path.stem}-{index:02d}"))
    return cases


SCENARIOS = _load()


def scenario_inputs(scenario: dict[str, Any]) -> dict[str, pa.Table]:
    """The scenario's relations as Arrow, short names expanded and defaults filled in."""
    given = scenario["input"]
    unknown = set(given) - set(RELATIONS)
    assert not unknown, f"{scenario['name']}: unknown relations {unknown}"
    rows = {name: [DEFAULTS.get(name, {}) | _long(row) for row in given.get(name, [])] for name in RELATIONS}
    homes = {row["person_id"]: row["household_id"] for row in rows["household_members"]}
    for row in rows["incomes"]:
        row.setdefault("household_id", homes.get(row["person_id"]))
    return {name: _table(name, rows[name]) for name in RELATIONS}


def _long(row: dict[str, Any]) -> dict[str, Any]:
    return {SHORT_NAMES.get(column, column): value for column, value in row.items()}


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = pa.schema(RELATIONS[name])
    for row in rows:
        assert set(row) <= set(schema.names), f"{name}: unknown columns {set(row) - set(schema.names)}"
    return pa.Table.from_pylist(rows, schema=schema)


def scenario_subjects(inputs: dict[str, pa.Table]) -> pa.Table:
    households = inputs["households"]
    return pa.table({"subject_id": households["household_id"], "area": households["area"]})


def scenario_run(scenario: dict[str, Any]) -> RuleResult:
    rule = rule_get(scenario["rule"])
    inputs = scenario_inputs(scenario)
    params = params_from_values(rule, subjects=scenario_subjects(inputs), values=scenario["params"])
    return rule_run(rule, inputs=inputs, params=params, as_of=scenario["as_of"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario: dict[str, Any]) -> None:
    result = scenario_run(scenario)
    rows = {row[result.rule.subject_key]: row for row in result.output.to_pylist()}
    assert set(rows) == set(scenario_inputs(scenario)["households"]["household_id"].to_pylist())
    for subject, expected in scenario["output"].items():
        actual = {column: rows[subject][column] for column in expected}
        assert actual == expected, f"{scenario['name']} / {subject}"


def test_every_assistance_rule_has_scenarios_and_there_are_enough() -> None:
    covered = {case.values[0]["rule"] for case in SCENARIOS}
    assert covered == {rule.id for rule in rules_for("assistance")}
    assert len(SCENARIOS) >= 20
    names = [case.values[0]["name"] for case in SCENARIOS]
    assert len(names) == len(set(names))
