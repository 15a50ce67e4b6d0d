"""Enrolments (保障对象): a household or person in a programme over a range of months (ARCHITECTURE §5).

An enrolment is created by an approval decision and lives on through periodic reviews (复核), amount
changes, 渐退 and stops. Legal facts are never overwritten: a new amount is a new enrolment that
`supersedes` the old one, whose `to_month` closes; what happened and why is an append-only `EnrolmentEvent`.
Payroll (issue 7) pays every enrolment whose month range covers the payroll month and whose state pays.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minzheng.core.appendonly import AppendOnly
from minzheng.core.programmes import Programme


class EnrolmentState(models.TextChoices):
    ACTIVE = "active", _("正常发放")
    PHASE_OUT = "phase_out", _("渐退期")
    SUSPENDED = "suspended", _("暂停发放")
    STOPPED = "stopped", _("已停发")
    SUPERSEDED = "superseded", _("已变更")


class ReviewFrequency(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")


class Enrolment(models.Model):
    programme = models.CharField(_("救助项目"), max_length=24, choices=Programme.choices)
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="enrolments"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="enrolments", null=True
    )
    region = models.ForeignKey("core.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("申请"), on_delete=models.PROTECT, related_name="enrolments")
    decision = models.ForeignKey(
        "cases.Decision", verbose_name=_("决定"), on_delete=models.PROTECT, related_name="enrolments"
    )
    amount_fen = models.BigIntegerField(_("月发放金额（分）"))
    from_month = models.DateField(_("起发月份"))  # first day of the month
    to_month = models.DateField(_("止发月份"), null=True, blank=True)  # first day of the last month paid
    state = models.CharField(_("状态"), max_length=16, choices=EnrolmentState.choices, default=EnrolmentState.ACTIVE)
    review_frequency = models.CharField(_("复核周期"), max_length=16, choices=ReviewFrequency.choices)
    next_review_on = models.DateField(_("下次复核日期"))
    supersedes = models.OneToOneField(
        "self", verbose_name=_("变更前"), on_delete=models.PROTECT, related_name="superseded_by", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("保障对象")
        verbose_name_plural = _("保障对象")
        indexes = [
            models.Index(fields=["region", "state"], name="enrolment_region_idx"),
            models.Index(fields=["state", "next_review_on"], name="enrolment_review_idx"),
            models.Index(fields=["household"], name="enrolment_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.programme}:{self.household_id}@{self.from_month:%Y-%m}"


class EnrolmentEventKind(models.TextChoices):
    START = "start", _("批准发放")
    REVIEW = "review", _("复核")
    CHANGE = "change", _("变更金额")
    PHASE_OUT = "phase_out", _("进入渐退")
    SUSPEND = "suspend", _("暂停发放")
    RESUME = "resume", _("恢复发放")
    STOP = "stop", _("停发")


class EnrolmentEvent(AppendOnly):
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("保障对象"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("事项"), max_length=16, choices=EnrolmentEventKind.choices)
    on = models.DateField(_("日期"))
    amount_before_fen = models.BigIntegerField(_("原金额（分）"), null=True)
    amount_after_fen = models.BigIntegerField(_("新金额（分）"), null=True)
    reason = models.TextField(_("理由"), blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("保障变动")
        verbose_name_plural = _("保障变动")

    def __str__(self) -> str:
        return f"{self.enrolment_id}:{self.kind}@{self.on}"
