"""Login to the resident portal with a one-time code sent by text message.

A code is six random digits, valid for five minutes and for at most five tries; a number gets at most one code
a minute and ten a day. Only the newest code of a number counts. Codes are issued for any well-formed number,
registered or not, so neither the answers nor their timing tell a stranger whether a number is in the registry;
what the verified number may see is decided after login (portal/selectors.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.audit.services import audit_record
from minzheng.core.errors import Conflict, InvalidInput
from minzheng.core.identifiers import validate_mobile
from minzheng.core.masking import mask_phone
from minzheng.portal.models import OneTimeCode
from minzheng.portal.sms import configured_sender

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=60)
DAILY_LIMIT = 10

logger = logging.getLogger("minzheng.portal")


def phone_digest(phone: str) -> str:
    """The keyed SHA-256 of a normalised number (HMAC with SECRET_KEY): stored instead of the number."""
    return hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()


def _code_digest(phone_hash: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone_hash}:{code}".encode(), hashlib.sha256).hexdigest()


def code_issue(*, phone: str) -> str:
    """Send a new login code to `phone`; return the normalised number.

    InvalidInput for a malformed number; Conflict when the number asked less than a minute ago, has had its
    ten codes today, or the sender failed (the code is then withdrawn, so the number may ask again at once).
    """
    number = validate_mobile(phone)
    digest = phone_digest(number)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        issued = _codes_today(digest, now)
        _rate_limit(issued, now)
        row = OneTimeCode.objects.create(
            phone_hash=digest, code_hash=_code_digest(digest, code), created_at=now, expires_at=now + CODE_LIFETIME
        )
    message = _("【民政】您的登录验证码为 %(code)s，%(minutes)s 分钟内有效。如非本人操作，请忽略本短信。") % {
        "code": code,
        "minutes": CODE_LIFETIME.seconds // 60,
    }
    try:
        configured_sender()(number, str(message))
    except Exception as error:  # any gateway failure: the resident may retry, the operator reads the log
        logger.exception("SMS sender failed for %s", mask_phone(number))
        OneTimeCode.objects.filter(pk=row.pk).delete()
        raise Conflict("otp.send_failed", _("验证码短信发送失败，请稍后再试")) from error
    return number


def _codes_today(digest: str, now: datetime) -> list[OneTimeCode]:
    """The number's codes since local midnight, newest first, locked; older ones no longer count and go."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    OneTimeCode.objects.filter(phone_hash=digest, created_at__lt=midnight).delete()
    return list(OneTimeCode.objects.select_for_update().filter(phone_hash=digest).order_by("-created_at"))


def _rate_limit(issued: list[OneTimeCode], now: datetime) -> None:
    if issued and now - issued[0].created_at < RESEND_INTERVAL:
        wait = RESEND_INTERVAL - (now - issued[0].created_at)
        seconds = max(1, int(wait.total_seconds() + 0.999))
        message = _("请 %(seconds)s 秒后再获取验证码") % {"seconds": seconds}
        raise Conflict("otp.too_soon", message, field="phone", extra={"retry_after": seconds})
    if len(issued) >= DAILY_LIMIT:
        raise Conflict("otp.daily_limit", _("该号码今日获取验证码的次数已达上限，请明天再试"), field="phone")


def code_verify(*, phone: str, code: str) -> str:
    """Check `code` against the newest code sent to `phone`; return the normalised number on success.

    Every try counts, right or wrong, and is audited (no staff actor; the number masked). InvalidInput when the
    code is wrong, expired, used, superseded or out of tries.
    """
    number = validate_mobile(phone)
    now = timezone.now()
    with transaction.atomic():
        latest = (
            OneTimeCode.objects.select_for_update()
            .filter(phone_hash=phone_digest(number))
            .order_by("-created_at")
            .first()
        )
        failure = _attempt(latest, code.strip(), now)
        detail = {"phone": mask_phone(number)} | ({"reason": failure.code} if failure else {})
        audit_record(actor=None, action="portal.login_failed" if failure else "portal.login", detail=detail)
    if failure is not None:
        raise failure
    return number


def _attempt(latest: OneTimeCode | None, code: str, now: datetime) -> InvalidInput | None:
    """Count one try of `code` on the newest code; the error to raise, or None when it matches."""
    if latest is None or latest.used_at is not None or latest.expires_at <= now or latest.attempts >= MAX_ATTEMPTS:
        return InvalidInput("otp.expired", _("验证码已失效，请重新获取"), field="code")
    latest.attempts += 1
    if hmac.compare_digest(latest.code_hash, _code_digest(latest.phone_hash, code)):
        latest.used_at = now
        latest.save(update_fields=["attempts", "used_at"])
        return None
    latest.save(update_fields=["attempts"])
    left = MAX_ATTEMPTS - latest.attempts
    if left == 0:
        return InvalidInput("otp.exhausted", _("验证码错误次数过多，请重新获取"), field="code")
    return InvalidInput("otp.wrong", _("验证码不正确，还可以尝试 %(left)s 次") % {"left": left}, field="code")
