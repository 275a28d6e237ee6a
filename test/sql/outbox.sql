-- The outbox relay protocol, as a relay role with no table privilege, no
-- BYPASSRLS and no identity (booking.grant_relay_role): claim with a lease,
-- per-booking order, acknowledge, fail with back-off, dead, replay; bad
-- input with SQLSTATEs.  (Two relays at once: test/specs/outbox_relays.spec;
-- a killed relay under load: bench/outbox_stress.sh.)
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/try.psql
-- events as (key, n)
CREATE FUNCTION pg_temp.ev(p jsonb) RETURNS text LANGUAGE sql AS $$ SELECT coalesce(p ->> 'booking_id', '-') || (p ->> 'n') $$;
GRANT EXECUTE ON FUNCTION pg_temp.ev(jsonb) TO PUBLIC;

INSERT INTO booking.app_user (id, email, full_name) VALUES ('00000000-0000-0000-0000-0000000018f9', 'outbox.owner@example.com', 'Owner');
SELECT booking.create_org('Outbox Org', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000018f9') AS org \gset
-- an INSERT in the 0.1.0 form (org_id, topic, payload) still works: a pending event
INSERT INTO booking.outbox (org_id, topic, payload) VALUES
  (:'org', 'regress_outbox.a', '{"booking_id": "a", "n": 1}'),
  (:'org', 'regress_outbox.b', '{"booking_id": "b", "n": 1}'),
  (:'org', 'regress_outbox.a', '{"booking_id": "a", "n": 2}'),
  (:'org', 'regress_outbox.none', '{"n": 1}'),
  (:'org', 'regress_outbox.b', '{"booking_id": "b", "n": 2}'),
  (:'org', 'regress_outbox.a', '{"booking_id": "a", "n": 3}');
SELECT status, attempts, order_key, available_at <= now() AS due FROM booking.outbox WHERE topic LIKE 'regress_outbox.%' ORDER BY id;

CREATE ROLE regress_outbox_relay;
SELECT booking.grant_relay_role('regress_outbox_relay');
SET ROLE regress_outbox_relay;
SELECT pg_temp.try($$SELECT count(*) FROM booking.outbox$$) AS table_read;


-- 1. A claim hands out the oldest open event of each booking only.
CREATE TEMP TABLE c1 AS SELECT * FROM booking.outbox_claim('relay-1', 10, '30 seconds', 'regress_outbox');
SELECT pg_temp.ev(payload) AS event, attempts, lease_until > now() AS leased FROM c1 ORDER BY id;
SELECT count(*) AS second_claim FROM booking.outbox_claim('relay-2', 10, topic_filter => 'regress_outbox');

-- 2. Acknowledged once; the next event of the booking is then handed out.
SELECT booking.outbox_ack((SELECT claim_id FROM c1 LIMIT 1), ARRAY(SELECT id FROM c1 WHERE payload @> '{"booking_id": "a"}')) AS acked;
SELECT pg_temp.try(format('SELECT booking.outbox_ack(%L, ''{%s}'')', (SELECT claim_id FROM c1 LIMIT 1), (SELECT id FROM c1 WHERE payload @> '{"booking_id": "a"}'))) AS ack_again;
SELECT pg_temp.try(format('SELECT booking.outbox_ack(%L, ''{%s}'')', gen_random_uuid(), (SELECT id FROM c1 WHERE payload @> '{"booking_id": "b"}'))) AS ack_not_claimed;
CREATE TEMP TABLE c2 AS SELECT * FROM booking.outbox_claim('relay-2', 10, topic_filter => 'regress_outbox.a');
SELECT pg_temp.ev(payload) AS event, attempts FROM c2;

-- 3. A failure: back to pending after 5 s, 10 s, ... ; meanwhile the
-- booking's later events wait.
SELECT status, available_at - now() AS retry_in
  FROM booking.outbox_fail((SELECT claim_id FROM c1 LIMIT 1), (SELECT id FROM c1 WHERE payload @> '{"booking_id": "b"}'), 'smtp: connection refused', max_attempts => 2);
SELECT count(*) AS b_claimable FROM booking.outbox_claim('relay-3', 10, topic_filter => 'regress_outbox.b');
RESET ROLE;
UPDATE booking.outbox SET available_at = now() WHERE payload @> '{"booking_id": "b", "n": 1}';   -- skip the wait
SET ROLE regress_outbox_relay;
CREATE TEMP TABLE c3 AS SELECT * FROM booking.outbox_claim('relay-3', 10, topic_filter => 'regress_outbox.b');
SELECT pg_temp.ev(payload) AS event, attempts FROM c3;
-- the second failure of max_attempts 2 is final: dead
SELECT status, available_at - now() AS retry_in FROM booking.outbox_fail((SELECT claim_id FROM c3), (SELECT id FROM c3), 'smtp: mailbox full', max_attempts => 2);
SELECT pg_temp.try(format('SELECT * FROM booking.outbox_fail(%L, %s, ''again'')', (SELECT claim_id FROM c3), (SELECT id FROM c3))) AS fail_again;
-- a dead event does not hold back its booking's later ones
CREATE TEMP TABLE c4 AS SELECT * FROM booking.outbox_claim('relay-3', 10, topic_filter => 'regress_outbox.b');
SELECT pg_temp.ev(payload) AS event FROM c4;
SELECT booking.outbox_ack((SELECT claim_id FROM c4)) AS acked_whole_claim;
-- replayed: pending again with attempts reset; only dead events replay
SELECT booking.outbox_replay(ARRAY(SELECT id FROM c3)) AS replayed;
SELECT pg_temp.try(format('SELECT booking.outbox_replay(''{%s}'')', (SELECT id FROM c3))) AS replay_again;
SELECT pg_temp.ev(payload) AS event, attempts FROM booking.outbox_claim('relay-3', 10, topic_filter => 'regress_outbox.b');

-- 4. A lease that expires: the event is handed out again, and the first
-- claim can no longer acknowledge it.
RESET ROLE;
INSERT INTO booking.outbox (org_id, topic, payload) VALUES (:'org', 'regress_outbox.lease', '{"booking_id": "c", "n": 1}');
SET ROLE regress_outbox_relay;
CREATE TEMP TABLE c5 AS SELECT * FROM booking.outbox_claim('relay-4', 10, '1 second', 'regress_outbox.lease');
SELECT pg_sleep(1.2);
SELECT pg_temp.try(format('SELECT booking.outbox_ack(%L)', (SELECT claim_id FROM c5))) AS ack_after_lease;
SELECT pg_temp.ev(payload) AS event, attempts FROM booking.outbox_claim('relay-5', 10, '30 seconds', 'regress_outbox.lease');

-- 5. Two orgs: a claim takes org by org, the org with the oldest event
-- first (each claim a query of one org: a router query on Citus), and the
-- same booking key in another org holds nothing back.
RESET ROLE;
INSERT INTO booking.app_user (id, email, full_name) VALUES ('00000000-0000-0000-0000-0000000018fa', 'outbox.owner2@example.com', 'Owner 2');
SELECT booking.create_org('Outbox Org 2', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000018fa') AS org2 \gset
INSERT INTO booking.outbox (org_id, topic, payload) VALUES (:'org', 'regress_outbox.orgs', '{"booking_id": "k", "n": 1}');
INSERT INTO booking.outbox (org_id, topic, payload) VALUES (:'org2', 'regress_outbox.orgs', '{"booking_id": "k", "n": 1}');
INSERT INTO booking.outbox (org_id, topic, payload) VALUES (:'org', 'regress_outbox.orgs', '{"n": 2}');
INSERT INTO booking.outbox (org_id, topic, payload) VALUES (:'org2', 'regress_outbox.orgs', '{"n": 2}');
SET ROLE regress_outbox_relay;
SELECT CASE org_id WHEN :'org' THEN 'org 1' ELSE 'org 2' END AS org, pg_temp.ev(payload) AS event
  FROM booking.outbox_claim('relay-6', 3, topic_filter => 'regress_outbox.orgs') ORDER BY org, id;
SELECT CASE org_id WHEN :'org' THEN 'org 1' ELSE 'org 2' END AS org, pg_temp.ev(payload) AS event
  FROM booking.outbox_claim('relay-7', 3, topic_filter => 'regress_outbox.orgs') ORDER BY org, id;

-- 6. Bad input.
SELECT pg_temp.try($$SELECT * FROM booking.outbox_claim('relay', -1)$$) AS negative_batch;
SELECT pg_temp.try($$SELECT * FROM booking.outbox_claim('relay', 0)$$) AS empty_batch;
SELECT pg_temp.try($$SELECT * FROM booking.outbox_claim('relay', 10, '0 seconds')$$) AS no_lease;
SELECT pg_temp.try($$SELECT * FROM booking.outbox_claim(NULL)$$) AS no_relay;
SELECT pg_temp.try($$SELECT * FROM booking.outbox_claim('relay', 10, topic_filter => 'Booking.*')$$) AS filter_matching_nothing;
SELECT pg_temp.try($$SELECT * FROM booking.outbox_claim('relay', 10, topic_filter => 'booking.')$$) AS filter_trailing_dot;
SELECT count(*) AS filter_without_events FROM booking.outbox_claim('relay', 10, topic_filter => 'regress_outbox.nothing_here');
SELECT pg_temp.try($$SELECT booking.outbox_ack(NULL)$$) AS ack_null;
SELECT pg_temp.try($$SELECT * FROM booking.outbox_fail(gen_random_uuid(), 1, 'x', 0)$$) AS zero_attempts;
SELECT pg_temp.try($$SELECT booking.outbox_replay('{}')$$) AS replay_nothing;
-- nothing was lost: every event is done, claimed or pending, none twice done
RESET ROLE;
SELECT pg_temp.ev(payload) AS event, status, attempts, last_error FROM booking.outbox WHERE topic LIKE 'regress_outbox.%' ORDER BY id;

DELETE FROM booking.org WHERE id IN (:'org', :'org2');
DELETE FROM booking.app_user WHERE id IN ('00000000-0000-0000-0000-0000000018f9', '00000000-0000-0000-0000-0000000018fa');
DROP OWNED BY regress_outbox_relay;
DROP ROLE regress_outbox_relay;
