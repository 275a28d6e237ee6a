-- Identity: the org, user and roles the current transaction acts for, as a
-- value signed by act_as and verified in C by every function below.  See
-- src/identity.c for the format, the key and the transaction binding.
--
-- These functions run in every policy and write trigger.  They resolve no
-- name at run time (C, or SQL-standard bodies whose names are bound when
-- they are created), so they have no SET clause: on PostgreSQL 15 one costs
-- a save and restore of the settings at every call, and it would keep the
-- SQL ones from being inlined.  test/pgtap/schema.sql lists every such
-- exception to the pinned search_path.

CREATE OR REPLACE FUNCTION booking.current_user_id() RETURNS pg_catalog.uuid
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_current_user_id';
COMMENT ON FUNCTION booking.current_user_id() IS
  'user the current transaction acts for (set by booking.act_as), or NULL';

CREATE OR REPLACE FUNCTION booking.current_roles() RETURNS booking.org_role[]
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_current_roles';
COMMENT ON FUNCTION booking.current_roles() IS
  'roles of the acting user in the acting org; empty when no identity is set';

CREATE OR REPLACE FUNCTION booking.acting_is_system() RETURNS pg_catalog.bool
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_acting_is_system';
COMMENT ON FUNCTION booking.acting_is_system() IS
  'true while one of the extension''s own functions (waitlist promotion, the scheduled-transition runner) changes rows for the system; they turn booking.internal on with a SET clause, ordinary roles cannot';

-- Who calls: the role the session acts as at the outer level (SET ROLE's
-- role, else the login role; never the owner a SECURITY DEFINER function
-- runs as), as PostgreSQL's own GetOuterUserId() knows it.
CREATE OR REPLACE FUNCTION booking.caller_bypasses_rls() RETURNS pg_catalog.bool
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_caller_bypasses_rls';
COMMENT ON FUNCTION booking.caller_bypasses_rls() IS
  'true when the role the session acts as (SET ROLE''s role, else the login role; not the owner of a SECURITY DEFINER function) is a superuser or has BYPASSRLS, so that row-level security does not apply to it';

-- THE privileged-caller predicate: who writes data as given, without an
-- identity (pg_restore, data loads).  A superuser or BYPASSRLS role, logged
-- in or through SET ROLE, with no identity set and not the extension's own
-- code acting for the system.  Such writes skip the checks that depend on
-- the time of writing, on who writes or on other rows' current state
-- (eligibility, the solver's rules, a session that has started, a hold's
-- expiry in the past, the life cycle's transition rules and its history);
-- the invariants (overlap, capacity, duration, session match, keys) still
-- hold.  The write path, the life cycle and the append-only logs all ask
-- this one function.
CREATE OR REPLACE FUNCTION booking.writing_as_maintenance() RETURNS pg_catalog.bool
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_writing_as_maintenance';
COMMENT ON FUNCTION booking.writing_as_maintenance() IS
  'true for a superuser or BYPASSRLS caller (logged in or through SET ROLE) that presents no identity (booking.identity empty: a forged, expired or copied value is not maintenance), outside the extension''s system actions: it writes rows as given (restores, data loads); the write path and the life cycle then skip the checks that depend on the time, the writer or other rows, never the invariants';

CREATE OR REPLACE FUNCTION booking.act_as(org_id pg_catalog.uuid, user_id pg_catalog.uuid)
  RETURNS booking.org_role[]
  LANGUAGE c VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_act_as';
COMMENT ON FUNCTION booking.act_as(pg_catalog.uuid, pg_catalog.uuid) IS
  'act for user_id in org_id until the end of the current transaction: signs the identity (org, user, roles, resources, clients, sessions, guardians, the transaction, an expiry) and sets booking.identity to it with SET LOCAL; refuses a user who is not an active member; returns the user''s roles. Only roles granted EXECUTE (see booking.grant_app_role) may call it';

-- Role tests used by the row-level security policies, once per row: in C,
-- answered from the verified identity's cache (a bit test).

CREATE OR REPLACE FUNCTION booking.acting_is_staff() RETURNS pg_catalog.bool
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_acting_is_staff';
COMMENT ON FUNCTION booking.acting_is_staff() IS
  'true when the acting user is owner, admin or staff of the acting org (sees the whole org)';

CREATE OR REPLACE FUNCTION booking.acting_is_admin() RETURNS pg_catalog.bool
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_acting_is_admin';
COMMENT ON FUNCTION booking.acting_is_admin() IS
  'true when the acting user is owner or admin of the acting org';

CREATE OR REPLACE FUNCTION booking.acting_has_role(role booking.org_role) RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT role OPERATOR(pg_catalog.=) ANY (booking.current_roles());
  END;
COMMENT ON FUNCTION booking.acting_has_role(booking.org_role) IS
  'true when the acting user holds role in the acting org';

-- The key act_as signs identities with (booking.identity_key: nobody has a
-- privilege on it; the C code reads it directly).  A DBA rotates it with
-- this function: a new key signs from now on, the previous one still
-- verifies the values it signed (they live one transaction), older ones go.
CREATE OR REPLACE FUNCTION booking.rotate_identity_key() RETURNS pg_catalog.int4
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    DELETE FROM booking.identity_key
     WHERE id OPERATOR(pg_catalog.<) (SELECT pg_catalog.max(k.id) FROM booking.identity_key k);
    INSERT INTO booking.identity_key (secret)
    VALUES (pg_catalog.decode(pg_catalog.replace(pg_catalog.gen_random_uuid()::pg_catalog.text
              OPERATOR(pg_catalog.||) pg_catalog.gen_random_uuid()::pg_catalog.text
              OPERATOR(pg_catalog.||) pg_catalog.gen_random_uuid()::pg_catalog.text, '-', ''), 'hex'))
    RETURNING id;
  END;
COMMENT ON FUNCTION booking.rotate_identity_key() IS
  'make a new key for signing identities and drop all but the previous one; returns the new key''s id. Superuser only (no EXECUTE for PUBLIC)';
