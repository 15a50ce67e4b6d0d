"""Writes to the registry: each is atomic, checks the actor's role and region, and records an audit event.

Legal facts are never overwritten (ARCHITECTURE §5): leaving a household closes the membership's
`valid_to`; a death sets `died_on` and closes the membership on that day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record, changed_fields
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.identifiers import validate_id_number, validate_mobile
from minzheng.core.masking import mask_phone
from minzheng.core.money import MAX_FEN
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.registry.codes import ETHNIC_GROUPS
from minzheng.registry.models import (
    SELF_CARE_ITEMS,
    Absence,
    AssetItem,
    AssetKind,
    ExpenseItem,
    ExpenseKind,
    Household,
    HouseholdMember,
    HukouType,
    IncomeItem,
    IncomeKind,
    Person,
    Relation,
    SelfCareAssessment,
    WorkAbility,
)
from minzheng.registry.selectors import household_list, person_list

UPDATABLE_PERSON_FIELDS = ("name", "phone", "ethnic_group", "work_ability", "serious_illness")
INCOME_PERIODS = (1, 12)  # a monthly amount, or a 12-month total (farm income, 重庆条例 第12条)


@dataclass(frozen=True)
class PersonInput:
    id_number: str
    name: str
    hukou_region_code: str
    residence_region_code: str = ""
    ethnic_group: str = "01"
    phone: str = ""
    work_ability: str = WorkAbility.FULL
    serious_illness: bool = False


def person_fields_validate(
    data: PersonInput, *, actor: Actor, region_cache: dict[str, Region] | None = None
) -> dict[str, Any]:
    """Validate one person's input into model field values; raises InvalidInput naming the field.

    Batch callers pass one `region_cache` for the whole file so each region code is looked up once.
    """
    resident = validate_id_number(data.id_number)
    name = data.name.strip()
    if not name:
        raise InvalidInput("person.name_required", _("姓名不能为空"), field="name")
    if data.ethnic_group not in ETHNIC_GROUPS:
        raise InvalidInput("person.ethnic_group", _("民族代码不在 GB 3304 代码表中"), field="ethnic_group")
    if data.work_ability not in WorkAbility.values:
        raise InvalidInput("person.work_ability", _("劳动能力取值无效"), field="work_ability")
    hukou = region_in_scope(actor=actor, code=data.hukou_region_code, field="hukou_region_code", cache=region_cache)
    residence = (
        region_in_scope(actor=actor, code=data.residence_region_code, field="residence_region_code", cache=region_cache)
        if data.residence_region_code
        else hukou
    )
    return {
        "id_number": resident.number,
        "name": name,
        "sex": resident.sex,
        "birth_on": resident.birth_on,
        "ethnic_group": data.ethnic_group,
        "phone": validate_mobile(data.phone) if data.phone.strip() else "",
        "hukou_region": hukou,
        "residence_region": residence,
        "work_ability": data.work_ability,
        "serious_illness": data.serious_illness,
    }


def region_in_scope(*, actor: Actor, code: str, field: str, cache: dict[str, Region] | None = None) -> Region:
    """A current village or township in the actor's subtree, by code; others are invalid input."""
    code = code.strip()
    if cache is not None and code in cache:
        return cache[code]
    region = Region.objects.filter(code=code, valid_to__isnull=True, path__startswith=actor.scope_path).first()
    if region is None:
        raise InvalidInput("region.unknown", _("区划代码不存在或不在本辖区：%(code)s") % {"code": code}, field=field)
    if region.level not in (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP):
        raise InvalidInput("region.level", _("须填写乡镇或村（社区）级区划代码"), field=field)
    if cache is not None:
        cache[code] = region
    return region


@transaction.atomic
def person_create(*, actor: Actor, data: PersonInput) -> Person:
    actor.require("person.write")
    fields = person_fields_validate(data, actor=actor)
    if Person.objects.filter(id_number=fields["id_number"]).exists():
        raise Conflict("person.exists", _("该公民身份号码已登记"), field="id_number")
    person = Person.objects.create(**fields)
    audit_record(
        actor=actor,
        action="person.create",
        obj=person,
        region=person.residence_region,
        other_region=person.hukou_region,
        detail={"fields": sorted(k for k in fields if k != "id_number")},
    )
    return person


@transaction.atomic
def person_update(*, actor: Actor, person_id: int, changes: dict[str, Any]) -> Person:
    """Change a person's contact and status fields; the ID number (and with it sex and birth) is fixed."""
    actor.require("person.write")
    person = _person_for_update(actor=actor, person_id=person_id)
    unknown = set(changes) - {*UPDATABLE_PERSON_FIELDS, "residence_region_code"}
    if unknown:
        raise InvalidInput("person.field_readonly", _("字段不可修改"), field=sorted(unknown)[0])
    current = PersonInput(
        id_number=person.id_number,
        name=person.name,
        hukou_region_code=person.hukou_region.code,
        residence_region_code=person.residence_region.code,
        ethnic_group=person.ethnic_group,
        phone=person.phone,
        work_ability=person.work_ability,
        serious_illness=person.serious_illness,
    )
    fields = person_fields_validate(PersonInput(**{**asdict(current), **changes}), actor=actor)
    before = {key: getattr(person, key) for key in fields}
    for key, value in fields.items():
        setattr(person, key, value)
    person.save()
    audit_record(
        actor=actor,
        action="person.update",
        obj=person,
        region=person.residence_region,
        other_region=person.hukou_region,
        detail={"changes": _masked_changes(changed_fields(before, fields))},
    )
    return person


@transaction.atomic
def person_record_death(*, actor: Actor, person_id: int, died_on: date) -> Person:
    """Record a death: `died_on` is set and the current membership ends that day (never deleted)."""
    actor.require("person.write")
    person = _person_for_update(actor=actor, person_id=person_id)
    if person.died_on is not None:
        raise Conflict("person.already_deceased", _("该人员已登记死亡"), field="died_on")
    if died_on < person.birth_on:
        raise InvalidInput("person.died_before_birth", _("死亡日期早于出生日期"), field="died_on")
    if died_on > timezone.localdate():
        raise InvalidInput("person.died_in_future", _("死亡日期不能晚于今天"), field="died_on")
    person.died_on = died_on
    person.save(update_fields=["died_on", "updated_at"])
    HouseholdMember.objects.filter(person=person, valid_to__isnull=True).update(
        valid_to=died_on, end_reason=str(_("死亡"))
    )
    audit_record(
        actor=actor,
        action="person.death",
        obj=person,
        region=person.residence_region,
        other_region=person.hukou_region,
        detail={"died_on": died_on.isoformat()},
    )
    return person


def _person_for_update(*, actor: Actor, person_id: int) -> Person:
    person = person_list(actor=actor).select_for_update(of=("self",)).filter(id=person_id).first()
    if person is None:
        raise NotFound("person.not_found", _("未找到该人员"))
    return person


def _household_for_update(*, actor: Actor, household_id: int) -> Household:
    """A household in scope, locked; a write is audited as itself, not also as a read."""
    household = household_list(actor=actor).select_for_update(of=("self",)).filter(id=household_id).first()
    if household is None:
        raise NotFound("household.not_found", _("未找到该户"))
    return household


def _masked_changes(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Phones in audit details are kept masked like everywhere else."""
    if "phone" in changes:
        changes["phone"] = [mask_phone(value or "") for value in changes["phone"]]
    return changes


@dataclass(frozen=True)
class MemberInput:
    person_id: int
    relation: str


@transaction.atomic
def household_create(
    *,
    actor: Actor,
    number: str,
    region_code: str,
    address: str,
    hukou_type: str,
    members: list[MemberInput],
    valid_from: date,
) -> Household:
    """Register a household with its members; the member with relation 02 (户主) is the head."""
    actor.require("household.write")
    region = region_in_scope(actor=actor, code=region_code, field="region_code")
    if region.level != RegionLevel.VILLAGE:
        raise InvalidInput("household.region_level", _("家庭须登记在村（社区）"), field="region_code")
    if hukou_type not in HukouType.values:
        raise InvalidInput("household.hukou_type", _("户口性质取值无效"), field="hukou_type")
    heads = [m for m in members if m.relation == Relation.HEAD]
    if len(heads) != 1:
        raise InvalidInput("household.head", _("家庭须有且只有一名户主"), field="members")
    if Household.objects.filter(number=number).exists():
        raise Conflict("household.exists", _("户编号已存在"), field="number")
    household = Household.objects.create(number=number, region=region, address=address, hukou_type=hukou_type)
    for index, member in enumerate(members):
        _member_add(actor=actor, household=household, member=member, valid_from=valid_from, path=f"members[{index}]")
    audit_record(
        actor=actor,
        action="household.create",
        obj=household,
        region=region,
        detail={"members": [m.person_id for m in members]},
    )
    return household


@transaction.atomic
def household_update(*, actor: Actor, household_id: int, changes: dict[str, str]) -> Household:
    """Change a household's address or hukou type; its number and village are fixed (a move is a new household)."""
    actor.require("household.write")
    household = _household_for_update(actor=actor, household_id=household_id)
    unknown = set(changes) - {"address", "hukou_type"}
    if unknown:
        raise InvalidInput("household.field_readonly", _("字段不可修改"), field=sorted(unknown)[0])
    if "hukou_type" in changes and changes["hukou_type"] not in HukouType.values:
        raise InvalidInput("household.hukou_type", _("户口性质取值无效"), field="hukou_type")
    fields = {key: value.strip() for key, value in changes.items()}
    before = {key: getattr(household, key) for key in fields}
    for key, value in fields.items():
        setattr(household, key, value)
    household.save(update_fields=list(fields))
    audit_record(
        actor=actor,
        action="household.update",
        obj=household,
        region=household.region,
        detail={"changes": changed_fields(before, fields)},
    )
    return household


@transaction.atomic
def household_member_add(*, actor: Actor, household_id: int, member: MemberInput, valid_from: date) -> HouseholdMember:
    actor.require("household.write")
    household = _household_for_update(actor=actor, household_id=household_id)
    membership = _member_add(actor=actor, household=household, member=member, valid_from=valid_from, path="")
    audit_record(
        actor=actor,
        action="household.member_add",
        obj=household,
        region=household.region,
        detail={
            "person_id": member.person_id,
            "relation": member.relation,
            "valid_from": valid_from.isoformat(),
        },
    )
    return membership


@transaction.atomic
def household_member_end(
    *, actor: Actor, household_id: int, person_id: int, valid_to: date, reason: str
) -> HouseholdMember:
    """A person leaves a household: the membership gets `valid_to` and a reason; history is kept."""
    actor.require("household.write")
    household = _household_for_update(actor=actor, household_id=household_id)
    membership = household.members.filter(person_id=person_id, valid_to__isnull=True).first()
    if membership is None:
        raise NotFound("member.not_found", _("该人员不是本户现有成员"), field="person_id")
    if valid_to < membership.valid_from:
        raise InvalidInput("member.valid_to", _("截止日期早于起始日期"), field="valid_to")
    membership.valid_to = valid_to
    membership.end_reason = reason.strip() or str(_("迁出"))
    membership.save(update_fields=["valid_to", "end_reason"])
    audit_record(
        actor=actor,
        action="household.member_end",
        obj=household,
        region=household.region,
        detail={"person_id": person_id, "valid_to": valid_to.isoformat(), "reason": membership.end_reason},
    )
    return membership


@transaction.atomic
def person_move(
    *, actor: Actor, person_id: int, to_household_id: int, relation: str, moved_on: date
) -> HouseholdMember:
    """Move a person to another household: the old membership ends and the new one starts on `moved_on`."""
    person = _person_for_update(actor=actor, person_id=person_id)
    current = person.memberships.filter(valid_to__isnull=True).first()
    if current is not None:
        household_member_end(
            actor=actor,
            household_id=current.household_id,
            person_id=person.id,
            valid_to=moved_on,
            reason=str(_("迁出")),
        )
    return household_member_add(
        actor=actor,
        household_id=to_household_id,
        member=MemberInput(person_id=person.id, relation=relation),
        valid_from=moved_on,
    )


def _field_path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _member_add(
    *, actor: Actor, household: Household, member: MemberInput, valid_from: date, path: str
) -> HouseholdMember:
    if member.relation not in Relation.values:
        raise InvalidInput("member.relation", _("与户主关系代码无效（GB/T 4761）"), field=_field_path(path, "relation"))
    person = person_list(actor=actor).filter(id=member.person_id).first()
    if person is None:
        raise NotFound("person.not_found", _("未找到该人员"), field=_field_path(path, "person_id"))
    if person.died_on is not None:
        raise InvalidInput("member.deceased", _("已死亡人员不能加入家庭"), field=_field_path(path, "person_id"))
    try:
        with transaction.atomic():
            return HouseholdMember.objects.create(
                household=household,
                person=person,
                relation=member.relation,
                is_head=member.relation == Relation.HEAD,
                valid_from=valid_from,
            )
    except IntegrityError:
        raise Conflict(
            "member.other_household",
            _("该人员已是其他家庭的现有成员，或本户已有户主"),
            field=_field_path(path, "person_id"),
        ) from None


# --- Household economics and self-care --------------------------------------------------------------------
# Items are added and ended, never edited or deleted (ARCHITECTURE §5): a correction ends the old item and adds
# a new one. Every amount is integer fen.


@transaction.atomic
def income_item_add(
    *,
    actor: Actor,
    household_id: int,
    kind: str,
    amount_fen: int,
    valid_from: date,
    person_id: int | None = None,
    period_months: int = 1,
    valid_to: date | None = None,
    source: str = "",
) -> IncomeItem:
    """Record an income of the household or of one current member; `amount_fen` covers `period_months`."""
    actor.require("household.write")
    household = _household_for_update(actor=actor, household_id=household_id)
    _choice(kind, IncomeKind, code="income.kind", message=_("收入类别无效"))
    _fen(amount_fen, code="income.amount", field="amount_fen")
    if period_months not in INCOME_PERIODS:
        raise InvalidInput(
            "income.period_months", _("计算月数只能为 1（月收入）或 12（12个月合计）"), field="period_months"
        )
    _date_range(valid_from, valid_to, code="income.valid_to")
    _current_member(household, person_id)
    item = IncomeItem.objects.create(
        household=household,
        person_id=person_id,
        kind=kind,
        amount_fen=amount_fen,
        period_months=period_months,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source.strip(),
    )
    _item_audit(actor, "household.income_add", household, item, amount_fen=amount_fen, period_months=period_months)
    return item


@transaction.atomic
def income_item_end(*, actor: Actor, income_item_id: int, valid_to: date) -> IncomeItem:
    """An income stops: `valid_to` (the first day no longer received) is set; the item is kept."""
    return _item_end(actor=actor, model=IncomeItem, item_id=income_item_id, valid_to=valid_to, name="income")


@transaction.atomic
def asset_item_add(
    *,
    actor: Actor,
    household_id: int,
    kind: str,
    value_fen: int,
    valid_from: date,
    person_id: int | None = None,
    valid_to: date | None = None,
    note: str = "",
) -> AssetItem:
    """Record a piece of property of the household or of one current member, at its assessed value."""
    actor.require("household.write")
    household = _household_for_update(actor=actor, household_id=household_id)
    _choice(kind, AssetKind, code="asset.kind", message=_("财产类别无效"))
    _fen(value_fen, code="asset.value", field="value_fen")
    _date_range(valid_from, valid_to, code="asset.valid_to")
    _current_member(household, person_id)
    item = AssetItem.objects.create(
        household=household,
        person_id=person_id,
        kind=kind,
        value_fen=value_fen,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note.strip(),
    )
    _item_audit(actor, "household.asset_add", household, item, value_fen=value_fen)
    return item


@transaction.atomic
def asset_item_end(*, actor: Actor, asset_item_id: int, valid_to: date) -> AssetItem:
    """The household no longer holds the property from `valid_to` on; the item is kept."""
    return _item_end(actor=actor, model=AssetItem, item_id=asset_item_id, valid_to=valid_to, name="asset")


@transaction.atomic
def expense_item_add(
    *,
    actor: Actor,
    household_id: int,
    kind: str,
    amount_fen: int,
    incurred_on: date,
    person_id: int | None = None,
    note: str = "",
) -> ExpenseItem:
    """Record a rigid expense paid out of pocket (after insurance and assistance) on `incurred_on`."""
    actor.require("household.write")
    household = _household_for_update(actor=actor, household_id=household_id)
    _choice(kind, ExpenseKind, code="expense.kind", message=_("支出类别无效"))
    _fen(amount_fen, code="expense.amount", field="amount_fen")
    if incurred_on > timezone.localdate():
        raise InvalidInput("expense.incurred_in_future", _("发生日期不能晚于今天"), field="incurred_on")
    _current_member(household, person_id)
    item = ExpenseItem.objects.create(
        household=household, person_id=person_id, kind=kind, amount_fen=amount_fen, incurred_on=incurred_on,
        note=note.strip(),
    )  # fmt: skip
    _item_audit(actor, "household.expense_add", household, item, amount_fen=amount_fen)
    return item


@transaction.atomic
def self_care_assess(
    *,
    actor: Actor,
    person_id: int,
    assessed_on: date,
    eating: bool,
    dressing: bool,
    transferring: bool,
    toileting: bool,
    walking: bool,
    bathing: bool,
    assessor: str = "",
) -> SelfCareAssessment:
    """Record a 生活自理能力 assessment (特困人员认定办法 第20—22条); each indicator is True when met alone."""
    actor.require("household.write")
    person = person_list(actor=actor).filter(id=person_id).first()
    if person is None:
        raise NotFound("person.not_found", _("未找到该人员"), field="person_id")
    if assessed_on > timezone.localdate():
        raise InvalidInput("self_care.assessed_in_future", _("评估日期不能晚于今天"), field="assessed_on")
    if assessed_on < person.birth_on or (person.died_on is not None and assessed_on > person.died_on):
        raise InvalidInput("self_care.assessed_on", _("评估日期不在该人员的生存期间内"), field="assessed_on")
    abilities = dict(zip(SELF_CARE_ITEMS, (eating, dressing, transferring, toileting, walking, bathing), strict=True))
    for item_name, met in abilities.items():
        if not isinstance(met, bool):
            raise InvalidInput("self_care.indicator", _("评估指标须为是或否"), field=item_name)
    assessment = SelfCareAssessment.objects.create(
        person=person, assessed_on=assessed_on, assessor=assessor.strip(), **abilities
    )
    audit_record(
        actor=actor,
        action="person.self_care_assess",
        obj=person,
        region=person.residence_region,
        other_region=person.hukou_region,
        detail={
            "assessment_id": assessment.id,
            "assessed_on": assessed_on.isoformat(),
            "unmet": [name for name, met in abilities.items() if not met],
        },
    )
    return assessment


@transaction.atomic
def member_absence_set(
    *, actor: Actor, household_id: int, person_id: int, absence: str, absent_since: date | None = None
) -> HouseholdMember:
    """Mark a current member as not counted (审核确认办法 第7条; 重庆条例 第11条), or clear it with `absence=""`.

    Religious staff need `absent_since`: the rules count the years since they left home.
    """
    actor.require("household.write")
    household = _household_for_update(actor=actor, household_id=household_id)
    membership = household.members.select_related("person").filter(person_id=person_id, valid_to__isnull=True).first()
    if membership is None:
        raise NotFound("member.not_found", _("该人员不是本户现有成员"), field="person_id")
    if absence and absence not in Absence.values:
        raise InvalidInput("member.absence", _("不计入原因无效"), field="absence")
    if not absence and absent_since is not None:
        raise InvalidInput(
            "member.absent_since_without_absence", _("未填写不计入原因时不应填写离家日期"), field="absent_since"
        )
    if absence == Absence.RELIGIOUS and absent_since is None:
        raise InvalidInput("member.absent_since_required", _("宗教教职人员须填写离家日期"), field="absent_since")
    if absent_since is not None and not membership.person.birth_on <= absent_since <= timezone.localdate():
        raise InvalidInput("member.absent_since", _("离家日期须在出生日期之后、今天之前"), field="absent_since")
    before = {"absence": membership.absence, "absent_since": membership.absent_since}
    membership.absence, membership.absent_since = absence, absent_since
    membership.save(update_fields=["absence", "absent_since"])
    audit_record(
        actor=actor,
        action="household.member_absence",
        obj=household,
        region=household.region,
        detail={
            "person_id": person_id,
            "changes": changed_fields(before, {"absence": absence, "absent_since": absent_since}),
        },
    )
    return membership


def _choice(value: str, choices: type[models.TextChoices], *, code: str, message: Any) -> None:
    if value not in choices.values:
        raise InvalidInput(code, message, field="kind")


def _fen(value: int, *, code: str, field: str) -> None:
    """An amount in whole fen, 0 or more: never a float or a bool."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(code, _("金额须为以分计的整数"), field=field)
    if not 0 <= value <= MAX_FEN:
        raise InvalidInput(code, _("金额不能为负数或超出允许范围"), field=field)


def _date_range(valid_from: date, valid_to: date | None, *, code: str) -> None:
    if valid_to is not None and valid_to <= valid_from:
        raise InvalidInput(code, _("截止日期须晚于起始日期"), field="valid_to")


def _current_member(household: Household, person_id: int | None) -> None:
    """An item of one person belongs to a current member of the household."""
    if person_id is not None and not household.members.filter(person_id=person_id, valid_to__isnull=True).exists():
        raise InvalidInput("member.not_current", _("该人员不是本户现有成员"), field="person_id")


def _item_audit(
    actor: Actor, action: str, household: Household, item: IncomeItem | AssetItem | ExpenseItem, **amounts: int
) -> None:
    detail: dict[str, Any] = {
        "item_id": item.pk,
        "kind": item.kind,
        "person_id": item.person_id,
    }
    audit_record(actor=actor, action=action, obj=household, region=household.region, detail=detail | amounts)


ItemT = TypeVar("ItemT", IncomeItem, AssetItem)


def _item_end(*, actor: Actor, model: type[ItemT], item_id: int, valid_to: date, name: str) -> ItemT:
    """Close an income or asset item of a household in scope; out of scope is NotFound like a missing item."""
    actor.require("household.write")
    in_scope = household_list(actor=actor).values("id")
    item = (
        model._default_manager.select_for_update(of=("self",))
        .select_related("household__region")
        .filter(Q(household__in=in_scope), id=item_id)
        .first()
    )
    if item is None:
        raise NotFound(f"{name}.not_found", _("未找到该记录"))
    if item.valid_to is not None:
        raise Conflict(f"{name}.already_ended", _("该记录已截止"), field="valid_to")
    if valid_to < item.valid_from:
        raise InvalidInput(f"{name}.valid_to", _("截止日期早于起始日期"), field="valid_to")
    item.valid_to = valid_to
    item.save(update_fields=["valid_to"])
    audit_record(
        actor=actor,
        action=f"household.{name}_end",
        obj=item.household,
        region=item.household.region,
        detail={"item_id": item.pk, "kind": item.kind, "valid_to": valid_to.isoformat()},
    )
    return item
