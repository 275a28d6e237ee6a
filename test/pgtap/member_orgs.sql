-- booking.app_user.member_org_ids (issue 15): the orgs of a user's
-- memberships, on the user's row, for the policy app_user_org_member (staff
-- of the acting org see its members) that reads no other table.  After
-- every kind of write of memberships the column equals what membership
-- says; the policy calls only functions that answer from the identity.
BEGIN;
SET client_min_messages = warning;
\ir include/two_orgs.psql
SELECT plan(21);

-- the users whose column differs from their memberships
CREATE VIEW pg_temp.member_orgs_wrong AS
SELECT u.id, u.member_org_ids,
       COALESCE((SELECT array_agg(DISTINCT m.org_id ORDER BY m.org_id) FROM booking.membership m WHERE m.user_id = u.id), '{}') AS says
  FROM booking.app_user u
 WHERE u.member_org_ids IS DISTINCT FROM
       COALESCE((SELECT array_agg(DISTINCT m.org_id ORDER BY m.org_id) FROM booking.membership m WHERE m.user_id = u.id), '{}');
GRANT SELECT ON pg_temp.member_orgs_wrong TO PUBLIC;

SELECT is((SELECT count(*) FROM booking.app_user WHERE member_org_ids <> '{}'), 12::bigint,
          'the fixture''s twelve members carry their org');
SELECT is_empty('SELECT * FROM pg_temp.member_orgs_wrong', 'after the fixture''s inserts, member_org_ids is what membership says');

-- maintenance writes (the superuser): a second org, another role, a move
INSERT INTO booking.membership (org_id, user_id, role)
VALUES ('00000000-0000-0000-0000-00000000000b', pg_temp.usr('0a', 'staff'), 'student'),
       ('00000000-0000-0000-0000-00000000000b', pg_temp.usr('0a', 'instructor'), 'student'),
       ('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'staff'), 'instructor');
SELECT is((SELECT member_org_ids FROM booking.app_user WHERE id = pg_temp.usr('0a', 'staff')),
          ARRAY['00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000b']::uuid[],
          'a member of two orgs carries both, sorted');
SELECT is_empty('SELECT * FROM pg_temp.member_orgs_wrong', 'after inserts of a second org and another role');
UPDATE booking.membership SET org_id = '00000000-0000-0000-0000-00000000000a'
 WHERE org_id = '00000000-0000-0000-0000-00000000000b' AND user_id = pg_temp.usr('0a', 'instructor');
-- (a key violation otherwise: the instructor's own role in 0a is instructor)
SELECT is((SELECT member_org_ids FROM booking.app_user WHERE id = pg_temp.usr('0a', 'instructor')),
          ARRAY['00000000-0000-0000-0000-00000000000a']::uuid[], 'a membership moved to another org: the old org goes');
SELECT is_empty('SELECT * FROM pg_temp.member_orgs_wrong', 'after an update of a membership''s org');
UPDATE booking.membership SET role = 'admin'
 WHERE org_id = '00000000-0000-0000-0000-00000000000a' AND user_id = pg_temp.usr('0a', 'staff') AND role = 'instructor';
SELECT is_empty('SELECT * FROM pg_temp.member_orgs_wrong', 'after an update of a role');
DELETE FROM booking.membership
 WHERE org_id = '00000000-0000-0000-0000-00000000000a' AND user_id = pg_temp.usr('0a', 'staff') AND role = 'admin';
SELECT is((SELECT member_org_ids FROM booking.app_user WHERE id = pg_temp.usr('0a', 'staff')),
          ARRAY['00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000b']::uuid[],
          'a deleted role of several keeps the org');
DELETE FROM booking.membership
 WHERE org_id = '00000000-0000-0000-0000-00000000000b' AND user_id = pg_temp.usr('0a', 'staff');
SELECT is((SELECT member_org_ids FROM booking.app_user WHERE id = pg_temp.usr('0a', 'staff')),
          ARRAY['00000000-0000-0000-0000-00000000000a']::uuid[], 'a deleted last role removes the org');
SELECT is_empty('SELECT * FROM pg_temp.member_orgs_wrong', 'after deletes');

-- through the application role: an admin's direct writes and the API
SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'admin')) IS NOT NULL AS acting \gset
INSERT INTO booking.membership (org_id, user_id, role)
VALUES ('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'student'), 'guardian');
DELETE FROM booking.membership
 WHERE org_id = '00000000-0000-0000-0000-00000000000a' AND user_id = pg_temp.usr('0a', 'guardian');
SELECT is(booking.remove_member_role(pg_temp.usr('0a', 'instructor'), 'instructor'), true,
          'an admin removes a member''s role with booking.remove_member_role');
SELECT throws_ok($$SELECT booking.remove_member_role(pg_temp.usr('0a', 'owner'), 'owner')$$, '42501', NULL,
                 'but not an owner''s (as the policy membership_admin_delete)');
SELECT is((SELECT count(*) FROM booking.app_user WHERE id = pg_temp.usr('0a', 'guardian')),
          0::bigint, 'staff no longer see a user whose last role in the org is gone');
SELECT is((SELECT count(*) FROM booking.app_user WHERE id = pg_temp.usr('0a', 'instructor')),
          1::bigint, 'but still see one with another role left (the instructor is a student too)');
RESET ROLE;
SELECT is_empty('SELECT * FROM pg_temp.member_orgs_wrong', 'after an admin''s insert and delete and remove_member_role');
SELECT throws_ok($$SET ROLE regress_orgs_app; UPDATE booking.app_user SET member_org_ids = '{}' WHERE id = booking.current_user_id()$$,
                 '42501', 'permission denied to write column member_org_ids of table app_user',
                 'a user cannot write their own member_org_ids');
RESET ROLE;

-- deletion of an org and of a user (cascades)
DELETE FROM booking.org WHERE id = '00000000-0000-0000-0000-00000000000b';
SELECT is((SELECT count(*) FROM booking.app_user WHERE '00000000-0000-0000-0000-00000000000b' = ANY (member_org_ids)),
          0::bigint, 'a deleted org leaves no user''s member_org_ids');
DELETE FROM booking.app_user WHERE id = pg_temp.usr('0a', 'student');
SELECT is_empty('SELECT * FROM pg_temp.member_orgs_wrong', 'after the deletion of an org and of a user');
SELECT is(booking.refresh_member_orgs(), 0, 'a full refresh changes nothing: the trigger kept every row');

-- The policy of app_user reads nothing but the row and the identity: every
-- function a policy of schema booking calls is one of the identity's,
-- which answer from the signed identity (src/identity.c) and read no table.
SELECT is_empty($$
  SELECT DISTINCT d.refobjid::regprocedure::text FROM pg_depend d
   WHERE d.classid = 'pg_policy'::regclass AND d.refclassid = 'pg_proc'::regclass
     AND d.refobjid::regprocedure::text <> ALL (ARRAY[
       'booking.current_org_id()', 'booking.current_user_id()', 'booking.acting_is_staff()', 'booking.acting_is_admin()',
       'booking.acting_has_role(booking.org_role)', 'booking.my_resource_ids()', 'booking.my_client_ids()',
       'booking.my_session_ids()', 'booking.my_guardian_ids()', 'booking.sorted_uuids_contain(uuid[],uuid)'])
$$, 'every function a policy calls is an identity function that reads no table');
SELECT is((SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polrelid = 'booking.app_user'::regclass AND polname = 'app_user_org_member'),
          '(booking.acting_is_staff() AND booking.sorted_uuids_contain(member_org_ids, booking.current_org_id()))',
          'app_user_org_member compares the row''s member_org_ids with the acting org');

SELECT * FROM finish();
ROLLBACK;
