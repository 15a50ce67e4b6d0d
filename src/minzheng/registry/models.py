"""The civil-affairs population: persons, households and their members over time, and person facts."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
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
    phone = models.CharField(_("联系电话"), max_length=11, blank=True, default="", db_index=True)  # portal login
    hukou_region = models.ForeignKey(
        "core.Region", verbose_name=_("户籍地"), on_delete=models.PROTECT, related_name="+"
    )
    residence_region = models.ForeignKey(
        "core.Region", verbose_name=_("经常居住地"), on_delete=models.PROTECT, related_name="+"
    )
    died_on = models.DateField(_("死亡日期"), null=True, blank=True)
    work_ability = models.CharField(_("劳动能力"), max_length=8, choices=WorkAbility.choices, default=WorkAbility.FULL)
    serious_illness = models.BooleanField(_("重病"), default=False)
    in_school = models.BooleanField(_("在校就读"), default=False)  # full-time education up to 本科 (审核确认办法 第7条)
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


class Absence(models.TextChoices):
    """Why a member is not counted in the household (审核确认办法 第7条; 重庆条例 第11条 adds unmarried soldiers)."""

    PRISON = "prison", _("服刑")
    DRUG_REHAB = "drug_rehab", _("强制隔离戒毒")
    MISSING = "missing", _("宣告失踪")
    RELIGIOUS = "religious", _("宗教教职人员离家")
    SOLDIER_UNMARRIED = "soldier_unmarried", _("未婚现役军人")


class HouseholdMember(models.Model):
    """Membership over [valid_from, valid_to): `valid_to` is the first day no longer a member.

    Leaving, moving or dying sets `valid_to`; rows are never deleted, so composition as of any date is known.
    `absence` marks a member who stays in the household but is not counted by the assistance rules.
    """

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=2, choices=Relation.choices)
    is_head = models.BooleanField(_("户主"), default=False)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    end_reason = models.CharField(_("变动原因"), max_length=64, blank=True, default="")
    absence = models.CharField(_("不计入原因"), max_length=20, choices=Absence.choices, blank=True, default="")
    absent_since = models.DateField(_("离家日期"), null=True, blank=True)

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


# --- Household economics (审核确认办法 第13、14条; 刚性支出困难家庭认定办法) and self-care (特困人员认定办法 第20—22条)
# Every amount is integer fen. Items hold over [valid_from, valid_to) like memberships: `valid_to` is the first
# day no longer valid, and ending an item closes it instead of deleting it.


class IncomeKind(models.TextChoices):
    """Income by kind; the values are `assistance.inputs.INCOME_KINDS` (the rules decide what is exempt)."""

    WAGE = "wage", _("工资性收入")
    BUSINESS = "business", _("经营净收入")
    FARM = "farm", _("家庭农业经营净收入")
    PROPERTY = "property", _("财产净收入")
    PENSION = "pension", _("离退休金、养老金")
    BASIC_PENSION = "basic_pension", _("城乡居民基本养老保险基础养老金")
    SUPPORT = "support", _("赡养（抚养、扶养）费")
    UNEMPLOYMENT = "unemployment", _("失业保险金")
    TRANSFER = "transfer", _("其他转移性收入")
    SPECIAL_CARE = "special_care", _("优待抚恤金")
    FAMILY_PLANNING = "family_planning", _("计划生育奖励与扶助金")
    SCHOLARSHIP = "scholarship", _("奖学金")
    REWARD = "reward", _("见义勇为等奖励性补助")
    ASSISTANCE = "assistance", _("政府社会救助款物")
    LONGEVITY_ALLOWANCE = "longevity_allowance", _("高龄津贴")
    DISABILITY_SUBSIDY = "disability_subsidy", _("残疾人两项补贴")
    CHILD_ALLOWANCE = "child_allowance", _("孤儿、事实无人抚养儿童基本生活费")
    WORK_INJURY_CARE = "work_injury_care", _("工伤保险生活护理费")
    OTHER = "other", _("其他收入")


class AssetKind(models.TextChoices):
    """Property by kind (重庆条例 第13条); the values are `assistance.inputs.ASSET_KINDS`."""

    DEPOSIT = "deposit", _("存款")
    SECURITIES = "securities", _("有价证券")
    VEHICLE = "vehicle", _("机动车辆")
    MOBILITY_VEHICLE = "mobility_vehicle", _("残疾人功能性补偿代步机动车")
    HOUSE = "house", _("房屋")
    BUSINESS = "business", _("经营性资产/市场主体")
    OTHER = "other", _("其他财产")


class ExpenseKind(models.TextChoices):
    """Rigid expenses paid out of pocket (after insurance and assistance); values: `assistance.inputs.EXPENSE_KINDS`."""

    MEDICAL = "medical", _("医疗自付")
    REHABILITATION = "rehabilitation", _("残疾康复自付")
    EDUCATION = "education", _("教育")
    OTHER = "other", _("其他支出")


class IncomeItem(models.Model):
    """One income of a household or of one member. `amount_fen` covers `period_months` months: 1 for a monthly
    amount, 12 for a 12-month total (farm income, 重庆条例 第12条)."""

    household = models.ForeignKey(  # indexed by the (household, …) index below
        Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="income_items", db_index=False
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, null=True, blank=True, related_name="income_items"
    )
    kind = models.CharField(_("收入类别"), max_length=24, choices=IncomeKind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    period_months = models.PositiveSmallIntegerField(_("计算月数"), default=1)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=64, blank=True, default="")  # 申报 / 核对 / 部门数据
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("收入")
        verbose_name_plural = _("收入")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="income_amount_not_negative"),
            models.CheckConstraint(condition=Q(period_months__in=(1, 12)), name="income_period_1_or_12"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="income_valid_range"
            ),
        ]
        indexes = [models.Index(fields=["household", "valid_to"], name="income_household_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.kind}"


class AssetItem(models.Model):
    """One piece of property of a household or of one member, at its assessed value."""

    household = models.ForeignKey(  # indexed by the (household, …) index below
        Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="asset_items", db_index=False
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, null=True, blank=True, related_name="asset_items"
    )
    kind = models.CharField(_("财产类别"), max_length=24, choices=AssetKind.choices)
    value_fen = models.BigIntegerField(_("价值（分）"))
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=128, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("财产")
        verbose_name_plural = _("财产")
        constraints = [
            models.CheckConstraint(condition=Q(value_fen__gte=0), name="asset_value_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="asset_valid_range"
            ),
        ]
        indexes = [models.Index(fields=["household", "valid_to"], name="asset_household_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.kind}"


class ExpenseItem(models.Model):
    """One rigid expense paid by a household, out of pocket, on a date."""

    household = models.ForeignKey(  # indexed by the (household, …) index below
        Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="expense_items", db_index=False
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, null=True, blank=True, related_name="expense_items"
    )
    kind = models.CharField(_("支出类别"), max_length=24, choices=ExpenseKind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    incurred_on = models.DateField(_("发生日期"))
    note = models.CharField(_("备注"), max_length=128, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支出")
        verbose_name_plural = _("支出")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=0), name="expense_amount_not_negative")]
        indexes = [models.Index(fields=["household", "incurred_on"], name="expense_household_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.kind}"


SELF_CARE_ITEMS = ("eating", "dressing", "transferring", "toileting", "walking", "bathing")


class SelfCareLevel(models.TextChoices):
    """特困人员认定办法 第21条: all six met, at most three unmet, four or more unmet."""

    FULL = "full", _("具备生活自理能力")
    PARTIAL = "partial", _("部分丧失生活自理能力")
    NONE = "none", _("完全丧失生活自理能力")


class SelfCareAssessment(models.Model):
    """生活自理能力评估 (特困人员认定办法 第20—22条): six indicators, each True when the person can do it alone."""

    person = models.ForeignKey(  # indexed by the (person, assessed_on) index below
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="self_care_assessments", db_index=False
    )
    assessed_on = models.DateField(_("评估日期"))
    eating = models.BooleanField(_("自主吃饭"), default=True)
    dressing = models.BooleanField(_("自主穿衣"), default=True)
    transferring = models.BooleanField(_("自主上下床"), default=True)
    toileting = models.BooleanField(_("自主如厕"), default=True)
    walking = models.BooleanField(_("室内自主行走"), default=True)
    bathing = models.BooleanField(_("自主洗澡"), default=True)
    assessor = models.CharField(_("评估人"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("生活自理能力评估")
        verbose_name_plural = _("生活自理能力评估")
        indexes = [models.Index(fields=["person", "assessed_on"], name="selfcare_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.assessed_on}"

    @property
    def unmet_count(self) -> int:
        """How many of the six indicators the person cannot do alone."""
        return sum(not getattr(self, item) for item in SELF_CARE_ITEMS)

    @property
    def level(self) -> SelfCareLevel:
        unmet = self.unmet_count
        if unmet == 0:
            return SelfCareLevel.FULL
        return SelfCareLevel.PARTIAL if unmet <= 3 else SelfCareLevel.NONE
