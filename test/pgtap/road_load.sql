-- Loading the road graph as the README says (issue 21, finding 9): COPY
-- into booking.road_node is refused under row-level security (0A000) for an
-- admin, and the documented way, COPY into a temporary table and INSERT ...
-- SELECT from it, works for an admin of the org through the trusted pooled
-- role and fills only the acting org's graph.
BEGIN;
SET client_min_messages = warning;
\ir include/two_orgs.psql
SELECT plan(4);
SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'admin')) IS NOT NULL AS acting;
-- (COPY FROM STDIN cannot run inside a function: psql's own error state)
SAVEPOINT direct;
\set ON_ERROR_STOP 0
COPY booking.road_node (id, point) FROM STDIN;
20	SRID=4326;POINT(13.4 52.5)
\.
\set ON_ERROR_STOP 1
ROLLBACK TO SAVEPOINT direct;
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '0A000', 'COPY into a table with row-level security is refused for an admin (0A000)');
CREATE TEMP TABLE node_load (id bigint, lon float8, lat float8) ON COMMIT DROP;
COPY node_load FROM STDIN WITH (FORMAT csv, HEADER);
id,lon,lat
10,13.40,52.50
11,13.41,52.50
12,13.42,52.51
\.
CREATE TEMP TABLE edge_load (id bigint, source bigint, target bigint, cost_s float8, reverse_cost_s float8, length_m float8) ON COMMIT DROP;
COPY edge_load FROM STDIN WITH (FORMAT csv, HEADER);
id,source,target,cost_s,reverse_cost_s,length_m
10,10,11,60,60,700
11,11,12,90,-1,1000
\.
SELECT lives_ok($$INSERT INTO booking.road_node (id, point)
                  SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography FROM node_load$$,
                'the nodes go in through a temporary table');
SELECT lives_ok($$INSERT INTO booking.road_edge (id, source, target, cost_seconds, reverse_cost_seconds, length_meters)
                  SELECT id, source, target, cost_s, CASE WHEN reverse_cost_s < 0 THEN NULL ELSE reverse_cost_s END, length_m
                    FROM edge_load$$,
                'and the edges (osm2pgrouting''s one-way as NULL)');
RESET ROLE;
SELECT results_eq($$SELECT org_id::text, count(*) FROM booking.road_node WHERE id >= 10 GROUP BY 1$$,
                  $$VALUES ('00000000-0000-0000-0000-00000000000a', 3::bigint)$$,
                  'in the acting org only');
SELECT * FROM finish();
ROLLBACK;
