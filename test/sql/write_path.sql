-- The write path: buffers and the padded exclusion, eligibility, sessions
-- with capacity and waitlist, holds that lapse without a sweeper, and
-- idempotent booking.book().
SET client_min_messages = warning;
\i test/sql/include/try.psql
\i test/sql/include/why.psql
-- day 0 is a Monday three weeks ahead; the clients' ages are counted from it
\i test/sql/include/week.psql

\set org '''00000000-0000-0000-0000-00000000c000'''
\set owner '''00000000-0000-0000-0000-00000000c0a1'''
INSERT INTO booking.app_user (id, email, full_name) VALUES (:owner, 'owner@write.example', 'Owner');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES (:org, 'Write School', 'Europe/Berlin', 'EUR');
-- the default life-cycle rules (create_org seeds them; a plain INSERT does not)
SELECT booking.seed_lifecycle_defaults(:org) > 0 AS rules_seeded;
INSERT INTO booking.membership (org_id, user_id, role) VALUES (:org, :owner, 'owner');
INSERT INTO booking.service (org_id, id, name, lesson_type, duration_minutes, buffer_before_minutes, buffer_after_minutes, free) VALUES
  (:org, '00000000-0000-0000-0000-00000000c051', 'Lesson', 'standard', 60, 0, 15, true),
  (:org, '00000000-0000-0000-0000-00000000c052', 'Highway', 'highway', 90, 5, 5, true),
  (:org, '00000000-0000-0000-0000-00000000c053', 'Workshop', 'workshop', 120, 0, 0, true),
  (:org, '00000000-0000-0000-0000-00000000c054', 'Short', 'standard', 30, 0, 0, true);
INSERT INTO booking.resource (org_id, id, display_name, license_classes) VALUES
  (:org, '00000000-0000-0000-0000-00000000c071', 'Ingo (B)', '{B}'),
  (:org, '00000000-0000-0000-0000-00000000c072', 'Rita (no license)', '{}'),
  (:org, '00000000-0000-0000-0000-00000000c073', 'Fay (facilitator)', '{}');
INSERT INTO booking.client (org_id, id, full_name, date_of_birth, license_type) VALUES
  (:org, '00000000-0000-0000-0000-00000000c061', 'Adult B', pg_temp.day(0) - interval '40 years', 'B'),
  (:org, '00000000-0000-0000-0000-00000000c062', 'Minor B', pg_temp.day(90) - interval '17 years', 'B'),   -- 17 on day 90
  (:org, '00000000-0000-0000-0000-00000000c063', 'Child B', pg_temp.day(0) - interval '15 years 5 months', 'B'),
  (:org, '00000000-0000-0000-0000-00000000c064', 'No license', NULL, NULL),
  (:org, '00000000-0000-0000-0000-00000000c065', 'Participant 5', NULL, NULL),
  (:org, '00000000-0000-0000-0000-00000000c066', 'Participant 6', NULL, NULL),
  (:org, '00000000-0000-0000-0000-00000000c067', 'Participant 7', NULL, NULL);
INSERT INTO booking.guardian (org_id, id, full_name) VALUES (:org, '00000000-0000-0000-0000-00000000c081', 'Parent');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) VALUES
  (:org, '00000000-0000-0000-0000-00000000c062', '00000000-0000-0000-0000-00000000c081');
INSERT INTO booking.license_rule (org_id, id, client_license_type, lesson_type, required_resource_license,
                                  min_client_age, max_client_age, min_duration_minutes, max_duration_minutes,
                                  requires_parental_consent, prerequisites) VALUES
  (:org, '00000000-0000-0000-0000-00000000c0e1', 'B', 'standard', 'B', 16, 80, 45, 90, true, '[]'),
  (:org, '00000000-0000-0000-0000-00000000c0e2', 'B', 'highway', 'B', 17, NULL, NULL, NULL, false, '["standard"]');

\i test/sql/include/open_hours.psql
-- Act as the owner for the rest of the file (a superuser may set the
-- identity directly; applications call booking.act_as).
SELECT set_config('booking.identity', :org || ' ' || :owner || ' owner', false) IS NOT NULL AS acting;

-- appt(...): pg_temp.try of an appointment, the date in the message left out
CREATE FUNCTION pg_temp.appt(client text, resource text, service text, starts timestamptz, ends timestamptz) RETURNS text
LANGUAGE sql AS $$
  SELECT regexp_replace(pg_temp.try(format($q$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
                                              VALUES (%L, %L, %L, %L, %L, 'EUR')$q$, client, resource, service, starts, ends)),
                        '\d{4}-\d\d-\d\d ', '')
$$;

-- 1. Appointments: buffers come from the service; the padded intervals may not meet.
SELECT pg_temp.appt('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c071',
                    '00000000-0000-0000-0000-00000000c051', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00')) AS first;
SELECT buffer_before_minutes, buffer_after_minutes,
       booking.padded_range(starts_at, ends_at, buffer_before_minutes, buffer_after_minutes)
         = tstzrange(pg_temp.at(0, '10:00'), pg_temp.at(0, '11:15')) AS padded_10_to_11_15
  FROM booking.booking WHERE resource_id = '00000000-0000-0000-0000-00000000c071';
SELECT label, pg_temp.appt('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c071',
                           '00000000-0000-0000-0000-00000000c051', s, e)
  FROM (VALUES ('partial overlap', pg_temp.at(0, '10:30'), pg_temp.at(0, '11:30')),
               ('inside the buffer after', pg_temp.at(0, '11:00'), pg_temp.at(0, '12:00')),
               ('overlap before', pg_temp.at(0, '09:30'), pg_temp.at(0, '10:30')),
               ('right after the buffer', pg_temp.at(0, '11:15'), pg_temp.at(0, '12:15')),
               ('right before: its own buffer after meets it', pg_temp.at(0, '09:00'), pg_temp.at(0, '10:00')),
               ('clear before', pg_temp.at(0, '08:45'), pg_temp.at(0, '09:45'))) AS t(label, s, e);
-- the buffer before of the new booking counts too: Highway has 5 minutes before and after
SELECT label, pg_temp.appt('00000000-0000-0000-0000-00000000c064', '00000000-0000-0000-0000-00000000c071',
                           '00000000-0000-0000-0000-00000000c052', s, e)
  FROM (VALUES ('highway: its own buffer before meets the buffer after', pg_temp.at(0, '12:30'), pg_temp.at(0, '14:00')),
               ('highway: clear', pg_temp.at(0, '12:35'), pg_temp.at(0, '14:05'))) AS t(label, s, e);
-- another resource at the same time is fine (a client without license type has no rule)
SELECT pg_temp.appt('00000000-0000-0000-0000-00000000c064', '00000000-0000-0000-0000-00000000c072',
                    '00000000-0000-0000-0000-00000000c051', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00')) AS other_resource;
-- a cancelled appointment frees its time
UPDATE booking.booking SET status = 'cancelled' WHERE starts_at = pg_temp.at(0, '10:00') AND resource_id = '00000000-0000-0000-0000-00000000c071';
SELECT pg_temp.appt('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c071',
                    '00000000-0000-0000-0000-00000000c051', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00')) AS after_cancel;
-- moving a booking onto another is refused like an insert
SELECT regexp_replace(pg_temp.try($$UPDATE booking.booking SET starts_at = pg_temp.at(0, '11:30'), ends_at = pg_temp.at(0, '12:30')
                                    WHERE starts_at = pg_temp.at(0, '08:45')$$), '\d{4}-\d\d-\d\d ', '') AS move_onto_other;
-- the buffers stay those of the booking's service, whatever the writer says
UPDATE booking.booking SET buffer_after_minutes = 0 WHERE starts_at = pg_temp.at(0, '08:45');
SELECT buffer_after_minutes FROM booking.booking WHERE starts_at = pg_temp.at(0, '08:45');
SELECT pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, buffer_after_minutes)
  VALUES ('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c071', '00000000-0000-0000-0000-00000000c051',
          pg_temp.at(0, '15:00'), pg_temp.at(0, '16:00'), 'EUR', 0)$$) AS insert_with_own_buffer,
       (SELECT buffer_after_minutes FROM booking.booking WHERE starts_at = pg_temp.at(0, '15:00')) AS stored;

-- 2. Eligibility: one reason per problem, refused with 23K04 and the reasons as detail.
SELECT r.display_name AS resource, c.full_name AS client, s.name AS service, p.rule_id IS NOT NULL AS has_rule,
       replace(p.reason, pg_temp.day(0)::text, '<day 0>') AS reason
  FROM booking.client c, booking.resource r, booking.service s,
       booking.eligibility_problems(c.org_id, r.id, s.id, c.id, pg_temp.day(0)) p
 WHERE c.org_id = :org AND r.org_id = :org AND s.org_id = :org
   AND (r.display_name = 'Ingo (B)' OR (c.full_name = 'Adult B' AND s.name = 'Lesson'))
   AND s.name <> 'Workshop' AND c.full_name NOT LIKE 'Participant%'
 ORDER BY 1, 2, 3, 5;
SELECT pg_temp.why($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES ('00000000-0000-0000-0000-00000000c062', '00000000-0000-0000-0000-00000000c072', '00000000-0000-0000-0000-00000000c051',
          pg_temp.at(1, '10:00'), pg_temp.at(1, '11:00'), 'EUR')$$) AS minor_with_unlicensed;
-- consent given: the minor may book with a licensed instructor
UPDATE booking.client_guardian SET consent_given_at = now() WHERE client_id = '00000000-0000-0000-0000-00000000c062';
SELECT pg_temp.appt('00000000-0000-0000-0000-00000000c062', '00000000-0000-0000-0000-00000000c071',
                    '00000000-0000-0000-0000-00000000c051', pg_temp.at(1, '10:00'), pg_temp.at(1, '11:00')) AS minor_with_consent;
-- the prerequisite is met once a standard lesson is completed
SELECT pg_temp.why($$SELECT booking.book('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c052',
                   pg_temp.at(2, '10:00'), '00000000-0000-0000-0000-00000000c071')$$) AS highway_first;
-- (the lesson lies in the future, so it is marked completed as a data load
-- without an identity, which the life-cycle rules leave alone)
SELECT set_config('booking.identity', '', false) IS NOT NULL AS data_load;
UPDATE booking.booking SET status = 'completed' WHERE starts_at = pg_temp.at(0, '08:45');
SELECT set_config('booking.identity', :org || ' ' || :owner || ' owner', false) IS NOT NULL AS acting;
SELECT pg_temp.try($$SELECT booking.book('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c052',
                   pg_temp.at(2, '10:00'), '00000000-0000-0000-0000-00000000c071')$$) AS highway_after_standard;
-- age on the booking's local date: the day before the minor's 17th birthday and on it
SELECT on_date - birthday AS days_after_17th_birthday, array_agg(replace(reason, on_date::text, '<that day>'))
  FROM (SELECT (date_of_birth + interval '17 years')::date FROM booking.client WHERE id = '00000000-0000-0000-0000-00000000c062') b(birthday)
 CROSS JOIN LATERAL (VALUES (birthday - 1), (birthday)) d(on_date)
  LEFT JOIN LATERAL booking.eligibility_problems(:org, '00000000-0000-0000-0000-00000000c071', '00000000-0000-0000-0000-00000000c052',
                                                 '00000000-0000-0000-0000-00000000c062', on_date) p ON true
 GROUP BY on_date, birthday ORDER BY on_date;
-- cancelling or completing never re-checks eligibility
UPDATE booking.client SET active = false WHERE id = '00000000-0000-0000-0000-00000000c062';
SELECT pg_temp.try($$UPDATE booking.booking SET status = 'cancelled' WHERE client_id = '00000000-0000-0000-0000-00000000c062'$$) AS cancel_inactive;
UPDATE booking.client SET active = true WHERE id = '00000000-0000-0000-0000-00000000c062';

-- 3. Sessions: seats never exceed capacity; a full session takes waitlist entries.
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency, price_cents) VALUES
  (:org, '00000000-0000-0000-0000-00000000c091', '00000000-0000-0000-0000-00000000c073', '00000000-0000-0000-0000-00000000c053',
   'Wheel throwing', pg_temp.at(7, '18:00'), pg_temp.at(7, '20:00'), 3, 'EUR', 4500);
CREATE FUNCTION pg_temp.seat(client text, n int, status text DEFAULT 'pending') RETURNS text
LANGUAGE sql AS $$
  SELECT pg_temp.why(format($q$INSERT INTO booking.booking (client_id, session_id, seats, status, created_at)
                        VALUES (%L, '00000000-0000-0000-0000-00000000c091', %s, %L, clock_timestamp())$q$, client, n, status))
$$;
SELECT pg_temp.seat('00000000-0000-0000-0000-00000000c061', 2) AS two_seats,
       pg_temp.seat('00000000-0000-0000-0000-00000000c064', 1) AS one_seat,
       pg_temp.seat('00000000-0000-0000-0000-00000000c065', 1) AS one_too_many;
-- session bookings take times, resource, service and currency from the session
SELECT seats, starts_at = pg_temp.at(7, '18:00') AS starts, resource_id = '00000000-0000-0000-0000-00000000c073' AS resource,
       service_id = '00000000-0000-0000-0000-00000000c053' AS service, currency
  FROM booking.booking WHERE session_id = '00000000-0000-0000-0000-00000000c091' ORDER BY seats;
-- the waitlist: through book(waitlist => true), or inserted as waitlisted
SELECT (booking.book('00000000-0000-0000-0000-00000000c065', session_id => '00000000-0000-0000-0000-00000000c091', waitlist => true)).status AS via_book;
SELECT pg_temp.seat('00000000-0000-0000-0000-00000000c066', 2, 'waitlisted') AS waitlisted_two;
SELECT pg_temp.seat('00000000-0000-0000-0000-00000000c067', 1, 'waitlisted') AS waitlisted_one;
SELECT booking.seats_taken(:org, '00000000-0000-0000-0000-00000000c091') AS taken;
-- a cancellation promotes the first waitlisted booking in the same transaction
BEGIN;
UPDATE booking.booking SET status = 'cancelled'
 WHERE client_id = '00000000-0000-0000-0000-00000000c064' AND session_id = '00000000-0000-0000-0000-00000000c091';
SELECT c.full_name, b.seats, b.status FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
 WHERE b.session_id = '00000000-0000-0000-0000-00000000c091' ORDER BY b.created_at;
COMMIT;
-- the 2-seat entry waits ahead of the 1-seat one: first come, first served
-- capacity cannot go below the seats taken ...
SELECT pg_temp.why($$UPDATE booking.session SET capacity = 2 WHERE id = '00000000-0000-0000-0000-00000000c091'$$) AS lower_capacity;
-- ... and more capacity promotes the waitlist
UPDATE booking.session SET capacity = 6 WHERE id = '00000000-0000-0000-0000-00000000c091';
SELECT c.full_name, b.seats, b.status FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
 WHERE b.session_id = '00000000-0000-0000-0000-00000000c091' ORDER BY b.created_at;
SELECT booking.seats_taken(:org, '00000000-0000-0000-0000-00000000c091') AS taken;
-- more seats on an existing booking are checked like new ones
SELECT pg_temp.try($$UPDATE booking.booking SET seats = 3 WHERE client_id = '00000000-0000-0000-0000-00000000c061'
                     AND session_id = '00000000-0000-0000-0000-00000000c091'$$) AS grow_beyond;
-- a later start of the session moves its open bookings along
UPDATE booking.session SET starts_at = pg_temp.at(7, '19:00'), ends_at = pg_temp.at(7, '21:00') WHERE id = '00000000-0000-0000-0000-00000000c091';
SELECT status, count(*), bool_and(starts_at = pg_temp.at(7, '19:00')) AS moved
  FROM booking.booking WHERE session_id = '00000000-0000-0000-0000-00000000c091' GROUP BY status ORDER BY status;
-- deleting an occupying booking promotes as well
SELECT pg_temp.seat('00000000-0000-0000-0000-00000000c063', 1, 'waitlisted') AS waitlisted_child;
DELETE FROM booking.booking WHERE client_id = '00000000-0000-0000-0000-00000000c067' AND session_id = '00000000-0000-0000-0000-00000000c091';
SELECT status FROM booking.booking WHERE client_id = '00000000-0000-0000-0000-00000000c063' AND session_id = '00000000-0000-0000-0000-00000000c091';

-- 4. Holds: taken until they expire; an expired hold gives way to the next
-- writer that needs its time or seats, without any sweeper.
SELECT (booking.book('00000000-0000-0000-0000-00000000c064', '00000000-0000-0000-0000-00000000c051', pg_temp.at(3, '10:00'),
                     '00000000-0000-0000-0000-00000000c072', hold_minutes => 15)).hold_expires_at = now() + interval '15 minutes' AS live_hold;
SELECT pg_temp.appt('00000000-0000-0000-0000-00000000c064', '00000000-0000-0000-0000-00000000c072',
                    '00000000-0000-0000-0000-00000000c051', pg_temp.at(3, '10:30'), pg_temp.at(3, '11:30')) AS live_hold_blocks;
SELECT hold_expires_at IS NULL AS confirmed, status FROM booking.confirm_hold(
  (SELECT id FROM booking.booking WHERE starts_at = pg_temp.at(3, '10:00')));
SELECT pg_temp.try($$SELECT booking.confirm_hold('00000000-0000-0000-0000-000000000000')$$) AS no_such_hold;
-- holds whose expiry has passed: loaded without an identity (as a restore
-- would), since a writer cannot create one
RESET booking.identity;
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, hold_expires_at) VALUES
  (:org, '00000000-0000-0000-0000-00000000c0b1', '00000000-0000-0000-0000-00000000c064', '00000000-0000-0000-0000-00000000c072',
   '00000000-0000-0000-0000-00000000c051', pg_temp.at(4, '10:00'), pg_temp.at(4, '11:00'), 'EUR', now() - interval '1 minute'),
  (:org, '00000000-0000-0000-0000-00000000c0b2', '00000000-0000-0000-0000-00000000c064', '00000000-0000-0000-0000-00000000c072',
   '00000000-0000-0000-0000-00000000c051', pg_temp.at(4, '14:00'), pg_temp.at(4, '15:00'), 'EUR', now() - interval '1 minute');
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency) VALUES
  (:org, '00000000-0000-0000-0000-00000000c092', '00000000-0000-0000-0000-00000000c073', '00000000-0000-0000-0000-00000000c053',
   'Glazing', pg_temp.at(8, '18:00'), pg_temp.at(8, '20:00'), 2, 'EUR');
INSERT INTO booking.booking (org_id, id, client_id, session_id, seats, currency, hold_expires_at) VALUES
  (:org, '00000000-0000-0000-0000-00000000c0b3', '00000000-0000-0000-0000-00000000c065', '00000000-0000-0000-0000-00000000c092', 2, 'EUR', now() - interval '1 minute');
SELECT set_config('booking.identity', :org || ' ' || :owner || ' owner', false) IS NOT NULL AS acting;
SELECT id, status, booking.occupies_now(status, hold_expires_at) FROM booking.booking WHERE id::text LIKE '00000000-0000-0000-0000-00000000c0b_' ORDER BY id;
SELECT booking.seats_taken(:org, '00000000-0000-0000-0000-00000000c092') AS glazing_taken;
-- the expired hold neither blocks the slot nor the seats
SELECT pg_temp.appt('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c071',
                    '00000000-0000-0000-0000-00000000c051', pg_temp.at(4, '10:00'), pg_temp.at(4, '11:00')) AS other_resource_same_time,
       pg_temp.appt('00000000-0000-0000-0000-00000000c064', '00000000-0000-0000-0000-00000000c072',
                    '00000000-0000-0000-0000-00000000c051', pg_temp.at(4, '10:30'), pg_temp.at(4, '11:30')) AS onto_expired_hold;
SELECT (booking.book('00000000-0000-0000-0000-00000000c061', session_id => '00000000-0000-0000-0000-00000000c092', seats => 2)).status AS glazing_full_of_expired_hold;
SELECT id, status FROM booking.booking WHERE id::text LIKE '00000000-0000-0000-0000-00000000c0b_' ORDER BY id;
-- an expired hold cannot be confirmed any more
SELECT pg_temp.try($$SELECT booking.confirm_hold('00000000-0000-0000-0000-00000000c0b2')$$) AS confirm_expired;
-- a lapsed hold's seats go to the waitlist before a newcomer gets them
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency) VALUES
  (:org, '00000000-0000-0000-0000-00000000c093', '00000000-0000-0000-0000-00000000c073', '00000000-0000-0000-0000-00000000c053',
   'Raku', pg_temp.at(9, '18:00'), pg_temp.at(9, '20:00'), 1, 'EUR');
SELECT (booking.book('00000000-0000-0000-0000-00000000c066', session_id => '00000000-0000-0000-0000-00000000c093', hold_minutes => 5)).status AS raku_hold,
       (booking.book('00000000-0000-0000-0000-00000000c067', session_id => '00000000-0000-0000-0000-00000000c093', waitlist => true)).status AS raku_waiting;
-- let the hold lapse (without an identity, as only maintenance may set a past expiry)
RESET booking.identity;
UPDATE booking.booking SET hold_expires_at = now() - interval '1 second'
 WHERE session_id = '00000000-0000-0000-0000-00000000c093' AND status = 'pending';
SELECT set_config('booking.identity', :org || ' ' || :owner || ' owner', false) IS NOT NULL AS acting;
-- a newcomer is refused (and its refused statement changes nothing) ...
SELECT pg_temp.why($$SELECT booking.book('00000000-0000-0000-0000-00000000c065', session_id => '00000000-0000-0000-0000-00000000c093')$$) AS raku_newcomer;
-- ... or joins the waitlist, behind the entry that now got the seat
SELECT (booking.book('00000000-0000-0000-0000-00000000c065', session_id => '00000000-0000-0000-0000-00000000c093', waitlist => true)).status AS raku_newcomer_waits;
SELECT c.full_name, b.status FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
 WHERE b.session_id = '00000000-0000-0000-0000-00000000c093' ORDER BY c.full_name;

-- 5. Idempotency: the same key and request return the same booking; the same
-- key with another request is refused.
SELECT (booking.book('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c051', pg_temp.at(9, '10:00'),
                     '00000000-0000-0000-0000-00000000c071', idempotency_key => 'checkout-42')).id AS first_id \gset
SELECT (booking.book('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c051', pg_temp.at(9, '10:00'),
                     '00000000-0000-0000-0000-00000000c071', idempotency_key => 'checkout-42')).id = :'first_id' AS same_booking;
SELECT count(*) FROM booking.booking WHERE idempotency_key = 'checkout-42';
SELECT pg_temp.try($$SELECT booking.book('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c051', pg_temp.at(9, '11:30'),
                     '00000000-0000-0000-0000-00000000c071', idempotency_key => 'checkout-42')$$) AS other_request_same_key;
-- still the same request after the booking was confirmed and its notes changed
UPDATE booking.booking SET status = 'confirmed', notes = 'bring glasses' WHERE idempotency_key = 'checkout-42';
SELECT (booking.book('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c051', pg_temp.at(9, '10:00'),
                     '00000000-0000-0000-0000-00000000c071', idempotency_key => 'checkout-42')).status AS retried;
-- plain INSERTs under a used key: another request is refused (23K03); the
-- same request meets the unique key (23505), not the rules (it would clash
-- with itself), so ON CONFLICT DO NOTHING does nothing
SELECT pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, idempotency_key)
  VALUES ('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c071', '00000000-0000-0000-0000-00000000c051',
          pg_temp.at(10, '10:00'), pg_temp.at(10, '11:00'), 'EUR', 'checkout-42')$$) AS plain_insert_same_key;
SELECT pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, idempotency_key)
  VALUES ('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c071', '00000000-0000-0000-0000-00000000c051',
          pg_temp.at(9, '10:00'), pg_temp.at(9, '11:00'), 'EUR', 'checkout-42')$$) AS plain_insert_same_request;
INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, idempotency_key)
  VALUES ('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c071', '00000000-0000-0000-0000-00000000c051',
          pg_temp.at(9, '10:00'), pg_temp.at(9, '11:00'), 'EUR', 'checkout-42')
  ON CONFLICT (org_id, idempotency_key) DO NOTHING;
SELECT count(*) AS bookings_with_the_key FROM booking.booking WHERE idempotency_key = 'checkout-42';
-- the price comes from the default rate card and is split by the platform fee
INSERT INTO booking.rate_card (org_id, id, name, currency, is_default) VALUES (:org, '00000000-0000-0000-0000-00000000c0d1', 'Default', 'EUR', true);
INSERT INTO booking.rate_card_item (org_id, rate_card_id, service_id, price_cents) VALUES (:org, '00000000-0000-0000-0000-00000000c0d1', '00000000-0000-0000-0000-00000000c051', 5500);
UPDATE booking.org SET platform_fee_bps = 1500 WHERE id = :org;
SELECT price_cents, platform_fee_cents, resource_share_cents, currency, created_by = :owner AS by_owner
  FROM booking.book('00000000-0000-0000-0000-00000000c061', '00000000-0000-0000-0000-00000000c051', pg_temp.at(11, '10:00'),
                    '00000000-0000-0000-0000-00000000c071');

RESET booking.identity;
DELETE FROM booking.org WHERE id = :org;
DELETE FROM booking.app_user WHERE id = :owner;
