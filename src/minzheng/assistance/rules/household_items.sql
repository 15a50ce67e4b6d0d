-- Household-level items (person_id NULL: a family farm's 经营净收入, a jointly held house or account, a shared bill)
-- with the same classes and exemptions as member_income, member_assets and member_expenses (最低生活保障审核确认办法
-- 第13、14条; 刚性支出困难家庭认定办法 第5条). Computes. One row per household in `households`, zeros when it has none.
SELECT h.household_id,
       CAST(COALESCE(i.countable_fen, 0) AS BIGINT) AS countable_fen,
       CAST(COALESCE(i.tekun_countable_fen, 0) AS BIGINT) AS tekun_countable_fen,
       CAST(COALESCE(a.deposit_fen, 0) AS BIGINT) AS deposit_fen,
       CAST(COALESCE(a.vehicles, 0) AS BIGINT) AS vehicles,
       CAST(COALESCE(a.houses, 0) AS BIGINT) AS houses,
       CAST(COALESCE(a.businesses, 0) AS BIGINT) AS businesses,
       CAST(COALESCE(e.medical_fen, 0) AS BIGINT) AS medical_fen,
       CAST(COALESCE(e.rehabilitation_fen, 0) AS BIGINT) AS rehabilitation_fen,
       CAST(COALESCE(e.education_fen, 0) AS BIGINT) AS education_fen,
       CAST(COALESCE(e.other_expense_fen, 0) AS BIGINT) AS other_expense_fen
FROM households h
LEFT JOIN (
    SELECT c.household_id,
           SUM(CASE WHEN c.kind IN ('special_care', 'family_planning', 'scholarship', 'reward', 'assistance',
                                    'child_allowance') THEN 0
                    WHEN c.kind = 'basic_pension' AND p.dibao_exempt_basic_pension = 'yes' THEN 0
                    WHEN c.kind = 'longevity_allowance' AND p.dibao_exempt_longevity_allowance = 'yes' THEN 0
                    WHEN c.kind = 'disability_subsidy' AND p.dibao_exempt_disability_subsidy = 'yes' THEN 0
                    ELSE c.monthly_fen END) AS countable_fen,
           SUM(CASE WHEN INSTR(',' || p.tekun_exempt_income_kinds || ',', ',' || c.kind || ',') > 0 THEN 0
                    ELSE c.monthly_fen END) AS tekun_countable_fen
    FROM (
        SELECT household_id, COALESCE(kind, 'other') AS kind, monthly_fen
        FROM incomes
        WHERE person_id IS NULL
    ) c
    JOIN rule_params p ON p.household_id = c.household_id
    GROUP BY c.household_id
) i ON i.household_id = h.household_id
LEFT JOIN (
    SELECT household_id,
           SUM(CASE WHEN kind IN ('deposit', 'securities') THEN value_fen ELSE 0 END) AS deposit_fen,
           COUNT(CASE WHEN kind = 'vehicle' THEN 1 END) AS vehicles,
           COUNT(CASE WHEN kind = 'house' THEN 1 END) AS houses,
           COUNT(CASE WHEN kind = 'business' THEN 1 END) AS businesses
    FROM assets
    WHERE person_id IS NULL
    GROUP BY household_id
) a ON a.household_id = h.household_id
LEFT JOIN (
    SELECT x.household_id,
           SUM(CASE WHEN x.kind = 'medical' THEN x.amount_fen ELSE 0 END) AS medical_fen,
           SUM(CASE WHEN x.kind = 'rehabilitation' THEN x.amount_fen ELSE 0 END) AS rehabilitation_fen,
           SUM(CASE WHEN x.kind = 'education' THEN x.amount_fen ELSE 0 END) AS education_fen,
           SUM(CASE WHEN COALESCE(x.kind, 'other') NOT IN ('medical', 'rehabilitation', 'education')
                    THEN x.amount_fen ELSE 0 END) AS other_expense_fen
    FROM expenses x
    CROSS JOIN run_date r
    WHERE x.person_id IS NULL
      AND x.incurred_on <= r.as_of
      AND YEAR(x.incurred_on) * 10000 + MONTH(x.incurred_on) * 100 + DAYOFMONTH(x.incurred_on)
          > (YEAR(r.as_of) - 1) * 10000 + MONTH(r.as_of) * 100 + DAYOFMONTH(r.as_of)
    GROUP BY x.household_id
) e ON e.household_id = h.household_id
