"""Tests of the resident portal. `capture` is the test SMS sender that settings.MINZHENG_SMS_SENDER names."""

from __future__ import annotations

import re

SENDER = "tests.portal.capture"
OUTBOX: list[tuple[str, str]] = []


def capture(phone: str, message: str) -> None:
    OUTBOX.append((phone, message))


def last_code(phone: str) -> str:
    """The code in the newest message sent to `phone`."""
    message = next(text for to, text in reversed(OUTBOX) if to == phone)
    match = re.search(r"\b(\d{6})\b", message)
    assert match is not None, message
    return match[1]
