"""The social-assistance rules (REFERENCE §1–2), declared for the engine (ARCHITECTURE §6).

Each step is a SQL file beside this module. The rules decide on income only: the property test of
审核确认办法 art. 14 (REFERENCE §16 row 4) and the exclusion of members under art. 7 (§1.4, §16 row 10)
are decided upstream for now; `household_members.counted` carries that decision into the rules.
"""

from __future__ import annotations

from datetime import date

from minzheng.core.engine.rules import Rule, rule_register

DIBAO_ELIGIBILITY = Rule(
    id="dibao.eligibility",
    version=1,
    app="assistance",
    subject="household",
    title="最低生活保障资格与差额",
    sources=(
        "社会救助暂行办法 第9、12条",
        "最低生活保障审核确认办法 第7、13条",
        "重庆市城乡居民最低生活保障条例 第10—13条",
    ),
    effective_from=date(2021, 7, 1),  # 审核确认办法 in force
    effective_to=None,
    params=("dibao.standard_fen",),
    steps=("dibao_members.sql", "dibao_income.sql", "dibao_shortfall.sql"),
    explain=("members_counted", "income_total_fen", "standard_fen", "shortfall_fen"),
)

NEAR_DIBAO_INCOME = Rule(
    id="near_dibao.income",
    version=1,
    app="assistance",
    subject="household",
    title="低保边缘家庭收入条件",
    sources=("最低生活保障审核确认办法 第8条",),
    effective_from=date(2021, 7, 1),
    effective_to=None,
    params=("dibao.standard_fen", "near_dibao.income_multiple_permille"),
    # "Does not meet the 低保 conditions" is part of the definition, so the 低保 steps run first.
    steps=("dibao_members.sql", "dibao_income.sql", "dibao_shortfall.sql", "near_dibao_income.sql"),
    explain=("members_counted", "income_total_fen", "standard_fen", "dibao_eligible", "income_multiple_permille"),
)

rule_register(DIBAO_ELIGIBILITY, NEAR_DIBAO_INCOME)
