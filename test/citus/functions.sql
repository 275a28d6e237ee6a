-- test/citus/functions.sql: the functions with parameters that query
-- distributed tables, once LANGUAGE sql (which Citus cannot plan) and now
-- PL/pgSQL, called through the coordinator as the application role with
-- act_as, in org a (org b for the balance of runners.sql's payout), each
-- result compared with a value computed independently: from the data this
-- file writes, or by the superuser from the rows or the input.  Uses the
-- pg_temp checks of test/citus/flows.sql; prints "ok - ..." or "not ok - ...".
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
RESET ROLE;
SELECT id AS fa FROM booking.org WHERE name = 'Fahrschule Spree' \gset
SELECT id AS fb FROM booking.org WHERE name = 'Org b' \gset
SELECT user_id AS fowner FROM booking.membership WHERE org_id = :'fa' AND role = 'owner' \gset
SELECT u.id AS fowner_b FROM booking.app_user u WHERE u.email = 'owner.b@example.com' \gset
SELECT id AS fsvc FROM booking.service WHERE org_id = :'fa' AND name = 'Lesson a' \gset
SELECT id AS fres FROM booking.resource WHERE org_id = :'fa' AND display_name = 'Instructor a' \gset
SELECT id AS fres_b FROM booking.resource WHERE org_id = :'fb' AND display_name = 'Instructor b' \gset
SELECT id AS fclient FROM booking.client WHERE org_id = :'fa' AND full_name = 'Student a' \gset
SELECT pg_temp.at(9, '10:00') AS f9_10, pg_temp.at(9, '11:00') AS f9_11 \gset

-- org_zone: the zones create_org was given (test/citus/setup.sql)
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT booking.org_zone(%L)', :'fa')), 'Europe/Berlin', 'functions: org_zone of the acting org');
SELECT pg_temp.is(pg_temp.val(format('SELECT booking.org_zone(%L) IS NULL', :'fb')), 'true', '... of another org: NULL (invisible)');

-- book_price: the rate card's 5500 (test/citus/org.sql); a session's price per seat
SELECT pg_temp.is(pg_temp.val(format('SELECT price_cents || ''/'' || (platform_fee_cents + resource_share_cents) FROM booking.book_price(%L, %L, NULL, 1)', :'fa', :'fsvc')),
                  '5500/5500', 'functions: book_price on the default rate card, split into fee and share');
INSERT INTO booking.session (resource_id, service_id, title, starts_at, ends_at, capacity, currency, price_cents)
VALUES (:'fres', :'fsvc', 'Theory a', :'f9_10', :'f9_11', 3, 'EUR', 2000) RETURNING id AS fses \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT price_cents FROM booking.book_price(%L, %L, %L, 3)', :'fa', :'fsvc', :'fses')),
                  '6000', '... for three seats of a session of 2000 a seat');
INSERT INTO booking.client (full_name, date_of_birth, license_type) VALUES ('Second a', '2000-01-01', 'B') RETURNING id AS fclient2 \gset
COMMIT;

-- seats: two seats and one, then a fourth refused by the write path's
-- capacity check (seats_taken_except on the worker)
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
SELECT pg_temp.val(format('SELECT id FROM booking.book(%L, session_id => %L, seats => 2)', :'fclient', :'fses')) AS fs1 \gset
SELECT pg_temp.val(format('SELECT id FROM booking.book(%L, session_id => %L, seats => 1)', :'fclient2', :'fses')) AS fs2 \gset
COMMIT;
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.book(%L, session_id => %L, seats => 1)', :'fclient2', :'fses')), ' ', 1),
                  '23K01', 'functions: a seat beyond the session''s capacity is refused (23K01)');
SELECT booking.seats_taken(:'fa', :'fses') || '/' || booking.seats_taken_except(:'fa', :'fses', :'fs1') AS fseats \gset
COMMIT;
RESET ROLE;
SELECT sum(seats) || '/' || sum(seats) FILTER (WHERE id <> :'fs1') AS fseats_want FROM booking.booking
 WHERE org_id = :'fa' AND session_id = :'fses' AND status IN ('pending', 'confirmed') \gset
SELECT pg_temp.is(:'fseats', :'fseats_want', 'functions: seats_taken and seats_taken_except are the seats of the session''s bookings');
SELECT pg_temp.is(:'fseats', '3/1', '... three, and one without the booking of two');

-- service_area_refusal: a circle of 10 km around Berlin's centre
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
UPDATE booking.org SET service_area_center = booking.lat_lng(lat => 52.52, lng => 13.405), service_area_radius_meters = 10000 WHERE id = :'fa';
SELECT pg_temp.is(pg_temp.val(format('SELECT coalesce(booking.service_area_refusal(%L, booking.lat_lng(lat => 52.5, lng => 13.4)), ''inside'')', :'fa')),
                  'inside', 'functions: service_area_refusal of a point inside the org''s area: NULL');
SELECT pg_temp.is(pg_temp.val(format('SELECT booking.service_area_refusal(%L, booking.lat_lng(lat => 52.5, lng => 13.4), booking.lat_lng(lat => 48.1, lng => 11.6))', :'fa')),
                  'dropoff_point (lat 48.1, lng 11.6)', '... a drop-off in Munich: named with its coordinates');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.book(%L, %L, %L, %L, pickup_point => booking.lat_lng(lat => 48.1, lng => 11.6))',
                                                  :'fclient', :'fsvc', :'f9_11', :'fres')), ' ', 1),
                  '23K16', '... and the write path refuses a pickup there (23K16)');
COMMIT;
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
UPDATE booking.org SET service_area_center = NULL, service_area_radius_meters = NULL WHERE id = :'fa';
COMMIT;

-- store_travel_time: stored, then refreshed in place (ON CONFLICT)
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
SELECT pg_temp.val($$SELECT driving_minutes FROM booking.store_travel_time(booking.lat_lng(lat => 52.5, lng => 13.4), booking.lat_lng(lat => 52.51, lng => 13.42), 12, 2000, now() + interval '1 day')$$)
       || '/' || pg_temp.val($$SELECT driving_minutes FROM booking.store_travel_time(booking.lat_lng(lat => 52.5, lng => 13.4), booking.lat_lng(lat => 52.51, lng => 13.42), 15, 2100, now() + interval '1 day')$$) AS fstored \gset
COMMIT;
RESET ROLE;
SELECT count(*) || '/' || max(driving_minutes) AS fcache FROM booking.travel_time_cache WHERE org_id = :'fa' AND distance_meters IN (2000, 2100) \gset
SELECT pg_temp.is(:'fstored' || '|' || :'fcache',
                  '12/15|1/15', 'functions: store_travel_time stores an entry and refreshes it: one row, the second time');

-- road_snap: two nodes of org a's graph, 1.1 km apart
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
INSERT INTO booking.road_node (id, point) VALUES (1, booking.lat_lng(lat => 52.52, lng => 13.40)), (2, booking.lat_lng(lat => 52.53, lng => 13.40));
SELECT pg_temp.val($$SELECT string_agg(point_index || ':' || coalesce(node_id::text, '-') || ':' || coalesce(round(snap_meters)::text, '-'), ' ' ORDER BY point_index)
                       FROM booking.road_snap('$$ || :'fa' || $$', ARRAY[booking.lat_lng(lat => 52.5201, lng => 13.40)::geography,
                                                                   booking.lat_lng(lat => 52.5299, lng => 13.40)::geography,
                                                                   booking.lat_lng(lat => 52.60, lng => 13.40)::geography], 500)$$) AS fsnap \gset
COMMIT;
RESET ROLE;
SELECT pg_temp.is(:'fsnap', '1:1:' || round(ST_Distance('SRID=4326;POINT(13.40 52.5201)'::geography, 'SRID=4326;POINT(13.40 52.52)'::geography, false))
                            || ' 2:2:' || round(ST_Distance('SRID=4326;POINT(13.40 52.5299)'::geography, 'SRID=4326;POINT(13.40 52.53)'::geography, false)) || ' 3:-:-',
                  'functions: road_snap snaps each point to its nearest node (its distance on the sphere), none beyond max_meters');

-- trip fixes and lesson figures: an appointment that started 40 minutes
-- ago (written as a maintenance write), in progress, its trip, 20 fixes
-- 1 s apart going north at 0.0001 degree a second, ingested through the
-- coordinator (delegated to the org's worker); then the trip's figures set
-- as a maintenance write, for lesson_refresh_figures to carry.
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
VALUES (:'fa', :'fclient', :'fres', :'fsvc', date_trunc('minute', now()) - interval '40 minutes', date_trunc('minute', now()) + interval '20 minutes', 'EUR', 'confirmed')
RETURNING id AS ftb \gset
SELECT array_agg(now() - interval '3 minutes' + k * interval '1 second' ORDER BY k) AS fts,
       array_agg(52.5 + k * 0.0001 ORDER BY k) AS flat, array_agg(13.4 + 0 * k ORDER BY k) AS flng,
       array_agg(36.0 + 0 * k ORDER BY k) AS fspeed, array_agg(5.0 + 0 * k ORDER BY k) AS facc,
       round(sum(ST_Distance(ST_SetSRID(ST_MakePoint(13.4, 52.5 + (k - 1) * 0.0001), 4326)::geography,
                             ST_SetSRID(ST_MakePoint(13.4, 52.5 + k * 0.0001), 4326)::geography)) FILTER (WHERE k > 0)) AS fdist
  FROM generate_series(0, 19) k \gset
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
UPDATE booking.booking SET status = 'in_progress' WHERE id = :'ftb';
SELECT id AS flesson FROM booking.lesson WHERE booking_id = :'ftb' \gset
INSERT INTO booking.trip (lesson_id, started_at) VALUES (:'flesson', now() - interval '5 minutes') RETURNING id AS ftrip \gset
COMMIT;
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT received || ''/'' || stored FROM booking.ingest_trip_points(%L, %L, %L, %L, %L, %L)',
                                     :'ftrip', :'fts', :'flat', :'flng', :'fspeed', :'facc')),
                  '20/20', 'functions: ingest_trip_points stores 20 fixes');
COMMIT;
RESET ROLE;
UPDATE booking.trip SET distance_meters = 211.4, moving_distance_meters = 190, moving_seconds = 19, stationary_seconds = 1, max_speed_kph = 40
 WHERE org_id = :'fa' AND id = :'ftrip';
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'fa', :'fowner') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) || ''/'' || min(round(lat::numeric, 4)) || ''/'' || max(round(lat::numeric, 4)) || ''/'' || min(lng) || ''/'' || max(accuracy_m) FROM booking.trip_fixes(%L, %L)', :'fa', :'ftrip')),
                  '20/52.5000/52.5019/13.4/5', 'functions: trip_fixes gives back the fixes as numbers');
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FROM booking.trip_fixes_after(%L, %L, %L)', :'fa', :'ftrip', (:'fts'::timestamptz[])[15])),
                  '5', '... trip_fixes_after the 15th: the last five');
SELECT pg_temp.is(pg_temp.val(format('SELECT booking.lesson_distance(%L, %L)', :'fa', :'flesson')),
                  :'fdist', 'functions: lesson_distance is the geodesic length of the track (computed from the input)');
SELECT pg_temp.is(pg_temp.state(format('SELECT booking.lesson_refresh_figures(%L, %L)', :'fa', :'flesson')), 'ok', 'functions: lesson_refresh_figures');
COMMIT;
RESET ROLE;
SELECT distance_meters || '/' || moving_seconds || '/' || stationary_seconds || '/' || max_speed_kph || '/' || round(avg_moving_speed_kph::numeric, 3) AS ffig
  FROM booking.lesson WHERE org_id = :'fa' AND id = :'flesson' \gset
SELECT pg_temp.is(:'ffig', '211/19/1/40/' || round(190 / 19.0 * 3.6, 3), '... sets the lesson''s figures from its trip''s');
-- the lesson ends (maintenance writes): the instructor's time is free
-- again for the lesson of test/citus/tracking.sql, at the same hour,
UPDATE booking.booking SET status = 'completed' WHERE org_id = :'fa' AND id = :'ftb';
-- and its trip goes (tracking.sql counts org a's trips and points)
DELETE FROM booking.trip_point WHERE org_id = :'fa' AND trip_id = :'ftrip';
DELETE FROM booking.trip WHERE org_id = :'fa' AND id = :'ftrip';

-- resource_balance: org b's instructor after the payout of test/citus/runners.sql
SELECT (SELECT p.currency || ' ' || sum(p.resource_share_cents - p.refunded_share_cents) FROM booking.payment p JOIN booking.booking b ON b.org_id = p.org_id AND b.id = p.booking_id
         WHERE p.org_id = :'fb' AND b.resource_id = :'fres_b' AND b.status = 'completed' AND p.status IN ('succeeded', 'partially_refunded', 'refunded') GROUP BY p.currency)
       || ' ' || (SELECT coalesce(sum(amount_cents), 0) FROM booking.payout WHERE org_id = :'fb' AND resource_id = :'fres_b' AND status = 'paid') AS fwant \gset
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'fb', :'fowner_b') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT string_agg(concat_ws(' ', currency, earned_cents, paid_cents, in_flight_cents, payable_cents), '; ') FROM booking.resource_balance(%L)$$, :'fres_b')),
                  :'fwant' || ' 0 0', 'functions: resource_balance of org b''s instructor: earned and paid out, nothing in flight or payable');
COMMIT;
RESET ROLE;
