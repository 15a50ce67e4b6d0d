"""The error report: each rejected row with its original cells and the reasons, as .xlsx or .csv.

The report keeps the source headers, adding 行号 in front and 错误原因 at the end (columns every importer
ignores), so a user can correct the report itself and import it again. Cells are always written as text:
a value such as "=HYPERLINK(…)" from an uploaded file must not become a live formula on a colleague's PC.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from minzheng.core.errors import InvalidInput

ERROR_FILE_SUFFIXES = frozenset({".xlsx", ".csv"})
# OWASP "CSV injection": spreadsheet programs treat these leading characters as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RejectedRow:
    number: int
    cells: tuple[str, ...]
    reasons: tuple[str, ...]


def error_file_check(path: Path | None) -> None:
    """Fail before any work is done when the requested report cannot be written in its format."""
    if path is not None and path.suffix.lower() not in ERROR_FILE_SUFFIXES:
        raise InvalidInput("import.error_file_format", _("错误报告文件须为 .xlsx 或 .csv"), field="error_file")


def write_error_file(path: Path, *, headers: Sequence[str], rows: Sequence[RejectedRow]) -> Path:
    """Write the report; the suffix (.xlsx or .csv) chooses the format. Raises ValueError for others."""
    suffix = path.suffix.lower()
    if suffix not in ERROR_FILE_SUFFIXES:
        raise ValueError(f"error file must end in .xlsx or .csv, not {path.suffix!r}")
    table = [
        [_("行号"), *headers, _("错误原因")],
        *([str(row.number), *row.cells, "；".join(row.reasons)] for row in rows),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        _write_xlsx(path, table)
    else:
        _write_csv(path, table)
    return path


def _write_xlsx(path: Path, table: list[list[str]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误行"))
    for values in table:
        sheet.append([_text_cell(sheet, value) for value in values])
    workbook.save(path)


def _text_cell(sheet: object, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    return cell


def _write_csv(path: Path, table: list[list[str]]) -> None:
    """UTF-8 with BOM, which Excel on Chinese Windows opens correctly; formula-like cells get a leading '."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for values in table:
            writer.writerow([f"'{value}" if value.startswith(_FORMULA_START) else value for value in values])
