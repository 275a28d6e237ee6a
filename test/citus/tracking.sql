-- test/citus/tracking.sql: GPS ingestion, its figures, row-level security,
-- tracking settings and retention through the coordinator, as the
-- application role with act_as (issue 15).  Org a and an org d made here on
-- the other worker (created until it lands there), each with a lesson in
-- progress (started 40 minutes ago) and a trip: org a ingests as arrays
-- (booking.ingest_trip_points), org d through the staging table (COPY,
-- booking.ingest_staged); both run on the worker of the org
-- (booking.ingest_fixes_on, delegated).  Uses the checks of flows.sql and
-- solver.sql (the same session).  Times relative to now(), never printed.
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
RESET ROLE;
SET client_min_messages = warning;
SELECT org_id AS ta FROM org_ids WHERE o = 'a' \gset
SELECT user_id AS ta_owner FROM cast_member WHERE o = 'a' AND role = 'owner' \gset
SELECT user_id AS ta_staff FROM cast_member WHERE o = 'a' AND role = 'staff' \gset
SELECT user_id AS ta_instructor FROM cast_member WHERE o = 'a' AND role = 'instructor' \gset
SELECT user_id AS ta_student FROM cast_member WHERE o = 'a' AND role = 'student' \gset
SELECT user_id AS tb_owner FROM cast_member WHERE o = 'b' AND role = 'owner' \gset
SELECT org_id AS tb FROM org_ids WHERE o = 'b' \gset
SELECT id AS ta_svc FROM booking.service WHERE org_id = :'ta' AND name = 'Lesson a' \gset
SELECT id AS ta_res FROM booking.resource WHERE org_id = :'ta' AND display_name = 'Instructor a' \gset
SELECT id AS ta_client FROM booking.client WHERE org_id = :'ta' AND full_name = 'Student a' \gset
CREATE FUNCTION pg_temp.worker_of(org uuid) RETURNS int LANGUAGE sql AS $$
  SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
   WHERE p.shardid = get_shard_id_for_distribution_column('booking.org', org) $$;
-- the number of shards of a month's partition on the workers
CREATE FUNCTION pg_temp.month_shards(m text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(result, '+' ORDER BY nodeport) FROM run_command_on_workers(
    format($c$SELECT count(*) FROM pg_class WHERE relnamespace = 'booking_trip_point'::regnamespace AND relname ~ '^trip_point_%s_[0-9]+$'$c$, m)) $$;
SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM') AS this_month,
       to_char((now() - interval '4 months') AT TIME ZONE 'UTC', 'YYYY_MM') AS old_month \gset

-- Org d: its owner, instructor and student, created until it is held by
-- the other worker than org a.
SELECT booking.register_user('owner.d@example.com', 'Owner d') AS td_owner,
       booking.register_user('instructor.d@example.com', 'Instructor d') AS td_instructor,
       booking.register_user('student.d@example.com', 'Student d') AS td_student \gset
CREATE TEMP TABLE track_org (org_id uuid);
DO $$
DECLARE d uuid; k int := 0;
BEGIN
  LOOP
    d := booking.create_org('Track d ' || k, 'Europe/Berlin', 'EUR', (SELECT id FROM booking.app_user WHERE email = 'owner.d@example.com'));
    EXIT WHEN pg_temp.worker_of(d) <> pg_temp.worker_of((SELECT i.org_id FROM org_ids i WHERE i.o = 'a')) OR k > 30;
    k := k + 1;
  END LOOP;
  INSERT INTO track_org VALUES (d);
END $$;
SELECT org_id AS td FROM track_org \gset
SELECT pg_temp.is((pg_temp.worker_of(:'ta') <> pg_temp.worker_of(:'td'))::text, 'true', 'tracking: org a and org d are held by different workers');
-- d's cast, service, resource and client; a's and d's bookings started 40
-- minutes ago: maintenance writes (the superuser, no identity)
-- (new members: the writer refreshes their member_org_ids, as org.sql does)
BEGIN;
SET LOCAL booking.membership_refresh = on;
SELECT format('INSERT INTO booking.membership (org_id, user_id, role) VALUES (%L, %L, %L)', :'td', u, r)
  FROM (VALUES (:'td_instructor'::uuid, 'instructor'), (:'td_student'::uuid, 'student')) v(u, r) \gexec
SELECT booking.refresh_member_orgs(ARRAY[:'td_instructor'::uuid, :'td_student'::uuid]) > 0 AS refreshed \gset
COMMIT;
SELECT format('INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (%L, %L, %L, 60, true)', :'td', gen_random_uuid(), 'Lesson d') \gexec
SELECT id AS td_svc FROM booking.service WHERE org_id = :'td' \gset
SELECT format('INSERT INTO booking.resource (org_id, id, display_name, user_id) VALUES (%L, %L, %L, %L)', :'td', gen_random_uuid(), 'Instructor d', :'td_instructor') \gexec
SELECT id AS td_res FROM booking.resource WHERE org_id = :'td' \gset
SELECT format('INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES (%L, %L, %L, %L)', :'td', gen_random_uuid(), 'Student d', :'td_student') \gexec
SELECT id AS td_client FROM booking.client WHERE org_id = :'td' \gset
SELECT gen_random_uuid() AS ta_bk, gen_random_uuid() AS td_bk, gen_random_uuid() AS ta_trip, gen_random_uuid() AS td_trip \gset
SELECT format($f$INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
                 VALUES (%L, %L, %L, %L, %L, date_trunc('minute', now()) - interval '40 minutes', date_trunc('minute', now()) + interval '20 minutes', 'EUR', 'confirmed')$f$,
              o, b, c, r, s)
  FROM (VALUES (:'ta'::uuid, :'ta_bk'::uuid, :'ta_client'::uuid, :'ta_res'::uuid, :'ta_svc'::uuid),
               (:'td'::uuid, :'td_bk'::uuid, :'td_client'::uuid, :'td_res'::uuid, :'td_svc'::uuid)) v(o, b, c, r, s) \gexec
SET ROLE regress_citus_app;
-- the life cycle starts each lesson; a trip of each, written by the instructor
SELECT format($f$BEGIN; SELECT booking.act_as(%L, %L) IS NOT NULL;
                 UPDATE booking.booking SET status = 'in_progress' WHERE org_id = %L AND id = %L;
                 COMMIT;$f$, o, w, o, b)
  FROM (VALUES (:'ta'::uuid, :'ta_owner'::uuid, :'ta_bk'::uuid), (:'td'::uuid, :'td_owner'::uuid, :'td_bk'::uuid)) v(o, w, b) \gexec
BEGIN;
SELECT booking.act_as(:'ta', :'ta_instructor') IS NOT NULL AS acting \gset
SELECT pg_temp.val(format('SELECT id FROM booking.lesson WHERE org_id = %L AND booking_id = %L', :'ta', :'ta_bk')) AS ta_lesson \gset
SELECT pg_temp.state(format('INSERT INTO booking.trip (id, lesson_id, started_at) VALUES (%L, %L, now())', :'ta_trip', :'ta_lesson')) AS ta_trip_made \gset
COMMIT;
BEGIN;
SELECT booking.act_as(:'td', :'td_instructor') IS NOT NULL AS acting \gset
SELECT pg_temp.val(format('SELECT id FROM booking.lesson WHERE org_id = %L AND booking_id = %L', :'td', :'td_bk')) AS td_lesson \gset
SELECT pg_temp.state(format('INSERT INTO booking.trip (id, lesson_id, started_at) VALUES (%L, %L, now())', :'td_trip', :'td_lesson')) AS td_trip_made \gset
COMMIT;
SELECT pg_temp.is(:'ta_trip_made' || '/' || :'td_trip_made', 'ok/ok', 'tracking: each org''s instructor starts a trip of the lesson in progress');

-- 1. Arrays (org a, its instructor): 90 fixes at 1 Hz from 10 minutes ago
-- heading north-east at ~11 m/s, then the batch's faults: two fixes again
-- at the same times (duplicates; the first in the batch wins), one two
-- hours before the lesson (outside_lesson), one at latitude 95, one
-- without a longitude.  The batch is sent in reverse order (any order).
SELECT array_agg(t ORDER BY k >= 100, k DESC) AS a_ts, array_agg(la ORDER BY k >= 100, k DESC) AS a_lat, array_agg(lo ORDER BY k >= 100, k DESC) AS a_lng
  FROM (SELECT k, now() - interval '10 minutes' + k * interval '1 second' AS t, 52.5 + k * 0.00007 AS la, 13.4 + k * 0.0001 AS lo
          FROM generate_series(0, 89) k
        UNION ALL SELECT 100 + k, now() - interval '10 minutes' + k * interval '1 second', 10, 10 FROM generate_series(3, 4) k
        UNION ALL VALUES (200, now() - interval '2 hours', 52.5, 13.4), (201, now() - interval '10 minutes', 95, 13.4),
                         (202, now() - interval '9 minutes', 52.5, NULL)) f(k, t, la, lo) \gset
-- the figures the fold must give: booking.track_fold over the 90 clean fixes in order
SELECT (f).distance_m AS a_distance, (f).fixes_used AS a_used
  FROM (SELECT booking.track_figures(booking.track_fold(NULL, array_agg(now() - interval '10 minutes' + k * interval '1 second' ORDER BY k),
                                                        array_agg(52.5 + k * 0.00007 ORDER BY k), array_agg(13.4 + k * 0.0001 ORDER BY k),
                                                        array_fill(NULL::float8, ARRAY[90]))) AS f
          FROM generate_series(0, 89) k) x \gset
BEGIN;
SELECT booking.act_as(:'ta', :'ta_instructor') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT received || '/' || stored || '/' || duplicates || '/' || refused || '/' || refusals
                                        FROM booking.ingest_trip_points(%L, %L, %L, %L)$$, :'ta_trip', :'a_ts', :'a_lat', :'a_lng')),
                  '95/90/2/3/{"missing": 1, "latitude": 1, "outside_lesson": 1}',
                  'ingest_trip_points through the coordinator: 95 received, 90 stored, 2 duplicates, 3 refused by reason');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) || '/' || count(*) FILTER (WHERE ST_Y(point::geometry) = 10) FROM booking.trip_point WHERE org_id = %L AND trip_id = %L$$, :'ta', :'ta_trip')),
                  '90/0', '... the 90 points read back in the same transaction, the first of a time in the batch kept (not the later duplicate)');
COMMIT;
RESET ROLE;
SELECT pg_temp.is(to_regclass('booking_trip_point.trip_point_' || :'this_month') IS NOT NULL || '/' || pg_temp.month_shards(:'this_month'),
                  'true/' || (SELECT string_agg(count::text, '+' ORDER BY nodeport) FROM (SELECT n.nodeport, count(*) FROM pg_dist_shard s
                                JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n ON n.groupid = p.groupid
                               WHERE s.logicalrelid = 'booking.trip_point'::regclass GROUP BY 1) c),
                  '... the month''s partition was made on the way (its own transaction), distributed: a shard of it beside each shard of trip_point');
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FROM booking.trip_point WHERE org_id = %L AND trip_id = %L', :'ta', :'ta_trip')), '90', '... and committed (read as the superuser)');
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'ta', :'ta_instructor') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT fixes_used || '/' || round(distance_meters::numeric, 6) FROM booking.trip WHERE org_id = %L AND id = %L$$, :'ta', :'ta_trip')),
                  :'a_used' || '/' || round(:'a_distance'::numeric, 6), '... the trip''s figures folded on the worker = track_fold of the clean fixes in order');
SELECT pg_temp.is(pg_temp.val(format($$SELECT (l.distance_meters = round(t.distance_meters) AND l.distance_meters > 800)::text
                                        FROM booking.lesson l JOIN booking.trip t ON t.org_id = l.org_id AND t.lesson_id = l.id WHERE l.org_id = %L AND t.id = %L$$, :'ta', :'ta_trip')),
                  'true', '... and the lesson''s distance is the trip''s, rounded (over 800 m)');
-- the same batch again: every good fix a duplicate now
SELECT pg_temp.is(pg_temp.val(format($$SELECT received || '/' || stored || '/' || duplicates || '/' || refused FROM booking.ingest_trip_points(%L, %L, %L, %L)$$, :'ta_trip', :'a_ts', :'a_lat', :'a_lng')),
                  '95/0/92/3', 'the same batch again: nothing stored, 92 duplicates, the same 3 refused');
-- a late fix reaching back, between two stored ones (a refold on the worker)
SELECT pg_temp.is(pg_temp.val(format($$SELECT stored FROM booking.ingest_trip_points(%L, ARRAY[now() - interval '10 minutes' + interval '10.5 seconds'], ARRAY[52.5 + 10.5 * 0.00007], ARRAY[13.4 + 10.5 * 0.0001])$$, :'ta_trip'))
                  || '/' || pg_temp.val(format('SELECT recomputed FROM booking.trip WHERE org_id = %L AND id = %L', :'ta', :'ta_trip')),
                  '1/1', 'a late fix between two stored ones: stored, the trip refolded');
SELECT pg_temp.is(split_part(pg_temp.state(format($$SELECT booking.ingest_trip_points(%L, ARRAY[now()], ARRAY[52.5, 52.6], ARRAY[13.4])$$, :'ta_trip')), ' ', 1),
                  '22G05', 'arrays of different lengths: 22G05');
SELECT pg_temp.is(split_part(pg_temp.state(format($$SELECT booking.trip_point_store(%L, %L, ARRAY[now()], ARRAY[52.5], ARRAY[13.4])$$, :'ta', :'ta_trip')), ' ', 1),
                  '0A000', 'booking.trip_point_store on the coordinator, where the org''s shards are not: 0A000 (ingest_trip_points runs on their node)');
-- the call is one task on org a's worker
SELECT pg_temp.is(pg_temp.explain_node(format($$SELECT r FROM booking.ingest_fixes_on(%L, '{}', '{}', '{}', '{}', '{}', '{}', '{}') AS r$$, :'ta')),
                  'Custom Scan (Citus Adaptive); Task Count: 1; port=' || pg_temp.worker_of(:'ta') || '; ',
                  'EXPLAIN: the delegated ingestion is one task on the worker of the org (port ' || pg_temp.worker_of(:'ta') || ')');
COMMIT;

-- 2. Staged (org d, its instructor): the session's staging table on the
-- coordinator, filled by COPY; 30 fixes at 1 Hz from 5 minutes ago, one
-- again at the same time later in the table with other coordinates (the
-- first copied wins), one with speed 500 (speed), one without a trip
-- (missing_trip).  The rows are copied from a file of the coordinator's
-- data directory (COPY FROM a server file, as the superuser: psql's \copy
-- takes no variables, and the times are relative to now).
SELECT booking.stage_trip_points() IS NOT NULL AS staged \gset
RESET ROLE;
CREATE TEMP TABLE track_copy AS
SELECT k, :'td_trip'::uuid AS trip_id, now() - interval '5 minutes' + k * interval '1 second' AS ts, 48.1 + k * 0.0001 AS lat, 11.5 AS lng, 36.0 AS speed_kph, 5.0 AS accuracy_m
  FROM generate_series(0, 29) k
UNION ALL SELECT 30, :'td_trip', now() - interval '5 minutes' + 7 * interval '1 second', 10, 10, 36, 5
UNION ALL SELECT 31, :'td_trip', now() - interval '1 minute', 48.2, 11.5, 500, 5
UNION ALL SELECT 32, NULL, now() - interval '1 minute', 48.2, 11.5, 36, 5;
DO $$
DECLARE f text := current_setting('data_directory') || '/booking_citus_track.csv';
BEGIN
  EXECUTE format('COPY (SELECT trip_id, ts, lat, lng, speed_kph, accuracy_m FROM track_copy ORDER BY k) TO %L WITH (FORMAT csv)', f);
  EXECUTE format('COPY pg_temp.trip_point_staging (trip_id, ts, lat, lng, speed_kph, accuracy_m) FROM %L WITH (FORMAT csv)', f);
END $$;
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'td', :'td_instructor') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val($$SELECT string_agg((trip_id IS NOT NULL)::text || ':' || received || '/' || stored || '/' || duplicates || '/' || refused || '/' || refusals, '; ')
                                  FROM booking.ingest_staged()$$),
                  'true:32/30/1/1/{"speed": 1}; false:1/0/0/1/{"missing_trip": 1}',
                  'COPY into the staging table, ingest_staged through the coordinator: one row per trip and one for the rows without a trip');
SELECT pg_temp.is(pg_temp.val('SELECT count(*) FROM pg_temp.trip_point_staging'), '0', '... the staged rows consumed');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) || '/' || count(*) FILTER (WHERE ST_Y(point::geometry) = 10) || '/' || (min(speed_kph) = 36 AND max(accuracy_m) = 5)
                                        FROM booking.trip_point WHERE org_id = %L AND trip_id = %L$$, :'td', :'td_trip')),
                  '30/0/true', '... 30 points on org d''s worker, the first copied of a time kept, speed and accuracy stored');
SELECT pg_temp.is(pg_temp.val(format($$SELECT (fixes_used = 30 AND distance_meters > 250 AND distance_meters < 350)::text FROM booking.trip WHERE org_id = %L AND id = %L$$, :'td', :'td_trip')),
                  'true', '... the trip''s figures folded (30 fixes used, about 322 m)');
COMMIT;

-- 3. Row-level security of what was ingested.
BEGIN;
SELECT booking.act_as(:'tb', :'tb_owner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT (SELECT count(*) FROM booking.trip WHERE org_id = %L) || '/' || (SELECT count(*) FROM booking.trip_point WHERE org_id = %L)$$, :'ta', :'ta')),
                  '0/0', 'another org''s owner sees none of org a''s trips and points');
SELECT pg_temp.is(split_part(pg_temp.state(format($$SELECT booking.ingest_trip_points(%L, ARRAY[now() - interval '1 minute'], ARRAY[52.5], ARRAY[13.4])$$, :'ta_trip')), ' ', 1),
                  '23G02', '... nor ingests into them (23G02, nothing stored)');
COMMIT;
BEGIN;
SELECT booking.act_as(:'ta', :'ta_student') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT (SELECT count(*) FROM booking.trip WHERE org_id = %L) || '/' || (SELECT count(*) FROM booking.trip WHERE org_id = %L AND id = %L)
                                         || '/' || (SELECT count(*) FROM booking.trip_point WHERE org_id = %L)$$, :'ta', :'ta', :'ta_trip', :'ta')),
                  '1/1/0', 'the student sees their own trip (its figures) and no points');
SELECT pg_temp.is(split_part(pg_temp.state(format($$SELECT booking.ingest_trip_points(%L, ARRAY[now() - interval '1 minute'], ARRAY[52.5], ARRAY[13.4])$$, :'ta_trip')), ' ', 1),
                  '23G02', '... and may not ingest into it (23G02)');
COMMIT;
BEGIN;
SELECT booking.act_as(:'td', :'td_student') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.trip WHERE org_id = %L AND id = %L$$, :'ta', :'ta_trip')),
                  '0', 'a student of another org does not see it');
COMMIT;
RESET ROLE;
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FROM booking.trip_point WHERE org_id = %L', :'ta')) || '/' || pg_temp.val(format('SELECT count(*) FROM booking.trip_point WHERE org_id = %L', :'td')),
                  '91/30', '... and nothing of the refused calls was stored');
SET ROLE regress_citus_app;

-- 4. Tracking settings written through the coordinator (the defaults are
-- evaluated there and sent as constants).
BEGIN;
SELECT booking.act_as(:'ta', :'ta_owner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.state('INSERT INTO booking.tracking_setting (retention_months) VALUES (3)')
                  || '/' || pg_temp.val(format($$SELECT slack || ' ' || max_speed_kph || ' ' || merge_min_m || ' ' || max_gap_s || ' ' || max_accuracy_m || ' ' || retention_months
                                                  FROM booking.tracking_setting WHERE org_id = %L$$, :'ta')),
                  'ok/00:15:00 250 5 60 100 3', 'tracking_setting: an owner''s insert through the coordinator, with the defaults of tracking_defaults()');
SELECT pg_temp.is(pg_temp.state(format('UPDATE booking.tracking_setting SET max_gap_s = 90 WHERE org_id = %L', :'ta'))
                  || '/' || pg_temp.val(format('SELECT max_gap_s FROM booking.tracking_setting WHERE org_id = %L', :'ta')),
                  'ok/90', '... and an update');
COMMIT;
BEGIN;
SELECT booking.act_as(:'td', :'td_student') IS NOT NULL AS acting \gset
SELECT pg_temp.is(split_part(pg_temp.state('INSERT INTO booking.tracking_setting (retention_months) VALUES (1)'), ' ', 1), '42501',
                  '... a student''s insert is refused (42501)');
COMMIT;
BEGIN;
SELECT booking.act_as(:'td', :'td_owner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.state('INSERT INTO booking.tracking_setting (retention_months) VALUES (3)'), 'ok', '... org d''s owner sets its retention');
COMMIT;

-- 5. Retention.  The partition of a month four months ago, made by the
-- application (trip_point_partition, its own transaction on the
-- coordinator), and an old point of each trip (maintenance writes).
BEGIN;
SELECT booking.act_as(:'ta', :'ta_instructor') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val($$SELECT booking.trip_point_partition(now() - interval '4 months')::text$$), 'booking_trip_point.trip_point_' || :'old_month',
                  'trip_point_partition of a month four months ago, by the application through the coordinator');
ROLLBACK;
RESET ROLE;
SELECT pg_temp.is(pg_temp.month_shards(:'old_month'), (SELECT string_agg(count::text, '+' ORDER BY nodeport) FROM (SELECT n.nodeport, count(*) FROM pg_dist_shard s
                                JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n ON n.groupid = p.groupid
                               WHERE s.logicalrelid = 'booking.trip_point'::regclass GROUP BY 1) c),
                  '... distributed, and kept though the caller rolled back (made in its own transaction)');
SELECT format($f$INSERT INTO booking.trip_point (org_id, trip_id, ts, point) VALUES (%L, %L, now() - interval '4 months', booking.fix_point(52.5, 13.4))$f$, o, t)
  FROM (VALUES (:'ta'::uuid, :'ta_trip'::uuid), (:'td'::uuid, :'td_trip'::uuid)) v(o, t) \gexec
SELECT distance_meters AS ta_distance FROM booking.trip WHERE org_id = :'ta' AND id = :'ta_trip' \gset
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'ta', :'ta_staff') IS NOT NULL AS acting \gset
SELECT pg_temp.is(split_part(pg_temp.state('SELECT booking.drop_old_trip_points()'), ' ', 1), '42501', 'drop_old_trip_points by staff: 42501');
COMMIT;
BEGIN;
SELECT booking.act_as(:'ta', :'ta_owner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val('SELECT booking.drop_old_trip_points()'), '1', 'drop_old_trip_points (org a''s owner): its one point older than 3 months deleted');
COMMIT;
RESET ROLE;
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FROM booking.trip_point WHERE org_id = %L', :'ta')) || '/' || pg_temp.val(format('SELECT count(*) FROM booking.trip_point WHERE org_id = %L', :'td'))
                  || '/' || (to_regclass('booking_trip_point.trip_point_' || :'old_month') IS NOT NULL)
                  || '/' || pg_temp.val(format('SELECT distance_meters = %L FROM booking.trip WHERE org_id = %L AND id = %L', :'ta_distance', :'ta', :'ta_trip')),
                  '91/31/true/true', '... org a keeps its 91 recent points, org d its old one, so the month''s partition stays; the trip keeps its figures');
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'td', :'td_owner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val('SELECT booking.drop_old_trip_points()'), '1', 'org d''s owner: its old point deleted');
COMMIT;
BEGIN;
SELECT booking.act_as(:'td', :'td_owner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val('SELECT booking.drop_old_trip_points()'), '0', '... the next call deletes nothing');
COMMIT;
RESET ROLE;
SELECT pg_temp.is((to_regclass('booking_trip_point.trip_point_' || :'old_month') IS NULL) || '/' || pg_temp.month_shards(:'old_month')
                  || '/' || pg_temp.val('SELECT count(*) FROM booking.trip_point'),
                  'true/0+0/121', '... and the emptied month''s partition is gone, with its shards (a month the call empties goes at the next call on Citus); the recent points stay');
