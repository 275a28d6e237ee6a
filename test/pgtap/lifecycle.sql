-- Contract of the life cycle: its functions, triggers and privileges, the
-- default rules of a new org, and the errors an application can rely on,
-- acting as a real non-owner application role.
BEGIN;
SELECT plan(28);
SET LOCAL client_min_messages = warning;

SELECT has_type('booking', 'transition_actor', 'transition_actor type');
SELECT enum_has_labels('booking', 'transition_actor',
  ARRAY['owner', 'admin', 'staff', 'instructor', 'student', 'guardian', 'system'], 'actors are the org roles and system');
SELECT has_function('booking', 'transition', ARRAY['uuid', 'booking.booking_status', 'text', 'booking.booking_status'], 'transition(booking_id, to_status, reason, expected_status)');
SELECT has_function('booking', 'cancel', ARRAY['uuid', 'text'], 'cancel(booking_id, reason)');
SELECT has_function('booking', 'reschedule', ARRAY['uuid', 'timestamp with time zone', 'uuid', 'booking.point', 'text', 'booking.point', 'text', 'text', 'text'], 'reschedule(booking_id, starts_at, resource_id, pickup_point, pickup_address, dropoff_point, dropoff_address, notes, reason)');
SELECT has_function('booking', 'status_at', ARRAY['uuid', 'timestamp with time zone'], 'status_at(booking_id, at)');
SELECT has_function('booking', 'run_due_transitions', ARRAY['integer'], 'run_due_transitions(max_rows)');
SELECT function_lang_is('booking', 'transition_decide', 'c', 'the rules are decided in C');

SELECT triggers_are('booking', 'booking',
  ARRAY['a1_org_guard', 'a2_column_owner', 'lifecycle_check', 'lifecycle_record_insert', 'lifecycle_record_update', 'touch_updated_at', 'lesson_follow', 'booking_reach']
    || ARRAY(SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'booking.booking'::regclass AND tgname ~ '^(write|money)_'),
  'booking has the life-cycle triggers');
SELECT ok((SELECT min(tgname) FROM pg_trigger WHERE tgrelid = 'booking.booking'::regclass AND NOT tgisinternal
            AND tgtype & 2 = 2 AND tgname !~ '^a[0-9]_') = 'lifecycle_check',
          'lifecycle_check is the first BEFORE trigger on booking after the guards (sql/code/86_guards.sql)');
SELECT hasnt_trigger('booking', 'status_history', 'lifecycle_history_guard', 'history is guarded by privileges, not a trigger');

CREATE ROLE regress_tap_life;
SELECT booking.grant_app_role('regress_tap_life', trusted => true);
SELECT function_privs_are('booking', 'run_due_transitions', ARRAY['integer'], 'regress_tap_life', ARRAY[]::text[],
  'an application role may not run the scheduled transitions');
SELECT function_privs_are('booking', 'transition', ARRAY['uuid', 'booking.booking_status', 'text', 'booking.booking_status'],
  'regress_tap_life', ARRAY['EXECUTE'], 'an application role may call transition');

-- an org made by create_org has the default rules, including the system's
SELECT booking.register_user('tap.life.owner@example.com', 'Owner') AS owner \gset
SELECT booking.register_user('tap.life.sam@example.com', 'Sam') AS sam \gset
SELECT booking.create_org('Tap Life', 'Europe/Berlin', 'EUR', :'owner') AS org \gset
SELECT is((SELECT count(*)::int FROM booking.transition_rule WHERE org_id = :'org'), 34, 'a new org has 34 default rules');
SELECT set_eq($$SELECT from_status::text || '->' || to_status::text FROM booking.transition_rule
                WHERE org_id = '$$ || :'org' || $$' AND required_role = 'system'$$,
  ARRAY['pending->expired', 'pending->cancelled', 'waitlisted->confirmed', 'waitlisted->pending', 'waitlisted->cancelled',
        'waitlisted->expired', 'confirmed->completed', 'confirmed->no_show', 'confirmed->cancelled', 'in_progress->completed'],
  'the system may expire, promote, mark no-shows, auto-complete and cancel');

INSERT INTO booking.membership (org_id, user_id, role) VALUES (:'org', :'sam', 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', :'org', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name) VALUES (:'org', :'org', 'Ingo');
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES (:'org', :'sam', 'Sam', :'sam');
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status, price_cents, resource_share_cents)
VALUES (:'org', '00000000-0000-0000-0000-0000000ab001', :'sam', :'org', :'org', now() + interval '3 days', now() + interval '3 days 1 hour', 'EUR', 'confirmed', 4000, 4000),
       (:'org', '00000000-0000-0000-0000-0000000ab002', :'sam', :'org', :'org', now() + interval '2 hours', now() + interval '3 hours', 'EUR', 'confirmed', 4000, 4000);

SET LOCAL ROLE regress_tap_life;
SELECT is(booking.act_as(:'org', :'sam'), '{student}'::booking.org_role[], 'Sam acts as a student');
SELECT throws_ok($$SELECT booking.transition('00000000-0000-0000-0000-0000000ab001', 'completed')$$, '42501', NULL,
  'a student may not complete a lesson (42501)');
SELECT throws_ok($$SELECT booking.cancel('00000000-0000-0000-0000-0000000ab002', 'ill')$$, '55000', NULL,
  'a student may not cancel 2 hours ahead (55000)');
SELECT throws_ok($$SELECT booking.transition('00000000-0000-0000-0000-0000000ab001', 'cancelled', expected_status => 'pending')$$, '40001', NULL,
  'compare-and-swap on a stale status (40001)');
SELECT throws_ok($$SELECT booking.transition('00000000-0000-0000-0000-0000000ab001', 'confirmed')$$, '22023', NULL,
  'a transition to the same status (22023)');
SELECT throws_ok($$SELECT booking.transition('00000000-0000-0000-0000-0000000ab001', 'finished')$$, '22P02', NULL,
  'an unknown status (22P02)');
SELECT throws_ok($$INSERT INTO booking.status_history (booking_id, to_status) VALUES ('00000000-0000-0000-0000-0000000ab001', 'completed')$$, '42501', NULL,
  'history cannot be forged (42501)');
SELECT results_eq($$SELECT refund_cents, fee_cents, actor::text FROM booking.cancel('00000000-0000-0000-0000-0000000ab001', 'ill')$$,
  $$VALUES (4000::bigint, 0::bigint, 'student')$$, 'a student cancels 3 days ahead: full refund without a policy');
SELECT is(booking.status_at('00000000-0000-0000-0000-0000000ab001', now()), 'cancelled'::booking.booking_status, 'status_at now');
SELECT is((SELECT count(*)::int FROM booking.status_history WHERE booking_id = '00000000-0000-0000-0000-0000000ab001'), 1,
  'one history row for the one change');
SELECT throws_ok($$SELECT booking.cancel('00000000-0000-0000-0000-0000000ab001', 'again')$$, '22023', NULL,
  'cancelling twice (22023)');
RESET ROLE;
SELECT throws_ok($$INSERT INTO booking.transition_rule (org_id, from_status, to_status, required_role, conditions)
                   VALUES ('$$ || :'org' || $$', 'completed', 'cancelled', 'admin', '{"not_after": "start - 1 week"}')$$, '22023', NULL,
  'a condition that does not parse (22023)');
SELECT throws_ok($$INSERT INTO booking.transition_rule (org_id, from_status, to_status, required_role)
                   VALUES ('$$ || :'org' || $$', 'completed', 'cancelled', 'teacher')$$, '22P02', NULL,
  'a rule for an unknown role (22P02)');

SELECT * FROM finish();
ROLLBACK;
