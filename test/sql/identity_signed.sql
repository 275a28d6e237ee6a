-- The signed identity (issue 15): booking.act_as() signs org, user, roles
-- and what the policies need about the user, bound to the transaction and
-- an expiry, with a key no role can read; any role may SET LOCAL the value
-- (as Citus does on its worker connections), and only a value signed for
-- this transaction, unaltered and unexpired, is an identity.  Acting as
-- real non-owner roles.
SET client_min_messages = warning;
\i test/sql/include/try.psql

INSERT INTO booking.app_user (id, email, full_name, active) VALUES
  ('00000000-0000-0000-0000-0000000015a1', 'sig.owner@example.com', 'Owner', true),
  ('00000000-0000-0000-0000-0000000015a2', 'sig.student@example.com', 'Student', true),
  ('00000000-0000-0000-0000-0000000015a3', 'sig.instructor@example.com', 'Instructor', true),
  ('00000000-0000-0000-0000-0000000015a4', 'sig.guardian@example.com', 'Guardian', true);
INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  ('00000000-0000-0000-0000-00000000150a', 'Signed A', 'Europe/Berlin', 'EUR'),
  ('00000000-0000-0000-0000-00000000150b', 'Signed B', 'UTC', 'EUR');
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a1', 'owner'),
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a2', 'student'),
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a3', 'instructor'),
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a4', 'guardian'),
  ('00000000-0000-0000-0000-00000000150b', '00000000-0000-0000-0000-0000000015a1', 'owner');
INSERT INTO booking.service (org_id, id, name, duration_minutes) VALUES
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015e1', 'Lesson A', 60),
  ('00000000-0000-0000-0000-00000000150b', '00000000-0000-0000-0000-0000000015e2', 'Lesson B', 60);
INSERT INTO booking.resource (org_id, id, display_name, user_id) VALUES
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015b1', 'Car', '00000000-0000-0000-0000-0000000015a3');
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015c1', 'Student', '00000000-0000-0000-0000-0000000015a2');
INSERT INTO booking.guardian (org_id, id, full_name, user_id) VALUES
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015d1', 'Guardian', '00000000-0000-0000-0000-0000000015a4');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) VALUES
  ('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015c1', '00000000-0000-0000-0000-0000000015d1');

CREATE ROLE regress_sig_pool;    -- trusted: may call act_as
CREATE ROLE regress_sig_app;     -- not trusted
SELECT booking.grant_app_role('regress_sig_pool', trusted => true);
SELECT booking.grant_app_role('regress_sig_app');
GRANT regress_sig_app TO regress_sig_pool;

-- pg_temp.acting(): what the current identity sees, in one line
CREATE FUNCTION pg_temp.acting(OUT org text, OUT roles booking.org_role[], OUT services bigint, OUT maintenance bool)
LANGUAGE sql AS $$
  SELECT right(booking.current_org_id()::text, 4), booking.current_roles(),
         (SELECT count(*) FROM booking.service
           WHERE id IN ('00000000-0000-0000-0000-0000000015e1', '00000000-0000-0000-0000-0000000015e2')),
         booking.writing_as_maintenance()
$$;
GRANT EXECUTE ON FUNCTION pg_temp.acting() TO PUBLIC;

-- 1. act_as signs: the value is "v1.<key>.<payload>.<mac>", and the role
-- that called it, or the value set again by SET LOCAL in the same
-- transaction (what Citus sends a worker), is the identity.
SET ROLE regress_sig_pool;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a2');
SELECT current_setting('booking.identity') ~ '^v1\.[0-9]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]{44}$' AS signed_form;
SELECT * FROM pg_temp.acting();
SELECT current_setting('booking.identity') AS copied \gset
SET LOCAL booking.identity = '';
SELECT * FROM pg_temp.acting();
SET LOCAL booking.identity = :'copied';
SELECT * FROM pg_temp.acting();
COMMIT;

-- 2. A value copied from another transaction is no identity, for the
-- role that made it as for any other.
BEGIN;
SET LOCAL booking.identity = :'copied';
SELECT * FROM pg_temp.acting();
SELECT booking.current_user_id() IS NULL AS no_user, booking.my_client_ids() AS clients;
COMMIT;
RESET ROLE;
SET ROLE regress_sig_app;
BEGIN;
SET LOCAL booking.identity = :'copied';
SELECT * FROM pg_temp.acting();
COMMIT;
RESET ROLE;

-- 3. A forged value is no identity: the student's payload with the owner's
-- role bit, the MAC of another value, a key that does not exist, garbage.
SET ROLE regress_sig_pool;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a2');
SELECT split_part(current_setting('booking.identity'), '.', 2) AS key_id,
       split_part(current_setting('booking.identity'), '.', 3) AS payload,
       split_part(current_setting('booking.identity'), '.', 4) AS mac \gset
-- roles are the 4 bytes after version (1), binding (32), expiry (8), org and user (32)
SELECT 'v1.' || :'key_id' || '.'
       || translate(encode(set_byte(decode(:'payload', 'base64'), 73, 1), 'base64'), E'\n', '')
       || '.' || :'mac' AS forged_roles \gset
SELECT :'forged_roles' <> current_setting('booking.identity') AS altered;
SET LOCAL booking.identity = :'forged_roles';
SELECT * FROM pg_temp.acting();
SET LOCAL booking.identity = :'copied';
SELECT * FROM pg_temp.acting();
SELECT 'v1.' || :'key_id' || '.' || :'payload' || '.' || split_part(:'copied', '.', 4) AS foreign_mac \gset
SET LOCAL booking.identity = :'foreign_mac';
SELECT * FROM pg_temp.acting();
SELECT 'v1.999.' || :'payload' || '.' || :'mac' AS no_such_key \gset
SET LOCAL booking.identity = :'no_such_key';
SELECT * FROM pg_temp.acting();
SET LOCAL booking.identity = 'v1.1.AAAA.AAAA';
SELECT * FROM pg_temp.acting();
SET LOCAL booking.identity = 'v1.1.....';
SELECT * FROM pg_temp.acting();
-- the untouched value still works in its transaction
SELECT 'v1.' || :'key_id' || '.' || :'payload' || '.' || :'mac' AS original \gset
SET LOCAL booking.identity = :'original';
SELECT * FROM pg_temp.acting();
COMMIT;

-- 4. An untrusted role still cannot obtain an identity: no act_as, no
-- unsigned value, and nothing signed it could reuse.
RESET ROLE;
SET ROLE regress_sig_app;
SELECT pg_temp.try($$SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a1')$$);
SELECT pg_temp.try($$SET LOCAL booking.identity = '00000000-0000-0000-0000-00000000150a 00000000-0000-0000-0000-0000000015a1 owner'$$);
SELECT pg_temp.try($$SELECT * FROM booking.identity_key$$);
SELECT pg_temp.try($$SELECT booking.rotate_identity_key()$$);
RESET ROLE;
SET ROLE regress_sig_pool;
SELECT pg_temp.try($$SELECT * FROM booking.identity_key$$);
RESET ROLE;

-- 5. An expired value is no identity (lifetime 1 s, then 1.2 s later).
SET booking.identity_lifetime = 1;
SET ROLE regress_sig_pool;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a1');
SELECT * FROM pg_temp.acting();
SELECT pg_sleep(1.2);
SELECT * FROM pg_temp.acting();
COMMIT;
RESET ROLE;
RESET booking.identity_lifetime;

-- 6. What the policies need travels in the identity: the instructor's
-- resources, the student's client, the guardian's student and guardians.
SET ROLE regress_sig_pool;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a3');
SELECT booking.my_resource_ids(), booking.my_client_ids(), booking.my_session_ids();
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a2');
SELECT booking.my_resource_ids(), booking.my_client_ids(), booking.my_guardian_ids();
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a4');
SELECT booking.my_client_ids(), booking.my_guardian_ids(), (SELECT count(*) FROM booking.client) AS clients_seen;
COMMIT;
RESET ROLE;

-- 7. A superuser who called act_as is that identity, not maintenance, also
-- when the value arrives by SET LOCAL; one presenting a value that does
-- not verify is nobody (not maintenance either); with none it is
-- maintenance.
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a2');
SELECT * FROM pg_temp.acting();
SELECT current_setting('booking.identity') AS su_value \gset
SET LOCAL booking.identity = '';
SELECT * FROM pg_temp.acting();
SET LOCAL booking.identity = :'su_value';
SELECT * FROM pg_temp.acting();
SET LOCAL booking.identity = :'copied';
SELECT * FROM pg_temp.acting();
COMMIT;

-- 8. Rotation: a new key signs; the previous one still verifies what it
-- signed; after a second rotation it is gone and so is that identity.
BEGIN;
SET LOCAL ROLE regress_sig_pool;
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a1');
SELECT current_setting('booking.identity') AS before_rotation \gset
RESET ROLE;
SELECT booking.rotate_identity_key() > :'key_id'::int AS newer_key;
SET LOCAL ROLE regress_sig_pool;
SET LOCAL booking.identity = '';
SET LOCAL booking.identity = :'before_rotation';
SELECT * FROM pg_temp.acting();
SELECT booking.act_as('00000000-0000-0000-0000-00000000150a', '00000000-0000-0000-0000-0000000015a1');
SELECT split_part(current_setting('booking.identity'), '.', 2) <> split_part(:'before_rotation', '.', 2) AS signed_with_new_key;
RESET ROLE;
SELECT booking.rotate_identity_key() IS NOT NULL AS rotated_again;
SELECT count(*) AS keys FROM booking.identity_key;
SET LOCAL ROLE regress_sig_pool;
SET LOCAL booking.identity = :'before_rotation';
SELECT * FROM pg_temp.acting();
COMMIT;

DROP OWNED BY regress_sig_pool, regress_sig_app;
DROP ROLE regress_sig_pool, regress_sig_app;
