"""Registry services and selectors: validation, scope, history, audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.registry import selectors, services
from minzheng.registry.models import DisabilityCertificate, Household, HouseholdMember, Person
from tests.conftest import Tree, make_id_number, make_person

ActorOf = Callable[..., Actor]


def _input(tree: Tree, **overrides: str) -> services.PersonInput:
    values: dict[str, Any] = {
        "id_number": make_id_number("500103", date(1990, 5, 17), 123),
        "name": "赵六",
        "hukou_region_code": tree.village.code,
        "phone": "139 1234 5678",
    }
    values.update(overrides)
    return services.PersonInput(**values)


def test_person_create_derives_sex_and_birth_and_audits(tree: Tree, actor_of: ActorOf) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    person = services.person_create(actor=actor, data=_input(tree))
    assert (person.sex, person.birth_on, person.phone) == ("male", date(1990, 5, 17), "13912345678")
    event = AuditEvent.objects.get(action="person.create")
    assert (event.object_id, event.username, event.region_code) == (
        str(person.id),
        actor.username,
        tree.village.code,
    )


def test_person_create_rejects_bad_id_with_its_check(tree: Tree, actor_of: ActorOf) -> None:
    good = make_id_number("500103", date(1990, 5, 17), 123)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as caught:
        services.person_create(actor=actor_of(Role.VILLAGE_ASSISTANT), data=_input(tree, id_number=bad))
    assert (caught.value.code, caught.value.field) == ("id_number.checksum", "id_number")
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_person_create_outside_scope_is_invalid(tree: Tree, actor_of: ActorOf) -> None:
    data = _input(tree, hukou_region_code=tree.other_village.code)
    with pytest.raises(InvalidInput) as caught:
        services.person_create(actor=actor_of(Role.VILLAGE_ASSISTANT), data=data)
    assert caught.value.field == "hukou_region_code"


def test_duplicate_id_number_conflicts(tree: Tree, actor_of: ActorOf) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    services.person_create(actor=actor, data=_input(tree))
    with pytest.raises(Conflict):
        services.person_create(actor=actor, data=_input(tree, name="别人"))


def test_roles_without_write_permission_are_denied(tree: Tree, actor_of: ActorOf) -> None:
    for role in (Role.CITY_ANALYST, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.DISTRICT_APPROVER):
        with pytest.raises(AccessDenied):
            services.person_create(actor=actor_of(role), data=_input(tree))


def test_update_records_old_and_new_values_with_phone_masked(family: Household, actor_of: ActorOf) -> None:
    head = family.members.get(is_head=True).person
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    services.person_update(actor=actor, person_id=head.id, changes={"name": "张叁", "phone": "13700001111"})
    head.refresh_from_db()
    assert head.name == "张叁"
    changes = AuditEvent.objects.get(action="person.update").detail["changes"]
    assert changes["name"] == ["张三", "张叁"]
    assert changes["phone"] == ["138****5678", "137****1111"]


def test_update_cannot_change_id_number(family: Household, actor_of: ActorOf) -> None:
    head = family.members.get(is_head=True).person
    with pytest.raises(InvalidInput):
        services.person_update(actor=actor_of(Role.VILLAGE_ASSISTANT), person_id=head.id, changes={"id_number": "x"})


def test_death_closes_membership_and_keeps_history(family: Household, actor_of: ActorOf) -> None:
    spouse = family.members.get(is_head=False).person
    services.person_record_death(actor=actor_of(Role.VILLAGE_ASSISTANT), person_id=spouse.id, died_on=date(2024, 2, 1))
    assert [m.person_id for m in selectors.household_members(household=family, on=date(2024, 2, 1))] != [spouse.id]
    assert spouse.id in [m.person_id for m in selectors.household_members(household=family, on=date(2024, 1, 31))]
    assert selectors.household_history(household=family).count() == 2
    with pytest.raises(Conflict):
        services.person_record_death(
            actor=actor_of(Role.TOWNSHIP_CASEWORKER), person_id=spouse.id, died_on=date(2024, 2, 1)
        )


def test_person_belongs_to_one_household_at_a_time(tree: Tree, family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    head = family.members.get(is_head=True).person
    with pytest.raises(Conflict):
        services.household_create(
            actor=actor,
            number="H-2",
            region_code=tree.village.code,
            address="x",
            hukou_type="urban",
            members=[services.MemberInput(person_id=head.id, relation="02")],
            valid_from=date(2024, 1, 1),
        )
    assert not Household.objects.filter(number="H-2").exists()


def test_move_ends_old_membership_and_starts_new(tree: Tree, family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    loner = make_person(tree.village, name="孙七", born=date(1970, 1, 1), sequence=45)
    target = services.household_create(
        actor=actor,
        number="H-3",
        region_code=tree.village.code,
        address="y",
        hukou_type="urban",
        members=[services.MemberInput(person_id=loner.id, relation="02")],
        valid_from=date(2023, 1, 1),
    )
    spouse = family.members.get(is_head=False).person
    services.person_move(
        actor=actor, person_id=spouse.id, to_household_id=target.id, relation="10", moved_on=date(2024, 6, 1)
    )
    old = HouseholdMember.objects.get(household=family, person=spouse)
    assert (old.valid_to, old.end_reason) == (date(2024, 6, 1), "迁出")
    assert HouseholdMember.objects.get(household=target, person=spouse, valid_to__isnull=True)


def test_selectors_hide_other_regions_as_not_found(family: Household, stranger: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.DISTRICT_APPROVER)
    other = stranger.members.get().person
    with pytest.raises(NotFound):
        selectors.person_get(actor=actor, person_id=other.id)
    with pytest.raises(NotFound):
        selectors.household_get(actor=actor, household_id=stranger.id)
    assert other not in selectors.person_list(actor=actor)
    assert selectors.person_search(actor=actor, query=other.id_number).count() == 0
    city = actor_of(Role.CITY_ANALYST)
    assert selectors.person_search(actor=city, query=other.id_number).get() == other


def test_person_reached_through_hukou_is_in_scope(tree: Tree, actor_of: ActorOf) -> None:
    """人户分离: a person living in the other district with hukou here is visible to both."""
    person = make_person(tree.village, name="周八", sequence=57)
    Person.objects.filter(id=person.id).update(residence_region=tree.other_village)
    assert selectors.person_get(actor=actor_of(Role.DISTRICT_APPROVER), person_id=person.id) == person
    other = actor_of(Role.DISTRICT_APPROVER, tree.other_district)
    assert selectors.person_get(actor=other, person_id=person.id) == person


def test_detail_reads_are_audited_and_unmask_needs_permission(family: Household, actor_of: ActorOf) -> None:
    head = family.members.get(is_head=True).person
    selectors.person_get(actor=actor_of(Role.VILLAGE_ASSISTANT), person_id=head.id)
    with pytest.raises(AccessDenied):
        selectors.person_get(actor=actor_of(Role.CITY_ANALYST), person_id=head.id, unmask=True)
    selectors.person_get(actor=actor_of(Role.TOWNSHIP_CASEWORKER), person_id=head.id, unmask=True)
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "person.view",
        "person.unmask",
    ]


def test_search_by_name_prefix_and_by_id(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    head = family.members.get(is_head=True).person
    assert list(selectors.person_search(actor=actor, query="张")) == [head]
    assert list(selectors.person_search(actor=actor, query=f" {head.id_number.lower()} ")) == [head]
    assert not selectors.person_search(actor=actor, query="").exists()


def test_counts_by_region_and_child(tree: Tree, family: Household, stranger: Household, actor_of: ActorOf) -> None:
    Person.objects.create(
        id_number=make_id_number("500103", date(2015, 1, 1), 2),
        name="小明",
        sex="female",
        birth_on=date(2015, 1, 1),
        hukou_region=tree.village,
        residence_region=tree.village,
    )
    head = family.members.get(is_head=True).person
    DisabilityCertificate.objects.create(
        person=head,
        certificate_number=head.id_number + "42",
        disability_category="4",
        disability_grade=2,
        valid_from=date(2020, 1, 1),
    )
    DisabilityCertificate.objects.create(  # expired: not counted
        person=stranger.members.get().person,
        certificate_number="X" * 20,
        disability_category="1",
        disability_grade=1,
        valid_from=date(2010, 1, 1),
        valid_to=date(2020, 1, 1),
    )
    city = actor_of(Role.CITY_ANALYST)
    counts = selectors.registry_counts(actor=city, region=tree.city, on=date(2025, 1, 1))
    assert counts.disabled == 1
    assert (counts.persons, counts.households, counts.elderly, counts.children, counts.oldest) == (
        4,
        2,
        2,
        1,
        0,
    )
    by_child = dict(selectors.registry_overview(actor=city, region=tree.city, on=date(2025, 1, 1)).children)
    assert by_child[tree.district].persons == 3
    assert by_child[tree.other_district].households == 1
    assert (by_child[tree.district].disabled, by_child[tree.other_district].disabled) == (1, 0)
    with pytest.raises(NotFound):
        selectors.registry_counts(actor=actor_of(Role.DISTRICT_APPROVER), region=tree.other_district)


def test_household_update_changes_address_and_audits(family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    services.household_update(actor=actor, household_id=family.id, changes={"address": " 新华路8号 "})
    family.refresh_from_db()
    assert family.address == "新华路8号"
    event = AuditEvent.objects.filter(action="household.update").get()
    assert event.detail["changes"] == {"address": ["测试路1号", "新华路8号"]}
    with pytest.raises(InvalidInput):
        services.household_update(actor=actor, household_id=family.id, changes={"number": "X"})
    with pytest.raises(InvalidInput):
        services.household_update(actor=actor, household_id=family.id, changes={"hukou_type": "martian"})


def test_household_update_outside_scope_is_not_found(stranger: Household, actor_of: ActorOf) -> None:
    with pytest.raises(NotFound):
        services.household_update(
            actor=actor_of(Role.TOWNSHIP_CASEWORKER), household_id=stranger.id, changes={"address": "x"}
        )


def test_person_list_narrows_by_region_and_alive(tree: Tree, family: Household, actor_of: ActorOf) -> None:
    actor = actor_of(Role.DISTRICT_APPROVER)
    head, spouse = (family.members.get(is_head=flag).person for flag in (True, False))
    elsewhere = make_person(tree.township, name="张小", sequence=44)
    registered_here = make_person(tree.other_village, name="周八", sequence=57)  # lives elsewhere, hukou here
    Person.objects.filter(id=registered_here.id).update(hukou_region=tree.village)
    Person.objects.filter(id=spouse.id).update(died_on=date(2024, 2, 3))
    everyone = {head, spouse, elsewhere, registered_here}
    assert set(selectors.person_list(actor=actor)) == everyone
    assert set(selectors.person_list(actor=actor, region=tree.village)) == {head, spouse, registered_here}
    assert set(selectors.person_list(actor=actor, alive=True)) == everyone - {spouse}
    assert list(selectors.person_list(actor=actor, region=tree.village, alive=False)) == [spouse]
    # A region above the actor's scope narrows nothing: the scope still applies.
    village = actor_of(Role.VILLAGE_ASSISTANT)
    assert set(selectors.person_list(actor=village, region=tree.city)) == {head, spouse, registered_here}
    assert list(selectors.person_search(actor=actor, query="张", region=tree.township, alive=True)) == [
        head,
        elsewhere,
    ]


def test_household_list_narrows_by_region_and_number_prefix(
    tree: Tree, family: Household, stranger: Household, actor_of: ActorOf
) -> None:
    city = actor_of(Role.CITY_ANALYST)
    assert set(selectors.household_list(actor=city)) == {family, stranger}
    assert list(selectors.household_list(actor=city, region=tree.other_district)) == [stranger]
    assert list(selectors.household_list(actor=city, number_prefix=" H500103 ")) == [family]
    assert list(selectors.household_list(actor=city, region=tree.district, number_prefix="H500106")) == []
    assert list(selectors.household_list(actor=actor_of(Role.VILLAGE_ASSISTANT), region=tree.city)) == [family]
    with pytest.raises(AccessDenied):
        selectors.household_list(actor=actor_of(Role.ADMINISTRATOR))


def test_region_in_scope_accepts_the_subtree_and_the_regions_above(tree: Tree, actor_of: ActorOf) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    for region in (tree.city, tree.district, tree.township, tree.village):
        assert selectors.region_in_scope(actor=actor, code=f" {region.code} ") == region
        assert selectors.region_in_scope_by_id(actor=actor, region_id=region.id) == region
    for region in (tree.other_district, tree.other_village):
        with pytest.raises(NotFound) as caught:
            selectors.region_in_scope(actor=actor, code=region.code)
        assert (caught.value.code, caught.value.field) == ("region.not_found", "region")
        with pytest.raises(NotFound):
            selectors.region_in_scope_by_id(actor=actor, region_id=region.id)
    with pytest.raises(NotFound):
        selectors.region_in_scope(actor=actor, code="999999")


def test_region_in_scope_prefers_the_current_row_of_a_reused_code(tree: Tree, actor_of: ActorOf) -> None:
    actor = actor_of(Role.DISTRICT_APPROVER)
    Region.objects.filter(id=tree.township.id).update(valid_to=date(2020, 12, 31))
    successor = Region.objects.create(
        code=tree.township.code,
        name="新街道",
        level=RegionLevel.TOWNSHIP,
        parent=tree.district,
        valid_from=date(2021, 1, 1),
    )
    Region.objects.filter(id=successor.id).update(path=f"{tree.district.path}{successor.id}/")
    assert selectors.region_in_scope(actor=actor, code=tree.township.code) == successor
    Region.objects.filter(id=successor.id).update(valid_to=date(2024, 12, 31))
    assert selectors.region_in_scope(actor=actor, code=tree.township.code) == successor  # the latest closed row


def test_region_in_scope_checks_the_permission_before_the_code(tree: Tree, actor_of: ActorOf) -> None:
    administrator = actor_of(Role.ADMINISTRATOR)
    with pytest.raises(AccessDenied):
        selectors.region_in_scope(actor=administrator, code="999999", permission="person.view")
    with pytest.raises(NotFound):
        selectors.region_in_scope(actor=administrator, code="999999")


def test_counts_as_of_a_past_date_leave_out_later_births(tree: Tree, family: Household, actor_of: ActorOf) -> None:
    make_person(tree.village, name="小红", born=date(2015, 6, 1), sequence=82)
    city = actor_of(Role.CITY_ANALYST)
    assert selectors.registry_counts(actor=city, region=tree.city, on=date(2014, 1, 1)).persons == 2
    assert selectors.registry_counts(actor=city, region=tree.city, on=date(2016, 1, 1)).persons == 3
