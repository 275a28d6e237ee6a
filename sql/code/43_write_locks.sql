-- The write path's locks: rows of booking.write_lock, one per resource and
-- local day and one per session (see sql/schema/45_write_lock.sql for why
-- rows).  An appointment's writer locks the local days of its padded
-- interval and the day before and after (a travel neighbour can be there);
-- a session's writer locks the session.  Always in ascending order, so that
-- two writers never wait for each other in opposite orders.

-- The one upsert of the locks: the rows of one scope for the given days, in
-- the array's order (callers pass dates in ascending order, so that two
-- writers never take the same rows in opposite orders).
CREATE OR REPLACE FUNCTION booking.lock_scope(org_id pg_catalog.uuid, scope_id pg_catalog.uuid, days pg_catalog.date[])
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  d pg_catalog.date;
BEGIN
  -- one row a statement, in the order given: on Citus each is a router
  -- INSERT of one shard (an INSERT ... SELECT went through an intermediate
  -- result, a COPY into the shard, on every appointment written)
  FOREACH d IN ARRAY days LOOP
    INSERT INTO booking.write_lock AS w (org_id, scope_id, day)
    VALUES (lock_scope.org_id, lock_scope.scope_id, d)
    ON CONFLICT ON CONSTRAINT write_lock_pkey DO UPDATE SET writes = w.writes OPERATOR(pg_catalog.+) 1;
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.lock_scope(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date[]) IS
  'internal: take the write locks of one scope (a resource on the given local days, or a session with day infinity) until the end of the transaction, in the order given; a REPEATABLE READ or SERIALIZABLE transaction that missed a concurrent writer''s commit fails here with 40001';

-- The local days a writer of an interval locks: in C, since it runs for
-- every appointment written, and without a SET clause (it resolves no name).
CREATE OR REPLACE FUNCTION booking.local_days(zone pg_catalog.text, during pg_catalog.tstzrange, margin pg_catalog.int4)
  RETURNS pg_catalog.date[]
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_local_days';
COMMENT ON FUNCTION booking.local_days(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.int4) IS
  'the local dates (in zone) the instants of during fall on, and margin days before and after, in ascending order (at most 1,000 days, margin 0 to 1,000): the days whose write locks a writer of during takes';

CREATE OR REPLACE FUNCTION booking.lock_session(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.lock_scope(org_id, session_id, ARRAY['infinity'::pg_catalog.date]);
  END;
COMMENT ON FUNCTION booking.lock_session(pg_catalog.uuid, pg_catalog.uuid) IS
  'serialise the writers of one session''s seats and capacity until the end of the transaction (a row lock in booking.write_lock, like booking.lock_resource_day)';
