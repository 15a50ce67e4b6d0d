"""Explanations as staff read them: a Chinese title for every step, a label for every explain column, values
formatted (fen as yuan, per-mille as a multiple, 是/否, coded values by name), in a stable order."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from minzheng.assistance.explain import final_step_rows, programme_views, value_format
from minzheng.assistance.labels import COLUMN_LABELS, STEP_TITLES, VALUE_LABELS
from minzheng.assistance.models import LowIncomeCategory
from minzheng.assistance.rules import PROGRAMMES
from minzheng.core.engine.params import param_column
from minzheng.core.engine.rules import Rule, rule_get
from minzheng.core.engine.runner import RuleSet
from minzheng.core.parameters.selectors import parameter_titles

RULES: list[Rule] = [rule_get(rule_id) for rule_id in PROGRAMMES.values()]
AS_OF = date(2025, 6, 30)


def _chinese(text: object) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in str(text))


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_step_and_explain_column_has_a_label(rule: Rule) -> None:
    assert [step for step in rule.step_names if step not in STEP_TITLES] == []
    assert [column for column in rule.explain if column not in COLUMN_LABELS] == []
    assert all(_chinese(STEP_TITLES[step]) for step in rule.step_names)
    assert all(_chinese(COLUMN_LABELS[column]) for column in rule.explain)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_parameter_has_a_title(rule: Rule) -> None:
    titles = parameter_titles()
    assert [key for key in rule.params if key not in titles] == []


def test_labels_have_no_stale_entries() -> None:
    """Labels of steps no rule runs would hide a renamed step; every label is still used."""
    steps = {step for rule in RULES for step in rule.step_names}
    columns = {column for rule in RULES for column in rule.explain}
    assert set(STEP_TITLES) - steps == set()
    assert set(COLUMN_LABELS) - columns - {"amount_fen", "tier", "category", "valid_until"} == set()


def test_programmes_and_categories_have_chinese_labels() -> None:
    views = programme_views([], [], as_of=AS_OF, names={})
    assert [view.code for view in views] == list(PROGRAMMES)
    assert all(_chinese(view.label) for view in views)
    assert all(_chinese(label) for label in LowIncomeCategory.labels)
    assert all(_chinese(label) for label in VALUE_LABELS.values())


def test_rules_not_in_force_are_left_out() -> None:
    """刚性支出困难家庭 and the 低收入人口 category exist from 2025-01-01."""
    codes = [view.code for view in programme_views([], [], as_of=date(2024, 12, 31), names={})]
    assert "rigid_expense" not in codes
    assert "low_income" not in codes
    assert "dibao" in codes


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("amount_fen", 195300, "1,953.00元"),
        ("deposit_limit_fen", 4579200, "45,792.00元"),
        ("shortfall_fen", 0, "0.00元"),
        ("income_multiple_permille", 1500, "1.5倍"),
        ("ratio_permille", 700, "0.7倍"),
        ("ratio_permille", 10000, "10倍"),
        ("property_ok", True, "是"),
        ("elderly", False, "否"),
        ("tier", "grade_1", "一级"),
        ("tier", "full", "全护理"),
        ("supplement_categories", "disabled,elderly", "重度残疾人、老年人"),
        ("not_counted_because", "tekun", "特困人员（单独供养）"),
        ("route", "adult_severely_disabled", "成年无业重度残疾人"),
        ("supplement_categories", "", "—"),
        ("route", "unknown_code", "unknown_code"),
        ("members_counted", 3, "3"),
        ("valid_until", None, "—"),
        ("amount_fen", None, "—"),
    ],
)
def test_value_format(column: str, value: Any, shown: str) -> None:
    assert str(value_format(column, value)) == shown


def _row(rule: Rule, values: dict[str, Any], **params: Any) -> dict[str, Any]:
    """A batch's last-step row of `rule` for household 7 (person 70 for person rules), through final_step_rows."""
    row = {"household_id": 7, rule.subject_key: 70 if rule.subject == "person" else 7, "outcome": True, **values}
    used = {param_column(key): value for key, value in params.items()}
    used |= {param_column(key) + "_confirmed": key == "dibao.standard_fen" for key in params}
    [explained] = final_step_rows(rule, [row], used)
    return explained


def test_a_programme_view_from_explanation_rows() -> None:
    dibao = rule_get(PROGRAMMES["dibao"])
    values = {"amount_fen": 63600, "standard_fen": 63600, "members_counted": 1, "property_ok": True,
              "supplement_categories": "elderly", "not_a_column": 1}  # fmt: skip
    row = _row(dibao, values, **{"dibao.standard_fen": 63600, "dibao.deposit_limit_months": 24})
    assert row["step"] == "dibao_shortfall"
    assert "not_a_column" not in row["values"]
    results = [{"programme": "dibao", "person_id": None, "amount_fen": 63600, "valid_until": None, "tier": None,
                "category": None}]  # fmt: skip

    view = next(v for v in programme_views([row], results, as_of=AS_OF, names={}) if v.code == "dibao")

    assert view.qualifies
    assert view.amount_fen == 63600
    [subject] = view.subjects
    assert subject.person_id is None
    [step] = subject.steps
    assert str(step.title) == str(STEP_TITLES["dibao_shortfall"])
    lines = {str(line.label): str(line.value) for line in step.values}
    assert lines == {
        "金额": "636.00元",
        "低保标准（每人每月）": "636.00元",
        "计入的家庭成员人数": "1",
        "财产符合规定": "是",
        "分类施保类别": "老年人",
    }
    params = {param.key: param for param in view.params}
    assert (params["dibao.standard_fen"].value, params["dibao.standard_fen"].confirmed) == ("636.00元", True)
    assert str(params["dibao.deposit_limit_months"].value) == "24个月"
    assert params["dibao.deposit_limit_months"].confirmed is False
    assert params["dibao.employment_cost_fen"].value == "—"  # not given: shown as missing, not as 0
    assert view.unconfirmed


def test_values_are_shown_in_the_rule_order_whatever_the_stored_key_order() -> None:
    """PostgreSQL's jsonb returns an object's keys reordered; the page must not depend on the database."""
    dibao = rule_get(PROGRAMMES["dibao"])
    values = dict.fromkeys(("amount_fen", "shortfall_fen", "standard_fen", "members_counted"), 1)
    row = _row(dibao, values, **{"dibao.standard_fen": 63600})
    reordered = {**row, "values": dict(sorted(row["values"].items(), key=lambda item: (len(item[0]), item[0])))}
    order = RuleSet(tuple(rule for rule in RULES if rule.in_force(AS_OF))).explain_columns("dibao_shortfall")
    expected = [str(COLUMN_LABELS[column]) for column in order if column in values]

    for rows in ([row], [reordered]):
        view = next(v for v in programme_views(rows, [], as_of=AS_OF, names={}) if v.code == "dibao")
        assert [str(line.label) for line in view.subjects[0].steps[0].values] == expected
        assert not view.qualifies


def test_person_subjects_with_names_and_categories() -> None:
    rule = rule_get(PROGRAMMES["low_income"])
    rows = [_row(rule, {"category": 2, "not_counted_because": "tekun"})]
    rows.append({**rows[0], "subject_id": "71", "values": {"category": None, "not_counted_because": None}})
    results = [{"programme": "low_income", "person_id": 70, "amount_fen": 0, "valid_until": None, "tier": None,
                "category": 2}]  # fmt: skip

    views = programme_views(rows, results, as_of=AS_OF, names={"70": "乙", "71": "甲"})
    view = next(v for v in views if v.code == "low_income")
    # Members are listed by name (code point order), whatever the order of the rows.
    assert [(s.person_id, s.name, s.qualifies) for s in view.subjects] == [("70", "乙", True), ("71", "甲", False)]
    qualifying = view.qualifying[0]
    assert str(qualifying.category_label) == "特困人员"
    assert view.amount_fen == 0
    lines = {str(line.label): str(line.value) for line in qualifying.steps[0].values}
    assert lines == {"低收入人口类别": "2", "不计入原因": "特困人员（单独供养）"}
