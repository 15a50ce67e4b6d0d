"""Dated, per-region parameters with their legal source (ARCHITECTURE §6 "Parameters are data with sources").

A value applies from `valid_from` until a later row for the same key, region and variant; rows are never
edited, so a decision made on an earlier date keeps the value it was made with. A region without its own
row inherits from the nearest ancestor that has one. Changes go through a proposal that another
person approves (maker-checker).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ParameterStatus(models.TextChoices):
    OFFICIAL = "official", _("正式")
    UNCONFIRMED = "unconfirmed", _("未确认")


class ParameterUnit(models.TextChoices):
    FEN = "fen", _("分")
    PERMILLE = "permille", _("千分比")
    MONTHS = "months", _("月")
    YEARS = "years", _("年")
    DAYS = "days", _("日")
    WORKING_DAYS = "working_days", _("工作日")
    CHOICE = "choice", _("选项")


class Parameter(models.Model):
    key = models.CharField(_("参数"), max_length=64)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("适用区划"), on_delete=models.PROTECT, related_name="parameters"
    )
    variant = models.CharField(_("类别"), max_length=32, blank=True, default="")
    value = models.JSONField(_("取值"))
    unit = models.CharField(_("单位"), max_length=16, choices=ParameterUnit.choices)
    valid_from = models.DateField(_("生效日期"))
    source = models.CharField(_("依据"), max_length=255)
    status = models.CharField(_("状态"), max_length=16, choices=ParameterStatus.choices)
    note = models.CharField(_("说明"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["key", "variant", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "region", "variant", "valid_from"], name="parameter_version_unique")
        ]
        indexes = [models.Index(fields=["key", "variant", "valid_from"], name="parameter_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.key}[{self.variant}]@{self.valid_from}"


class ProposalState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class ParameterProposal(models.Model):
    """A proposed new value; approving it (by someone other than the proposer) creates the Parameter row."""

    key = models.CharField(_("参数"), max_length=64)
    region = models.ForeignKey("core.Region", verbose_name=_("适用区划"), on_delete=models.PROTECT, related_name="+")
    variant = models.CharField(_("类别"), max_length=32, blank=True, default="")
    value = models.JSONField(_("取值"))
    valid_from = models.DateField(_("生效日期"))
    source = models.CharField(_("依据"), max_length=255)
    status = models.CharField(_("状态"), max_length=16, choices=ParameterStatus.choices)
    note = models.CharField(_("说明"), max_length=255, blank=True, default="")
    state = models.CharField(_("审核状态"), max_length=16, choices=ProposalState.choices, default=ProposalState.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True)
    reason = models.CharField(_("审核意见"), max_length=255, blank=True, default="")
    parameter = models.ForeignKey(Parameter, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("参数调整申请")
        verbose_name_plural = _("参数调整申请")
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"{self.key}[{self.variant}]@{self.valid_from} ({self.get_state_display()})"
