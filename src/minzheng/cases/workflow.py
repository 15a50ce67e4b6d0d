"""The procedures as data (ARCHITECTURE §5 "Programmes are data, not code branches"; REFERENCE §1.9, §2.2, §3.2, §4).

A `Procedure` says, for a family of programmes, which actions exist, where each leads, which permission each
needs, whether there is a public notice, whether a small advance may be paid first, and which parameter holds
each time limit. The numbers themselves are parameters (`cases/rules/params.yaml`), per region and date. The
services in `cases/services.py` are the only code that moves a case; they look everything up here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.cases.models import CaseState, TemporaryAidKind
from minzheng.core.access.permissions import Permission
from minzheng.core.programmes import Programme

S = CaseState
_WORKING = frozenset({S.SUBMITTED, S.ACCEPTED, S.INVESTIGATING, S.ON_NOTICE, S.DISTRICT_REVIEW})


@dataclass(frozen=True)
class Action:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str | None  # None: resolved by the service (`review` depends on the notice, `resume` on the past)
    permission: Permission
    needs_reason: bool = False


ACTIONS: MappingProxyType[str, Action] = MappingProxyType(
    {
        action.name: action
        for action in (
            Action("accept", _("受理"), frozenset({S.SUBMITTED}), S.ACCEPTED, "case.accept"),
            Action("investigate", _("开始调查"), frozenset({S.ACCEPTED}), S.INVESTIGATING, "case.accept"),
            Action("review", _("初审通过"), frozenset({S.INVESTIGATING}), None, "case.review"),
            Action("object", _("登记公示异议"), frozenset({S.ON_NOTICE}), S.INVESTIGATING, "case.accept", True),
            Action("notice_end", _("公示期满"), frozenset({S.ON_NOTICE}), S.DISTRICT_REVIEW, "case.review"),
            Action("approve", _("批准"), frozenset({S.DISTRICT_REVIEW}), S.APPROVED, "case.approve"),
            Action("refuse", _("不予批准"), frozenset({S.DISTRICT_REVIEW}), S.REFUSED, "case.approve", True),
            Action("suspend", _("中止办理"), _WORKING, S.SUSPENDED, "case.accept", True),
            Action("resume", _("恢复办理"), frozenset({S.SUSPENDED}), None, "case.accept"),
            Action("withdraw", _("撤回申请"), _WORKING | {S.SUSPENDED}, S.WITHDRAWN, "case.accept", True),
            Action("terminate", _("终止办理"), _WORKING | {S.SUSPENDED}, S.TERMINATED, "case.accept", True),
        )
    }
)


@dataclass(frozen=True)
class Procedure:
    """One programme family's procedure. Limit fields name parameters (`cases.<key>.<limit>`); None: no limit."""

    key: str
    title: Promise
    sources: tuple[str, ...]
    notice: bool = True
    advance_aid: bool = False
    investigation_limit: str | None = "investigation_start_wd"  # from 受理 to the start of the investigation
    review_limit: str | None = None  # from 受理 to 初审
    district_limit: str | None = "district_review_wd"  # from receipt by the county to its decision
    recheck_share: str | None = None  # per-mille of cases the county re-visits (特困 ≥ 30 %)
    home_visit: bool = True  # 初审 needs a home visit by ≥ 2 people
    economic_check: bool = True  # 初审 needs the county's 信息核对
    payment_start: str | None = None  # parameter choosing the first month paid; None: one-off or status only


PROCEDURES: MappingProxyType[str, Procedure] = MappingProxyType(
    {
        procedure.key: procedure
        for procedure in (
            Procedure(
                "dibao",
                _("最低生活保障审核确认"),
                ("最低生活保障审核确认办法 第15—22条", "重庆市城乡居民最低生活保障条例 第18—19条"),
                payment_start="dibao.payment_start",
            ),
            Procedure(
                "tekun",
                _("特困人员认定"),
                ("特困人员认定办法 第10—19条",),
                investigation_limit=None,
                review_limit="review_wd",
                recheck_share="recheck_share_permille",
                payment_start="tekun.payment_start",
            ),
            Procedure("near_dibao", _("低保边缘家庭认定"), ("最低生活保障审核确认办法 第8条", "2022 通知 §一(四)")),
            Procedure("rigid_expense", _("刚性支出困难家庭认定"), ("刚性支出困难家庭认定办法 第6—8条",), notice=False),
            Procedure(
                "temporary_aid_emergency",
                _("急难型临时救助"),
                ("社会救助暂行办法 第48条", "关于改革完善社会救助制度的意见 第15项"),
                notice=False,
                advance_aid=True,
                investigation_limit=None,
                home_visit=False,
                economic_check=False,
            ),
            Procedure("temporary_aid_expenditure", _("支出型临时救助"), ("社会救助暂行办法 第48条",)),
            Procedure(
                "disability_subsidy",
                _("残疾人两项补贴审核"),
                ("国发〔2015〕52号", "渝民发〔2021〕15号"),
                notice=False,
                investigation_limit=None,
                home_visit=False,
                economic_check=False,
                payment_start="disability_subsidy.payment_start",
            ),
        )
    }
)

_PROCEDURE_OF_PROGRAMME: dict[str, str] = {
    Programme.DIBAO: "dibao",
    Programme.DIBAO_SINGLE: "dibao",
    Programme.TEKUN: "tekun",
    Programme.NEAR_DIBAO: "near_dibao",
    Programme.RIGID_EXPENSE: "rigid_expense",
    Programme.DISABILITY_LIVING: "disability_subsidy",
    Programme.DISABILITY_NURSING: "disability_subsidy",
}

# Programmes a person (not the whole household) applies for: the case names the person.
PERSON_PROGRAMMES = frozenset(
    {Programme.DIBAO_SINGLE, Programme.TEKUN, Programme.DISABILITY_LIVING, Programme.DISABILITY_NURSING}
)
# Programmes open for application (渐退 and the 低收入人口 category are outcomes, not applications).
APPLICABLE_PROGRAMMES: tuple[str, ...] = (
    Programme.DIBAO,
    Programme.DIBAO_SINGLE,
    Programme.TEKUN,
    Programme.NEAR_DIBAO,
    Programme.RIGID_EXPENSE,
    Programme.TEMPORARY_AID,
    Programme.DISABILITY_LIVING,
    Programme.DISABILITY_NURSING,
)
# One-off payments: approval creates no monthly enrolment.
ONE_OFF_PROGRAMMES = frozenset({Programme.TEMPORARY_AID})
# Recognitions without a monthly benefit of their own (边缘, 刚性支出): approval records the status only.
STATUS_PROGRAMMES = frozenset({Programme.NEAR_DIBAO, Programme.RIGID_EXPENSE})


def procedure_for(programme: str, aid_kind: str = "") -> Procedure:
    if programme == Programme.TEMPORARY_AID:
        kind = aid_kind or TemporaryAidKind.EXPENDITURE
        return PROCEDURES[f"temporary_aid_{kind}"]
    return PROCEDURES[_PROCEDURE_OF_PROGRAMME[programme]]


def action_target(action: Action, procedure: Procedure, suspended_from: str) -> str:
    """Where `action` leads for a case of `procedure` (the two actions whose target is not fixed)."""
    if action.target is not None:
        return action.target
    if action.name == "review":
        return S.ON_NOTICE if procedure.notice else S.DISTRICT_REVIEW
    return suspended_from  # resume


def actions_available(state: str, procedure: Procedure) -> list[Action]:
    """The actions the state machine allows from `state` (permissions and preconditions are checked later)."""
    return [
        action
        for action in ACTIONS.values()
        if state in action.sources and (procedure.notice or action.name not in {"object", "notice_end"})
    ]


def limit_key(procedure: Procedure, limit: str) -> str:
    return f"cases.{procedure.key}.{limit}"
