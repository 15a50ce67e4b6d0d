"""Read a spreadsheet or CSV file into a header and text rows.

Every cell becomes a stripped string, whatever the source type, so column parsers see the same input from
.xlsx and .csv. Row numbers are the ones a user sees in Excel or WPS (the header row is row 1), so error
reports point to the right line. CSV comes from many offices and tools: UTF-8 with or without BOM and
GBK/GB18030 (what Excel on Chinese Windows writes as "CSV") are all accepted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook

from minzheng.core.errors import InvalidInput

XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
CSV_SUFFIXES = frozenset({".csv"})

# Spreadsheet users keep leading zeros and long digit strings as text by writing ="0101" or '0101.
_EXCEL_TEXT_FORMULA = re.compile(r'^="(.*)"$', re.DOTALL)


@dataclass(frozen=True)
class SourceRow:
    """One non-empty data row: its number as shown in the spreadsheet and its cells as text."""

    number: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[SourceRow, ...]


def read_table(path: Path) -> Table:
    """The first non-empty row is the header; empty rows are skipped but keep their numbers."""
    if not path.is_file():
        raise InvalidInput("import.file_not_found", format_lazy(_("找不到文件：{path}"), path=path))
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES | CSV_SUFFIXES and path.stat().st_size == 0:
        records: Iterable[Sequence[str]] = []
    elif suffix in XLSX_SUFFIXES:
        records = _xlsx_records(path)
    elif suffix in CSV_SUFFIXES:
        records = _csv_records(path)
    else:
        raise InvalidInput(
            "import.unsupported_format",
            format_lazy(_("不支持的文件类型“{suffix}”，请使用 .xlsx 或 .csv 文件"), suffix=path.suffix),
        )
    return _table(records)


def file_sha256(path: Path) -> str:
    """Digest of the file's bytes, recorded in the audit log so a batch can be matched to its file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _table(records: Iterable[Sequence[str]]) -> Table:
    headers: tuple[str, ...] | None = None
    rows: list[SourceRow] = []
    for number, cells in enumerate(records, start=1):
        if not any(cells):
            continue
        if headers is None:
            headers = tuple(cells)
        else:
            rows.append(SourceRow(number, _fit(tuple(cells), len(headers))))
    if headers is None or not rows:
        raise InvalidInput("import.empty", _("文件为空，或只有表头没有数据行"))
    return Table(headers=headers, rows=tuple(rows))


def _fit(cells: tuple[str, ...], width: int) -> tuple[str, ...]:
    """Pad short rows (CSV lines may omit trailing empty cells); cells beyond the header are ignored."""
    return cells[:width] + ("",) * (width - len(cells))


def _xlsx_records(path: Path) -> list[list[str]]:
    """The first worksheet, via calamine (Rust; fast, and does not evaluate formulas or macros)."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            return []
        sheet = workbook.get_sheet_by_index(0)
        return [[_cell_text(value) for value in row] for row in sheet.to_python(skip_empty_area=False)]
    except (CalamineError, ValueError, OSError) as error:
        raise InvalidInput(
            "import.corrupt_file",
            _("文件已损坏或不是有效的 Excel 文件，无法读取"),
            extra={"detail": str(error)},
        ) from None


def _cell_text(value: object) -> str:
    """Excel stores digit strings typed without a text format as floats: 500103001001.0 → "500103001001"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _csv_records(path: Path) -> list[list[str]]:
    text = decode_csv_bytes(path.read_bytes())
    return [[_csv_cell(cell) for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) when the bytes are strictly valid UTF-8, else GB18030 (a superset of GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise InvalidInput("import.encoding", _("无法识别文件编码，请将 CSV 文件保存为 UTF-8 或 GBK 编码")) from None


def _csv_cell(raw: str) -> str:
    cell = raw.strip()
    match = _EXCEL_TEXT_FORMULA.match(cell)
    if match:
        return match.group(1).strip()
    if cell.startswith("'"):  # Excel's text marker, also written by our own error reports (report.py)
        return cell[1:].strip()
    return cell
