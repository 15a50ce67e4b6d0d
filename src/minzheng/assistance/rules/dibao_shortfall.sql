-- Eligible when the counted income is strictly below standard × counted members; the monthly 低保金 is the
-- difference (社会救助暂行办法 第9、12条). Comparing totals instead of per-capita income keeps the arithmetic
-- exact in fen and equals (standard − per-capita income) × members without rounding (REFERENCE §16 rows 1–2).
SELECT i.household_id,
       m.members_counted,
       i.income_total_fen,
       p.dibao_standard_fen AS standard_fen,
       i.income_total_fen < p.dibao_standard_fen * m.members_counted AS outcome,
       GREATEST(p.dibao_standard_fen * m.members_counted - i.income_total_fen, 0) AS shortfall_fen
FROM dibao_income i
JOIN dibao_members m ON m.household_id = i.household_id
JOIN rule_params p ON p.household_id = i.household_id
