"""Staff pages of the registry via the Django test client: scope, masking, audit, htmx, query counts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error
from pytest_django import DjangoAssertNumQueries

from minzheng.core.access.models import Role
from minzheng.core.access.permissions import PERMISSIONS
from minzheng.core.audit.models import AuditEvent
from minzheng.core.masking import mask_id_number, mask_phone
from minzheng.registry import views
from minzheng.registry.models import DisabilityCertificate, Household, HouseholdMember, Person, Relation
from tests.conftest import PASSWORD, Tree, make_household, make_person

DATA_ROLES = sorted(PERMISSIONS["person.view"])  # administrators and department officers see no persons
# Roles whose scope is the own district or below: the other district's records are invisible to them.
LOCAL_ROLES = [role for role in DATA_ROLES if role != Role.CITY_ANALYST]
UNMASK_ROLES = {Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER, Role.SUPERVISOR}

LoggedIn = Callable[..., Client]


def _text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined,no-any-return]


def _head(household: Household) -> Person:
    return household.members.get(is_head=True).person


# ------------------------------------------------------------------------------------------- login


@pytest.mark.parametrize(
    "url",
    ["/", "/persons/", "/persons/1/", "/households/", "/households/1/", "/persons/?q=%E5%BC%A0"],
)
def test_anonymous_is_redirected_to_login(db: None, client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_page_renders_with_csrf_and_language_switch(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.get(reverse("login"))
    text = _text(response)
    assert response.status_code == 200
    assert "工作人员登录" in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert 'action="/i18n/setlang/"' in text
    assert "退出登录" not in text


def test_login_with_valid_credentials_reaches_home(
    client: Client, staff_user: Callable[..., User], family: Household
) -> None:
    user = staff_user(Role.TOWNSHIP_CASEWORKER)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "民政人口概况" in _text(response)


def test_login_with_bad_password_shows_error(client: Client, staff_user: Callable[..., User]) -> None:
    user = staff_user(Role.TOWNSHIP_CASEWORKER)
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in _text(response)


def test_five_failures_lock_the_account_for_15_minutes(client: Client, staff_user: Callable[..., User]) -> None:
    user = staff_user(Role.TOWNSHIP_CASEWORKER)
    for _attempt in range(5):
        response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    text = _text(response)
    assert "账号已锁定" in text
    assert "15 分钟" in text
    # Even the right password is refused while locked.
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert "账号已锁定" in _text(response)
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_form(logged_in: LoggedIn, tree: Tree) -> None:
    client = logged_in(Role.TOWNSHIP_CASEWORKER)
    text = _text(client.get(reverse("home")))
    assert re.search(r'<form method="post" action="/logout/"', text)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


# -------------------------------------------------------------------------------------------- home


@pytest.mark.parametrize("role", DATA_ROLES)
def test_home_shows_region_roles_counts_and_chart(logged_in: LoggedIn, family: Household, role: str) -> None:
    response = logged_in(role).get(reverse("home"))
    text = _text(response)
    assert response.status_code == 200
    assert str(Role(role).label) in text
    assert 'data-metric="persons">2<' in text
    assert 'data-metric="households">1<' in text
    assert 'data-metric="elderly">2<' in text
    assert 'id="region-chart"' in text
    chart = response.context["chart"]
    assert chart["series"]
    assert 'id="region-chart-data"' in text
    assert "core/vendor/echarts.min.js" in text


def test_home_chart_groups_by_child_region(logged_in: LoggedIn, tree: Tree, family: Household) -> None:
    response = logged_in(Role.CITY_ANALYST).get(reverse("home"))
    chart = response.context["chart"]
    assert chart["mode"] == "regions"
    assert chart["categories"] == ["渝中区", "沙坪坝区"]
    persons = chart["series"][0]
    assert persons["data"] == [2, 0]
    assert chart["links"][0] == f"/?region={tree.district.id}"
    embedded = re.search(r'<script id="region-chart-data" type="application/json">(.*?)</script>', _text(response))
    assert embedded is not None
    assert json.loads(embedded.group(1))["categories"] == ["渝中区", "沙坪坝区"]


def test_home_of_a_village_charts_its_own_categories(logged_in: LoggedIn, family: Household) -> None:
    chart = logged_in(Role.VILLAGE_ASSISTANT).get(reverse("home")).context["chart"]
    assert chart["mode"] == "categories"
    assert chart["series"][0]["data"][:2] == [2, 1]


def test_home_drills_down_within_scope_only(logged_in: LoggedIn, tree: Tree, family: Household) -> None:
    client = logged_in(Role.DISTRICT_APPROVER)
    response = client.get(reverse("home"), {"region": tree.township.id})
    assert response.status_code == 200
    assert "七星岗街道民政人口概况" in _text(response)
    assert "返回上一级" in _text(response)
    assert client.get(reverse("home"), {"region": tree.other_district.id}).status_code == 404
    assert client.get(reverse("home"), {"region": 999999}).status_code == 404


def test_administrator_is_pointed_to_the_admin(logged_in: LoggedIn, family: Household) -> None:
    response = logged_in(Role.ADMINISTRATOR).get(reverse("home"))
    text = _text(response)
    assert response.status_code == 200
    assert "/admin/" in text
    assert "民政人口概况" not in text
    assert "人员查询" not in text


def test_administrator_cannot_open_person_pages(logged_in: LoggedIn, family: Household) -> None:
    client = logged_in(Role.ADMINISTRATOR)
    response = client.get(reverse("person_search"), {"q": "张"})
    assert response.status_code == 403
    assert "无权访问" in _text(response)


# ----------------------------------------------------------------------------------------- persons


@pytest.mark.parametrize("role", DATA_ROLES)
def test_person_search_masks_ids_and_phones(logged_in: LoggedIn, family: Household, role: str) -> None:
    head = _head(family)
    response = logged_in(role).get(reverse("person_search"), {"q": "张"})
    text = _text(response)
    assert response.status_code == 200
    assert "<html" in text
    assert head.name in text
    assert mask_id_number(head.id_number) in text
    assert head.id_number not in text
    assert mask_phone(head.phone) in text
    assert head.phone not in text
    assert reverse("person_detail", args=[head.id]) in text


def test_person_search_by_id_number(logged_in: LoggedIn, family: Household) -> None:
    spouse = family.members.get(is_head=False).person
    response = logged_in(Role.TOWNSHIP_CASEWORKER).get(reverse("person_search"), {"q": spouse.id_number.lower()})
    rows = response.context["rows"]
    assert [row.id for row in rows] == [spouse.id]


@pytest.mark.parametrize("role", LOCAL_ROLES)
def test_person_search_hides_other_districts(
    logged_in: LoggedIn, family: Household, stranger: Household, role: str
) -> None:
    response = logged_in(role).get(reverse("person_search"), {"q": "王五"})
    assert response.context["rows"] == []
    assert "未找到" in _text(response)


def test_person_search_returns_a_partial_to_htmx(logged_in: LoggedIn, family: Household) -> None:
    response = logged_in(Role.TOWNSHIP_CASEWORKER).get(
        reverse("person_search"), {"q": "李"}, headers={"HX-Request": "true"}
    )
    text = _text(response)
    assert response.status_code == 200
    assert "<html" not in text
    assert "李四" in text
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(logged_in: LoggedIn, family: Household) -> None:
    response = logged_in(Role.TOWNSHIP_CASEWORKER).get(
        reverse("person_search"),
        {"q": "李"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in _text(response)


def test_person_search_pages_by_keyset(logged_in: LoggedIn, tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    names = ["张一", "张二", "张三", "张三", "张四"]
    for sequence, name in enumerate(names, start=41):
        make_person(tree.village, name=name, born=date(1990, 1, 1), sequence=sequence)
    client = logged_in(Role.TOWNSHIP_CASEWORKER)
    seen: list[str] = []
    url: str | None = reverse("person_search") + "?q=%E5%BC%A0"
    pages = 0
    while url:
        response = client.get(url)
        seen += [row.name for row in response.context["rows"]]
        url = response.context["next_url"]
        pages += 1
        if url:
            assert "after=" in url
            assert 'rel="next"' in _text(response)
    assert pages == 3
    assert sorted(seen) == sorted(names)
    assert seen == names  # registration order (id): the order the index can serve over a million rows


@pytest.mark.parametrize("role", DATA_ROLES)
def test_person_detail_is_masked_and_audited(logged_in: LoggedIn, family: Household, role: str) -> None:
    head = _head(family)
    response = logged_in(role).get(reverse("person_detail", args=[head.id]))
    text = _text(response)
    assert response.status_code == 200
    for label in ("姓名", "公民身份号码", "性别", "年龄", "民族", "联系电话", "户籍地", "经常居住地"):
        assert label in text
    # The masked digits of an ID number are the birth date, so a masked page never shows it.
    assert "出生日期" not in text
    assert head.birth_on.isoformat() not in text
    assert mask_id_number(head.id_number) in text
    assert head.id_number not in text
    assert head.phone not in text
    assert reverse("household_detail", args=[family.id]) in text
    assert AuditEvent.objects.filter(action="person.view", object_id=str(head.id)).count() == 1
    assert ("显示完整号码" in text) == (role in UNMASK_ROLES)


@pytest.mark.parametrize("role", sorted(UNMASK_ROLES))
def test_unmask_shows_full_values_and_is_audited(logged_in: LoggedIn, family: Household, role: str) -> None:
    head = _head(family)
    response = logged_in(role).get(reverse("person_detail", args=[head.id]), {"unmask": "1"})
    text = _text(response)
    assert response.status_code == 200
    assert head.id_number in text
    assert head.phone in text
    assert "隐藏完整号码" in text
    assert AuditEvent.objects.filter(action="person.unmask", object_id=str(head.id)).count() == 1


@pytest.mark.parametrize("role", sorted(set(DATA_ROLES) - UNMASK_ROLES))
def test_unmask_is_refused_without_permission(logged_in: LoggedIn, family: Household, role: str) -> None:
    head = _head(family)
    response = logged_in(role).get(reverse("person_detail", args=[head.id]), {"unmask": "1"})
    text = _text(response)
    assert response.status_code == 403
    assert "无权" in text
    assert head.id_number not in text
    assert not AuditEvent.objects.filter(action="person.unmask").exists()


@pytest.mark.parametrize("role", LOCAL_ROLES)
def test_other_district_person_is_not_found(
    logged_in: LoggedIn, family: Household, stranger: Household, role: str
) -> None:
    person = _head(stranger)
    response = logged_in(role).get(reverse("person_detail", args=[person.id]))
    assert response.status_code == 404
    assert "未找到该页面或记录" in _text(response)
    assert person.name not in _text(response)


def test_person_detail_shows_disability_certificates(logged_in: LoggedIn, family: Household) -> None:
    head = _head(family)
    DisabilityCertificate.objects.create(
        person=head,
        certificate_number="50010319500301001142",
        disability_category="4",
        disability_grade=2,
        valid_from=date(2020, 5, 1),
    )
    text = _text(logged_in(Role.TOWNSHIP_CASEWORKER).get(reverse("person_detail", args=[head.id])))
    assert "肢体残疾" in text
    assert "2 级" in text
    assert "50010319500301001142" in text


def test_person_detail_of_a_missing_person_is_not_found(logged_in: LoggedIn, tree: Tree) -> None:
    assert logged_in(Role.SUPERVISOR).get(reverse("person_detail", args=[987654])).status_code == 404


# -------------------------------------------------------------------------------------- households


@pytest.fixture
def moved_out(family: Household, tree: Tree) -> Person:
    """A son who was a member from 2020-01-01 until he moved out on 2023-07-01."""
    son = make_person(tree.village, name="张小明", born=date(1985, 4, 5), sequence=51)
    HouseholdMember.objects.create(
        household=family,
        person=son,
        relation=Relation.SON,
        valid_from=date(2020, 1, 1),
        valid_to=date(2023, 7, 1),
        end_reason="迁出",
    )
    return son


@pytest.mark.parametrize("role", DATA_ROLES)
def test_household_detail_members_and_history(
    logged_in: LoggedIn, family: Household, moved_out: Person, role: str
) -> None:
    response = logged_in(role).get(reverse("household_detail", args=[family.id]))
    text = _text(response)
    assert response.status_code == 200
    members = response.context["members"]
    assert [m.name for m in members] == ["张三", "李四"]
    assert members[0].is_head
    assert [m.relation for m in members] == ["户主", "配偶"]
    assert all("*" in m.id_number for m in members)
    history = response.context["history"]
    assert {m.name for m in history} == {"张三", "李四", "张小明"}
    assert "2023-07-01" in text
    assert "迁出" in text
    assert "至今" in text
    assert AuditEvent.objects.filter(action="household.view", object_id=str(family.id)).count() == 1


def test_household_members_as_of_a_date(logged_in: LoggedIn, family: Household, moved_out: Person) -> None:
    client = logged_in(Role.TOWNSHIP_REVIEWER)
    response = client.get(reverse("household_detail", args=[family.id]), {"on": "2022-01-01"})
    assert [m.name for m in response.context["members"]] == ["张三", "李四", "张小明"]
    assert "2022-01-01 的家庭成员" in _text(response)
    response = client.get(reverse("household_detail", args=[family.id]), {"on": "2019-12-31"})
    assert response.context["members"] == []
    response = client.get(reverse("household_detail", args=[family.id]), {"on": "not-a-date"})
    assert "日期格式不正确" in _text(response)
    assert len(response.context["members"]) == 2


@pytest.mark.parametrize("role", LOCAL_ROLES)
def test_other_district_household_is_not_found(
    logged_in: LoggedIn, family: Household, stranger: Household, role: str
) -> None:
    response = logged_in(role).get(reverse("household_detail", args=[stranger.id]))
    assert response.status_code == 404
    assert stranger.number not in _text(response)


@pytest.mark.parametrize("role", DATA_ROLES)
def test_household_list_by_number(logged_in: LoggedIn, family: Household, stranger: Household, role: str) -> None:
    client = logged_in(role)
    response = client.get(reverse("household_list"), {"q": "H500103"})
    assert [h.id for h in response.context["households"]] == [family.id]
    response = client.get(reverse("household_list"), {"q": "H500106"})
    assert [h.id for h in response.context["households"]] == ([stranger.id] if role == Role.CITY_ANALYST else [])
    partial = client.get(reverse("household_list"), {"q": "H5"}, headers={"HX-Request": "true"})
    assert "<html" not in _text(partial)
    assert family.number in _text(partial)


def test_household_list_pages_by_keyset(logged_in: LoggedIn, tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for index in range(5):
        make_household(tree.village, f"H500103001001-{index:05d}")
    client = logged_in(Role.VILLAGE_ASSISTANT)
    numbers: list[str] = []
    url: str | None = reverse("household_list")
    while url:
        response = client.get(url)
        numbers += [h.number for h in response.context["households"]]
        url = response.context["next_url"]
    assert numbers == [f"H500103001001-{index:05d}" for index in range(5)]


def test_household_list_pages_by_number_not_by_registration_order(
    logged_in: LoggedIn, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for index in reversed(range(5)):  # registered last to first
        make_household(tree.village, f"H500103001001-{index:05d}")
    client = logged_in(Role.VILLAGE_ASSISTANT)
    numbers: list[str] = []
    url: str | None = reverse("household_list") + "?q=H500103"
    while url:
        response = client.get(url)
        numbers += [h.number for h in response.context["households"]]
        url = response.context["next_url"]
    assert numbers == [f"H500103001001-{index:05d}" for index in range(5)]


# ------------------------------------------------------------------------------------ query counts


@pytest.fixture
def crowd(tree: Tree) -> list[Household]:
    """60 two-person households in the own village (more than one page of search results)."""
    households = []
    for index in range(60):
        head = make_person(
            tree.village, name=f"赵{index:02d}", born=date(1940 + index % 50, 1, 1), sequence=index * 2 + 1
        )
        spouse = make_person(
            tree.village, name=f"钱{index:02d}", born=date(1941 + index % 50, 2, 2), sequence=index * 2 + 2
        )
        households.append(make_household(tree.village, f"H500103001001-{index + 100:05d}", head, spouse))
    return households


def test_page_query_counts_do_not_grow_with_data(
    logged_in: LoggedIn,
    tree: Tree,
    crowd: list[Household],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = logged_in(Role.DISTRICT_APPROVER)
    head = _head(crowd[0])
    # Each page: session, user, actor (2 queries, again in the header's context processor), its selectors,
    # and the session save (3 with its savepoint). Budgets are fixed: they must not grow with the data.
    pages: list[tuple[str, dict[str, str | int], int]] = [
        (reverse("home"), {}, 15),
        (reverse("home"), {"region": tree.township.id}, 15),
        (reverse("person_search"), {"q": "赵"}, 10),
        (reverse("person_search"), {"q": "赵", "after": head.id}, 10),
        (reverse("household_list"), {}, 10),
        (reverse("household_list"), {"q": "H500103", "after": crowd[0].id}, 10),
        (reverse("person_detail", args=[head.id]), {}, 13),
        (reverse("person_detail", args=[head.id]), {"unmask": "1"}, 13),
        # The household page also reads incomes, assets, expenses and the members' latest self-care (4 queries).
        (
            reverse("household_detail", args=[crowd[0].id]),
            {},
            20,
        ),  # + the assistance chain (cases, enrolments, referrals)
        (
            reverse("household_detail", args=[crowd[0].id]),
            {"on": "2021-01-01"},
            20,
        ),  # + the assistance chain (cases, enrolments, referrals)
    ]
    for url, params, budget in pages:
        with django_assert_max_num_queries(budget, info=f"{url} {params}"):
            assert client.get(url, params).status_code == 200
    response = client.get(reverse("person_search"), {"q": "赵"})
    assert len(response.context["rows"]) == views.PAGE_SIZE


# ------------------------------------------------------------------------------------- error pages


def test_unknown_url_shows_the_chinese_404_page(logged_in: LoggedIn, tree: Tree) -> None:
    response = logged_in(Role.SUPERVISOR).get("/no-such-page/")
    assert response.status_code == 404
    assert "返回首页" in _text(response)


def test_staff_pages_are_not_cached(logged_in: LoggedIn, family: Household) -> None:
    response = logged_in(Role.SUPERVISOR).get(reverse("person_detail", args=[_head(family).id]))
    assert "no-store" in response["Cache-Control"]


def test_500_page_is_chinese_and_renders_without_database_or_context() -> None:
    """No `db` fixture: any query while rendering would fail the test (as it would with the database down)."""
    response = server_error(RequestFactory().get("/persons/"))
    text = _text(response)
    assert response.status_code == 500
    assert "系统出错" in text
    assert "民政业务平台" in text
    assert 'href="/"' in text


@pytest.mark.parametrize("url_name", ["household_detail", "person_search"])
def test_masked_lists_show_age_not_birth_date(logged_in: LoggedIn, family: Household, url_name: str) -> None:
    head = _head(family)
    url = reverse(url_name, args=[family.id]) if url_name == "household_detail" else reverse(url_name) + "?q=张"
    text = _text(logged_in(Role.DISTRICT_APPROVER).get(url))
    assert mask_id_number(head.id_number) in text
    assert head.birth_on.isoformat() not in text
    assert "年龄" in text
