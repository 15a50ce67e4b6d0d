-- 渐退 (最低生活保障审核确认办法 第33条; 2022 通知 §一(三); REFERENCE §1.12, §16 row 13): a household receiving 低保
-- (an enrolment in 'dibao' since the run date or earlier) that work has made ineligible — its income after
-- deductions is now at or above standard × counted members (equality included), counted members earn wages, and
-- without those wages (and their 就业成本) it would still be below — keeps its 低保金 until the run date +
-- dibao.phase_out_months months. A household that fails the property test is not phased out: it no longer
-- qualifies for a reason other than work. Decides `outcome`. The amount is what its enrolments pay now; where they
-- record none, the shortfall on the income without the wages plus the household's 分类施保 supplements.
-- valid_until uses the same portable month arithmetic as near_dibao_eligibility.
WITH enrolled AS (
    SELECT e.household_id, COUNT(*) AS enrolments, SUM(e.amount_fen) AS amount_fen
    FROM enrolments e
    CROSS JOIN run_date r
    WHERE e.programme = 'dibao' AND (e.since IS NULL OR e.since <= r.as_of)
    GROUP BY e.household_id
), validity AS (
    SELECT p.household_id,
           YEAR(r.as_of) * 12 + MONTH(r.as_of) - 1 + p.dibao_phase_out_months AS month_index,
           DAYOFMONTH(r.as_of) AS day_of_month
    FROM rule_params p
    CROSS JOIN run_date r
), until_month AS (
    SELECT household_id,
           day_of_month,
           make_date(CAST({{ div_half_up(month_index - month_index % 12, 12) }} AS INTEGER),
                     CAST(month_index % 12 + 1 AS INTEGER), 1) AS first_day
    FROM validity
), assessed AS (
    SELECT s.household_id,
           s.members_counted,
           i.wage_total_fen,
           e.household_id IS NOT NULL AS enrolled,
           e.amount_fen AS enrolled_amount_fen,
           CAST(GREATEST(s.standard_fen * s.members_counted
                         - GREATEST(s.income_total_fen - i.wage_total_fen
                                    - {{ div_half_up(d.rigid_cost_12m_fen, 12) }}, 0), 0)
                + s.supplement_fen AS BIGINT) AS without_wages_fen,
           e.household_id IS NOT NULL
               AND s.members_counted > 0
               AND i.wage_earners > 0
               AND s.property_ok
               AND d.net_income_x12_fen >= 12 * s.standard_fen * s.members_counted
               AND 12 * (s.income_total_fen - i.wage_total_fen) - d.rigid_cost_12m_fen
                   < 12 * s.standard_fen * s.members_counted AS outcome
    FROM dibao_shortfall s
    JOIN dibao_income i ON i.household_id = s.household_id
    JOIN dibao_deduction d ON d.household_id = s.household_id
    LEFT JOIN enrolled e ON e.household_id = s.household_id
)
SELECT a.household_id,
       a.members_counted,
       a.wage_total_fen,
       a.enrolled,
       a.enrolled_amount_fen,
       a.outcome,
       CAST(CASE WHEN a.outcome THEN COALESCE(a.enrolled_amount_fen, a.without_wages_fen) ELSE 0 END AS BIGINT)
           AS amount_fen,
       CASE WHEN a.outcome
            THEN make_date(YEAR(u.first_day), MONTH(u.first_day),
                           LEAST(u.day_of_month, DAYOFMONTH(last_day(u.first_day)))) END AS valid_until
FROM assessed a
JOIN until_month u ON u.household_id = a.household_id
