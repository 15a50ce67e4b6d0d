-- Monthly household income for 低保 (最低生活保障审核确认办法 第13条; 重庆条例 第12条): the countable income of the
-- counted members (member_income) plus the household-level items (household_items); members not counted bring no
-- income. Also the counted members' wages and how many of them earn one, for 就业成本 and 渐退. Computes; one row per
-- household in `households`, 0 when nothing is counted.
SELECT h.household_id,
       CAST(COALESCE(c.members_counted, 0) AS BIGINT) AS members_counted,
       CAST(COALESCE(c.countable_fen, 0) + h.countable_fen AS BIGINT) AS income_total_fen,
       CAST(COALESCE(c.wage_fen, 0) AS BIGINT) AS wage_total_fen,
       CAST(COALESCE(c.wage_earners, 0) AS BIGINT) AS wage_earners
FROM household_items h
LEFT JOIN (
    SELECT d.household_id,
           COUNT(*) AS members_counted,
           SUM(i.countable_fen) AS countable_fen,
           SUM(i.wage_fen) AS wage_fen,
           COUNT(CASE WHEN i.wage_fen > 0 THEN 1 END) AS wage_earners
    FROM dibao_members d
    JOIN member_income i ON i.household_id = d.household_id AND i.person_id = d.person_id
    WHERE d.counted
    GROUP BY d.household_id
) c ON c.household_id = h.household_id
