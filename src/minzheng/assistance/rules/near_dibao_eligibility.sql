-- 低保边缘家庭 (最低生活保障审核确认办法 第8条; 2022 通知 §一(四); 2023 意见 §二; REFERENCE §2.1, §16 rows 1, 2):
-- a household that does not qualify for 低保 (dibao_shortfall), with at least one counted member, whose income after
-- the same deductions is strictly below near_dibao.income_multiple_permille × standard × members — compared without
-- division, 1000 × net_income_x12 < 12 × multiple‰ × standard × members — and whose property passes
-- near_dibao_property. Decides `outcome`; the recognition is valid until the run date + near_dibao.valid_months
-- months (NULL when not recognised). No cash benefit of its own: amount_fen is 0.
-- The date arithmetic is portable: the month index (year × 12 + month − 1 + n) is split into year and month, the
-- year by an exact division of a multiple of 12, and the day is kept or brought back to the month's last day.
WITH validity AS (
    SELECT p.household_id,
           YEAR(r.as_of) * 12 + MONTH(r.as_of) - 1 + p.near_dibao_valid_months AS month_index,
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
           s.income_total_fen,
           s.outcome AS dibao_eligible,
           p.near_dibao_income_multiple_permille AS income_multiple_permille,
           o.outcome AS property_ok,
           NOT s.outcome
               AND s.members_counted > 0
               AND 1000 * d.net_income_x12_fen
                   < 12 * p.near_dibao_income_multiple_permille * s.standard_fen * s.members_counted
               AND o.outcome AS outcome
    FROM dibao_shortfall s
    JOIN dibao_deduction d ON d.household_id = s.household_id
    JOIN near_dibao_property o ON o.household_id = s.household_id
    JOIN rule_params p ON p.household_id = s.household_id
)
SELECT d.household_id,
       d.members_counted,
       d.income_total_fen,
       d.dibao_eligible,
       d.income_multiple_permille,
       d.property_ok,
       d.outcome,
       CAST(0 AS BIGINT) AS amount_fen,
       CASE WHEN d.outcome
            THEN make_date(YEAR(u.first_day), MONTH(u.first_day),
                           LEAST(u.day_of_month, DAYOFMONTH(last_day(u.first_day)))) END AS valid_until
FROM decided d
JOIN until_month u ON u.household_id = d.household_id
