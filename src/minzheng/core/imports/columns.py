"""Declarative column specs and per-row parsing, with every failure kept as (row, column, code, reason).

An importer lists its `Column`s; the file's Chinese headers are matched to them (ignoring spaces, full-width
forms and a trailing * that templates use to mark required columns), then each cell is parsed. All failures of
all rows are collected rather than stopping at the first, because users fix a file in one pass.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.core.errors import FieldError, InvalidInput
from minzheng.core.imports.readers import Table

Parser = Callable[[str], Any]
# A console shows this many issues; the rest are counted (the error file holds them all).
ISSUES_SHOWN = 200


def _as_text(value: str) -> str:
    return value


@dataclass(frozen=True)
class Column:
    """A column: its Chinese `header` (plus accepted `aliases`), the `field` it fills and how to parse a cell.

    `parser` receives the stripped, non-empty cell text and returns the value or raises `InvalidInput`.
    A `required` column must be present in the header and non-empty in every row.
    """

    header: str
    field: str
    parser: Parser = _as_text
    required: bool = True
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowIssue:
    """One reason a row is rejected; `column` is the header as the user knows it."""

    row: int
    column: str
    code: str
    message: str | Promise

    def text(self) -> str:
        return str(
            format_lazy(_("行 {row}，列 {column}：{message}"), row=self.row, column=self.column, message=self.message)
        )

    def as_field_error(self) -> FieldError:
        return FieldError(path=f"rows[{self.row}].{self.column}", code=self.code, message=self.message)


@dataclass
class ParsedRow:
    """A data row: the source cells (for the error report) and the parsed values of its non-empty cells."""

    number: int
    cells: tuple[str, ...]
    values: dict[str, Any] = field(default_factory=dict)


def normalize_header(raw: str) -> str:
    return "".join(unicodedata.normalize("NFKC", raw).split()).rstrip("*")


def map_columns(headers: Sequence[str], columns: Iterable[Column]) -> dict[str, int]:
    """{field: position}; a required column that is missing raises `import.missing_column` naming it."""
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        positions.setdefault(normalize_header(header), index)
    found: dict[str, int] = {}
    for column in columns:
        names = [normalize_header(name) for name in (column.header, *column.aliases)]
        position = next((positions[name] for name in names if name in positions), None)
        if position is not None:
            found[column.field] = position
        elif column.required:
            raise InvalidInput(
                "import.missing_column",
                format_lazy(_("缺少必填列“{header}”"), header=column.header),
                field=column.header,
            )
    return found


def parse_rows(table: Table, columns: Sequence[Column]) -> tuple[list[ParsedRow], list[RowIssue]]:
    """Parse every row; empty optional cells are left out of `values`, so callers can tell "not given"."""
    positions = map_columns(table.headers, columns)
    rows: list[ParsedRow] = []
    issues: list[RowIssue] = []
    for source in table.rows:
        row = ParsedRow(number=source.number, cells=source.cells)
        for column in columns:
            issue = _parse_cell(row, column, positions)
            if issue is not None:
                issues.append(issue)
        rows.append(row)
    return rows, issues


def _parse_cell(row: ParsedRow, column: Column, positions: dict[str, int]) -> RowIssue | None:
    index = positions.get(column.field)
    text = row.cells[index] if index is not None else ""
    if not text:
        if column.required:
            return RowIssue(row.number, column.header, "import.required", _("不能为空"))
        return None
    try:
        row.values[column.field] = column.parser(text)
    except InvalidInput as error:
        return RowIssue(row.number, column.header, error.code, error.message)
    return None


def invalid_rows_error(issues: Sequence[RowIssue], *, error_file: str | None = None) -> InvalidInput:
    """The all-or-nothing failure: every issue as a FieldError (`rows[N].列名`) plus the issues themselves."""
    rows = len({issue.row for issue in issues})
    return InvalidInput(
        "import.invalid_rows",
        format_lazy(_("共 {rows} 行未通过校验，未写入任何数据"), rows=rows),
        extra={
            "errors": [issue.as_field_error() for issue in issues],
            "issues": list(issues),
            "error_file": error_file,
        },
    )


def issue_lines(issues: Sequence[RowIssue], *, limit: int = ISSUES_SHOWN) -> list[str]:
    """The issues as "行 N，列 X：原因" for a command's output, at most `limit` and then how many more."""
    lines = [issue.text() for issue in issues[:limit]]
    if len(issues) > limit:
        lines.append(_("……另有 %(count)d 条错误未显示") % {"count": len(issues) - limit})
    return lines
