-- Cancellation with the org's policy (refund and fee by actor and hours
-- before the start, recorded on the payment) and rescheduling (same id and
-- history, allowed to whoever may cancel), as an application role.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- why(cmd): 'ok' or 'SQLSTATE: message' with the detail and hint, rule ids
-- and times masked.
\i test/sql/include/why.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000007a1', 'money.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000007a2', 'money.staff@example.com', 'Staff'),
  ('00000000-0000-0000-0000-0000000007a3', 'money.ingo@example.com', 'Ingo Instructor'),
  ('00000000-0000-0000-0000-0000000007a5', 'money.sam@example.com', 'Sam Student'),
  ('00000000-0000-0000-0000-0000000007a6', 'money.gina@example.com', 'Gina Guardian');
SELECT booking.create_org('Money School', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000007a1') AS org \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:'org', '00000000-0000-0000-0000-0000000007a2', 'staff'),
  (:'org', '00000000-0000-0000-0000-0000000007a3', 'instructor'),
  (:'org', '00000000-0000-0000-0000-0000000007a5', 'student'),
  (:'org', '00000000-0000-0000-0000-0000000007a6', 'guardian');
INSERT INTO booking.service (org_id, id, name, duration_minutes) VALUES (:'org', '00000000-0000-0000-0000-0000000007e1', 'Lesson', 60);
INSERT INTO booking.resource (org_id, id, display_name, user_id)
VALUES (:'org', '00000000-0000-0000-0000-0000000007b1', 'Ingo', '00000000-0000-0000-0000-0000000007a3');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :'org', '00000000-0000-0000-0000-0000000007b1', d, '[00:00,24:00)' FROM generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, user_id)
VALUES (:'org', '00000000-0000-0000-0000-0000000007c1', 'Sam', '00000000-0000-0000-0000-0000000007a5');
INSERT INTO booking.guardian (org_id, id, full_name, user_id) VALUES (:'org', '00000000-0000-0000-0000-0000000007d1', 'Gina', '00000000-0000-0000-0000-0000000007a6');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) VALUES (:'org', '00000000-0000-0000-0000-0000000007c1', '00000000-0000-0000-0000-0000000007d1');
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency)
VALUES (:'org', '00000000-0000-0000-0000-0000000007f1', '00000000-0000-0000-0000-0000000007b1', '00000000-0000-0000-0000-0000000007e1', 'Group drive',
        now() + interval '200 hours', now() + interval '201 hours', 5, 'EUR');

-- The org's cancellation policy.
INSERT INTO booking.cancellation_policy (org_id, actor, hours_before_start, refund_percentage, fee_cents, description) VALUES
  (:'org', 'student', 48, 100, 0, 'student, 48 h or more ahead: full refund'),
  (:'org', 'student', 24, 50, 500, 'student, 24 to 48 h ahead: half, minus a 5 EUR fee'),
  (:'org', 'student', 0, 0, 1000, 'student, later: no refund, 10 EUR fee'),
  (:'org', 'guardian', 24, 100, 0, 'guardian, 24 h or more ahead: full refund'),
  (:'org', 'admin', 0, 100, 0, 'the school cancels: full refund');

-- Confirmed bookings of Sam at various distances from now (loaded as data:
-- no identity, so no history of their own), 50 EUR each, some paid.
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, session_id, starts_at, ends_at, status, currency, price_cents, resource_share_cents)
SELECT :'org', ('00000000-0000-0000-0000-00000000c0' || n)::uuid, '00000000-0000-0000-0000-0000000007c1',
       '00000000-0000-0000-0000-0000000007b1', '00000000-0000-0000-0000-0000000007e1', s,
       CASE WHEN s IS NULL THEN date_trunc('hour', now()) + make_interval(hours => h) END,  -- a session booking takes the session's times
       CASE WHEN s IS NULL THEN date_trunc('hour', now()) + make_interval(hours => h + 1) END, st::booking.booking_status, 'EUR', 5000, 5000
  FROM (VALUES ('01', 72, 'confirmed', NULL::uuid), ('02', 30, 'confirmed', NULL), ('03', 10, 'confirmed', NULL),
               ('04', 32, 'confirmed', NULL), ('05', -50, 'completed', NULL), ('06', 50, 'confirmed', NULL),
               ('07', 80, 'confirmed', NULL), ('11', 100, 'confirmed', NULL), ('12', 12, 'confirmed', NULL),
               ('13', 200, 'confirmed', '00000000-0000-0000-0000-0000000007f1')) AS v(n, h, st, s);
INSERT INTO booking.payment (org_id, booking_id, status, currency, amount_cents, resource_share_cents, provider_payment_id)
SELECT :'org', ('00000000-0000-0000-0000-00000000c0' || n)::uuid, st::booking.payment_status, 'EUR', 5000, 5000, 'pi_money_' || n
  FROM (VALUES ('01', 'succeeded'), ('02', 'succeeded'), ('03', 'authorized'), ('07', 'succeeded')) AS v(n, st);

CREATE ROLE regress_money_app;
SELECT booking.grant_app_role('regress_money_app', trusted => true);
SET ROLE regress_money_app;

-- What cancelling would give, at chosen times before the start of c001.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000007a5');
SELECT ahead, q.actor, p.description AS policy, q.hours_before_start, q.refund_percentage, q.fee_cents, q.refund_cents
  FROM (VALUES (interval '72 hours'), (interval '48 hours'), (interval '47 hours 59 minutes'), (interval '24 hours'),
               (interval '1 hour'), (interval '-2 hours')) AS v(ahead),
       LATERAL (SELECT starts_at FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000c001') b,
       LATERAL booking.cancellation_quote('00000000-0000-0000-0000-00000000c001', b.starts_at - v.ahead) q
  LEFT JOIN booking.cancellation_policy p ON p.id = q.policy_id
 ORDER BY ahead DESC;
COMMIT;

-- Sam cancels c001 three days ahead: full refund, recorded on the payment.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000007a5');
SELECT c.refund_cents, c.fee_cents, c.refund_percentage, c.actor, p.description
  FROM booking.cancel('00000000-0000-0000-0000-00000000c001', 'ill') c
  LEFT JOIN booking.cancellation_policy p ON p.id = c.policy_id;
-- 30 hours ahead: half minus the fee
SELECT c.refund_cents, c.fee_cents, c.refund_percentage, c.actor, p.description
  FROM booking.cancel('00000000-0000-0000-0000-00000000c002', 'ill') c
  LEFT JOIN booking.cancellation_policy p ON p.id = c.policy_id;
-- 10 hours ahead the rules no longer let the student cancel
SELECT pg_temp.why($$SELECT booking.cancel('00000000-0000-0000-0000-00000000c003', 'ill')$$);
-- a completed booking cannot be cancelled; nor a cancelled one again
SELECT pg_temp.why($$SELECT booking.cancel('00000000-0000-0000-0000-00000000c005', 'ill')$$);
SELECT pg_temp.why($$SELECT booking.cancel('00000000-0000-0000-0000-00000000c001', 'again')$$);
COMMIT;

-- The school cancels c003 (10 h ahead): the admin policy; its payment was
-- only authorized, so it is voided and nothing is refunded.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000007a2');
SELECT refund_cents, fee_cents, refund_percentage, actor FROM booking.cancel('00000000-0000-0000-0000-00000000c003', 'instructor ill');
-- The instructor cancels c004 (no payment; no policy for instructors: full refund)
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000007a3');
SELECT pg_temp.why($$SELECT booking.cancel('00000000-0000-0000-0000-00000000c004')$$);
SELECT refund_cents, fee_cents, refund_percentage, actor, policy_id FROM booking.cancel('00000000-0000-0000-0000-00000000c004', 'car broke down');
-- Gina, Sam's guardian, cancels c006 (50 h ahead): her own policy
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000007a6');
SELECT refund_cents, fee_cents, refund_percentage, actor FROM booking.cancel('00000000-0000-0000-0000-00000000c006', 'holiday');
-- Staff cancel c007 by a plain UPDATE: the same policy and payment handling
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000007a2');
UPDATE booking.booking SET status = 'cancelled', cancellation_reason = 'double booked' WHERE id = '00000000-0000-0000-0000-00000000c007';
COMMIT;
RESET ROLE;
-- the payments: c001 refunded, c002 partly, c003 voided, c007 refunded
SELECT booking_id, status, amount_cents, refunded_cents FROM booking.payment ORDER BY booking_id;
SELECT b.id, b.status, b.previous_status, u.full_name AS cancelled_by, b.cancelled_at = h.created_at AS at_change, b.cancellation_reason,
       h.reason AS history_reason, h.metadata -> 'cancellation' ->> 'refund_cents' AS refund, h.metadata -> 'cancellation' ->> 'actor' AS actor
  FROM booking.booking b
  JOIN booking.status_history h ON h.booking_id = b.id AND h.to_status = 'cancelled'
  LEFT JOIN booking.app_user u ON u.id = b.cancelled_by
 ORDER BY b.id;
SELECT topic, payload -> 'cancellation' ->> 'refund_cents' AS refund, payload -> 'cancellation' ->> 'fee_cents' AS fee
  FROM booking.outbox WHERE org_id = :'org' ORDER BY id;
SET ROLE regress_money_app;

-- Rescheduling: Sam moves c011 (100 h ahead) by a day; id and history stay.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000007a5');
SELECT starts_at AS old_start FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000c011' \gset
SELECT id, status, starts_at - :'old_start'::timestamptz AS moved_by, ends_at - starts_at AS length,
       rescheduled_from = :'old_start'::timestamptz AS from_kept, rescheduled_at = now() AS at_now, reschedule_reason
  FROM booking.reschedule('00000000-0000-0000-0000-00000000c011', :'old_start'::timestamptz + interval '1 day', reason => 'exam moved');
SELECT from_status, to_status, reason, metadata ->> 'event' AS event,
       (metadata ->> 'starts_at')::timestamptz - (metadata ->> 'from_starts_at')::timestamptz AS moved_by
  FROM booking.status_history WHERE booking_id = '00000000-0000-0000-0000-00000000c011';
-- 12 hours ahead Sam may not cancel, so he may not reschedule either, by either path
SELECT pg_temp.why($$SELECT booking.reschedule('00000000-0000-0000-0000-00000000c012', date_trunc('hour', now()) + interval '5 days', reason => 'later')$$);
SELECT pg_temp.why($$UPDATE booking.booking SET starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day'
                      WHERE id = '00000000-0000-0000-0000-00000000c012'$$);
-- bad input
SELECT pg_temp.why($$SELECT booking.reschedule('00000000-0000-0000-0000-00000000c011', NULL)$$);
SELECT pg_temp.why($$SELECT booking.reschedule('00000000-0000-0000-0000-00000000c011', 'infinity')$$);
-- (its start follows the clock: the local time is masked, its zone shown)
SELECT regexp_replace(pg_temp.why($$SELECT booking.reschedule('00000000-0000-0000-0000-00000000c011', starts_at) FROM booking.booking WHERE id = '00000000-0000-0000-0000-00000000c011'$$),
                      '\d\d:\d\d <zone>', 'HH:MM <zone>') AS why;
SELECT pg_temp.why($$SELECT booking.reschedule('00000000-0000-0000-0000-00000000c001', now() + interval '9 days')$$);   -- cancelled
SELECT pg_temp.why($$SELECT booking.reschedule('00000000-0000-0000-0000-00000000c013', now() + interval '9 days')$$);   -- in a session
SELECT pg_temp.why($$UPDATE booking.booking SET status = 'cancelled', starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day'
                      WHERE id = '00000000-0000-0000-0000-00000000c011'$$);
COMMIT;
RESET ROLE;
SELECT topic, payload ->> 'reason' AS reason, (payload ->> 'starts_at')::timestamptz - (payload ->> 'from_starts_at')::timestamptz AS moved_by
  FROM booking.outbox WHERE payload ->> 'booking_id' = '00000000-0000-0000-0000-00000000c011';
-- the automatic transitions follow the new start
SELECT kind, execute_at - :'old_start'::timestamptz AS after_old_start, expected_starts_at = :'old_start'::timestamptz + interval '1 day' AS for_new_start
  FROM booking.scheduled_transition WHERE booking_id = '00000000-0000-0000-0000-00000000c011' ORDER BY execute_at;
SET ROLE regress_money_app;
-- staff may reschedule a booking 12 hours ahead
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000007a2');
SELECT status, reschedule_reason FROM booking.reschedule('00000000-0000-0000-0000-00000000c012', date_trunc('hour', now()) + interval '5 days', reason => 'instructor ill');
COMMIT;
RESET ROLE;

DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE email LIKE 'money.%@example.com';
DROP OWNED BY regress_money_app;
DROP ROLE regress_money_app;
