-- The household's property for the 低保 and 边缘 tests (最低生活保障审核确认办法 第14条; 重庆条例 第13条; REFERENCE
-- §16 row 4): the counted members' own items (member_assets) and the household-level ones (household_items).
-- Deposits and securities are summed; ordinary motor vehicles, houses and businesses counted. Computes.
SELECT h.household_id,
       CAST(h.deposit_fen + COALESCE(c.deposit_fen, 0) AS BIGINT) AS deposit_fen,
       CAST(h.vehicles + COALESCE(c.vehicles, 0) AS BIGINT) AS vehicles,
       CAST(h.houses + COALESCE(c.houses, 0) AS BIGINT) AS houses,
       CAST(h.businesses + COALESCE(c.businesses, 0) AS BIGINT) AS businesses
FROM household_items h
LEFT JOIN (
    SELECT d.household_id,
           SUM(a.deposit_fen) AS deposit_fen,
           SUM(a.vehicles) AS vehicles,
           SUM(a.houses) AS houses,
           SUM(a.businesses) AS businesses
    FROM dibao_members d
    JOIN member_assets a ON a.household_id = d.household_id AND a.person_id = d.person_id
    WHERE d.counted
    GROUP BY d.household_id
) c ON c.household_id = h.household_id
