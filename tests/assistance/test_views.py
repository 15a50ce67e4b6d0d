"""The household assessment page: empty state, assessing with a CSRF-protected form, and the printable result."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client

from minzheng.assistance.labels import COLUMN_LABELS, STEP_TITLES
from minzheng.assistance.models import Assessment
from minzheng.assistance.rules import PROGRAMMES
from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.registry import economics
from tests.assistance.test_services import AS_OF, WAGE_FEN, Zhao, dibao_fen
from tests.assistance.test_services import params as params
from tests.assistance.test_services import recorder as recorder
from tests.assistance.test_services import zhao as zhao
from tests.conftest import Tree, make_household, make_person

TAG = re.compile(r"<[^>]+>")


def _url(zhao: Zhao) -> str:
    return f"/households/{zhao.household.id}/assessment/"


def _text(html: str) -> str:
    """The page's visible text, roughly: no scripts, no tags."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return unescape(TAG.sub(" ", html))


@pytest.fixture
def csrf_client(staff_user: Callable[..., User]) -> Callable[[str], Client]:
    """A logged-in browser-like client that enforces CSRF, as production does."""

    def build(role: str) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(staff_user(role))
        return client

    return build


def _token(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_before_any_assessment(zhao: Zhao, logged_in: Callable[..., Client]) -> None:
    caseworker = logged_in(Role.TOWNSHIP_CASEWORKER).get(_url(zhao))
    assert caseworker.status_code == 200
    html = caseworker.content.decode()
    assert "该户尚未评估" in html
    assert 'name="as_of"' in html
    assert ">评估</button>" in html
    assert "请联系乡镇经办人员评估" not in html
    assert "打印" not in html
    assert zhao.household.number in html

    analyst = logged_in(Role.CITY_ANALYST).get(_url(zhao)).content.decode()
    assert "该户尚未评估" in analyst
    assert "请联系乡镇经办人员评估" in analyst
    assert 'name="as_of"' not in analyst


def test_assess_through_the_form(zhao: Zhao, csrf_client: Callable[[str], Client]) -> None:
    client = csrf_client(Role.TOWNSHIP_CASEWORKER)
    refused = client.post(_url(zhao), {"as_of": AS_OF.isoformat()})
    assert refused.status_code == 403  # no token
    assert not Assessment.objects.exists()

    response = client.post(_url(zhao), {"as_of": AS_OF.isoformat(), "csrfmiddlewaretoken": _token(client, _url(zhao))})

    assert response.status_code == 302
    assert response["Location"] == _url(zhao)
    assessment = Assessment.objects.get()
    assert assessment.as_of == AS_OF

    page = client.get(_url(zhao))
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    text = _text(html)
    assert "评估结论" in text
    assert "评估日期 2025-06-30" in text
    assert ">重新评估</button>" in html
    assert 'onclick="window.print()"' in html
    assert "打印" in text

    # The summary table: each qualifying programme and subject, the monthly total.
    summary = html.split('id="assessment-summary"', 1)[1].split("</table>", 1)[0]
    assert "最低生活保障" in summary
    assert "全户" in summary
    assert "困难残疾人生活补贴" in summary
    assert "重度残疾人护理补贴" in summary
    assert "赵小宝" in summary
    assert "一级" in summary
    assert "最低生活保障对象" in summary  # the low-income category of each member
    assert f"{(dibao_fen(WAGE_FEN) + 17000) / 100:,.2f}" in summary

    # One section per programme, with a badge.
    for code, qualifies in [("dibao", True), ("disability_nursing", True), ("tekun", False), ("near_dibao", False)]:
        section = html.split(f'id="programme-{code}"', 1)[1].split("</section>", 1)[0]
        badge = '<span class="badge badge--official">符合</span>' if qualifies else "badge--muted"
        assert badge in section, code
        assert "含未确认参数" in section  # each of these reads at least one unconfirmed default
    dibao = html.split('id="programme-dibao"', 1)[1].split("</section>", 1)[0]
    assert "dibao.eligibility v2" in dibao
    assert "依据：" in dibao
    assert "最低生活保障审核确认办法" in dibao
    assert str(STEP_TITLES["dibao_shortfall"]) in dibao
    assert str(COLUMN_LABELS["shortfall_fen"]) in dibao
    assert "✓ 满足" in dibao
    assert "使用的政策参数" in dibao
    assert '<span class="badge badge--unconfirmed"' in dibao
    assert ">未确认</span>" in dibao
    assert ">正式</span>" in dibao
    assert "636.00" in dibao

    # Explanations speak Chinese: no SQL column or step name reaches the reader.
    assert "_fen" not in html
    assert "_permille" not in html
    for rule_id in PROGRAMMES.values():  # rule ids and versions are shown on purpose, as references
        text = text.replace(rule_id, "")
    leaked = [name for name in [*COLUMN_LABELS, *STEP_TITLES] if re.search(rf"\b{name}\b", text)]
    assert leaked == []
    assert "True" not in text
    assert "False" not in text
    assert "None" not in text


def test_assess_refused_without_assessment_run(zhao: Zhao, csrf_client: Callable[[str], Client]) -> None:
    client = csrf_client(Role.SUPERVISOR)
    page = client.get(_url(zhao))
    assert page.status_code == 200
    assert 'name="as_of"' not in page.content.decode()
    token = _token(client, _url(zhao))  # the language switch's form carries one
    response = client.post(_url(zhao), {"as_of": AS_OF.isoformat(), "csrfmiddlewaretoken": token})
    assert response.status_code == 403
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("as_of", ["2025-02-30", "30/06/2025", "明天"])
def test_invalid_date_is_an_error_message(zhao: Zhao, csrf_client: Callable[[str], Client], as_of: str) -> None:
    client = csrf_client(Role.TOWNSHIP_REVIEWER)
    response = client.post(_url(zhao), {"as_of": as_of, "csrfmiddlewaretoken": _token(client, _url(zhao))})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="alert alert--error" role="alert">评估日期格式不正确</div>' in html
    assert "该户尚未评估" in html
    assert not Assessment.objects.exists()


def test_date_without_members_is_an_error_message(zhao: Zhao, csrf_client: Callable[[str], Client]) -> None:
    client = csrf_client(Role.TOWNSHIP_CASEWORKER)
    response = client.post(_url(zhao), {"as_of": "2010-01-01", "csrfmiddlewaretoken": _token(client, _url(zhao))})
    assert response.status_code == 200
    assert '<div class="alert alert--error" role="alert">该户在评估日期没有家庭成员</div>' in response.content.decode()
    assert not Assessment.objects.exists()


def test_other_region_is_not_found(zhao: Zhao, tree: Tree, logged_in: Callable[..., Client]) -> None:
    outsider = logged_in(Role.TOWNSHIP_CASEWORKER, tree.other_township)
    assert outsider.get(_url(zhao)).status_code == 404
    outsider.handler.enforce_csrf_checks = False
    assert outsider.post(_url(zhao), {"as_of": AS_OF.isoformat()}).status_code == 404
    assert not Assessment.objects.exists()


def test_household_without_qualifying_programme(
    tree: Tree, params: None, recorder: Actor, csrf_client: Callable[[str], Client]
) -> None:
    household = make_household(
        tree.village, "H500103001001-00020", make_person(tree.village, name="钱富贵", sequence=171)
    )
    economics.income_item_add(
        actor=recorder, household_id=household.id, person_id=household.members.get().person_id, kind="pension",
        amount_fen=800_000, valid_from=date(2020, 1, 1),
    )  # fmt: skip
    url = f"/households/{household.id}/assessment/"
    client = csrf_client(Role.TOWNSHIP_CASEWORKER)
    client.post(url, {"as_of": AS_OF.isoformat(), "csrfmiddlewaretoken": _token(client, url)})
    html = client.get(url).content.decode()
    assert Assessment.objects.get().results == []
    assert "评估结论" in html
    assert "该户目前不符合任何社会救助项目的条件" in html
    assert "按月发放合计" not in html
    assert html.count('<span class="badge badge--muted">不符合</span>') == 10
