"""Bookkeeping of engine runs (ARCHITECTURE §6): what ran, on what, with which rule versions, and what it wrote."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchRunKind(models.TextChoices):
    BATCH = "batch", _("批量")
    SINGLE = "single", _("单户")


class BatchRun(models.Model):
    """One evaluation of a rule set. Digests make an unchanged re-run recognisable; counts say what it wrote."""

    app = models.CharField(_("业务"), max_length=32)
    kind = models.CharField(_("方式"), max_length=8, choices=BatchRunKind.choices)
    as_of = models.DateField(_("评估日期"))
    region = models.ForeignKey(
        "core.Region", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    rule_versions = models.JSONField(_("规则版本"), default=dict)
    params_digest = models.CharField(_("参数摘要"), max_length=64, blank=True, default="")
    inputs_digest = models.CharField(_("输入摘要"), max_length=64, blank=True, default="")
    counts = models.JSONField(_("计数"), default=dict)
    explanations_path = models.CharField(_("说明文件"), max_length=255, blank=True, default="")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("规则运行")
        verbose_name_plural = _("规则运行")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.app} {self.kind} {self.as_of} #{self.pk}"
