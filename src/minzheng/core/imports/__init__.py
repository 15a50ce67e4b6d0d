"""Validate-all-then-write imports (ARCHITECTURE §7 Imports): readers, column specs, parsers, error reports.

An importer (e.g. `registry.imports`) declares its `Column`s, reads the file with `read_table`, collects every
`RowIssue` of every row, and writes nothing unless it decides to; `write_error_file` reports rejected rows.
"""

from minzheng.core.imports.columns import (
    Column,
    ParsedRow,
    RowIssue,
    invalid_rows_error,
    issue_lines,
    map_columns,
    parse_rows,
)
from minzheng.core.imports.readers import SourceRow, Table, file_sha256, read_table
from minzheng.core.imports.report import ERROR_FILE_SUFFIXES, RejectedRow, error_file_check, write_error_file

__all__ = [
    "ERROR_FILE_SUFFIXES",
    "Column",
    "ParsedRow",
    "RejectedRow",
    "RowIssue",
    "SourceRow",
    "Table",
    "error_file_check",
    "file_sha256",
    "invalid_rows_error",
    "issue_lines",
    "map_columns",
    "parse_rows",
    "read_table",
    "write_error_file",
]
