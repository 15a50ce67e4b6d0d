"""The registry's input relations for the rule engine (ARCHITECTURE §6): households, members, persons and
their economic facts on a date, read set-based as Arrow.

Apps' rules read these relations by name; the SQL here is the only place that knows the registry's tables.
It runs unchanged on PostgreSQL and SQLite and takes no bound parameters: the scope is built from validated
integers, dates and region paths. A farm's 12-month net income becomes a monthly amount here, rounded half
up to the fen (重庆市城乡居民最低生活保障条例 第12条: 12 个月收入 ÷ 12).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from minzheng.core.engine.io import arrow_read

_PATH = re.compile(r"^[0-9/]*$")


def registry_schemas(id_type: pa.DataType) -> dict[str, pa.Schema]:
    """The relations the registry publishes, with `id_type` for household and person identifiers."""
    return {
        "households": pa.schema({"household_id": id_type, "area": pa.string()}),
        "persons": pa.schema(
            {
                "person_id": id_type,
                "birth_on": pa.date32(),
                "died_on": pa.date32(),  # null while alive
                "work_ability": pa.string(),  # full | partial | none
                "serious_illness": pa.bool_(),  # a locally recognised 重特大疾病
                "disability_category": pa.string(),  # GB/T 26341 code '1'..'7' of the valid certificate, else null
                "disability_grade": pa.int8(),  # 1..4 of the valid certificate, else null
                "self_care_unmet": pa.int8(),  # 0..6 of the latest 生活自理能力 assessment, null if never assessed
                "in_school": pa.bool_(),  # full-time education up to 本科 (审核确认办法 第7条 (3); 特困 art. 24)
            }
        ),
        "household_members": pa.schema(
            {
                "household_id": id_type,
                "person_id": id_type,
                "relation": pa.string(),  # GB/T 4761 code of the relation to the head: '02' head, '10' spouse …
                "absence": pa.string(),  # null, or one of ABSENCES
                "absent_since": pa.date32(),  # when the absence began (religious staff: the 1-/3-year test)
            }
        ),
        "incomes": pa.schema(
            {
                "household_id": id_type,
                "person_id": id_type,  # null for a household-level item
                "kind": pa.string(),  # INCOME_KINDS
                "monthly_fen": pa.int64(),
            }
        ),
        "assets": pa.schema(
            {
                "household_id": id_type,
                "person_id": id_type,
                "kind": pa.string(),  # ASSET_KINDS
                "value_fen": pa.int64(),
            }
        ),
        "expenses": pa.schema(
            {
                "household_id": id_type,
                "person_id": id_type,
                "kind": pa.string(),  # EXPENSE_KINDS; out-of-pocket after insurance and assistance
                "amount_fen": pa.int64(),
                "incurred_on": pa.date32(),
            }
        ),
    }


SUBJECTS_SCHEMA = pa.schema({"subject_id": pa.int64(), "region_id": pa.int64(), "area": pa.string()})


@dataclass(frozen=True)
class Scope:
    """Which households: those of a region subtree (by path), optionally an id range or a list of ids."""

    region_path: str
    id_from: int | None = None  # inclusive
    id_to: int | None = None  # exclusive
    ids: Sequence[int] = ()

    def __post_init__(self) -> None:
        if not _PATH.match(self.region_path) or not all(isinstance(i, int) for i in self.ids):
            raise ValueError("scope must be a region path and integer ids")

    def households_sql(self) -> str:
        """SELECT of the household ids in scope (a sub-query every relation filters on)."""
        conditions = [f"r.path LIKE '{self.region_path}%'"]
        if self.id_from is not None:
            conditions.append(f"h.id >= {int(self.id_from)}")
        if self.id_to is not None:
            conditions.append(f"h.id < {int(self.id_to)}")
        if self.ids:
            conditions.append(f"h.id IN ({', '.join(str(int(i)) for i in self.ids)})")
        return "SELECT h.id FROM registry_household h JOIN core_region r ON r.id = h.region_id WHERE " + " AND ".join(
            conditions
        )


def _year_before(on: date) -> date:
    """The same day a year earlier (28 February for 29 February): expenses count in (that day, on]."""
    return on.replace(year=on.year - 1, day=min(on.day, 28) if on.month == 2 else on.day)


def _current(alias: str, on: str) -> str:
    """Valid on the day: valid_from ≤ on < valid_to (valid_to is the first day no longer valid)."""
    return f"{alias}.valid_from <= {on} AND ({alias}.valid_to IS NULL OR {alias}.valid_to > {on})"


def _members_sql(scope: Scope, on: str) -> str:
    return (
        "SELECT m.household_id, m.person_id, m.relation, NULLIF(m.absence, ''), m.absent_since"
        f" FROM registry_householdmember m WHERE m.household_id IN ({scope.households_sql()}) AND {_current('m', on)}"
    )


def _relation_sql(scope: Scope, on: date) -> dict[str, str]:
    day, year_before = f"'{on.isoformat()}'", f"'{_year_before(on).isoformat()}'"
    in_scope = f"IN ({scope.households_sql()})"
    members = (
        f"SELECT m.person_id FROM registry_householdmember m WHERE m.household_id {in_scope} AND {_current('m', day)}"
    )
    unmet = " + ".join(
        f"CASE WHEN s.{item} THEN 0 ELSE 1 END"
        for item in ("eating", "dressing", "transferring", "toileting", "walking", "bathing")
    )
    return {
        "households": "SELECT h.id, h.hukou_type FROM registry_household h"
        f" WHERE h.id {in_scope} AND EXISTS (SELECT 1 FROM registry_householdmember m"
        f" WHERE m.household_id = h.id AND {_current('m', day)})",
        "household_members": _members_sql(scope, day),
        "persons": "SELECT p.id, p.birth_on, CASE WHEN p.died_on <= "
        f"{day} THEN p.died_on END, p.work_ability, p.serious_illness, d.disability_category, d.disability_grade,"
        f" c.unmet, p.in_school FROM registry_person p"
        " LEFT JOIN (SELECT person_id, disability_category, disability_grade, ROW_NUMBER() OVER (PARTITION BY"
        " person_id ORDER BY disability_grade, valid_from DESC) AS n FROM registry_disabilitycertificate"
        f" WHERE valid_from <= {day} AND (valid_to IS NULL OR valid_to >= {day})) d ON d.person_id = p.id AND d.n = 1"
        f" LEFT JOIN (SELECT s.person_id, {unmet} AS unmet, ROW_NUMBER() OVER (PARTITION BY s.person_id"
        f" ORDER BY s.assessed_on DESC, s.id DESC) AS n FROM registry_selfcareassessment s"
        f" WHERE s.assessed_on <= {day}) c ON c.person_id = p.id AND c.n = 1"
        f" WHERE p.id IN ({members})",
        "incomes": "SELECT i.household_id, i.person_id, i.kind,"
        " CASE WHEN i.period_months = 1 THEN i.amount_fen"
        " ELSE (2 * i.amount_fen + i.period_months) / (2 * i.period_months) END"
        f" FROM registry_incomeitem i WHERE i.household_id {in_scope} AND {_current('i', day)}",
        "assets": "SELECT a.household_id, a.person_id, a.kind, a.value_fen FROM registry_assetitem a"
        f" WHERE a.household_id {in_scope} AND {_current('a', day)}",
        "expenses": "SELECT e.household_id, e.person_id, e.kind, e.amount_fen, e.incurred_on"
        " FROM registry_expenseitem e"
        f" WHERE e.household_id {in_scope} AND e.incurred_on > {year_before} AND e.incurred_on <= {day}",
    }


def registry_relations(scope: Scope, *, on: date, bulk: bool = False) -> dict[str, pa.Table]:
    """Every registry relation for the households in `scope` as of `on`."""
    schemas = registry_schemas(pa.int64())
    return {name: arrow_read(sql, schemas[name], bulk=bulk) for name, sql in _relation_sql(scope, on).items()}


def registry_subjects(scope: Scope, *, on: date, bulk: bool = False) -> pa.Table:
    """(subject_id, region_id, area) of the households in scope with a member on `on`: what parameters need."""
    sql = (
        "SELECT h.id, h.region_id, h.hukou_type FROM registry_household h"
        f" WHERE h.id IN ({scope.households_sql()}) AND EXISTS (SELECT 1 FROM registry_householdmember m"
        f" WHERE m.household_id = h.id AND {_current('m', repr(on.isoformat()))})"
    )
    return arrow_read(sql, SUBJECTS_SCHEMA, bulk=bulk)
