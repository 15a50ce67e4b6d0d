-- 无劳动能力 (特困人员认定办法 第5条): aged tekun.elderly_age (60) or more; a minor under tekun.minor_age_limit (national
-- 16, Chongqing 18: 2020 意见 第5项, REFERENCE §16 row 9), or past it while still in full-time education (认定办法
-- 第24条); or intellectual ('5') or mental ('6') disability of grade 1–3, physical ('4') of grade 1–2, visual ('1')
-- of grade 1. Decides `outcome`: the person has no capacity to work.
WITH capacity AS (
    SELECT m.household_id,
           m.person_id,
           m.age_years,
           COALESCE(m.age_years >= p.tekun_elderly_age, FALSE) AS elderly,
           COALESCE(m.age_years < p.tekun_minor_age_limit, FALSE) AS minor,
           COALESCE(m.in_school AND m.age_years >= p.tekun_minor_age_limit, FALSE) AS student,
           COALESCE((m.disability_category IN ('5', '6') AND m.disability_grade <= 3)
                    OR (m.disability_category = '4' AND m.disability_grade <= 2)
                    OR (m.disability_category = '1' AND m.disability_grade = 1), FALSE) AS disability_incapable
    FROM member_facts m
    JOIN rule_params p ON p.household_id = m.household_id
)
SELECT household_id,
       person_id,
       age_years,
       elderly,
       minor,
       student,
       disability_incapable,
       elderly OR minor OR student OR disability_incapable AS outcome
FROM capacity
