-- 低保边缘家庭, income condition (审核确认办法 第8条): not eligible for 低保, and per-capita income below the
-- multiple of the standard. Never divide (REFERENCE §16 row 1): income × 1000 < multiple‰ × standard × members.
-- The property condition of the same article is not part of this rule yet.
SELECT s.household_id,
       s.members_counted,
       s.income_total_fen,
       s.standard_fen,
       s.outcome AS dibao_eligible,
       p.near_dibao_income_multiple_permille AS income_multiple_permille,
       NOT s.outcome
           AND s.income_total_fen * 1000 < p.near_dibao_income_multiple_permille * s.standard_fen * s.members_counted
           AS outcome
FROM dibao_shortfall s
JOIN rule_params p ON p.household_id = s.household_id
