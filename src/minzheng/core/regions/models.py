"""Administrative divisions (行政区划) with validity dates and change history (REFERENCE §13.1–13.2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")


class UrbanRuralClass(models.TextChoices):
    """城乡分类代码 observed with the NBS statistical codes (§13.2); 123 was not observed and is left out."""

    MAIN_URBAN = "111", _("主城区")
    URBAN_FRINGE = "112", _("城乡结合区")
    TOWN_CENTRE = "121", _("镇中心区")
    TOWN_FRINGE = "122", _("镇乡结合区")
    TOWNSHIP_CENTRE = "210", _("乡中心区")
    VILLAGE = "220", _("村庄")


class Region(models.Model):
    """A division as it exists over [valid_from, valid_to]; `path` is its place in the *current* tree.

    Staff scoping uses `path` (ids of the ancestors), never a code prefix: since the 2025-11 reform,
    villages coded under 500105 belong to 两江新区. Closed codes stay for old records and ID numbers.
    """

    code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=128, db_index=True, editable=False, default="")
    urban_rural_class = models.CharField(
        _("城乡分类"), max_length=3, choices=UrbanRuralClass.choices, blank=True, default=""
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    synthetic = models.BooleanField(_("合成数据"), default=False)
    confirmed = models.BooleanField(_("代码已确认"), default=True)
    source = models.CharField(_("来源"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="region_code_valid_from_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class RegionChangeKind(models.TextChoices):
    CREATE = "create", _("设立")
    ABOLISH = "abolish", _("撤销")
    RENAME = "rename", _("更名")
    MERGE = "merge", _("合并")
    SPLIT = "split", _("拆分")
    TRANSFER = "transfer", _("划转")


class RegionChange(models.Model):
    """One event in a division's history; `from_region`/`to_region` are the old and new parents on transfer."""

    on = models.DateField(_("变更日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=RegionChangeKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="changes")
    from_region = models.ForeignKey(
        Region, verbose_name=_("原区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_region = models.ForeignKey(
        Region, verbose_name=_("新区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    old_name = models.CharField(_("原名称"), max_length=64, blank=True, default="")
    new_name = models.CharField(_("新名称"), max_length=64, blank=True, default="")
    source = models.CharField(_("依据"), max_length=255, blank=True, default="")
    confirmed = models.BooleanField(_("已确认"), default=True)

    class Meta:
        verbose_name = _("区划变更")
        verbose_name_plural = _("区划变更")
        ordering = ["on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "on"], name="region_change_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()} {self.region}"
