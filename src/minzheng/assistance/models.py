"""Stored assessments (ARCHITECTURE §6): what the rules concluded for a household on a date, and why.

An assessment is not a decision: it is the evidence a caseworker and the case workflow start from. Rows are
append-only: a household re-assessed on the same date with the same outcome keeps its existing row (the
`digest` of its results is part of the natural key), a changed outcome adds a new one, and the latest row
per household is the current view.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from minzheng.core.programmes import Programme

__all__ = ["Assessment", "AssessmentResult", "LowIncomeCategory", "Programme"]


class LowIncomeCategory(models.IntegerChoices):
    """The six categories of 低收入人口 (2023 意见 §二; REFERENCE §2.3)."""

    DIBAO = 1, _("最低生活保障对象")
    TEKUN = 2, _("特困人员")
    POVERTY_RELAPSE = 3, _("防止返贫监测对象")
    NEAR_DIBAO = 4, _("最低生活保障边缘家庭成员")
    RIGID_EXPENSE = 5, _("刚性支出困难家庭成员")
    OTHER = 6, _("其他困难人员")


class Assessment(models.Model):
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="assessments"
    )
    as_of = models.DateField(_("评估日期"))
    digest = models.CharField(_("结果摘要"), max_length=32)
    run = models.ForeignKey("core.BatchRun", verbose_name=_("规则运行"), on_delete=models.PROTECT, related_name="+")
    results = models.JSONField(_("结果"), default=list)  # the qualifying results, as in AssessmentResult
    explanation = models.JSONField(_("说明"), null=True, blank=True)  # single runs; batches keep theirs in Parquet
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("救助评估")
        verbose_name_plural = _("救助评估")
        constraints = [
            models.UniqueConstraint(fields=["household", "as_of", "digest"], name="assessment_natural_key"),
        ]
        indexes = [models.Index(fields=["run"], name="assessment_run_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}@{self.as_of}"


class AssessmentResult(models.Model):
    """One qualifying result of an assessment, queryable: a programme for the household or for one member."""

    assessment = models.ForeignKey(Assessment, verbose_name=_("评估"), on_delete=models.PROTECT, related_name="rows")
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    programme = models.CharField(_("项目"), max_length=24, choices=Programme.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"), default=0)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    tier = models.CharField(_("档次"), max_length=16, blank=True, default="")
    category = models.PositiveSmallIntegerField(_("低收入人口类别"), choices=LowIncomeCategory.choices, null=True)

    class Meta:
        verbose_name = _("评估结果")
        verbose_name_plural = _("评估结果")
        indexes = [
            models.Index(fields=["programme", "assessment"], name="result_programme_idx"),
            models.Index(fields=["assessment"], name="result_assessment_idx"),
            models.Index(fields=["person"], name="result_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.programme}"
