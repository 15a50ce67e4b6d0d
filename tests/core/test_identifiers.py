"""Resident ID numbers (GB 11643-1999), unified social credit codes (GB 32100-2015), mobile numbers."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from minzheng.core.errors import InvalidInput
from minzheng.core.identifiers import (
    CHINA_TZ,
    CHONGQING_CODES,
    MIN_BIRTH_DATE,
    PROVINCE_CODES,
    RESIDENCE_PERMIT_CODES,
    USCC_CHARSET,
    ResidentId,
    Sex,
    id_check_char,
    is_valid_id_number,
    is_valid_mobile,
    is_valid_uscc,
    normalize_id_number,
    upgrade_legacy_id_number,
    uscc_check_char,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

# InvalidInput str()s its lazy message, which needs settings; pytest-django provides them when installed.
if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=False)

TODAY = date(2025, 6, 1)


def _with_check(first17: str) -> str:
    return first17 + id_check_char(first17)


def _id_error(raw: str, today: date = TODAY) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        validate_id_number(raw, today=today)
    assert info.value.field == "id_number"
    assert info.value.status == 422
    assert not is_valid_id_number(raw, today=today)
    return info.value


@st.composite
def id_prefixes(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["province", "chongqing", "permit"]))
    if kind == "chongqing":
        return draw(st.sampled_from(sorted(CHONGQING_CODES)))
    if kind == "permit":
        return draw(st.sampled_from(sorted(RESIDENCE_PERMIT_CODES)))
    province = draw(st.sampled_from(sorted(PROVINCE_CODES - {"50"})))
    return province + f"{draw(st.integers(0, 9999)):04d}"


@st.composite
def id_bodies(draw: st.DrawFn, min_birth: date = MIN_BIRTH_DATE, max_birth: date = TODAY) -> str:
    """17 digits with a valid address code and birth date."""
    birth_on = draw(st.dates(min_value=min_birth, max_value=max_birth))
    return draw(id_prefixes()) + birth_on.strftime("%Y%m%d") + f"{draw(st.integers(0, 999)):03d}"


# --- resident ID: accepted values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region_code", "birth_on", "sex"),
    [
        ("11010519491231002X", "110105", date(1949, 12, 31), "female"),
        ("440524188001010014", "440524", date(1880, 1, 1), "male"),
        ("370101190102039973", "370101", date(1901, 2, 3), "male"),
    ],
)
def test_known_valid_id_numbers(raw: str, region_code: str, birth_on: date, sex: Sex) -> None:
    assert validate_id_number(raw, today=TODAY) == ResidentId(raw, region_code, birth_on, sex)
    assert is_valid_id_number(raw, today=TODAY)


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105 19491231 002X\n",
        "110105\u300019491231002x",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105194912310\u200b02X",
    ],
)
def test_id_number_is_normalised(raw: str) -> None:
    assert normalize_id_number(raw) == "11010519491231002X"
    assert validate_id_number(raw, today=TODAY).number == "11010519491231002X"


def test_legacy_15_digit_number_is_upgraded() -> None:
    assert upgrade_legacy_id_number("110105491231002") == "11010519491231002X"
    assert validate_id_number("110105491231002", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize("prefix", ["500381", "500234", "500157", "500101", "500243", "500000"])
def test_historical_and_current_chongqing_codes_are_accepted(prefix: str) -> None:
    assert validate_id_number(_with_check(prefix + "19900101123"), today=TODAY).region_code == prefix


def test_sichuan_issued_number_from_before_1997_is_accepted() -> None:
    assert is_valid_id_number(_with_check("51022119650101123"), today=TODAY)


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_residence_permit_numbers_are_accepted(prefix: str) -> None:
    assert is_valid_id_number(_with_check(prefix + "19900101123"), today=TODAY)


def test_birth_on_today_is_accepted() -> None:
    assert validate_id_number(_with_check("11010120250601123"), today=TODAY).birth_on == TODAY


def test_sex_comes_from_the_17th_digit() -> None:
    assert validate_id_number(_with_check("11010119900101121"), today=TODAY).sex == "male"
    assert validate_id_number(_with_check("11010119900101122"), today=TODAY).sex == "female"


# --- resident ID: one code per failed check -------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "1101051949123100", "11010519491231002X1", "11010549123100"])
def test_id_length(raw: str) -> None:
    assert _id_error(raw).code == "id_number.length"


@pytest.mark.parametrize(
    "raw",
    ["11010519491231002A", "1101051949123100X2", "X1010519491231002X", "11010549123100X", "11010549123100A"],
)
def test_id_format(raw: str) -> None:
    assert _id_error(raw).code == "id_number.format"


def test_id_checksum_names_the_expected_character() -> None:
    error = _id_error("110105194912310021")
    assert error.code == "id_number.checksum"
    assert error.extra == {"expected": "X"}
    assert "应为X" in str(error.message)


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "39", "66", "71", "80", "84", "99"])
def test_id_province(province: str) -> None:
    assert _id_error(_with_check(province + "010119900101123")).code == "id_number.province"


@pytest.mark.parametrize("prefix", ["500199", "500121", "500158", "500250", "500400"])
def test_id_region_unknown_chongqing_code(prefix: str) -> None:
    error = _id_error(_with_check(prefix + "19900101123"))
    assert error.code == "id_number.region"
    assert error.extra == {"region_code": prefix}


@pytest.mark.parametrize("prefix", ["810100", "820001", "831000"])
def test_id_region_residence_permit_needs_fixed_code(prefix: str) -> None:
    assert _id_error(_with_check(prefix + "19900101123")).code == "id_number.region"


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490100", "00000101", "17991231"])
def test_id_birth_date(birth: str) -> None:
    assert _id_error(_with_check("110105" + birth + "002")).code == "id_number.birth_date"


def test_id_birth_future() -> None:
    assert _id_error(_with_check("11010520250602002")).code == "id_number.birth_future"


def test_id_birth_future_defaults_to_today_in_china() -> None:
    soon = datetime.now(CHINA_TZ).date() + timedelta(days=2)
    raw = _with_check("110105" + soon.strftime("%Y%m%d") + "002")
    with pytest.raises(InvalidInput) as info:
        validate_id_number(raw)
    assert info.value.code == "id_number.birth_future"


def test_id_checks_run_in_order() -> None:
    # Bad province and bad birth date, but the checksum is reported first.
    body = "99010519490230002"
    wrong = "0" if id_check_char(body) != "0" else "1"
    assert _id_error(body + wrong).code == "id_number.checksum"
    # Unknown Chongqing code and a future birth date: the address is reported first.
    assert _id_error(_with_check("50019920990101002")).code == "id_number.region"


def test_legacy_15_digit_number_is_still_checked() -> None:
    assert _id_error("990105491231002").code == "id_number.province"
    assert _id_error("110105490230002").code == "id_number.birth_date"


def test_id_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        id_check_char("1234")
    with pytest.raises(ValueError, match="15 ASCII digits"):
        upgrade_legacy_id_number("1234")


# --- resident ID: properties --------------------------------------------------------------------------


@given(id_bodies())
def test_check_char_makes_any_valid_body_valid(body: str) -> None:
    number = body + id_check_char(body)
    resident = validate_id_number(number, today=TODAY)
    assert resident.number == number
    assert resident.birth_on.strftime("%Y%m%d") == body[6:14]
    assert resident.sex == ("male" if int(body[16]) % 2 else "female")


@given(id_bodies(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_fails_the_checksum(body: str, position: int, delta: int) -> None:
    changed = body[:position] + str((int(body[position]) + delta) % 10) + body[position + 1 :]
    assert _id_error(changed + id_check_char(body)).code == "id_number.checksum"


@given(id_bodies(), st.sampled_from("0123456789X"))
def test_any_other_check_char_fails(body: str, check: str) -> None:
    if check != id_check_char(body):
        assert _id_error(body + check).code == "id_number.checksum"


@given(id_bodies(min_birth=date(1900, 1, 1), max_birth=date(1999, 12, 31)))
def test_legacy_15_digit_round_trip(body: str) -> None:
    number = body + id_check_char(body)
    assert validate_id_number(number[:6] + number[8:17], today=TODAY).number == number


# --- unified social credit code -------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["9144030071526726XG", "9144 0300 7152 6726xg", "９１４４０３００７１５２６７２６ＸＧ"])
def test_known_valid_uscc(raw: str) -> None:
    assert validate_uscc(raw) == "9144030071526726XG"
    assert is_valid_uscc(raw)
    assert uscc_check_char("9144030071526726X") == "G"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "uscc.length"),
        ("9144030071526726X", "uscc.length"),
        ("9144030071526726XGG", "uscc.length"),
        ("914403007152672IXG", "uscc.charset"),
        ("9144030071526726XO", "uscc.charset"),
        ("914403007152672-XG", "uscc.charset"),
        ("9144030071526726XH", "uscc.checksum"),
        ("9144030071526727XG", "uscc.checksum"),
    ],
)
def test_uscc_errors(raw: str, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_uscc(raw)
    assert (info.value.code, info.value.field) == (code, "uscc")
    assert not is_valid_uscc(raw)


def test_uscc_checksum_names_the_expected_character() -> None:
    with pytest.raises(InvalidInput) as info:
        validate_uscc("9144030071526726XH")
    assert info.value.extra == {"expected": "G"}


def test_uscc_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="17 characters"):
        uscc_check_char("914403007152672IX")


uscc_bodies = st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17)


@given(uscc_bodies)
def test_uscc_check_char_makes_any_body_valid(body: str) -> None:
    assert validate_uscc(body + uscc_check_char(body)) == body + uscc_check_char(body)


@given(uscc_bodies, st.integers(0, 16), st.integers(1, 30))
def test_uscc_single_substitution_fails(body: str, position: int, shift: int) -> None:
    replaced = USCC_CHARSET[(USCC_CHARSET.index(body[position]) + shift) % 31]
    changed = body[:position] + replaced + body[position + 1 :]
    assert not is_valid_uscc(changed + uscc_check_char(body))


# --- mobile numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "8613812345678",
        "0086-13812345678",
        "１３８１２３４５６７８",
        " 13812345678\u3000",
    ],
)
def test_valid_mobile(raw: str) -> None:
    assert validate_mobile(raw) == "13812345678"
    assert is_valid_mobile(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12812345678",
        "1381234567",
        "138123456789",
        "+1 13812345678",
        "+8612812345678",
        "1381234567a",
        "010-12345678",
    ],
)
def test_invalid_mobile(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_mobile(raw)
    assert (info.value.code, info.value.field) == ("phone.format", "phone")
    assert not is_valid_mobile(raw)


@given(st.integers(3, 9), st.integers(0, 999_999_999))
def test_every_13_to_19_mobile_is_valid(second: int, rest: int) -> None:
    number = f"1{second}{rest:09d}"
    assert validate_mobile(f"+86{number}") == number
