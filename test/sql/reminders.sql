-- Reminders, as a real non-owner application role: scheduled per channel
-- when a booking is confirmed (settings.reminders, quiet hours for SMS and
-- WhatsApp in the org's local time), following a moved booking, dropped
-- with a cancelled one, run by booking.run_due_reminders into messages.
-- The org is in Asia/Tokyo (no daylight saving), and times are reported as
-- intervals before the start, so the test holds on any day.
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/try.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000018c1', 'rem.owner@example.com', 'Owner');
SELECT booking.create_org('Reminder School', 'Asia/Tokyo', 'JPY', '00000000-0000-0000-0000-0000000018c1') AS org \gset
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', '00000000-0000-0000-0000-0000000018c3', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name) VALUES (:'org', '00000000-0000-0000-0000-0000000018c4', 'Aiko');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :'org', '00000000-0000-0000-0000-0000000018c4', d, '[00:00,24:00)' FROM generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, email, phone) VALUES
  (:'org', '00000000-0000-0000-0000-0000000018c5', 'Ken', 'ken@example.com', '+81 90 1234 5678');

-- bad settings: 22N02
SELECT pg_temp.try(format($$UPDATE booking.org SET settings = '{"reminders": {"pigeon": 2}}' WHERE id = %L$$, :'org')) AS unknown_channel;
SELECT pg_temp.try(format($$UPDATE booking.org SET settings = '{"reminders": {"sms": 0}}' WHERE id = %L$$, :'org')) AS zero_hours;
SELECT pg_temp.try(format($$UPDATE booking.org SET settings = '{"quiet_hours": {"from": "21:00"}}' WHERE id = %L$$, :'org')) AS half_quiet;
SELECT pg_temp.try(format($$UPDATE booking.org SET settings = '{"quiet_hours": {"from": "25:00", "to": "08:00"}}' WHERE id = %L$$, :'org')) AS bad_time;
UPDATE booking.org SET settings = '{"reminders": {"email": 24, "sms": 2, "whatsapp": null}, "quiet_hours": {"from": "21:00", "to": "08:00"}}' WHERE id = :'org';

CREATE ROLE regress_rem_app;
SELECT booking.grant_app_role('regress_rem_app', trusted => true);
SET ROLE regress_rem_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018c1') IS NOT NULL AS acting;
INSERT INTO booking.message_template (key, channel, subject, body) VALUES
  ('booking.reminder', 'email', 'Tomorrow: {{service}}', 'See you at {{local_start}}, {{client_name}}. {{price}}'),
  ('booking.reminder', 'sms', NULL, 'Reminder: {{service}} at {{local_start}}'),
  ('booking.reminder', 'whatsapp', NULL, 'Reminder: {{service}}');
-- a lesson at 07:00 Tokyo time ten days ahead, and one at 15:00
INSERT INTO booking.booking (id, client_id, service_id, resource_id, starts_at, ends_at, currency, price_cents, resource_share_cents)
SELECT v.id::uuid, '00000000-0000-0000-0000-0000000018c5', '00000000-0000-0000-0000-0000000018c3', '00000000-0000-0000-0000-0000000018c4',
       timezone('Asia/Tokyo', (timezone('Asia/Tokyo', now())::date + 10) + v.t),
       timezone('Asia/Tokyo', (timezone('Asia/Tokyo', now())::date + 10) + v.t + interval '1 hour'), 'JPY', 5000, 5000
  FROM (VALUES ('00000000-0000-0000-0000-0000000018d1', time '07:00'), ('00000000-0000-0000-0000-0000000018d2', time '15:00')) v(id, t);
SELECT count(*) AS pending_reminders FROM booking.scheduled_reminder;
SELECT count(*) AS confirmed FROM booking.booking b, LATERAL (SELECT booking.transition(b.id, 'confirmed')) t;
-- email 24 h before; SMS 2 h before, except at 05:00, inside the quiet
-- hours, moved to 20:59 the evening before; no WhatsApp (null)
SELECT to_char(timezone('Asia/Tokyo', b.starts_at), 'HH24:MI') AS local_start, r.channel, b.starts_at - r.execute_at AS before_start,
       to_char(timezone('Asia/Tokyo', r.execute_at), 'HH24:MI') AS local_send
  FROM booking.scheduled_reminder r JOIN booking.booking b ON b.id = r.booking_id
 WHERE r.processed_at IS NULL ORDER BY b.starts_at, r.channel;
COMMIT;

-- Moved: the reminders follow; cancelled: they are dropped.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018c1') IS NOT NULL AS acting;
SELECT count(*) AS moved FROM booking.booking b, LATERAL (SELECT booking.reschedule(b.id, b.starts_at + interval '2 hours')) r
 WHERE b.id = '00000000-0000-0000-0000-0000000018d2';
SELECT r.channel, b.starts_at - r.execute_at AS before_start, r.expected_starts_at = b.starts_at AS follows
  FROM booking.scheduled_reminder r JOIN booking.booking b ON b.id = r.booking_id
 WHERE r.processed_at IS NULL AND b.id = '00000000-0000-0000-0000-0000000018d2' ORDER BY r.channel;
SELECT refund_cents IS NOT NULL AS cancelled FROM booking.cancel('00000000-0000-0000-0000-0000000018d1', 'sick');
SELECT b.id = '00000000-0000-0000-0000-0000000018d1' AS cancelled_booking, r.outcome, count(*)
  FROM booking.scheduled_reminder r JOIN booking.booking b ON b.id = r.booking_id
 GROUP BY 1, 2 ORDER BY 1, 2;
COMMIT;

-- The runner: a due reminder (made due here) becomes a queued message of
-- its channel; a second run finds nothing; a reminder whose booking has
-- moved on behind its back is skipped.
RESET ROLE;
UPDATE booking.scheduled_reminder SET execute_at = now() - interval '1 minute' WHERE processed_at IS NULL;
SELECT * FROM booking.run_due_reminders(100);
SELECT * FROM booking.run_due_reminders(100);
-- run by the superuser (as pg_cron would), its messages are the system's,
-- not a maintenance write: validated, queued with an outbox event each
SELECT m.channel, m.status, count(o.*) AS outbox_events
  FROM booking.message m
  LEFT JOIN booking.outbox o ON o.topic = 'message.queued' AND o.payload ->> 'message_id' = m.id::text
 GROUP BY 1, 2 ORDER BY 1;
-- the transitions runner sends them too
INSERT INTO booking.scheduled_reminder (org_id, booking_id, channel, execute_at, expected_starts_at)
SELECT org_id, id, 'whatsapp', now() - interval '1 minute', starts_at FROM booking.booking WHERE id = '00000000-0000-0000-0000-0000000018d2';
SELECT count(*) AS reminders_due FROM booking.scheduled_reminder WHERE processed_at IS NULL AND execute_at <= now();
SELECT count(*) AS ran FROM booking.run_due_transitions(100);
SELECT count(*) AS reminders_due_after FROM booking.scheduled_reminder WHERE processed_at IS NULL AND execute_at <= now();
SELECT channel, template_key, to_address, status, subject FROM booking.message ORDER BY channel;
-- the same through the transitions runner as run directly
SELECT m.channel, m.status, count(o.*) AS outbox_events
  FROM booking.message m
  LEFT JOIN booking.outbox o ON o.topic = 'message.queued' AND o.payload ->> 'message_id' = m.id::text
 GROUP BY 1, 2 ORDER BY 1;
SELECT pg_temp.try($$SELECT booking.run_due_reminders(0)$$) AS zero_rows;
-- the e-mail reminders of a booking moved without the life cycle (as maintenance)
UPDATE booking.scheduled_reminder SET processed_at = NULL, outcome = NULL, execute_at = now() - interval '1 minute'
 WHERE channel = 'email' AND booking_id = '00000000-0000-0000-0000-0000000018d2';
UPDATE booking.booking SET starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour'
 WHERE id = '00000000-0000-0000-0000-0000000018d2';
SELECT * FROM booking.run_due_reminders(100);

DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE email LIKE 'rem.%';
DROP OWNED BY regress_rem_app;
DROP ROLE regress_rem_app;
