-- Travel time: the estimate, cached times with their factors, org settings,
-- the matrix, the cache checks, tenancy, and bad input.
SET client_min_messages = warning;
\i test/sql/include/try.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'admin.a@example.com', 'Admin A'),
  ('00000000-0000-0000-0000-0000000000b1', 'admin.b@example.com', 'Admin B');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  ('00000000-0000-0000-0000-00000000000a', 'Org A', 'Europe/Berlin', 'EUR'),
  ('00000000-0000-0000-0000-00000000000b', 'Org B', 'Europe/Berlin', 'EUR'),
  ('00000000-0000-0000-0000-00000000000c', 'Org C', 'Europe/Berlin', 'EUR');
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1', 'admin'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000b1', 'admin');
CREATE ROLE regress_travel_app;
SELECT booking.grant_app_role('regress_travel_app', true);
SET ROLE regress_travel_app;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1') IS NOT NULL AS acting;

-- Alexanderplatz, Zoo, Potsdam
CREATE TEMP TABLE p (name text PRIMARY KEY, g geography);
INSERT INTO p VALUES ('alex', 'POINT(13.4132 52.5219)'), ('zoo', 'POINT(13.3347 52.5070)'),
                     ('potsdam', 'POINT(13.0645 52.3906)'), ('alex2', 'POINT(13.41321 52.52191)');

-- the same point: zero
SELECT * FROM booking.travel_time((SELECT g FROM p WHERE name = 'alex'), (SELECT g FROM p WHERE name = 'alex'), '2026-12-01 10:00+01');

-- the estimate, against the documented formula computed here by PostGIS
-- (great-circle distance on the sphere, detour 1.3, speed by local hour,
-- at least 5 minutes), at every local hour of a winter day
SELECT count(*) AS hours,
       count(*) FILTER (WHERE e.minutes = greatest(5, ceil(ST_Distance(a.g, b.g, false) * 1.3
                                      / (s.kmh * 1000 / 60.0) - 0.000001))) AS formula_agrees,
       count(*) FILTER (WHERE e.source = 'estimate' AND e.reliability = 'low') AS labelled_estimate,
       count(*) FILTER (WHERE abs(e.distance_meters - ST_Distance(a.g, b.g, false) * 1.3) <= 0.5) AS distance_agrees
  FROM p a, p b,
       unnest('{40,40,40,40,40,40,35,20,20,30,30,30,30,30,30,30,20,20,30,35,35,35,40,40}'::float8[]) WITH ORDINALITY AS s(kmh, h),
       booking.travel_time(a.g, b.g, timestamptz '2026-12-01 00:30 Europe/Berlin' + (s.h - 1) * interval '1 hour') AS e
 WHERE a.name = 'alex' AND b.name = 'potsdam';
-- rush hour is slower; a short hop is the minimum
SELECT (booking.travel_time(a.g, b.g, '2026-12-01 08:00 Europe/Berlin')).minutes AS rush,
       (booking.travel_time(a.g, b.g, '2026-12-01 11:00 Europe/Berlin')).minutes AS midday,
       (booking.travel_time(a.g, c.g, '2026-12-01 11:00 Europe/Berlin')).minutes AS short_hop
  FROM p a, p b, p c WHERE a.name = 'alex' AND b.name = 'potsdam' AND c.name = 'alex2';

-- the cache: keys are PostGIS geohashes of the points at the org's precision
SELECT from_hash, to_hash, from_hash = ST_GeoHash(from_point::geometry, 7) AND to_hash = ST_GeoHash(to_point::geometry, 7) AS postgis_agrees,
       driving_minutes, source, reliability
  FROM booking.store_travel_time((SELECT g FROM p WHERE name = 'alex'), (SELECT g FROM p WHERE name = 'zoo'),
                                 20, 7100, now() + interval '30 days', traffic_multiplier => 1.1, peak_hour_multiplier => 1.5,
                                 time_of_day_factors => array_fill(1::float8, ARRAY[24]) || '{}'::float8[],
                                 source => 'survey', reliability => 'high');
-- the hour factor of 13:00 is 2: 20 * 1.1 * 2 = 44; in the 16:00-18:00 peak: 20 * 1.1 * 1.5 = 33; otherwise 22
UPDATE booking.travel_time_cache SET time_of_day_factors[14] = 2;
SELECT h, e.*
  FROM unnest('{10:00,13:30,16:00,17:59,18:00}'::time[]) AS h,
       booking.travel_time((SELECT g FROM p WHERE name = 'alex'), (SELECT g FROM p WHERE name = 'zoo'), ('2026-12-01'::date + h) AT TIME ZONE 'Europe/Berlin') AS e;
-- a nearby point in the same cell shares the entry; the way back has none
SELECT (booking.travel_time(a.g, z.g, '2026-12-01 10:00+01')).source AS nearby,
       (booking.travel_time(z.g, a.g, '2026-12-01 10:00+01')).source AS way_back
  FROM p a, p z WHERE a.name = 'alex2' AND z.name = 'zoo';
-- storing again refreshes the one entry
SELECT driving_minutes, count(*) OVER () AS entries
  FROM booking.store_travel_time((SELECT g FROM p WHERE name = 'alex'), (SELECT g FROM p WHERE name = 'zoo'), 25, 7100, now() + interval '1 day');
-- used while valid
SELECT (booking.travel_time(a.g, z.g, '2026-12-01 10:00+01')).source AS while_valid FROM p a, p z WHERE a.name = 'alex' AND z.name = 'zoo';
COMMIT;

-- an expired entry is not used (no validity in the past can be stored, so
-- the owner ages the entry with the check trigger off)
RESET ROLE;
ALTER TABLE booking.travel_time_cache DISABLE TRIGGER travel_time_cache_check;
UPDATE booking.travel_time_cache SET cache_valid_until = now() - interval '1 second';
ALTER TABLE booking.travel_time_cache ENABLE TRIGGER travel_time_cache_check;
SELECT (booking.travel_time('00000000-0000-0000-0000-00000000000a', a.g, z.g, '2026-12-01 10:00+01')).source AS once_expired
  FROM p a, p z WHERE a.name = 'alex' AND z.name = 'zoo';
UPDATE booking.travel_time_cache SET cache_valid_until = now() + interval '1 day';

-- another org's entries are never used, even through the administrative overload
SELECT (booking.travel_time('00000000-0000-0000-0000-00000000000b', a.g, z.g, '2026-12-01 10:00+01')).source AS org_b,
       (booking.travel_time('00000000-0000-0000-0000-00000000000a', a.g, z.g, '2026-12-01 10:00+01')).source AS org_a
  FROM p a, p z WHERE a.name = 'alex' AND z.name = 'zoo';
SET ROLE regress_travel_app;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000b1') IS NOT NULL AS acting_b;
SELECT (booking.travel_time(a.g, z.g, '2026-12-01 10:00+01')).source AS seen_by_b, count(c.*) AS rows_b_sees
  FROM p a, p z LEFT JOIN booking.travel_time_cache c ON true WHERE a.name = 'alex' AND z.name = 'zoo' GROUP BY 1;
SELECT pg_temp.try($$SELECT booking.travel_time('00000000-0000-0000-0000-00000000000a', 'POINT(1 1)', 'POINT(2 2)', now())$$) AS admin_overload;
COMMIT;
SELECT pg_temp.try($$SELECT booking.travel_time('POINT(1 1)', 'POINT(2 2)', now())$$) AS without_identity;
RESET ROLE;

-- org settings: an org without a row and an org with a default row agree
-- at every hour (the C defaults equal the column defaults)
INSERT INTO booking.travel_setting (org_id) VALUES ('00000000-0000-0000-0000-00000000000c');
INSERT INTO booking.travel_time_cache (org_id, from_point, to_point, driving_minutes, distance_meters, cache_valid_until, peak_hour_multiplier)
SELECT o, a.g, z.g, 20, 7000, now() + interval '1 day', 1.5
  FROM p a, p z, unnest('{00000000-0000-0000-0000-00000000000b,00000000-0000-0000-0000-00000000000c}'::uuid[]) o
 WHERE a.name = 'alex' AND z.name = 'zoo';
SELECT count(*) AS cases,
       count(*) FILTER (WHERE booking.travel_time('00000000-0000-0000-0000-00000000000b', a.g, b.g, t)
                              = booking.travel_time('00000000-0000-0000-0000-00000000000c', a.g, b.g, t)) AS same
  FROM p a, p b, generate_series(timestamptz '2026-12-01 00:00+01', '2026-12-01 23:59+01', interval '7 minutes') t;
-- tuning: detour, speeds, minimum, peak windows, precision
UPDATE booking.travel_setting SET detour_factor = 2, speed_kmh = array_fill(60::float8, ARRAY[24]), min_minutes = 30,
                                  peak_windows = '{[09:00,11:00)}'
 WHERE org_id = '00000000-0000-0000-0000-00000000000c';
SELECT (booking.travel_time('00000000-0000-0000-0000-00000000000c', a.g, b.g, '2026-12-01 12:00+01')).minutes AS tuned_estimate,
       ceil(ST_Distance(a.g, b.g, false) * 2 / 1000 - 0.000001) AS by_hand,
       (booking.travel_time('00000000-0000-0000-0000-00000000000c', a.g, c.g, '2026-12-01 12:00+01')).minutes AS tuned_minimum,
       (booking.travel_time('00000000-0000-0000-0000-00000000000c', a.g, z.g, '2026-12-01 10:00+01')).minutes AS peak_at_10,
       (booking.travel_time('00000000-0000-0000-0000-00000000000c', a.g, z.g, '2026-12-01 16:00+01')).minutes AS no_peak_at_16
  FROM p a, p b, p c, p z WHERE a.name = 'alex' AND b.name = 'potsdam' AND c.name = 'alex2' AND z.name = 'zoo';
UPDATE booking.travel_setting SET geohash_precision = 9 WHERE org_id = '00000000-0000-0000-0000-00000000000c';
SELECT (booking.travel_time('00000000-0000-0000-0000-00000000000c', a.g, z.g, '2026-12-01 10:00+01')).source AS old_cells_unused
  FROM p a, p z WHERE a.name = 'alex' AND z.name = 'zoo';
UPDATE booking.travel_time_cache SET driving_minutes = 21 WHERE org_id = '00000000-0000-0000-0000-00000000000c' RETURNING length(from_hash) AS rehashed;
SELECT pg_temp.try(format($$UPDATE booking.travel_setting SET %s WHERE org_id = '00000000-0000-0000-0000-00000000000c'$$, s)) AS bad_setting
  FROM unnest(ARRAY['geohash_precision = 13', 'detour_factor = 0.9', $$detour_factor = 'NaN'$$,
                    'speed_kmh = array_fill(30::float8, ARRAY[23])', $$speed_kmh = array_fill(30::float8, ARRAY[24]) || '{}'::float8[] || NULL::float8$$,
                    $$speed_kmh[5] = 0$$, $$speed_kmh[5] = 'Infinity'$$, $$speed_kmh = array_fill(30::float8, ARRAY[4, 6])$$,
                    'min_minutes = -1', $$peak_windows = '{[07:00,09:00]}'$$, $$peak_windows = '{[07:00:30,09:00)}'$$,
                    $$peak_windows = '{[07:00,)}'$$]) AS s;

-- the matrix: every ordered pair, equal to travel_time pair by pair
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE m.from_index = m.to_index AND m.minutes = 0) AS zero_diagonal,
       count(*) FILTER (WHERE (m.minutes, m.distance_meters, m.source, m.reliability)
                              = booking.travel_time('00000000-0000-0000-0000-00000000000b', pts[m.from_index], pts[m.to_index], '2026-12-01 17:00+01')) AS same_as_travel_time,
       count(*) FILTER (WHERE m.source = 'cache') AS from_cache
  FROM (SELECT array_agg(g ORDER BY name) AS pts FROM p) x,
       booking.travel_matrix('00000000-0000-0000-0000-00000000000b', x.pts, '2026-12-01 17:00+01') m;
SELECT count(*) AS empty_matrix FROM booking.travel_matrix('00000000-0000-0000-0000-00000000000b', '{}', now());
SELECT count(*) AS matrix_of_1000 FROM booking.travel_matrix('00000000-0000-0000-0000-00000000000b',
  ARRAY(SELECT ST_MakePoint(13 + i / 1000.0, 52)::geography FROM generate_series(1, 1000) i), now());

-- bad input: clear errors with SQLSTATEs; NULL in, NULL out (STRICT)
SELECT booking.travel_time('00000000-0000-0000-0000-00000000000a', NULL, 'POINT(1 1)', now()) IS NULL AS null_in_null_out;
SELECT what, pg_temp.try(format('SELECT booking.travel_time(%L, %s, %L, now())', '00000000-0000-0000-0000-00000000000a', v, 'POINT(13 52)')) AS origin
  FROM (VALUES ('empty', $$'POINT EMPTY'::geography$$),
               ('line', $$'LINESTRING(13 52, 13.1 52.1)'::geography$$),
               ('srid 4269', $$'SRID=4269;POINT(13 52)'::geography$$),
               ('NaN', $$ST_MakePoint('NaN', 52)::geography$$),
               ('infinite', $$ST_MakePoint('Infinity', 52)::geography$$),
               ('polygon', $$'POLYGON((0 0, 1 0, 1 1, 0 0))'::geography$$)) AS t(what, v);
SELECT pg_temp.try($$SELECT booking.travel_time('00000000-0000-0000-0000-00000000000a', 'POINT(1 1)', 'POINT(2 2)', 'infinity')$$) AS infinite_departure,
       pg_temp.try($$SELECT booking.travel_time('00000000-0000-0000-0000-0000000000ff', 'POINT(1 1)', 'POINT(2 2)', now())$$) AS unknown_org;
SELECT pg_temp.try($$SELECT count(*) FROM booking.travel_matrix('00000000-0000-0000-0000-00000000000a', ARRAY['POINT(1 1)'::geography, NULL], now())$$) AS null_point,
       pg_temp.try($$SELECT count(*) FROM booking.travel_matrix('00000000-0000-0000-0000-00000000000a', ARRAY[['POINT(1 1)'::geography]], now())$$) AS two_dimensional,
       pg_temp.try($$SELECT count(*) FROM booking.travel_matrix('00000000-0000-0000-0000-00000000000a', array_fill('POINT(1 1)'::geography, ARRAY[1001]), now())$$) AS too_many;
SELECT what, pg_temp.try(format($$INSERT INTO booking.travel_time_cache (org_id, from_point, to_point, driving_minutes, distance_meters, cache_valid_until, %s)
                                  VALUES ('00000000-0000-0000-0000-00000000000a', 'POINT(13 52)', 'POINT(13.1 52)', 10, 1000, %s)$$, col, v)) AS cache_entry
  FROM (VALUES ('23 factors', 'time_of_day_factors', $$now() + interval '1 day', array_fill(1::float8, ARRAY[23])$$),
               ('negative factor', 'time_of_day_factors', $$now() + interval '1 day', array_fill(1::float8, ARRAY[23]) || -1::float8$$),
               ('NaN factor', 'time_of_day_factors', $$now() + interval '1 day', array_fill(1::float8, ARRAY[23]) || 'NaN'::float8$$),
               ('null factor', 'time_of_day_factors', $$now() + interval '1 day', array_fill(1::float8, ARRAY[23]) || NULL::float8$$),
               ('2-D factors', 'time_of_day_factors', $$now() + interval '1 day', array_fill(1::float8, ARRAY[2, 12])$$),
               ('past validity', 'source', $$now() - interval '1 minute', 'manual'$$),
               ('zero traffic', 'traffic_multiplier', $$now() + interval '1 day', 0$$),
               ('NaN peak', 'peak_hour_multiplier', $$now() + interval '1 day', 'NaN'$$),
               ('bad source', 'source', $$now() + interval '1 day', 'Google Maps'$$)) AS t(what, col, v);
SELECT pg_temp.try($$SELECT booking.checked_point('LINESTRING(0 0, 1 1)', 'pickup')$$) AS checked_point,
       ST_AsText(booking.checked_point('POINT(13 52)')) AS good_point;

DROP OWNED BY regress_travel_app;
DROP ROLE regress_travel_app;
