"""Keyset pagination for lists (ARCHITECTURE §9): a page starts after the last row seen, never at an OFFSET.

`keyset_page` runs one query, `WHERE key > <last key> ORDER BY key LIMIT n + 1`, so page 500 costs what page 1 does;
the extra row says whether another page follows; a descending order (`order="-pk"`, newest first) pages with `<`.
The web pages pass the last row's id as `?after=<id>`; the API wraps it in an opaque cursor (`cursor_encode`,
`cursor_decode`) so that clients do not build their own.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from minzheng.core.errors import InvalidInput

CURSOR_PREFIX = "id:"

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[_M]):
    """One page of rows and whether another follows."""

    items: list[_M]
    has_next: bool

    @property
    def next_after(self) -> int | None:
        """The id to pass as `after` for the next page; None on the last page."""
        return int(self.items[-1].pk) if self.has_next else None

    @property
    def next_cursor(self) -> str | None:
        """`next_after` as an opaque API cursor; None on the last page."""
        after = self.next_after
        return None if after is None else cursor_encode(after)


def keyset_page(queryset: QuerySet[_M], *, after: int | None, limit: int, order: str = "pk") -> Page[_M]:
    """The `limit` rows after the row whose id is `after` (from the start when None), ordered by `order`.

    `order` must name a unique field (the primary key by default), with a leading "-" for descending order.
    For another field the page resumes after that field's value on the row `after`, looked up in a subquery of
    the same statement; an id that does not exist gives an empty page.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    rows = queryset.order_by(order)
    if after is not None:
        key = order.removeprefix("-")
        anchor = after if key == "pk" else Subquery(_anchor(queryset, after, key))
        rows = rows.filter(**{f"{key}__{'lt' if order.startswith('-') else 'gt'}": anchor})
    fetched = list(rows[: limit + 1])
    return Page(items=fetched[:limit], has_next=len(fetched) > limit)


def _anchor(queryset: QuerySet[_M], after: int, order: str) -> QuerySet[_M, dict[str, object]]:
    return queryset.model._default_manager.filter(pk=after).values(order)[:1]


def cursor_encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> int | None:
    """The id inside a cursor made by `cursor_encode`; None without a cursor (the first page).

    Anything else is InvalidInput on the field `cursor`, so a client that mangles a cursor starts over.
    """
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(CURSOR_PREFIX):
            value = int(text.removeprefix(CURSOR_PREFIX))
            if value >= 0:
                return value
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput("pagination.cursor", _("分页游标无效，请从第一页重新查询"), field="cursor")
