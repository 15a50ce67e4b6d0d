-- 重度残疾人护理补贴 (国发〔2015〕52号; 渝民发〔2021〕15号; REFERENCE §5): a present member with a disability
-- certificate of grade 1 or 2 who needs long-term care. "长期照护" is read from the latest 6-item self-care
-- assessment: at least disability_subsidy.nursing_min_unmet items not met (default 1; a person never assessed has
-- none); the 6-month duration of the national definition is the assessor's to establish. Not for a person who
-- qualifies as 特困 (their 照料护理 covers it, tekun_qualifies) nor one receiving 工伤保险生活护理费. Decides
-- `outcome`; the monthly amount is disability_subsidy.nursing_grade1_fen or _grade2_fen, the tier 'grade_1' or 'grade_2'.
WITH decided AS (
    SELECT m.household_id,
           m.person_id,
           m.disability_grade,
           m.self_care_unmet,
           m.present
               AND m.disability_grade IN (1, 2)
               AND COALESCE(m.self_care_unmet, 0) >= CAST(p.disability_subsidy_nursing_min_unmet AS INTEGER)
               AND NOT q.outcome
               AND i.work_injury_care_fen = 0 AS outcome,
           CASE WHEN m.disability_grade = 1 THEN p.disability_subsidy_nursing_grade1_fen
                ELSE p.disability_subsidy_nursing_grade2_fen END AS nursing_fen
    FROM member_facts m
    JOIN tekun_qualifies q ON q.household_id = m.household_id AND q.person_id = m.person_id
    JOIN member_income i ON i.household_id = m.household_id AND i.person_id = m.person_id
    JOIN rule_params p ON p.household_id = m.household_id
)
SELECT household_id,
       person_id,
       disability_grade,
       self_care_unmet,
       outcome,
       CAST(CASE WHEN outcome THEN nursing_fen ELSE 0 END AS BIGINT) AS amount_fen,
       CASE WHEN outcome AND disability_grade = 1 THEN 'grade_1' WHEN outcome THEN 'grade_2' END AS tier
FROM decided
