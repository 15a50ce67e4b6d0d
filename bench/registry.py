"""Benchmark the registry at city scale (ARCHITECTURE §9): load 1M synthetic persons, then time page queries.

    python bench/registry.py [--persons 1000000] [--seed 2025] [--runs 30] [--skip-load] [--replace]

Database: MINZHENG_DATABASE_URL when set; otherwise a dedicated PostgreSQL database `minzheng_bench` on
postgres://postgres@127.0.0.1:5432 when that server answers, else SQLite under var/bench.sqlite3.
The registry rows of the chosen database are replaced; a configured database that already holds persons is
only touched with --replace.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minzheng.core.access.actor import Actor
    from minzheng.core.regions.models import Region

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
BENCH_DATABASE = "minzheng_bench"
PERSONS_PER_HOUSEHOLD = 2.7
LOAD_BUDGET_S = 120.0
PAGE_BUDGET_MS = 200.0


def main() -> None:
    options = _arguments()
    database, dedicated = _choose_database()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # keep the table on one line per row in logs
    console.print(f"[bold]Database:[/bold] {database}")
    _migrate()
    results: list[Result] = []
    if not options.skip_load:
        results.append(_load(console, options, may_replace=dedicated or options.replace))
    _analyze()
    results += _queries(console, runs=options.runs, seed=options.seed)
    _report(console, results)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000, help="persons to generate (about)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query")
    parser.add_argument("--skip-load", action="store_true", help="time the queries on the data already loaded")
    parser.add_argument("--replace", action="store_true", help="allow replacing a configured database's registry")
    return parser.parse_args()


def _choose_database() -> tuple[str, bool]:
    """The configured database, else a dedicated PostgreSQL one, else SQLite; and whether it is dedicated."""
    configured = os.environ.get("MINZHENG_DATABASE_URL")
    if configured:
        return f"{configured.split('@')[-1]} (MINZHENG_DATABASE_URL)", False
    if _postgres_database_ready():
        os.environ["MINZHENG_DATABASE_URL"] = f"{SERVER}/{BENCH_DATABASE}"
        return f"PostgreSQL {SERVER.split('@')[-1]}/{BENCH_DATABASE} (dedicated)", True
    path = ROOT / "var" / "bench.sqlite3"
    os.environ["MINZHENG_DATABASE_URL"] = f"sqlite:///{path}"
    return f"SQLite {path} (PostgreSQL not reachable)", True


def _postgres_database_ready() -> bool:
    """Create `minzheng_bench` on the local server if it answers; False without a server or psycopg."""
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=3, autocommit=True) as server:
            exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone()
            if not exists:
                server.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    except psycopg.Error:
        return False
    return True


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@dataclass(frozen=True)
class Result:
    name: str
    runs: int
    p50_ms: float
    p95_ms: float
    budget: str
    ok: bool
    note: str = ""


def _load(console: Any, options: argparse.Namespace, *, may_replace: bool) -> Result:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from minzheng.registry.models import Person
    from minzheng.registry.synthetic import generate_city

    if Person.objects.exists() and not may_replace:
        sys.exit("The configured database already holds persons; pass --replace or --skip-load.")
    households = round(options.persons / PERSONS_PER_HOUSEHOLD)
    columns = (TextColumn("load"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("load", total=households)
        summary = generate_city(
            households=households,
            seed=options.seed,
            replace=True,
            progress=lambda done: progress.update(task, completed=done),
        )
    console.print(
        f"Loaded {summary.households:,} households, {summary.persons:,} persons, "
        f"{summary.members:,} members, {summary.certificates:,} certificates in {summary.seconds:.1f} s "
        f"({summary.persons / summary.seconds:,.0f} persons/s); target ≤ {LOAD_BUDGET_S:.0f} s"
    )
    seconds_ms = summary.seconds * 1000
    note = f"{summary.persons:,} persons"
    return Result("generate-city load", 1, seconds_ms, seconds_ms, "≤ 120 s", summary.seconds <= LOAD_BUDGET_S, note)


def _analyze() -> None:
    """Planner statistics for the fresh rows (the loader analyses the registry; regions may be new too)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_region, registry_person, registry_household, registry_householdmember")
            cursor.execute("ANALYZE registry_disabilitycertificate")


def _queries(console: Any, *, runs: int, seed: int) -> list[Result]:
    """Time the selectors behind the staff pages as a city analyst and as a district approver."""
    from django.conf import settings
    from django.core.cache import cache

    from minzheng.core.regions.models import Region
    from minzheng.registry import selectors
    from minzheng.registry.models import Person

    city = Region.objects.filter(parent__isnull=True, valid_to__isnull=True).order_by("code").first()
    if city is None or not Person.objects.exists():
        sys.exit("No regions or persons loaded: run without --skip-load first.")
    district = _busiest_district(city)
    city_actor = _actor(city, "city_analyst")
    district_actor = _actor(district, "district_approver")
    rng = random.Random(seed)
    in_district = Person.objects.filter(hukou_region__path__startswith=district.path)
    ids = list(in_district.values_list("id_number", flat=True)[:5000])
    surnames = ["王", "李", "张", "刘", "陈", "谭", "冉"]
    console.print(f"Timing queries: city {city.name}, district {district.name} ({district.code}), {runs} runs each")

    def cold(call: Callable[[], object]) -> Callable[[], object]:
        """Empty the counts cache first, so every run computes from the database."""

        def run() -> object:
            cache.clear()
            return call()

        return run

    checks: list[tuple[str, Callable[[], object], str]] = [
        (
            "registry_overview · city, cold (home page: total + by district)",
            cold(lambda: selectors.registry_overview(actor=city_actor, region=city)),
            "computed",
        ),
        (
            "registry_overview · district, cold",
            cold(lambda: selectors.registry_overview(actor=district_actor, region=district)),
            "computed",
        ),
        (
            "registry_overview · city, cached",
            lambda: selectors.registry_overview(actor=city_actor, region=city),
            f"cache {settings.COUNTS_CACHE_SECONDS} s",
        ),
        (
            "person_search · ID number",
            lambda: list(selectors.person_search(actor=district_actor, query=rng.choice(ids))),
            "",
        ),
        (
            "person_search · name, first page",
            lambda: list(selectors.person_search(actor=district_actor, query=rng.choice(surnames))[:50]),
            "50 rows",
        ),
    ]
    return [_time(name, call, runs=runs, note=note) for name, call, note in checks]


def _busiest_district(city: Region) -> Region:
    """The current district with the most households: the worst case for a district approver's pages."""
    from django.db.models import Count

    from minzheng.core.regions.models import Region, RegionLevel
    from minzheng.registry.models import Household

    districts = {
        region.id: region
        for region in Region.objects.filter(
            level=RegionLevel.DISTRICT, valid_to__isnull=True, path__startswith=city.path
        )
    }
    sizes: dict[int, int] = dict.fromkeys(districts, 0)
    for path, count in Household.objects.values_list("region__path").annotate(n=Count("id")).order_by():
        for region_id in (int(part) for part in path.strip("/").split("/")):
            if region_id in sizes:
                sizes[region_id] += count
    return districts[max(sizes, key=lambda region_id: (sizes[region_id], -region_id))]


def _actor(region: Region, role: str) -> Actor:
    from minzheng.core.access.actor import Actor

    return Actor(
        user_id=0,
        username=f"bench-{role}",
        roles=frozenset({role}),
        region_id=region.id,
        region_code=region.code,
        region_name=region.name,
        scope_path=region.path,
    )


def _time(name: str, call: Callable[[], object], *, runs: int, note: str) -> Result:
    """p50/p95 wall time of `runs` calls after one warm-up call, with the query count of the last call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    timings: list[float] = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
    detail = ", ".join(part for part in (f"{queries} queries", note) if part)
    return Result(name, runs, p50, p95, "p95 ≤ 200 ms", p95 <= PAGE_BUDGET_MS, detail)


def _report(console: Any, results: list[Result]) -> None:
    from rich.table import Table

    table = Table(title="bench/registry.py — ARCHITECTURE §9")
    table.add_column("Measurement")
    table.add_column("Runs", justify="right")
    table.add_column("p50", justify="right")
    table.add_column("p95", justify="right")
    table.add_column("Target")
    table.add_column("")
    table.add_column("Notes")
    for result in results:
        in_seconds = result.name.endswith("load")
        table.add_row(
            result.name,
            str(result.runs),
            _duration(result.p50_ms, in_seconds=in_seconds),
            _duration(result.p95_ms, in_seconds=in_seconds),
            result.budget,
            "[green]ok[/green]" if result.ok else "[red]over[/red]",
            result.note,
        )
    console.print(table)


def _duration(ms: float, *, in_seconds: bool) -> str:
    return f"{ms / 1000:.1f} s" if in_seconds else f"{ms:.1f} ms"


if __name__ == "__main__":
    main()
