-- Scheduling: weekly working hours, availability exceptions, sessions with a
-- capacity, bookings, license compatibility rules and the travel-time cache.

CREATE OR REPLACE FUNCTION booking.status_is_open(status booking.booking_status) RETURNS pg_catalog.bool
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT status OPERATOR(pg_catalog.=) ANY ('{pending,waitlisted,confirmed,in_progress}'::booking.booking_status[]);
  END;
COMMENT ON FUNCTION booking.status_is_open(booking.booking_status) IS
  'true for the statuses of a booking that is not over (the occupying ones and waitlisted); a client or resource with open bookings cannot be deleted';

-- THE predicate of the write path and the solver: a booking row takes its
-- resource's time (an appointment) or its seats (a session booking) now when
-- its status occupies and it is not a hold whose expiry has passed.  An
-- expired hold keeps its status until a writer that needs its time or seats
-- expires it (see booking.expire_holds), so the status alone is not enough.
-- A hold is a pending booking: confirming it ends the hold (the write
-- trigger clears hold_expires_at), and a hold_expires_at left on a booking
-- of another status (0.1.0 kept it when staff confirmed) counts for nothing.
CREATE OR REPLACE FUNCTION booking.occupies_now(status booking.booking_status, hold_expires_at pg_catalog.timestamptz)
  RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT booking.status_occupies(status)
           AND (status OPERATOR(pg_catalog.<>) 'pending'::booking.booking_status OR hold_expires_at IS NULL
                OR hold_expires_at OPERATOR(pg_catalog.>) pg_catalog.now());
  END;
COMMENT ON FUNCTION booking.occupies_now(booking.booking_status, pg_catalog.timestamptz) IS
  'the one predicate for "this booking takes the resource''s time or its seats now": an occupying status (pending, confirmed, in_progress) and not a hold (a pending booking) whose hold_expires_at has passed (now() is the transaction''s start)';
