"""Keyset pagination: pages by id or by another unique key, one query a page, opaque API cursors."""

from __future__ import annotations

from datetime import date

import pytest
from pytest_django import DjangoAssertNumQueries

from minzheng.core.errors import InvalidInput
from minzheng.core.pagination import Page, cursor_decode, cursor_encode, keyset_page
from minzheng.core.regions.models import Region, RegionLevel


@pytest.fixture
def regions(db: None) -> list[Region]:
    """Five regions whose codes run opposite to their ids."""
    return [
        Region.objects.create(
            code=f"50010{9 - n}", name=f"区{n}", level=RegionLevel.DISTRICT, valid_from=date(2000, 1, 1)
        )
        for n in range(5)
    ]


def _walk(regions: list[Region], limit: int, order: str = "pk") -> list[list[Region]]:
    pages: list[list[Region]] = []
    after: int | None = None
    while True:
        page = keyset_page(Region.objects.all(), after=after, limit=limit, order=order)
        pages.append(page.items)
        if page.next_after is None:
            return pages
        after = page.next_after


def test_pages_by_id_visit_every_row_once(regions: list[Region]) -> None:
    assert _walk(regions, limit=2) == [regions[0:2], regions[2:4], regions[4:5]]
    assert _walk(regions, limit=5) == [regions]


def test_pages_by_another_unique_key_resume_after_the_last_rows_value(regions: list[Region]) -> None:
    by_code = sorted(regions, key=lambda region: region.code)
    assert _walk(regions, limit=2, order="code") == [by_code[0:2], by_code[2:4], by_code[4:5]]


def test_descending_pages_resume_before_the_last_rows_key(regions: list[Region]) -> None:
    newest_first = regions[::-1]
    assert _walk(regions, limit=2, order="-pk") == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    by_code_desc = sorted(regions, key=lambda region: region.code, reverse=True)
    assert _walk(regions, limit=2, order="-code") == [by_code_desc[0:2], by_code_desc[2:4], by_code_desc[4:5]]
    assert keyset_page(Region.objects.all(), after=regions[0].pk, limit=2, order="-pk").items == []


def test_the_last_page_has_no_next(regions: list[Region]) -> None:
    page = keyset_page(Region.objects.all(), after=regions[2].pk, limit=10)
    assert (page.items, page.has_next, page.next_after, page.next_cursor) == (regions[3:], False, None, None)
    assert keyset_page(Region.objects.none(), after=None, limit=10) == Page(items=[], has_next=False)


def test_an_unknown_anchor_gives_an_empty_page(regions: list[Region]) -> None:
    assert keyset_page(Region.objects.all(), after=987654, limit=2, order="code").items == []


def test_a_page_is_one_query_whatever_the_offset(
    regions: list[Region], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        keyset_page(Region.objects.all(), after=regions[3].pk, limit=1, order="code")
    with django_assert_num_queries(1):
        keyset_page(Region.objects.all(), after=regions[3].pk, limit=1)
    with django_assert_num_queries(1):
        keyset_page(Region.objects.all(), after=regions[3].pk, limit=1, order="-code")


def test_limit_must_be_positive(regions: list[Region]) -> None:
    with pytest.raises(ValueError, match="limit"):
        keyset_page(Region.objects.all(), after=None, limit=0)


def test_next_cursor_encodes_the_next_after(regions: list[Region]) -> None:
    page = keyset_page(Region.objects.all(), after=None, limit=2)
    assert page.next_after == regions[1].pk
    assert page.next_cursor is not None
    assert cursor_decode(page.next_cursor) == regions[1].pk


@pytest.mark.parametrize("last_id", [0, 1, 42, 10**12])
def test_cursor_round_trip_is_opaque(last_id: int) -> None:
    cursor = cursor_encode(last_id)
    assert str(last_id) not in cursor
    assert "=" not in cursor
    assert cursor_decode(cursor) == last_id


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_is_the_first_page(cursor: str | None) -> None:
    assert cursor_decode(cursor) is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "aWQ6LTE", "eDox", "aWQ6eA", "%%%", "aWQ6"])
def test_bad_cursor_is_invalid_input_on_the_cursor_field(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cursor_decode(cursor)
    assert (caught.value.code, caught.value.field) == ("pagination.cursor", "cursor")
