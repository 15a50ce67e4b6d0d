"""The assistance API under /api/v1: what-if, assessing a registered household, its latest assessment, and the
low-income population, called as a client would (JSON over a logged-in session; CSRF as in the permission matrix).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from minzheng.assistance.models import Assessment
from minzheng.assistance.rules import PROGRAMMES
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.masking import mask_id_number
from minzheng.registry.models import Household
from tests.assistance.test_services import (
    AS_OF,
    STANDARD_FEN,
    WAGE_FEN,
    Zhao,
    dibao_fen,
    zhao_what_if,
)
from tests.assistance.test_services import params as params
from tests.assistance.test_services import recorder as recorder
from tests.assistance.test_services import zhao as zhao
from tests.conftest import Tree

ERROR_KEYS = {"code", "message", "errors"}


@pytest.fixture
def api(logged_in: Callable[..., Client]) -> Callable[..., Client]:
    def build(role: str, region: Any = None) -> Client:
        client = logged_in(role, region)
        client.handler.enforce_csrf_checks = False
        return client

    return build


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _programme(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(programme for programme in body["programmes"] if programme["code"] == code)


def _paths(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "input.invalid"
    assert all(set(error) == {"path", "code", "message"} for error in body["errors"])
    return {error["path"]: error["code"] for error in body["errors"]}


# What-if -------------------------------------------------------------------------------------------------------


def test_what_if_evaluates_a_described_household(zhao: Zhao, api: Callable[..., Client]) -> None:
    client = api(Role.VILLAGE_ASSISTANT, zhao.household.region.parent)  # another assistant: township level
    before = Assessment.objects.count(), AuditEvent.objects.count()

    response = _post(client, "/api/v1/assessments", zhao_what_if(zhao))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] is None
    assert body["household_id"] is None
    assert body["as_of"] == AS_OF.isoformat()
    assert body["region_code"] == "500103001001"
    assert body["monthly_total_fen"] == dibao_fen(WAGE_FEN) + 8000 + 9000
    assert [p["code"] for p in body["programmes"]] == list(PROGRAMMES)
    dibao = _programme(body, "dibao")
    assert dibao["qualifies"] is True
    assert dibao["amount_fen"] == dibao_fen(WAGE_FEN)
    assert dibao["rule_id"] == "dibao.eligibility"
    assert dibao["label"] == "最低生活保障"
    nursing = _programme(body, "disability_nursing")
    son = next(s for s in nursing["subjects"] if s["qualifies"])
    assert (son["name"], son["amount_fen"], son["tier"]) == ("赵小宝", 9000, "一级")
    assert _programme(body, "tekun")["qualifies"] is False
    # Nothing stored, nobody named in the audit trail.
    assert (Assessment.objects.count(), AuditEvent.objects.count()) == before


def test_what_if_with_defaults(params: None, tree: Tree, api: Callable[..., Client]) -> None:
    """One unemployed adult alone, rural, today's date: 低保 at the rural standard."""
    body = {"region": "500103", "area": "rural", "members": [{"id": "甲", "birth_on": "1980-01-01"}]}
    response = _post(api(Role.SUPERVISOR), "/api/v1/assessments", body)
    assert response.status_code == 200, response.content
    dibao = _programme(response.json(), "dibao")
    assert dibao["qualifies"] is True
    assert dibao["amount_fen"] == 51500


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b["incomes"][0].update(member="nobody"), {"incomes[0].member": "member.unknown"}),
        (lambda b: b["expenses"][1].update(member="x"), {"expenses[1].member": "member.unknown"}),
        (lambda b: b["members"][2].update(id=b["members"][0]["id"]), {"members[2].id": "member.duplicate_id",
                                                                       "expenses[0].member": "member.unknown",
                                                                       "expenses[1].member": "member.unknown"}),
        (lambda b: b["assets"][0].update(value_fen=-1), {"assets[0].value_fen": "schema.greater_than_equal"}),
        (lambda b: b["incomes"][0].update(kind="lottery"), {"incomes[0].kind": "schema.literal_error"}),
        (lambda b: b.update(bogus=1), {"bogus": "schema.extra_forbidden"}),
        (lambda b: b["members"][0].update(disabled=True), {"members[0].disabled": "schema.extra_forbidden"}),
        (lambda b: b["members"][1].pop("birth_on"), {"members[1].birth_on": "schema.missing"}),
        (lambda b: b.update(members=[]), {"members": "schema.too_short"}),
        (lambda b: b.update(region="重庆"), {"region": "schema.string_pattern_mismatch"}),
    ],
    ids=["unknown-member", "unknown-expense-member", "duplicate-id", "negative", "unknown-kind", "extra-field",
         "extra-member-field", "missing", "no-members", "bad-region"],
)  # fmt: skip
def test_what_if_refuses_bad_input_with_field_paths(
    zhao: Zhao, api: Callable[..., Client], change: Callable[[dict[str, Any]], Any], expected: dict[str, str]
) -> None:
    body = zhao_what_if(zhao)
    change(body)
    response = _post(api(Role.TOWNSHIP_CASEWORKER), "/api/v1/assessments", body)
    assert response.status_code == 422, response.content
    assert _paths(response) == expected
    assert all(error["message"] for error in response.json()["errors"])


def test_what_if_unknown_member_message(zhao: Zhao, api: Callable[..., Client]) -> None:
    body = zhao_what_if(zhao)
    body["incomes"][0]["member"] = "nobody"
    response = _post(api(Role.TOWNSHIP_CASEWORKER), "/api/v1/assessments", body)
    assert response.json()["errors"] == [
        {"path": "incomes[0].member", "code": "member.unknown", "message": "未知成员 nobody"}
    ]


def test_what_if_unknown_region(params: None, tree: Tree, api: Callable[..., Client]) -> None:
    body = {"region": "990000", "area": "urban", "members": [{"id": "a", "birth_on": "1980-01-01"}]}
    response = _post(api(Role.TOWNSHIP_CASEWORKER), "/api/v1/assessments", body)
    assert response.status_code == 404
    assert response.json() == {
        "code": "region.not_found",
        "message": "区划代码不存在",
        "errors": [{"path": "region", "code": "region.not_found", "message": "区划代码不存在"}],
    }


# A registered household ----------------------------------------------------------------------------------------


def test_assess_a_household_and_read_the_latest(zhao: Zhao, api: Callable[..., Client]) -> None:
    client = api(Role.TOWNSHIP_CASEWORKER)
    latest_url = f"/api/v1/households/{zhao.household.id}/assessments/latest"
    missing = client.get(latest_url)
    assert missing.status_code == 404
    assert missing.json()["code"] == "assessment.none"

    response = _post(client, f"/api/v1/households/{zhao.household.id}/assessments", {"as_of": AS_OF.isoformat()})

    assert response.status_code == 201, response.content
    body = response.json()
    stored = Assessment.objects.get()
    assert body["id"] == stored.pk
    assert body["household_id"] == zhao.household.id
    assert (body["as_of"], body["region_code"]) == (AS_OF.isoformat(), "500103001001")
    assert body["monthly_total_fen"] == dibao_fen(WAGE_FEN) + 17000

    dibao = _programme(body, "dibao")
    assert dibao["qualifies"] is True
    assert dibao["amount_fen"] == dibao_fen(WAGE_FEN)
    assert dibao["sources"]
    assert all(isinstance(source, str) for source in dibao["sources"])
    [household] = dibao["subjects"]
    assert household["person_id"] is None
    assert household["amount_fen"] == dibao_fen(WAGE_FEN)
    steps = {step["name"]: step for step in household["steps"]}
    shortfall = steps["dibao_shortfall"]
    assert shortfall["title"].startswith("收入低于低保标准")
    assert shortfall["outcome"] is True
    values = {line["label"]: line["value"] for line in shortfall["values"]}
    assert values["低保标准（每人每月）"] == "636.00元"
    assert values["计入的家庭成员人数"] == "3"
    assert values["财产符合规定"] == "是"
    assert not any("_" in line["label"] for step in household["steps"] for line in step["values"])

    # Parameters with their status: the 2021 standard is official, the employment-cost deduction a default.
    params_used = {param["key"]: param for param in dibao["params"]}
    assert params_used["dibao.standard_fen"]["confirmed"] is True
    assert params_used["dibao.standard_fen"]["value"] == "636.00元"
    assert params_used["dibao.employment_cost_fen"]["confirmed"] is False
    assert params_used["dibao.deposit_limit_months"]["value"] == "24个月"
    assert dibao["unconfirmed"] is True

    nursing = _programme(body, "disability_nursing")
    qualifying = [subject for subject in nursing["subjects"] if subject["qualifies"]]
    assert [(s["person_id"], s["name"], s["amount_fen"], s["tier"]) for s in qualifying] == [
        (str(zhao.son.id), "赵小宝", 9000, "一级")
    ]
    low_income = _programme(body, "low_income")
    assert {(s["name"], s["category"]) for s in low_income["subjects"]} == {
        ("赵建国", 1), ("钱秀英", 1), ("赵小宝", 1)
    }  # fmt: skip

    latest = client.get(latest_url)
    assert latest.status_code == 200
    assert latest.json() == body

    # Same data, same date: the existing assessment is returned.
    again = _post(client, f"/api/v1/households/{zhao.household.id}/assessments", {"as_of": AS_OF.isoformat()})
    assert again.status_code == 201
    assert again.json()["id"] == stored.pk
    assert Assessment.objects.count() == 1


def test_assess_refusals(zhao: Zhao, stranger: Household, api: Callable[..., Client]) -> None:
    client = api(Role.TOWNSHIP_CASEWORKER)
    other = _post(client, f"/api/v1/households/{stranger.id}/assessments", {"as_of": "2025-06-30"})
    assert other.status_code == 404
    assert set(other.json()) == ERROR_KEYS
    early = _post(client, f"/api/v1/households/{zhao.household.id}/assessments", {"as_of": "2010-01-01"})
    assert early.status_code == 404
    assert early.json()["code"] == "assessment.no_members"
    assert early.json()["errors"][0]["path"] == "as_of"
    bad = _post(client, f"/api/v1/households/{zhao.household.id}/assessments", {"as_of": "2025-13-01"})
    assert bad.status_code == 422
    assert list(_paths(bad)) == ["as_of"]
    assert bad.json()["errors"][0]["message"] == "应为日期，格式 YYYY-MM-DD"
    extra = _post(client, f"/api/v1/households/{zhao.household.id}/assessments", {"as_of": "2025-06-30", "x": 1})
    assert extra.status_code == 422
    assert _paths(extra) == {"x": "schema.extra_forbidden"}
    analyst = api(Role.CITY_ANALYST)
    denied = _post(analyst, f"/api/v1/households/{zhao.household.id}/assessments", {"as_of": "2025-06-30"})
    assert denied.status_code == 403
    assert denied.json()["code"] == "access.denied"
    assert not Assessment.objects.exists()


# The low-income population -------------------------------------------------------------------------------------


def test_low_income_persons(zhao: Zhao, tree: Tree, stranger: Household, api: Callable[..., Client]) -> None:
    caseworker = api(Role.TOWNSHIP_CASEWORKER)
    analyst = api(Role.CITY_ANALYST)
    assert caseworker.get("/api/v1/low-income-persons").json() == {"items": [], "next_cursor": None}
    _post(caseworker, f"/api/v1/households/{zhao.household.id}/assessments", {"as_of": AS_OF.isoformat()})
    other = api(Role.TOWNSHIP_CASEWORKER, tree.other_township)
    _post(other, f"/api/v1/households/{stranger.id}/assessments", {"as_of": AS_OF.isoformat()})

    own = caseworker.get("/api/v1/low-income-persons?category=1")
    assert own.status_code == 200
    # Paged by result id, i.e. in the order the write-back inserted them: compare by person.
    items = sorted(own.json()["items"], key=lambda item: item["person_id"])
    assert [item["name"] for item in items] == ["赵建国", "钱秀英", "赵小宝"]
    assert items[0] == {
        "person_id": zhao.father.id,
        "name": "赵建国",
        "id_number": mask_id_number(zhao.father.id_number),
        "household_id": zhao.household.id,
        "category": 1,
        "category_label": "最低生活保障对象",
        "as_of": AS_OF.isoformat(),
    }
    assert "*" in items[0]["id_number"]
    assert zhao.father.id_number not in own.content.decode()
    assert caseworker.get("/api/v1/low-income-persons?category=4").json()["items"] == []

    everyone = analyst.get("/api/v1/low-income-persons").json()["items"]
    assert len(everyone) == 4
    district = analyst.get(f"/api/v1/low-income-persons?region={tree.other_district.code}").json()["items"]
    assert [item["name"] for item in district] == ["王五"]
    first = analyst.get("/api/v1/low-income-persons?limit=3").json()
    assert len(first["items"]) == 3
    rest = analyst.get(f"/api/v1/low-income-persons?limit=3&cursor={first['next_cursor']}").json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None

    assert caseworker.get(f"/api/v1/low-income-persons?region={tree.other_district.code}").status_code == 404
    invalid = caseworker.get("/api/v1/low-income-persons?category=9")
    assert invalid.status_code == 422
    assert "category" in _paths(invalid)


def test_standard_in_the_what_if_answer(params: None, tree: Tree, api: Callable[..., Client]) -> None:
    """The parameters in force are read from the store for the region: an urban single adult gets the standard."""
    body = {"region": "500103001", "area": "urban", "as_of": "2025-06-30",
            "members": [{"id": "a", "birth_on": "1980-01-01"}]}  # fmt: skip
    dibao = _programme(_post(api(Role.TOWNSHIP_REVIEWER), "/api/v1/assessments", body).json(), "dibao")
    assert dibao["amount_fen"] == STANDARD_FEN
    standard = next(param for param in dibao["params"] if param["key"] == "dibao.standard_fen")
    assert standard == {"key": "dibao.standard_fen", "title": "最低生活保障标准（元/人·月）", "value": "636.00元",
                        "confirmed": True}  # fmt: skip
