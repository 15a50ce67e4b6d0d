"""One-time login codes of the resident portal (门户短信验证码登录).

Neither the phone number nor the code is stored: both are keyed hashes (HMAC-SHA256 with SECRET_KEY), so a copy
of the table reveals neither who asked for a code nor the code itself.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OneTimeCode(models.Model):
    phone_hash = models.CharField(_("手机号摘要"), max_length=64)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录验证码")
        verbose_name_plural = _("登录验证码")
        indexes = [models.Index(fields=["phone_hash", "created_at"], name="otp_phone_created_idx")]

    def __str__(self) -> str:
        return f"{self.phone_hash[:8]}@{self.created_at:%Y-%m-%d %H:%M}"
