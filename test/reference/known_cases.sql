-- test/reference/known_cases.sql: hand-computed answers for the SQL
-- reference (slots_ref.available_slots), one small resource per rule, in an
-- org in Europe/Berlin with a 30-minute grid.  Included by
-- test/differential.sql before the random cases; fills d_known(name, got,
-- want), whose rows become the first TAP lines.  Dates are next year's
-- spring-forward and fall-back Sundays and the Monday after spring forward,
-- so the cases stay inside notice and horizon whenever they run.
--
-- Slots are written as local start times with the UTC offset, "HH24:MI TZH".

CREATE TABLE d_known (n serial, name text, got text[], want text[]);

SELECT y, make_date(y, 3, 31) - extract(dow FROM make_date(y, 3, 31))::int AS spring,
          make_date(y, 10, 31) - extract(dow FROM make_date(y, 10, 31))::int AS fall
  FROM (SELECT extract(year FROM now())::int + 1 AS y) AS x \gset known_
SELECT :'known_spring'::date + 1 AS monday \gset known_

INSERT INTO booking.app_user (id, email, full_name)
VALUES ('00000000-0000-0000-0000-00000000ca01', 'known@example.com', 'Known');
INSERT INTO booking.org (id, name, time_zone, currency, slot_step_minutes, min_notice_minutes, booking_horizon_days)
VALUES ('00000000-0000-0000-0000-00000000ca02', 'Known answers', 'Europe/Berlin', 'EUR', 30, 0, 730);
INSERT INTO booking.membership (org_id, user_id, role)
VALUES ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000ca01', 'admin');

-- services: k60 (60 min), k60b (60 min, 15 before), k30 (30 min), k90, and
-- kbusy (used by busy items: 30 min after)
INSERT INTO booking.service (org_id, id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, free) VALUES
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c060', 'k60', 60, 0, 0, true),
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c061', 'k60b', 60, 15, 0, true),
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c030', 'k30', 30, 0, 0, true),
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c090', 'k90', 90, 0, 0, true),
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c0bb', 'kbusy', 30, 0, 30, true);
INSERT INTO booking.client (org_id, id, full_name) VALUES ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000cc01', 'Known client');
-- two points in Berlin; a cached 40 minutes from p1 to p2
INSERT INTO booking.location (org_id, id, name, point) VALUES
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c101', 'p1', 'SRID=4326;POINT(13.30 52.50)'),
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c102', 'p2', 'SRID=4326;POINT(13.45 52.52)');
INSERT INTO booking.travel_time_cache (org_id, from_point, to_point, driving_minutes, distance_meters, cache_valid_until)
VALUES ('00000000-0000-0000-0000-00000000ca02', 'SRID=4326;POINT(13.30 52.50)', 'SRID=4326;POINT(13.45 52.52)', 40, 12000, now() + interval '3 years');

-- Everything is loaded as maintenance (a superuser without an identity:
-- any status, lapsed holds); the identity is set for the calls only.

-- one resource per case: (case, weekly rows ...), the hours in local time
CREATE TABLE d_known_case (k int PRIMARY KEY, name text, service uuid, day date, during tstzrange,
                           pickup geography, want text[]);
CREATE FUNCTION known_res(k int) RETURNS uuid LANGUAGE sql IMMUTABLE
  RETURN ('00000000-0000-0000-0000-0000000' || lpad(k::text, 5, '0'))::uuid;
INSERT INTO booking.resource (org_id, id, display_name)
SELECT '00000000-0000-0000-0000-00000000ca02', known_res(k), 'Known ' || k FROM generate_series(1, 19) AS k;
CREATE FUNCTION known_day(d date) RETURNS tstzrange LANGUAGE sql STABLE
  RETURN tstzrange((d + '00:00'::time) AT TIME ZONE 'Europe/Berlin', (d + 1 + '00:00'::time) AT TIME ZONE 'Europe/Berlin');
CREATE FUNCTION known_at(d date, t time) RETURNS timestamptz LANGUAGE sql STABLE
  RETURN (d + t) AT TIME ZONE 'Europe/Berlin';

INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, break, max_bookings_per_day, travel_buffer_minutes) VALUES
  ('00000000-0000-0000-0000-00000000ca02', known_res(1), 7, '[01:00,06:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(2), 7, '[01:00,04:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(3), 1, '[09:00,13:00)', '[11:00,11:30)', NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(4), 1, '[09:00,10:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(4), 1, '[10:00,11:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(5), 1, '[09:00,13:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(6), 1, '[09:00,13:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(7), 1, '[09:00,13:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(8), 1, '[09:00,13:00)', NULL, NULL, 20),
  ('00000000-0000-0000-0000-00000000ca02', known_res(9), 1, '[09:00,11:00)', NULL, 1, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(10), 1, '[09:00,11:00)', NULL, 2, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(11), 1, '[09:00,13:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(12), 1, '[09:00,13:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(13), 1, '[09:00,12:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(14), 1, '[22:00,24:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(15), 7, '[02:00,03:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(16), 7, '[02:30,04:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(17), 1, '[09:00,11:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(18), 1, '[09:00,11:00)', NULL, NULL, 0),
  ('00000000-0000-0000-0000-00000000ca02', known_res(19), 1, '[09:00,11:00)', NULL, NULL, 0);
INSERT INTO booking.availability_exception (org_id, resource_id, on_date, available, hours) VALUES
  ('00000000-0000-0000-0000-00000000ca02', known_res(5), :'known_monday', false, NULL),
  ('00000000-0000-0000-0000-00000000ca02', known_res(6), :'known_monday', true, '{[14:00,15:30)}');
INSERT INTO booking.booking (org_id, resource_id, client_id, service_id, starts_at, ends_at, status, pickup_point, dropoff_point, currency) VALUES
  -- 7: occupied [10:30, 11:30) by its own buffer after
  ('00000000-0000-0000-0000-00000000ca02', known_res(7), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c0bb',
   known_at(:'known_monday', '10:30'), known_at(:'known_monday', '11:00'), 'confirmed', NULL, NULL, 'EUR'),
  -- 8: travel buffer 20 around [10:00, 11:00)
  ('00000000-0000-0000-0000-00000000ca02', known_res(8), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c060',
   known_at(:'known_monday', '10:00'), known_at(:'known_monday', '11:00'), 'pending', NULL, NULL, 'EUR'),
  -- 9 and 10: one booking before the hours; cancelled ones do not count
  ('00000000-0000-0000-0000-00000000ca02', known_res(9), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c030',
   known_at(:'known_monday', '07:00'), known_at(:'known_monday', '07:30'), 'in_progress', NULL, NULL, 'EUR'),
  ('00000000-0000-0000-0000-00000000ca02', known_res(10), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c030',
   known_at(:'known_monday', '07:00'), known_at(:'known_monday', '07:30'), 'confirmed', NULL, NULL, 'EUR'),
  ('00000000-0000-0000-0000-00000000ca02', known_res(10), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c030',
   known_at(:'known_monday', '07:30'), known_at(:'known_monday', '08:00'), 'cancelled', NULL, NULL, 'EUR'),
  -- 11: [10:00, 11:00) dropping off at p1, 40 minutes from p2
  ('00000000-0000-0000-0000-00000000ca02', known_res(11), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c060',
   known_at(:'known_monday', '10:00'), known_at(:'known_monday', '11:00'), 'confirmed',
   NULL, 'SRID=4326;POINT(13.30 52.50)', 'EUR'),
  -- 12: a booking without points and a session at p1, both ending 11:00
  ('00000000-0000-0000-0000-00000000ca02', known_res(12), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c060',
   known_at(:'known_monday', '10:00'), known_at(:'known_monday', '11:00'), 'confirmed', NULL, NULL, 'EUR');
-- 17: a live hold at 09:00 counts, a lapsed hold at 10:00 does not (a
-- lapsed hold can only be written by maintenance: no identity)
INSERT INTO booking.booking (org_id, resource_id, client_id, service_id, starts_at, ends_at, status, hold_expires_at, currency) VALUES
  ('00000000-0000-0000-0000-00000000ca02', known_res(17), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c060',
   known_at(:'known_monday', '09:00'), known_at(:'known_monday', '10:00'), 'pending', now() + interval '1 day', 'EUR');
INSERT INTO booking.booking (org_id, resource_id, client_id, service_id, starts_at, ends_at, status, hold_expires_at, currency) VALUES
  ('00000000-0000-0000-0000-00000000ca02', known_res(17), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c060',
   known_at(:'known_monday', '10:00'), known_at(:'known_monday', '11:00'), 'pending', now() - interval '1 minute', 'EUR');
-- 18: a booking keeps the buffer its service had (30 after) when the
-- service changes; 19: a session takes its service's current buffers
INSERT INTO booking.service (org_id, id, name, duration_minutes, buffer_after_minutes, free) VALUES
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c0b1', 'kstored', 30, 30, true),
  ('00000000-0000-0000-0000-00000000ca02', '00000000-0000-0000-0000-00000000c0b2', 'ksession', 30, 0, true);
INSERT INTO booking.booking (org_id, resource_id, client_id, service_id, starts_at, ends_at, status, currency) VALUES
  ('00000000-0000-0000-0000-00000000ca02', known_res(18), '00000000-0000-0000-0000-00000000cc01', '00000000-0000-0000-0000-00000000c0b1',
   known_at(:'known_monday', '09:00'), known_at(:'known_monday', '09:30'), 'confirmed', 'EUR');
INSERT INTO booking.session (org_id, resource_id, service_id, title, starts_at, ends_at, capacity, currency) VALUES
  ('00000000-0000-0000-0000-00000000ca02', known_res(19), '00000000-0000-0000-0000-00000000c0b2', 'known session 2',
   known_at(:'known_monday', '09:00'), known_at(:'known_monday', '09:30'), 4, 'EUR');
UPDATE booking.service SET buffer_after_minutes = 0 WHERE id = '00000000-0000-0000-0000-00000000c0b1';
UPDATE booking.service SET buffer_after_minutes = 30 WHERE id = '00000000-0000-0000-0000-00000000c0b2';
INSERT INTO booking.session (org_id, resource_id, service_id, location_id, title, starts_at, ends_at, capacity, currency) VALUES
  ('00000000-0000-0000-0000-00000000ca02', known_res(12), '00000000-0000-0000-0000-00000000c030', '00000000-0000-0000-0000-00000000c101', 'known session',
   known_at(:'known_monday', '10:30'), known_at(:'known_monday', '11:00'), 4, 'EUR');

INSERT INTO d_known_case VALUES
  (1, 'spring forward: windows and grid across the gap', '00000000-0000-0000-0000-00000000c060', :'known_spring',
   known_day(:'known_spring'), NULL, '{"01:00 +01","01:30 +01","03:00 +02","03:30 +02","04:00 +02","04:30 +02","05:00 +02"}'),
  (2, 'fall back: the first pass of the repeated hour has no grid points', '00000000-0000-0000-0000-00000000c060', :'known_fall',
   known_day(:'known_fall'), NULL, '{"01:00 +02","01:30 +02","02:00 +01","02:30 +01","03:00 +01"}'),
  (3, 'a break removes time from its window', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{"09:00 +02","09:30 +02","10:00 +02","11:30 +02","12:00 +02"}'),
  (4, 'touching windows merge', '00000000-0000-0000-0000-00000000c090', :'known_monday',
   known_day(:'known_monday'), NULL, '{"09:00 +02","09:30 +02"}'),
  (5, 'an exception day off', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{}'),
  (6, 'an exception with other hours', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{"14:00 +02","14:30 +02"}'),
  (7, 'buffers: 15 before the slot, 30 after the item', '00000000-0000-0000-0000-00000000c061', :'known_monday',
   known_day(:'known_monday'), NULL, '{"09:00 +02","09:30 +02","12:00 +02"}'),
  (8, 'travel buffer on both sides', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{"11:30 +02","12:00 +02"}'),
  (9, 'daily maximum reached', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{}'),
  (10, 'daily maximum not reached (cancelled bookings do not count)', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{"09:00 +02","09:30 +02","10:00 +02"}'),
  (11, 'travel from the previous dropoff to the pickup', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), 'SRID=4326;POINT(13.45 52.52)', '{"09:00 +02","12:00 +02"}'),
  (12, 'travel from the previous items (ties: all of them)', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), 'SRID=4326;POINT(13.45 52.52)', '{"09:00 +02","12:00 +02"}'),
  (13, 'range with exclusive lower and inclusive upper bound', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   tstzrange(known_at(:'known_monday', '09:00'), known_at(:'known_monday', '11:00'), '(]'), NULL, '{"09:30 +02","10:00 +02"}'),
  (14, 'a window up to 24:00', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{"22:00 +02","22:30 +02","23:00 +02"}'),
  (15, 'a window inside the spring-forward gap is empty', '00000000-0000-0000-0000-00000000c030', :'known_spring',
   known_day(:'known_spring'), NULL, '{}'),
  (16, 'a window starting inside the gap', '00000000-0000-0000-0000-00000000c030', :'known_spring',
   known_day(:'known_spring'), NULL, '{"03:30 +02"}');
INSERT INTO d_known_case VALUES
  (17, 'a live hold counts, a lapsed hold does not', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{"10:00 +02"}'),
  (18, 'a booking keeps the buffers stored on it', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{"10:00 +02"}'),
  (19, 'a session takes its service''s buffers', '00000000-0000-0000-0000-00000000c060', :'known_monday',
   known_day(:'known_monday'), NULL, '{"10:00 +02"}');
-- 11 without a pickup: only the item itself is in the way
INSERT INTO d_known_case
SELECT 20, 'no pickup: no travel', service, day, during, NULL, '{"09:00 +02","11:00 +02","11:30 +02","12:00 +02"}'
  FROM d_known_case WHERE k = 11;

SELECT set_config('booking.identity', '00000000-0000-0000-0000-00000000ca02 00000000-0000-0000-0000-00000000ca01 admin', false) \g /dev/null
SET TimeZone = 'Europe/Berlin';
INSERT INTO d_known (name, got, want)
SELECT 'reference: ' || c.name || ' (' || c.day || ')',
       ARRAY(SELECT to_char(s.starts_at, 'HH24:MI TZH')
               FROM slots_ref.available_slots(known_res(CASE WHEN c.k = 20 THEN 11 ELSE c.k END), c.service, c.during, c.pickup) AS s
              ORDER BY s.starts_at),
       c.want
  FROM d_known_case c ORDER BY c.k;
RESET TimeZone;
SELECT set_config('booking.identity', '', false) \g /dev/null
