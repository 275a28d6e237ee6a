-- test/citus/members.sql: the orgs a user is a member of
-- (booking.app_user.member_org_ids, a reference table) on a distributed
-- install: the functions that write memberships refresh them on the
-- coordinator; a direct write that would change them, which a trigger on a
-- worker's shard cannot keep, is refused (0A000) with a hint; a write that
-- leaves them as they are goes through.  Org c, as the application role.
SELECT org_id AS c FROM org_ids WHERE o = 'c' \gset
SELECT user_id AS c_admin FROM cast_member WHERE o = 'c' AND role = 'admin' \gset
SELECT user_id AS c_student FROM cast_member WHERE o = 'c' AND role = 'student' \gset
SELECT user_id AS c_guardian FROM cast_member WHERE o = 'c' AND role = 'guardian' \gset
CREATE TEMP VIEW member_orgs_wrong AS
SELECT u.id FROM booking.app_user u
  LEFT JOIN (SELECT d.user_id, array_agg(d.org_id ORDER BY d.org_id) AS orgs
               FROM (SELECT DISTINCT m.user_id, m.org_id FROM booking.membership m) d GROUP BY d.user_id) x
    ON x.user_id = u.id
 WHERE u.member_org_ids IS DISTINCT FROM COALESCE(x.orgs, '{}');
SELECT pg_temp.is(pg_temp.val('SELECT count(*) FROM member_orgs_wrong'), '0',
                  'members: every user''s member_org_ids is what membership says (create_org, the fixture''s refreshed maintenance writes)');
SELECT pg_temp.is(pg_temp.state(format($$INSERT INTO booking.membership (org_id, user_id, role) VALUES (%L, %L, 'student')$$,
                                       :'c', (SELECT user_id FROM cast_member WHERE o = 'a' AND role = 'student'))),
                  '0A000 on a distributed install, a new member of an org is made by the engine''s functions',
                  'members: a maintenance write of a new member without booking.membership_refresh is refused (0A000)');
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'c', :'c_admin') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.state(format($$INSERT INTO booking.membership (org_id, user_id, role) VALUES (%L, %L, 'guardian')$$, :'c', :'c_student')),
                  'ok', 'members: an admin gives a member another role by direct INSERT (the user''s orgs stay)');
SELECT pg_temp.is(pg_temp.state(format($$DELETE FROM booking.membership WHERE org_id = %L AND user_id = %L AND role = 'guardian'$$, :'c', :'c_student')),
                  'ok', 'members: and removes it by direct DELETE (another role is left)');
SELECT pg_temp.is(split_part(pg_temp.state(format($$DELETE FROM booking.membership WHERE org_id = %L AND user_id = %L$$, :'c', :'c_guardian')), ' ', 1),
                  '0A000', 'members: a direct DELETE of a member''s last role is refused on the worker (0A000)');
COMMIT;
-- (a transaction of its own: the owner's connection of a SECURITY DEFINER
-- function cannot touch the placements the application role's connection
-- wrote in the same transaction, 25001)
BEGIN;
SELECT booking.act_as(:'c', :'c_admin') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT booking.remove_member_role(%L, 'guardian')::text$$, :'c_guardian')),
                  'true', 'members: booking.remove_member_role removes it through the coordinator');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.app_user WHERE id = %L$$, :'c_guardian')), '0',
                  'members: staff no longer see that user');
COMMIT;
RESET ROLE;
SELECT pg_temp.is(pg_temp.val(format($$SELECT (%L <> ALL (member_org_ids))::text FROM booking.app_user WHERE id = %L$$, :'c', :'c_guardian')),
                  'true', 'members: the org is gone from the user''s member_org_ids');
-- an invitation accepted on the coordinator: the new org is on the user
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'c', :'c_admin') IS NOT NULL AS acting \gset
SELECT invitation_id, token FROM booking.invite(user_id => :'c_guardian', role => 'guardian') \gset
COMMIT;
BEGIN;
SELECT pg_temp.is(pg_temp.val(format($$SELECT booking.accept_invitation(%L, %L, %L)::text$$, :'c', :'c_guardian', :'token')),
                  'guardian', 'members: the user accepts an invitation back');
COMMIT;
BEGIN;
SELECT booking.act_as(:'c', :'c_admin') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.app_user WHERE id = %L$$, :'c_guardian')), '1',
                  'members: and staff see them again');
COMMIT;
RESET ROLE;
SELECT pg_temp.is(pg_temp.val('SELECT count(*) FROM member_orgs_wrong'), '0',
                  'members: every user''s member_org_ids is still what membership says');
