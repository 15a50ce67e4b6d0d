"""Reads of the registry, always scoped to the actor's region subtree (ARCHITECTURE §7 Access control).

A person is in scope when their residence or their hukou region is in the actor's subtree (people live apart
from their hukou: 人户分离); a household is in scope by its village. Anything out of scope raises NotFound,
exactly like a record that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from minzheng.core.access.actor import Actor
from minzheng.core.access.permissions import Permission
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import NotFound
from minzheng.core.identifiers import normalize_id_number
from minzheng.core.regions.models import Region
from minzheng.core.regions.selectors import visible_to
from minzheng.registry.models import (
    AssetItem,
    AssetKind,
    DisabilityCertificate,
    ExpenseItem,
    ExpenseKind,
    Household,
    HouseholdMember,
    IncomeItem,
    IncomeKind,
    Person,
    SelfCareAssessment,
    WorkAbility,
)

ELDERLY_AGE = 60
OLDEST_AGE = 80
ADULT_AGE = 18
_ID_LIKE = re.compile(r"^(\d{15}|\d{17}[\dX])$")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _persons_in(path: str) -> Q:
    """Persons whose residence or hukou region lies in the subtree at `path` (人户分离: the two may differ)."""
    return Q(residence_region__path__startswith=path) | Q(hukou_region__path__startswith=path)


def region_in_scope(*, actor: Actor, code: str, permission: Permission | None = None) -> Region:
    """The region with `code` in or above the actor's subtree, to narrow a registry read; else NotFound.

    Regions above the subtree qualify: a village assistant may filter by their own district and still sees only
    their village, because the list selectors apply the scope. Other branches do not. A reused code gives its
    current row, a closed one its latest row. `permission`, when given, is checked first, so a role that may not
    make the read is refused (403) whatever the code.
    """
    if permission is not None:
        actor.require(permission)
    region = (
        Region.objects.filter(visible_to(actor), code=code.strip())
        .order_by(F("valid_to").desc(nulls_first=True), "-valid_from")
        .first()
    )
    if region is None:
        raise NotFound("region.not_found", _("未找到该区划"), field="region")
    return region


def region_in_scope_by_id(*, actor: Actor, region_id: int) -> Region:
    """The region with id `region_id` in or above the actor's subtree (as `region_in_scope`); else NotFound."""
    region = Region.objects.filter(visible_to(actor), pk=region_id).first()
    if region is None:
        raise NotFound("region.not_found", _("未找到该区划"))
    return region


def person_list(*, actor: Actor, region: Region | None = None, alive: bool | None = None) -> QuerySet[Person]:
    """Persons in scope, narrowed to those living or with hukou in `region`'s subtree, and to the living
    (`alive=True`) or the dead (`alive=False`)."""
    actor.require("person.view")
    persons = Person.objects.filter(_persons_in(actor.scope_path))
    if region is not None:
        persons = persons.filter(_persons_in(region.path))
    if alive is not None:
        persons = persons.filter(died_on__isnull=alive)
    return persons.select_related("residence_region", "hukou_region")


def person_search(
    *, actor: Actor, query: str, region: Region | None = None, alive: bool | None = None
) -> QuerySet[Person]:
    """Exact match on an ID number, otherwise a name prefix (surname first, as staff type names), within
    `person_list(actor=actor, region=region, alive=alive)`.

    Both use B-tree indexes, so the search stays fast over a million persons; never a leading-wildcard LIKE.
    """
    persons = person_list(actor=actor, region=region, alive=alive)
    text = query.strip()
    normalized = normalize_id_number(text)
    if _ID_LIKE.match(normalized):
        return persons.filter(id_number=normalized).order_by("id")
    if not text:
        return persons.none()
    # Ordered by id: with a LIMIT, PostgreSQL walks the primary key and stops after one page.
    return persons.filter(name__startswith=text).order_by("id")


def person_get(*, actor: Actor, person_id: int, unmask: bool = False) -> Person:
    """A person's record; every call is audited as a read (`person.view`, or `person.unmask` for full IDs)."""
    person = person_list(actor=actor).filter(id=person_id).first()
    if person is None:
        raise NotFound("person.not_found", _("未找到该人员"))
    if unmask:
        actor.require("person.unmask")
    audit_record(
        actor=actor,
        action="person.unmask" if unmask else "person.view",
        obj=person,
        region=person.residence_region,
        other_region=person.hukou_region,
    )
    return person


def person_disability_certificates(*, person: Person, on: date | None = None) -> QuerySet[DisabilityCertificate]:
    """Certificates valid on `on` (today by default) of a person already fetched through person_get."""
    day = on or timezone.localdate()
    return person.disability_certificates.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def person_current_membership(*, person: Person) -> HouseholdMember | None:
    return person.memberships.filter(valid_to__isnull=True).select_related("household").first()


def household_list(*, actor: Actor, region: Region | None = None, number_prefix: str = "") -> QuerySet[Household]:
    """Households in scope, narrowed to those whose village is in `region`'s subtree and whose number starts
    with `number_prefix` (surrounding blanks ignored)."""
    actor.require("household.view")
    households = Household.objects.filter(region__path__startswith=actor.scope_path)
    if region is not None:
        households = households.filter(region__path__startswith=region.path)
    if prefix := number_prefix.strip():
        households = households.filter(number__startswith=prefix)
    return households.select_related("region")


def household_get(*, actor: Actor, household_id: int) -> Household:
    household = household_list(actor=actor).filter(id=household_id).first()
    if household is None:
        raise NotFound("household.not_found", _("未找到该户"))
    audit_record(actor=actor, action="household.view", obj=household, region=household.region)
    return household


def household_members(*, household: Household, on: date | None = None) -> QuerySet[HouseholdMember]:
    """Composition as of a date (today by default): memberships whose range contains `on`."""
    day = on or timezone.localdate()
    return (
        household.members.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("person")
        .order_by("-is_head", "relation", "person__birth_on")
    )


def household_history(*, household: Household) -> QuerySet[HouseholdMember]:
    """Every membership the household has had, current and ended, oldest first."""
    return household.members.select_related("person").order_by("valid_from", "id")


@dataclass(frozen=True)
class HouseholdEconomics:
    """A household's economic facts on a date, as the assistance rules read them (审核确认办法 第13、14条)."""

    household: Household
    on: date
    incomes: list[IncomeItem]  # valid on `on`
    assets: list[AssetItem]  # held on `on`
    expenses: list[ExpenseItem]  # incurred in the year up to `on`: (same day a year earlier, on]
    self_care: dict[int, SelfCareAssessment]  # person id → latest assessment on or before `on`, current members


def household_economics(*, actor: Actor, household_id: int, on: date | None = None) -> HouseholdEconomics:
    """Incomes, property, the last year's expenses and members' self-care; audited as a household read."""
    household = household_list(actor=actor).filter(id=household_id).first()
    if household is None:
        raise NotFound("household.not_found", _("未找到该户"))
    economics = household_economics_of(household=household, on=on)
    audit_record(
        actor=actor,
        action="household.view",
        obj=household,
        region=household.region,
        detail={"economics_on": economics.on.isoformat()},
    )
    return economics


def household_economics_of(*, household: Household, on: date | None = None) -> HouseholdEconomics:
    """The economic facts of a household already fetched through household_get (which audited the read)."""
    day = on or timezone.localdate()
    incomes = household.income_items.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    assets = household.asset_items.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    expenses = household.expense_items.filter(incurred_on__gt=_years_before(day, 1), incurred_on__lte=day)
    members = household_members(household=household, on=day).values("person_id")
    assessments = SelfCareAssessment.objects.filter(person_id__in=members, assessed_on__lte=day).order_by(
        "person_id", "-assessed_on", "-id"
    )
    latest: dict[int, SelfCareAssessment] = {}
    for assessment in assessments:
        latest.setdefault(assessment.person_id, assessment)
    return HouseholdEconomics(
        household=household,
        on=day,
        incomes=list(incomes.select_related("person").order_by("kind", "id")),
        assets=list(assets.select_related("person").order_by("kind", "id")),
        expenses=list(expenses.select_related("person").order_by("-incurred_on", "id")),
        self_care=latest,
    )


def person_self_care(*, person: Person, on: date | None = None) -> SelfCareAssessment | None:
    """The latest 生活自理能力 assessment on or before `on` of a person already fetched through person_get."""
    day = on or timezone.localdate()
    return person.self_care_assessments.filter(assessed_on__lte=day).order_by("-assessed_on", "-id").first()


@dataclass(frozen=True)
class RegistryCounts:
    persons: int
    households: int
    elderly: int
    oldest: int
    children: int
    disabled: int


@dataclass(frozen=True)
class RegistryOverview:
    region: Region
    total: RegistryCounts
    children: list[tuple[Region, RegistryCounts]]
    computed_at: datetime


def registry_counts(*, actor: Actor, region: Region, on: date | None = None) -> RegistryCounts:
    """Living persons by residence, and households, in `region`'s subtree."""
    return registry_overview(actor=actor, region=region, on=on).total


def registry_overview(*, actor: Actor, region: Region, on: date | None = None) -> RegistryOverview:
    """Counts for `region` and for each of its current children, as of `on` (today by default).

    Cached for MINZHENG_COUNTS_CACHE_SECONDS (a city-wide pass over a million persons takes about half a
    second); `computed_at` tells the page how fresh the figures are.
    """
    actor.require("registry.stats")
    _require_in_scope(actor=actor, region=region)
    day = on or timezone.localdate()
    key = f"registry_overview:{region.id}:{region.path}:{day.isoformat()}"
    overview = cache.get(key)
    if not isinstance(overview, RegistryOverview):
        overview = _overview_compute(region, day)
        cache.set(key, overview, settings.COUNTS_CACHE_SECONDS)
    return overview


def _overview_compute(region: Region, day: date) -> RegistryOverview:
    """Three grouped queries (persons, certificate holders, households) keyed by region id, summed here over
    the region tree: no join on region paths over a million persons, and one pass serves both the total
    and the per-child figures of the home page and the API.
    """
    subtree = dict(Region.objects.filter(path__startswith=region.path).values_list("id", "path"))
    depth = len(region.path.strip("/").split("/"))
    totals: dict[int | None, dict[str, int]] = {}
    for region_id, values in _grouped_counts(region, subtree, day):
        child_id = _child_id(depth, subtree[region_id]) if region_id in subtree else None
        buckets = [totals.setdefault(None, {})] + ([totals.setdefault(child_id, {})] if child_id else [])
        for bucket in buckets:
            for key, value in values.items():
                bucket[key] = bucket.get(key, 0) + value
    children = list(Region.objects.filter(parent=region, valid_to__isnull=True).order_by("code"))
    return RegistryOverview(
        region=region,
        total=_counts(totals.get(None, {})),
        children=[(child, _counts(totals.get(child.id, {}))) for child in children],
        computed_at=timezone.now(),
    )


def _grouped_counts(region: Region, subtree: dict[int, str], day: date) -> Iterator[tuple[int, dict[str, int]]]:
    """(region id, counts) rows of the three grouped queries, restricted to the subtree's region ids."""
    in_region: dict[str, Any] = {} if region.parent_id is None else {"region_id__in": list(subtree)}
    persons = (
        _living(day)
        .filter(**{f"residence_{key}": value for key, value in in_region.items()})
        .values("residence_region_id")
        .annotate(**_category_counts(day))
        .order_by()
    )
    for row in cast(Iterable[dict[str, Any]], persons):
        yield row.pop("residence_region_id"), row
    holders = (
        _valid_certificates(day)
        .filter(**{f"person__residence_{key}": value for key, value in in_region.items()})
        .filter(Q(person__died_on__isnull=True) | Q(person__died_on__gt=day), person__birth_on__lte=day)
        .values("person__residence_region_id")
        .annotate(disabled=Count("person_id", distinct=True))
        .order_by()
    )
    for holder in holders:
        yield holder["person__residence_region_id"], {"disabled": holder["disabled"]}
    households = Household.objects.filter(**in_region).values("region_id").annotate(n=Count("id")).order_by()
    for group in households:
        yield group["region_id"], {"households": group["n"]}


def _counts(values: dict[str, int]) -> RegistryCounts:
    return RegistryCounts(**{name: values.get(name, 0) for name in RegistryCounts.__dataclass_fields__})


def _child_id(depth: int, path: str) -> int | None:
    """The id at position `depth` of a '/id/id/…/' path: the ancestor at the child level, if any."""
    ids = path.strip("/").split("/")
    return int(ids[depth]) if len(ids) > depth else None


def _living(day: date) -> QuerySet[Person]:
    """Born on or before `day` and not dead by then: counts as of a past date leave out later births."""
    return Person.objects.filter(birth_on__lte=day).filter(Q(died_on__isnull=True) | Q(died_on__gt=day))


def _valid_certificates(day: date) -> QuerySet[DisabilityCertificate]:
    return DisabilityCertificate.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def _category_counts(day: date) -> dict[str, Count]:
    return {
        "persons": Count("id"),
        "elderly": Count("id", filter=Q(birth_on__lte=_years_before(day, ELDERLY_AGE))),
        "oldest": Count("id", filter=Q(birth_on__lte=_years_before(day, OLDEST_AGE))),
        "children": Count("id", filter=Q(birth_on__gt=_years_before(day, ADULT_AGE))),
    }


def _require_in_scope(*, actor: Actor, region: Region) -> None:
    if not region.path.startswith(actor.scope_path):
        raise NotFound("region.not_found", _("未找到该区划"))


def income_kind_labels() -> dict[str, StrOrPromise]:
    """The (lazily translated) label of each income kind as rules and other apps name it, for explanations."""
    return {str(kind.value): kind.label for kind in IncomeKind}


# ---------------------------------------------------------------------------------------------------------
# For other apps: the case workflow and enrolments read registry facts through these, not the models.
# ---------------------------------------------------------------------------------------------------------


def economic_kinds() -> dict[str, frozenset[str]]:
    """The kind codes of declared items by category (income, asset, expense)."""
    return {
        "income": frozenset(IncomeKind.values),
        "asset": frozenset(AssetKind.values),
        "expense": frozenset(ExpenseKind.values),
    }


def economic_kind_label(category: str, kind: str) -> str:
    """The Chinese label of a declared item's kind, e.g. ("income", "wage") → 工资性收入."""
    choices = {"income": IncomeKind, "asset": AssetKind, "expense": ExpenseKind}.get(category)
    return str(dict(choices.choices).get(kind, kind)) if choices else kind


def resident_membership(*, person_id: int) -> HouseholdMember | None:
    """The current household of a living person (the portal's resident identity), without scope: the caller has
    verified the person's own phone number."""
    return (
        HouseholdMember.objects.select_related("household__region", "person")
        .filter(person_id=person_id, valid_to__isnull=True, person__died_on__isnull=True)
        .first()
    )


def resident_memberships(*, phone: str, limit: int = 10) -> list[HouseholdMember]:
    """The current households of the living persons whose registry phone is `phone` (the portal's residents, whose
    phone a one-time code has verified), without staff scope; at most `limit` persons."""
    return list(
        HouseholdMember.objects.select_related("household__region", "person")
        .filter(person__phone=phone, person__died_on__isnull=True, valid_to__isnull=True)
        .order_by("person_id")[:limit]
    )


@dataclass(frozen=True)
class MemberFacts:
    """What the review-frequency rule (重庆条例 第26条) needs to know about a current member."""

    person_id: int
    age: int
    able_to_work: bool
    employed: bool
    seriously_ill: bool
    severely_disabled: bool  # a valid grade 1–2 certificate


EMPLOYMENT_INCOME_KINDS = (IncomeKind.WAGE, IncomeKind.BUSINESS, IncomeKind.FARM)


def household_member_facts(*, household_id: int, on: date) -> list[MemberFacts]:
    """Facts of the household's members on `on`, in three queries."""
    members = list(
        HouseholdMember.objects.filter(household_id=household_id, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .select_related("person")
    )
    ids = [m.person_id for m in members]
    employed = set(
        IncomeItem.objects.filter(person_id__in=ids, kind__in=EMPLOYMENT_INCOME_KINDS, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .values_list("person_id", flat=True)
    )
    severe = set(
        DisabilityCertificate.objects.filter(person_id__in=ids, disability_grade__lte=2, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .values_list("person_id", flat=True)
    )
    return [
        MemberFacts(
            person_id=m.person_id,
            age=_age_on(m.person.birth_on, on),
            able_to_work=m.person.work_ability == WorkAbility.FULL,
            employed=m.person_id in employed,
            seriously_ill=m.person.serious_illness,
            severely_disabled=m.person_id in severe,
        )
        for m in members
    ]


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
