-- 刚性支出困难家庭 (刚性支出困难家庭认定办法 第4、5、10条, in force 2025-01-01; REFERENCE §2.2, §16 rows 2, 14): a
-- household with counted members that in the same assessment qualifies neither for 低保 nor as 低保边缘 (all of
-- whose members are 特困 it has none counted); whose 12-month income (monthly countable income × 12) is strictly
-- below rigid_expense.disposable_income_fen (the previous year's per-capita disposable income, per person per year)
-- × members; whose property passes the 边缘 test (第4条 (3)); and whose 12-month 刚性支出 exceeds
-- rigid_expense.ratio_permille of that income: 1000 × spending > ratio‰ × income, no division. Decides `outcome`;
-- valid until the run date + rigid_expense.valid_months months (第10条). No cash benefit of its own: amount_fen is 0.
-- valid_until uses the same portable month arithmetic as near_dibao_eligibility.
WITH validity AS (
    SELECT p.household_id,
           YEAR(r.as_of) * 12 + MONTH(r.as_of) - 1 + p.rigid_expense_valid_months AS month_index,
           DAYOFMONTH(r.as_of) AS day_of_month
    FROM rule_params p
    CROSS JOIN run_date r
), until_month AS (
    SELECT household_id,
           day_of_month,
           make_date(CAST({{ div_half_up(month_index - month_index % 12, 12) }} AS INTEGER),
                     CAST(month_index % 12 + 1 AS INTEGER), 1) AS first_day
    FROM validity
), decided AS (
    SELECT s.household_id,
           s.members_counted,
           12 * s.income_total_fen AS income_12m_fen,
           x.living_12m_fen,
           x.spending_12m_fen,
           p.rigid_expense_disposable_income_fen * s.members_counted AS income_limit_12m_fen,
           p.rigid_expense_ratio_permille AS ratio_permille,
           s.outcome AS dibao_eligible,
           n.outcome AS near_dibao_eligible,
           o.outcome AS property_ok,
           s.members_counted > 0
               AND NOT s.outcome
               AND NOT n.outcome
               AND 12 * s.income_total_fen < p.rigid_expense_disposable_income_fen * s.members_counted
               AND o.outcome
               AND 1000 * x.spending_12m_fen > p.rigid_expense_ratio_permille * 12 * s.income_total_fen AS outcome
    FROM dibao_shortfall s
    JOIN near_dibao_eligibility n ON n.household_id = s.household_id
    JOIN near_dibao_property o ON o.household_id = s.household_id
    JOIN rigid_expense_spending x ON x.household_id = s.household_id
    JOIN rule_params p ON p.household_id = s.household_id
)
SELECT d.household_id,
       d.members_counted,
       d.income_12m_fen,
       d.income_limit_12m_fen,
       d.living_12m_fen,
       d.spending_12m_fen,
       d.ratio_permille,
       d.dibao_eligible,
       d.near_dibao_eligible,
       d.property_ok,
       d.outcome,
       CAST(0 AS BIGINT) AS amount_fen,
       CASE WHEN d.outcome
            THEN make_date(YEAR(u.first_day), MONTH(u.first_day),
                           LEAST(u.day_of_month, DAYOFMONTH(last_day(u.first_day)))) END AS valid_until
FROM decided d
JOIN until_month u ON u.household_id = d.household_id
