"""The social-assistance rules (REFERENCE §1–5, §16), declared for the engine (ARCHITECTURE §6).

Each step is a SQL file beside this module and reads the input relations of `assistance/inputs.py`, earlier
steps, `rule_params` (one row per household) and `run_date`. Steps are shared: a step name has one meaning in
the whole app, and a rule lists every step it needs, in order, so it also runs alone. Member-level steps return
one row per current member (`household_id`, `person_id`), household-level steps one row per household of
`households`; every step has `household_id`, through which it finds its parameters.

The chain, bottom up: what is known about each member (`member_*`, `household_items`); who qualifies as 特困
(`tekun_*`), because 特困 comes first and such a person is not counted for 低保 (REFERENCE §16 row 8); who is
counted for 低保 and the household's income, deductions, property and supplements (`dibao_*`,
`household_property`, `member_supplement`); then each programme's own decision on top.

A step's parameters are listed once, in STEP_PARAMS; a rule reads the parameters of its steps.
"""

from __future__ import annotations

from datetime import date

from minzheng.core.engine.rules import Rule, rule_register

APP = "assistance"

_INCOME_EXEMPTIONS = (
    "dibao.exempt_basic_pension",
    "dibao.exempt_longevity_allowance",
    "dibao.exempt_disability_subsidy",
    "tekun.exempt_income_kinds",
)
_PROPERTY = ("dibao.standard_fen", "dibao.deposit_limit_months", "dibao.house_limit")

STEP_PARAMS: dict[str, tuple[str, ...]] = {
    "member_facts.sql": ("dibao.religious_absence_years",),
    "member_income.sql": _INCOME_EXEMPTIONS,
    "member_assets.sql": (),
    "member_expenses.sql": (),
    "household_items.sql": _INCOME_EXEMPTIONS,
    "tekun_capacity.sql": ("tekun.elderly_age", "tekun.minor_age_limit"),
    "tekun_means.sql": _PROPERTY,
    "tekun_supporters.sql": ("tekun.supporter_age_limit", "tekun.elderly_age"),
    "tekun_qualifies.sql": (),
    "dibao_members.sql": (),
    "dibao_income.sql": (),
    "dibao_deduction.sql": ("dibao.employment_cost_fen",),
    "household_property.sql": (),
    "dibao_property.sql": _PROPERTY,
    "member_supplement.sql": (
        "dibao.supplement_elderly_age",
        "dibao.supplement_minor_age",
        "dibao.supplement_elderly_fen",
        "dibao.supplement_minor_fen",
        "dibao.supplement_disabled_fen",
        "dibao.supplement_ill_fen",
        "dibao.category_supplement_stacking",
    ),
    "dibao_supplement.sql": (),
    "dibao_shortfall.sql": ("dibao.standard_fen",),
    "near_dibao_property.sql": ("dibao.standard_fen", "near_dibao.deposit_limit_months", "dibao.house_limit"),
    "near_dibao_eligibility.sql": ("near_dibao.income_multiple_permille", "near_dibao.valid_months"),
    "dibao_phase_out.sql": ("dibao.phase_out_months",),
    "dibao_single_person.sql": (
        "dibao.standard_fen",
        "dibao.single_person_adult_disabled",
        "dibao.single_person_support_exempt_permille",
    ),
    "tekun_eligibility.sql": (
        "dibao.standard_fen",
        "tekun.basic_living_fen",
        "tekun.basic_living_multiple_permille",
        "tekun.care_self_fen",
        "tekun.care_partial_fen",
        "tekun.care_full_fen",
    ),
    "rigid_expense_spending.sql": ("dibao.standard_fen",),
    "rigid_expense_eligibility.sql": (
        "rigid_expense.disposable_income_fen",
        "rigid_expense.ratio_permille",
        "rigid_expense.valid_months",
    ),
    "temporary_aid_amount.sql": (
        "dibao.standard_fen",
        "temporary_aid.expense_multiple_permille",
        "temporary_aid.cap_multiple_permille",
        "temporary_aid.emergency_first_fen",
    ),
    "disability_living.sql": ("disability_subsidy.living_fen",),
    "disability_nursing.sql": (
        "disability_subsidy.nursing_min_unmet",
        "disability_subsidy.nursing_grade1_fen",
        "disability_subsidy.nursing_grade2_fen",
    ),
    "low_income_category.sql": (),
}

# Chains of steps, each in an order where every step follows the steps it reads.
MEMBERS = ("member_facts.sql", "member_income.sql", "member_assets.sql", "member_expenses.sql", "household_items.sql")
TEKUN = (*MEMBERS, "tekun_capacity.sql", "tekun_means.sql", "tekun_supporters.sql", "tekun_qualifies.sql")
DIBAO_COUNT = (*TEKUN, "dibao_members.sql", "dibao_income.sql")
DIBAO = (
    *DIBAO_COUNT,
    "dibao_deduction.sql",
    "household_property.sql",
    "dibao_property.sql",
    "member_supplement.sql",
    "dibao_supplement.sql",
    "dibao_shortfall.sql",
)
NEAR_DIBAO = (*DIBAO, "near_dibao_property.sql", "near_dibao_eligibility.sql")
SINGLE_PERSON = (*NEAR_DIBAO, "dibao_single_person.sql")
RIGID_EXPENSE = (*NEAR_DIBAO, "rigid_expense_spending.sql", "rigid_expense_eligibility.sql")

_DIBAO_SOURCES = (
    "社会救助暂行办法 第9、10、12条",
    "最低生活保障审核确认办法 第7、13、14、27条",
    "重庆市城乡居民最低生活保障条例 第10—13、21条",
    "特困人员认定办法 第27条",
)
_NOTICE_2022 = "关于进一步做好最低生活保障等社会救助兜底工作的通知（2022）"
_OPINION_2023 = "关于加强低收入人口动态监测做好分层分类社会救助工作的意见（2023）"
_OPINION_2020 = "关于改革完善社会救助制度的意见（2020）"
_DISABILITY_SOURCES = (
    "国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见（国发〔2015〕52号）",
    "渝民发〔2021〕15号",
)
_COUNTING = ("not_counted_because", "countable_fen", "members_counted", "income_total_fen")
_DIBAO_EXPLAIN = (
    *_COUNTING,
    "rigid_cost_12m_fen",
    "employment_cost_fen",
    "deduction_fen",
    "per_capita_income_fen",
    "deposit_fen",
    "deposit_limit_fen",
    "supplement_categories",
    "supplement_fen",
    "standard_fen",
    "shortfall_fen",
    "property_ok",
    "amount_fen",
)
_TEKUN_EXPLAIN = (
    "age_years",
    "elderly",
    "minor",
    "student",
    "disability_incapable",
    "tekun_income_fen",
    "own_deposit_fen",
    "income_ok",
    "property_ok",
    "able_supporters",
    "no_work_capacity",
    "no_means",
    "has_able_supporter",
    "orphan_track",
)
# 审核确认办法 in force: the 低保 counting, income and property rules every programme below builds on.
IN_FORCE_2021 = date(2021, 7, 1)


def _rule(
    rule_id: str,
    *,
    subject: str,
    title: str,
    sources: tuple[str, ...],
    steps: tuple[str, ...],
    explain: tuple[str, ...],
    effective_from: date = IN_FORCE_2021,
    version: int = 1,
) -> Rule:
    """A rule of this app reading the parameters of its steps, in the order the steps first name them."""
    params = tuple(dict.fromkeys(key for step in steps for key in STEP_PARAMS[step]))
    return Rule(
        id=rule_id, version=version, app=APP, subject=subject, title=title, sources=sources,
        effective_from=effective_from, effective_to=None, params=params, steps=steps, explain=explain,
    )  # fmt: skip


DIBAO_ELIGIBILITY = _rule(
    "dibao.eligibility",
    version=2,  # v1 read members' `counted` and incomes' `exempt` from upstream; v2 decides both itself
    subject="household",
    title="最低生活保障资格与低保金",
    sources=_DIBAO_SOURCES,
    steps=DIBAO,
    explain=_DIBAO_EXPLAIN,
)

DIBAO_SINGLE_PERSON = _rule(
    "dibao.single_person",
    subject="person",
    title="单人保（重残、重病人员单独纳入低保）",
    sources=("最低生活保障审核确认办法 第8条", f"{_NOTICE_2022} §一(一)、§一(四)"),
    steps=SINGLE_PERSON,
    explain=(*_COUNTING, "support_fen", "route", "assessed_income_fen", "standard_fen", "own_supplement_fen",
             "amount_fen"),
)  # fmt: skip

DIBAO_PHASE_OUT = _rule(
    "dibao.phase_out",
    subject="household",
    title="低保渐退",
    sources=("最低生活保障审核确认办法 第33条", f"{_NOTICE_2022} §一(三)"),
    steps=(*DIBAO, "dibao_phase_out.sql"),
    explain=(*_DIBAO_EXPLAIN, "wage_total_fen", "enrolled", "enrolled_amount_fen", "valid_until"),
)

TEKUN_ELIGIBILITY = _rule(
    "tekun.eligibility",
    subject="person",
    title="特困人员认定与救助供养金额",
    sources=("社会救助暂行办法 第14、15条", "特困人员认定办法 第4—9、20—22、24条", f"{_OPINION_2020} 第5项"),
    steps=(*TEKUN, "tekun_eligibility.sql"),
    explain=(*_TEKUN_EXPLAIN, "basic_living_fen", "basic_living_ok", "care_fen", "amount_fen", "tier"),
)

NEAR_DIBAO_ELIGIBILITY = _rule(
    "near_dibao.eligibility",
    subject="household",
    title="低保边缘家庭认定",
    sources=("最低生活保障审核确认办法 第8条", f"{_NOTICE_2022} §一(四)", f"{_OPINION_2023} §二"),
    steps=NEAR_DIBAO,
    explain=(*_DIBAO_EXPLAIN, "dibao_eligible", "income_multiple_permille", "valid_until"),
)

RIGID_EXPENSE_ELIGIBILITY = _rule(
    "rigid_expense.eligibility",
    subject="household",
    title="刚性支出困难家庭认定",
    sources=("刚性支出困难家庭认定办法 第4、5、10条",),
    effective_from=date(2025, 1, 1),  # 刚性支出困难家庭认定办法 in force
    steps=RIGID_EXPENSE,
    explain=(*_COUNTING, "deposit_fen", "deposit_limit_fen", "living_12m_fen", "medical_12m_fen",
             "education_12m_fen", "rehabilitation_12m_fen", "other_12m_fen", "spending_12m_fen", "income_12m_fen",
             "income_limit_12m_fen", "ratio_permille", "dibao_eligible", "near_dibao_eligible", "property_ok",
             "valid_until"),
)  # fmt: skip

TEMPORARY_AID_AMOUNT = _rule(
    "temporary_aid.amount",
    subject="household",
    title="临时救助金额",
    sources=("社会救助暂行办法 第47—50条", f"{_OPINION_2020} 第14、15项"),
    steps=(*DIBAO_COUNT, "temporary_aid_amount.sql"),
    explain=(*_COUNTING, "hardships", "expense_aid_fen", "emergency_aid_fen", "cap_fen", "amount_fen"),
)

# The subsidies exist since 2016-01-01 (国发〔2015〕52号); these rules decide 低保 and 特困 under the 2021 办法.
DISABILITY_LIVING = _rule(
    "disability_subsidy.living",
    subject="person",
    title="困难残疾人生活补贴",
    sources=_DISABILITY_SOURCES,
    steps=(*SINGLE_PERSON, "disability_living.sql"),
    explain=(*_COUNTING, "route", "disability_grade", "amount_fen"),
)

DISABILITY_NURSING = _rule(
    "disability_subsidy.nursing",
    subject="person",
    title="重度残疾人护理补贴",
    sources=_DISABILITY_SOURCES,
    steps=(*TEKUN, "disability_nursing.sql"),
    explain=("no_work_capacity", "no_means", "has_able_supporter", "disability_grade", "self_care_unmet",
             "amount_fen", "tier"),
)  # fmt: skip

LOW_INCOME_CATEGORY = _rule(
    "low_income.category",
    subject="person",
    title="低收入人口类别",
    sources=(f"{_OPINION_2023} §二",),
    effective_from=date(2025, 1, 1),  # category 5 needs 刚性支出困难家庭认定办法, in force 2025-01-01
    steps=(
        *SINGLE_PERSON,
        "dibao_phase_out.sql",
        "rigid_expense_spending.sql",
        "rigid_expense_eligibility.sql",
        "temporary_aid_amount.sql",
        "low_income_category.sql",
    ),
    explain=("not_counted_because", "category"),
)

# Programme code (assistance.models.Programme) → the rule that decides it, in display order.
PROGRAMMES: dict[str, str] = {
    "dibao": DIBAO_ELIGIBILITY.id,
    "dibao_single": DIBAO_SINGLE_PERSON.id,
    "dibao_phase_out": DIBAO_PHASE_OUT.id,
    "tekun": TEKUN_ELIGIBILITY.id,
    "near_dibao": NEAR_DIBAO_ELIGIBILITY.id,
    "rigid_expense": RIGID_EXPENSE_ELIGIBILITY.id,
    "temporary_aid": TEMPORARY_AID_AMOUNT.id,
    "disability_living": DISABILITY_LIVING.id,
    "disability_nursing": DISABILITY_NURSING.id,
    "low_income": LOW_INCOME_CATEGORY.id,
}

rule_register(
    DIBAO_ELIGIBILITY,
    DIBAO_SINGLE_PERSON,
    DIBAO_PHASE_OUT,
    TEKUN_ELIGIBILITY,
    NEAR_DIBAO_ELIGIBILITY,
    RIGID_EXPENSE_ELIGIBILITY,
    TEMPORARY_AID_AMOUNT,
    DISABILITY_LIVING,
    DISABILITY_NURSING,
    LOW_INCOME_CATEGORY,
)
