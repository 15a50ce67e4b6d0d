"""Enrolments after approval: how often they are reviewed (重庆条例 第26条; REFERENCE §1.11, §16 row 12), and
review, amount change, 渐退, suspension and stop through the payments services."""

from __future__ import annotations

from datetime import date

import pytest

from minzheng.core.access.models import Role
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from minzheng.core.programmes import Programme
from minzheng.payments.models import Enrolment, EnrolmentEvent, EnrolmentState
from minzheng.payments.selectors import enrolments_due_for_review
from minzheng.payments.services import (
    EnrolmentStart,
    ReviewInput,
    enrolment_phase_out,
    enrolment_review,
    enrolment_stop,
    enrolment_suspend,
    review_frequency,
)
from minzheng.registry.models import DisabilityCertificate, Household, HukouType, IncomeItem, WorkAbility
from tests.cases.conftest import Staffing, act, dibao_intake
from tests.cases.fixtures_services import (
    poor_household,
    private_files,  # noqa: F401  (autouse: uploads go to tmp_path)
    staff_actor,
    to_district_review,
)
from tests.conftest import Tree, make_household, make_person

pytestmark = pytest.mark.django_db

DECIDED = date(2026, 10, 20)
# (birth date, work ability, seriously ill); ages on DECIDED in the names.
ABLE_36 = (date(1990, 1, 15), WorkAbility.FULL, False)
ABLE_60 = (date(1966, 10, 20), WorkAbility.FULL, False)  # 60 today: past working age (16 ≤ age < 60)
ABLE_59 = (date(1966, 10, 21), WorkAbility.FULL, False)
ABLE_16 = (date(2010, 10, 20), WorkAbility.FULL, False)
ABLE_15 = (date(2010, 10, 21), WorkAbility.FULL, False)
PARTIAL = (date(1975, 4, 2), WorkAbility.PARTIAL, False)
ILL = (date(1972, 8, 9), WorkAbility.NONE, True)
Member = tuple[date, str, bool]


def household(tree: Tree, members: list[Member], hukou_type: str = HukouType.URBAN) -> Household:
    persons = []
    for index, (born, ability, ill) in enumerate(members):
        person = make_person(tree.village, name=f"成员{index}", born=born, sequence=500 + index)
        person.work_ability, person.serious_illness = ability, ill
        person.save(update_fields=["work_ability", "serious_illness"])
        persons.append(person)
    result = make_household(tree.village, "H500103001001-00500", *persons)
    result.hukou_type = hukou_type
    result.save(update_fields=["hukou_type"])
    return result


def frequency(tree: Tree, found: Household, programme: str = Programme.DIBAO) -> str:
    start = EnrolmentStart(
        programme=programme, household_id=found.pk, person_id=None, region=tree.village,
        urban=found.hukou_type == HukouType.URBAN, case_id=0, decision_id=0, amount_fen=50000,
        start_month=date(2026, 10, 1), decided_on=DECIDED,
    )  # fmt: skip
    return review_frequency(start=start)


@pytest.mark.parametrize(
    ("members", "hukou_type", "expected"),
    [
        ([ABLE_36, PARTIAL], HukouType.URBAN, "monthly"),
        ([ABLE_36, PARTIAL], HukouType.RURAL, "quarterly"),
        ([ILL, PARTIAL], HukouType.URBAN, "yearly"),
        ([PARTIAL, PARTIAL], HukouType.URBAN, "half_yearly"),
        ([ABLE_36, ILL], HukouType.URBAN, "monthly"),  # several apply: the most frequent one (§16 row 12)
        ([ABLE_60, PARTIAL], HukouType.URBAN, "half_yearly"),
        ([ABLE_59, PARTIAL], HukouType.URBAN, "monthly"),
        ([ABLE_16, PARTIAL], HukouType.RURAL, "quarterly"),
        ([ABLE_15, PARTIAL], HukouType.RURAL, "half_yearly"),
    ],
)
def test_review_frequency(
    staffing: Staffing, tree: Tree, members: list[Member], hukou_type: str, expected: str
) -> None:
    assert frequency(tree, household(tree, members, hukou_type)) == expected


def test_an_employed_member_is_not_unemployed_and_a_severe_disability_counts_as_illness(
    staffing: Staffing, tree: Tree
) -> None:
    found = household(tree, [ABLE_36, PARTIAL])
    able, partial = (m.person for m in found.members.order_by("id"))
    IncomeItem.objects.create(household=found, person=able, kind="wage", amount_fen=180000, valid_from=date(2026, 3, 1))
    assert frequency(tree, found) == "half_yearly"
    DisabilityCertificate.objects.create(
        person=partial, certificate_number="50010319750402000X42", disability_category="4", disability_grade=2,
        valid_from=date(2018, 1, 1),
    )  # fmt: skip
    assert frequency(tree, found) == "yearly"
    alone = household_only_able(tree)
    assert frequency(tree, alone) == "monthly"
    assert frequency(tree, alone, Programme.TEKUN) == "yearly"  # other programmes: yearly, whoever lives there


def household_only_able(tree: Tree) -> Household:
    person = make_person(tree.village, name="独居者", born=date(1988, 2, 2), sequence=611)
    return make_household(tree.village, "H500103001001-00611", person)


def approved(staffing: Staffing, found: Household, approve_on: date = date(2026, 9, 24)) -> Enrolment:
    case = dibao_intake(staffing.assistant, found, date(2026, 9, 1))
    to_district_review(staffing, case, date(2026, 9, 2), date(2026, 9, 15), date(2026, 9, 23))
    act(staffing.approver, case, "approve", approve_on)
    return Enrolment.objects.get(case=case)


@pytest.fixture
def enrolment(staffing: Staffing, poor_family: Household) -> Enrolment:
    return approved(staffing, poor_family)


def test_approval_starts_an_enrolment_reviewed_by_the_family_situation(
    staffing: Staffing, tree: Tree, enrolment: Enrolment
) -> None:
    # poor_family: both parents can work only partly, the child is 12: no rule above applies → half-yearly.
    assert (enrolment.from_month, enrolment.review_frequency, enrolment.next_review_on) == (
        date(2026, 9, 1), "half_yearly", date(2027, 3, 24),
    )  # fmt: skip
    rural = poor_household(tree, 1, hukou_type=HukouType.RURAL)
    spouse = rural.members.get(person__name="吴1芳").person  # the head declares a wage; the spouse nothing
    spouse.work_ability = WorkAbility.FULL
    spouse.save(update_fields=["work_ability"])
    other = approved(staffing, rural, date(2026, 9, 25))
    assert (other.review_frequency, other.next_review_on) == ("quarterly", date(2026, 12, 25))


def test_review_with_a_new_amount_supersedes_the_enrolment(staffing: Staffing, enrolment: Enrolment) -> None:
    old_amount = enrolment.amount_fen
    with pytest.raises(InvalidInput) as unexplained:
        enrolment_review(actor=staffing.caseworker, enrolment_id=enrolment.pk,
                         data=ReviewInput(date(2026, 11, 10), amount_fen=60000))  # fmt: skip
    assert unexplained.value.code == "enrolment.reason_required"
    with pytest.raises(InvalidInput) as zero:
        enrolment_review(actor=staffing.caseworker, enrolment_id=enrolment.pk,
                         data=ReviewInput(date(2026, 11, 10), amount_fen=0, reason="收入增加"))  # fmt: skip
    assert zero.value.code == "enrolment.amount"
    successor = enrolment_review(
        actor=staffing.caseworker, enrolment_id=enrolment.pk,
        data=ReviewInput(date(2026, 11, 10), amount_fen=60000, reason="配偶灵活就业，月收入增加"),
    )  # fmt: skip
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.to_month) == (EnrolmentState.SUPERSEDED, date(2026, 11, 1))
    assert (successor.pk != enrolment.pk, successor.supersedes_id, successor.state) == (True, enrolment.pk, "active")
    assert (successor.amount_fen, successor.from_month, successor.to_month) == (60000, date(2026, 12, 1), None)
    assert (successor.review_frequency, successor.next_review_on) == ("half_yearly", date(2027, 5, 10))
    change = EnrolmentEvent.objects.get(enrolment=successor)
    assert (change.kind, change.amount_before_fen, change.amount_after_fen) == ("change", old_amount, 60000)
    with pytest.raises(Conflict) as superseded:
        enrolment_review(actor=staffing.caseworker, enrolment_id=enrolment.pk, data=ReviewInput(date(2026, 11, 11)))
    assert superseded.value.code == "enrolment.invalid_state"


@pytest.mark.parametrize("same_amount", [False, True])
def test_review_without_a_change_moves_the_next_review(
    staffing: Staffing, enrolment: Enrolment, same_amount: bool
) -> None:
    amount = enrolment.amount_fen if same_amount else None
    reviewed = enrolment_review(actor=staffing.caseworker, enrolment_id=enrolment.pk,
                                data=ReviewInput(date(2026, 11, 10), amount_fen=amount))  # fmt: skip
    assert (reviewed.pk, reviewed.state, reviewed.to_month) == (enrolment.pk, "active", None)
    assert reviewed.next_review_on == date(2027, 5, 10)
    assert list(EnrolmentEvent.objects.filter(enrolment=enrolment).values_list("kind", flat=True).order_by("id")) == [
        "start", "review",
    ]  # fmt: skip
    due = enrolments_due_for_review(actor=staffing.caseworker, today=date(2027, 5, 10))
    assert list(due) == [reviewed]
    assert not enrolments_due_for_review(actor=staffing.caseworker, today=date(2027, 5, 9)).exists()


def test_phase_out_is_limited_to_six_months(staffing: Staffing, enrolment: Enrolment) -> None:
    for months in (0, 7):
        with pytest.raises(InvalidInput) as refused:
            enrolment_phase_out(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 10),
                                months=months, reason="家庭成员就业，收入超过标准")  # fmt: skip
        assert refused.value.code == "enrolment.phase_out_months"
    phased = enrolment_phase_out(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 10),
                                 months=6, reason="家庭成员就业，收入超过标准")  # fmt: skip
    assert (phased.state, phased.to_month) == (EnrolmentState.PHASE_OUT, date(2027, 4, 1))  # Nov 2026 – Apr 2027
    with pytest.raises(Conflict):
        enrolment_phase_out(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 11),
                            months=1, reason="再次渐退")  # fmt: skip


def test_only_the_district_stops_an_enrolment_and_gives_a_reason(
    staffing: Staffing, tree: Tree, enrolment: Enrolment
) -> None:
    stop = {"enrolment_id": enrolment.pk, "on": date(2026, 11, 16), "last_month": date(2026, 11, 15)}
    with pytest.raises(AccessDenied):
        enrolment_stop(actor=staffing.caseworker, reason="户主死亡", **stop)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as no_reason:
        enrolment_stop(actor=staffing.approver, reason=" ", **stop)  # type: ignore[arg-type]
    assert no_reason.value.code == "enrolment.reason_required"
    with pytest.raises(InvalidInput) as too_early:
        enrolment_stop(actor=staffing.approver, enrolment_id=enrolment.pk, on=date(2026, 11, 16),
                       last_month=date(2026, 7, 31), reason="户主死亡")  # fmt: skip
    assert too_early.value.code == "enrolment.last_month"
    elsewhere = staff_actor("approver-elsewhere", tree.other_district, Role.DISTRICT_APPROVER)
    with pytest.raises(NotFound):
        enrolment_stop(actor=elsewhere, reason="户主死亡", **stop)  # type: ignore[arg-type]
    stopped = enrolment_stop(actor=staffing.approver, reason="家庭收入超过标准，不再符合条件", **stop)  # type: ignore[arg-type]
    assert (stopped.state, stopped.to_month) == (EnrolmentState.STOPPED, date(2026, 11, 1))
    event = EnrolmentEvent.objects.get(enrolment=enrolment, kind="stop")
    assert (event.reason, event.amount_before_fen, event.actor_id) == (
        "家庭收入超过标准，不再符合条件", enrolment.amount_fen, staffing.approver.user_id,
    )  # fmt: skip
    with pytest.raises(Conflict):
        enrolment_stop(actor=staffing.approver, reason="重复停发", **stop)  # type: ignore[arg-type]


def test_suspend_and_resume(staffing: Staffing, enrolment: Enrolment) -> None:
    with pytest.raises(InvalidInput):
        enrolment_suspend(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 2), reason="")
    with pytest.raises(Conflict):
        enrolment_suspend(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 2),
                          reason="恢复", resume=True)  # fmt: skip
    suspended = enrolment_suspend(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 2),
                                  reason="复核期间拒不配合入户调查")  # fmt: skip
    assert suspended.state == EnrolmentState.SUSPENDED
    assert list(enrolments_due_for_review(actor=staffing.caseworker, today=date(2027, 3, 24))) == [suspended]
    resumed = enrolment_suspend(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 9),
                                reason="已配合调查", resume=True)  # fmt: skip
    assert resumed.state == EnrolmentState.ACTIVE
    kinds = EnrolmentEvent.objects.filter(enrolment=enrolment).order_by("id").values_list("kind", flat=True)
    assert list(kinds) == ["start", "suspend", "resume"]


def test_resuming_a_phase_out_returns_to_the_phase_out(staffing: Staffing, enrolment: Enrolment) -> None:
    enrolment_phase_out(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 10, 12), months=6,
                        reason="家庭成员就业，收入超过标准")  # fmt: skip
    enrolment_suspend(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 2), reason="外出未归")
    resumed = enrolment_suspend(actor=staffing.caseworker, enrolment_id=enrolment.pk, on=date(2026, 11, 9),
                                reason="已返回", resume=True)  # fmt: skip
    assert (resumed.state, resumed.to_month) == (EnrolmentState.PHASE_OUT, date(2027, 3, 1))
