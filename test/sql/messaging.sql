-- Notifications the engine writes on booking events, as a real non-owner
-- application role: who is told (org settings and their defaults), in the
-- same transaction, never for a change that rolls back, never the actor;
-- the pull path; bad input with SQLSTATEs.  (LISTEN: test/specs/notify.spec;
-- through PgBouncer: test/pgbouncer.sh; the outbox relay: outbox.sql.)
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/try.psql
\i test/sql/include/week.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000018a1', 'msg.owner@example.com', 'Olga Owner'),
  ('00000000-0000-0000-0000-0000000018a2', 'msg.fac@example.com', 'Fritz Facilitator'),
  ('00000000-0000-0000-0000-0000000018a3', 'msg.sam@example.com', 'Sam Minor'),
  ('00000000-0000-0000-0000-0000000018a4', 'msg.gina@example.com', 'Gina Guardian'),
  ('00000000-0000-0000-0000-0000000018a5', 'msg.tom@example.com', 'Tom Adult'),
  ('00000000-0000-0000-0000-0000000018a6', 'msg.stranger@example.com', 'Stranger');
SELECT booking.create_org('Message Studio', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000018a1') AS org \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:'org', '00000000-0000-0000-0000-0000000018a2', 'instructor'),
  (:'org', '00000000-0000-0000-0000-0000000018a3', 'student'),
  (:'org', '00000000-0000-0000-0000-0000000018a4', 'guardian'),
  (:'org', '00000000-0000-0000-0000-0000000018a5', 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes) VALUES (:'org', '00000000-0000-0000-0000-0000000018e1', 'Workshop', 120);
INSERT INTO booking.resource (org_id, id, display_name, user_id) VALUES
  (:'org', '00000000-0000-0000-0000-0000000018b1', 'Fritz', '00000000-0000-0000-0000-0000000018a2');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :'org', '00000000-0000-0000-0000-0000000018b1', d, '[00:00,24:00)' FROM generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, user_id, date_of_birth) VALUES
  (:'org', '00000000-0000-0000-0000-0000000018c1', 'Sam', '00000000-0000-0000-0000-0000000018a3', current_date - interval '15 years'),
  (:'org', '00000000-0000-0000-0000-0000000018c2', 'Tom', '00000000-0000-0000-0000-0000000018a5', current_date - interval '30 years');
INSERT INTO booking.guardian (org_id, id, full_name, user_id) VALUES (:'org', '00000000-0000-0000-0000-0000000018d1', 'Gina', '00000000-0000-0000-0000-0000000018a4');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) VALUES (:'org', '00000000-0000-0000-0000-0000000018c1', '00000000-0000-0000-0000-0000000018d1');
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency, price_cents) VALUES
  (:'org', '00000000-0000-0000-0000-0000000018f1', '00000000-0000-0000-0000-0000000018b1', '00000000-0000-0000-0000-0000000018e1',
   'Pottery', pg_temp.at(0, '10:00'), pg_temp.at(0, '12:00'), 1, 'EUR', 4500);

CREATE ROLE regress_msg_app;
SELECT booking.grant_app_role('regress_msg_app', trusted => true);
SET ROLE regress_msg_app;

-- who has what: name, kind, as whom, event, statuses
CREATE FUNCTION pg_temp.told() RETURNS TABLE (who text, kind text, as_ text, event text, from_ text, to_ text)
LANGUAGE sql AS $$
  SELECT u.full_name, n.kind, n.payload ->> 'as', n.payload ->> 'event', n.payload ->> 'from', n.payload ->> 'to'
    FROM booking.notification n JOIN booking.app_user u ON u.id = n.user_id
   ORDER BY n.seq
$$;

-- 1. The minor Sam books the last seat of a session: the facilitator and
-- Sam's guardian are told, in the same transaction; Sam (who acted) is not.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a3') IS NOT NULL AS acting;
SELECT (booking.book('00000000-0000-0000-0000-0000000018c1', session_id => '00000000-0000-0000-0000-0000000018f1')).status AS sam_books;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT * FROM pg_temp.told();
COMMIT;

-- 2. A booking that rolls back notifies nobody.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a5') IS NOT NULL AS acting;
SELECT (booking.book('00000000-0000-0000-0000-0000000018c2', service_id => '00000000-0000-0000-0000-0000000018e1',
                     resource_id => '00000000-0000-0000-0000-0000000018b1',
                     starts_at => pg_temp.at(2, '10:00'))).status AS tom_books;
SELECT count(*) AS notifications_inside FROM booking.notification;
ROLLBACK;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT count(*) AS notifications_after_rollback FROM booking.notification;
COMMIT;

-- 3. Tom joins the waitlist; Sam cancels; Tom is promoted and told (the
-- facilitator and the guardian hear of the cancellation).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a5') IS NOT NULL AS acting;
SELECT (booking.book('00000000-0000-0000-0000-0000000018c2', session_id => '00000000-0000-0000-0000-0000000018f1', waitlist => true)).status AS tom_waits;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a3') IS NOT NULL AS acting;
SELECT refund_cents IS NOT NULL AS cancelled FROM booking.cancel((SELECT id FROM booking.booking WHERE client_id = '00000000-0000-0000-0000-0000000018c1'), 'ill');
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT * FROM pg_temp.told() OFFSET 2;
COMMIT;

-- 4. An appointment: the resource's user is told; rescheduled by the owner,
-- both Tom and the facilitator are told; the owner is not; confirmed by the
-- facilitator, Tom is told.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a5') IS NOT NULL AS acting;
SELECT (booking.book('00000000-0000-0000-0000-0000000018c2', service_id => '00000000-0000-0000-0000-0000000018e1',
                     resource_id => '00000000-0000-0000-0000-0000000018b1',
                     starts_at => pg_temp.at(2, '10:00'))).status AS tom_books;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT count(*) AS rescheduled
  FROM booking.booking b, LATERAL (SELECT booking.reschedule(b.id, b.starts_at + interval '1 day', reason => 'room change')) r
 WHERE b.session_id IS NULL;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a2') IS NOT NULL AS acting;
SELECT count(*) AS fritz_confirms
  FROM booking.booking b, LATERAL (SELECT booking.transition(b.id, 'confirmed')) t WHERE b.session_id IS NULL;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT * FROM pg_temp.told() OFFSET 6;
COMMIT;

-- 5. Per-org settings: staff hear of every creation, the client of none.
RESET ROLE;
UPDATE booking.org SET settings = settings || '{"notifications": {"created": ["staff"], "cancelled": []}}' WHERE id = :'org';
SET ROLE regress_msg_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a5') IS NOT NULL AS acting;
SELECT (booking.book('00000000-0000-0000-0000-0000000018c2', service_id => '00000000-0000-0000-0000-0000000018e1',
                     resource_id => '00000000-0000-0000-0000-0000000018b1',
                     starts_at => pg_temp.at(4, '10:00'))).status AS tom_books_again;
SELECT refund_cents IS NOT NULL AS cancelled FROM booking.cancel((SELECT id FROM booking.booking WHERE starts_at = pg_temp.at(4, '10:00')), 'changed plans');
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT * FROM pg_temp.told() OFFSET 10;
COMMIT;
-- bad settings: 22N02, nothing changed
RESET ROLE;
SELECT pg_temp.try($$UPDATE booking.org SET settings = '{"notifications": {"booked": ["client"]}}' WHERE name = 'Message Studio'$$);
SELECT pg_temp.try($$UPDATE booking.org SET settings = '{"notifications": {"created": ["everyone"]}}' WHERE name = 'Message Studio'$$);
SELECT pg_temp.try($$UPDATE booking.org SET settings = '{"notifications": ["client"]}' WHERE name = 'Message Studio'$$);
SELECT settings -> 'notifications' AS kept FROM booking.org WHERE id = :'org';
SET ROLE regress_msg_app;

-- 6. The pull path of the facilitator: pages after a cursor, marked delivered.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a2') IS NOT NULL AS acting;
SELECT kind, payload ->> 'event' AS event FROM booking.notifications_after(0, 2);
SELECT kind FROM booking.notifications_after((SELECT max(seq) FROM booking.notifications_after(0, 2)), 2);
SELECT booking.mark_notifications_delivered(array_agg(id)) AS marked FROM booking.notifications_after(0, 2);
SELECT booking.mark_notifications_delivered(array_agg(id)) AS marked_again FROM booking.notifications_after(0, 2, include_delivered => true);
SELECT count(*) AS unread, (SELECT count(*) FROM booking.notifications_after(0, 100, true)) AS all_mine FROM booking.notifications_after(0, 100);
SELECT pg_temp.try($$SELECT * FROM booking.notifications_after(0, 0)$$) AS page_size_0;
SELECT pg_temp.try($$SELECT * FROM booking.notifications_after(0, -5)$$) AS negative_page;
COMMIT;
SELECT pg_temp.try($$SELECT * FROM booking.notifications_after()$$) AS without_identity;

-- 6b. The runner's transitions notify too (the system acts: nobody is left
-- out as the actor): a booking loaded as it was (maintenance) that started
-- 30 minutes ago and was not started becomes a no-show.
RESET ROLE;
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
VALUES (:'org', '00000000-0000-0000-0000-0000000018b9', '00000000-0000-0000-0000-0000000018c2', '00000000-0000-0000-0000-0000000018b1',
        '00000000-0000-0000-0000-0000000018e1', date_trunc('minute', now()) - interval '30 minutes',
        date_trunc('minute', now()) + interval '90 minutes', 'EUR', 'confirmed');
INSERT INTO booking.scheduled_transition (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
SELECT org_id, id, 'no_show', 'no_show', starts_at + interval '15 minutes', '{confirmed}', starts_at, 'no-show check'
  FROM booking.booking WHERE id = '00000000-0000-0000-0000-0000000018b9';
SELECT executed >= 1 AS ran FROM booking.run_due_transitions(100);
SELECT u.full_name AS who, n.kind, n.payload ->> 'as' AS as_, n.payload ->> 'from' AS from_
  FROM booking.notification n JOIN booking.app_user u ON u.id = n.user_id
 WHERE n.booking_id = '00000000-0000-0000-0000-0000000018b9' ORDER BY u.full_name;
SET ROLE regress_msg_app;

-- 7. Bad input: a student may not write a notification; staff may not
-- notify a user outside the org (23503).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a5') IS NOT NULL AS acting;
SELECT pg_temp.try($$INSERT INTO booking.notification (user_id, kind) VALUES ('00000000-0000-0000-0000-0000000018a5', 'booking.created')$$) AS student_writes;
SELECT count(*) AS tom_sees FROM booking.notification;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT pg_temp.try($$INSERT INTO booking.notification (user_id, kind) VALUES ('00000000-0000-0000-0000-0000000018a6', 'custom.hello')$$) AS stranger;
SELECT pg_temp.try($$INSERT INTO booking.notification (user_id, kind) VALUES ('00000000-0000-0000-0000-0000000018a5', 'custom.hello')$$) AS member;
COMMIT;

RESET ROLE;
DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE email LIKE 'msg.%';
DROP OWNED BY regress_msg_app;
DROP ROLE regress_msg_app;
