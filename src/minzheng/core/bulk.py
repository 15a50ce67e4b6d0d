"""Write many rows into one table fast: COPY on PostgreSQL, one executemany elsewhere (the synthetic city and the
synthetic applications load this way; a per-row ORM save is about 300 × slower)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def rows_write(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    quoted_table = connection.ops.quote_name(table)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw: Any = cursor.connection  # the psycopg 3 connection underneath Django's wrapper
            with raw.cursor() as raw_cursor, raw_cursor.copy(f"COPY {quoted_table} ({quoted}) FROM STDIN") as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
            return
        values = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {quoted_table} ({quoted}) VALUES ({values})", list(rows))
