"""The civil-affairs population: persons, households and their members over time, and person facts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class WorkAbility(models.TextChoices):
    FULL = "full", _("有劳动能力")
    PARTIAL = "partial", _("部分丧失劳动能力")
    NONE = "none", _("无劳动能力")


class HukouType(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class Person(models.Model):
    """A resident known to civil affairs; sex and birth date are derived from `id_number` (GB 11643)."""

    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True)
    name = models.CharField(_("姓名"), max_length=64, db_index=True)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices)
    birth_on = models.DateField(_("出生日期"), db_index=True)
    ethnic_group = models.CharField(_("民族"), max_length=2, default="01")
    phone = models.CharField(_("联系电话"), max_length=11, blank=True, default="")
    hukou_region = models.ForeignKey(
        "core.Region", verbose_name=_("户籍地"), on_delete=models.PROTECT, related_name="+"
    )
    residence_region = models.ForeignKey(
        "core.Region", verbose_name=_("经常居住地"), on_delete=models.PROTECT, related_name="+"
    )
    died_on = models.DateField(_("死亡日期"), null=True, blank=True)
    work_ability = models.CharField(_("劳动能力"), max_length=8, choices=WorkAbility.choices, default=WorkAbility.FULL)
    serious_illness = models.BooleanField(_("重病"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [
            models.Index(fields=["residence_region", "birth_on"], name="person_residence_birth_idx"),
            models.Index(fields=["hukou_region"], name="person_hukou_idx"),
            # Name-prefix search (LIKE '王%') on PostgreSQL under a non-C collation needs pattern_ops;
            # other databases ignore opclasses and use it as a plain index.
            models.Index(fields=["name"], name="person_name_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_alive(self) -> bool:
        return self.died_on is None


class DisabilityCategory(models.TextChoices):
    """Categories of the 残疾人证 (GB/T 26341-2010)."""

    VISUAL = "1", _("视力残疾")
    HEARING = "2", _("听力残疾")
    SPEECH = "3", _("言语残疾")
    PHYSICAL = "4", _("肢体残疾")
    INTELLECTUAL = "5", _("智力残疾")
    MENTAL = "6", _("精神残疾")
    MULTIPLE = "7", _("多重残疾")


class DisabilityCertificate(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="disability_certificates"
    )
    certificate_number = models.CharField(_("残疾人证号"), max_length=20, unique=True)
    disability_category = models.CharField(_("残疾类别"), max_length=1, choices=DisabilityCategory.choices)
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"))
    valid_from = models.DateField(_("发证日期"))
    valid_to = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("残疾人证")
        verbose_name_plural = _("残疾人证")
        constraints = [
            models.CheckConstraint(
                condition=Q(disability_grade__gte=1, disability_grade__lte=4), name="disability_grade_1_4"
            ),
        ]

    def __str__(self) -> str:
        return self.certificate_number


class Household(models.Model):
    """The household assessed as a unit (共同生活家庭), registered in a village-level region."""

    number = models.CharField(_("户编号"), max_length=32, unique=True)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("所在村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("住址"), max_length=255, blank=True, default="")
    hukou_type = models.CharField(_("户口性质"), max_length=8, choices=HukouType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")

    def __str__(self) -> str:
        return self.number


class Relation(models.TextChoices):
    """Relation to the head of household, GB/T 4761-2008 家庭关系代码 (top-level codes)."""

    HEAD = "02", _("户主")
    SPOUSE = "10", _("配偶")
    SON = "20", pgettext_lazy("relation to the head of household", "子")
    DAUGHTER = "30", pgettext_lazy("relation to the head of household", "女")
    GRANDCHILD = "40", _("孙子女或外孙子女")
    PARENT = "50", _("父母")
    GRANDPARENT = "60", _("祖父母或外祖父母")
    SIBLING = "70", _("兄弟姐妹")
    OTHER_RELATIVE = "80", _("其他亲属")
    NON_RELATIVE = "99", _("非亲属")


class HouseholdMember(models.Model):
    """Membership over [valid_from, valid_to): `valid_to` is the first day no longer a member.

    Leaving, moving or dying sets `valid_to`; rows are never deleted, so composition as of any date is known.
    """

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=2, choices=Relation.choices)
    is_head = models.BooleanField(_("户主"), default=False)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    end_reason = models.CharField(_("变动原因"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid_to__isnull=True), name="member_one_current_household"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(valid_to__isnull=True, is_head=True),
                name="member_one_current_head",
            ),
        ]
        indexes = [models.Index(fields=["household", "valid_to"], name="member_household_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.person_id}"
