-- Life cycle, the one path.  Triggers on booking.booking check every status
-- change and every reschedule against the org's rules (the same check for a
-- plain UPDATE and for the functions below) and record it in the same
-- transaction: status history, an outbox event, the scheduled transitions
-- of the new status and, for a cancellation, the refund on the payment.
-- Then the functions applications call: transition, cancel, reschedule,
-- cancellation_quote, status_at, and the runner of scheduled transitions.
--
-- Who acts: the system while booking.internal is on (the extension's own
-- SECURITY DEFINER functions); otherwise the identity set by act_as.  A
-- caller with neither that booking.writing_as_maintenance() accepts (a
-- superuser or BYPASSRLS role: loading data, pg_restore) writes rows as
-- given, unchecked and unrecorded; any other caller without an identity is
-- refused.

-- The automatic transitions of booking b's current status, as rows for
-- booking.scheduled_transition: pending expires after
-- pending_expiry_minutes (at the start at the latest); confirmed gets the
-- no-show check and auto-completion; waitlisted expires at the session's
-- start (issue 14: a waiting entry never outlives its session).  One SELECT with no SET clause, so
-- that the planner inlines it into the statement that writes the history
-- row: this runs for every new booking.
CREATE OR REPLACE FUNCTION booking.lifecycle_schedule(b booking.booking)
  RETURNS TABLE (kind pg_catalog.text, to_status booking.booking_status, execute_at pg_catalog.timestamptz,
                 expected_status booking.booking_status[], reason pg_catalog.text)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_column
-- PL/pgSQL: Citus cannot plan an SQL function's query of a distributed
-- table with parameters (the org's settings are read first, by its id).
DECLARE
  settings pg_catalog.jsonb;
BEGIN
  SELECT st.settings INTO settings FROM booking.org st WHERE st.id OPERATOR(pg_catalog.=) b.org_id;
  RETURN QUERY
    SELECT k.kind, k.to_status,
           LEAST(k.base OPERATOR(pg_catalog.+) pg_catalog.make_interval(mins => k.m), k.latest),
           k.expected_status, pg_catalog.format(k.reason, k.m)
      FROM (VALUES
             (1, 'pending'::booking.booking_status, 'expiry', 'expired'::booking.booking_status,
              pg_catalog.now(), b.starts_at, '{pending}'::booking.booking_status[],
              'not confirmed within %s minutes', booking.lifecycle_minutes(settings, 'pending_expiry_minutes')),
             (2, 'confirmed', 'no_show', 'no_show', b.starts_at, 'infinity', '{confirmed}',
              'not started %s minutes after the start', booking.lifecycle_minutes(settings, 'no_show_after_minutes')),
             (3, 'confirmed', 'auto_complete', 'completed', b.ends_at, 'infinity', '{confirmed,in_progress}',
              'completed automatically %s minutes after the end', booking.lifecycle_minutes(settings, 'auto_complete_after_minutes')),
             (4, 'waitlisted', 'expiry', 'expired', b.starts_at, 'infinity', '{waitlisted}',
              'still waitlisted when the session started', 0)
           ) AS k(ord, status, kind, to_status, base, latest, expected_status, reason, m)
     WHERE k.status OPERATOR(pg_catalog.=) b.status AND k.m IS NOT NULL
     ORDER BY k.ord;
END
$$;
COMMENT ON FUNCTION booking.lifecycle_schedule(booking.booking) IS
  'the automatic transitions booking b''s status schedules, from the org''s settings.lifecycle: pending expires after pending_expiry_minutes (at the start at the latest); confirmed gets the no-show check at start + no_show_after_minutes and auto-completion at end + auto_complete_after_minutes; waitlisted expires at the start; the life-cycle triggers write them to booking.scheduled_transition';

-- Apply the cancellation policy to a booking being cancelled and record the
-- refund on its payment; returns what was applied.
CREATE OR REPLACE FUNCTION booking.lifecycle_settle_cancellation(b booking.booking) RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  who booking.cancellation_actor := booking.cancellation_actor_of(b);
  t record;
  p booking.payment;
  refund pg_catalog.int8;
  new_status booking.payment_status;
BEGIN
  t := booking.cancellation_terms(b.org_id, who, b.price_cents, b.starts_at, pg_catalog.now());
  SELECT * INTO p FROM booking.payment x
   WHERE x.org_id OPERATOR(pg_catalog.=) b.org_id AND x.booking_id OPERATOR(pg_catalog.=) b.id
   FOR UPDATE;
  IF NOT FOUND THEN
    refund := t.refund_cents;       -- no payment recorded here: the terms only
  ELSIF p.status OPERATOR(pg_catalog.=) ANY ('{succeeded,partially_refunded}'::booking.payment_status[]) THEN
    refund := LEAST(t.refund_cents, p.amount_cents OPERATOR(pg_catalog.-) p.refunded_cents);
    IF refund OPERATOR(pg_catalog.>) 0 THEN
      -- Recorded now (the payment trigger sets the status and splits the
      -- refund); the provider worker gets the request from the outbox, and
      -- the provider's charge.refunded confirms it (booking.ingest_webhook).
      new_status := CASE WHEN p.refunded_cents OPERATOR(pg_catalog.+) refund OPERATOR(pg_catalog.=) p.amount_cents
                         THEN 'refunded' ELSE 'partially_refunded' END;
      PERFORM pg_catalog.set_config('booking_money.cause', 'cancellation', true);
      UPDATE booking.payment x
         SET refunded_cents = x.refunded_cents OPERATOR(pg_catalog.+) refund
       WHERE x.org_id OPERATOR(pg_catalog.=) p.org_id AND x.id OPERATOR(pg_catalog.=) p.id;
      PERFORM pg_catalog.set_config('booking_money.cause', '', true);
      INSERT INTO booking.outbox (org_id, topic, payload)
      VALUES (p.org_id, 'payment.refund_requested', pg_catalog.jsonb_build_object(
                'org_id', p.org_id, 'payment_id', p.id, 'booking_id', b.id, 'provider', p.provider,
                'provider_payment_id', p.provider_payment_id, 'provider_charge_id', p.provider_charge_id,
                'currency', p.currency, 'amount_cents', refund,
                'refunded_cents', p.refunded_cents OPERATOR(pg_catalog.+) refund,
                'idempotency_key', pg_catalog.concat(p.id, ':refund:', p.refunded_cents OPERATOR(pg_catalog.+) refund)));
      PERFORM booking.issue_credit_note(p.org_id, b.id, refund);
    END IF;
  ELSIF p.status OPERATOR(pg_catalog.=) ANY ('{pending,authorized}'::booking.payment_status[]) THEN
    refund := 0;                    -- nothing was captured: the payment is voided
    new_status := 'cancelled';
    PERFORM pg_catalog.set_config('booking_money.cause', 'cancellation', true);
    UPDATE booking.payment x SET status = new_status
     WHERE x.org_id OPERATOR(pg_catalog.=) p.org_id AND x.id OPERATOR(pg_catalog.=) p.id;
    PERFORM pg_catalog.set_config('booking_money.cause', '', true);
  ELSE
    refund := 0;                    -- failed, refunded or cancelled already
  END IF;
  RETURN pg_catalog.jsonb_build_object(
    'actor', who, 'policy_id', t.policy_id, 'hours_before_start', t.hours_before_start,
    'refund_percentage', t.refund_percentage, 'fee_cents', t.fee_cents, 'refund_cents', refund,
    'policy_refund_cents', t.refund_cents, 'payment_id', p.id,
    'payment_status', COALESCE(new_status, p.status));
END
$$;
COMMENT ON FUNCTION booking.lifecycle_settle_cancellation(booking.booking) IS
  'apply the org''s cancellation policy to booking b for the acting user (see booking.cancellation_terms) and record the refund on its payment: a captured payment (succeeded, partially_refunded) gets refunded_cents raised by the refund, at most to its amount, a payment.refund_requested outbox event for the provider worker and, when the booking was invoiced, a credit note; an uncaptured one (pending, authorized) is cancelled with no refund; returns actor, policy_id, hours_before_start, refund_percentage, fee_cents, refund_cents, policy_refund_cents, payment_id, payment_status';

CREATE OR REPLACE FUNCTION booking.tg_lifecycle_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  sys pg_catalog.bool := booking.acting_is_system();
  uid pg_catalog.uuid := booking.current_user_id();
  reason pg_catalog.text := NULLIF(pg_catalog.current_setting('booking.reason', true), '');
  actor pg_catalog.uuid;
  given_cancellation_reason pg_catalog.text;
  moved pg_catalog.bool;
BEGIN
  IF NOT sys AND uid IS NULL THEN
    IF booking.writing_as_maintenance() THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'changing a booking needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
  END IF;
  actor := CASE WHEN sys THEN NULL ELSE uid END;

  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    IF NOT sys AND NEW.status OPERATOR(pg_catalog.<>) ALL ('{pending,waitlisted,confirmed}'::booking.booking_status[]) THEN
      RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
        MESSAGE = pg_catalog.format('a new booking cannot start as %s', NEW.status),
        DETAIL = 'A booking is created pending, waitlisted or confirmed and then moves on by the org''s transition rules.',
        HINT = 'Create it, then call booking.transition().';
    END IF;
    NEW.previous_status := NULL;
    NEW.status_changed_at := pg_catalog.now();
    NEW.status_changed_by := actor;
    NEW.cancelled_by := NULL;
    NEW.cancelled_at := NULL;
    NEW.cancellation_reason := NULL;
    NEW.rescheduled_from := NULL;
    NEW.rescheduled_at := NULL;
    NEW.reschedule_reason := NULL;
    RETURN NEW;
  END IF;

  -- The columns the life cycle owns are set here, never taken from the client.
  IF NEW.cancellation_reason IS DISTINCT FROM OLD.cancellation_reason THEN
    given_cancellation_reason := NULLIF(NEW.cancellation_reason, '');
  END IF;
  NEW.previous_status := OLD.previous_status;
  NEW.status_changed_at := OLD.status_changed_at;
  NEW.status_changed_by := OLD.status_changed_by;
  NEW.cancelled_by := OLD.cancelled_by;
  NEW.cancelled_at := OLD.cancelled_at;
  NEW.cancellation_reason := OLD.cancellation_reason;
  NEW.rescheduled_from := OLD.rescheduled_from;
  NEW.rescheduled_at := OLD.rescheduled_at;
  NEW.reschedule_reason := OLD.reschedule_reason;

  IF NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
    -- A hold that has lapsed is over whatever the org's rules say: the
    -- write path expires it (as the system) when its time or seats are
    -- wanted.
    IF NOT (sys AND NEW.status OPERATOR(pg_catalog.=) 'expired'::booking.booking_status
            AND OLD.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()) THEN
      PERFORM booking.lifecycle_decide('transition', ROW(OLD.*)::booking.booking, NEW.status,
        reason IS NOT NULL OR (NEW.status OPERATOR(pg_catalog.=) 'cancelled' AND given_cancellation_reason IS NOT NULL));
    END IF;
    NEW.previous_status := OLD.status;
    NEW.status_changed_at := pg_catalog.now();
    NEW.status_changed_by := actor;
    IF NEW.status OPERATOR(pg_catalog.=) 'cancelled' THEN
      NEW.cancelled_at := pg_catalog.now();
      NEW.cancelled_by := actor;
      NEW.cancellation_reason := COALESCE(reason, given_cancellation_reason);
    END IF;
  END IF;

  -- A move in time, or of an appointment to another resource, is a
  -- reschedule (issue 19); so is a move of place alone (a new pickup or
  -- dropoff, point or address), with the same states and rule, by
  -- booking.reschedule() or a plain UPDATE.
  moved := NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
           OR (OLD.session_id IS NULL AND NEW.resource_id IS DISTINCT FROM OLD.resource_id);
  IF moved OR booking.place_moved(OLD.pickup_point, OLD.pickup_address, NEW.pickup_point, NEW.pickup_address)
     OR booking.place_moved(OLD.dropoff_point, OLD.dropoff_address, NEW.dropoff_point, NEW.dropoff_address) THEN
    IF NOT sys THEN
      IF NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
          MESSAGE = pg_catalog.format('cannot reschedule booking %s and change its status at once', OLD.id),
          HINT = 'Change the status and the time in separate statements.';
      END IF;
      IF OLD.status OPERATOR(pg_catalog.<>) ALL ('{pending,waitlisted,confirmed}'::booking.booking_status[]) THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
          MESSAGE = pg_catalog.format('cannot reschedule booking %s: it is %s', OLD.id, OLD.status),
          DETAIL = 'Only pending, waitlisted and confirmed bookings can be rescheduled.';
      END IF;
      IF moved AND OLD.session_id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
          MESSAGE = pg_catalog.format('cannot reschedule booking %s: it takes seats in session %s and keeps its time', OLD.id, OLD.session_id),
          HINT = 'Cancel it and book another session.';
      END IF;
      PERFORM booking.lifecycle_decide('reschedule', ROW(OLD.*)::booking.booking, 'cancelled', reason IS NOT NULL);
    END IF;
    NEW.rescheduled_from := OLD.starts_at;
    NEW.rescheduled_at := pg_catalog.now();
    NEW.reschedule_reason := reason;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_lifecycle_check() IS
  'trigger (BEFORE INSERT OR UPDATE on booking): refuse a status change or reschedule (of time, resource or place) no active rule allows for the acting user or the system (a lapsed hold expiring by the system needs no rule), and set previous_status, status_changed_*, cancelled_* and rescheduled_* (never taken from the client)';

CREATE OR REPLACE FUNCTION booking.tg_lifecycle_record() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  sys pg_catalog.bool := booking.acting_is_system();
  uid pg_catalog.uuid := booking.current_user_id();
  actor pg_catalog.uuid;
  reason pg_catalog.text := NULLIF(pg_catalog.current_setting('booking.reason', true), '');
  meta pg_catalog.jsonb := COALESCE(NULLIF(pg_catalog.current_setting('booking.metadata', true), '')::pg_catalog.jsonb, '{}');
  from_status booking.booking_status;
  actor_kind pg_catalog.text;
  cancellation pg_catalog.jsonb;
  hid pg_catalog.int8;
  t pg_catalog.record;
  place pg_catalog.jsonb := '{}';
BEGIN
  IF NOT sys AND uid IS NULL THEN
    RETURN NULL;                -- maintenance (lifecycle_check refused anyone else)
  END IF;
  IF pg_catalog.jsonb_typeof(meta) OPERATOR(pg_catalog.<>) 'object' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'booking.metadata must be a JSON object',
      DETAIL = pg_catalog.format('It is %s.', meta);
  END IF;
  actor := CASE WHEN sys THEN NULL ELSE uid END;
  actor_kind := CASE WHEN sys THEN 'system' ELSE 'user' END;
  meta := meta OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('actor', actor_kind);

  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
      from_status := OLD.status;
    END IF;
    IF NEW.status OPERATOR(pg_catalog.=) 'cancelled' THEN
      cancellation := booking.lifecycle_settle_cancellation(ROW(NEW.*)::booking.booking);
      meta := meta OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('cancellation', cancellation);
      reason := COALESCE(reason, NEW.cancellation_reason);
    END IF;
    -- the history row, its outbox event and the new status's scheduled
    -- transitions, in plain statements of one org (router queries under
    -- Citus, which cannot plan a data-modifying CTE on a shard)
    INSERT INTO booking.status_history (org_id, booking_id, from_status, to_status, actor_user_id, reason, metadata)
    VALUES (NEW.org_id, NEW.id, from_status, NEW.status, actor, reason, meta)
    RETURNING id INTO hid;
    INSERT INTO booking.outbox (org_id, topic, payload)
    VALUES (NEW.org_id, 'booking.status.' OPERATOR(pg_catalog.||) NEW.status::pg_catalog.text,
            pg_catalog.jsonb_build_object(
              'history_id', hid, 'org_id', NEW.org_id, 'booking_id', NEW.id,
              'from', from_status, 'to', NEW.status, 'at', pg_catalog.now(),
              'actor', actor_kind, 'actor_user_id', actor, 'reason', reason,
              'client_id', NEW.client_id, 'resource_id', NEW.resource_id, 'session_id', NEW.session_id,
              'starts_at', NEW.starts_at, 'ends_at', NEW.ends_at)
            OPERATOR(pg_catalog.||) CASE WHEN cancellation IS NULL THEN '{}'::pg_catalog.jsonb
                                         ELSE pg_catalog.jsonb_build_object('cancellation', cancellation) END);
    FOR t IN SELECT * FROM booking.lifecycle_schedule(ROW(NEW.*)::booking.booking) LOOP
      INSERT INTO booking.scheduled_transition
        (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
      VALUES (NEW.org_id, NEW.id, t.kind, t.to_status, t.execute_at, t.expected_status, NEW.starts_at, t.reason);
    END LOOP;
  END IF;

  -- the place before and after, of the pickup and of the dropoff that moved
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    IF booking.place_moved(OLD.pickup_point, OLD.pickup_address, NEW.pickup_point, NEW.pickup_address) THEN
      place := pg_catalog.jsonb_build_object(
        'from_pickup_point', booking.point_lat_lng(OLD.pickup_point), 'from_pickup_address', OLD.pickup_address,
        'pickup_point', booking.point_lat_lng(NEW.pickup_point), 'pickup_address', NEW.pickup_address);
    END IF;
    IF booking.place_moved(OLD.dropoff_point, OLD.dropoff_address, NEW.dropoff_point, NEW.dropoff_address) THEN
      place := place OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'from_dropoff_point', booking.point_lat_lng(OLD.dropoff_point), 'from_dropoff_address', OLD.dropoff_address,
        'dropoff_point', booking.point_lat_lng(NEW.dropoff_point), 'dropoff_address', NEW.dropoff_address);
    END IF;
  END IF;

  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
     AND (NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
          OR (OLD.session_id IS NULL AND NEW.resource_id IS DISTINCT FROM OLD.resource_id)
          OR place OPERATOR(pg_catalog.<>) '{}'::pg_catalog.jsonb) THEN
    INSERT INTO booking.status_history (org_id, booking_id, from_status, to_status, actor_user_id, reason, metadata)
    VALUES (NEW.org_id, NEW.id, NEW.status, NEW.status, actor, NEW.reschedule_reason,
            meta OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
              'event', 'rescheduled', 'from_starts_at', OLD.starts_at, 'from_ends_at', OLD.ends_at,
              'starts_at', NEW.starts_at, 'ends_at', NEW.ends_at)
            OPERATOR(pg_catalog.||) CASE WHEN NEW.resource_id IS DISTINCT FROM OLD.resource_id
                                         THEN pg_catalog.jsonb_build_object('from_resource_id', OLD.resource_id,
                                                                            'resource_id', NEW.resource_id)
                                         ELSE '{}'::pg_catalog.jsonb END
            OPERATOR(pg_catalog.||) place)
    RETURNING id INTO hid;
    INSERT INTO booking.outbox (org_id, topic, payload)
    VALUES (NEW.org_id, 'booking.rescheduled',
            pg_catalog.jsonb_build_object(
              'history_id', hid, 'org_id', NEW.org_id, 'booking_id', NEW.id, 'status', NEW.status,
              'at', pg_catalog.now(), 'actor', actor_kind, 'actor_user_id', actor,
              'reason', NEW.reschedule_reason, 'from_starts_at', OLD.starts_at, 'from_ends_at', OLD.ends_at,
              'starts_at', NEW.starts_at, 'ends_at', NEW.ends_at,
              'client_id', NEW.client_id, 'resource_id', NEW.resource_id, 'from_resource_id', OLD.resource_id)
            OPERATOR(pg_catalog.||) place);
    -- the new time's transitions (a new status got its own above)
    IF NEW.status OPERATOR(pg_catalog.=) OLD.status
       AND (NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at) THEN
      FOR t IN SELECT * FROM booking.lifecycle_schedule(ROW(NEW.*)::booking.booking) LOOP
        INSERT INTO booking.scheduled_transition
          (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
        VALUES (NEW.org_id, NEW.id, t.kind, t.to_status, t.execute_at, t.expected_status, NEW.starts_at, t.reason);
      END LOOP;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_lifecycle_record() IS
  'trigger (AFTER INSERT OR UPDATE on booking): in the same transaction append the change to booking.status_history, write an outbox event (booking.status.<to> or booking.rescheduled: a move in time, to another resource or of the pickup or dropoff, with the place before and after), schedule the automatic transitions of the new status and, on cancellation, apply the cancellation policy and record the refund on the payment';

CREATE OR REPLACE FUNCTION booking.tg_lifecycle_settings_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.lifecycle_settings_check(NEW.settings);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_lifecycle_settings_check() IS
  'trigger (BEFORE INSERT OR UPDATE OF settings on org): check settings.lifecycle (SQLSTATE 22023)';

CREATE OR REPLACE TRIGGER lifecycle_check BEFORE INSERT OR UPDATE ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_lifecycle_check();
CREATE OR REPLACE TRIGGER lifecycle_record_insert AFTER INSERT ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_lifecycle_record();
CREATE OR REPLACE TRIGGER lifecycle_record_update AFTER UPDATE ON booking.booking
  FOR EACH ROW
  WHEN (OLD.status OPERATOR(pg_catalog.<>) NEW.status OR OLD.starts_at OPERATOR(pg_catalog.<>) NEW.starts_at
        OR OLD.ends_at OPERATOR(pg_catalog.<>) NEW.ends_at
        OR (OLD.session_id IS NULL AND OLD.resource_id IS DISTINCT FROM NEW.resource_id)
        OR booking.place_moved(OLD.pickup_point, OLD.pickup_address, NEW.pickup_point, NEW.pickup_address)
        OR booking.place_moved(OLD.dropoff_point, OLD.dropoff_address, NEW.dropoff_point, NEW.dropoff_address))
  EXECUTE FUNCTION booking.tg_lifecycle_record();
CREATE OR REPLACE TRIGGER lifecycle_settings_check BEFORE INSERT OR UPDATE OF settings ON booking.org
  FOR EACH ROW EXECUTE FUNCTION booking.tg_lifecycle_settings_check();

-- ------------------------------------------------------------------------
-- The functions applications call
-- ------------------------------------------------------------------------

-- Lock a booking visible to the caller; raise no_data_found otherwise.
CREATE OR REPLACE FUNCTION booking.lifecycle_lock(booking_id pg_catalog.uuid) RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  org pg_catalog.uuid := booking.current_org_id();
BEGIN
  IF booking_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'booking_id must not be null';
  END IF;
  IF org IS NOT NULL THEN
    SELECT * INTO b FROM booking.booking x
     WHERE x.org_id OPERATOR(pg_catalog.=) org AND x.id OPERATOR(pg_catalog.=) lifecycle_lock.booking_id
     FOR UPDATE;
  ELSE
    SELECT * INTO b FROM booking.booking x
     WHERE x.id OPERATOR(pg_catalog.=) lifecycle_lock.booking_id
     FOR UPDATE;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('booking %s not found', booking_id),
      HINT = 'It does not exist, or the acting user may not see it.';
  END IF;
  RETURN b;
END
$$;
COMMENT ON FUNCTION booking.lifecycle_lock(pg_catalog.uuid) IS
  'lock and return a booking of the acting org that the acting user may see (no_data_found, P0002, otherwise)';

CREATE OR REPLACE FUNCTION booking.transition(booking_id pg_catalog.uuid, to_status booking.booking_status,
                                   reason pg_catalog.text DEFAULT NULL,
                                   expected_status booking.booking_status DEFAULT NULL)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  saved pg_catalog.text := pg_catalog.current_setting('booking.reason', true);
  org pg_catalog.uuid := booking.current_org_id();
  args pg_catalog.jsonb;
BEGIN
  IF org IS NOT NULL AND booking.delegates_writes() THEN
    -- Citus: the call on the worker of the org (see booking.delegates_writes)
    -- (the arguments built first: Citus sends the parameters of an
    -- expression to the worker, and a NULL of an extension's type untyped)
    args := pg_catalog.jsonb_build_array(
        transition.booking_id, transition.to_status, transition.reason, transition.expected_status);
    SELECT * INTO b FROM booking.transition_on(org, args) AS x;
    PERFORM booking.notify_from_coordinator();
    RETURN b;
  END IF;
  IF to_status IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'to_status must not be null';
  END IF;
  b := booking.lifecycle_lock(booking_id);
  IF expected_status IS NOT NULL AND b.status OPERATOR(pg_catalog.<>) expected_status THEN
    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
      MESSAGE = pg_catalog.format('booking %s is %s, not %s as expected', b.id, b.status, expected_status),
      DETAIL = 'Another transaction changed its status first.',
      HINT = 'Read the booking again and decide whether the change still applies.';
  END IF;
  IF b.status OPERATOR(pg_catalog.=) to_status THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('booking %s is already %s', b.id, b.status);
  END IF;
  EXECUTE pg_catalog.format('SET LOCAL booking.reason = %L', COALESCE(reason, ''));
  UPDATE booking.booking x SET status = to_status
   WHERE x.org_id OPERATOR(pg_catalog.=) b.org_id AND x.id OPERATOR(pg_catalog.=) b.id
  RETURNING * INTO b;
  EXECUTE pg_catalog.format('SET LOCAL booking.reason = %L', COALESCE(saved, ''));
  PERFORM booking.notify_from_coordinator();
  RETURN b;
END
$$;
COMMENT ON FUNCTION booking.transition(pg_catalog.uuid, booking.booking_status, pg_catalog.text, booking.booking_status) IS
  'move a booking to to_status, checked by the same trigger as UPDATE booking.booking SET status; reason is recorded (and required where a rule says so); with expected_status it is a compare-and-swap: serialization_failure (40001) when the booking is in another status. Returns the updated booking. Errors: P0002 not found, 22023 same status, 55000 no rule or too early/late, 42501 role or relation, 22004 reason missing';

CREATE OR REPLACE FUNCTION booking.transition_on(org_id pg_catalog.uuid, args pg_catalog.jsonb)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
BEGIN
  PERFORM booking.solver_org(transition_on.org_id, 'transition');
  PERFORM booking.delegated(true);
  b := booking.transition((args ->> 0)::pg_catalog.uuid, (args ->> 1)::booking.booking_status, args ->> 2,
                          (args ->> 3)::booking.booking_status);
  PERFORM booking.delegated(false);
  RETURN b;
END
$$;
COMMENT ON FUNCTION booking.transition_on(pg_catalog.uuid, pg_catalog.jsonb) IS
  'internal: booking.transition for org_id (the acting org, else 42501) with args [booking_id, to_status, reason, expected_status]; on Citus delegated to the worker of org_id, where it runs booking.transition''s body (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.cancel(booking_id pg_catalog.uuid, reason pg_catalog.text DEFAULT NULL,
                               OUT refund_cents pg_catalog.int8, OUT fee_cents pg_catalog.int8,
                               OUT refund_percentage pg_catalog.int4,
                               OUT actor booking.cancellation_actor, OUT policy_id pg_catalog.uuid)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  c pg_catalog.jsonb;
  org pg_catalog.uuid := booking.current_org_id();
  args pg_catalog.jsonb;
BEGIN
  IF org IS NOT NULL AND booking.delegates_writes() THEN
    -- Citus: the call on the worker of the org (see booking.delegates_writes)
    -- (the arguments built first: Citus sends the parameters of an
    -- expression to the worker, and a NULL of an extension's type untyped)
    args := pg_catalog.jsonb_build_array(cancel.booking_id, cancel.reason);
    SELECT r INTO c FROM booking.cancel_on(org, args) AS r;
    PERFORM booking.notify_from_coordinator();
  ELSE
    b := booking.transition(booking_id, 'cancelled', reason);
    SELECT h.metadata OPERATOR(pg_catalog.->) 'cancellation' INTO c
      FROM booking.status_history h
     WHERE h.org_id OPERATOR(pg_catalog.=) b.org_id AND h.booking_id OPERATOR(pg_catalog.=) b.id
     ORDER BY h.id DESC
     LIMIT 1;
  END IF;
  refund_cents := (c OPERATOR(pg_catalog.->>) 'refund_cents')::pg_catalog.int8;
  fee_cents := (c OPERATOR(pg_catalog.->>) 'fee_cents')::pg_catalog.int8;
  refund_percentage := (c OPERATOR(pg_catalog.->>) 'refund_percentage')::pg_catalog.int4;
  actor := (c OPERATOR(pg_catalog.->>) 'actor')::booking.cancellation_actor;
  policy_id := (c OPERATOR(pg_catalog.->>) 'policy_id')::pg_catalog.uuid;
END
$$;
COMMENT ON FUNCTION booking.cancel(pg_catalog.uuid, pg_catalog.text) IS
  'cancel a booking (booking.transition to cancelled) and return what the cancellation policy gave: refund_cents (also recorded on a captured payment), fee_cents, refund_percentage, the cancelling actor (student, guardian, instructor, admin) and the policy applied (NULL when none did)';

CREATE OR REPLACE FUNCTION booking.cancel_on(org_id pg_catalog.uuid, args pg_catalog.jsonb)
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  res pg_catalog.jsonb;
BEGIN
  PERFORM booking.solver_org(cancel_on.org_id, 'cancel');
  PERFORM booking.delegated(true);
  -- the cancellation terms, as the history row records them
  SELECT pg_catalog.jsonb_build_object('refund_cents', c.refund_cents, 'fee_cents', c.fee_cents,
                                       'refund_percentage', c.refund_percentage, 'actor', c.actor, 'policy_id', c.policy_id)
    INTO res
    FROM booking.cancel((args ->> 0)::pg_catalog.uuid, args ->> 1) c;
  PERFORM booking.delegated(false);
  RETURN res;
END
$$;
COMMENT ON FUNCTION booking.cancel_on(pg_catalog.uuid, pg_catalog.jsonb) IS
  'internal: booking.cancel for org_id (the acting org, else 42501) with args [booking_id, reason], its result as {refund_cents, fee_cents, refund_percentage, actor, policy_id}; on Citus delegated to the worker of org_id, where it runs booking.cancel''s body (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.cancellation_quote(booking_id pg_catalog.uuid, at pg_catalog.timestamptz DEFAULT pg_catalog.now(),
                                           OUT actor booking.cancellation_actor, OUT policy_id pg_catalog.uuid,
                                           OUT hours_before_start pg_catalog.numeric, OUT refund_percentage pg_catalog.int4,
                                           OUT fee_cents pg_catalog.int8, OUT refund_cents pg_catalog.int8)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  t record;
BEGIN
  SELECT * INTO b FROM booking.booking x
   WHERE x.org_id OPERATOR(pg_catalog.=) booking.current_org_id() AND x.id OPERATOR(pg_catalog.=) cancellation_quote.booking_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('booking %s not found', booking_id),
      HINT = 'It does not exist, or the acting user may not see it.';
  END IF;
  actor := booking.cancellation_actor_of(b);
  t := booking.cancellation_terms(b.org_id, actor, b.price_cents, b.starts_at, COALESCE(at, pg_catalog.now()));
  policy_id := t.policy_id;
  hours_before_start := t.hours_before_start;
  refund_percentage := t.refund_percentage;
  fee_cents := t.fee_cents;
  refund_cents := t.refund_cents;
END
$$;
COMMENT ON FUNCTION booking.cancellation_quote(pg_catalog.uuid, pg_catalog.timestamptz) IS
  'what cancelling the booking at time at (default now) would give the acting user under the org''s cancellation policy, without cancelling; refund_cents before capping at what the payment has left';

CREATE OR REPLACE FUNCTION booking.reschedule(booking_id pg_catalog.uuid,
                                   starts_at pg_catalog.timestamptz DEFAULT NULL,
                                   resource_id pg_catalog.uuid DEFAULT NULL,
                                   pickup_point booking.point DEFAULT NULL,
                                   pickup_address pg_catalog.text DEFAULT NULL,
                                   dropoff_point booking.point DEFAULT NULL,
                                   dropoff_address pg_catalog.text DEFAULT NULL,
                                   notes pg_catalog.text DEFAULT NULL,
                                   reason pg_catalog.text DEFAULT NULL)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  new_start pg_catalog.timestamptz;
  saved pg_catalog.text := pg_catalog.current_setting('booking.reason', true);
  org pg_catalog.uuid := booking.current_org_id();
  args pg_catalog.jsonb;
BEGIN
  IF org IS NOT NULL AND booking.delegates_writes() THEN
    -- Citus: the call on the worker of the org (see booking.delegates_writes)
    -- (the arguments built first: Citus sends the parameters of an
    -- expression to the worker, and a NULL of an extension's type untyped)
    args := pg_catalog.jsonb_build_array(
        reschedule.booking_id, reschedule.starts_at, reschedule.resource_id, reschedule.pickup_point, reschedule.pickup_address,
        reschedule.dropoff_point, reschedule.dropoff_address, reschedule.notes, reschedule.reason);
    SELECT * INTO b FROM booking.reschedule_on(org, args) AS x;
    PERFORM booking.notify_from_coordinator();
    RETURN b;
  END IF;
  IF reschedule.starts_at IS NOT NULL AND pg_catalog.isfinite(reschedule.starts_at) IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'starts_at must be a finite time', DETAIL = pg_catalog.format('It is %s.', reschedule.starts_at);
  END IF;
  IF reschedule.starts_at IS NULL AND reschedule.resource_id IS NULL AND reschedule.pickup_point IS NULL
     AND reschedule.pickup_address IS NULL AND reschedule.dropoff_point IS NULL
     AND reschedule.dropoff_address IS NULL AND reschedule.notes IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'nothing to reschedule: give starts_at, resource_id or a new place',
      HINT = 'Arguments left out (NULL) keep what the booking has.';
  END IF;
  b := booking.lifecycle_lock(booking_id);
  new_start := COALESCE(reschedule.starts_at, b.starts_at);
  IF b.starts_at OPERATOR(pg_catalog.=) new_start
     AND b.resource_id IS NOT DISTINCT FROM COALESCE(reschedule.resource_id, b.resource_id)
     AND (b.pickup_point::pg_catalog.text) IS NOT DISTINCT FROM (COALESCE(reschedule.pickup_point, b.pickup_point)::pg_catalog.text)
     AND (b.dropoff_point::pg_catalog.text) IS NOT DISTINCT FROM (COALESCE(reschedule.dropoff_point, b.dropoff_point)::pg_catalog.text)
     AND b.pickup_address IS NOT DISTINCT FROM COALESCE(reschedule.pickup_address, b.pickup_address)
     AND b.dropoff_address IS NOT DISTINCT FROM COALESCE(reschedule.dropoff_address, b.dropoff_address)
     AND b.notes IS NOT DISTINCT FROM COALESCE(reschedule.notes, b.notes) THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('booking %s already starts at %s with that resource and place', b.id,
                                  booking.local_time_text(b.starts_at, (SELECT o.time_zone FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) b.org_id)));
  END IF;
  -- A move in time, to another resource or of place is checked by the
  -- life-cycle trigger (the states, and the right to cancel); new notes
  -- alone, which the trigger lets pass, get the same check here.
  IF b.starts_at OPERATOR(pg_catalog.=) new_start AND NOT booking.acting_is_system()
     AND b.resource_id IS NOT DISTINCT FROM COALESCE(reschedule.resource_id, b.resource_id)
     AND NOT booking.place_moved(b.pickup_point, b.pickup_address, COALESCE(reschedule.pickup_point, b.pickup_point),
                                 COALESCE(reschedule.pickup_address, b.pickup_address))
     AND NOT booking.place_moved(b.dropoff_point, b.dropoff_address, COALESCE(reschedule.dropoff_point, b.dropoff_point),
                                 COALESCE(reschedule.dropoff_address, b.dropoff_address)) THEN
    IF b.status OPERATOR(pg_catalog.<>) ALL ('{pending,waitlisted,confirmed}'::booking.booking_status[]) THEN
      RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
        MESSAGE = pg_catalog.format('cannot reschedule booking %s: it is %s', b.id, b.status),
        DETAIL = 'Only pending, waitlisted and confirmed bookings can be rescheduled.';
    END IF;
    PERFORM booking.lifecycle_decide('reschedule', b, 'cancelled', reason IS NOT NULL);
  END IF;
  EXECUTE pg_catalog.format('SET LOCAL booking.reason = %L', COALESCE(reason, ''));
  UPDATE booking.booking x
     SET starts_at = new_start, ends_at = new_start OPERATOR(pg_catalog.+) (b.ends_at OPERATOR(pg_catalog.-) b.starts_at),  -- b is locked: its length, no STABLE operator on a column (Citus)
         resource_id = COALESCE(reschedule.resource_id, x.resource_id),
         pickup_point = COALESCE(reschedule.pickup_point, x.pickup_point),
         pickup_address = COALESCE(reschedule.pickup_address, x.pickup_address),
         dropoff_point = COALESCE(reschedule.dropoff_point, x.dropoff_point),
         dropoff_address = COALESCE(reschedule.dropoff_address, x.dropoff_address),
         notes = COALESCE(reschedule.notes, x.notes)
   WHERE x.org_id OPERATOR(pg_catalog.=) b.org_id AND x.id OPERATOR(pg_catalog.=) b.id
  RETURNING * INTO b;
  EXECUTE pg_catalog.format('SET LOCAL booking.reason = %L', COALESCE(saved, ''));
  PERFORM booking.notify_from_coordinator();
  RETURN b;
END
$$;
COMMENT ON FUNCTION booking.reschedule(pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.uuid, booking.point, pg_catalog.text, booking.point, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'move a pending, waitlisted or confirmed appointment to starts_at, to another resource_id and/or a new pickup or dropoff (points from booking.lat_lng), addresses or notes (each left NULL: kept), keeping its length, id and history; allowed to whoever may cancel it now (the rules for its status -> cancelled), checked like a new booking by the write-path triggers (rules, travel, eligibility, service area); records rescheduled_from/at/reason, a history row and a booking.rescheduled outbox event (a move of place alone too, with the place before and after), and schedules its automatic transitions anew';

CREATE OR REPLACE FUNCTION booking.reschedule_on(org_id pg_catalog.uuid, args pg_catalog.jsonb)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
BEGIN
  PERFORM booking.solver_org(reschedule_on.org_id, 'reschedule');
  PERFORM booking.delegated(true);
  b := booking.reschedule((args ->> 0)::pg_catalog.uuid, (args ->> 1)::pg_catalog.timestamptz, (args ->> 2)::pg_catalog.uuid,
                          booking.jsonb_geography(args -> 3)::booking.point, args ->> 4,
                          booking.jsonb_geography(args -> 5)::booking.point, args ->> 6, args ->> 7, args ->> 8);
  PERFORM booking.delegated(false);
  RETURN b;
END
$$;
COMMENT ON FUNCTION booking.reschedule_on(pg_catalog.uuid, pg_catalog.jsonb) IS
  'internal: booking.reschedule for org_id (the acting org, else 42501) with args [booking_id, starts_at, resource_id, pickup_point, pickup_address, dropoff_point, dropoff_address, notes, reason]; on Citus delegated to the worker of org_id, where it runs booking.reschedule''s body (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.status_at(booking_id pg_catalog.uuid, at pg_catalog.timestamptz)
  RETURNS booking.booking_status
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
  s booking.booking_status;
BEGIN
  IF org IS NULL THEN
    SELECT b.org_id INTO org FROM booking.booking b WHERE b.id OPERATOR(pg_catalog.=) status_at.booking_id;
  END IF;
  SELECT h.to_status INTO s
    FROM booking.status_history h
   WHERE h.org_id OPERATOR(pg_catalog.=) org AND h.booking_id OPERATOR(pg_catalog.=) status_at.booking_id
     AND h.created_at OPERATOR(pg_catalog.<=) status_at.at
   ORDER BY h.created_at DESC, h.id DESC
   LIMIT 1;
  RETURN s;
END
$$;
COMMENT ON FUNCTION booking.status_at(pg_catalog.uuid, pg_catalog.timestamptz) IS
  'the status booking_id had at time at, from its history (the last change at or before at; changes of one transaction are ordered by their history id); NULL before it was created or when it is not visible';

CREATE OR REPLACE FUNCTION booking.run_due_transitions(max_rows pg_catalog.int4 DEFAULT 100,
                                            OUT executed pg_catalog.int4, OUT skipped pg_catalog.int4,
                                            OUT failed pg_catalog.int4, OUT deferred pg_catalog.int4)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  s booking.scheduled_transition;
  b record;
  msg pg_catalog.text;
  saved_reason pg_catalog.text := COALESCE(pg_catalog.current_setting('booking.reason', true), '');
  saved_metadata pg_catalog.text := COALESCE(pg_catalog.current_setting('booking.metadata', true), '');
  w record;
  n pg_catalog.int4;
  due_org record;
  taken pg_catalog.int4 := 0;
BEGIN
  executed := 0;
  skipped := 0;
  failed := 0;
  deferred := 0;
  IF max_rows IS NULL OR max_rows OPERATOR(pg_catalog.<) 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('max_rows must be at least 1, not %s', COALESCE(max_rows::pg_catalog.text, 'null'));
  END IF;
  -- The system's writes on the workers too (under Citus the SET clause
  -- stays on the coordinator): else the triggers there would take them for
  -- a maintenance write, with no history, outbox event or notification.
  PERFORM booking.system_on_workers(true);
  -- Seats of lapsed holds (held seats, or waiting entries whose hold
  -- lapsed) in a session with a waitlist go to the waitlist now, not when
  -- the next writer comes (issue 14): booking.promote_waitlist expires them
  -- and promotes.  First, while this
  -- transaction holds no booking yet (waiting for a session's lock here
  -- cannot deadlock with another runner).
  FOR w IN
    SELECT DISTINCT h.org_id, h.session_id FROM booking.booking h
     WHERE h.session_id IS NOT NULL
       AND h.status OPERATOR(pg_catalog.=) ANY ('{pending,waitlisted}'::booking.booking_status[])
       AND h.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()
       AND EXISTS (SELECT 1 FROM booking.booking x
                    WHERE x.org_id OPERATOR(pg_catalog.=) h.org_id AND x.session_id OPERATOR(pg_catalog.=) h.session_id
                      AND x.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status)
     LIMIT max_rows
  LOOP
    BEGIN
      n := booking.promote_waitlist(w.org_id, w.session_id);
      executed := executed OPERATOR(pg_catalog.+) n;
    EXCEPTION WHEN OTHERS THEN
      failed := failed OPERATOR(pg_catalog.+) 1;
    END;
  END LOOP;
  -- Per org, orgs with the oldest due row first: the claim (FOR UPDATE
  -- SKIP LOCKED) is a query of one org, a router query under Citus, which
  -- cannot lock rows across shards; the search for orgs with due rows
  -- locks nothing.
  FOR due_org IN
    SELECT t.org_id FROM booking.scheduled_transition t
     WHERE t.processed_at IS NULL AND t.execute_at OPERATOR(pg_catalog.<=) pg_catalog.now()
     GROUP BY t.org_id
     ORDER BY pg_catalog.min(t.execute_at)
     LIMIT max_rows
  LOOP
  EXIT WHEN taken OPERATOR(pg_catalog.>=) max_rows;
  FOR s IN
    SELECT * FROM booking.scheduled_transition t
     WHERE t.org_id OPERATOR(pg_catalog.=) due_org.org_id
       AND t.processed_at IS NULL AND t.execute_at OPERATOR(pg_catalog.<=) pg_catalog.now()
     ORDER BY t.execute_at
     LIMIT max_rows OPERATOR(pg_catalog.-) taken
     FOR UPDATE SKIP LOCKED
  LOOP
    taken := taken OPERATOR(pg_catalog.+) 1;
    BEGIN
      -- A booking locked by a user's transaction or another runner is left
      -- for the next run: waiting here could deadlock with a runner that
      -- holds another of our bookings.
      SELECT x.status, x.starts_at INTO b FROM booking.booking x
       WHERE x.org_id OPERATOR(pg_catalog.=) s.org_id AND x.id OPERATOR(pg_catalog.=) s.booking_id
       FOR UPDATE SKIP LOCKED;
      IF NOT FOUND THEN
        deferred := deferred OPERATOR(pg_catalog.+) 1;
      ELSIF (s.expected_status IS NOT NULL AND b.status OPERATOR(pg_catalog.<>) ALL (s.expected_status))
            OR (s.expected_starts_at IS NOT NULL AND b.starts_at OPERATOR(pg_catalog.<>) s.expected_starts_at)
            OR b.status OPERATOR(pg_catalog.=) s.to_status THEN
        -- the booking has moved on: nothing to do, ever
        UPDATE booking.scheduled_transition t
           SET attempts = t.attempts OPERATOR(pg_catalog.+) 1, outcome = 'skipped', processed_at = pg_catalog.now()
         WHERE t.org_id OPERATOR(pg_catalog.=) s.org_id AND t.id OPERATOR(pg_catalog.=) s.id;
        skipped := skipped OPERATOR(pg_catalog.+) 1;
      ELSE
        EXECUTE pg_catalog.format('SET LOCAL booking.reason = %L', COALESCE(s.reason, ''));
        -- (SET LOCAL, which Citus propagates to the worker whose trigger
        -- records them; set_config would stay on the coordinator)
        EXECUTE pg_catalog.format('SET LOCAL booking.metadata = %L',
          (s.metadata OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('scheduled_transition_id', s.id, 'kind', s.kind))::pg_catalog.text);
        UPDATE booking.booking x SET status = s.to_status
         WHERE x.org_id OPERATOR(pg_catalog.=) s.org_id AND x.id OPERATOR(pg_catalog.=) s.booking_id;
        UPDATE booking.scheduled_transition t
           SET attempts = t.attempts OPERATOR(pg_catalog.+) 1, outcome = 'done', processed_at = pg_catalog.now()
         WHERE t.org_id OPERATOR(pg_catalog.=) s.org_id AND t.id OPERATOR(pg_catalog.=) s.id;
        executed := executed OPERATOR(pg_catalog.+) 1;
      END IF;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
      -- retry after 1, 2, 4, 8 minutes; the fifth failure is final
      UPDATE booking.scheduled_transition t
         SET attempts = t.attempts OPERATOR(pg_catalog.+) 1,
             last_error = SQLSTATE OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) msg,
             execute_at = pg_catalog.now() OPERATOR(pg_catalog.+)
                          pg_catalog.make_interval(mins => 1 OPERATOR(pg_catalog.<<) LEAST(t.attempts, 6)),
             outcome = CASE WHEN t.attempts OPERATOR(pg_catalog.>=) 4 THEN 'failed' END,
             processed_at = CASE WHEN t.attempts OPERATOR(pg_catalog.>=) 4 THEN pg_catalog.now() END
       WHERE t.org_id OPERATOR(pg_catalog.=) s.org_id AND t.id OPERATOR(pg_catalog.=) s.id;
      failed := failed OPERATOR(pg_catalog.+) 1;
    END;
    EXECUTE pg_catalog.format('SET LOCAL booking.reason = %L', saved_reason);
    EXECUTE pg_catalog.format('SET LOCAL booking.metadata = %L', saved_metadata);
  END LOOP;
  END LOOP;
  -- the same runner sends the due reminders (88_reminders.sql)
  PERFORM booking.run_due_reminders(max_rows);
  PERFORM booking.system_on_workers(false);
  IF executed OPERATOR(pg_catalog.>) 0 THEN
    PERFORM booking.notify_from_coordinator();
  END IF;
END
$$;
COMMENT ON FUNCTION booking.run_due_transitions(pg_catalog.int4) IS
  'run up to max_rows due scheduled transitions (per org, the org with the oldest due row first, oldest first within it) as the system: rows are claimed org by org with FOR UPDATE SKIP LOCKED (a query of one org: a router query under Citus), so concurrent runners never take the same row; a row whose booking has moved on (status not expected, rescheduled, or already there) is skipped; a failure is recorded (attempts, last_error) and retried after 1, 2, 4, 8 minutes, the fifth is final (outcome failed); a booking locked by another transaction is deferred to the next run. Before them, the waitlists of sessions with a lapsed hold are promoted (booking.promote_waitlist expires the lapsed holds; promotions counted as executed). Returns executed, skipped, failed, deferred. Then it sends up to max_rows due reminders (booking.run_due_reminders). Run it in READ COMMITTED, e.g. every minute from pg_cron';

-- The helpers that write (schedules, refunds) run only inside the
-- life-cycle trigger, as the extension owner.
REVOKE EXECUTE ON FUNCTION booking.lifecycle_schedule(booking.booking) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION booking.lifecycle_settle_cancellation(booking.booking) FROM PUBLIC;
