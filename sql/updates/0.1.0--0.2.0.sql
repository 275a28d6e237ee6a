-- 0.1.0 to 0.2.0: the objects created once that change, and the code of
-- 0.1.0 that 0.2.0 no longer has.  Runs after sql/code/00_used_by_tables.sql
-- and before the rest of sql/code/, in the update from 0.1.0 and in every
-- later fresh install (where the DROP ... IF EXISTS find nothing).

-- One privileged-caller predicate (booking.caller_bypasses_rls, and
-- booking.writing_as_maintenance on top of it) replaces the three tests of
-- 0.1.0; writing_as_maintenance is dropped to be created anew, since its
-- 0.1.0 body depends on login_bypasses_rls.
DROP FUNCTION IF EXISTS booking.writing_as_maintenance();
DROP FUNCTION IF EXISTS booking.login_bypasses_rls();
DROP FUNCTION IF EXISTS booking.lifecycle_is_maintenance();

-- The lock wrappers nothing called: booking.lock_scope takes every lock.
DROP FUNCTION IF EXISTS booking.lock_resource_days(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.tstzrange, pg_catalog.int4);
DROP FUNCTION IF EXISTS booking.lock_resource_day(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date);
