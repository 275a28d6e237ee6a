-- The solver's rules on the write path: every appointment written is judged
-- by booking.check_slot (the code behind available_slots) under the
-- resource-day locks, with a SQLSTATE per reason and the reasons as the
-- detail; an owner or admin may override hours, grid, notice, horizon and
-- the daily maximum with a recorded reason, never an overlap or a travel
-- gap; scheduled sessions and appointments of one resource never overlap.
-- Everything runs as an application role acting for real users.
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/try.psql
\i test/sql/include/why.psql

\set org '''00000000-0000-0000-0000-00000000e000'''
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-00000000e0a1', 'rules.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-00000000e0a2', 'rules.staff@example.com', 'Staff'),
  ('00000000-0000-0000-0000-00000000e0a3', 'rules.sam@example.com', 'Sam Student');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES (:org, 'Rules School', 'Europe/Berlin', 'EUR');
SELECT booking.seed_lifecycle_defaults(:org) > 0 AS rules_seeded;
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:org, '00000000-0000-0000-0000-00000000e0a1', 'owner'),
  (:org, '00000000-0000-0000-0000-00000000e0a2', 'staff'),
  (:org, '00000000-0000-0000-0000-00000000e0a3', 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes) VALUES
  (:org, '00000000-0000-0000-0000-00000000e051', 'Lesson', 60, 0, 0),
  (:org, '00000000-0000-0000-0000-00000000e052', 'Workshop', 120, 15, 15);
INSERT INTO booking.resource (org_id, id, display_name) VALUES (:org, '00000000-0000-0000-0000-00000000e071', 'Ingo');
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES
  (:org, '00000000-0000-0000-0000-00000000e061', 'Sam', '00000000-0000-0000-0000-00000000e0a3');
-- Monday to Friday 08:00-18:00 with a lunch break, at most 3 a day, 10
-- minutes between appointments at least; the defaults: a 15-minute grid,
-- 120 minutes of notice, a 90-day horizon.
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, break, max_bookings_per_day, travel_buffer_minutes)
SELECT :org, '00000000-0000-0000-0000-00000000e071', d, '[08:00,18:00)', '[12:00,13:00)', 3, 10 FROM generate_series(1, 5) d;

-- The week: day 0 is a Monday three weeks ahead (inside the horizon, past
-- the notice); pg_temp.at(day, time) is that local time in Berlin.
\i test/sql/include/week.psql
INSERT INTO booking.availability_exception (org_id, resource_id, on_date, available, hours) VALUES
  (:org, '00000000-0000-0000-0000-00000000e071', pg_temp.day(1), false, NULL),                      -- Tuesday off
  (:org, '00000000-0000-0000-0000-00000000e071', pg_temp.day(2), true, '{[14:00,16:00)}');          -- Wednesday 14-16 only

-- probe(start, ...): would an appointment of Sam with Ingo be accepted?
-- 'ok' (and rolled back), or the SQLSTATE and the detail (dates left out).
CREATE FUNCTION pg_temp.probe(starts timestamptz, pickup text DEFAULT NULL, dropoff text DEFAULT NULL,
                              override text DEFAULT NULL, service uuid DEFAULT '00000000-0000-0000-0000-00000000e051')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, pickup_point, dropoff_point, override_reason)
  SELECT '00000000-0000-0000-0000-00000000e061', '00000000-0000-0000-0000-00000000e071', s.id,
         starts, starts + make_interval(mins => s.duration_minutes), 'EUR', pickup::geography, dropoff::geography, override
    FROM booking.service s WHERE s.id = service;
  RAISE EXCEPTION 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN CASE WHEN SQLERRM = 'accepted' THEN 'ok'
              ELSE SQLSTATE || ': ' || regexp_replace(regexp_replace(coalesce(NULLIF(d, ''), SQLERRM), '\d{4}-\d\d-\d\d ', '', 'g'),
                                                  '(\d\d:\d\d) CES?T\M', '\1 <zone>', 'g') END;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.probe(timestamptz, text, text, text, uuid) TO PUBLIC;
\set A '''SRID=4326;POINT(13.40 52.52)'''
\set B '''SRID=4326;POINT(13.55 52.45)'''

CREATE ROLE regress_rules_app;
SELECT booking.grant_app_role('regress_rules_app', trusted => true);
SET ROLE regress_rules_app;

-- The owner books Sam's Monday lesson at 15:00 at A, and stores the drive
-- between A and B: 40 minutes either way.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a1') IS NOT NULL AS acting;
INSERT INTO booking.booking (id, client_id, resource_id, service_id, starts_at, ends_at, currency, pickup_point)
VALUES ('00000000-0000-0000-0000-00000000e0b1', '00000000-0000-0000-0000-00000000e061', '00000000-0000-0000-0000-00000000e071',
        '00000000-0000-0000-0000-00000000e051', pg_temp.at(0, '15:00'), pg_temp.at(0, '16:00'), 'EUR', :A);
SELECT count(*) AS stored FROM (
  SELECT booking.store_travel_time(:A, :B, 40, 12000, now() + interval '1 year')
  UNION ALL SELECT booking.store_travel_time(:B, :A, 40, 12000, now() + interval '1 year')) s;
COMMIT;

-- 1. One reason each, as Sam the student (booking for himself).
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a3') IS NOT NULL AS acting;
SELECT label, pg_temp.probe(s, p, d) AS result
  FROM (VALUES
    ('after the lesson, same place',           pg_temp.at(0, '16:15'), :A, NULL),
    ('after the lesson, 40 minutes away',      pg_temp.at(0, '16:15'), :B, NULL),
    ('after the lesson, far but in time',      pg_temp.at(0, '16:45'), :B, NULL),
    ('right after: the 10-minute buffer',      pg_temp.at(0, '16:00'), :A, NULL),
    ('before the lesson, from far',            pg_temp.at(0, '13:45'), :B, NULL),
    ('before it, picked up far, dropped at A', pg_temp.at(0, '13:45'), :B, :A),
    ('before it, picked up at A, dropped far', pg_temp.at(0, '13:45'), :A, :B),
    ('overlapping the lesson',                 pg_temp.at(0, '15:30'), NULL, NULL),
    ('off the grid',                           pg_temp.at(0, '10:05'), NULL, NULL),
    ('before hours',                           pg_temp.at(0, '07:00'), NULL, NULL),
    ('running past closing',                   pg_temp.at(0, '17:30'), NULL, NULL),
    ('in the lunch break',                     pg_temp.at(0, '11:45'), NULL, NULL),
    ('Tuesday: a day off',                     pg_temp.at(1, '10:00'), NULL, NULL),
    ('Wednesday: outside the exception hours', pg_temp.at(2, '10:00'), NULL, NULL),
    ('Wednesday: inside them',                 pg_temp.at(2, '14:00'), NULL, NULL),
    ('Saturday: no hours',                     pg_temp.at(5, '10:00'), NULL, NULL)) AS t(label, s, p, d);
-- notice and horizon (their reasons come first; the hours then vary with the clock)
SELECT left(pg_temp.probe(date_trunc('hour', now()) + interval '1 hour'), 5) AS inside_notice,
       left(pg_temp.probe(date_trunc('hour', now()) + interval '120 days'), 5) AS beyond_horizon;
-- what available_slots offers on the Monday is exactly what is accepted
-- there, start by start on the 15-minute grid
SELECT count(*) FILTER (WHERE offered) AS offered, count(*) FILTER (WHERE accepted) AS accepted,
       count(*) FILTER (WHERE offered <> accepted) AS disagreements
  FROM (SELECT g AS s, g IN (SELECT a.starts_at FROM booking.available_slots('00000000-0000-0000-0000-00000000e071',
                                   '00000000-0000-0000-0000-00000000e051', tstzrange(pg_temp.at(0, '00:00'), pg_temp.at(1, '00:00')), :B) a) AS offered,
               pg_temp.probe(g, :B) = 'ok' AS accepted
          FROM generate_series(pg_temp.at(0, '00:00'), pg_temp.at(0, '23:45'), interval '15 minutes') g) x;
COMMIT;

-- 2. The daily maximum: three on Thursday, the fourth is refused.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a3') IS NOT NULL AS acting;
INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
SELECT '00000000-0000-0000-0000-00000000e061', '00000000-0000-0000-0000-00000000e071', '00000000-0000-0000-0000-00000000e051',
       pg_temp.at(3, t), pg_temp.at(3, t) + interval '1 hour', 'EUR'
  FROM unnest('{08:00,13:00,15:00}'::time[]) t;
SELECT pg_temp.probe(pg_temp.at(3, '10:00')) AS fourth;
COMMIT;

-- 3. Overrides: an owner or admin, with a reason, for hours, grid, notice,
-- horizon and the daily maximum; never an overlap or a travel gap.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a3') IS NOT NULL AS acting;
SELECT pg_temp.probe(pg_temp.at(5, '10:00'), override => 'my own reason') AS student_override;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a2') IS NOT NULL AS acting;
SELECT pg_temp.probe(pg_temp.at(5, '10:00'), override => 'staff reason') AS staff_override;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a1') IS NOT NULL AS acting;
SELECT label, pg_temp.probe(s, p, override => 'exam on Saturday, agreed by phone') AS result
  FROM (VALUES ('Saturday',                  pg_temp.at(5, '10:00'), NULL),
               ('Thursday, the fourth',      pg_temp.at(3, '10:00'), NULL),
               ('Monday, in the break, off the grid', pg_temp.at(0, '12:10'), NULL),
               ('overlapping the lesson',    pg_temp.at(0, '15:30'), NULL),
               ('too far after the lesson',  pg_temp.at(0, '16:15'), :B)) AS t(label, s, p);
SELECT pg_temp.probe(date_trunc('hour', now()) + interval '200 days', override => 'far ahead') AS beyond_horizon;
-- the override is recorded on the row
INSERT INTO booking.booking (id, client_id, resource_id, service_id, starts_at, ends_at, currency, override_reason)
VALUES ('00000000-0000-0000-0000-00000000e0b2', '00000000-0000-0000-0000-00000000e061', '00000000-0000-0000-0000-00000000e071',
        '00000000-0000-0000-0000-00000000e051', pg_temp.at(5, '09:00'), pg_temp.at(5, '10:00'), 'EUR', 'exam on Saturday');
SELECT override_reason, overridden_rules, overridden_by FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000e0b2';
-- without a reason the owner is bound by the rules like anyone
SELECT pg_temp.probe(pg_temp.at(5, '12:00')) AS owner_without_reason;
COMMIT;

-- 4. Updates are judged without the row itself; a student may not move the
-- overridden booking to another time outside the rules.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a1') IS NOT NULL AS acting;
SELECT pg_temp.try($$UPDATE booking.booking SET starts_at = starts_at + interval '15 minutes', ends_at = ends_at + interval '15 minutes'
                     WHERE id = '00000000-0000-0000-0000-00000000e0b1'$$) AS move_by_15_minutes;
SELECT pg_temp.why($$UPDATE booking.booking SET starts_at = starts_at - interval '3 hours', ends_at = ends_at - interval '3 hours'
                     WHERE id = '00000000-0000-0000-0000-00000000e0b1'$$) AS move_into_the_break;
SELECT pg_temp.try($$UPDATE booking.booking SET notes = 'bring glasses' WHERE id = '00000000-0000-0000-0000-00000000e0b2'$$) AS note_on_overridden;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a3') IS NOT NULL AS acting;
SELECT pg_temp.why($$UPDATE booking.booking SET starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour'
                     WHERE id = '00000000-0000-0000-0000-00000000e0b2'$$) AS student_moves_overridden;
COMMIT;

-- 5. Sessions and appointments of one resource: neither may overlap the
-- other (a Workshop session has 15 minutes of buffer on either side).
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a1') IS NOT NULL AS acting;
INSERT INTO booking.session (id, resource_id, service_id, title, starts_at, ends_at, capacity, currency)
VALUES ('00000000-0000-0000-0000-00000000e091', '00000000-0000-0000-0000-00000000e071', '00000000-0000-0000-0000-00000000e052',
        'Theory', pg_temp.at(4, '13:00'), pg_temp.at(4, '15:00'), 10, 'EUR');
SELECT label, pg_temp.probe(s) AS result
  FROM (VALUES ('inside the session', pg_temp.at(4, '14:00')),
               ('in its buffer after', pg_temp.at(4, '15:00')),
               ('clear of it', pg_temp.at(4, '15:15'))) AS t(label, s);
SELECT pg_temp.try($$INSERT INTO booking.session (resource_id, service_id, title, starts_at, ends_at, capacity, currency)
                     VALUES ('00000000-0000-0000-0000-00000000e071', '00000000-0000-0000-0000-00000000e052', 'Over the lesson',
                             pg_temp.at(0, '14:00'), pg_temp.at(0, '16:00'), 10, 'EUR')$$) AS session_over_lesson;
SELECT pg_temp.try($$INSERT INTO booking.session (resource_id, service_id, title, starts_at, ends_at, capacity, currency)
                     VALUES ('00000000-0000-0000-0000-00000000e071', '00000000-0000-0000-0000-00000000e052', 'Over the session',
                             pg_temp.at(4, '15:30'), pg_temp.at(4, '17:00'), 10, 'EUR')$$) AS session_over_session;
SELECT pg_temp.try($$UPDATE booking.session SET starts_at = pg_temp.at(0, '14:00'), ends_at = pg_temp.at(0, '16:00')
                     WHERE id = '00000000-0000-0000-0000-00000000e091'$$) AS session_moved_onto_lesson;
-- a cancelled session blocks nothing
UPDATE booking.session SET status = 'cancelled' WHERE id = '00000000-0000-0000-0000-00000000e091';
SELECT pg_temp.probe(pg_temp.at(4, '14:00')) AS after_cancelling_it;
COMMIT;
RESET ROLE;

-- 6. The error as an application sees it.
SET ROLE regress_rules_app;
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a3') IS NOT NULL AS acting;
SELECT pg_temp.why(format($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, pickup_point)
                            VALUES ('00000000-0000-0000-0000-00000000e061', '00000000-0000-0000-0000-00000000e071',
                                    '00000000-0000-0000-0000-00000000e051', %L, %L, 'EUR', %L)$$,
                          pg_temp.at(0, '14:05'), pg_temp.at(0, '15:05'), :B)) AS error;
SELECT pg_temp.why(format($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
                            VALUES ('00000000-0000-0000-0000-00000000e061', '00000000-0000-0000-0000-00000000e071',
                                    '00000000-0000-0000-0000-00000000e051', %L, %L, 'EUR')$$,
                          pg_temp.at(5, '10:00'), pg_temp.at(5, '11:00'))) AS error;
ROLLBACK;
RESET ROLE;

-- 7. Maintenance (a superuser without identity: restores, data loads)
-- skips the time-dependent rules but not the no-overlap constraint.
SELECT pg_temp.try($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency)
                     VALUES ('00000000-0000-0000-0000-00000000e000', '00000000-0000-0000-0000-00000000e061', '00000000-0000-0000-0000-00000000e071',
                             '00000000-0000-0000-0000-00000000e051', pg_temp.at(-23, '03:00'), pg_temp.at(-23, '04:00'), 'EUR')$$) AS restore_old_saturday_night;
SELECT pg_temp.try(format($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency)
                     VALUES ('00000000-0000-0000-0000-00000000e000', '00000000-0000-0000-0000-00000000e061', '00000000-0000-0000-0000-00000000e071',
                             '00000000-0000-0000-0000-00000000e051', %L, %L, 'EUR')$$, pg_temp.at(0, '15:45'), pg_temp.at(0, '16:45'))) AS restore_overlap;

-- 8. Bad calls of the internal check: not for PUBLIC.
SET ROLE regress_rules_app;
SELECT pg_temp.try($$SELECT booking.check_slot('00000000-0000-0000-0000-00000000e000', gen_random_uuid(), '00000000-0000-0000-0000-00000000e071',
                                                '00000000-0000-0000-0000-00000000e051', now(), NULL, NULL, true)$$) AS direct_call;
RESET ROLE;
SELECT pg_temp.try($$SELECT booking.check_slot(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)$$) AS nulls;
SELECT pg_temp.try($$SELECT booking.check_slot('00000000-0000-0000-0000-00000000e000', gen_random_uuid(), '00000000-0000-0000-0000-00000000e071',
                                                '00000000-0000-0000-0000-00000000e051', 'infinity', NULL, NULL, true)$$) AS infinite_start;

-- 9. Find and book in one call, as Sam (his own client record by default).
SET ROLE regress_rules_app;
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a3') IS NOT NULL AS acting;
-- the best slot of the Monday from A: right after the lesson, where he is picked up anyway
SELECT to_char(starts_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI') AS booked, status, override_reason IS NULL AS plain
  FROM booking.book_first_available('00000000-0000-0000-0000-00000000e051', tstzrange(pg_temp.at(0, '14:00'), pg_temp.at(0, '18:00')),
                                    :A, idempotency_key => 'first-available-1');
-- the same key again returns that booking, not the next slot
SELECT count(*) AS same_booking FROM booking.booking WHERE idempotency_key = 'first-available-1'
   AND id = (SELECT id FROM booking.book_first_available('00000000-0000-0000-0000-00000000e051',
                                                         tstzrange(pg_temp.at(0, '14:00'), pg_temp.at(0, '18:00')), :A,
                                                         idempotency_key => 'first-available-1'));
SELECT pg_temp.try($$SELECT booking.book_first_available('00000000-0000-0000-0000-00000000e051',
                                                          tstzrange(pg_temp.at(1, '08:00'), pg_temp.at(1, '18:00')))$$) AS tuesday_off;
SELECT pg_temp.try($$SELECT booking.book_first_available(NULL, tstzrange(now(), now() + interval '1 day'))$$) AS no_service;
SELECT pg_temp.try($$SELECT booking.book_first_available('00000000-0000-0000-0000-00000000e051', NULL)$$) AS no_range;
SELECT pg_temp.try($$SELECT booking.book_first_available('00000000-0000-0000-0000-00000000e051', tstzrange(now(), now() + interval '400 days'))$$) AS too_long;
ROLLBACK;
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000000e0a1') IS NOT NULL AS acting;
SELECT pg_temp.try($$SELECT booking.book_first_available('00000000-0000-0000-0000-00000000e051', tstzrange(now(), now() + interval '1 day'))$$) AS owner_needs_student;
ROLLBACK;
RESET ROLE;

DROP OWNED BY regress_rules_app;
DROP ROLE regress_rules_app;
