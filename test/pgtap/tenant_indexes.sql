-- Every index of every tenant table leads with org_id (issue 21), so that a
-- member's query reads only the acting org's rows and EXPLAIN ANALYZE's
-- "Rows Removed by Filter" counts none of another org's.  The exceptions are
-- the queues of the system's workers, which serve every org at once (they
-- run with no identity): each is named here with its reason.  Before
-- sql/updates/0.1.0--0.2.0.sql's issue 21 section, the user_id indexes of
-- membership, client, guardian and resource and the global unique key of
-- resource.payout_account failed the first test, and a staff member's
-- lookup of a payout account counted another org's resource in "Rows Removed
-- by Filter" (and a global unique violation told that another org used it).
BEGIN;
SET client_min_messages = warning;
SELECT plan(6);

CREATE TEMP TABLE allowed (index_name name PRIMARY KEY, reason text NOT NULL);
INSERT INTO allowed VALUES
  ('outbox_claim_idx', 'relay: a claim id across orgs (booking.outbox_ack, outbox_fail)'),
  ('outbox_open_idx', 'relay: open events of every org, oldest first (booking.outbox_claim)'),
  ('outbox_order_idx', 'relay: the oldest open event of a booking''s order key'),
  ('outbox_pending_idx', 'relay: events not yet processed, of every org'),
  ('notification_relay_idx', 'real-time delivery: undelivered notifications in commit order, of every org'),
  ('scheduled_transition_due_idx', 'runner: due transitions of every org (booking.run_due_transitions)'),
  ('scheduled_reminder_due_idx', 'runner: due reminders of every org'),
  ('booking_session_hold_idx', 'runner: lapsed holds in sessions of every org'),
  ('message_provider_idx', 'a provider''s status callback names its message id only (booking.message_status_update)');

CREATE TEMP VIEW tenant_index AS
SELECT c.relname AS table_name, i.relname AS index_name,
       (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = ix.indkey[0]) AS first_column,
       ix.indisunique AS is_unique
  FROM pg_index ix
  JOIN pg_class i ON i.oid = ix.indexrelid
  JOIN pg_class c ON c.oid = ix.indrelid
 WHERE c.relnamespace = 'booking'::regnamespace AND NOT c.relispartition
   AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped);

SELECT is_empty(
  $$SELECT table_name || '.' || index_name FROM tenant_index
     WHERE first_column IS DISTINCT FROM 'org_id' AND index_name NOT IN (SELECT index_name FROM allowed)
     ORDER BY 1$$,
  'every index of every tenant table leads with org_id, but the listed worker queues');
SELECT is_empty(
  $$SELECT index_name FROM allowed
     WHERE index_name NOT IN (SELECT index_name FROM tenant_index WHERE first_column IS DISTINCT FROM 'org_id')$$,
  'every listed exception still exists and is one (the list is not stale)');
SELECT is_empty(
  $$SELECT index_name FROM tenant_index WHERE is_unique AND index_name IN (SELECT index_name FROM allowed)$$,
  'no exception is a unique key (a unique key across orgs tells of another org''s rows)');
SELECT is_empty(
  $$SELECT conrelid::regclass || ' ' || conname FROM pg_constraint
     WHERE connamespace = 'booking'::regnamespace AND contype IN ('u', 'p', 'x')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = conrelid AND a.attname = 'org_id')
       AND (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = conrelid AND a.attnum = conkey[1]) <> 'org_id'$$,
  'every unique, primary and exclusion constraint of a tenant table leads with org_id');

-- A payout account is per org: two orgs may name the same one, and one
-- org's staff cannot tell.
\ir include/two_orgs.psql
UPDATE booking.resource SET payout_account = 'acct_shared' WHERE org_id = '00000000-0000-0000-0000-00000000000b';
SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'admin')) IS NOT NULL AS acting;
SELECT lives_ok($$UPDATE booking.resource SET payout_account = 'acct_shared' WHERE id = pg_temp.id('0a', 'r1')$$,
                'a payout account another org uses is no unique violation');
SELECT throws_ok($$INSERT INTO booking.resource (display_name, payout_account) VALUES ('Twin', 'acct_shared')$$,
                 '23505', NULL, 'but it is unique within the org');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
