"""Benchmark assessing households against every assistance programme (ARCHITECTURE §9).

    python bench/assessment.py [--households 1000000] [--seed 2025] [--runs 5] [--sqlite-households 100000]
                               [--skip-e2e] [--skip-sqlite] [--skip-api] [--api-seconds 15] [--api-connections 4]
                               [--reuse] [--keep]

Figures, each beside its target:
  (1) compute: `assessment_compute` on Arrow inputs already in memory (read once from PostgreSQL), and the two
      halves it is made of, `params_from_store` (rule_params) and `rules_run` (OpenFisca: 1.4 s build + 0.9 s);
  (2) end to end: `assessments_run` over the whole city from PostgreSQL to stored results and Parquet
      explanations, with its per-phase seconds, then the idempotent re-run, which must write nothing;
  (3) peak memory: the RSS high-water mark (ru_maxrss) of the process doing (1), and of the one doing (2);
  (4) the same end to end on SQLite (`--sqlite-households`, default 100k or --households if fewer);
  (5) the what-if API: `gunicorn -w 2 minzheng.wsgi` under `wrk` POSTing a 3-person household with a bearer
      token (requests/s, p50/p95), and in-process `assessment_evaluate` p50/p95 so a figure exists without wrk.

Database: a dedicated PostgreSQL database `minzheng_bench_assessment` on --server (default
postgres://postgres@127.0.0.1:5432), dropped and created at the start and dropped at the end (--keep keeps it;
--reuse keeps an existing one with its households, clears its assessments instead of generating again, and
implies --keep).
Without a PostgreSQL server (or psycopg) only the SQLite part runs. Each measured part runs in its own child
process, so its peak memory is its own. Part (5) needs gunicorn in the virtualenv
(`VIRTUAL_ENV=.venv .venv/bin/uv pip install gunicorn`) and wrk (`apt-get install wrk`); without them it is
skipped with a message. Explanations go to a temporary MINZHENG_DATA_DIR, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minzheng.core.access.actor import Actor
    from minzheng.core.regions.models import Region

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
BENCH_DATABASE = "minzheng_bench_assessment"
AS_OF = date(2025, 6, 1)  # every programme is in force (刚性支出困难 from 2025-01-01)
SQLITE_HOUSEHOLDS = 100_000
COMPUTE_BUDGET_S = 0.5
E2E_BUDGET_S = 15.0
MEMORY_BUDGET_GB = 4.0
API_BUDGET_RPS = 800.0
API_BUDGET_P95_MS = 20.0
BUDGET_HOUSEHOLDS = 1_000_000  # the compute and end-to-end budgets are for a million households


def _per_million(budget_s: float, households: int) -> float:
    """A per-million budget scaled to a smaller run (linear), so a quick run is not judged against 1M's budget."""
    return budget_s * households / BUDGET_HOUSEHOLDS


OPENFISCA_BUILD_S, OPENFISCA_COMPUTE_S = 1.4, 0.9
API_USER = "bench-assessment"
WHAT_IF_BODY: dict[str, Any] = {
    # A couple and their school-age son in 渝中区: one low wage, a seriously ill spouse with medical bills.
    "region": "500103",
    "area": "urban",
    "as_of": AS_OF.isoformat(),
    "members": [
        {"id": "p1", "name": "户主", "relation": "02", "birth_on": "1979-04-12", "work_ability": "full"},
        {
            "id": "p2",
            "name": "配偶",
            "relation": "10",
            "birth_on": "1981-09-30",
            "work_ability": "partial",
            "serious_illness": True,
        },
        {"id": "p3", "name": "儿子", "relation": "20", "birth_on": "2011-03-05", "in_school": True},
    ],
    "incomes": [
        {"member": "p1", "kind": "wage", "monthly_fen": 150000},
        {"member": "p2", "kind": "disability_subsidy", "monthly_fen": 8000},
    ],
    "assets": [{"member": "p1", "kind": "deposit", "value_fen": 1200000}],
    "expenses": [{"member": "p2", "kind": "medical", "amount_fen": 2600000, "incurred_on": "2025-02-10"}],
}


PART_NAMES = {"compute": "(1) compute, (3) its memory", "e2e": "(2) end to end from PostgreSQL", "sqlite": "(4) SQLite"}
FAILED = "FAILED"


@dataclass(frozen=True)
class Result:
    name: str
    value: str  # formatted figure, or why it is missing
    target: str = ""
    ok: bool | None = None  # None: informative, no target
    note: str = ""


# --- Orchestration ------------------------------------------------------------------------------------------


def main() -> None:
    options = _arguments()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    if options.child:
        _child(options)
        return
    console = _console()
    console.print(f"{os.cpu_count()} CPUs; load average {_load()} (1, 5, 15 min)")
    data_dir = Path(tempfile.mkdtemp(prefix="minzheng-bench-assessment-"))
    os.environ["MINZHENG_DATA_DIR"] = str(data_dir)
    os.environ.pop("MINZHENG_DATABASE_URL", None)  # never the configured database: everything here is dropped
    results: list[Result] = []
    database = _postgres_database(options)
    try:
        if database is None:
            console.print(f"[yellow]PostgreSQL not reachable at {options.server} (or psycopg missing):[/yellow]"
                          " parts (1)–(3) and (5) skipped.")  # fmt: skip
            results.append(Result("PostgreSQL parts (1)–(3), (5)", "skipped: no PostgreSQL server"))
        else:
            results += _postgres_parts(console, options, database, data_dir)
        if options.skip_sqlite:
            results.append(Result("(4) SQLite end to end", "skipped (--skip-sqlite)"))
        else:
            results += _in_child(console, options, "sqlite", data_dir)
    finally:
        if database is not None:
            _postgres_drop(options, keep=options.keep or options.reuse)
        shutil.rmtree(data_dir, ignore_errors=True)
    _report(console, results, options)
    if any(result.value.startswith(FAILED) for result in results):
        sys.exit(1)  # a part broke (missed targets and missing tools are not failures)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000, help="households to generate on PostgreSQL")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of compute and rule_params")
    parser.add_argument("--sqlite-households", type=int, default=None, help="default: min(100000, --households)")
    parser.add_argument("--skip-e2e", action="store_true", help="skip the PostgreSQL end-to-end runs")
    parser.add_argument("--skip-sqlite", action="store_true", help="skip the SQLite end-to-end run")
    parser.add_argument("--skip-api", action="store_true", help="skip the gunicorn + wrk load test")
    parser.add_argument("--api-seconds", type=int, default=15, help="duration of the wrk run")
    parser.add_argument("--api-connections", type=int, default=4, help="wrk connections (2 sync workers)")
    parser.add_argument("--engine-threads", type=int, default=1, help="MINZHENG_ENGINE_THREADS of the API workers")
    parser.add_argument("--evaluations", type=int, default=200, help="in-process single-household calls")
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL, without a database")
    parser.add_argument("--reuse", action="store_true", help="reuse the bench database's households; implies --keep")
    parser.add_argument("--keep", action="store_true", help="keep the bench database at the end")
    parser.add_argument("--child", choices=["compute", "e2e", "sqlite"], help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.sqlite_households is None:
        options.sqlite_households = min(SQLITE_HOUSEHOLDS, options.households)
    return options


def _console() -> Any:
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=160)  # one line per table row in logs


def _postgres_database(options: argparse.Namespace) -> str | None:
    """Create the bench database (dropping a previous one unless --reuse); its URL, or None without a server."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(f"{options.server}/postgres", connect_timeout=3, autocommit=True) as server:
            exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone()
            if exists and not options.reuse:
                server.execute(f'DROP DATABASE "{BENCH_DATABASE}" WITH (FORCE)')
            if not exists or not options.reuse:
                server.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    except psycopg.Error:
        return None
    return f"{options.server}/{BENCH_DATABASE}"


def _postgres_drop(options: argparse.Namespace, *, keep: bool) -> None:
    import psycopg
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()
    if keep:
        print(f"Kept the database {options.server}/{BENCH_DATABASE} (--keep).")
        return
    with psycopg.connect(f"{options.server}/postgres", connect_timeout=3, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


def _postgres_parts(console: Any, options: argparse.Namespace, database: str, data_dir: Path) -> list[Result]:
    os.environ["MINZHENG_DATABASE_URL"] = database
    import django

    django.setup()
    console.print(f"[bold]Database:[/bold] PostgreSQL {database.split('@')[-1]} (dedicated); data dir {data_dir}")
    results = _prepare(console, options)
    results += _in_child(console, options, "compute", data_dir)
    if options.skip_e2e:
        results.append(Result("(2) end to end from PostgreSQL", "skipped (--skip-e2e)"))
    else:
        results += _in_child(console, options, "e2e", data_dir)
    results += _evaluate_in_process(console, options)
    if options.skip_api:
        results.append(Result("(5) what-if API, 2 gunicorn workers", "skipped (--skip-api)"))
    else:
        results += _api(console, options, data_dir)
    return results


def _prepare(console: Any, options: argparse.Namespace) -> list[Result]:
    """Migrate, generate the city (or reuse it), load parameters, refresh planner statistics."""
    from django.core.management import call_command
    from django.db import connection

    from minzheng.registry.models import Household

    call_command("migrate", verbosity=0)
    results = []
    if options.reuse and Household.objects.exists():
        console.print(f"Reusing {Household.objects.count():,} households (--reuse); clearing stored assessments.")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM assistance_assessmentresult")
            cursor.execute("DELETE FROM assistance_assessment")
    else:
        results.append(_generate(console, households=options.households, seed=options.seed))
    call_command("params", "load", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    console.print(f"ANALYZE in {time.perf_counter() - started:.1f} s")
    return results


def _generate(console: Any, *, households: int, seed: int) -> Result:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from minzheng.registry.synthetic import generate_city

    columns = (TextColumn("generate-city"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("generate", total=households)
        summary = generate_city(
            households=households,
            seed=seed,
            replace=True,
            progress=lambda done: progress.update(task, completed=done),
        )
    note = (
        f"{summary.households:,} households, {summary.persons:,} persons, {summary.members:,} members,"
        f" {summary.incomes:,} incomes, {summary.assets:,} assets, {summary.expenses:,} expenses"
    )
    console.print(f"Generated {note} in {summary.seconds:.1f} s")
    return Result("generate-city (setup, not a target)", f"{summary.seconds:.1f} s", note=note)


def _in_child(console: Any, options: argparse.Namespace, part: str, data_dir: Path) -> list[Result]:
    """Run one part in a fresh process of this script (so ru_maxrss is that part's own); its results as JSON."""
    out = data_dir / f"{part}.json"
    env = dict(os.environ)
    if part == "sqlite":
        env["MINZHENG_DATABASE_URL"] = f"sqlite:///{data_dir / 'sqlite' / 'bench.sqlite3'}"
        env["MINZHENG_DATA_DIR"] = str(data_dir / "sqlite")
    arguments = [a for a in sys.argv[1:] if not a.startswith("--child")]
    command = [sys.executable, str(Path(__file__).resolve()), *arguments, "--child", part, "--child-out", str(out)]
    console.rule(f"[bold]{part}[/bold] (child process)")
    completed = subprocess.run(command, env=env, check=False)
    if completed.returncode != 0 or not out.exists():
        return [Result(PART_NAMES[part], f"{FAILED} (exit {completed.returncode}); see the output above")]
    return [Result(**row) for row in json.loads(out.read_text())]


def _child(options: argparse.Namespace) -> None:
    import django

    django.setup()
    parts: dict[str, Callable[[argparse.Namespace], list[Result]]] = {
        "compute": _compute,
        "e2e": _end_to_end,
        "sqlite": _sqlite,
    }
    results = parts[options.child](options)
    Path(options.child_out).write_text(json.dumps([asdict(result) for result in results], ensure_ascii=False))


# --- (1) compute and (3) its memory ----------------------------------------------------------------------------


def _compute(options: argparse.Namespace) -> list[Result]:
    from minzheng.assistance.inputs import inputs_from_registry
    from minzheng.assistance.services import assessment_compute, assessment_rule_set
    from minzheng.core.engine.params import params_from_store
    from minzheng.core.engine.runner import rules_run
    from minzheng.registry.relations import Scope

    root = _root_region()
    started = time.perf_counter()
    inputs = inputs_from_registry(Scope(region_path=root.path), on=AS_OF, bulk=True)
    read_s = time.perf_counter() - started
    sizes = ", ".join(f"{name} {table.num_rows:,}" for name, table in inputs.relations.items())
    households = inputs.subjects.num_rows
    print(f"read the inputs once (ADBC) in {read_s:.2f} s: {sizes}; peak RSS so far {_peak_rss_gb():.2f} GB")
    rule_set = assessment_rule_set(AS_OF)
    print(f"{len(rule_set.rules)} rules in force on {AS_OF}: {', '.join(rule.id for rule in rule_set.rules)}")

    params_s, params = _timed(lambda: params_from_store(rule_set, subjects=inputs.subjects, as_of=AS_OF), options.runs)
    engine_s, _result = _timed(
        lambda: rules_run(rule_set, inputs=inputs.relations, params=params, as_of=AS_OF, explain="final"),
        options.runs,
    )
    total_s, computed = _timed(
        lambda: assessment_compute(inputs.relations, inputs.subjects, as_of=AS_OF, explain="final"), options.runs
    )
    for rule_id, output in computed.result.outputs.items():
        true = sum(1 for value in output["outcome"].to_pylist() if value)
        print(f"  {rule_id}: {output.num_rows:,} rows, {true:,} outcome true")
    runs = f"median of {options.runs}"
    peak = _peak_rss_gb()
    return [
        Result("(1) read inputs once, ADBC (setup)", f"{read_s:.2f} s", note=f"{households:,} households; {sizes}"),
        Result(
            "(1) rule_params: params_from_store",
            _seconds(params_s),
            f"ref. OpenFisca build {OPENFISCA_BUILD_S} s",
            statistics.median(params_s) <= OPENFISCA_BUILD_S,
            _spread(params_s, runs),
        ),
        Result(
            "(1) compute: rules_run, explain=final",
            _seconds(engine_s),
            f"≤ {COMPUTE_BUDGET_S} s per 1M (≤ {_per_million(COMPUTE_BUDGET_S, households):.3f} s here;"
            f" OpenFisca {OPENFISCA_COMPUTE_S} s)",
            statistics.median(engine_s) <= _per_million(COMPUTE_BUDGET_S, households),
            _spread(engine_s, f"{runs}; {len(rule_set.rules)} rules, rule_params prebuilt"),
        ),
        Result(
            "(1) assessment_compute (params + compute)",
            _seconds(total_s),
            f"≤ {COMPUTE_BUDGET_S} s per 1M (≤ {_per_million(COMPUTE_BUDGET_S, households):.3f} s here)",
            statistics.median(total_s) <= _per_million(COMPUTE_BUDGET_S, households),
            _spread(total_s, runs),
        ),
        Result(
            "(3) peak RSS, compute process",
            f"{peak:.2f} GB",
            f"≤ {MEMORY_BUDGET_GB:.0f} GB",
            peak <= MEMORY_BUDGET_GB,
            "all inputs in memory + outputs of the last runs",
        ),
    ]


def _timed(call: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    timings, value = [], None
    for _run in range(max(runs, 1)):
        started = time.perf_counter()
        value = call()
        timings.append(time.perf_counter() - started)
    return timings, value


def _seconds(timings: list[float]) -> str:
    return f"{statistics.median(timings):.3f} s"


def _spread(timings: list[float], note: str) -> str:
    return f"{note}; best {min(timings):.3f} s, first {timings[0]:.3f} s"


def _peak_rss_gb() -> float:
    """ru_maxrss of this process (KiB on Linux, bytes on macOS) in GiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024**3 if sys.platform == "darwin" else 1024**2)


def _root_region() -> Region:
    from django.conf import settings

    from minzheng.core.regions.models import Region

    return Region.objects.get(code=settings.ROOT_REGION_CODE, valid_to__isnull=True)


# --- (2) end to end, (3) its memory, (4) SQLite ----------------------------------------------------------------


def _end_to_end(options: argparse.Namespace, *, label: str = "", part: str = "(2)") -> list[Result]:
    """`assessments_run` over the whole city, then again: the re-run must write nothing."""
    root = _root_region()
    first, first_s = _assess(root)
    second, second_s = _assess(root)
    phases = " · ".join(f"{name} {value:.2f} s" for name, value in first.seconds.items())
    again = " · ".join(f"{name} {value:.2f} s" for name, value in second.seconds.items())
    size = _directory_size(Path(first.explanations_path))
    prefix = f"{label} " if label else ""
    peak = _peak_rss_gb()
    written = second.assessments_written + second.results_written
    budget = _per_million(E2E_BUDGET_S, first.households) if part == "(2)" else E2E_BUDGET_S
    target = (
        f"≤ {E2E_BUDGET_S:.0f} s per 1M (≤ {budget:.2f} s here)"
        if part == "(2)"
        else f"≤ {E2E_BUDGET_S:.0f} s (PG budget, 1/10 scale)"
    )
    return [
        Result(
            f"{part} {prefix}assessments_run, first run",
            f"{first_s:.2f} s",
            target,
            first_s <= budget,
            f"{first.households:,} households, {first.assessments_written:,} assessments +"
            f" {first.results_written:,} results written; explanations {size / 2**20:.0f} MiB Parquet",
        ),
        Result(f"{part} {prefix}  phases (RunSummary.seconds)", phases or "—"),
        Result(
            f"{part} {prefix}re-run (idempotent)",
            f"{second_s:.2f} s",
            "writes 0 rows",
            written == 0,
            f"{second.assessments_written:,} assessments + {second.results_written:,} results written; {again}",
        ),
        Result(
            f"(3) {prefix}peak RSS, end-to-end process",
            f"{peak:.2f} GB",
            f"≤ {MEMORY_BUDGET_GB:.0f} GB",
            peak <= MEMORY_BUDGET_GB,
            "two runs in chunks of assistance.services.CHUNK_HOUSEHOLDS",
        ),
    ]


def _assess(root: Region) -> tuple[Any, float]:
    from minzheng.assistance.services import assessments_run

    def progress(done: int, total: int) -> None:
        print(f"  assessed household ids {done:,} / {total:,} ({time.perf_counter() - started:.1f} s)", flush=True)

    started = time.perf_counter()
    summary = assessments_run(actor=None, as_of=AS_OF, region=root, progress=progress)
    seconds = time.perf_counter() - started
    print(f"assessments_run: {seconds:.2f} s, {summary.households:,} households, {summary.assessments_written:,}"
          f" assessments and {summary.results_written:,} results written; {summary.seconds}")  # fmt: skip
    return summary, seconds


def _directory_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file()) if path.exists() else 0


def _sqlite(options: argparse.Namespace) -> list[Result]:
    from django.core.management import call_command
    from rich.console import Console

    call_command("migrate", verbosity=0)
    generated = _generate(Console(), households=options.sqlite_households, seed=options.seed)
    call_command("params", "load", verbosity=0)
    results = [Result(f"(4) SQLite {generated.name}", generated.value, note=generated.note)]
    label = f"SQLite {options.sqlite_households // 1000}k"
    return results + _end_to_end(options, label=label, part="(4)")


# --- (5) single household: in process and through the API ----------------------------------------------------


def _evaluate_in_process(console: Any, options: argparse.Namespace) -> list[Result]:
    """p50/p95 of `assessment_evaluate` for the what-if household, called directly (no HTTP, no auth)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minzheng.assistance.schemas import WhatIfIn
    from minzheng.assistance.services import assessment_evaluate

    actor = _actor(_root_region())
    what_if = WhatIfIn.model_validate(WHAT_IF_BODY).to_what_if()
    for _warm in range(5):
        evaluation = assessment_evaluate(actor=actor, what_if=what_if)
    qualifies = [p.code for p in evaluation.programmes if p.qualifies]
    console.print(f"what-if household qualifies for: {', '.join(qualifies) or 'nothing'}")
    timings = []
    for _call in range(options.evaluations):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            assessment_evaluate(actor=actor, what_if=what_if)
            timings.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(timings), _p95(timings)
    note = f"{options.evaluations} calls, {len(captured.captured_queries)} queries each; qualifies: {len(qualifies)}"
    return [
        Result(
            "(5) assessment_evaluate in process, p50 / p95",
            f"{p50:.1f} / {p95:.1f} ms",
            f"p95 ≤ {API_BUDGET_P95_MS:.0f} ms",
            p95 <= API_BUDGET_P95_MS,
            note,
        )
    ]


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def _actor(region: Region) -> Actor:
    from minzheng.core.access.actor import Actor
    from minzheng.core.access.models import Role

    return Actor(
        user_id=0,
        username="bench-assessment",
        roles=frozenset({Role.CITY_ANALYST.value}),
        region_id=region.id,
        region_code=region.code,
        region_name=region.name,
        scope_path=region.path,
    )


def _api(console: Any, options: argparse.Namespace, data_dir: Path) -> list[Result]:
    """gunicorn -w 2 minzheng.wsgi on the bench database, loaded by wrk with a Lua script POSTing the household."""
    import importlib.util

    name = "(5) what-if API, 2 gunicorn workers"
    missing = []
    if importlib.util.find_spec("gunicorn") is None:
        missing.append("gunicorn (VIRTUAL_ENV=.venv .venv/bin/uv pip install gunicorn)")
    wrk = shutil.which("wrk")
    if wrk is None:
        missing.append("wrk (apt-get install wrk)")
    if missing:
        message = "skipped: missing " + " and ".join(missing)
        console.print(f"[yellow]{name}: {message}[/yellow]")
        return [Result(name, message, f"≥ {API_BUDGET_RPS:.0f} req/s, p95 ≤ {API_BUDGET_P95_MS:.0f} ms")]
    assert wrk is not None
    token = _api_token(_root_region())
    script = data_dir / "what_if.lua"
    script.write_text(_lua(token))
    with _gunicorn(options, data_dir) as url:
        status, body = _post_once(url, token)
        if status != 200:
            return [Result(name, f"FAILED: HTTP {status} on the first request", note=body[:200])]
        console.print(
            f"gunicorn answers {url}: HTTP 200, {len(body):,} bytes; warming up, then {options.api_seconds} s"
        )
        _wrk(wrk, script, url, seconds=3, connections=options.api_connections)
        figures = _wrk(wrk, script, url, seconds=options.api_seconds, connections=options.api_connections)
    rps = figures["requests"] / (figures["duration_us"] / 1e6)
    p50, p95, p99 = figures["p50_us"] / 1000, figures["p95_us"] / 1000, figures["p99_us"] / 1000
    errors = {key: value for key, value in figures.items() if key.startswith("errors_") and value}
    valid = figures["requests"] > 0 and not errors  # no completed request must not read as p95 = 0 ms
    note = (
        f"wrk -t1 -c{options.api_connections} -d{options.api_seconds}s; {figures['requests']:,} requests;"
        f" p99 {p99:.1f} ms; MINZHENG_ENGINE_THREADS={options.engine_threads}"
        + (f"; errors {errors}" if errors else "")
    )
    return [
        Result(f"{name}: throughput", f"{rps:,.0f} req/s", f"≥ {API_BUDGET_RPS:.0f} req/s (OpenFisca ~750)",
               rps >= API_BUDGET_RPS and valid, note),
        Result(f"{name}: p50 / p95", f"{p50:.1f} / {p95:.1f} ms", f"p95 ≤ {API_BUDGET_P95_MS:.0f} ms",
               p95 <= API_BUDGET_P95_MS and valid),
    ]  # fmt: skip


def _api_token(region: Region) -> str:
    """A city analyst (may use what-if) with a one-day bearer token, in the bench database only."""
    import secrets

    from minzheng.core.access.models import Role
    from minzheng.core.access.services import api_token_issue, staff_create

    staff_create(username=API_USER, password=secrets.token_urlsafe(16), region=region, roles=[Role.CITY_ANALYST])
    _token, clear = api_token_issue(username=API_USER, name="bench/assessment.py", valid_days=1)
    return clear


def _lua(token: str) -> str:
    """wrk script: POST the household; at the end print the counts and latency percentiles (µs) as JSON."""
    body = json.dumps(WHAT_IF_BODY, ensure_ascii=False)
    return f"""
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"

done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH {{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"errors_status": %d, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_timeout": %d}}\\n',
    summary.requests, summary.duration, math.floor(latency:percentile(50)), math.floor(latency:percentile(95)),
    math.floor(latency:percentile(99)),
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


@contextmanager
def _gunicorn(options: argparse.Namespace, data_dir: Path) -> Iterator[str]:
    """Two sync workers, DEBUG off, development settings (a real secret is not needed on 127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, MINZHENG_ENGINE_THREADS=str(options.engine_threads), PYTHONPATH=str(ROOT / "src"))
    env.pop("MINZHENG_DEBUG", None)
    env.pop("MINZHENG_ENV", None)
    log = data_dir / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--error-logfile", str(log),
               "minzheng.wsgi"]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/api/v1/assessments"
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _post_once(url: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(WHAT_IF_BODY).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wrk(wrk: str, script: Path, url: str, *, seconds: int, connections: int) -> dict[str, int]:
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    figures: dict[str, int] = json.loads(line.removeprefix("BENCH "))
    return figures


# --- Report ---------------------------------------------------------------------------------------------------


def _report(console: Any, results: list[Result], options: argparse.Namespace) -> None:
    from rich.table import Table

    title = f"bench/assessment.py — ARCHITECTURE §9 ({options.households:,} households on PostgreSQL)"
    table = Table(title=title, caption=f"{os.cpu_count()} CPUs; load average at the end {_load()} (1, 5, 15 min)")
    for column in ("Measurement", "Result", "Target", "", "Notes"):
        table.add_column(column, justify="right" if column == "Result" else "left")
    for result in results:
        verdict = {True: "[green]OK[/green]", False: "[red]SHORT[/red]", None: ""}[result.ok]
        table.add_row(result.name, result.value, result.target, verdict, result.note)
    console.print(table)


def _load() -> str:
    """The machine is shared: the load average says whether other work competed with these figures."""
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
