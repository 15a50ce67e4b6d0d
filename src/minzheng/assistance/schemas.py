"""Request and response schemas of the assistance API (ARCHITECTURE §7).

A what-if household names its members with ids of the caller's choice; incomes, assets and expenses refer to
them. Amounts are integer fen. Unknown fields are refused, so a misspelt field never silently means "none".
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict

from minzheng.assistance.explain import ProgrammeView, StepView, SubjectView
from minzheng.assistance.inputs import ABSENCES, ASSET_KINDS, EXPENSE_KINDS, HARDSHIP_KINDS, INCOME_KINDS
from minzheng.assistance.services import WHAT_IF_HOUSEHOLD, WhatIf
from minzheng.core.errors import FieldError, InvalidInput

MemberId = str
Kind = Literal  # readability alias for the enumerations below

RELATION_CODES = ("02", "10", "20", "30", "40", "50", "60", "70", "80", "99")


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class MemberIn(_Strict):
    id: MemberId = Field(min_length=1, max_length=32, description=str(_("成员编号，由调用方自定，在本户内唯一")))
    name: str = Field("", max_length=64, description=str(_("显示用姓名，可空")))
    relation: Literal[RELATION_CODES] = Field("02", description=str(_("与户主关系（GB/T 4761）")))  # type: ignore[valid-type]
    birth_on: date
    died_on: date | None = None
    work_ability: Literal["full", "partial", "none"] = "full"
    serious_illness: bool = False
    disability_category: Literal["1", "2", "3", "4", "5", "6", "7"] | None = None
    disability_grade: int | None = Field(None, ge=1, le=4)
    self_care_unmet: int | None = Field(None, ge=0, le=6, description=str(_("生活自理六项中不能自主完成的项数")))
    in_school: bool = False
    absence: Literal[ABSENCES] | None = None  # type: ignore[valid-type]
    absent_since: date | None = None


class IncomeIn(_Strict):
    member: MemberId | None = Field(None, description=str(_("成员编号；家庭经营等户级收入为空")))
    kind: Literal[INCOME_KINDS]  # type: ignore[valid-type]
    monthly_fen: int = Field(ge=0, description=str(_("月收入（分）")))


class AssetIn(_Strict):
    member: MemberId | None = None
    kind: Literal[ASSET_KINDS]  # type: ignore[valid-type]
    value_fen: int = Field(ge=0)


class ExpenseIn(_Strict):
    member: MemberId | None = None
    kind: Literal[EXPENSE_KINDS]  # type: ignore[valid-type]
    amount_fen: int = Field(ge=0, description=str(_("自付金额（分）")))
    incurred_on: date


class HardshipIn(_Strict):
    kind: Literal[HARDSHIP_KINDS]  # type: ignore[valid-type]
    months: int | None = Field(None, ge=1, le=12, description=str(_("支出型：困难持续月数")))
    need_fen: int | None = Field(None, ge=0)


class EnrolmentIn(_Strict):
    member: MemberId | None = None
    programme: str
    since: date
    amount_fen: int = Field(ge=0)


class WhatIfIn(_Strict):
    region: str = Field(pattern=r"^\d{6}(\d{3}|\d{6})?$", description=str(_("所在区划代码（区县、乡镇或村）")))
    area: Literal["urban", "rural"]
    as_of: date = Field(default_factory=timezone.localdate)
    members: list[MemberIn] = Field(min_length=1, max_length=30)
    incomes: list[IncomeIn] = Field(default_factory=list, max_length=200)
    assets: list[AssetIn] = Field(default_factory=list, max_length=200)
    expenses: list[ExpenseIn] = Field(default_factory=list, max_length=500)
    hardships: list[HardshipIn] = Field(default_factory=list, max_length=20)
    enrolments: list[EnrolmentIn] = Field(default_factory=list, max_length=20)

    def reference_errors(self) -> list[FieldError]:
        """Member ids used twice, and items naming a member the household does not have, with their paths."""
        ids = [member.id for member in self.members]
        errors = [
            FieldError(f"members[{index}].id", "member.duplicate_id", _("成员编号重复：%(id)s") % {"id": member_id})
            for index, member_id in enumerate(ids)
            if member_id in ids[:index]
        ]
        for name in ("incomes", "assets", "expenses", "enrolments"):
            for index, row in enumerate(getattr(self, name)):
                if row.member is not None and row.member not in ids:
                    message = _("未知成员 %(id)s") % {"id": row.member}
                    errors.append(FieldError(f"{name}[{index}].member", "member.unknown", message))
        return errors

    def to_what_if(self) -> WhatIf:
        """The household as relations; InvalidInput (422, with every field path) if members do not add up."""
        errors = self.reference_errors()
        if errors:
            raise InvalidInput("input.invalid", _("输入有误"), extra={"errors": errors})
        household = WHAT_IF_HOUSEHOLD
        persons = [
            member.dict(exclude={"relation", "absence", "absent_since", "id"}) | {"person_id": member.id}
            for member in self.members
        ]
        members = [
            {
                "household_id": household,
                "person_id": m.id,
                "relation": m.relation,
                "absence": m.absence,
                "absent_since": m.absent_since,
            }
            for m in self.members
        ]

        def owned(rows: list[Any]) -> list[dict[str, Any]]:
            return [row.dict(exclude={"member"}) | {"household_id": household, "person_id": row.member} for row in rows]

        relations = {
            "households": [{"household_id": household, "area": self.area}],
            "persons": persons,
            "household_members": members,
            "incomes": owned(self.incomes),
            "assets": owned(self.assets),
            "expenses": owned(self.expenses),
            "hardships": [row.dict() | {"household_id": household} for row in self.hardships],
            "enrolments": owned(self.enrolments),
        }
        return WhatIf(region_code=self.region, area=self.area, as_of=self.as_of, relations=relations)


class AssessIn(_Strict):
    as_of: date = Field(default_factory=timezone.localdate)


class LineOut(Schema):
    label: str
    value: str


class StepOut(Schema):
    name: str
    title: str
    outcome: bool | None
    values: list[LineOut]

    @staticmethod
    def of(step: StepView) -> dict[str, Any]:
        return {
            "name": step.name, "title": str(step.title), "outcome": step.outcome,
            "values": [{"label": str(line.label), "value": str(line.value)} for line in step.values],
        }  # fmt: skip


class SubjectOut(Schema):
    person_id: str | None
    name: str
    qualifies: bool
    amount_fen: int
    tier: str
    valid_until: str
    category: int | None
    steps: list[StepOut]


class ParamOut(Schema):
    key: str
    title: str
    value: str
    confirmed: bool


class ProgrammeOut(Schema):
    code: str
    label: str
    rule_id: str
    rule_version: int
    title: str
    sources: list[str]
    qualifies: bool
    amount_fen: int
    unconfirmed: bool
    subjects: list[SubjectOut]
    params: list[ParamOut]


def programme_out(view: ProgrammeView) -> dict[str, Any]:
    return {
        "code": view.code, "label": str(view.label), "rule_id": view.rule.id, "rule_version": view.rule.version,
        "title": view.rule.title, "sources": list(view.rule.sources), "qualifies": view.qualifies,
        "amount_fen": view.amount_fen, "unconfirmed": view.unconfirmed,
        "subjects": [_subject_out(subject) for subject in view.subjects],
        "params": [
            {"key": p.key, "title": p.title, "value": str(p.value), "confirmed": p.confirmed} for p in view.params
        ],
    }  # fmt: skip


def _subject_out(subject: SubjectView) -> dict[str, Any]:
    return {
        "person_id": subject.person_id, "name": subject.name, "qualifies": subject.qualifies,
        "amount_fen": subject.amount_fen, "tier": subject.tier, "valid_until": subject.valid_until,
        "category": subject.category, "steps": [StepOut.of(step) for step in subject.steps],
    }  # fmt: skip


class AssessmentOut(Schema):
    id: int | None = Field(description=str(_("已保存评估的编号；试算为空")))
    household_id: int | None
    as_of: date
    region_code: str
    monthly_total_fen: int = Field(description=str(_("按月发放的金额合计（不含一次性临时救助）")))
    programmes: list[ProgrammeOut]


class LowIncomePersonOut(Schema):
    person_id: int
    name: str
    id_number: str
    household_id: int
    category: int
    category_label: str
    as_of: date
