"""Writes to the registry: each is atomic, checks the actor's role and region, and records an audit event.

Legal facts are never overwritten (ARCHITECTURE §5): leaving a household closes the membership's
`valid_to`; a death sets `died_on` and closes the membership on that day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record, changed_fields
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.identifiers import validate_id_number, validate_mobile
from minzheng.core.masking import mask_phone
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.registry.codes import ETHNIC_GROUPS
from minzheng.registry.models import (
    Household,
    HouseholdMember,
    HukouType,
    Person,
    Relation,
    WorkAbility,
)
from minzheng.registry.selectors import household_list, person_list

UPDATABLE_PERSON_FIELDS = ("name", "phone", "ethnic_group", "work_ability", "serious_illness")


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


def household_for_update(*, actor: Actor, household_id: int) -> Household:
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
    if not number.strip():
        raise InvalidInput("household.number", _("请填写户编号"), field="number")
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
    household = household_for_update(actor=actor, household_id=household_id)
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
    household = household_for_update(actor=actor, household_id=household_id)
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
    household = household_for_update(actor=actor, household_id=household_id)
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
