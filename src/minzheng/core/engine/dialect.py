"""Engine-specific SQL behind portable macros (ARCHITECTURE §10): `{{ name(arg, …) }}` in a step file.

Rule SQL is otherwise the common subset of DuckDB and Spark SQL. The one construct that differs and that rules
need is integer division, used to compute an amount (never to decide, REFERENCE §16 row 1):
`{{ div_half_up(a, b) }}` is a / b rounded half up, for a ≥ 0 and b > 0, exact in integers on every engine.
The "check" dialect expands to a division-free placeholder so the portability checker can read the rest.
"""

from __future__ import annotations

import re

_OPEN = re.compile(r"\{\{\s*([a-z_]+)\s*\(")


def _div_half_up(dialect: str, numerator: str, denominator: str) -> str:
    a, b = f"({numerator})", f"({denominator})"
    if dialect == "check":
        return f"div_half_up({a}, {b})"
    operator = {"duckdb": "//", "spark": "div"}[dialect]
    return f"CAST((2 * {a} + {b}) {operator} (2 * {b}) AS BIGINT)"


MACROS = {"div_half_up": (_div_half_up, 2)}


def macros_expand(sql: str, *, dialect: str) -> str:
    """`sql` with every `{{ macro(args) }}` replaced by its expansion for `dialect` (duckdb, spark or check)."""
    out, position = [], 0
    while (match := _OPEN.search(sql, position)) is not None:
        name = match[1]
        if name not in MACROS:
            raise ValueError(f"unknown macro {name!r}")
        arguments, end = _arguments(sql, match.end())
        closing = re.compile(r"\s*\}\}").match(sql, end)
        expand, arity = MACROS[name]
        if closing is None or len(arguments) != arity:
            raise ValueError(f"macro {name} takes {arity} arguments and ends with }}}}")
        out += [sql[position : match.start()], expand(dialect, *arguments)]
        position = closing.end()
    return "".join(out) + sql[position:]


def _arguments(sql: str, start: int) -> tuple[list[str], int]:
    """The top-level comma-separated arguments from `start` (just after the opening parenthesis) to its match."""
    depth, arguments, current = 0, [], start
    for index in range(start, len(sql)):
        char = sql[index]
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif char == ")":
            arguments.append(sql[current:index].strip())
            return arguments, index + 1
        elif char == "," and not depth:
            arguments.append(sql[current:index].strip())
            current = index + 1
    raise ValueError("macro arguments are not closed")
