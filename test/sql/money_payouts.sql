-- Payouts: shares of completed, captured bookings after the hold period,
-- in bulk or per booking; never paid twice; a refund after payout is a
-- negative adjustment of the next payout; failed payouts make their shares
-- payable again; a resource's balance in one query.
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/try.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000018a1', 'p17.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000018a2', 'p17.staff@example.com', 'Staff'),
  ('00000000-0000-0000-0000-0000000018a3', 'p17.ingo@example.com', 'Ingo');
SELECT booking.create_org('Payouts 17', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000018a1') AS org \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:'org', '00000000-0000-0000-0000-0000000018a2', 'staff'),
  (:'org', '00000000-0000-0000-0000-0000000018a3', 'instructor');
INSERT INTO booking.service (org_id, id, name, duration_minutes) VALUES (:'org', '00000000-0000-0000-0000-0000000018e1', 'Lesson', 60);
INSERT INTO booking.resource (org_id, id, display_name, user_id, payout_account) VALUES
  (:'org', '00000000-0000-0000-0000-0000000018b1', 'Ingo', '00000000-0000-0000-0000-0000000018a3', 'acct_ingo'),
  (:'org', '00000000-0000-0000-0000-0000000018b2', 'Jo', NULL, 'acct_jo');
INSERT INTO booking.client (org_id, id, full_name) VALUES (:'org', '00000000-0000-0000-0000-0000000018c1', 'Sam');
-- Completed bookings loaded as data: ended 10, 9 and 2 days ago (Ingo), 10
-- days ago (Jo); 50 EUR each, 15 % platform fee; all paid, but the 9-day
-- one (paid later) and one of Jo's, not captured.
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, status, currency,
                             price_cents, platform_fee_cents, resource_share_cents)
SELECT :'org', ('00000000-0000-0000-0000-0000000018d' || n)::uuid, '00000000-0000-0000-0000-0000000018c1', r::uuid,
       '00000000-0000-0000-0000-0000000018e1', date_trunc('hour', now()) - make_interval(days => d, hours => 1),
       date_trunc('hour', now()) - make_interval(days => d), 'completed', 'EUR', 5000, 750, 4250
  FROM (VALUES ('1', '00000000-0000-0000-0000-0000000018b1', 10), ('2', '00000000-0000-0000-0000-0000000018b1', 9),
               ('3', '00000000-0000-0000-0000-0000000018b1', 2), ('4', '00000000-0000-0000-0000-0000000018b2', 10),
               ('5', '00000000-0000-0000-0000-0000000018b2', 11)) AS v(n, r, d);
INSERT INTO booking.payment (org_id, booking_id, status, currency, amount_cents, platform_fee_cents, resource_share_cents, provider_payment_id)
SELECT :'org', ('00000000-0000-0000-0000-0000000018d' || n)::uuid, st::booking.payment_status, 'EUR', 5000, 750, 4250, 'pi_p17_' || n
  FROM (VALUES ('1', 'succeeded'), ('2', 'pending'), ('3', 'succeeded'), ('4', 'succeeded'), ('5', 'authorized')) AS v(n, st);
CREATE ROLE regress_p17_app;
SELECT booking.grant_app_role('regress_p17_app', trusted => true);
CREATE ROLE regress_p17_hook;
SELECT booking.grant_webhook_role('regress_p17_hook', :'org');
CREATE FUNCTION pg_temp.ev(id text, amount bigint, refunded bigint DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('data', jsonb_build_object('object', jsonb_strip_nulls(jsonb_build_object(
           'id', CASE WHEN refunded IS NULL THEN id ELSE 'ch_' || id END, 'payment_intent', CASE WHEN refunded IS NOT NULL THEN id END,
           'amount', amount, 'currency', 'eur', 'amount_refunded', refunded)))) $$;
CREATE FUNCTION pg_temp.pev(payout uuid, id text, amount bigint) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('data', jsonb_build_object('object', jsonb_build_object(
           'id', id, 'amount', amount, 'currency', 'eur', 'metadata', jsonb_build_object('payout_id', payout)))) $$;
GRANT EXECUTE ON FUNCTION pg_temp.ev(text, bigint, bigint), pg_temp.pev(uuid, text, bigint) TO PUBLIC;

SET ROLE regress_p17_app;
-- Staff may not run payouts; the owner runs them in bulk (default hold 7 days).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a2') IS NOT NULL AS acting;
SELECT pg_temp.try('SELECT booking.run_payouts()') AS staff_run;
ROLLBACK;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT r.display_name, v.currency, v.outstanding_cents, v.bookings
  FROM booking.report_outstanding_payouts v JOIN booking.resource r ON r.org_id = v.org_id AND r.id = v.resource_id ORDER BY 1;
SELECT r.display_name, p.booking_id IS NULL AS bulk, p.currency, p.amount_cents, p.items
  FROM booking.run_payouts() p JOIN booking.resource r ON r.org_id = :'org' AND r.id = p.resource_id ORDER BY 1;
-- A second run finds nothing left to pay.
SELECT count(*) AS second_run FROM booking.run_payouts();
SELECT topic, payload->>'payout_account' AS account, payload->>'amount_cents' AS amount
  FROM booking.outbox WHERE topic = 'payout.requested' ORDER BY 2;
COMMIT;
RESET ROLE;
-- Paying a share twice is refused by the database, whoever tries (here a
-- superuser, past every policy).
SELECT pg_temp.try($$INSERT INTO booking.payout_item (org_id, payout_id, booking_id, resource_id, kind, amount_cents, refunded_basis)
                     SELECT org_id, payout_id, booking_id, resource_id, kind, amount_cents, refunded_basis FROM booking.payout_item LIMIT 1$$) AS twice;

-- The provider: Ingo's transfer is created and paid; Jo's fails.  Then d1
-- is refunded 2000 after payout, d2 is captured.
SELECT id AS ingo_payout FROM booking.payout WHERE resource_id = '00000000-0000-0000-0000-0000000018b1' \gset
SELECT id AS jo_payout FROM booking.payout WHERE resource_id = '00000000-0000-0000-0000-0000000018b2' \gset
SET ROLE regress_p17_hook;
SELECT v.n, w.outcome, w.error_code, w.replayed
  FROM (SELECT 1 AS n, 'evt_p1' AS e, 'transfer.created' AS t, pg_temp.pev(:'ingo_payout', 'tr_ingo', 4250) AS pl
        UNION ALL SELECT 2, 'evt_p2', 'payout.paid', pg_temp.pev(NULL, 'tr_ingo', 4250)
        UNION ALL SELECT 3, 'evt_p3', 'payout.failed', pg_temp.pev(:'jo_payout', 'tr_jo', 4250)
        UNION ALL SELECT 7, 'evt_p7', 'payout.paid', pg_temp.pev(:'jo_payout', 'tr_jo', 4250)
        UNION ALL SELECT 8, 'evt_p8', 'transfer.created', pg_temp.pev(:'jo_payout', 'tr_jo', 999)
        UNION ALL SELECT 4, 'evt_p4', 'charge.refunded', pg_temp.ev('pi_p17_1', 5000, 2000)
        UNION ALL SELECT 5, 'evt_p5', 'payment_intent.succeeded', pg_temp.ev('pi_p17_2', 5000)
        UNION ALL SELECT 6, 'evt_p2', 'payout.paid', pg_temp.pev(NULL, 'tr_ingo', 4250)) AS v,
       LATERAL booking.ingest_webhook('stripe', v.e, v.t, v.pl) w
 ORDER BY v.n;
RESET ROLE;
SELECT r.display_name, p.status, p.amount_cents, p.provider_transfer_id, p.paid_at IS NOT NULL AS paid
  FROM booking.payout p JOIN booking.resource r ON r.org_id = p.org_id AND r.id = p.resource_id ORDER BY 1;

-- The next run, per booking this time: Ingo's d2 share with the negative
-- adjustment for d1's refund (2000 of 5000: 1700 of the share); Jo's
-- failed share again.
UPDATE booking.org SET settings = '{"money": {"payout_mode": "per_booking"}}' WHERE id = :'org';
SET ROLE regress_p17_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT r.display_name, p.booking_id IS NOT NULL AS per_booking, p.amount_cents, p.items
  FROM booking.run_payouts() p JOIN booking.resource r ON r.org_id = :'org' AND r.id = p.resource_id ORDER BY 1, 3;
SELECT r.display_name, i.kind, i.amount_cents, i.refunded_basis, i.released
  FROM booking.payout_item i JOIN booking.resource r ON r.org_id = i.org_id AND r.id = i.resource_id ORDER BY 1, i.id;
-- d3 ended two days ago: payable after the hold, so with a hold of 1 day.
UPDATE booking.org SET settings = '{"money": {"payout_hold_days": 1}}' WHERE id = :'org';
SELECT r.display_name, p.amount_cents FROM booking.run_payouts() p JOIN booking.resource r ON r.org_id = :'org' AND r.id = p.resource_id;
UPDATE booking.org SET settings = '{"money": {"payout_hold_days": "soon"}}' WHERE id = :'org';
SELECT pg_temp.try('SELECT booking.run_payouts()') AS bad_hold;
SELECT pg_temp.try($$SELECT booking.run_payouts('infinity')$$) AS bad_up_to;
COMMIT;
-- Balances: as the owner, and as Ingo (his own only).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
SELECT 'Ingo' AS who, * FROM booking.resource_balance('00000000-0000-0000-0000-0000000018b1')
UNION ALL SELECT 'Jo', * FROM booking.resource_balance('00000000-0000-0000-0000-0000000018b2');
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a3') IS NOT NULL AS acting;
SELECT 'Ingo' AS who, * FROM booking.resource_balance('00000000-0000-0000-0000-0000000018b1')
UNION ALL SELECT 'Jo', * FROM booking.resource_balance('00000000-0000-0000-0000-0000000018b2');
COMMIT;
RESET ROLE;
-- The reports (security_invoker views): the owner sees the org; Ingo, his
-- own rows only; an identity-less role, nothing.
SELECT relname, reloptions FROM pg_class WHERE relnamespace = 'booking'::regnamespace AND relkind = 'v' ORDER BY 1;
SET ROLE regress_p17_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a1') IS NOT NULL AS acting;
-- (summed over months: the bookings ended 2 to 11 days ago)
SELECT r.display_name, v.currency, v.bookings, v.net_revenue_cents, v.platform_fee_cents, v.resource_share_cents, v.refunded_cents
  FROM (SELECT resource_id, currency, sum(bookings) AS bookings, sum(net_revenue_cents) AS net_revenue_cents,
               sum(platform_fee_cents) AS platform_fee_cents, sum(resource_share_cents) AS resource_share_cents,
               sum(refunded_cents) AS refunded_cents
          FROM booking.report_resource_revenue GROUP BY 1, 2) v
  JOIN booking.resource r ON r.org_id = :'org' AND r.id = v.resource_id ORDER BY 1;
SELECT status, currency, payments, amount_cents, refunded_cents FROM booking.report_payments_by_status ORDER BY status;
SELECT r.display_name, v.currency, v.outstanding_cents, v.bookings
  FROM booking.report_outstanding_payouts v JOIN booking.resource r ON r.org_id = v.org_id AND r.id = v.resource_id ORDER BY 1;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000018a3') IS NOT NULL AS acting;
SELECT count(DISTINCT resource_id) AS ingo_sees_resources, sum(bookings) AS bookings FROM booking.report_resource_revenue;
COMMIT;
SELECT count(*) AS without_identity FROM booking.report_payments_by_status;
RESET ROLE;
-- Every share of a captured payment is paid once: the live items of each
-- booking sum to its share less refunds.
SELECT b.id = '00000000-0000-0000-0000-0000000018d1' AS d1, p.resource_share_cents - p.refunded_share_cents AS owed,
       (SELECT sum(i.amount_cents) FROM booking.payout_item i WHERE i.org_id = b.org_id AND i.booking_id = b.id AND NOT i.released) AS paid_out
  FROM booking.booking b JOIN booking.payment p ON p.org_id = b.org_id AND p.booking_id = b.id
 WHERE b.org_id = :'org' AND p.status IN ('succeeded', 'partially_refunded', 'refunded') ORDER BY b.ends_at;
DROP OWNED BY regress_p17_app, regress_p17_hook;
DROP ROLE regress_p17_app, regress_p17_hook;
-- Leave the database as found (the tests after this one draw on it).
DELETE FROM booking.org WHERE id IN (:'org');
DELETE FROM booking.app_user WHERE email LIKE 'p17.%';
