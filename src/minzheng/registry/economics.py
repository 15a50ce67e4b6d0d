"""Writes of household economics and self-care (审核确认办法 第13、14条; 特困人员认定办法 第20—22条).

Items are added and ended, never edited or deleted (ARCHITECTURE §5): a correction ends the old item and adds
a new one. Every amount is integer fen. Split from `services.py` by responsibility; same conventions.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record, changed_fields
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.money import MAX_FEN
from minzheng.registry.models import (
    SELF_CARE_ITEMS,
    Absence,
    AssetItem,
    AssetKind,
    ExpenseItem,
    ExpenseKind,
    Household,
    HouseholdMember,
    IncomeItem,
    IncomeKind,
    SelfCareAssessment,
)
from minzheng.registry.selectors import household_list, person_list
from minzheng.registry.services import household_for_update

INCOME_PERIODS = (1, 12)  # a monthly amount, or a 12-month total (farm income, 重庆条例 第12条)


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
    household = household_for_update(actor=actor, household_id=household_id)
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
    household = household_for_update(actor=actor, household_id=household_id)
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
    household = household_for_update(actor=actor, household_id=household_id)
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
    household = household_for_update(actor=actor, household_id=household_id)
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
