"""Display masking of ID numbers, phone numbers and names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minzheng.core.masking import mask_id_number, mask_middle, mask_name, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("500101199001011234", "500101********1234"),
        ("11010519491231002X", "110105********002X"),
        ("110105491231002", "110105*****1002"),
        (" 500101199001011234 ", "500101********1234"),
        ("12345678901", "123456*8901"),
        ("1234567890", "**********"),
        ("123", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value: str | None, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13812345678", "138****5678"), ("1381234", "*******"), ("12345678", "123*5678"), ("", ""), (None, "")],
)
def test_mask_phone(value: str | None, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("张", "*"),
        ("欧阳娜娜", "欧**娜"),
        ("买买提·艾力", "买****力"),
        (" 李四 ", "李*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(value: str | None, masked: str) -> None:
    assert mask_name(value) == masked


@given(st.text(min_size=1), st.integers(0, 8), st.integers(0, 8))
def test_mask_middle_keeps_length_and_ends(value: str, keep_start: int, keep_end: int) -> None:
    masked = mask_middle(value, keep_start, keep_end)
    assert len(masked) == len(value)
    if len(value) > keep_start + keep_end:
        assert masked.startswith(value[:keep_start])
        assert masked.endswith(value[len(value) - keep_end :])
        assert masked.count("*") >= len(value) - keep_start - keep_end
    else:
        assert masked == "*" * len(value)


@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_masked_id_number_hides_the_birth_date(number: str) -> None:
    assert mask_id_number(number)[6:14] == "********"
