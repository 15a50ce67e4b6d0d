"""A township caseworker works a case in a real browser: the queue with its deadline colours and htmx filters,
the case page with its timeline and forms, an action posted and redirected back, a refusal shown in place, the
intake form validating as it is filled in, and the dashboard's charts.

Screenshots go to $MINZHENG_SCREENSHOT_DIR (default var/screenshots) as cases-*.png for a human to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from minzheng.cases.models import Case, CaseState, Department
from minzheng.cases.referrals import referral_send
from minzheng.registry.models import Household
from tests.browser.conftest import CHROMIUM
from tests.cases.conftest import Staffing, act, dibao_intake
from tests.cases.conftest import poor_family as poor_family
from tests.cases.conftest import staffing as staffing
from tests.cases.fixtures_services import investigated, poor_household
from tests.conftest import PASSWORD, Tree

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page
    from pytest_django.live_server_helper import LiveServer

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

TIMEOUT_MS = 10_000
ASCII_WORD = re.compile(r"[A-Za-z]{4,}")
RECEIVED, ACCEPTED = date(2026, 9, 22), date(2026, 9, 23)


@pytest.fixture
def shots(screenshots: Path) -> Path:
    chosen = os.environ.get("MINZHENG_SCREENSHOT_DIR")
    if not chosen:
        return screenshots
    Path(chosen).mkdir(parents=True, exist_ok=True)
    return Path(chosen)


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    current = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} @ {message.location.get('url', '')}")

    def on_page_error(error: Error) -> None:
        errors.append(f"pageerror: {error}")

    current.on("console", on_console)
    current.on("pageerror", on_page_error)
    yield current, errors
    context.close()


def _log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def _no_overflow(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the window"


def _english(page: Page) -> list[str]:
    return sorted(set(ASCII_WORD.findall(page.inner_text("main"))))


def _cases(staffing: Staffing, tree: Tree, family: Household) -> tuple[Case, Case, Case]:
    """An overdue case under investigation, one due within days, and a complete one waiting to be accepted."""
    overdue = investigated(staffing.caseworker, dibao_intake(staffing.assistant, family, RECEIVED), ACCEPTED)
    soon = dibao_intake(staffing.assistant, poor_household(tree, 1), RECEIVED)
    today = timezone.localdate()
    Case.objects.filter(pk=soon.pk).update(due_on=today + timedelta(days=40), step_due_on=today + timedelta(days=1))
    waiting = dibao_intake(staffing.assistant, poor_household(tree, 2), date(2026, 11, 20))
    return overdue, soon, waiting


def test_caseworker_works_the_queue_and_a_case(
    page: tuple[Page, list[str]], staffing: Staffing, tree: Tree, poor_family: Household, shots: Path
) -> None:
    current, errors = page
    overdue, soon, waiting = _cases(staffing, tree, poor_family)
    _log_in(current, staffing.caseworker.username)

    current.click("nav >> text=办件")
    current.wait_for_load_state("networkidle")
    assert current.locator("h1").inner_text() == "我的办件"
    assert current.locator(f"tr[data-case='{overdue.pk}']").get_attribute("class") == "row--overdue"
    assert current.locator(f"tr[data-case='{soon.pk}']").get_attribute("class") == "row--due-soon"
    red = current.locator(f"tr[data-case='{overdue.pk}']").evaluate("row => getComputedStyle(row).backgroundColor")
    assert red == "rgb(253, 236, 234)"
    assert _english(current) == []
    current.screenshot(path=str(shots / "cases-queue.png"), full_page=True)

    # The filters swap the results in place (htmx) and keep the address shareable.
    with current.expect_response(re.compile(r"/cases/\?.*urgency=overdue")):
        current.select_option("#id_urgency", "overdue")
    current.wait_for_url(re.compile(r"urgency=overdue"))
    assert current.locator("#queue-table tbody tr").count() == 1
    with current.expect_response(re.compile(r"/cases/\?.*urgency=&")):
        current.select_option("#id_urgency", "")
    current.wait_for_function("document.querySelectorAll('#queue-table tbody tr').length === 3")

    # The waiting case: accept it from its page, and come back to the page with the timeline.
    current.goto(f"/cases/{waiting.pk}/")
    assert "待受理" in current.locator("#case-state").inner_text()
    current.screenshot(path=str(shots / "cases-detail-submitted.png"), full_page=True)
    current.click("#action-accept button[type=submit]")
    current.wait_for_url(re.compile(rf"/cases/{waiting.pk}/#timeline$"))
    assert "已受理" in current.locator("#case-state").inner_text()
    assert "已办理：受理" in current.inner_text("main")
    assert current.locator("#timeline-table tbody tr").count() == 1

    # A refusal stays on the page: the reviewer's step cannot be taken before the home visit is on file.
    current.click("#action-investigate button[type=submit]")
    current.wait_for_url(re.compile(rf"/cases/{waiting.pk}/"))
    current.locator("#form-home-visit summary").click()
    current.fill("#home_visit-investigators", "王经办")
    current.fill("#home_visit-findings", "家中两位成年人部分丧失劳动能力。")
    current.click("#form-home-visit button[type=submit]")
    assert "入户调查须有不少于2名调查人员" in current.locator("#page-error").inner_text()
    assert current.locator("#form-home-visit").get_attribute("open") is not None
    refused = [e for e in errors if "status of 422" in e]  # Chromium logs the page's own 422 as a console error
    assert len(refused) == 1
    errors.remove(refused[0])
    current.screenshot(path=str(shots / "cases-detail-error.png"), full_page=True)

    current.goto(f"/cases/{overdue.pk}/")
    assert "已超期" in current.locator("h1").inner_text()
    assert current.locator("#visits tbody tr").count() == 1
    _no_overflow(current)
    current.screenshot(path=str(shots / "cases-detail.png"), full_page=True)
    Case.objects.filter(pk=waiting.pk, state=CaseState.INVESTIGATING).get()
    assert errors == []


def test_intake_form_and_dashboard(
    page: tuple[Page, list[str]], staffing: Staffing, tree: Tree, poor_family: Household, shots: Path
) -> None:
    current, errors = page
    _cases(staffing, tree, poor_family)
    fresh = poor_household(tree, 9)  # a household without an open application
    _log_in(current, staffing.caseworker.username)

    current.goto("/cases/new/")
    with current.expect_response(re.compile(r"/cases/new/\?q=")):
        current.fill("#household-q", fresh.number)
    assert current.locator("#household-pick li").count() == 1
    current.click("#household-pick >> text=为该户申请")
    current.wait_for_url(re.compile(r"household="))
    current.check("#programme-tekun")
    current.wait_for_selector("#intake-errors")
    assert "该项目须指明申请的家庭成员" in current.locator("#intake-errors").inner_text()
    current.select_option("#id_person_tekun", label="周9明（户主）")
    current.uncheck("#programme-tekun")
    current.check("#programme-dibao")
    current.wait_for_selector("#intake-ok")
    current.click("#declared-add")
    current.wait_for_selector("input[name='declared-1-amount']")
    assert current.locator("#declared-next").input_value() == "2"
    current.select_option("select[name='declared-0-item']", "income:wage")
    current.fill("input[name='declared-0-amount']", "500")
    current.wait_for_selector("#intake-ok")
    assert _english(current) == []
    current.screenshot(path=str(shots / "cases-intake.png"), full_page=True)
    current.click("#intake-form button[type=submit]:has-text('登记申请')")
    current.wait_for_url(re.compile(r"/cases/\d+/$"))
    assert "最低生活保障" in current.locator("h1").inner_text()

    current.goto("/cases/dashboard/")
    current.wait_for_load_state("networkidle")
    assert current.locator("#chart-states canvas").count() == 1
    assert current.locator("#chart-months canvas").count() == 1
    assert current.locator("[data-metric=overdue]").inner_text() == "1"
    current.screenshot(path=str(shots / "cases-dashboard.png"), full_page=True)

    current.set_viewport_size({"width": 390, "height": 844})
    current.goto("/cases/")
    current.wait_for_load_state("networkidle")
    _no_overflow(current)
    current.screenshot(path=str(shots / "cases-queue-mobile.png"), full_page=True)
    assert errors == []


def test_printable_lists_referrals_and_the_household_chain(
    page: tuple[Page, list[str]], staffing: Staffing, poor_family: Household, shots: Path
) -> None:
    current, errors = page
    case = investigated(staffing.caseworker, dibao_intake(staffing.assistant, poor_family, RECEIVED), ACCEPTED)
    act(staffing.reviewer, case, "review", date(2026, 10, 9))
    Department.objects.get_or_create(code="medical_insurance", defaults={"name": "医疗保障部门"})
    referral_send(actor=staffing.caseworker, intake_id=case.intake_id, department_code="medical_insurance",
                  matter="住院费用自付部分较高，申请医疗救助", sent_on=date(2026, 9, 23), case_id=case.pk)  # fmt: skip
    _log_in(current, staffing.caseworker.username)

    current.goto(f"/cases/notices/?region={poor_family.region.code}&on=2026-10-12")
    assert current.locator("#notice-table tbody tr").count() == 1
    assert "陈**" in current.locator("#notice-table").inner_text()
    current.screenshot(path=str(shots / "cases-notices.png"), full_page=True)
    current.emulate_media(media="print")
    assert not current.locator("nav.site-nav").is_visible()
    current.screenshot(path=str(shots / "cases-notices-print.png"), full_page=True)
    current.emulate_media(media="screen")

    current.goto(f"/cases/{case.pk}/completeness/")
    current.screenshot(path=str(shots / "cases-completeness.png"), full_page=True)

    current.click("nav >> text=转办")
    assert current.locator("#referral-table tbody tr.row--overdue").count() == 1
    current.screenshot(path=str(shots / "cases-referrals.png"), full_page=True)
    current.click("#referral-table >> text=医疗保障部门")
    assert "住院费用自付部分较高" in current.locator("#referral-matter").inner_text()
    current.screenshot(path=str(shots / "cases-referral.png"), full_page=True)

    current.goto(f"/households/{poor_family.pk}/")
    assert current.locator("#chain-cases tbody tr").count() == 1
    current.locator("#assistance-chain").screenshot(path=str(shots / "cases-household-chain.png"))
    assert _english(current) == []
    assert errors == []
