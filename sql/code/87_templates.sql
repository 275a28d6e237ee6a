-- Messages from templates: templates checked when written, rendered in the
-- database into message rows when a booking event calls for one, addresses
-- checked per channel, each queued message handed to relays through the
-- outbox, and the provider's delivery status recorded idempotently.
--
-- SQLSTATEs of this file (the messaging family, see 86_messaging.sql):
--   22N03  a template with an unknown key or placeholder, a malformed
--          placeholder, a placeholder the key does not provide, or an
--          e-mail template without a subject
--   22N04  an address invalid for its channel (e-mail syntax, E.164)
--   23N04  a provider status for a message nobody sent

-- The placeholders a template of key may use.
CREATE OR REPLACE FUNCTION booking.template_placeholders(key pg_catalog.text) RETURNS pg_catalog.text[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN CASE key
           WHEN 'booking.cancelled' THEN '{client_name,service,local_start,resource,pickup_address,price,refund}'
           WHEN 'booking.confirmed' THEN '{client_name,service,local_start,resource,pickup_address,price}'
           WHEN 'booking.rescheduled' THEN '{client_name,service,local_start,resource,pickup_address,price,previous_local_start,previous_pickup_address}'
           WHEN 'booking.reminder' THEN '{client_name,service,local_start,resource,pickup_address,price}'
         END::pg_catalog.text[];
END
$$;
COMMENT ON FUNCTION booking.template_placeholders(pg_catalog.text) IS
  'the placeholders a template key may use (NULL for an unknown key): client_name, service, local_start (in the org''s zone), resource, pickup_address, price; refund for booking.cancelled; previous_local_start and previous_pickup_address for booking.rescheduled';

-- Replace every {{name}} of t by values ->> name ('' when absent).
CREATE OR REPLACE FUNCTION booking.render_template(t pg_catalog.text, "values" pg_catalog.jsonb) RETURNS pg_catalog.text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  out text := '';
  rest text := t;
  m text[];
  pos int;
BEGIN
  IF t IS NULL THEN
    RETURN NULL;
  END IF;
  LOOP
    m := regexp_match(rest, '^(.*?)\{\{\s*([a-z_]+)\s*\}\}(.*)$', 's');
    EXIT WHEN m IS NULL;
    out := out || m[1] || COALESCE("values" ->> m[2], '');
    rest := m[3];
  END LOOP;
  RETURN out || rest;
END
$$;
COMMENT ON FUNCTION booking.render_template(pg_catalog.text, pg_catalog.jsonb) IS
  'the text with every {{name}} replaced by values->>name (empty when absent)';

CREATE OR REPLACE FUNCTION booking.template_check(key pg_catalog.text, channel booking.message_channel,
                                                  subject pg_catalog.text, body pg_catalog.text)
  RETURNS pg_catalog.bool
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  known text[] := booking.template_placeholders(key);
  part text;
  part_name text;
  name text;
BEGIN
  IF known IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22N03',
      MESSAGE = format('unknown template key %L', key),
      HINT = 'Template keys are booking.confirmed, booking.cancelled, booking.rescheduled and booking.reminder.';
  END IF;
  IF channel = 'email' AND subject IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22N03',
      MESSAGE = format('the e-mail template %s needs a subject', key);
  END IF;
  FOREACH part_name IN ARRAY ARRAY['subject', 'body'] LOOP
    part := CASE part_name WHEN 'subject' THEN subject ELSE body END;
    CONTINUE WHEN part IS NULL;
    FOR name IN SELECT x[1] FROM regexp_matches(part, '\{\{\s*([^{}]*?)\s*\}\}', 'g') AS x LOOP
      IF name <> ALL (known) THEN
        RAISE EXCEPTION USING ERRCODE = '22N03',
          MESSAGE = format('unknown placeholder {{%s}} in the %s of template %s', name, part_name, key),
          HINT = format('Template %s may use: %s.', key, array_to_string(known, ', '));
      END IF;
    END LOOP;
    IF regexp_replace(part, '\{\{\s*[a-z_]+\s*\}\}', '', 'g') ~ '\{\{|\}\}' THEN
      RAISE EXCEPTION USING ERRCODE = '22N03',
        MESSAGE = format('malformed placeholder in the %s of template %s', part_name, key),
        HINT = 'A placeholder is written {{name}}.';
    END IF;
  END LOOP;
  RETURN true;
END
$$;
COMMENT ON FUNCTION booking.template_check(pg_catalog.text, booking.message_channel, pg_catalog.text, pg_catalog.text) IS
  'true if a template is usable: a known key, a subject for e-mail, only the placeholders its key provides, no malformed {{ }}; raises 22N03 naming what is wrong';

CREATE OR REPLACE FUNCTION booking.tg_template_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.template_check(NEW.key, NEW.channel, NEW.subject, NEW.body);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_template_check() IS 'trigger: check a template when it is written (booking.template_check, 22N03)';
CREATE OR REPLACE TRIGGER template_check BEFORE INSERT OR UPDATE ON booking.message_template
  FOR EACH ROW EXECUTE FUNCTION booking.tg_template_check();

DROP POLICY IF EXISTS message_template_member_read ON booking.message_template;
CREATE POLICY message_template_member_read ON booking.message_template FOR SELECT
  USING (booking.current_user_id() IS NOT NULL);
DROP POLICY IF EXISTS message_template_staff_write ON booking.message_template;
CREATE POLICY message_template_staff_write ON booking.message_template FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());

-- Addresses ---------------------------------------------------------------

-- The address in the form a channel sends to, or NULL if it is not valid
-- for the channel: an e-mail address (local@domain.tld, at most 254
-- characters), or an E.164 number (+ and 7 to 15 digits, the first not 0)
-- after removing spaces, dots, dashes and parentheses.
CREATE OR REPLACE FUNCTION booking.channel_address(channel booking.message_channel, address pg_catalog.text)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN CASE
           WHEN address IS NULL THEN NULL
           WHEN channel = 'email' THEN
             CASE WHEN length(address) <= 254 AND address ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' THEN address END
           ELSE
             CASE WHEN regexp_replace(address, '[ .()-]', '', 'g') ~ '^\+[1-9][0-9]{6,14}$'
                  THEN regexp_replace(address, '[ .()-]', '', 'g') END
         END;
END
$$;
COMMENT ON FUNCTION booking.channel_address(booking.message_channel, pg_catalog.text) IS
  'the address as the channel sends to it (an e-mail address; for sms and whatsapp an E.164 number, separators removed), or NULL if it is not valid for the channel';

CREATE OR REPLACE FUNCTION booking.tg_message_address() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  a text := booking.channel_address(NEW.channel, NEW.to_address);
BEGIN
  IF booking.writing_as_maintenance() THEN
    RETURN NEW;                 -- rows written as given (restores, data loads)
  END IF;
  IF NEW.status = 'queued' THEN
    IF a IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22N04',
        MESSAGE = format('%L is not a valid %s address', NEW.to_address, NEW.channel),
        HINT = CASE WHEN NEW.channel = 'email' THEN 'An e-mail address is local@domain.tld.'
                    ELSE 'SMS and WhatsApp numbers are E.164: + and the country code, for example +4930123456.' END;
    END IF;
    NEW.to_address := a;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_message_address() IS
  'trigger: a queued message needs an address valid for its channel (booking.channel_address, 22N04), stored as the channel sends to it';
CREATE OR REPLACE TRIGGER message_address BEFORE INSERT OR UPDATE OF to_address, channel, status ON booking.message
  FOR EACH ROW EXECUTE FUNCTION booking.tg_message_address();

-- A queued message is handed to relays as outbox event message.queued
-- (ordered with the events of its booking).
CREATE OR REPLACE FUNCTION booking.tg_message_queue() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF booking.writing_as_maintenance() THEN
    RETURN NULL;                -- rows written as given (restores, data loads)
  END IF;
  INSERT INTO booking.outbox (org_id, topic, payload)
  VALUES (NEW.org_id, 'message.queued',
          jsonb_build_object('message_id', NEW.id, 'org_id', NEW.org_id, 'channel', NEW.channel,
                             'to', NEW.to_address, 'template_key', NEW.template_key, 'locale', NEW.locale,
                             'subject', NEW.subject, 'body', NEW.body)
          || CASE WHEN NEW.related_type = 'booking' THEN jsonb_build_object('booking_id', NEW.related_id) ELSE '{}' END);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_message_queue() IS
  'trigger: write outbox event message.queued (message_id, channel, to, subject, body, booking_id) for a queued message';
CREATE OR REPLACE TRIGGER message_queue AFTER INSERT ON booking.message
  FOR EACH ROW WHEN (NEW.status OPERATOR(pg_catalog.=) 'queued'::booking.message_status)
  EXECUTE FUNCTION booking.tg_message_queue();

-- Rendering on booking events ---------------------------------------------

CREATE OR REPLACE FUNCTION booking.format_money(cents pg_catalog.int8, currency pg_catalog.text) RETURNS pg_catalog.text
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  d int := COALESCE((SELECT c.minor_unit FROM booking.currency c WHERE c.code::text = currency), 2);
BEGIN
  IF cents IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN CASE WHEN d = 0 THEN cents::text
              ELSE to_char(cents / (10 ^ d)::numeric, 'FM999999999999990.' || repeat('0', d)) END || ' ' || currency;
END
$$;
COMMENT ON FUNCTION booking.format_money(pg_catalog.int8, pg_catalog.text) IS
  'an amount in minor units as text with the currency''s minor unit and code, e.g. 4500 EUR -> 45.00 EUR';

-- The values of the placeholders of a booking (metadata: of its history row).
CREATE OR REPLACE FUNCTION booking.template_values(org_id pg_catalog.uuid, booking_id pg_catalog.uuid,
                                                   metadata pg_catalog.jsonb)
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN (
    SELECT jsonb_build_object(
             'client_name', c.full_name,
             'service', s.name,
             'local_start', to_char(timezone(o.time_zone, b.starts_at), 'YYYY-MM-DD HH24:MI'),
             'previous_local_start', to_char(timezone(o.time_zone, (metadata ->> 'from_starts_at')::timestamptz), 'YYYY-MM-DD HH24:MI'),
             'resource', r.display_name,
             'pickup_address', b.pickup_address,
             'previous_pickup_address', CASE WHEN metadata ? 'from_pickup_address' THEN metadata ->> 'from_pickup_address'
                                             ELSE b.pickup_address END,
             'price', booking.format_money(b.price_cents, b.currency),
             'refund', booking.format_money((metadata -> 'cancellation' ->> 'refund_cents')::int8, b.currency))
      FROM booking.booking b
      JOIN booking.org o ON o.id = b.org_id
      LEFT JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
      LEFT JOIN booking.service s ON s.org_id = b.org_id AND s.id = b.service_id
      LEFT JOIN booking.resource r ON r.org_id = b.org_id AND r.id = b.resource_id
     WHERE b.org_id = template_values.org_id AND b.id = template_values.booking_id);
END
$$;
COMMENT ON FUNCTION booking.template_values(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.jsonb) IS
  'the placeholder values of a booking: client_name, service, local_start and previous_local_start (YYYY-MM-DD HH24:MI in the org''s zone), resource, pickup_address and previous_pickup_address (before a reschedule: the same unless the pickup moved), price and refund (amount with the currency''s minor unit, then the code)';

-- On a history row whose event has a template (confirmed, cancelled,
-- rescheduled), render a message per channel for the client, in the org's
-- locale (settings.locale, default en; a template in en when the locale has
-- none), to the client's address for the channel; a client without one
-- gets none.
CREATE OR REPLACE FUNCTION booking.queue_messages(org_id pg_catalog.uuid, booking_id pg_catalog.uuid,
                                                  key pg_catalog.text, metadata pg_catalog.jsonb,
                                                  only_channel booking.message_channel DEFAULT NULL)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n int;
  loc text := COALESCE((SELECT o.settings ->> 'locale' FROM booking.org o WHERE o.id = queue_messages.org_id), 'en');
  v jsonb;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM booking.message_template t
                  WHERE t.org_id = queue_messages.org_id AND t.key = queue_messages.key AND t.active
                    AND (only_channel IS NULL OR t.channel = only_channel)) THEN
    RETURN 0;
  END IF;
  v := booking.template_values(org_id, booking_id, metadata);
  INSERT INTO booking.message (org_id, to_address, channel, template_key, locale, subject, body, related_type, related_id, status, error, status_at)
  SELECT queue_messages.org_id, COALESCE(booking.channel_address(t.channel, a.address), a.address), t.channel, t.key, t.locale,
         booking.render_template(t.subject, v), booking.render_template(t.body, v), 'booking', queue_messages.booking_id,
         CASE WHEN booking.channel_address(t.channel, a.address) IS NULL THEN 'failed' ELSE 'queued' END::booking.message_status,
         CASE WHEN booking.channel_address(t.channel, a.address) IS NULL
              THEN format('%L is not a valid %s address', a.address, t.channel) END,
         now()
    FROM (SELECT DISTINCT ON (x.channel) x.*
            FROM booking.message_template x
           WHERE x.org_id = queue_messages.org_id AND x.key = queue_messages.key AND x.active
             AND x.locale IN (loc, 'en') AND (only_channel IS NULL OR x.channel = only_channel)
           ORDER BY x.channel, x.locale = loc DESC) AS t
    JOIN booking.booking b ON b.org_id = queue_messages.org_id AND b.id = queue_messages.booking_id
    JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
   CROSS JOIN LATERAL (SELECT CASE WHEN t.channel = 'email' THEN c.email::text ELSE c.phone END AS address) AS a
   WHERE a.address IS NOT NULL AND length(a.address) >= 3;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.queue_messages(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.jsonb, booking.message_channel) IS
  'internal: render the active templates of key (one per channel, or only_channel''s, in the org''s settings.locale or else en) for the booking''s client into message rows, queued (and handed to relays) or failed when the client''s address is not valid for the channel; returns how many';

CREATE OR REPLACE FUNCTION booking.tg_message_booking_event() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  event text := booking.booking_event_of(NEW.from_status, NEW.to_status, NEW.metadata);
BEGIN
  IF booking.writing_as_maintenance() THEN
    RETURN NULL;                -- rows written as given (restores, data loads)
  END IF;
  IF event IN ('confirmed', 'cancelled', 'rescheduled') THEN
    PERFORM booking.queue_messages(NEW.org_id, NEW.booking_id, 'booking.' || event, NEW.metadata);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_message_booking_event() IS
  'trigger (AFTER INSERT on status_history): on a confirmation, cancellation (with its refund) or reschedule, queue the messages of the org''s templates for the client (booking.queue_messages)';
CREATE OR REPLACE TRIGGER message_booking_event AFTER INSERT ON booking.status_history
  FOR EACH ROW EXECUTE FUNCTION booking.tg_message_booking_event();

-- Provider status -----------------------------------------------------------

-- The relay that handed a message to its provider records the provider's
-- id for it (idempotent: the same id again changes nothing).
CREATE OR REPLACE FUNCTION booking.message_sent(org_id pg_catalog.uuid, message_id pg_catalog.uuid,
                                                provider pg_catalog.text, provider_message_id pg_catalog.text)
  RETURNS booking.message_status
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  m booking.message;
BEGIN
  IF provider IS NULL OR provider !~ '^[a-z_]{1,40}$' OR provider_message_id IS NULL
     OR length(provider_message_id) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'provider must be 1 to 40 lower-case letters and provider_message_id 1 to 200 characters';
  END IF;
  SELECT * INTO m FROM booking.message x WHERE x.org_id = message_sent.org_id AND x.id = message_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = format('no message %s', message_id);
  END IF;
  IF m.provider_id IS NOT NULL AND (m.provider, m.provider_id) IS DISTINCT FROM (provider, provider_message_id) THEN
    RAISE EXCEPTION USING ERRCODE = '23N04',
      MESSAGE = format('message %s was already sent as %s %s', message_id, m.provider, m.provider_id);
  END IF;
  UPDATE booking.message x
     SET provider = message_sent.provider, provider_id = provider_message_id,
         status = CASE WHEN x.status = 'queued' THEN 'sent' ELSE x.status END,
         status_at = CASE WHEN x.status = 'queued' THEN now() ELSE x.status_at END
   WHERE x.org_id = m.org_id AND x.id = m.id
  RETURNING x.status INTO m.status;
  RETURN m.status;
END
$$;
COMMENT ON FUNCTION booking.message_sent(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.text) IS
  'for a relay: the message was handed to provider under provider_message_id; queued becomes sent; the same call again changes nothing; another provider id for the same message is 23N04; returns the status';

-- A provider's delivery report (from its webhook, through your ingestion):
-- sent, delivered, failed or bounced.  Reports may come twice or out of
-- order: a status moves only forward (queued < sent < delivered < failed =
-- bounced), so a repeated or late report changes nothing.
CREATE OR REPLACE FUNCTION booking.message_status_update(provider pg_catalog.text, provider_message_id pg_catalog.text,
                                                         status booking.message_status, error pg_catalog.text DEFAULT NULL)
  RETURNS booking.message_status
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  rank_new int := array_position('{queued,sent,delivered,failed}'::text[], CASE status WHEN 'bounced' THEN 'failed' ELSE status::text END);
  m booking.message;
  n int := 0;
BEGIN
  IF status IS NULL OR status = 'queued' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'a provider reports sent, delivered, failed or bounced';
  END IF;
  FOR m IN SELECT * FROM booking.message x
            WHERE x.provider = message_status_update.provider AND x.provider_id = provider_message_id
            FOR UPDATE LOOP
    n := n + 1;
    IF rank_new > array_position('{queued,sent,delivered,failed}'::text[],
                                 CASE m.status WHEN 'bounced' THEN 'failed' ELSE m.status::text END) THEN
      UPDATE booking.message x
         SET status = message_status_update.status, status_at = now(),
             error = CASE WHEN message_status_update.status IN ('failed', 'bounced') THEN left(message_status_update.error, 2000) ELSE x.error END
       WHERE x.org_id = m.org_id AND x.id = m.id;
      m.status := message_status_update.status;
    END IF;
  END LOOP;
  IF n = 0 THEN
    RAISE EXCEPTION USING ERRCODE = '23N04',
      MESSAGE = format('no message was sent as %s %s', provider, provider_message_id),
      HINT = 'Record the provider''s id with booking.message_sent when the message is handed over.';
  END IF;
  RETURN m.status;
END
$$;
COMMENT ON FUNCTION booking.message_status_update(pg_catalog.text, pg_catalog.text, booking.message_status, pg_catalog.text) IS
  'for a relay or the webhook ingestion: record a provider''s delivery report (sent, delivered, failed, bounced) of the message it sent as provider_message_id; idempotent, and a status only moves forward, so repeated or late reports change nothing; 23N04 for an unknown id; returns the status';
