"""One-time login codes: issue, verify, expiry, tries, rate limits and the pluggable sender."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import Conflict, InvalidInput
from minzheng.portal.models import OneTimeCode
from minzheng.portal.services import code_issue, code_verify, phone_digest
from tests.portal import OUTBOX, SENDER, last_code

PHONE = "13812345678"
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Chongqing


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def sms(settings: Any) -> Iterator[list[tuple[str, str]]]:
    settings.MINZHENG_SMS_SENDER = SENDER
    OUTBOX.clear()
    yield OUTBOX
    OUTBOX.clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


pytestmark = pytest.mark.django_db


def test_a_code_goes_through_the_configured_sender_and_only_its_hash_is_stored(
    sms: list[tuple[str, str]], clock: Clock
) -> None:
    assert code_issue(phone="+86 138-1234-5678") == PHONE
    [(to, message)] = sms
    code = last_code(PHONE)
    assert to == PHONE
    assert "5 分钟" in message
    row = OneTimeCode.objects.get()
    assert row.phone_hash == phone_digest(PHONE) != PHONE
    assert code not in row.code_hash
    assert PHONE not in row.code_hash
    assert (row.created_at, row.expires_at, row.attempts, row.used_at) == (START, START + timedelta(minutes=5), 0, None)


def test_the_right_code_logs_in_once(sms: list[tuple[str, str]], clock: Clock) -> None:
    code_issue(phone=PHONE)
    clock.advance(minutes=4, seconds=59)
    assert code_verify(phone=PHONE, code=last_code(PHONE)) == PHONE
    assert OneTimeCode.objects.get().used_at == clock.now
    with pytest.raises(InvalidInput) as again:
        code_verify(phone=PHONE, code=last_code(PHONE))
    assert again.value.code == "otp.expired"


def test_a_code_expires_after_five_minutes(sms: list[tuple[str, str]], clock: Clock) -> None:
    code_issue(phone=PHONE)
    clock.advance(minutes=5)
    with pytest.raises(InvalidInput) as expired:
        code_verify(phone=PHONE, code=last_code(PHONE))
    assert expired.value.code == "otp.expired"


def test_five_wrong_tries_use_up_the_code(sms: list[tuple[str, str]], clock: Clock) -> None:
    code_issue(phone=PHONE)
    right = last_code(PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(InvalidInput) as failed:
            code_verify(phone=PHONE, code=wrong)
        messages.append((failed.value.code, str(failed.value.message)))
    assert messages[0] == ("otp.wrong", "验证码不正确，还可以尝试 4 次")
    assert messages[3] == ("otp.wrong", "验证码不正确，还可以尝试 1 次")
    assert messages[4][0] == "otp.exhausted"
    with pytest.raises(InvalidInput) as locked:
        code_verify(phone=PHONE, code=right)
    assert locked.value.code == "otp.expired"
    assert OneTimeCode.objects.get().attempts == 5


def test_one_code_a_minute_and_only_the_newest_counts(sms: list[tuple[str, str]], clock: Clock) -> None:
    code_issue(phone=PHONE)
    first = last_code(PHONE)
    clock.advance(seconds=45)
    with pytest.raises(Conflict) as early:
        code_issue(phone=PHONE)
    assert (early.value.code, early.value.extra["retry_after"]) == ("otp.too_soon", 15)
    assert len(sms) == 1
    clock.advance(seconds=15)
    code_issue(phone=PHONE)
    second = last_code(PHONE)
    if first != second:  # one chance in a million that both codes are equal
        with pytest.raises(InvalidInput):
            code_verify(phone=PHONE, code=first)
    assert code_verify(phone=PHONE, code=second) == PHONE


def test_ten_codes_a_day_per_number(sms: list[tuple[str, str]], clock: Clock) -> None:
    for _ in range(10):
        code_issue(phone=PHONE)
        clock.advance(seconds=61)
    with pytest.raises(Conflict) as limited:
        code_issue(phone=PHONE)
    assert limited.value.code == "otp.daily_limit"
    code_issue(phone="13900001111")  # another number is not affected
    clock.now = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # midnight in Chongqing: a new day
    code_issue(phone=PHONE)
    assert OneTimeCode.objects.filter(phone_hash=phone_digest(PHONE)).count() == 1  # yesterday's are gone


def test_any_well_formed_number_gets_a_code_and_a_malformed_one_an_error(
    sms: list[tuple[str, str]], clock: Clock
) -> None:
    code_issue(phone="19912345678")  # in no registry: same answer, same message
    assert [to for to, _ in sms] == ["19912345678"]
    with pytest.raises(InvalidInput) as malformed:
        code_issue(phone="12345")
    assert (malformed.value.code, malformed.value.field) == ("phone.format", "phone")


def test_a_failing_sender_withdraws_the_code(settings: Any, clock: Clock) -> None:
    settings.MINZHENG_SMS_SENDER = "tests.portal.test_otp.broken_sender"
    with pytest.raises(Conflict) as failed:
        code_issue(phone=PHONE)
    assert failed.value.code == "otp.send_failed"
    assert not OneTimeCode.objects.exists()  # the number may ask again at once


def broken_sender(phone: str, message: str) -> None:
    raise ConnectionError("gateway down")


def test_the_default_sender_logs_the_message_with_the_number_masked(
    caplog: pytest.LogCaptureFixture, clock: Clock
) -> None:
    with caplog.at_level(logging.WARNING, logger="minzheng.portal"):
        code_issue(phone=PHONE)
    [record] = [r for r in caplog.records if r.name == "minzheng.portal"]
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert "138****5678" in text
    assert PHONE not in text
    assert OneTimeCode.objects.get().code_hash != ""
    code = text.split("验证码为 ")[1][:6]
    assert code_verify(phone=PHONE, code=code) == PHONE


def test_logins_are_audited_without_a_staff_actor_and_with_the_number_masked(
    sms: list[tuple[str, str]], clock: Clock
) -> None:
    code_issue(phone=PHONE)
    with pytest.raises(InvalidInput):
        code_verify(phone=PHONE, code="000000" if last_code(PHONE) != "000000" else "111111")
    code_verify(phone=PHONE, code=last_code(PHONE))
    events = list(AuditEvent.objects.order_by("id").values("action", "user_id", "username", "detail"))
    assert events == [
        {"action": "portal.login_failed", "user_id": None, "username": "system",
         "detail": {"phone": "138****5678", "reason": "otp.wrong"}},
        {"action": "portal.login", "user_id": None, "username": "system", "detail": {"phone": "138****5678"}},
    ]  # fmt: skip
