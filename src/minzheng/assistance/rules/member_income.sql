-- Each member's own monthly income (最低生活保障审核确认办法 第13条), by class, and how much of it counts. Computes.
-- `countable_fen` is what counts for 低保 and the programmes that follow its income rules. Never counted: 优待抚恤金,
-- 计划生育奖励与扶助金, 奖学金, 见义勇为等奖励性补助 (第13条 (1)); 政府社会救助款物 (第13条 (2)), including the 孤儿 and
-- 事实无人抚养儿童 基本生活费 (not counted when the family applies for 低保 or 特困, REFERENCE §7). Not counted while the
-- parameter says 'yes' (REFERENCE §16 row 3): 基础养老金 (dibao.exempt_basic_pension, 第13条 (3)); 高龄津贴 and
-- 残疾人两项补贴 (dibao.exempt_longevity_allowance, dibao.exempt_disability_subsidy: Chongqing under 第13条 (4)).
-- `tekun_countable_fen` leaves out the kinds listed in tekun.exempt_income_kinds (特困人员认定办法 第7条).
-- An item of unknown kind counts. Household-level items (person_id NULL) are in household_items.
SELECT m.household_id,
       m.person_id,
       CAST(COALESCE(i.wage_fen, 0) AS BIGINT) AS wage_fen,
       CAST(COALESCE(i.business_fen, 0) AS BIGINT) AS business_fen,
       CAST(COALESCE(i.support_fen, 0) AS BIGINT) AS support_fen,
       CAST(COALESCE(i.countable_fen, 0) AS BIGINT) AS countable_fen,
       CAST(COALESCE(i.tekun_countable_fen, 0) AS BIGINT) AS tekun_countable_fen,
       CAST(COALESCE(i.child_allowance_fen, 0) AS BIGINT) AS child_allowance_fen,
       CAST(COALESCE(i.work_injury_care_fen, 0) AS BIGINT) AS work_injury_care_fen
FROM member_facts m
LEFT JOIN (
    SELECT c.household_id,
           c.person_id,
           SUM(CASE WHEN c.kind = 'wage' THEN c.monthly_fen ELSE 0 END) AS wage_fen,
           SUM(CASE WHEN c.kind IN ('business', 'farm') THEN c.monthly_fen ELSE 0 END) AS business_fen,
           SUM(CASE WHEN c.kind = 'support' THEN c.monthly_fen ELSE 0 END) AS support_fen,
           SUM(CASE WHEN c.kind IN ('special_care', 'family_planning', 'scholarship', 'reward', 'assistance',
                                    'child_allowance') THEN 0
                    WHEN c.kind = 'basic_pension' AND p.dibao_exempt_basic_pension = 'yes' THEN 0
                    WHEN c.kind = 'longevity_allowance' AND p.dibao_exempt_longevity_allowance = 'yes' THEN 0
                    WHEN c.kind = 'disability_subsidy' AND p.dibao_exempt_disability_subsidy = 'yes' THEN 0
                    ELSE c.monthly_fen END) AS countable_fen,
           SUM(CASE WHEN INSTR(',' || p.tekun_exempt_income_kinds || ',', ',' || c.kind || ',') > 0 THEN 0
                    ELSE c.monthly_fen END) AS tekun_countable_fen,
           SUM(CASE WHEN c.kind = 'child_allowance' THEN c.monthly_fen ELSE 0 END) AS child_allowance_fen,
           SUM(CASE WHEN c.kind = 'work_injury_care' THEN c.monthly_fen ELSE 0 END) AS work_injury_care_fen
    FROM (
        SELECT household_id, person_id, COALESCE(kind, 'other') AS kind, monthly_fen
        FROM incomes
        WHERE person_id IS NOT NULL
    ) c
    JOIN rule_params p ON p.household_id = c.household_id
    GROUP BY c.household_id, c.person_id
) i ON i.household_id = m.household_id AND i.person_id = m.person_id
