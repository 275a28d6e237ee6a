-- Who reaches a row, carried onto the row (issue 15, point 2): payment,
-- invoice and status_history carry their booking's client, resource and
-- session, a client the resources and sessions of its bookings; the
-- triggers keep them true whatever a writer gives, a booking that changes
-- hands takes its rows' readers with it, and the policies read only those
-- columns and the identity.
BEGIN;
SET client_min_messages = warning;
\i test/sql/include/week.psql

CREATE FUNCTION pg_temp.id(name text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT md5('reach' || name)::uuid $$;
INSERT INTO booking.app_user (id, email, full_name)
SELECT pg_temp.id(u), u || '@reach.example', u FROM (VALUES ('staff'), ('i1'), ('i2'), ('student'), ('guardian')) v(u);
INSERT INTO booking.org (id, name, time_zone, currency, booking_horizon_days, min_notice_minutes)
VALUES (pg_temp.id('org'), 'Reach', 'Europe/Berlin', 'EUR', 3660, 0);
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (pg_temp.id('org'), pg_temp.id('staff'), 'staff'), (pg_temp.id('org'), pg_temp.id('i1'), 'instructor'),
  (pg_temp.id('org'), pg_temp.id('i2'), 'instructor'), (pg_temp.id('org'), pg_temp.id('student'), 'student'),
  (pg_temp.id('org'), pg_temp.id('guardian'), 'guardian');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (pg_temp.id('org'), pg_temp.id('svc'), 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name, user_id) VALUES
  (pg_temp.id('org'), pg_temp.id('r1'), 'One', pg_temp.id('i1')), (pg_temp.id('org'), pg_temp.id('r2'), 'Two', pg_temp.id('i2'));
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT pg_temp.id('org'), r, d, '[00:00,24:00)' FROM unnest(ARRAY[pg_temp.id('r1'), pg_temp.id('r2')]) r, generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES
  (pg_temp.id('org'), pg_temp.id('c1'), 'Student', pg_temp.id('student')), (pg_temp.id('org'), pg_temp.id('c2'), 'Other', NULL);
INSERT INTO booking.guardian (org_id, id, full_name, user_id) VALUES (pg_temp.id('org'), pg_temp.id('g1'), 'Parent', pg_temp.id('guardian'));
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) VALUES (pg_temp.id('org'), pg_temp.id('c1'), pg_temp.id('g1'));
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency)
VALUES (pg_temp.id('org'), pg_temp.id('s1'), pg_temp.id('r2'), pg_temp.id('svc'), 'Theory', pg_temp.at(1, '18:00'), pg_temp.at(1, '19:00'), 10, 'EUR');
-- b1: c1 with r1; b2: c1's seat in r2's session (the write path gives it
-- the session's resource); b3: c2 with r2
INSERT INTO booking.booking (org_id, id, client_id, resource_id, session_id, service_id, starts_at, ends_at, currency) VALUES
  (pg_temp.id('org'), pg_temp.id('b1'), pg_temp.id('c1'), pg_temp.id('r1'), NULL, pg_temp.id('svc'), pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR'),
  (pg_temp.id('org'), pg_temp.id('b2'), pg_temp.id('c1'), NULL, pg_temp.id('s1'), pg_temp.id('svc'), pg_temp.at(1, '18:00'), pg_temp.at(1, '19:00'), 'EUR'),
  (pg_temp.id('org'), pg_temp.id('b3'), pg_temp.id('c2'), pg_temp.id('r2'), NULL, pg_temp.id('svc'), pg_temp.at(2, '10:00'), pg_temp.at(2, '11:00'), 'EUR');
INSERT INTO booking.payment (org_id, booking_id, currency, amount_cents)
SELECT pg_temp.id('org'), pg_temp.id(b), 'EUR', 0 FROM unnest('{b1,b2,b3}'::text[]) b;
INSERT INTO booking.invoice (org_id, number, booking_id, client_id, currency, amount_cents)
SELECT pg_temp.id('org'), 'R-' || b, pg_temp.id(b), NULL, 'EUR', 0 FROM unnest('{b1,b2,b3}'::text[]) b;
INSERT INTO booking.status_history (org_id, booking_id, to_status)
SELECT pg_temp.id('org'), pg_temp.id(b), 'pending' FROM unnest('{b1,b2,b3}'::text[]) b;

CREATE ROLE regress_reach_app;
SELECT booking.grant_app_role('regress_reach_app', trusted => true) IS NULL AS granted \gset
-- what the user u sees: {payments, invoices, history rows, clients}
CREATE FUNCTION pg_temp.sees(u text) RETURNS int[] LANGUAGE plpgsql AS $$
BEGIN
  PERFORM booking.act_as(pg_temp.id('org'), pg_temp.id(u));
  RETURN ARRAY[(SELECT count(*) FROM booking.payment), (SELECT count(*) FROM booking.invoice),
               (SELECT count(*) FROM booking.status_history), (SELECT count(*) FROM booking.client)]::int[];
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.sees(text) TO regress_reach_app;
-- the carried columns of the three tables for booking b, as text
CREATE FUNCTION pg_temp.carried(b text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(t || ':' || coalesce(c::text, '-') || '/' || coalesce(r::text, '-') || '/' || coalesce(s::text, '-'), ' ' ORDER BY t)
    FROM (SELECT 'payment' t, booking_client_id c, booking_resource_id r, booking_session_id s FROM booking.payment WHERE booking_id = pg_temp.id(b)
          UNION ALL SELECT 'invoice', booking_client_id, booking_resource_id, booking_session_id FROM booking.invoice WHERE booking_id = pg_temp.id(b)
          UNION ALL SELECT 'status_history', booking_client_id, booking_resource_id, booking_session_id FROM booking.status_history WHERE booking_id = pg_temp.id(b)) x $$;
CREATE FUNCTION pg_temp.want(c text, r text, s text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(t || ':' || coalesce(pg_temp.id(c)::text, '-') || '/' || coalesce(pg_temp.id(r)::text, '-') || '/' || coalesce(pg_temp.id(s)::text, '-'), ' ' ORDER BY t)
    FROM unnest('{payment,invoice,status_history}'::text[]) t $$;
CREATE FUNCTION pg_temp.client_reach(c text) RETURNS text LANGUAGE sql AS $$
  SELECT booking_resource_ids::text || booking_session_ids::text FROM booking.client WHERE id = pg_temp.id(c) $$;
CREATE FUNCTION pg_temp.ids(VARIADIC n text[]) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(array_agg(pg_temp.id(x) ORDER BY pg_temp.id(x)), '{}')::text FROM unnest(n) x WHERE x IS NOT NULL $$;

SELECT plan(20);

-- The rows carry what their bookings say.
SELECT is(pg_temp.carried('b1'), pg_temp.want('c1', 'r1', NULL), 'payment, invoice and history of an appointment carry its client and resource');
SELECT is(pg_temp.carried('b2'), pg_temp.want('c1', 'r2', 's1'), '... of a session seat its client, the session''s resource and the session');
SELECT is(pg_temp.client_reach('c1'), pg_temp.ids('r1', 'r2') || pg_temp.ids('s1'), 'a client carries the resources and sessions of its bookings');
SELECT is(pg_temp.client_reach('c2'), pg_temp.ids('r2') || '{}', '... each client its own');

-- Whatever a writer gives, the bookings' values stand (a writer with an
-- identity; a restore, below, brings its own).
SELECT booking.act_as(pg_temp.id('org'), pg_temp.id('staff')) IS NOT NULL AS acting \gset
UPDATE booking.payment SET booking_resource_id = pg_temp.id('r2'), booking_client_id = NULL WHERE booking_id = pg_temp.id('b1');
UPDATE booking.invoice SET booking_session_id = pg_temp.id('s1') WHERE booking_id = pg_temp.id('b1');
UPDATE booking.client SET booking_resource_ids = '{}', booking_session_ids = ARRAY[pg_temp.id('s1')] WHERE id = pg_temp.id('c2');
INSERT INTO booking.client (org_id, id, full_name, booking_resource_ids) VALUES (pg_temp.id('org'), pg_temp.id('c3'), 'New', ARRAY[pg_temp.id('r1')]);
SELECT is(pg_temp.carried('b1'), pg_temp.want('c1', 'r1', NULL), 'a write of the carried columns of a payment or invoice is replaced by the booking''s');
SELECT is(pg_temp.client_reach('c2') || pg_temp.client_reach('c3'), pg_temp.ids('r2') || '{}' || '{}{}',
          'a write of a client''s carried columns is replaced by its bookings''');
SET LOCAL booking.identity = '';
INSERT INTO booking.client (org_id, id, full_name, booking_resource_ids) VALUES (pg_temp.id('org'), pg_temp.id('c4'), 'Restored', ARRAY[pg_temp.id('r1')]);
SELECT is(pg_temp.client_reach('c4'), pg_temp.ids('r1') || '{}', 'a restore (a maintenance writer''s INSERT) keeps the carried columns it brings');
DELETE FROM booking.client WHERE id = pg_temp.id('c4');

-- As the members: an instructor the rows of their bookings and sessions.
SET ROLE regress_reach_app;
SELECT is(pg_temp.sees('staff'), ARRAY[3, 3, 3, 3], 'staff see every payment, invoice, history row and client');
SELECT is(pg_temp.sees('i1'), ARRAY[1, 1, 1, 1], 'r1''s instructor: b1''s rows and its client');
SELECT is(pg_temp.sees('i2'), ARRAY[2, 2, 2, 2], 'r2''s instructor: b3''s rows and the session seat b2''s, and both clients');
SELECT is(pg_temp.sees('student'), ARRAY[2, 2, 2, 1], 'the student: the rows of their two bookings, their client row');
SELECT is(pg_temp.sees('guardian'), ARRAY[2, 2, 2, 1], 'the guardian: the same as their student');
RESET ROLE;
SET LOCAL booking.identity = '';

-- b1 moves from r1 to r2: its rows and its client follow.
UPDATE booking.booking SET resource_id = pg_temp.id('r2'), starts_at = pg_temp.at(3, '10:00'), ends_at = pg_temp.at(3, '11:00')
 WHERE id = pg_temp.id('b1');
SELECT is(pg_temp.carried('b1'), pg_temp.want('c1', 'r2', NULL), 'a booking moved to another resource: its payment, invoice and history carry the new one');
SELECT is(pg_temp.client_reach('c1'), pg_temp.ids('r2') || pg_temp.ids('s1'), '... and its client no longer carries the old one');
SET ROLE regress_reach_app;
SELECT is(pg_temp.sees('i1'), ARRAY[0, 0, 0, 0], 'r1''s instructor no longer sees them');
SELECT is(pg_temp.sees('i2'), ARRAY[3, 3, 3, 2], 'r2''s instructor does');
RESET ROLE;
SET LOCAL booking.identity = '';

-- The history stays append-only but for the carried columns.
SELECT booking.act_as(pg_temp.id('org'), pg_temp.id('staff')) IS NOT NULL AS acting \gset
SELECT throws_ok($$UPDATE booking.status_history SET reason = 'rewritten' WHERE booking_id = pg_temp.id('b1')$$,
                 '42501', 'status_history rows are append-only', 'a history row''s reason cannot be changed (with an identity, even by a superuser)');
SELECT lives_ok($$UPDATE booking.status_history SET booking_resource_id = pg_temp.id('r1') WHERE booking_id = pg_temp.id('b1')$$,
                'its carried columns can be written ...');
SELECT is(pg_temp.carried('b1'), pg_temp.want('c1', 'r2', NULL), '... and stay the booking''s');
SET LOCAL booking.identity = '';

-- A deleted booking leaves its client's reach.
DELETE FROM booking.booking WHERE id = pg_temp.id('b2');
SELECT is(pg_temp.client_reach('c1'), pg_temp.ids('r2') || '{}', 'a deleted booking''s session leaves its client''s reach');

SELECT * FROM finish();
ROLLBACK;
