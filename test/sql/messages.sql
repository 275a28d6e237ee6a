-- Messages from templates, as a real non-owner application role: templates
-- checked when written (22N03), rendered in the database into message rows
-- on confirmation, cancellation (with the refund) and reschedule, in the
-- org's locale, to addresses checked per channel (22N04); each queued
-- message handed to relays as an outbox event; the provider's delivery
-- status recorded idempotently by a relay role (23N04).  Local times are
-- masked in the output and compared with the booking's start instead.
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/try.psql
CREATE FUNCTION pg_temp.masked(t text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(t, '\d{4}-\d{2}-\d{2} \d{2}:\d{2}', '<local time>', 'g') $$;
GRANT EXECUTE ON FUNCTION pg_temp.masked(text) TO PUBLIC;

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000018b1', 'tpl.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000018b2', 'tpl.student@example.com', 'Sam');
SELECT booking.create_org('Template School', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000018b1') AS org \gset
UPDATE booking.org SET settings = settings || '{"locale": "de"}' WHERE id = :'org';
INSERT INTO booking.membership (org_id, user_id, role) VALUES (:'org', '00000000-0000-0000-0000-0000000018b2', 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', '00000000-0000-0000-0000-0000000018b3', 'Fahrstunde', 60, true);
INSERT INTO booking.resource (org_id, id, display_name) VALUES (:'org', '00000000-0000-0000-0000-0000000018b4', 'Ingo');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :'org', '00000000-0000-0000-0000-0000000018b4', d, '[00:00,24:00)' FROM generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, user_id, email, phone) VALUES
  (:'org', '00000000-0000-0000-0000-0000000018b5', 'Sam Schmidt', '00000000-0000-0000-0000-0000000018b2', 'sam@example.com', '+49 (30) 123-4567'),
  (:'org', '00000000-0000-0000-0000-0000000018b6', 'Kim Kurz', NULL, 'kim@example.com', '030 1234');
INSERT INTO booking.cancellation_policy (org_id, actor, hours_before_start, refund_percentage, fee_cents)
VALUES (:'org', 'admin', 0, 50, 500);

CREATE ROLE regress_tpl_app;
SELECT booking.grant_app_role('regress_tpl_app', trusted => true);
CREATE ROLE regress_tpl_relay;
SELECT booking.grant_relay_role('regress_tpl_relay');
SET ROLE regress_tpl_app;

-- 1. Templates are checked when written: 22N03 names what is wrong.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018b1') IS NOT NULL AS acting;
SELECT pg_temp.try($$INSERT INTO booking.message_template (key, channel, subject, body) VALUES ('booking.booked', 'email', 'Hi', 'Hello')$$) AS unknown_key;
SELECT pg_temp.try($$INSERT INTO booking.message_template (key, channel, subject, body) VALUES ('booking.confirmed', 'email', 'Hi', 'Hello {{client}}')$$) AS unknown_placeholder;
SELECT pg_temp.try($$INSERT INTO booking.message_template (key, channel, subject, body) VALUES ('booking.confirmed', 'email', 'Refund {{refund}}', 'Hello')$$) AS refund_in_a_confirmation;
SELECT pg_temp.try($$INSERT INTO booking.message_template (key, channel, subject, body) VALUES ('booking.confirmed', 'email', 'Hi', 'Hello {{client_name}')$$) AS malformed;
SELECT pg_temp.try($$INSERT INTO booking.message_template (key, channel, body) VALUES ('booking.confirmed', 'email', 'Hello')$$) AS email_without_subject;
SELECT pg_temp.try($$INSERT INTO booking.message_template (key, channel, locale, body) VALUES ('booking.confirmed', 'sms', 'german', 'Hallo')$$) AS bad_locale;
INSERT INTO booking.message_template (key, channel, locale, subject, body) VALUES
  ('booking.confirmed', 'email', 'en', 'Your {{service}} is confirmed', 'Dear {{client_name}}, {{service}} with {{resource}} at {{local_start}}, {{price}}.'),
  ('booking.confirmed', 'email', 'de', '{{service}} bestätigt', 'Hallo {{ client_name }}, {{service}} mit {{resource}} am {{local_start}}, {{price}}.'),
  ('booking.confirmed', 'sms', 'de', NULL, '{{service}} am {{local_start}} bestätigt.'),
  ('booking.cancelled', 'email', 'de', '{{service}} storniert', 'Storniert: {{local_start}}. Erstattung: {{refund}} von {{price}}.'),
  ('booking.rescheduled', 'sms', 'en', NULL, 'Moved from {{previous_local_start}} to {{local_start}}.');
SELECT pg_temp.try($$UPDATE booking.message_template SET body = body || ' {{pickup}}' WHERE key = 'booking.rescheduled'$$) AS update_checked_too;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018b2') IS NOT NULL AS acting;
SELECT count(*) AS student_reads_templates FROM booking.message_template;
SELECT pg_temp.try($$DELETE FROM booking.message_template$$) AS student_delete_sees_no_row, (SELECT count(*) FROM booking.message_template) AS still_there;
COMMIT;

-- 2. Sam books, the owner confirms: an e-mail and an SMS in German, the
-- number in E.164; the outbox hands them to relays.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018b2') IS NOT NULL AS acting;
SELECT (booking.book('00000000-0000-0000-0000-0000000018b5', service_id => '00000000-0000-0000-0000-0000000018b3',
                     resource_id => '00000000-0000-0000-0000-0000000018b4',
                     starts_at => date_trunc('hour', now()) + interval '10 days')).status AS booked;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018b1') IS NOT NULL AS acting;
UPDATE booking.booking SET price_cents = 4500, resource_share_cents = 4500 WHERE client_id = '00000000-0000-0000-0000-0000000018b5';
SELECT count(*) AS confirmed FROM booking.booking b, LATERAL (SELECT booking.transition(b.id, 'confirmed')) t;
SELECT channel, to_address, locale, status, pg_temp.masked(subject) AS subject, pg_temp.masked(body) AS body
  FROM booking.message ORDER BY channel;
-- the local time is the start in Berlin
SELECT bool_and(m.body LIKE '%' || to_char(timezone('Europe/Berlin', b.starts_at), 'YYYY-MM-DD HH24:MI') || '%') AS berlin_time
  FROM booking.message m JOIN booking.booking b ON b.id = m.related_id;
SELECT o.topic, o.payload ->> 'channel' AS channel, o.payload ->> 'to' AS "to", o.order_key = m.related_id::text AS ordered_with_booking
  FROM booking.outbox o JOIN booking.message m ON m.id = (o.payload ->> 'message_id')::uuid ORDER BY o.id;
COMMIT;

-- 3. Rescheduled (no German SMS template: the English one), then cancelled
-- by the owner with the refund of the admin policy (50 % less 5.00).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018b1') IS NOT NULL AS acting;
SELECT count(*) AS rescheduled FROM booking.booking b, LATERAL (SELECT booking.reschedule(b.id, b.starts_at + interval '1 day')) r;
SELECT refund_cents FROM booking.cancel((SELECT id FROM booking.booking), 'instructor ill');
SELECT template_key, channel, locale, status, pg_temp.masked(body) AS body FROM booking.message
 WHERE template_key <> 'booking.confirmed' ORDER BY created_at, channel;
COMMIT;

-- 4. Kim's number is not E.164: her SMS is recorded as failed, not sent,
-- and her confirmation is not held up.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018b1') IS NOT NULL AS acting;
INSERT INTO booking.booking (client_id, service_id, resource_id, starts_at, ends_at, currency)
VALUES ('00000000-0000-0000-0000-0000000018b6', '00000000-0000-0000-0000-0000000018b3', '00000000-0000-0000-0000-0000000018b4',
        date_trunc('hour', now()) + interval '12 days', date_trunc('hour', now()) + interval '12 days 1 hour', 'EUR');
SELECT count(*) AS confirmed FROM booking.booking b, LATERAL (SELECT booking.transition(b.id, 'confirmed')) t WHERE b.client_id = '00000000-0000-0000-0000-0000000018b6';
SELECT channel, to_address, status, error FROM booking.message WHERE to_address IN ('kim@example.com', '030 1234') ORDER BY channel;
SELECT count(*) AS outbox_events_for_kim FROM booking.outbox WHERE payload ->> 'to' IN ('kim@example.com', '030 1234');

-- 5. Addresses written by the application are checked per channel.
SELECT pg_temp.try($$INSERT INTO booking.message (to_address, channel, body) VALUES ('not an address', 'email', 'x')$$) AS bad_email;
SELECT pg_temp.try($$INSERT INTO booking.message (to_address, channel, body) VALUES ('0049301234567', 'sms', 'x')$$) AS no_plus;
SELECT pg_temp.try($$INSERT INTO booking.message (to_address, channel, body) VALUES ('+0301234567', 'whatsapp', 'x')$$) AS leading_zero;
SELECT pg_temp.try($$INSERT INTO booking.message (to_address, channel, body) VALUES ('+1234567890123456', 'sms', 'x')$$) AS sixteen_digits;
INSERT INTO booking.message (id, to_address, channel, body) VALUES ('00000000-0000-0000-0000-0000000018b9', '+1 (415) 555-0100', 'whatsapp', 'hello');
SELECT to_address, status FROM booking.message WHERE id = '00000000-0000-0000-0000-0000000018b9';
COMMIT;

-- 6. Provider status, as the relay role: sent once with the provider's id,
-- reports applied forward only, repeated and late ones change nothing.
RESET ROLE;
SET ROLE regress_tpl_relay;
SELECT booking.message_sent(:'org', '00000000-0000-0000-0000-0000000018b9', 'twilio', 'SM0001') AS sent;
SELECT booking.message_sent(:'org', '00000000-0000-0000-0000-0000000018b9', 'twilio', 'SM0001') AS sent_again;
SELECT pg_temp.try(format($$SELECT booking.message_sent(%L, '00000000-0000-0000-0000-0000000018b9', 'twilio', 'SM9999')$$, :'org')) AS other_id;
SELECT booking.message_status_update('twilio', 'SM0001', 'delivered') AS delivered;
SELECT booking.message_status_update('twilio', 'SM0001', 'delivered') AS delivered_again;
SELECT booking.message_status_update('twilio', 'SM0001', 'sent') AS late_sent;
SELECT booking.message_status_update('twilio', 'SM0001', 'bounced', 'mailbox unavailable') AS bounced;
SELECT booking.message_status_update('twilio', 'SM0001', 'failed', 'later report') AS failed_after_bounce;
SELECT pg_temp.try($$SELECT booking.message_status_update('twilio', 'SM4040', 'delivered')$$) AS unknown_id;
SELECT pg_temp.try($$SELECT booking.message_status_update('twilio', 'SM0001', 'queued')$$) AS back_to_queued;
SELECT pg_temp.try($$SELECT booking.message_sent(gen_random_uuid(), gen_random_uuid(), 'Twilio!', 'x')$$) AS bad_provider;
RESET ROLE;
SELECT status, provider, provider_id, error FROM booking.message WHERE id = '00000000-0000-0000-0000-0000000018b9';

DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE email LIKE 'tpl.%';
DROP OWNED BY regress_tpl_app, regress_tpl_relay;
DROP ROLE regress_tpl_app, regress_tpl_relay;
