"""Registry API under /api/v1: masking, scope, cursor pages, errors, writes, audit, OpenAPI, query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.registry.models import DisabilityCertificate, Household, HouseholdMember, Person
from tests.conftest import Tree, make_household, make_id_number, make_person

LoggedIn = Callable[..., Client]
API = "/api/v1"

OPERATION_IDS = {
    "person_list",
    "person_get",
    "person_create",
    "person_update",
    "person_record_death",
    "household_list",
    "household_get",
    "household_create",
    "household_member_add",
    "household_member_end",
    "registry_counts",
}


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{url}", body, content_type="application/json")


def _patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}{url}", body, content_type="application/json")


def _person_body(tree: Tree, **overrides: Any) -> dict[str, Any]:
    body = {
        "id_number": make_id_number("500103", date(1990, 5, 17), 123),
        "name": "赵六",
        "hukou_region_code": tree.village.code,
        "phone": "13912345678",
    }
    body.update(overrides)
    return body


def _walk(client: Client, url: str, limit: int) -> tuple[list[int], int]:
    """Follow next_cursor to the end; returns the ids seen and the number of pages."""
    ids: list[int] = []
    pages = 0
    cursor = ""
    while True:
        params: dict[str, str | int] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"{API}{url}", params)
        assert response.status_code == 200, response.content
        body = response.json()
        pages += 1
        ids += [item["id"] for item in body["items"]]
        assert len(body["items"]) <= limit
        if body["next_cursor"] is None:
            return ids, pages
        cursor = body["next_cursor"]


# ------------------------------------------------------------------------------------------------ persons


def test_person_list_is_masked_and_scoped(
    tree: Tree, family: Household, stranger: Household, logged_in: LoggedIn
) -> None:
    response = logged_in(Role.TOWNSHIP_CASEWORKER).get(f"{API}/persons")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["张三", "李四"]  # 王五 lives in the other district
    head = items[0]
    person = Person.objects.get(name="张三")
    assert head["id_number"] == person.id_number[:6] + "*" * 8 + person.id_number[-4:]
    assert head["phone"] == "138****5678"
    assert (head["sex"], head["alive"], head["birth_on"]) == ("male", True, None)
    # the masked digits are the birth date: nothing in a masked list may give them back
    assert "1950-03-01" not in response.content.decode()
    assert "19500301" not in response.content.decode()
    assert head["age"] >= 75
    assert head["residence_region"] == {"code": tree.village.code, "name": "金汤街社区"}
    assert head["hukou_region"]["code"] == tree.village.code
    assert response.json()["next_cursor"] is None
    assert not AuditEvent.objects.filter(action="person.unmask").exists()


def test_person_list_cursor_walk_visits_every_person_once(tree: Tree, logged_in: LoggedIn) -> None:
    for sequence in range(1, 8):
        make_person(tree.village, name=f"钱{sequence}", sequence=sequence)
    ids, pages = _walk(logged_in(Role.VILLAGE_ASSISTANT), "/persons", limit=3)
    assert ids == sorted(Person.objects.values_list("id", flat=True))
    assert pages == 3


def test_person_list_filters(tree: Tree, family: Household, stranger: Household, logged_in: LoggedIn) -> None:
    client = logged_in(Role.DISTRICT_APPROVER)
    elsewhere = make_person(tree.township, name="张小", sequence=44)  # same district, not in the village
    spouse = Person.objects.get(name="李四")

    def names(**params: Any) -> list[str]:
        response = client.get(f"{API}/persons", params)
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names(q="张") == ["张三", "张小"]
    assert names(q=spouse.id_number.lower()) == ["李四"]
    assert names(q=stranger.members.get().person.id_number) == []  # exact ID outside scope finds nothing
    assert names(region=tree.village.code) == ["张三", "李四"]
    assert names(region=tree.township.code) == ["张三", "李四", elsewhere.name]
    _post(logged_in(Role.TOWNSHIP_CASEWORKER), f"/persons/{spouse.id}/death", {"died_on": "2024-02-03"})
    assert names(alive="false") == ["李四"]
    assert names(alive="true", region=tree.village.code) == ["张三"]


def test_person_list_region_outside_scope_is_404(tree: Tree, logged_in: LoggedIn) -> None:
    response = logged_in(Role.TOWNSHIP_CASEWORKER).get(f"{API}/persons", {"region": tree.other_village.code})
    assert response.status_code == 404
    assert response.json()["code"] == "region.not_found"


def test_region_filter_above_own_scope_still_shows_only_scope(
    tree: Tree, family: Household, logged_in: LoggedIn
) -> None:
    make_person(tree.township, name="张小", sequence=44)  # in the district, outside the village
    client = logged_in(Role.VILLAGE_ASSISTANT)
    for code in (tree.district.code, tree.city.code):
        response = client.get(f"{API}/persons", {"region": code})
        assert response.status_code == 200
        assert [item["name"] for item in response.json()["items"]] == ["张三", "李四"]
    households = client.get(f"{API}/households", {"region": tree.district.code}).json()["items"]
    assert [item["id"] for item in households] == [family.id]
    assert client.get(f"{API}/persons", {"region": tree.other_district.code}).status_code == 404


def test_bad_cursor_and_limit_are_422_with_path(tree: Tree, logged_in: LoggedIn) -> None:
    client = logged_in(Role.VILLAGE_ASSISTANT)
    response = client.get(f"{API}/persons", {"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "cursor"
    for limit in (0, 201, "many"):
        response = client.get(f"{API}/persons", {"limit": limit})
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["path"] == "limit"
        assert error["message"].isascii() is False  # a Chinese message, not pydantic's English


def test_person_detail_shows_household_and_certificates(family: Household, logged_in: LoggedIn) -> None:
    head = Person.objects.get(name="张三")
    DisabilityCertificate.objects.create(
        person=head,
        certificate_number="50010319500301011241",
        disability_category="4",
        disability_grade=2,
        valid_from=date(2020, 1, 1),
    )
    response = logged_in(Role.VILLAGE_ASSISTANT).get(f"{API}/persons/{head.id}")
    assert response.status_code == 200
    body = response.json()
    assert (body["household_id"], body["relation"], body["unmasked"]) == (family.id, "02", False)
    assert "*" in body["id_number"]
    assert body["phone"] == "138****5678"
    assert [c["disability_grade"] for c in body["disability_certificates"]] == [2]
    assert body["disability_certificates"][0]["certificate_number"] == "500103**********1241"
    assert "19500301" not in response.content.decode()
    assert AuditEvent.objects.filter(action="person.view", object_id=str(head.id)).count() == 1


def test_person_in_other_district_is_404_and_not_listed(stranger: Household, logged_in: LoggedIn) -> None:
    outsider = stranger.members.get().person
    client = logged_in(Role.DISTRICT_APPROVER)
    response = client.get(f"{API}/persons/{outsider.id}")
    assert response.status_code == 404
    assert response.json()["code"] == "person.not_found"
    assert client.get(f"{API}/persons").json()["items"] == []
    assert client.get(f"{API}/persons/999999").status_code == 404


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VILLAGE_ASSISTANT, False),
        (Role.TOWNSHIP_CASEWORKER, True),
        (Role.TOWNSHIP_REVIEWER, True),
        (Role.DISTRICT_APPROVER, True),
        (Role.CITY_ANALYST, False),
        (Role.SUPERVISOR, True),
    ],
)
def test_unmask_per_role_is_audited(role: str, allowed: bool, family: Household, logged_in: LoggedIn) -> None:
    head = Person.objects.get(name="张三")
    response = logged_in(role).get(f"{API}/persons/{head.id}", {"unmask": "true"})
    unmasks = AuditEvent.objects.filter(action="person.unmask", object_id=str(head.id))
    if allowed:
        assert response.status_code == 200
        body = response.json()
        assert (body["id_number"], body["phone"], body["unmasked"]) == (head.id_number, head.phone, True)
        assert body["birth_on"] == "1950-03-01"
        event = unmasks.get()
        assert event.username.startswith(role)
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "access.denied"
        assert not unmasks.exists()


def test_person_create_update_and_death(tree: Tree, family: Household, logged_in: LoggedIn) -> None:
    client = logged_in(Role.VILLAGE_ASSISTANT)
    response = _post(client, "/persons", _person_body(tree))
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["sex"], created["birth_on"], created["phone"]) == ("male", None, "139****5678")
    assert Person.objects.get(id=created["id"]).birth_on == date(1990, 5, 17)
    assert created["id_number"].count("*") == 8
    person = Person.objects.get(id=created["id"])

    response = _patch(client, f"/persons/{person.id}", {"name": "赵六一", "phone": "13700001111"})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["phone"]) == ("赵六一", "137****1111")
    person.refresh_from_db()
    assert (person.name, person.phone, person.work_ability) == ("赵六一", "13700001111", "full")
    update = AuditEvent.objects.get(action="person.update", object_id=str(person.id))
    assert update.detail["changes"]["phone"] == ["139****5678", "137****1111"]

    head = Person.objects.get(name="张三")
    response = _post(client, f"/persons/{head.id}/death", {"died_on": "2024-05-06"})
    assert response.status_code == 200, response.content
    assert (response.json()["alive"], response.json()["died_on"], response.json()["age"]) == (
        False,
        "2024-05-06",
        74,
    )
    assert HouseholdMember.objects.get(person=head).valid_to == date(2024, 5, 6)
    assert _post(client, f"/persons/{head.id}/death", {"died_on": "2024-05-07"}).status_code == 409


def test_person_create_bad_id_number_says_which_check_failed(tree: Tree, logged_in: LoggedIn) -> None:
    good = make_id_number("500103", date(1990, 5, 17), 123)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = _post(logged_in(Role.VILLAGE_ASSISTANT), "/persons", _person_body(tree, id_number=bad))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "id_number.checksum"
    error = body["errors"][0]
    assert (error["path"], error["code"]) == ("id_number", "id_number.checksum")
    assert "校验码" in error["message"]
    assert not Person.objects.exists()


def test_person_create_schema_error_has_path(tree: Tree, logged_in: LoggedIn) -> None:
    body = _person_body(tree)
    del body["name"]
    body["serious_illness"] = "perhaps"
    response = _post(logged_in(Role.VILLAGE_ASSISTANT), "/persons", body)
    assert response.status_code == 422
    errors = {error["path"]: error for error in response.json()["errors"]}
    assert set(errors) == {"name", "serious_illness"}
    assert (errors["name"]["code"], errors["name"]["message"]) == ("schema.missing", "必填")


def test_person_update_only_changes_sent_fields_and_rejects_null(family: Household, logged_in: LoggedIn) -> None:
    client = logged_in(Role.TOWNSHIP_CASEWORKER)
    head = Person.objects.get(name="张三")
    assert _patch(client, f"/persons/{head.id}", {"serious_illness": True}).status_code == 200
    head.refresh_from_db()
    assert (head.serious_illness, head.name, head.phone) == (True, "张三", "13812345678")
    response = _patch(client, f"/persons/{head.id}", {"name": None})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "name"
    response = _patch(client, f"/persons/{head.id}", {"phone": "12345"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "phone"


@pytest.mark.parametrize("role", [Role.CITY_ANALYST, Role.TOWNSHIP_REVIEWER, Role.SUPERVISOR])
def test_readers_cannot_write(role: str, tree: Tree, family: Household, logged_in: LoggedIn) -> None:
    client = logged_in(role)
    assert _post(client, "/persons", _person_body(tree)).status_code == 403
    head = Person.objects.get(name="张三")
    assert _patch(client, f"/persons/{head.id}", {"name": "改"}).status_code == 403
    assert not Person.objects.filter(name="改").exists()


def test_administrator_sees_no_case_data(family: Household, logged_in: LoggedIn) -> None:
    client = logged_in(Role.ADMINISTRATOR)
    assert client.get(f"{API}/persons").status_code == 403
    assert client.get(f"{API}/households").status_code == 403


def test_anonymous_is_401(family: Household) -> None:
    response = Client().get(f"{API}/persons")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


# ------------------------------------------------------------------------------------------------ households


def test_household_create_with_members_and_history(tree: Tree, logged_in: LoggedIn) -> None:
    head = make_person(tree.village, name="孙一", sequence=11)
    child = make_person(tree.village, name="孙二", born=date(2015, 1, 1), sequence=12)
    client = logged_in(Role.VILLAGE_ASSISTANT)
    response = _post(
        client,
        "/households",
        {
            "number": "H500103001001-00009",
            "region_code": tree.village.code,
            "address": "金汤街9号",
            "hukou_type": "urban",
            "valid_from": "2023-01-01",
            "members": [{"person_id": head.id, "relation": "02"}, {"person_id": child.id, "relation": "30"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    household_id = body["id"]
    assert body["region"] == {"code": tree.village.code, "name": "金汤街社区"}
    assert [(m["person"]["name"], m["is_head"]) for m in body["members"]] == [("孙一", True), ("孙二", False)]
    assert all("*" in m["person"]["id_number"] for m in body["members"])

    other = make_person(tree.village, name="孙三", sequence=13)
    response = _post(
        client,
        f"/households/{household_id}/members",
        {"person_id": other.id, "relation": "50", "valid_from": "2024-01-01"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["person"]["name"] == "孙三"
    response = _post(
        client,
        f"/households/{household_id}/members/{child.id}/end",
        {"valid_to": "2024-06-01", "reason": "迁出"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["valid_to"], response.json()["end_reason"]) == ("2024-06-01", "迁出")

    def members_on(day: str) -> list[str]:
        detail = client.get(f"{API}/households/{household_id}", {"on": day})
        assert detail.status_code == 200, detail.content
        return sorted(m["person"]["name"] for m in detail.json()["members"])

    assert members_on("2023-06-01") == ["孙一", "孙二"]
    assert members_on("2024-03-01") == ["孙一", "孙三", "孙二"]
    assert members_on("2024-06-01") == ["孙一", "孙三"]
    history = client.get(f"{API}/households/{household_id}").json()["history"]
    assert [(m["person"]["name"], m["valid_to"]) for m in history] == [
        ("孙一", None),
        ("孙二", "2024-06-01"),
        ("孙三", None),
    ]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"household.create", "household.member_add", "household.member_end", "household.view"} <= actions


def test_household_create_member_error_has_precise_path(tree: Tree, logged_in: LoggedIn) -> None:
    head = make_person(tree.village, name="孙一", sequence=11)
    child = make_person(tree.village, name="孙二", sequence=12)
    client = logged_in(Role.VILLAGE_ASSISTANT)
    body: dict[str, Any] = {
        "number": "H1",
        "region_code": tree.village.code,
        "hukou_type": "urban",
        "valid_from": "2023-01-01",
        "members": [{"person_id": head.id, "relation": "02"}, {"person_id": child.id, "relation": "XX"}],
    }
    response = _post(client, "/households", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "members[1].relation"
    assert not Household.objects.exists()

    body["members"][1] = {"person_id": "abc", "relation": "30"}
    response = _post(client, "/households", body)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["path"], error["code"], error["message"]) == (
        "members[1].person_id",
        "schema.int_parsing",
        "应为整数",
    )


def test_household_member_add_error_path(family: Household, tree: Tree, logged_in: LoggedIn) -> None:
    person = make_person(tree.village, name="孙三", sequence=13)
    response = _post(
        logged_in(Role.VILLAGE_ASSISTANT),
        f"/households/{family.id}/members",
        {"person_id": person.id, "relation": "XX", "valid_from": "2024-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "relation"


def test_household_list_filters_scope_and_walk(
    tree: Tree, family: Household, stranger: Household, logged_in: LoggedIn
) -> None:
    for n in range(5):
        make_household(tree.village, f"H500103001001-1000{n}")
    client = logged_in(Role.TOWNSHIP_REVIEWER)
    ids, _pages = _walk(client, "/households", limit=2)
    assert stranger.id not in ids
    assert ids == sorted(Household.objects.exclude(id=stranger.id).values_list("id", flat=True))
    numbers = client.get(f"{API}/households", {"number": "H500103001001-1000"}).json()["items"]
    assert len(numbers) == 5
    items = client.get(f"{API}/households", {"number": family.number}).json()["items"]
    assert items == [
        {
            "id": family.id,
            "number": family.number,
            "address": "测试路1号",
            "hukou_type": "urban",
            "region": {"code": tree.village.code, "name": "金汤街社区"},
        }
    ]
    assert client.get(f"{API}/households", {"region": tree.other_district.code}).status_code == 404
    assert client.get(f"{API}/households/{stranger.id}").status_code == 404


def test_household_detail_members_are_masked(family: Household, logged_in: LoggedIn) -> None:
    body = logged_in(Role.SUPERVISOR).get(f"{API}/households/{family.id}").json()
    assert len(body["members"]) == 2
    for member in body["members"]:
        person = Person.objects.get(id=member["person"]["id"])
        assert member["person"]["id_number"] != person.id_number
        assert member["person"]["id_number"].endswith(person.id_number[-4:])
    assert "phone" not in body["members"][0]["person"]
    assert "birth_on" not in body["members"][0]["person"]
    assert body["members"][0]["person"]["age"] >= 70


# ------------------------------------------------------------------------------------------------ counts


def test_registry_counts_by_region_and_children(
    tree: Tree, family: Household, stranger: Household, logged_in: LoggedIn
) -> None:
    client = logged_in(Role.CITY_ANALYST)
    response = client.get(f"{API}/registry/counts", {"region": tree.city.code})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["region"]["code"] == tree.city.code
    assert (body["counts"]["persons"], body["counts"]["households"], body["counts"]["elderly"]) == (3, 2, 2)
    by_code = {child["region"]["code"]: child["counts"] for child in body["children"]}
    assert (by_code[tree.district.code]["persons"], by_code[tree.other_district.code]["persons"]) == (2, 1)

    district = logged_in(Role.DISTRICT_APPROVER)
    own = district.get(f"{API}/registry/counts").json()  # defaults to the account's own region
    assert (own["region"]["code"], own["counts"]["persons"]) == (tree.district.code, 2)
    assert district.get(f"{API}/registry/counts", {"region": tree.other_district.code}).status_code == 404
    assert logged_in(Role.ADMINISTRATOR).get(f"{API}/registry/counts").status_code == 403


# -------------------------------------------------------------------------------------------- schema, cost


def test_openapi_lists_operation_ids_and_docs_load(db: None) -> None:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    found = {operation["operationId"] for methods in schema["paths"].values() for operation in methods.values()}
    assert found >= OPERATION_IDS
    assert "/api/v1/persons/{person_id}" in schema["paths"]
    assert Client().get(f"{API}/docs").status_code == 200


@pytest.mark.parametrize(("url", "count"), [("/persons", 40), ("/households", 40)])
def test_list_query_count_does_not_grow_with_rows(
    url: str, count: int, tree: Tree, logged_in: LoggedIn, django_assert_max_num_queries: Any
) -> None:
    client = logged_in(Role.TOWNSHIP_CASEWORKER)
    for sequence in range(1, count + 1):
        person = make_person(tree.village, name=f"周{sequence}", sequence=sequence)
        make_household(tree.village, f"H-{sequence:05d}", person)
    # session 2 + actor 2 + region 1 + page 1 + session save 3, whatever the number of rows
    with django_assert_max_num_queries(9):
        response = client.get(f"{API}{url}", {"region": tree.township.code, "limit": "200"})
    assert len(response.json()["items"]) == count


def test_household_detail_query_count_does_not_grow_with_members(
    tree: Tree, logged_in: LoggedIn, django_assert_max_num_queries: Any
) -> None:
    persons = [make_person(tree.village, name=f"吴{n}", sequence=n) for n in range(1, 21)]
    household = make_household(tree.village, "H-BIG", *persons)
    client = logged_in(Role.TOWNSHIP_CASEWORKER)
    # session 2 + actor 2 + household 1 + audit 1 + members 1 + history 1 + session save 3
    with django_assert_max_num_queries(11):
        response = client.get(f"{API}/households/{household.id}")
    assert (len(response.json()["members"]), len(response.json()["history"])) == (20, 20)


def test_household_update_through_api(family: Household, logged_in: LoggedIn) -> None:
    client = logged_in(Role.VILLAGE_ASSISTANT)
    url = f"/households/{family.id}"
    response = _patch(client, url, {"address": "新路2号"})
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "新路2号"
    assert _patch(client, url, {"address": None}).status_code == 422
    bad = _patch(client, url, {"hukou_type": "x"})
    assert (bad.status_code, bad.json()["errors"][0]["path"]) == (422, "hukou_type")


def test_docs_page_uses_bundled_swagger_not_a_cdn(family: Household, logged_in: LoggedIn) -> None:
    """Government networks are often closed: the docs page must load its JavaScript from our static files."""
    html = logged_in(Role.DISTRICT_APPROVER).get("/api/v1/docs").content.decode()
    assert "/static/ninja/" in html
    assert "cdn.jsdelivr.net" not in html


def test_patch_refuses_fields_that_cannot_change(family: Household, logged_in: LoggedIn) -> None:
    response = _patch(logged_in(Role.VILLAGE_ASSISTANT), f"/households/{family.id}", {"number": "H-X"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "number"


def test_death_in_the_future_is_refused(family: Household, logged_in: LoggedIn) -> None:
    head = family.members.get(is_head=True).person
    response = _post(logged_in(Role.VILLAGE_ASSISTANT), f"/persons/{head.id}/death", {"died_on": "2999-01-01"})
    assert (response.status_code, response.json()["code"]) == (422, "person.died_in_future")
