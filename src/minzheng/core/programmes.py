"""The benefit programmes (保障项目), shared vocabulary of assistance, cases, payments and monitoring (ARCHITECTURE
§4 glossary): one English name per Chinese term."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.TextChoices):
    """The programmes of the assistance rule set (REFERENCE §1–5) and the derived 低收入人口 category (§2.3)."""

    DIBAO = "dibao", _("最低生活保障")
    DIBAO_SINGLE = "dibao_single", _("单人保")
    DIBAO_PHASE_OUT = "dibao_phase_out", _("低保渐退")
    TEKUN = "tekun", _("特困人员救助供养")
    NEAR_DIBAO = "near_dibao", _("低保边缘家庭")
    RIGID_EXPENSE = "rigid_expense", _("刚性支出困难家庭")
    TEMPORARY_AID = "temporary_aid", _("临时救助")
    DISABILITY_LIVING = "disability_living", _("困难残疾人生活补贴")
    DISABILITY_NURSING = "disability_nursing", _("重度残疾人护理补贴")
    LOW_INCOME = "low_income", _("低收入人口")
