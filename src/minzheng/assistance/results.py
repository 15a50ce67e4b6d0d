"""From rule outputs to assessments (set-based, in DuckDB): the qualifying results of every household in one
long relation, a digest per household, and the changes against the previous assessment.

Nothing here loops over households in Python: a million households are a few SQL statements.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from minzheng.core.engine.runner import engine_cursor

OPTIONAL = {"valid_until": "CAST({} AS VARCHAR)", "tier": "CAST({} AS VARCHAR)", "category": "CAST({} AS SMALLINT)"}
CHANGE_COLUMNS = ("programme", "current", "newly", "ended", "amount_changed")


def results_long(outputs: Mapping[str, pa.Table], programmes: Mapping[str, str]) -> pa.Table:
    """(household_id, person_id, programme, amount_fen, valid_until, tier, category) for every qualifying result.

    `programmes` maps programme code → rule id; rules not in `outputs` (not in force on the date) are skipped.
    `valid_until` is ISO text so it stages the same way on every database."""
    with engine_cursor() as con:
        parts = []
        for programme, rule_id in programmes.items():
            if rule_id not in outputs:
                continue
            table = outputs[rule_id]
            con.register(f"out_{programme}", table)
            parts.append(_programme_sql(programme, table.column_names))
        if not parts:
            return _empty(outputs)
        sql = " UNION ALL ".join(parts) + " ORDER BY household_id, programme, person_id"
        return con.sql(sql).to_arrow_table()


def _programme_sql(programme: str, columns: list[str]) -> str:
    person = "person_id" if "person_id" in columns else "NULL"
    extra = [
        (template.format(column) if column in columns else template.format("NULL")) + f" AS {column}"
        for column, template in OPTIONAL.items()
    ]
    return (
        f"SELECT household_id, {person} AS person_id, '{programme}' AS programme,"
        f" CAST(amount_fen AS BIGINT) AS amount_fen, {', '.join(extra)} FROM out_{programme} WHERE outcome"
    )


def _empty(outputs: Mapping[str, pa.Table]) -> pa.Table:
    key = next(iter(outputs.values())).schema.field("household_id").type if outputs else pa.int64()
    return pa.table({
        "household_id": pa.array([], key), "person_id": pa.array([], key), "programme": pa.array([], pa.string()),
        "amount_fen": pa.array([], pa.int64()), "valid_until": pa.array([], pa.string()),
        "tier": pa.array([], pa.string()), "category": pa.array([], pa.int16()),
    })  # fmt: skip


def household_summaries(households: pa.Table, results: pa.Table, outputs: Mapping[str, pa.Table]) -> pa.Table:
    """(household_id, digest, results) per household of `households`: `results` is the JSON list of its qualifying
    results; `digest` is the md5 of that list and of every household-level rule row, so an unchanged household
    gets the same digest on every run and the write-back adds nothing for it."""
    household_rules = [rule_id for rule_id, table in outputs.items() if "person_id" not in table.column_names]
    with engine_cursor() as con:
        con.register("hh", households)
        con.register("res", results)
        hashes = []
        for index, rule_id in enumerate(sorted(household_rules)):
            con.register(f"rule_{index}", outputs[rule_id])
            hashes.append(f"(SELECT household_id, md5(CAST(to_json(o) AS VARCHAR)) AS h{index} FROM rule_{index} o)")
        joins = " ".join(f"LEFT JOIN {sql} t{index} USING (household_id)" for index, sql in enumerate(hashes))
        rule_hash = " || ".join(f"COALESCE(t{index}.h{index}, '')" for index in range(len(hashes))) or "''"
        return con.sql(f"""
            WITH grouped AS (
                SELECT household_id, CAST(to_json(list(json_object(
                    'programme', programme, 'person_id', person_id, 'amount_fen', amount_fen,
                    'valid_until', valid_until, 'tier', tier, 'category', category)
                    ORDER BY programme, person_id)) AS VARCHAR) AS results
                FROM res GROUP BY household_id
            )
            SELECT hh.household_id, md5(COALESCE(g.results, '[]') || {rule_hash}) AS digest,
                   COALESCE(g.results, '[]') AS results
            FROM hh LEFT JOIN grouped g USING (household_id) {joins}
            ORDER BY hh.household_id
        """).to_arrow_table()


def result_changes(current: pa.Table, previous: pa.Table) -> list[dict[str, object]]:
    """Per programme: how many results there are now, how many are new, ended, or changed in amount, against
    each household's previous assessment (`previous`: household_id, person_id, programme, amount_fen)."""
    with engine_cursor() as con:
        con.register("cur", current)
        con.register("prev", previous)
        rows = con.sql("""
            SELECT COALESCE(c.programme, p.programme) AS programme,
                   COUNT(c.programme) AS current,
                   COUNT(*) FILTER (WHERE p.programme IS NULL) AS newly,
                   COUNT(*) FILTER (WHERE c.programme IS NULL) AS ended,
                   COUNT(*) FILTER (WHERE c.programme IS NOT NULL AND p.programme IS NOT NULL
                                    AND c.amount_fen <> p.amount_fen) AS amount_changed
            FROM cur c FULL JOIN prev p
              ON p.household_id = c.household_id AND p.programme = c.programme
             AND p.person_id IS NOT DISTINCT FROM c.person_id
            GROUP BY 1 ORDER BY 1
        """).fetchall()
    return [dict(zip(CHANGE_COLUMNS, row, strict=True)) for row in rows]


def unseen(summaries: pa.Table, results: pa.Table, stored: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The summaries (and their results) whose (household, digest) is not in `stored`: what a run must write."""
    with engine_cursor() as con:
        con.register("summaries", summaries)
        con.register("res", results)
        con.register("stored", stored)
        con.execute(
            "CREATE TEMP TABLE fresh AS SELECT s.* FROM summaries s WHERE NOT EXISTS (SELECT 1 FROM stored d"
            " WHERE d.household_id = s.household_id AND d.digest = s.digest)"
        )
        fresh = con.sql("SELECT * FROM fresh ORDER BY household_id").to_arrow_table()
        rows = con.sql(
            "SELECT r.* FROM res r WHERE r.household_id IN (SELECT household_id FROM fresh)"
        ).to_arrow_table()
    return fresh, rows
