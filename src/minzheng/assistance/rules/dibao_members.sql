-- 共同生活的家庭成员 counted per household (最低生活保障审核确认办法 第7条; 重庆条例 第11条).
-- Who is excluded (religious staff living away, prisoners, 未婚现役军人 …) is decided upstream for now and
-- arrives as household_members.counted; a NULL is not counted. Every household keeps its row, with 0 when
-- no member counts: such a household has no standard to fall below and is not eligible.
SELECT household_id,
       COUNT(CASE WHEN counted THEN 1 END) AS members_counted,
       COUNT(CASE WHEN counted THEN 1 END) > 0 AS outcome
FROM household_members
GROUP BY household_id
