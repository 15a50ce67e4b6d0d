"""`minzheng import-regions`: a real township/village list (.xlsx or .csv), validated whole before anything is written.

The shared import kit (`core.imports`) reads the file, maps its columns and parses each cell; this module adds
the checks that span rows or need the database (a code once per file, under its parent, whose region exists)
and the write: an upsert by code that records real renames, then the reform re-applied and paths rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.core.imports import (
    Column,
    ParsedRow,
    RowIssue,
    Table,
    error_file_check,
    invalid_rows_error,
    parse_rows,
    parsers,
    read_table,
    write_error_file,
)
from minzheng.core.imports.groups import rejected_rows
from minzheng.core.regions.models import Region, RegionChange, RegionChangeKind, RegionLevel, UrbanRuralClass
from minzheng.core.regions.services import BULK_BATCH, region_paths_rebuild, region_reform_apply

LEVEL_BY_LENGTH = {9: RegionLevel.TOWNSHIP, 12: RegionLevel.VILLAGE}
PARENT_LEVEL = {RegionLevel.TOWNSHIP: RegionLevel.DISTRICT, RegionLevel.VILLAGE: RegionLevel.TOWNSHIP}
# Real lists rarely carry dates; a row without 生效日期 is taken as valid since this day.
IMPORT_DEFAULT_VALID_FROM = date(2000, 1, 1)
NAME_MAX = 64
_URBAN_RURAL_CLASS = parsers.choice(
    {value: value for value in UrbanRuralClass.values},
    "region_import.urban_rural_class",
    format_lazy(_("城乡分类代码须为以下之一：{allowed}"), allowed="、".join(UrbanRuralClass.values)),
)
REGION_COLUMNS: tuple[Column, ...] = (
    Column("区划代码", "code", parsers.digits(*LEVEL_BY_LENGTH)),
    Column("名称", "name", parsers.text(NAME_MAX)),
    Column("上级代码", "parent_code", parsers.digits(6, 9)),  # a district (6) or a township (9)
    Column("城乡分类代码", "urban_rural_class", _URBAN_RURAL_CLASS, required=False),
    Column("生效日期", "valid_from", parsers.calendar_date, required=False),
)
HEADERS = {column.field: column.header for column in REGION_COLUMNS}


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    created: int
    updated: int
    unchanged: int
    renamed: int


@dataclass(frozen=True)
class ImportRow:
    """A valid row; its fields are the `REGION_COLUMNS` fields, optional ones defaulted when left empty."""

    number: int
    code: str
    name: str
    parent_code: str
    urban_rural_class: str = ""
    valid_from: date | None = None

    @property
    def level(self) -> RegionLevel:
        return LEVEL_BY_LENGTH[len(self.code)]


def regions_import(*, path: Path, error_file: Path | None = None) -> ImportSummary:
    """Import a township/village list; every row is checked first and one bad row rejects the file.

    The failure lists every issue (row, column, reason), and `error_file` (.xlsx or .csv), if given, receives
    the rejected rows with their reasons. Rows are upserted by code (synthetic rows with the same code become
    real ones), then the reform is re-applied (a pre-reform list puts 江北 townships under 500105; they move
    to 两江新区) and paths rebuilt.
    """
    error_file_check(error_file)
    table = read_table(path)
    rows, issues = parse_rows(table, REGION_COLUMNS)
    issues = sorted([*issues, *_file_issues(rows)], key=lambda issue: issue.row)
    if issues:
        raise invalid_rows_error(issues, error_file=_report(error_file, table, rows, issues))
    valid = [ImportRow(row.number, **row.values) for row in rows]
    with transaction.atomic():
        summary = _import_write(valid, source=f"导入：{path.name}"[:255])
        region_reform_apply()
        region_paths_rebuild()
    return summary


def _report(path: Path | None, table: Table, rows: Sequence[ParsedRow], issues: Sequence[RowIssue]) -> str | None:
    """The error file, when one was asked for: each failing row with its cells and reasons."""
    if path is None:
        return None
    return str(write_error_file(path, headers=table.headers, rows=rejected_rows(rows, issues)))


def _issue(row: ParsedRow, field: str, code: str, message: str | Promise) -> RowIssue:
    return RowIssue(row.number, HEADERS[field], f"region_import.{code}", message)


def _file_issues(rows: Sequence[ParsedRow]) -> list[RowIssue]:
    """A code appears once in the file; rows whose code or parent did not parse are already reported."""
    first: dict[str, int] = {}
    issues: list[RowIssue] = []
    for row in rows:
        if "code" not in row.values:
            continue
        number = first.setdefault(row.values["code"], row.number)
        if number != row.number:
            message = format_lazy(_("区划代码与第 {row} 行重复"), row=number)
            issues.append(_issue(row, "code", "code_duplicate", message))
    parented = [row for row in rows if {"code", "parent_code"} <= row.values.keys()]
    return issues + _parent_issues(parented, file_codes=set(first))


def _parent_issues(rows: Sequence[ParsedRow], *, file_codes: set[str]) -> list[RowIssue]:
    """Each code extends its parent's, and the parent is in the file or is a region of the level above."""
    known = _existing_levels({row.values["parent_code"] for row in rows})
    issues: list[RowIssue] = []
    for row in rows:
        code, parent = row.values["code"], row.values["parent_code"]
        if code[:-3] != parent:
            message = _("区划代码 %(code)s 须以上级代码 %(parent)s 开头") % {"code": code, "parent": parent}
            issues.append(_issue(row, "code", "parent_prefix", message))
        elif parent not in file_codes and PARENT_LEVEL[LEVEL_BY_LENGTH[len(code)]] not in known.get(parent, set()):
            message = _("上级区划不存在：%(code)s") % {"code": parent}
            issues.append(_issue(row, "parent_code", "parent_unknown", message))
    return issues


def _existing_levels(codes: set[str]) -> dict[str, set[str]]:
    levels: dict[str, set[str]] = {}
    for code, level in Region.objects.filter(code__in=codes).values_list("code", "level"):
        levels.setdefault(code, set()).add(level)
    return levels


def _import_write(rows: list[ImportRow], *, source: str) -> ImportSummary:
    totals = {"created": 0, "updated": 0, "renamed": 0}
    for level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        level_rows = [row for row in rows if row.level == level]
        for key, value in _import_level(level_rows, source=source).items():
            totals[key] += value
    unchanged = len(rows) - totals["created"] - totals["updated"]
    return ImportSummary(rows=len(rows), unchanged=unchanged, **totals)


def _latest_by_code(codes: set[str]) -> dict[str, Region]:
    """The newest row of each code (a closed code that was reopened resolves to its current row)."""
    return {region.code: region for region in Region.objects.filter(code__in=codes).order_by("valid_from")}


def _import_level(rows: list[ImportRow], *, source: str) -> dict[str, int]:
    parents = {code: region.pk for code, region in _latest_by_code({r.parent_code for r in rows}).items()}
    existing = _latest_by_code({row.code for row in rows})
    moved = dict(
        RegionChange.objects.filter(
            kind=RegionChangeKind.TRANSFER, region_id__in=[r.pk for r in existing.values()]
        ).values_list("region_id", "from_region_id")
    )
    new: list[Region] = []
    changed: list[Region] = []
    renames: list[RegionChange] = []
    for row in rows:
        region = existing.get(row.code)
        if region is None:
            new.append(_imported_region(row, parent_id=parents[row.parent_code], source=source))
            continue
        # A list that predates a recorded transfer names the old parent: keep the current one.
        parent_id: int | None = parents[row.parent_code]
        parent_id = region.parent_id if moved.get(region.pk) == parent_id else parent_id
        rename = _rename(region, row, source=source)
        if _region_update(region, row, parent_id=parent_id, source=source):
            changed.append(region)
            renames += [rename] if rename else []
    Region.objects.bulk_create(new, batch_size=BULK_BATCH)
    fields = ["name", "parent", "urban_rural_class", "valid_from", "synthetic", "confirmed", "source"]
    Region.objects.bulk_update(changed, fields, batch_size=BULK_BATCH)
    RegionChange.objects.bulk_create(renames, ignore_conflicts=True)
    return {"created": len(new), "updated": len(changed), "renamed": len(renames)}


def _imported_region(row: ImportRow, *, parent_id: int, source: str) -> Region:
    return Region(
        code=row.code,
        name=row.name,
        level=row.level,
        parent_id=parent_id,
        urban_rural_class=row.urban_rural_class,
        valid_from=row.valid_from or IMPORT_DEFAULT_VALID_FROM,
        synthetic=False,
        confirmed=True,
        source=source,
    )


def _rename(region: Region, row: ImportRow, *, source: str) -> RegionChange | None:
    """A real name change is history; replacing a synthetic name is not."""
    if region.synthetic or region.name == row.name:
        return None
    return RegionChange(
        region=region,
        kind=RegionChangeKind.RENAME,
        on=row.valid_from or timezone.localdate(),
        old_name=region.name,
        new_name=row.name,
        source=source,
    )


def _region_update(region: Region, row: ImportRow, *, parent_id: int | None, source: str) -> bool:
    """Apply the row to `region` in memory; True when anything but the source note changed."""
    wanted = {
        "name": row.name,
        "parent_id": parent_id,
        "urban_rural_class": row.urban_rural_class,
        "valid_from": row.valid_from or region.valid_from,
        "synthetic": False,
        "confirmed": True,
    }
    if all(getattr(region, field) == value for field, value in wanted.items()):
        return False
    for field, value in {**wanted, "source": source}.items():
        setattr(region, field, value)
    return True
