-- 最低生活保障 (社会救助暂行办法 第9、12条; 最低生活保障审核确认办法 第7、13、14条; 重庆条例 第10—13条): eligible when
-- at least one member is counted, the income after deductions is strictly below standard × counted members
-- (compared on 12-month totals: net_income_x12 < 12 × standard × members; REFERENCE §16 rows 1, 2) and the
-- property is within the limits. Decides `outcome`. The monthly 低保金 (`amount_fen`) is the shortfall, standard ×
-- members − monthly net income, which equals (standard − per-capita income) × members without rounding, plus the
-- 分类施保 supplements; 0 when not eligible. Per-capita income is shown rounded half up, never used to decide.
WITH decided AS (
    SELECT i.household_id,
           i.members_counted,
           i.income_total_fen,
           d.deduction_fen,
           d.net_income_fen,
           p.dibao_standard_fen AS standard_fen,
           CAST(GREATEST(p.dibao_standard_fen * i.members_counted - d.net_income_fen, 0) AS BIGINT) AS shortfall_fen,
           s.supplement_fen,
           o.outcome AS property_ok,
           i.members_counted > 0
               AND d.net_income_x12_fen < 12 * p.dibao_standard_fen * i.members_counted
               AND o.outcome AS outcome
    FROM dibao_income i
    JOIN dibao_deduction d ON d.household_id = i.household_id
    JOIN dibao_property o ON o.household_id = i.household_id
    JOIN dibao_supplement s ON s.household_id = i.household_id
    JOIN rule_params p ON p.household_id = i.household_id
)
SELECT household_id,
       members_counted,
       income_total_fen,
       deduction_fen,
       CASE WHEN members_counted > 0 THEN {{ div_half_up(net_income_fen, GREATEST(members_counted, 1)) }} END
           AS per_capita_income_fen,
       standard_fen,
       shortfall_fen,
       supplement_fen,
       property_ok,
       outcome,
       CAST(CASE WHEN outcome THEN shortfall_fen + supplement_fen ELSE 0 END AS BIGINT) AS amount_fen
FROM decided
