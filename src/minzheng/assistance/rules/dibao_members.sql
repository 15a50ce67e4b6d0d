-- 共同生活的家庭成员 counted for 低保 (最低生活保障审核确认办法 第7条; 重庆市城乡居民最低生活保障条例 第11条): every
-- present member (member_facts) except one who qualifies as 特困人员. 特困 comes first: that person is offered 特困
-- and is not counted in the household's 低保 amount (REFERENCE §16 row 8; 特困人员认定办法 第27条). Decides `outcome`
-- (= `counted`); `not_counted_because` is 'dead', 'absent' or 'tekun'.
SELECT m.household_id,
       m.person_id,
       m.present AND NOT t.outcome AS counted,
       CASE WHEN NOT m.alive THEN 'dead' WHEN NOT m.present THEN 'absent' WHEN t.outcome THEN 'tekun' END
           AS not_counted_because,
       m.present AND NOT t.outcome AS outcome
FROM member_facts m
JOIN tekun_qualifies t ON t.household_id = m.household_id AND t.person_id = m.person_id
