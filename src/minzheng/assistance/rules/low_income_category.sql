-- 低收入人口 category of every member (关于加强低收入人口动态监测做好分层分类社会救助工作的意见 2023 §二; REFERENCE
-- §2.3): 1 最低生活保障对象 — a counted member of a household that qualifies for 低保 or is in its 渐退期, or a
-- 单人保 recipient; 2 特困人员; 4 低保边缘家庭成员; 5 刚性支出困难家庭成员; 6 其他困难人员 — here a counted member of a
-- household that qualifies for 临时救助. Category 3 (防止返贫监测对象) comes from the 乡村振兴 monitoring list, which
-- is not among the input relations: it is never derived here. The lowest number wins. Decides `outcome`: the
-- person has a category; `category` is NULL otherwise and for the dead. No amount: amount_fen is 0.
WITH categorised AS (
    SELECT m.household_id,
           m.person_id,
           CASE WHEN NOT m.alive THEN NULL
                WHEN (d.counted AND (s.outcome OR o.outcome)) OR g.outcome THEN 1
                WHEN t.outcome THEN 2
                WHEN d.counted AND n.outcome THEN 4
                WHEN d.counted AND r.outcome THEN 5
                WHEN d.counted AND a.outcome THEN 6 END AS category
    FROM member_facts m
    JOIN dibao_members d ON d.household_id = m.household_id AND d.person_id = m.person_id
    JOIN dibao_shortfall s ON s.household_id = m.household_id
    JOIN dibao_phase_out o ON o.household_id = m.household_id
    JOIN dibao_single_person g ON g.household_id = m.household_id AND g.person_id = m.person_id
    JOIN tekun_qualifies t ON t.household_id = m.household_id AND t.person_id = m.person_id
    JOIN near_dibao_eligibility n ON n.household_id = m.household_id
    JOIN rigid_expense_eligibility r ON r.household_id = m.household_id
    JOIN temporary_aid_amount a ON a.household_id = m.household_id
)
SELECT household_id,
       person_id,
       category IS NOT NULL AS outcome,
       CAST(category AS SMALLINT) AS category,
       CAST(0 AS BIGINT) AS amount_fen
FROM categorised
