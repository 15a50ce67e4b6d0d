-- 无生活来源 (特困人员认定办法 第6、7条): own monthly income, not counting the 第7条 items (tekun.exempt_income_kinds),
-- strictly below the 低保 standard for one person (REFERENCE §16 row 2), and own property within the 低保 limits of a
-- one-person household (第6条 leaves the 特困 property rules to the city; REFERENCE §16 row 4): deposits and
-- securities at most dibao.deposit_limit_months × the standard (equal passes), no ordinary motor vehicle, at most
-- dibao.house_limit houses, no business. Household-level items (person_id NULL) are the person's own when the
-- household lists no other member. Decides `outcome`: the person has no means of support.
WITH own AS (
    SELECT m.household_id,
           m.person_id,
           i.tekun_countable_fen + CASE WHEN m.members_listed = 1 THEN h.tekun_countable_fen ELSE 0 END AS income_fen,
           a.deposit_fen + CASE WHEN m.members_listed = 1 THEN h.deposit_fen ELSE 0 END AS deposit_fen,
           a.vehicles + CASE WHEN m.members_listed = 1 THEN h.vehicles ELSE 0 END AS vehicles,
           a.houses + CASE WHEN m.members_listed = 1 THEN h.houses ELSE 0 END AS houses,
           a.businesses + CASE WHEN m.members_listed = 1 THEN h.businesses ELSE 0 END AS businesses
    FROM member_facts m
    JOIN member_income i ON i.household_id = m.household_id AND i.person_id = m.person_id
    JOIN member_assets a ON a.household_id = m.household_id AND a.person_id = m.person_id
    JOIN household_items h ON h.household_id = m.household_id
), tested AS (
    SELECT o.household_id,
           o.person_id,
           o.income_fen AS tekun_income_fen,
           o.deposit_fen AS own_deposit_fen,
           o.income_fen < p.dibao_standard_fen AS income_ok,
           o.deposit_fen <= p.dibao_deposit_limit_months * p.dibao_standard_fen
               AND o.vehicles = 0
               AND o.houses <= CAST(p.dibao_house_limit AS INTEGER)
               AND o.businesses = 0 AS property_ok
    FROM own o
    JOIN rule_params p ON p.household_id = o.household_id
)
SELECT household_id,
       person_id,
       tekun_income_fen,
       own_deposit_fen,
       income_ok,
       property_ok,
       income_ok AND property_ok AS outcome
FROM tested
