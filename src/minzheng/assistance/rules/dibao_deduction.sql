-- 刚性支出扣减 (最低生活保障审核确认办法 第13条 last paragraph; REFERENCE §16 row 6): the out-of-pocket medical and
-- rehabilitation spending of counted members who hold a disability certificate or have a 重特大疾病, over the 12
-- months before the run date (member_expenses), as a monthly average; plus 必要的就业成本, dibao.employment_cost_fen
-- per counted member earning a wage. Computes. Decisions use 12-month totals so nothing is divided:
-- `net_income_x12_fen` = 12 × (income − employment cost) − the 12-month cost, not below zero. The monthly figures
-- shown and paid on (`deduction_fen`, `net_income_fen`) take the 12-month cost ÷ 12, rounded half up to the fen.
WITH costs AS (
    SELECT i.household_id,
           i.income_total_fen,
           CAST(COALESCE(r.cost_fen, 0) AS BIGINT) AS rigid_cost_12m_fen,
           i.wage_earners * p.dibao_employment_cost_fen AS employment_cost_fen
    FROM dibao_income i
    JOIN rule_params p ON p.household_id = i.household_id
    LEFT JOIN (
        SELECT d.household_id, SUM(e.medical_fen + e.rehabilitation_fen) AS cost_fen
        FROM dibao_members d
        JOIN member_facts m ON m.household_id = d.household_id AND m.person_id = d.person_id
        JOIN member_expenses e ON e.household_id = d.household_id AND e.person_id = d.person_id
        WHERE d.counted AND (m.disabled OR m.seriously_ill)
        GROUP BY d.household_id
    ) r ON r.household_id = i.household_id
), deducted AS (
    SELECT household_id,
           income_total_fen,
           rigid_cost_12m_fen,
           employment_cost_fen,
           {{ div_half_up(rigid_cost_12m_fen, 12) }} + employment_cost_fen AS deduction_fen,
           GREATEST(12 * (income_total_fen - employment_cost_fen) - rigid_cost_12m_fen, 0) AS net_income_x12_fen
    FROM costs
)
SELECT household_id,
       rigid_cost_12m_fen,
       employment_cost_fen,
       deduction_fen,
       GREATEST(income_total_fen - deduction_fen, 0) AS net_income_fen,
       net_income_x12_fen
FROM deducted
