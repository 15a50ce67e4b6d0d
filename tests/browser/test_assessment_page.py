"""A township caseworker assesses a household in a real browser: the empty page, the 评估 button, the result
table and the step-by-step explanation, on a desktop and a phone screen and as printed.

Screenshots go to var/screenshots/township_caseworker-assessment*.png for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User

from minzheng.assistance.models import Assessment
from minzheng.core.access.models import Role
from tests.assistance.test_services import WAGE_FEN, Zhao, dibao_fen
from tests.assistance.test_services import params as params
from tests.assistance.test_services import recorder as recorder
from tests.assistance.test_services import zhao as zhao
from tests.browser.conftest import CHROMIUM
from tests.conftest import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page
    from pytest_django.live_server_helper import LiveServer

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

TIMEOUT_MS = 10_000
ROLE = Role.TOWNSHIP_CASEWORKER
ASCII_WORD = re.compile(r"[A-Za-z]{4,}")
# "特困优先，REFERENCE §16 第8行" in a 低保 rule's sources (assistance/rules/__init__.py) cites the project's own notes.
ALLOWED_ASCII_WORDS = {"REFERENCE"}


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860}, base_url=live_server.url)
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


def _log_in(page: Page, user: User) -> None:
    page.goto("/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def _no_overflow(page: Page) -> None:
    """Nothing wider than the window: the page itself never scrolls sideways (tables scroll in their wrapper)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the window"


def _english(page: Page) -> list[str]:
    """English words in <main>, apart from rule ids (dibao.eligibility v2), shown on purpose as references."""
    text = re.sub(r"\b[a-z_]+\.[a-z_]+ v\d+\b", "", page.inner_text("main"))
    return sorted(set(ASCII_WORD.findall(text)) - ALLOWED_ASCII_WORDS)


def test_caseworker_assesses_a_household(
    page: tuple[Page, list[str]], staff_user: Callable[..., User], zhao: Zhao, screenshots: Path
) -> None:
    current, errors = page
    _log_in(current, staff_user(ROLE))
    current.goto(f"/households/{zhao.household.id}/assessment/")
    current.wait_for_load_state("networkidle")
    assert "该户尚未评估" in current.inner_text("main")
    assert current.locator("h1").inner_text().startswith("社会救助评估")
    current.screenshot(path=str(screenshots / f"{ROLE}-assessment-empty.png"), full_page=True)

    current.fill("#as_of", "2025-06-30")
    current.click("main button[type=submit]:has-text('评估')")
    current.wait_for_selector("#assessment-summary")
    current.wait_for_load_state("networkidle")
    assert errors == []
    assert Assessment.objects.count() == 1
    current.screenshot(path=str(screenshots / f"{ROLE}-assessment-top.png"))

    # The result table: programme, subject, amount, tier or category; the monthly total in the footer.
    summary = current.locator("#assessment-summary")
    rows = summary.locator("tbody tr")
    assert rows.count() == 6  # 低保 for the household, two subsidies for the son, three low-income members
    first = rows.nth(0).inner_text()
    assert "最低生活保障" in first
    assert "全户" in first
    assert f"{dibao_fen(WAGE_FEN) / 100:,.2f}" in first
    assert "重度残疾人护理补贴" in summary.inner_text()
    assert f"{(dibao_fen(WAGE_FEN) + 17000) / 100:,.2f}" in summary.locator("tfoot").inner_text()
    assert "评估日期 2025-06-30" in current.inner_text("main")

    # The explanation: the household's 低保 steps are open, with Chinese titles, ✓/✗ and labelled numbers.
    dibao = current.locator("#programme-dibao")
    assert "符合" in dibao.locator("h2").inner_text()
    assert dibao.locator(".badge--unconfirmed").count() >= 1
    explanation = dibao.locator("details.explain").first
    assert explanation.get_attribute("open") is not None
    steps = explanation.locator(".explain__steps > li")
    assert steps.count() >= 5  # the household-level steps of the 低保 chain
    shortfall = explanation.locator("li", has_text="收入低于低保标准及保障金额")
    assert "✓ 满足" in shortfall.inner_text()
    assert "低保标准（每人每月）" in shortfall.inner_text()
    assert "636.00元" in shortfall.inner_text()
    assert _english(current) == []
    _no_overflow(current)

    # A member's collapsed explanation opens in place (特困: the son has able supporters).
    tekun = current.locator("#programme-tekun")
    son = tekun.locator("details.explain", has_text="赵小宝")
    assert son.get_attribute("open") is None
    son.locator("summary").click()
    assert son.locator("li", has_text="有履行义务能力的法定义务人").is_visible()
    current.screenshot(path=str(screenshots / f"{ROLE}-assessment-explanation.png"))
    current.screenshot(path=str(screenshots / f"{ROLE}-assessment.png"), full_page=True)

    # Printed: no navigation or buttons, closed explanations left out.
    current.emulate_media(media="print")
    assert not current.locator(".assessment-actions").is_visible()
    current.evaluate("window.scrollTo(0, 0)")
    current.screenshot(path=str(screenshots / f"{ROLE}-assessment-print.png"))  # the first screen: full is ~20 pages
    current.emulate_media(media="screen")

    # A phone-sized screen: still readable, nothing wider than the window.
    current.set_viewport_size({"width": 390, "height": 844})
    current.goto(f"/households/{zhao.household.id}/assessment/")
    current.wait_for_load_state("networkidle")
    current.screenshot(path=str(screenshots / f"{ROLE}-assessment-mobile.png"))
    _no_overflow(current)
    assert errors == []
