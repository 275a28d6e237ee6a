-- The acting identity: only booking.act_as() sets it, only for members, only
-- for the current transaction; roles not trusted with act_as cannot forge it.
SET client_min_messages = warning;
\i test/sql/include/try.psql

INSERT INTO booking.app_user (id, email, full_name, active) VALUES
  ('00000000-0000-0000-0000-0000000001a1', 'id.admin@example.com', 'Admin', true),
  ('00000000-0000-0000-0000-0000000001a2', 'id.student@example.com', 'Student', true),
  ('00000000-0000-0000-0000-0000000001a3', 'id.gone@example.com', 'Inactive', false);
INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  ('00000000-0000-0000-0000-00000000010a', 'Identity A', 'Europe/Berlin', 'EUR'),
  ('00000000-0000-0000-0000-00000000010b', 'Identity B', 'UTC', 'USD');
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  ('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a1', 'admin'),
  ('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a1', 'instructor'),
  ('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a2', 'student'),
  ('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a3', 'staff');

CREATE ROLE regress_pool;        -- a trusted pooler role: may call act_as
CREATE ROLE regress_login;       -- an application role that is not trusted
SELECT booking.grant_app_role('regress_pool', trusted => true);
SELECT booking.grant_app_role('regress_login');

SET ROLE regress_pool;
-- no identity: nothing is visible
SELECT booking.current_org_id(), booking.current_user_id(), booking.current_roles();
SELECT count(*) FROM booking.org;
-- the parameter cannot be set directly, in any way
SELECT pg_temp.try($$SET booking.identity = '00000000-0000-0000-0000-00000000010a 00000000-0000-0000-0000-0000000001a1 owner'$$);
SELECT pg_temp.try($$SELECT set_config('booking.identity', '00000000-0000-0000-0000-00000000010a 00000000-0000-0000-0000-0000000001a1 owner', true)$$);
SELECT pg_temp.try($$SET booking.org_id = '00000000-0000-0000-0000-00000000010a'$$);
SELECT pg_temp.try($$ALTER ROLE regress_pool SET booking.identity = 'x'$$);
-- act_as refuses non-members, inactive users and NULLs
SELECT pg_temp.try($$SELECT booking.act_as('00000000-0000-0000-0000-00000000010b', '00000000-0000-0000-0000-0000000001a1')$$);
SELECT pg_temp.try($$SELECT booking.act_as('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a3')$$);
SELECT pg_temp.try($$SELECT booking.act_as(NULL, '00000000-0000-0000-0000-0000000001a1')$$);
SELECT pg_temp.try($$SELECT booking.act_as('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000009a9')$$);

-- an identity lasts until the end of the transaction
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a1');
SELECT booking.current_org_id(), booking.current_user_id(), booking.current_roles(),
       booking.acting_is_staff(), booking.acting_is_admin(), booking.acting_has_role('owner');
SELECT name FROM booking.org;
-- a savepoint rolled back restores the identity before it
SAVEPOINT s;
SELECT booking.act_as('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a2');
SELECT booking.current_roles();
ROLLBACK TO SAVEPOINT s;
SELECT booking.current_roles();
COMMIT;
SELECT booking.current_org_id(), booking.current_roles();
SELECT count(*) FROM booking.org;
-- and ends with a rollback too
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a2');
ROLLBACK;
SELECT booking.current_user_id();
RESET ROLE;

-- an untrusted role cannot call act_as at all, nor the account functions
SET ROLE regress_login;
SELECT pg_temp.try($$SELECT booking.act_as('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a2')$$);
SELECT pg_temp.try($$SELECT booking.register_user('x@example.com', 'X')$$);
SELECT pg_temp.try($$SELECT booking.create_org('X', 'UTC', 'EUR', '00000000-0000-0000-0000-0000000001a2')$$);
SELECT pg_temp.try($$SELECT booking.grant_app_role('regress_login', true)$$);
SELECT count(*) FROM booking.booking;
RESET ROLE;

-- a superuser may set the parameter directly (for maintenance and tests)
BEGIN;
SET LOCAL booking.identity = '00000000-0000-0000-0000-00000000010b 00000000-0000-0000-0000-0000000001a1 owner,staff';
SELECT booking.current_org_id(), booking.current_roles();
COMMIT;

-- the audit log records membership changes made by an acting user
BEGIN;
SET LOCAL ROLE regress_pool;
SELECT booking.act_as('00000000-0000-0000-0000-00000000010a', '00000000-0000-0000-0000-0000000001a1');
INSERT INTO booking.membership (user_id, role) VALUES ('00000000-0000-0000-0000-0000000001a2', 'guardian');
SELECT pg_temp.try($$INSERT INTO booking.membership (user_id, role) VALUES ('00000000-0000-0000-0000-0000000001a2', 'owner')$$);
SELECT action, entity, entity_id, actor_user_id FROM booking.audit_log;
SELECT pg_temp.try($$UPDATE booking.audit_log SET action = 'forged'$$), pg_temp.try($$DELETE FROM booking.audit_log$$);
COMMIT;

DROP OWNED BY regress_pool, regress_login;
DROP ROLE regress_pool, regress_login;
