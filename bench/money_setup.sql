-- bench/money_setup.sql: the orgs of the money benches (run by
-- bench/money_stress.sh and bench/money_throughput.sh with psql -v orgs=N).
-- Org k (1..N): 20 resources open around the clock, 500 clients, a default
-- rate card (50.00 and 75.00 EUR), 15 % platform fee, a 60 % refund on
-- cancellation, payouts without hold, bulk for odd orgs and per booking for
-- even ones; one webhook role for all of them.
SET client_min_messages = warning;
CREATE EXTENSION booking CASCADE;
CREATE SCHEMA bench;
CREATE FUNCTION bench.org(k int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT md5('org' || k)::uuid $$;
CREATE FUNCTION bench.owner(k int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT md5('owner' || k)::uuid $$;
INSERT INTO booking.app_user (id, email, full_name)
SELECT bench.owner(k), 'owner' || k || '@money.example', 'Owner ' || k FROM generate_series(1, :orgs) k;
INSERT INTO booking.org (id, name, time_zone, currency, platform_fee_bps, min_notice_minutes, booking_horizon_days, settings)
SELECT bench.org(k), 'Money ' || k, 'Europe/Berlin', 'EUR', 1500, 0, 3660,
       jsonb_build_object('money', jsonb_build_object('payout_hold_days', 0,
                                                      'payout_mode', CASE WHEN k % 2 = 1 THEN 'bulk' ELSE 'per_booking' END))
  FROM generate_series(1, :orgs) k;
INSERT INTO booking.membership (org_id, user_id, role) SELECT bench.org(k), bench.owner(k), 'owner' FROM generate_series(1, :orgs) k;
SELECT count(booking.seed_lifecycle_defaults(bench.org(k))) > 0 AS lifecycle_rules FROM generate_series(1, :orgs) k;
INSERT INTO booking.service (org_id, id, name, duration_minutes)
SELECT bench.org(k), md5('svc' || k || '-' || s)::uuid, 'Service ' || s, 60 FROM generate_series(1, :orgs) k, generate_series(1, 2) s;
INSERT INTO booking.rate_card (org_id, id, name, currency, is_default)
SELECT bench.org(k), md5('card' || k)::uuid, 'Standard', 'EUR', true FROM generate_series(1, :orgs) k;
INSERT INTO booking.rate_card_item (org_id, rate_card_id, service_id, price_cents)
SELECT bench.org(k), md5('card' || k)::uuid, md5('svc' || k || '-' || s)::uuid, 2500 + 2500 * s
  FROM generate_series(1, :orgs) k, generate_series(1, 2) s;
INSERT INTO booking.resource (org_id, id, display_name, payout_account)
SELECT bench.org(k), md5('res' || k || '-' || r)::uuid, 'Resource ' || r, 'acct_' || k || '_' || r
  FROM generate_series(1, :orgs) k, generate_series(1, 20) r;
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT bench.org(k), md5('res' || k || '-' || r)::uuid, d, '[00:00,24:00)'
  FROM generate_series(1, :orgs) k, generate_series(1, 20) r, generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name)
SELECT bench.org(k), md5('client' || k || '-' || c)::uuid, 'Client ' || c FROM generate_series(1, :orgs) k, generate_series(1, 500) c;
INSERT INTO booking.cancellation_policy (org_id, actor, hours_before_start, refund_percentage, fee_cents, description)
SELECT bench.org(k), 'admin', 0, 60, 0, '60 %' FROM generate_series(1, :orgs) k;
CREATE ROLE bench_money_hook;
SELECT count(booking.grant_webhook_role('bench_money_hook', bench.org(k))) AS webhook_grants FROM generate_series(1, :orgs) k;
CREATE UNLOGGED TABLE bench.outcome (script text, sqlstate text, message text);
