"""Money as integer fen: parsing, formatting and exact Decimal conversion."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from minzheng.core.errors import InvalidInput
from minzheng.core.money import MAX_FEN, fen_to_yuan, format_yuan, parse_yuan, yuan_to_fen

# InvalidInput str()s its lazy message, which needs settings; pytest-django provides them when installed.
if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=False)

fens = st.integers(min_value=-MAX_FEN, max_value=MAX_FEN)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1234.5", 123450),
        ("1234.50", 123450),
        ("1,234.50", 123450),
        ("1,234,567.89", 123456789),
        ("￥1234", 123400),
        ("¥1,234.50", 123450),
        ("１２３４．５０", 123450),
        ("１，２３４．５０", 123450),
        ("  12.30  ", 1230),
        ("\u300012\u3000", 1200),
        ("-12.3", -1230),
        ("－12.3", -1230),
        ("-¥1,234.50", -123450),
        ("¥-5", -500),
        ("+7", 700),
        ("12元", 1200),
        ("0", 0),
        ("0.01", 1),
        ("-0.00", 0),
        ("007.10", 710),
    ],
)
def test_parse_yuan_text(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        (12, 1200),
        (-3, -300),
        (Decimal("1.5"), 150),
        (Decimal("1.500"), 150),
        (Decimal("-0.01"), -1),
        (Decimal("1E+3"), 100000),
        (Decimal("0E+999999999"), 0),
        (Decimal("0E-999999999"), 0),
    ],
)
def test_parse_yuan_int_and_decimal(value: int | Decimal, fen: int) -> None:
    assert parse_yuan(value) == fen


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "1.2.3",
        "12,34",
        "1,2345",
        "1,234,56",
        ",123",
        "--1",
        "-¥-1",
        ".5",
        "12.",
        "1e3",
        "NaN",
        "Infinity",
        "$12",
        "1 234",
        "12 元",
        "¥",
        "٣",
    ],
)
def test_parse_yuan_format(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_yuan(text, field="amount")
    assert (info.value.code, info.value.field) == ("money.format", "amount")


@pytest.mark.parametrize("value", ["1.234", "0.001", "1,234.500", Decimal("1.005"), Decimal("1E-1000")])
def test_parse_yuan_precision(value: str | Decimal) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_yuan(value)
    assert info.value.code == "money.precision"
    assert info.value.field is None


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN")])
def test_yuan_to_fen_non_finite(value: Decimal) -> None:
    with pytest.raises(InvalidInput) as info:
        yuan_to_fen(value)
    assert info.value.code == "money.format"


@pytest.mark.parametrize(
    "value",
    ["100000000000000000", "-92233720368547758.08", Decimal("1E+17"), Decimal("9E+999999999"), 10**17],
)
def test_parse_yuan_range(value: str | int | Decimal) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_yuan(value)
    assert info.value.code == "money.range"


def test_parse_yuan_accepts_the_largest_fen() -> None:
    assert parse_yuan("92,233,720,368,547,758.07") == MAX_FEN


@pytest.mark.parametrize("value", [1.5, 0.0, True])
def test_float_is_never_money(value: Any) -> None:
    with pytest.raises(TypeError, match="never float"):
        parse_yuan(value)
    with pytest.raises(TypeError, match="never float"):
        yuan_to_fen(value)
    with pytest.raises(TypeError, match="never float"):
        fen_to_yuan(value)
    with pytest.raises(TypeError, match="never float"):
        format_yuan(value)


@pytest.mark.parametrize("value", [None, b"12", [12]])
def test_other_types_are_rejected(value: Any) -> None:
    with pytest.raises(TypeError, match="accepts"):
        parse_yuan(value)


@pytest.mark.parametrize(
    ("fen", "plain", "with_symbol"),
    [
        (0, "0.00", "¥0.00"),
        (5, "0.05", "¥0.05"),
        (-5, "-0.05", "-¥0.05"),
        (123450, "1,234.50", "¥1,234.50"),
        (-123450, "-1,234.50", "-¥1,234.50"),
        (100_000_000, "1,000,000.00", "¥1,000,000.00"),
    ],
)
def test_format_yuan(fen: int, plain: str, with_symbol: str) -> None:
    assert format_yuan(fen) == plain
    assert format_yuan(fen, symbol=True) == with_symbol


@pytest.mark.parametrize(("fen", "yuan"), [(0, "0.00"), (1, "0.01"), (-5, "-0.05"), (123456, "1234.56")])
def test_fen_to_yuan(fen: int, yuan: str) -> None:
    assert str(fen_to_yuan(fen)) == yuan


@given(fens)
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen
    assert parse_yuan(format_yuan(fen, symbol=True)) == fen


@given(fens)
def test_fen_to_yuan_is_exact_and_quantised(fen: int) -> None:
    yuan = fen_to_yuan(fen)
    assert yuan.as_tuple().exponent == -2
    assert yuan_to_fen(yuan) == fen
    assert parse_yuan(str(yuan)) == fen
