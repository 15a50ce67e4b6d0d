"""Benchmark the rule engine in memory (ARCHITECTURE §9): 1M households through dibao.eligibility with explanations.

    python bench/engine.py [--households 1000000] [--seed 2025] [--runs 5] [--explain final|steps]

Target: "Eligibility, 1M households, compute, with explanations ≤ 0.5 s". Compute means `rules_run` on Arrow
inputs already in memory: register the relations, run the steps, check one row per subject, and return the
result with its explanations — by default as a batch keeps them (`final`: the last step with its explain
columns, written to Parquet), with --explain steps as a single case shows them (one JSON row per subject and
step, each with all the rule's parameters: tens of GB at a million households). The single-household figure
always uses `steps`. Generating the data and building `rule_params` are timed separately; reading from the
database (ADBC) is not part of this script.
The data is synthetic and deterministic (DuckDB's hash of the row number), every relation of the input contract
(assistance/inputs.py): see `_generate`. Parameters are the shipped values in force on AS_OF.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 0.5
AS_OF = date(2021, 10, 1)


def main() -> None:
    options = _arguments()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()
    from minzheng.core.engine.rules import rule_get

    started = time.perf_counter()
    inputs = _generate(options.households, options.seed)
    counts = ", ".join(f"{table.num_rows:,} {name}" for name, table in inputs.items())
    print(f"generated {counts} in {time.perf_counter() - started:.2f} s")
    for rule_id in ("dibao.eligibility", "near_dibao.eligibility"):
        _measure(rule_get(rule_id), inputs, runs=options.runs, explain=options.explain)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each rule")
    parser.add_argument(
        "--explain", choices=["final", "steps"], default="final",
        help="batch explanations as a batch writes them (final: the last step's typed columns) or as one case"
        " shows them (steps: a JSON row per subject and step, with every parameter: memory-bound at scale)",
    )  # fmt: skip
    return parser.parse_args()


def _generate(households: int, seed: int) -> dict[str, Any]:
    """Every input relation of `minzheng.assistance.inputs` as Arrow, built set-based in DuckDB.

    Deterministic in `seed` (DuckDB's hash of row numbers). Households: 1 in 3 rural, 1–5 members (2.75 on
    average); the first member is the head ('02'), the second a spouse, the others children. Persons: ages 0–89,
    1 in 200 dead, 1 in 15 with a disability certificate (grade 1–4, some with unmet self-care items), 1 in 50
    seriously ill, 1 in 40 members away (prison, missing, religious …). Incomes: 3 in 5 members with one item,
    mostly wages and 1 in 9 of an exempt kind; 1 in 10 households with household-level business income. Assets:
    1 in 4 households with deposits, 1 in 25 with a vehicle. Expenses: 1 in 10 members with a medical bill in
    the last year. Hardships: 1 in 50 households. Enrolments: 1 in 10 households receive 低保.
    """
    import duckdb
    import pyarrow as pa

    from minzheng.assistance.inputs import relation_schemas

    con = duckdb.connect()
    h = f"hash(i + {seed})"
    con.execute(f"""CREATE TABLE households AS SELECT i AS household_id,
        CASE WHEN {h} % 3 = 0 THEN 'rural' ELSE 'urban' END AS area,
        CASE WHEN {h} % 20 < 4 THEN 1 WHEN {h} % 20 < 9 THEN 2 WHEN {h} % 20 < 14 THEN 3
             WHEN {h} % 20 < 18 THEN 4 ELSE 5 END AS size
        FROM range({households}) t(i)""")  # 1–5 members, mean 2.75
    con.execute(f"""CREATE TABLE household_members AS SELECT household_id, household_id * 10 + n AS person_id,
        CASE n WHEN 0 THEN '02' WHEN 1 THEN '10' ELSE (CASE WHEN n % 2 = 0 THEN '20' ELSE '30' END) END AS relation,
        CASE hash(household_id * 10 + n + {seed}) % 160 WHEN 0 THEN 'prison' WHEN 1 THEN 'missing'
             WHEN 2 THEN 'religious' WHEN 3 THEN 'soldier_unmarried' END AS absence,
        DATE '2019-01-01' + CAST(hash(household_id * 10 + n) % 900 AS INTEGER) AS absent_since
        FROM households, range(6) r(n) WHERE n < size""")  # fmt: skip
    con.execute(f"""CREATE TABLE persons AS SELECT person_id,
        DATE '{AS_OF}' - CAST(hash(person_id + {seed} + 3) % 32850 AS INTEGER) AS birth_on,
        CASE WHEN hash(person_id + 4) % 200 = 0 THEN DATE '{AS_OF}' - 40 END AS died_on,
        CASE WHEN hash(person_id + 5) % 20 = 0 THEN 'none' ELSE 'full' END AS work_ability,
        hash(person_id + 6) % 50 = 0 AS serious_illness,
        CASE WHEN hash(person_id + 7) % 15 = 0 THEN CAST(1 + hash(person_id + 8) % 7 AS VARCHAR) END
            AS disability_category,
        CASE WHEN hash(person_id + 7) % 15 = 0 THEN CAST(1 + hash(person_id + 9) % 4 AS TINYINT) END
            AS disability_grade,
        CASE WHEN hash(person_id + 7) % 15 = 0 THEN CAST(hash(person_id + 10) % 7 AS TINYINT) END AS self_care_unmet,
        hash(person_id + 11) % 4 = 0 AS in_school
        FROM household_members""")  # fmt: skip
    con.execute(f"""CREATE TABLE incomes AS
        SELECT household_id, person_id,
               CASE WHEN hash(person_id) % 9 = 0 THEN (CASE hash(person_id) % 4 WHEN 0 THEN 'special_care'
                    WHEN 1 THEN 'basic_pension' WHEN 2 THEN 'assistance' ELSE 'scholarship' END)
                    WHEN hash(person_id) % 7 = 1 THEN 'pension' ELSE 'wage' END AS kind,
               CAST(hash(person_id + {seed}) % 300000 AS BIGINT) AS monthly_fen
        FROM household_members WHERE hash(person_id + 1) % 5 < 3
        UNION ALL
        SELECT household_id, NULL, 'business', CAST(hash(household_id) % 50000 AS BIGINT)
        FROM households WHERE hash(household_id + 2) % 10 = 0""")  # fmt: skip
    con.execute(f"""CREATE TABLE assets AS
        SELECT household_id, NULL AS person_id, 'deposit' AS kind,
               CAST(hash(household_id + {seed} + 12) % 3000000 AS BIGINT) AS value_fen
        FROM households WHERE hash(household_id + 13) % 4 = 0
        UNION ALL
        SELECT household_id, household_id * 10, 'vehicle', CAST(5000000 AS BIGINT)
        FROM households WHERE hash(household_id + 14) % 25 = 0""")  # fmt: skip
    con.execute(f"""CREATE TABLE expenses AS SELECT household_id, person_id, 'medical' AS kind,
        CAST(hash(person_id + {seed} + 15) % 400000 AS BIGINT) AS amount_fen,
        DATE '{AS_OF}' - CAST(hash(person_id + 16) % 365 AS INTEGER) AS incurred_on
        FROM household_members WHERE hash(person_id + 17) % 10 = 0""")  # fmt: skip
    con.execute("""CREATE TABLE hardships AS SELECT household_id,
        CASE WHEN hash(household_id + 18) % 2 = 0 THEN 'emergency' ELSE 'expense' END AS kind,
        CAST(1 + hash(household_id + 19) % 6 AS SMALLINT) AS months,
        CAST(hash(household_id + 20) % 2000000 AS BIGINT) AS need_fen
        FROM households WHERE hash(household_id + 21) % 50 = 0""")  # fmt: skip
    con.execute("""CREATE TABLE enrolments AS SELECT household_id, NULL AS person_id, 'dibao' AS programme,
        DATE '2021-01-01' AS since, CAST(hash(household_id + 22) % 150000 AS BIGINT) AS amount_fen
        FROM households WHERE hash(household_id + 23) % 10 = 0""")  # fmt: skip
    schemas = relation_schemas(pa.int64())
    tables = {
        name: con.sql(f"SELECT {', '.join(schema.names)} FROM {name}").to_arrow_table().cast(schema)
        for name, schema in schemas.items()
    }
    con.close()
    return tables


def _params_in_force(on: date) -> dict[str, Any]:
    """The shipped parameter values (assistance/rules/params.yaml) in force on `on`, by key and variant."""
    import yaml

    shipped = yaml.safe_load((ROOT / "src/minzheng/assistance/rules/params.yaml").read_text(encoding="utf-8"))
    values: dict[str, Any] = {}
    for key, spec in shipped.items():
        latest: dict[str, tuple[date, Any]] = {}
        for entry in spec["values"]:
            variant = entry.get("variant", "")
            if entry["valid_from"] <= on and entry["valid_from"] >= latest.get(variant, (date.min, None))[0]:
                latest[variant] = (entry["valid_from"], entry["value"])
        if latest:
            values[key] = latest[""][1] if set(latest) == {""} else {v: value for v, (_d, value) in latest.items()}
    return values


def _measure(rule: Any, inputs: dict[str, Any], *, runs: int, explain: Any) -> None:
    import pyarrow as pa

    from minzheng.core.engine.params import params_from_values
    from minzheng.core.engine.runner import RuleSet, rules_run

    households = inputs["households"]
    subjects = pa.table({"subject_id": households["household_id"], "area": households["area"]})
    started = time.perf_counter()
    params = params_from_values(rule, subjects=subjects, values=_params_in_force(AS_OF))
    params_s = time.perf_counter() - started
    timings, result = [], None
    for _run in range(runs):
        started = time.perf_counter()
        result = rules_run(RuleSet((rule,)), inputs=inputs, params=params, as_of=AS_OF, explain=explain)
        timings.append(time.perf_counter() - started)
    assert result is not None
    output = result.outputs[rule.id]
    explained = output.num_rows if result.explanations is None else result.explanations.num_rows
    eligible = sum(output["outcome"].to_pylist())
    best, median = min(timings), statistics.median(timings)
    verdict = "within" if median <= BUDGET_S else "OVER"
    print(f"{rule.id}: rule_params {params_s:.3f} s; compute with explanations ({explain}) median {median:.3f} s,"
          f" best {best:.3f} s over {runs} runs — {verdict} the {BUDGET_S} s budget; {output.num_rows:,} results"
          f" ({eligible:,} true), {explained:,} explanation rows")  # fmt: skip
    _single_case(rule, inputs, params)


def _single_case(rule: Any, inputs: dict[str, Any], params: Any) -> None:
    """One household through the same path, for the single-case budget (p95 ≤ 20 ms) to come."""
    import pyarrow.compute as pc

    from minzheng.core.engine.runner import rule_run

    def one(table: Any) -> Any:
        return table.filter(pc.equal(table["household_id"], 42))

    relations = {name: one(table) for name, table in inputs.items() if name != "persons"}
    persons = inputs["persons"]
    relations["persons"] = persons.filter(pc.is_in(persons["person_id"], relations["household_members"]["person_id"]))
    timings = []
    for _run in range(50):
        started = time.perf_counter()
        rule_run(rule, inputs=relations, params=one(params), as_of=AS_OF)
        timings.append(time.perf_counter() - started)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"{rule.id}: one household, median {statistics.median(timings) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
