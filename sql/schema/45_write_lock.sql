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
