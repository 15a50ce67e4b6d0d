-- 困难残疾人生活补贴 (国发〔2015〕52号; 渝民发〔2021〕15号; REFERENCE §5, §16 row 15): a living member with a
-- disability certificate who is a counted member of a household that qualifies for 低保 (dibao_shortfall) or
-- receives 单人保 (dibao_single_person); not a child who receives the full 孤儿 or 事实无人抚养儿童 基本生活费
-- (REFERENCE §5). Decides `outcome`; the monthly amount is disability_subsidy.living_fen.
WITH decided AS (
    SELECT m.household_id,
           m.person_id,
           m.disability_grade,
           CASE WHEN d.counted AND s.outcome THEN 'dibao' WHEN g.outcome THEN 'dibao_single' END AS route,
           m.alive AND m.disabled AND ((d.counted AND s.outcome) OR g.outcome) AND i.child_allowance_fen = 0
               AS outcome,
           p.disability_subsidy_living_fen
    FROM member_facts m
    JOIN dibao_members d ON d.household_id = m.household_id AND d.person_id = m.person_id
    JOIN dibao_shortfall s ON s.household_id = m.household_id
    JOIN dibao_single_person g ON g.household_id = m.household_id AND g.person_id = m.person_id
    JOIN member_income i ON i.household_id = m.household_id AND i.person_id = m.person_id
    JOIN rule_params p ON p.household_id = m.household_id
)
SELECT household_id,
       person_id,
       disability_grade,
       route,
       outcome,
       CAST(CASE WHEN outcome THEN disability_subsidy_living_fen ELSE 0 END AS BIGINT) AS amount_fen
FROM decided
