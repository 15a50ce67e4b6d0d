"""Display masking of personal information.

ID numbers are sensitive personal information (GB/T 35273-2020 《个人信息安全规范》 Annex B) and processors
must take de-identification measures (《中华人民共和国个人信息保护法》 Art. 51(3)); lists, exports and logs
therefore show masked values and only a permitted detail view shows the full value.
Masking is for display only: never store or compare masked values.
"""

from __future__ import annotations

MASK_CHAR = "*"


def mask_middle(value: str | None, keep_start: int, keep_end: int) -> str:
    """Replace all but the first `keep_start` and last `keep_end` characters with `*`.

    A value too short to keep anything hidden is masked completely; None or "" gives "".
    """
    if not value:
        return ""
    hidden = len(value) - keep_start - keep_end
    if hidden <= 0:
        return MASK_CHAR * len(value)
    return value[:keep_start] + MASK_CHAR * hidden + value[len(value) - keep_end :]


def mask_id_number(value: str | None) -> str:
    """Keep the address code and the last 4: "500101199001011234" → "500101********1234"."""
    return mask_middle(value.strip() if value else value, 6, 4)


def mask_phone(value: str | None) -> str:
    """Keep the network prefix and the last 4: "13812345678" → "138****5678"."""
    return mask_middle(value.strip() if value else value, 3, 4)


def mask_name(value: str | None) -> str:
    """Keep the surname and, for three or more characters, the last: "张三丰" → "张*丰", "张三" → "张*"."""
    name = value.strip() if value else ""
    if len(name) == 2:
        return name[0] + MASK_CHAR
    return mask_middle(name, 1, 1)


def mask_given_name(value: str | None) -> str:
    """Surname only, every character of the given name masked: "陈大明" → "陈**" (public notices, 审核确认办法 第24条).

    Two-character surnames (欧阳, 司马 …) are not told apart from given names; the second character is masked."""
    name = value.strip() if value else ""
    return name[:1] + MASK_CHAR * (len(name) - 1)
