-- A move of place alone (pickup or dropoff, point or address, the time and
-- the resource kept) is a reschedule like a move in time: by
-- booking.reschedule() or a plain UPDATE, allowed to whoever may cancel the
-- booking now, it sets rescheduled_at and reschedule_reason, appends a
-- status_history row (event rescheduled, with the place before and after),
-- writes a booking.rescheduled outbox event, notifies whom the org names
-- for rescheduled and queues the booking.rescheduled messages (with
-- previous_pickup_address).  As a real non-owner application role.
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/try.psql
\i test/sql/include/week.psql

\set org '''00000000-0000-0000-0000-00000005d0f0'''
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-00000005d0a1', 'place.owner@example.com', 'Olga Owner'),
  ('00000000-0000-0000-0000-00000005d0a2', 'place.sam@example.com', 'Sam Student'),
  ('00000000-0000-0000-0000-00000005d0a3', 'place.ingo@example.com', 'Ingo Instructor');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES (:org, 'Place School', 'Europe/Berlin', 'EUR');
SELECT booking.seed_lifecycle_defaults(:org) > 0 AS rules_seeded;
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:org, '00000000-0000-0000-0000-00000005d0a1', 'owner'),
  (:org, '00000000-0000-0000-0000-00000005d0a2', 'student'),
  (:org, '00000000-0000-0000-0000-00000005d0a3', 'instructor');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free)
VALUES (:org, '00000000-0000-0000-0000-00000005d0e1', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name, user_id)
VALUES (:org, '00000000-0000-0000-0000-00000005d0b1', 'Ingo', '00000000-0000-0000-0000-00000005d0a3');
INSERT INTO booking.client (org_id, id, full_name, user_id, email) VALUES
  (:org, '00000000-0000-0000-0000-00000005d0c1', 'Sam', '00000000-0000-0000-0000-00000005d0a2', 'place.sam@example.com');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :org, '00000000-0000-0000-0000-00000005d0b1', d, '[06:00,20:00)' FROM generate_series(1, 7) d;
INSERT INTO booking.message_template (org_id, key, channel, subject, body) VALUES
  (:org, 'booking.rescheduled', 'email', 'Your {{service}} has moved',
   '{{previous_local_start}} at {{previous_pickup_address}} is now {{local_start}} at {{pickup_address}}.');

CREATE ROLE regress_place_app;
SELECT booking.grant_app_role('regress_place_app', trusted => true);
SET ROLE regress_place_app;

-- Sam books a lesson on day 1 at 10:00, picked up at the station; a
-- second one on day 2 the owner cancels.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005d0a2') IS NOT NULL AS acting_sam;
SELECT (booking.book('00000000-0000-0000-0000-00000005d0c1', '00000000-0000-0000-0000-00000005d0e1', pg_temp.at(1, '10:00'),
                     '00000000-0000-0000-0000-00000005d0b1', pickup_point => booking.lat_lng(lat => 52.525, lng => 13.369),
                     pickup_address => 'Hauptbahnhof')).id AS b1 \gset
SELECT (booking.book('00000000-0000-0000-0000-00000005d0c1', '00000000-0000-0000-0000-00000005d0e1', pg_temp.at(2, '10:00'),
                     '00000000-0000-0000-0000-00000005d0b1', pickup_address => 'Hauptbahnhof')).id AS b2 \gset
COMMIT;
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005d0a1') IS NOT NULL AS acting_owner;
SELECT actor FROM booking.cancel(:'b2', 'instructor ill');
COMMIT;

-- what the history, the outbox, the notifications and the messages hold
-- of a booking's reschedules, read as the owner
CREATE FUNCTION pg_temp.recorded(b uuid) RETURNS TABLE (history bigint, outbox bigint, notified text, messages text)
LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM booking.status_history h WHERE h.booking_id = b AND h.metadata ->> 'event' = 'rescheduled'),
         (SELECT count(*) FROM booking.outbox o WHERE o.topic = 'booking.rescheduled' AND (o.payload ->> 'booking_id')::uuid = b),
         (SELECT string_agg(u.full_name, ', ' ORDER BY n.seq) FROM booking.notification n JOIN booking.app_user u ON u.id = n.user_id
           WHERE n.booking_id = b AND n.kind = 'booking.rescheduled'),
         (SELECT string_agg(m.subject || ': ' || regexp_replace(m.body, '\d{4}-\d\d-\d\d \d\d:\d\d', '<time>', 'g'), ' | ' ORDER BY m.created_at, m.id)
            FROM booking.message m WHERE m.related_id = b AND m.template_key = 'booking.rescheduled')
$$;
GRANT EXECUTE ON FUNCTION pg_temp.recorded(uuid) TO PUBLIC;

-- 1. Sam moves the pickup only, by booking.reschedule(): a reschedule in
-- the booking, the history, the outbox, the instructor's notifications
-- and Sam's e-mail; the time and the resource stay.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005d0a2') IS NOT NULL AS acting_sam;
SELECT starts_at = pg_temp.at(1, '10:00') AS same_time, pickup_address, rescheduled_at = now() AS rescheduled_now,
       rescheduled_from = starts_at AS from_same_time, reschedule_reason
  FROM booking.reschedule(:'b1', pickup_point => booking.lat_lng(lat => 52.5096, lng => 13.3759),
                          pickup_address => 'Potsdamer Platz', reason => 'meet at work');
COMMIT;
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005d0a1') IS NOT NULL AS acting_owner;
SELECT * FROM pg_temp.recorded(:'b1');
SELECT h.from_status, h.to_status, h.reason, h.actor_user_id = '00000000-0000-0000-0000-00000005d0a2' AS by_sam,
       h.metadata ->> 'from_pickup_address' AS from_pickup_address, h.metadata ->> 'pickup_address' AS pickup_address,
       h.metadata -> 'from_pickup_point' AS from_pickup_point, h.metadata -> 'pickup_point' AS pickup_point,
       h.metadata ->> 'from_starts_at' = h.metadata ->> 'starts_at' AS same_time, h.metadata ? 'from_resource_id' AS resource_moved
  FROM booking.status_history h WHERE h.booking_id = :'b1' AND h.metadata ->> 'event' = 'rescheduled';
SELECT o.payload ->> 'from_pickup_address' AS from_pickup_address, o.payload ->> 'pickup_address' AS pickup_address,
       o.payload ->> 'reason' AS reason, o.payload ->> 'from_starts_at' = o.payload ->> 'starts_at' AS same_time
  FROM booking.outbox o WHERE o.topic = 'booking.rescheduled' AND (o.payload ->> 'booking_id')::uuid = :'b1';
COMMIT;

-- 2. The owner changes the dropoff address with a plain UPDATE: the same,
-- a second reschedule; an UPDATE that writes the same place records none.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005d0a1') IS NOT NULL AS acting_owner;
UPDATE booking.booking SET dropoff_address = 'Alexanderplatz' WHERE id = :'b1';
UPDATE booking.booking SET dropoff_address = 'Alexanderplatz', pickup_address = pickup_address WHERE id = :'b1';
SELECT * FROM pg_temp.recorded(:'b1');
SELECT h.metadata ->> 'from_dropoff_address' AS from_dropoff_address, h.metadata ->> 'dropoff_address' AS dropoff_address,
       h.metadata ? 'from_pickup_point' AS pickup_in_it
  FROM booking.status_history h
 WHERE h.booking_id = :'b1' AND h.metadata ->> 'event' = 'rescheduled' AND h.metadata ? 'dropoff_address';
COMMIT;

-- 3. Who may not move the time may not move the place: a cancelled
-- booking keeps its place, by either path; a status change and a move of
-- place at once are refused; nothing was recorded.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005d0a1') IS NOT NULL AS acting_owner;
SELECT regexp_replace(pg_temp.try(format($$SELECT booking.reschedule(%L, pickup_address => 'Zoo')$$, :'b2')), '[0-9a-f-]{36}', '<booking>') AS reschedule_cancelled;
SELECT regexp_replace(pg_temp.try(format($$UPDATE booking.booking SET pickup_address = 'Zoo' WHERE id = %L$$, :'b2')), '[0-9a-f-]{36}', '<booking>') AS update_cancelled;
SELECT regexp_replace(pg_temp.try(format($$UPDATE booking.booking SET status = 'confirmed', pickup_address = 'Zoo' WHERE id = %L$$, :'b1')), '[0-9a-f-]{36}', '<booking>') AS with_status;
SELECT * FROM pg_temp.recorded(:'b2');
COMMIT;

RESET ROLE;
DELETE FROM booking.org WHERE id = :org;
DELETE FROM booking.app_user WHERE id::text LIKE '00000000-0000-0000-0000-00000005d0a_';
DROP OWNED BY regress_place_app;
DROP ROLE regress_place_app;
