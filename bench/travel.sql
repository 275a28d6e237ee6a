-- bench/travel.sql: travel-time lookups, estimates and the matrix, each
-- beside a plain SQL baseline in the same run.  Run by bench/travel.sh.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SET jit = off;
SET max_parallel_workers_per_gather = 0;  -- one backend, both sides
CREATE EXTENSION IF NOT EXISTS booking CASCADE;

-- One org in Berlin, one user acting as its admin.
INSERT INTO booking.org (id, name, time_zone, currency)
VALUES ('00000000-0000-0000-0000-0000000000b1', 'Bench', 'Europe/Berlin', 'EUR');
SELECT set_config('booking.identity', '00000000-0000-0000-0000-0000000000b1 00000000-0000-0000-0000-0000000000b2 admin', false);

-- 100 pickup points in Berlin, every ordered pair cached (9,900 entries,
-- with time-of-day factors and a peak multiplier), 1M lookups.
SELECT setseed(0.42);
CREATE TABLE pts AS
SELECT i, ST_SetSRID(ST_MakePoint(13.25 + random() * 0.3, 52.45 + random() * 0.12), 4326)::geography AS p
  FROM generate_series(1, 100) AS i;
INSERT INTO booking.travel_time_cache
       (from_point, to_point, driving_minutes, distance_meters, cache_valid_until,
        traffic_multiplier, peak_hour_multiplier, time_of_day_factors)
SELECT a.p, b.p, 5 + (random() * 40)::int, 1000 + (random() * 20000)::int, now() + interval '1 day',
       1.1, 1.5, (SELECT array_agg(0.8 + random() * 0.4) FROM generate_series(1, 24) WHERE a.i > 0)
  FROM pts a, pts b WHERE a.i <> b.i
ON CONFLICT DO NOTHING;
ANALYZE booking.travel_time_cache;
CREATE TABLE q AS
SELECT a.p AS o, b.p AS d, timestamptz '2026-12-01 05:00+01' + (g % 900) * interval '1 minute' AS t
  FROM generate_series(1, 1000000::bigint) AS g
  JOIN pts a ON a.i = 1 + (g * 7919) % 100
  JOIN pts b ON b.i = 1 + (g * 104729 + 13) % 100
 WHERE a.i <> b.i;
ANALYZE q;

-- The plain SQL a good developer writes for the same lookups: an index
-- scan on the cache per lookup plus the factor arithmetic (cells by
-- PostGIS's ST_GeoHash), as a lateral join so that nothing is re-planned.
CREATE VIEW plain AS
SELECT q.o, q.d, q.t, x.minutes
  FROM q LEFT JOIN LATERAL (
    SELECT ceil(c.driving_minutes * c.traffic_multiplier
                * CASE WHEN (q.t AT TIME ZONE 'Europe/Berlin')::time
                            <@ '{[07:00,09:00),[16:00,18:00)}'::booking.timemultirange
                       THEN c.peak_hour_multiplier ELSE 1 END
                * coalesce(c.time_of_day_factors[extract(hour FROM q.t AT TIME ZONE 'Europe/Berlin')::int + 1], 1)
                - 0.000001)::int AS minutes
      FROM booking.travel_time_cache c
     WHERE c.org_id = (SELECT booking.current_org_id())
       AND c.from_hash = ST_GeoHash(q.o::geometry, 7) AND c.to_hash = ST_GeoHash(q.d::geometry, 7)
       AND c.cache_valid_until > now()) x ON true;

CREATE TABLE result (what text, n bigint, seconds float8);
CREATE FUNCTION timed(what text, sql text, runs int DEFAULT 3) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best float8 := 'Infinity'; n bigint;
BEGIN
  FOR r IN 1..runs LOOP
    t0 := clock_timestamp();
    EXECUTE sql INTO n;
    best := least(best, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  INSERT INTO result VALUES (what, n, best);
END $$;

SET enable_hashjoin = off; SET enable_mergejoin = off;
-- the two agree before anything is timed
SELECT count(*) AS lookups, count(*) FILTER (WHERE (booking.travel_time(o, d, t)).minutes IS DISTINCT FROM minutes) AS disagree
  FROM plain;
EXPLAIN (COSTS OFF) SELECT count(minutes) FROM plain;

SELECT timed('cache hit, booking.travel_time', 'SELECT count((booking.travel_time(o, d, t)).minutes) FROM q');
SET enable_hashjoin = off; SET enable_mergejoin = off;
SELECT timed('cache hit, plain SQL (index scan)', 'SELECT count(minutes) FROM plain');
RESET enable_hashjoin; RESET enable_mergejoin;

-- Estimates: a 1000 x 1000 matrix is 1M estimates in one call (no cache
-- entries: the points are outside Berlin).
CREATE TABLE far AS
SELECT array_agg(ST_SetSRID(ST_MakePoint(5 + random() * 10, 47 + random() * 8), 4326)::geography) AS pts
  FROM generate_series(1, 1000);
SELECT timed('1M estimates, booking.travel_matrix 1000 x 1000',
             'SELECT count(*) FROM far, booking.travel_matrix(far.pts, ''2026-12-01 10:00+01'')');
SELECT timed('1M estimates, plain SQL (ST_Distance on the sphere)',
             $q$SELECT count(greatest(5, ceil(ST_Distance(a.p, b.p, false) * 1.3 / (30 * 1000 / 60.0) - 0.000001)))
                  FROM (SELECT unnest(pts) AS p FROM far) a, (SELECT unnest(pts) AS p FROM far) b$q$);

-- The matrix the solver asks for: 50 x 50 pickup points, cached.
CREATE TABLE fifty AS SELECT array_agg(p ORDER BY i) AS pts FROM pts WHERE i <= 50;
SELECT timed('50 x 50 matrix, booking.travel_matrix',
             'SELECT count(*) FROM fifty, booking.travel_matrix(fifty.pts, ''2026-12-01 08:00+01'')', 20);

SELECT what, n AS rows, round(seconds::numeric, 4) AS seconds,
       round((n / seconds)::numeric) AS per_second,
       round((seconds * 1e6 / n)::numeric, 3) AS us_each
  FROM result;
SELECT round(((SELECT seconds FROM result WHERE what LIKE 'cache hit, plain%')
             / (SELECT seconds FROM result WHERE what LIKE 'cache hit, booking%'))::numeric, 2) AS cache_hit_speedup,
       round(((SELECT seconds FROM result WHERE what LIKE '1M estimates, plain%')
             / (SELECT seconds FROM result WHERE what LIKE '1M estimates, booking%'))::numeric, 2) AS estimate_speedup,
       round(((SELECT seconds FROM result WHERE what LIKE '50 x 50 matrix, booking%') * 1000)::numeric, 2) AS matrix_50_ms;
