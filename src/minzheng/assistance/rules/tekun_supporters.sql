-- 法定赡养、抚养、扶养义务人 able to fulfil the duty (特困人员认定办法 第4条 (3), 第8条). Decides `outcome`: the person
-- has such a supporter in the household. Only members of the same household are in the registry's relations:
-- supporters living elsewhere are not yet known, so a caseworker checks them before confirming a 特困 case.
-- A supporter is another present member (member_facts) who is the person's spouse, parent, child, grandparent or
-- grandchild (民法典 第1059、1067、1074条), read from both members' `kin` to the head: head–spouse (HS); parent and
-- child (CH, CS, HP, BP, AP, and CG: a child of the head is taken as the parent of a grandchild); grandparent and
-- grandchild (GH, GS, AH, AB, CP); two parents of the head are spouses (PP). Siblings (第1075条) are not assessed.
-- The supporter can fulfil the duty when aged 18 or more (民法典 第17条) and under tekun.supporter_age_limit (70:
-- 第8条 (3), its income and property test not applied), with full capacity to work, not severely disabled
-- (第8条 (4)), not a 特困 person (第8条 (1), an enrolment in 'tekun') and, from tekun.elderly_age, not in a household
-- receiving 低保 (第8条 (2), an enrolment in 'dibao').
SELECT m.household_id,
       m.person_id,
       CAST(COALESCE(a.able_supporters, 0) AS BIGINT) AS able_supporters,
       COALESCE(a.able_supporters, 0) > 0 AS outcome
FROM member_facts m
LEFT JOIN (
    SELECT c.household_id,
           c.person_id,
           COUNT(*) AS able_supporters
    FROM member_facts c
    JOIN member_facts s ON s.household_id = c.household_id AND s.person_id <> c.person_id
    JOIN rule_params p ON p.household_id = c.household_id
    LEFT JOIN (
        SELECT DISTINCT e.person_id
        FROM enrolments e CROSS JOIN run_date r
        WHERE e.programme = 'tekun' AND e.person_id IS NOT NULL AND (e.since IS NULL OR e.since <= r.as_of)
    ) t ON t.person_id = s.person_id
    LEFT JOIN (
        SELECT DISTINCT e.household_id
        FROM enrolments e CROSS JOIN run_date r
        WHERE e.programme = 'dibao' AND (e.since IS NULL OR e.since <= r.as_of)
    ) d ON d.household_id = s.household_id
    WHERE s.present
      AND LEAST(c.kin, s.kin) || GREATEST(c.kin, s.kin)
          IN ('HS', 'CH', 'CS', 'HP', 'BP', 'AP', 'CG', 'GH', 'GS', 'AH', 'AB', 'CP', 'PP')
      AND s.age_years >= 18
      AND s.age_years < p.tekun_supporter_age_limit
      AND s.work_ability = 'full'
      AND NOT s.severely_disabled
      AND t.person_id IS NULL
      AND NOT (s.age_years >= p.tekun_elderly_age AND d.household_id IS NOT NULL)
    GROUP BY c.household_id, c.person_id
) a ON a.household_id = m.household_id AND a.person_id = m.person_id
