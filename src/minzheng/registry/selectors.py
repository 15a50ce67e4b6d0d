"""Reads of the registry, always scoped to the actor's region subtree (ARCHITECTURE §7 Access control).

A person is in scope when their residence or their hukou region is in the actor's subtree (people live apart
from their hukou: 人户分离); a household is in scope by its village. Anything out of scope raises NotFound,
exactly like a record that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import NotFound
from minzheng.core.identifiers import normalize_id_number
from minzheng.core.regions.models import Region
from minzheng.registry.models import DisabilityCertificate, Household, HouseholdMember, Person

ELDERLY_AGE = 60
OLDEST_AGE = 80
ADULT_AGE = 18
_ID_LIKE = re.compile(r"^(\d{15}|\d{17}[\dX])$")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _person_scope(actor: Actor) -> Q:
    return Q(residence_region__path__startswith=actor.scope_path) | Q(hukou_region__path__startswith=actor.scope_path)


def person_list(*, actor: Actor) -> QuerySet[Person]:
    actor.require("person.view")
    return Person.objects.filter(_person_scope(actor)).select_related("residence_region", "hukou_region")


def person_search(*, actor: Actor, query: str) -> QuerySet[Person]:
    """Exact match on an ID number, otherwise a name prefix (surname first, as staff type names).

    Both use B-tree indexes, so the search stays fast over a million persons; never a leading-wildcard LIKE.
    """
    persons = person_list(actor=actor)
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


def household_list(*, actor: Actor) -> QuerySet[Household]:
    actor.require("household.view")
    return Household.objects.filter(region__path__startswith=actor.scope_path).select_related("region")


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
class RegistryCounts:
    persons: int
    households: int
    elderly: int
    oldest: int
    children: int
    disabled: int


def registry_counts(*, actor: Actor, region: Region, on: date | None = None) -> RegistryCounts:
    """Living persons by residence, and households, in `region`'s subtree: three aggregate queries."""
    actor.require("registry.stats")
    _require_in_scope(actor=actor, region=region)
    day = on or timezone.localdate()
    persons = _living_in(region.path, day).aggregate(**_category_counts(day))
    disabled = _disabled_in(region.path, day).count()
    households = Household.objects.filter(region__path__startswith=region.path).count()
    return RegistryCounts(households=households, disabled=disabled, **persons)


def registry_counts_by_child(
    *, actor: Actor, region: Region, on: date | None = None
) -> list[tuple[Region, RegistryCounts]]:
    """Counts for each current child of `region`, from one GROUP BY over persons' residence regions."""
    actor.require("registry.stats")
    _require_in_scope(actor=actor, region=region)
    day = on or timezone.localdate()
    children = list(Region.objects.filter(parent=region, valid_to__isnull=True).order_by("code"))
    depth = len(region.path.strip("/").split("/"))
    totals: dict[int, dict[str, int]] = {
        child.id: dict.fromkeys([*_category_counts(day), "disabled"], 0) for child in children
    }
    by_path = _living_in(region.path, day).values("residence_region__path")
    rows = [
        *by_path.annotate(**_category_counts(day)).order_by(),
        *_disabled_in(region.path, day).values("residence_region__path").annotate(disabled=Count("id")).order_by(),
    ]
    for row in cast(Iterable[dict[str, Any]], rows):
        child_id = _child_id(depth, str(row.pop("residence_region__path")))
        if child_id in totals:
            for key, value in row.items():
                totals[child_id][key] += int(value)
    households = _households_by_child(region, depth)
    return [(c, RegistryCounts(households=households.get(c.id, 0), **totals[c.id])) for c in children]


def _households_by_child(region: Region, depth: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    rows = (
        Household.objects.filter(region__path__startswith=region.path)
        .values("region__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        child_id = _child_id(depth, row["region__path"])
        if child_id is not None:
            counts[child_id] = counts.get(child_id, 0) + row["n"]
    return counts


def _child_id(depth: int, path: str) -> int | None:
    """The id at position `depth` of a '/id/id/…/' path: the ancestor at the child level, if any."""
    ids = path.strip("/").split("/")
    return int(ids[depth]) if len(ids) > depth else None


def _living_in(path: str, day: date) -> QuerySet[Person]:
    return Person.objects.filter(residence_region__path__startswith=path).filter(
        Q(died_on__isnull=True) | Q(died_on__gt=day)
    )


def _disabled_in(path: str, day: date) -> QuerySet[Person]:
    """Living persons holding a certificate valid on `day`: a semi-join, cheaper than a per-row EXISTS filter."""
    valid_certificate = DisabilityCertificate.objects.filter(person_id=OuterRef("id"), valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )
    return _living_in(path, day).filter(Exists(valid_certificate))


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
