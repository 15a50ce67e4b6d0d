-- Monthly household income in fen: the non-exempt items of counted members, plus household-level items
-- (person_id NULL, e.g. a family farm's 经营净收入) (审核确认办法 第13条; 重庆条例 第12条).
-- Exempt items (优待抚恤金, 社会救助款物, 基础养老金 …; REFERENCE §16 row 3) are flagged upstream and not counted;
-- an item whose exemption is unknown (NULL) counts. Income of members who are not counted does not count.
-- Items are summed per household before the join, so every household gets one row and 0 without income.
SELECT m.household_id,
       CAST(COALESCE(i.income_fen, 0) AS BIGINT) AS income_total_fen
FROM dibao_members m
LEFT JOIN (
    SELECT inc.household_id, SUM(inc.monthly_fen) AS income_fen
    FROM incomes inc
    LEFT JOIN household_members hm ON hm.household_id = inc.household_id AND hm.person_id = inc.person_id
    WHERE (inc.person_id IS NULL OR hm.counted) AND (inc.exempt IS NULL OR NOT inc.exempt)
    GROUP BY inc.household_id
) i ON i.household_id = m.household_id
