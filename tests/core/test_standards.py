"""The standards page (/standards/) and the parameters API: what is in force for a region on a date, formatted for
people, with where each value comes from, its status and history (issue 4; ARCHITECTURE §6 Parameters)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

import minzheng
from minzheng.core import views
from minzheng.core.access.models import Role
from minzheng.core.parameters.models import Parameter, ParameterStatus, ParameterUnit
from minzheng.core.parameters.selectors import parameter_standings, parameter_titles, parameter_values
from minzheng.core.parameters.services import parameter_files, parameters_load
from minzheng.core.regions.models import Region
from tests.conftest import Tree

LoggedIn = Callable[..., Client]
URL = "/standards/"
API = "/api/v1/parameters"
UNCONFIRMED_BADGE = '<span class="badge badge--unconfirmed" title="该取值尚未经官方文件确认'


@pytest.fixture
def loaded(tree: Tree) -> Tree:
    parameters_load()
    return tree


def _text(response: Any) -> str:
    return response.content.decode()  # type: ignore[no-any-return]


def _rows(response: Any) -> dict[tuple[str, str], views.StandardRow]:
    return {(row.key, row.variant_code): row for row in response.context["rows"]}


def _override(region: Region, value: int, valid_from: date, variant: str = "urban") -> Parameter:
    return Parameter.objects.create(
        key="dibao.standard_fen", region=region, variant=variant, value=value, unit=ParameterUnit.FEN,
        valid_from=valid_from, source="测试：本级标准通知", status=ParameterStatus.OFFICIAL,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------- the page


@pytest.mark.parametrize("role", Role.values)
def test_every_role_sees_the_standards_of_its_region(role: str, loaded: Tree, logged_in: LoggedIn) -> None:
    response = logged_in(role).get(reverse("standards"))
    assert response.status_code == 200
    text = _text(response)
    assert "最低生活保障标准（元/人·月）" in text
    assert f'<a href="{URL}" aria-current="page">政策标准</a>' in text  # the nav link, current
    assert response.context["region"].id == response.context["actor"].region_id


def test_values_are_formatted_for_people(loaded: Tree, logged_in: LoggedIn) -> None:
    response = logged_in(Role.TOWNSHIP_CASEWORKER).get(URL, {"on": "2026-03-01"})
    rows = _rows(response)
    shown = {key: (row.title, row.variant, row.value) for key, row in rows.items()}
    assert shown[("dibao.standard_fen", "urban")] == ("最低生活保障标准（元/人·月）", "城市", "¥636.00")
    assert shown[("dibao.standard_fen", "rural")][1:] == ("农村", "¥515.00")
    assert shown[("near_dibao.income_multiple_permille", "")][2] == "1.5×"
    assert shown[("tekun.basic_living_multiple_permille", "")][2] == "1.3×"
    assert shown[("tekun.minor_age_limit", "")][2] == "18年"
    assert shown[("dibao.phase_out_months", "")][2] == "6个月"
    assert shown[("dibao.payment_start", "")][2] == "自批准当月起发放"
    assert shown[("disability_subsidy.nursing_grade1_fen", "")][2] == "¥110.00"
    assert shown[("disability_subsidy.nursing_grade2_fen", "")][2] == "¥100.00"
    # The table follows the order of the shipped file: the dibao standard first, urban before rural.
    assert list(rows)[:2] == [("dibao.standard_fen", "urban"), ("dibao.standard_fen", "rural")]
    text = _text(response)
    assert "¥636.00" in text
    assert "1.5×" in text
    assert "重庆市" in text
    assert "继承上级" in text
    assert "潼南区崇龛镇信息公开" in text
    assert "生效日期按年初计，原通知未取得" in text


@pytest.mark.parametrize(
    ("unit", "value", "text"),
    [
        (ParameterUnit.FEN, 62000, "¥620.00"),
        (ParameterUnit.FEN, 123456789, "¥1,234,567.89"),
        (ParameterUnit.PERMILLE, 1500, "1.5×"),
        (ParameterUnit.PERMILLE, 1000, "1×"),
        (ParameterUnit.PERMILLE, 1250, "1.25×"),
        (ParameterUnit.MONTHS, 6, "6个月"),
        (ParameterUnit.YEARS, 3, "3年"),
        (ParameterUnit.DAYS, 30, "30天"),
        (ParameterUnit.WORKING_DAYS, 10, "10个工作日"),
        (ParameterUnit.CHOICE, "highest", "就高享受一类，不叠加"),
        (ParameterUnit.CHOICE, "something_new", "something_new"),
    ],
)
def test_value_text(unit: str, value: Any, text: str) -> None:
    assert views.value_text(unit, value) == text


def test_unconfirmed_values_carry_a_warning_badge(loaded: Tree, logged_in: LoggedIn) -> None:
    response = logged_in(Role.DISTRICT_APPROVER).get(URL, {"on": "2026-03-01"})
    rows = _rows(response)
    assert not rows[("disability_subsidy.living_fen", "")].confirmed
    assert rows[("dibao.standard_fen", "urban")].confirmed
    text = _text(response)
    living = text.split('id="param-disability_subsidy.living_fen"')[1].split("</tbody>")[0]
    assert UNCONFIRMED_BADGE in living
    assert "须由管理员以正式公布的数值替换" in living
    urban = text.split('id="param-dibao.standard_fen-urban"')[1].split("</tbody>")[0]
    assert UNCONFIRMED_BADGE not in urban
    assert '<span class="badge badge--official">正式</span>' in urban
    unconfirmed = sum(not row.confirmed for row in rows.values())
    assert f"有 {unconfirmed} 项取值标为“未确认”" in text
    assert unconfirmed == _shipped_unconfirmed(date(2026, 3, 1))


def _shipped_unconfirmed(on: date) -> int:
    """Keys and variants whose latest shipped version on `on` is unconfirmed, over every app's params.yaml (all
    shipped values are city-wide)."""
    shipped: dict[str, Any] = {}
    for path in parameter_files():
        shipped |= yaml.safe_load(path.read_text(encoding="utf-8"))
    count = 0
    for spec in shipped.values():
        latest: dict[str, dict[str, Any]] = {}
        for entry in sorted(spec["values"], key=lambda entry: entry["valid_from"]):
            if entry["valid_from"] <= on:
                latest[entry.get("variant", "")] = entry
        count += sum(entry["status"] == "unconfirmed" for entry in latest.values())
    return count


def test_a_region_override_shows_as_own_and_is_inherited_below(loaded: Tree, logged_in: LoggedIn) -> None:
    _override(loaded.district, 70000, date(2024, 1, 1))
    Parameter.objects.create(  # a later city version: the district's own value still wins there
        key="dibao.standard_fen", region=loaded.city, variant="urban", value=66000, unit=ParameterUnit.FEN,
        valid_from=date(2025, 1, 1), source="测试：市级标准", status=ParameterStatus.OFFICIAL,
    )  # fmt: skip
    approver = logged_in(Role.DISTRICT_APPROVER)

    own = _rows(approver.get(URL, {"on": "2025-06-01"}))
    urban, rural = own[("dibao.standard_fen", "urban")], own[("dibao.standard_fen", "rural")]
    assert (urban.value, urban.region_name, urban.inherited) == ("¥700.00", "渝中区", False)
    assert urban.region_code == loaded.district.code
    assert (rural.value, rural.region_name, rural.inherited) == ("¥515.00", "重庆市", True)
    # The district's timeline: the city's 2020 and 2021 versions, then its own; the city's 2025 one never applied.
    assert [(p.value, p.region_name, p.applies_from, p.applies_to, p.state) for p in urban.history] == [
        ("¥620.00", "重庆市", date(2020, 1, 1), date(2020, 12, 31), "earlier"),
        ("¥636.00", "重庆市", date(2021, 1, 1), date(2023, 12, 31), "earlier"),
        ("¥700.00", "渝中区", date(2024, 1, 1), None, "current"),
    ]
    page = _text(approver.get(URL, {"on": "2025-06-01"}))
    urban_html = page.split('id="param-dibao.standard_fen-urban"')[1].split("</tbody>")[0]
    assert "本级设定" in urban_html
    assert "版本沿革（3 个版本）" in urban_html
    assert "2021-01-01 至 2023-12-31" in urban_html

    below = _rows(logged_in(Role.VILLAGE_ASSISTANT).get(URL, {"on": "2025-06-01"}))[("dibao.standard_fen", "urban")]
    assert (below.value, below.region_name, below.inherited) == ("¥700.00", "渝中区", True)

    other = logged_in(Role.DISTRICT_APPROVER, loaded.other_district).get(URL, {"on": "2025-06-01"})
    elsewhere = _rows(other)[("dibao.standard_fen", "urban")]
    assert (elsewhere.value, elsewhere.region_name, elsewhere.inherited) == ("¥660.00", "重庆市", True)


def test_a_past_date_shows_what_applied_then(loaded: Tree, logged_in: LoggedIn) -> None:
    response = logged_in(Role.TOWNSHIP_REVIEWER).get(URL, {"on": "2020-06-01"})
    rows = _rows(response)
    assert rows[("dibao.standard_fen", "urban")].value == "¥620.00"
    assert rows[("dibao.standard_fen", "rural")].value == "¥496.00"
    assert ("near_dibao.income_multiple_permille", "") not in rows  # in force from 2021-07-01
    assert [p.state for p in rows[("dibao.standard_fen", "urban")].history] == ["current", "later"]
    text = _text(response)
    assert "¥620.00" in text
    assert "2020-06-01 适用的政策参数" in text
    assert "所查日期之后生效" in text
    assert 'value="2020-06-01"' in text
    assert "回到本区划今日标准" in text


def test_an_unreadable_date_falls_back_to_today(loaded: Tree, logged_in: LoggedIn) -> None:
    response = logged_in(Role.CITY_ANALYST).get(URL, {"on": "2020-13-01"})
    assert response.status_code == 200
    assert response.context["on_is_today"]
    assert "日期格式不正确" in _text(response)


def test_regions_follow_the_region_api_rule(loaded: Tree, logged_in: LoggedIn) -> None:
    approver = logged_in(Role.DISTRICT_APPROVER)
    assert approver.get(URL, {"region": loaded.other_district.code}).status_code == 404
    assert approver.get(URL, {"region": loaded.other_village.code}).status_code == 404
    assert approver.get(URL, {"region": "999999"}).status_code == 404
    assert approver.get(URL, {"region": "abc"}).status_code == 404
    below = approver.get(URL, {"region": loaded.village.code})
    assert (below.status_code, below.context["region"].code) == (200, loaded.village.code)
    assistant = logged_in(Role.VILLAGE_ASSISTANT)
    above = assistant.get(URL, {"region": loaded.city.code})  # the chain above the own region
    assert (above.status_code, above.context["region"].code) == (200, "500000")
    assert assistant.get(URL, {"region": loaded.township.code}).status_code == 200
    assert logged_in(Role.CITY_ANALYST).get(URL, {"region": loaded.other_village.code}).status_code == 200


def test_the_page_is_printable(loaded: Tree, logged_in: LoggedIn) -> None:
    text = _text(logged_in(Role.SUPERVISOR).get(URL))
    stylesheet = (Path(minzheng.__file__).parent / "core/static/core/minzheng.css").read_text()
    assert "@media print" in stylesheet
    assert ".site-header, .site-footer, .skip-link, .no-print { display: none" in stylesheet
    assert 'class="panel standards-form no-print"' in text
    assert 'onclick="window.print()"' in text


def test_anonymous_visitors_are_sent_to_login(loaded: Tree) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_query_count_does_not_grow_with_the_parameters(
    loaded: Tree, logged_in: LoggedIn, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = logged_in(Role.VILLAGE_ASSISTANT)
    # session, user, actor (staff and roles), the region, the parameters (one query), the session save (3 with its
    # savepoint): fixed, whatever the number of versions.
    budgets = [(URL, {}, 9), (URL, {"region": "500000", "on": "2021-02-01"}, 9), (API, {"on": "2021-02-01"}, 9)]
    for url, params, budget in budgets:
        with django_assert_max_num_queries(budget, info=f"{url} {params}"):
            assert client.get(url, params).status_code == 200
    for year in range(2030, 2060):  # many more versions on three levels
        for region in (loaded.city, loaded.district, loaded.village):
            _override(region, 70000 + year, date(year, 1, 1))
            _override(region, 60000 + year, date(year, 1, 1), variant="rural")
    for url, params, budget in budgets:
        with django_assert_max_num_queries(budget, info=f"{url} {params}"):
            assert client.get(url, {**params, "on": "2059-06-01"}).status_code == 200


# ---------------------------------------------------------------------------------------------------- selectors


def test_titles_come_from_the_shipped_files() -> None:
    titles = parameter_titles()
    assert titles["dibao.standard_fen"] == "最低生活保障标准（元/人·月）"
    assert titles["near_dibao.income_multiple_permille"] == "低保边缘家庭收入标准（低保标准的倍数）"
    assert parameter_titles() is titles  # read once


@pytest.mark.parametrize("on", [date(2020, 6, 1), date(2021, 12, 31), date(2024, 1, 1), date(2026, 1, 1)])
def test_standings_agree_with_parameter_values(loaded: Tree, on: date) -> None:
    _override(loaded.district, 70000, date(2024, 1, 1))
    for region in (loaded.city, loaded.district, loaded.village, loaded.other_village):
        current = [standing.current.version for standing in parameter_standings(region=region, on=on)]
        assert sorted(current, key=lambda value: (value.key, value.variant)) == parameter_values(region=region, on=on)


# ---------------------------------------------------------------------------------------------------- API


def test_api_lists_the_values_in_force(loaded: Tree, logged_in: LoggedIn) -> None:
    _override(loaded.district, 70000, date(2024, 1, 1))
    client = logged_in(Role.TOWNSHIP_CASEWORKER)
    body = client.get(API, {"region": loaded.district.code, "on": "2020-06-01"}).json()
    assert (body["region_code"], body["region_name"], body["on"]) == ("500103", "渝中区", "2020-06-01")
    items = {(item["key"], item["variant"]): item for item in body["items"]}
    assert items[("dibao.standard_fen", "urban")] == {
        "key": "dibao.standard_fen", "title": "最低生活保障标准（元/人·月）", "variant": "urban", "value": 62000,
        "unit": "fen", "valid_from": "2020-01-01", "region_code": "500000", "inherited": True, "status": "official",
        "confirmed": True, "source": "中国社会报 2021-07-01 报道的重庆2020年低保标准（REFERENCE §14）",
    }  # fmt: skip
    later = client.get(API, {"region": loaded.district.code, "on": "2026-03-01"}).json()["items"]
    by_key = {(item["key"], item["variant"]): item for item in later}
    own = by_key[("dibao.standard_fen", "urban")]
    assert (own["value"], own["region_code"], own["inherited"]) == (70000, "500103", False)
    assert own["valid_from"] == "2024-01-01"
    choice = by_key[("dibao.payment_start", "")]
    assert (choice["value"], choice["unit"], choice["status"], choice["confirmed"]) == (
        "same_month", "choice", "unconfirmed", False,
    )  # fmt: skip
    assert by_key[("near_dibao.income_multiple_permille", "")]["value"] == 1500


def test_api_defaults_to_the_own_region_today(loaded: Tree, logged_in: LoggedIn) -> None:
    body = logged_in(Role.VILLAGE_ASSISTANT).get(API).json()
    assert body["region_code"] == loaded.village.code
    assert {item["key"] for item in body["items"]} >= {"dibao.standard_fen", "near_dibao.income_multiple_permille"}


def test_api_errors(loaded: Tree, logged_in: LoggedIn) -> None:
    client = logged_in(Role.DISTRICT_APPROVER)
    outside = client.get(API, {"region": loaded.other_district.code})
    assert (outside.status_code, outside.json()["code"]) == (404, "region.not_found")
    bad_date = client.get(API, {"on": "2020-13-01"})
    assert (bad_date.status_code, bad_date.json()["errors"][0]["path"]) == (422, "on")
    assert client.get(API, {"region": "50010"}).status_code == 422
    assert Client().get(API).status_code == 401
