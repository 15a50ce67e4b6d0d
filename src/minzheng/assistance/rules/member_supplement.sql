-- 分类施保 for one member (社会救助暂行办法 第12条; 最低生活保障审核确认办法 第27条; 重庆条例 第21条; REFERENCE §1.10,
-- §16 row 5): the monthly supplement of an elderly (age ≥ dibao.supplement_elderly_age), minor (age <
-- dibao.supplement_minor_age), severely disabled or seriously ill member, each category with its own amount
-- (dibao.supplement_*_fen, by area). In several categories the member gets the highest amount
-- (dibao.category_supplement_stacking 'highest') or their sum ('sum'). Computes; whether it is paid depends on
-- the programme: dibao_supplement adds it for counted members, dibao_single_person for the person alone.
WITH amounts AS (
    SELECT m.household_id,
           m.person_id,
           p.dibao_category_supplement_stacking AS stacking,
           CONCAT_WS(',',
                     CASE WHEN m.age_years >= p.dibao_supplement_elderly_age THEN 'elderly' END,
                     CASE WHEN m.age_years < p.dibao_supplement_minor_age THEN 'minor' END,
                     CASE WHEN m.severely_disabled THEN 'disabled' END,
                     CASE WHEN m.seriously_ill THEN 'ill' END) AS supplement_categories,
           CASE WHEN m.age_years >= p.dibao_supplement_elderly_age THEN p.dibao_supplement_elderly_fen ELSE 0 END
               AS elderly_fen,
           CASE WHEN m.age_years < p.dibao_supplement_minor_age THEN p.dibao_supplement_minor_fen ELSE 0 END
               AS minor_fen,
           CASE WHEN m.severely_disabled THEN p.dibao_supplement_disabled_fen ELSE 0 END AS disabled_fen,
           CASE WHEN m.seriously_ill THEN p.dibao_supplement_ill_fen ELSE 0 END AS ill_fen
    FROM member_facts m
    JOIN rule_params p ON p.household_id = m.household_id
)
SELECT household_id,
       person_id,
       supplement_categories,
       CAST(CASE WHEN stacking = 'sum' THEN elderly_fen + minor_fen + disabled_fen + ill_fen
                 ELSE GREATEST(elderly_fen, minor_fen, disabled_fen, ill_fen) END AS BIGINT) AS supplement_fen
FROM amounts
