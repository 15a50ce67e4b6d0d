"""Request and response schemas of the registry API (ARCHITECTURE §7 Masking).

ID numbers and phones are masked by the resolvers below, in lists and in every nested person. Only a
`PersonDetail` built from a read that `person_get(unmask=True)` allowed (and audited) shows full values.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from minzheng.core.masking import mask_id_number, mask_phone
from minzheng.core.regions.models import Region
from minzheng.registry.models import DisabilityCertificate, Household, HouseholdMember, Person
from minzheng.registry.selectors import RegistryCounts

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


# ---------------------------------------------------------------------------------------------------------
# Presentation objects: what a detail endpoint shows besides the model row itself.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonDetail:
    """A person as read by `person_get`; `unmasked` is true only when the selector allowed and audited it."""

    person: Person
    unmasked: bool
    membership: HouseholdMember | None
    disability_certificates: list[DisabilityCertificate]

    def __getattr__(self, name: str) -> Any:
        if name == "person":  # not yet set (copying, unpickling): avoid infinite recursion
            raise AttributeError(name)
        return getattr(self.person, name)


@dataclass(frozen=True)
class HouseholdDetail:
    """A household as read by `household_get`, its composition on `on` and its full membership history."""

    household: Household
    on: date
    members: list[HouseholdMember]
    history: list[HouseholdMember]

    def __getattr__(self, name: str) -> Any:
        if name == "household":
            raise AttributeError(name)
        return getattr(self.household, name)


def _person(obj: Person | PersonDetail) -> Person:
    return obj.person if isinstance(obj, PersonDetail) else obj


def _unmasked(obj: Person | PersonDetail) -> bool:
    return isinstance(obj, PersonDetail) and obj.unmasked


def age_on(birth_on: date, day: date) -> int:
    """Completed years on `day` (a 29 February birthday is reached on 1 March in common years)."""
    return day.year - birth_on.year - ((day.month, day.day) < (birth_on.month, birth_on.day))


# ---------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------


class ErrorItemOut(Schema):
    path: str = Field(description=str(_("出错字段，如 members[1].relation")))
    code: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[ErrorItemOut]


class RegionRefOut(Schema):
    code: str
    name: str


class PersonOut(Schema):
    """A person as lists show them: ID number and phone masked."""

    id: int
    name: str
    id_number: str = Field(description=str(_("公民身份号码，默认脱敏显示")))
    sex: str = Field(description="male | female")
    birth_on: date | None = Field(description=str(_("出生日期；仅在返回完整号码时提供")))
    age: int = Field(description=str(_("周岁；已死亡人员为死亡时的周岁")))
    ethnic_group: str = Field(description=str(_("GB 3304 民族代码")))
    phone: str = Field(description=str(_("联系电话，默认脱敏显示")))
    alive: bool
    died_on: date | None
    work_ability: str = Field(description="full | partial | none")
    serious_illness: bool
    hukou_region: RegionRefOut
    residence_region: RegionRefOut

    @staticmethod
    def resolve_id_number(obj: Person | PersonDetail) -> str:
        person = _person(obj)
        return person.id_number if _unmasked(obj) else mask_id_number(person.id_number)

    @staticmethod
    def resolve_phone(obj: Person | PersonDetail) -> str:
        person = _person(obj)
        return person.phone if _unmasked(obj) else mask_phone(person.phone)

    @staticmethod
    def resolve_birth_on(obj: Person | PersonDetail) -> date | None:
        # The 8 digits a masked ID hides are the birth date: showing both would give the full number away.
        return _person(obj).birth_on if _unmasked(obj) else None

    @staticmethod
    def resolve_age(obj: Person | PersonDetail) -> int:
        person = _person(obj)
        today = timezone.localdate()
        return age_on(person.birth_on, min(today, person.died_on) if person.died_on else today)

    @staticmethod
    def resolve_alive(obj: Person | PersonDetail) -> bool:
        return _person(obj).died_on is None


class DisabilityCertificateOut(Schema):
    certificate_number: str = Field(description=str(_("残疾人证号，默认脱敏显示")))
    disability_category: str = Field(description=str(_("GB/T 26341 残疾类别 1–7")))
    disability_grade: int
    valid_from: date
    valid_to: date | None


class PersonDetailOut(PersonOut):
    unmasked: bool = Field(description=str(_("是否为完整（未脱敏）号码；每次查看完整号码均记入审计")))
    household_id: int | None = Field(description=str(_("当前所在家庭")))
    relation: str | None = Field(description=str(_("与户主关系（GB/T 4761）")))
    disability_certificates: list[DisabilityCertificateOut] = Field(description=str(_("当前有效的残疾人证")))

    @staticmethod
    def resolve_household_id(obj: PersonDetail) -> int | None:
        return obj.membership.household_id if obj.membership else None

    @staticmethod
    def resolve_relation(obj: PersonDetail) -> str | None:
        return obj.membership.relation if obj.membership else None

    @staticmethod
    def resolve_disability_certificates(obj: PersonDetail) -> list[dict[str, Any]]:
        # A certificate number is the holder's ID number plus category and grade: masked like the ID.
        return [
            {
                "certificate_number": (c.certificate_number if obj.unmasked else mask_id_number(c.certificate_number)),
                "disability_category": c.disability_category,
                "disability_grade": c.disability_grade,
                "valid_from": c.valid_from,
                "valid_to": c.valid_to,
            }
            for c in obj.disability_certificates
        ]


class PersonPageOut(Schema):
    items: list[PersonOut]
    next_cursor: str | None = Field(description=str(_("下一页游标；为空表示已到最后一页")))


class MemberPersonOut(Schema):
    """The person inside a membership row: always masked."""

    id: int
    name: str
    id_number: str
    sex: str
    age: int
    alive: bool

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_age(obj: Person) -> int:
        return PersonOut.resolve_age(obj)

    @staticmethod
    def resolve_alive(obj: Person) -> bool:
        return obj.died_on is None


class MembershipOut(Schema):
    id: int
    household_id: int
    person: MemberPersonOut
    relation: str = Field(description=str(_("与户主关系（GB/T 4761）")))
    is_head: bool
    valid_from: date
    valid_to: date | None = Field(description=str(_("不再是成员的第一天；为空表示现有成员")))
    end_reason: str


class HouseholdOut(Schema):
    id: int
    number: str
    region: RegionRefOut
    address: str
    hukou_type: str = Field(description="urban | rural")


class HouseholdDetailOut(HouseholdOut):
    on: date = Field(description=str(_("成员构成的查询日期")))
    members: list[MembershipOut]
    history: list[MembershipOut]


class HouseholdPageOut(Schema):
    items: list[HouseholdOut]
    next_cursor: str | None = Field(description=str(_("下一页游标；为空表示已到最后一页")))


class CountsOut(Schema):
    persons: int
    households: int
    elderly: int = Field(description=str(_("60周岁及以上")))
    oldest: int = Field(description=str(_("80周岁及以上")))
    children: int = Field(description=str(_("未满18周岁")))
    disabled: int = Field(description=str(_("持有效残疾人证")))


class RegionCountsOut(Schema):
    region: RegionRefOut
    counts: CountsOut


class RegistryCountsOut(Schema):
    region: RegionRefOut
    on: date
    counts: CountsOut
    children: list[RegionCountsOut]


@dataclass(frozen=True)
class RegionCountsView:
    region: Region
    counts: RegistryCounts


@dataclass(frozen=True)
class RegistryCountsView:
    region: Region
    on: date
    counts: RegistryCounts
    children: list[RegionCountsView]


# ---------------------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------------------


class PageQuery(Schema):
    cursor: str | None = Field(None, description=str(_("上一页返回的 next_cursor")))
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=str(_("每页条数，1–200")))


class PersonQuery(PageQuery):
    q: str | None = Field(None, description=str(_("姓名前缀，或完整公民身份号码")))
    region: str | None = Field(None, description=str(_("区划代码：户籍地或经常居住地在该区划（含下级）内")))
    alive: bool | None = Field(None, description=str(_("true 仅在世人员，false 仅已死亡人员")))


class HouseholdQuery(PageQuery):
    region: str | None = Field(None, description=str(_("区划代码：家庭所在村（社区）在该区划（含下级）内")))
    number: str | None = Field(None, description=str(_("户编号（前缀匹配）")))


class PersonIn(Schema):
    id_number: str = Field(description=str(_("18位公民身份号码；性别、出生日期由号码得出")))
    name: str
    hukou_region_code: str = Field(description=str(_("户籍地乡镇或村（社区）区划代码")))
    residence_region_code: str = Field("", description=str(_("经常居住地；为空时同户籍地")))
    ethnic_group: str = "01"
    phone: str = ""
    work_ability: str = Field("full", description="full | partial | none")
    serious_illness: bool = False


class PatchIn(Schema):
    """A partial update: fields left out are unchanged; an explicit null or an unknown field is refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _reject_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(str(_("不能为 null；不修改的字段请不要发送")))
        return value


class PersonPatchIn(PatchIn):
    """Only the fields sent are changed; null is not accepted (send "" to clear the phone)."""

    name: str | None = None
    phone: str | None = None
    ethnic_group: str | None = None
    work_ability: str | None = Field(None, description="full | partial | none")
    serious_illness: bool | None = None
    residence_region_code: str | None = None


class HouseholdPatchIn(PatchIn):
    """Only the fields sent are changed."""

    address: str | None = Field(None, max_length=255)
    hukou_type: str | None = Field(None, description="urban | rural")


class DeathIn(Schema):
    died_on: date


class MemberIn(Schema):
    person_id: int
    relation: str = Field(description=str(_("与户主关系（GB/T 4761），户主为 02")))


class HouseholdIn(Schema):
    number: str
    region_code: str = Field(description=str(_("所在村（社区）区划代码")))
    address: str = ""
    hukou_type: str = Field(description="urban | rural")
    valid_from: date = Field(description=str(_("成员关系起始日期")))
    members: list[MemberIn]


class MemberAddIn(MemberIn):
    valid_from: date


class MemberEndIn(Schema):
    valid_to: date = Field(description=str(_("不再是成员的第一天")))
    reason: str = ""
