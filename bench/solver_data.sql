-- bench/solver_data.sql: the data of the solver benchmarks (bench/solver.sql,
-- bench/find_slots.sql), loaded with \ir: one org in Berlin, 200 instructors
-- with realistic hours and breaks, 60 days of bookings with pickup points in
-- one city, every travel time between the points cached.

\if :{?instructors}
\else
  \set instructors 200
\endif
\if :{?days}
\else
  \set days 60
\endif
SELECT setseed(0.4242) \g /dev/null

-- One org in Berlin (15-minute grid, 2 hours notice, 90 days horizon), the
-- bench loads as maintenance (a superuser without an identity) and acts as
-- the org's admin for the timed calls.
INSERT INTO booking.app_user (id, email, full_name)
VALUES ('00000000-0000-0000-0000-00000000be01', 'admin@solver.example', 'Admin');
INSERT INTO booking.org (id, name, time_zone, currency, slot_step_minutes, min_notice_minutes, booking_horizon_days)
VALUES ('00000000-0000-0000-0000-00000000be00', 'Solver bench', 'Europe/Berlin', 'EUR', 15, 120, 90);
INSERT INTO booking.membership (org_id, user_id, role)
VALUES ('00000000-0000-0000-0000-00000000be00', '00000000-0000-0000-0000-00000000be01', 'admin');
INSERT INTO booking.service (org_id, id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes) VALUES
  ('00000000-0000-0000-0000-00000000be00', '00000000-0000-0000-0000-00000000be45', 'Lesson 45', 45, 0, 10),
  ('00000000-0000-0000-0000-00000000be00', '00000000-0000-0000-0000-00000000be90', 'Lesson 90', 90, 5, 10);
-- Since 0.2.0 a service without a price is booked only if marked free
-- (issue 17); builds before have no such column (bench/before_after.sh).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'booking.service'::regclass AND attname = 'free') THEN
    UPDATE booking.service SET free = true;
  END IF;
END $$;
INSERT INTO booking.client (org_id, id, full_name)
VALUES ('00000000-0000-0000-0000-00000000be00', '00000000-0000-0000-0000-00000000bec1', 'Student');

-- 150 pickup points in Berlin and every ordered pair between them cached.
CREATE TABLE pts AS
SELECT i, ST_SetSRID(ST_MakePoint(13.25 + random() * 0.3, 52.45 + random() * 0.12), 4326)::geography AS p
  FROM generate_series(1, 150) AS i;
INSERT INTO booking.travel_time_cache
       (org_id, from_point, to_point, driving_minutes, distance_meters, cache_valid_until, traffic_multiplier)
SELECT '00000000-0000-0000-0000-00000000be00', a.p, b.p, 5 + (random() * 30)::int, 1000 + (random() * 15000)::int,
       now() + interval '1 year', 1.1
  FROM pts a, pts b WHERE a.i <> b.i
ON CONFLICT DO NOTHING;

-- 200 instructors.  Monday to Friday: most work 08:00-12:00 and
-- 13:00-18:00, the others 08:00-17:00 with a break 12:00-12:45; a third also
-- work Saturday 09:00-13:00.  Travel buffer 5-15 minutes, a daily maximum of
-- 9 for a quarter of them.
CREATE TABLE ins AS
SELECT i, ('00000000-0000-0000-0001-' || lpad(i::text, 12, '0'))::uuid AS id,
       random() < 0.7 AS split_day, random() < 0.33 AS saturday,
       (ARRAY[5, 10, 15])[1 + floor(random() * 3)::int] AS tb,
       CASE WHEN random() < 0.25 THEN 9 END AS maxb
  FROM generate_series(1, :instructors) AS i;
INSERT INTO booking.resource (org_id, id, display_name, license_classes)
SELECT '00000000-0000-0000-0000-00000000be00', id, 'Instructor ' || i, '{B}' FROM ins ORDER BY i;
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, break, max_bookings_per_day, travel_buffer_minutes)
SELECT '00000000-0000-0000-0000-00000000be00', n.id, wd, w.hours::booking.timerange, w.brk::booking.timerange, n.maxb, n.tb
  FROM ins n
 CROSS JOIN generate_series(1, 6) AS wd
 CROSS JOIN LATERAL (
   SELECT '[08:00,12:00)' AS hours, NULL AS brk WHERE n.split_day AND wd <= 5
   UNION ALL SELECT '[13:00,18:00)', NULL WHERE n.split_day AND wd <= 5
   UNION ALL SELECT '[08:00,17:00)', '[12:00,12:45)' WHERE NOT n.split_day AND wd <= 5
   UNION ALL SELECT '[09:00,13:00)', NULL WHERE n.saturday AND wd = 6) AS w;
-- a few days off
INSERT INTO booking.availability_exception (org_id, resource_id, on_date, available)
SELECT DISTINCT '00000000-0000-0000-0000-00000000be00'::uuid, n.id, current_date + 1 + (random() * :days)::int, false
  FROM ins n, generate_series(1, 3)
ON CONFLICT DO NOTHING;

-- 60 days of bookings: on each working day, 8 lessons of 45 minutes
-- (buffer after 10) in eight bins of the working hours, each at a random
-- 5-minute offset inside its bin, 95 % of them taken; pickups (and mostly
-- the same dropoff) from the points.
CREATE TABLE bins (split_day bool, local_from time, len int);
INSERT INTO bins VALUES
  (true, '08:00', 60), (true, '09:00', 60), (true, '10:00', 60), (true, '11:00', 60),
  (true, '13:00', 75), (true, '14:15', 75), (true, '15:30', 75), (true, '16:45', 75),
  (false, '08:00', 60), (false, '09:00', 60), (false, '10:00', 60), (false, '11:00', 60),
  (false, '12:45', 60), (false, '13:45', 65), (false, '14:50', 65), (false, '15:55', 65);
CREATE TABLE load AS
SELECT n.id AS resource_id,
       ((current_date + d) + b.local_from) AT TIME ZONE 'Europe/Berlin'
         + make_interval(mins => (floor(random() * ((b.len - 55) / 5 + 1)) * 5)::int) AS s,
       1 + floor(random() * 150)::int AS pick, random() < 0.8 AS same_drop, 1 + floor(random() * 150)::int AS drop
  FROM ins n
 CROSS JOIN generate_series(1, :days) AS d
  JOIN bins b ON b.split_day = n.split_day
 WHERE extract(isodow FROM current_date + d) <= 5
   AND random() < 0.95;
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, status,
                             pickup_point, dropoff_point, currency)
SELECT '00000000-0000-0000-0000-00000000be00', '00000000-0000-0000-0000-00000000bec1', l.resource_id,
       '00000000-0000-0000-0000-00000000be45', l.s, l.s + interval '45 minutes', 'confirmed',
       p.p, CASE WHEN l.same_drop THEN p.p ELSE q.p END, 'EUR'
  FROM load l JOIN pts p ON p.i = l.pick JOIN pts q ON q.i = l.drop
 ORDER BY l.resource_id, l.s;
ANALYZE;

SELECT count(*) AS instructors,
       (SELECT count(*) FROM booking.working_hours) AS weekly_rows,
       (SELECT count(*) FROM booking.booking) AS bookings,
       round((SELECT count(*) FROM booking.booking)::numeric
             / (SELECT count(DISTINCT (resource_id, (starts_at AT TIME ZONE 'Europe/Berlin')::date)) FROM booking.booking), 2)
         AS per_working_day,
       (SELECT count(*) FROM booking.travel_time_cache) AS cached_travel_times
  FROM ins;
