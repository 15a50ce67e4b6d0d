"""Identifier validation: resident ID numbers, unified social credit codes and mainland mobile numbers.

Each check raises `InvalidInput` with its own dotted code, so forms and imports can tell users exactly
which rule failed. `is_valid_*` helpers answer yes/no without building exceptions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal, NamedTuple

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.core.errors import InvalidInput

Sex = Literal["male", "female"]

# China Standard Time has had no daylight saving since 1991; "today" for the future-birth check is Beijing's.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

# Invisible characters that survive copy-paste from spreadsheets and chat apps.
_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


class _Failure(NamedTuple):
    code: str
    message: Promise
    extra: dict[str, Any]


def _fail(code: str, message: Promise, **extra: Any) -> _Failure:
    return _Failure(code, message, extra)


def _error(failure: _Failure, field: str) -> InvalidInput:
    # errors.py annotates `message` as str but keeps the lazy proxy, so translation happens at render time.
    return InvalidInput(failure.code, failure.message, field=field, extra=failure.extra or None)


def _normalize(raw: str) -> str:
    """NFKC (full-width → ASCII, U+3000 → space), drop all whitespace, upper-case."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", raw)).upper()


# ---------------------------------------------------------------------------------------------------------
# Resident ID number — GB 11643-1999 《公民身份号码》; 《中华人民共和国居民身份证法》 Art. 3.
# 6-digit address code (GB/T 2260) + 8-digit birth date + 3-digit sequence + 1 check character.
# ---------------------------------------------------------------------------------------------------------

ID_FIELD = "id_number"

# GB 11643-1999 §5.5 (ISO 7064 MOD 11-2): weight of position i (counted from the right) is 2^(i-1) mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Project rule (REFERENCE §16 row 17): 1880s birth years (e.g. 440524188001010014) must validate.
MIN_BIRTH_DATE = date(1800, 1, 1)

# GB/T 2260 provincial-level codes of the 31 mainland provinces, autonomous regions and municipalities.
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15"}  # North China: 北京 天津 河北 山西 内蒙古
    | {"21", "22", "23"}  # Northeast: 辽宁 吉林 黑龙江
    | {"31", "32", "33", "34", "35", "36", "37"}  # East: 上海 江苏 浙江 安徽 福建 江西 山东
    | {"41", "42", "43", "44", "45", "46"}  # Central-South: 河南 湖北 湖南 广东 广西 海南
    | {"50", "51", "52", "53", "54"}  # Southwest: 重庆 四川 贵州 云南 西藏
    | {"61", "62", "63", "64", "65"}  # Northwest: 陕西 甘肃 青海 宁夏 新疆
)

# 《港澳台居民居住证申领发放办法》 (国办发〔2018〕81号): residence-permit numbers use the fixed
# address codes 810000 (Hong Kong), 820000 (Macao) and 830000 (Taiwan).
RESIDENCE_PERMIT_CODES = frozenset({"810000", "820000", "830000"})

# The address code records the place of registration when the number was issued and never changes with
# later administrative reforms (REFERENCE §13.3, §16 row 17), so historical codes stay valid forever.
# Numbers issued by Sichuan (51xxxx) before Chongqing became a municipality on 1997-03-14
# (八届全国人大五次会议《关于批准设立重庆直辖市的决定》) pass the province check, not this list.
# This is the validator's own list; the region data file (core/regions) is authoritative for the registry.
CHONGQING_CODES = frozenset(
    {"500000", "500100", "500200", "500300"}
    | {f"5001{n:02d}" for n in range(1, 21)}  # 500101 万州区 … 500120 璧山区
    | {f"5001{n:02d}" for n in range(51, 58)}  # 500151 铜梁区 … 500156 武隆区; 500157 两江新区 (unconfirmed)
    | {
        "500229",  # 城口县
        "500230",  # 丰都县
        "500231",  # 垫江县
        "500233",  # 忠县
        "500235",  # 云阳县
        "500236",  # 奉节县
        "500237",  # 巫山县
        "500238",  # 巫溪县
        "500240",  # 石柱土家族自治县
        "500241",  # 秀山土家族苗族自治县
        "500242",  # 酉阳土家族苗族自治县
        "500243",  # 彭水苗族土家族自治县
    }
    | {  # historical codes, abolished by later reforms
        "500221",  # 长寿县
        "500222",  # 綦江县
        "500223",  # 潼南县
        "500224",  # 铜梁县
        "500225",  # 大足县
        "500226",  # 荣昌县
        "500227",  # 璧山县
        "500228",  # 梁平县
        "500232",  # 武隆县
        "500234",  # 开县
        "500381",  # 江津市
        "500382",  # 合川市
        "500383",  # 永川市
        "500384",  # 南川市
    }
)

_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")


@dataclass(frozen=True)
class ResidentId:
    """A validated 18-character resident ID number and the facts encoded in it (GB 11643-1999 §5)."""

    number: str
    region_code: str
    birth_on: date
    sex: Sex


def normalize_id_number(raw: str) -> str:
    """Strip all whitespace (incl. U+3000), map full-width characters to ASCII, upper-case a trailing x."""
    return _normalize(raw)


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits (GB 11643-1999 §5.5)."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError("id_check_char needs exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def upgrade_legacy_id_number(number15: str) -> str:
    """Convert a 15-digit number (GB 11643-1989: births in 19xx) to 18 characters for GB 11643-1999."""
    if not _ID15.fullmatch(number15):
        raise ValueError("upgrade_legacy_id_number needs exactly 15 ASCII digits")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + id_check_char(first17)


def validate_id_number(raw: str, *, today: date | None = None) -> ResidentId:
    """Normalise and validate a resident ID number; raise `InvalidInput` naming the failed check."""
    result = _check_id_number(raw, today)
    if isinstance(result, _Failure):
        raise _error(result, ID_FIELD)
    return result


def is_valid_id_number(raw: str, *, today: date | None = None) -> bool:
    """Whether `validate_id_number` would accept `raw`."""
    return isinstance(_check_id_number(raw, today), ResidentId)


def _check_id_number(raw: str, today: date | None) -> ResidentId | _Failure:
    number = _check_id_shape(normalize_id_number(raw))
    if isinstance(number, _Failure):
        return number
    failure = _check_id_checksum(number) or _check_id_address(number[:6])
    if failure:
        return failure
    birth_on = _check_id_birth(number[6:14], today or datetime.now(CHINA_TZ).date())
    if isinstance(birth_on, _Failure):
        return birth_on
    sex: Sex = "male" if int(number[16]) % 2 else "female"  # GB 11643-1999 §5.4: odd male, even female
    return ResidentId(number=number, region_code=number[:6], birth_on=birth_on, sex=sex)


def _check_id_shape(number: str) -> str | _Failure:
    """Length and character checks; a legacy 15-digit number comes back upgraded to 18."""
    if len(number) not in (15, 18):
        return _fail(
            "id_number.length",
            format_lazy(_("公民身份号码应为18位（旧版为15位），当前为{length}位"), length=len(number)),
            length=len(number),
        )
    if len(number) == 15:
        if not _ID15.fullmatch(number):
            return _fail("id_number.format", _("15位公民身份号码应全部为数字"))
        return upgrade_legacy_id_number(number)
    if not _ID18.fullmatch(number):
        return _fail("id_number.format", _("公民身份号码格式错误：前17位应为数字，末位应为数字或X"))
    return number


def _check_id_checksum(number: str) -> _Failure | None:
    expected = id_check_char(number[:17])
    if number[17] == expected:
        return None
    return _fail(
        "id_number.checksum",
        format_lazy(_("公民身份号码校验码错误（应为{expected}）"), expected=expected),
        expected=expected,
    )


def _check_id_address(region_code: str) -> _Failure | None:
    """Address code (GB 11643-1999 §5.2, GB/T 2260): province first, then permit and Chongqing codes."""
    province = region_code[:2]
    if province not in PROVINCE_CODES and province not in {"81", "82", "83"}:
        return _fail(
            "id_number.province",
            format_lazy(_("公民身份号码地址码错误：{province}不是有效的省级行政区划代码"), province=province),
            province=province,
        )
    if province.startswith("8") and region_code not in RESIDENCE_PERMIT_CODES:
        return _fail(
            "id_number.region",
            format_lazy(_("港澳台居民居住证号码的地址码应为{code}"), code=province + "0000"),
            region_code=region_code,
        )
    if province == "50" and region_code not in CHONGQING_CODES:
        return _fail(
            "id_number.region",
            format_lazy(_("公民身份号码地址码错误：{code}不是重庆市的行政区划代码"), code=region_code),
            region_code=region_code,
        )
    return None


def _check_id_birth(digits: str, today: date) -> date | _Failure:
    """The YYYYMMDD birth date (GB 11643-1999 §5.3) must be real, not before 1800, and not in the future."""
    invalid = _fail("id_number.birth_date", _("公民身份号码中的出生日期无效"))
    try:
        birth_on = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return invalid
    if birth_on < MIN_BIRTH_DATE:
        return invalid
    if birth_on > today:
        return _fail("id_number.birth_future", _("公民身份号码中的出生日期晚于今天"))
    return birth_on


# ---------------------------------------------------------------------------------------------------------
# Unified social credit code — GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》.
# ---------------------------------------------------------------------------------------------------------

USCC_FIELD = "uscc"
# GB 32100-2015: 31 characters, excluding I, O, Z, S and V.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The MOD 31 check character for the first 17 characters (GB 32100-2015)."""
    if len(first17) != 17 or any(char not in USCC_CHARSET for char in first17):
        raise ValueError("uscc_check_char needs exactly 17 characters from USCC_CHARSET")
    total = sum(USCC_CHARSET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Normalise and validate a unified social credit code; return the 18-character code."""
    result = _check_uscc(raw)
    if isinstance(result, _Failure):
        raise _error(result, USCC_FIELD)
    return result


def is_valid_uscc(raw: str) -> bool:
    """Whether `validate_uscc` would accept `raw`."""
    return not isinstance(_check_uscc(raw), _Failure)


def _check_uscc(raw: str) -> str | _Failure:
    code = _normalize(raw)
    if len(code) != 18:
        return _fail(
            "uscc.length",
            format_lazy(_("统一社会信用代码应为18位，当前为{length}位"), length=len(code)),
            length=len(code),
        )
    if any(char not in USCC_CHARSET for char in code):
        return _fail("uscc.charset", _("统一社会信用代码只能包含数字和除I、O、Z、S、V以外的大写字母"))
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return _fail(
            "uscc.checksum",
            format_lazy(_("统一社会信用代码校验码错误（应为{expected}）"), expected=expected),
            expected=expected,
        )
    return code


# ---------------------------------------------------------------------------------------------------------
# Mainland mobile numbers — 《电信网编号计划（2017年版）》 (工业和信息化部): 11 digits, 13x–19x.
# ---------------------------------------------------------------------------------------------------------

PHONE_FIELD = "phone"
_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9][0-9]{9})")
_PHONE_SEPARATORS = re.compile(r"[\s\-]+")


def validate_mobile(raw: str) -> str:
    """Normalise a mainland mobile number (spaces, hyphens, +86/86/0086 prefix removed); return 11 digits."""
    number = _match_mobile(raw)
    if number is None:
        raise _error(_fail("phone.format", _("手机号码应为以13–19开头的11位数字")), PHONE_FIELD)
    return number


def is_valid_mobile(raw: str) -> bool:
    """Whether `validate_mobile` would accept `raw`."""
    return _match_mobile(raw) is not None


def _match_mobile(raw: str) -> str | None:
    match = _MOBILE.fullmatch(_PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)))
    return match.group(1) if match else None
