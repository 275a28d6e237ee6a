#!/usr/bin/env bash
# bench/money_throughput.sh: the Performance figures of the money engine.
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/money_throughput.sh [clients] [seconds]
#
# Creates (and drops first) the database booking_money_tp (16 orgs of
# bench/money_setup.sql, each with 2,000 bookings with pending payments,
# org 1 with 20,000 more bookings).  Then, each run
# with pgbench for `seconds` (default 10):
#   1. webhook ingestion: booking.ingest_webhook as the webhook role, every
#      transaction a new payment_intent.succeeded of a pending payment
#      (routed, stored, applied, history written), against a plain INSERT of
#      the same event rows into an unconstrained copy of webhook_event;
#      `clients` clients (default 4);
#   2. invoice issue (booking.issue_booking_invoice of a booking, each
#      transaction), three phases side by side: 16 clients in one org (they
#      take turns on its counter), 16 clients spread over the 16 orgs (one
#      each), and both at once (16 in org 1 plus one in each other org);
#      per org invoices/s, the ratio, and gapless numbers per org.
set -eu
clients=${1:-4}
seconds=${2:-10}
db=booking_money_tp
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dropdb --if-exists $db >/dev/null 2>&1
psql -X -q -d postgres -c "DROP ROLE IF EXISTS bench_money_hook" >/dev/null 2>&1 || true
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -v orgs=16 -d $db -f "$here/money_setup.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db <<'SQL'
-- 2,000 bookings per org, loaded as data, with pending payments (their
-- provider ids registered for routing by the payment trigger).
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, status, currency,
                             price_cents, platform_fee_cents, resource_share_cents)
SELECT bench.org(k), md5('b' || k || '-' || n)::uuid, md5('client' || k || '-' || (1 + n % 500))::uuid,
       md5('res' || k || '-' || (1 + n % 20))::uuid, md5('svc' || k || '-1')::uuid,
       '2031-01-06 00:00+00'::timestamptz + (n / 20) * interval '1 hour',
       '2031-01-06 01:00+00'::timestamptz + (n / 20) * interval '1 hour', 'confirmed', 'EUR', 5000, 750, 4250
  FROM generate_series(1, 16) k, generate_series(0, 1999) n;
-- org 1 has 20,000 more, for the invoice run in one org
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, status, currency,
                             price_cents, platform_fee_cents, resource_share_cents)
SELECT bench.org(1), md5('b1-' || n)::uuid, md5('client1-' || (1 + n % 500))::uuid,
       md5('res1-' || (1 + n % 20))::uuid, md5('svc1-1')::uuid,
       '2031-01-06 00:00+00'::timestamptz + (n / 20) * interval '1 hour',
       '2031-01-06 01:00+00'::timestamptz + (n / 20) * interval '1 hour', 'confirmed', 'EUR', 5000, 750, 4250
  FROM generate_series(2000, 21999) n;
INSERT INTO booking.payment (org_id, booking_id, currency, amount_cents, platform_fee_cents, resource_share_cents, provider_payment_id)
SELECT bench.org(k), md5('b' || k || '-' || n)::uuid, 'EUR', 5000, 750, 4250, 'pi_' || k || '_' || n
  FROM generate_series(1, 16) k, generate_series(0, 1999) n;
CREATE TABLE bench.plain_event (LIKE booking.webhook_event INCLUDING DEFAULTS);
GRANT USAGE ON SCHEMA bench TO bench_money_hook;
GRANT INSERT ON bench.plain_event TO bench_money_hook;
CREATE SEQUENCE bench.event_seq;
GRANT USAGE ON SEQUENCE bench.event_seq TO bench_money_hook;
-- the payload of the n-th event: the success of payment n of org 1 + n % 16
CREATE FUNCTION bench.payload(n bigint) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('type', 'payment_intent.succeeded', 'data', jsonb_build_object('object',
           jsonb_build_object('id', 'pi_' || (1 + n % 16) || '_' || (n / 16) % 2000, 'amount', 5000, 'currency', 'eur')))
$$;
VACUUM ANALYZE;
SQL

cat >"$work/ingest.sql" <<'S'
SELECT outcome FROM booking.ingest_webhook('stripe', 'evt_' || nextval('bench.event_seq'), 'payment_intent.succeeded',
                                           bench.payload(currval('bench.event_seq')));
S
cat >"$work/plain.sql" <<'S'
INSERT INTO bench.plain_event (org_id, id, provider, event_id, event_type, payload)
VALUES (md5('org' || (1 + nextval('bench.event_seq') % 16))::uuid, gen_random_uuid(), 'stripe',
        'evt_' || currval('bench.event_seq'), 'payment_intent.succeeded', bench.payload(currval('bench.event_seq')));
S
tps() { grep -E '^tps' | sed 's/tps = \([0-9.]*\).*/\1/'; }
echo "== webhook ingestion, $clients clients, $seconds s"
a=$(PGOPTIONS="-c role=bench_money_hook" pgbench -n -d $db -c "$clients" -j 2 -T "$seconds" -f "$work/ingest.sql" 2>&1 | tps)
psql -X -q -d $db -c "SELECT setval('bench.event_seq', 1)" >/dev/null
b=$(PGOPTIONS="-c role=bench_money_hook" pgbench -n -d $db -c "$clients" -j 2 -T "$seconds" -f "$work/plain.sql" 2>&1 | tps)
psql -X -At -d $db -c "SELECT 'events stored: ' || count(*) || ', of them applied: ' || count(*) FILTER (WHERE outcome = 'applied') || ', stale (a payment already paid: the sequence wrapped): ' || count(*) FILTER (WHERE outcome = 'stale') FROM booking.webhook_event"
echo "ingest_webhook: $a tps; plain INSERT of the same rows: $b tps; ratio $(echo "scale=2; $a / $b" | bc)"

# invoices: each transaction issues the invoice of one booking of its org
# (an invoiced booking returns its invoice: no new number, so the figure is
# what the table holds).  Three phases of `seconds` each, in one run:
#   one    16 clients in org 1 (they take turns on its counter);
#   spread 16 clients over the 16 orgs, one each;
#   mixed  the 16 clients of "one" in org 1 and, at the same time, one client
#          in each of orgs 2..16: what org 1's queue costs the other orgs.
cat >"$work/invoice_one.sql" <<'S'
SELECT booking.issue_booking_invoice(md5('org1')::uuid, md5('b1-' || (nextval('bench.event_seq') % 22000))::uuid);
S
cat >"$work/invoice_spread.sql" <<'S'
SELECT booking.issue_booking_invoice(md5('org' || (1 + :client_id % 16))::uuid, md5('b' || (1 + :client_id % 16) || '-' || (nextval('bench.event_seq') % 2000))::uuid);
S
cat >"$work/invoice_others.sql" <<'S'
SELECT booking.issue_booking_invoice(md5('org' || (2 + :client_id % 15))::uuid, md5('b' || (2 + :client_id % 15) || '-' || (nextval('bench.other_seq') % 2000))::uuid);
S
psql -X -q -d $db -c "CREATE SEQUENCE bench.other_seq" >/dev/null
reset_invoices() {
	psql -X -q -d $db -c "DELETE FROM booking.invoice_counter" -c "SET session_replication_role = replica" \
		-c "DELETE FROM booking.invoice_line" -c "DELETE FROM booking.invoice" \
		-c "SELECT setval('bench.event_seq', 1), setval('bench.other_seq', 1)" -c "VACUUM booking.invoice, booking.invoice_line, booking.invoice_counter" >/dev/null
}
# per org: "org1 count others_total others_min others_max gapless"
per_org() {
	psql -X -At -F ' ' -d $db -c "
	  SELECT COALESCE(sum(c) FILTER (WHERE org_id = md5('org1')::uuid), 0), COALESCE(sum(c) FILTER (WHERE org_id <> md5('org1')::uuid), 0),
	         COALESCE(min(c) FILTER (WHERE org_id <> md5('org1')::uuid), 0), COALESCE(max(c) FILTER (WHERE org_id <> md5('org1')::uuid), 0),
	         bool_and(c = m AND f = 1)
	    FROM (SELECT org_id, count(*) c, max(seq) m, min(seq) f FROM booking.invoice GROUP BY org_id) x"
}
echo "== invoice issue, $seconds s a phase (22,000 bookings in org 1, 2,000 in each other org; figures are invoices in the table)"
reset_invoices
pgbench -n -d $db -c 16 -j 2 -T "$seconds" -f "$work/invoice_one.sql" >/dev/null 2>&1
read -r one_org1 _ _ _ one_gapless <<<"$(per_org)"
reset_invoices
pgbench -n -d $db -c 16 -j 2 -T "$seconds" -f "$work/invoice_spread.sql" >/dev/null 2>&1
read -r sp_org1 sp_others sp_min sp_max sp_gapless <<<"$(per_org)"
reset_invoices
pgbench -n -d $db -c 16 -j 1 -T "$seconds" -f "$work/invoice_one.sql" >/dev/null 2>&1 &
hot=$!
pgbench -n -d $db -c 15 -j 1 -T "$seconds" -f "$work/invoice_others.sql" >/dev/null 2>&1
wait $hot
read -r mx_org1 mx_others mx_min mx_max mx_gapless <<<"$(per_org)"
rate() { echo "scale=1; $1 / $seconds" | bc; }
sp_total=$((sp_org1 + sp_others))
printf '%-44s %10s %12s %22s %8s\n' phase "all/s" "org 1/s" "each other org/s" gapless
printf '%-44s %10s %12s %22s %8s\n' "one: 16 clients in org 1" "$(rate $one_org1)" "$(rate $one_org1)" "-" "$one_gapless"
printf '%-44s %10s %12s %22s %8s\n' "spread: 16 clients over 16 orgs" "$(rate $sp_total)" "$(rate $sp_org1)" \
	"$(rate $sp_min) .. $(rate $sp_max)" "$sp_gapless"
printf '%-44s %10s %12s %22s %8s\n' "mixed: 16 in org 1 + 1 in each of 15 orgs" "$(rate $((mx_org1 + mx_others)))" "$(rate $mx_org1)" \
	"$(rate $mx_min) .. $(rate $mx_max)" "$mx_gapless"
echo "ratio spread / one org (all invoices/s): $(echo "scale=2; $sp_total / $one_org1" | bc)"
echo "per org: one org alone $(rate $one_org1)/s with 16 clients; spread $(echo "scale=1; $sp_total / 16 / $seconds" | bc)/s per org with 1 client each"
echo "mixed: each of orgs 2..16 (1 client) $(echo "scale=1; $mx_others / 15 / $seconds" | bc)/s while org 1 runs 16 clients, against $(echo "scale=1; $sp_others / 15 / $seconds" | bc)/s in the spread phase"
dropdb $db
psql -X -q -d postgres -c "DROP ROLE IF EXISTS bench_money_hook" >/dev/null 2>&1 || true
