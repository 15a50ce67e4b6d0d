-- 低保边缘家庭 property test (最低生活保障审核确认办法 第8条; 2022 通知 §一(四); REFERENCE §2.1, §16 row 4): as for
-- 低保 but with its own deposit limit, near_dibao.deposit_limit_months × the 低保 standard × counted members (equal
-- passes); the vehicle, house (dibao.house_limit) and business bars are the 低保 ones. 刚性支出困难家庭 use the same
-- test (刚性支出困难家庭认定办法 第4条 (3)). Decides `outcome`: the property is within the limits.
SELECT h.household_id,
       h.deposit_fen,
       p.near_dibao_deposit_limit_months * p.dibao_standard_fen * i.members_counted AS deposit_limit_fen,
       h.deposit_fen <= p.near_dibao_deposit_limit_months * p.dibao_standard_fen * i.members_counted
           AND h.vehicles = 0
           AND h.houses <= CAST(p.dibao_house_limit AS INTEGER)
           AND h.businesses = 0 AS outcome
FROM household_property h
JOIN dibao_income i ON i.household_id = h.household_id
JOIN rule_params p ON p.household_id = h.household_id
