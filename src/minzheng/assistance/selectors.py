"""Reading assessments: the latest one of a household with its explanation, and the low-income population.

Every read is scoped through the registry's household selector (region scope, audited view of the household).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from minzheng.assistance.explain import ProgrammeView, final_step_rows, programme_views
from minzheng.assistance.models import Assessment, AssessmentResult, LowIncomeCategory, Programme
from minzheng.assistance.rules import PROGRAMMES
from minzheng.core.access.actor import Actor
from minzheng.core.engine.rules import rule_get
from minzheng.core.engine.runner import engine_cursor
from minzheng.core.errors import NotFound
from minzheng.core.regions.models import Region
from minzheng.registry.selectors import household_get, household_list, household_members


@dataclass(frozen=True)
class AssessmentView:
    household: Any  # registry.Household, as household_get returned it
    assessment: Assessment
    programmes: list[ProgrammeView]

    @property
    def qualifying(self) -> list[ProgrammeView]:
        return [programme for programme in self.programmes if programme.qualifies]

    @property
    def monthly_total_fen(self) -> int:
        """Recurring monthly amounts (临时救助 is one-off and 低收入人口 carries no amount)."""
        return sum(p.amount_fen for p in self.qualifying if p.code != Programme.TEMPORARY_AID)


def assessment_latest(*, actor: Actor, household_id: int) -> AssessmentView | None:
    """The household's most recent assessment with its explanation, or None if it was never assessed."""
    actor.require("assessment.view")
    household = household_get(actor=actor, household_id=household_id)
    assessment = Assessment.objects.filter(household=household).select_related("run").order_by("-id").first()
    return None if assessment is None else _view(household, assessment)


def assessment_get(*, actor: Actor, assessment_id: int) -> AssessmentView:
    actor.require("assessment.view")
    assessment = Assessment.objects.select_related("run").filter(id=assessment_id).first()
    if assessment is None:
        raise NotFound("assessment.not_found", _("未找到该评估"))
    household = household_get(actor=actor, household_id=assessment.household_id)
    return _view(household, assessment)


def _view(household: Any, assessment: Assessment) -> AssessmentView:
    names = {
        str(member.person_id): member.person.name
        for member in household_members(household=household, on=assessment.as_of)
    }
    rows = assessment.explanation if assessment.explanation is not None else _batch_rows(assessment)
    views = programme_views(rows, assessment.results, as_of=assessment.as_of, names=names)
    return AssessmentView(household, assessment, views)


def _batch_rows(assessment: Assessment) -> list[dict[str, Any]]:
    """The household's rows in the run's Parquet files: each rule's last step and the parameters used."""
    directory = Path(assessment.run.explanations_path)
    if not assessment.run.explanations_path or not directory.exists():
        return []
    household = int(assessment.household_id)
    params = _parquet_rows(directory / "rule_params", household)
    rows: list[dict[str, Any]] = []
    for rule_id in PROGRAMMES.values():
        if (directory / rule_id).exists():
            rule = rule_get(rule_id)
            rows += final_step_rows(rule, _parquet_rows(directory / rule_id, household), params[0] if params else {})
    return rows


def _parquet_rows(directory: Path, household_id: int) -> list[dict[str, Any]]:
    with engine_cursor() as con:
        relation = con.read_parquet(str(directory / "*.parquet"))
        return [
            dict(zip(relation.columns, row, strict=True))
            for row in relation.filter(f"household_id = {household_id}").fetchall()
        ]


# The low-income population (低收入人口, REFERENCE §2.3) ------------------------------------------------------


def latest_assessments(*, actor: Actor, region: Region | None = None) -> QuerySet[Assessment]:
    """Each in-scope household's most recent assessment."""
    actor.require("assessment.view")
    households = household_list(actor=actor, region=region).values("id")
    latest = (
        Assessment.objects.filter(household__in=households).values("household").annotate(last=Max("id")).values("last")
    )
    return Assessment.objects.filter(id__in=latest)


def low_income_persons(
    *, actor: Actor, category: LowIncomeCategory | None = None, region: Region | None = None
) -> QuerySet[AssessmentResult]:
    """Persons with a low-income category in their household's latest assessment, with the category."""
    rows = AssessmentResult.objects.filter(
        programme=Programme.LOW_INCOME, assessment__in=latest_assessments(actor=actor, region=region)
    )
    if category is not None:
        rows = rows.filter(category=category)
    return rows.select_related("person", "household", "assessment").order_by("person_id")


def assessments_exist() -> bool:
    """Whether any household was ever assessed (the demo assesses the synthetic city once)."""
    return Assessment.objects.exists()


def assessment_programme_amounts(*, assessment_id: int, programme: str, person_id: int | None = None) -> list[int]:
    """The qualifying amounts of one programme in a stored assessment (empty: the household does not qualify)."""
    rows = AssessmentResult.objects.filter(assessment_id=assessment_id, programme=programme)
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    return list(rows.values_list("amount_fen", flat=True))
