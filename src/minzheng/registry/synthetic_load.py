"""Bulk writing of the synthetic city: COPY on PostgreSQL, one `executemany` transaction on SQLite.

ARCHITECTURE §9: batch work is set-based; a per-row ORM save would take minutes for what COPY does in seconds.
Primary keys are assigned by the generator (after the current maximum), so members and certificates can point
at persons without a round trip; PostgreSQL sequences are moved past them afterwards.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Max, Model

from minzheng.core.bulk import rows_write
from minzheng.registry.models import (
    AssetItem,
    DisabilityCertificate,
    ExpenseItem,
    Household,
    HouseholdMember,
    IncomeItem,
    Person,
    SelfCareAssessment,
)

Row = tuple[Any, ...]
T = TypeVar("T")

PERSON_COLUMNS = (
    "id", "id_number", "name", "sex", "birth_on", "ethnic_group", "phone", "hukou_region_id",
    "residence_region_id", "died_on", "work_ability", "serious_illness", "in_school", "created_at", "updated_at",
)  # fmt: skip
HOUSEHOLD_COLUMNS = ("id", "number", "region_id", "address", "hukou_type", "created_at")
MEMBER_COLUMNS = (
    "id", "household_id", "person_id", "relation", "is_head", "valid_from", "valid_to", "end_reason", "absence",
    "absent_since",
)  # fmt: skip
CERTIFICATE_COLUMNS = (
    "id", "person_id", "certificate_number", "disability_category", "disability_grade", "valid_from",
    "valid_to",
)  # fmt: skip
INCOME_COLUMNS = (
    "id", "household_id", "person_id", "kind", "amount_fen", "period_months", "valid_from", "valid_to", "source",
    "created_at",
)  # fmt: skip
ASSET_COLUMNS = ("id", "household_id", "person_id", "kind", "value_fen", "valid_from", "valid_to", "note", "created_at")
EXPENSE_COLUMNS = ("id", "household_id", "person_id", "kind", "amount_fen", "incurred_on", "note", "created_at")
ASSESSMENT_COLUMNS = (
    "id", "person_id", "assessed_on", "eating", "dressing", "transferring", "toileting", "walking", "bathing",
    "assessor", "created_at",
)  # fmt: skip

# Insert order respects foreign keys: persons and households before the rows that point at them.
TABLES: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (Person, PERSON_COLUMNS),
    (Household, HOUSEHOLD_COLUMNS),
    (HouseholdMember, MEMBER_COLUMNS),
    (DisabilityCertificate, CERTIFICATE_COLUMNS),
    (IncomeItem, INCOME_COLUMNS),
    (AssetItem, ASSET_COLUMNS),
    (ExpenseItem, EXPENSE_COLUMNS),
    (SelfCareAssessment, ASSESSMENT_COLUMNS),
)


@dataclass
class Rows:
    """One chunk of generated rows, each tuple in the column order declared above."""

    persons: list[Row] = field(default_factory=list)
    households: list[Row] = field(default_factory=list)
    members: list[Row] = field(default_factory=list)
    certificates: list[Row] = field(default_factory=list)
    incomes: list[Row] = field(default_factory=list)
    assets: list[Row] = field(default_factory=list)
    expenses: list[Row] = field(default_factory=list)
    assessments: list[Row] = field(default_factory=list)

    def by_model(self) -> Iterable[tuple[type[Model], tuple[str, ...], list[Row]]]:
        batches = (
            self.persons, self.households, self.members, self.certificates, self.incomes, self.assets,
            self.expenses, self.assessments,
        )  # fmt: skip
        for (model, columns), rows in zip(TABLES, batches, strict=True):
            yield model, columns, rows


@dataclass
class IdCounters:
    """The next primary key per table; the generator draws from these instead of asking the database."""

    person: int
    household: int
    member: int
    certificate: int
    income: int
    asset: int
    expense: int
    assessment: int


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def registry_is_empty() -> bool:
    return not (Person.objects.exists() or Household.objects.exists())


def next_ids() -> IdCounters:
    def after_max(model: type[Model]) -> int:
        return int(model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1

    return IdCounters(
        person=after_max(Person),
        household=after_max(Household),
        member=after_max(HouseholdMember),
        certificate=after_max(DisabilityCertificate),
        income=after_max(IncomeItem),
        asset=after_max(AssetItem),
        expense=after_max(ExpenseItem),
        assessment=after_max(SelfCareAssessment),
    )


def registry_clear() -> None:
    """Remove every registry row set-based: TRUNCATE … CASCADE on PostgreSQL, DELETE in FK order elsewhere.

    CASCADE (and the dependent-first DELETE) also empties tables of other apps that point at persons or
    households: replacing the population invalidates them anyway.
    """
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(f"TRUNCATE {', '.join(_quoted_tables())} CASCADE")
            return
        for model in _delete_order((Person, Household)):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _delete_order(roots: Sequence[type[Model]]) -> list[type[Model]]:
    """Models that (transitively) reference `roots`, dependents first, so plain DELETEs never break an FK."""
    ordered: list[type[Model]] = []
    seen: set[type[Model]] = set()

    def visit(model: type[Model]) -> None:
        seen.add(model)
        for relation in model._meta.related_objects:
            dependent = relation.related_model
            if isinstance(dependent, type) and dependent not in seen:
                visit(dependent)
        ordered.append(model)

    for root in roots:
        if root not in seen:
            visit(root)
    return ordered


class BulkWriter:
    """Writes chunks of rows through the fastest path the database offers, inside the caller's transaction.

    On PostgreSQL, `start` drops the secondary indexes, unique and foreign-key constraints of the (empty)
    registry tables and `finish` recreates them from their catalogue definitions: building an index once
    from sorted data and validating a foreign key with one join beats maintaining them row by row, the
    standard bulk-load recipe ("Populating a Database" in the PostgreSQL manual). The tables stay locked
    until the transaction ends, and a duplicate ID number still fails the whole load when its unique index
    is rebuilt.
    """

    def __init__(self) -> None:
        self._recreate: list[str] = []

    def start(self) -> None:
        if is_postgresql() and registry_is_empty():
            with connection.cursor() as cursor:
                # PostgreSQL refuses to drop a foreign key while its tables have deferred checks pending
                # (e.g. regions inserted earlier in the caller's transaction): run those checks now, then
                # return to Django's default of deferring every deferrable constraint.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                self._recreate = _drop_secondary_structures(cursor)

    def write(self, rows: Rows) -> None:
        for model, columns, batch in rows.by_model():
            if batch:
                self._write_table(model._meta.db_table, columns, batch)

    def finish(self) -> None:
        """Recreate what `start` dropped, move sequences past the pre-assigned ids, refresh statistics."""
        if not is_postgresql():
            return  # SQLite AUTOINCREMENT already tracks the largest id inserted
        with connection.cursor() as cursor:
            for statement in self._recreate:
                cursor.execute(statement)
            self._recreate = []
            for model, _ in TABLES:
                table = model._meta.db_table
                top = f"(SELECT MAX(id) FROM {connection.ops.quote_name(table)})"
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE({top}, 1), {top} IS NOT NULL)",
                    [table],
                )
            cursor.execute(f"ANALYZE {', '.join(_quoted_tables())}")

    def _write_table(self, table: str, columns: tuple[str, ...], rows: list[Row]) -> None:
        rows_write(table, columns, rows)


def _quoted_tables() -> list[str]:
    return [connection.ops.quote_name(model._meta.db_table) for model, _ in TABLES]


# Unique and foreign-key constraints of a table; a unique constraint that another table's foreign key relies
# on stays, since dropping it would need CASCADE.
_CONSTRAINTS_SQL = """
    SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c
    WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'f')
      AND (c.contype = 'f' OR NOT EXISTS (
          SELECT 1 FROM pg_constraint d WHERE d.contype = 'f' AND d.conindid = c.conindid))
    ORDER BY c.conname
"""
# Secondary indexes that back no constraint (the primary key and kept constraints keep theirs).
_INDEXES_SQL = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
    WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
      AND NOT EXISTS (
          SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
    ORDER BY 1
"""


def _drop_secondary_structures(cursor: Any) -> list[str]:
    """Drop the registry tables' secondary indexes and constraints; return the statements that recreate them.

    Indexes and unique constraints come back first, foreign keys last, so each foreign key is validated once
    against a complete, indexed parent.
    """
    indexes: list[str] = []
    foreign_keys: list[str] = []
    for model, _ in TABLES:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(_CONSTRAINTS_SQL, [model._meta.db_table])
        for name, kind, definition in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            statement = f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            (foreign_keys if kind == "f" else indexes).append(statement)
        cursor.execute(_INDEXES_SQL, [model._meta.db_table])
        for name, definition in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            indexes.append(definition)
    return indexes + foreign_keys


class _Done:
    """End of the producer's stream, carrying the exception that ended it, if any."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def prefetched(source: Iterator[T], *, depth: int = 2) -> Iterator[T]:
    """Run `source` in a background thread up to `depth` items ahead of the consumer.

    Generation is pure Python while COPY mostly waits on the server (with the GIL released), so building the
    next chunk during the current write nearly hides generation time on a two-core machine. The producer
    never touches the database: Django connections belong to the consuming thread. Order is preserved, so
    the output stays deterministic.
    """
    buffer: queue.Queue[T | _Done] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: T | _Done) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(_Done(error))
            return
        put(_Done())

    thread = threading.Thread(target=produce, name="synthetic-city", daemon=True)
    thread.start()
    try:
        while not isinstance(item := buffer.get(), _Done):
            yield item
        if item.error is not None:
            raise item.error
    finally:
        stop.set()
        thread.join()
