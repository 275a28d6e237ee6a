-- Money: prices from rate cards stored on the booking, the payment life
-- cycle with its history, provider webhooks (idempotent, order-proof),
-- refunds from cancellations, invoices with gapless numbers and credit
-- notes; as an application role, a webhook role and a staff member.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\i test/sql/include/try.psql
\i test/sql/include/why.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000017a1', 'm17.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000017a2', 'm17.staff@example.com', 'Staff'),
  ('00000000-0000-0000-0000-0000000017a3', 'm17.ingo@example.com', 'Ingo'),
  ('00000000-0000-0000-0000-0000000017a5', 'm17.sam@example.com', 'Sam');
SELECT booking.create_org('Money 17', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000017a1') AS org \gset
SELECT booking.create_org('Other 17', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000017a1') AS other \gset
UPDATE booking.org SET platform_fee_bps = 1500, min_notice_minutes = 0 WHERE id = :'org';
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:'org', '00000000-0000-0000-0000-0000000017a2', 'staff'),
  (:'org', '00000000-0000-0000-0000-0000000017a3', 'instructor'),
  (:'org', '00000000-0000-0000-0000-0000000017a5', 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES
  (:'org', '00000000-0000-0000-0000-0000000017e1', 'Lesson', 60, false),
  (:'org', '00000000-0000-0000-0000-0000000017e2', 'Highway', 60, false),
  (:'org', '00000000-0000-0000-0000-0000000017e3', 'Trial', 60, true);
INSERT INTO booking.resource (org_id, id, display_name, user_id)
VALUES (:'org', '00000000-0000-0000-0000-0000000017b1', 'Ingo', '00000000-0000-0000-0000-0000000017a3');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :'org', '00000000-0000-0000-0000-0000000017b1', d, '[00:00,24:00)' FROM generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, user_id)
VALUES (:'org', '00000000-0000-0000-0000-0000000017c1', 'Sam', '00000000-0000-0000-0000-0000000017a5');
INSERT INTO booking.cancellation_policy (org_id, actor, hours_before_start, refund_percentage, fee_cents, description) VALUES
  (:'org', 'student', 48, 100, 0, 'full refund'),
  (:'org', 'student', 0, 50, 0, 'half');
CREATE ROLE regress_m17_app;
SELECT booking.grant_app_role('regress_m17_app', trusted => true);
CREATE ROLE regress_m17_hook;
SELECT booking.grant_webhook_role('regress_m17_hook', :'org');
CREATE ROLE regress_m17_other_hook;
SELECT booking.grant_webhook_role('regress_m17_other_hook', :'other');
SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'regress_m17_hook';

-- Times: whole hours ahead of now, so no test depends on the clock.
CREATE FUNCTION pg_temp.at(h int) RETURNS timestamptz LANGUAGE sql AS $$ SELECT date_trunc('hour', now()) + make_interval(hours => h) $$;
GRANT EXECUTE ON FUNCTION pg_temp.at(int) TO PUBLIC;

SET ROLE regress_m17_app;

-- 1. Prices.  No price, no booking: an org without any rate card books
-- only the services it marks free (price 0 in its currency); any other is
-- refused with 23M01, by booking.book and a plain INSERT alike.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a2') IS NOT NULL AS acting;
SELECT regexp_replace(pg_temp.why($$SELECT booking.book('00000000-0000-0000-0000-0000000017c1', '00000000-0000-0000-0000-0000000017e1',
                                                       pg_temp.at(300), '00000000-0000-0000-0000-0000000017b1')$$),
                      'Org [0-9a-f-]{36}', 'Org <org>') AS no_card;
SELECT pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
                     VALUES ('00000000-0000-0000-0000-0000000017c1', '00000000-0000-0000-0000-0000000017b1',
                             '00000000-0000-0000-0000-0000000017e2', pg_temp.at(300), pg_temp.at(301), 'EUR')$$) AS no_card_insert;
SELECT price_cents, currency, platform_fee_cents, resource_share_cents, rate_card_id IS NULL AS no_card
  FROM booking.book('00000000-0000-0000-0000-0000000017c1', '00000000-0000-0000-0000-0000000017e3', pg_temp.at(300),
                    '00000000-0000-0000-0000-0000000017b1');
ROLLBACK;
-- The staff set up a default card (EUR) and a second one (CHF).
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a2') IS NOT NULL AS acting;
INSERT INTO booking.rate_card (org_id, id, name, currency, is_default) VALUES
  (:'org', '00000000-0000-0000-0000-0000000017f1', 'Standard', 'EUR', true),
  (:'org', '00000000-0000-0000-0000-0000000017f2', 'Swiss', 'CHF', false);
INSERT INTO booking.rate_card_item (org_id, rate_card_id, service_id, price_cents) VALUES
  (:'org', '00000000-0000-0000-0000-0000000017f1', '00000000-0000-0000-0000-0000000017e1', 5000),
  (:'org', '00000000-0000-0000-0000-0000000017f2', '00000000-0000-0000-0000-0000000017e1', 5999);
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a5') IS NOT NULL AS acting;
-- booking.book: the default card; the client's price_cents is not taken.
SELECT id AS b1 FROM booking.book('00000000-0000-0000-0000-0000000017c1', '00000000-0000-0000-0000-0000000017e1',
                                  pg_temp.at(300), '00000000-0000-0000-0000-0000000017b1') \gset
-- Naming another card: below staff refused (it would choose the price) ...
SELECT pg_temp.try(format($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency, rate_card_id)
  VALUES (%L, '00000000-0000-0000-0000-0000000017c1', '00000000-0000-0000-0000-0000000017b1', '00000000-0000-0000-0000-0000000017e1',
          pg_temp.at(302), pg_temp.at(303), 'EUR', '00000000-0000-0000-0000-0000000017f2')$$, :'org')) AS student_names_a_card;
-- ... and by staff, a plain INSERT naming the Swiss card, without a price:
-- the card's, in CHF
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a2') IS NOT NULL AS acting;
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, rate_card_id)
VALUES (:'org', '00000000-0000-0000-0000-0000000017d2', '00000000-0000-0000-0000-0000000017c1',
        '00000000-0000-0000-0000-0000000017b1', '00000000-0000-0000-0000-0000000017e1',
        pg_temp.at(302), pg_temp.at(303), 'EUR', '00000000-0000-0000-0000-0000000017f2');
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a5') IS NOT NULL AS acting;
-- a free service, and one with no price
SELECT id AS b3 FROM booking.book('00000000-0000-0000-0000-0000000017c1', '00000000-0000-0000-0000-0000000017e3',
                                  pg_temp.at(304), '00000000-0000-0000-0000-0000000017b1') \gset
SELECT pg_temp.try($$SELECT booking.book('00000000-0000-0000-0000-0000000017c1', '00000000-0000-0000-0000-0000000017e2',
                                        pg_temp.at(306), '00000000-0000-0000-0000-0000000017b1')$$) AS no_price;
SELECT s.name, b.currency, b.price_cents, b.platform_fee_cents, b.resource_share_cents,
       b.platform_fee_cents + b.resource_share_cents = b.price_cents AS splits, c.name AS card
  FROM booking.booking b JOIN booking.service s ON s.org_id = b.org_id AND s.id = b.service_id
  LEFT JOIN booking.rate_card c ON c.org_id = b.org_id AND c.id = b.rate_card_id
 WHERE b.org_id = :'org' ORDER BY b.starts_at;
COMMIT;
-- A later price change leaves the bookings as they are, also when they are
-- updated.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a2') IS NOT NULL AS acting;
UPDATE booking.rate_card_item SET price_cents = 9000 WHERE org_id = :'org' AND service_id = '00000000-0000-0000-0000-0000000017e1';
UPDATE booking.booking SET notes = 'bring glasses' WHERE org_id = :'org' AND id = :'b1';
SELECT price_cents, platform_fee_cents, notes FROM booking.booking WHERE org_id = :'org' AND id = :'b1';
-- Staff may price by hand (kept as given), Sam may not (the column guard).
SAVEPOINT s;
UPDATE booking.booking SET price_cents = 4000, platform_fee_cents = 600, resource_share_cents = 3400 WHERE org_id = :'org' AND id = :'b1';
SELECT price_cents, platform_fee_cents, resource_share_cents FROM booking.booking WHERE org_id = :'org' AND id = :'b1';
ROLLBACK TO s;
COMMIT;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a5') IS NOT NULL AS acting;
SELECT pg_temp.try($$UPDATE booking.booking SET price_cents = 1, resource_share_cents = 1, platform_fee_cents = 0 WHERE id = '$$ || :'b1' || $$'$$) AS student_price;
ROLLBACK;

-- 2. Payments.  Sam opens the payment of b1 (a Stripe PaymentIntent): it
-- takes the booking's amount and split, pending.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a5') IS NOT NULL AS acting;
SELECT status, currency, amount_cents, platform_fee_cents, resource_share_cents
  FROM booking.open_payment(:'b1', 'stripe', 'pi_17_1');
SELECT status FROM booking.open_payment(:'b1', 'stripe', 'pi_17_1');   -- the same call again
SELECT pg_temp.try($$SELECT booking.open_payment('$$ || :'b1' || $$', 'stripe', 'pi_17_other')$$) AS second_payment;
COMMIT;
-- Staff cannot move it to a status the life cycle does not allow, nor
-- change its amount, nor refund what was not captured.
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a2') IS NOT NULL AS acting;
SELECT regexp_replace(pg_temp.why($$UPDATE booking.payment SET status = 'refunded' WHERE provider_payment_id = 'pi_17_1'$$),
                      'Payment [0-9a-f-]{36}', 'Payment <id>') AS pending_to_refunded;
SELECT pg_temp.try($$UPDATE booking.payment SET amount_cents = 1, resource_share_cents = 1, platform_fee_cents = 0 WHERE provider_payment_id = 'pi_17_1'$$) AS amount;
SELECT pg_temp.try($$UPDATE booking.payment SET refunded_cents = 10 WHERE provider_payment_id = 'pi_17_1'$$) AS refund_uncaptured;
SELECT pg_temp.try($$UPDATE booking.payment SET platform_fee_cents = 1 WHERE provider_payment_id = 'pi_17_1'$$) AS split;
COMMIT;
SELECT from_status, to_status FROM booking.payment_transition ORDER BY from_status, to_status;
RESET ROLE;
-- The moves are decided in C (the rules engine of the booking transitions,
-- src/core/rules.c) from the declared rows: how a wanted status stands to
-- the current one, and the error of a move that is not declared.
SELECT f AS from_status, t AS to_status, p.kind, p.path
  FROM (VALUES ('pending', 'succeeded'), ('pending', 'refunded'), ('authorized', 'partially_refunded'),
               ('succeeded', 'succeeded'), ('refunded', 'succeeded'), ('succeeded', 'failed'),
               ('cancelled', 'succeeded'), ('succeeded', 'cancelled')) v(f, t),
       booking.payment_plan(f::booking.payment_status, t::booking.payment_status) p;
SELECT pg_temp.why($$SELECT booking.payment_move_decide('00000000-0000-0000-0000-000000000017', 'refunded', 'succeeded', m.move_from, m.move_to)
                      FROM booking.payment_moves() m$$) AS backward;
SELECT pg_temp.why($$SELECT booking.payment_move_decide('00000000-0000-0000-0000-000000000017', 'cancelled', 'succeeded', m.move_from, m.move_to)
                      FROM booking.payment_moves() m$$) AS unrelated;
SELECT pg_temp.why($$SELECT booking.payment_move_decide('00000000-0000-0000-0000-000000000017', 'pending', 'lost', m.move_from, m.move_to)
                      FROM booking.payment_moves() m$$) AS unknown;
SELECT pg_temp.try($$SELECT booking.move_plan('a', 'b', '{a}', '{b,c}')$$) AS arrays_differ;
SELECT pg_temp.try($$SELECT booking.move_plan('a', 'b', '{a,NULL}', '{b,c}')$$) AS null_state;
SELECT pg_temp.try($$SELECT booking.move_plan('a', 'b', array_fill('a'::text, ARRAY[257]), array_fill('b'::text, ARRAY[257]))$$) AS too_many;
SELECT * FROM booking.move_plan('draft', 'paid', '{draft,issued,issued}', '{issued,paid,void}');   -- any life cycle

-- 3. Webhooks, as the webhook role (neither superuser nor BYPASSRLS).
CREATE FUNCTION pg_temp.ev(typ text, pi text, amount bigint, currency text DEFAULT 'eur', refunded bigint DEFAULT NULL)
  RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('type', typ, 'data', jsonb_build_object('object',
           CASE WHEN typ LIKE 'charge.%'
                THEN jsonb_build_object('id', 'ch_' || pi, 'payment_intent', pi, 'amount', amount, 'currency', currency,
                                        'amount_refunded', refunded)
                ELSE jsonb_build_object('id', pi, 'amount', amount, 'currency', currency) END)) $$;
GRANT EXECUTE ON FUNCTION pg_temp.ev(text, text, bigint, text, bigint) TO PUBLIC;
SET ROLE regress_m17_hook;
-- Out of order: the refund of 2000 comes first (it implies the capture),
-- then the success, then an older refund event; then a replay.
SELECT event, outcome, error_code, replayed
  FROM (VALUES (1, 'evt_1', 'charge.refunded', pg_temp.ev('charge.refunded', 'pi_17_1', 5000, 'eur', 2000)),
               (2, 'evt_2', 'payment_intent.succeeded', pg_temp.ev('payment_intent.succeeded', 'pi_17_1', 5000)),
               (3, 'evt_3', 'charge.refunded', pg_temp.ev('charge.refunded', 'pi_17_1', 5000, 'eur', 1000)),
               (4, 'evt_4', 'payment_intent.payment_failed', pg_temp.ev('payment_intent.payment_failed', 'pi_17_1', 5000)),
               (5, 'evt_1', 'charge.refunded', pg_temp.ev('charge.refunded', 'pi_17_1', 5000, 'eur', 2000)),
               (6, 'evt_5', 'charge.dispute.created', pg_temp.ev('charge.dispute.created', 'pi_17_1', 5000)),
               (7, 'evt_6', 'payment_intent.succeeded', pg_temp.ev('payment_intent.succeeded', 'pi_17_1', 4000)),
               (8, 'evt_7', 'payment_intent.succeeded', pg_temp.ev('payment_intent.succeeded', 'pi_17_1', 5000, 'usd')),
               (9, 'evt_8', 'charge.refunded', pg_temp.ev('charge.refunded', 'pi_17_1', 5000, 'eur', 5001)),
               (10, 'evt_9', 'charge.refunded', '{"data": {"object": {"payment_intent": "pi_17_1", "amount": "lots", "currency": "eur"}}}'::jsonb)
       ) AS v(n, event, typ, payload),
       LATERAL booking.ingest_webhook('stripe', v.event, v.typ, v.payload) w
 ORDER BY n;
-- Errors raised (nothing stored): malformed, unknown payment, another org's role.
SELECT pg_temp.try($$SELECT booking.ingest_webhook('stripe', 'evt_x', 'payment_intent.succeeded', '[1]')$$) AS malformed;
SELECT pg_temp.try($$SELECT booking.ingest_webhook('stripe', 'evt_y', 'payment_intent.succeeded', pg_temp.ev('payment_intent.succeeded', 'pi_unknown', 5000))$$) AS unknown;
SELECT pg_temp.try($$SELECT booking.ingest_webhook('Stripe!', 'evt_z', 'x', '{}')$$) AS bad_provider;
SELECT pg_temp.try($$SELECT * FROM booking.payment$$) AS reads_payments;
RESET ROLE;
SET ROLE regress_m17_other_hook;
SELECT pg_temp.try($$SELECT booking.ingest_webhook('stripe', 'evt_o', 'payment_intent.succeeded', pg_temp.ev('payment_intent.succeeded', 'pi_17_1', 5000))$$) AS other_org;
RESET ROLE;
SELECT event_id, event_type, outcome, error_code, regexp_replace(error, '[0-9a-f-]{36}', '<id>', 'g') AS error, processed_at IS NOT NULL AS processed
  FROM booking.webhook_event WHERE org_id = :'org' ORDER BY received_at, event_id;
SELECT status, amount_cents, refunded_cents, refund_confirmed_cents, refunded_fee_cents, refunded_share_cents
  FROM booking.payment WHERE org_id = :'org' AND provider_payment_id = 'pi_17_1';
SELECT from_status, to_status, refunded_cents, cause, (SELECT event_id FROM booking.webhook_event w WHERE w.org_id = h.org_id AND w.id = h.webhook_event_id) AS event
  FROM booking.payment_history h WHERE org_id = :'org' ORDER BY id;

-- 4. Refunds from cancellations: b2 (Swiss card) is paid, then Sam cancels
-- it in the same transaction as the refund, its outbox request and (the
-- booking being confirmed, so invoiced) a credit note; the provider's
-- charge.refunded confirms it.
SET ROLE regress_m17_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a2') IS NOT NULL AS acting;
SELECT status FROM booking.open_payment('00000000-0000-0000-0000-0000000017d2', 'stripe', 'pi_17_2');
SELECT status FROM booking.transition('00000000-0000-0000-0000-0000000017d2', 'confirmed');
COMMIT;
SET ROLE regress_m17_hook;
SELECT outcome FROM booking.ingest_webhook('stripe', 'evt_20', 'payment_intent.succeeded', pg_temp.ev('payment_intent.succeeded', 'pi_17_2', 5999, 'chf'));
SET ROLE regress_m17_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a5') IS NOT NULL AS acting;
SELECT refund_cents, fee_cents, refund_percentage FROM booking.cancel('00000000-0000-0000-0000-0000000017d2', 'ill');
COMMIT;
RESET ROLE;
SELECT status, refunded_cents, refund_confirmed_cents, refunded_fee_cents, refunded_share_cents
  FROM booking.payment WHERE org_id = :'org' AND provider_payment_id = 'pi_17_2';
SELECT topic, payload->>'amount_cents' AS amount, payload->>'currency' AS currency, payload->>'provider_payment_id' AS pi,
       payload->>'idempotency_key' LIKE '%:refund:' || (payload->>'refunded_cents') AS keyed
  FROM booking.outbox WHERE org_id = :'org' AND topic LIKE 'payment.%';
SET ROLE regress_m17_hook;
SELECT outcome FROM booking.ingest_webhook('stripe', 'evt_21', 'charge.refunded', pg_temp.ev('charge.refunded', 'pi_17_2', 5999, 'chf', 5999));
RESET ROLE;
SELECT status, refunded_cents, refund_confirmed_cents FROM booking.payment WHERE org_id = :'org' AND provider_payment_id = 'pi_17_2';
SELECT from_status, to_status, refunded_cents, cause FROM booking.payment_history h
 WHERE org_id = :'org' AND payment_id = (SELECT id FROM booking.payment WHERE org_id = :'org' AND provider_payment_id = 'pi_17_2') ORDER BY id;

-- 6. Invoices: b2's invoice and its credit note, numbered 1 and 2 of the
-- org's year; lines sum to the total; an issued invoice is immutable.
SELECT kind, substr(number, 6) AS seq_part, number LIKE (year || '-%') AS numbered_by_year, currency, amount_cents, status,
       credit_for_id IS NOT NULL AS refers,
       amount_cents = (SELECT sum(l.amount_cents) FROM booking.invoice_line l WHERE l.org_id = i.org_id AND l.invoice_id = i.id) AS lines_sum
  FROM booking.invoice i WHERE org_id = :'org' ORDER BY seq;
SELECT l.kind, l.description LIKE 'refund for invoice %' AS refers_number, l.quantity, l.unit_cents, l.amount_cents
  FROM booking.invoice_line l JOIN booking.invoice i ON i.org_id = l.org_id AND i.id = l.invoice_id
 WHERE l.org_id = :'org' ORDER BY i.seq, l.line_no;
SET ROLE regress_m17_app;
BEGIN;
SELECT booking.act_as(:'org', '00000000-0000-0000-0000-0000000017a2') IS NOT NULL AS acting;
SELECT pg_temp.try($$UPDATE booking.invoice SET amount_cents = 1 WHERE kind = 'invoice'$$) AS edit_issued;
SELECT pg_temp.try($$DELETE FROM booking.invoice WHERE kind = 'invoice'$$) AS delete_issued;
SELECT pg_temp.try($$INSERT INTO booking.invoice (number, currency, amount_cents, booking_id) VALUES ('2026-999999', 'EUR', 0, '$$ || :'b1' || $$')$$) AS own_number;
SELECT pg_temp.try($$UPDATE booking.invoice SET status = 'paid' WHERE kind = 'invoice'$$) AS mark_paid;
-- A rollback gives the number back: confirming b1 takes 3, rolled back,
-- then b3 takes 3.
SAVEPOINT s;
SELECT status FROM booking.transition(:'b1', 'confirmed');
SELECT max(seq) AS taken FROM booking.invoice WHERE org_id = :'org';
ROLLBACK TO s;
SELECT status FROM booking.transition(:'b3', 'confirmed');
SELECT seq, amount_cents FROM booking.invoice WHERE org_id = :'org' ORDER BY seq;
COMMIT;
RESET ROLE;
SELECT org_id = :'org' AS org, last_seq FROM booking.invoice_counter ORDER BY 1;
DROP OWNED BY regress_m17_app, regress_m17_hook, regress_m17_other_hook;
DROP ROLE regress_m17_app, regress_m17_hook, regress_m17_other_hook;
-- Leave the database as found (the tests after this one draw on it).
DELETE FROM booking.org WHERE id IN (:'org', :'other');
DELETE FROM booking.app_user WHERE email LIKE 'm17.%';
