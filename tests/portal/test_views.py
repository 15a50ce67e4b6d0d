"""The resident portal's pages: phone login, my applications, applying online, and the public notice list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minzheng.cases.intake import Declared, IntakeInput, ProgrammeRequest, attachment_add, intake_create
from minzheng.cases.models import Case, Intake, Objection, PublicNotice
from minzheng.core.access.actor import Actor
from minzheng.core.audit.models import AuditEvent
from minzheng.core.calendar.services import calendar_seed
from minzheng.core.parameters.services import parameters_load
from minzheng.registry.models import Household, Person, WorkAbility
from tests.cases.conftest import PDF, Staffing, act, dibao_intake, investigate
from tests.conftest import Tree, make_household, make_person
from tests.portal import OUTBOX, SENDER, last_code

PHONE = "13812345678"  # the head of `family` (tests/conftest.py)
SPOUSE_PHONE = "13987654321"
NEIGHBOUR_PHONE = "13700000001"


@pytest.fixture(autouse=True)
def sms(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MINZHENG_SMS_SENDER = SENDER
    settings.PRIVATE_FILES_DIR = tmp_path
    OUTBOX.clear()
    yield
    OUTBOX.clear()


@dataclass
class World:
    tree: Tree
    family: Household
    neighbour: Household
    assistant: Actor
    caseworker: Actor

    def head(self, household: Household) -> Person:
        return household.members.get(is_head=True).person


@pytest.fixture
def world(tree: Tree, family: Household, actor_of: Callable[..., Actor]) -> World:
    parameters_load()
    calendar_seed()
    neighbour = make_household(
        tree.village, "H500103001001-00002", make_person(tree.village, name="赵六", sequence=35, phone=NEIGHBOUR_PHONE)
    )
    return World(tree, family, neighbour, actor_of("village_assistant"), actor_of("township_caseworker"))


def window_case(world: World, household: Household, received_on: date) -> Case:
    intake = intake_create(
        actor=world.assistant,
        data=IntakeInput(
            channel="window",
            received_on=received_on,
            household_id=household.pk,
            programmes=[ProgrammeRequest("dibao")],
            authorisation_signed_on=received_on,
            declared=[Declared("income", "wage", 50000, person_id=world.head(household).pk)],
        ),
    )
    for material in ("application_form", "authorisation", "income_proof"):
        attachment_add(actor=world.assistant, intake_id=intake.pk, material=material, filename="scan.pdf", content=PDF)
    return intake.cases.get()


def log_in(client: Client, phone: str, next_url: str = "") -> Any:
    query = f"?next={next_url}" if next_url else ""
    assert client.post(f"/portal/login/{query}", {"phone": phone}).url == "/portal/verify/"
    return client.post("/portal/verify/", {"code": last_code(phone)})


# ---------------------------------------------------------------------------------------------------- login


@pytest.mark.django_db
def test_login_with_a_code_rotates_the_session_and_logout_ends_it(world: World) -> None:
    client = Client()
    assert client.get("/portal/login/").status_code == 200
    client.post("/portal/login/", {"phone": PHONE})
    assert "验证码已发送至 138****5678" in client.get("/portal/verify/").content.decode()
    before = client.session.session_key
    wrong = client.post("/portal/verify/", {"code": "000000" if last_code(PHONE) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "验证码不正确，还可以尝试 4 次" in wrong.content.decode()
    response = client.post("/portal/verify/", {"code": last_code(PHONE)})
    assert response.status_code == 302
    assert response.url == "/portal/"
    assert client.session.session_key != before
    assert client.session["portal_phone"] == PHONE
    assert client.get("/portal/").status_code == 200
    assert client.post("/portal/logout/").url == "/portal/login/"
    assert client.get("/portal/").status_code == 302


@pytest.mark.django_db
def test_the_answers_do_not_tell_whether_a_number_is_registered(world: World) -> None:
    pages = []
    for phone in (PHONE, "19900000000"):
        client = Client()
        sent = client.post("/portal/login/", {"phone": phone})
        verify = client.get("/portal/verify/")
        wrong = client.post("/portal/verify/", {"code": "000000" if last_code(phone) != "000000" else "111111"})
        pages.append((sent.status_code, sent.url, verify.status_code, wrong.status_code))
        assert "验证码不正确" in wrong.content.decode()
    assert pages[0] == pages[1] == (302, "/portal/verify/", 200, 200)
    assert [to for to, _ in OUTBOX] == [PHONE, "19900000000"]


@pytest.mark.django_db
def test_a_second_code_within_a_minute_is_refused(world: World) -> None:
    client = Client()
    client.post("/portal/login/", {"phone": PHONE})
    again = client.post("/portal/login/", {"phone": PHONE})
    assert again.status_code == 429
    assert "秒后再获取验证码" in again.content.decode()
    malformed = client.post("/portal/login/", {"phone": "12345"})
    assert malformed.status_code == 200
    assert "手机号码应为" in malformed.content.decode()


@pytest.mark.django_db
def test_pages_need_a_verified_number_except_the_notices(world: World, logged_in: Callable[..., Client]) -> None:
    client = Client()
    assert client.get("/portal/").url == "/portal/login/?next=%2Fportal%2F"
    assert client.get("/portal/apply/").url == "/portal/login/?next=%2Fportal%2Fapply%2F"
    assert client.post("/portal/apply/", {}).status_code == 302
    assert client.get("/portal/verify/").url == "/portal/login/"  # no code was asked for
    assert client.get("/portal/notices/").status_code == 200
    assert logged_in("supervisor").get("/portal/").status_code == 302  # staff are no residents
    assert log_in(client, PHONE, next_url="/portal/apply/").url == "/portal/apply/"


@pytest.mark.django_db
def test_login_goes_back_only_to_a_portal_page(world: World) -> None:
    assert log_in(Client(), PHONE, next_url="https://example.com/").url == "/portal/"
    assert log_in(Client(), SPOUSE_PHONE, next_url="/audit/").url == "/portal/"


# ------------------------------------------------------------------------------------------- applications


@pytest.mark.django_db
def test_the_status_page_shows_the_verified_numbers_households_only(
    world: World, django_assert_max_num_queries: Any
) -> None:
    today = timezone.localdate()
    own = window_case(world, world.family, today - timedelta(days=3))
    act(world.caseworker, own, "accept", today)
    other = window_case(world, world.neighbour, today - timedelta(days=3))
    client = Client()
    log_in(client, PHONE)
    with django_assert_max_num_queries(10):
        page = client.get("/portal/").content.decode()
    assert f'id="household-{world.family.pk}"' in page
    assert f'id="household-{world.neighbour.pk}"' not in page
    assert f'id="case-{own.pk}-title"' in page
    assert f'id="case-{other.pk}-title"' not in page
    assert "张*的家庭" in page
    assert "张三" not in page
    for text in ("最低生活保障", "已受理", "提交申请（乡镇（街道）窗口）", "乡镇（街道）受理了申请"):
        assert text in page
    assert world.caseworker.username not in page
    assert world.assistant.username not in page
    event = AuditEvent.objects.get(action="portal.cases_view")
    assert (event.user_id, event.object_id, event.detail) == (None, str(world.family.pk), {"phone": "138****5678"})
    # The spouse has a number of her own and sees the same household.
    spouse = Client()
    log_in(spouse, SPOUSE_PHONE)
    assert f'id="case-{own.pk}-title"' in spouse.get("/portal/").content.decode()


@pytest.mark.django_db
def test_a_decided_case_shows_the_amount_the_start_month_and_every_step(
    world: World, actor_of: Callable[..., Actor]
) -> None:
    """The 低保 lifecycle of tests/cases/test_lifecycle.py, read by the family on the portal."""
    head = make_person(world.tree.village, name="陈大明", born=date(1978, 4, 5), sequence=51, phone="13600000001")
    spouse = make_person(world.tree.village, name="刘小芳", born=date(1980, 8, 9), sequence=62, phone="")
    for person in (head, spouse):
        person.work_ability = WorkAbility.PARTIAL
        person.save(update_fields=["work_ability"])
    poor = make_household(world.tree.village, "H500103001001-00077", head, spouse)
    staff = Staffing(world.assistant, world.caseworker, actor_of("township_reviewer"), actor_of("district_approver"))
    case = investigate(staff, dibao_intake(staff.assistant, poor, date(2026, 9, 22)), date(2026, 9, 23))
    act(staff.reviewer, case, "review", date(2026, 10, 9))
    act(staff.reviewer, case, "notice_end", date(2026, 10, 17))
    act(staff.approver, case, "approve", date(2026, 10, 20))
    client = Client()
    log_in(client, "13600000001")
    page = client.get("/portal/").content.decode()
    amount = f"{case.decision.amount_fen // 100:,}.{case.decision.amount_fen % 100:02d} 元/月"
    for text in ("已批准", "批准（2026-10-20）", amount, "2026-10", "办结日期"):
        assert text in page
    steps = ["提交申请", "乡镇（街道）受理了申请", "开始调查家庭经济状况", "初审通过，在村（社区）公示",
             "公示期满，报区县审批", "审批通过"]  # fmt: skip
    positions = [page.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "请携带以下材料" not in page  # accepted long ago


def _application(**fields: str) -> dict[str, str]:
    data = {"income-TOTAL_FORMS": "3", "income-INITIAL_FORMS": "0", "income-MIN_NUM_FORMS": "0",
            "income-MAX_NUM_FORMS": "10"}  # fmt: skip
    for row in range(3):
        data[f"income-{row}-period"] = "1"
    return data | fields


@pytest.mark.django_db
def test_applying_online_creates_submitted_cases_on_the_online_channel(world: World) -> None:
    client = Client()
    log_in(client, PHONE)
    form = client.get("/portal/apply/").content.decode()
    assert "最低生活保障" in form
    assert "家庭经济状况授权核对书" in form
    assert "窗口" in form
    head = world.head(world.family)
    spouse = world.family.members.get(is_head=False).person
    response = client.post(
        "/portal/apply/",
        _application(p_dibao="on", p_disability_living="on", m_disability_living=str(spouse.pk), consent="on",
                     other_needs="孩子上学有困难", **{"income-0-person": str(head.pk), "income-0-kind": "wage",
                                                 "income-0-amount": "1,200.50"}),
    )  # fmt: skip
    assert response.status_code == 302
    assert response.url == f"/portal/#household-{world.family.pk}"
    intake = Intake.objects.get()
    assert (intake.channel, intake.contact_phone, intake.applicant_id) == ("online", PHONE, head.pk)
    assert intake.authorisation_signed_on == timezone.localdate()
    assert intake.other_needs == "孩子上学有困难"
    assert [(d["kind"], d["amount_fen"], d["person_id"]) for d in intake.declared] == [("wage", 120050, head.pk)]
    cases = {case.programme: case for case in intake.cases.all()}
    assert set(cases) == {"dibao", "disability_living"}
    assert {case.state for case in cases.values()} == {"submitted"}
    assert cases["disability_living"].person_id == spouse.pk
    page = client.get(response.url).content.decode()
    assert page.count("待受理") == 2
    assert "申请已提交（2 项）" in page
    assert "请携带以下材料" in page
    assert "书面申请书" in page


@pytest.mark.django_db
def test_errors_are_shown_next_to_their_fields(world: World) -> None:
    client = Client()
    log_in(client, PHONE)
    invalid = client.post("/portal/apply/", _application(p_tekun="on", **{"income-0-kind": "wage",
                                                                            "income-0-amount": "abc"}))  # fmt: skip
    text = invalid.content.decode()
    assert invalid.status_code == 422
    assert "须同意授权核对后才能提交申请" in text
    assert "金额格式错误" in text
    by_service = client.post("/portal/apply/", _application(p_tekun="on", consent="on")).content.decode()
    message = "该项目须指明申请的家庭成员"
    assert by_service.index('id="id_m_tekun"') < by_service.index(message) < by_service.index('id="id_p_near_dibao"')
    negative = client.post(
        "/portal/apply/", _application(p_dibao="on", consent="on", **{"income-1-kind": "wage", "income-1-amount": "-5"})
    ).content.decode()
    assert (
        negative.index('id="id_income-1-amount"')
        < negative.index("金额不能为负数")
        < negative.index("id_income-1-period")
    )
    nothing = client.post("/portal/apply/", _application(consent="on")).content.decode()
    assert "请至少选择一个救助项目或填写其他救助需求" in nothing
    assert not Intake.objects.exists()
    needs_only = client.post("/portal/apply/", _application(consent="on", other_needs="房屋漏雨"), follow=True)
    assert "求助已提交，乡镇（街道）将转交有关部门办理。" in needs_only.content.decode()
    assert Intake.objects.get().other_needs == "房屋漏雨"


@pytest.mark.django_db
def test_a_number_cannot_apply_for_someone_elses_household(world: World) -> None:
    client = Client()
    log_in(client, PHONE)
    other = world.head(world.neighbour).pk
    assert client.get(f"/portal/apply/?person={other}").status_code == 404
    posted = client.post(f"/portal/apply/?person={other}", _application(p_dibao="on", consent="on"))
    assert posted.status_code == 404
    assert not Intake.objects.exists()


# -------------------------------------------------------------------------------------------- public notices


@pytest.fixture
def notices(world: World, staff_user: Callable[..., Any]) -> tuple[PublicNotice, PublicNotice]:
    today = timezone.localdate()
    posted = PublicNotice.objects.create(
        case=window_case(world, world.family, today - timedelta(days=10)), region=world.tree.village, round=1,
        starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=4), name_masked="张**", members=2,
        amount_fen=123456,
    )  # fmt: skip
    stopped = PublicNotice.objects.create(
        case=window_case(world, world.neighbour, today - timedelta(days=10)), region=world.tree.village, round=1,
        starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=4), name_masked="赵**", members=1,
        amount_fen=50000, objected=True, closed_on=today - timedelta(days=1),
    )  # fmt: skip
    Objection.objects.create(
        notice=stopped, received_on=today - timedelta(days=1), objector_name="钱七", objector_contact="13511112222",
        content="有车", recorded_by=staff_user("township_reviewer"),
    )  # fmt: skip
    return posted, stopped


VILLAGE_QUERY = "/portal/notices/?district=500103&township=500103001&village=500103001001"


@pytest.mark.django_db
def test_public_notices_show_masked_names_and_nothing_private(
    world: World, notices: tuple[PublicNotice, PublicNotice], django_assert_max_num_queries: Any
) -> None:
    client = Client()
    with django_assert_max_num_queries(8):
        page = client.get(VILLAGE_QUERY).content.decode()
    assert "金汤街社区社会救助公示名单" in page
    for text in ("张**", "1,234.56", "最低生活保障", (timezone.localdate() + timedelta(days=4)).isoformat()):
        assert text in page
    head = world.head(world.family)
    for private in ("赵**", "钱七", "13511112222", "有车", head.id_number, head.id_number[-4:], "测试路1号", "张三"):
        assert private not in page


@pytest.mark.django_db
def test_the_place_is_chosen_level_by_level(world: World, notices: tuple[PublicNotice, PublicNotice]) -> None:
    client = Client()
    start = client.get("/portal/notices/").content.decode()
    assert "渝中区" in start
    assert "沙坪坝区" in start
    assert "七星岗街道" not in start
    mixed = client.get("/portal/notices/?district=500106&township=500103001&village=500103001001").content.decode()
    assert "小龙坎街道" in mixed
    assert "张**" not in mixed
    partial = client.get(VILLAGE_QUERY, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert "张**" in partial.content.decode()
    assert "HX-Request" in partial["Vary"]
