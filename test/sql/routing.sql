-- The optional road network: the graph tables with their checks and
-- policies, booking.route_travel_times on a small hand-made graph whose times
-- are worked out by hand below, the cache entries it leaves for travel_time
-- and travel_matrix, tenancy, and bad input.  pgrouting is created when the
-- server has it (expected/routing.out); without it (expected/routing_1.out)
-- the extension still works and routing raises 0A000.
SET client_min_messages = warning;
\i test/sql/include/try.psql
SELECT count(*) > 0 AS have_pgrouting FROM pg_available_extensions WHERE name = 'pgrouting' \gset
\if :have_pgrouting
CREATE EXTENSION pgrouting;
\endif

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000004a1', 'route.admin.a@example.com', 'Route Admin A'),
  ('00000000-0000-0000-0000-0000000004a2', 'route.staff.a@example.com', 'Route Staff A'),
  ('00000000-0000-0000-0000-0000000004a3', 'route.student.a@example.com', 'Route Student A'),
  ('00000000-0000-0000-0000-0000000004b1', 'route.admin.b@example.com', 'Route Admin B');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  ('00000000-0000-0000-0000-0000000004a0', 'Route A', 'Europe/Berlin', 'EUR'),
  ('00000000-0000-0000-0000-0000000004b0', 'Route B', 'Europe/Berlin', 'EUR');
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  ('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a1', 'admin'),
  ('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a2', 'staff'),
  ('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a3', 'student'),
  ('00000000-0000-0000-0000-0000000004b0', '00000000-0000-0000-0000-0000000004b1', 'admin');
CREATE ROLE regress_route_app;
SELECT booking.grant_app_role('regress_route_app', true);

-- The graph of org A (seconds per edge, both ways unless marked):
--
--     4 --- 90 --- 5 --- 90 --- 6          7 --- 60 --- 8   (an island)
--     |            ^            |
--    120          30 one-way   120         vertices 0.01 degrees apart:
--     |            |  (2 to 5)  |          1 = (13.40 52.50), 6 = (13.42 52.51)
--     1 --- 60 --- 2 --- 60 --- 3
--
-- lengths: 700 m east-west, 1100 m north-south but 1200 m for 1-4.
CREATE TEMP TABLE p (i int PRIMARY KEY, name text, g geography);
GRANT SELECT ON p TO PUBLIC;
INSERT INTO p VALUES (1, 'at 1', 'POINT(13.40 52.50)'), (2, 'at 5', 'POINT(13.41 52.51)'),
                     (3, 'at 6', 'POINT(13.42 52.51)'), (4, '111 m north of 3', 'POINT(13.42 52.501)'),
                     (5, 'at 7, the island', 'POINT(13.45 52.55)'), (6, '13 km away', 'POINT(13.30 52.40)'),
                     (7, 'in the cell of point 1', 'POINT(13.40001 52.50001)');
SET ROLE regress_route_app;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a1') IS NOT NULL AS acting_admin_a;
INSERT INTO booking.road_node (id, point) VALUES
  (1, 'POINT(13.40 52.50)'), (2, 'POINT(13.41 52.50)'), (3, 'POINT(13.42 52.50)'),
  (4, 'POINT(13.40 52.51)'), (5, 'POINT(13.41 52.51)'), (6, 'POINT(13.42 52.51)'),
  (7, 'POINT(13.45 52.55)'), (8, 'POINT(13.46 52.55)');
INSERT INTO booking.road_edge (id, source, target, cost_seconds, reverse_cost_seconds, length_meters) VALUES
  (1, 1, 2, 60, 60, 700), (2, 2, 3, 60, 60, 700), (3, 4, 5, 90, 90, 700), (4, 5, 6, 90, 90, 700),
  (5, 1, 4, 120, 120, 1200), (6, 2, 5, 30, NULL, 1100), (7, 3, 6, 120, 120, 1100), (8, 7, 8, 60, 60, 700);
-- snapping: the nearest vertex within the limit, else nothing
SELECT s.point_index, s.node_id, round(s.snap_meters::numeric, 1) AS snap_meters
  FROM booking.road_snap('00000000-0000-0000-0000-0000000004a0', ARRAY(SELECT g FROM p ORDER BY i), 500) s;
-- the graph's checks
SELECT what, pg_temp.try(format('INSERT INTO booking.road_edge (id, source, target, cost_seconds, reverse_cost_seconds, length_meters) VALUES (%s)', v)) AS edge
  FROM (VALUES ('negative cost', '90, 1, 2, -1, 60, 700'),
               ('NaN cost', $$90, 1, 2, 'NaN', 60, 700$$),
               ('cost above a day', '90, 1, 2, 86401, 60, 700'),
               ('negative reverse cost (one-way is NULL)', '90, 1, 2, 60, -1, 700'),
               ('infinite length', $$90, 1, 2, 60, 60, 'Infinity'$$),
               ('id 0', '0, 1, 2, 60, 60, 700'),
               ('unknown vertex', '90, 1, 99, 60, 60, 700'),
               ('taken id', '1, 1, 2, 60, 60, 700')) AS t(what, v);
SELECT what, pg_temp.try(format('INSERT INTO booking.road_node (id, point) VALUES (90, %s)', v)) AS node
  FROM (VALUES ('empty point', $$'POINT EMPTY'$$), ('line', $$'LINESTRING(13 52, 13.1 52)'$$),
               ('srid 4269', $$'SRID=4269;POINT(13 52)'$$), ('NaN', $$ST_MakePoint('NaN', 52)$$)) AS t(what, v);

-- bad input to routing: checked before anything else
SELECT what, pg_temp.try('SELECT count(*) FROM booking.route_travel_times(' || v || ')') AS route
  FROM (VALUES ('null points', 'NULL::geography[]'),
               ('null valid_for', $$ARRAY['POINT(13.4 52.5)'::geography], NULL$$),
               ('101 points', $$array_fill('POINT(13.4 52.5)'::geography, ARRAY[101])$$),
               ('a line', $$ARRAY['POINT(13.4 52.5)'::geography, 'LINESTRING(13 52, 13.1 52)']$$),
               ('a null point', $$ARRAY['POINT(13.4 52.5)'::geography, NULL]$$),
               ('two dimensions', $$ARRAY[['POINT(13.4 52.5)'::geography]]$$),
               ('validity 0', $$ARRAY['POINT(13.4 52.5)'::geography], '0'$$),
               ('negative snap', $$ARRAY['POINT(13.4 52.5)'::geography], max_snap_meters => -1$$),
               ('NaN snap', $$ARRAY['POINT(13.4 52.5)'::geography], max_snap_meters => 'NaN'$$),
               ('access speed 0', $$ARRAY['POINT(13.4 52.5)'::geography], access_kmh => 0$$),
               ('empty array', $$'{}'::geography[]$$)) AS t(what, v);
COMMIT;

\if :have_pgrouting
-- Route every pair of the seven points, as the admin of org A.  By hand
-- (access legs at 20 km/h = 5.556 m/s; minutes rounded up):
--   1>2: 1-2-5 = 60+30 = 90 s                  -> 2 min, 700+1100 = 1800 m
--   1>3: 1-2-5-6 = 180 s                       -> 3 min, 2500 m
--   1>4: 1-2-3 = 120 s + 111.2 m / 5.556 = 20 s -> 3 min, 1400+111 = 1511 m
--   2>1: 5-4-1 = 90+120 = 210 s (5 to 2 is against the one-way) -> 4 min, 1900 m
--   2>3: 5-6 = 90 s -> 2 min, 700 m;  3>2 the same
--   2>4: 5-6-3 = 210 s + 20 s = 230 s          -> 4 min, 1911 m
--   3>1: 6-3-2-1 = 240 s (6-5-4-1 is 300)      -> 4 min, 2500 m
--   3>4 and 4>3: 6-3 = 120 s + 20 s            -> 3 min, 1211 m
--   4>1: 3-2-1 = 120 s + 20 s                  -> 3 min, 1511 m
--   4>2: 3-2-5 = 90 s + 20 s                   -> 2 min, 1911 m
-- Point 5 lies on the island (unreachable), point 6 beyond 500 m of every
-- vertex (not_snapped); point 7 shares point 1's cell: 1>7 and 7>1 are
-- same_cell, and 7's other pairs duplicate 1's.
CREATE TEMP TABLE by_hand (fi int, ti int, minutes int, meters int);
GRANT SELECT ON by_hand TO PUBLIC;
INSERT INTO by_hand VALUES (1, 2, 2, 1800), (1, 3, 3, 2500), (1, 4, 3, 1511), (2, 1, 4, 1900), (2, 3, 2, 700),
  (2, 4, 4, 1911), (3, 1, 4, 2500), (3, 2, 2, 700), (3, 4, 3, 1211), (4, 1, 3, 1511), (4, 2, 2, 1911), (4, 3, 3, 1211);
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a1') IS NOT NULL AS acting_admin_a;
CREATE TEMP TABLE routed AS
SELECT * FROM booking.route_travel_times(ARRAY(SELECT g FROM p ORDER BY i));
SELECT r.from_index, r.to_index, r.minutes, r.distance_meters, h.minutes AS hand_minutes, h.meters AS hand_meters,
       (r.minutes, r.distance_meters) = (h.minutes, h.meters) AS agrees
  FROM routed r FULL JOIN by_hand h ON (h.fi, h.ti) = (r.from_index, r.to_index)
 WHERE r.status = 'stored' OR h.fi IS NOT NULL
 ORDER BY 1, 2;
SELECT status, count(*), string_agg(from_index || '>' || to_index, ' ' ORDER BY from_index, to_index) AS pairs
  FROM routed WHERE status <> 'stored' GROUP BY status ORDER BY status;
-- the cache now holds them (unreachable pairs keep the estimate), and
-- travel_time and travel_matrix answer from it
SELECT count(*) AS entries, count(*) FILTER (WHERE source = 'pgrouting' AND reliability = 'high') AS routed_high,
       bool_and(cache_valid_until BETWEEN now() + interval '30 days' - interval '1 second' AND now() + interval '30 days') AS valid_30_days
  FROM booking.travel_time_cache;
SELECT a.i AS from_i, b.i AS to_i, t.*
  FROM p a, p b, booking.travel_time(a.g, b.g, '2026-12-01 08:00 Europe/Berlin') t
 WHERE (a.i, b.i) IN ((1, 2), (2, 1), (1, 5), (5, 1), (7, 2)) ORDER BY 1, 2;
SELECT count(*) AS pairs, count(*) FILTER (WHERE m.source = 'cache') AS from_cache,
       count(*) FILTER (WHERE (m.minutes, m.distance_meters) = (h.minutes, h.meters)) AS as_routed
  FROM booking.travel_matrix(ARRAY(SELECT g FROM p WHERE i <= 4 ORDER BY i), '2026-12-01 12:00 Europe/Berlin') m
  LEFT JOIN by_hand h ON (h.fi, h.ti) = (m.from_index, m.to_index);
-- routing again refreshes the same entries, here with a peak multiplier:
-- 2 minutes become 3 in the 07:00-09:00 peak
SELECT count(*) FILTER (WHERE status = 'stored') AS stored
  FROM booking.route_travel_times(ARRAY(SELECT g FROM p WHERE i IN (1, 2) ORDER BY i), '1 day', peak_hour_multiplier => 1.5);
SELECT count(*) AS entries,
       (booking.travel_time(a.g, b.g, '2026-12-01 08:00 Europe/Berlin')).minutes AS at_8,
       (booking.travel_time(a.g, b.g, '2026-12-01 12:00 Europe/Berlin')).minutes AS at_12
  FROM booking.travel_time_cache, p a, p b WHERE a.i = 1 AND b.i = 2 GROUP BY a.g, b.g;
-- bad factors reach the cache's own check
SELECT pg_temp.try($$SELECT count(*) FROM booking.route_travel_times(ARRAY(SELECT g FROM p WHERE i IN (1, 2) ORDER BY i),
                                                                     time_of_day_factors => array_fill(1::float8, ARRAY[23]))$$) AS bad_factors,
       (SELECT count(*) FROM booking.route_travel_times('{}')) AS empty_array,
       (SELECT count(*) FROM booking.route_travel_times(ARRAY(SELECT g FROM p WHERE i = 1))) AS one_point;
-- a vertex left without edges is unreachable: nothing stored
DELETE FROM booking.road_edge WHERE id = 8;
SELECT status, minutes FROM booking.route_travel_times(ARRAY(SELECT g FROM p WHERE i IN (1, 5) ORDER BY i));
COMMIT;

-- staff route but do not change the graph; students do neither
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a2') IS NOT NULL AS acting_staff_a;
SELECT count(*) AS staff_sees_nodes FROM booking.road_node;
SELECT string_agg(status, ' ') AS staff_routes FROM booking.route_travel_times(ARRAY(SELECT g FROM p WHERE i IN (3, 4) ORDER BY i));
SELECT pg_temp.try($$INSERT INTO booking.road_node (id, point) VALUES (50, 'POINT(13.5 52.5)')$$) AS staff_insert,
       pg_temp.try($$UPDATE booking.road_edge SET cost_seconds = 1$$) AS staff_update;
SELECT count(*) AS unchanged FROM booking.road_edge WHERE cost_seconds = 1;
COMMIT;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a3') IS NOT NULL AS acting_student_a;
SELECT count(*) AS student_sees_nodes FROM booking.road_node;
SELECT pg_temp.try($$SELECT count(*) FROM booking.route_travel_times(ARRAY['POINT(13.4 52.5)'::geography, 'POINT(13.41 52.51)'])$$) AS student_routes;
COMMIT;

-- another org neither sees nor uses the graph: its points snap to nothing,
-- it cannot route for org A, nor attach edges to A's vertices
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000004b0', '00000000-0000-0000-0000-0000000004b1') IS NOT NULL AS acting_admin_b;
SELECT (SELECT count(*) FROM booking.road_node) AS b_sees_nodes, (SELECT count(*) FROM booking.road_edge) AS b_sees_edges;
SELECT status, count(*) FROM booking.route_travel_times(ARRAY(SELECT g FROM p WHERE i <= 4 ORDER BY i)) GROUP BY status;
SELECT count(*) AS b_entries FROM booking.travel_time_cache;
SELECT (booking.travel_time(a.g, b.g, '2026-12-01 12:00 Europe/Berlin')).source AS b_gets
  FROM p a, p b WHERE a.i = 1 AND b.i = 2;
SELECT pg_temp.try($$SELECT count(*) FROM booking.route_travel_times('00000000-0000-0000-0000-0000000004a0', ARRAY['POINT(13.4 52.5)'::geography, 'POINT(13.41 52.51)'])$$) AS b_routes_for_a,
       pg_temp.try($$INSERT INTO booking.road_edge (id, source, target, cost_seconds, length_meters) VALUES (1, 1, 2, 60, 700)$$) AS b_edge_on_a_nodes;
COMMIT;
SELECT pg_temp.try($$SELECT count(*) FROM booking.route_travel_times(ARRAY['POINT(13.4 52.5)'::geography, 'POINT(13.41 52.51)'])$$) AS without_identity;
RESET ROLE;

-- a role that bypasses row-level security (a scheduled job) routes for any
-- org without an identity
SELECT status, minutes, distance_meters
  FROM booking.route_travel_times('00000000-0000-0000-0000-0000000004a0', ARRAY(SELECT g FROM p WHERE i IN (3, 1) ORDER BY i DESC));
\else
-- without pgrouting: a clear error, and travel times still work
SET ROLE regress_route_app;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a1') IS NOT NULL AS acting_admin_a;
SELECT pg_temp.try($$SELECT count(*) FROM booking.route_travel_times(ARRAY(SELECT g FROM p ORDER BY i))$$) AS without_pgrouting;
-- the detail and the hint
\set SHOW_CONTEXT never
SELECT count(*) FROM booking.route_travel_times(ARRAY(SELECT g FROM p ORDER BY i));
\set SHOW_CONTEXT errors
ROLLBACK;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004a1') IS NOT NULL AS acting_admin_a;
SELECT t.source FROM p a, p b, booking.travel_time(a.g, b.g, '2026-12-01 12:00 Europe/Berlin') t WHERE a.i = 1 AND b.i = 2;
COMMIT;
RESET ROLE;
\endif

-- deleting the org removes its graph
DELETE FROM booking.org WHERE id IN ('00000000-0000-0000-0000-0000000004a0', '00000000-0000-0000-0000-0000000004b0');
SELECT (SELECT count(*) FROM booking.road_node) AS nodes_left, (SELECT count(*) FROM booking.road_edge) AS edges_left;
DELETE FROM booking.app_user WHERE email LIKE 'route.%@example.com';
DROP OWNED BY regress_route_app;
DROP ROLE regress_route_app;
\if :have_pgrouting
DROP EXTENSION pgrouting;
\endif
