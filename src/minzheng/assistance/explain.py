"""Turning explanation rows into what a caseworker reads: per programme, the rule with its legal sources, and per
household or member each step's conclusion with the numbers it used and the parameters in force (未确认 flagged).

Explanation rows come in one shape whatever produced them (ARCHITECTURE §6): `subject_type`, `subject_id`,
`household_id`, `step`, `outcome`, `values` (the step's explain columns) and `params` ({key: {value,
confirmed}}). A single assessment stores every step's rows; a batch keeps each rule's last step in Parquet,
which `final_step_rows` turns into the same shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.assistance.labels import CHOICE_LABELS, COLUMN_LABELS, STEP_TITLES, VALUE_LABELS
from minzheng.assistance.models import LowIncomeCategory, Programme
from minzheng.assistance.rules import PROGRAMMES
from minzheng.core.engine.params import param_column
from minzheng.core.engine.rules import Rule, rule_get
from minzheng.core.engine.runner import RuleSet
from minzheng.core.money import format_yuan
from minzheng.core.parameters.selectors import parameter_titles

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Line:
    label: str | Promise
    value: str | Promise


@dataclass(frozen=True)
class ParamLine:
    key: str
    title: str
    value: str | Promise
    confirmed: bool


@dataclass(frozen=True)
class StepView:
    name: str
    title: str | Promise
    outcome: bool | None
    values: list[Line]


@dataclass(frozen=True)
class SubjectView:
    person_id: str | None  # None: the household
    name: str
    qualifies: bool
    amount_fen: int
    tier: str
    valid_until: str
    category: int | None
    steps: list[StepView]

    @property
    def category_label(self) -> str | Promise:
        return LowIncomeCategory(self.category).label if self.category else ""


@dataclass(frozen=True)
class ProgrammeView:
    code: str
    label: str | Promise
    rule: Rule
    subjects: list[SubjectView]
    params: list[ParamLine]

    @property
    def qualifying(self) -> list[SubjectView]:
        return [subject for subject in self.subjects if subject.qualifies]

    @property
    def qualifies(self) -> bool:
        return bool(self.qualifying)

    @property
    def amount_fen(self) -> int:
        return sum(subject.amount_fen for subject in self.qualifying)

    @property
    def unconfirmed(self) -> bool:
        return any(not param.confirmed for param in self.params)


def programme_views(
    rows: Iterable[Row], results: Iterable[Row], *, as_of: date, names: Mapping[str, str]
) -> list[ProgrammeView]:
    """One view per programme whose rule ran, in display order. `results` are the qualifying results
    (programme, person_id, amount_fen, valid_until, tier, category); `names` maps person id → name."""
    by_step: dict[tuple[str, str, str], Row] = {}
    for row in rows:
        by_step[(row["step"], row["subject_type"], str(row["subject_id"]))] = row
    qualifying = {(result["programme"], _text(result.get("person_id"))): result for result in results}
    in_force = RuleSet(tuple(rule for rule in map(rule_get, PROGRAMMES.values()) if rule.in_force(as_of)))
    views = []
    for code, rule in zip(PROGRAMMES, map(rule_get, PROGRAMMES.values()), strict=True):
        if not rule.in_force(as_of):
            continue
        subjects = _subjects(rule, by_step, names)
        built = [
            _subject_view(rule, code, subject, by_step, qualifying, names, in_force.explain_columns)
            for subject in subjects
        ]
        views.append(ProgrammeView(code, Programme(code).label, rule, built, _params(rule, by_step)))
    return views


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _subjects(rule: Rule, by_step: Mapping[tuple[str, str, str], Row], names: Mapping[str, str]) -> list[str]:
    final = rule.step_names[-1]
    kind = rule.subject
    found = [subject for step, subject_type, subject in by_step if step == final and subject_type == kind]
    return sorted(found, key=lambda subject: (names.get(subject, ""), subject)) if kind == "person" else found


def _subject_view(
    rule: Rule,
    code: str,
    subject: str,
    by_step: Mapping[tuple[str, str, str], Row],
    qualifying: Mapping[tuple[str, str], Row],
    names: Mapping[str, str],
    columns: Callable[[str], tuple[str, ...]],
) -> SubjectView:
    person = subject if rule.subject == "person" else None
    final = by_step[(rule.step_names[-1], rule.subject, subject)]
    household = str(final["household_id"])
    steps = []
    for name in rule.step_names:
        row = by_step.get((name, "person", subject)) if person else None
        row = row or by_step.get((name, "household", household))
        if row is not None:
            lines = _lines(row["values"], columns(name))
            steps.append(StepView(name, STEP_TITLES.get(name, name), row["outcome"], lines))
    result = qualifying.get((code, person or ""))
    return SubjectView(
        person_id=person,
        name=names.get(person, "") if person else "",
        qualifies=result is not None,
        amount_fen=int(result["amount_fen"]) if result else 0,
        tier=str(VALUE_LABELS.get(str(result.get("tier") or ""), result.get("tier") or "")) if result else "",
        valid_until=str(result.get("valid_until") or "") if result else "",
        category=result.get("category") if result else None,
        steps=steps,
    )


def _lines(values: Mapping[str, Any], order: tuple[str, ...]) -> list[Line]:
    """The values in the rule set's order of explain columns: stored as jsonb (PostgreSQL) they come back with
    their keys reordered, and a batch's Parquet rows follow one rule's order."""
    rank = {column: index for index, column in enumerate(order)}
    columns = sorted(values, key=lambda column: rank.get(column, len(rank)))
    return [Line(COLUMN_LABELS.get(column, column), value_format(column, values[column])) for column in columns]


def value_format(column: str, value: Any) -> str | Promise:
    """A value as staff read it: fen as yuan, per-mille as a multiple, booleans as 是/否."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if column.endswith("_fen"):
        return _yuan(value)
    if column.endswith("_permille"):
        return _multiple(value)
    if column == "disability_grade":
        return _("%(n)s级") % {"n": value}
    if isinstance(value, str):
        return "、".join(str(VALUE_LABELS.get(part, part)) for part in value.split(",") if part) or "—"
    return str(value)


def _params(rule: Rule, by_step: Mapping[tuple[str, str, str], Row]) -> list[ParamLine]:
    row = next((row for (step, _t, _s), row in by_step.items() if step in rule.step_names), None)
    if row is None:
        return []
    titles, units = parameter_titles(), _units()
    lines = []
    for key in rule.params:
        used = row["params"].get(key) or {}
        value = used.get("value")
        lines.append(
            ParamLine(
                key,
                titles.get(key, key),
                _param_format(units.get(key, ""), value, key=key),
                bool(used.get("confirmed")),
            )
        )
    return lines


def _yuan(fen: Any) -> str:
    return _("%(amount)s元") % {"amount": format_yuan(int(fen))}


def _multiple(permille: Any) -> str:
    return _("%(n)s倍") % {"n": f"{Decimal(int(permille)) / 1000:g}"}


def _param_format(unit: str, value: Any, *, key: str = "") -> str | Promise:
    if value is None:
        return "—"
    is_age = key.endswith(("_age", "age_limit"))  # an age line reads 60周岁, a duration 1年
    formats = {
        "fen": lambda: _yuan(value),
        "permille": lambda: _multiple(value),
        "months": lambda: _("%(n)s个月") % {"n": value},
        "years": lambda: (_("%(n)s周岁") if is_age else _("%(n)s年")) % {"n": value},
        "choice": lambda: (
            "、".join(str(CHOICE_LABELS.get(part, part)) for part in str(value).split(",") if part) or "—"
        ),
    }
    return formats[unit]() if unit in formats else str(value)


@cache
def _units() -> dict[str, str]:
    text = resources.files("minzheng.assistance.rules").joinpath("params.yaml").read_text(encoding="utf-8")
    return {key: str(spec.get("unit", "")) for key, spec in (yaml.safe_load(text) or {}).items()}


def final_step_rows(rule: Rule, rows: Iterable[Row], params: Row) -> list[dict[str, Any]]:
    """A batch's Parquet rows of `rule`'s last step, with the household's `rule_params` row, as explanation rows."""
    used = {
        key: {"value": params.get(param_column(key)), "confirmed": params.get(param_column(key) + "_confirmed")}
        for key in rule.params
    }
    kind = rule.subject
    return [
        {
            "subject_type": kind,
            "subject_id": str(row[rule.subject_key]),
            "household_id": str(row["household_id"]),
            "rule_id": rule.id,
            "rule_version": rule.version,
            "step": rule.step_names[-1],
            "outcome": row.get("outcome"),
            "values": {column: row[column] for column in rule.explain if column in row},
            "params": used,
        }
        for row in rows
    ]
