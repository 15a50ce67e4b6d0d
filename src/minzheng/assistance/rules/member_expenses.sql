-- Each member's out-of-pocket spending in the 12 months before the run date, by kind: the window of the rigid-cost
-- deduction (最低生活保障审核确认办法 第13条 last paragraph; REFERENCE §16 row 6) and of 刚性支出
-- (刚性支出困难家庭认定办法 第4条 (4), 第5条). Computes. The window is (run date one year earlier, run date], read on
-- the dates written as YYYYMMDD numbers so no engine-specific date arithmetic is needed.
SELECT m.household_id,
       m.person_id,
       CAST(COALESCE(e.medical_fen, 0) AS BIGINT) AS medical_fen,
       CAST(COALESCE(e.rehabilitation_fen, 0) AS BIGINT) AS rehabilitation_fen,
       CAST(COALESCE(e.education_fen, 0) AS BIGINT) AS education_fen,
       CAST(COALESCE(e.other_expense_fen, 0) AS BIGINT) AS other_expense_fen
FROM member_facts m
LEFT JOIN (
    SELECT x.household_id,
           x.person_id,
           SUM(CASE WHEN x.kind = 'medical' THEN x.amount_fen ELSE 0 END) AS medical_fen,
           SUM(CASE WHEN x.kind = 'rehabilitation' THEN x.amount_fen ELSE 0 END) AS rehabilitation_fen,
           SUM(CASE WHEN x.kind = 'education' THEN x.amount_fen ELSE 0 END) AS education_fen,
           SUM(CASE WHEN COALESCE(x.kind, 'other') NOT IN ('medical', 'rehabilitation', 'education')
                    THEN x.amount_fen ELSE 0 END) AS other_expense_fen
    FROM expenses x
    CROSS JOIN run_date r
    WHERE x.person_id IS NOT NULL
      AND x.incurred_on <= r.as_of
      AND YEAR(x.incurred_on) * 10000 + MONTH(x.incurred_on) * 100 + DAYOFMONTH(x.incurred_on)
          > (YEAR(r.as_of) - 1) * 10000 + MONTH(r.as_of) * 100 + DAYOFMONTH(r.as_of)
    GROUP BY x.household_id, x.person_id
) e ON e.household_id = m.household_id AND e.person_id = m.person_id
