"""Loading a rule's step SQL, and keeping it portable and exact.

Rule SQL must run unchanged on DuckDB and on Spark SQL (ARCHITECTURE §10), so DuckDB-only syntax is refused
when a step is loaded, not when a province-scale Spark job fails. Money is integer fen and decisions compare
totals (REFERENCE §16 row 1: "never divide to decide"), so division and floating-point types are refused too.
Amounts sometimes need an exact, rounded division (1.3 × a standard, a multiple stored as a fraction); a step
writes it as the macro `{{ div_half_up(numerator, denominator) }}`, which `core/engine/dialect.py` expands per
engine. It rounds half up on non-negative integers and is for computing amounts, never for deciding.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from minzheng.core.engine.dialect import macros_expand

# (pattern, why); matched case-insensitively against the step with comments and string literals removed.
FORBIDDEN: tuple[tuple[str, str], ...] = (
    (r"\bQUALIFY\b", "QUALIFY is DuckDB-only: filter a window in an outer SELECT"),
    (r"::", "`::` casts are DuckDB/PostgreSQL-only: use CAST(x AS type)"),
    (r"\*\s*(EXCLUDE|REPLACE)\b", "SELECT * EXCLUDE/REPLACE is DuckDB-only: name the columns"),
    (r"\bCOLUMNS\s*\(", "COLUMNS(...) is DuckDB-only: name the columns"),
    (r"\b(GROUP|ORDER)\s+BY\s+ALL\b", "GROUP/ORDER BY ALL is not in every Spark version: name the columns"),
    (r"\b(ASOF|POSITIONAL)\s+JOIN\b", "ASOF/POSITIONAL JOIN is DuckDB-only"),
    (r"\bUSING\s+SAMPLE\b", "USING SAMPLE is DuckDB-only"),
    (r"\b(STRUCT_PACK|LIST_VALUE|LIST_[A-Z_]+|ARRAY_AGG|UNNEST)\s*\(", "list functions differ: use a dialect macro"),
    (r"/\*", "use -- comments"),
    (r"/", "never divide to decide (REFERENCE §16 row 1): compare totals, e.g. income < standard * members"),
    (r"\b(DOUBLE|FLOAT|REAL)\b|\b\d+\.\d+\b", "money and ratios are integers (fen, per-mille), never floating point"),
    (r";\s*\S", "one SELECT per step"),
)  # fmt: skip
# Scanned left to right so that `--` inside a string and a quote inside a comment are both read correctly.
_COMMENT_OR_STRING = re.compile(r"--[^\n]*|'(?:[^']|'')*'")


def portability_problems(sql: str) -> list[str]:
    """Why `sql` is not an acceptable rule step; empty when it is."""
    code = _COMMENT_OR_STRING.sub(lambda match: "" if match[0].startswith("--") else "''", sql)
    try:
        code = macros_expand(code, dialect="check")
    except ValueError as error:
        return [str(error)]
    problems = [why for pattern, why in FORBIDDEN if re.search(pattern, code, re.IGNORECASE)]
    if not re.match(r"\s*(SELECT|WITH)\b", code, re.IGNORECASE):
        problems.append("a step is one SELECT (or WITH … SELECT)")
    return problems


@cache
def step_sql(app: str, step: str) -> str:
    """The text of one step file in `minzheng.<app>.rules`, checked for portability, without a trailing `;`."""
    sql = resources.files(f"minzheng.{app}.rules").joinpath(step).read_text(encoding="utf-8")
    problems = portability_problems(sql)
    if problems:
        raise ValueError(f"{app}/rules/{step}: " + "; ".join(problems))
    return macros_expand(sql.strip().rstrip(";"), dialect="duckdb")
