-- 共同生活的家庭成员 and what the rules need to know about each of them (最低生活保障审核确认办法 第7条;
-- 重庆市城乡居民最低生活保障条例 第11条; 特困人员认定办法 第5条). One row per current member of every household in
-- `households`. Computes; decides nothing.
-- `present` is false for a member who is dead on the run date, serving a sentence, in 强制隔离戒毒, declared missing,
-- an unmarried serviceman (未婚现役军人, 条例 第11条), or religious staff living apart for dibao.religious_absence_years
-- or more (Chongqing 1 year, national 3: REFERENCE §16 row 10); a religious absence without a start date excludes no one.
-- Ages are whole years (周岁) from the calendar fields, without division: a person turns n on the n-th birthday (born
-- 29 February: on 1 March in a common year); an unknown birth date gives a NULL age, which meets no age condition.
-- `kin` reads the GB/T 4761 relation to the head: 'H' head (01, 02), 'S' spouse (1x), 'C' child (2x, 3x without
-- 28 女婿 and 38 儿媳), 'G' grandchild (40–44, 49), 'P' parent (50–52, 57–59; 53–56 are parents-in-law), 'A'
-- grandparent (6x), 'B' sibling (70, 71, 73, 75, 77, 79), 'O' anyone else, in-laws included, or unknown.
-- 重度残疾 is grade 1–2, or grade 3 of intellectual ('5') or mental ('6') disability (审核确认办法 第8条; REFERENCE §1.5).
WITH member AS (
    SELECT hm.household_id,
           hm.person_id,
           hm.relation,
           hm.absence,
           p.died_on,
           p.work_ability,
           p.disability_category,
           p.disability_grade,
           p.self_care_unmet,
           COALESCE(p.serious_illness, FALSE) AS seriously_ill,
           COALESCE(p.in_school, FALSE) AS in_school,
           YEAR(r.as_of) - YEAR(p.birth_on)
               - CASE WHEN MONTH(r.as_of) * 100 + DAYOFMONTH(r.as_of) < MONTH(p.birth_on) * 100 + DAYOFMONTH(p.birth_on)
                      THEN 1 ELSE 0 END AS age_years,
           YEAR(r.as_of) - YEAR(hm.absent_since)
               - CASE WHEN MONTH(r.as_of) * 100 + DAYOFMONTH(r.as_of)
                           < MONTH(hm.absent_since) * 100 + DAYOFMONTH(hm.absent_since)
                      THEN 1 ELSE 0 END AS absent_years,
           r.as_of,
           q.dibao_religious_absence_years AS religious_absence_years
    FROM household_members hm
    JOIN households h ON h.household_id = hm.household_id
    JOIN rule_params q ON q.household_id = hm.household_id
    CROSS JOIN run_date r
    LEFT JOIN persons p ON p.person_id = hm.person_id
)
SELECT m.household_id,
       m.person_id,
       CASE WHEN m.relation IN ('01', '02') THEN 'H'
            WHEN SUBSTR(m.relation, 1, 1) = '1' THEN 'S'
            WHEN m.relation IN ('28', '38') THEN 'O'
            WHEN SUBSTR(m.relation, 1, 1) IN ('2', '3') THEN 'C'
            WHEN m.relation IN ('40', '41', '42', '43', '44', '49') THEN 'G'
            WHEN m.relation IN ('50', '51', '52', '57', '58', '59') THEN 'P'
            WHEN SUBSTR(m.relation, 1, 1) = '6' THEN 'A'
            WHEN m.relation IN ('70', '71', '73', '75', '77', '79') THEN 'B'
            ELSE 'O' END AS kin,
       m.absence,
       m.absent_years,
       m.died_on IS NULL OR m.died_on > m.as_of AS alive,
       CASE WHEN m.died_on <= m.as_of THEN FALSE
            WHEN m.absence IN ('prison', 'drug_rehab', 'missing', 'soldier_unmarried') THEN FALSE
            WHEN m.absence = 'religious' AND m.absent_years >= m.religious_absence_years THEN FALSE
            ELSE TRUE END AS present,
       m.age_years,
       m.work_ability,
       m.disability_category,
       m.disability_grade,
       m.disability_grade IS NOT NULL AS disabled,
       COALESCE(m.disability_grade <= 2 OR (m.disability_grade = 3 AND m.disability_category IN ('5', '6')), FALSE)
           AS severely_disabled,
       m.seriously_ill,
       m.in_school,
       m.self_care_unmet,
       n.members_listed
FROM member m
JOIN (SELECT household_id, COUNT(*) AS members_listed FROM household_members GROUP BY household_id) n
  ON n.household_id = m.household_id
