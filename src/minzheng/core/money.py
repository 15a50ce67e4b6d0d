"""Money as integer fen (分), never float.

The fen is the smallest unit of the renminbi (《中华人民共和国人民币管理条例》 Art. 3: 1元 = 10角 = 100分), so
every amount a bureau pays or records is a whole number of fen. Storing integers makes sums exact and
reconciliation byte-for-byte reproducible; binary floats cannot represent 0.10 and drift when added.
Conversion to and from yuan goes through `Decimal` only.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import NewType, cast

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.core.errors import InvalidInput

Fen = NewType("Fen", int)

# Largest value of a 64-bit signed integer column (Django BigIntegerField), the storage type for fen.
MAX_FEN = 2**63 - 1
_MAX_ADJUSTED_EXPONENT = 16  # 10**17 yuan = 10**19 fen already exceeds MAX_FEN

# After NFKC: optional sign, optional ¥ (either side of the sign), digits with optional correct
# thousands grouping, optional fraction, optional trailing 元.
_AMOUNT = re.compile(
    r"(?P<sign>[-+−]?)¥?(?P<sign2>[-+−]?)"
    r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?元?"
)


def _error(code: str, message: Promise, field: str | None) -> InvalidInput:
    # errors.py annotates `message` as str but keeps the lazy proxy, so translation happens at render time.
    return InvalidInput(code, message, field=field)


def _reject_float(value: object, name: str) -> None:
    if isinstance(value, float | bool):
        raise TypeError(f"{name} refuses {type(value).__name__}: money is never float; use str, int or Decimal")


def parse_yuan(text: str | int | Decimal, *, field: str | None = None) -> Fen:
    """Parse a yuan amount ("1,234.50", "￥1234", "１２３４．５０", "-12.3", int or Decimal) into fen.

    Raises `InvalidInput` (`money.format`, `money.precision`, `money.range`) and `TypeError` for float.
    """
    _reject_float(text, "parse_yuan")
    if isinstance(text, Decimal):
        return yuan_to_fen(text, field=field)
    if isinstance(text, int):
        return yuan_to_fen(Decimal(text), field=field)
    if isinstance(text, str):
        return yuan_to_fen(_parse_text(text, field), field=field)
    raise TypeError(f"parse_yuan accepts str, int or Decimal, not {type(text).__name__}")


def _parse_text(text: str, field: str | None) -> Decimal:
    match = _AMOUNT.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None or (match["sign"] and match["sign2"]):
        raise _error("money.format", _("金额格式错误，请输入如 1234.50 的数字"), field)
    frac = match["frac"] or ""
    if len(frac) > 2:
        raise _error("money.precision", _("金额最多保留两位小数（精确到分）"), field)
    negative = "-" if (match["sign"] or match["sign2"]) in {"-", "−"} else ""
    return Decimal(f"{negative}{match['whole'].replace(',', '')}.{frac or '0'}")


def yuan_to_fen(amount: Decimal, *, field: str | None = None) -> Fen:
    """Convert an exact yuan `Decimal` to fen; more than two significant decimals is `money.precision`."""
    _reject_float(amount, "yuan_to_fen")
    if not isinstance(amount, Decimal):
        raise TypeError(f"yuan_to_fen accepts Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise _error("money.format", _("金额格式错误，请输入如 1234.50 的数字"), field)
    sign, digits, exponent = amount.as_tuple()
    coefficient = int("".join(map(str, digits)))
    if not coefficient:
        return Fen(0)
    if amount.adjusted() > _MAX_ADJUSTED_EXPONENT:
        raise _error("money.range", _("金额超出允许范围"), field)
    exponent = cast(int, exponent) + 2  # yuan → fen
    # Drop trailing zeros exactly (Decimal.normalize would round to the context precision).
    while exponent < 0 and coefficient % 10 == 0:
        coefficient, exponent = coefficient // 10, exponent + 1
    if exponent < 0:
        raise _error("money.precision", _("金额最多保留两位小数（精确到分）"), field)
    fen = coefficient * 10**exponent * (-1 if sign else 1)
    if abs(fen) > MAX_FEN:
        raise _error("money.range", _("金额超出允许范围"), field)
    return Fen(fen)


def fen_to_yuan(fen: int) -> Decimal:
    """Exact yuan `Decimal` with exponent -2 (quantised to 0.01), e.g. 123456 → Decimal("1234.56")."""
    _reject_float(fen, "fen_to_yuan")
    digits = tuple(int(digit) for digit in str(abs(fen)))
    return Decimal((1 if fen < 0 else 0, digits, -2))


def format_yuan(fen: int, *, symbol: bool = False) -> str:
    """Format fen as "1,234.50", "-1,234.50", or with `symbol` "¥1,234.50" / "-¥1,234.50"."""
    _reject_float(fen, "format_yuan")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{'¥' if symbol else ''}{whole:,}.{cents:02d}"
