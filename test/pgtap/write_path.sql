-- The write path as an application role sees it: the objects it relies on,
-- what a student, a guardian and staff may do through it, and that its
-- SECURITY DEFINER parts neither leak another org's data nor can be called
-- directly.
BEGIN;
SET client_min_messages = warning;
SELECT plan(46);
-- day 0 is a Monday three weeks ahead (test/sql/include/week.psql)
\i test/sql/include/week.psql

-- objects
SELECT has_function('booking', 'occupies_now', ARRAY['booking.booking_status', 'timestamp with time zone'], 'the one occupancy predicate exists');
SELECT has_function('booking', 'eligibility_problems', ARRAY['uuid', 'uuid', 'uuid', 'uuid', 'date'], 'eligibility_problems(org, resource, service, client, date)');
SELECT has_function('booking', 'lock_scope', ARRAY['uuid', 'uuid', 'date[]'], 'lock_scope(org, scope, days)');
SELECT has_function('booking', 'book', 'booking.book exists');
SELECT function_returns('booking', 'eligibility_problems', ARRAY['uuid', 'uuid', 'uuid', 'uuid', 'date'], 'setof record', 'eligibility_problems returns a set');
SELECT has_trigger('booking', 'booking', 'write_check', 'bookings have the write_check trigger');
SELECT has_trigger('booking', 'booking', 'write_release', 'bookings have the write_release trigger');
SELECT has_trigger('booking', 'booking', 'write_release_delete', 'bookings have the write_release_delete trigger');
SELECT has_trigger('booking', 'session', 'write_session_check', 'sessions have the write_session_check trigger');
SELECT has_trigger('booking', 'session', 'write_session_follow', 'sessions have the write_session_follow trigger');
SELECT is((SELECT pg_get_constraintdef(oid) LIKE '%padded_range(starts_at, ends_at, buffer_before_minutes, buffer_after_minutes) WITH &&%'
             FROM pg_constraint WHERE conname = 'booking_no_overlap'), true, 'booking_no_overlap excludes the padded intervals');
SELECT ok((SELECT bool_and(proconfig @> '{booking.internal=on}') FROM pg_proc
            WHERE pronamespace = 'booking'::regnamespace AND proname IN ('promote_waitlist', 'expire_holds')),
          'waitlist promotion and hold expiry run as system transitions (SET booking.internal = on)');

-- the padded interval (C) against its definition, on random values
SELECT is_empty($$
  SELECT s, e, b, a FROM (
    SELECT timestamptz '2020-01-01 UTC' + random() * interval '4000 days' AS s, (random() * 600)::int AS len,
           (random() * 1440)::int AS b, (random() * 1440)::int AS a
      FROM generate_series(1, 2000)) x, LATERAL (SELECT x.s + make_interval(mins => x.len + 1)) AS y(e)
   WHERE booking.padded_range(s, e, b, a)
         IS DISTINCT FROM tstzrange(s - b * interval '1 minute', e + a * interval '1 minute')
$$, 'padded_range is [start - buffer before, end + buffer after) for 2,000 random appointments');
SELECT is(booking.padded_range('-infinity', 'infinity', 10, 10), tstzrange('-infinity', 'infinity'),
  'padded_range keeps infinite ends');
SELECT throws_ok($$SELECT booking.padded_range('294276-12-31 23:00 UTC', '294276-12-31 23:30 UTC', 0, 120)$$, '22008', NULL,
  'padded_range past the last timestamp: 22008');

-- the days a writer locks (C) against a set-based formulation, on random
-- intervals on the quarter-hour grid of local time (so that many start or
-- end at midnight) in zones with daylight saving, half-hour shifts and a
-- skipped day
SELECT is_empty($$
  WITH x AS (
    SELECT z, tstzrange(s, s + (random() * 200)::int * interval '15 minutes', bounds) AS r, m
      FROM (SELECT z, (timestamp '2010-01-01' + (random() * 700000)::int * interval '15 minutes') AT TIME ZONE z AS s, bounds, m
              FROM (SELECT (ARRAY['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Apia', 'Asia/Kolkata', 'UTC'])[1 + (random() * 5)::int] AS z,
                           (ARRAY['[)', '[]', '(]', '()'])[1 + (random() * 3)::int] AS bounds,
                           (random() * 2)::int AS m
                      FROM generate_series(1, 3000)) AS g) AS q)
  SELECT z, r, m FROM x
   WHERE NOT isempty(r)
     AND booking.local_days(z, r, m) IS DISTINCT FROM ARRAY(
           SELECT d::date
             FROM (SELECT ((lower(r) + CASE WHEN lower_inc(r) THEN interval '0' ELSE interval '1 microsecond' END) AT TIME ZONE z)::date,
                          ((upper(r) - CASE WHEN upper_inc(r) THEN interval '0' ELSE interval '1 microsecond' END) AT TIME ZONE z)::date) AS e(a, b),
                  generate_series(least(a, b) - m, greatest(a, b) + m, interval '1 day') AS d ORDER BY 1)
$$, 'local_days lists the local dates of an interval and margin days on either side, for 3,000 random intervals');
SELECT is(booking.local_days('Europe/Berlin', tstzrange('2031-03-30 01:30+01', '2031-03-30 04:00+02'), 1),
  '{2031-03-29,2031-03-30,2031-03-31}'::date[], 'local_days across the spring-forward hour: one day and its neighbours');
SELECT is(booking.local_days('Europe/Berlin', 'empty'::tstzrange, 1), '{}'::date[], 'an empty interval locks nothing');
SELECT is(booking.local_days('UTC', '(2030-01-01,2030-01-01 00:00:00.000001)', 1), '{}'::date[],
  'an interval without a single microsecond locks nothing');
SELECT is(booking.local_days('America/Sitka', tstzrange('1867-10-19 00:30Z', '1867-10-19 01:30Z'), 0),
  '{1867-10-18,1867-10-19}'::date[], 'a clock set back across midnight (Alaska, 1867): both dates, in order');
SELECT throws_ok($$SELECT booking.local_days('Europe/Berlin', tstzrange(now(), NULL), 0)$$, '22023', NULL,
  'local_days of an unbounded interval: 22023');
SELECT throws_ok($$SELECT booking.local_days('Mars/Olympus', tstzrange(now(), now() + interval '1 hour'), 0)$$, '22023', NULL,
  'local_days in an unknown zone: 22023');
SELECT throws_ok($$SELECT booking.local_days('UTC', tstzrange(now(), now() + interval '1001 days'), 0)$$, '54000', NULL,
  'local_days of more than 1,000 days: 54000');
SELECT throws_ok($$SELECT booking.local_days('UTC', tstzrange(now(), now() + interval '1 hour'), -1)$$, '22023', NULL,
  'local_days with a negative margin: 22023');
SELECT throws_ok($$SELECT booking.local_days('UTC', tstzrange('4714-11-24 00:00+00 BC', '4714-11-24 01:00+00 BC'), 1)$$, '22008', NULL,
  'local_days reaching before the first date: 22008');

-- the predicate
SELECT is(booking.occupies_now('pending', NULL), true, 'a pending booking occupies');
SELECT is(booking.occupies_now('confirmed', now() + interval '1 minute'), true, 'a live hold occupies');
SELECT is(booking.occupies_now('pending', now()), false, 'a hold occupies until its expiry, not at it');
SELECT is(booking.occupies_now('waitlisted', NULL), false, 'a waitlist entry does not occupy');
SELECT is(booking.occupies_now('cancelled', NULL), false, 'a cancelled booking does not occupy');

-- a small org: a student with a guardian, another student, an instructor, staff
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000e0001', 'staff@tap-write.example', 'Staff'),
  ('00000000-0000-0000-0000-0000000e0002', 'student@tap-write.example', 'Student'),
  ('00000000-0000-0000-0000-0000000e0003', 'other@tap-write.example', 'Other student'),
  ('00000000-0000-0000-0000-0000000e0004', 'parent@tap-write.example', 'Parent');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', 'Tap Write', 'Europe/Berlin', 'EUR'),
  ('00000000-0000-0000-0000-0000000e00b0', 'Tap Other', 'Europe/Berlin', 'EUR');
SELECT booking.seed_lifecycle_defaults(id) FROM booking.org WHERE name IN ('Tap Write', 'Tap Other');
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0001', 'staff'),
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0002', 'student'),
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0003', 'student'),
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0004', 'guardian');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0051', 'Lesson', 60, true),
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0052', 'Workshop', 120, true),
  ('00000000-0000-0000-0000-0000000e00b0', '00000000-0000-0000-0000-0000000e00b5', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name, license_classes) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0071', 'Ingo', '{B}'),
  ('00000000-0000-0000-0000-0000000e00b0', '00000000-0000-0000-0000-0000000e00b7', 'Otto', '{B}');
INSERT INTO booking.client (org_id, id, full_name, user_id, date_of_birth, license_type) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0061', 'Student', '00000000-0000-0000-0000-0000000e0002', pg_temp.day(0) - interval '17 years 8 months', 'B'),
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0062', 'Other', '00000000-0000-0000-0000-0000000e0003', '1990-01-01', 'B'),
  ('00000000-0000-0000-0000-0000000e00b0', '00000000-0000-0000-0000-0000000e00b6', 'Foreign', NULL, '1990-01-01', 'B');
-- bookable around the clock, years ahead (the rules themselves: test/sql/write_rules.sql)
UPDATE booking.org SET booking_horizon_days = 3660 WHERE name IN ('Tap Write', 'Tap Other');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT r.org_id, r.id, d, '[00:00,24:00)' FROM booking.resource r CROSS JOIN generate_series(1, 7) d
 WHERE r.org_id IN ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e00b0');
INSERT INTO booking.guardian (org_id, id, full_name, user_id) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0081', 'Parent', '00000000-0000-0000-0000-0000000e0004');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0061', '00000000-0000-0000-0000-0000000e0081');
INSERT INTO booking.license_rule (org_id, client_license_type, lesson_type, required_resource_license, min_client_age, requires_parental_consent) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', 'B', 'standard', 'B', 16, true);
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency) VALUES
  ('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0091', '00000000-0000-0000-0000-0000000e0071',
   '00000000-0000-0000-0000-0000000e0052', 'Theory', pg_temp.at(1, '18:00'), pg_temp.at(1, '20:00'), 1, 'EUR');

CREATE ROLE regress_write_app;
SELECT booking.grant_app_role('regress_write_app', trusted => true);

CREATE FUNCTION pg_temp.write_checks() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  -- the student (aged 17 on the date) lacks parental consent
  PERFORM booking.act_as('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0002');
  RETURN NEXT results_eq($q$SELECT reason FROM booking.eligibility_problems('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0071',
                           '00000000-0000-0000-0000-0000000e0051', '00000000-0000-0000-0000-0000000e0061', pg_temp.day(0))$q$,
                         ARRAY['parental consent missing: no guardian of the client has given consent'],
                         'a student asks about themself and learns of the missing consent (their guardian link is read for them)');
  RETURN NEXT throws_ok($q$SELECT booking.book('00000000-0000-0000-0000-0000000e0061', '00000000-0000-0000-0000-0000000e0051',
                           pg_temp.at(0, '10:00'), '00000000-0000-0000-0000-0000000e0071')$q$,
                        '23K04', NULL, 'without consent the student cannot book');
  RETURN NEXT throws_ok($q$SELECT * FROM booking.eligibility_problems('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0071',
                           '00000000-0000-0000-0000-0000000e0051', '00000000-0000-0000-0000-0000000e0062', pg_temp.day(0))$q$,
                        '42501', NULL, 'a student cannot ask about another student');
  RETURN NEXT throws_ok($q$SELECT * FROM booking.eligibility_problems('00000000-0000-0000-0000-0000000e00b0', '00000000-0000-0000-0000-0000000e00b7',
                           '00000000-0000-0000-0000-0000000e00b5', '00000000-0000-0000-0000-0000000e00b6', pg_temp.day(0))$q$,
                        '42501', NULL, 'nor about another org');
  RETURN NEXT throws_ok($q$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency)
                           VALUES ('00000000-0000-0000-0000-0000000e00b0', '00000000-0000-0000-0000-0000000e00b6', '00000000-0000-0000-0000-0000000e00b7',
                                   '00000000-0000-0000-0000-0000000e00b5', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR')$q$,
                        '42501', 'new row violates row-level security policy for table "booking"',
                        'a row for another org is refused before any check could reveal something about it');
  RETURN NEXT throws_ok($q$SELECT booking.lock_scope('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0071', ARRAY[pg_temp.day(0)])$q$,
                        '42501', NULL, 'the locks are not for applications to take directly');
  RETURN NEXT throws_ok($q$SELECT booking.promote_waitlist('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0091')$q$,
                        '42501', NULL, 'nor is waitlist promotion');
  RETURN NEXT throws_ok($q$SELECT booking.expire_holds('00000000-0000-0000-0000-0000000e00a0', NULL, '00000000-0000-0000-0000-0000000e0091', NULL)$q$,
                        '42501', NULL, 'nor is hold expiry');

  -- the guardian gives consent (through staff); the student books
  PERFORM booking.act_as('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0001');
  UPDATE booking.client_guardian SET consent_given_at = now() WHERE client_id = '00000000-0000-0000-0000-0000000e0061';
  PERFORM booking.act_as('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0002');
  RETURN NEXT lives_ok($q$SELECT booking.book('00000000-0000-0000-0000-0000000e0061', '00000000-0000-0000-0000-0000000e0051',
                          pg_temp.at(0, '10:00'), '00000000-0000-0000-0000-0000000e0071', idempotency_key => 'k-student')$q$,
                       'with consent the student books');
  RETURN NEXT throws_ok($q$SELECT booking.book('00000000-0000-0000-0000-0000000e0062', '00000000-0000-0000-0000-0000000e0051',
                           pg_temp.at(0, '14:00'), '00000000-0000-0000-0000-0000000e0071')$q$,
                        '42501', NULL, 'a student cannot book for another student');
  -- the last seat of the session, then the other student's waitlist entry
  RETURN NEXT is((booking.book('00000000-0000-0000-0000-0000000e0061', session_id => '00000000-0000-0000-0000-0000000e0091')).status,
                 'pending'::booking.booking_status, 'the student takes the last seat');
  PERFORM booking.act_as('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0003');
  RETURN NEXT is((booking.book('00000000-0000-0000-0000-0000000e0062', session_id => '00000000-0000-0000-0000-0000000e0091', waitlist => true)).status,
                 'waitlisted'::booking.booking_status, 'the other student joins the waitlist');
  -- the other student reuses the first one's key for another request: refused,
  -- although they cannot see that booking
  RETURN NEXT throws_ok($q$SELECT booking.book('00000000-0000-0000-0000-0000000e0062', '00000000-0000-0000-0000-0000000e0051',
                           pg_temp.at(2, '10:00'), '00000000-0000-0000-0000-0000000e0071', idempotency_key => 'k-student')$q$,
                        '23K03', NULL, 'a key taken by a booking one cannot see is still refused');
  -- the guardian cancels the student's seat: the other student, whose
  -- booking the guardian cannot see, is promoted in the same transaction
  PERFORM booking.act_as('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0004');
  RETURN NEXT is((SELECT count(*)::int FROM booking.booking WHERE session_id = '00000000-0000-0000-0000-0000000e0091'), 1,
                 'the guardian sees only their student''s seat');
  UPDATE booking.booking SET status = 'cancelled' WHERE session_id = '00000000-0000-0000-0000-0000000e0091';
  PERFORM booking.act_as('00000000-0000-0000-0000-0000000e00a0', '00000000-0000-0000-0000-0000000e0001');
  RETURN NEXT results_eq($q$SELECT c.full_name, b.status FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
                            WHERE b.session_id = '00000000-0000-0000-0000-0000000e0091' ORDER BY c.full_name$q$,
                         $q$VALUES ('Other'::text, 'pending'::booking.booking_status), ('Student', 'cancelled')$q$,
                         'the guardian''s cancellation promoted the waiting student');
  RETURN NEXT is((SELECT writes > 0 FROM booking.write_lock WHERE scope_id = '00000000-0000-0000-0000-0000000e0091'), NULL::boolean,
                 'the lock rows are not visible to applications');
END $$;

SET ROLE regress_write_app;
SELECT * FROM pg_temp.write_checks();
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
