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

-- Issue 14: seats, holds and the waitlist.
-- The runner promotes the waitlists of sessions with a lapsed hold
-- (booking.run_due_transitions); this index finds those holds.
CREATE INDEX booking_session_hold_idx ON booking.booking (hold_expires_at)
  WHERE session_id IS NOT NULL AND hold_expires_at IS NOT NULL
    AND status OPERATOR(pg_catalog.=) ANY ('{pending,waitlisted}'::booking.booking_status[]);
-- A waitlisted booking now expires when its session starts (a scheduled
-- transition, booking.lifecycle_schedule): the waiting entries of 0.1.0 get
-- theirs.
INSERT INTO booking.scheduled_transition
  (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
SELECT b.org_id, b.id, 'expiry', 'expired', b.starts_at, '{waitlisted}', b.starts_at,
       'still waitlisted when the session started'
  FROM booking.booking b
 WHERE b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status;
