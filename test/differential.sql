-- test/differential.sql: randomized differential test of the availability
-- solver.  Run by test/differential.sh, which creates the database, installs
-- the extension and the SQL reference (test/reference/slots_reference.sql)
-- and passes the psql variables seed, cases, anchor and impl.
--
-- One database, nine zones (Europe/Berlin, America/New_York,
-- Australia/Lord_Howe, Asia/Kolkata, UTC, America/Santiago, America/Havana,
-- Atlantic/Azores, America/Nuuk: spring-forward and fall-back days, a
-- 30-minute shift, no DST, transitions at midnight, a midnight that happens
-- twice, a skipped last hour of the day; a date the calendar skips is in
-- test/sql/solver_zones.sql, which needs the solver's clock moved), two orgs per zone with random grids (5..60 minutes), notice and
-- horizon; five resources per org with 0-3 weekly windows per weekday (with
-- and without breaks, in one or two effective periods, inactive rows),
-- exceptions (days off, other hours with exclusive, inclusive and open
-- bounds), bookings dense around the dates tested
-- (some at the DST hours, some over the range edges, non-occupying ones and
-- session seats in between), scheduled and cancelled sessions, services with
-- buffers, travel buffers, daily maxima (sessions count toward them, also on
-- exception days), pickups in Berlin (some NULL, some bookings with only a
-- dropoff, a few points in New York and Lisbon: travel over the 1,440-minute
-- cap) with a partly filled travel-time cache.  Every case is one call of :impl and
-- one of slots_ref.available_slots, as a real application role acting for
-- the org with booking.act_as, compared slot by slot.  Output is TAP.
\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only on
\pset footer off
SET client_min_messages = warning;
SET jit = off;

-- Hand-computed answers for the reference first.
\ir reference/known_cases.sql

SELECT setseed(:seed / 1000000.0) \g /dev/null

-- Helpers: a random integer in [lo, hi]; a random minute rounded to a step.
CREATE FUNCTION rint(lo int, hi int) RETURNS int
  LANGUAGE sql VOLATILE RETURN lo + floor(random() * (hi - lo + 1))::int;
CREATE FUNCTION pick(a anyarray) RETURNS anyelement
  LANGUAGE sql VOLATILE AS 'SELECT a[1 + floor(random() * cardinality(a))::int]';
-- minutes after midnight to a time of day, 1440 = 24:00
CREATE FUNCTION tod(m int) RETURNS time
  LANGUAGE sql IMMUTABLE RETURN CASE WHEN m >= 1440 THEN '24:00'::time ELSE '00:00'::time + make_interval(mins => m) END;
-- deterministic ids, so that a seed reproduces the data and its order
CREATE FUNCTION uid(kind text, VARIADIC n int[]) RETURNS uuid
  LANGUAGE sql IMMUTABLE RETURN md5(kind || array_to_string(n, '.'))::uuid;

-- Orgs: two per zone.
CREATE TABLE d_org AS
SELECT o.n, uid('org', o.n) AS org_id, uid('user', o.n) AS user_id, o.zone,
       CASE WHEN random() < 0.5 THEN pick('{5,10,15,20,30,60}'::int[]) ELSE rint(5, 60) END AS grid,
       pick('{0,0,30,60,120,240,1440,2880}'::int[]) AS notice,
       CASE WHEN random() < 0.75 THEN rint(420, 730) ELSE rint(20, 120) END AS horizon
  FROM (SELECT row_number() OVER (ORDER BY z.i, k)::int AS n, z.zone
          FROM (VALUES (1, 'Europe/Berlin'), (2, 'America/New_York'), (3, 'Australia/Lord_Howe'),
                       (4, 'Asia/Kolkata'), (5, 'UTC'), (6, 'America/Santiago'), (7, 'America/Havana'),
                       (8, 'Atlantic/Azores'), (9, 'America/Nuuk')) AS z(i, zone),
               generate_series(1, 2) AS k) AS o;

INSERT INTO booking.app_user (id, email, full_name)
SELECT user_id, 'diff' || n || '@example.com', 'Differential ' || n FROM d_org ORDER BY n;
INSERT INTO booking.org (id, name, time_zone, currency, slot_step_minutes, min_notice_minutes, booking_horizon_days)
SELECT org_id, 'Differential ' || n || ' ' || zone, zone, 'EUR', grid, notice, horizon FROM d_org ORDER BY n;
INSERT INTO booking.membership (org_id, user_id, role) SELECT org_id, user_id, 'admin' FROM d_org ORDER BY n;

-- Pickup points in one city (Berlin), shared by all orgs; locations and
-- clients per org.
CREATE TABLE d_point AS
SELECT i, ST_SetSRID(ST_MakePoint(13.2 + random() * 0.35, 52.42 + random() * 0.16), 4326)::geography AS p
  FROM generate_series(1, 30) AS i;
-- and two far away, more than a day's travel from Berlin (the solver counts
-- at most 1,440 minutes)
INSERT INTO d_point VALUES (31, 'POINT(-74.0060 40.7128)'), (32, 'POINT(-9.1393 38.7223)');
INSERT INTO booking.location (org_id, id, name, point)
SELECT o.org_id, uid('loc', o.n, l), 'Place ' || l, CASE WHEN l = 3 THEN NULL ELSE (SELECT p FROM d_point WHERE i = l * 7) END
  FROM d_org o, generate_series(1, 3) AS l ORDER BY o.n, l;
INSERT INTO booking.client (org_id, id, full_name)
SELECT o.org_id, uid('client', o.n), 'Client ' || o.n FROM d_org o ORDER BY o.n;
-- a quarter of the ordered pairs cached (the rest are estimates), some with
-- time-of-day factors and peak multipliers
INSERT INTO booking.travel_time_cache
       (org_id, from_point, to_point, driving_minutes, distance_meters, cache_valid_until,
        traffic_multiplier, peak_hour_multiplier, time_of_day_factors)
SELECT o.org_id, a.p, b.p, rint(2, 90), rint(500, 30000), now() + interval '3 years',
       pick('{1,1,1.2,1.5}'::float8[]), pick('{1,1.3,2}'::float8[]),
       CASE WHEN random() < 0.5 THEN (SELECT array_agg(0.5 + random()) FROM generate_series(1, 24) WHERE a.i > 0) END
  FROM d_org o, d_point a, d_point b
 WHERE a.i <> b.i AND random() < 0.25
 ORDER BY o.n, a.i, b.i
ON CONFLICT DO NOTHING;

-- Services: four active ones with and without buffers, one inactive (only
-- busy items use it).
CREATE TABLE d_service AS
SELECT o.n AS org_n, o.org_id, s, uid('service', o.n, s) AS service_id,
       pick('{15,30,45,50,60,60,90,120,25,75,180}'::int[]) AS duration,
       CASE WHEN random() < 0.5 THEN 0 ELSE pick('{5,10,15,30,60}'::int[]) END AS bb,
       CASE WHEN random() < 0.4 THEN 0 ELSE pick('{5,10,15,20,45}'::int[]) END AS ba,
       s < 5 AS active
  FROM d_org o, generate_series(1, 5) AS s;
INSERT INTO booking.service (org_id, id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, active, free)
SELECT org_id, service_id, 'Service ' || s, duration, bb, ba, active, true FROM d_service ORDER BY org_n, s;

-- The dates around which cases and bookings are made: the zone's next DST
-- changes (local dates where the UTC offset changes within a year), ordinary
-- dates, today (notice) and the last day of the horizon.
CREATE TABLE d_focus AS
SELECT o.n AS org_n, 'dst' AS kind, t.day
  FROM d_org o
 CROSS JOIN LATERAL (
   SELECT DISTINCT ((h AT TIME ZONE o.zone) - (h AT TIME ZONE 'UTC')) IS DISTINCT FROM
                   ((h - interval '1 hour') AT TIME ZONE o.zone) - ((h - interval '1 hour') AT TIME ZONE 'UTC') AS changes,
          (h AT TIME ZONE o.zone)::date AS day
     FROM generate_series((:'anchor'::date + 2)::timestamptz, (:'anchor'::date + 380)::timestamptz, interval '1 hour') AS h) AS t
 WHERE t.changes
UNION ALL
SELECT o.n, 'ordinary', :'anchor'::date + rint(3, 360) FROM d_org o, generate_series(1, 3)
UNION ALL
SELECT o.n, 'notice', (now() AT TIME ZONE o.zone)::date FROM d_org o
UNION ALL
SELECT o.n, 'horizon', ((now() + make_interval(hours => o.horizon * 24)) AT TIME ZONE o.zone)::date FROM d_org o;

-- Resources: five per org, each with a chunk length and a booking density;
-- half of them change their weekly schedule on a date (two effective periods).
CREATE TABLE d_res AS
SELECT o.n AS org_n, o.org_id, o.zone, r, uid('res', o.n, r) AS resource_id,
       random() < 0.5 AS two_periods, :'anchor'::date + rint(0, 380) AS split,
       rint(90, 300) AS chunk, 0.1 + random() * 0.5 AS density
  FROM d_org o, generate_series(1, 5) AS r;
INSERT INTO booking.resource (org_id, id, display_name)
SELECT org_id, resource_id, 'Resource ' || org_n || '.' || r FROM d_res ORDER BY org_n, r;

-- Weekly windows: per resource, period and weekday 0-3 windows, window j of
-- n in the j-th n-th of the day, sometimes from 00:00 or to 24:00, on 5-minute
-- steps or any minute; 7 % whole days [00:00, 24:00) (slots meet midnight
-- and the DST hours); 40 % with a break; some inactive rows on top.
CREATE TABLE d_win AS
WITH p AS (
  SELECT r.*, per, wd,
         CASE WHEN NOT r.two_periods THEN '(,)'::daterange
              WHEN per = 1 THEN daterange(NULL, r.split) ELSE daterange(r.split, NULL) END AS eff,
         CASE WHEN random() < 0.12 THEN 0 ELSE rint(1, 3) END AS nwin0, random() < 0.07 AS whole_day
    FROM d_res r, generate_series(1, 2) AS per, generate_series(1, 7) AS wd
   WHERE per = 1 OR r.two_periods
), p2 AS (
  SELECT p.*, CASE WHEN whole_day THEN 1 ELSE nwin0 END AS nwin FROM p
), w AS (
  SELECT p2.*, j, (j - 1) * 1440 / nwin AS lo, j * 1440 / nwin AS hi, random() < 0.8 AS round5
    FROM p2, generate_series(1, 3) AS j WHERE j <= nwin
), a AS (
  SELECT w.*, CASE WHEN whole_day OR (j = 1 AND random() < 0.25) THEN 0 ELSE lo + rint(0, (hi - lo - 30) * 6 / 10) END AS a0
    FROM w
), b AS (
  SELECT a.*, CASE WHEN round5 THEN a0 / 5 * 5 ELSE a0 END AS wa,
         CASE WHEN whole_day OR (j = nwin AND random() < 0.25) THEN 1440 ELSE rint(a0 + 30, hi) END AS b0
    FROM a
), c AS (
  SELECT b.*, CASE WHEN round5 THEN least(hi, (b0 + 4) / 5 * 5) ELSE b0 END AS wb FROM b
), d AS (
  SELECT c.*, random() < 0.4 AND wb - wa >= 20 AS has_break, rint(wa, wb - 10) AS bf0 FROM c
)
SELECT org_id, resource_id, wd, eff, tod(wa) AS wfrom, tod(wb) AS wto,
       CASE WHEN has_break THEN tod(CASE WHEN round5 THEN bf0 / 5 * 5 ELSE bf0 END) END AS bfrom,
       CASE WHEN has_break THEN tod(least(wb, rint(bf0 + 5, least(wb, bf0 + 120)))) END AS bto,
       CASE WHEN random() < 0.55 THEN NULL WHEN random() < 0.2 THEN 0 WHEN random() < 0.5 THEN rint(1, 2) ELSE rint(1, 8) END AS maxb,
       CASE WHEN random() < 0.5 THEN 0 ELSE rint(5, 40) END AS tb,
       true AS active, org_n, r, per, j
  FROM d;
INSERT INTO d_win
SELECT org_id, resource_id, rint(1, 7), '(,)', tod(a), tod(a + rint(30, 600)), NULL, NULL, 1, 600, false, org_n, r, 9, 9
  FROM d_res, LATERAL (SELECT rint(0, 800) AS a WHERE random() < 0.5 + r * 0) AS x;
INSERT INTO booking.working_hours
       (org_id, resource_id, weekday, hours, break, max_bookings_per_day, travel_buffer_minutes, effective, active)
SELECT org_id, resource_id, wd, booking.timerange(wfrom, wto),
       CASE WHEN bfrom IS NOT NULL AND bto > bfrom THEN booking.timerange(bfrom, bto) END,
       maxb, tb, eff, active
  FROM d_win ORDER BY org_n, r, per, wd, j;

-- Exceptions on some dates near the focus dates: day off or other hours
-- (one or two ranges).
INSERT INTO booking.availability_exception (org_id, resource_id, on_date, available, hours)
SELECT r.org_id, r.resource_id, f.day + dd, x.available,
       CASE WHEN x.available THEN
         -- any bounds: exclusive, inclusive, open (midnight)
         booking.timemultirange(booking.timerange(CASE WHEN random() < 0.1 THEN NULL ELSE tod(x.a) END, tod(x.b),
                                                  pick('{[),[),(],(),[]}'::text[])))
         + CASE WHEN random() < 0.4 THEN booking.timemultirange(booking.timerange(tod(x.b + 30),
                                                                  CASE WHEN random() < 0.2 THEN NULL ELSE tod(least(1440, x.b + 30 + rint(30, 300))) END,
                                                                  pick('{[),(],(),[]}'::text[])))
                ELSE '{}'::booking.timemultirange END
       END
  FROM d_res r
  JOIN (SELECT DISTINCT org_n, day FROM d_focus) f ON f.org_n = r.org_n
 CROSS JOIN generate_series(-1, 1) AS dd
 CROSS JOIN LATERAL (SELECT random() < 0.5 AS available, rint(0, 720) AS a, rint(0, 600) AS len WHERE random() < 0.15 + r.r * 0) AS x0
 CROSS JOIN LATERAL (SELECT x0.available, x0.a, least(1100, x0.a + 30 + x0.len) AS b) AS x
 ORDER BY r.org_n, r.r, f.day, dd
ON CONFLICT DO NOTHING;

-- Bookings: the time from two days before to three days after each focus
-- date is cut into chunks of the resource's chunk length (on one timeline per
-- resource, so occupying bookings never overlap); a chunk holds one
-- occupying booking with the resource's density, and sometimes a
-- non-occupying one anywhere in it.
CREATE TABLE d_chunk AS
SELECT DISTINCT r.org_n, r.org_id, r.r, r.resource_id, r.chunk, r.density, k
  FROM d_res r
  JOIN (SELECT DISTINCT org_n, day FROM d_focus) f ON f.org_n = r.org_n
 CROSS JOIN LATERAL (
   SELECT floor(extract(epoch FROM ((f.day - 2 + '00:00'::time) AT TIME ZONE r.zone) - '2020-01-01 00:00Z'::timestamptz) / 60 / r.chunk)::int AS k0,
          floor(extract(epoch FROM ((f.day + 3 + '00:00'::time) AT TIME ZONE r.zone) - '2020-01-01 00:00Z'::timestamptz) / 60 / r.chunk)::int AS k1) AS b
 CROSS JOIN LATERAL generate_series(b.k0, b.k1) AS k;
CREATE TABLE d_booking AS
WITH c AS (
  SELECT c.*, '2020-01-01 00:00Z'::timestamptz + make_interval(mins => c.k * c.chunk) AS c0, v.*,
         random() < 0.7 AS round5
    FROM d_chunk c
   CROSS JOIN LATERAL (
     SELECT v.s AS svc, v.duration, v.bb, v.ba, rint(0, c.chunk - v.bb - v.duration - v.ba) AS off0
       FROM d_service v
      WHERE v.org_n = c.org_n AND v.bb + v.duration + v.ba <= c.chunk
      ORDER BY random() LIMIT 1) AS v
   WHERE random() < c.density
)
-- occupying ones, their padded intervals inside their chunk; some are live
-- holds, some lapsed holds (which do not count)
SELECT c.org_n, c.org_id, c.resource_id, c.k, c.svc,
       c.c0 + make_interval(mins => c.bb + CASE WHEN c.round5 THEN c.off0 / 5 * 5 ELSE c.off0 END) AS s,
       c.c0 + make_interval(mins => c.bb + CASE WHEN c.round5 THEN c.off0 / 5 * 5 ELSE c.off0 END + c.duration) AS e,
       pick('{pending,confirmed,confirmed,confirmed,in_progress}'::booking.booking_status[]) AS status,
       CASE WHEN random() < 0.1 THEN now() + interval '2 days' WHEN random() < 0.12 THEN now() - interval '1 hour' END AS hold
  FROM c
UNION ALL
-- non-occupying ones anywhere
SELECT c.org_n, c.org_id, c.resource_id, c.k, x.svc,
       '2020-01-01 00:00Z'::timestamptz + make_interval(mins => c.k * c.chunk + x.o),
       '2020-01-01 00:00Z'::timestamptz + make_interval(mins => c.k * c.chunk + x.o + x.duration),
       pick('{cancelled,completed,no_show,expired}'::booking.booking_status[]), NULL
  FROM d_chunk c
 CROSS JOIN LATERAL (SELECT rint(0, c.chunk) AS o, v.s AS svc, v.duration FROM d_service v
                      WHERE v.org_n = c.org_n AND random() < 0.025) AS x;
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, status, hold_expires_at,
                             pickup_point, dropoff_point, currency)
SELECT b.org_id, uid('client', b.org_n), b.resource_id, uid('service', b.org_n, b.svc), b.s, b.e, b.status, b.hold,
       p.p, CASE WHEN p.p IS NULL THEN CASE WHEN random() < 0.3 THEN (SELECT q.p FROM d_point q WHERE q.i = x.j) END  -- a dropoff only
                 WHEN random() < 0.5 THEN p.p WHEN random() < 0.6 THEN (SELECT q.p FROM d_point q WHERE q.i = x.j) END,
       'EUR'
  FROM d_booking b
 CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.03 THEN rint(31, 32) ELSE rint(1, 30) END AS i,
                           CASE WHEN random() < 0.03 THEN rint(31, 32) ELSE rint(1, 30) END AS j WHERE b.k IS NOT NULL) AS x
  LEFT JOIN d_point p ON p.i = x.i AND random() < 0.8
 ORDER BY b.org_n, b.resource_id, b.s, b.status;

-- Sessions: about one per resource and focus date, scheduled or cancelled,
-- at a location (with or without a point) or none, overlapping whatever is
-- there; a seat booking in some of them (ignored: it is the session's).
CREATE TABLE d_session AS
SELECT r.org_n, r.org_id, r.resource_id, row_number() OVER (ORDER BY r.org_n, r.r, f.day)::int AS sn,
       (f.day + '00:00'::time) AT TIME ZONE r.zone + make_interval(mins => rint(-1440, 2880) / 15 * 15) AS s,
       rint(2, 12) * 15 AS len, CASE WHEN random() < 0.8 THEN 'scheduled' ELSE 'cancelled' END::booking.session_status AS status,
       CASE WHEN random() < 0.8 THEN rint(1, 3) END AS loc, rint(1, 5) AS svc
  FROM d_res r
  JOIN (SELECT DISTINCT org_n, day FROM d_focus) f ON f.org_n = r.org_n
 WHERE random() < 0.8;
INSERT INTO booking.session (org_id, id, resource_id, service_id, location_id, title, starts_at, ends_at, capacity, currency, status)
SELECT org_id, uid('session', sn), resource_id, uid('service', org_n, svc), CASE WHEN loc IS NOT NULL THEN uid('loc', org_n, loc) END, 'Session ' || sn,
       s, s + make_interval(mins => len), 8, 'EUR', status
  FROM d_session ORDER BY sn;
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, session_id, starts_at, ends_at, status, currency)
SELECT org_id, uid('client', org_n), resource_id, uid('service', org_n, svc), uid('session', sn),
       s, s + make_interval(mins => len), 'confirmed', 'EUR'
  FROM d_session WHERE sn % 3 = 0 ORDER BY sn;

-- Buffers are stored on bookings at insert: change some services' buffers
-- now, so that stored and current buffers differ (sessions use their
-- service's current ones).
UPDATE d_service SET bb = CASE WHEN random() < 0.5 THEN 0 ELSE pick('{5,10,20}'::int[]) END,
                     ba = CASE WHEN random() < 0.5 THEN 0 ELSE pick('{5,15,30}'::int[]) END
 WHERE random() < 0.3;
UPDATE booking.service v SET buffer_before_minutes = d.bb, buffer_after_minutes = d.ba
  FROM d_service d WHERE v.org_id = d.org_id AND v.id = d.service_id
   AND (v.buffer_before_minutes, v.buffer_after_minutes) IS DISTINCT FROM (d.bb, d.ba);

-- Cases: per org, random resource, active service, range and pickup around
-- a focus date: DST changes (where the zone has them), ordinary dates, near
-- now (notice) and near the end of the horizon.
CREATE TABLE d_case AS
WITH k AS (
  SELECT o.*, i,
         CASE WHEN x < 0.45 AND EXISTS (SELECT FROM d_focus f WHERE f.org_n = o.n AND f.kind = 'dst') THEN 'dst'
              WHEN x < 0.75 THEN 'ordinary' WHEN x < 0.87 THEN 'notice' ELSE 'horizon' END AS kind,
         rint(1, 5) AS r, rint(1, 4) AS svc, random() AS sel, random() AS bnd,
         CASE WHEN random() < 0.3 THEN NULL WHEN random() < 0.05 THEN rint(31, 32) ELSE rint(1, 30) END AS pickup_i,
         CASE WHEN random() < 0.4 THEN rint(60, 1440) WHEN random() < 0.7 THEN rint(1440, 2880) ELSE rint(2880, 5760) END AS len,
         rint(-360, 720) AS off, random() < 0.7 AS round5
    FROM d_org o, generate_series(1, (:cases + 17) / 18) AS i, LATERAL (SELECT random() + i * 0) AS xr(x)
), f AS (
  SELECT k.*, (SELECT f.day FROM d_focus f WHERE f.org_n = k.n AND f.kind = k.kind
                ORDER BY f.day OFFSET floor(k.sel * (SELECT count(*) FROM d_focus g WHERE g.org_n = k.n AND g.kind = k.kind)) LIMIT 1) AS day
    FROM k
), l AS (
  SELECT f.*,
         CASE kind WHEN 'notice' THEN now() + make_interval(mins => off * 2)
                   WHEN 'horizon' THEN now() + make_interval(hours => horizon * 24) - make_interval(mins => off + 720)
                   ELSE (day + '00:00'::time) AT TIME ZONE zone + make_interval(mins => CASE WHEN round5 THEN off / 5 * 5 ELSE off END)
         END AS lo
    FROM f
)
SELECT row_number() OVER (ORDER BY l.n, l.i)::int AS case_n, l.n AS org_n, l.org_id, l.user_id, l.zone, l.kind, l.day,
       uid('res', l.n, l.r) AS resource_id, uid('service', l.n, l.svc) AS service_id,
       tstzrange(l.lo, l.lo + make_interval(mins => l.len),
                 CASE WHEN bnd < 0.75 THEN '[)' WHEN bnd < 0.85 THEN '()' WHEN bnd < 0.95 THEN '[]' ELSE '(]' END) AS during,
       l.pickup_i, (SELECT p.p FROM d_point p WHERE p.i = l.pickup_i) AS pickup, false AS all_resources
  FROM l;
-- Every 25th request again for all resources: booking.find_slots (when
-- it is the C side under test) against the reference for each active
-- resource of the org.
INSERT INTO d_case
SELECT (SELECT max(case_n) FROM d_case) + row_number() OVER (ORDER BY c.case_n), c.org_n, c.org_id, c.user_id, c.zone,
       'find_slots ' || c.kind, c.day, NULL, c.service_id, c.during, c.pickup_i, c.pickup, true
  FROM d_case c
 WHERE c.case_n % 25 = 0 AND :'impl' = 'booking.available_slots' AND to_regproc('booking.find_slots') IS NOT NULL;

-- Bad requests: both sides must refuse them with the same SQLSTATE.
INSERT INTO booking.resource (org_id, id, display_name, active)
SELECT org_id, uid('res', n, 6), 'Inactive ' || n, false FROM d_org ORDER BY n;
INSERT INTO d_case
SELECT (SELECT max(case_n) FROM d_case) + e.i, o.n, o.org_id, o.user_id, o.zone, 'error: ' || e.what, NULL,
       coalesce(e.res, uid('res', o.n, 1)), coalesce(e.svc, uid('service', o.n, 1)), e.during, NULL, NULL, false
  FROM d_org o
 CROSS JOIN (VALUES
   (1, 'empty range', NULL::uuid, NULL::uuid, 'empty'::tstzrange),
   (2, 'unbounded range', NULL, NULL, tstzrange(now(), NULL)),
   (3, 'infinite bound', NULL, NULL, tstzrange('-infinity', now())),
   (4, 'longer than 366 days', NULL, NULL, tstzrange(now(), now() + interval '366 days 1 second')),
   (5, 'NULL range', NULL, NULL, NULL),
   (6, 'inactive service', NULL, uid('service', 1, 5), tstzrange(now(), now() + interval '1 day')),
   (7, 'inactive resource', uid('res', 1, 6), NULL, tstzrange(now(), now() + interval '1 day')),
   (8, 'unknown resource', uid('nothing', 1), NULL, tstzrange(now(), now() + interval '1 day')),
   (9, 'service of another org', NULL, uid('service', 2, 1), tstzrange(now(), now() + interval '1 day')),
   (10, '366 days exactly', NULL, NULL, tstzrange(now(), now() + interval '366 days'))) AS e(i, what, res, svc, during)
 WHERE o.n = 1;

ANALYZE;

-- The comparison runs as an application role that acts for each case's org
-- (row-level security applies to both implementations).
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_differential') THEN
    CREATE ROLE regress_differential;
  END IF;
END $$;
SELECT booking.grant_app_role('regress_differential', trusted => true) \g /dev/null
GRANT USAGE ON SCHEMA slots_ref TO regress_differential;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA slots_ref TO regress_differential;
GRANT SELECT ON d_case, d_service TO regress_differential;
-- A slot of a resource; the results are arrays of them.
CREATE TYPE d_slot AS (resource_id uuid, slot tstzrange);
CREATE TABLE d_result (case_n int PRIMARY KEY, same bool, n_impl int, n_ref int,
                       only_impl d_slot[], only_ref d_slot[], err_impl text, err_ref text,
                       ms_impl float8, ms_ref float8, travel_matters bool,
                       w_tried int, w_accepted int, w_bad text);
GRANT INSERT ON d_result TO regress_differential;

CREATE FUNCTION run_cases(impl text) RETURNS void
  LANGUAGE plpgsql AS $f$
DECLARE
  c record;
  a d_slot[]; b d_slot[]; ea text; eb text; t0 timestamptz; ta float8; tb float8; tm bool;
  st timestamptz; dur interval; offered bool; accepted bool; wt int; wa int; wbad text; we text;
  unpaged text[]; paged text[]; cur text; got int; pr record;
BEGIN
  FOR c IN SELECT * FROM d_case ORDER BY case_n LOOP
    PERFORM booking.act_as(c.org_id, c.user_id);
    a := NULL; b := NULL; ea := NULL; eb := NULL; tm := NULL;
    t0 := clock_timestamp();
    BEGIN
      IF c.all_resources THEN
        SELECT coalesce(array_agg((x.resource_id, tstzrange(x.starts_at, x.ends_at))::d_slot ORDER BY x.resource_id, x.starts_at), '{}')
          INTO a FROM booking.find_slots(c.service_id, c.during, c.pickup, page_size => NULL) AS x;
      ELSE
        -- as returned: available_slots must give them in start order
        EXECUTE format('SELECT coalesce(array_agg((%L::uuid, tstzrange(x.starts_at, x.ends_at))::d_slot), ''{}'') FROM %s($1, $2, $3, $4) AS x',
                       c.resource_id, impl)
          INTO a USING c.resource_id, c.service_id, c.during, c.pickup;
      END IF;
    EXCEPTION WHEN OTHERS THEN ea := SQLSTATE || ' ' || SQLERRM;
    END;
    ta := extract(epoch FROM clock_timestamp() - t0) * 1000;
    t0 := clock_timestamp();
    BEGIN
      IF c.all_resources THEN
        SELECT coalesce(array_agg((r.id, tstzrange(x.starts_at, x.ends_at))::d_slot ORDER BY r.id, x.starts_at), '{}')
          INTO b
          FROM booking.resource r
         CROSS JOIN LATERAL slots_ref.available_slots(r.id, c.service_id, c.during, c.pickup) AS x
         WHERE r.org_id = c.org_id AND r.active;
      ELSE
        SELECT coalesce(array_agg((c.resource_id, tstzrange(x.starts_at, x.ends_at))::d_slot), '{}')
          INTO b FROM slots_ref.available_slots(c.resource_id, c.service_id, c.during, c.pickup) AS x;
      END IF;
    EXCEPTION WHEN OTHERS THEN eb := SQLSTATE || ' ' || SQLERRM;
    END;
    tb := extract(epoch FROM clock_timestamp() - t0) * 1000;
    IF ea IS NULL AND NOT c.all_resources AND a IS DISTINCT FROM ARRAY(SELECT x FROM unnest(a) AS x ORDER BY lower(x.slot)) THEN
      ea := 'not in start order';
    END IF;
    -- find_slots' pages of 7, each after the cursor of the last row of the
    -- page before, are its unpaged list (scores and order included)
    IF ea IS NULL AND c.all_resources THEN
      unpaged := ARRAY(SELECT x.resource_id || ' ' || x.starts_at || ' ' || x.score
                         FROM booking.find_slots(c.service_id, c.during, c.pickup, page_size => NULL) AS x);
      paged := '{}'; cur := NULL;
      LOOP
        got := 0;
        FOR pr IN SELECT * FROM booking.find_slots(c.service_id, c.during, c.pickup, page_size => 7, after_cursor => cur) LOOP
          paged := paged || (pr.resource_id || ' ' || pr.starts_at || ' ' || pr.score);
          cur := pr.page_cursor; got := got + 1;
        END LOOP;
        EXIT WHEN got < 7;
      END LOOP;
      IF paged IS DISTINCT FROM unpaged THEN
        ea := 'pages of 7 are not the unpaged list';
      END IF;
    END IF;
    -- coverage: does the pickup (travel) change the reference's answer?
    IF c.pickup IS NOT NULL AND eb IS NULL AND NOT c.all_resources THEN
      tm := b IS DISTINCT FROM ARRAY(SELECT (c.resource_id, tstzrange(x.starts_at, x.ends_at))::d_slot
                                       FROM slots_ref.available_slots(c.resource_id, c.service_id, c.during) AS x);
    END IF;
    -- The write path decides by the same rules: an appointment (the
    -- case's pickup, no dropoff) at a start whose slot lies in the range is
    -- accepted exactly when the reference offers that slot.  Tried: two
    -- offered starts and three random ones (a third of them off the
    -- 5-minute marks), each rolled back.
    wt := 0; wa := 0; wbad := NULL;
    IF eb IS NULL AND NOT c.all_resources THEN
      SELECT make_interval(mins => v.duration) INTO dur FROM d_service v WHERE v.org_n = c.org_n AND v.service_id = c.service_id;
      FOR st IN
        (SELECT lower(x.slot) FROM unnest(b) AS x ORDER BY random() LIMIT 2)
        UNION ALL
        (SELECT t FROM (SELECT date_trunc('minute', lower(c.during))
                               + make_interval(mins => (random() * extract(epoch FROM upper(c.during) - lower(c.during)) / 60)::int
                                                       / CASE WHEN random() < 0.33 THEN 1 ELSE 5 END
                                                       * CASE WHEN random() < 0.33 THEN 1 ELSE 5 END) AS t
                          FROM generate_series(1, 3)) AS r
          WHERE c.during @> tstzrange(t, t + dur))
      LOOP
        offered := EXISTS (SELECT FROM unnest(b) AS x WHERE lower(x.slot) = st);
        BEGIN
          INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, pickup_point)
          VALUES (uid('client', c.org_n), c.resource_id, c.service_id, st, st + dur, 'EUR', c.pickup);
          RAISE EXCEPTION 'd_accepted';
        EXCEPTION WHEN OTHERS THEN
          accepted := SQLERRM = 'd_accepted';
          we := CASE WHEN NOT accepted THEN SQLSTATE || ' ' || SQLERRM END;
        END;
        wt := wt + 1;
        wa := wa + accepted::int;
        IF offered <> accepted AND wbad IS NULL THEN
          wbad := format('start %s: reference %s, write path %s', st, CASE WHEN offered THEN 'offers it' ELSE 'refuses it' END,
                         coalesce(we, 'accepts it'));
        END IF;
      END LOOP;
    END IF;
    INSERT INTO d_result VALUES (
      c.case_n,
      coalesce((ea IS NULL AND eb IS NULL AND a = b) OR left(ea, 5) = left(eb, 5), false) AND wbad IS NULL,
      cardinality(a), cardinality(b),
      ARRAY(SELECT unnest(a) EXCEPT SELECT unnest(b) ORDER BY 1 LIMIT 5),
      ARRAY(SELECT unnest(b) EXCEPT SELECT unnest(a) ORDER BY 1 LIMIT 5),
      ea, eb, ta, tb, tm, wt, wa, wbad);
  END LOOP;
END
$f$;
GRANT EXECUTE ON FUNCTION run_cases(text) TO regress_differential;

-- Both sides are independent of the session's time zone: run them in an
-- unusual one (UTC+12:45/+13:45).
SET TimeZone = 'Pacific/Chatham';
SELECT '1..' || (SELECT count(*) FROM d_known) + count(*) FROM d_case;
BEGIN;
SET LOCAL ROLE regress_differential;
SELECT run_cases(:'impl') \g /dev/null
COMMIT;
SET TimeZone = 'UTC';

SELECT CASE WHEN k.got = k.want THEN 'ok ' ELSE 'not ok ' END || k.n || ' - ' || k.name
       || CASE WHEN k.got = k.want THEN '' ELSE chr(10) || '#   got:  ' || k.got::text || chr(10) || '#   want: ' || k.want::text END
  FROM d_known k ORDER BY k.n;
SELECT format('%s %s - case %s %s %s%s %s grid %s %smin+%s/%s pickup %s: %s',
              CASE WHEN r.same THEN 'ok' ELSE 'not ok' END, c.case_n + (SELECT count(*) FROM d_known),
              c.case_n, c.zone, c.kind, ' ' || c.day, coalesce(c.during::text, 'NULL'), o.grid,
              coalesce(s.duration::text, '?'), s.bb, s.ba, coalesce(c.pickup_i::text, '-'),
              coalesce(r.n_ref || ' slots', 'error ' || left(r.err_ref, 5)))
  FROM d_case c JOIN d_result r USING (case_n) JOIN d_org o ON o.n = c.org_n
  LEFT JOIN d_service s ON s.org_n = c.org_n AND s.service_id = c.service_id
 ORDER BY c.case_n;

-- The first failures in detail: everything needed to rebuild the case.
SELECT '# case ' || c.case_n || ': resource ' || coalesce(c.resource_id::text, 'all (find_slots)') || ' service ' || c.service_id
       || ' during ' || coalesce(c.during::text, 'NULL') || ' pickup ' || coalesce(ST_AsText(c.pickup::geometry), 'NULL')
       || ' org ' || c.org_id || ' (' || c.zone || ', grid ' || o.grid || ', notice ' || o.notice
       || ', horizon ' || o.horizon || ')' || chr(10)
       || '#   ' || CASE WHEN c.all_resources THEN 'booking.find_slots' ELSE :'impl' END || ': ' || coalesce(r.err_impl, r.n_impl || ' slots') || chr(10)
       || '#   slots_ref.available_slots: ' || coalesce(r.err_ref, r.n_ref || ' slots') || chr(10)
       || '#   only in ' || CASE WHEN c.all_resources THEN 'booking.find_slots' ELSE :'impl' END || ': ' || coalesce(array_to_string(r.only_impl, ' '), '') || chr(10)
       || '#   only in the reference: ' || coalesce(array_to_string(r.only_ref, ' '), '')
       || coalesce(chr(10) || '#   write path: ' || r.w_bad, '')
  FROM d_case c JOIN d_result r USING (case_n) JOIN d_org o ON o.n = c.org_n
 WHERE NOT r.same
 ORDER BY c.case_n LIMIT 10;

SELECT format('# seed %s, anchor %s, now() %s: %s cases, %s with slots (%s DST, %s notice, %s horizon), %s slots in total, %s cases with an error on both sides',
              :seed, :'anchor', (SELECT min(now()) FROM d_case), count(*),
              count(*) FILTER (WHERE r.n_ref > 0), count(*) FILTER (WHERE r.n_ref > 0 AND c.kind = 'dst'),
              count(*) FILTER (WHERE r.n_ref > 0 AND c.kind = 'notice'), count(*) FILTER (WHERE r.n_ref > 0 AND c.kind = 'horizon'),
              coalesce(sum(r.n_ref), 0), count(*) FILTER (WHERE r.err_impl IS NOT NULL AND r.err_ref IS NOT NULL))
  FROM d_case c JOIN d_result r USING (case_n);
SELECT format('# coverage: travel from or to a pickup changes the answer in %s of the %s cases with a pickup',
              count(*) FILTER (WHERE travel_matters), count(travel_matters)) FROM d_result;
SELECT format('# write path: %s appointments tried in %s cases (%s accepted), %s disagreeing with the reference',
              sum(w_tried), count(*) FILTER (WHERE w_tried > 0), sum(w_accepted), count(w_bad)) FROM d_result;
SELECT format('# data: %s orgs, %s resources, %s weekly rows, %s exceptions, %s bookings, %s sessions, %s cached travel times',
              (SELECT count(*) FROM booking.org), (SELECT count(*) FROM booking.resource), (SELECT count(*) FROM booking.working_hours),
              (SELECT count(*) FROM booking.availability_exception), (SELECT count(*) FROM booking.booking),
              (SELECT count(*) FROM booking.session), (SELECT count(*) FROM booking.travel_time_cache));
SELECT format('# time: %s %s ms, slots_ref.available_slots %s ms (sum over the cases)',
              :'impl', round(sum(ms_impl)::numeric), round(sum(ms_ref)::numeric)) FROM d_result;
SELECT format('# differential all passed=%s failed=%s',
              count(*) FILTER (WHERE same) + (SELECT count(*) FILTER (WHERE got = want) FROM d_known),
              count(*) FILTER (WHERE NOT same) + (SELECT count(*) FILTER (WHERE got IS DISTINCT FROM want) FROM d_known))
  FROM d_result;
