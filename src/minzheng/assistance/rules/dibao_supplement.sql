-- 分类施保 for the household (社会救助暂行办法 第12条; 最低生活保障审核确认办法 第27条; REFERENCE §16 row 5): the sum of
-- the counted members' supplements (member_supplement). Computes; paid only with an eligible household's amount.
SELECT h.household_id,
       CAST(COALESCE(s.supplement_fen, 0) AS BIGINT) AS supplement_fen
FROM households h
LEFT JOIN (
    SELECT d.household_id, SUM(s.supplement_fen) AS supplement_fen
    FROM dibao_members d
    JOIN member_supplement s ON s.household_id = d.household_id AND s.person_id = d.person_id
    WHERE d.counted
    GROUP BY d.household_id
) s ON s.household_id = h.household_id
