"""Benchmark the case workflow's staff pages (ARCHITECTURE §9: p95 ≤ 200 ms, constant queries per page).

    python bench/cases.py [--households 20000] [--cases 100000] [--seed 2025] [--requests 50]
                          [--recreate] [--reuse] [--explain]

Figures, each beside its target:
  (1) generation: `generate_city` for --households and `cases_generate` for --cases (no target for the city;
      the cases are reported in cases/s);
  (2) page loads through Django's test Client, in process: the work queue `/cases/` (first page, a filtered
      page, the overdue filter, a sorted page, a deep page, all cases including closed) and the dashboard
      `/cases/dashboard/`, p50/p95 over --requests requests after one warm-up, logged in as the district
      approver of the busiest district and as a city analyst (every case in scope);
  (3) SQL queries per page with the queue's page size set to 20 and to 100: constant means equal.

Database: a fresh SQLite file in a temporary directory by default; with MINZHENG_DATABASE_URL, that database,
which must hold no households (--recreate drops and creates a PostgreSQL database first; --reuse times the
pages on the data a previous run left). --explain prints the plan of each page's slowest queries. The exit
code is 1 when a page does not answer 200; a missed target is reported, not a failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE_BUDGET_MS = 200.0
PAGE_SIZES = (20, 100)
PASSWORD = "bench-cases-9d2e"


@dataclass(frozen=True)
class Result:
    name: str
    value: str  # formatted figure
    target: str = ""
    ok: bool | None = None  # None: informative, no target
    note: str = ""


def main() -> None:
    options = _arguments()
    scratch = Path(tempfile.mkdtemp(prefix="minzheng-bench-cases-"))
    os.environ["MINZHENG_DATA_DIR"] = str(scratch)
    if not os.environ.get("MINZHENG_DATABASE_URL"):
        os.environ["MINZHENG_DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    elif options.recreate:
        _postgres_recreate(os.environ["MINZHENG_DATABASE_URL"])
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment
    from rich.console import Console

    setup_test_environment()  # the test Client's host and a fresh mail outbox; DEBUG stays off
    console = Console(width=160)
    console.print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}; {os.cpu_count()} CPUs")
    try:
        results = _prepare(console, options)
        results += _pages(console, options)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _report(console, results)
    if any(result.ok is False and result.name.startswith("FAILED") for result in results):
        sys.exit(1)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--recreate", action="store_true", help="drop and create the PostgreSQL database first")
    parser.add_argument("--reuse", action="store_true", help="time the pages on the data already loaded")
    parser.add_argument("--explain", action="store_true", help="print the plans of each page's slowest queries")
    return parser.parse_args()


def _postgres_recreate(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


# --- (1) data ------------------------------------------------------------------------------------------------


def _prepare(console: Any, options: argparse.Namespace) -> list[Result]:
    from django.core.management import call_command
    from django.utils import timezone

    from minzheng.cases.models import Case
    from minzheng.cases.synthetic import cases_generate
    from minzheng.core.calendar.services import calendar_seed
    from minzheng.core.parameters.services import parameters_load
    from minzheng.registry.models import Household
    from minzheng.registry.synthetic import generate_city

    call_command("migrate", verbosity=0)
    if options.reuse and Case.objects.exists():
        console.print("Reusing the loaded city and cases.")
        return []
    if Household.objects.exists():
        sys.exit("The database already holds households: use a fresh one (--recreate on PostgreSQL) or --reuse.")
    with _progress(console, "city", options.households) as advance:
        city = generate_city(households=options.households, seed=options.seed, progress=advance)
    parameters_load()  # after the city: parameters hang on its region tree
    calendar_seed()
    _staff_create()
    with _progress(console, "cases", options.cases) as advance:
        cases = cases_generate(count=options.cases, seed=options.seed, today=timezone.localdate(), progress=advance)
    rate = cases.cases / cases.seconds
    note = (f"{cases.transitions:,} transitions, {cases.notices:,} notices, {cases.decisions:,} decisions, "
            f"{cases.enrolments:,} enrolments, {cases.referrals:,} referrals")  # fmt: skip
    return [
        Result(
            f"generate_city · {city.households:,} households", f"{city.seconds:.1f} s", note=f"{city.persons:,} persons"
        ),
        Result(f"cases_generate · {cases.cases:,} cases", f"{cases.seconds:.1f} s ({rate:,.0f}/s)", note=note),
    ]


@contextmanager
def _progress(console: Any, label: str, total: int) -> Iterator[Callable[[int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(label, total=total)
        yield lambda done: progress.update(task, completed=done)


def _staff_create() -> None:
    """Staff of the busiest district (the generator's actors and the measured approver) and a city analyst."""
    from django.conf import settings

    from minzheng.core.access.services import staff_create
    from minzheng.core.regions.models import Region

    district = _busiest_district()
    village = Region.objects.filter(path__startswith=district.path, level="village").order_by("code").first()
    assert village is not None
    assert village.parent is not None
    city = Region.objects.get(code=settings.ROOT_REGION_CODE, valid_to__isnull=True)
    for username, role, region in (
        ("bench-cunju", "village_assistant", village), ("bench-jingban", "township_caseworker", village.parent),
        ("bench-shenhe", "township_reviewer", village.parent), ("bench-shenpi", "district_approver", district),
        ("bench-fenxi", "city_analyst", city),
    ):  # fmt: skip
        staff_create(username=username, password=PASSWORD, region=region, roles=[role], display_name=username)


def _busiest_district() -> Any:
    from django.db.models import Count

    from minzheng.core.regions.models import Region
    from minzheng.registry.models import Household

    districts = {r.id: r for r in Region.objects.filter(level="district", valid_to__isnull=True)}
    sizes = dict.fromkeys(districts, 0)
    for path, count in Household.objects.values_list("region__path").annotate(n=Count("id")).order_by():
        for part in path.strip("/").split("/"):
            if int(part) in sizes:
                sizes[int(part)] += count
    return districts[max(sizes, key=lambda pk: (sizes[pk], -pk))]


# --- (2), (3) pages ------------------------------------------------------------------------------------------


def _pages(console: Any, options: argparse.Namespace) -> list[Result]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from minzheng.cases.models import OPEN_STATES, Case

    results = []
    for username, scope in (("bench-shenpi", "district approver"), ("bench-fenxi", "city analyst")):
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        region = user.staff.region
        in_scope = Case.objects.filter(region__path__startswith=region.path)
        open_cases = in_scope.filter(state__in=OPEN_STATES).count()
        console.print(f"{scope} {username} @ {region.name}: {in_scope.count():,} cases, {open_cases:,} open")
        deep = max(1, open_cases // 50 - 1)
        all_deep = max(1, in_scope.count() // 50 - 1)
        for name, url in (
            ("queue · first page", "/cases/"),
            ("queue · state + programme", "/cases/?state=investigating&programme=dibao"),
            ("queue · overdue", "/cases/?urgency=overdue"),
            ("queue · sorted by receipt, newest", "/cases/?order=-received"),
            (f"queue · deep page {deep}", f"/cases/?page={deep}"),
            (f"queue · incl. closed, page {all_deep}", f"/cases/?closed=1&page={all_deep}"),
            ("dashboard", "/cases/dashboard/"),
        ):  # fmt: skip
            results.append(_page(console, client, f"{name} ({scope})", url, options))
    return results


def _page(console: Any, client: Any, name: str, url: str, options: argparse.Namespace) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minzheng.cases import views

    status = client.get(url).status_code  # warm-up
    if status != 200:
        return Result(f"FAILED {name}", f"HTTP {status}", ok=False, note=url)
    timings = []
    for _ in range(options.requests):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    queries = {}
    default = views.PAGE_SIZE
    try:
        for size in PAGE_SIZES:
            views.PAGE_SIZE = size
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            queries[size] = list(captured.captured_queries)
    finally:
        views.PAGE_SIZE = default
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
    counts = {size: len(captured) for size, captured in queries.items()}
    constant = len(set(counts.values())) == 1
    if options.explain or p95 > PAGE_BUDGET_MS:
        _explain(console, name, queries[PAGE_SIZES[-1]])
    note = f"queries {counts[20]} @20, {counts[100]} @100: {'constant' if constant else 'NOT constant'}; {url}"
    return Result(name, f"p50 {p50:.1f} ms, p95 {p95:.1f} ms", "p95 ≤ 200 ms, constant queries",
                  p95 <= PAGE_BUDGET_MS and constant, note)  # fmt: skip


def _explain(console: Any, name: str, queries: list[dict[str, str]]) -> None:
    """The plans of the page's three slowest queries (EXPLAIN ANALYZE on PostgreSQL)."""
    from django.db import connection

    prefix = "EXPLAIN ANALYZE" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    slowest = sorted(queries, key=lambda query: float(query["time"]), reverse=True)[:3]
    for query in slowest:
        if float(query["time"]) < 0.005 or not query["sql"].lstrip().upper().startswith("SELECT"):
            continue  # 5 ms: not what makes a page slow
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {query['sql']}")
            plan = "\n".join(" | ".join(str(column) for column in row) for row in cursor.fetchall())
        console.print(f"{name} · {float(query['time']) * 1000:.1f} ms\n{query['sql'][:600]}\n{plan}\n", markup=False)


def _report(console: Any, results: list[Result]) -> None:
    from rich.table import Table

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    table = Table(title="bench/cases.py — ARCHITECTURE §9 staff pages", caption=f"load average at the end {load}")
    for column in ("Measurement", "Result", "Target", "", "Notes"):
        table.add_column(column)
    for result in results:
        verdict = {True: "[green]OK[/green]", False: "[red]OVER[/red]", None: ""}[result.ok]
        table.add_row(result.name, result.value, result.target, verdict, result.note)
    console.print(table)


if __name__ == "__main__":
    main()
