-- test/citus/runners.sql: the money functions that reach beyond one org's
-- shard (issue 15): a provider's webhook routed through the reference table
-- booking.provider_ref to its org, the payout run and its routing rows
-- (written by the functions on the coordinator, never by a shard's
-- trigger), the payment history's causes (SET LOCAL, propagated to the
-- workers).  In org b, through the coordinator; run after flows.sql in its
-- session (its pg_temp.is, val, state); prints "ok - ..." or "not ok - ...".
-- The relay's concurrent claims and the real-time notification need
-- several sessions: test/citus.sh runs them after this file.
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
SELECT org_id AS b FROM org_ids WHERE o = 'b' \gset
SELECT user_id AS owner_b FROM cast_member WHERE o = 'b' AND role = 'owner' \gset
SELECT user_id AS staff_b FROM cast_member WHERE o = 'b' AND role = 'staff' \gset
SELECT id AS svc_b FROM booking.service WHERE org_id = :'b' AND name = 'Lesson b' \gset
SELECT id AS res_b FROM booking.resource WHERE org_id = :'b' AND display_name = 'Instructor b' \gset
SELECT id AS client_b FROM booking.client WHERE org_id = :'b' \gset
SELECT date_trunc('hour', now()) + interval '5 days' AS t5 \gset
\set pb 00000000-0000-0000-0000-000000000000
\set payout 00000000-0000-0000-0000-000000000000
\set share 0

-- A webhook role for org b; payouts due at once (no hold period).
RESET ROLE;
CREATE ROLE regress_citus_webhook LOGIN;
SELECT booking.grant_webhook_role('regress_citus_webhook', :'b');
UPDATE booking.org SET settings = jsonb_set(settings, '{money}', COALESCE(settings -> 'money', '{}') || '{"payout_hold_days": 0}')
 WHERE id = :'b';

-- A booking and its payment (open_payment writes the routing row on the
-- coordinator, the payment and its history on the worker).
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'b', :'staff_b') IS NOT NULL AS acting \gset
SELECT id AS pb FROM booking.book(:'client_b', :'svc_b', :'t5', :'res_b') \gset
COMMIT;
BEGIN;
SELECT booking.act_as(:'b', :'staff_b') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT status FROM booking.open_payment(%L, %L, %L)', :'pb', 'stripe', 'pi_citus_payout')), 'pending',
                  'runners: open_payment of org b''s booking');
COMMIT;
RESET ROLE;
SELECT amount_cents AS price, resource_share_cents AS share FROM booking.payment WHERE org_id = :'b' AND booking_id = :'pb' \gset

-- The provider's events, as the webhook role: routed by provider_ref (the
-- one lookup before the org is known) to org b, applied on its worker.
SET ROLE regress_citus_webhook;
SELECT pg_temp.is(pg_temp.val(format($$SELECT outcome || '/' || (org_id = %L) || '/' || replayed FROM booking.ingest_webhook('stripe', 'evt_citus_1', 'payment_intent.succeeded',
                    jsonb_build_object('data', jsonb_build_object('object', jsonb_build_object('id', 'pi_citus_payout', 'amount', %s, 'currency', 'eur'))))$$, :'b', :'price')),
                  'applied/true/false', 'ingest_webhook: a provider event routed to its org (provider_ref) and applied on its worker');
SELECT pg_temp.is(pg_temp.val(format($$SELECT outcome || '/' || replayed FROM booking.ingest_webhook('stripe', 'evt_citus_1', 'payment_intent.succeeded',
                    jsonb_build_object('data', jsonb_build_object('object', jsonb_build_object('id', 'pi_citus_payout', 'amount', %s, 'currency', 'eur'))))$$, :'price')),
                  'applied/true', '... the same event again: its first outcome, replayed');
SELECT pg_temp.is(split_part(pg_temp.state($$SELECT * FROM booking.ingest_webhook('stripe', 'evt_citus_2', 'payment_intent.succeeded',
                    '{"data": {"object": {"id": "pi_nobody", "amount": 1, "currency": "eur"}}}')$$), ' ', 1),
                  '22M02', '... an event no routing row knows is refused (22M02)');
RESET ROLE;
SELECT pg_temp.is(pg_temp.val(format($$SELECT string_agg(h.cause || ':' || (h.webhook_event_id IS NOT NULL), ',' ORDER BY h.id)
                                         FROM booking.payment_history h JOIN booking.payment p ON p.org_id = h.org_id AND p.id = h.payment_id
                                        WHERE p.org_id = %L AND p.booking_id = %L$$, :'b', :'pb')),
                  'open:false,payment_intent.succeeded:true',
                  '... the payment history on the worker has the causes and the event set on the coordinator (SET LOCAL, propagated)');

-- The payout run (an owner of org b; a transaction of its own: it runs as
-- the extension's owner).  The booking completed as a maintenance write.
UPDATE booking.booking SET status = 'completed' WHERE org_id = :'b' AND id = :'pb';
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'b', :'owner_b') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val($$SELECT count(*) || '/' || sum(amount_cents) FROM booking.run_payouts(now() + interval '30 days')$$), '1/' || :'share',
                  'run_payouts: one payout of the resource share, its routing row written on the coordinator');
COMMIT;
RESET ROLE;
SELECT id AS payout FROM booking.payout WHERE org_id = :'b' \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.provider_ref WHERE provider = 'stripe' AND ref = %L AND kind = 'payout' AND target_org_id = %L AND target_id = %L$$, :'payout', :'b', :'payout'))
                  || '/' || pg_temp.val(format($$SELECT count(*) FROM booking.outbox WHERE org_id = %L AND topic = 'payout.requested' AND payload ->> 'payout_id' = %L$$, :'b', :'payout')),
                  '1/1', '... routed by its id (reference table) and announced in the outbox (by the trigger on the worker)');
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'b', :'owner_b') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val($$SELECT count(*) FROM booking.run_payouts(now() + interval '30 days')$$), '0', '... a second run pays nothing (a share is paid once)');
COMMIT;

-- The provider's transfer (routed by metadata.payout_id; its transfer id
-- registered by the webhook on the coordinator), then paid (routed by the
-- transfer id).
SET ROLE regress_citus_webhook;
SELECT pg_temp.is(pg_temp.val(format($$SELECT outcome FROM booking.ingest_webhook('stripe', 'evt_citus_3', 'transfer.created',
                    jsonb_build_object('data', jsonb_build_object('object', jsonb_build_object('id', 'tr_citus_1', 'amount', %s, 'currency', 'eur', 'metadata', jsonb_build_object('payout_id', %L)))))$$, :'share', :'payout')),
                  'applied', 'ingest_webhook: transfer.created routed to the payout');
SELECT pg_temp.is(pg_temp.val(format($$SELECT outcome FROM booking.ingest_webhook('stripe', 'evt_citus_4', 'payout.paid',
                    jsonb_build_object('data', jsonb_build_object('object', jsonb_build_object('id', 'tr_citus_1', 'amount', %s, 'currency', 'eur'))))$$, :'share')),
                  'applied', '... payout.paid routed by the transfer id alone');
RESET ROLE;
SELECT pg_temp.is(pg_temp.val(format($$SELECT status || '/' || provider_transfer_id FROM booking.payout WHERE org_id = %L AND id = %L$$, :'b', :'payout'))
                  || '/' || pg_temp.val($$SELECT count(*) FROM booking.provider_ref WHERE provider = 'stripe' AND ref = 'tr_citus_1' AND kind = 'payout'$$),
                  'paid/tr_citus_1/1', '... the payout is paid, its transfer id routed (reference table)');
SET ROLE regress_citus_app;
