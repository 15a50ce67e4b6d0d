"""`minzheng import-regions`: a real township/village list from CSV, validated whole before anything is written."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.errors import FieldError, InvalidInput
from minzheng.core.regions.models import Region, RegionChange, RegionChangeKind, RegionLevel, UrbanRuralClass
from minzheng.core.regions.services import BULK_BATCH, region_paths_rebuild, region_reform_apply

COLUMN_CODE, COLUMN_NAME, COLUMN_PARENT, COLUMN_CLASS, COLUMN_VALID_FROM = (
    "区划代码",
    "名称",
    "上级代码",
    "城乡分类代码",
    "生效日期",
)
REQUIRED_COLUMNS = (COLUMN_CODE, COLUMN_NAME, COLUMN_PARENT)
LEVEL_BY_LENGTH = {9: RegionLevel.TOWNSHIP, 12: RegionLevel.VILLAGE}
PARENT_LEVEL = {RegionLevel.TOWNSHIP: RegionLevel.DISTRICT, RegionLevel.VILLAGE: RegionLevel.TOWNSHIP}
# Real lists rarely carry dates; a row without 生效日期 is taken as valid since this day.
IMPORT_DEFAULT_VALID_FROM = date(2000, 1, 1)
NAME_MAX = 64
Record = tuple[int, dict[str, str]]  # (row number in the file, header 1 = row 1; values by column)


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    created: int
    updated: int
    unchanged: int
    renamed: int


@dataclass(frozen=True)
class ImportRow:
    number: int
    code: str
    name: str
    parent_code: str
    urban_rural_class: str
    valid_from: date | None

    @property
    def level(self) -> RegionLevel:
        return LEVEL_BY_LENGTH[len(self.code)]


def regions_import_csv(*, path: Path) -> ImportSummary:
    """Import a township/village list; every row is checked first and one bad row rejects the file.

    Rows are upserted by code (synthetic rows with the same code become real ones), then the reform is
    re-applied (a pre-reform list puts 江北 townships under 500105; they move to 两江新区) and paths rebuilt.
    """
    rows = _import_validate(_csv_records(path))
    with transaction.atomic():
        summary = _import_write(rows, source=f"导入：{path.name}"[:255])
        region_reform_apply()
        region_paths_rebuild()
    return summary


def _invalid(errors: list[FieldError]) -> InvalidInput:
    message = _("导入文件有 %(count)d 处错误，未写入任何数据") % {"count": len(errors)}
    return InvalidInput("region_import.invalid", message, extra={"errors": errors})


def _decode(raw: bytes) -> str:
    """UTF-8 with or without BOM, else GB18030 (a superset of GBK, as Excel saves Chinese CSV)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("region_import.encoding", _("无法识别文件编码，请使用 UTF-8 或 GBK 编码"))


def _csv_records(path: Path) -> list[Record]:
    reader = csv.reader(io.StringIO(_decode(path.read_bytes())))
    header = [column.strip() for column in next(reader, [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise _invalid(
            [
                FieldError(f"row 1.{c}", "region_import.column_missing", _("缺少必填列：%(column)s") % {"column": c})
                for c in missing
            ]
        )
    records = [
        (reader.line_num, {column: value.strip() for column, value in zip(header, values, strict=False)})
        for values in reader
        if any(value.strip() for value in values)
    ]
    if not records:
        raise InvalidInput("region_import.empty", _("文件中没有数据行"))
    return records


def _import_validate(records: list[Record]) -> list[ImportRow]:
    file_codes = {record[COLUMN_CODE] for _number, record in records}
    known = _existing_levels({record[COLUMN_PARENT] for _number, record in records})
    seen: set[str] = set()
    errors: list[FieldError] = []
    for number, record in records:
        errors += _row_errors(number, record, seen=seen, file_codes=file_codes, known=known)
        seen.add(record[COLUMN_CODE])
    if errors:
        raise _invalid(errors)
    return [_import_row(number, record) for number, record in records]


def _existing_levels(codes: set[str]) -> dict[str, set[str]]:
    levels: dict[str, set[str]] = {}
    for code, level in Region.objects.filter(code__in=codes).values_list("code", "level"):
        levels.setdefault(code, set()).add(level)
    return levels


def _row_errors(
    number: int, record: dict[str, str], *, seen: set[str], file_codes: set[str], known: dict[str, set[str]]
) -> list[FieldError]:
    def error(column: str, code: str, message: str) -> FieldError:
        return FieldError(f"row {number}.{column}", f"region_import.{code}", message)

    code, name, parent = record[COLUMN_CODE], record[COLUMN_NAME], record[COLUMN_PARENT]
    errors = _value_errors(record, error)
    if not name:
        errors.append(error(COLUMN_NAME, "name_required", _("名称不能为空")))
    elif len(name) > NAME_MAX:
        errors.append(error(COLUMN_NAME, "name_too_long", _("名称不能超过%(max)d个字") % {"max": NAME_MAX}))
    if not (code.isdigit() and len(code) in LEVEL_BY_LENGTH):
        return [
            error(COLUMN_CODE, "code_format", _("区划代码须为9位（乡镇）或12位（村、社区）数字")),
            *errors,
        ]
    if code in seen:
        errors.append(error(COLUMN_CODE, "code_duplicate", _("区划代码在文件中重复：%(code)s") % {"code": code}))
    if not parent:
        errors.append(error(COLUMN_PARENT, "parent_required", _("上级代码不能为空")))
    elif code[:-3] != parent:
        message = _("区划代码 %(code)s 须以上级代码 %(parent)s 开头") % {"code": code, "parent": parent}
        errors.append(error(COLUMN_CODE, "parent_prefix", message))
    elif parent not in file_codes and PARENT_LEVEL[LEVEL_BY_LENGTH[len(code)]] not in known.get(parent, set()):
        errors.append(error(COLUMN_PARENT, "parent_unknown", _("上级区划不存在：%(code)s") % {"code": parent}))
    return errors


def _value_errors(record: dict[str, str], error: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    urban_rural_class = record.get(COLUMN_CLASS, "")
    if urban_rural_class and urban_rural_class not in UrbanRuralClass.values:
        allowed = "、".join(UrbanRuralClass.values)
        message = _("城乡分类代码须为以下之一：%(allowed)s") % {"allowed": allowed}
        errors.append(error(COLUMN_CLASS, "urban_rural_class", message))
    if record.get(COLUMN_VALID_FROM) and _parse_date(record[COLUMN_VALID_FROM]) is None:
        errors.append(error(COLUMN_VALID_FROM, "valid_from_format", _("生效日期格式须为 YYYY-MM-DD")))
    return errors


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return None


def _import_row(number: int, record: dict[str, str]) -> ImportRow:
    return ImportRow(
        number=number,
        code=record[COLUMN_CODE],
        name=record[COLUMN_NAME],
        parent_code=record[COLUMN_PARENT],
        urban_rural_class=record.get(COLUMN_CLASS, ""),
        valid_from=_parse_date(record.get(COLUMN_VALID_FROM, "")),
    )


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
