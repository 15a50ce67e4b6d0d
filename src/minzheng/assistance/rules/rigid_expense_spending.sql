-- 刚性支出 over the 12 months before the run date (刚性支出困难家庭认定办法 第4条 (4), 第5条; REFERENCE §2.2, §16
-- row 14): 生活支出, by default the 低保 standard × counted members × 12, plus the out-of-pocket 医疗, 教育, 残疾康复
-- and other recognised spending of the counted members and of the household (member_expenses, household_items).
-- Computes. The expense relation holds the spending the 县级民政 recognised (第5条 (5)); what counts as 'other' is theirs.
SELECT i.household_id,
       12 * p.dibao_standard_fen * i.members_counted AS living_12m_fen,
       CAST(h.medical_fen + COALESCE(c.medical_fen, 0) AS BIGINT) AS medical_12m_fen,
       CAST(h.education_fen + COALESCE(c.education_fen, 0) AS BIGINT) AS education_12m_fen,
       CAST(h.rehabilitation_fen + COALESCE(c.rehabilitation_fen, 0) AS BIGINT) AS rehabilitation_12m_fen,
       CAST(h.other_expense_fen + COALESCE(c.other_expense_fen, 0) AS BIGINT) AS other_12m_fen,
       CAST(12 * p.dibao_standard_fen * i.members_counted
            + h.medical_fen + h.education_fen + h.rehabilitation_fen + h.other_expense_fen
            + COALESCE(c.medical_fen + c.education_fen + c.rehabilitation_fen + c.other_expense_fen, 0) AS BIGINT)
           AS spending_12m_fen
FROM dibao_income i
JOIN household_items h ON h.household_id = i.household_id
JOIN rule_params p ON p.household_id = i.household_id
LEFT JOIN (
    SELECT d.household_id,
           SUM(e.medical_fen) AS medical_fen,
           SUM(e.education_fen) AS education_fen,
           SUM(e.rehabilitation_fen) AS rehabilitation_fen,
           SUM(e.other_expense_fen) AS other_expense_fen
    FROM dibao_members d
    JOIN member_expenses e ON e.household_id = d.household_id AND e.person_id = d.person_id
    WHERE d.counted
    GROUP BY d.household_id
) c ON c.household_id = i.household_id
