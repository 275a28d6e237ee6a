-- Seats, holds and the waitlist at their edges (issue 14): a restore keeps
-- rows and fingerprints as dumped, the waitlist is strictly first come,
-- first served in every order of events, waiting entries never outlive their
-- session, a confirmed hold no longer lapses, and the history of a promotion
-- carries its own reason.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\set SHOW_CONTEXT never

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000014a1', 'edges.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000014a2', 'edges.staff@example.com', 'Staff');
SELECT booking.create_org('Edges Studio', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000014a1') AS org \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES (:'org', '00000000-0000-0000-0000-0000000014a2', 'staff');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', '00000000-0000-0000-0000-0000000014e1', 'Workshop', 60, true);
INSERT INTO booking.resource (org_id, id, display_name) VALUES (:'org', '00000000-0000-0000-0000-0000000014b1', 'Facilitator');
INSERT INTO booking.client (org_id, id, full_name)
SELECT :'org', ('00000000-0000-0000-0000-0000000014c' || n)::uuid, 'Client ' || n FROM generate_series(1, 9) n;
-- sessions s1..s6, one a day from three days on, capacity 3 (s2: 1)
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency)
SELECT :'org', ('00000000-0000-0000-0000-0000000014f' || n)::uuid, '00000000-0000-0000-0000-0000000014b1',
       '00000000-0000-0000-0000-0000000014e1', 'Session ' || n,
       date_trunc('hour', now()) + make_interval(days => 2 + n), date_trunc('hour', now()) + make_interval(days => 2 + n, hours => 1),
       CASE n WHEN 2 THEN 1 ELSE 3 END, 'EUR'
  FROM generate_series(1, 6) n;

-- who(client n) and the status of each booking of a session, by client
CREATE FUNCTION pg_temp.seats(s int) RETURNS TABLE (client text, seats int, status booking.booking_status, held bool)
  LANGUAGE sql AS $$
  SELECT c.full_name, b.seats, b.status, b.hold_expires_at IS NOT NULL
    FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
   WHERE b.session_id = ('00000000-0000-0000-0000-0000000014f' || s)::uuid ORDER BY c.full_name $$;
CREATE FUNCTION pg_temp.sid(s int) RETURNS uuid LANGUAGE sql AS $$ SELECT ('00000000-0000-0000-0000-0000000014f' || s)::uuid $$;
CREATE FUNCTION pg_temp.cid(c int) RETURNS uuid LANGUAGE sql AS $$ SELECT ('00000000-0000-0000-0000-0000000014c' || c)::uuid $$;
GRANT EXECUTE ON FUNCTION pg_temp.sid(int), pg_temp.cid(int) TO PUBLIC;

-- 1. Idempotency across a restore.  A seat booked with a key: the request
-- had no times (the session gives them), so its fingerprint is of the
-- request as sent.  Loading the row back as data (what pg_restore does)
-- keeps the fingerprint, and a retry of the request returns the booking.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
SELECT (booking.book(pg_temp.cid(1), session_id => pg_temp.sid(1), idempotency_key => 'order-1')).id AS first_id \gset
COMMIT;
-- (the copy gets another id and key, as if restored into this database)
CREATE TEMP TABLE dumped AS SELECT * FROM booking.booking WHERE idempotency_key = 'order-1';
UPDATE dumped SET id = '00000000-0000-0000-0000-0000000014d0', idempotency_key = 'order-1-restored';
INSERT INTO booking.booking SELECT * FROM dumped;          -- as a restore: a superuser, no identity
SELECT b.idempotency_fingerprint = d.idempotency_fingerprint AS fingerprint_kept
  FROM booking.booking b, dumped d WHERE b.id = d.id;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
SELECT (booking.book(pg_temp.cid(1), session_id => pg_temp.sid(1), idempotency_key => 'order-1')).id = :'first_id' AS retry_returns_the_booking;
SELECT (booking.book(pg_temp.cid(1), session_id => pg_temp.sid(1), idempotency_key => 'order-1-restored')).id = '00000000-0000-0000-0000-0000000014d0' AS retry_returns_the_restored_booking;
COMMIT;

-- 2. A restore writes rows as dumped.  Session 2 (capacity 1): a held seat
-- whose hold lapsed unnoticed and two waiting entries, loaded in the order
-- a dump may have them: nothing is expired, nobody promoted, no history
-- written.
INSERT INTO booking.booking (org_id, id, client_id, session_id, status, seats, currency, created_at, hold_expires_at) VALUES
  (:'org', '00000000-0000-0000-0000-0000000014d1', pg_temp.cid(2), pg_temp.sid(2), 'pending', 1, 'EUR', now() - interval '3 hours', now() - interval '1 hour');
INSERT INTO booking.booking (org_id, id, client_id, session_id, status, seats, currency, created_at) VALUES
  (:'org', '00000000-0000-0000-0000-0000000014d2', pg_temp.cid(3), pg_temp.sid(2), 'waitlisted', 1, 'EUR', now() - interval '2 hours'),
  (:'org', '00000000-0000-0000-0000-0000000014d3', pg_temp.cid(4), pg_temp.sid(2), 'waitlisted', 1, 'EUR', now() - interval '1 hour');
SELECT * FROM pg_temp.seats(2);
SELECT count(*) AS history_rows FROM booking.status_history WHERE booking_id IN
  ('00000000-0000-0000-0000-0000000014d1', '00000000-0000-0000-0000-0000000014d2', '00000000-0000-0000-0000-0000000014d3');
-- The first writer with an identity sees the lapse: the hold expires, the
-- first in line is promoted, and the newcomer joins the end of the line.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
SELECT (booking.book(pg_temp.cid(5), session_id => pg_temp.sid(2), waitlist => true)).status;
COMMIT;
SELECT * FROM pg_temp.seats(2);

-- 3. Strictly first come, first served.  Session 3, capacity 3: client 1
-- holds 2 seats, client 2 waits for 2, then client 3 for 1.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
SELECT (booking.book(pg_temp.cid(1), session_id => pg_temp.sid(3), seats => 2, hold_minutes => 30)).status;
SELECT (booking.book(pg_temp.cid(2), session_id => pg_temp.sid(3), seats => 2, waitlist => true)).status;
COMMIT;
BEGIN;   -- later: the waitlist's order is created_at (a transaction's start), then id
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
SELECT (booking.book(pg_temp.cid(3), session_id => pg_temp.sid(3), seats => 1, waitlist => true)).status;
COMMIT;
-- One seat is free, but client 2 (first in line) needs two: a newcomer
-- does not pass the line.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
SAVEPOINT a;
SELECT (booking.book(pg_temp.cid(4), session_id => pg_temp.sid(3), seats => 1)).status;
ROLLBACK TO a;
-- client 2 leaves the waitlist: client 3 is next, and its seat is free
SELECT (booking.cancel(b.id)).refund_cents IS NOT NULL AS cancelled FROM booking.booking b
 WHERE b.session_id = pg_temp.sid(3) AND b.client_id = pg_temp.cid(2);
SELECT * FROM pg_temp.seats(3);
-- and the newcomer now finds the session full
SAVEPOINT b;
SELECT (booking.book(pg_temp.cid(4), session_id => pg_temp.sid(3), seats => 1)).status;
ROLLBACK TO b;
SELECT (booking.book(pg_temp.cid(4), session_id => pg_temp.sid(3), seats => 1, waitlist => true)).status;
-- a waiting entry that asks for fewer seats is promoted when it then fits:
-- client 1 gives up one seat of its hold, client 4 (waiting for 1) gets it
UPDATE booking.booking SET seats = 1 WHERE session_id = pg_temp.sid(3) AND client_id = pg_temp.cid(1);
SELECT * FROM pg_temp.seats(3);
COMMIT;

-- 4. Waiting entries never outlive their session.  Session 4: client 5
-- confirmed for 3 seats, client 6 waits.  Its expiry is scheduled at the
-- session's start.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
SELECT (booking.transition((booking.book(pg_temp.cid(5), session_id => pg_temp.sid(4), seats => 3)).id, 'confirmed')).status;
SELECT (booking.book(pg_temp.cid(6), session_id => pg_temp.sid(4), seats => 1, waitlist => true)).status;
COMMIT;
SELECT t.kind, t.to_status, t.execute_at = b.starts_at AS at_the_start, t.expected_status, t.reason
  FROM booking.scheduled_transition t JOIN booking.booking b ON b.org_id = t.org_id AND b.id = t.booking_id
 WHERE b.client_id = pg_temp.cid(6) AND b.session_id = pg_temp.sid(4);
-- The session is moved to have started ten minutes ago (its bookings
-- follow), then client 5 cancels: nobody is promoted into a started session.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a1') IS NOT NULL AS acting;
UPDATE booking.session SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '50 minutes' WHERE id = pg_temp.sid(4);
SELECT (booking.cancel(b.id)).refund_cents IS NOT NULL AS cancelled FROM booking.booking b
 WHERE b.session_id = pg_temp.sid(4) AND b.client_id = pg_temp.cid(5);
SELECT * FROM pg_temp.seats(4);
COMMIT;
-- The runner expires the waiting entry at the (new) start; then its client
-- has no open booking left and can be deleted.
SELECT executed >= 1 AS ran FROM booking.run_due_transitions(1000);
SELECT * FROM pg_temp.seats(4);
SELECT h.from_status, h.to_status, h.reason, h.metadata ->> 'event' AS event FROM booking.status_history h JOIN booking.booking b ON b.org_id = h.org_id AND b.id = h.booking_id
 WHERE b.client_id = pg_temp.cid(6) AND b.session_id = pg_temp.sid(4) ORDER BY h.id;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a1') IS NOT NULL AS acting;
DELETE FROM booking.booking WHERE client_id = pg_temp.cid(6);
DELETE FROM booking.client WHERE id = pg_temp.cid(6) RETURNING full_name AS deleted;
COMMIT;

-- 5. Holds and confirmation.  Staff confirm a held seat: the hold is over
-- (hold_expires_at cleared), so it never lapses and its seat is never sold
-- again.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
SELECT (booking.book(pg_temp.cid(7), session_id => pg_temp.sid(5), seats => 3, hold_minutes => 15)).id AS held \gset
SELECT status, hold_expires_at IS NOT NULL AS held FROM booking.transition(:'held', 'confirmed');
COMMIT;
SELECT booking.occupies_now('confirmed', now() - interval '1 minute') AS confirmed_with_a_lapsed_0_1_0_hold_occupies;
-- A hold confirmed at the instant it lapses (hold_expires_at = now()) is
-- lapsed: 23K05, nothing changes.
INSERT INTO booking.booking (org_id, id, client_id, session_id, status, seats, currency, hold_expires_at) VALUES
  (:'org', '00000000-0000-0000-0000-0000000014d6', pg_temp.cid(8), pg_temp.sid(5), 'pending', 1, 'EUR', now());
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000014a2') IS NOT NULL AS acting;
\set VERBOSITY sqlstate
SELECT (booking.transition('00000000-0000-0000-0000-0000000014d6', 'confirmed')).status;
\set VERBOSITY default
ROLLBACK;
SELECT status, hold_expires_at IS NOT NULL AS held FROM booking.booking WHERE id = '00000000-0000-0000-0000-0000000014d6';

-- A waiting entry whose hold lapsed while it waited expires instead of
-- becoming a pending booking that takes no seat; the next in line gets the
-- seat.  Session 6 (capacity 3), loaded as data: client 9's request for 3
-- seats, whose expiry is due; client 1 waits for 2 with a hold that lapsed,
-- client 2 for 1.  The runner first clears the lapsed hold off the
-- waitlist, then expires client 9's request, which promotes client 2.
INSERT INTO booking.booking (org_id, id, client_id, session_id, status, seats, currency, created_at, hold_expires_at) VALUES
  (:'org', '00000000-0000-0000-0000-0000000014d7', pg_temp.cid(9), pg_temp.sid(6), 'pending', 3, 'EUR', now() - interval '3 hours', NULL),
  (:'org', '00000000-0000-0000-0000-0000000014d8', pg_temp.cid(1), pg_temp.sid(6), 'waitlisted', 2, 'EUR', now() - interval '2 hours', now() - interval '1 minute'),
  (:'org', '00000000-0000-0000-0000-0000000014d9', pg_temp.cid(2), pg_temp.sid(6), 'waitlisted', 1, 'EUR', now() - interval '1 hour', NULL);
INSERT INTO booking.scheduled_transition (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
SELECT org_id, id, 'expiry', 'expired', now() - interval '1 minute', '{pending}', starts_at, 'not confirmed within 60 minutes'
  FROM booking.booking WHERE id = '00000000-0000-0000-0000-0000000014d7';
SELECT executed >= 1 AS ran FROM booking.run_due_transitions(1000);
SELECT * FROM pg_temp.seats(6);
-- every status change of session 6 with its own reason: the promotion's is
-- not the runner's expiry of another booking
SELECT c.full_name, h.from_status, h.to_status, h.reason, h.metadata ->> 'event' AS event,
       h.metadata ? 'scheduled_transition_id' AS from_a_scheduled_row
  FROM booking.status_history h JOIN booking.booking b ON b.org_id = h.org_id AND b.id = h.booking_id
  JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
 WHERE b.session_id = pg_temp.sid(6) ORDER BY h.id;

DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE id IN ('00000000-0000-0000-0000-0000000014a1', '00000000-0000-0000-0000-0000000014a2');
