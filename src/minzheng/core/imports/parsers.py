"""Cell parsers shared by importers. Each takes non-empty stripped text and raises `InvalidInput` on failure.

They accept the spellings staff actually type (是/否, Y/N, 2024/1/5, 2024年1月5日, full-width digits), since
the files come from many offices and several spreadsheet programs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.core.errors import InvalidInput

_YES = frozenset({"是", "有", "Y", "YES", "TRUE", "1", "√"})
_NO = frozenset({"否", "无", "N", "NO", "FALSE", "0", "×"})
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII) and strip; what every parser starts from."""
    return unicodedata.normalize("NFKC", text).strip()


def text(max_length: int) -> Callable[[str], str]:
    """Free text limited to the database column's length (PostgreSQL would reject a longer value)."""

    def parse(raw: str) -> str:
        value = normalize(raw)
        if len(value) > max_length:
            raise InvalidInput("import.too_long", format_lazy(_("长度不能超过{length}个字符"), length=max_length))
        return value

    return parse


def yes_no(raw: str) -> bool:
    value = normalize(raw).upper()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise InvalidInput("import.yes_no", _("应填写“是”或“否”"))


def calendar_date(raw: str) -> date:
    """2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日 or 20240105 (Excel date cells arrive as ISO text)."""
    value = normalize(raw)
    match = _DATE.fullmatch(value) or _COMPACT_DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidInput("import.date", _("日期格式无效，应为 YYYY-MM-DD")) from None


def digits(*lengths: int) -> Callable[[str], str]:
    """A code made of ASCII digits with one of the given lengths (e.g. a 12-digit village code)."""

    def parse(raw: str) -> str:
        value = normalize(raw)
        if not value.isascii() or not value.isdigit() or len(value) not in lengths:
            raise InvalidInput(
                "import.digits",
                format_lazy(_("应为{lengths}位数字"), lengths="/".join(str(n) for n in lengths)),
            )
        return value

    return parse


def choice(options: Mapping[str, str], code: str, message: str | Promise) -> Callable[[str], str]:
    """A value from a fixed list: `options` maps each accepted spelling (normalized) to the stored code."""

    def parse(raw: str) -> str:
        key = normalize(raw)
        value = options.get(key) or options.get(key.upper())
        if value is None:
            raise InvalidInput(code, message)
        return value

    return parse
