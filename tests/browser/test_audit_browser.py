"""The supervisor's audit log in a real browser: nav link, table, collapsible detail, filters, htmx pager.

Screenshots go to var/screenshots/supervisor-audit*.png for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.services import audit_record
from minzheng.registry.models import Household
from tests.browser.conftest import CHROMIUM
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


@pytest.fixture
def audit_trail(
    tree: Tree, family: Household, stranger: Household, actor_of: Callable[..., Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """60 events in the own district a minute apart (reads, an update, an import), one in the other district."""
    assistant = actor_of(Role.VILLAGE_ASSISTANT)
    caseworker = actor_of(Role.TOWNSHIP_CASEWORKER)
    head = family.members.get(is_head=True).person
    start = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    for index in range(58):
        monkeypatch.setattr("django.utils.timezone.now", lambda index=index: start + timedelta(minutes=index))
        audit_record(actor=assistant, action="person.view", obj=head, region=tree.village)
    monkeypatch.setattr("django.utils.timezone.now", lambda: start + timedelta(hours=2))
    audit_record(
        actor=caseworker,
        action="household.update",
        obj=family,
        region=tree.village,
        detail={"changes": {"address": ["测试路1号", "测试路2号"]}},
    )
    audit_record(
        actor=caseworker,
        action="registry.import",
        region=tree.township,
        detail={"file": "七星岗街道2025年3月.xlsx", "rows_accepted": 120, "rows_rejected": 0, "sha256": "ab" * 32},
    )
    outsider = actor_of(Role.DISTRICT_APPROVER, tree.other_district)
    far = stranger.members.get(is_head=True).person
    audit_record(actor=outsider, action="person.view", obj=far, region=tree.other_village)
    monkeypatch.undo()


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


def test_supervisor_reads_the_audit_log(
    page: tuple[Page, list[str]], staff_user: Callable[..., User], audit_trail: None, screenshots: Path
) -> None:
    current, errors = page
    _log_in(current, staff_user(Role.SUPERVISOR))
    current.click("nav >> text=审计日志")
    current.wait_for_url("**/audit/")
    rows = current.locator("#audit-events tbody tr")
    assert rows.count() == 50
    table = current.inner_text("#audit-events")
    assert "批量导入" in table
    assert "修改家庭" in table
    assert "district_approver" not in table  # the other district's reader
    for label in ("时间", "账号", "角色", "操作", "对象", "区划", "客户端地址", "详情"):
        assert label in current.inner_text("#audit-events thead")
    form_text = current.inner_text("form.audit-filters")
    assert ASCII_WORD.findall(form_text) == []

    # The import's detail opens in place.
    detail = rows.nth(0).locator("details")
    assert not detail.locator("pre").is_visible()
    detail.locator("summary").click()
    assert "七星岗街道2025年3月.xlsx" in detail.locator("pre").inner_text()
    current.wait_for_load_state("networkidle")
    assert errors == []
    current.screenshot(path=str(screenshots / "supervisor-audit.png"), full_page=True)

    # The htmx pager: the next page replaces the results and the URL follows.
    current.click("#audit-results a[rel=next]")
    current.wait_for_url("**after=*")
    current.wait_for_function("document.querySelectorAll('#audit-events tbody tr').length === 10")
    assert current.locator("#audit-results >> text=回到第一页").count() == 1

    # Filters: the action select and a date range (local dates).
    current.goto("/audit/")
    current.select_option("#audit-action", "household.update")
    current.fill("#audit-from", "2025-03-01")
    current.fill("#audit-to", "2025-03-01")
    current.click("form.audit-filters button[type=submit]")
    current.wait_for_url("**action=household.update**")
    assert rows.count() == 1
    assert "测试路2号" not in current.inner_text("#audit-events")  # collapsed
    assert current.locator("#audit-events a", has_text=re.compile(r"^\d+$")).count() == 1
    assert current.input_value("#audit-from") == "2025-03-01"
    current.wait_for_load_state("networkidle")
    assert errors == []
    current.screenshot(path=str(screenshots / "supervisor-audit-filtered.png"), full_page=True)

    # A phone-sized screen: the filters go two by two, the table scrolls sideways (first screen only).
    current.set_viewport_size({"width": 390, "height": 844})
    current.goto("/audit/")
    current.wait_for_load_state("networkidle")
    assert errors == []
    current.screenshot(path=str(screenshots / "supervisor-audit-mobile.png"))
