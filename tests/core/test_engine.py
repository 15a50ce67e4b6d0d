"""The rule engine (ARCHITECTURE §6, §10): registry, portable SQL, runner, explanations, parameters, and the
property that one household alone and the same household in a batch give the same row."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.assistance.inputs import ABSENCES, AREAS, ASSET_KINDS, EXPENSE_KINDS, HARDSHIP_KINDS, INCOME_KINDS
from minzheng.assistance.rules import DIBAO_ELIGIBILITY, NEAR_DIBAO_ELIGIBILITY, PROGRAMMES
from minzheng.core.engine.params import param_column, params_from_store, params_from_values
from minzheng.core.engine.rules import rule_get, rule_register, rules_for
from minzheng.core.engine.runner import rule_run
from minzheng.core.engine.sql import portability_problems
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.parameters.models import Parameter
from minzheng.core.parameters.services import parameters_load
from tests.assistance.test_rule_scenarios import (
    DEFAULT_PARAMS,
    SCENARIOS,
    scenario_inputs,
    scenario_run,
    scenario_subjects,
)
from tests.conftest import Tree

SRC = Path(__file__).resolve().parents[2] / "src" / "minzheng"
AS_OF = date(2021, 10, 1)
STANDARDS = DEFAULT_PARAMS  # the 2021 Chongqing standards and the other shipped defaults


def _scenario(name_start: str) -> dict[str, Any]:
    return next(case.values[0] for case in SCENARIOS if case.values[0]["name"].startswith(name_start))


# Registry --------------------------------------------------------------------------------------------------


def test_apps_register_their_rules_and_core_finds_them() -> None:
    assert rule_get("dibao.eligibility") is DIBAO_ELIGIBILITY
    assert [rule.id for rule in rules_for("assistance")] == sorted(PROGRAMMES.values())
    with pytest.raises(NotFound):
        rule_get("no.such_rule")


def test_every_rule_cites_its_legal_source_and_has_its_step_files() -> None:
    for rule in rules_for("assistance"):
        assert rule.sources
        assert rule.title
        for step in rule.steps:
            assert (SRC / rule.app / "rules" / step).is_file()


def test_registering_another_rule_under_a_known_id_is_refused() -> None:
    rule_register(DIBAO_ELIGIBILITY)  # the same rule again: harmless
    with pytest.raises(Conflict):
        rule_register(replace(DIBAO_ELIGIBILITY, version=DIBAO_ELIGIBILITY.version + 1))


@pytest.mark.parametrize(
    "change",
    [{"sources": ()}, {"sources": (" ",)}, {"id": "Dibao"}, {"steps": ("dibao members.sql",)}, {"version": 0},
     {"subject": "village"}, {"effective_to": date(2020, 1, 1)}, {"steps": ("a.sql", "a.sql")}],
)  # fmt: skip
def test_bad_rule_metadata_fails_at_import(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"^Rule (dibao\.eligibility|Dibao):"):
        replace(DIBAO_ELIGIBILITY, **change)


# Portable, exact SQL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", sorted(SRC.glob("*/rules/*.sql")), ids=lambda path: f"{path.parent.parent.name}/{path.name}"
)
def test_rule_sql_is_portable_and_never_divides(path: Path) -> None:
    assert portability_problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "sql",
    ["SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY a) = 1", "SELECT a::BIGINT FROM t",
     "SELECT * EXCLUDE (a) FROM t", "FROM t SELECT a", "SELECT a, count(*) FROM t GROUP BY ALL",
     "SELECT income / members FROM t", "SELECT a * 1.5 FROM t", "SELECT CAST(a AS DOUBLE) FROM t",
     "SELECT 1; SELECT 2", "SELECT list_value(a) FROM t", "SELECT a FROM t ASOF JOIN u USING (a)"],
)  # fmt: skip
def test_duckdb_only_syntax_and_division_are_refused(sql: str) -> None:
    assert portability_problems(sql)


def test_comments_and_strings_are_not_code() -> None:
    sql = "-- 城市/农村, 1.5 倍, QUALIFY\nSELECT 'a/b::c' AS kind, x FROM t;\n"
    assert portability_problems(sql) == []


# Runner and explanations -----------------------------------------------------------------------------------


def test_explanations_give_each_step_its_outcome_values_and_parameters() -> None:
    result = scenario_run(_scenario("三口之家"))
    rows = {(row["step"], row["subject_id"]): row for row in result.explanations.to_pylist()}
    assert {step for step, _subject in rows} == set(DIBAO_ELIGIBILITY.step_names)
    assert {subject for step, subject in rows if step == "dibao_members"} == {"p1", "p2", "p3"}  # one row per member
    assert {subject for step, subject in rows if step == "dibao_income"} == {"h1"}  # one row per household
    final = rows[("dibao_shortfall", "h1")]
    assert (final["subject_id"], final["household_id"], final["rule_id"], final["rule_version"], final["outcome"]) == (
        "h1", "h1", "dibao.eligibility", 2, True,
    )  # fmt: skip
    assert json.loads(final["values"]) == {
        "members_counted": 3, "income_total_fen": 60000, "deduction_fen": 0, "per_capita_income_fen": 20000,
        "standard_fen": 63600, "shortfall_fen": 130800, "supplement_fen": 0, "property_ok": True, "amount_fen": 130800,
    }  # fmt: skip
    used = json.loads(final["params"])
    assert set(used) == set(DIBAO_ELIGIBILITY.params)
    assert used["dibao.standard_fen"] == {"value": 63600, "confirmed": True}
    assert json.loads(rows[("dibao_income", "h1")]["values"]) == {"members_counted": 3, "income_total_fen": 60000}
    assert rows[("dibao_income", "h1")]["outcome"] is None  # a step that only computes
    member = rows[("dibao_members", "p1")]
    assert (member["household_id"], member["outcome"]) == ("h1", True)
    assert json.loads(member["values"]) == {"not_counted_because": None}


def test_output_is_integer_fen_and_booleans() -> None:
    output = scenario_run(_scenario("三口之家")).output
    assert output.schema.field("shortfall_fen").type == pa.int64()
    assert output.schema.field("income_total_fen").type == pa.int64()
    assert output.schema.field("members_counted").type == pa.int64()
    assert output.schema.field("outcome").type == pa.bool_()
    assert output.schema.field("amount_fen").type == pa.int64()


def _inputs_and_params(unconfirmed: tuple[str, ...] = ()) -> tuple[dict[str, pa.Table], pa.Table]:
    inputs = scenario_inputs(_scenario("三口之家"))
    params = params_from_values(
        NEAR_DIBAO_ELIGIBILITY, subjects=scenario_subjects(inputs), values=STANDARDS, unconfirmed=unconfirmed
    )
    return inputs, params


def test_unconfirmed_parameters_are_flagged_in_explanations() -> None:
    inputs, params = _inputs_and_params(unconfirmed=("near_dibao.income_multiple_permille",))
    result = rule_run(NEAR_DIBAO_ELIGIBILITY, inputs=inputs, params=params, as_of=AS_OF)
    used = json.loads(result.explanations.to_pylist()[-1]["params"])
    assert used["near_dibao.income_multiple_permille"] == {"value": 1500, "confirmed": False}
    assert used["dibao.standard_fen"]["confirmed"] is True


def test_a_rule_not_in_force_is_refused() -> None:
    inputs, params = _inputs_and_params()
    with pytest.raises(Conflict) as caught:
        rule_run(DIBAO_ELIGIBILITY, inputs=inputs, params=params, as_of=date(2021, 6, 30))
    assert caught.value.code == "rule.not_in_force"


def test_missing_parameter_columns_and_shadowing_inputs_are_refused() -> None:
    inputs, params = _inputs_and_params()
    with pytest.raises(InvalidInput) as caught:
        rule_run(
            DIBAO_ELIGIBILITY, inputs=inputs, params=params.drop_columns(["dibao_standard_fen_confirmed"]), as_of=AS_OF
        )
    assert caught.value.extra["missing"] == ["dibao_standard_fen_confirmed"]
    with pytest.raises(InvalidInput):
        rule_run(DIBAO_ELIGIBILITY, inputs={**inputs, "dibao_income": inputs["incomes"]}, params=params, as_of=AS_OF)


def test_a_subject_missing_from_the_result_fails_the_run() -> None:
    inputs, params = _inputs_and_params()
    stray = pa.table({"household_id": ["nobody"], "area": ["urban"]})
    extra = params_from_values(
        DIBAO_ELIGIBILITY, subjects=stray.rename_columns(["subject_id", "area"]), values=STANDARDS
    )
    with pytest.raises(Conflict) as caught:
        rule_run(
            DIBAO_ELIGIBILITY,
            inputs=inputs,
            params=pa.concat_tables([params.select(extra.column_names), extra]),
            as_of=AS_OF,
        )
    assert caught.value.code == "engine.subjects"


def test_a_failing_step_names_itself() -> None:
    inputs, params = _inputs_and_params()
    del inputs["incomes"]
    with pytest.raises(Exception, match="incomes") as caught:
        rule_run(DIBAO_ELIGIBILITY, inputs=inputs, params=params, as_of=AS_OF)
    assert "step member_income.sql" in "".join(getattr(caught.value, "__notes__", []))


# One case and a batch run the same SQL ---------------------------------------------------------------------

AS_OF_ALL = date(2025, 6, 1)  # every programme rule is in force
_member_or_household = st.one_of(st.none(), st.integers(0, 7))  # member index (wrapped), or None: household-level
_member = st.fixed_dictionaries(
    {"relation": st.sampled_from(["02", "10", "20", "30", "40", "50", "54", "60", "70", "80", "99", None]),
     "age": st.integers(0, 95), "absence": st.one_of(st.none(), st.sampled_from(ABSENCES)),
     "absent_years": st.integers(0, 4), "dead": st.sampled_from([False, False, False, True]),
     "disability": st.one_of(st.none(), st.tuples(st.sampled_from("1234567"), st.integers(1, 4))),
     "ill": st.booleans(), "unmet": st.one_of(st.none(), st.integers(0, 6)), "in_school": st.booleans()}
)  # fmt: skip
_household = st.fixed_dictionaries(
    {"area": st.sampled_from(AREAS), "members": st.lists(_member, min_size=1, max_size=6),
     "incomes": st.lists(st.tuples(_member_or_household, st.sampled_from(INCOME_KINDS), st.integers(0, 400_000)),
                         max_size=4),
     "assets": st.lists(st.tuples(_member_or_household, st.sampled_from(ASSET_KINDS), st.integers(0, 3_000_000)),
                        max_size=2),
     "expenses": st.lists(st.tuples(_member_or_household, st.sampled_from(EXPENSE_KINDS), st.integers(0, 300_000),
                                    st.integers(0, 500)), max_size=3),
     "hardships": st.lists(st.tuples(st.sampled_from(HARDSHIP_KINDS), st.one_of(st.none(), st.integers(1, 6)),
                                     st.integers(0, 2_000_000)), max_size=2),
     "enrolled": st.one_of(st.none(), st.integers(0, 200_000))}
)  # fmt: skip


def _batch(households: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Scenario input rows for `households`: every relation of the input contract, set through the strategy."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in ("households", "household_members", "persons",
                                             "incomes", "assets", "expenses", "hardships", "enrolments")}  # fmt: skip
    for index, household in enumerate(households):
        hid = f"h{index}"
        rows["households"].append({"id": hid, "area": household["area"]})
        members = [f"{hid}p{n}" for n in range(len(household["members"]))]
        for person, member in zip(members, household["members"], strict=True):
            rows["household_members"].append({
                "household": hid, "person": person, "relation": member["relation"], "absence": member["absence"],
                "absent_since": AS_OF_ALL - timedelta(days=365 * member["absent_years"] + 1),
            })  # fmt: skip
            category, grade = member["disability"] or (None, None)
            rows["persons"].append({
                "id": person, "birth_on": date(AS_OF_ALL.year - member["age"], 1 + member["age"] % 12, 1),
                "died_on": AS_OF_ALL - timedelta(days=30) if member["dead"] else None,
                "disability_category": category, "disability_grade": grade, "serious_illness": member["ill"],
                "self_care_unmet": member["unmet"], "in_school": member["in_school"],
            })  # fmt: skip
        rows["incomes"] += [{"household": hid, "person": _owner(members, m), "kind": kind, "monthly_fen": fen}
                            for m, kind, fen in household["incomes"]]  # fmt: skip
        rows["assets"] += [{"household": hid, "person": _owner(members, m), "kind": kind, "value_fen": fen}
                           for m, kind, fen in household["assets"]]  # fmt: skip
        rows["expenses"] += [
            {"household": hid, "person": _owner(members, m), "kind": kind, "amount_fen": fen,
             "incurred_on": AS_OF_ALL - timedelta(days=days)}
            for m, kind, fen, days in household["expenses"]
        ]  # fmt: skip
        rows["hardships"] += [{"household": hid, "kind": kind, "months": months, "need_fen": fen}
                              for kind, months, fen in household["hardships"]]  # fmt: skip
        if household["enrolled"] is not None:
            rows["enrolments"].append({"household": hid, "person": None, "programme": "dibao",
                                       "since": date(2024, 1, 1), "amount_fen": household["enrolled"]})  # fmt: skip
    return rows


def _owner(members: list[str], index: int | None) -> str | None:
    """The member an item belongs to (the index wraps round the household), or None for a household-level item."""
    return None if index is None else members[index % len(members)]


def _alone(rows: dict[str, list[dict[str, Any]]], hid: str) -> dict[str, list[dict[str, Any]]]:
    homes = {row["person"]: row["household"] for row in rows["household_members"]}
    return {
        name: [row for row in relation if row.get("household", row.get("id")) == hid or homes.get(row.get("id")) == hid]
        for name, relation in rows.items()
    }


def _of(table: pa.Table, hid: str, *order: str) -> list[dict[str, Any]]:
    """The rows of household `hid`, in a stable order (a batch's row order is the engine's)."""
    rows = [row for row in table.to_pylist() if row["household_id"] == hid]
    return sorted(rows, key=lambda row: tuple(str(row[column]) for column in order))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    households=st.lists(_household, min_size=1, max_size=8),
    pick=st.integers(0, 7),
    rule_id=st.sampled_from(sorted(PROGRAMMES.values())),
)
def test_one_household_alone_equals_its_rows_in_a_batch(
    households: list[dict[str, Any]], pick: int, rule_id: str
) -> None:
    rule = rule_get(rule_id)
    rows = _batch(households)
    hid = f"h{pick % len(households)}"
    base = {"rule": rule.id, "as_of": AS_OF_ALL, "name": "property"}
    batch = scenario_run({**base, "input": rows})
    alone = scenario_run({**base, "input": _alone(rows, hid)})
    key = rule.subject_key
    assert alone.output.num_rows == (1 if rule.subject == "household" else len(_alone(rows, hid)["household_members"]))
    assert _of(alone.output, hid, key) == _of(batch.output, hid, key)
    order = ("step", "subject_id")
    assert _of(alone.explanations, hid, *order) == _of(batch.explanations, hid, *order)


# Parameters from the store ---------------------------------------------------------------------------------


def _subjects(tree: Tree) -> pa.Table:
    return pa.table({
        "subject_id": ["h1", "h2", "h3", "h4"],
        "region_id": [tree.village.id, tree.village.id, tree.other_village.id, tree.village.id],
        "area": ["urban", "rural", "urban", "urban"],
    })  # fmt: skip


def _sorted(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.sort_by("household_id").to_pylist()
    return rows


def test_params_from_the_store_match_the_scenario_values(tree: Tree, django_assert_num_queries: Any) -> None:
    parameters_load()
    subjects = _subjects(tree)
    with django_assert_num_queries(2):  # the regions, then one query for all of them (not one per subject)
        stored = params_from_store(NEAR_DIBAO_ELIGIBILITY, subjects=subjects, as_of=AS_OF)
    given_ = params_from_values(NEAR_DIBAO_ELIGIBILITY, subjects=subjects.drop_columns(["region_id"]), values=STANDARDS)
    values = ["household_id", *(param_column(key) for key in NEAR_DIBAO_ELIGIBILITY.params)]
    assert _sorted(stored.select(values)) == _sorted(given_.select(values))
    assert stored.column_names == [
        "household_id", *(param_column(key) + suffix for key in NEAR_DIBAO_ELIGIBILITY.params
                          for suffix in ("", "_confirmed")),
    ]  # fmt: skip
    first = _sorted(stored)[0]
    assert first["dibao_standard_fen_confirmed"]
    assert first["near_dibao_income_multiple_permille_confirmed"]
    assert not first["dibao_deposit_limit_months_confirmed"]  # a minzheng default (REFERENCE §16 row 4)


def test_a_district_value_applies_below_it_and_keeps_its_status(tree: Tree) -> None:
    parameters_load()
    Parameter.objects.create(
        key="dibao.standard_fen", region=tree.district, variant="urban", value=70000, unit="fen",
        valid_from=date(2021, 9, 1), source="渝中区测试通知", status="unconfirmed",
    )  # fmt: skip
    rows = {
        row["household_id"]: row
        for row in params_from_store(DIBAO_ELIGIBILITY, subjects=_subjects(tree), as_of=AS_OF).to_pylist()
    }
    assert (rows["h1"]["dibao_standard_fen"], rows["h1"]["dibao_standard_fen_confirmed"]) == (70000, False)
    assert (rows["h2"]["dibao_standard_fen"], rows["h2"]["dibao_standard_fen_confirmed"]) == (51500, True)
    assert (rows["h3"]["dibao_standard_fen"], rows["h3"]["dibao_standard_fen_confirmed"]) == (63600, True)


def test_a_parameter_missing_on_the_date_is_the_stores_conflict(tree: Tree) -> None:
    parameters_load()
    with pytest.raises(Conflict) as caught:
        params_from_store(DIBAO_ELIGIBILITY, subjects=_subjects(tree), as_of=date(2019, 1, 1))
    assert caught.value.code == "param.missing"


def test_an_unknown_region_is_not_found(tree: Tree) -> None:
    subjects = pa.table({"subject_id": ["h1"], "region_id": [10**9], "area": ["urban"]})
    with pytest.raises(NotFound):
        params_from_store(DIBAO_ELIGIBILITY, subjects=subjects, as_of=AS_OF)


def test_a_scenario_runs_the_same_on_stored_parameters(tree: Tree) -> None:
    parameters_load()
    scenario = _scenario("同样收入")
    inputs = scenario_inputs(scenario)
    subjects = scenario_subjects(inputs).append_column("region_id", pa.array([tree.village.id] * 2, pa.int64()))
    params = params_from_store(DIBAO_ELIGIBILITY, subjects=subjects, as_of=scenario["as_of"])
    stored = rule_run(DIBAO_ELIGIBILITY, inputs=inputs, params=params, as_of=scenario["as_of"])
    assert _sorted(stored.output) == _sorted(scenario_run(scenario).output)
