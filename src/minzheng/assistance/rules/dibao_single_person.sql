-- 单人保 (最低生活保障审核确认办法 第8条; 2022 通知 §一(一)(四); REFERENCE §1.5, §16 row 7). Two routes:
-- 'near_dibao_member': a counted member of a 低保边缘家庭 (near_dibao_eligibility) who is severely disabled (grade 1–2,
-- or grade 3 intellectual or mental) or has a 重特大疾病; 'adult_severely_disabled' (2022 通知 §一(一), while
-- dibao.single_person_adult_disabled is 'yes'): a counted adult (18 or more, 民法典 第17条) with no wage or business
-- income who is severely disabled, in any household that does not qualify for 低保.
-- The person is assessed as a one-person unit on their own countable income, support received (赡养、扶养费)
-- counting only for the share dibao.single_person_support_exempt_permille does not exempt, strictly below the
-- standard: 1000 × other income + (1000 − exempt‰) × support < 1000 × standard. The payer of support is not
-- recorded, so the exemption applies to all of it. Decides `outcome`; the amount is the standard − the assessed
-- income (the support share rounded half up to the fen), plus the person's own 分类施保 supplement.
WITH routed AS (
    SELECT m.household_id,
           m.person_id,
           CASE WHEN d.counted AND n.outcome AND (m.severely_disabled OR m.seriously_ill) THEN 'near_dibao_member'
                WHEN d.counted AND NOT s.outcome AND p.dibao_single_person_adult_disabled = 'yes'
                     AND m.age_years >= 18 AND m.severely_disabled AND i.wage_fen = 0 AND i.business_fen = 0
                THEN 'adult_severely_disabled' END AS route,
           i.countable_fen - i.support_fen AS other_income_fen,
           i.support_fen,
           p.dibao_single_person_support_exempt_permille AS support_exempt_permille,
           p.dibao_standard_fen AS standard_fen,
           u.supplement_fen AS own_supplement_fen
    FROM member_facts m
    JOIN dibao_members d ON d.household_id = m.household_id AND d.person_id = m.person_id
    JOIN member_income i ON i.household_id = m.household_id AND i.person_id = m.person_id
    JOIN member_supplement u ON u.household_id = m.household_id AND u.person_id = m.person_id
    JOIN dibao_shortfall s ON s.household_id = m.household_id
    JOIN near_dibao_eligibility n ON n.household_id = m.household_id
    JOIN rule_params p ON p.household_id = m.household_id
), assessed AS (
    SELECT household_id,
           person_id,
           route,
           standard_fen,
           own_supplement_fen,
           other_income_fen + {{ div_half_up((1000 - support_exempt_permille) * support_fen, 1000) }}
               AS assessed_income_fen,
           route IS NOT NULL
               AND 1000 * other_income_fen + (1000 - support_exempt_permille) * support_fen < 1000 * standard_fen
               AS outcome
    FROM routed
)
SELECT household_id,
       person_id,
       route,
       assessed_income_fen,
       standard_fen,
       own_supplement_fen,
       outcome,
       CAST(CASE WHEN outcome THEN GREATEST(standard_fen - assessed_income_fen, 0) + own_supplement_fen ELSE 0 END
            AS BIGINT) AS amount_fen
FROM assessed
