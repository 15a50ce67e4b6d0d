"""Benchmark the rule engine in memory (ARCHITECTURE §9): 1M households through dibao.eligibility with explanations.

    python bench/engine.py [--households 1000000] [--seed 2025] [--runs 5]

Target: "Eligibility, 1M households, compute, with explanations ≤ 0.5 s". Compute means `rule_run` on Arrow
inputs already in memory: register the relations, run the steps, check one row per subject, and return the
result and one explanation row per household and step (JSON values and parameters). Generating the data and
building `rule_params` are timed separately; reading from the database (ADBC) is not part of this script.
The data is synthetic and deterministic (DuckDB's hash of the row number): 2.75 members per household on average,
3 in 5 members with a wage, 1 in 9 items exempt, 1 in 20 members not counted, 1 in 10 households with business income.
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
STANDARDS = {"dibao.standard_fen": {"urban": 63600, "rural": 51500}, "near_dibao.income_multiple_permille": 1500}


def main() -> None:
    options = _arguments()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()
    from minzheng.core.engine.rules import rule_get

    started = time.perf_counter()
    inputs = _generate(options.households, options.seed)
    members, incomes = inputs["household_members"].num_rows, inputs["incomes"].num_rows
    print(f"generated {options.households:,} households, {members:,} members, {incomes:,} income items"
          f" in {time.perf_counter() - started:.2f} s")  # fmt: skip
    for rule_id in ("dibao.eligibility", "near_dibao.income"):
        _measure(rule_get(rule_id), inputs, runs=options.runs)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each rule")
    return parser.parse_args()


def _generate(households: int, seed: int) -> dict[str, Any]:
    """households (household_id, area), household_members (…, counted), incomes (…, monthly_fen, exempt) as Arrow."""
    import duckdb

    con = duckdb.connect()
    h = f"hash(i + {seed})"
    con.execute(f"""CREATE TABLE households AS SELECT i AS household_id,
        CASE WHEN {h} % 3 = 0 THEN 'rural' ELSE 'urban' END AS area,
        CASE WHEN {h} % 20 < 4 THEN 1 WHEN {h} % 20 < 9 THEN 2 WHEN {h} % 20 < 14 THEN 3
             WHEN {h} % 20 < 18 THEN 4 ELSE 5 END AS size
        FROM range({households}) t(i)""")  # 1–5 members, mean 2.75
    con.execute("""CREATE TABLE household_members AS SELECT household_id, household_id * 10 + n AS person_id,
        hash(household_id * 10 + n) % 20 <> 0 AS counted
        FROM households, range(6) r(n) WHERE n < size""")  # fmt: skip
    con.execute(f"""CREATE TABLE incomes AS
        SELECT household_id, person_id, 'wage' AS kind,
               CAST(hash(person_id + {seed}) % 300000 AS BIGINT) AS monthly_fen, hash(person_id) % 9 = 0 AS exempt
        FROM household_members WHERE hash(person_id + 1) % 5 < 3
        UNION ALL
        SELECT household_id, NULL, 'business', CAST(hash(household_id) % 50000 AS BIGINT), false
        FROM households WHERE hash(household_id + 2) % 10 = 0""")  # fmt: skip
    tables = {
        name: con.sql(f"SELECT * FROM {name}").to_arrow_table()
        for name in ("households", "household_members", "incomes")
    }
    con.close()
    tables["households"] = tables["households"].drop_columns(["size"])
    return tables


def _measure(rule: Any, inputs: dict[str, Any], *, runs: int) -> None:
    import pyarrow as pa

    from minzheng.core.engine.params import params_from_values
    from minzheng.core.engine.runner import rule_run

    households = inputs["households"]
    subjects = pa.table({"subject_id": households["household_id"], "area": households["area"]})
    started = time.perf_counter()
    params = params_from_values(rule, subjects=subjects, values=STANDARDS)
    params_s = time.perf_counter() - started
    relations = {"household_members": inputs["household_members"], "incomes": inputs["incomes"]}
    timings, result = [], None
    for _run in range(runs):
        started = time.perf_counter()
        result = rule_run(rule, inputs=relations, params=params, as_of=AS_OF)
        timings.append(time.perf_counter() - started)
    assert result is not None
    eligible = sum(result.output["outcome"].to_pylist())
    best, median = min(timings), statistics.median(timings)
    verdict = "within" if median <= BUDGET_S else "OVER"
    print(f"{rule.id}: rule_params {params_s:.3f} s; compute with explanations median {median:.3f} s, best {best:.3f} s"
          f" over {runs} runs — {verdict} the {BUDGET_S} s budget; {result.output.num_rows:,} results"
          f" ({eligible:,} true), {result.explanations.num_rows:,} explanation rows")  # fmt: skip
    _single_case(rule, inputs, params)


def _single_case(rule: Any, inputs: dict[str, Any], params: Any) -> None:
    """One household through the same path, for the single-case budget (p95 ≤ 20 ms) to come."""
    import pyarrow.compute as pc

    from minzheng.core.engine.runner import rule_run

    def one(table: Any) -> Any:
        return table.filter(pc.equal(table["household_id"], 42))

    relations = {"household_members": one(inputs["household_members"]), "incomes": one(inputs["incomes"])}
    timings = []
    for _run in range(50):
        started = time.perf_counter()
        rule_run(rule, inputs=relations, params=one(params), as_of=AS_OF)
        timings.append(time.perf_counter() - started)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"{rule.id}: one household, median {statistics.median(timings) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
