-- bench/tracking.sql: GPS ingestion and trip figures (issue 20), side by side
-- in one run.  Figures are printed; nothing is asserted.
--
--   A. points per second through the documented paths against a plain COPY
--      of the same rows into an unindexed copy of trip_point (the ratio to
--      it in the last column): COPY into the staging table and
--      booking.ingest_staged(), once for 12 trips of 6000 points (three
--      rounds, each a plain COPY into a table of its own and then the
--      staged path on 12 trips of its own, one after the other, so that
--      each round's ratio is of two runs under the same load; the median
--      round is reported) and once a minute for 100 minutes (12 trips of
--      60 points each time: a fleet sending every minute), and
--      booking.ingest_trip_points in batches of 60 (one call per trip and
--      minute); each path on 12 trips of its own;
--   B. the cost of a batch of 60 as the trip grows: booking's incremental
--      figures against recomputing the distance with PostGIS from every
--      point so far (ST_Length(ST_MakeLine(...)::geography)); and a late
--      batch reaching back into a long trip against refolding the trip;
--   C. a member's SELECT count(*) FROM booking.trip_point with JIT on and
--      off (the policies compare columns; no nested subquery to compile).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS booking CASCADE;

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-00000000be01', 'bench.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-00000000be02', 'bench.ingo@example.com', 'Ingo'),
  ('00000000-0000-0000-0000-00000000be03', 'bench.sam@example.com', 'Sam');
SELECT booking.create_org('Bench School', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-00000000be01') AS org \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES (:'org', '00000000-0000-0000-0000-00000000be02', 'instructor'),
  (:'org', '00000000-0000-0000-0000-00000000be03', 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', '00000000-0000-0000-0000-00000000be11', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name, user_id) VALUES
  (:'org', '00000000-0000-0000-0000-00000000be21', 'Ingo', '00000000-0000-0000-0000-00000000be02');
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES (:'org', '00000000-0000-0000-0000-00000000be31', 'Sam', '00000000-0000-0000-0000-00000000be03');
INSERT INTO booking.tracking_setting (org_id, slack) VALUES (:'org', '1 day');
-- 60 lessons of the instructor, one trip each, loaded as by a restore:
-- trips 1-12 for ingest_trip_points, 25-36 for ingest_staged every minute,
-- 13-24, 37-48 and 49-60 for the three rounds of one staged COPY
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
SELECT :'org', ('00000000-0000-0000-0000-0000000b' || lpad(k::text, 4, '0'))::uuid, '00000000-0000-0000-0000-00000000be31',
       '00000000-0000-0000-0000-00000000be21', '00000000-0000-0000-0000-00000000be11',
       date_trunc('hour', now()) - k * interval '1 hour', date_trunc('hour', now()) - k * interval '1 hour' + interval '1 hour', 'EUR', 'confirmed'
  FROM generate_series(1, 60) k;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-00000000be01') \gset
UPDATE booking.booking SET status = 'in_progress' WHERE org_id = :'org';
INSERT INTO booking.trip (id, lesson_id, started_at)
SELECT ('00000000-0000-0000-0000-0000000f' || right(l.booking_id::text, 4))::uuid, l.id, l.started_at FROM booking.lesson l;
COMMIT;

-- a 1 Hz city track, 20 hours ago onwards (inside the day of slack)
CREATE TABLE bench_track AS
SELECT i, date_trunc('second', now()) - interval '20 hours' + i * interval '1 second' AS ts,
       52.5 + 12.0 * i * sin(i / 200.0) / 111257.0 / 50 + (random() - 0.5) * 4 / 111257.0 AS lat,
       13.4 + 12.0 * i / 67900.0 / 10 + (random() - 0.5) * 4 / 67900.0 AS lng
  FROM generate_series(0, 5999) i;

CREATE TABLE bench_batch AS
SELECT i / 60 AS b, array_agg(ts ORDER BY i) AS ts, array_agg(lat ORDER BY i) AS lat, array_agg(lng ORDER BY i) AS lng,
       array_fill(5.0::float8, ARRAY[count(*)::int]) AS acc
  FROM bench_track GROUP BY i / 60;
CREATE UNIQUE INDEX ON bench_batch (b);

\echo '== A. points per second, 12 trips x 6000 points'
CREATE TABLE bench_plain_1 (LIKE booking.trip_point);
CREATE TABLE bench_plain_2 (LIKE booking.trip_point);
CREATE TABLE bench_plain_3 (LIKE booking.trip_point);
CREATE TABLE bench_result (what text, seconds float8, points int8);
CREATE TABLE bench_round (round int, plain float8, staged float8, points int8, plain_cpu float8, staged_cpu float8);
-- the CPU time of this backend so far (user and system, Linux's
-- /proc/self/stat, in 1/100 s): on a shared machine the wall-clock times of
-- both sides vary with the load, the CPU they take much less
CREATE FUNCTION bench_cpu() RETURNS float8 LANGUAGE sql AS $$
  SELECT (split_part(s, ' ', 14)::float8 + split_part(s, ' ', 15)::float8) / 100
    FROM pg_read_file('/proc/self/stat') s
$$;
COPY (SELECT :'org'::uuid, k, '00000000-0000-0000-0000-00000000ffff'::uuid, t.ts,
             ('SRID=4326;POINT(' || t.lng || ' ' || t.lat || ')'), 40.0, NULL::uuid, NULL::uuid, 5.0
        FROM bench_track t, generate_series(1, 12) k)
  TO '/tmp/booking_bench_tracking.copy';
-- the staging form of the same rows, for trips 13-24, 37-48 and 49-60
COPY (SELECT ('00000000-0000-0000-0000-0000000f' || lpad(k::text, 4, '0'))::uuid, t.ts, t.lat, t.lng, 40.0, 5.0
        FROM bench_track t, generate_series(13, 24) k ORDER BY t.i, k)
  TO '/tmp/booking_bench_tracking_staged_1.copy';
COPY (SELECT ('00000000-0000-0000-0000-0000000f' || lpad(k::text, 4, '0'))::uuid, t.ts, t.lat, t.lng, 40.0, 5.0
        FROM bench_track t, generate_series(37, 48) k ORDER BY t.i, k)
  TO '/tmp/booking_bench_tracking_staged_2.copy';
COPY (SELECT ('00000000-0000-0000-0000-0000000f' || lpad(k::text, 4, '0'))::uuid, t.ts, t.lat, t.lng, 40.0, 5.0
        FROM bench_track t, generate_series(49, 60) k ORDER BY t.i, k)
  TO '/tmp/booking_bench_tracking_staged_3.copy';
CHECKPOINT;

-- three rounds: a plain COPY into an unindexed copy, then COPY into the
-- staging table and ingest_staged as the instructor, one after the other
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-00000000be02') \gset
SELECT booking.stage_trip_points() \gset
DO $$
DECLARE
  t0 timestamptz;
  c0 float8;
  plain float8;
  plain_cpu float8;
  n int8;
BEGIN
  FOR r IN 1..3 LOOP
    c0 := bench_cpu();
    t0 := clock_timestamp();
    EXECUTE format('COPY bench_plain_%s (org_id, id, trip_id, ts, point, speed_kph, resource_id, client_id, accuracy_m) FROM ''/tmp/booking_bench_tracking.copy''', r);
    plain := extract(epoch FROM clock_timestamp() - t0);
    plain_cpu := bench_cpu() - c0;
    c0 := bench_cpu();
    t0 := clock_timestamp();
    EXECUTE format('COPY pg_temp.trip_point_staging (trip_id, ts, lat, lng, speed_kph, accuracy_m) FROM ''/tmp/booking_bench_tracking_staged_%s.copy''', r);
    SELECT sum(stored) INTO n FROM booking.ingest_staged();
    INSERT INTO bench_round VALUES (r, plain, extract(epoch FROM clock_timestamp() - t0), n, plain_cpu, bench_cpu() - c0);
  END LOOP;
END $$;
-- every minute, 60 points of each of trips 25-36 staged and ingested
DO $$
DECLARE
  t0 timestamptz := clock_timestamp();
  n int8 := 0;
  m int8;
BEGIN
  FOR k IN 0..99 LOOP
    INSERT INTO pg_temp.trip_point_staging (trip_id, ts, lat, lng, speed_kph, accuracy_m)
    SELECT ('00000000-0000-0000-0000-0000000f' || lpad(j::text, 4, '0'))::uuid, t.ts, t.lat, t.lng, 40.0, 5.0
      FROM bench_track t, generate_series(25, 36) j WHERE t.i / 60 = k;
    SELECT sum(stored) INTO m FROM booking.ingest_staged();
    n := n + m;
  END LOOP;
  INSERT INTO bench_result VALUES ('staging + ingest_staged each minute, 12 trips x 60', extract(epoch FROM clock_timestamp() - t0), n);
END $$;
COMMIT;

BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-00000000be02') \gset
SET client_min_messages = notice;
DO $$
DECLARE
  trip uuid;
  k int;
  t0 timestamptz := clock_timestamp();
  t1 timestamptz;
  r record;
  first10 float8 := 0;
  last10 float8 := 0;
  pg_first10 float8 := 0;
  pg_last10 float8 := 0;
  d float8;
  first_trip uuid := (SELECT id FROM booking.trip ORDER BY id LIMIT 1);
  second_trip uuid := (SELECT id FROM booking.trip ORDER BY id OFFSET 1 LIMIT 1);
  late float8;
  refold float8;
  st float8[];
BEGIN
  FOR trip IN SELECT id FROM booking.trip ORDER BY id LIMIT 12 LOOP
    FOR k IN 0..99 LOOP
      t1 := clock_timestamp();
      IF trip = second_trip AND k >= 95 THEN
        -- the second trip's fix 31 of each of its last 5 batches comes late
        SELECT x.* INTO r FROM bench_batch bb,
               booking.ingest_trip_points(trip, bb.ts[1:30] || bb.ts[32:60], bb.lat[1:30] || bb.lat[32:60],
                                          bb.lng[1:30] || bb.lng[32:60], NULL, bb.acc[1:30] || bb.acc[32:60]) x
         WHERE bb.b = k;
      ELSE
        SELECT x.* INTO r FROM bench_batch bb, booking.ingest_trip_points(trip, bb.ts, bb.lat, bb.lng, NULL, bb.acc) x
         WHERE bb.b = k;
      END IF;
      IF trip = first_trip THEN
        IF k BETWEEN 1 AND 10 THEN first10 := first10 + extract(epoch FROM clock_timestamp() - t1); END IF;
        IF k >= 90 THEN last10 := last10 + extract(epoch FROM clock_timestamp() - t1); END IF;
        -- B: PostGIS from every point so far
        t1 := clock_timestamp();
        SELECT ST_Length(ST_MakeLine(p.point::geometry ORDER BY p.ts)::geography) INTO d
          FROM booking.trip_point p WHERE p.org_id = booking.current_org_id() AND p.trip_id = trip;
        IF k BETWEEN 1 AND 10 THEN pg_first10 := pg_first10 + extract(epoch FROM clock_timestamp() - t1); END IF;
        IF k >= 90 THEN pg_last10 := pg_last10 + extract(epoch FROM clock_timestamp() - t1); END IF;
      END IF;
    END LOOP;
    IF trip = second_trip THEN
      -- the late batch (5 fixes, the earliest 5 minutes back in a trip of
      -- 6000), against refolding the whole trip from its points
      t1 := clock_timestamp();
      SELECT x.* INTO r FROM booking.ingest_trip_points(trip,
               (SELECT array_agg(bb.ts[31] ORDER BY bb.b) FROM bench_batch bb WHERE bb.b >= 95),
               (SELECT array_agg(bb.lat[31] ORDER BY bb.b) FROM bench_batch bb WHERE bb.b >= 95),
               (SELECT array_agg(bb.lng[31] ORDER BY bb.b) FROM bench_batch bb WHERE bb.b >= 95), NULL,
               array_fill(5.0::float8, ARRAY[5])) x;
      late := extract(epoch FROM clock_timestamp() - t1);
      t1 := clock_timestamp();
      SELECT booking.track_fold(NULL, array_agg(f.ts ORDER BY f.ts), array_agg(f.lat ORDER BY f.ts), array_agg(f.lng ORDER BY f.ts),
                                array_agg(f.accuracy_m ORDER BY f.ts)) INTO st
        FROM booking.trip_fixes(booking.current_org_id(), trip) f;
      refold := extract(epoch FROM clock_timestamp() - t1);
      IF st IS DISTINCT FROM (SELECT t.track_state FROM booking.trip t WHERE t.id = trip) THEN
        RAISE EXCEPTION 'the late batch''s figures differ from a full recompute';
      END IF;
    END IF;
  END LOOP;
  INSERT INTO bench_result VALUES ('ingest_trip_points, batches of 60', extract(epoch FROM clock_timestamp() - t0) - pg_first10 - pg_last10,
                                   (SELECT count(*) FROM booking.trip_point p WHERE p.trip_id IN (SELECT id FROM booking.trip ORDER BY id LIMIT 12)));
  RAISE NOTICE 'B. per batch of 60 (ms): booking incremental: batches 2-11 %, 91-100 %; PostGIS recompute: batches 2-11 %, 91-100 %',
    round((first10 * 100)::numeric, 2), round((last10 * 100)::numeric, 2),
    round((pg_first10 * 100)::numeric, 2), round((pg_last10 * 100)::numeric, 2);
  RAISE NOTICE 'B. a late batch of 5 fixes reaching 5 minutes back into a trip of 6000 (ms): % (from the last saved state); refolding the whole trip: % (figures equal)',
    round((late * 1000)::numeric, 2), round((refold * 1000)::numeric, 2);
END $$;
COMMIT;
SET client_min_messages = notice;
-- the round of the median ratio stands for the plain COPY and the one staged COPY
INSERT INTO bench_result
SELECT x.what, x.seconds, m.points
  FROM (SELECT * FROM bench_round ORDER BY plain / staged OFFSET 1 LIMIT 1) m,
       LATERAL (VALUES ('plain COPY into an unindexed copy', m.plain),
                       ('COPY + ingest_staged, one COPY of 12 trips x 6000', m.staged)) x(what, seconds);
SELECT round, points, round(plain::numeric, 3) AS plain_copy_s, round(staged::numeric, 3) AS staged_s,
       round((plain / staged)::numeric, 2) AS of_plain_copy,
       round(plain_cpu::numeric, 2) AS plain_cpu_s, round(staged_cpu::numeric, 2) AS staged_cpu_s,
       round((plain_cpu / nullif(staged_cpu, 0))::numeric, 2) AS cpu_of_plain_copy
  FROM bench_round ORDER BY round;
SELECT what, points, round(seconds::numeric, 2) AS seconds, round(points / seconds) AS points_per_second,
       round((points / seconds / (SELECT points / seconds FROM bench_result WHERE what LIKE 'plain%'))::numeric, 2) AS of_plain_copy
  FROM bench_result ORDER BY points / seconds DESC;
-- every path stored the same figures
SELECT count(DISTINCT (round(distance_meters::numeric, 6), fixes_used, fixes_filtered)) AS distinct_figures, count(*) AS trips,
       sum(recomputed) AS recomputed FROM booking.trip;

\echo '== C. a member counts trip points: JIT on and off'
DROP ROLE IF EXISTS bench_trk_app;
CREATE ROLE bench_trk_app;
SELECT booking.grant_app_role('bench_trk_app', trusted => true);
ANALYZE booking.trip_point;
SET ROLE bench_trk_app;
\echo '-- the instructor (sees the 360,000 points of 60 trips)'
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-00000000be02') \gset
SET LOCAL jit = on;
SET LOCAL jit_above_cost = 0;
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) SELECT count(*) FROM booking.trip_point;
-- the server's default threshold (jit_above_cost = 100000)
RESET jit_above_cost;
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) SELECT count(*) FROM booking.trip_point;
SET LOCAL jit = off;
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) SELECT count(*) FROM booking.trip_point;
COMMIT;
\echo '-- the student (sees no point)'
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-00000000be03') \gset
SET LOCAL jit = on;
SET LOCAL jit_above_cost = 0;
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) SELECT count(*) FROM booking.trip_point;
-- the server's default threshold (jit_above_cost = 100000)
RESET jit_above_cost;
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) SELECT count(*) FROM booking.trip_point;
SET LOCAL jit = off;
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) SELECT count(*) FROM booking.trip_point;
COMMIT;
RESET ROLE;
