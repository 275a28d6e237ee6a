-- Every transition of every zone PostgreSQL ships, 1970-2037 (issue 16).
--
-- The days whose length is not 24 hours (a transition lies in them: skipped,
-- repeated, shorter or longer days, midnights that do not exist or happen
-- twice) are found from weekly samples of each zone's UTC offset, refined
-- day by day.  Zones with the same transition days, lengths and midnights
-- answer the same (the solver reads only offsets), so one zone of each such
-- group is walked; zones without a transition in the period get one
-- ordinary day per UTC offset.  For each day, available_slots over the day
-- and two hours either side, with weekly windows that touch 00:00, 01:00,
-- 02:00, 03:00, 23:00 and 24:00 (two with a break) on a 30-minute grid,
-- must answer (no error), and every slot is checked against the documented
-- rules with AT TIME ZONE: its start and its last instant have the same
-- local date d (s AT TIME ZONE zone); it is (d + k * 30 min) AT
-- TIME ZONE zone for that day; [s, e) lies inside the union of that day's
-- windows minus their breaks, each mapped with AT TIME ZONE (24:00: the
-- next midnight).  A seeded sample of 1,000 days is
-- compared in full with the SQL reference (test/reference).  The clock is
-- set per day with booking.solver_now, so past dates have slots.
-- Nothing printed depends on the clock or on the tz data's version.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\set ECHO none
\i test/reference/slots_reference.sql
\set ECHO all

CREATE TEMP TABLE tz_week AS
WITH w AS (
  SELECT z.name, t, (t AT TIME ZONE z.name) - (t AT TIME ZONE 'UTC') AS off
    FROM pg_timezone_names z, generate_series('1969-12-25'::timestamptz, '2038-01-08', '7 days') t)
SELECT name, t, off, lag(off) OVER (PARTITION BY name ORDER BY t) AS prev FROM w;
CREATE TEMP TABLE tz_day AS
SELECT DISTINCT c.name AS zone, d.day
  FROM tz_week c
 CROSS JOIN LATERAL generate_series(((c.t - interval '8 days') AT TIME ZONE c.name)::date, ((c.t + interval '1 day') AT TIME ZONE c.name)::date, interval '1 day') AS g(x)
 CROSS JOIN LATERAL (SELECT g.x::date AS day) d
 WHERE c.off <> c.prev
   AND ((d.day + 1)::timestamp AT TIME ZONE c.name) - (d.day::timestamp AT TIME ZONE c.name) <> interval '24 hours'
   AND d.day BETWEEN '1970-01-01' AND '2037-12-31';
-- zones with the same transition days and offsets answer the same
CREATE TEMP TABLE tz_sig AS
SELECT name AS zone, 'none ' || (('2030-07-01'::timestamp AT TIME ZONE name) - '2030-07-01'::timestamp AT TIME ZONE 'UTC')::text AS sig
  FROM pg_timezone_names WHERE name NOT IN (SELECT zone FROM tz_day)
UNION ALL
SELECT zone, md5(string_agg(day::text || '/' || (((day + 1)::timestamp AT TIME ZONE zone) - (day::timestamp AT TIME ZONE zone))::text || '/' || (day::timestamp AT TIME ZONE zone)::text, ',' ORDER BY day)) AS sig
  FROM tz_day GROUP BY zone;
CREATE TEMP TABLE tz_zone AS
SELECT row_number() OVER (ORDER BY min(zone))::int AS n, min(zone) AS zone FROM tz_sig GROUP BY sig;
INSERT INTO booking.app_user (id, email, full_name) VALUES ('00000000-0000-0000-0000-00000000a916', 'walk@example.com', 'Walker');
INSERT INTO booking.org (id, name, time_zone, currency, min_notice_minutes, booking_horizon_days, slot_step_minutes)
SELECT ('00000000-0000-0000-0916-' || lpad(n::text, 12, '0'))::uuid, 'walk ' || zone, zone, 'EUR', 0, 10, 30 FROM tz_zone;
INSERT INTO booking.membership (org_id, user_id, role)
SELECT ('00000000-0000-0000-0916-' || lpad(n::text, 12, '0'))::uuid, '00000000-0000-0000-0000-00000000a916', 'admin' FROM tz_zone;
INSERT INTO booking.resource (org_id, id, display_name)
SELECT ('00000000-0000-0000-0916-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-0000-0e16-' || lpad(n::text, 12, '0'))::uuid, 'R' FROM tz_zone;
INSERT INTO booking.service (org_id, id, name, duration_minutes, free)
SELECT ('00000000-0000-0000-0916-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-0000-0f16-' || lpad(n::text, 12, '0'))::uuid, 'S', 60, true FROM tz_zone;
CREATE TEMP TABLE walk_window (lo time, hi time, blo time, bhi time);
INSERT INTO walk_window VALUES ('00:00', '01:00', NULL, NULL), ('01:00', '03:00', '02:00', '02:30'),
  ('03:00', '12:00', NULL, NULL), ('13:00', '23:30', '23:00', '23:15'), ('23:30', '24:00', NULL, NULL);
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, break)
SELECT ('00000000-0000-0000-0916-' || lpad(n::text, 12, '0'))::uuid, ('00000000-0000-0000-0e16-' || lpad(n::text, 12, '0'))::uuid,
       wd, booking.timerange(w.lo, w.hi), CASE WHEN w.blo IS NOT NULL THEN booking.timerange(w.blo, w.bhi) END
  FROM tz_zone, generate_series(1, 7) wd, walk_window w;
CREATE TEMP TABLE walk_case AS
SELECT z.n, z.zone, d.day FROM tz_zone z JOIN tz_day d USING (zone)
UNION ALL
SELECT z.n, z.zone, '2030-07-01'::date FROM tz_zone z WHERE z.zone NOT IN (SELECT zone FROM tz_day);
CREATE TEMP TABLE walk_slot (n int, day date, s timestamptz, e timestamptz);
CREATE TEMP TABLE walk_error (n int, day date, err text);
DO $$
DECLARE c record; cur int := -1;
BEGIN
  FOR c IN SELECT * FROM walk_case ORDER BY n, day LOOP
    IF c.n <> cur THEN
      PERFORM booking.act_as(('00000000-0000-0000-0916-' || lpad(c.n::text, 12, '0'))::uuid, '00000000-0000-0000-0000-00000000a916');
      cur := c.n;
    END IF;
    PERFORM set_config('booking.solver_now', ((c.day - 3)::timestamp AT TIME ZONE 'UTC')::text, true);
    BEGIN
      INSERT INTO walk_slot
      SELECT c.n, c.day, a.starts_at, a.ends_at
        FROM booking.available_slots(('00000000-0000-0000-0e16-' || lpad(c.n::text, 12, '0'))::uuid,
                                     ('00000000-0000-0000-0f16-' || lpad(c.n::text, 12, '0'))::uuid,
                                     tstzrange((c.day::timestamp AT TIME ZONE c.zone) - interval '2 hours', ((c.day + 1)::timestamp AT TIME ZONE c.zone) + interval '2 hours')) a;
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO walk_error VALUES (c.n, c.day, SQLSTATE || ': ' || SQLERRM);
    END;
  END LOOP;
END $$;
-- the days around each case, with their first instants: the instants of a
-- local date d are those t with (t AT TIME ZONE zone)::date = d, from
-- (d + 00:00) AT TIME ZONE zone, or earlier when the instant before it is
-- already on d (midnight twice), to the next date's first instant
CREATE FUNCTION pg_temp.first_instant(d date, zone text) RETURNS timestamptz LANGUAGE sql AS $$
  SELECT CASE WHEN ((a - interval '1 microsecond') AT TIME ZONE zone)::date >= d
              THEN (d - (((a - interval '1 microsecond') AT TIME ZONE zone) - ((a - interval '1 microsecond') AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC'
              ELSE a END
    FROM (SELECT d::timestamp AT TIME ZONE zone AS a) x $$;
CREATE TEMP TABLE walk_day AS
SELECT DISTINCT c.n, c.zone, c.day + k AS d,
       pg_temp.first_instant(c.day + k, c.zone) AS lo, pg_temp.first_instant(c.day + k + 1, c.zone) AS hi
  FROM walk_case c, generate_series(-1, 1) k;
CREATE TEMP TABLE walk_map AS
SELECT wd.n, wd.d, (wd.d + w.lo) AT TIME ZONE wd.zone AS wlo,
       CASE WHEN w.hi = '24:00' THEN wd.hi ELSE (wd.d + w.hi) AT TIME ZONE wd.zone END AS whi,
       (wd.d + w.blo) AT TIME ZONE wd.zone AS blo, (wd.d + w.bhi) AT TIME ZONE wd.zone AS bhi
  FROM walk_day wd, walk_window w;
CREATE TEMP TABLE walk_grid AS
SELECT DISTINCT wd.n, wd.d, (wd.d + make_interval(mins => 30 * k)) AT TIME ZONE wd.zone AS s
  FROM walk_day wd, generate_series(0, 47) k;
ANALYZE walk_day; ANALYZE walk_map; ANALYZE walk_grid; ANALYZE walk_slot;
-- a slot's day is the local date of its start; its last instant has the
-- same local date (a slot never spans two local days)
CREATE TEMP TABLE walk_sd AS
SELECT sl.n, sl.day, sl.s, sl.e, wd.d, wd.lo, wd.hi
  FROM walk_slot sl
  JOIN tz_zone z USING (n)
  JOIN walk_day wd ON wd.n = sl.n AND wd.d = (sl.s AT TIME ZONE z.zone)::date
 WHERE ((sl.e - interval '1 microsecond') AT TIME ZONE z.zone)::date = wd.d
   AND sl.s >= wd.lo AND sl.e <= wd.hi;
ANALYZE walk_sd;
CREATE TEMP TABLE walk_open AS
SELECT wd.n, wd.d,
       range_agg(tstzmultirange(CASE WHEN m.whi > m.wlo THEN tstzrange(m.wlo, m.whi) ELSE 'empty' END)
                 - tstzmultirange(CASE WHEN m.bhi > m.blo THEN tstzrange(m.blo, m.bhi) ELSE 'empty' END))
         * tstzmultirange(tstzrange(wd.lo, wd.hi)) AS open
  FROM walk_day wd JOIN walk_map m USING (n, d)
 GROUP BY wd.n, wd.d, wd.lo, wd.hi;
ANALYZE walk_open;
SELECT setseed(0.16);
-- 1,000 random days, and the skipped date of Pacific/Apia
CREATE TEMP TABLE walk_sample AS
SELECT * FROM (SELECT * FROM walk_case ORDER BY random() LIMIT 1000) x
UNION
SELECT c.* FROM walk_case c WHERE c.zone = 'Pacific/Apia' AND c.day = '2011-12-30';
CREATE TEMP TABLE walk_cmp (n int, day date, same bool);
DO $$
DECLARE c record; cur int := -1; r tstzrange; a timestamptz[]; b timestamptz[];
BEGIN
  FOR c IN SELECT * FROM walk_sample ORDER BY n, day LOOP
    IF c.n <> cur THEN
      PERFORM booking.act_as(('00000000-0000-0000-0916-' || lpad(c.n::text, 12, '0'))::uuid, '00000000-0000-0000-0000-00000000a916');
      cur := c.n;
    END IF;
    PERFORM set_config('booking.solver_now', ((c.day - 3)::timestamp AT TIME ZONE 'UTC')::text, true);
    r := tstzrange((c.day::timestamp AT TIME ZONE c.zone) - interval '2 hours', ((c.day + 1)::timestamp AT TIME ZONE c.zone) + interval '2 hours');
    SELECT array_agg(starts_at ORDER BY starts_at) INTO a
      FROM booking.available_slots(('00000000-0000-0000-0e16-' || lpad(c.n::text, 12, '0'))::uuid,
                                   ('00000000-0000-0000-0f16-' || lpad(c.n::text, 12, '0'))::uuid, r);
    SELECT array_agg(starts_at ORDER BY starts_at) INTO b
      FROM slots_ref.available_slots(('00000000-0000-0000-0e16-' || lpad(c.n::text, 12, '0'))::uuid,
                                     ('00000000-0000-0000-0f16-' || lpad(c.n::text, 12, '0'))::uuid, r);
    INSERT INTO walk_cmp VALUES (c.n, c.day, a IS NOT DISTINCT FROM b);
  END LOOP;
END $$;

-- the findings
SELECT (SELECT count(*) FROM walk_case) > 15000 AS many_days,
       (SELECT count(DISTINCT zone) FROM tz_sig) = (SELECT count(*) FROM pg_timezone_names) AS every_zone,
       (SELECT count(*) FROM walk_error) AS errors,
       (SELECT count(*) FROM walk_slot) > 500000 AS many_slots;
SELECT count(*) FILTER (WHERE k <> 1) AS not_in_one_day
  FROM (SELECT count(sd.d) AS k FROM walk_slot sl LEFT JOIN walk_sd sd USING (n, day, s) GROUP BY sl.n, sl.day, sl.s) x;
SELECT count(*) AS off_grid
  FROM walk_sd sd WHERE NOT EXISTS (SELECT FROM walk_grid g WHERE g.n = sd.n AND g.d = sd.d AND g.s = sd.s);
SELECT count(*) AS outside_open
  FROM walk_sd sd JOIN walk_open o USING (n, d) WHERE NOT o.open @> tstzrange(sd.s, sd.e);
-- Pacific/Apia skipped 2011-12-30: its case answers with the slots of the
-- 29th and the 31st around it (the range is the empty day and two hours
-- either side); America/Havana's double midnight (Sunday 2027-11-07) makes
-- Saturday 25 hours long, and that day is walked too
SELECT to_char(sl.s AT TIME ZONE 'Pacific/Apia', 'YYYY-MM-DD HH24:MI') AS apia_local_start
  FROM walk_slot sl JOIN tz_zone z USING (n)
 WHERE z.zone = 'Pacific/Apia' AND sl.day = '2011-12-30' ORDER BY sl.s;
SELECT EXISTS (SELECT FROM walk_case c JOIN tz_sig s USING (zone) WHERE c.day = '2027-11-06'
                 AND s.sig = (SELECT sig FROM tz_sig WHERE zone = 'America/Havana')) AS havana;

-- the sample against the reference
SELECT count(*) >= 1000 AS sampled, count(*) FILTER (WHERE NOT same) AS differ FROM walk_cmp;

-- the write path's locks: two writers that share no lock write appointments
-- at least two whole local days apart; two consecutive days are never
-- shorter than 24 hours together (so travel counted up to 1,440 minutes and
-- travel buffers up to 1,440 minutes are always seen by one of them)
SELECT count(*) AS short_pairs
  FROM walk_day a JOIN walk_day b ON b.n = a.n AND b.d = a.d + 1
 WHERE b.hi - a.lo < interval '24 hours';

RESET booking.solver_now;
DELETE FROM booking.org WHERE id IN (SELECT ('00000000-0000-0000-0916-' || lpad(n::text, 12, '0'))::uuid FROM tz_zone);
DELETE FROM booking.app_user WHERE id = '00000000-0000-0000-0000-00000000a916';
DROP SCHEMA slots_ref CASCADE;
