"""Rows that belong together (a household's members) are accepted or rejected together.

Importing part of a household would leave a family assessed without some of its members, so a group with one
bad row is rejected whole; its sound rows go to the error report saying why, so the user can fix and re-import
the group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.core.imports.columns import ParsedRow, RowIssue
from minzheng.core.imports.report import RejectedRow


def group_rows(rows: Sequence[ParsedRow], field: str) -> dict[str, list[ParsedRow]]:
    """Rows by the parsed value of `field`, in file order; rows without a value belong to no group."""
    groups: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        if field in row.values:
            groups[row.values[field]].append(row)
    return dict(groups)


def clean_groups(groups: dict[str, list[ParsedRow]], issues: Sequence[RowIssue]) -> dict[str, list[ParsedRow]]:
    """The groups none of whose rows has an issue."""
    bad = {issue.row for issue in issues}
    return {key: rows for key, rows in groups.items() if not any(row.number in bad for row in rows)}


def rejected_rows(
    rows: Sequence[ParsedRow],
    issues: Sequence[RowIssue],
    *,
    groups: dict[str, list[ParsedRow]] | None = None,
    group_reason: Callable[[str], str | Promise] | None = None,
) -> list[RejectedRow]:
    """Each row with its reasons ("列 X：原因"); given `groups`, also the sound rows of a rejected group."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for issue in issues:
        reasons[issue.row].append(str(format_lazy(_("列 {column}：{message}"), column=issue.column,
                                                  message=issue.message)))  # fmt: skip
    clean = clean_groups(groups or {}, issues)
    for key, members in (groups or {}).items():
        if key not in clean and group_reason is not None:
            for row in members:
                reasons.setdefault(row.number, [str(group_reason(key))])
    return [RejectedRow(row.number, row.cells, tuple(reasons[row.number])) for row in rows if row.number in reasons]
