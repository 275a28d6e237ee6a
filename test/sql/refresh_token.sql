-- Refresh tokens: a login starts a rotation family; each use exchanges the
-- token for a new one; a used token presented again revokes the family
-- (reuse detection); unknown, wrong, expired and revoked tokens are refused.
-- Called by a trusted application role; others may not.
SET client_min_messages = warning;
\i test/sql/include/try.psql
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-00000000f0a1', 'tokens@example.com', 'Token User');
CREATE ROLE regress_token_app;
CREATE ROLE regress_token_plain;
SELECT booking.grant_app_role('regress_token_app', trusted => true);
SELECT booking.grant_app_role('regress_token_plain');

SET ROLE regress_token_app;
SELECT booking.issue_refresh_token('00000000-0000-0000-0000-00000000f0a1', 'jti-login-1', '\x00112233445566778899aabbccddeeff',
                                   now() + interval '30 days') AS family \gset
-- the right hash: a new token of the same family
SELECT user_id, outcome FROM booking.rotate_refresh_token('jti-login-1', '\x00112233445566778899aabbccddeeff',
                                                          'jti-login-2', '\x11112233445566778899aabbccddeeff', now() + interval '30 days');
-- a wrong hash, an unknown jti: invalid, and nothing changes
SELECT user_id, outcome FROM booking.rotate_refresh_token('jti-login-2', '\xffffffffffffffffffffffffffffffff',
                                                          'jti-login-x', '\x22222233445566778899aabbccddeeff', now() + interval '30 days');
SELECT user_id, outcome FROM booking.rotate_refresh_token('jti-nobody-0', '\x11112233445566778899aabbccddeeff',
                                                          'jti-login-x', '\x22222233445566778899aabbccddeeff', now() + interval '30 days');
-- the current token rotates again
SELECT user_id, outcome FROM booking.rotate_refresh_token('jti-login-2', '\x11112233445566778899aabbccddeeff',
                                                          'jti-login-3', '\x33332233445566778899aabbccddeeff', now() + interval '30 days');
-- the first token once more: somebody kept a copy; the whole family is revoked
SELECT user_id, outcome FROM booking.rotate_refresh_token('jti-login-1', '\x00112233445566778899aabbccddeeff',
                                                          'jti-login-4', '\x44442233445566778899aabbccddeeff', now() + interval '30 days');
-- so the newest token no longer works either
SELECT user_id, outcome FROM booking.rotate_refresh_token('jti-login-3', '\x33332233445566778899aabbccddeeff',
                                                          'jti-login-5', '\x55552233445566778899aabbccddeeff', now() + interval '30 days');
RESET ROLE;
SELECT jti, used, revoked_at IS NOT NULL AS revoked, rotation_id = :'family' AS same_family
  FROM booking.refresh_token ORDER BY created_at, jti;

-- an expired token: refused, not rotated
SET ROLE regress_token_app;
SELECT booking.issue_refresh_token('00000000-0000-0000-0000-00000000f0a1', 'jti-short-1', '\x66662233445566778899aabbccddeeff',
                                   now() + interval '1 millisecond') IS NOT NULL AS issued;
SELECT pg_sleep(0.01);
SELECT user_id, outcome FROM booking.rotate_refresh_token('jti-short-1', '\x66662233445566778899aabbccddeeff',
                                                          'jti-short-2', '\x77772233445566778899aabbccddeeff', now() + interval '30 days');
-- bad input: the table's checks
SELECT pg_temp.try($$SELECT booking.issue_refresh_token('00000000-0000-0000-0000-00000000f0a1', 'short', '\x00', now() + interval '1 day')$$) AS too_short;
SELECT pg_temp.try($$SELECT booking.issue_refresh_token('00000000-0000-0000-0000-00000000f0a1', 'jti-past-1', '\x00112233445566778899aabbccddeeff', now() - interval '1 day')$$) AS in_the_past;
SELECT pg_temp.try($$SELECT booking.issue_refresh_token('00000000-0000-0000-0000-0000000000ff', 'jti-ghost-1', '\x00112233445566778899aabbccddeeff', now() + interval '1 day')$$) AS unknown_user;
SELECT pg_temp.try($$SELECT booking.issue_refresh_token('00000000-0000-0000-0000-00000000f0a1', 'jti-login-1', '\x00112233445566778899aabbccddeeff', now() + interval '1 day')$$) AS jti_again;
RESET ROLE;

-- a deactivated user's token: refused, and its family revoked
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-00000000f0a2', 'leaver@example.com', 'Leaver');
SET ROLE regress_token_app;
SELECT booking.issue_refresh_token('00000000-0000-0000-0000-00000000f0a2', 'jti-leaver-1', '\x88882233445566778899aabbccddeeff',
                                   now() + interval '30 days') IS NOT NULL AS issued;
RESET ROLE;
UPDATE booking.app_user SET active = false WHERE id = '00000000-0000-0000-0000-00000000f0a2';
SET ROLE regress_token_app;
SELECT user_id, outcome FROM booking.rotate_refresh_token('jti-leaver-1', '\x88882233445566778899aabbccddeeff',
                                                          'jti-leaver-2', '\x99992233445566778899aabbccddeeff', now() + interval '30 days');
RESET ROLE;
SELECT jti, used, revoked_at IS NOT NULL AS revoked FROM booking.refresh_token
 WHERE user_id = '00000000-0000-0000-0000-00000000f0a2' ORDER BY jti;

-- an untrusted application role may neither issue nor rotate
SET ROLE regress_token_plain;
SELECT pg_temp.try($$SELECT booking.issue_refresh_token('00000000-0000-0000-0000-00000000f0a1', 'jti-plain-1', '\x00112233445566778899aabbccddeeff', now() + interval '1 day')$$) AS plain_issue;
SELECT pg_temp.try($$SELECT booking.rotate_refresh_token('jti-login-3', '\x33332233445566778899aabbccddeeff', 'jti-plain-2', '\x00112233445566778899aabbccddeeff', now() + interval '1 day')$$) AS plain_rotate;
RESET ROLE;

DROP OWNED BY regress_token_app;
DROP OWNED BY regress_token_plain;
DROP ROLE regress_token_app;
DROP ROLE regress_token_plain;
