"""Rule sets, the integer-division macro and Arrow I/O of the engine (ARCHITECTURE §6, §10)."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest
from django.db import DatabaseError, connection

from minzheng.core.engine.dialect import macros_expand
from minzheng.core.engine.io import arrow_read, bulk_available, staged
from minzheng.core.engine.rules import Rule
from minzheng.core.engine.runner import RuleSet, rules_run
from minzheng.core.engine.sql import portability_problems

AS_OF = date(2021, 10, 1)


# The div_half_up macro ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(63600 * 1300, 1000, 82680), (51500 * 1300, 1000, 66950), (5, 2, 3), (4, 3, 1), (5, 3, 2), (0, 7, 0), (7, 7, 1)],
)
def test_div_half_up_rounds_half_up_exactly(numerator: int, denominator: int, expected: int) -> None:
    sql = macros_expand(f"SELECT {{{{ div_half_up({numerator}, {denominator}) }}}}", dialect="duckdb")
    assert duckdb.execute(sql).fetchall() == [(expected,)]


def test_macro_arguments_may_nest_parentheses_and_commas() -> None:
    sql = macros_expand("SELECT {{ div_half_up(GREATEST(a, b) * 3, (2)) }} FROM t", dialect="spark")
    assert sql == "SELECT CAST((2 * (GREATEST(a, b) * 3) + ((2))) div (2 * ((2))) AS BIGINT) FROM t"


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("SELECT {{ nope(a) }} FROM t", "unknown macro"),
        ("SELECT {{ div_half_up(a) }} FROM t", "takes 2 arguments"),
        ("SELECT {{ div_half_up(a, b FROM t", "not closed"),
    ],
)
def test_bad_macros_are_refused_when_a_step_is_checked(sql: str, problem: str) -> None:
    assert any(problem in text for text in portability_problems(sql))


def test_a_macro_does_not_license_division_elsewhere() -> None:
    assert portability_problems("SELECT {{ div_half_up(a, 2) }}, a / 2 FROM t")


# Rule sets ----------------------------------------------------------------------------------------------------


def _rule(rule_id: str, subject: str, steps: tuple[str, ...], explain: tuple[str, ...] = ()) -> Rule:
    return Rule(
        id=rule_id, version=1, app="assistance", subject=subject, title="测试", sources=("测试依据",),
        effective_from=date(2021, 7, 1), effective_to=None, params=("dibao.standard_fen",), steps=steps,
        explain=explain,
    )  # fmt: skip


def test_a_step_two_rules_list_is_explained_once_under_the_first() -> None:
    steps = ("dibao_members.sql", "dibao_income.sql", "dibao_shortfall.sql")
    first, second = _rule("test.first", "household", steps), _rule("test.second", "household", steps[:2])
    rule_set = RuleSet((first, second))
    assert rule_set.steps == tuple(("assistance", step) for step in steps)
    assert rule_set.owner("dibao_income").id == "test.first"
    assert rule_set.params == ("dibao.standard_fen",)


def test_a_rule_set_refuses_one_step_name_from_two_apps() -> None:
    other = Rule(**{**_rule("test.other", "household", ("dibao_members.sql",)).__dict__, "app": "registry"})
    with pytest.raises(ValueError, match="two apps"):
        RuleSet((_rule("test.one", "household", ("dibao_members.sql",)), other))


def test_an_empty_run_returns_empty_outputs_for_every_rule() -> None:
    rule = _rule("test.empty", "household", ("dibao_members.sql",))
    params = pa.table({
        "household_id": pa.array([], pa.string()), "dibao_standard_fen": pa.array([], pa.int64()),
        "dibao_standard_fen_confirmed": pa.array([], pa.bool_()),
    })  # fmt: skip
    schemas = {"household_members": pa.schema({"household_id": pa.string(), "person_id": pa.string()})}
    inputs = {name: schema.empty_table() for name, schema in schemas.items()}
    with pytest.raises(duckdb.Error):  # the step reads relations the test does not give: the error names the step
        rules_run(RuleSet((rule,)), inputs=inputs, params=params, as_of=AS_OF)


# Arrow in and out of the database ----------------------------------------------------------------------------

SCHEMA = pa.schema({"id": pa.int64(), "code": pa.string(), "valid_from": pa.date32(), "flag": pa.bool_()})


@pytest.mark.django_db
def test_arrow_read_casts_to_the_schema_on_django_connection(tree: object) -> None:
    sql = "SELECT id, code, valid_from, CASE WHEN level = 'village' THEN 1 ELSE 0 END FROM core_region ORDER BY id"
    table = arrow_read(sql, SCHEMA)
    assert table.schema == SCHEMA
    assert table.num_rows >= 4
    assert isinstance(table.column("valid_from")[0].as_py(), date)


@pytest.mark.django_db
def test_arrow_read_of_nothing_is_an_empty_table_of_the_schema() -> None:
    table = arrow_read("SELECT id, code, valid_from, 1 FROM core_region WHERE 1 = 0", SCHEMA)
    assert table.num_rows == 0
    assert table.schema == SCHEMA


@pytest.mark.django_db
def test_inside_a_transaction_bulk_falls_back_to_the_django_connection() -> None:
    assert connection.in_atomic_block
    assert not bulk_available()


@pytest.mark.django_db
def test_staged_rows_are_readable_then_dropped() -> None:
    table = pa.table({"household_id": pa.array([3, 1, 2], pa.int64()), "digest": ["c", "a", "b"]})
    with staged(table) as name, connection.cursor() as cursor:
        cursor.execute(f"SELECT household_id, digest FROM {name} ORDER BY household_id")
        assert cursor.fetchall() == [(1, "a"), (2, "b"), (3, "c")]
    with connection.cursor() as cursor, pytest.raises(DatabaseError):
        cursor.execute(f"SELECT 1 FROM {name}")


@pytest.mark.django_db(transaction=True)
def test_bulk_read_and_stage_outside_a_transaction_match_the_django_path(tree: object) -> None:
    """On PostgreSQL this goes through ADBC; SQLite never does (core/engine/io.py says why)."""
    assert bulk_available() == (connection.vendor == "postgresql")
    sql = "SELECT id, code, valid_from, CASE WHEN level = 'village' THEN 1 ELSE 0 END FROM core_region ORDER BY id"
    assert arrow_read(sql, SCHEMA, bulk=True).equals(arrow_read(sql, SCHEMA, bulk=False))
    table = pa.table({"household_id": pa.array([1, 2], pa.int64()), "digest": ["a", "b"]})
    with staged(table) as name, connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {name}")
        assert cursor.fetchone() == (2,)
