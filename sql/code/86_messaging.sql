-- Messaging: notifications the engine writes on booking events, their
-- pull path (through row-level security, safe behind a transaction pooler)
-- and their real-time path (a trusted relay), and the outbox relay protocol.
--
-- SQLSTATEs of this file (the 23N../22N.. family of messaging; a notification
-- for a user outside its org is 23503, booking.tg_notification_recipient in
-- 85_triggers.sql):
--   23N02  an outbox event acknowledged or failed that this claim does not
--          hold (never claimed, claimed by another relay, or lease expired)
--   23N03  an outbox event replayed that is not dead
--   22N01  an outbox topic filter that can match no topic
--   22N02  an org setting notifications that is not as documented

-- Notification settings -------------------------------------------------

-- Who is told of which booking event, from org.settings.notifications
-- (an object of event -> array of recipients); the defaults below for an
-- event the org does not name.  Recipients: resource (the user of the
-- booking's resource, or of its session's resource: the instructor or
-- facilitator), client (the client's user), guardians (the users of the
-- guardians of a client under 18 in the org's zone), staff (every owner,
-- admin and staff member).
CREATE OR REPLACE FUNCTION booking.notification_recipients(settings pg_catalog.jsonb, event pg_catalog.text)
  RETURNS pg_catalog.text[]
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  s pg_catalog.jsonb := settings -> 'notifications' -> event;
BEGIN
  IF s IS NOT NULL AND jsonb_typeof(s) = 'array' THEN
    RETURN ARRAY(SELECT jsonb_array_elements_text(s));
  END IF;
  RETURN CASE event
           WHEN 'created' THEN '{resource,client,guardians}'
           WHEN 'confirmed' THEN '{client,guardians}'
           WHEN 'cancelled' THEN '{resource,client,guardians}'
           WHEN 'rescheduled' THEN '{resource,client,guardians}'
           WHEN 'waitlist_promoted' THEN '{client,guardians}'
           WHEN 'no_show' THEN '{resource,client,guardians}'
           WHEN 'completed' THEN '{client}'
           WHEN 'expired' THEN '{client,guardians}'
           ELSE '{}'
         END::pg_catalog.text[];
END
$$;
COMMENT ON FUNCTION booking.notification_recipients(pg_catalog.jsonb, pg_catalog.text) IS
  'who is notified of a booking event (created, confirmed, cancelled, rescheduled, waitlist_promoted, no_show, completed, expired, in_progress): settings.notifications.<event> (an array of resource, client, guardians, staff), else the documented default';

CREATE OR REPLACE FUNCTION booking.notification_settings_check(settings pg_catalog.jsonb) RETURNS pg_catalog.bool
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n pg_catalog.jsonb := settings -> 'notifications';
  k pg_catalog.text;
  v pg_catalog.jsonb;
BEGIN
  IF n IS NULL THEN
    RETURN true;
  END IF;
  IF jsonb_typeof(n) <> 'object' THEN
    RAISE EXCEPTION USING ERRCODE = '22N02',
      MESSAGE = 'org setting notifications must be a JSON object',
      HINT = 'For example {"notifications": {"created": ["resource", "client"], "completed": []}}.';
  END IF;
  FOR k, v IN SELECT e.key, e.value FROM jsonb_each(n) e LOOP
    IF k <> ALL ('{created,confirmed,cancelled,rescheduled,waitlist_promoted,no_show,completed,expired,in_progress}'::text[]) THEN
      RAISE EXCEPTION USING ERRCODE = '22N02',
        MESSAGE = format('unknown org setting notifications.%s', k),
        HINT = 'The events are created, confirmed, cancelled, rescheduled, waitlist_promoted, no_show, completed, expired and in_progress.';
    END IF;
    IF jsonb_typeof(v) <> 'array'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(v) r
                   WHERE jsonb_typeof(r) <> 'string'
                      OR r #>> '{}' <> ALL ('{resource,client,guardians,staff}'::text[])) THEN
      RAISE EXCEPTION USING ERRCODE = '22N02',
        MESSAGE = format('org setting notifications.%s must be an array of recipients, not %s', k, v),
        HINT = 'Recipients are resource, client, guardians and staff; [] notifies nobody.';
    END IF;
  END LOOP;
  RETURN true;
END
$$;
COMMENT ON FUNCTION booking.notification_settings_check(pg_catalog.jsonb) IS
  'true if the notifications object of org settings names only known events with arrays of known recipients; raises 22N02 otherwise';

CREATE OR REPLACE FUNCTION booking.tg_org_notification_settings() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.notification_settings_check(NEW.settings);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_org_notification_settings() IS
  'trigger: check org.settings.notifications (booking.notification_settings_check, 22N02)';
CREATE OR REPLACE TRIGGER notification_settings BEFORE INSERT OR UPDATE OF settings ON booking.org
  FOR EACH ROW EXECUTE FUNCTION booking.tg_org_notification_settings();

-- Notifications written by the engine -----------------------------------

-- The event a history row records: created, rescheduled, waitlist_promoted,
-- or the new status.
CREATE OR REPLACE FUNCTION booking.booking_event_of(from_status booking.booking_status, to_status booking.booking_status,
                                                    metadata pg_catalog.jsonb)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN CASE
           WHEN metadata ->> 'event' = 'rescheduled' THEN 'rescheduled'
           WHEN from_status IS NULL THEN 'created'
           WHEN from_status = 'waitlisted' AND to_status IN ('pending', 'confirmed') THEN 'waitlist_promoted'
           ELSE to_status::text
         END;
END
$$;
COMMENT ON FUNCTION booking.booking_event_of(booking.booking_status, booking.booking_status, pg_catalog.jsonb) IS
  'the booking event a status_history row records: rescheduled, created, waitlist_promoted, else the new status';

-- On every history row (status change, creation, reschedule) notify the
-- people the org's settings name, in the same transaction; never the user
-- who made the change.
CREATE OR REPLACE FUNCTION booking.tg_notify_booking_event() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  o booking.org;
  event text := booking.booking_event_of(NEW.from_status, NEW.to_status, NEW.metadata);
  who text[];
  resid uuid;
  ids uuid[];
  cand uuid[] := '{}';
  cand_as text[] := '{}';
  u record;
BEGIN
  IF booking.writing_as_maintenance() THEN
    RETURN NULL;                -- rows written as given (restores, data loads)
  END IF;
  SELECT * INTO o FROM booking.org x WHERE x.id = NEW.org_id;
  who := booking.notification_recipients(o.settings, event);
  IF cardinality(who) = 0 THEN
    RETURN NULL;
  END IF;
  SELECT * INTO b FROM booking.booking x WHERE x.org_id = NEW.org_id AND x.id = NEW.booking_id;
  -- The candidates in order of preference (resource, client, guardians,
  -- staff), each found by a plain query of the org (a router query under
  -- Citus, which cannot plan a correlated subquery beside a subquery in
  -- FROM); the first reason a user is named for is theirs.
  IF 'resource' = ANY (who) THEN
    resid := b.resource_id;
    IF resid IS NULL AND b.session_id IS NOT NULL THEN
      SELECT s.resource_id INTO resid FROM booking.session s WHERE s.org_id = b.org_id AND s.id = b.session_id;
    END IF;
    SELECT array_agg(r.user_id) INTO ids FROM booking.resource r WHERE r.org_id = b.org_id AND r.id = resid;
    cand := cand || COALESCE(ids, '{}'); cand_as := cand_as || array_fill('resource'::text, ARRAY[cardinality(COALESCE(ids, '{}'))]);
  END IF;
  IF 'client' = ANY (who) THEN
    SELECT array_agg(c.user_id) INTO ids FROM booking.client c WHERE c.org_id = b.org_id AND c.id = b.client_id;
    cand := cand || COALESCE(ids, '{}'); cand_as := cand_as || array_fill('client'::text, ARRAY[cardinality(COALESCE(ids, '{}'))]);
  END IF;
  IF 'guardians' = ANY (who) THEN
    SELECT array_agg(g.user_id) INTO ids
      FROM booking.client c
      JOIN booking.client_guardian cg ON cg.org_id = c.org_id AND cg.client_id = c.id
      JOIN booking.guardian g ON g.org_id = cg.org_id AND g.id = cg.guardian_id
     WHERE c.org_id = b.org_id AND c.id = b.client_id
       AND c.date_of_birth > (now() AT TIME ZONE o.time_zone)::date - interval '18 years';
    cand := cand || COALESCE(ids, '{}'); cand_as := cand_as || array_fill('guardian'::text, ARRAY[cardinality(COALESCE(ids, '{}'))]);
  END IF;
  IF 'staff' = ANY (who) THEN
    SELECT array_agg(m.user_id) INTO ids
      FROM booking.membership m
     WHERE m.org_id = b.org_id AND m.role IN ('owner', 'admin', 'staff');
    cand := cand || COALESCE(ids, '{}'); cand_as := cand_as || array_fill('staff'::text, ARRAY[cardinality(COALESCE(ids, '{}'))]);
  END IF;
  IF cardinality(cand) = 0 THEN
    RETURN NULL;
  END IF;
  -- members of the org only, never the acting user; one notification a
  -- user, inserted in the order of their ids
  SELECT array_agg(m.user_id) INTO ids
    FROM booking.membership m WHERE m.org_id = b.org_id AND m.user_id = ANY (cand);
  FOR u IN
    SELECT DISTINCT ON (c.user_id) c.user_id, c.as_
      FROM unnest(cand, cand_as) WITH ORDINALITY AS c (user_id, as_, ord)
     WHERE c.user_id IS NOT NULL
       AND c.user_id IS DISTINCT FROM NEW.actor_user_id
       AND c.user_id = ANY (ids)
     ORDER BY c.user_id, c.ord
  LOOP
    INSERT INTO booking.notification (org_id, user_id, booking_id, kind, payload)
    VALUES (NEW.org_id, u.user_id, b.id, 'booking.' || event,
            jsonb_build_object('event', event, 'booking_id', b.id, 'history_id', NEW.id,
                               'from', NEW.from_status, 'to', NEW.to_status, 'as', u.as_,
                               'starts_at', b.starts_at, 'ends_at', b.ends_at,
                               'session_id', b.session_id, 'resource_id', b.resource_id, 'client_id', b.client_id));
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_notify_booking_event() IS
  'trigger (AFTER INSERT on status_history): notify the recipients of the booking event that settings.notifications names (booking.notification_recipients), members of the org only, never the acting user, in the same transaction';
CREATE OR REPLACE TRIGGER notify_booking_event AFTER INSERT ON booking.status_history
  FOR EACH ROW EXECUTE FUNCTION booking.tg_notify_booking_event();

-- The pull path: plain SQL through row-level security, one transaction at
-- a time, so it works through a transaction pooler.

CREATE OR REPLACE FUNCTION booking.notifications_after(after_seq pg_catalog.int8 DEFAULT 0,
                                                       page_size pg_catalog.int4 DEFAULT 50,
                                                       include_delivered pg_catalog.bool DEFAULT false)
  RETURNS TABLE (seq pg_catalog.int8, id pg_catalog.uuid, kind pg_catalog.text, booking_id pg_catalog.uuid,
                 payload pg_catalog.jsonb, delivered pg_catalog.bool, created_at pg_catalog.timestamptz)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF booking.current_user_id() IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'booking.notifications_after needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction.';
  END IF;
  IF page_size IS NULL OR page_size NOT BETWEEN 1 AND 1000 OR after_seq IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = format('page_size must be between 1 and 1000 and after_seq not null, not %s and %s', page_size, after_seq);
  END IF;
  RETURN QUERY
    SELECT n.seq, n.id, n.kind, n.booking_id, n.payload, n.delivered, n.created_at
      FROM booking.notification n
     WHERE n.org_id = booking.current_org_id() AND n.user_id = booking.current_user_id()
       AND n.seq > after_seq AND (include_delivered OR NOT n.delivered)
     ORDER BY n.seq
     LIMIT page_size;
END
$$;
COMMENT ON FUNCTION booking.notifications_after(pg_catalog.int8, pg_catalog.int4, pg_catalog.bool) IS
  'the acting user''s notifications in the acting org with seq > after_seq, oldest first, at most page_size (1 to 1000), undelivered only unless include_delivered; pass the last seq of a page to get the next; read through row-level security';

CREATE OR REPLACE FUNCTION booking.mark_notifications_delivered(ids pg_catalog.uuid[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n int4;
BEGIN
  IF booking.current_user_id() IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'booking.mark_notifications_delivered needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction.';
  END IF;
  UPDATE booking.notification x SET delivered = true, delivered_at = now()
   WHERE x.org_id = booking.current_org_id() AND x.user_id = booking.current_user_id()
     AND x.id = ANY (ids) AND NOT x.delivered;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.mark_notifications_delivered(pg_catalog.uuid[]) IS
  'mark the acting user''s own notifications among ids delivered; returns how many were not delivered before (others'' ids and repeated calls count 0)';

-- The real-time path: NOTIFY carries no content and one channel only,
-- booking_notification (booking.tg_notify_user, 85_triggers.sql); a trusted
-- relay LISTENs on it over one direct connection and reads what is new with
-- booking.relay_notifications.
CREATE OR REPLACE FUNCTION booking.relay_notifications(after_xid pg_catalog.xid8 DEFAULT '0',
                                                       after_seq pg_catalog.int8 DEFAULT 0,
                                                       max_rows pg_catalog.int4 DEFAULT 100)
  RETURNS TABLE (xid pg_catalog.xid8, seq pg_catalog.int8, org_id pg_catalog.uuid, id pg_catalog.uuid,
                 user_id pg_catalog.uuid, booking_id pg_catalog.uuid, kind pg_catalog.text,
                 created_at pg_catalog.timestamptz)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 10000 OR after_xid IS NULL OR after_seq IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = format('max_rows must be between 1 and 10000 and the cursor not null, not %s, (%s, %s)', max_rows, after_xid, after_seq);
  END IF;
  RETURN QUERY
    SELECT n.xid, n.seq, n.org_id, n.id, n.user_id, n.booking_id, n.kind, n.created_at
      FROM booking.notification n
     WHERE NOT n.delivered
       AND (n.xid, n.seq) > (after_xid, after_seq)
       AND n.xid < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY n.xid, n.seq
     LIMIT max_rows;
END
$$;
COMMENT ON FUNCTION booking.relay_notifications(pg_catalog.xid8, pg_catalog.int8, pg_catalog.int4) IS
  'for the trusted relay (booking.grant_relay_role): undelivered notifications of every org after the cursor (xid, seq), in an order no later commit goes back behind (rows of transactions older than the oldest running one), at most max_rows; pass the last row''s xid and seq as the next cursor';

CREATE OR REPLACE FUNCTION booking.relay_mark_delivered(org_id pg_catalog.uuid, ids pg_catalog.uuid[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n int4;
BEGIN
  UPDATE booking.notification x SET delivered = true, delivered_at = now()
   WHERE x.org_id = relay_mark_delivered.org_id AND x.id = ANY (ids) AND NOT x.delivered;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.relay_mark_delivered(pg_catalog.uuid, pg_catalog.uuid[]) IS
  'for the trusted relay: mark notifications of org_id delivered once a client has them; returns how many were not delivered before';

-- Real time on Citus.  The triggers that write notifications and outbox
-- events run on the worker that holds the org, and a NOTIFY reaches only
-- the listeners of its own node: a relay LISTENing on the coordinator would
-- never hear them (and a worker that sent one cannot PREPARE its part of a
-- two-phase commit, so there the triggers send none).  So the functions
-- that write through the coordinator (book, transition and so cancel,
-- reschedule, run_due_transitions, run_payouts, ingest_webhook) NOTIFY both
-- channels there, once distributed; at commit, with the same empty
-- payloads (a wake-up with nothing new is harmless: the relay reads
-- nothing).  On a single node the triggers' NOTIFY is enough and this does
-- nothing.
CREATE OR REPLACE FUNCTION booking.notify_from_coordinator() RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- (not inside a delegated call, booking_citus.delegated: that runs on a
  -- worker, and the function on the coordinator notifies after it)
  IF pg_catalog.current_setting('booking_citus.delegated', true) IS DISTINCT FROM 'on' AND booking.is_distributed() THEN
    PERFORM pg_catalog.pg_notify('booking_notification', '');
    PERFORM pg_catalog.pg_notify('booking_outbox', '');
  END IF;
END
$$;
COMMENT ON FUNCTION booking.notify_from_coordinator() IS
  'once distributed on Citus: NOTIFY booking_notification and booking_outbox (empty payloads, at commit) on the node that runs the calling function, the coordinator, whose listeners never hear the NOTIFY of the triggers on the workers; called by book, book_first_available, transition, cancel, reschedule (after their delegated call), run_due_transitions, run_payouts and ingest_webhook; does nothing inside a delegated call (booking_citus.delegated, on the worker) and on a single node (the triggers NOTIFY)';

-- The outbox relay protocol ----------------------------------------------

CREATE OR REPLACE FUNCTION booking.tg_outbox_wake() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- (not on a worker's shard once distributed: see booking.tg_notify_user)
  IF NOT booking.is_distributed() THEN
    PERFORM pg_notify('booking_outbox', '');
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_outbox_wake() IS
  'trigger (per statement): NOTIFY booking_outbox with an empty payload, at commit, to wake idle relays (on a single node; on Citus the coordinator''s functions do, booking.notify_from_coordinator)';
CREATE OR REPLACE TRIGGER outbox_wake AFTER INSERT ON booking.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION booking.tg_outbox_wake();

-- Claim a batch: the oldest claimable events (pending and due, or claimed
-- with an expired lease), skipping rows another relay is claiming, and of
-- each booking only its oldest open event.
CREATE OR REPLACE FUNCTION booking.outbox_claim(relay pg_catalog.text,
                                                max_rows pg_catalog.int4 DEFAULT 100,
                                                lease pg_catalog.interval DEFAULT '30 seconds',
                                                topic_filter pg_catalog.text DEFAULT NULL)
  RETURNS TABLE (claim_id pg_catalog.uuid, id pg_catalog.int8, org_id pg_catalog.uuid, topic pg_catalog.text,
                 payload pg_catalog.jsonb, attempts pg_catalog.int4, lease_until pg_catalog.timestamptz,
                 created_at pg_catalog.timestamptz)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  cid uuid := gen_random_uuid();
  due_org record;
  tried uuid[] := '{}';
  more bool;
  taken int4 := 0;
  n int4;
BEGIN
  IF relay IS NULL OR length(relay) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'relay must name the relay (1 to 200 characters)';
  END IF;
  IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 10000 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = format('batch size must be between 1 and 10000, not %s', max_rows);
  END IF;
  IF lease IS NULL OR lease < interval '1 second' OR lease > interval '1 day' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = format('lease must be between 1 second and 1 day, not %s', lease);
  END IF;
  IF topic_filter IS NOT NULL AND topic_filter !~ '^[a-z_]+(\.[a-z_]+)*$' THEN
    RAISE EXCEPTION USING ERRCODE = '22N01',
      MESSAGE = format('topic filter %L can match no topic', topic_filter),
      DETAIL = 'Topics are lower-case words separated by dots, such as booking.status.confirmed.',
      HINT = 'A filter is a topic or a prefix of whole words: booking matches booking.status.confirmed and booking.rescheduled.';
  END IF;
  -- Per org, the org with the oldest claimable event first: the claim
  -- (FOR UPDATE SKIP LOCKED) is a query of one org, a router query under
  -- Citus, which refuses FOR UPDATE across shards.  The orgs come from the
  -- oldest claimable events, read without a lock (under Citus one LIMIT
  -- per shard); an org whose events a concurrent claim holds yields
  -- nothing, and the next scan leaves out the orgs already tried, until
  -- the batch is full or no org is left.
  LOOP
    more := false;
    FOR due_org IN
      SELECT x.org_id
        FROM (SELECT o.org_id, o.id FROM booking.outbox o
               WHERE o.status = ANY ('{pending,claimed}'::text[])
                 AND o.available_at <= now()
                 AND (topic_filter IS NULL OR o.topic = topic_filter OR starts_with(o.topic, topic_filter || '.'))
                 AND o.org_id <> ALL (tried)
               ORDER BY o.id
               LIMIT max_rows - taken) x
       GROUP BY x.org_id
       ORDER BY min(x.id)
    LOOP
      more := true;
      tried := tried || due_org.org_id;
      RETURN QUERY
      WITH c AS (
        SELECT o.org_id, o.id
          FROM booking.outbox o
         WHERE o.org_id = due_org.org_id
           AND o.status = ANY ('{pending,claimed}'::text[])
           AND o.available_at <= now()
           AND (topic_filter IS NULL OR o.topic = topic_filter OR starts_with(o.topic, topic_filter || '.'))
           AND (o.order_key IS NULL
                OR NOT EXISTS (SELECT 1 FROM booking.outbox e
                                WHERE e.org_id = due_org.org_id AND e.order_key = o.order_key AND e.id < o.id
                                  AND e.status = ANY ('{pending,claimed}'::text[])))
         ORDER BY o.id
         LIMIT max_rows - taken
           FOR UPDATE SKIP LOCKED)
      UPDATE booking.outbox o
         SET status = 'claimed', claim_id = cid, claimed_by = relay,
             available_at = now() + lease, attempts = o.attempts + 1
        FROM c
       WHERE o.org_id = due_org.org_id AND o.org_id = c.org_id AND o.id = c.id
      RETURNING cid, o.id, o.org_id, o.topic, o.payload, o.attempts, o.available_at, o.created_at;
      GET DIAGNOSTICS n = ROW_COUNT;
      taken := taken + n;
      EXIT WHEN taken >= max_rows;
    END LOOP;
    EXIT WHEN NOT more OR taken >= max_rows;
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.outbox_claim(pg_catalog.text, pg_catalog.int4, pg_catalog.interval, pg_catalog.text) IS
  'for a relay (booking.grant_relay_role): claim up to max_rows (1 to 10000) due events, org by org (the org with the oldest due event first; the claim a query of one org, a router query under Citus), oldest first within an org, optionally only topics equal to or under topic_filter (22N01 if it can match nothing), for lease (1 s to 1 day), counting an attempt; rows being claimed by others are skipped (FOR UPDATE SKIP LOCKED) and of one booking (order_key) only the oldest open event is handed out, so events of a booking reach relays in order; returns the claim id to acknowledge or fail with';

CREATE OR REPLACE FUNCTION booking.outbox_ack(claim_id pg_catalog.uuid, ids pg_catalog.int8[] DEFAULT NULL)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n int4;
  want int4;
BEGIN
  IF claim_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'claim_id must not be null';
  END IF;
  UPDATE booking.outbox o
     SET status = 'done', processed_at = now(), last_error = NULL
   WHERE o.claim_id = outbox_ack.claim_id AND o.status = 'claimed' AND o.available_at > now()
     AND (ids IS NULL OR o.id = ANY (ids));
  GET DIAGNOSTICS n = ROW_COUNT;
  want := CASE WHEN ids IS NULL THEN n ELSE (SELECT count(DISTINCT i) FROM unnest(ids) i) END;
  IF n < want OR (ids IS NULL AND n = 0) THEN
    RAISE EXCEPTION USING ERRCODE = '23N02',
      MESSAGE = format('%s of the events acknowledged are not held by this claim', GREATEST(want - n, 1)),
      DETAIL = format('Claim %s. An event is held by the claim that claimed it last, until its lease expires or it is acknowledged or failed.', claim_id),
      HINT = 'Nothing was acknowledged; the events held will be handed out again when their lease expires.';
  END IF;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.outbox_ack(pg_catalog.uuid, pg_catalog.int8[]) IS
  'for a relay: acknowledge the events ids (all of the claim if NULL) as delivered; every one must be held by claim_id with its lease not expired, else nothing is acknowledged (23N02); returns how many';

CREATE OR REPLACE FUNCTION booking.outbox_fail(claim_id pg_catalog.uuid, id pg_catalog.int8, error pg_catalog.text,
                                               max_attempts pg_catalog.int4 DEFAULT 8)
  RETURNS TABLE (status pg_catalog.text, available_at pg_catalog.timestamptz)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = format('max_attempts must be between 1 and 100, not %s', max_attempts);
  END IF;
  RETURN QUERY
  UPDATE booking.outbox o
     SET status = CASE WHEN o.attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
         dead_at = CASE WHEN o.attempts >= max_attempts THEN now() END,
         available_at = now() + LEAST(interval '1 hour', interval '5 seconds' * power(2, o.attempts - 1)),
         last_error = left(COALESCE(error, 'unknown error'), 2000)
   WHERE o.claim_id = outbox_fail.claim_id AND o.id = outbox_fail.id
     AND o.status = 'claimed' AND o.available_at > now()
  RETURNING o.status, o.available_at;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '23N02',
      MESSAGE = 'the outbox event failed is not held by this claim',
      DETAIL = format('Event %s, claim %s.', id, claim_id),
      HINT = 'Its lease may have expired; it will be handed out again.';
  END IF;
END
$$;
COMMENT ON FUNCTION booking.outbox_fail(pg_catalog.uuid, pg_catalog.int8, pg_catalog.text, pg_catalog.int4) IS
  'for a relay: record a failed delivery of an event held by claim_id (23N02 otherwise): pending again after 5 s x 2^(attempts-1) (at most 1 hour), or dead once attempts reach max_attempts (default 8); returns the new status and when it is claimable';

CREATE OR REPLACE FUNCTION booking.outbox_replay(ids pg_catalog.int8[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n int4;
  want int4 := (SELECT count(DISTINCT i) FROM unnest(ids) i);
BEGIN
  UPDATE booking.outbox o
     SET status = 'pending', attempts = 0, available_at = now(), dead_at = NULL, claim_id = NULL, claimed_by = NULL
   WHERE o.id = ANY (ids) AND o.status = 'dead';
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n < want OR want = 0 THEN
    RAISE EXCEPTION USING ERRCODE = '23N03',
      MESSAGE = CASE WHEN want = 0 THEN 'no event to replay'
                     ELSE format('%s of the events to replay are not dead', want - n) END,
      HINT = 'Only dead events are replayed; nothing was changed.';
  END IF;
  PERFORM pg_notify('booking_outbox', '');
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.outbox_replay(pg_catalog.int8[]) IS
  'for a relay or operator: hand dead events ids out again (pending, attempts 0); every one must be dead, else nothing changes (23N03); returns how many';

CREATE OR REPLACE FUNCTION booking.grant_relay_role(role pg_catalog.regrole) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  f regprocedure;
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA booking TO %s', role);
  FOREACH f IN ARRAY ARRAY[
      'booking.outbox_claim(text,integer,interval,text)',
      'booking.outbox_ack(uuid,bigint[])',
      'booking.outbox_fail(uuid,bigint,text,integer)',
      'booking.outbox_replay(bigint[])',
      'booking.relay_notifications(xid8,bigint,integer)',
      'booking.relay_mark_delivered(uuid,uuid[])',
      'booking.message_sent(uuid,uuid,text,text)',
      'booking.message_status_update(text,text,booking.message_status,text)']::regprocedure[]
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', f, role);
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.grant_relay_role(pg_catalog.regrole) IS
  'grant a relay role the outbox protocol (outbox_claim, outbox_ack, outbox_fail, outbox_replay) the real-time notification feed (relay_notifications, relay_mark_delivered) and the provider ids and reports of messages (message_sent, message_status_update); it needs no table privilege, no BYPASSRLS and no identity. Run by a superuser';
