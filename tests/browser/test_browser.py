"""The staff UI in a real browser: log in, home with chart, person search (htmx), person and household pages.

Every page must load without console errors and show no untranslated English in its main content.
Screenshots go to var/screenshots/<role>-<page>.png for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User

from minzheng.core.access.models import Role
from minzheng.core.access.permissions import PERMISSIONS
from minzheng.core.masking import mask_id_number
from minzheng.registry.models import DisabilityCertificate, Household, HouseholdMember, Relation
from tests.browser.conftest import CHROMIUM
from tests.conftest import PASSWORD, Tree, make_household, make_person

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page
    from pytest_django.live_server_helper import LiveServer

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

DATA_ROLES = sorted(PERMISSIONS["person.view"])  # administrators and department officers see no persons
UNMASK_ROLES = {Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER, Role.SUPERVISOR}
ALLOWED_ASCII_WORDS = {"minzheng", "API"}
ASCII_WORD = re.compile(r"[A-Za-z]{4,}")
TIMEOUT_MS = 10_000


@dataclass
class Session:
    page: Page
    base_url: str
    role: str
    shots: Path
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{self.role}-{name}.png"), full_page=True)

    def forget_status_error(self, status: int) -> None:
        """Chromium logs a document's own 403/404 status as a console error; only that one is expected."""
        expected = [e for e in self.errors if f"status of {status}" in e]
        assert len(expected) == 1, self.errors
        self.errors.remove(expected[0])

    def check_page(self, name: str) -> None:
        """No console errors so far, no English words in <main>, and a screenshot."""
        self.page.wait_for_load_state("networkidle")
        assert self.errors == [], f"{name}: console errors {self.errors}"
        text = self.page.inner_text("main")
        english = sorted({w for w in ASCII_WORD.findall(text) if w not in ALLOWED_ASCII_WORDS})
        assert english == [], f"{name}: untranslated text {english}"
        self.screenshot(name)


@pytest.fixture
def demo(tree: Tree, family: Household, stranger: Household) -> Household:
    """The shared family, plus a son who moved out, a disability certificate and a household next door."""
    son = make_person(tree.village, name="张小明", born=date(1985, 4, 5), sequence=51)
    HouseholdMember.objects.create(
        household=family,
        person=son,
        relation=Relation.SON,
        valid_from=date(2020, 1, 1),
        valid_to=date(2023, 7, 1),
        end_reason="迁出",
    )
    head = family.members.get(is_head=True).person
    DisabilityCertificate.objects.create(
        person=head,
        certificate_number="50010319500301001142",
        disability_category="4",
        disability_grade=2,
        valid_from=date(2020, 5, 1),
    )
    for index, (name, born) in enumerate([("刘芳", date(2012, 9, 1)), ("陈建国", date(1938, 2, 14))]):
        person = make_person(tree.village, name=name, born=born, sequence=61 + index)
        make_household(tree.village, f"H500103001001-{index + 2:05d}", person)
    return family


@pytest.fixture
def session(
    browser: Browser, live_server: LiveServer, screenshots: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Session]]:
    contexts = []

    def start(role: str) -> Session:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        current = Session(page=context.new_page(), base_url=live_server.url, role=role, shots=screenshots)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                current.errors.append(f"{message.text} @ {message.location.get('url', '')}")

        def on_page_error(error: Error) -> None:
            current.errors.append(f"pageerror: {error}")

        current.page.on("console", on_console)
        current.page.on("pageerror", on_page_error)
        return current

    yield start
    for context in contexts:
        context.close()


def _log_in(current: Session, user: User) -> None:
    current.goto("/login/")
    current.check_page("login")
    current.page.fill("#id_username", user.get_username())
    current.page.fill("#id_password", PASSWORD)
    current.page.click("button[type=submit]")
    current.page.wait_for_url(current.base_url + "/")


@pytest.mark.parametrize("role", DATA_ROLES)
def test_staff_journey(
    session: Callable[[str], Session], staff_user: Callable[..., User], demo: Household, role: str
) -> None:
    current = session(role)
    page = current.page
    _log_in(current, staff_user(role))

    # Home: region, role, the six counts and the ECharts canvas.
    assert str(Role(role).label) in page.inner_text("header")
    page.wait_for_selector("#region-chart canvas")
    persons = int(page.inner_text('[data-metric="persons"]'))
    assert persons == (6 if role == Role.CITY_ANALYST else 5)
    current.check_page("home")

    # Person search with htmx live results: typing is enough, no submit.
    page.click("nav >> text=人员查询")
    page.wait_for_url("**/persons/")
    page.type("#person-q", "张", delay=50)
    page.wait_for_selector("#person-results a:has-text('张三')")
    assert "q=" in page.url
    head = demo.members.get(is_head=True).person
    assert mask_id_number(head.id_number) in page.inner_text("#person-results")
    assert head.id_number not in page.content()
    current.check_page("search")

    # Person detail: masked values, household link, unmask only for allowed roles.
    page.click("#person-results a:has-text('张三')")
    page.wait_for_url(f"**/persons/{head.id}/")
    assert page.inner_text("#person-id-number") == mask_id_number(head.id_number)
    assert "肢体残疾" in page.inner_text("main")
    assert (page.locator("#unmask-link").count() == 1) == (role in UNMASK_ROLES)
    current.check_page("person")
    if role in UNMASK_ROLES:
        page.click("#unmask-link")
        page.wait_for_url("**?unmask=1")
        assert page.inner_text("#person-id-number") == head.id_number
        current.check_page("person-unmasked")

    # Household: current members with the head marked, and the ended membership in the history.
    page.click("#household-link")
    page.wait_for_url(f"**/households/{demo.id}/")
    assert page.locator("#current-members tbody tr").count() == 2
    assert "户主" in page.inner_text("#current-members")
    history = page.inner_text("#member-history")
    assert "张小明" in history
    assert "迁出" in history
    current.check_page("household")

    # Logout is a POST form and returns to the login page.
    page.click("header button[type=submit]")
    page.wait_for_url("**/login/")


def test_household_search_and_date(
    session: Callable[[str], Session], staff_user: Callable[..., User], demo: Household
) -> None:
    current = session(Role.VILLAGE_ASSISTANT)
    page = current.page
    _log_in(current, staff_user(Role.VILLAGE_ASSISTANT))
    page.click("nav >> text=家庭查询")
    page.wait_for_url("**/households/")
    assert page.locator("#household-results tbody tr").count() == 3
    page.type("#household-q", "H500103001001-00002", delay=20)
    page.wait_for_function("document.querySelectorAll('#household-results tbody tr').length === 1")
    current.check_page("household-search")
    current.goto(f"/households/{demo.id}/?on=2022-01-01")
    assert page.locator("#current-members tbody tr").count() == 3
    current.check_page("household-2022")

    # A phone-sized screen: the same pages stay usable.
    page.set_viewport_size({"width": 390, "height": 844})
    current.goto("/")
    page.wait_for_selector("#region-chart canvas")
    current.check_page("home-mobile")
    current.goto(f"/persons/{demo.members.get(is_head=True).person_id}/")
    current.check_page("person-mobile")


def test_administrator_and_error_pages(
    session: Callable[[str], Session], staff_user: Callable[..., User], demo: Household, stranger: Household
) -> None:
    current = session(Role.ADMINISTRATOR)
    page = current.page
    _log_in(current, staff_user(Role.ADMINISTRATOR))
    assert page.locator("main a[href='/admin/']").count() == 1
    current.check_page("home")
    response = page.goto(f"{current.base_url}/persons/?q=%E5%BC%A0")
    assert response is not None
    assert response.status == 403
    current.forget_status_error(403)
    current.check_page("403")

    other = session(Role.DISTRICT_APPROVER)
    _log_in(other, staff_user(Role.DISTRICT_APPROVER))
    response = other.page.goto(f"{other.base_url}/households/{stranger.id}/")
    assert response is not None
    assert response.status == 404
    other.forget_status_error(404)
    other.check_page("404")


def test_login_errors_and_language_switch(
    session: Callable[[str], Session], staff_user: Callable[..., User], tree: Tree
) -> None:
    current = session("anonymous")
    page = current.page
    user = staff_user(Role.SUPERVISOR)
    current.goto("/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", "wrong-password")
    page.click("main button[type=submit]")
    page.wait_for_selector(".alert--error")
    assert "用户名或密码不正确" in page.inner_text("main")
    current.check_page("login-error")
    page.click("footer button[value=en]")
    page.wait_for_url("**/login/")
    assert page.get_attribute("html", "lang") == "en"
    current.screenshot("login-en")
    page.click("footer button[value=zh-hans]")
    page.wait_for_url("**/login/")
    assert page.get_attribute("html", "lang") == "zh-hans"
