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

-- The one upsert of the locks: the rows of one scope for the given days, in
-- the array's order (callers pass dates in ascending order, so that two
-- writers never take the same rows in opposite orders).
CREATE OR REPLACE FUNCTION booking.lock_scope(org_id pg_catalog.uuid, scope_id pg_catalog.uuid, days pg_catalog.date[])
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  INSERT INTO booking.write_lock AS w (org_id, scope_id, day)
  SELECT lock_scope.org_id, lock_scope.scope_id, d.day
    FROM pg_catalog.unnest(days) WITH ORDINALITY AS d(day, n)
   ORDER BY d.n
  ON CONFLICT ON CONSTRAINT write_lock_pkey DO UPDATE SET writes = w.writes OPERATOR(pg_catalog.+) 1;
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

CREATE OR REPLACE FUNCTION booking.lock_resource_day(org_id pg_catalog.uuid, resource_id pg_catalog.uuid, day pg_catalog.date)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.lock_scope(org_id, resource_id, ARRAY[day]);
  END;
COMMENT ON FUNCTION booking.lock_resource_day(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date) IS
  'serialise the writers of one resource and local day until the end of the transaction (a row lock in booking.write_lock; a REPEATABLE READ or SERIALIZABLE writer that missed a concurrent commit fails with 40001); the write trigger takes it for every local day an appointment''s padded interval touches, in date order, before it checks anything';

CREATE OR REPLACE FUNCTION booking.lock_resource_days(org_id pg_catalog.uuid, resource_id pg_catalog.uuid,
                                           zone pg_catalog.text, during pg_catalog.tstzrange, margin pg_catalog.int4)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.lock_scope(org_id, resource_id, booking.local_days(zone, during, margin));
  END;
COMMENT ON FUNCTION booking.lock_resource_days(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.tstzrange, pg_catalog.int4) IS
  'booking.lock_resource_day for every local date (in zone) the interval touches and margin days before and after, in date order (booking.local_days)';

CREATE OR REPLACE FUNCTION booking.lock_session(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.lock_scope(org_id, session_id, ARRAY['infinity'::pg_catalog.date]);
  END;
COMMENT ON FUNCTION booking.lock_session(pg_catalog.uuid, pg_catalog.uuid) IS
  'serialise the writers of one session''s seats and capacity until the end of the transaction (a row lock in booking.write_lock, like booking.lock_resource_day)';

-- The request a booking row stands for, for idempotency: who, what, when,
-- where and how many, as the writer gave them (before the write trigger
-- fills anything in).  Status, price, notes and the hold's expiry are not
-- part of it.
CREATE OR REPLACE FUNCTION booking.request_fingerprint(b booking.booking) RETURNS pg_catalog.text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT pg_catalog.md5(pg_catalog.concat_ws('|', b.client_id, b.resource_id, b.service_id, b.session_id, b.seats,
             pg_catalog.date_part('epoch', b.starts_at), pg_catalog.date_part('epoch', b.ends_at),
             b.pickup_point::pg_catalog.text, b.pickup_address, b.dropoff_point::pg_catalog.text, b.dropoff_address));
  END;
COMMENT ON FUNCTION booking.request_fingerprint(booking.booking) IS
  'md5 of the request a booking row stands for (client, resource, service, session, seats, start, end, pickup and dropoff); equal fingerprints under one idempotency key mean the same request';

CREATE OR REPLACE FUNCTION booking.seats_taken_except(org_id pg_catalog.uuid, session_id pg_catalog.uuid, except_id pg_catalog.uuid)
  RETURNS pg_catalog.int8
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.sum(b.seats), 0)::pg_catalog.int8
      FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) seats_taken_except.org_id
       AND b.session_id OPERATOR(pg_catalog.=) seats_taken_except.session_id
       AND b.id IS DISTINCT FROM seats_taken_except.except_id
       AND booking.occupies_now(b.status, b.hold_expires_at);
  END;
COMMENT ON FUNCTION booking.seats_taken_except(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid) IS
  'booking.seats_taken without one booking (the one being written; NULL: none left out)';

CREATE OR REPLACE FUNCTION booking.seats_taken(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS pg_catalog.int8
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN booking.seats_taken_except(org_id, session_id, NULL);
COMMENT ON FUNCTION booking.seats_taken(pg_catalog.uuid, pg_catalog.uuid) IS
  'seats of a session taken now: the sum of seats of its bookings for which booking.occupies_now holds (as far as the caller sees them)';

-- Whether the role the session acts as (SET ROLE's role, else the login
-- role; never the owner a SECURITY DEFINER function runs as) is a superuser
-- or has BYPASSRLS.
CREATE OR REPLACE FUNCTION booking.login_bypasses_rls() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE((SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r
                      WHERE r.rolname OPERATOR(pg_catalog.=)
                            COALESCE(NULLIF(pg_catalog.current_setting('role'), 'none'), SESSION_USER::pg_catalog.text)), false);
  END;
COMMENT ON FUNCTION booking.login_bypasses_rls() IS
  'true when the role the session acts as (the role of SET ROLE, else the login role) is a superuser or has BYPASSRLS, so that row-level security does not apply to it; SECURITY DEFINER functions use it to know their caller';

-- Who writes without an identity: a superuser or BYPASSRLS role doing
-- maintenance (pg_restore, data loads).  Such writes skip the checks that
-- depend on the time of writing or on other rows' current state
-- (eligibility, a session that has started, a hold's expiry in the past);
-- the invariants (overlap, capacity, duration, session match) still hold.
CREATE OR REPLACE FUNCTION booking.writing_as_maintenance() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.current_org_id() IS NULL AND booking.login_bypasses_rls();
  END;
COMMENT ON FUNCTION booking.writing_as_maintenance() IS
  'true when the session''s login role is a superuser or BYPASSRLS and no identity is set: the write path then skips eligibility and time-dependent checks (restores and data loads), never the invariants';

-- Eligibility: one function decides it for the write trigger and for the
-- solver.  Every problem is one row; no row means eligible.  Its queries are
-- key lookups whatever the arguments, so they keep one generic plan instead
-- of being planned again for every booking written.
CREATE OR REPLACE FUNCTION booking.eligibility_problems(org_id pg_catalog.uuid, resource_id pg_catalog.uuid,
                                             service_id pg_catalog.uuid, client_id pg_catalog.uuid,
                                             on_date pg_catalog.date)
  RETURNS TABLE (rule_id pg_catalog.uuid, reason pg_catalog.text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  caller_org pg_catalog.uuid := booking.current_org_id();
  x record;
  prerequisite pg_catalog.text;
BEGIN
  -- Runs with the owner's rights (a client's guardians and past lessons are
  -- not visible to every caller), so it answers only about the acting org
  -- and, below staff, only for one's own clients or resources.
  IF caller_org IS NULL OR caller_org OPERATOR(pg_catalog.<>) eligibility_problems.org_id
     OR NOT (booking.acting_is_staff()
             OR eligibility_problems.client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())
             OR eligibility_problems.resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())) THEN
    IF NOT booking.login_bypasses_rls() THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'eligibility can only be asked for the acting org''s own clients or resources',
        HINT = 'Call booking.act_as first; below staff, ask only for your own client or resource.';
    END IF;
  END IF;

  -- What the rules read, in one row: the client, service and resource, the
  -- org's license rule for this license type and lesson type, and the age
  -- of majority.  A missing client, service or resource is no problem here
  -- (a foreign key reports it); without an active rule there is no license
  -- restriction.
  SELECT c.id IS NOT NULL AS client_found, c.active AS client_active, c.date_of_birth,
         pg_catalog.date_part('year', pg_catalog.age(eligibility_problems.on_date::pg_catalog.timestamp,
                                                      c.date_of_birth::pg_catalog.timestamp))::pg_catalog.int4 AS age,
         s.active AS service_active, s.duration_minutes,
         r.id IS NOT NULL AS resource_found, r.active AS resource_active, r.license_classes,
         lr.id AS rule, lr.client_license_type, lr.lesson_type, lr.is_compatible, lr.required_resource_license,
         lr.min_client_age, lr.max_client_age, lr.min_duration_minutes, lr.max_duration_minutes,
         lr.prerequisites, lr.requires_parental_consent,
         o.id IS NOT NULL AS org_found,
         COALESCE((o.settings OPERATOR(pg_catalog.->>) 'age_of_majority')::pg_catalog.int4, 18) AS majority
    INTO x
    FROM (SELECT) AS one
    LEFT JOIN booking.client c
      ON c.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND c.id OPERATOR(pg_catalog.=) eligibility_problems.client_id
    LEFT JOIN booking.service s
      ON s.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND s.id OPERATOR(pg_catalog.=) eligibility_problems.service_id
    LEFT JOIN booking.resource r
      ON r.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND r.id OPERATOR(pg_catalog.=) eligibility_problems.resource_id
    LEFT JOIN booking.license_rule lr
      ON lr.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
     AND lr.client_license_type OPERATOR(pg_catalog.=) c.license_type
     AND lr.lesson_type OPERATOR(pg_catalog.=) s.lesson_type
     AND lr.active
    LEFT JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) eligibility_problems.org_id;

  rule_id := NULL;
  IF x.client_found AND NOT x.client_active THEN
    reason := 'client is inactive'; RETURN NEXT;
  END IF;
  IF NOT x.service_active THEN
    reason := 'service is inactive'; RETURN NEXT;
  END IF;
  IF x.resource_found AND NOT x.resource_active THEN
    reason := 'resource is inactive'; RETURN NEXT;
  END IF;
  IF x.rule IS NULL THEN
    RETURN;
  END IF;

  rule_id := x.rule;
  IF NOT x.is_compatible THEN
    reason := pg_catalog.format('license type %s may not take %s lessons', x.client_license_type, x.lesson_type);
    RETURN NEXT;
  END IF;
  IF x.resource_found AND x.required_resource_license IS NOT NULL
     AND NOT x.required_resource_license OPERATOR(pg_catalog.=) ANY (x.license_classes) THEN
    reason := pg_catalog.format('the resource lacks license class %s', x.required_resource_license);
    RETURN NEXT;
  END IF;
  IF x.date_of_birth IS NULL AND (x.min_client_age IS NOT NULL OR x.max_client_age IS NOT NULL) THEN
    reason := 'date of birth unknown, the rule has an age limit'; RETURN NEXT;
  END IF;
  IF x.age OPERATOR(pg_catalog.<) x.min_client_age THEN
    reason := pg_catalog.format('client is %s on %s, younger than %s', x.age, eligibility_problems.on_date, x.min_client_age);
    RETURN NEXT;
  END IF;
  IF x.age OPERATOR(pg_catalog.>) x.max_client_age THEN
    reason := pg_catalog.format('client is %s on %s, older than %s', x.age, eligibility_problems.on_date, x.max_client_age);
    RETURN NEXT;
  END IF;
  IF x.duration_minutes OPERATOR(pg_catalog.<) x.min_duration_minutes THEN
    reason := pg_catalog.format('a %s-minute lesson is shorter than the rule''s %s minutes', x.duration_minutes, x.min_duration_minutes);
    RETURN NEXT;
  END IF;
  IF x.duration_minutes OPERATOR(pg_catalog.>) x.max_duration_minutes THEN
    reason := pg_catalog.format('a %s-minute lesson is longer than the rule''s %s minutes', x.duration_minutes, x.max_duration_minutes);
    RETURN NEXT;
  END IF;
  IF x.prerequisites OPERATOR(pg_catalog.<>) '[]'::pg_catalog.jsonb THEN
    FOR prerequisite IN SELECT pg_catalog.jsonb_array_elements_text(x.prerequisites) LOOP
      IF NOT EXISTS (
        SELECT 1 FROM booking.booking b
          JOIN booking.service ps ON ps.org_id OPERATOR(pg_catalog.=) b.org_id AND ps.id OPERATOR(pg_catalog.=) b.service_id
         WHERE b.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
           AND b.client_id OPERATOR(pg_catalog.=) eligibility_problems.client_id
           AND b.status OPERATOR(pg_catalog.=) 'completed'::booking.booking_status
           AND ps.lesson_type OPERATOR(pg_catalog.=) prerequisite) THEN
        reason := pg_catalog.format('prerequisite not completed: a %s lesson', prerequisite);
        RETURN NEXT;
      END IF;
    END LOOP;
  END IF;
  IF x.requires_parental_consent AND x.org_found
     AND (x.age IS NULL OR x.age OPERATOR(pg_catalog.<) x.majority)
     AND NOT EXISTS (
       SELECT 1 FROM booking.client_guardian cg
        WHERE cg.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
          AND cg.client_id OPERATOR(pg_catalog.=) eligibility_problems.client_id
          AND cg.consent_given_at IS NOT NULL
          AND cg.consent_given_at OPERATOR(pg_catalog.<=) pg_catalog.now()) THEN
    reason := 'parental consent missing: no guardian of the client has given consent';
    RETURN NEXT;
  END IF;
END
$$;
COMMENT ON FUNCTION booking.eligibility_problems(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date) IS
  'why client_id may not book service_id with resource_id on local date on_date: one row per problem (rule_id NULL for an inactive client, service or resource), none when eligible. The license rule of (client license type, service lesson type) applies if active: compatibility, the resource''s license class, age limits on on_date, lesson length, completed prerequisite lesson types, and parental consent (a guardian link with consent given) for a client under the org''s age of majority (settings.age_of_majority, default 18) or of unknown age. No rule, no license restriction';

-- Hold expiry: a writer that needs the time or seats of an expired hold
-- expires it first (status expired, a system transition).
CREATE OR REPLACE FUNCTION booking.expire_holds(org_id pg_catalog.uuid, resource_id pg_catalog.uuid,
                                     session_id pg_catalog.uuid, during pg_catalog.tstzrange)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  n pg_catalog.int4;
BEGIN
  IF expire_holds.session_id IS NOT NULL THEN
    UPDATE booking.booking b SET status = 'expired'
     WHERE b.org_id OPERATOR(pg_catalog.=) expire_holds.org_id
       AND b.session_id OPERATOR(pg_catalog.=) expire_holds.session_id
       AND booking.status_occupies(b.status)
       AND b.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now();
  ELSE
    UPDATE booking.booking b SET status = 'expired'
     WHERE b.org_id OPERATOR(pg_catalog.=) expire_holds.org_id
       AND b.resource_id OPERATOR(pg_catalog.=) expire_holds.resource_id
       AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
           OPERATOR(pg_catalog.&&) expire_holds.during
       AND b.session_id IS NULL
       AND booking.status_occupies(b.status)
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
-- waiting larger one.
CREATE OR REPLACE FUNCTION booking.promote_waitlist(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  cap pg_catalog.int4;
  candidate pg_catalog.uuid;
  wanted pg_catalog.int4;
  n pg_catalog.int4 := 0;
BEGIN
  PERFORM booking.lock_session(promote_waitlist.org_id, promote_waitlist.session_id);
  SELECT s.capacity INTO cap FROM booking.session s
   WHERE s.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND s.id OPERATOR(pg_catalog.=) promote_waitlist.session_id
     AND s.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  LOOP
    SELECT b.id INTO candidate FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id
       AND b.session_id OPERATOR(pg_catalog.=) promote_waitlist.session_id
       AND b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
     ORDER BY b.created_at, b.id
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    -- Lock it; a concurrent change (its cancellation) wins, then look again.
    SELECT b.seats INTO wanted FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND b.id OPERATOR(pg_catalog.=) candidate
       AND b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
     FOR UPDATE;
    CONTINUE WHEN NOT FOUND;
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
    IF NEW.org_id IS DISTINCT FROM booking.current_org_id() AND NOT booking.login_bypasses_rls() THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'new row violates row-level security policy for table "booking"',
        DETAIL = 'The booking''s org is not the acting org.';
    END IF;
    maintenance := booking.current_org_id() IS NULL AND booking.writing_as_maintenance();
    IF NEW.idempotency_key IS NOT NULL THEN
      NEW.idempotency_fingerprint := booking.request_fingerprint(NEW);
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
       AND NEW.org_id IS NOT DISTINCT FROM OLD.org_id THEN
      RETURN NEW;
    END IF;
    maintenance := booking.current_org_id() IS NULL AND booking.writing_as_maintenance();
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
    IF NEW.starts_at OPERATOR(pg_catalog.<>) ses.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) ses.ends_at
       OR NEW.resource_id OPERATOR(pg_catalog.<>) ses.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) ses.service_id THEN
      RAISE EXCEPTION USING ERRCODE = '22K02',
        MESSAGE = 'booking does not match its session',
        DETAIL = pg_catalog.format('Session %s runs %s to %s with resource %s and service %s.',
                                   ses.id, ses.starts_at, ses.ends_at, ses.resource_id, ses.service_id),
        HINT = 'Leave starts_at, ends_at, resource_id and service_id out; they are taken from the session.';
    END IF;
  ELSIF NEW.resource_id IS NULL THEN
    RETURN NEW;                           -- booking_resource_or_session reports it
  ELSIF NEW.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status THEN
    RAISE EXCEPTION USING ERRCODE = '22K04',
      MESSAGE = 'only a session booking can be waitlisted',
      HINT = 'An appointment is either booked or refused; pick another time.';
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
                                 svc.duration_minutes, NEW.starts_at, NEW.ends_at),
      HINT = 'Set ends_at to starts_at plus the service''s duration, or book another service.';
  END IF;

  occupies := booking.occupies_now(NEW.status, NEW.hold_expires_at);
  -- Does this write newly claim time or seats?
  claims := booking.status_occupies(NEW.status)
            AND (is_insert OR NOT booking.occupies_now(OLD.status, OLD.hold_expires_at)
                 OR NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
                 OR NEW.resource_id IS DISTINCT FROM OLD.resource_id OR NEW.session_id IS DISTINCT FROM OLD.session_id
                 OR NEW.seats OPERATOR(pg_catalog.>) OLD.seats OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id);

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
        DETAIL = pg_catalog.format('hold_expires_at is %s, now is %s.', NEW.hold_expires_at, pg_catalog.now());
    END IF;
    IF NOT is_insert AND OLD.hold_expires_at IS NOT NULL
       AND booking.status_occupies(OLD.status) AND NOT booking.occupies_now(OLD.status, OLD.hold_expires_at)
       AND booking.status_occupies(NEW.status) AND NOT booking.acting_is_system() THEN
      RAISE EXCEPTION USING ERRCODE = '23K05',
        MESSAGE = 'hold has expired',
        DETAIL = pg_catalog.format('Booking %s was held until %s.', OLD.id, OLD.hold_expires_at),
        HINT = 'Its time or seats may already be taken; book again.';
    END IF;
    -- A session that has started, or is no longer scheduled, takes no new booking.
    IF NEW.session_id IS NOT NULL THEN
      IF booking.status_is_open(NEW.status) AND (is_insert OR NEW.session_id IS DISTINCT FROM OLD.session_id)
         AND (ses.starts_at OPERATOR(pg_catalog.<=) pg_catalog.now() OR ses.status OPERATOR(pg_catalog.<>) 'scheduled'::booking.session_status) THEN
        RAISE EXCEPTION USING ERRCODE = '22K03',
          MESSAGE = 'session is not open for booking',
          DETAIL = pg_catalog.format('Session %s is %s and starts at %s.', ses.id, ses.status, ses.starts_at);
      END IF;
    END IF;
  END IF;

  IF NEW.session_id IS NOT NULL AND (claims OR (is_insert AND NEW.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status)) THEN
    PERFORM booking.lock_session(NEW.org_id, NEW.session_id);
    -- Seats of lapsed holds are free (booking.seats_taken ignores them),
    -- but the waitlist gets them before a newcomer: expire those holds
    -- first, which promotes the waitlist.  (Not when the waitlist itself
    -- is being written: promotion must not touch the row being updated.)
    IF (is_insert OR OLD.status OPERATOR(pg_catalog.<>) 'waitlisted'::booking.booking_status)
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
      END IF;
    ELSE
      -- Expired holds in the way are expired first; anything else in the
      -- way is refused by booking_no_overlap.
      IF EXISTS (SELECT 1 FROM booking.booking b
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
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_check() IS
  'trigger: the write path of a booking (see sql/parts/45_write_path.sql): copies buffers and the request fingerprint, fills session bookings from their session, checks duration, session, holds, seats (under booking.lock_session) and eligibility; for appointments takes the day locks (booking.lock_scope over booking.local_days), expires holds in the way and applies the solver''s rules (booking.check_slot), recording an owner''s or admin''s override';

-- Seats freed (a cancellation, fewer seats, a move to another session, an
-- expired hold, a deletion): the waitlist gets them in the same transaction.
CREATE OR REPLACE FUNCTION booking.tg_write_release() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
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
  WHEN (OLD.session_id IS NOT NULL AND booking.status_occupies(OLD.status)
        AND (NOT booking.status_occupies(NEW.status) OR NEW.session_id IS DISTINCT FROM OLD.session_id
             OR NEW.seats OPERATOR(pg_catalog.<) OLD.seats))
  EXECUTE FUNCTION booking.tg_write_release();
CREATE OR REPLACE TRIGGER write_release_delete AFTER DELETE ON booking.booking
  FOR EACH ROW
  WHEN (OLD.session_id IS NOT NULL AND booking.status_occupies(OLD.status))
  EXECUTE FUNCTION booking.tg_write_release();

-- Sessions: capacity never below the seats taken; more capacity promotes
-- the waitlist; new times, resource or service carry over to the open
-- bookings.
CREATE OR REPLACE FUNCTION booking.tg_write_session_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  taken pg_catalog.int8;
BEGIN
  PERFORM booking.lock_session(NEW.org_id, NEW.id);
  taken := booking.seats_taken(NEW.org_id, NEW.id);
  IF NEW.capacity OPERATOR(pg_catalog.<) taken THEN
    RAISE EXCEPTION USING ERRCODE = '23K02',
      MESSAGE = 'capacity below the seats taken',
      DETAIL = pg_catalog.format('Session %s has %s seat(s) taken; the new capacity is %s.', NEW.id, taken, NEW.capacity),
      HINT = 'Cancel bookings first, or keep the capacity.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_check() IS
  'trigger: refuse to lower a session''s capacity below its seats taken (23K02), under booking.lock_session';

CREATE OR REPLACE FUNCTION booking.tg_write_session_follow() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
BEGIN
  IF NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
     OR NEW.resource_id OPERATOR(pg_catalog.<>) OLD.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id THEN
    UPDATE booking.booking b
       SET starts_at = NEW.starts_at, ends_at = NEW.ends_at, resource_id = NEW.resource_id, service_id = NEW.service_id
     WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.session_id OPERATOR(pg_catalog.=) NEW.id
       AND booking.status_is_open(b.status);
  END IF;
  IF NEW.capacity OPERATOR(pg_catalog.>) OLD.capacity OR NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
    PERFORM booking.promote_waitlist(NEW.org_id, NEW.id);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_follow() IS
  'trigger: after a session changed, move its open bookings to its new times, resource and service (a system change), and promote its waitlist when it has more capacity';

-- A scheduled session occupies its resource like an appointment (the
-- solver counts it): it may not overlap the resource's appointments or
-- other scheduled sessions, buffers included, checked under the same
-- resource-day locks the appointments' writers take.
CREATE OR REPLACE FUNCTION booking.tg_write_session_time() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  zone pg_catalog.text;
  padded pg_catalog.tstzrange;
  other record;
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
     AND NEW.starts_at OPERATOR(pg_catalog.=) OLD.starts_at AND NEW.ends_at OPERATOR(pg_catalog.=) OLD.ends_at
     AND NEW.resource_id OPERATOR(pg_catalog.=) OLD.resource_id AND NEW.service_id OPERATOR(pg_catalog.=) OLD.service_id
     AND OLD.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status THEN
    RETURN NEW;
  END IF;
  IF booking.writing_as_maintenance() OR NEW.ends_at OPERATOR(pg_catalog.<=) NEW.starts_at THEN
    RETURN NEW;                           -- restores; the CHECK reports the rest
  END IF;
  SELECT o.time_zone::pg_catalog.text AS zone,
         booking.padded_range(NEW.starts_at, NEW.ends_at, s.buffer_before_minutes, s.buffer_after_minutes) AS padded
    INTO zone, padded
    FROM booking.service s JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) s.org_id
   WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.service_id;
  IF NOT FOUND THEN
    RETURN NEW;                           -- the foreign key reports it
  END IF;
  PERFORM booking.lock_scope(NEW.org_id, NEW.resource_id, booking.local_days(zone, padded, 0));
  SELECT 'booking' AS kind, b.id, b.starts_at, b.ends_at INTO other
    FROM booking.booking b
   WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.resource_id OPERATOR(pg_catalog.=) NEW.resource_id
     AND b.session_id IS NULL AND booking.occupies_now(b.status, b.hold_expires_at)
     AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
         OPERATOR(pg_catalog.&&) padded
   ORDER BY b.starts_at LIMIT 1;
  IF NOT FOUND THEN
    SELECT 'session' AS kind, x.id, x.starts_at, x.ends_at INTO other
      FROM booking.session x JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) x.org_id
                                                   AND s.id OPERATOR(pg_catalog.=) x.service_id
     WHERE x.org_id OPERATOR(pg_catalog.=) NEW.org_id AND x.resource_id OPERATOR(pg_catalog.=) NEW.resource_id
       AND x.id OPERATOR(pg_catalog.<>) NEW.id AND x.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status
       AND booking.padded_range(x.starts_at, x.ends_at, s.buffer_before_minutes, s.buffer_after_minutes)
           OPERATOR(pg_catalog.&&) padded
     ORDER BY x.starts_at LIMIT 1;
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'exclusion_violation',
      MESSAGE = 'session overlaps another commitment of its resource',
      DETAIL = pg_catalog.format('Resource %s has %s %s from %s to %s (buffers included).',
                                 NEW.resource_id, other.kind, other.id, other.starts_at, other.ends_at),
      HINT = 'Move the session, or cancel what it overlaps first.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_time() IS
  'trigger: a scheduled session may not overlap its resource''s appointments or other scheduled sessions, buffers included (23P01), checked under the same day locks as the appointments'' writers (booking.lock_scope over booking.local_days)';

CREATE OR REPLACE TRIGGER write_session_time BEFORE INSERT OR UPDATE ON booking.session
  FOR EACH ROW WHEN (NEW.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status)
  EXECUTE FUNCTION booking.tg_write_session_time();
CREATE OR REPLACE TRIGGER write_session_check BEFORE UPDATE OF capacity ON booking.session
  FOR EACH ROW WHEN (NEW.capacity OPERATOR(pg_catalog.<) OLD.capacity)
  EXECUTE FUNCTION booking.tg_write_session_check();
CREATE OR REPLACE TRIGGER write_session_follow AFTER UPDATE ON booking.session
  FOR EACH ROW
  WHEN (NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
        OR NEW.resource_id OPERATOR(pg_catalog.<>) OLD.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id
        OR NEW.capacity OPERATOR(pg_catalog.>) OLD.capacity OR NEW.status OPERATOR(pg_catalog.<>) OLD.status)
  EXECUTE FUNCTION booking.tg_write_session_follow();
