-- Seats, holds and the waitlist of sessions.  Seats taken never exceed a
-- session's capacity (checked by the write trigger under
-- booking.lock_session); a hold takes its time or seats until
-- hold_expires_at, and a writer that needs them expires it first
-- (booking.expire_holds), so no sweeper is needed; seats freed go to the
-- waitlist in the same transaction (booking.promote_waitlist).

-- PL/pgSQL, as every function with parameters that queries a tenant table
-- (Citus cannot plan an SQL function's parameters in a query of a
-- distributed table; test/pgtap/schema.sql).
CREATE OR REPLACE FUNCTION booking.seats_taken_except(org_id pg_catalog.uuid, session_id pg_catalog.uuid, except_id pg_catalog.uuid)
  RETURNS pg_catalog.int8
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN (SELECT COALESCE(pg_catalog.sum(b.seats), 0)::pg_catalog.int8
            FROM booking.booking b
           WHERE b.org_id OPERATOR(pg_catalog.=) seats_taken_except.org_id
             AND b.session_id OPERATOR(pg_catalog.=) seats_taken_except.session_id
             AND b.id IS DISTINCT FROM seats_taken_except.except_id
             AND booking.occupies_now(b.status, b.hold_expires_at));
END
$$;
COMMENT ON FUNCTION booking.seats_taken_except(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid) IS
  'booking.seats_taken without one booking (the one being written; NULL: none left out)';

CREATE OR REPLACE FUNCTION booking.seats_taken(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS pg_catalog.int8
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN booking.seats_taken_except(org_id, session_id, NULL);
COMMENT ON FUNCTION booking.seats_taken(pg_catalog.uuid, pg_catalog.uuid) IS
  'seats of a session taken now: the sum of seats of its bookings for which booking.occupies_now holds (as far as the caller sees them)';

-- Hold expiry: a writer that needs the time or seats of an expired hold
-- expires it first (status expired, a system transition).
CREATE OR REPLACE FUNCTION booking.expire_holds(org_id pg_catalog.uuid, resource_id pg_catalog.uuid,
                                     session_id pg_catalog.uuid, during pg_catalog.tstzrange)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  SET booking.reason = 'the hold lapsed'
  SET booking.metadata = '{"event": "hold_lapsed"}'
  AS $$
DECLARE
  n pg_catalog.int4;
BEGIN
  IF expire_holds.session_id IS NOT NULL THEN
    UPDATE booking.booking b SET status = 'expired'
     WHERE b.org_id OPERATOR(pg_catalog.=) expire_holds.org_id
       AND b.session_id OPERATOR(pg_catalog.=) expire_holds.session_id
       AND b.status OPERATOR(pg_catalog.=) 'pending'::booking.booking_status
       AND b.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now();
  ELSE
    UPDATE booking.booking b SET status = 'expired'
     WHERE b.org_id OPERATOR(pg_catalog.=) expire_holds.org_id
       AND b.resource_id OPERATOR(pg_catalog.=) expire_holds.resource_id
       AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
           OPERATOR(pg_catalog.&&) expire_holds.during
       AND b.session_id IS NULL
       AND b.status OPERATOR(pg_catalog.=) 'pending'::booking.booking_status
       AND b.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now();
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.expire_holds(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange) IS
  'internal: set the status of the expired holds of a session (session_id given) or of a resource''s appointments whose padded interval meets during to expired, as a system transition; returns how many';

-- Waitlist promotion: while the first waitlisted booking of the session
-- (by created_at, then id) fits into the free seats, it becomes pending.
-- Strictly first come, first served: a later, smaller entry never passes a
-- waiting larger one, and a newcomer never passes the waitlist (the write
-- trigger refuses it, 23K01).  A session that has started promotes no one
-- (its waitlist expires at the start, a scheduled transition); a waiting
-- entry whose hold has lapsed expires instead of being promoted.  The
-- history rows of this function carry its own reason, never the reason of
-- the change that freed the seats (issue 14).
CREATE OR REPLACE FUNCTION booking.promote_waitlist(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  SET booking.reason = 'a seat became free: promoted from the waitlist'
  SET booking.metadata = '{"event": "waitlist_promotion"}'
  AS $$
DECLARE
  cap pg_catalog.int4;
  candidate pg_catalog.uuid;
  wanted pg_catalog.int4;
  held_until pg_catalog.timestamptz;
  n pg_catalog.int4 := 0;
BEGIN
  PERFORM booking.lock_session(promote_waitlist.org_id, promote_waitlist.session_id);
  SELECT s.capacity INTO cap FROM booking.session s
   WHERE s.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND s.id OPERATOR(pg_catalog.=) promote_waitlist.session_id
     AND s.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status
     AND s.starts_at OPERATOR(pg_catalog.>) pg_catalog.now();
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  -- Seats of lapsed holds are free: expire those holds first, so that no
  -- seat is counted twice (their own promotion round finds this one's work).
  PERFORM booking.expire_holds(promote_waitlist.org_id, NULL, promote_waitlist.session_id, NULL);
  LOOP
    SELECT b.id INTO candidate FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id
       AND b.session_id OPERATOR(pg_catalog.=) promote_waitlist.session_id
       AND b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
     ORDER BY b.created_at, b.id
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    -- Lock it; a concurrent change (its cancellation) wins, then look again.
    SELECT b.seats, b.hold_expires_at INTO wanted, held_until FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND b.id OPERATOR(pg_catalog.=) candidate
       AND b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
     FOR UPDATE;
    CONTINUE WHEN NOT FOUND;
    IF held_until OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
      -- Its hold lapsed while it waited: promoted, it would be a pending
      -- booking that takes no seat.
      PERFORM pg_catalog.set_config('booking.reason', 'the hold lapsed while on the waitlist', true);
      PERFORM pg_catalog.set_config('booking.metadata', '{"event": "hold_lapsed"}', true);
      UPDATE booking.booking b SET status = 'expired'
       WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND b.id OPERATOR(pg_catalog.=) candidate;
      PERFORM pg_catalog.set_config('booking.reason', 'a seat became free: promoted from the waitlist', true);
      PERFORM pg_catalog.set_config('booking.metadata', '{"event": "waitlist_promotion"}', true);
      CONTINUE;
    END IF;
    EXIT WHEN wanted OPERATOR(pg_catalog.>)
              (cap OPERATOR(pg_catalog.-) booking.seats_taken(promote_waitlist.org_id, promote_waitlist.session_id));
    UPDATE booking.booking b SET status = 'pending'
     WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND b.id OPERATOR(pg_catalog.=) candidate;
    n := n OPERATOR(pg_catalog.+) 1;
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.promote_waitlist(pg_catalog.uuid, pg_catalog.uuid) IS
  'move the first waitlisted bookings of a session (first come, first served) to pending while their seats fit, as system transitions; runs by itself when seats are freed; returns how many were promoted';
