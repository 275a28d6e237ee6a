#!/usr/bin/env bash
# bench/money_stress.sh: money under load, then its invariants.
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/money_stress.sh [clients] [seconds] [orgs]
#
# Creates (and drops first) the database booking_money_stress on the server
# given by the PG* variables (a superuser: the scripts switch identities).
# Clients (default 32, for 60 s, over 4 orgs) book and open payments,
# confirm (issuing invoices), pay through provider webhooks, cancel with
# refunds (outbox requests, credit notes), confirm refunds, send stale and
# out-of-order events (a refund before the success, an old success after a
# refund), refunds of completed bookings (adjustments after payout), replay stored events, complete bookings, run payouts (bulk and
# per booking) and settle or fail payouts.  Every attempt records its
# SQLSTATE.  Webhooks go through booking.ingest_webhook as the webhook role
# (neither superuser nor BYPASSRLS; the superuser clients switch to it for
# the call).  Then, for every org: captured - refunded =
# platform fees + resource shares; every share paid at most once and never
# more than owed; payouts equal their items; invoice numbers 1..n without a
# gap per org and year, lines summing to totals; and replaying every stored
# webhook again changes nothing.  Exit status 1 if a check fails.
#
# Each attempt acts on one row: the row is chosen in a subquery (ORDER BY
# ... OFFSET n LIMIT 1) and the action applied to it outside.  (Written as
# SELECT action(x) FROM t ORDER BY ... OFFSET n LIMIT 1, PostgreSQL runs the
# volatile action for the n skipped rows too, so one attempt confirmed or
# cancelled up to ten bookings of an org in one transaction, in its own
# order: holding the org's invoice counter after the first confirmation, it
# then waited for the next booking's row, which another transaction held
# while it waited for the counter: that was the lock cycle of the 40P01s.)
set -eu
clients=${1:-32}
seconds=${2:-60}
orgs=${3:-4}
db=booking_money_stress
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dropdb --if-exists $db >/dev/null 2>&1
psql -X -q -d postgres -c "DROP ROLE IF EXISTS bench_money_hook" >/dev/null 2>&1 || true
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -v orgs=$orgs -d $db -f "$here/money_setup.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db <<'SQL'
-- Run cmd as the owner of org k (or as maintenance when k is NULL: a
-- superuser without identity, which writes rows as given) and record the
-- outcome.
CREATE FUNCTION bench.attempt(script text, k int, cmd text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  state text := '00000';
  msg text;
  detail text;
BEGIN
  PERFORM set_config('booking.identity', CASE WHEN k IS NULL THEN '' ELSE bench.org(k) || ' ' || bench.owner(k) || ' owner' END, true);
  BEGIN
    EXECUTE cmd;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    IF state = '40P01' THEN
      msg := msg || ': ' || detail;
    END IF;
  END;
  PERFORM set_config('booking.identity', '', true);
  INSERT INTO bench.outcome VALUES (script, state, msg);
END $$;
-- deliver an event as the webhook role (neither superuser nor BYPASSRLS),
-- through booking.ingest_webhook
CREATE FUNCTION bench.hook(typ text, event_id text, payload jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  res text;
BEGIN
  PERFORM set_config('role', 'bench_money_hook', true);
  SELECT w.outcome INTO res FROM booking.ingest_webhook('stripe', event_id, typ, payload) w;
  PERFORM set_config('role', 'none', true);
  RETURN res;
EXCEPTION WHEN OTHERS THEN
  PERFORM set_config('role', 'none', true);
  RAISE;
END $$;
CREATE FUNCTION bench.hook_object(typ text, event_id text, obj jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT bench.hook(typ, event_id, jsonb_build_object('type', typ, 'data', jsonb_build_object('object', obj)))
$$;
GRANT USAGE ON SCHEMA bench TO bench_money_hook;
-- book, open the payment, confirm half of them (which issues the invoice)
CREATE FUNCTION bench.book(k int, r int, c int, m int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('book', k, format($q$
    WITH b AS (SELECT * FROM booking.book(%L, %L, %L, %L))
    SELECT booking.open_payment(b.id, 'stripe', 'pi_' || b.id), CASE WHEN %L::boolean THEN booking.transition(b.id, 'confirmed') END FROM b$q$,
    md5('client' || k || '-' || c)::uuid, md5('svc' || k || '-' || (1 + c % 2))::uuid,
    '2031-01-06 00:00+00'::timestamptz + m * interval '1 hour', md5('res' || k || '-' || r)::uuid, c % 2 = 0));
$$;
-- the provider's success for a payment still open
CREATE FUNCTION bench.pay(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('pay', NULL, format($q$
    SELECT bench.hook_object('payment_intent.succeeded', 'evt_s_' || p.provider_payment_id,
                      jsonb_build_object('id', p.provider_payment_id, 'amount', p.amount_cents, 'currency', lower(p.currency)))
      FROM (SELECT p.* FROM booking.payment p WHERE p.org_id = %L AND p.status IN ('pending', 'authorized') ORDER BY p.created_at DESC OFFSET %s LIMIT 1) p$q$,
    bench.org(k), n));
$$;
CREATE FUNCTION bench.confirm(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('confirm', k, format($q$
    SELECT booking.transition(b.id, 'confirmed') FROM (SELECT b.id FROM booking.booking b
     WHERE b.org_id = %L AND b.status = 'pending' ORDER BY b.created_at DESC OFFSET %s LIMIT 1) b$q$, bench.org(k), n));
$$;
CREATE FUNCTION bench.cancel(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('cancel', k, format($q$
    SELECT booking.cancel(b.id, 'stress') FROM (SELECT b.id FROM booking.booking b
     WHERE b.org_id = %L AND b.status = 'confirmed' ORDER BY b.created_at DESC OFFSET %s LIMIT 1) b$q$, bench.org(k), n));
$$;
-- the provider confirms a requested refund
CREATE FUNCTION bench.refunded(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('refund_confirmed', NULL, format($q$
    SELECT bench.hook_object('charge.refunded', 'evt_r_' || p.provider_payment_id || '_' || p.refunded_cents,
                      jsonb_build_object('id', 'ch_' || p.provider_payment_id, 'payment_intent', p.provider_payment_id,
                                         'amount', p.amount_cents, 'currency', lower(p.currency), 'amount_refunded', p.refunded_cents))
      FROM (SELECT p.* FROM booking.payment p WHERE p.org_id = %L AND p.refunded_cents > p.refund_confirmed_cents
     ORDER BY p.updated_at DESC OFFSET %s LIMIT 1) p$q$, bench.org(k), n));
$$;
-- out of order: a refund made at the provider arrives before the success
CREATE FUNCTION bench.early_refund(k int, n int, pct int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('early_refund', NULL, format($q$
    SELECT bench.hook_object('charge.refunded', 'evt_e_' || p.provider_payment_id,
                      jsonb_build_object('id', 'ch_' || p.provider_payment_id, 'payment_intent', p.provider_payment_id,
                                         'amount', p.amount_cents, 'currency', lower(p.currency), 'amount_refunded', p.amount_cents * %s / 100))
      FROM (SELECT p.* FROM booking.payment p WHERE p.org_id = %L AND p.status = 'pending' ORDER BY p.created_at OFFSET %s LIMIT 1) p$q$,
    pct, bench.org(k), n));
$$;
-- a refund at the provider of a completed booking's payment, perhaps after
-- its share was paid out (a negative adjustment of the next payout)
CREATE FUNCTION bench.late_refund(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('late_refund', NULL, format($q$
    SELECT bench.hook_object('charge.refunded', 'evt_l_' || p.provider_payment_id || '_' || p.refunded_cents,
                      jsonb_build_object('id', 'ch_' || p.provider_payment_id, 'payment_intent', p.provider_payment_id,
                                         'amount', p.amount_cents, 'currency', lower(p.currency),
                                         'amount_refunded', LEAST(p.amount_cents, p.refunded_cents + p.amount_cents / 10)))
      FROM (SELECT p.* FROM booking.payment p JOIN booking.booking b ON b.org_id = p.org_id AND b.id = p.booking_id
     WHERE p.org_id = %L AND b.status = 'completed' AND p.status IN ('succeeded', 'partially_refunded')
     ORDER BY p.updated_at OFFSET %s LIMIT 1) p$q$, bench.org(k), n));
$$;
-- stale: an old success after a refund, under a new event id
CREATE FUNCTION bench.stale(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('stale', NULL, format($q$
    SELECT bench.hook_object('payment_intent.succeeded', 'evt_o_' || p.provider_payment_id || '_' || p.refunded_cents,
                      jsonb_build_object('id', p.provider_payment_id, 'amount', p.amount_cents, 'currency', lower(p.currency)))
      FROM (SELECT p.* FROM booking.payment p WHERE p.org_id = %L AND p.refunded_cents > 0 ORDER BY p.updated_at DESC OFFSET %s LIMIT 1) p$q$,
    bench.org(k), n));
$$;
-- replay a stored event
CREATE FUNCTION bench.replay(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('replay', NULL, format($q$
    SELECT bench.hook(w.event_type, w.event_id, w.payload)
      FROM (SELECT w.* FROM booking.webhook_event w WHERE w.org_id = %L ORDER BY w.received_at DESC OFFSET %s LIMIT 1) w$q$, bench.org(k), n));
$$;
-- time passes: a paid confirmed booking is completed (as data)
CREATE FUNCTION bench.complete(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('complete', NULL, format($q$
    UPDATE booking.booking b SET status = 'completed'
     WHERE b.org_id = %L AND b.id = (SELECT x.id FROM booking.booking x JOIN booking.payment p ON p.org_id = x.org_id AND p.booking_id = x.id
                                     WHERE x.org_id = %L AND x.status = 'confirmed' AND p.status <> 'pending'
                                     ORDER BY x.created_at OFFSET %s LIMIT 1)$q$, bench.org(k), bench.org(k), n));
$$;
CREATE FUNCTION bench.payouts(k int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('run_payouts', k, $q$SELECT count(*) FROM booking.run_payouts(now() + interval '10 years')$q$);
$$;
-- the provider settles (or fails, one in ten) a payout
CREATE FUNCTION bench.payout_event(k int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('payout_event', NULL, format($q$
    SELECT bench.hook_object(CASE WHEN %s = 0 THEN 'payout.failed' ELSE 'payout.paid' END, 'evt_p_' || o.id,
                      jsonb_build_object('id', 'po_' || o.id, 'amount', o.amount_cents, 'currency', lower(o.currency),
                                         'metadata', jsonb_build_object('payout_id', o.id)))
      FROM (SELECT o.* FROM booking.payout o WHERE o.org_id = %L AND o.status = 'pending' ORDER BY o.created_at OFFSET %s LIMIT 1) o$q$,
    n % 10, bench.org(k), n % 5));
$$;
SQL

w() { printf '%s\n' "\\set k random(1, $orgs)" "\\set n random(0, 9)" "$1" >"$work/$2.sql"; }
w "\\set r random(1, 20)
\\set c random(1, 500)
\\set m random(0, 40000)
SELECT bench.book(:k, :r, :c, :m);" book
w "SELECT bench.pay(:k, :n);" pay
w "SELECT bench.confirm(:k, :n);" confirm
w "SELECT bench.cancel(:k, :n);" cancel
w "SELECT bench.refunded(:k, :n);" refunded
w "\\set pct random(10, 100)
SELECT bench.early_refund(:k, :n, :pct);" early_refund
w "SELECT bench.stale(:k, :n);" stale
w "SELECT bench.late_refund(:k, :n);" late_refund
w "SELECT bench.replay(:k, :n);" replay
w "SELECT bench.complete(:k, :n);" complete
w "SELECT bench.payouts(:k);" payouts
w "SELECT bench.payout_event(:k, :n);" payout_event

echo "== $clients clients, $seconds s, $orgs orgs"
pgbench -n -d $db -c "$clients" -j 2 -T "$seconds" \
  -f "$work/book.sql@25" -f "$work/pay.sql@15" -f "$work/confirm.sql@8" -f "$work/cancel.sql@8" -f "$work/refunded.sql@8" \
  -f "$work/early_refund.sql@3" -f "$work/stale.sql@4" -f "$work/late_refund.sql@4" -f "$work/replay.sql@10" -f "$work/complete.sql@10" \
  -f "$work/payouts.sql@3" -f "$work/payout_event.sql@6" 2>&1 \
  | grep -E '^(number of (transactions|failed)|tps|latency average|number of clients)' || true

# a last payout run per org, so that every payable share is in a payout
psql -X -q -d $db -c "SELECT bench.payouts(k) FROM generate_series(1, $orgs) k" >/dev/null

psql -X -q -d $db <<'SQL'
\pset footer off
SELECT script, sqlstate, count(*) AS attempts, min(message) AS a_message FROM bench.outcome GROUP BY 1, 2 ORDER BY 1, 2;
SELECT o.name, count(*) AS payments,
       count(*) FILTER (WHERE p.status IN ('succeeded', 'partially_refunded', 'refunded')) AS captured,
       sum(p.amount_cents) FILTER (WHERE p.status IN ('succeeded', 'partially_refunded', 'refunded')) AS captured_cents,
       sum(p.refunded_cents) AS refunded_cents,
       (SELECT count(*) FROM booking.invoice i WHERE i.org_id = o.id) AS invoices,
       (SELECT count(*) FROM booking.invoice i WHERE i.org_id = o.id AND i.kind = 'credit_note') AS credit_notes,
       (SELECT count(*) FROM booking.payout x WHERE x.org_id = o.id) AS payouts,
       (SELECT count(*) FROM booking.payout_item x WHERE x.org_id = o.id AND x.kind = 'adjustment') AS adjustments,
       (SELECT count(*) FROM booking.webhook_event x WHERE x.org_id = o.id) AS events
  FROM booking.org o JOIN booking.payment p ON p.org_id = o.id GROUP BY o.id, o.name ORDER BY o.name;
SELECT outcome, error_code, count(*), min(error) AS an_error FROM booking.webhook_event GROUP BY 1, 2 ORDER BY 1, 2;
SQL

fail=0
check() {
	local label=$1 sql=$2 got
	got=$(psql -X -At -q -d $db -c "$sql")
	if [ "$got" = 0 ]; then echo "ok - $label"; else echo "not ok - $label: $got"; fail=1; fi
}
check "every org: captured - refunded = platform fees + resource shares (net of their refunds)" "
  SELECT count(*) FROM (
    SELECT p.org_id FROM booking.payment p WHERE p.status IN ('succeeded', 'partially_refunded', 'refunded')
     GROUP BY p.org_id
    HAVING sum(p.amount_cents - p.refunded_cents)
           <> sum(p.platform_fee_cents - p.refunded_fee_cents) + sum(p.resource_share_cents - p.refunded_share_cents)) x"
check "no refund above what was captured, none recorded on an uncaptured payment" "
  SELECT count(*) FROM booking.payment p
   WHERE p.refunded_cents > p.amount_cents OR p.refund_confirmed_cents > p.amount_cents
      OR (p.refunded_cents > 0 AND p.status NOT IN ('partially_refunded', 'refunded'))"
check "every share in at most one live payout" "
  SELECT count(*) FROM (SELECT 1 FROM booking.payout_item i WHERE i.kind = 'share' AND NOT i.released
                         GROUP BY i.org_id, i.booking_id HAVING count(*) > 1) x"
check "no booking paid out more than its share" "
  SELECT count(*) FROM booking.payment p
   WHERE p.resource_share_cents < (SELECT COALESCE(sum(i.amount_cents), 0) FROM booking.payout_item i
                                    WHERE i.org_id = p.org_id AND i.booking_id = p.booking_id AND NOT i.released)"
check "after the last run nothing payable is left unpaid: per resource and currency, owed (shares less refunds) - paid out <= 0 (< 0: adjustments waiting for shares to cover them)" "
  SELECT count(*) FROM (
    SELECT b.org_id, b.resource_id, p.currency FROM booking.booking b JOIN booking.payment p ON p.org_id = b.org_id AND p.booking_id = b.id
     WHERE b.status = 'completed' AND p.status IN ('succeeded', 'partially_refunded', 'refunded')
     GROUP BY 1, 2, 3
    HAVING sum(p.resource_share_cents - p.refunded_share_cents)
           > (SELECT COALESCE(sum(i.amount_cents), 0) FROM booking.payout_item i
               WHERE i.org_id = b.org_id AND i.resource_id = b.resource_id AND NOT i.released
                 AND EXISTS (SELECT 1 FROM booking.payout o WHERE o.org_id = i.org_id AND o.id = i.payout_id AND o.currency = p.currency))) x"
check "every payout equals its items" "
  SELECT count(*) FROM booking.payout o
   WHERE o.amount_cents <> (SELECT sum(i.amount_cents) FROM booking.payout_item i WHERE i.org_id = o.org_id AND i.payout_id = o.id)"
check "invoice numbers 1..n without a gap or a duplicate per org and year" "
  SELECT count(*) FROM (SELECT org_id, year FROM booking.invoice GROUP BY 1, 2
                        HAVING count(*) <> max(seq) OR count(DISTINCT seq) <> count(*) OR min(seq) <> 1) x"
check "invoice lines sum to the totals; credit notes never exceed their invoice" "
  SELECT count(*) FROM booking.invoice i
   WHERE i.amount_cents <> (SELECT COALESCE(sum(l.amount_cents), 0) FROM booking.invoice_line l WHERE l.org_id = i.org_id AND l.invoice_id = i.id)
      OR (i.kind = 'invoice' AND i.amount_cents < (SELECT COALESCE(sum(c.amount_cents), 0) FROM booking.invoice c
                                                    WHERE c.org_id = i.org_id AND c.credit_for_id = i.id))"
fingerprint="SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
    SELECT md5(p::text) AS x FROM booking.payment p UNION ALL SELECT md5(o::text) FROM booking.payout o
    UNION ALL SELECT md5(i::text) FROM booking.payout_item i UNION ALL SELECT md5(i::text) FROM booking.invoice i
    UNION ALL SELECT 'history ' || count(*) FROM booking.payment_history UNION ALL SELECT 'outbox ' || count(*) FROM booking.outbox
    UNION ALL SELECT md5(w::text) FROM booking.webhook_event w) s"
before=$(psql -X -At -d $db -c "$fingerprint")
psql -X -q -d $db -c "CREATE TABLE bench.replay AS SELECT row_number() OVER (ORDER BY random()) AS n, provider, event_id, event_type, payload, outcome FROM booking.webhook_event" \
  -c "GRANT SELECT ON bench.replay TO bench_money_hook"
check "replaying every stored webhook event (shuffled) as the webhook role returns its first outcome" "
  SET ROLE bench_money_hook;
  SELECT count(*) FROM (SELECT * FROM bench.replay ORDER BY n) w
   CROSS JOIN LATERAL booking.ingest_webhook(w.provider, w.event_id, w.event_type, w.payload) r
   WHERE NOT r.replayed OR r.outcome IS DISTINCT FROM w.outcome"
after=$(psql -X -At -d $db -c "$fingerprint")
if [ "$before" = "$after" ]; then echo "ok - the replay changed nothing"; else echo "not ok - the replay changed something"; fail=1; fi
check "every error is a documented SQLSTATE" "
  SELECT count(*) FROM bench.outcome
   WHERE sqlstate NOT IN ('00000', '22023', '23P01', '23K01', '23K03', '23K06', '23K07', '23K08', '23K09', '23K10', '23K11', '23K12',
                          '23K13', '23K14', '23K15', '23M02', '23M03', '40001', '40P01', 'P0002', '55000')"
if [ -z "${KEEP:-}" ]; then       # KEEP=1 keeps the database to look into
	dropdb $db
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS bench_money_hook" >/dev/null 2>&1 || true
fi
exit $fail
