"""Reads of the resident portal: who a verified phone number is, their households' applications in plain
language, and what the online application form offers.

A resident is any living person whose registry phone equals the verified number (one number may belong to several
people, e.g. an elderly couple). They see their current households' cases with masked names, the steps without
staff names, and which materials to bring to the township window. Every read of a household is audited with the
masked number; there is no staff actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.cases.intake import MATERIALS, REQUIRED_TO_ACCEPT, case_missing
from minzheng.cases.selectors import notice_totals, public_notices
from minzheng.cases.workflow import (
    APPLICABLE_PROGRAMMES,
    ONE_OFF_PROGRAMMES,
    PERSON_PROGRAMMES,
    STATUS_PROGRAMMES,
    procedure_for,
)
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import NotFound
from minzheng.core.masking import mask_name, mask_phone
from minzheng.core.programmes import Programme
from minzheng.core.regions.models import Region
from minzheng.core.regions.selectors import region_by_code, valid_on
from minzheng.registry.selectors import (
    household_members,
    income_kind_labels,
    resident_membership,
    resident_memberships,
)

MAX_PERSONS_PER_PHONE = 20
SUBMITTED = "submitted"  # cases.CaseState.SUBMITTED: waiting for the township to accept (待受理)
AID_KINDS = ("emergency", "expenditure")  # 临时救助: cases.TemporaryAidKind

# What each step means for the family; `review` depends on whether the procedure has a public notice.
STEP_TEXT: dict[str, Promise] = {
    "accept": _("乡镇（街道）受理了申请"),
    "investigate": _("开始调查家庭经济状况（入户调查、信息核对）"),
    "review:on_notice": _("乡镇（街道）初审通过，在村（社区）公示"),
    "review:district_review": _("乡镇（街道）初审通过，报区县审批"),
    "object": _("公示期间收到意见，重新调查核实"),
    "notice_end": _("公示期满，报区县审批"),
    "approve": _("审批通过"),
    "refuse": _("不予批准，将书面告知理由"),
    "suspend": _("暂停办理"),
    "resume": _("恢复办理"),
    "withdraw": _("申请已撤回"),
    "terminate": _("终止办理"),
}
AID_KIND_NOTES: dict[str, Promise] = {
    "emergency": _("因火灾、交通事故等意外或家庭成员突发重病，生活陷入困境"),
    "expenditure": _("医疗、教育等必需支出突然增加，超出家庭承受能力"),
}


# ------------------------------------------------------------------------------------------------ residents


def residents(*, phone: str) -> list[Any]:
    """The current household memberships of the living persons whose registry phone is the verified `phone`."""
    return list(resident_memberships(phone=phone, limit=MAX_PERSONS_PER_PHONE))


@dataclass(frozen=True)
class Resident:
    person_id: int
    name: str  # masked
    village: str


def resident_choices(*, phone: str) -> list[Resident]:
    """The persons with this number and their villages, for choosing the household to apply for."""
    return [Resident(m.person_id, mask_name(m.person.name), m.household.region.name) for m in residents(phone=phone)]


def resident_get(*, phone: str, person_id: int) -> Any:
    """The membership of `person_id` if the person's registry phone is `phone`; else NotFound (never a hint why)."""
    membership = resident_membership(person_id=person_id)
    if membership is None or not phone or membership.person.phone != phone:
        raise NotFound("portal.resident", _("未找到与该手机号码对应的在册家庭成员"))
    return membership


@dataclass(frozen=True)
class Member:
    person_id: int
    label: str  # masked name and relation to the head: "张*（户主）"


def resident_members(*, membership: Any) -> list[Member]:
    """The current members of the resident's household, for the 'which member applies' choices."""
    return [
        Member(m.person_id, f"{mask_name(m.person.name)}（{m.get_relation_display()}）")
        for m in household_members(household=membership.household)
    ]


# ------------------------------------------------------------------------------------------- applications


@dataclass(frozen=True)
class Step:
    on: date
    text: str


@dataclass(frozen=True)
class DecisionView:
    approved: bool
    outcome: str
    decided_on: date
    amount_fen: int  # 0 for a recognition without a benefit of its own (边缘, 刚性支出)
    monthly: bool  # a monthly benefit from `start_month`, else a one-off payment
    start_month: date | None
    reasons: str


@dataclass(frozen=True)
class CaseStatus:
    id: int
    programme: str
    person: str  # masked name of the member a person programme is for, else ""
    state: str
    state_label: str
    received_on: date
    due_on: date | None
    due_provisional: bool
    closed_on: date | None
    decision: DecisionView | None
    steps: list[Step]
    missing: list[str]  # materials to bring before the township can accept (一次性告知)


@dataclass(frozen=True)
class HouseholdStatus:
    household_id: int
    person_id: int
    resident: str  # masked name of the person with the verified number
    village: str
    cases: list[CaseStatus]


def resident_applications(*, phone: str) -> list[HouseholdStatus]:
    """Every current household of the number's persons with its cases, newest first; each household read audited."""
    statuses: dict[int, HouseholdStatus] = {}
    for membership in residents(phone=phone):
        household = membership.household
        if household.pk in statuses:
            continue
        cases = household.cases.select_related("intake", "person", "decision").prefetch_related("transitions")
        statuses[household.pk] = HouseholdStatus(
            household_id=household.pk,
            person_id=membership.person_id,
            resident=mask_name(membership.person.name),
            village=household.region.name,
            cases=[_case_status(case) for case in cases.order_by("-intake__received_on", "-id")],
        )
        audit_record(actor=None, action="portal.cases_view", obj=household, region=household.region,
                     detail={"phone": mask_phone(phone)})  # fmt: skip
    return list(statuses.values())


def _case_status(case: Any) -> CaseStatus:
    decision = getattr(case, "decision", None)  # a reverse one-to-one: absent until decided
    return CaseStatus(
        id=case.pk,
        programme=_programme_label(case),
        person=mask_name(case.person.name) if case.person else "",
        state=case.state,
        state_label=case.get_state_display(),
        received_on=case.intake.received_on,
        due_on=case.due_on,
        due_provisional=case.due_provisional,
        closed_on=case.closed_on,
        decision=_decision_view(decision, case.programme) if decision is not None else None,
        steps=_steps(case),
        missing=[m.title for m in case_missing(case)] if case.state == SUBMITTED else [],
    )


def _programme_label(case: Any) -> str:
    """The programme, with the kind of 临时救助 where there is one: "临时救助（支出型）"."""
    label = str(case.get_programme_display())
    return f"{label}（{case.get_aid_kind_display()}）" if case.aid_kind else label


def _decision_view(decision: Any, programme: str) -> DecisionView:
    approved = decision.outcome == "approved"  # cases.DecisionOutcome.APPROVED
    monthly = programme not in ONE_OFF_PROGRAMMES | STATUS_PROGRAMMES
    return DecisionView(
        approved=approved,
        outcome=decision.get_outcome_display(),
        decided_on=decision.decided_on,
        amount_fen=decision.amount_fen,
        monthly=monthly,
        start_month=decision.start_month if monthly else None,
        reasons="" if approved else decision.reasons,
    )


def _steps(case: Any) -> list[Step]:
    """The timeline in plain words: the application, then each transition (no staff names, no internal notes)."""
    channel = case.intake.get_channel_display()
    steps = [Step(case.intake.received_on, str(_("提交申请（%(channel)s）") % {"channel": channel}))]
    for transition in sorted(case.transitions.all(), key=lambda t: (t.on, t.at, t.pk)):
        key = f"review:{transition.to_state}" if transition.action == "review" else transition.action
        text = STEP_TEXT.get(key)
        steps.append(Step(transition.on, str(text) if text is not None else transition.get_to_state_display()))
    return steps


# ---------------------------------------------------------------------------------------- application form


@dataclass(frozen=True)
class MaterialNote:
    title: str
    note: str


@dataclass(frozen=True)
class AidKind:
    code: str
    title: str
    note: str  # when this kind applies, in plain words
    materials: list[MaterialNote]


@dataclass(frozen=True)
class ProgrammeOption:
    code: str
    label: str
    per_person: bool  # the member who applies is chosen (单人保, 特困, 两项补贴)
    materials: list[MaterialNote]  # what the window needs before it accepts; 临时救助: per kind instead
    aid_kinds: list[AidKind]  # 临时救助 only


def programme_options() -> list[ProgrammeOption]:
    """The programmes a resident may apply for online, in the workflow's order, with the materials the township
    window needs before it accepts each (REQUIRED_TO_ACCEPT; materials are handed in there, not uploaded)."""
    options = []
    for code in APPLICABLE_PROGRAMMES:
        kinds = [
            AidKind(kind, str(procedure_for(code, kind).title), str(AID_KIND_NOTES[kind]), _materials(code, kind))
            for kind in (AID_KINDS if code == Programme.TEMPORARY_AID else ())
        ]
        label = str(Programme(code).label)
        options.append(
            ProgrammeOption(str(code), label, code in PERSON_PROGRAMMES, [] if kinds else _materials(code), kinds)
        )
    return options


def _materials(programme: str, aid_kind: str = "") -> list[MaterialNote]:
    codes = REQUIRED_TO_ACCEPT.get(procedure_for(programme, aid_kind).key, ())
    return [MaterialNote(str(MATERIALS[code].title), str(MATERIALS[code].note)) for code in codes]


def income_kinds() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in income_kind_labels().items()]


# ------------------------------------------------------------------------------------------- public notices


@dataclass(frozen=True)
class NoticePlace:
    """The district → township → village choice of the public notice page; names only, nothing else is public."""

    districts: list[Region]
    townships: list[Region]
    villages: list[Region]
    district: Region | None
    township: Region | None
    village: Region | None


def notice_place(*, district: str, township: str, village: str, on: date) -> NoticePlace:
    """Resolve the chosen codes level by level; a code that is not a child of the level above is ignored."""
    root = region_by_code(code=settings.ROOT_REGION_CODE, on=on)
    districts = _children(root, on)
    chosen_district = _pick(districts, district)
    townships = _children(chosen_district, on)
    chosen_township = _pick(townships, township)
    villages = _children(chosen_township, on)
    return NoticePlace(districts, townships, villages, chosen_district, chosen_township, _pick(villages, village))


def _children(region: Region | None, on: date) -> list[Region]:
    if region is None:
        return []
    return list(Region.objects.filter(valid_on(on), parent=region).order_by("code"))


def _pick(regions: list[Region], code: str) -> Region | None:
    return next((region for region in regions if region.code == code), None)


@dataclass(frozen=True)
class NoticeRow:
    name: str  # surname and masked given name, as published
    members: int
    amount_fen: int
    programme: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class NoticeList:
    rows: list[NoticeRow]
    members: int
    amount_fen: int


def notice_list(*, village: Region, on: date) -> NoticeList:
    """The village's notices on `on`: only what 审核确认办法 第24条 allows (no ID number, address or objection)."""
    notices = public_notices(region=village, on=on)
    rows = [
        NoticeRow(n.name_masked, n.members, n.amount_fen, n.case.get_programme_display(), n.starts_on, n.ends_on)
        for n in notices
    ]
    totals = notice_totals(notices)
    return NoticeList(rows, totals["members"] or 0, totals["amount_fen"] or 0)
