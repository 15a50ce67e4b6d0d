"""Synthetic cases for the demo and the benchmarks (`minzheng cases generate`): intakes, cases in every state with
their timelines, notices, objections, decisions, referrals and enrolments, drawn from the synthetic city.

Deterministic (one seed, the same rows on an empty case table) and set-based: rows are built in plain Python
(`synthetic_world` draws, `synthetic_timeline` lays out, `synthetic_rows` fills) with primary keys assigned up
front, then written per chunk by COPY on PostgreSQL and one `executemany` per table on SQLite, the way
`registry.synthetic_load` loads the city (ARCHITECTURE §9); enrolments go through `payments.services`. A region
that already has cases is left alone, so running the generator twice adds nothing.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils.translation import gettext_lazy as _

from minzheng.cases.models import (
    Case,
    Decision,
    Department,
    DepartmentOfficer,
    EconomicCheck,
    HomeVisit,
    Intake,
    Objection,
    PublicNotice,
    Referral,
    Transition,
)
from minzheng.cases.synthetic_calendar import Rules, WorkCalendar
from minzheng.cases.synthetic_rows import TABLES, CaseRows, Context, Ids, Output, stamp_function
from minzheng.cases.synthetic_timeline import Timeline
from minzheng.cases.synthetic_world import World
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.access.services import staff_create
from minzheng.core.audit.services import SYSTEM_USERNAME, audit_record
from minzheng.core.bulk import rows_write
from minzheng.core.errors import InvalidInput, NotFound
from minzheng.core.regions.models import Region
from minzheng.core.regions.selectors import region_by_code
from minzheng.payments.services import enrolments_bulk_start

CHUNK_CASES = 10_000
DAYS_BACK = 500  # closed cases end within a year; their timelines start up to ~4 months earlier
MODELS: dict[str, type[Model]] = {
    "intake": Intake, "case": Case, "economiccheck": EconomicCheck, "homevisit": HomeVisit,
    "publicnotice": PublicNotice, "objection": Objection, "transition": Transition, "decision": Decision,
    "referral": Referral,
}  # fmt: skip
T = TypeVar("T")


@dataclass
class GenerateSummary:
    cases: int = 0
    transitions: int = 0
    notices: int = 0
    objections: int = 0
    decisions: int = 0
    enrolments: int = 0
    referrals: int = 0
    home_visits: int = 0
    economic_checks: int = 0
    seconds: float = 0.0
    skipped: bool = False  # the region already had cases


def operator_actor(region: Region) -> Actor:
    """The command line's reader (no user, like `minzheng assess`): a supervisor's read scope over `region`."""
    return Actor(user_id=0, username=SYSTEM_USERNAME, roles=frozenset({Role.SUPERVISOR}), region_id=region.pk,
                 region_code=region.code, region_name=region.name, scope_path=region.path)  # fmt: skip


def cases_generate(
    *,
    count: int,
    seed: int,
    today: date,
    region_path: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerateSummary:
    """Generate `count` cases for households of the region (default: the whole city); `progress` receives the
    number of cases written so far. Skips (summary.skipped) when the region already has cases."""
    if count < 1:
        raise InvalidInput("cases.count", _("申请数量必须为正整数"), field="count")
    started = time.perf_counter()
    region = _region(region_path, today)
    if Case.objects.filter(region__path__startswith=region.path).exists():
        return GenerateSummary(skipped=True)
    with transaction.atomic():
        world = World(actor=operator_actor(region), region=region, today=today)
        calendar = WorkCalendar(today, DAYS_BACK)
        rules = Rules(world.villages, today, calendar)
        context = Context(calendar, rules, Timeline(calendar, rules), _next_ids(), world.departments,
                          stamp_function(connection.ops.adapt_datetimefield_value))  # fmt: skip
        summary = _write(world, context, count, seed, progress)
        counts = {name: value for name, value in asdict(summary).items() if name not in {"seconds", "skipped"}}
        audit_record(actor=None, action="cases.generate", region=region,
                     detail={"seed": seed, "today": today.isoformat(), **counts})  # fmt: skip
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _region(region_path: str | None, today: date) -> Region:
    region = (
        region_by_code(code=settings.ROOT_REGION_CODE, on=today)
        if region_path is None
        else Region.objects.filter(path=region_path).first()
    )
    if region is None:
        raise NotFound("region.not_found", _("未找到该区划"))
    return region


def _next_ids() -> Ids:
    def after_max(model: type[Model]) -> int:
        return int(model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1

    return Ids({table: after_max(model) for table, model in MODELS.items()})


def _write(
    world: World, context: Context, count: int, seed: int, progress: Callable[[int], None] | None
) -> GenerateSummary:
    plan_rng, life_rng = random.Random(f"{seed}:plans"), random.Random(f"{seed}:lives")
    summary = GenerateSummary()
    fields = {"case": "cases", "transition": "transitions", "publicnotice": "notices", "objection": "objections",
             "decision": "decisions", "referral": "referrals", "homevisit": "home_visits",
             "economiccheck": "economic_checks"}  # fmt: skip
    for plans in _chunks(world.plans(count, plan_rng), CHUNK_CASES):
        out = Output.empty()
        for plan in plans:
            CaseRows(context, plan, life_rng, out).write()
        for table in TABLES:
            _insert(MODELS[table], out.tables[table])
            if table in fields:
                setattr(summary, fields[table], getattr(summary, fields[table]) + len(out.tables[table]))
        summary.enrolments += enrolments_bulk_start(actor=None, rows=out.enrolments)
        if progress is not None:
            progress(summary.cases)
    _finish()
    return summary


def _chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _insert(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """The rows carry their primary keys."""
    if rows:
        columns = tuple(rows[0])
        rows_write(model._meta.db_table, columns, map(itemgetter(*columns), rows))


def _finish() -> None:
    """Refresh the planner's statistics of the tables the case pages read (on SQLite the queue's count drops from
    ~150 ms to ~10 ms at 100k cases once they exist) and, on PostgreSQL, move the sequences past the assigned keys."""
    tables = [model._meta.db_table for model in MODELS.values()] + [Region._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        if connection.vendor != "postgresql":
            return
        for table in tables[:-1]:
            top = f"(SELECT MAX(id) FROM {connection.ops.quote_name(table)})"
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE({top}, 1), {top} IS NOT NULL)", [table]
            )


# The demo's department officer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOfficer:
    username: str
    password: str
    region: Region
    department: str


@transaction.atomic
def demo_department_officer(
    *, username: str, department_code: str, region: Region, password_file: Path | None = None
) -> DemoOfficer:
    """Create (or reset) a department officer account linked to its department (协同部门经办). The password is
    random once, then kept in the demo's shared password file (`var/demo_accounts.json`) for re-runs."""
    department = Department.objects.filter(code=department_code).first()
    if department is None:
        raise InvalidInput("referral.department", _("接收部门无效"), field="department_code")
    path = password_file or Path(settings.DATA_DIR) / "demo_accounts.json"
    passwords: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    password = passwords.setdefault(username, f"mz-{secrets.token_urlsafe(9)}")
    staff = staff_create(username=username, password=password, region=region, roles=[Role.DEPARTMENT_OFFICER],
                         display_name=department.name)  # fmt: skip
    DepartmentOfficer.objects.update_or_create(staff=staff, defaults={"department": department})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return DemoOfficer(username, password, region, department.name)
