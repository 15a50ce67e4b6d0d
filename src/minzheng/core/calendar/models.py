"""The holiday table: public holidays and make-up working days (调休) per year, as published by the State Council.

A weekday is a working day and a weekend day is not, unless a `CalendarDay` row says otherwise. A year is
`published` once its schedule is loaded; deadlines that reach into any other year are computed on weekdays
and marked provisional until it is.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    WORKDAY = "workday", _("调休上班日")


class CalendarDay(models.Model):
    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类别"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("节日"), max_length=64, blank=True, default="")
    source = models.CharField(_("依据"), max_length=255)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.name}"


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    published = models.BooleanField(_("已公布"), default=False)
    source = models.CharField(_("依据"), max_length=255)
    loaded_at = models.DateTimeField(_("载入时间"))

    class Meta:
        verbose_name = _("节假日安排年度")
        verbose_name_plural = _("节假日安排年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}{'' if self.published else ' (provisional)'}"
