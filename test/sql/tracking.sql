-- Lessons as they happen (issue 20): the life cycle drives the lesson, GPS
-- points are ingested in batches (arrays, and COPY through the staging
-- table), refused fixes are counted with a reason, figures are computed in C
-- and kept per batch, and they agree with PostGIS on a clean track and stay
-- close to the clean distance on a noisy one while the plain sum does not.
-- Acts as a real non-owner application role where roles matter.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\i test/sql/include/try.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000020a1', 'trk.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000020a3', 'trk.ingo@example.com', 'Ingo Instructor'),
  ('00000000-0000-0000-0000-0000000020a4', 'trk.ina@example.com', 'Ina Instructor'),
  ('00000000-0000-0000-0000-0000000020a5', 'trk.sam@example.com', 'Sam Student'),
  ('00000000-0000-0000-0000-0000000020a6', 'trk.gina@example.com', 'Gina Guardian'),
  ('00000000-0000-0000-0000-0000000020a7', 'trk.olga@example.com', 'Olga Other Student');
SELECT booking.create_org('Track School', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000020a1') AS org \gset
SELECT booking.create_org('Other School', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000020a1') AS org2 \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:'org', '00000000-0000-0000-0000-0000000020a3', 'instructor'),
  (:'org', '00000000-0000-0000-0000-0000000020a4', 'instructor'),
  (:'org', '00000000-0000-0000-0000-0000000020a5', 'student'),
  (:'org', '00000000-0000-0000-0000-0000000020a6', 'guardian'),
  (:'org', '00000000-0000-0000-0000-0000000020a7', 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes, lesson_type, free) VALUES
  (:'org', '00000000-0000-0000-0000-0000000020e1', 'Lesson', 60, 'standard', true),
  (:'org', '00000000-0000-0000-0000-0000000020e2', 'Highway', 60, 'highway', true);
INSERT INTO booking.service (org_id, id, name, duration_minutes, tracked_as_lesson, free) VALUES
  (:'org', '00000000-0000-0000-0000-0000000020e3', 'Theory consultation', 60, false, true);
INSERT INTO booking.resource (org_id, id, display_name, user_id) VALUES
  (:'org', '00000000-0000-0000-0000-0000000020b1', 'Ingo', '00000000-0000-0000-0000-0000000020a3'),
  (:'org', '00000000-0000-0000-0000-0000000020b2', 'Ina', '00000000-0000-0000-0000-0000000020a4');
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES
  (:'org', '00000000-0000-0000-0000-0000000020c1', 'Sam', '00000000-0000-0000-0000-0000000020a5'),
  (:'org', '00000000-0000-0000-0000-0000000020c2', 'Olga', '00000000-0000-0000-0000-0000000020a7');
INSERT INTO booking.guardian (org_id, id, full_name, user_id) VALUES (:'org', '00000000-0000-0000-0000-0000000020d1', 'Gina', '00000000-0000-0000-0000-0000000020a6');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) VALUES (:'org', '00000000-0000-0000-0000-0000000020c1', '00000000-0000-0000-0000-0000000020d1');

-- Bookings that started 40 minutes ago, loaded as by a restore (the loader
-- writes without an identity); b1, b3 Ingo's with Sam, b2 Ina's with Olga,
-- b4 of the untracked service.
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
SELECT :'org', x.id::uuid, x.c::uuid, x.r::uuid, x.s::uuid, date_trunc('minute', now()) - x.ago, date_trunc('minute', now()) - x.ago + interval '1 hour', 'EUR', 'confirmed'
  FROM (VALUES ('00000000-0000-0000-0000-00000000b201', '00000000-0000-0000-0000-0000000020c1', '00000000-0000-0000-0000-0000000020b1', '00000000-0000-0000-0000-0000000020e1', interval '40 minutes'),
               ('00000000-0000-0000-0000-00000000b202', '00000000-0000-0000-0000-0000000020c2', '00000000-0000-0000-0000-0000000020b2', '00000000-0000-0000-0000-0000000020e2', interval '40 minutes'),
               ('00000000-0000-0000-0000-00000000b203', '00000000-0000-0000-0000-0000000020c1', '00000000-0000-0000-0000-0000000020b1', '00000000-0000-0000-0000-0000000020e1', interval '3 hours'),
               ('00000000-0000-0000-0000-00000000b204', '00000000-0000-0000-0000-0000000020c2', '00000000-0000-0000-0000-0000000020b2', '00000000-0000-0000-0000-0000000020e3', interval '3 hours')) x(id, c, r, s, ago);

CREATE ROLE regress_trk_app;
SELECT booking.grant_app_role('regress_trk_app', trusted => true);
SET ROLE regress_trk_app;

-- 1. The life cycle drives the lesson.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a1');
UPDATE booking.booking SET status = 'in_progress' WHERE id IN ('00000000-0000-0000-0000-00000000b201', '00000000-0000-0000-0000-00000000b202', '00000000-0000-0000-0000-00000000b204');
-- a lesson for each tracked appointment, started at the transition, carrying the booking's people
SELECT b.id AS booking, l.started_at = b.status_changed_at AS started_at_transition, l.ended_at, l.closed_at,
       l.resource_id = b.resource_id AS carries_resource, l.client_id = b.client_id AS carries_client
  FROM booking.booking b LEFT JOIN booking.lesson l ON l.org_id = b.org_id AND l.booking_id = b.id
 WHERE b.status = 'in_progress' ORDER BY b.id;
-- no lesson for an untracked service, by hand either
SELECT pg_temp.try($$INSERT INTO booking.lesson (booking_id) VALUES ('00000000-0000-0000-0000-00000000b204')$$);
COMMIT;

-- A trip of each lesson.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a1');
INSERT INTO booking.trip (id, lesson_id, started_at)
SELECT ('00000000-0000-0000-0000-0000000020f' || right(l.booking_id::text, 1))::uuid, l.id, l.started_at
  FROM booking.lesson l ORDER BY l.booking_id;
SELECT t.id, t.resource_id = l.resource_id AND t.client_id = l.client_id AS carries FROM booking.trip t JOIN booking.lesson l ON l.id = t.lesson_id ORDER BY t.id;
COMMIT;

-- 2. Ingestion.  A clean city track of Ingo's lesson b201 (trip f1): 1 Hz,
-- 12 m/s east for 5 minutes and north for 5, from 12 minutes ago, then a 1 minute stop; the same
-- route with jitter (2.5 m, a fixed seed) and teleports (every 150th fix
-- 400 m off) is trip f2 of Ina's lesson b202.  Batches of 60.
CREATE TEMP TABLE track AS
SELECT i, date_trunc('second', now()) - interval '12 minutes' + i * interval '1 second' AS ts,
       52.5 + CASE WHEN i < 300 THEN 0 ELSE (least(i, 600) - 300) * 12.0 END / 111257.0
            + CASE WHEN i BETWEEN 300 AND 420 THEN 0 ELSE 0 END AS lat,
       13.4 + least(i, 300) * 12.0 / 67900.0 AS lng
  FROM generate_series(0, 659) i;
-- (east 300 s, then north 300 s, then parked 60 s)
SELECT setseed(0.2);
CREATE TEMP TABLE noisy AS
SELECT i, ts,
       lat + (2.5 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())) / 111257.0
           + CASE WHEN i % 150 = 75 THEN 400.0 / 111257.0 ELSE 0 END AS lat,
       lng + (2.5 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())) / 67900.0 AS lng
  FROM track ORDER BY i;
GRANT SELECT ON track, noisy TO regress_trk_app;

BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a3');   -- Ingo
SELECT (r).* FROM (
  SELECT booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f1',
           array_agg(ts ORDER BY i), array_agg(lat ORDER BY i), array_agg(lng ORDER BY i),
           array_fill(43.2::float8, ARRAY[count(*)::int]), array_fill(5.0::float8, ARRAY[count(*)::int])) AS r
    FROM track GROUP BY i / 60 ORDER BY i / 60) x;
-- the same batch again: all duplicates, nothing stored twice
SELECT * FROM booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f1',
  (SELECT array_agg(ts ORDER BY i) FROM track WHERE i < 60), (SELECT array_agg(lat ORDER BY i) FROM track WHERE i < 60),
  (SELECT array_agg(lng ORDER BY i) FROM track WHERE i < 60));
-- Ingo may not write to Ina's trip: it is not visible to him
SELECT pg_temp.try($$SELECT booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f2', ARRAY[now()], ARRAY[52.5], ARRAY[13.4])$$);
COMMIT;

BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a4');   -- Ina, noisy, reversed batches (out of order)
SELECT (r).* FROM (
  SELECT booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f2',
           array_agg(ts ORDER BY i DESC), array_agg(lat ORDER BY i DESC), array_agg(lng ORDER BY i DESC),
           NULL, array_fill(5.0::float8, ARRAY[count(*)::int])) AS r
    FROM noisy GROUP BY i / 60 ORDER BY i / 60 DESC) x;
-- bad fixes: each refused with a reason and counted, the good one stored
SELECT * FROM booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f2',
  ARRAY[now() - interval '1 minute', now() - interval '59 seconds', now() - interval '58 seconds', now() + interval '1 year',
        now() - interval '2 days', now() - interval '57 seconds', now() - interval '56 seconds', NULL, 'infinity'],
  ARRAY[52.5, 'NaN', 91, 52.5, 52.5, 52.5, 52.5, 52.5, 52.5],
  ARRAY[13.4, 13.4, 13.4, 13.4, 13.4, 200, 13.4, 13.4, 13.4],
  ARRAY[30, 30, 30, 30, 30, 30, 9999, 30, 30]);
SELECT pg_temp.try($$SELECT booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f2', ARRAY[now()], ARRAY[52.5, 52.6], ARRAY[13.4])$$);
ROLLBACK;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a4');
SELECT (r).stored, (r).refused FROM (
  SELECT booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f2',
           array_agg(ts ORDER BY i DESC), array_agg(lat ORDER BY i DESC), array_agg(lng ORDER BY i DESC),
           NULL, array_fill(5.0::float8, ARRAY[count(*)::int])) AS r
    FROM noisy GROUP BY i / 60 ORDER BY i / 60 DESC) x;
COMMIT;

-- 3. The figures.  Clean: within 0.5 % of PostGIS; noisy: within 2 % of
-- the clean distance, while PostGIS's plain line through the noisy fixes is not.
RESET ROLE;
SELECT t.id, t.fixes_used, t.fixes_filtered, t.recomputed > 0 AS recomputed,
       round(t.moving_seconds) AS moving_s, round(t.stationary_seconds) AS stationary_s,
       round(t.max_speed_kph) AS max_kph
  FROM booking.trip t WHERE t.org_id = :'org' AND t.id IN ('00000000-0000-0000-0000-0000000020f1', '00000000-0000-0000-0000-0000000020f2') ORDER BY t.id;
WITH clean AS (SELECT ST_Length(ST_MakeLine(ST_SetSRID(ST_MakePoint(lng, lat), 4326) ORDER BY i)::geography) AS d FROM track),
     noisy_line AS (SELECT ST_Length(ST_MakeLine(ST_SetSRID(ST_MakePoint(lng, lat), 4326) ORDER BY i)::geography) AS d FROM noisy),
     f1 AS (SELECT distance_meters AS d FROM booking.trip WHERE org_id = :'org' AND id = '00000000-0000-0000-0000-0000000020f1'),
     f2 AS (SELECT distance_meters AS d FROM booking.trip WHERE org_id = :'org' AND id = '00000000-0000-0000-0000-0000000020f2')
SELECT round(clean.d) AS postgis_clean_m,
       abs(f1.d - clean.d) / clean.d < 0.005 AS clean_within_half_percent,
       abs(f2.d - clean.d) / clean.d < 0.02 AS noisy_within_two_percent,
       abs(noisy_line.d - clean.d) / clean.d > 0.02 AS plain_noisy_sum_is_not,
       round((100 * (noisy_line.d - clean.d) / clean.d)::numeric, 0) AS plain_noisy_sum_off_percent
  FROM clean, noisy_line, f1, f2;
-- the figures after every batch equal a recomputation over all points
SELECT t.id, t.track_state = booking.track_fold(NULL, array_agg(p.ts ORDER BY p.ts), array_agg(ST_Y(p.point::geometry) ORDER BY p.ts),
                                           array_agg(ST_X(p.point::geometry) ORDER BY p.ts), array_agg(p.accuracy_m ORDER BY p.ts)) AS incremental_equals_recomputed
  FROM booking.trip t JOIN booking.trip_point p ON p.org_id = t.org_id AND p.trip_id = t.id
 WHERE t.org_id = :'org' GROUP BY t.id, t.track_state ORDER BY t.id;
-- the lesson has its trips' figures
SELECT l.booking_id, l.distance_meters = round(t.distance_meters) AS lesson_distance_is_trips
  FROM booking.lesson l JOIN booking.trip t ON t.lesson_id = l.id WHERE l.org_id = :'org' ORDER BY l.booking_id;
-- the C functions refuse bad input with their SQLSTATEs
SELECT pg_temp.try($$SELECT booking.track_fold(NULL, ARRAY[now(), now()], ARRAY[1, 1], ARRAY[1, 1], NULL)$$);
SELECT pg_temp.try($$SELECT booking.track_fold(NULL, ARRAY[now()], ARRAY['NaN'::float8], ARRAY[1], NULL)$$);
SELECT pg_temp.try($$SELECT booking.track_fold(NULL, ARRAY[now()], ARRAY[1], ARRAY[1], NULL, -5)$$);
SELECT pg_temp.try($$SELECT booking.track_figures(ARRAY[1, 2, 3]::float8[])$$);
SELECT pg_temp.try($$SELECT booking.track_figures(array_fill(7::float8, ARRAY[48]))$$);
SELECT pg_temp.try($$SELECT booking.track_fold(NULL, ARRAY[now()], ARRAY[1, 2], ARRAY[1], NULL)$$);

-- COPY through the staging table, as Ingo, into his trip f3 (lesson b203).
SET ROLE regress_trk_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a1');
UPDATE booking.booking SET status = 'in_progress' WHERE id = '00000000-0000-0000-0000-00000000b203';
INSERT INTO booking.trip (id, lesson_id, started_at)
SELECT '00000000-0000-0000-0000-0000000020f3', l.id, l.started_at FROM booking.lesson l WHERE l.booking_id = '00000000-0000-0000-0000-00000000b203';
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a3');
-- COPY takes anything the columns' types read; times relative to now are staged with INSERT
SELECT booking.stage_trip_points();
COPY pg_temp.trip_point_staging (trip_id, ts, lat, lng, speed_kph, accuracy_m) FROM STDIN WITH (FORMAT csv);
00000000-0000-0000-0000-0000000020f3,2000-01-01 10:00:00+00,52.5,13.4,30,5
00000000-0000-0000-0000-0000000020f3,2000-01-01 10:00:01+00,NaN,13.4,30,5
,2000-01-01 10:00:02+00,52.5,13.4,30,5
\.
INSERT INTO pg_temp.trip_point_staging (trip_id, ts, lat, lng, speed_kph, accuracy_m)
SELECT '00000000-0000-0000-0000-0000000020f3', ts, lat, lng, 40, 4 FROM track WHERE i < 120;
SELECT count(*) AS staged FROM pg_temp.trip_point_staging;
SELECT * FROM booking.ingest_staged() ORDER BY trip_id;
SELECT count(*) AS left_staged FROM pg_temp.trip_point_staging;
SELECT count(*) AS stored FROM booking.trip_point WHERE trip_id = '00000000-0000-0000-0000-0000000020f3';
COMMIT;

-- 4. Who sees what.  Trip points: staff and the lesson's instructor; the
-- student and their guardian see lessons and trips (the figures), not points.
CREATE FUNCTION pg_temp.seen(uid uuid, org uuid) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l bigint; t bigint; p bigint;
BEGIN
  PERFORM booking.act_as(org, uid);
  EXECUTE 'SELECT count(*) FROM booking.lesson' INTO l;
  EXECUTE 'SELECT count(*) FROM booking.trip' INTO t;
  EXECUTE 'SELECT count(*) FROM booking.trip_point' INTO p;
  RETURN format('lessons %s, trips %s, points %s', l, t, p);
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.seen(uuid, uuid) TO PUBLIC;
BEGIN;
SELECT who, pg_temp.seen(uid::uuid, :'org')
  FROM (VALUES (1, 'owner', '00000000-0000-0000-0000-0000000020a1'), (2, 'ingo', '00000000-0000-0000-0000-0000000020a3'),
               (3, 'ina', '00000000-0000-0000-0000-0000000020a4'), (4, 'sam', '00000000-0000-0000-0000-0000000020a5'),
               (5, 'gina', '00000000-0000-0000-0000-0000000020a6'), (6, 'olga', '00000000-0000-0000-0000-0000000020a7')) u(k, who, uid)
 ORDER BY k;
COMMIT;
-- another org sees none of it, and cannot ingest into it
BEGIN;
SELECT booking.act_as(:'org2', '00000000-0000-0000-0000-0000000020a1');
SELECT (SELECT count(*) FROM booking.lesson) AS lessons, (SELECT count(*) FROM booking.trip_point) AS points;
SELECT pg_temp.try($$SELECT booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f1', ARRAY[now()], ARRAY[52.5], ARRAY[13.4])$$);
ROLLBACK;
-- an instructor cannot slip a point into another's trip by naming himself
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a3');
SELECT left(pg_temp.try($$INSERT INTO booking.trip_point (trip_id, ts, point, resource_id, client_id)
  VALUES ('00000000-0000-0000-0000-0000000020f2', now(), 'SRID=4326;POINT(13.4 52.5)', '00000000-0000-0000-0000-0000000020b1', '00000000-0000-0000-0000-0000000020c2')$$), 5) AS sqlstate;
ROLLBACK;
-- the policies are expressions of the row and the identity only
RESET ROLE;
SELECT tablename, policyname, qual ~* 'select\s+1|exists|from\s' AS has_subquery
  FROM pg_policies WHERE schemaname = 'booking' AND tablename IN ('lesson', 'trip', 'trip_point', 'tracking_setting')
   AND policyname <> 'tenant_isolation' ORDER BY 1, 2;
SET ROLE regress_trk_app;

-- 1 (continued). Completed ends the lesson; cancelled closes it; the orphan views.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a1');
UPDATE booking.booking SET status = 'completed' WHERE id = '00000000-0000-0000-0000-00000000b201';
SET LOCAL booking.reason = 'student ill';
UPDATE booking.booking SET status = 'cancelled' WHERE id = '00000000-0000-0000-0000-00000000b202';
SELECT b.id, b.status, l.ended_at = b.status_changed_at AS ended_at_transition, l.closed_at = b.status_changed_at AS closed_at_transition
  FROM booking.booking b JOIN booking.lesson l ON l.booking_id = b.id ORDER BY b.id;
SELECT pg_temp.try($$SELECT booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f2', ARRAY[now()], ARRAY[52.5], ARRAY[13.4])$$);
SELECT pg_temp.try($$INSERT INTO booking.trip (lesson_id, started_at) SELECT id, now() FROM booking.lesson WHERE booking_id = '00000000-0000-0000-0000-00000000b202'$$);
-- points for the ended lesson: late ones beyond the slack are refused, counted
SELECT received, stored, refused, refusals FROM booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f1', ARRAY[now() + interval '10 minutes', now() + interval '16 minutes'], ARRAY[52.5, 52.5], ARRAY[13.4, 13.4]);
SELECT booking_id FROM booking.lesson_without_tracking;
COMMIT;
RESET ROLE;
-- a completed booking that never went through in_progress has no lesson
UPDATE booking.booking SET status = 'completed' WHERE id = '00000000-0000-0000-0000-00000000b204';
SELECT booking_id FROM booking.completed_without_lesson;
SET ROLE regress_trk_app;

-- 5. Reports: student progress and instructor activity (security_invoker:
-- each sees the rows the policies allow).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a1');
UPDATE booking.lesson SET rating = 4 WHERE booking_id = '00000000-0000-0000-0000-00000000b201';
SELECT c.full_name, p.completed_lessons, p.kilometres > 6 AS drove_over_6_km, p.average_rating, p.lesson_types
  FROM booking.student_progress p JOIN booking.client c ON c.id = p.client_id ORDER BY 1;
SELECT r.display_name, a.week = date_trunc('week', now() AT TIME ZONE 'Europe/Berlin')::date
                              OR a.week = date_trunc('week', now() AT TIME ZONE 'Europe/Berlin' - interval '1 hour')::date AS this_week,
       a.lessons, a.kilometres > 6 AS drove_over_6_km
  FROM booking.instructor_activity_week a JOIN booking.resource r ON r.id = a.resource_id ORDER BY 1;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a7');   -- Olga sees only her own progress
SELECT count(*) AS rows_seen_by_olga FROM booking.student_progress;
COMMIT;
RESET ROLE;
-- Retention: off by default; an admin applies the org's setting.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a1');
SELECT booking.drop_old_trip_points() AS dropped_without_setting;
INSERT INTO booking.tracking_setting (retention_months) VALUES (1);
SELECT booking.trip_point_partition(now() - interval '2 months') AS old_partition,
       booking.trip_point_partition(now() - interval '2 months 15 minutes') AS old_partition_2 \gset
UPDATE booking.trip_point SET ts = ts - interval '2 months' WHERE trip_id = '00000000-0000-0000-0000-0000000020f3';
SELECT count(*) AS points_in_the_old_month FROM booking.trip_point WHERE ts < now() - interval '1 month';
SELECT booking.drop_old_trip_points() AS dropped_older_than_a_month;
-- the old month's partition, empty now, is dropped; the current month's stays
SELECT to_regclass(:'old_partition') IS NULL AND to_regclass(:'old_partition_2') IS NULL AS old_partition_dropped,
       booking.trip_point_partition(now()) IS NOT NULL AS current_partition_kept,
       (SELECT count(*) FROM booking.trip_point) > 0 AS current_points_kept;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a3');
SELECT pg_temp.try($$SELECT booking.drop_old_trip_points()$$);
ROLLBACK;

-- 6. A batch reaching back before the trip's last fix refolds from the
-- last saved state before its earliest fix (one every 600 stored fixes),
-- not from the trip's first fix; the figures are those of a full recompute.
-- Ingo's second trip f4 of lesson b203: 1500 fixes at 1 Hz in batches of
-- 60, ten of them (between fixes 1300 and 1400) sent late in one batch.
SET ROLE regress_trk_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a3');
INSERT INTO booking.trip (id, lesson_id, started_at)
SELECT '00000000-0000-0000-0000-0000000020f4', l.id, l.started_at FROM booking.lesson l WHERE l.booking_id = '00000000-0000-0000-0000-00000000b203';
CREATE TEMP TABLE late_track AS
SELECT i, date_trunc('second', now()) - interval '14 minutes' + i * interval '1 second' AS ts,
       52.5 + i * 0.00005 AS lat, 13.4 + 0.0002 * sin(i / 30.0) AS lng,
       i BETWEEN 1300 AND 1400 AND i % 10 = 5 AS late
  FROM generate_series(0, 1499) i;
SELECT sum((r).stored) AS stored_in_order FROM (
  SELECT booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f4',
           array_agg(ts ORDER BY i), array_agg(lat ORDER BY i), array_agg(lng ORDER BY i), NULL,
           array_fill(5.0::float8, ARRAY[count(*)::int])) AS r
    FROM late_track WHERE NOT late GROUP BY i / 60 ORDER BY i / 60) x;
SELECT recomputed, cardinality(track_checkpoints) / 48 AS saved_states FROM booking.trip WHERE id = '00000000-0000-0000-0000-0000000020f4';
SELECT track_checkpoints AS saved_before FROM booking.trip WHERE id = '00000000-0000-0000-0000-0000000020f4' \gset
SELECT received, stored, duplicates FROM booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f4',
  (SELECT array_agg(ts ORDER BY i DESC) FROM late_track WHERE late), (SELECT array_agg(lat ORDER BY i DESC) FROM late_track WHERE late),
  (SELECT array_agg(lng ORDER BY i DESC) FROM late_track WHERE late), NULL, array_fill(5.0::float8, ARRAY[10]));
-- the saved states are those of the first 600 and 1200 fixes, and still the
-- same; the second ends before the late batch's earliest fix, so the refold
-- read 300 fixes, not 1500
WITH p AS (SELECT p.ts, ST_Y(p.point::geometry) AS lat, ST_X(p.point::geometry) AS lng, p.accuracy_m,
                  row_number() OVER (ORDER BY p.ts) AS k
             FROM booking.trip_point p WHERE p.trip_id = '00000000-0000-0000-0000-0000000020f4')
SELECT t.recomputed, cardinality(t.track_checkpoints) / 48 AS saved_states,
       t.track_checkpoints = :'saved_before'::float8[] AS saved_states_kept,
       t.track_checkpoints[1:48] = (SELECT booking.track_fold(NULL, array_agg(ts ORDER BY ts), array_agg(lat ORDER BY ts), array_agg(lng ORDER BY ts), array_agg(accuracy_m ORDER BY ts)) FROM p WHERE k <= 600) AS first_is_600_fixes,
       t.track_checkpoints[49:96] = (SELECT booking.track_fold(NULL, array_agg(ts ORDER BY ts), array_agg(lat ORDER BY ts), array_agg(lng ORDER BY ts), array_agg(accuracy_m ORDER BY ts)) FROM p WHERE k <= 1200) AS second_is_1200_fixes,
       to_timestamp(t.track_checkpoints[50] + 946684800) < (SELECT min(ts) FROM late_track WHERE late) AS second_before_the_late_batch,
       t.track_state = (SELECT booking.track_fold(NULL, array_agg(ts ORDER BY ts), array_agg(lat ORDER BY ts), array_agg(lng ORDER BY ts), array_agg(accuracy_m ORDER BY ts)) FROM p) AS equals_full_recompute,
       t.fixes_used + t.fixes_filtered AS fixes
  FROM booking.trip t WHERE t.id = '00000000-0000-0000-0000-0000000020f4';
-- a late batch reaching before every saved state refolds from the first fix, and still agrees
SELECT stored FROM booking.ingest_trip_points('00000000-0000-0000-0000-0000000020f4',
  ARRAY[(SELECT ts FROM late_track WHERE i = 0) - interval '1 second'], ARRAY[52.5], ARRAY[13.4], NULL, ARRAY[5.0]);
SELECT t.recomputed, cardinality(t.track_checkpoints) / 48 AS saved_states,
       t.track_state = (SELECT booking.track_fold(NULL, array_agg(p.ts ORDER BY p.ts), array_agg(ST_Y(p.point::geometry) ORDER BY p.ts),
                                                  array_agg(ST_X(p.point::geometry) ORDER BY p.ts), array_agg(p.accuracy_m ORDER BY p.ts))
                          FROM booking.trip_point p WHERE p.trip_id = t.id) AS equals_full_recompute
  FROM booking.trip t WHERE t.id = '00000000-0000-0000-0000-0000000020f4';
ROLLBACK;
RESET ROLE;

-- 7. trip_point's references to trip, checked once per statement (no
-- foreign key per row): a point of an unknown trip, or naming another
-- resource than its trip's, is refused with 23503; a new resource or client
-- of a lesson reaches its trips and their points; a deleted trip takes its
-- points; a trip with points keeps its key.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a1');
SELECT pg_temp.try($$INSERT INTO booking.trip_point (trip_id, ts, point) VALUES ('00000000-0000-0000-0000-0000000020ff', now(), 'SRID=4326;POINT(13.4 52.5)')$$);
SELECT pg_temp.try($$INSERT INTO booking.trip_point (trip_id, ts, point, resource_id, client_id)
  VALUES ('00000000-0000-0000-0000-0000000020f1', now(), 'SRID=4326;POINT(13.4 52.5)', '00000000-0000-0000-0000-0000000020b2', '00000000-0000-0000-0000-0000000020c1')$$);
-- a plain INSERT by staff, without the carried columns: taken from the trip
INSERT INTO booking.trip_point (trip_id, ts, point) VALUES ('00000000-0000-0000-0000-0000000020f3', now() - interval '1 hour', 'SRID=4326;POINT(13.4 52.5)');
RESET ROLE;
-- (lesson_carry would take the booking's resource again: off for the test)
ALTER TABLE booking.lesson DISABLE TRIGGER lesson_carry;
UPDATE booking.lesson SET resource_id = '00000000-0000-0000-0000-0000000020b2' WHERE booking_id = '00000000-0000-0000-0000-00000000b203';
SELECT count(*) FILTER (WHERE p.resource_id = '00000000-0000-0000-0000-0000000020b2') AS points_moved, count(*) AS points
  FROM booking.trip_point p WHERE p.trip_id = '00000000-0000-0000-0000-0000000020f3';
SELECT pg_temp.try($$UPDATE booking.trip SET id = gen_random_uuid() WHERE id = '00000000-0000-0000-0000-0000000020f3'$$);
DELETE FROM booking.trip WHERE id = '00000000-0000-0000-0000-0000000020f3';
SELECT count(*) AS points_of_the_deleted_trip FROM booking.trip_point WHERE trip_id = '00000000-0000-0000-0000-0000000020f3';
ROLLBACK;

-- 8. booking.trip_point_store, the C store that ingest_fixes writes with
-- (rows put into the month's partition without an INSERT statement), checks
-- what an INSERT by the caller into trip_point would.  SQLSTATEs only where
-- the message names the month's partition.
SET ROLE regress_trk_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a3');   -- Ingo
-- his trip f1: stored, carrying the trip's resource and client
SELECT booking.trip_point_store(:'org', '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '50 seconds', now() - interval '49 seconds'], ARRAY[52.51, 52.5101], ARRAY[13.41, 13.4101],
         ARRAY[30, NULL], NULL) AS written;
SELECT count(*) AS points, count(*) FILTER (WHERE p.resource_id = t.resource_id AND p.client_id = t.client_id) AS carried,
       count(p.speed_kph) AS with_speed, count(p.accuracy_m) AS with_accuracy,
       count(*) FILTER (WHERE ST_Y(p.point::geometry) = 52.51 AND ST_X(p.point::geometry) = 13.41) AS at_the_fix
  FROM booking.trip_point p JOIN booking.trip t ON t.id = p.trip_id
 WHERE p.trip_id = '00000000-0000-0000-0000-0000000020f1' AND p.ts IN (now() - interval '50 seconds', now() - interval '49 seconds');
-- the same fix again: the unique key (org_id, trip_id, ts)
SELECT left(pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '50 seconds'], ARRAY[52.51], ARRAY[13.41])$$), 5) AS same_fix;
-- another org's id, an unknown trip: not present in the org (23503)
SELECT pg_temp.try($$SELECT booking.trip_point_store('$$ || :'org2' || $$', '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now()], ARRAY[52.5], ARRAY[13.4])$$) ~ '^23503: .*violates its reference to table "trip"' AS other_org;
SELECT pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020ff',
         ARRAY[now()], ARRAY[52.5], ARRAY[13.4])$$);
-- bad fixes (22G01), arrays of different lengths (22G05), a speed the
-- CHECK refuses (23514); a call that fails stores none of its fixes
SELECT pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '40 seconds', now() - interval '39 seconds'], ARRAY[52.5, 'NaN'], ARRAY[13.4, 13.4])$$);
SELECT pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '40 seconds'], ARRAY[91], ARRAY[13.4])$$);
SELECT pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020f1',
         ARRAY['infinity'::timestamptz], ARRAY[52.5], ARRAY[13.4])$$);
SELECT pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '40 seconds'], ARRAY[52.5, 52.6], ARRAY[13.4])$$);
SELECT left(pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '40 seconds', now() - interval '39 seconds'], ARRAY[52.5, 52.5], ARRAY[13.4, 13.4], ARRAY[30, 500])$$), 5) AS speed_500;
SELECT count(*) AS stored_of_failed_calls FROM booking.trip_point
 WHERE trip_id = '00000000-0000-0000-0000-0000000020f1' AND ts BETWEEN now() - interval '41 seconds' AND now() - interval '38 seconds';
ROLLBACK;
BEGIN;
-- Ina may not write Ingo's trip: refused as the policy of trip_point would
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a4');
SELECT pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '30 seconds'], ARRAY[52.5], ARRAY[13.4])$$) ~ '^(42501|23503): ' AS other_instructor_refused;
ROLLBACK;
BEGIN;
-- Sam, the student of the lesson, neither
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000020a5');
SELECT pg_temp.try($$SELECT booking.trip_point_store(booking.current_org_id(), '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '30 seconds'], ARRAY[52.5], ARRAY[13.4])$$) ~ '^(42501|23503): ' AS student_refused;
ROLLBACK;
-- without an identity
SELECT pg_temp.try($$SELECT booking.trip_point_store('$$ || :'org' || $$', '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '30 seconds'], ARRAY[52.5], ARRAY[13.4])$$) ~ '^(42501|23503): ' AS no_identity_refused;
RESET ROLE;
-- a role without INSERT on trip_point
CREATE ROLE regress_trk_none;
GRANT USAGE ON SCHEMA booking TO regress_trk_none;
SET ROLE regress_trk_none;
SELECT pg_temp.try($$SELECT booking.trip_point_store('$$ || :'org' || $$', '00000000-0000-0000-0000-0000000020f1',
         ARRAY[now() - interval '30 seconds'], ARRAY[52.5], ARRAY[13.4])$$);
RESET ROLE;
REVOKE USAGE ON SCHEMA booking FROM regress_trk_none;
DROP ROLE regress_trk_none;
