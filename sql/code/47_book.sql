-- booking.book(): the convenience entry of the write path.  It computes the
-- end and the price, inserts as the caller (row-level security applies), and
-- makes the idempotency key safe to retry: the same key with the same
-- request returns the existing booking, even when two transactions send it
-- at once; with another request it is an error (23K03).

-- The price booking.book gives a booking: the session's price per seat, or
-- the service's on the org's default rate card, times the seats, split by
-- the org's platform fee.  The column-owner trigger of booking
-- (sql/code/86_guards.sql) accepts exactly this price (or none) from a
-- writer below staff.
CREATE OR REPLACE FUNCTION booking.book_price(org_id pg_catalog.uuid, service_id pg_catalog.uuid,
                                   session_id pg_catalog.uuid, seats pg_catalog.int4,
                                   OUT price_cents pg_catalog.int8, OUT platform_fee_cents pg_catalog.int8,
                                   OUT resource_share_cents pg_catalog.int8)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
    -- the engine's price (sql/code/72_pricing.sql) on the org's default card
    SELECT p.price_cents, p.platform_fee_cents, p.resource_share_cents
      FROM booking.price_of(org_id, service_id, session_id, seats, NULL) p;
  $$;
COMMENT ON FUNCTION booking.book_price(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.int4) IS
  'the price booking.book gives a booking on the org''s default rate card (booking.price_of: session price per seat, or the card''s price of the service, times seats; 23M01 for a service without a price) split into platform fee and resource share by the org''s platform_fee_bps';

-- The write path on Citus (issue 15).  Once booking.distribute() has run
-- (citus.propagate_set_commands = local for the database), book,
-- book_first_available, transition, cancel and reschedule send the whole
-- call to the worker that holds the acting org: each calls its delegated
-- function (booking.book_on, ..., create_distributed_function on org_id,
-- co-located with booking.org, force_delegation; STRICT, the other
-- arguments in one jsonb, like the solver's: see sql/code/48_solver.sql),
-- which Citus sends as one statement over the application's own
-- connection, inside its transaction.  There the delegated function, as the
-- caller (SECURITY INVOKER: row-level security applies), marks the call as
-- delegated (booking_citus.delegated, a local setting that Citus does not
-- forward) and calls the same function again, which now runs its body on
-- the worker: its queries, triggers, locks, history and outbox rows are
-- the worker's local work, and its errors reach the client with their
-- SQLSTATEs.  The NOTIFY of a write is sent by the function on the
-- coordinator after the delegated call (booking.notify_from_coordinator,
-- which sends nothing while a call is delegated).  On a single node this
-- answers false and the functions run their bodies.
CREATE OR REPLACE FUNCTION booking.delegates_writes() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT pg_catalog.current_setting('citus.propagate_set_commands', true) OPERATOR(pg_catalog.=) 'local'
           AND pg_catalog.current_setting('booking_citus.delegated', true) IS DISTINCT FROM 'on';
  $$;
COMMENT ON FUNCTION booking.delegates_writes() IS
  'internal: true when the write functions (book, book_first_available, transition, cancel, reschedule) send their call to the worker of the org through their delegated function (booking.book_on, ...): on a Citus coordinator once distributed (citus.propagate_set_commands = local), and not while such a call runs (booking_citus.delegated); false on a single node';

-- Run a delegated call's function: booking_citus.delegated on while it runs.
CREATE OR REPLACE FUNCTION booking.delegated(turn_on pg_catalog.bool) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM pg_catalog.set_config('booking_citus.delegated', CASE WHEN turn_on THEN 'on' ELSE '' END, true);
END
$$;
COMMENT ON FUNCTION booking.delegated(pg_catalog.bool) IS
  'internal (the delegated write functions, booking.book_on, ...): set booking_citus.delegated for the rest of the call (set_config, local: Citus does not forward it), so that the function they call runs its body there and sends no NOTIFY';

CREATE OR REPLACE FUNCTION booking.book(client_id pg_catalog.uuid,
                             service_id pg_catalog.uuid DEFAULT NULL,
                             starts_at pg_catalog.timestamptz DEFAULT NULL,
                             resource_id pg_catalog.uuid DEFAULT NULL,
                             pickup_point booking.point DEFAULT NULL,
                             pickup_address pg_catalog.text DEFAULT NULL,
                             dropoff_point booking.point DEFAULT NULL,
                             dropoff_address pg_catalog.text DEFAULT NULL,
                             notes pg_catalog.text DEFAULT NULL,
                             session_id pg_catalog.uuid DEFAULT NULL,
                             seats pg_catalog.int4 DEFAULT 1,
                             hold_minutes pg_catalog.int4 DEFAULT NULL,
                             waitlist pg_catalog.bool DEFAULT false,
                             rate_card_id pg_catalog.uuid DEFAULT NULL,
                             idempotency_key pg_catalog.text DEFAULT NULL)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r booking.booking;
  res booking.booking;
  fp pg_catalog.text;
  cname pg_catalog.text;
  state pg_catalog.text;
  org_currency booking.currency_code;
  match pg_catalog.text;
  args pg_catalog.jsonb;
BEGIN
  r.org_id := booking.current_org_id();
  IF r.org_id IS NOT NULL AND booking.delegates_writes() THEN
    -- Citus: the call on the worker of the org (a FROM item, which Citus
    -- delegates from PL/pgSQL), then the NOTIFY here
    -- (the arguments built first: Citus sends the parameters of an
    -- expression to the worker, and a NULL of an extension's type untyped)
    args := pg_catalog.jsonb_build_array(
        book.client_id, book.service_id, book.starts_at, book.resource_id, book.pickup_point, book.pickup_address,
        book.dropoff_point, book.dropoff_address, book.notes, book.session_id, book.seats, book.hold_minutes,
        book.waitlist, book.rate_card_id, book.idempotency_key);
    SELECT * INTO res FROM booking.book_on(r.org_id, args) AS x;
    PERFORM booking.notify_from_coordinator();
    RETURN res;
  END IF;
  IF r.org_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'booking.book needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
  END IF;
  IF book.hold_minutes IS NOT NULL AND book.hold_minutes NOT BETWEEN 1 AND 10080 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'hold_minutes must be between 1 and 10080',
      DETAIL = pg_catalog.format('hold_minutes is %s.', book.hold_minutes);
  END IF;
  r.client_id := book.client_id;
  r.service_id := book.service_id;
  r.resource_id := book.resource_id;
  r.session_id := book.session_id;
  r.seats := book.seats;
  r.starts_at := book.starts_at;
  r.pickup_point := book.pickup_point;
  r.pickup_address := book.pickup_address;
  r.dropoff_point := book.dropoff_point;
  r.dropoff_address := book.dropoff_address;
  r.notes := book.notes;
  r.idempotency_key := book.idempotency_key;
  r.rate_card_id := book.rate_card_id;
  r.status := 'pending';
  r.created_by := booking.current_user_id();
  IF book.hold_minutes IS NOT NULL THEN
    r.hold_expires_at := pg_catalog.now() OPERATOR(pg_catalog.+) (book.hold_minutes OPERATOR(pg_catalog.*) '1 minute'::pg_catalog.interval);
  END IF;

  SELECT o.currency INTO org_currency
    FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) r.org_id;
  IF r.rate_card_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM booking.rate_card c
                      WHERE c.org_id OPERATOR(pg_catalog.=) r.org_id AND c.id OPERATOR(pg_catalog.=) r.rate_card_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
      MESSAGE = 'booking refers to an unknown rate card',
      DETAIL = pg_catalog.format('Rate card %s does not exist in org %s.', r.rate_card_id, r.org_id),
      HINT = 'Leave rate_card_id out for the org''s default card.';
  END IF;
  IF r.session_id IS NOT NULL THEN
    -- The session gives times, resource, service and the price per seat.
    SELECT s.currency INTO r.currency FROM booking.session s
     WHERE s.org_id OPERATOR(pg_catalog.=) r.org_id AND s.id OPERATOR(pg_catalog.=) r.session_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = 'booking refers to an unknown session',
        DETAIL = pg_catalog.format('Session %s does not exist in org %s.', r.session_id, r.org_id);
    END IF;
  ELSE
    IF r.starts_at IS NULL OR r.service_id IS NULL OR r.resource_id IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
        MESSAGE = 'an appointment needs service_id, resource_id and starts_at',
        HINT = 'For seats in a session, pass session_id instead.';
    END IF;
    SELECT r.starts_at OPERATOR(pg_catalog.+) (s.duration_minutes OPERATOR(pg_catalog.*) '1 minute'::pg_catalog.interval)
      INTO r.ends_at
      FROM booking.service s
     WHERE s.org_id OPERATOR(pg_catalog.=) r.org_id AND s.id OPERATOR(pg_catalog.=) r.service_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = 'booking refers to an unknown service',
        DETAIL = pg_catalog.format('Service %s does not exist in org %s.', r.service_id, r.org_id);
    END IF;
  END IF;
  -- The price, its currency and split are the money_price trigger's
  -- (sql/code/72_pricing.sql), for booking.book and plain INSERTs alike.
  r.currency := COALESCE(r.currency, org_currency);

  -- The same request again returns its booking; another request under the
  -- key is refused by the write trigger (23K03).
  IF r.idempotency_key IS NOT NULL THEN
    fp := booking.request_fingerprint(r);
    match := booking.idempotency_match(r.org_id, r.idempotency_key, fp);
    IF match OPERATOR(pg_catalog.=) 'same' THEN
      SELECT b.* INTO res FROM booking.booking b
       WHERE b.org_id OPERATOR(pg_catalog.=) r.org_id AND b.idempotency_key OPERATOR(pg_catalog.=) r.idempotency_key;
      IF FOUND THEN
        RETURN res;
      END IF;
    END IF;
  END IF;

  FOR attempt IN 1..2 LOOP
    BEGIN
      INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, session_id, seats, starts_at, ends_at,
                                   status, pickup_address, pickup_point, dropoff_address, dropoff_point, currency,
                                   price_cents, platform_fee_cents, resource_share_cents, notes, idempotency_key,
                                   hold_expires_at, created_by, rate_card_id)
      VALUES (r.org_id, r.client_id, r.resource_id, r.service_id, r.session_id, r.seats, r.starts_at, r.ends_at,
              r.status, r.pickup_address, r.pickup_point, r.dropoff_address, r.dropoff_point, r.currency,
              r.price_cents, r.platform_fee_cents, r.resource_share_cents, r.notes, r.idempotency_key,
              r.hold_expires_at, r.created_by, r.rate_card_id)
      RETURNING * INTO res;
      PERFORM booking.notify_from_coordinator();
      RETURN res;
    EXCEPTION
      WHEN unique_violation OR exclusion_violation OR SQLSTATE '23K01' THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, cname = CONSTRAINT_NAME;
        -- Did a concurrent transaction commit this very key first?  Its
        -- booking may also be what made the slot or the seats taken.
        IF r.idempotency_key IS NOT NULL THEN
          match := booking.idempotency_match(r.org_id, r.idempotency_key, fp);
          IF match OPERATOR(pg_catalog.=) 'same' THEN
            SELECT b.* INTO res FROM booking.booking b
             WHERE b.org_id OPERATOR(pg_catalog.=) r.org_id AND b.idempotency_key OPERATOR(pg_catalog.=) r.idempotency_key;
            RETURN res;
          ELSIF match OPERATOR(pg_catalog.=) 'different' THEN
            RAISE EXCEPTION USING ERRCODE = '23K03',
              MESSAGE = 'idempotency key already used for another request',
              DETAIL = pg_catalog.format('Key %L belongs to a booking with a different client, resource, service, session, seats, time or place.', r.idempotency_key),
              HINT = 'Use a new key for a new request.';
          ELSIF cname OPERATOR(pg_catalog.=) 'booking_org_id_idempotency_key_key' THEN
            -- Committed after this transaction's snapshot was taken.
            RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
              MESSAGE = 'could not serialize access due to a concurrent booking with the same idempotency key',
              HINT = 'Retry the transaction: it will return that booking.';
          END IF;
        END IF;
        IF state OPERATOR(pg_catalog.=) '23K01' AND book.waitlist AND attempt OPERATOR(pg_catalog.=) 1 THEN
          r.status := 'waitlisted';
        ELSE
          RAISE;
        END IF;
    END;
  END LOOP;
  RETURN NULL;                            -- not reached
END
$$;
COMMENT ON FUNCTION booking.book(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.uuid, booking.point, pg_catalog.text, booking.point, pg_catalog.text, pg_catalog.text, pg_catalog.uuid, pg_catalog.int4, pg_catalog.int4, pg_catalog.bool, pg_catalog.uuid, pg_catalog.text) IS
  'book for client_id as the acting user and return the booking: an appointment (service_id, starts_at, resource_id; the end follows from the service) or seats in a session (session_id), with pickup and dropoff (points from booking.lat_lng; outside the org''s service area 23K16), addresses and notes. Price from the session or the rate card rate_card_id (default: the org''s default card; the money_price trigger, see booking.price_of), split by the org''s platform fee. hold_minutes makes it a hold that lapses unless confirmed (booking.confirm_hold); waitlist => true joins the waitlist of a full session instead of failing. The same idempotency_key with the same request returns the existing booking (also under concurrency); with a different request it raises 23K03';

CREATE OR REPLACE FUNCTION booking.book_on(org_id pg_catalog.uuid, args pg_catalog.jsonb)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  res booking.booking;
BEGIN
  PERFORM booking.solver_org(book_on.org_id, 'book');
  PERFORM booking.delegated(true);
  res := booking.book((args ->> 0)::pg_catalog.uuid, (args ->> 1)::pg_catalog.uuid, (args ->> 2)::pg_catalog.timestamptz,
                      (args ->> 3)::pg_catalog.uuid, booking.jsonb_geography(args -> 4)::booking.point, args ->> 5,
                      booking.jsonb_geography(args -> 6)::booking.point, args ->> 7, args ->> 8, (args ->> 9)::pg_catalog.uuid,
                      (args ->> 10)::pg_catalog.int4, (args ->> 11)::pg_catalog.int4, (args ->> 12)::pg_catalog.bool,
                      (args ->> 13)::pg_catalog.uuid, args ->> 14);
  PERFORM booking.delegated(false);
  RETURN res;
END
$$;
COMMENT ON FUNCTION booking.book_on(pg_catalog.uuid, pg_catalog.jsonb) IS
  'internal: booking.book for org_id (the acting org, else 42501) with args [client_id, service_id, starts_at, resource_id, pickup_point, pickup_address, dropoff_point, dropoff_address, notes, session_id, seats, hold_minutes, waitlist, rate_card_id, idempotency_key]; on Citus delegated to the worker of org_id, where it runs booking.book''s body (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.confirm_hold(booking_id pg_catalog.uuid) RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  res booking.booking;
BEGIN
  UPDATE booking.booking b SET hold_expires_at = NULL
   WHERE b.org_id OPERATOR(pg_catalog.=) booking.current_org_id() AND b.id OPERATOR(pg_catalog.=) confirm_hold.booking_id
     AND b.hold_expires_at IS NOT NULL
  RETURNING b.* INTO res;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = 'no such hold',
      DETAIL = pg_catalog.format('No booking %s with a hold is visible in the acting org.', confirm_hold.booking_id);
  END IF;
  RETURN res;
END
$$;
COMMENT ON FUNCTION booking.confirm_hold(pg_catalog.uuid) IS
  'turn a hold into a plain booking (hold_expires_at := NULL) before it expires; an expired hold raises 23K05, an unknown one P0002';

-- Find-and-book in one call: the best slot of booking.find_slots, booked
-- with booking.book.  A concurrent writer may take a slot between finding
-- and booking (find_slots reads a snapshot; the write path decides under
-- the resource-day locks): the refusal (overlap, travel gap, daily
-- maximum) moves on to the next best slot, and after a round of them to a
-- fresh search.  In REPEATABLE READ or SERIALIZABLE a concurrent commit
-- surfaces as 40001 instead (the transaction must be retried as a whole).
CREATE OR REPLACE FUNCTION booking.book_first_available(service_id pg_catalog.uuid DEFAULT NULL,
                                             during pg_catalog.tstzrange DEFAULT NULL,
                                             pickup_point booking.point DEFAULT NULL,
                                             client_id pg_catalog.uuid DEFAULT NULL,
                                             pickup_address pg_catalog.text DEFAULT NULL,
                                             dropoff_point booking.point DEFAULT NULL,
                                             dropoff_address pg_catalog.text DEFAULT NULL,
                                             notes pg_catalog.text DEFAULT NULL,
                                             hold_minutes pg_catalog.int4 DEFAULT NULL,
                                             rate_card_id pg_catalog.uuid DEFAULT NULL,
                                             idempotency_key pg_catalog.text DEFAULT NULL)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  client pg_catalog.uuid := book_first_available.client_id;
  mine pg_catalog.uuid[];
  slot record;
  res booking.booking;
  found_any pg_catalog.bool;
  taken pg_catalog.int4 := 0;
  org pg_catalog.uuid := booking.current_org_id();
  args pg_catalog.jsonb;
BEGIN
  IF org IS NOT NULL AND booking.delegates_writes() THEN
    -- Citus: the call on the worker of the org, then the NOTIFY here
    -- (the arguments built first: Citus sends the parameters of an
    -- expression to the worker, and a NULL of an extension's type untyped)
    args := pg_catalog.jsonb_build_array(
        book_first_available.service_id, book_first_available.during, book_first_available.pickup_point,
        book_first_available.client_id, book_first_available.pickup_address, book_first_available.dropoff_point,
        book_first_available.dropoff_address, book_first_available.notes, book_first_available.hold_minutes,
        book_first_available.rate_card_id, book_first_available.idempotency_key);
    SELECT * INTO res FROM booking.book_first_available_on(org, args) AS x;
    PERFORM booking.notify_from_coordinator();
    RETURN res;
  END IF;
  IF org IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'booking.book_first_available needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
  END IF;
  IF book_first_available.service_id IS NULL OR book_first_available.during IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'service_id and during must not be null';
  END IF;
  IF client IS NULL THEN
    mine := booking.my_client_ids();
    IF pg_catalog.cardinality(mine) OPERATOR(pg_catalog.<>) 1 THEN
      RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
        MESSAGE = 'client_id is required',
        DETAIL = pg_catalog.format('The acting user acts for %s clients.', COALESCE(pg_catalog.cardinality(mine), 0)),
        HINT = 'Pass the client''s id as client_id.';
    END IF;
    client := mine[1];
  END IF;
  -- A pickup outside the org's service area (swapped coordinates, say)
  -- is refused as book() would refuse it, not answered with "no slot".
  PERFORM booking.check_service_area(booking.current_org_id(), book_first_available.pickup_point,
                                     book_first_available.dropoff_point);
  -- A retry with the key of a booking already made returns it.
  IF book_first_available.idempotency_key IS NOT NULL THEN
    SELECT b.* INTO res FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND b.idempotency_key OPERATOR(pg_catalog.=) book_first_available.idempotency_key;
    IF FOUND THEN
      IF res.client_id OPERATOR(pg_catalog.=) client AND res.service_id OPERATOR(pg_catalog.=) book_first_available.service_id
         AND book_first_available.during OPERATOR(pg_catalog.@>) res.starts_at THEN
        RETURN res;
      END IF;
      RAISE EXCEPTION USING ERRCODE = '23K03',
        MESSAGE = 'idempotency key already used for another request',
        DETAIL = pg_catalog.format('Key %L belongs to a booking with a different client, service or time.', book_first_available.idempotency_key),
        HINT = 'Use a new key for a new request.';
    END IF;
  END IF;

  FOR round IN 1..3 LOOP
    found_any := false;
    FOR slot IN
      SELECT f.resource_id, f.starts_at
        FROM booking.find_slots(book_first_available.service_id, book_first_available.during,
                                book_first_available.pickup_point, client) AS f
       LIMIT 10
    LOOP
      found_any := true;
      BEGIN
        RETURN booking.book(client, book_first_available.service_id, slot.starts_at, slot.resource_id,
                            pickup_point => book_first_available.pickup_point,
                            pickup_address => book_first_available.pickup_address,
                            dropoff_point => book_first_available.dropoff_point,
                            dropoff_address => book_first_available.dropoff_address,
                            notes => book_first_available.notes,
                            hold_minutes => book_first_available.hold_minutes,
                            rate_card_id => book_first_available.rate_card_id,
                            idempotency_key => book_first_available.idempotency_key);
      EXCEPTION
        WHEN exclusion_violation OR SQLSTATE '23K13' OR SQLSTATE '23K14' OR SQLSTATE '23K15' THEN
          taken := taken OPERATOR(pg_catalog.+) 1;   -- taken meanwhile: the next one
        WHEN SQLSTATE '23K03' THEN
          -- The same key, committed by a concurrent call meanwhile: the
          -- check at the top now sees its booking and returns it (or
          -- refuses the key if the booking is another request's).
          RETURN booking.book_first_available(book_first_available.service_id, book_first_available.during,
                                              book_first_available.pickup_point, client,
                                              book_first_available.pickup_address, book_first_available.dropoff_point,
                                              book_first_available.dropoff_address, book_first_available.notes,
                                              book_first_available.hold_minutes, book_first_available.rate_card_id,
                                              book_first_available.idempotency_key);
      END;
    END LOOP;
    EXIT WHEN NOT found_any;
  END LOOP;
  IF found_any THEN
    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
      MESSAGE = 'every slot found was taken by concurrent bookings',
      DETAIL = pg_catalog.format('%s slot(s) were taken between finding and booking.', taken),
      HINT = 'Retry the call.';
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'no_data_found',
    MESSAGE = 'no slot available',
    DETAIL = pg_catalog.format('No active resource of the org has a bookable slot of service %s from %s to %s%s.',
                               book_first_available.service_id,
                               booking.local_time_text(pg_catalog.lower(book_first_available.during), booking.org_zone(booking.current_org_id())),
                               booking.local_time_text(pg_catalog.upper(book_first_available.during), booking.org_zone(booking.current_org_id())),
                               CASE WHEN book_first_available.pickup_point IS NOT NULL THEN ' from that pickup' ELSE '' END),
    HINT = 'Try a longer range, or booking.explain_slot() to see why a time is refused.';
END
$$;
COMMENT ON FUNCTION booking.book_first_available(pg_catalog.uuid, pg_catalog.tstzrange, booking.point, pg_catalog.uuid, pg_catalog.text, booking.point, pg_catalog.text, pg_catalog.text, pg_catalog.int4, pg_catalog.uuid, pg_catalog.text) IS
  'find the best slot (booking.find_slots from pickup_point) and book it (booking.book, with the pickup and dropoff, addresses, notes, hold and rate card given) in one call for client_id (default: the acting user''s only client record); a pickup or dropoff outside the org''s service area 23K16; a slot taken concurrently moves on to the next best, up to three fresh searches; raises P0002 when nothing is available, 40001 when everything found was taken meanwhile; the same idempotency_key returns the booking it made';

CREATE OR REPLACE FUNCTION booking.book_first_available_on(org_id pg_catalog.uuid, args pg_catalog.jsonb)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  res booking.booking;
BEGIN
  PERFORM booking.solver_org(book_first_available_on.org_id, 'book_first_available');
  PERFORM booking.delegated(true);
  res := booking.book_first_available((args ->> 0)::pg_catalog.uuid, (args ->> 1)::pg_catalog.tstzrange,
                                      booking.jsonb_geography(args -> 2)::booking.point, (args ->> 3)::pg_catalog.uuid, args ->> 4,
                                      booking.jsonb_geography(args -> 5)::booking.point, args ->> 6, args ->> 7,
                                      (args ->> 8)::pg_catalog.int4, (args ->> 9)::pg_catalog.uuid, args ->> 10);
  PERFORM booking.delegated(false);
  RETURN res;
END
$$;
COMMENT ON FUNCTION booking.book_first_available_on(pg_catalog.uuid, pg_catalog.jsonb) IS
  'internal: booking.book_first_available for org_id (the acting org, else 42501) with args [service_id, during, pickup_point, client_id, pickup_address, dropoff_point, dropoff_address, notes, hold_minutes, rate_card_id, idempotency_key]; on Citus delegated to the worker of org_id, where it runs booking.book_first_available''s body (STRICT: a NULL argument gives NULL)';
