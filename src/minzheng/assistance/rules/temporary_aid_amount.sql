-- 临时救助 (社会救助暂行办法 第47—50条; 关于改革完善社会救助制度的意见 第14、15项; REFERENCE §4, §16 row 16), one-off,
-- for the hardships declared for the household. 支出型 ('expense'): temporary_aid.expense_multiple_permille × the 低保
-- standard × counted members × the months of hardship (1 when not given), computed once for all of the household's
-- expense hardships and rounded half up to the fen. 急难型 ('emergency'): 小金额先行救助, each hardship's need up to
-- temporary_aid.emergency_first_fen, with no 户籍 or residence condition. The household's total is capped at
-- temporary_aid.cap_multiple_permille × the standard ("原则上不超过当地低保月保障标准10倍"). Decides `outcome`: a
-- household with a declared hardship and an amount above 0; without a hardship it is not eligible and gets 0.
WITH declared AS (
    SELECT household_id,
           COUNT(*) AS hardships,
           SUM(CASE WHEN kind = 'expense' THEN COALESCE(months, 1) ELSE 0 END) AS expense_months
    FROM hardships
    GROUP BY household_id
), emergency AS (
    SELECT h.household_id, SUM(LEAST(COALESCE(h.need_fen, 0), p.temporary_aid_emergency_first_fen)) AS aid_fen
    FROM hardships h
    JOIN rule_params p ON p.household_id = h.household_id
    WHERE h.kind = 'emergency'
    GROUP BY h.household_id
), priced AS (
    SELECT i.household_id,
           CAST(COALESCE(d.hardships, 0) AS BIGINT) AS hardships,
           CAST({{ div_half_up(p.temporary_aid_expense_multiple_permille * p.dibao_standard_fen * i.members_counted
                               * COALESCE(d.expense_months, 0), 1000) }} AS BIGINT) AS expense_aid_fen,
           CAST(COALESCE(e.aid_fen, 0) AS BIGINT) AS emergency_aid_fen,
           {{ div_half_up(p.temporary_aid_cap_multiple_permille * p.dibao_standard_fen, 1000) }} AS cap_fen
    FROM dibao_income i
    JOIN rule_params p ON p.household_id = i.household_id
    LEFT JOIN declared d ON d.household_id = i.household_id
    LEFT JOIN emergency e ON e.household_id = i.household_id
)
SELECT household_id,
       hardships,
       expense_aid_fen,
       emergency_aid_fen,
       cap_fen,
       hardships > 0 AND LEAST(expense_aid_fen + emergency_aid_fen, cap_fen) > 0 AS outcome,
       CAST(CASE WHEN hardships > 0 THEN LEAST(expense_aid_fen + emergency_aid_fen, cap_fen) ELSE 0 END AS BIGINT)
           AS amount_fen
FROM priced
