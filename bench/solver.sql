-- bench/solver.sql: the availability solver against the independent SQL
-- reference (test/reference/slots_reference.sql, loaded by bench/solver.sh)
-- on the data of issue 4: one org, 200 instructors with realistic hours and
-- breaks, 60 days, about 8 bookings per instructor and working day with
-- pickup points in one city, every travel time between the points cached.
-- Timed (best of :runs, one backend, no parallel workers, same run):
--   * reading the solver's input rows with a plain query (the floor),
--   * booking.find_slots over 7 days (every instructor, scored, best first),
--   * booking.available_slots for each of the 200 instructors over 7 days,
--   * slots_ref.available_slots, the SQL reference, for the same calls,
-- after checking that the three give the same slots; then the latency of
-- single calls (median and p99 of booking.available_slots for one
-- instructor over 30 days, of booking.check_slot, the write path's check)
-- and the backend's memory before and after 100,000 calls.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SET jit = off;
SET max_parallel_workers_per_gather = 0;
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
INSERT INTO booking.service (org_id, id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, free) VALUES
  ('00000000-0000-0000-0000-00000000be00', '00000000-0000-0000-0000-00000000be45', 'Lesson 45', 45, 0, 10, true),
  ('00000000-0000-0000-0000-00000000be00', '00000000-0000-0000-0000-00000000be90', 'Lesson 90', 90, 5, 10, true);
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
  FROM generate_series(1, 200) AS i;
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
SELECT DISTINCT '00000000-0000-0000-0000-00000000be00'::uuid, n.id, current_date + 1 + (random() * 60)::int, false
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
 CROSS JOIN generate_series(1, 60) AS d
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

-- The request: next Monday for 7 days, a 45-minute lesson picked up at a
-- point of the city.
SELECT tstzrange(((current_date + 8 - extract(isodow FROM current_date)::int) + '00:00'::time) AT TIME ZONE 'Europe/Berlin',
                 ((current_date + 15 - extract(isodow FROM current_date)::int) + '00:00'::time) AT TIME ZONE 'Europe/Berlin') AS during,
       (SELECT p FROM pts WHERE i = 77) AS pickup \gset
CREATE TABLE req AS SELECT :'during'::tstzrange AS during;
SELECT set_config('booking.identity', '00000000-0000-0000-0000-00000000be00 00000000-0000-0000-0000-00000000be01 admin', false) \g /dev/null

CREATE TABLE result (what text, n bigint, seconds float8);
CREATE FUNCTION timed(what text, sql text, runs int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best float8 := 'Infinity'; n bigint;
BEGIN
  FOR r IN 1..runs LOOP
    t0 := clock_timestamp();
    EXECUTE sql INTO n;
    best := least(best, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  INSERT INTO result VALUES (what, n, best);
END $$;

-- The three agree before anything is timed.
CREATE TABLE c AS SELECT resource_id, starts_at, ends_at FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', :'during', :'pickup');
CREATE TABLE a AS SELECT r.id AS resource_id, s.* FROM booking.resource r,
  booking.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', :'during', :'pickup') AS s;
CREATE TABLE q AS SELECT r.id AS resource_id, s.* FROM booking.resource r,
  slots_ref.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', :'during', :'pickup') AS s;
SELECT (SELECT count(*) FROM q) AS slots,
       (SELECT count(*) FROM (TABLE c EXCEPT TABLE q) x) + (SELECT count(*) FROM (TABLE q EXCEPT TABLE c) x) AS find_slots_differ,
       (SELECT count(*) FROM (TABLE a EXCEPT TABLE q) x) + (SELECT count(*) FROM (TABLE q EXCEPT TABLE a) x) AS available_slots_differ;

-- What the solver reads, as one plain query: the org, the weekly rows and
-- exceptions of the days, the occupying bookings and scheduled sessions
-- within four days of the range (the busy margin) with their points
-- (counted column by column, so every row is read).  The occupying
-- condition is written out: booking.occupies_now() has a SET clause, which
-- keeps the planner from inlining it and costs about 7 us a row.
SELECT timed('plain read of the solver''s input rows', format($q$
  SELECT (SELECT count(o.time_zone) FROM booking.org o WHERE o.id = booking.current_org_id())
       + (SELECT count(w.hours) + count(w.break) FROM booking.working_hours w
           WHERE w.org_id = booking.current_org_id() AND w.active)
       + (SELECT count(x.hours) + count(x.on_date) FROM booking.availability_exception x
           WHERE x.org_id = booking.current_org_id()
             AND x.on_date BETWEEN (lower(%1$L::tstzrange) AT TIME ZONE 'Europe/Berlin')::date - 1
                               AND (upper(%1$L::tstzrange) AT TIME ZONE 'Europe/Berlin')::date)
       + (SELECT count(b.starts_at) + count(b.ends_at) + count(b.pickup_point) + count(b.dropoff_point)
            FROM booking.booking b
           WHERE b.org_id = booking.current_org_id() AND b.session_id IS NULL
             AND b.status IN ('pending', 'confirmed', 'in_progress')
             AND (b.hold_expires_at IS NULL OR b.hold_expires_at > now())
             AND b.starts_at < upper(%1$L::tstzrange) + interval '4 days'
             AND b.ends_at > lower(%1$L::tstzrange) - interval '4 days')
       + (SELECT count(s.starts_at) + count(s.location_id) FROM booking.session s
           WHERE s.org_id = booking.current_org_id() AND s.status = 'scheduled'
             AND s.starts_at < upper(%1$L::tstzrange) + interval '4 days'
             AND s.ends_at > lower(%1$L::tstzrange) - interval '4 days')$q$, :'during'), 5) \g /dev/null
SELECT timed('booking.find_slots, 200 instructors, 7 days', format($q$
  SELECT count(*) FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, %L)$q$, :'during', :'pickup'), 5) \g /dev/null
SELECT timed('booking.available_slots x 200, 7 days', format($q$
  SELECT count(*) FROM booking.resource r,
         booking.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', %L, %L) AS s$q$, :'during', :'pickup'), 5) \g /dev/null
SELECT timed('slots_ref.available_slots x 200, 7 days (SQL reference)', format($q$
  SELECT count(*) FROM booking.resource r,
         slots_ref.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', %L, %L) AS s$q$, :'during', :'pickup'), 3) \g /dev/null

-- The same without a pickup: no travel lookups, only the travel buffer.
SELECT timed('booking.available_slots x 200, 7 days, no pickup', format($q$
  SELECT count(*) FROM booking.resource r,
         booking.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', %L) AS s$q$, :'during'), 5) \g /dev/null
SELECT timed('slots_ref.available_slots x 200, 7 days, no pickup', format($q$
  SELECT count(*) FROM booking.resource r,
         slots_ref.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', %L) AS s$q$, :'during'), 3) \g /dev/null

-- Single calls, one at a time: available_slots of one instructor over 30
-- days (the instructors in turn, with the pickup), and booking.check_slot
-- (the write path's check of one appointment: a free start of each
-- instructor, the pickup, a booking id that does not exist).
CREATE TABLE latency (what text, calls int, median_us numeric, p99_us numeric);
CREATE FUNCTION latencies(what text, sqls text[], rounds int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; x bigint; us float8[] := '{}'; q text;
BEGIN
  FOREACH q IN ARRAY sqls LOOP EXECUTE q INTO x; END LOOP;   -- warm up
  FOR r IN 1..rounds LOOP
    FOREACH q IN ARRAY sqls LOOP
      t0 := clock_timestamp();
      EXECUTE q INTO x;
      us := us || extract(epoch FROM clock_timestamp() - t0) * 1e6;
    END LOOP;
  END LOOP;
  INSERT INTO latency
  SELECT what, count(*), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY u)::numeric),
         round(percentile_cont(0.99) WITHIN GROUP (ORDER BY u)::numeric)
    FROM unnest(us) u;
END $$;
SELECT latencies('booking.available_slots, one instructor, 30 days',
                 array_agg(format($q$SELECT count(*) FROM booking.available_slots(%L, '00000000-0000-0000-0000-00000000be45',
                                   tstzrange(lower(%L::tstzrange), lower(%L::tstzrange) + interval '30 days'), %L)$q$,
                                  id, :'during', :'during', :'pickup') ORDER BY i), 5)
  FROM ins \g /dev/null
SELECT latencies('booking.check_slot, one appointment',
                 array_agg(format($q$SELECT cardinality(booking.check_slot('00000000-0000-0000-0000-00000000be00',
                                   '00000000-0000-0000-0000-0000000000ff', %L, '00000000-0000-0000-0000-00000000be45', %L, %L, NULL, false))$q$,
                                  c.resource_id, c.starts_at, :'pickup') ORDER BY c.resource_id), 5)
  FROM (SELECT DISTINCT ON (resource_id) resource_id, starts_at FROM c ORDER BY resource_id, starts_at) c \g /dev/null

-- Memory over 100,000 calls in this backend: available_slots for one
-- working day of each instructor in turn, with the pickup, in ten
-- statements of 10,000 calls; the backend's resident set (VmRSS, which
-- counts the shared buffers it touched, and RssAnon, its private memory) and
-- the total of its memory contexts after 1,000 calls of warm-up, half-way
-- and at the end.
CREATE TABLE memory (at text, calls int, vm_rss_kb bigint, rss_anon_kb bigint, contexts_kb bigint);
CREATE FUNCTION proc_status_kb(field text) RETURNS bigint LANGUAGE sql AS $$
  SELECT substring(l FROM '\d+')::bigint
    FROM regexp_split_to_table(pg_read_file('/proc/' || pg_backend_pid() || '/status'), E'\n') l
   WHERE l LIKE field || ':%' $$;
CREATE FUNCTION memory_now(at text, calls int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO memory
  SELECT at, calls, proc_status_kb('VmRSS'), proc_status_kb('RssAnon'),
         (SELECT sum(total_bytes)::bigint / 1024 FROM pg_backend_memory_contexts) $$;
CREATE FUNCTION calls(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE ids uuid[] := (SELECT array_agg(id ORDER BY i) FROM ins); x bigint;
BEGIN
  FOR k IN 1..n LOOP
    SELECT count(*) INTO x
      FROM booking.available_slots(ids[1 + k % 200], '00000000-0000-0000-0000-00000000be45',
                                   tstzrange(lower(current_setting('bench.during')::tstzrange) + interval '1 day',
                                             lower(current_setting('bench.during')::tstzrange) + interval '2 days'),
                                   current_setting('bench.pickup')::geography);
  END LOOP;
END $$;
SELECT set_config('bench.during', :'during', false), set_config('bench.pickup', :'pickup', false) \g /dev/null
SELECT calls(1000) \g /dev/null
SELECT memory_now('after 1,000 calls (warm-up)', 1000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT memory_now('after 51,000 calls', 51000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT memory_now('after 101,000 calls', 101000) \g /dev/null

SELECT what, n AS rows, round((seconds * 1000)::numeric, 1) AS ms FROM result;
SELECT what, calls, median_us, p99_us FROM latency;
SELECT at, calls, vm_rss_kb, rss_anon_kb, contexts_kb FROM memory ORDER BY calls;
SELECT round(((SELECT seconds FROM result WHERE what LIKE 'slots_ref%(SQL reference)')
              / (SELECT seconds FROM result WHERE what LIKE 'booking.find_slots%'))::numeric, 1) AS reference_over_find_slots,
       round(((SELECT seconds FROM result WHERE what LIKE 'slots_ref%(SQL reference)')
              / (SELECT seconds FROM result WHERE what = 'booking.available_slots x 200, 7 days'))::numeric, 1) AS reference_over_available_slots,
       round(((SELECT seconds FROM result WHERE what LIKE 'slots_ref%no pickup')
              / (SELECT seconds FROM result WHERE what LIKE 'booking.available_slots%no pickup'))::numeric, 1) AS same_without_pickup,
       round(((SELECT seconds FROM result WHERE what LIKE 'booking.find_slots%')
              / (SELECT seconds FROM result WHERE what LIKE 'plain read%'))::numeric, 1) AS find_slots_over_plain_read;
