-- The solver's rules where issue 16 found the README and the code apart:
-- a dropoff without a pickup, exclusive and open bounds of exception hours,
-- NULL arguments of free_time, travel longer than a day, sessions and the
-- daily maximum, exception days and the weekday's limits, a skipped date, a
-- midnight that happens twice, a window ending in a skipped hour.
-- The solver's clock is fixed with booking.solver_now (superuser), so the
-- dates are explicit and the output does not depend on the day it runs.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\i test/sql/include/try.psql
SET booking.solver_now = '2030-01-01 00:00+00';

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000016a1', 'admin.rules@example.com', 'Admin');
INSERT INTO booking.org (id, name, time_zone, currency, min_notice_minutes, booking_horizon_days, slot_step_minutes) VALUES
  ('00000000-0000-0000-0000-000000001601', 'rules UTC', 'UTC', 'EUR', 0, 3660, 15),
  ('00000000-0000-0000-0000-000000001602', 'rules Apia', 'Pacific/Apia', 'EUR', 0, 3660, 60);
INSERT INTO booking.membership (org_id, user_id, role)
SELECT id, '00000000-0000-0000-0000-0000000016a1', 'admin' FROM booking.org WHERE name LIKE 'rules %';
-- resources ...16e1 (every day 00:00-24:00), ...16e2 (Mondays 08:00-12:00, at
-- most one booking), ...16e3 (Mondays 08:00-12:00, travel buffer 30), ...16e4
-- (Apia, every day 09:00-17:00); a 60-minute service per org
INSERT INTO booking.resource (org_id, id, display_name) VALUES
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e1', 'R1'),
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e2', 'R2'),
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e3', 'R3'),
  ('00000000-0000-0000-0000-000000001602', '00000000-0000-0000-0000-0000000016e4', 'R4');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016f1', 'Lesson', 60, true),
  ('00000000-0000-0000-0000-000000001602', '00000000-0000-0000-0000-0000000016f2', 'Lesson', 60, true);
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, max_bookings_per_day, travel_buffer_minutes)
SELECT '00000000-0000-0000-0000-000000001601'::uuid, '00000000-0000-0000-0000-0000000016e1'::uuid, wd, '[00:00,24:00)'::booking.timerange, NULL::int4, 0 FROM generate_series(1, 7) wd
UNION ALL SELECT '00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e2', 1, '[08:00,12:00)', 1, 0
UNION ALL SELECT '00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e3', 1, '[08:00,12:00)', NULL, 30
UNION ALL SELECT '00000000-0000-0000-0000-000000001602', '00000000-0000-0000-0000-0000000016e4', wd, '[09:00,17:00)', NULL, 0 FROM generate_series(1, 7) wd;
INSERT INTO booking.client (org_id, id, full_name) VALUES
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016c1', 'Student');
-- bookings written as the superuser (a maintenance load: no rule checks)
INSERT INTO booking.booking (org_id, id, resource_id, service_id, client_id, starts_at, ends_at, status, currency, pickup_point) VALUES
  -- finding 1: the next booking picks up at Alexanderplatz at 11:10
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016b1', '00000000-0000-0000-0000-0000000016e1',
   '00000000-0000-0000-0000-0000000016f1', '00000000-0000-0000-0000-0000000016c1', '2030-01-07 11:10Z', '2030-01-07 12:10Z',
   'confirmed', 'EUR', 'POINT(13.4132 52.5219)'),
  -- finding 9: a booking in New York
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016b2', '00000000-0000-0000-0000-0000000016e1',
   '00000000-0000-0000-0000-0000000016f1', '00000000-0000-0000-0000-0000000016c1', '2030-01-10 10:00Z', '2030-01-10 11:00Z',
   'confirmed', 'EUR', 'POINT(-74.0060 40.7128)'),
  -- finding 6: on R3's exception day
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016b3', '00000000-0000-0000-0000-0000000016e3',
   '00000000-0000-0000-0000-0000000016f1', '00000000-0000-0000-0000-0000000016c1', '2030-01-21 14:00Z', '2030-01-21 15:00Z',
   'confirmed', 'EUR', NULL),
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016b4', '00000000-0000-0000-0000-0000000016e2',
   '00000000-0000-0000-0000-0000000016f1', '00000000-0000-0000-0000-0000000016c1', '2030-01-21 16:00Z', '2030-01-21 17:00Z',
   'confirmed', 'EUR', NULL);
-- finding 5: a session on R2's Monday 2030-01-14
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency) VALUES
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016d1', '00000000-0000-0000-0000-0000000016e2',
   '00000000-0000-0000-0000-0000000016f1', 'Group lesson', '2030-01-14 08:00Z', '2030-01-14 09:00Z', 5, 'EUR');
INSERT INTO booking.availability_exception (org_id, resource_id, on_date, available, hours) VALUES
  -- finding 7: exclusive and inclusive bounds, open bounds
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e1', '2030-01-08', true, '{(09:00,11:00]}'),
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e1', '2030-01-09', true, '{(,01:00),[23:00,)}'),
  -- finding 6: exception days with their own hours on R2 and R3's Monday
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e2', '2030-01-21', true, '{[13:00,18:00)}'),
  ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e3', '2030-01-21', true, '{[13:00,17:00)}');

-- (the identity lasts a transaction)
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016a1');

-- 1. A dropoff without a pickup: travel from the dropoff to the next
-- booking's pickup decides (0 minutes from the same point, the whole day's
-- cap from 0°N 0°E); before the fix the first was refused and the second
-- accepted.
SELECT d.label, pg_temp.try(format(
         'SELECT booking.check_slot(%L, gen_random_uuid(), %L, %L, %L, NULL, %L, false)',
         '00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-0000000016e1',
         '00000000-0000-0000-0000-0000000016f1', '2030-01-07 10:00Z', d.p)) AS check_slot
  FROM (VALUES ('dropoff at the next pickup', 'POINT(13.4132 52.5219)'), ('dropoff at 0 0', 'POINT(0 0)')) AS d(label, p);

-- 7. Exception hours {(09:00,11:00]}: 09:00 is not offered, 10:00-11:00 is;
-- {(,01:00),[23:00,)}: the open bounds are midnight
SELECT to_char(starts_at, 'YYYY-MM-DD HH24:MI') AS starts, to_char(ends_at, 'HH24:MI') AS ends
  FROM booking.available_slots('00000000-0000-0000-0000-0000000016e1', '00000000-0000-0000-0000-0000000016f1',
                               '[2030-01-08 00:00Z, 2030-01-10 00:00Z)');
SELECT reason FROM booking.explain_slot('00000000-0000-0000-0000-0000000016e1', '00000000-0000-0000-0000-0000000016f1', '2030-01-08 09:00Z');

-- 8. NULL arguments of free_time: 22004, as the other solver functions
SELECT pg_temp.try($$SELECT booking.free_time(NULL, '[2030-01-08 00:00Z, 2030-01-09 00:00Z)')$$) AS null_resource,
       pg_temp.try($$SELECT booking.free_time('00000000-0000-0000-0000-0000000016e1', NULL)$$) AS null_range;

-- 9. Travel over a day counts as 1,440 minutes: from New York (booking until
-- 11:00Z) to Berlin the estimate is over a week, and a start 24 hours after
-- the booking is bookable, 15 minutes earlier it is not
SELECT (booking.travel_time('POINT(-74.0060 40.7128)', 'POINT(13.4050 52.5200)', '2030-01-10 11:00Z')).minutes > 10000 AS travel_time_over_a_week;
SELECT s.at, e.reason, e.detail
  FROM (VALUES (timestamptz '2030-01-11 10:45Z'), ('2030-01-11 11:00Z')) AS s(at),
       booking.explain_slot('00000000-0000-0000-0000-0000000016e1', '00000000-0000-0000-0000-0000000016f1', s.at,
                            'POINT(13.4050 52.5200)') e
 ORDER BY 1, 2;

-- 5. A session counts toward the daily maximum: R2 (at most one a day)
-- offers nothing on Monday 2030-01-14, 08:00-12:00 as usual a week later
SELECT date(starts_at) AS day, count(*) AS slots
  FROM booking.available_slots('00000000-0000-0000-0000-0000000016e2', '00000000-0000-0000-0000-0000000016f1',
                               '[2030-01-14 00:00Z, 2030-01-29 00:00Z)')
 GROUP BY 1 ORDER BY 1;
SELECT reason FROM booking.explain_slot('00000000-0000-0000-0000-0000000016e2', '00000000-0000-0000-0000-0000000016f1', '2030-01-14 10:00Z');

-- 6. An exception day with its own hours keeps the weekday's daily maximum
-- (R2 on 2030-01-21: its booking at 16:00 fills the day) and travel buffer
-- (R3 on 2030-01-21: 30 minutes around its booking at 14:00-15:00)
SELECT to_char(starts_at, 'HH24:MI') AS r3_starts
  FROM booking.available_slots('00000000-0000-0000-0000-0000000016e3', '00000000-0000-0000-0000-0000000016f1',
                               '[2030-01-21 00:00Z, 2030-01-22 00:00Z)');
SELECT reason FROM booking.explain_slot('00000000-0000-0000-0000-0000000016e2', '00000000-0000-0000-0000-0000000016f1', '2030-01-21 13:00Z');

COMMIT;

-- 2. Pacific/Apia skipped 2011-12-30: an answer, not 22023.  With the
-- solver's clock at 2011-12-20 the Thursday before has 8 slots, the skipped
-- date none and the Saturday after 8 (09:00-17:00 +14 is 19:00Z-03:00Z).
SET booking.solver_now = '2011-12-20 00:00+00';
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000001602', '00000000-0000-0000-0000-0000000016a1');
SELECT (starts_at AT TIME ZONE 'Pacific/Apia')::date AS local_day, count(*) AS slots
  FROM booking.available_slots('00000000-0000-0000-0000-0000000016e4', '00000000-0000-0000-0000-0000000016f2',
                               '[2011-12-29 00:00-10, 2012-01-01 00:00+14)')
 GROUP BY 1 ORDER BY 1;
SELECT reason FROM booking.explain_slot('00000000-0000-0000-0000-0000000016e4', '00000000-0000-0000-0000-0000000016f2', '2011-12-30 10:00Z');
SELECT pg_temp.try($$SELECT booking.free_time('00000000-0000-0000-0000-0000000016e4', '[2011-12-29 10:00Z, 2011-12-31 10:00Z)')$$) AS free_time;
SELECT booking.free_time('00000000-0000-0000-0000-0000000016e4', '[2011-12-29 10:00Z, 2011-12-31 10:00Z)');

COMMIT;

-- 3. America/Havana repeats local midnight on Sunday 2027-11-07 (01:00 -04
-- back to 00:00 -05): a booking at 04:15Z is Sunday 00:15 and fills Sunday
-- (at most one a day), not Saturday, which ends at 04:00Z.
-- 4. America/Nuuk skips Saturday 2027-03-27 23:00-24:00: a window
-- [21:00,23:50) ends with the day at 01:00Z (Sunday 00:00), so 00:30Z for an
-- hour is outside the hours.
INSERT INTO booking.org (id, name, time_zone, currency, min_notice_minutes, booking_horizon_days, slot_step_minutes) VALUES
  ('00000000-0000-0000-0000-000000001603', 'rules Havana', 'America/Havana', 'EUR', 0, 3660, 60),
  ('00000000-0000-0000-0000-000000001604', 'rules Nuuk', 'America/Nuuk', 'EUR', 0, 3660, 30);
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  ('00000000-0000-0000-0000-000000001603', '00000000-0000-0000-0000-0000000016a1', 'admin'),
  ('00000000-0000-0000-0000-000000001604', '00000000-0000-0000-0000-0000000016a1', 'admin');
INSERT INTO booking.resource (org_id, id, display_name) VALUES
  ('00000000-0000-0000-0000-000000001603', '00000000-0000-0000-0000-0000000016e5', 'R5'),
  ('00000000-0000-0000-0000-000000001604', '00000000-0000-0000-0000-0000000016e6', 'R6');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES
  ('00000000-0000-0000-0000-000000001603', '00000000-0000-0000-0000-0000000016f3', 'Lesson', 30, true),
  ('00000000-0000-0000-0000-000000001604', '00000000-0000-0000-0000-0000000016f4', 'Lesson', 60, true);
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, max_bookings_per_day) VALUES
  ('00000000-0000-0000-0000-000000001603', '00000000-0000-0000-0000-0000000016e5', 6, '[20:00,24:00)', 1),
  ('00000000-0000-0000-0000-000000001603', '00000000-0000-0000-0000-0000000016e5', 7, '[00:00,03:00)', 1),
  ('00000000-0000-0000-0000-000000001604', '00000000-0000-0000-0000-0000000016e6', 6, '[21:00,23:50)', NULL);
INSERT INTO booking.client (org_id, id, full_name) VALUES
  ('00000000-0000-0000-0000-000000001603', '00000000-0000-0000-0000-0000000016c3', 'Student');
INSERT INTO booking.booking (org_id, resource_id, service_id, client_id, starts_at, ends_at, status, currency) VALUES
  ('00000000-0000-0000-0000-000000001603', '00000000-0000-0000-0000-0000000016e5', '00000000-0000-0000-0000-0000000016f3',
   '00000000-0000-0000-0000-0000000016c3', '2027-11-07 04:15Z', '2027-11-07 04:45Z', 'confirmed', 'EUR');
SET booking.solver_now = '2027-03-01 00:00+00';
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000001603', '00000000-0000-0000-0000-0000000016a1');
SELECT to_char(starts_at AT TIME ZONE 'America/Havana', 'Dy YYYY-MM-DD HH24:MI') AS havana_local, starts_at
  FROM booking.available_slots('00000000-0000-0000-0000-0000000016e5', '00000000-0000-0000-0000-0000000016f3',
                               '[2027-11-06 00:00Z, 2027-11-08 12:00Z)');
SELECT reason FROM booking.explain_slot('00000000-0000-0000-0000-0000000016e5', '00000000-0000-0000-0000-0000000016f3', '2027-11-07 05:00Z');
COMMIT;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000001604', '00000000-0000-0000-0000-0000000016a1');
SELECT to_char(starts_at AT TIME ZONE 'America/Nuuk', 'Dy HH24:MI') AS nuuk_local, starts_at, ends_at
  FROM booking.available_slots('00000000-0000-0000-0000-0000000016e6', '00000000-0000-0000-0000-0000000016f4',
                               '[2027-03-27 12:00Z, 2027-03-28 12:00Z)');
SELECT reason FROM booking.explain_slot('00000000-0000-0000-0000-0000000016e6', '00000000-0000-0000-0000-0000000016f4', '2027-03-28 00:30Z');
COMMIT;
RESET booking.solver_now;

-- booking.solver_now is for superusers only
CREATE ROLE regress_rules_app;
SET ROLE regress_rules_app;
SELECT pg_temp.try($$SET booking.solver_now = '2011-12-20 00:00+00'$$) AS set_by_app;
RESET ROLE;
DROP ROLE regress_rules_app;

RESET booking.solver_now;
DELETE FROM booking.booking WHERE org_id IN ('00000000-0000-0000-0000-000000001601', '00000000-0000-0000-0000-000000001603');
DELETE FROM booking.session WHERE org_id = '00000000-0000-0000-0000-000000001601';
DELETE FROM booking.org WHERE name LIKE 'rules %';
DELETE FROM booking.app_user WHERE id = '00000000-0000-0000-0000-0000000016a1';
