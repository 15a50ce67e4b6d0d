"""The supervisor's audit log page: scope, columns and labels, filters, keyset pages, access, its own audit trail."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from minzheng.core import views
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.access.permissions import roles_allowed
from minzheng.core.audit.models import AuditEvent
from minzheng.core.audit.selectors import audit_event_list, object_url, role_labels
from minzheng.core.audit.services import audit_record
from minzheng.registry.models import Household, Person
from minzheng.registry.selectors import person_get
from tests.conftest import Tree, make_person

LoggedIn = Callable[..., Client]
URL = "/audit/"


def _text(response: Any) -> str:
    return response.content.decode()  # type: ignore[no-any-return]


def _actions(response: Any) -> list[str]:
    """The action codes of the listed rows, top to bottom (each action cell carries its code as title)."""
    return [row.action_code for row in response.context["rows"]]


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """Events recorded inside get `moment` as their time (auto_now_add reads django.utils.timezone.now)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: moment)
        yield


@pytest.fixture
def events(tree: Tree, family: Household, stranger: Household, actor_of: Callable[..., Actor]) -> dict[str, AuditEvent]:
    """Events in the own district (village and township) and one in the other district, oldest first."""
    assistant = actor_of(Role.VILLAGE_ASSISTANT)
    caseworker = actor_of(Role.TOWNSHIP_CASEWORKER)
    outsider = actor_of(Role.DISTRICT_APPROVER, tree.other_district)
    head: Person = family.members.get(is_head=True).person
    far: Person = stranger.members.get(is_head=True).person
    recorded: dict[str, AuditEvent] = {}
    with _at(datetime(2024, 3, 1, 2, 0, tzinfo=UTC)):  # 2024-03-01 10:00 in Chongqing
        recorded["view"] = audit_record(actor=assistant, action="person.view", obj=head, region=tree.village)
    with _at(datetime(2024, 3, 1, 16, 30, tzinfo=UTC)):  # 2024-03-02 00:30 in Chongqing
        recorded["update"] = audit_record(
            actor=caseworker,
            action="household.update",
            obj=family,
            region=tree.village,
            detail={"changes": {"address": ["旧路1号", "<b>新路2号</b>"]}},
        )
    with _at(datetime(2024, 3, 5, 1, 0, tzinfo=UTC)):
        recorded["odd"] = audit_record(actor=caseworker, action="custom.thing", region=tree.township)
    with _at(datetime(2024, 3, 5, 2, 0, tzinfo=UTC)):
        recorded["far"] = audit_record(actor=outsider, action="person.view", obj=far, region=tree.other_village)
    return recorded


# --------------------------------------------------------------------------------------------- scope, columns


def test_supervisor_sees_own_region_events_newest_first(logged_in: LoggedIn, events: dict[str, AuditEvent]) -> None:
    response = logged_in(Role.SUPERVISOR).get(URL)
    assert response.status_code == 200
    assert _actions(response) == ["custom.thing", "household.update", "person.view"]
    assert events["far"].username not in _text(response)


def test_rows_show_local_time_labels_links_and_detail(
    logged_in: LoggedIn, events: dict[str, AuditEvent], family: Household, tree: Tree
) -> None:
    response = logged_in(Role.SUPERVISOR).get(URL)
    text = _text(response)
    update = events["update"]
    assert "2024-03-02 00:30:00" in text  # Asia/Shanghai, not the stored UTC instant
    assert "2024-03-01 10:00:00" in text
    assert "乡镇经办" in text
    assert "村居协理员" in text
    assert [row.roles for row in response.context["rows"]] == [["乡镇经办"], ["乡镇经办"], ["村居协理员"]]
    assert "<td>township_caseworker</td>" not in text
    assert "修改家庭" in text
    assert "查看人员" in text
    assert ">custom.thing<" in text  # an unknown action is shown as recorded
    assert f'href="{reverse("household_detail", args=[family.id])}">{family.id}</a>' in text
    assert f'href="{reverse("person_detail", args=[int(events["view"].object_id)])}"' in text
    assert tree.village.code in text
    assert update.client_address is None
    assert "<details><summary>展开</summary>" in text
    assert "&quot;旧路1号&quot;" in text  # Chinese kept readable in the JSON
    assert "<b>新路2号</b>" not in text  # and escaped


def test_client_address_is_shown(logged_in: LoggedIn, tree: Tree, actor_of: Callable[..., Actor]) -> None:
    actor = actor_of(Role.TOWNSHIP_CASEWORKER)
    audit_record(actor=replace(actor, client_address="10.1.2.3"), action="x", region=tree.village)
    assert "10.1.2.3" in _text(logged_in(Role.SUPERVISOR).get(URL))


def test_labels_helpers() -> None:
    assert role_labels("township_reviewer,supervisor") == ["乡镇审核", "监督"]
    assert role_labels("") == []
    assert role_labels("ghost,village_assistant") == ["村居协理员", "ghost"]
    assert object_url("registry.person", "12") == reverse("person_detail", args=[12])
    assert object_url("registry.person", "x1") is None
    assert object_url("core.apitoken", "3") is None


def test_a_township_supervisor_sees_only_the_township(
    logged_in: LoggedIn, events: dict[str, AuditEvent], tree: Tree
) -> None:
    events_seen = _actions(logged_in(Role.SUPERVISOR, tree.village).get(URL))
    assert events_seen == ["household.update", "person.view"]


# ------------------------------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "person.view"}, ["person.view"]),
        ({"action": "person.unmask"}, []),
        ({"username": "township_caseworker-500103001"}, ["custom.thing", "household.update"]),
        ({"username": "township_caseworker"}, []),  # exact, not a prefix
        ({"object_type": "registry.household"}, ["household.update"]),
        ({"from": "2024-03-02"}, ["custom.thing", "household.update"]),  # 00:30 local on the 2nd counts
        ({"to": "2024-03-01"}, ["person.view"]),  # 16:30 UTC on the 1st is the 2nd in Chongqing
        ({"from": "2024-03-02", "to": "2024-03-02"}, ["household.update"]),
        ({"from": "2024-03-06"}, []),
        ({"from": "0001-01-01", "to": "9999-12-31"}, ["custom.thing", "household.update", "person.view"]),
        ({"action": "household.update", "username": "village_assistant-500103001001"}, []),
    ],
)
def test_filters(
    logged_in: LoggedIn, events: dict[str, AuditEvent], params: dict[str, str], expected: list[str]
) -> None:
    response = logged_in(Role.SUPERVISOR).get(URL, params)
    assert _actions(response) == expected
    if not expected:
        assert "没有符合筛选条件的审计记录" in _text(response)


def test_filter_by_object_id(logged_in: LoggedIn, events: dict[str, AuditEvent], family: Household) -> None:
    client = logged_in(Role.SUPERVISOR)
    response = client.get(URL, {"object_type": "registry.household", "object_id": str(family.id)})
    assert _actions(response) == ["household.update"]
    # The other district's person: the filter cannot reach outside the scope.
    far = events["far"]
    assert _actions(client.get(URL, {"object_type": far.object_type, "object_id": far.object_id})) == []


def test_unreadable_date_is_ignored_with_a_notice(logged_in: LoggedIn, events: dict[str, AuditEvent]) -> None:
    response = logged_in(Role.SUPERVISOR).get(URL, {"from": "2024-02-30", "action": "person.view"})
    assert _actions(response) == ["person.view"]
    assert "日期格式不正确" in _text(response)
    assert response.context["params"] == {"action": "person.view"}


def test_action_select_lists_every_known_action_and_keeps_the_one_asked_for(
    logged_in: LoggedIn, events: dict[str, AuditEvent]
) -> None:
    response = logged_in(Role.SUPERVISOR).get(URL, {"action": "custom.thing"})
    choices = response.context["action_choices"]
    assert choices[:3] == [
        ("person.view", "查看人员"),
        ("person.unmask", "查看完整号码"),
        ("person.create", "登记人员"),
    ]
    assert ("token.issue", "签发接口令牌") in choices
    assert ("custom.thing", "custom.thing") in choices  # an action typed into the URL stays selected
    assert '<option value="custom.thing" selected>' in _text(response)


def test_the_form_keeps_the_filters(logged_in: LoggedIn, events: dict[str, AuditEvent]) -> None:
    text = _text(logged_in(Role.SUPERVISOR).get(URL, {"username": "abc", "from": "2024-03-02", "object_id": " 7 "}))
    assert 'name="username" value="abc"' in text
    assert 'name="from" value="2024-03-02"' in text
    assert 'name="object_id" value="7"' in text
    assert "清除筛选条件" in text


def test_selector_date_edges_do_not_overflow(events: dict[str, AuditEvent], actor_of: Callable[..., Actor]) -> None:
    supervisor = actor_of(Role.SUPERVISOR)
    assert audit_event_list(actor=supervisor, date_from=date.min, date_to=date.max).count() == 3
    assert audit_event_list(actor=supervisor, date_from=date(1, 1, 2), date_to=date(9999, 12, 30)).count() == 3


# ---------------------------------------------------------------------------------------------- pagination


@pytest.fixture
def many(tree: Tree, actor_of: Callable[..., Actor]) -> list[AuditEvent]:
    """120 events in the own village, 2 minutes apart, oldest first."""
    actor = actor_of(Role.VILLAGE_ASSISTANT)
    start = datetime(2024, 5, 1, tzinfo=UTC)
    recorded = []
    for index in range(120):
        with _at(start + timedelta(minutes=2 * index)):
            action = "person.view" if index % 2 else "household.view"
            recorded.append(audit_record(actor=actor, action=action, region=tree.village, detail={"n": index}))
    return recorded


def test_pages_walk_every_event_once_newest_first(logged_in: LoggedIn, many: list[AuditEvent]) -> None:
    client = logged_in(Role.SUPERVISOR)
    seen: list[int] = []
    url: str | None = URL
    pages = 0
    while url is not None:
        response = client.get(url)
        seen += [int(n) for n in re.findall(r"&quot;n&quot;: (\d+)", _text(response))]
        url = response.context["next_url"]
        pages += 1
        assert (response.context["first_url"] is None) == (pages == 1)
    # The page views themselves are newer than every page after the first, so they never slip into later pages.
    assert seen == list(range(119, -1, -1))
    assert pages == 3


def test_pages_keep_the_filters(logged_in: LoggedIn, many: list[AuditEvent]) -> None:
    client = logged_in(Role.SUPERVISOR)
    first = client.get(URL, {"action": "person.view"})
    assert len(first.context["rows"]) == views.PAGE_SIZE
    next_url = first.context["next_url"]
    assert "action=person.view" in next_url
    assert f"after={many[119 - 2 * (views.PAGE_SIZE - 1)].id}" in next_url
    second = client.get(next_url)
    assert set(_actions(second)) == {"person.view"}
    assert len(second.context["rows"]) == 60 - views.PAGE_SIZE
    assert second.context["next_url"] is None
    assert second.context["first_url"] == f"{URL}?action=person.view"


def test_htmx_pager_gets_the_results_partial(logged_in: LoggedIn, many: list[AuditEvent]) -> None:
    client = logged_in(Role.SUPERVISOR)
    response = client.get(URL, {"after": many[60].id}, headers={"HX-Request": "true"})
    text = _text(response)
    assert "<html" not in text
    assert 'id="audit-events"' in text
    assert "HX-Request" in response["Vary"]
    assert len(response.context["rows"]) == views.PAGE_SIZE
    restore = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in _text(restore)


def test_page_query_count_does_not_grow_with_data(
    logged_in: LoggedIn, many: list[AuditEvent], django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = logged_in(Role.SUPERVISOR)
    # Session, user, actor (staff and roles, shared with the header), the page, the region and the audit insert,
    # the action choices (not for htmx), the session save (3 with its savepoint): fixed, whatever the data.
    pages: list[tuple[dict[str, str | int], dict[str, str]]] = [
        ({}, {}),
        ({"after": many[70].id, "action": "person.view", "from": "2024-05-01"}, {}),
        ({"after": many[70].id}, {"HX-Request": "true"}),
    ]
    for params, headers in pages:
        with django_assert_max_num_queries(11, info=str(params)):
            assert client.get(URL, params, headers=headers).status_code == 200


# ------------------------------------------------------------------------------------------- access, audit


def test_anonymous_is_sent_to_login(db: None, client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("role", [role for role in Role.values if role != Role.SUPERVISOR])
def test_other_roles_are_refused(logged_in: LoggedIn, tree: Tree, role: str) -> None:
    assert logged_in(role).get(URL).status_code == 403
    assert not AuditEvent.objects.exists()  # a refused view records nothing


def test_post_is_not_allowed(logged_in: LoggedIn, tree: Tree) -> None:
    assert logged_in(Role.SUPERVISOR).post(URL).status_code == 405


def test_each_page_view_is_audited_under_the_supervisors_region(
    logged_in: LoggedIn, events: dict[str, AuditEvent], tree: Tree
) -> None:
    client = logged_in(Role.SUPERVISOR)
    client.get(URL, {"action": "person.view", "to": "2024-03-04"})
    client.get(URL)
    views_recorded = list(AuditEvent.objects.filter(action="audit.view").order_by("id"))
    assert len(views_recorded) == 2
    first = views_recorded[0]
    assert (first.username, first.roles, first.region_code, first.region_path) == (
        f"supervisor-{tree.district.code}",
        "supervisor",
        tree.district.code,
        tree.district.path,
    )
    assert first.detail == {"filters": {"action": "person.view", "date_to": "2024-03-04"}, "after": None, "rows": 1}
    assert first.client_address == "127.0.0.1"
    # The second view lists the first, labelled.
    response = client.get(URL, {"action": "audit.view"})
    assert _actions(response) == ["audit.view", "audit.view"]
    assert "查看审计日志" in _text(response)


@pytest.mark.parametrize("role", Role.values)
def test_nav_link_follows_the_permission(logged_in: LoggedIn, tree: Tree, role: str) -> None:
    text = _text(logged_in(role).get(reverse("home")))
    allowed = role in roles_allowed("audit.view")
    assert (f'href="{URL}"' in text) == allowed
    assert ("审计日志" in text) == allowed


def test_nav_link_is_current_on_the_page(logged_in: LoggedIn, tree: Tree) -> None:
    assert f'<a href="{URL}" aria-current="page">' in _text(logged_in(Role.SUPERVISOR).get(URL))


def test_person_living_elsewhere_is_audited_for_both_regions(
    logged_in: LoggedIn, tree: Tree, actor_of: Callable[..., Actor]
) -> None:
    """人户分离: hukou here, residence in the other district; both districts' supervisors see who looked."""
    person = make_person(tree.village, name="周九", sequence=91)
    Person.objects.filter(id=person.id).update(residence_region=tree.other_village)
    person_get(actor=actor_of(Role.DISTRICT_APPROVER), person_id=person.id)
    for region in (tree.district, tree.other_district):
        rows = logged_in(Role.SUPERVISOR, region).get(URL, {"object_id": str(person.id)}).context["rows"]
        assert [row.action for row in rows] == ["查看人员"], region.code
