-- Enrolment by invitation (issue 21): nobody joins an org, and no record of
-- an org is linked to a login, without the user's acceptance; staff read a
-- platform user's e-mail and phone only once the user is a member.  Acted
-- as the real roles: owner, admin and student of org A through the trusted
-- pooled role (act_as), the invited user through the same role (it
-- authenticated them).  Before sql/code/92_enrolment.sql an admin's INSERT
-- INTO booking.membership of any user id succeeded and the next SELECT
-- returned that user's e-mail and phone; so did an UPDATE of a membership
-- to another user id, and a client record linked to any user.
BEGIN;
SET client_min_messages = warning;
\ir include/two_orgs.psql
SELECT plan(50);

-- a platform user of no org, and a second one
INSERT INTO booking.app_user (id, email, full_name, phone) VALUES
  ('00000000-0000-0000-00f1-000000000000', 'Outsider@Platform.example', 'Out Sider', '+1 555 0101'),
  ('00000000-0000-0000-00f2-000000000000', 'second@platform.example', 'Sec Ond', '+1 555 0102');
INSERT INTO booking.client (org_id, id, full_name)
VALUES ('00000000-0000-0000-0000-00000000000a', pg_temp.id('0a', 'invited'), 'Invited Student');
CREATE TEMP TABLE token (name text PRIMARY KEY, invitation_id uuid, token text);
GRANT ALL ON token TO regress_orgs_app;

SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'admin')) IS NOT NULL AS acting;

-- Direct enrolment is refused, whichever user and role.
SELECT throws_ok($$INSERT INTO booking.membership (org_id, user_id, role)
                   VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-00f1-000000000000', 'student')$$,
                 '42501', 'a membership is made by accepting an invitation',
                 'an admin cannot enrol a platform user by id');
SELECT throws_ok($$INSERT INTO booking.membership (org_id, user_id, role)
                   VALUES ('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0b', 'student'), 'student')$$,
                 '42501', 'a membership is made by accepting an invitation',
                 'nor a member of another org');
SELECT throws_ok($$INSERT INTO booking.membership (org_id, user_id, role)
                   VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-00ff-000000000000', 'student')$$,
                 '42501', 'a membership is made by accepting an invitation',
                 'an unknown user id gets the same answer');
SELECT throws_ok($$UPDATE booking.membership SET user_id = '00000000-0000-0000-00f1-000000000000'
                    WHERE user_id = pg_temp.usr('0a', 'student')$$,
                 '42501', NULL, 'an admin cannot move a membership to another user');
SELECT throws_ok($$UPDATE booking.client SET user_id = '00000000-0000-0000-00f1-000000000000'
                    WHERE id = pg_temp.id('0a', 'c1')$$,
                 '42501', 'user_id of table client must be a member of the org',
                 'an admin cannot link a client record to a platform user');
SELECT throws_ok($$INSERT INTO booking.client (full_name, user_id) VALUES ('Linked', '00000000-0000-0000-00f1-000000000000')$$,
                 '42501', 'user_id of table client must be a member of the org',
                 'nor create one linked to them');
SELECT throws_ok($$INSERT INTO booking.guardian (full_name, user_id) VALUES ('Linked', '00000000-0000-0000-00f1-000000000000')$$,
                 '42501', 'user_id of table guardian must be a member of the org',
                 'nor a guardian record');
SELECT throws_ok($$UPDATE booking.resource SET user_id = '00000000-0000-0000-00f1-000000000000'
                    WHERE id = pg_temp.id('0a', 'r1')$$,
                 '42501', 'user_id of table resource must be a member of the org',
                 'nor a resource');
SELECT lives_ok($$UPDATE booking.client SET user_id = pg_temp.usr('0a', 'guardian') WHERE id = pg_temp.id('0a', 'c1')$$,
                'a record is linked to a member of the org');
SELECT lives_ok($$INSERT INTO booking.membership (user_id, role) VALUES (pg_temp.usr('0a', 'staff'), 'instructor')$$,
                'an admin gives a member another role');
SELECT is((SELECT count(*) FROM booking.app_user WHERE id = '00000000-0000-0000-00f1-000000000000'), 0::bigint,
          'staff see nothing of a platform user who is no member');
SELECT is((SELECT count(*) FROM booking.app_user WHERE id = pg_temp.usr('0b', 'student')), 0::bigint,
          'nor of a member of another org');

-- Invitations: an admin invites by e-mail (any case) and by user id.
INSERT INTO token SELECT 'by email', * FROM booking.invite(email => 'outsider@platform.EXAMPLE', role => 'student',
                                                          client_id => pg_temp.id('0a', 'invited'));
INSERT INTO token SELECT 'by id', * FROM booking.invite(user_id => '00000000-0000-0000-00f2-000000000000', role => 'instructor');
INSERT INTO token SELECT 'short', * FROM booking.invite(user_id => '00000000-0000-0000-00f2-000000000000', role => 'staff',
                                                       valid_for => '1 minute');
SELECT is((SELECT count(*) FROM token WHERE token ~ '^[0-9a-f]{64}$'), 3::bigint, 'invite returns a token of 64 hex digits');
SELECT is((SELECT count(*) FROM booking.invitation i JOIN token t ON t.invitation_id = i.id
            WHERE i.invited_by = pg_temp.usr('0a', 'admin') AND i.accepted_at IS NULL
              AND i.token_hash = sha256(convert_to(t.token, 'UTF8'))),
          3::bigint, 'the admin reads the invitations (the token only as its hash)');
SELECT throws_ok($$SELECT * FROM booking.invite(email => 'x@platform.example', role => 'owner')$$,
                 '42501', 'only an owner invites an owner', 'an admin does not invite an owner');
SELECT throws_ok($$SELECT * FROM booking.invite(email => 'x@platform.example', client_id => pg_temp.id('0b', 'c1'))$$,
                 '23503', 'no such client in the acting org', 'nor to a client record of another org');
SELECT throws_ok($$SELECT * FROM booking.invite(role => 'student')$$, '22004', NULL, 'an invitation needs an addressee');
SELECT throws_ok($$SELECT * FROM booking.invite(email => 'x@platform.example', valid_for => '1 year')$$, '22023', NULL,
                 'an invitation lasts at most 90 days');
SELECT throws_ok($$INSERT INTO booking.invitation (email, role, token_hash, expires_at)
                   VALUES ('x@platform.example', 'student', sha256('x'), now() + interval '1 day')$$,
                 '42501', NULL, 'an invitation is written by booking.invite only');
SELECT throws_ok($$UPDATE booking.invitation SET expires_at = now() + interval '80 days'$$,
                 '42501', NULL, 'nor changed');
-- the short one lapses (as if a minute had passed)
RESET ROLE;
UPDATE booking.invitation SET expires_at = now() - interval '1 second'
 WHERE id = (SELECT invitation_id FROM token WHERE name = 'short');
SET ROLE regress_orgs_app;

-- A student does not invite.
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'student')) IS NOT NULL AS acting;
SELECT throws_ok($$SELECT * FROM booking.invite(email => 'x@platform.example')$$,
                 '42501', 'only an owner or admin of the acting org invites', 'a student does not invite');
SELECT is((SELECT count(*) FROM booking.invitation), 0::bigint, 'nor reads the invitations');

-- Acceptance: by the invited user with the token, nobody else.
CREATE FUNCTION pg_temp.accept(org text, usr uuid, tok text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN booking.accept_invitation(('00000000-0000-0000-0000-0000000000' || org)::uuid, usr, tok)::text;
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
-- (acting as A's student: accepting for another user is refused too)
SELECT is(pg_temp.accept('0a', '00000000-0000-0000-00f1-000000000000', (SELECT token FROM token WHERE name = 'by email')),
          '42501 no valid invitation', 'an invitation is not accepted for another user than the acting one');
-- no identity from here (the superuser clears it, as a new transaction
-- of the pooled role would): the trusted role vouches for the user
RESET ROLE;
SET LOCAL booking.identity = '';
SET ROLE regress_orgs_app;
SELECT results_eq(
  $$SELECT x FROM (VALUES
      (pg_temp.accept('0a', pg_temp.usr('0a', 'student'), (SELECT token FROM token WHERE name = 'by email'))),
      (pg_temp.accept('0b', '00000000-0000-0000-00f1-000000000000', (SELECT token FROM token WHERE name = 'by email'))),
      (pg_temp.accept('0a', '00000000-0000-0000-00f1-000000000000', 'ff' || (SELECT token FROM token WHERE name = 'by email'))),
      (pg_temp.accept('0a', '00000000-0000-0000-00f1-000000000000', NULL)),
      (pg_temp.accept('0a', '00000000-0000-0000-00f1-000000000000', (SELECT token FROM token WHERE name = 'by id'))),
      (pg_temp.accept('0a', '00000000-0000-0000-00f2-000000000000', (SELECT token FROM token WHERE name = 'short')))) v(x)$$,
  $$VALUES ('42501 no valid invitation'), ('42501 no valid invitation'), ('42501 no valid invitation'),
           ('42501 no valid invitation'), ('42501 no valid invitation'), ('42501 no valid invitation')$$,
  'another user, another org, a wrong or no token, another''s invitation, an expired one: one answer');
SELECT is((SELECT count(*) FROM booking.membership WHERE user_id = '00000000-0000-0000-00f1-000000000000'), 0::bigint,
          'no membership yet');
SELECT is(pg_temp.accept('0a', '00000000-0000-0000-00f1-000000000000', (SELECT token FROM token WHERE name = 'by email')),
          'student', 'the invited user accepts with the token (the e-mail compared case-insensitively)');
SELECT is(pg_temp.accept('0a', '00000000-0000-0000-00f1-000000000000', (SELECT token FROM token WHERE name = 'by email')),
          '42501 no valid invitation', 'a token is used once');
SELECT is(pg_temp.accept('0a', '00000000-0000-0000-00f2-000000000000', (SELECT token FROM token WHERE name = 'by id')),
          'instructor', 'an invitation by user id is accepted by that user');

-- Now the org sees them, as it sees its members.
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'admin')) IS NOT NULL AS acting;
SELECT results_eq($$SELECT role::text FROM booking.membership WHERE user_id = '00000000-0000-0000-00f1-000000000000'$$,
                  $$VALUES ('student')$$, 'the membership is there');
SELECT results_eq($$SELECT email::text, phone FROM booking.app_user WHERE id = '00000000-0000-0000-00f1-000000000000'$$,
                  $$VALUES ('Outsider@Platform.example', '+1 555 0101')$$,
                  'staff read a member''s e-mail and phone');
SELECT results_eq($$SELECT user_id FROM booking.client WHERE id = pg_temp.id('0a', 'invited')$$,
                  $$VALUES ('00000000-0000-0000-00f1-000000000000'::uuid)$$,
                  'accepting linked the invitation''s client record');
SELECT results_eq($$SELECT accepted_by FROM booking.invitation WHERE id = (SELECT invitation_id FROM token WHERE name = 'by email')$$,
                  $$VALUES ('00000000-0000-0000-00f1-000000000000'::uuid)$$, 'the invitation records who accepted');
SELECT lives_ok($$UPDATE booking.resource SET user_id = '00000000-0000-0000-00f2-000000000000' WHERE id = pg_temp.id('0a', 'r1')$$,
                'a member is linked to a resource');
SELECT is((SELECT count(*) FROM booking.app_user WHERE id = pg_temp.usr('0b', 'student')), 0::bigint,
          'still nothing of a member of another org');
SELECT lives_ok($$DELETE FROM booking.invitation WHERE id = (SELECT invitation_id FROM token WHERE name = 'short')$$,
                'an admin withdraws an invitation');

-- An owner invites an owner; create_org still makes its owner.
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'owner')) IS NOT NULL AS acting;
SELECT lives_ok($$INSERT INTO token SELECT 'owner', * FROM booking.invite(user_id => pg_temp.usr('0b', 'owner'), role => 'owner')$$,
                'an owner invites an owner');
SELECT throws_ok($$INSERT INTO booking.membership (org_id, user_id, role)
                   VALUES ('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0b', 'owner'), 'owner')$$,
                 '42501', 'a membership is made by accepting an invitation', 'an owner does not enrol directly either');
RESET ROLE;
SET LOCAL booking.identity = '';
SET ROLE regress_orgs_app;
SELECT ok(booking.create_org('Third', 'Europe/Berlin', 'EUR', '00000000-0000-0000-00f2-000000000000') IS NOT NULL,
          'create_org makes its owner''s membership');

-- E-mail: a user''s own change does not tell whether another account has
-- the address.  Before, UPDATE booking.app_user SET email = <taken> of
-- oneself answered 23505 (and <free> succeeded).
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-00f1-000000000000') IS NOT NULL AS acting;
SELECT throws_ok($$UPDATE booking.app_user SET email = 'second@platform.example' WHERE id = booking.current_user_id()$$,
                 '42501', 'permission denied to write column email of table app_user',
                 'a direct change of one''s e-mail is refused, for a taken address ...');
SELECT throws_ok($$UPDATE booking.app_user SET email = 'free@platform.example' WHERE id = booking.current_user_id()$$,
                 '42501', 'permission denied to write column email of table app_user',
                 '... and for a free one alike');
SELECT lives_ok($$UPDATE booking.app_user SET full_name = 'Out Sider Jr', phone = '+1 555 0199' WHERE id = booking.current_user_id()$$,
                'name and phone stay the user''s');
INSERT INTO token VALUES ('taken', NULL, booking.request_email_change('00000000-0000-0000-00f1-000000000000', 'SECOND@platform.example'));
SELECT ok((SELECT token FROM token WHERE name = 'taken') ~ '^[0-9a-f]{64}$', 'asking for a taken address answers like any other');
SELECT throws_ok($$SELECT booking.request_email_change('00000000-0000-0000-00f2-000000000000', 'x@platform.example')$$,
                 '42501', 'no e-mail change for this user', 'nobody asks for another user');
SELECT throws_ok($$SELECT booking.confirm_email_change('00000000-0000-0000-00f1-000000000000', 'ff')$$,
                 '42501', 'no valid e-mail change', 'a wrong token is refused');
SELECT throws_ok($$SELECT booking.confirm_email_change('00000000-0000-0000-00f1-000000000000', (SELECT token FROM token WHERE name = 'taken'))$$,
                 '23505', 'this e-mail address belongs to another account',
                 'only the holder of the new mailbox (who has the token) learns it is taken');
INSERT INTO token VALUES ('free', NULL, booking.request_email_change('00000000-0000-0000-00f1-000000000000', 'free@platform.example'));
SELECT results_eq($$SELECT new_email::text FROM booking.email_change$$, $$VALUES ('free@platform.example')$$,
                  'the user reads their pending change (a new request replaced the old)');
SELECT is(booking.confirm_email_change('00000000-0000-0000-00f1-000000000000', (SELECT token FROM token WHERE name = 'free'))::text,
          'free@platform.example', 'a confirmed change applies');
SELECT results_eq($$SELECT email::text FROM booking.app_user WHERE id = booking.current_user_id()$$,
                  $$VALUES ('free@platform.example')$$, 'the address is changed');
RESET ROLE;
SET ROLE regress_orgs_untrusted;
SELECT throws_ok($$SELECT booking.request_email_change('00000000-0000-0000-00f1-000000000000', 'y@platform.example')$$,
                 '42501', NULL, 'an untrusted role does not ask for e-mail changes');
SELECT throws_ok($$SELECT booking.accept_invitation('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-00f1-000000000000', 'x')$$,
                 '42501', NULL, 'nor accepts invitations for users');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
