-- 特困人员救助供养 (社会救助暂行办法 第14、15条; 特困人员认定办法 第4—9、20—22条; REFERENCE §3, §16 rows 8, 9, 18):
-- whether the person qualifies (tekun_qualifies) and the monthly amount: the basic living standard
-- tekun.basic_living_fen (by area) plus the 照料护理 amount of the person's tier. The tier follows the 6-item
-- self-care assessment (第20—22条): none unmet or never assessed → 'self' (tekun.care_self_fen), 1–3 unmet →
-- 'partial' (tekun.care_partial_fen), 4 or more → 'full' (tekun.care_full_fen). `basic_living_ok` says whether the
-- basic living standard reaches tekun.basic_living_multiple_permille × the 低保 standard (1000 × basic ≥ multiple‰
-- × standard, no division); it is shown, not corrected. Decides `outcome`; tier and amount only when it is true.
WITH tiered AS (
    SELECT q.household_id,
           q.person_id,
           q.outcome,
           CASE WHEN COALESCE(m.self_care_unmet, 0) = 0 THEN 'self'
                WHEN m.self_care_unmet <= 3 THEN 'partial'
                ELSE 'full' END AS care_tier,
           p.tekun_basic_living_fen AS basic_living_fen,
           1000 * p.tekun_basic_living_fen >= p.tekun_basic_living_multiple_permille * p.dibao_standard_fen
               AS basic_living_ok,
           p.tekun_care_self_fen,
           p.tekun_care_partial_fen,
           p.tekun_care_full_fen
    FROM tekun_qualifies q
    JOIN member_facts m ON m.household_id = q.household_id AND m.person_id = q.person_id
    JOIN rule_params p ON p.household_id = q.household_id
), priced AS (
    SELECT household_id,
           person_id,
           outcome,
           care_tier,
           basic_living_fen,
           basic_living_ok,
           CASE care_tier WHEN 'self' THEN tekun_care_self_fen
                          WHEN 'partial' THEN tekun_care_partial_fen
                          ELSE tekun_care_full_fen END AS care_fen
    FROM tiered
)
SELECT household_id,
       person_id,
       basic_living_fen,
       basic_living_ok,
       care_fen,
       outcome,
       CAST(CASE WHEN outcome THEN basic_living_fen + care_fen ELSE 0 END AS BIGINT) AS amount_fen,
       CASE WHEN outcome THEN care_tier END AS tier
FROM priced
