-- Who qualifies as 特困人员 (社会救助暂行办法 第14条; 特困人员认定办法 第4—9条): a living member with no absence on
-- record, who has no capacity to work (tekun_capacity), no means of support (tekun_means) and no supporter able to
-- fulfil the duty (tekun_supporters); a child who receives the 孤儿 or 事实无人抚养儿童 基本生活费 is on that track and
-- is not recognised as 特困 (第9条; REFERENCE §16 row 18). Decides `outcome`. 特困 comes first: such a person is not
-- counted in a 低保 household (dibao_members; REFERENCE §16 row 8).
SELECT m.household_id,
       m.person_id,
       c.outcome AS no_work_capacity,
       n.outcome AS no_means,
       s.outcome AS has_able_supporter,
       i.child_allowance_fen > 0 AS orphan_track,
       m.alive AND m.absence IS NULL AND c.outcome AND n.outcome AND NOT s.outcome AND i.child_allowance_fen = 0
           AS outcome
FROM member_facts m
JOIN tekun_capacity c ON c.household_id = m.household_id AND c.person_id = m.person_id
JOIN tekun_means n ON n.household_id = m.household_id AND n.person_id = m.person_id
JOIN tekun_supporters s ON s.household_id = m.household_id AND s.person_id = m.person_id
JOIN member_income i ON i.household_id = m.household_id AND i.person_id = m.person_id
