-- The availability solver: daylight-saving days in four zones, breaks,
-- exceptions, buffers, travel, the daily maximum, notice, explanations,
-- free time, find_slots, and bad input.  Dates are next year's, so that the
-- output does not depend on the day the test runs; times are shown local.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\i test/sql/include/try.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000000a9', 'admin.solver@example.com', 'Admin');
INSERT INTO booking.org (id, name, time_zone, currency, min_notice_minutes, booking_horizon_days, slot_step_minutes)
SELECT ('00000000-0000-0000-0000-00000000000' || n)::uuid, z, z, 'EUR', 0, 730, 30
  FROM (VALUES (1, 'Europe/Berlin'), (2, 'America/New_York'), (3, 'Australia/Lord_Howe'), (4, 'Asia/Kolkata')) AS t(n, z);
INSERT INTO booking.membership (org_id, user_id, role)
SELECT id, '00000000-0000-0000-0000-0000000000a9', 'admin' FROM booking.org WHERE id::text LIKE '00000000-0000-0000-0000-00000000000_' AND name LIKE '%/%';
-- one resource and one 60-minute service per org, ids ...e<n> and ...f<n>
INSERT INTO booking.resource (org_id, id, display_name)
SELECT org_id, ('00000000-0000-0000-0000-0000000000e' || right(org_id::text, 1))::uuid, 'R' FROM booking.membership WHERE user_id = '00000000-0000-0000-0000-0000000000a9';
INSERT INTO booking.service (org_id, id, name, duration_minutes, free)
SELECT org_id, ('00000000-0000-0000-0000-0000000000f' || right(org_id::text, 1))::uuid, 'Lesson', 60, true FROM booking.membership WHERE user_id = '00000000-0000-0000-0000-0000000000a9';
-- working 00:30-05:00 every day: the early hours where clocks change
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT r.org_id, r.id, wd, '[00:30,05:00)' FROM booking.resource r, generate_series(1, 7) wd WHERE r.org_id IN (SELECT org_id FROM booking.membership WHERE user_id = '00000000-0000-0000-0000-0000000000a9');

-- next year's change days: EU last Sunday of March and October, US second
-- Sunday of March and first of November, Lord Howe first Sunday of April
-- and October
CREATE TEMP TABLE change_day AS
WITH y AS (SELECT extract(year FROM now())::int + 1 AS y),
sundays AS (SELECT d::date AS d FROM y, generate_series(make_date(y, 1, 1), make_date(y, 12, 31), '1 day') d
             WHERE extract(isodow FROM d) = 7)
SELECT 'Europe/Berlin' AS zone, 'spring' AS kind, max(d) AS day FROM sundays WHERE extract(month FROM d) = 3
UNION ALL SELECT 'Europe/Berlin', 'fall', max(d) FROM sundays WHERE extract(month FROM d) = 10
UNION ALL SELECT 'America/New_York', 'spring', (array_agg(d ORDER BY d))[2] FROM sundays WHERE extract(month FROM d) = 3
UNION ALL SELECT 'America/New_York', 'fall', min(d) FROM sundays WHERE extract(month FROM d) = 11
UNION ALL SELECT 'Australia/Lord_Howe', 'fall', min(d) FROM sundays WHERE extract(month FROM d) = 4
UNION ALL SELECT 'Australia/Lord_Howe', 'spring', min(d) FROM sundays WHERE extract(month FROM d) = 10
UNION ALL SELECT 'Asia/Kolkata', 'none', min(d) FROM sundays WHERE extract(month FROM d) = 3;
GRANT SELECT ON change_day TO PUBLIC;

CREATE ROLE regress_solver_app;
SELECT booking.grant_app_role('regress_solver_app', true);
SET ROLE regress_solver_app;

-- The slots of each change day, as local wall-clock starts with their UTC
-- offset, and whether they are exactly PostgreSQL's own (date + time) AT
-- TIME ZONE of the 30-minute grid inside 00:30-05:00 (the hours mapped the
-- same way, a start counted once however many local times map to it).
CREATE FUNCTION pg_temp.day_report(org_n int) RETURNS TABLE (zone text, kind text, local_starts text, agrees bool)
LANGUAGE plpgsql AS $$
DECLARE
  o uuid := ('00000000-0000-0000-0000-00000000000' || org_n)::uuid;
  c record;
BEGIN
  PERFORM booking.act_as(o, '00000000-0000-0000-0000-0000000000a9');
  FOR c IN SELECT * FROM change_day cd WHERE cd.zone = (SELECT time_zone FROM booking.org WHERE id = o) ORDER BY cd.kind LOOP
    zone := c.zone; kind := c.kind;
    SELECT string_agg(to_char(s.starts_at AT TIME ZONE c.zone, 'HH24:MI') || CASE WHEN s.starts_at AT TIME ZONE c.zone < s.starts_at AT TIME ZONE 'UTC' THEN '-' ELSE '+' END
                      || to_char(greatest(s.starts_at AT TIME ZONE c.zone - s.starts_at AT TIME ZONE 'UTC',
                                         s.starts_at AT TIME ZONE 'UTC' - s.starts_at AT TIME ZONE c.zone), 'HH24:MI'), ' ' ORDER BY s.starts_at)
      INTO local_starts
      FROM booking.available_slots(('00000000-0000-0000-0000-0000000000e' || org_n)::uuid, ('00000000-0000-0000-0000-0000000000f' || org_n)::uuid,
                                   tstzrange((c.day - 1)::timestamp AT TIME ZONE c.zone, (c.day + 2)::timestamp AT TIME ZONE c.zone)) s
     WHERE (s.starts_at AT TIME ZONE c.zone)::date = c.day;
    SELECT (SELECT array_agg(s.starts_at ORDER BY s.starts_at)
              FROM booking.available_slots(('00000000-0000-0000-0000-0000000000e' || org_n)::uuid, ('00000000-0000-0000-0000-0000000000f' || org_n)::uuid,
                                           tstzrange(c.day::timestamp AT TIME ZONE c.zone, (c.day + 1)::timestamp AT TIME ZONE c.zone)) s)
           IS NOT DISTINCT FROM
           (SELECT array_agg(DISTINCT st ORDER BY st)
              FROM generate_series(c.day::timestamp, c.day + interval '23:30', interval '30 minutes') lt,
                   LATERAL (SELECT lt AT TIME ZONE c.zone AS st) x
             WHERE st >= (c.day + time '00:30') AT TIME ZONE c.zone
               AND st + interval '1 hour' <= (c.day + time '05:00') AT TIME ZONE c.zone)
      INTO agrees;
    RETURN NEXT;
  END LOOP;
END $$;
BEGIN;
SELECT r.* FROM generate_series(1, 4) n, pg_temp.day_report(n) r;
COMMIT;

-- Rules on an ordinary Berlin day: hours with a break, a booking with a
-- buffer, travel to and from it, an exception, the daily maximum.
RESET ROLE;
UPDATE booking.working_hours SET hours = '[09:00,17:00)', break = '[12:00,13:00)', max_bookings_per_day = 2,
                                 travel_buffer_minutes = 15
 WHERE org_id = '00000000-0000-0000-0000-000000000001';
UPDATE booking.service SET buffer_after_minutes = 10 WHERE org_id = '00000000-0000-0000-0000-000000000001';
INSERT INTO booking.client (org_id, id, full_name) VALUES ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000c1', 'Student');
CREATE TEMP TABLE berlin AS
SELECT (SELECT day FROM change_day WHERE zone = 'Europe/Berlin' AND kind = 'spring') + 9 AS day;  -- a Tuesday
GRANT SELECT ON berlin TO PUBLIC;
INSERT INTO booking.booking (org_id, resource_id, service_id, client_id, starts_at, ends_at, status, currency, pickup_point, dropoff_point)
SELECT '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
       '00000000-0000-0000-0000-0000000000c1', (day + time '10:00') AT TIME ZONE 'Europe/Berlin',
       (day + time '11:00') AT TIME ZONE 'Europe/Berlin', 'confirmed', 'EUR', 'POINT(13.4132 52.5219)', 'POINT(13.4132 52.5219)'
  FROM berlin;
INSERT INTO booking.availability_exception (org_id, resource_id, on_date, available, hours)
SELECT '00000000-0000-0000-0000-000000000001'::uuid, '00000000-0000-0000-0000-0000000000e1'::uuid, day + 1, true, '{[14:00,16:00)}'::booking.timemultirange FROM berlin
UNION ALL
SELECT '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000e1', day + 2, false, NULL FROM berlin;
SET ROLE regress_solver_app;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a9') IS NOT NULL AS acting;
-- without a pickup: the buffer (10 after) and the travel buffer (15) decide
SELECT (starts_at AT TIME ZONE 'Europe/Berlin')::date - (SELECT day FROM berlin) AS day, string_agg(to_char(starts_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI'), ' ' ORDER BY starts_at) AS starts
  FROM booking.available_slots('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                               (SELECT tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 3)::timestamp AT TIME ZONE 'Europe/Berlin') FROM berlin))
 GROUP BY 1 ORDER BY 1;
-- with a pickup at Potsdam, about an hour's drive away from the booking at Alexanderplatz
SELECT string_agg(to_char(starts_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI'), ' ' ORDER BY starts_at) AS starts_from_potsdam
  FROM booking.available_slots('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                               (SELECT tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 1)::timestamp AT TIME ZONE 'Europe/Berlin') FROM berlin),
                               'POINT(13.0645 52.3906)');
-- every refused start has its reasons; an offered one is bookable
SELECT t AS local_start, e.reason, regexp_replace(e.detail, '\d{4}-\d\d-\d\d ', '', 'g') AS detail, e.booking_id IS NOT NULL AS names_booking
  FROM berlin, unnest('{08:30,09:00,09:45,10:30,11:15,11:30,12:30,13:00,13:10}'::time[]) t,
       booking.explain_slot('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                            (day + t) AT TIME ZONE 'Europe/Berlin', 'POINT(13.0645 52.3906)') e
 ORDER BY t, e.reason;
-- the explanation and the enumeration agree at every start of the grid, with and without a pickup
SELECT p IS NOT NULL AS with_pickup, count(*) AS starts,
       count(*) FILTER (WHERE (e.reason = 'bookable') = (s.starts_at IS NOT NULL)) AS agree
  FROM berlin, (VALUES (NULL::geography), ('POINT(13.0645 52.3906)')) AS pk(p),
       generate_series(day::timestamp, day + interval '2 days 23:45', interval '15 minutes') lt,
       LATERAL (SELECT reason FROM booking.explain_slot('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                                                        lt AT TIME ZONE 'Europe/Berlin', p) LIMIT 1) e
       LEFT JOIN LATERAL (SELECT starts_at FROM booking.available_slots('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                                          tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 3)::timestamp AT TIME ZONE 'Europe/Berlin'), p) x
                           WHERE x.starts_at = lt AT TIME ZONE 'Europe/Berlin') s ON true
 GROUP BY 1 ORDER BY 1;
-- free time: hours minus the break minus the booking with its buffer
SELECT (lower(r) AT TIME ZONE 'Europe/Berlin')::date - day AS day,
       to_char(lower(r) AT TIME ZONE 'Europe/Berlin', 'HH24:MI') || '-' || to_char(upper(r) AT TIME ZONE 'Europe/Berlin', 'HH24:MI') AS free
  FROM berlin, unnest(booking.free_time('00000000-0000-0000-0000-0000000000e1',
                      tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 3)::timestamp AT TIME ZONE 'Europe/Berlin'))) r
 ORDER BY lower(r);
-- find_slots: best first (no travel and no idle time before after)
SELECT to_char(starts_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI') AS local_start, travel_minutes_before, travel_minutes_after, idle_minutes, score
  FROM berlin, booking.find_slots('00000000-0000-0000-0000-0000000000f1',
                                  tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 1)::timestamp AT TIME ZONE 'Europe/Berlin'),
                                  'POINT(13.4 52.52)')
 LIMIT 4;
-- exception hours with an open bound run from 00:00 or to 24:00
UPDATE booking.availability_exception SET hours = '{[15:00,)}' WHERE on_date = (SELECT day + 1 FROM berlin);
SELECT string_agg(to_char(starts_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI'), ' ' ORDER BY starts_at) AS open_ended_exception
  FROM berlin, booking.available_slots('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                                       tstzrange((day + 1)::timestamp AT TIME ZONE 'Europe/Berlin', (day + 2)::timestamp AT TIME ZONE 'Europe/Berlin'));
-- the daily maximum of 2: a second booking closes the day
INSERT INTO booking.booking (resource_id, service_id, client_id, starts_at, ends_at, status, currency)
SELECT '00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000c1',
       (day + time '15:00') AT TIME ZONE 'Europe/Berlin', (day + time '16:00') AT TIME ZONE 'Europe/Berlin', 'confirmed', 'EUR'
  FROM berlin;
SELECT count(*) AS slots_after_maximum FROM berlin,
       booking.available_slots('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                               tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 1)::timestamp AT TIME ZONE 'Europe/Berlin'));
SELECT reason, regexp_replace(detail, '\d{4}-\d\d-\d\d ', '', 'g') AS detail FROM berlin, booking.explain_slot('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                                                        (day + time '09:00') AT TIME ZONE 'Europe/Berlin');
ROLLBACK;

-- The solver plans its queries once per backend and keeps the plans; a
-- change of a table they read replans them.  Here the busy items lose the
-- index they are read through: the same answer as above, no error.
RESET ROLE;
BEGIN;
ALTER TABLE booking.booking DROP CONSTRAINT booking_no_overlap;
SET LOCAL ROLE regress_solver_app;
SELECT booking.act_as('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a9') IS NOT NULL AS acting;
SELECT string_agg(to_char(starts_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI'), ' ' ORDER BY starts_at) AS starts_without_the_index
  FROM berlin, booking.available_slots('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f1',
                                       tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 1)::timestamp AT TIME ZONE 'Europe/Berlin'));
ROLLBACK;
SET ROLE regress_solver_app;

-- notice and horizon are relative to now
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-0000000000a9') IS NOT NULL AS acting;
SELECT bool_or(reason = 'notice') AS yesterday_is_inside_notice
  FROM booking.explain_slot('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', now() - interval '1 day');
SELECT bool_or(reason = 'horizon') AS in_1000_days_is_beyond_horizon
  FROM booking.explain_slot('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', now() + interval '1000 days');

-- bad input
SELECT what, pg_temp.try(sql) AS result FROM (VALUES
  ('empty range', $$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', 'empty')$$),
  ('infinite range', $$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', tstzrange(now(), NULL))$$),
  ('367 days', $$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', tstzrange(now(), now() + interval '367 days'))$$),
  ('4713 BC to 294276 AD', $$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', tstzrange('4713-01-01 00:00+00 BC', '294276-12-31 00:00+00'))$$),
  ('free_time over every date', $$SELECT booking.free_time('00000000-0000-0000-0000-0000000000e4', tstzrange('4713-01-01 00:00+00 BC', '294276-12-31 00:00+00'))$$),
  ('unknown resource', $$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000ff', '00000000-0000-0000-0000-0000000000f4', tstzrange(now(), now() + interval '1 day'))$$),
  ('other org''s service', $$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f1', tstzrange(now(), now() + interval '1 day'))$$),
  ('null resource', $$SELECT booking.available_slots(NULL, '00000000-0000-0000-0000-0000000000f4', tstzrange(now(), now() + interval '1 day'))$$),
  ('bad pickup', $$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', tstzrange(now(), now() + interval '1 day'), 'POINT EMPTY')$$),
  ('find_slots null', $$SELECT booking.find_slots(NULL, tstzrange(now(), now() + interval '1 day'))$$),
  ('explain infinity', $$SELECT booking.explain_slot('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', 'infinity')$$)) AS t(what, sql);
COMMIT;
SELECT pg_temp.try($$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', tstzrange(now(), now() + interval '1 day'))$$) AS without_identity;
RESET ROLE;
UPDATE booking.service SET active = false WHERE org_id = '00000000-0000-0000-0000-000000000004';
UPDATE booking.resource SET active = false WHERE org_id = '00000000-0000-0000-0000-000000000003';
SET ROLE regress_solver_app;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-0000000000a9') IS NOT NULL AS acting;
SELECT pg_temp.try($$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e4', '00000000-0000-0000-0000-0000000000f4', tstzrange(now(), now() + interval '1 day'))$$) AS inactive_service;
SELECT booking.act_as('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-0000000000a9') IS NOT NULL AS acting;
SELECT pg_temp.try($$SELECT booking.available_slots('00000000-0000-0000-0000-0000000000e3', '00000000-0000-0000-0000-0000000000f3', tstzrange(now(), now() + interval '1 day'))$$) AS inactive_resource;
-- statement_timeout cancels a long request promptly
SET LOCAL statement_timeout = '50ms';
SELECT booking.act_as('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a9') IS NOT NULL AS acting;
\set VERBOSITY terse
SELECT count(*) FROM generate_series(1, 100000) g,
  booking.find_slots('00000000-0000-0000-0000-0000000000f1', tstzrange(now() + g * interval '1 minute', now() + interval '366 days'));
\set VERBOSITY default
ROLLBACK;
RESET ROLE;
DROP OWNED BY regress_solver_app;
DROP ROLE regress_solver_app;
DELETE FROM booking.org WHERE name IN ('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata');
DELETE FROM booking.app_user WHERE id = '00000000-0000-0000-0000-0000000000a9';
