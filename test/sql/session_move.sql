-- A session moved while one of its holds has lapsed and someone waits:
-- the lapsed hold expires first (the waitlist is promoted into its seats),
-- then every open booking moves with the session, in one statement.  The
-- write trigger of a moved booking used to expire that hold, and promote,
-- while the UPDATE of the session's bookings ran, changing rows it had
-- still to move: 27000 "already modified by an operation triggered by the
-- current command", depending on the order it met them.
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/week.psql

\set org '''00000000-0000-0000-0000-00000005e0f0'''
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-00000005e0a1', 'session.move.owner@example.com', 'Owner');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES (:org, 'Move Studio', 'Europe/Berlin', 'EUR');
SELECT booking.seed_lifecycle_defaults(:org) > 0 AS rules_seeded;
INSERT INTO booking.membership (org_id, user_id, role) VALUES (:org, '00000000-0000-0000-0000-00000005e0a1', 'owner');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free)
VALUES (:org, '00000000-0000-0000-0000-00000005e0e1', 'Workshop', 60, true);
INSERT INTO booking.resource (org_id, id, display_name) VALUES (:org, '00000000-0000-0000-0000-00000005e0b1', 'Fritz');
INSERT INTO booking.client (org_id, id, full_name)
SELECT :org, ('00000000-0000-0000-0000-00000005e0c' || n)::uuid, 'Client ' || n FROM generate_series(1, 3) n;
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency, price_cents)
VALUES (:org, '00000000-0000-0000-0000-00000005e0d1', '00000000-0000-0000-0000-00000005e0b1', '00000000-0000-0000-0000-00000005e0e1',
        'Pottery', pg_temp.at(1, '10:00'), pg_temp.at(1, '11:00'), 2, 'EUR', 1000);

CREATE ROLE regress_session_move_app;
SELECT booking.grant_app_role('regress_session_move_app', trusted => true);
SET ROLE regress_session_move_app;

-- Client 1 books a seat, client 2 holds the other, client 3 waits.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005e0a1') IS NOT NULL AS acting_owner;
SELECT (booking.book('00000000-0000-0000-0000-00000005e0c1', session_id => '00000000-0000-0000-0000-00000005e0d1')).status AS client_1;
SELECT (booking.book('00000000-0000-0000-0000-00000005e0c2', session_id => '00000000-0000-0000-0000-00000005e0d1', hold_minutes => 10)).status AS client_2;
SELECT (booking.book('00000000-0000-0000-0000-00000005e0c3', session_id => '00000000-0000-0000-0000-00000005e0d1', waitlist => true)).status AS client_3;
COMMIT;
-- client 2's hold lapses (time passes: the clock, as a loader writes it)
RESET ROLE;
BEGIN;
SET LOCAL booking.identity = '';
UPDATE booking.booking SET hold_expires_at = now() - interval '1 second' WHERE client_id = '00000000-0000-0000-0000-00000005e0c2';
COMMIT;
SET ROLE regress_session_move_app;

-- The owner moves the session a day later.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005e0a1') IS NOT NULL AS acting_owner;
UPDATE booking.session SET starts_at = pg_temp.at(2, '10:00'), ends_at = pg_temp.at(2, '11:00')
 WHERE id = '00000000-0000-0000-0000-00000005e0d1';
SELECT c.full_name, b.status, b.starts_at = pg_temp.at(2, '10:00') AS moved,
       (SELECT string_agg(coalesce(h.from_status::text, 'new') || '->' || h.to_status || coalesce(' (' || (h.metadata ->> 'event') || ')', ''), ', ' ORDER BY h.id)
          FROM booking.status_history h WHERE h.booking_id = b.id) AS history
  FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
 ORDER BY c.full_name;
COMMIT;

RESET ROLE;
DELETE FROM booking.org WHERE id = :org;
DELETE FROM booking.app_user WHERE id = '00000000-0000-0000-0000-00000005e0a1';
DROP OWNED BY regress_session_move_app;
DROP ROLE regress_session_move_app;
