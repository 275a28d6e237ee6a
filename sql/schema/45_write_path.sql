-- The write path: every INSERT or UPDATE of a booking, whoever writes it, is
-- checked here (and by the constraints of booking.booking) before it lands.
--
--   * appointments: duration equals the service's; buffers are copied from
--     the service onto the row, and the exclusion constraint
--     booking_no_overlap refuses an overlap of the padded intervals;
--     writers of one resource and local day are serialised by
--     booking.lock_scope (an appointment locks its days and the day
--     before and after, where a neighbour it must leave travel time to can
--     be), under which booking.check_slot judges the time by exactly the
--     solver's rules (working hours, grid, notice, horizon, daily maximum,
--     buffers, travel gap; an owner or admin may override the first five
--     with override_reason, never the others);
--   * sessions: a scheduled session and its resource's appointments never
--     overlap (buffers included), under the same resource-day locks;
--   * sessions: seats taken (booking.seats_taken) never exceed the capacity;
--     writers of one session are serialised by booking.lock_session; a full
--     session takes waitlist entries, and seats freed by a cancellation (or
--     any other change) go to the waitlist in the same transaction
--     (booking.promote_waitlist);
--   * holds: a booking with hold_expires_at takes its time or seats until
--     then; a writer that needs them expires it first, under the lock
--     (booking.expire_holds), so no sweeper is needed;
--   * idempotency: the same key within an org is the same request
--     (booking.book returns the existing booking), a different request with
--     it is an error;
--   * eligibility: license compatibility, age limits, lesson length,
--     prerequisites and parental consent (booking.eligibility_problems).
--
-- SQLSTATEs raised here (documented in the README):
--   22K01 duration does not match the service      23K01 session full
--   22K02 booking does not match its session       23K02 capacity below seats taken
--   22K03 session not bookable (started/cancelled) 23K03 idempotency key reused
--   22K04 waitlist entry without a session         23K04 client not eligible
--   22K05 hold expiry not in the future            23K05 hold expired
--   42501 override_reason by a non-admin           23K06-23K15, 23P01: the solver's
--                                                  rules (booking.check_slot)
-- and from the constraints: 23P01 overlap, 23503 unknown or other org's
-- reference, 23514 malformed values, 22P02 unknown status.

-- The locks of the write path are rows: one per resource and local day, one
-- per session, in booking.write_lock.  Every writer of a scope upserts its
-- row and so holds the row lock until it commits; a concurrent writer of
-- the same scope waits for it.  A row (not an advisory lock) because it also
-- protects REPEATABLE READ and SERIALIZABLE transactions, whatever isolation
-- level the other writer uses: a transaction whose snapshot predates the
-- other writer's commit cannot read that writer's booking, but its upsert
-- of the row the other writer changed fails with 40001 instead of checking
-- an old picture.  READ COMMITTED transactions read a fresh snapshot in
-- each statement of the checks that follow the lock.
CREATE TABLE booking.write_lock (
  org_id    pg_catalog.uuid NOT NULL REFERENCES booking.org (id) ON DELETE CASCADE,
  scope_id  pg_catalog.uuid NOT NULL,
  day       pg_catalog.date NOT NULL,
  writes    pg_catalog.int8 NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, scope_id, day)
);
COMMENT ON TABLE booking.write_lock IS
  'internal: the write path''s locks, one row per resource and local day and one per session (day = infinity); a writer upserts the row of every scope it writes and holds its lock until commit';
COMMENT ON COLUMN booking.write_lock.scope_id IS 'the resource (with day = a local day) or the session (with day = infinity)';
COMMENT ON COLUMN booking.write_lock.writes IS 'number of write transactions that took the lock (a version counter)';
