-- The messaging contracts: who may call the relay functions, and that a
-- relay role needs and gets no table privilege, no identity and no
-- BYPASSRLS; the pull path is plain SQL under row-level security; the
-- reminder runner and the message renderer are not for PUBLIC.
BEGIN;
SET client_min_messages = warning;
SELECT plan(23);

CREATE ROLE regress_tap_relay;
CREATE ROLE regress_tap_app;
SELECT booking.grant_relay_role('regress_tap_relay');
SELECT booking.grant_app_role('regress_tap_app', trusted => true);

SELECT ok(NOT r.rolbypassrls AND NOT r.rolsuper, 'the relay role is neither superuser nor BYPASSRLS')
  FROM pg_roles r WHERE r.rolname = 'regress_tap_relay';
SELECT ok(has_function_privilege('regress_tap_relay', f, 'EXECUTE'), 'the relay role may execute ' || f)
  FROM unnest(ARRAY['booking.outbox_claim(text,integer,interval,text)', 'booking.outbox_ack(uuid,bigint[])',
                    'booking.outbox_fail(uuid,bigint,text,integer)', 'booking.outbox_replay(bigint[])',
                    'booking.relay_notifications(xid8,bigint,integer)', 'booking.relay_mark_delivered(uuid,uuid[])',
                    'booking.message_sent(uuid,uuid,text,text)',
                    'booking.message_status_update(text,text,booking.message_status,text)']) f;
SELECT ok(NOT has_table_privilege('regress_tap_relay', 'booking.outbox', 'SELECT')
          AND NOT has_table_privilege('regress_tap_relay', 'booking.notification', 'SELECT'),
          'the relay role has no privilege on the outbox or notification tables');
SELECT ok(NOT has_function_privilege('regress_tap_app', 'booking.outbox_claim(text,integer,interval,text)', 'EXECUTE')
          AND NOT has_function_privilege('regress_tap_app', 'booking.relay_notifications(xid8,bigint,integer)', 'EXECUTE'),
          'an application role, even trusted, may not claim outbox events or read the relay feed');
SELECT ok(NOT has_function_privilege('public', p.oid, 'EXECUTE'), 'PUBLIC may not execute ' || p.oid::regprocedure)
  FROM pg_proc p
 WHERE p.pronamespace = 'booking'::regnamespace
   AND p.proname IN ('outbox_claim', 'outbox_ack', 'outbox_fail', 'outbox_replay', 'relay_notifications', 'relay_mark_delivered',
                     'message_sent', 'message_status_update', 'run_due_reminders', 'queue_messages');
SELECT ok(NOT p.prosecdef, p.oid::regprocedure || ' runs with the caller''s rights (row-level security applies)')
  FROM pg_proc p WHERE p.pronamespace = 'booking'::regnamespace
   AND p.proname IN ('notifications_after', 'mark_notifications_delivered');

SELECT * FROM finish();
ROLLBACK;
