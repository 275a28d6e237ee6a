-- Scheduled transitions: what confirming and creating schedule, and
-- booking.run_due_transitions(): executes due rows as the system, skips rows
-- whose booking has moved on, records failures with attempts and the last
-- error, retries with back-off and gives up after the fifth.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000008a1', 'runner.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000008a2', 'runner.staff@example.com', 'Staff');
SELECT booking.create_org('Runner School', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000008a1') AS org \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES (:'org', '00000000-0000-0000-0000-0000000008a2', 'staff');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', '00000000-0000-0000-0000-0000000008e1', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name)
SELECT :'org', ('00000000-0000-0000-0000-0000000008b' || n)::uuid, 'Car ' || n FROM generate_series(1, 6) n;
INSERT INTO booking.client (org_id, id, full_name) VALUES (:'org', '00000000-0000-0000-0000-0000000008c1', 'Sam');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :'org', '00000000-0000-0000-0000-0000000008b6', d, '[00:00,24:00)' FROM generate_series(1, 7) d;

-- Requests loaded as data: d001 started 90 minutes ago, d002 10 minutes ago,
-- d003 two hours ago, d004 starts tomorrow, d005 125 minutes ago.
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, status, currency)
SELECT :'org', ('00000000-0000-0000-0000-00000000d0' || n)::uuid, '00000000-0000-0000-0000-0000000008c1', ('00000000-0000-0000-0000-0000000008b' || right(n, 1))::uuid,
       '00000000-0000-0000-0000-0000000008e1', now() + make_interval(mins => m), now() + make_interval(mins => m + 60), 'pending', 'EUR'
  FROM (VALUES ('01', -90), ('02', -10), ('03', -120), ('04', 1440), ('05', -125)) AS v(n, m);

-- Staff confirm them: each confirmation schedules the no-show check (start
-- + 15 min) and auto-completion (end + 60 min).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000008a2');
SELECT count(*) AS confirmed FROM booking.booking b, LATERAL booking.transition(b.id, 'confirmed') t
 WHERE b.id IN ('00000000-0000-0000-0000-00000000d001', '00000000-0000-0000-0000-00000000d002',
                '00000000-0000-0000-0000-00000000d003', '00000000-0000-0000-0000-00000000d005');
COMMIT;
SELECT s.booking_id, s.kind, s.to_status, s.execute_at - b.starts_at AS after_start, s.expected_status, s.execute_at <= now() AS due
  FROM booking.scheduled_transition s JOIN booking.booking b ON b.org_id = s.org_id AND b.id = s.booking_id
 ORDER BY s.booking_id, s.execute_at;

-- Before the run, d003 is completed by staff: its rows have nothing to do.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000008a2');
SELECT (booking.transition('00000000-0000-0000-0000-00000000d003', 'completed')).status;
COMMIT;

-- The runner, oldest first: the no-shows of d001 and d005 run; d003's rows
-- are skipped, and so is d005's auto-completion, due after its no-show;
-- nothing of d002 is due yet.
SELECT * FROM booking.run_due_transitions(100);
SELECT id, status, previous_status, status_changed_by FROM booking.booking ORDER BY id;
SELECT h.booking_id, h.from_status, h.to_status, h.actor_user_id, h.reason,
       h.metadata ->> 'actor' AS actor, h.metadata ->> 'kind' AS kind, h.metadata ? 'scheduled_transition_id' AS has_row_id
  FROM booking.status_history h WHERE h.to_status = 'no_show' ORDER BY h.booking_id;
SELECT booking_id, kind, attempts, outcome, last_error
  FROM booking.scheduled_transition WHERE processed_at IS NOT NULL ORDER BY booking_id, kind;
SELECT topic, payload ->> 'actor' AS actor, payload ->> 'actor_user_id' AS actor_user_id
  FROM booking.outbox WHERE topic = 'booking.status.no_show' ORDER BY payload ->> 'booking_id';
-- running again finds nothing due
SELECT * FROM booking.run_due_transitions();

-- A failing transition: the org disables the system's no-show rule, and
-- d002's check (made due now) fails; the failure is recorded and retried
-- after a minute.
UPDATE booking.transition_rule SET active = false WHERE org_id = :'org' AND to_status = 'no_show' AND required_role = 'system';
UPDATE booking.scheduled_transition SET execute_at = now() - interval '1 second'
 WHERE booking_id = '00000000-0000-0000-0000-00000000d002' AND kind = 'no_show';
SELECT * FROM booking.run_due_transitions();
SELECT kind, attempts, outcome, regexp_replace(last_error, '[0-9a-f-]{36}', '<id>') AS last_error,
       execute_at - now() BETWEEN interval '50 seconds' AND interval '60 seconds' AS retry_in_a_minute
  FROM booking.scheduled_transition WHERE booking_id = '00000000-0000-0000-0000-00000000d002' AND kind = 'no_show';
-- retries after 2, 4 and 8 minutes fail too; the fifth failure is final
DO $$
BEGIN
  FOR i IN 1..4 LOOP
    UPDATE booking.scheduled_transition SET execute_at = now() - interval '1 second'
     WHERE booking_id = '00000000-0000-0000-0000-00000000d002' AND kind = 'no_show' AND processed_at IS NULL;
    PERFORM booking.run_due_transitions();
  END LOOP;
END $$;
SELECT kind, attempts, outcome, processed_at IS NOT NULL AS processed
  FROM booking.scheduled_transition WHERE booking_id = '00000000-0000-0000-0000-00000000d002' AND kind = 'no_show';
SELECT status FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000d002';
UPDATE booking.transition_rule SET active = true WHERE org_id = :'org' AND to_status = 'no_show' AND required_role = 'system';

-- Expiry: with pending_expiry_minutes 0, a new request expires at once.
UPDATE booking.org SET settings = '{"lifecycle": {"pending_expiry_minutes": 0, "no_show_after_minutes": null}}' WHERE id = :'org';
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000008a2');
INSERT INTO booking.booking (id, client_id, resource_id, service_id, starts_at, ends_at, currency)
VALUES ('00000000-0000-0000-0000-00000000d006', '00000000-0000-0000-0000-0000000008c1', '00000000-0000-0000-0000-0000000008b6',
        '00000000-0000-0000-0000-0000000008e1', date_trunc('hour', now()) + interval '3 days', date_trunc('hour', now()) + interval '3 days 1 hour', 'EUR');
-- confirming d004 schedules only auto-completion now
SELECT (booking.transition('00000000-0000-0000-0000-00000000d004', 'confirmed')).status;
COMMIT;
SELECT booking_id, kind, execute_at <= now() AS due FROM booking.scheduled_transition
 WHERE booking_id IN ('00000000-0000-0000-0000-00000000d004', '00000000-0000-0000-0000-00000000d006') ORDER BY booking_id, kind;
SELECT * FROM booking.run_due_transitions();
SELECT status, previous_status FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000d006';
SELECT from_status, to_status, reason FROM booking.status_history WHERE booking_id = '00000000-0000-0000-0000-00000000d006' ORDER BY id;

-- Bad input.
SELECT * FROM booking.run_due_transitions(0);
SELECT * FROM booking.run_due_transitions(NULL);

-- The runner is not for PUBLIC.
SELECT has_function_privilege('public', 'booking.run_due_transitions(int4)', 'EXECUTE') AS public_may_run;

DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE email LIKE 'runner.%@example.com';
