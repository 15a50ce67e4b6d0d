"""The resident portal in a real browser on a phone-sized screen: ask for a code, read it from the captured
sender, log in, apply online, see the new case waiting for the township; then the public notice list, chosen
district → township → village with htmx, on screen and as printed.

Screenshots go to <tmp>/hportal/portal-*.png for a human to look at.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from minzheng.cases.intake import IntakeInput, ProgrammeRequest, intake_create
from minzheng.cases.models import Case, PublicNotice
from minzheng.core.access.actor import Actor
from minzheng.registry.models import Household
from tests.browser.conftest import CHROMIUM
from tests.conftest import Tree
from tests.portal import OUTBOX, SENDER, last_code

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page
    from pytest_django.live_server_helper import LiveServer

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

TIMEOUT_MS = 10_000
PHONE = "13812345678"  # the head of `family`
SCREENSHOTS = Path(tempfile.gettempdir()) / "hportal"


@pytest.fixture
def sms(settings: Any) -> Iterator[None]:
    settings.MINZHENG_SMS_SENDER = SENDER
    OUTBOX.clear()
    yield
    OUTBOX.clear()


@pytest.fixture
def posted_notice(tree: Tree, family: Household, actor_of: Callable[..., Actor]) -> PublicNotice:
    today = timezone.localdate()
    intake = intake_create(
        actor=actor_of("township_caseworker"),
        data=IntakeInput(
            channel="window", received_on=today, household_id=family.pk, programmes=[ProgrammeRequest("dibao")]
        ),
    )
    case: Case = intake.cases.get()
    return PublicNotice.objects.create(
        case=case, region=tree.village, round=1, starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=5), name_masked="张**", members=2, amount_fen=98765,
    )  # fmt: skip


@pytest.fixture
def phone_page(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True
    )
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
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield current, errors
    context.close()


def test_a_resident_logs_in_with_a_code_and_applies(
    phone_page: tuple[Page, list[str]], family: Household, sms: None
) -> None:
    page, errors = phone_page
    page.goto("/portal/")
    page.wait_for_url("**/portal/login/?next=*")
    page.fill("#id_phone", "138 1234 5678")
    page.screenshot(path=str(SCREENSHOTS / "portal-login.png"), full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/portal/verify/")
    assert "138****5678" in page.inner_text("main")
    page.fill("#id_code", last_code(PHONE))
    page.screenshot(path=str(SCREENSHOTS / "portal-verify.png"), full_page=True)
    page.click("main form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))
    assert "本家庭暂无救助申请" in page.inner_text("main")

    page.click("text=为本家庭网上申请")
    page.wait_for_url("**/portal/apply/?person=*")
    page.check("#id_p_dibao")
    page.check("#id_p_temporary_aid")
    page.check("#id_k_temporary_aid_1")  # 支出型
    page.select_option("#id_income-0-kind", "pension")
    page.fill("#id_income-0-amount", "860")
    page.fill("#id_other_needs", "老伴住院，医药费负担重")
    page.check("#id_consent")
    page.screenshot(path=str(SCREENSHOTS / "portal-apply.png"), full_page=True)
    page.click("main form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/#household-\d+$"))
    main = page.inner_text("main")
    assert "申请已提交（2 项）" in main
    assert main.count("待受理") == 2
    assert "授权核对签署日期" not in main  # signed online today
    assert "支出凭证" in main  # still to bring for the expenditure-type aid
    page.wait_for_load_state("networkidle")
    assert errors == []
    page.screenshot(path=str(SCREENSHOTS / "portal-applied.png"), full_page=True)


def test_the_public_notice_list_is_chosen_step_by_step_and_prints(
    phone_page: tuple[Page, list[str]], posted_notice: PublicNotice
) -> None:
    page, errors = phone_page
    page.goto("/portal/notices/")
    # Each choice swaps in the next list with htmx: wait for the option itself, not only for the URL push, or the
    # selection can land on the element being replaced.
    page.select_option("#notice-district", "500103")
    page.wait_for_selector('#notice-township option[value="500103001"]', state="attached")
    page.select_option("#notice-township", "500103001")
    page.wait_for_selector('#notice-village option[value="500103001001"]', state="attached")
    page.select_option("#notice-village", "500103001001")
    page.wait_for_selector(".notice-table")
    table = page.inner_text(".notice-table")
    assert "张**" in table
    assert "987.65" in table
    assert "最低生活保障" in table
    page.wait_for_load_state("networkidle")
    assert errors == []
    page.screenshot(path=str(SCREENSHOTS / "portal-notices.png"), full_page=True)
    page.set_viewport_size({"width": 1000, "height": 900})
    page.emulate_media(media="print")
    assert not page.is_visible(".place-form")
    assert not page.is_visible(".site-header")
    page.screenshot(path=str(SCREENSHOTS / "portal-notices-print.png"), full_page=True)
