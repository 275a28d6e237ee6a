-- Reminders: a message N hours before a confirmed booking's start, per
-- channel, from the org's template booking.reminder.  Scheduled in the same
-- transaction as the confirmation (or the move of a confirmed booking),
-- dropped when the booking is cancelled or moved, run like the scheduled
-- transitions (FOR UPDATE SKIP LOCKED, retries) by booking.run_due_reminders.
--
-- Settings (org.settings, checked with 22N02):
--   "reminders":   {"email": 24, "sms": 2}   hours before the start per
--                  channel, 1 to 720, null for none; default 24 for every
--                  channel (a channel without a booking.reminder template
--                  sends nothing)
--   "quiet_hours": {"from": "21:00", "to": "08:00"}   local times of the
--                  org; an SMS or WhatsApp reminder that would fall inside
--                  is sent one minute before the quiet hours begin instead

CREATE OR REPLACE FUNCTION booking.reminder_settings_check(settings pg_catalog.jsonb) RETURNS pg_catalog.bool
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r jsonb := settings -> 'reminders';
  q jsonb := settings -> 'quiet_hours';
  k text;
  v jsonb;
BEGIN
  IF r IS NOT NULL THEN
    IF jsonb_typeof(r) <> 'object' THEN
      RAISE EXCEPTION USING ERRCODE = '22N02', MESSAGE = 'org setting reminders must be a JSON object',
        HINT = 'For example {"reminders": {"email": 24, "sms": 2}}.';
    END IF;
    FOR k, v IN SELECT e.key, e.value FROM jsonb_each(r) e LOOP
      IF k <> ALL ('{email,sms,whatsapp}'::text[]) THEN
        RAISE EXCEPTION USING ERRCODE = '22N02', MESSAGE = format('unknown channel in org setting reminders: %s', k),
          HINT = 'The channels are email, sms and whatsapp.';
      END IF;
      IF jsonb_typeof(v) <> 'null' AND (jsonb_typeof(v) <> 'number' OR v::text !~ '^[0-9]{1,3}$'
                                        OR v::text::int NOT BETWEEN 1 AND 720) THEN
        RAISE EXCEPTION USING ERRCODE = '22N02',
          MESSAGE = format('org setting reminders.%s must be a whole number of hours from 1 to 720, or null, not %s', k, v);
      END IF;
    END LOOP;
  END IF;
  IF q IS NOT NULL AND jsonb_typeof(q) <> 'null' THEN
    IF jsonb_typeof(q) <> 'object' OR (SELECT count(*) FROM jsonb_object_keys(q)) <> 2
       OR NOT q ?& '{from,to}'
       OR q ->> 'from' !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' OR q ->> 'to' !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
       OR q ->> 'from' = q ->> 'to' THEN
      RAISE EXCEPTION USING ERRCODE = '22N02',
        MESSAGE = format('org setting quiet_hours must be {"from": "HH:MM", "to": "HH:MM"} with two different times, not %s', q);
    END IF;
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION booking.reminder_settings_check(pg_catalog.jsonb) IS
  'true if org settings reminders (channel -> hours 1 to 720 or null) and quiet_hours ({"from": "HH:MM", "to": "HH:MM"}) are as documented; raises 22N02 otherwise';

CREATE OR REPLACE FUNCTION booking.tg_org_reminder_settings() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.reminder_settings_check(NEW.settings);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_org_reminder_settings() IS
  'trigger: check org.settings.reminders and quiet_hours (booking.reminder_settings_check, 22N02)';
CREATE OR REPLACE TRIGGER reminder_settings BEFORE INSERT OR UPDATE OF settings ON booking.org
  FOR EACH ROW EXECUTE FUNCTION booking.tg_org_reminder_settings();

-- When the reminder of a booking starting at starts_at goes out on channel,
-- for an org with zone and settings; NULL for none.
CREATE OR REPLACE FUNCTION booking.reminder_time(settings pg_catalog.jsonb, zone pg_catalog.text,
                                                 channel booking.message_channel, starts_at pg_catalog.timestamptz)
  RETURNS pg_catalog.timestamptz
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  h jsonb := CASE WHEN settings -> 'reminders' ? channel::text THEN settings -> 'reminders' -> channel::text ELSE '24' END;
  t timestamptz;
  q jsonb := settings -> 'quiet_hours';
  lt timestamp;
  qfrom time;
  qto time;
  start_of_quiet timestamp;
BEGIN
  IF h IS NULL OR jsonb_typeof(h) = 'null' THEN
    RETURN NULL;
  END IF;
  t := starts_at - make_interval(hours => h::text::int);
  IF channel IN ('sms', 'whatsapp') AND q IS NOT NULL AND jsonb_typeof(q) = 'object' THEN
    lt := timezone(zone, t);
    qfrom := (q ->> 'from')::time;
    qto := (q ->> 'to')::time;
    IF qfrom < qto AND lt::time >= qfrom AND lt::time < qto THEN
      start_of_quiet := lt::date + qfrom;                    -- quiet within one day
    ELSIF qfrom > qto AND lt::time >= qfrom THEN
      start_of_quiet := lt::date + qfrom;                    -- the evening part
    ELSIF qfrom > qto AND lt::time < qto THEN
      start_of_quiet := (lt::date - 1) + qfrom;              -- after midnight
    END IF;
    IF start_of_quiet IS NOT NULL THEN
      t := timezone(zone, start_of_quiet - interval '1 minute');
    END IF;
  END IF;
  RETURN t;
END
$$;
COMMENT ON FUNCTION booking.reminder_time(pg_catalog.jsonb, pg_catalog.text, booking.message_channel, pg_catalog.timestamptz) IS
  'when a reminder on channel goes out for a start: settings.reminders.<channel> hours before (default 24, null for none), for sms and whatsapp moved to one minute before the quiet hours (settings.quiet_hours, local times) when it would fall inside them';

-- On a history row: a confirmation, or the move of a confirmed booking,
-- drops the booking's pending reminders and schedules them for its start;
-- any other change of a confirmed booking's status drops them.
CREATE OR REPLACE FUNCTION booking.tg_schedule_reminders() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  event text := booking.booking_event_of(NEW.from_status, NEW.to_status, NEW.metadata);
  b booking.booking;
  o booking.org;
BEGIN
  IF booking.writing_as_maintenance() THEN
    RETURN NULL;                -- rows written as given (restores, data loads)
  END IF;
  IF NOT (NEW.to_status = 'confirmed' OR NEW.from_status = 'confirmed') THEN
    RETURN NULL;
  END IF;
  UPDATE booking.scheduled_reminder r SET outcome = 'dropped', processed_at = now()
   WHERE r.org_id = NEW.org_id AND r.booking_id = NEW.booking_id AND r.processed_at IS NULL;
  IF NEW.to_status <> 'confirmed' THEN
    RETURN NULL;
  END IF;
  SELECT * INTO b FROM booking.booking x WHERE x.org_id = NEW.org_id AND x.id = NEW.booking_id;
  SELECT * INTO o FROM booking.org x WHERE x.id = NEW.org_id;
  INSERT INTO booking.scheduled_reminder (org_id, booking_id, channel, execute_at, expected_starts_at)
  SELECT b.org_id, b.id, t.channel, t.at, b.starts_at
    FROM (SELECT DISTINCT x.channel FROM booking.message_template x
           WHERE x.org_id = b.org_id AND x.key = 'booking.reminder' AND x.active) AS c
   CROSS JOIN LATERAL (SELECT c.channel, booking.reminder_time(o.settings, o.time_zone, c.channel, b.starts_at) AS at) AS t
   WHERE t.at IS NOT NULL AND t.at > now();
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_schedule_reminders() IS
  'trigger (AFTER INSERT on status_history): when a booking is confirmed or a confirmed booking moves, schedule a reminder per channel that has a booking.reminder template (booking.reminder_time; none if already past); pending reminders of the booking are dropped first, and on any change away from confirmed';
CREATE OR REPLACE TRIGGER schedule_reminders AFTER INSERT ON booking.status_history
  FOR EACH ROW EXECUTE FUNCTION booking.tg_schedule_reminders();

-- Run up to max_rows due reminders, oldest first, like
-- booking.run_due_transitions: rows claimed with FOR UPDATE SKIP LOCKED; a
-- booking no longer confirmed or moved is skipped; a failure is retried
-- after 1, 2, 4, 8 minutes, the fifth is final.
CREATE OR REPLACE FUNCTION booking.run_due_reminders(max_rows pg_catalog.int4 DEFAULT 100,
                                                     OUT sent pg_catalog.int4, OUT skipped pg_catalog.int4,
                                                     OUT failed pg_catalog.int4)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  -- the system's writes, whoever runs it (pg_cron as a superuser too): else
  -- a superuser without identity wrote its messages as maintenance, with
  -- no validation, no outbox event and no relay
  SET booking.internal = on
  AS $$
DECLARE
  r booking.scheduled_reminder;
  b record;
  msg text;
  due_org record;
  taken int := 0;
BEGIN
  sent := 0; skipped := 0; failed := 0;
  IF max_rows IS NULL OR max_rows < 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = format('max_rows must be at least 1, not %s', COALESCE(max_rows::text, 'null'));
  END IF;
  -- and on the workers (the SET clause stays on the coordinator)
  PERFORM booking.system_on_workers(true);
  -- per org (the claim a router query under Citus), as run_due_transitions
  FOR due_org IN
    SELECT x.org_id FROM booking.scheduled_reminder x
     WHERE x.processed_at IS NULL AND x.execute_at <= now()
     GROUP BY x.org_id
     ORDER BY min(x.execute_at)
     LIMIT max_rows
  LOOP
  EXIT WHEN taken >= max_rows;
  FOR r IN
    SELECT * FROM booking.scheduled_reminder x
     WHERE x.org_id = due_org.org_id AND x.processed_at IS NULL AND x.execute_at <= now()
     ORDER BY x.execute_at
     LIMIT max_rows - taken
     FOR UPDATE SKIP LOCKED
  LOOP
    taken := taken + 1;
    BEGIN
      SELECT x.status, x.starts_at INTO b FROM booking.booking x
       WHERE x.org_id = r.org_id AND x.id = r.booking_id;
      IF b.status IS DISTINCT FROM 'confirmed' OR b.starts_at <> r.expected_starts_at OR b.starts_at <= now() THEN
        UPDATE booking.scheduled_reminder x SET attempts = x.attempts + 1, outcome = 'skipped', processed_at = now()
         WHERE x.org_id = r.org_id AND x.id = r.id;
        skipped := skipped + 1;
      ELSE
        PERFORM booking.queue_messages(r.org_id, r.booking_id, 'booking.reminder', '{}', r.channel);
        UPDATE booking.scheduled_reminder x SET attempts = x.attempts + 1, outcome = 'done', processed_at = now()
         WHERE x.org_id = r.org_id AND x.id = r.id;
        sent := sent + 1;
      END IF;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
      UPDATE booking.scheduled_reminder x
         SET attempts = x.attempts + 1, last_error = SQLSTATE || ': ' || msg,
             execute_at = now() + make_interval(mins => 1 << LEAST(x.attempts, 6)),
             outcome = CASE WHEN x.attempts >= 4 THEN 'failed' END,
             processed_at = CASE WHEN x.attempts >= 4 THEN now() END
       WHERE x.org_id = r.org_id AND x.id = r.id;
      failed := failed + 1;
    END;
  END LOOP;
  END LOOP;
  PERFORM booking.system_on_workers(false);
END
$$;
COMMENT ON FUNCTION booking.run_due_reminders(pg_catalog.int4) IS
  'run up to max_rows due reminders (per org, the org with the oldest due reminder first, oldest first within it; the claim a query of one org): render the booking.reminder template of the reminder''s channel into a queued message; rows claimed with FOR UPDATE SKIP LOCKED; a booking no longer confirmed, moved or started is skipped; failures retried after 1, 2, 4, 8 minutes, the fifth final. Returns sent, skipped, failed. Writes as the system whoever runs it (a superuser from pg_cron too). booking.run_due_transitions calls it after the transitions';

DROP POLICY IF EXISTS scheduled_reminder_staff ON booking.scheduled_reminder;
CREATE POLICY scheduled_reminder_staff ON booking.scheduled_reminder FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());
