-- Each member's own property (最低生活保障审核确认办法 第14条; 重庆条例 第13条; REFERENCE §16 row 4). Computes.
-- Deposits and securities are summed; ordinary motor vehicles (a 残疾人功能性补偿代步机动车辆, kind
-- 'mobility_vehicle', is not one), houses and businesses are counted. Other property ('other': 债权, insurance …)
-- is recorded for the caseworker and not assessed here. Household-level items are in household_items.
SELECT m.household_id,
       m.person_id,
       CAST(COALESCE(a.deposit_fen, 0) AS BIGINT) AS deposit_fen,
       CAST(COALESCE(a.vehicles, 0) AS BIGINT) AS vehicles,
       CAST(COALESCE(a.houses, 0) AS BIGINT) AS houses,
       CAST(COALESCE(a.businesses, 0) AS BIGINT) AS businesses
FROM member_facts m
LEFT JOIN (
    SELECT household_id,
           person_id,
           SUM(CASE WHEN kind IN ('deposit', 'securities') THEN value_fen ELSE 0 END) AS deposit_fen,
           COUNT(CASE WHEN kind = 'vehicle' THEN 1 END) AS vehicles,
           COUNT(CASE WHEN kind = 'house' THEN 1 END) AS houses,
           COUNT(CASE WHEN kind = 'business' THEN 1 END) AS businesses
    FROM assets
    WHERE person_id IS NOT NULL
    GROUP BY household_id, person_id
) a ON a.household_id = m.household_id AND a.person_id = m.person_id
