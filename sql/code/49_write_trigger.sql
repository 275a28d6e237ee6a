-- The write path: every INSERT or UPDATE of a booking, whoever writes it, is
-- checked by the triggers of this file (and by the constraints of
-- booking.booking) before it lands.  What it relies on lives beside it:
-- sql/code/43_write_locks.sql, 44_seats.sql (seats, holds, waitlist),
-- 45_eligibility.sql, 46_idempotency.sql, 48_solver.sql (check_slot) and,
-- for sessions, 50_session_triggers.sql; the life cycle's triggers are in
-- 96_lifecycle_api.sql.
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
--
-- The triggers of booking.booking, in the order PostgreSQL fires them (by
-- timing, then by name); test/pgtap/schema.sql holds the same list:
--
--   BEFORE INSERT OR UPDATE, each row:
--     0. a1_org_guard, a2_column_owner (86_guards.sql) the row's org is the
--                           acting org; money, holds, overrides, author
--                           written only by staff or the engine
--     1. lifecycle_check    (96_lifecycle_api.sql) the transition is allowed
--                           for the acting user or the system; refusals 23K..
--                           of the life cycle; cancellation and reschedule
--                           fields filled in
--     2. money_price        (72_pricing.sql) price, currency, fee and share
--                           from the rate card (kept on UPDATE)
--     3. touch_updated_at   (85_triggers.sql, UPDATE only) updated_at := now()
--     4. write_check        (this file) buffers, fingerprint, session fields,
--                           holds, seats, the day locks and the solver's
--                           rules, eligibility
--   AFTER, each row:
--     5. booking_reach      (89_reach.sql, INSERT, DELETE, UPDATE of
--                           client_id, resource_id, session_id) who reaches
--                           the booking's rows: carried to its payment,
--                           invoice, history and client (row-level security)
--        lesson_follow      (61_tracking.sql, UPDATE of status, resource_id,
--                           client_id) starts, ends or closes the lesson;
--                           carries a new resource or client down to it
--     6. lifecycle_record_insert / lifecycle_record_update
--                           (96_lifecycle_api.sql) history, outbox event,
--                           scheduled transitions, a cancellation's refund
--     7. money_invoice      (75_invoices.sql) a confirmed booking's invoice
--     8. write_release / write_release_delete
--                           (this file) seats freed go to the waitlist
--
-- Who writes without an identity (restores, data loads) is decided by one
-- predicate, booking.writing_as_maintenance() (sql/code/02_identity.sql).

CREATE OR REPLACE FUNCTION booking.tg_write_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  is_insert pg_catalog.bool := TG_OP OPERATOR(pg_catalog.=) 'INSERT';
  maintenance pg_catalog.bool := false;
  zone pg_catalog.text;
  svc record;
  ses record;
  occupies pg_catalog.bool;
  claims pg_catalog.bool;
  padded pg_catalog.tstzrange;
  d pg_catalog.date;
  free pg_catalog.int8;
  cap pg_catalog.int4;
  problems pg_catalog.text;
  rules pg_catalog.text[];
  stored_fingerprint pg_catalog.text;
BEGIN
  IF is_insert THEN
    -- A writer without the org's identity learns nothing from our checks
    -- (this runs before row-level security's WITH CHECK).
    IF NEW.org_id IS DISTINCT FROM booking.current_org_id() AND NOT booking.caller_bypasses_rls() THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'new row violates row-level security policy for table "booking"',
        DETAIL = 'The booking''s org is not the acting org.';
    END IF;
    maintenance := booking.writing_as_maintenance();
    -- A restore or data load brings the fingerprint of the request as it
    -- was first sent (before this trigger filled in a session's fields):
    -- kept, so that a retry still matches (issue 14).
    IF maintenance AND NEW.idempotency_key IS NOT NULL AND NEW.idempotency_fingerprint IS NOT NULL THEN
      NULL;
    ELSIF NEW.idempotency_key IS NOT NULL THEN
      NEW.idempotency_fingerprint := booking.request_fingerprint(ROW(NEW.*)::booking.booking);
    ELSE
      NEW.idempotency_fingerprint := NULL;
    END IF;
  ELSE
    -- Nothing the write path cares about changed: keep the copied values.
    NEW.idempotency_fingerprint := CASE WHEN NEW.idempotency_key IS NOT DISTINCT FROM OLD.idempotency_key
                                        THEN OLD.idempotency_fingerprint END;
    IF NEW.service_id IS NOT DISTINCT FROM OLD.service_id THEN
      NEW.buffer_before_minutes := OLD.buffer_before_minutes;
      NEW.buffer_after_minutes := OLD.buffer_after_minutes;
    END IF;
    IF NEW.status IS NOT DISTINCT FROM OLD.status AND NEW.starts_at IS NOT DISTINCT FROM OLD.starts_at
       AND NEW.ends_at IS NOT DISTINCT FROM OLD.ends_at AND NEW.resource_id IS NOT DISTINCT FROM OLD.resource_id
       AND NEW.session_id IS NOT DISTINCT FROM OLD.session_id AND NEW.seats IS NOT DISTINCT FROM OLD.seats
       AND NEW.service_id IS NOT DISTINCT FROM OLD.service_id AND NEW.client_id IS NOT DISTINCT FROM OLD.client_id
       AND NEW.hold_expires_at IS NOT DISTINCT FROM OLD.hold_expires_at
       AND NEW.org_id IS NOT DISTINCT FROM OLD.org_id
       AND NEW.pickup_point::pg_catalog.text IS NOT DISTINCT FROM OLD.pickup_point::pg_catalog.text
       AND NEW.dropoff_point::pg_catalog.text IS NOT DISTINCT FROM OLD.dropoff_point::pg_catalog.text THEN
      RETURN NEW;
    END IF;
    maintenance := booking.writing_as_maintenance();
  END IF;

  -- A hold ends when the booking is confirmed (or moves on to any other
  -- status that takes seats or time): it no longer lapses (issue 14).  One
  -- that has lapsed already is refused below (23K05).
  IF NOT maintenance AND NEW.hold_expires_at IS NOT NULL AND booking.status_occupies(NEW.status)
     AND NEW.status OPERATOR(pg_catalog.<>) 'pending'::booking.booking_status THEN
    NEW.hold_expires_at := NULL;
  END IF;

  -- A session booking: what the session says, filled in where not given.
  IF NEW.session_id IS NOT NULL THEN
    SELECT s.* INTO ses FROM booking.session s
     WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.session_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = 'booking refers to an unknown session',
        DETAIL = pg_catalog.format('Session %s does not exist in org %s.', NEW.session_id, NEW.org_id);
    END IF;
    NEW.starts_at := COALESCE(NEW.starts_at, ses.starts_at);
    NEW.ends_at := COALESCE(NEW.ends_at, ses.ends_at);
    NEW.resource_id := COALESCE(NEW.resource_id, ses.resource_id);
    NEW.service_id := COALESCE(NEW.service_id, ses.service_id);
    NEW.currency := COALESCE(NEW.currency, ses.currency);
    -- Checked when the row's session, times, resource or service are
    -- written; a change of status only (a hold expired while the session is
    -- being moved, before this row's turn comes) keeps them (issue 14).
    IF (is_insert OR NEW.session_id IS DISTINCT FROM OLD.session_id
        OR NEW.starts_at IS DISTINCT FROM OLD.starts_at OR NEW.ends_at IS DISTINCT FROM OLD.ends_at
        OR NEW.resource_id IS DISTINCT FROM OLD.resource_id OR NEW.service_id IS DISTINCT FROM OLD.service_id)
       AND (NEW.starts_at OPERATOR(pg_catalog.<>) ses.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) ses.ends_at
            OR NEW.resource_id OPERATOR(pg_catalog.<>) ses.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) ses.service_id) THEN
      RAISE EXCEPTION USING ERRCODE = '22K02',
        MESSAGE = 'booking does not match its session',
        DETAIL = pg_catalog.format('Session %s runs %s to %s with resource %s and service %s.',
                                   ses.id, booking.local_time_text(ses.starts_at, booking.org_zone(NEW.org_id)),
                                   booking.local_time_text(ses.ends_at, booking.org_zone(NEW.org_id)),
                                   ses.resource_id, ses.service_id),
        HINT = 'Leave starts_at, ends_at, resource_id and service_id out; they are taken from the session.';
    END IF;
  ELSIF NEW.resource_id IS NULL THEN
    RETURN NEW;                           -- booking_resource_or_session reports it
  ELSIF NEW.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status THEN
    RAISE EXCEPTION USING ERRCODE = '22K04',
      MESSAGE = 'only a session booking can be waitlisted',
      HINT = 'An appointment is either booked or refused; pick another time.';
  END IF;

  -- Whom and where (issue 19), before any rule of time: a client who is
  -- not the writer's own and an unknown client each get their own error
  -- (not the eligibility gate's, nor a raw foreign-key message); a pickup
  -- or dropoff outside the org's service area is refused (23K16, never
  -- overridden).
  IF NOT maintenance AND NOT booking.acting_is_system() THEN
    IF NEW.client_id IS NOT NULL AND (is_insert OR NEW.client_id IS DISTINCT FROM OLD.client_id) THEN
      IF NOT (booking.acting_is_staff() OR NEW.client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())
              OR NEW.resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
          MESSAGE = pg_catalog.format('client %s is not one of yours', NEW.client_id),
          DETAIL = 'Below staff, a booking is made for one''s own client record or, as a guardian, for one''s students.',
          HINT = 'Pass a client_id of booking.my_client_ids().';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM booking.client c
                      WHERE c.org_id OPERATOR(pg_catalog.=) NEW.org_id AND c.id OPERATOR(pg_catalog.=) NEW.client_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
          MESSAGE = pg_catalog.format('unknown client %s', NEW.client_id),
          DETAIL = pg_catalog.format('No client %s exists in org %s.', NEW.client_id, NEW.org_id),
          HINT = 'Create the client in booking.client first, or pass the id of an existing one.';
      END IF;
    END IF;
    IF (NEW.pickup_point IS NOT NULL OR NEW.dropoff_point IS NOT NULL)
       AND (is_insert OR NEW.pickup_point::pg_catalog.text IS DISTINCT FROM OLD.pickup_point::pg_catalog.text
            OR NEW.dropoff_point::pg_catalog.text IS DISTINCT FROM OLD.dropoff_point::pg_catalog.text) THEN
      PERFORM booking.check_service_area(NEW.org_id, NEW.pickup_point, NEW.dropoff_point);
    END IF;
  END IF;

  SELECT o.time_zone::pg_catalog.text AS zone, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes,
         r.id IS NOT NULL AS resource_found
    INTO svc
    FROM booking.service s JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) s.org_id
    LEFT JOIN booking.resource r ON r.org_id OPERATOR(pg_catalog.=) s.org_id AND r.id OPERATOR(pg_catalog.=) NEW.resource_id
   WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.service_id;
  IF NOT FOUND OR NOT svc.resource_found OR NEW.starts_at IS NULL OR NEW.ends_at IS NULL
     OR NEW.ends_at OPERATOR(pg_catalog.<=) NEW.starts_at THEN
    RETURN NEW;                           -- a foreign key, NOT NULL or CHECK reports it
  END IF;
  zone := svc.zone;
  IF is_insert OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id THEN
    NEW.buffer_before_minutes := svc.buffer_before_minutes;
    NEW.buffer_after_minutes := svc.buffer_after_minutes;
  END IF;

  IF NEW.session_id IS NULL
     AND (NEW.ends_at OPERATOR(pg_catalog.-) NEW.starts_at)
         OPERATOR(pg_catalog.<>) (svc.duration_minutes OPERATOR(pg_catalog.*) '1 minute'::pg_catalog.interval) THEN
    RAISE EXCEPTION USING ERRCODE = '22K01',
      MESSAGE = 'booking duration does not match its service',
      DETAIL = pg_catalog.format('The service takes %s minutes; the booking runs %s to %s.',
                                 svc.duration_minutes, booking.local_time_text(NEW.starts_at, zone),
                                 booking.local_time_text(NEW.ends_at, zone)),
      HINT = 'Set ends_at to starts_at plus the service''s duration, or book another service.';
  END IF;

  occupies := booking.occupies_now(NEW.status, NEW.hold_expires_at);
  -- Does this write newly claim time or seats?
  claims := booking.status_occupies(NEW.status)
            AND (is_insert OR NOT booking.occupies_now(OLD.status, OLD.hold_expires_at)
                 OR NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
                 OR NEW.resource_id IS DISTINCT FROM OLD.resource_id OR NEW.session_id IS DISTINCT FROM OLD.session_id
                 OR NEW.seats OPERATOR(pg_catalog.>) OLD.seats OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id
                 -- a new pickup or dropoff: travel to and from it is judged (issue 19)
                 OR NEW.pickup_point::pg_catalog.text IS DISTINCT FROM OLD.pickup_point::pg_catalog.text
                 OR NEW.dropoff_point::pg_catalog.text IS DISTINCT FROM OLD.dropoff_point::pg_catalog.text);

  IF NOT maintenance THEN
    -- Only an owner or admin overrides rules; what was overridden is
    -- recorded by the rule check below.
    IF NEW.override_reason IS NOT NULL AND NOT booking.acting_is_admin()
       AND (is_insert OR NEW.override_reason IS DISTINCT FROM OLD.override_reason) THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'only an owner or admin may override booking rules',
        HINT = 'Leave override_reason out; booking.available_slots() lists the bookable times.';
    END IF;
    IF NOT is_insert AND NEW.override_reason IS DISTINCT FROM OLD.override_reason THEN
      claims := claims OR booking.status_occupies(NEW.status);   -- judge the time again
    END IF;
    -- Holds: a new one must expire in the future; an expired one is over.
    IF NEW.hold_expires_at IS NOT NULL AND booking.status_occupies(NEW.status) AND NOT occupies
       AND (is_insert OR NEW.hold_expires_at IS DISTINCT FROM OLD.hold_expires_at) THEN
      RAISE EXCEPTION USING ERRCODE = '22K05',
        MESSAGE = 'hold expiry must be in the future',
        DETAIL = pg_catalog.format('hold_expires_at is %s, now is %s.', booking.local_time_text(NEW.hold_expires_at, zone),
                                   booking.local_time_text(pg_catalog.now(), zone));
    END IF;
    IF NOT is_insert AND OLD.hold_expires_at IS NOT NULL
       AND booking.status_occupies(OLD.status) AND NOT booking.occupies_now(OLD.status, OLD.hold_expires_at)
       AND booking.status_occupies(NEW.status) AND NOT booking.acting_is_system() THEN
      RAISE EXCEPTION USING ERRCODE = '23K05',
        MESSAGE = 'hold has expired',
        DETAIL = pg_catalog.format('Booking %s was held until %s.', OLD.id, booking.local_time_text(OLD.hold_expires_at, zone)),
        HINT = 'Its time or seats may already be taken; book again.';
    END IF;
    -- A session that has started, or is no longer scheduled, takes no new booking.
    IF NEW.session_id IS NOT NULL THEN
      IF booking.status_is_open(NEW.status) AND (is_insert OR NEW.session_id IS DISTINCT FROM OLD.session_id)
         AND (ses.starts_at OPERATOR(pg_catalog.<=) pg_catalog.now() OR ses.status OPERATOR(pg_catalog.<>) 'scheduled'::booking.session_status) THEN
        RAISE EXCEPTION USING ERRCODE = '22K03',
          MESSAGE = 'session is not open for booking',
          DETAIL = pg_catalog.format('Session %s is %s and starts at %s.', ses.id, ses.status, booking.local_time_text(ses.starts_at, zone));
      END IF;
    END IF;
  END IF;

  IF NEW.session_id IS NOT NULL AND (claims OR (is_insert AND NEW.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status)) THEN
    PERFORM booking.lock_session(NEW.org_id, NEW.session_id);
    -- Seats of lapsed holds are free (booking.seats_taken ignores them),
    -- but the waitlist gets them before a newcomer: expire those holds
    -- first, which promotes the waitlist.  (Not when the waitlist itself
    -- is being written: promotion must not touch the row being updated.)
    -- Never in maintenance: a restore writes rows as dumped, whatever the
    -- clock says now.
    IF NOT maintenance AND (is_insert OR OLD.status OPERATOR(pg_catalog.<>) 'waitlisted'::booking.booking_status)
       AND EXISTS (SELECT 1 FROM booking.booking b
                    WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.session_id OPERATOR(pg_catalog.=) NEW.session_id
                      AND b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status) THEN
      PERFORM booking.expire_holds(NEW.org_id, NULL, NEW.session_id, NULL);
    END IF;
  END IF;

  IF claims AND NEW.session_id IS NULL THEN
    padded := booking.padded_range(NEW.starts_at, NEW.ends_at, NEW.buffer_before_minutes, NEW.buffer_after_minutes);
    -- Its days and the day on either side: a neighbour it must leave
    -- travel time to (at most a day: booking.check_slot caps travel and
    -- the travel buffer there) starts or ends within them.
    PERFORM booking.lock_scope(NEW.org_id, NEW.resource_id, booking.local_days(zone, padded, 1));
  END IF;

  -- A request sent again under its idempotency key, after the first one
  -- committed (under the locks above, a concurrent first one has): the
  -- unique key decides, so INSERT ... ON CONFLICT DO NOTHING does nothing
  -- and a plain INSERT gets 23505, instead of the rules refusing the
  -- request as a clash with itself.  The existing booking is locked so
  -- that it cannot go away before this row meets it.  Another request
  -- under the key is refused.
  IF is_insert AND NEW.idempotency_key IS NOT NULL AND NOT maintenance THEN
    SELECT b.idempotency_fingerprint INTO stored_fingerprint FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.idempotency_key OPERATOR(pg_catalog.=) NEW.idempotency_key
       FOR KEY SHARE;
    IF FOUND THEN
      IF stored_fingerprint IS NOT DISTINCT FROM NEW.idempotency_fingerprint THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION USING ERRCODE = '23K03',
        MESSAGE = 'idempotency key already used for another request',
        DETAIL = pg_catalog.format('Key %L belongs to a booking with a different client, resource, service, session, seats, time or place.', NEW.idempotency_key),
        HINT = 'Use a new key for a new request.';
    END IF;
  END IF;

  -- Eligibility before the seats and the solver's rules: nobody may
  -- override it, so it is graver than an overridable rule of time (the
  -- SQLSTATE of a refusal is its gravest reason's, issue 19).
  IF NOT maintenance AND booking.status_is_open(NEW.status)
     AND (is_insert OR NOT booking.status_is_open(OLD.status)
          OR NEW.client_id OPERATOR(pg_catalog.<>) OLD.client_id OR NEW.resource_id IS DISTINCT FROM OLD.resource_id
          OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id OR NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at) THEN
    SELECT pg_catalog.string_agg(p.reason, '; ') INTO problems
      FROM booking.eligibility_problems(NEW.org_id, NEW.resource_id, NEW.service_id, NEW.client_id,
                                        pg_catalog.timezone(zone, NEW.starts_at)::pg_catalog.date) p;
    IF problems IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '23K04',
        MESSAGE = 'client is not eligible for this booking',
        DETAIL = problems || '.',
        HINT = 'See booking.eligibility_problems() and the org''s license rules.';
    END IF;
  END IF;
  IF claims THEN
    IF NEW.session_id IS NOT NULL THEN
      IF occupies THEN
        -- The capacity as of now, under the lock (a concurrent change of it
        -- has committed by the time the lock is ours).
        SELECT s.capacity INTO cap FROM booking.session s
         WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.session_id;
        free := cap OPERATOR(pg_catalog.-) booking.seats_taken_except(NEW.org_id, NEW.session_id, NEW.id);
        IF NEW.seats OPERATOR(pg_catalog.>) free THEN
          RAISE EXCEPTION USING ERRCODE = '23K01',
            MESSAGE = 'session is full',
            DETAIL = pg_catalog.format('%s seat(s) requested, %s of %s free.', NEW.seats, GREATEST(free, 0), cap),
            HINT = 'Insert with status waitlisted (or call booking.book with waitlist => true) to join the waitlist.';
        END IF;
        -- Strictly first come, first served: seats go to no one while
        -- somebody who came first waits (an entry of the waitlist leaving
        -- it is behind those waiting longer).  Free seats the first in line
        -- does not fit into stay free (issue 14).
        IF NOT maintenance
           AND (is_insert OR NOT booking.occupies_now(OLD.status, OLD.hold_expires_at)
                OR NEW.session_id IS DISTINCT FROM OLD.session_id OR NEW.seats OPERATOR(pg_catalog.>) OLD.seats) THEN
          SELECT pg_catalog.count(*) INTO free FROM booking.booking w
           WHERE w.org_id OPERATOR(pg_catalog.=) NEW.org_id AND w.session_id OPERATOR(pg_catalog.=) NEW.session_id
             AND w.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
             AND w.id OPERATOR(pg_catalog.<>) NEW.id
             AND (is_insert OR OLD.status OPERATOR(pg_catalog.<>) 'waitlisted'::booking.booking_status
                  OR OLD.session_id IS DISTINCT FROM NEW.session_id
                  OR (w.created_at, w.id) OPERATOR(pg_catalog.<) (NEW.created_at, NEW.id));
          IF free OPERATOR(pg_catalog.>) 0 THEN
            RAISE EXCEPTION USING ERRCODE = '23K01',
              MESSAGE = 'session is full',
              DETAIL = pg_catalog.format('%s booking(s) of the waitlist come first.', free),
              HINT = 'Insert with status waitlisted (or call booking.book with waitlist => true) to join the waitlist.';
          END IF;
        END IF;
      END IF;
    ELSE
      -- Expired holds in the way are expired first (not in maintenance);
      -- anything else in the way is refused by booking_no_overlap.
      IF NOT maintenance AND EXISTS (SELECT 1 FROM booking.booking b
                  WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.resource_id OPERATOR(pg_catalog.=) NEW.resource_id
                    AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
                        OPERATOR(pg_catalog.&&) padded
                    AND b.session_id IS NULL AND booking.status_occupies(b.status)
                    AND b.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()
                    AND b.id OPERATOR(pg_catalog.<>) NEW.id) THEN
        PERFORM booking.expire_holds(NEW.org_id, NEW.resource_id, NULL, padded);
      END IF;
      -- The solver's rules, under the locks, against everything else the
      -- resource has (a fresh snapshot in READ COMMITTED).
      IF NOT maintenance THEN
        rules := booking.check_slot(NEW.org_id, NEW.id, NEW.resource_id, NEW.service_id, NEW.starts_at,
                                    NEW.pickup_point, NEW.dropoff_point,
                                    NEW.override_reason IS NOT NULL AND booking.acting_is_admin());
        NEW.overridden_rules := NULLIF(rules, '{}'::pg_catalog.text[]);
        NEW.overridden_by := CASE WHEN NEW.overridden_rules IS NOT NULL THEN booking.current_user_id() END;
      END IF;
    END IF;
  END IF;

  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_check() IS
  'trigger: the write path of a booking (see sql/code/49_write_trigger.sql): copies buffers and the request fingerprint, fills session bookings from their session, checks duration, session, holds, seats (under booking.lock_session) and eligibility; for appointments takes the day locks (booking.lock_scope over booking.local_days), expires holds in the way and applies the solver''s rules (booking.check_slot), recording an owner''s or admin''s override';

-- Seats freed (a cancellation, fewer seats, a move to another session, an
-- expired hold, a deletion): the waitlist gets them in the same transaction.
CREATE OR REPLACE FUNCTION booking.tg_write_release() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- A restore or data load writes rows as given.  The system's own moves
  -- of waiting entries (promote_waitlist's promotions and expiries, the
  -- expiry at the session's start) need no other round of promotion.
  IF booking.writing_as_maintenance() THEN
    RETURN NULL;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND booking.acting_is_system()
     AND OLD.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
     AND NEW.status OPERATOR(pg_catalog.=) ANY ('{pending,expired}'::booking.booking_status[]) THEN
    RETURN NULL;
  END IF;
  -- The deletion of a whole org cascades here with nothing left to promote.
  IF TG_OP OPERATOR(pg_catalog.=) 'DELETE'
     AND NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) OLD.org_id) THEN
    RETURN NULL;
  END IF;
  PERFORM booking.promote_waitlist(OLD.org_id, OLD.session_id);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_write_release() IS
  'trigger: after a booking gave up seats of a session, promote that session''s waitlist (booking.promote_waitlist)';

CREATE OR REPLACE TRIGGER write_check BEFORE INSERT OR UPDATE ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_write_check();
CREATE OR REPLACE TRIGGER write_release AFTER UPDATE ON booking.booking
  FOR EACH ROW
  WHEN (OLD.session_id IS NOT NULL
        AND (booking.status_occupies(OLD.status) OR OLD.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status)
        AND ((NEW.status OPERATOR(pg_catalog.<>) OLD.status
              AND (OLD.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
                   OR NOT booking.status_occupies(NEW.status)))
             OR NEW.session_id IS DISTINCT FROM OLD.session_id OR NEW.seats OPERATOR(pg_catalog.<) OLD.seats))
  EXECUTE FUNCTION booking.tg_write_release();
CREATE OR REPLACE TRIGGER write_release_delete AFTER DELETE ON booking.booking
  FOR EACH ROW
  WHEN (OLD.session_id IS NOT NULL
        AND (booking.status_occupies(OLD.status) OR OLD.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status))
  EXECUTE FUNCTION booking.tg_write_release();
