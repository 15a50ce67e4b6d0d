-- 低保 property test (最低生活保障审核确认办法 第14条; 重庆条例 第13条; REFERENCE §16 rows 2, 4): deposits and
-- securities at most dibao.deposit_limit_months × the standard × counted members (a ceiling: equal passes); any
-- ordinary motor vehicle bars (a 残疾人功能性补偿代步机动车辆 does not); more than dibao.house_limit houses bar; a
-- business bars. The limits are minzheng defaults until 渝府办发〔2022〕128号 is read (unconfirmed).
-- Decides `outcome`: the property is within the limits.
SELECT h.household_id,
       h.deposit_fen,
       p.dibao_deposit_limit_months * p.dibao_standard_fen * i.members_counted AS deposit_limit_fen,
       h.deposit_fen <= p.dibao_deposit_limit_months * p.dibao_standard_fen * i.members_counted
           AND h.vehicles = 0
           AND h.houses <= CAST(p.dibao_house_limit AS INTEGER)
           AND h.businesses = 0 AS outcome
FROM household_property h
JOIN dibao_income i ON i.household_id = h.household_id
JOIN rule_params p ON p.household_id = h.household_id
