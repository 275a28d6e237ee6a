-- The booking life cycle, acting as a real non-owner application role: the
-- default rules, one checking path for UPDATE and booking.transition(),
-- compare-and-swap, history and status_at, bad input with SQLSTATEs.
-- (Cancellation, rescheduling and the scheduled runner: lifecycle_money.sql
-- and lifecycle_runner.sql.)
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- try(cmd): 'ok' or 'SQLSTATE: message'; why(cmd): the same with the detail
-- and hint, rule ids and times masked (they differ from run to run).
\i test/sql/include/try.psql
\i test/sql/include/why.psql

-- One org with its cast; the org is made by create_org, which seeds the rules.
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000006a1', 'life.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000006a2', 'life.staff@example.com', 'Staff'),
  ('00000000-0000-0000-0000-0000000006a3', 'life.ingo@example.com', 'Ingo Instructor'),
  ('00000000-0000-0000-0000-0000000006a4', 'life.ina@example.com', 'Ina Instructor'),
  ('00000000-0000-0000-0000-0000000006a5', 'life.sam@example.com', 'Sam Student'),
  ('00000000-0000-0000-0000-0000000006a6', 'life.gina@example.com', 'Gina Guardian'),
  ('00000000-0000-0000-0000-0000000006a7', 'life.max@example.com', 'Max Instructor-and-Student');
SELECT booking.create_org('Life School', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000006a1') AS org \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:'org', '00000000-0000-0000-0000-0000000006a2', 'staff'),
  (:'org', '00000000-0000-0000-0000-0000000006a3', 'instructor'),
  (:'org', '00000000-0000-0000-0000-0000000006a4', 'instructor'),
  (:'org', '00000000-0000-0000-0000-0000000006a5', 'student'),
  (:'org', '00000000-0000-0000-0000-0000000006a6', 'guardian'),
  (:'org', '00000000-0000-0000-0000-0000000006a7', 'instructor'),
  (:'org', '00000000-0000-0000-0000-0000000006a7', 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', '00000000-0000-0000-0000-0000000006e1', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name, user_id) VALUES
  (:'org', '00000000-0000-0000-0000-0000000006b1', 'Ingo', '00000000-0000-0000-0000-0000000006a3'),
  (:'org', '00000000-0000-0000-0000-0000000006b2', 'Ina', '00000000-0000-0000-0000-0000000006a4');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :'org', r, d, '[00:00,24:00)' FROM unnest('{00000000-0000-0000-0000-0000000006b1,00000000-0000-0000-0000-0000000006b2}'::uuid[]) r, generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES
  (:'org', '00000000-0000-0000-0000-0000000006c1', 'Sam', '00000000-0000-0000-0000-0000000006a5'),
  (:'org', '00000000-0000-0000-0000-0000000006c2', 'Max', '00000000-0000-0000-0000-0000000006a7');
INSERT INTO booking.guardian (org_id, id, full_name, user_id) VALUES (:'org', '00000000-0000-0000-0000-0000000006d1', 'Gina', '00000000-0000-0000-0000-0000000006a6');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) VALUES (:'org', '00000000-0000-0000-0000-0000000006c1', '00000000-0000-0000-0000-0000000006d1');

-- The statuses and their meaning.
SELECT e.enumlabel AS status FROM pg_enum e WHERE e.enumtypid = 'booking.booking_status'::regtype ORDER BY e.enumsortorder;
SELECT obj_description('booking.booking_status'::regtype, 'pg_type');

-- The default rule set of a new org (the README shows this table).
SELECT from_status AS "from", to_status AS "to", required_role AS actor, conditions, description
  FROM booking.transition_rule WHERE org_id = :'org'
 ORDER BY from_status, to_status, required_role;
-- seeding again adds nothing
SELECT booking.seed_lifecycle_defaults(:'org') AS added_again;

CREATE ROLE regress_life_app;
SELECT booking.grant_app_role('regress_life_app', trusted => true);
SET ROLE regress_life_app;

-- A student books: created pending, by them, history and outbox in the same transaction.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a5');
INSERT INTO booking.booking (id, client_id, resource_id, service_id, starts_at, ends_at, currency,
                             previous_status, status_changed_by, cancelled_at, rescheduled_from)
VALUES ('00000000-0000-0000-0000-00000000b001', '00000000-0000-0000-0000-0000000006c1', '00000000-0000-0000-0000-0000000006b1',
        '00000000-0000-0000-0000-0000000006e1', date_trunc('hour', now()) + interval '3 days', date_trunc('hour', now()) + interval '3 days 1 hour',
        'EUR',
        'completed', '00000000-0000-0000-0000-0000000006a1', now(), now());   -- forged: ignored
SELECT status, previous_status, status_changed_by, status_changed_at = now() AS changed_now, cancelled_at, rescheduled_from
  FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000b001';
SELECT from_status, to_status, actor_user_id, reason, metadata FROM booking.status_history WHERE booking_id = '00000000-0000-0000-0000-00000000b001';
-- a new booking cannot start at the end of its life
SELECT pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, status)
  VALUES ('00000000-0000-0000-0000-0000000006c1', '00000000-0000-0000-0000-0000000006b1', '00000000-0000-0000-0000-0000000006e1',
          now() + interval '5 days', now() + interval '5 days 1 hour', 'EUR', 'completed')$$);
-- the student may not confirm, by either path, with the same error
SELECT pg_temp.why($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'confirmed')$$);
SELECT pg_temp.why($$UPDATE booking.booking SET status = 'confirmed' WHERE id = '00000000-0000-0000-0000-00000000b001'$$);
COMMIT;

-- Max is an instructor and a student: as instructor he may confirm only
-- requests for his own resource (he has none).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a7');
SELECT pg_temp.try($$INSERT INTO booking.booking (id, client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES ('00000000-0000-0000-0000-00000000b002', '00000000-0000-0000-0000-0000000006c2', '00000000-0000-0000-0000-0000000006b2',
          '00000000-0000-0000-0000-0000000006e1', date_trunc('hour', now()) + interval '4 days', date_trunc('hour', now()) + interval '4 days 1 hour', 'EUR')$$);
SELECT pg_temp.why($$SELECT booking.transition('00000000-0000-0000-0000-00000000b002', 'confirmed')$$);
COMMIT;

-- The instructor of the booking confirms it with a plain UPDATE; the columns
-- the database owns cannot be forged on the way.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a3');
SET LOCAL booking.reason = 'slot fits';
UPDATE booking.booking SET status = 'confirmed', status_changed_by = '00000000-0000-0000-0000-0000000006a1',
                           previous_status = 'no_show', status_changed_at = '2000-01-01'
 WHERE id = '00000000-0000-0000-0000-00000000b001';
SELECT status, previous_status, status_changed_by, status_changed_at = now() AS changed_now
  FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000b001';
-- a later UPDATE of another column keeps them
UPDATE booking.booking SET notes = 'bring glasses', previous_status = 'expired' WHERE id = '00000000-0000-0000-0000-00000000b001';
SELECT notes, previous_status FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000b001';
COMMIT;

-- Time conditions: completing before the start is too early; a no-show is
-- recorded 15 minutes after the start at the earliest; the student may
-- cancel only until 24 h before the start (here: 3 days ahead, allowed by
-- time, but see lifecycle_money.sql).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a3');
SELECT pg_temp.why($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'completed')$$);
SELECT pg_temp.why($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'no_show')$$);
-- the instructor's cancellation needs a reason
SELECT pg_temp.why($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'cancelled')$$);
ROLLBACK;

-- Bad input, each with its SQLSTATE.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a2');
SELECT pg_temp.try($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'done')$$);                 -- unknown status
SELECT pg_temp.try($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'confirmed')$$);            -- same status
SELECT pg_temp.try($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', NULL)$$);
SELECT pg_temp.try($$SELECT booking.transition(NULL, 'cancelled')$$);
SELECT pg_temp.try($$SELECT booking.transition('00000000-0000-0000-0000-00000000beef', 'cancelled')$$);            -- not found
SELECT pg_temp.try($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'pending')$$);              -- no rule
SELECT pg_temp.try($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'cancelled', expected_status => 'pending')$$);  -- CAS
-- rules: an unknown role, documents that do not parse, a rule to the same status
SELECT pg_temp.try($$INSERT INTO booking.transition_rule (from_status, to_status, required_role) VALUES ('pending', 'cancelled', 'teacher')$$);
SELECT pg_temp.why($$INSERT INTO booking.transition_rule (from_status, to_status, required_role, conditions) VALUES ('completed', 'cancelled', 'staff', '{"not_afterr": "start"}')$$);
SELECT pg_temp.why($$INSERT INTO booking.transition_rule (from_status, to_status, required_role, conditions) VALUES ('completed', 'cancelled', 'staff', '{"not_before": "tomorrow"}')$$);
SELECT pg_temp.why($$INSERT INTO booking.transition_rule (from_status, to_status, required_role, conditions) VALUES ('completed', 'cancelled', 'staff', '{"relation": ["parent"]}')$$);
SELECT pg_temp.why($$INSERT INTO booking.transition_rule (from_status, to_status, required_role, conditions) VALUES ('completed', 'cancelled', 'staff', '["reason_required"]')$$);
SELECT pg_temp.try($$INSERT INTO booking.transition_rule (from_status, to_status, required_role, conditions) VALUES ('completed', 'cancelled', 'staff', '{not json')$$);
SELECT pg_temp.try($$INSERT INTO booking.transition_rule (from_status, to_status, required_role) VALUES ('confirmed', 'confirmed', 'staff')$$);
SELECT pg_temp.try($$UPDATE booking.transition_rule SET conditions = '{"reason_required": "yes"}' WHERE to_status = 'no_show' AND required_role = 'staff'$$);
-- org settings of the life cycle are checked too (the owner writes them)
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a1');
SELECT pg_temp.try($$UPDATE booking.org SET settings = '{"lifecycle": {"no_show_after": 15}}'$$);
SELECT pg_temp.try($$UPDATE booking.org SET settings = '{"lifecycle": {"no_show_after_minutes": -5}}'$$);
SELECT pg_temp.try($$UPDATE booking.org SET settings = '{"lifecycle": {"no_show_after_minutes": 1.5}}'$$);
SELECT pg_temp.try($$UPDATE booking.org SET settings = '{"lifecycle": 15}'$$);
SELECT pg_temp.try($$UPDATE booking.org SET settings = '{"lifecycle": {"no_show_after_minutes": null, "pending_expiry_minutes": 30}}'$$);
ROLLBACK;

-- An org changes its rules: staff disable the instructor's confirmation,
-- and the instructor can no longer confirm; an added rule lets a student
-- confirm requests for themselves.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a2');
UPDATE booking.transition_rule SET active = false WHERE from_status = 'pending' AND to_status = 'confirmed' AND required_role = 'instructor';
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a4');
SELECT pg_temp.why($$SELECT booking.transition('00000000-0000-0000-0000-00000000b002', 'confirmed')$$);
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a2');
UPDATE booking.transition_rule SET active = false WHERE from_status = 'pending' AND to_status = 'confirmed';
SELECT pg_temp.why($$SELECT booking.transition('00000000-0000-0000-0000-00000000b002', 'confirmed')$$);
INSERT INTO booking.transition_rule (from_status, to_status, required_role, conditions, description)
VALUES ('pending', 'confirmed', 'student', '{"relation": ["client"], "reason_required": true}', 'self-service confirmation');
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a7');
SELECT pg_temp.why($$SELECT booking.transition('00000000-0000-0000-0000-00000000b002', 'confirmed')$$);
SELECT (booking.transition('00000000-0000-0000-0000-00000000b002', 'confirmed', 'I am sure')).status;
ROLLBACK;

-- Compare-and-swap succeeds when the status is the expected one.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a2');
SELECT (booking.transition('00000000-0000-0000-0000-00000000b002', 'confirmed', 'ok by phone', expected_status => 'pending')).status;
COMMIT;

-- The history is append-only, even for the owner, and cannot be forged.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a1');
SELECT pg_temp.try($$UPDATE booking.status_history SET reason = 'edited'$$);
SELECT pg_temp.try($$DELETE FROM booking.status_history$$);
SELECT pg_temp.try($$INSERT INTO booking.status_history (booking_id, from_status, to_status) VALUES ('00000000-0000-0000-0000-00000000b001', 'pending', 'completed')$$);
SELECT from_status, to_status, actor_user_id, reason, metadata
  FROM booking.status_history WHERE booking_id IN ('00000000-0000-0000-0000-00000000b001', '00000000-0000-0000-0000-00000000b002')
 ORDER BY id;
SELECT topic, payload ->> 'from' AS "from", payload ->> 'to' AS "to", payload ->> 'actor' AS actor, payload ->> 'reason' AS reason,
       payload ? 'history_id' AND payload ? 'starts_at' AND payload ? 'client_id' AS has_keys
  FROM booking.outbox ORDER BY id;
COMMIT;

-- What was the status at time T?
RESET ROLE;
SELECT h.id AS first_id, h.created_at AS t_created FROM booking.status_history h
 WHERE h.booking_id = '00000000-0000-0000-0000-00000000b001' ORDER BY h.id LIMIT 1 \gset
SELECT h.created_at AS t_confirmed FROM booking.status_history h
 WHERE h.booking_id = '00000000-0000-0000-0000-00000000b001' AND h.to_status = 'confirmed' \gset
SELECT booking.status_at('00000000-0000-0000-0000-00000000b001', :'t_created'::timestamptz - interval '1 microsecond') AS before_creation,
       booking.status_at('00000000-0000-0000-0000-00000000b001', :'t_created') AS at_creation,
       booking.status_at('00000000-0000-0000-0000-00000000b001', :'t_confirmed') AS at_confirmation,
       booking.status_at('00000000-0000-0000-0000-00000000b001', now()) AS now;
SET ROLE regress_life_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000006a5');
SELECT booking.status_at('00000000-0000-0000-0000-00000000b001', now()) AS as_student,
       booking.status_at('00000000-0000-0000-0000-00000000b002', now()) AS not_visible;
COMMIT;

-- Without an identity nothing changes.
SELECT pg_temp.try($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES ('$$ || :'org' || $$', '00000000-0000-0000-0000-0000000006c1', '00000000-0000-0000-0000-0000000006b1', '00000000-0000-0000-0000-0000000006e1',
          now() + interval '5 days', now() + interval '5 days 1 hour', 'EUR')$$);
SELECT pg_temp.try($$SELECT booking.transition('00000000-0000-0000-0000-00000000b001', 'cancelled')$$);
RESET ROLE;

-- A superuser without an identity (data loading, pg_restore) writes rows
-- as given: no check, no history.
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status, previous_status)
VALUES (:'org', '00000000-0000-0000-0000-00000000b0ff', '00000000-0000-0000-0000-0000000006c1', '00000000-0000-0000-0000-0000000006b2',
        '00000000-0000-0000-0000-0000000006e1', '2020-01-06 10:00+00', '2020-01-06 11:00+00', 'EUR', 'completed', 'confirmed');
SELECT status, previous_status, (SELECT count(*) FROM booking.status_history h WHERE h.booking_id = b.id) AS history
  FROM booking.booking b WHERE id = '00000000-0000-0000-0000-00000000b0ff';

DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE email LIKE 'life.%@example.com';
DROP OWNED BY regress_life_app;
DROP ROLE regress_life_app;
