#!/usr/bin/env bash
# bench/outbox_stress.sh: nothing is lost when a relay dies.
#
#   PGHOST=... PGPORT=... PGUSER=<superuser> bash bench/outbox_stress.sh [EVENTS] [RELAYS]
#
# Creates its own database (booking_bench_outbox, dropped at the end).  Two
# writers add EVENTS (default 50,000) outbox events in batches of 100, over
# 2,000 bookings, while RELAYS (default 4) relays drain them with the
# protocol (booking.outbox_claim with a 2 s lease, batches of 100, then
# booking.outbox_ack), as a relay role with no table privilege.  Each relay
# records what it "sent" (on claim, then 10 ms of sending) and what it acknowledged (in the ack's
# transaction).  When a quarter of the events are acknowledged, the backend
# of relay 2 is killed with kill -9 while it holds a claimed batch: the
# postmaster then restarts every backend (that is what kill -9 of a backend
# does), and writers and relays reconnect and go on.  Afterwards it checks,
# and exits non-zero unless all hold:
#   - every event was delivered at least once and acknowledged exactly once;
#   - events of a booking were handed out in order: each one's first delivery
#     came after the acknowledgement of the booking's previous event;
#   - no event is left claimed (the killed relay's batch was re-claimed after
#     its lease expired).
set -eu
events=${1:-50000}
relays=${2:-4}
db=booking_bench_outbox
batches=$((events / 100))
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

dropdb --if-exists "$db" 2>/dev/null
createdb "$db"
psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION booking CASCADE;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_outbox_relay') THEN CREATE ROLE bench_outbox_relay; END IF;
END $$;
SELECT booking.grant_relay_role('bench_outbox_relay');
SELECT booking.register_user('bench.owner@example.com', 'Owner') AS owner \gset
SELECT booking.create_org('Bench', 'Europe/Berlin', 'EUR', :'owner') AS org \gset
CREATE TABLE bench_org AS SELECT :'org'::uuid AS id;
CREATE TABLE bench_batch (writer int, batch int, PRIMARY KEY (writer, batch));
CREATE SEQUENCE bench_seq;
-- what relays "sent" (recorded with the claim) and acknowledged (with the ack)
CREATE TABLE bench_delivery (seq int8 DEFAULT nextval('bench_seq'), relay text, id int8, order_key text, claim_id uuid);
CREATE TABLE bench_ack (seq int8 DEFAULT nextval('bench_seq'), relay text, id int8, claim_id uuid);
CREATE TABLE bench_state (writers_done bool NOT NULL, hold text);
INSERT INTO bench_state VALUES (false, NULL);
GRANT SELECT, INSERT ON bench_delivery, bench_ack TO bench_outbox_relay;
GRANT USAGE ON SEQUENCE bench_seq TO bench_outbox_relay;
GRANT SELECT, UPDATE ON bench_state TO bench_outbox_relay;
-- a relay: claim and record the batch (one transaction), "send" it (10 ms),
-- acknowledge it and record the ack (one transaction); stop when the writers
-- are done and nothing was due for 3 s (longer than a lease)
CREATE PROCEDURE bench_relay(name text, batch int) LANGUAGE plpgsql AS $$
DECLARE
  cid uuid;
  idle_since timestamptz;
BEGIN
  LOOP
    cid := NULL;
    WITH c AS (SELECT * FROM booking.outbox_claim(name, batch, '2 seconds')),
    d AS (INSERT INTO bench_delivery (relay, id, order_key, claim_id)
          SELECT name, c.id, c.payload ->> 'booking_id', c.claim_id FROM c RETURNING claim_id)
    SELECT min(d.claim_id::text)::uuid INTO cid FROM d;
    COMMIT;
    IF cid IS NULL THEN
      idle_since := COALESCE(idle_since, clock_timestamp());
      EXIT WHEN (SELECT writers_done FROM bench_state) AND clock_timestamp() - idle_since > interval '3 seconds';
      PERFORM pg_sleep(0.05);
      CONTINUE;
    END IF;
    idle_since := NULL;
    -- the relay named in bench_state.hold (once) stops here, holding its
    -- claimed batch, until it is killed
    UPDATE bench_state SET hold = NULL WHERE hold = name;
    IF FOUND THEN
      COMMIT;
      PERFORM set_config('application_name', name || ' holding', false);
      PERFORM pg_sleep(60);
    END IF;
    PERFORM pg_sleep(0.01);
    INSERT INTO bench_ack (relay, id, claim_id)
    SELECT name, d.id, cid FROM bench_delivery d WHERE d.claim_id = cid;
    PERFORM booking.outbox_ack(cid);
    COMMIT;
  END LOOP;
END $$;
GRANT EXECUTE ON PROCEDURE bench_relay(text, int) TO bench_outbox_relay;
SQL
org=$(psql -At -d "$db" -c "SELECT id FROM bench_org")

writer() { # writer number: batches w, w+2, ... until done; a batch and its record commit together, retried after a crash
	local w=$1 b
	for b in $(seq "$w" 2 "$batches"); do
		until psql -d "$db" -c "
			WITH b AS (INSERT INTO bench_batch VALUES ($w, $b) ON CONFLICT DO NOTHING RETURNING batch)
			INSERT INTO booking.outbox (org_id, topic, payload)
			SELECT '$org', 'bench.event', jsonb_build_object('booking_id', 'b' || ($w + 2 * (random() * 999)::int), 'batch', b.batch)
			  FROM b, generate_series(1, 100);" >/dev/null 2>&1; do
			sleep 0.5
		done
	done
}
relay() { # until its procedure returns normally (it is restarted after a crash)
	until psql -d "$db" -c "SET ROLE bench_outbox_relay" -c "CALL bench_relay('relay-$1', 100)" >/dev/null 2>&1; do
		sleep 0.5
	done
}

start=$(date +%s.%N)
writer 1 & w1=$!
writer 2 & w2=$!
pids=()
for r in $(seq "$relays"); do relay "$r" & pids+=($!); done

# kill -9 the backend of relay 2 while it holds a claimed batch: when a
# quarter of the events are acknowledged, relay 2 is told to stop after its
# next claim, and is killed there
killed=no; told=no
while [ "$killed" = no ]; do
	acked=$(psql -At -d "$db" -c "SELECT count(*) FROM bench_ack" 2>/dev/null || true)
	[[ $acked =~ ^[0-9]+$ ]] || acked=0
	if [ "$acked" -ge $((events / 4)) ]; then
		[ $told = no ] && psql -d "$db" -c "UPDATE bench_state SET hold = 'relay-2'" >/dev/null && told=yes
		pid=$(psql -At -d "$db" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'relay-2 holding'" 2>/dev/null | head -1)
		if [[ $pid =~ ^[0-9]+$ ]]; then
			held=$(psql -At -d "$db" -c "SELECT count(*) FROM booking.outbox WHERE claimed_by = 'relay-2' AND status = 'claimed'")
			kill -9 "$pid" && killed="backend $pid of relay-2, holding $held claimed events, at $acked acknowledged"
		fi
	fi
	sleep 0.05
done
echo "killed: $killed"
wait $w1 $w2
until psql -d "$db" -c "UPDATE bench_state SET writers_done = true" >/dev/null 2>&1; do sleep 0.5; done
wait "${pids[@]}"
end=$(date +%s.%N)

report=$(psql -d "$db" -At -F ' ' <<SQL
CREATE INDEX ON bench_delivery (id);
CREATE INDEX ON bench_delivery (claim_id);
CREATE INDEX ON bench_ack (id);
CREATE INDEX ON bench_ack (claim_id);
ANALYZE;
SELECT 'events written: ' || count(*) FROM booking.outbox;
SELECT 'events of the killed relay''s last batch, never acknowledged by it: ' || count(*)
  FROM bench_delivery d WHERE d.relay = 'relay-2' AND NOT EXISTS (SELECT FROM bench_ack a WHERE a.claim_id = d.claim_id);
SELECT 'elapsed seconds: ' || round(($end - $start)::numeric, 1) || ', events acknowledged per second: ' || round(count(*) / ($end - $start)::numeric) FROM bench_ack;
SELECT 'deliveries: ' || count(*) || ', redelivered events: ' || (SELECT count(*) FROM (SELECT id FROM bench_delivery GROUP BY id HAVING count(*) > 1) r) FROM bench_delivery;
SELECT 'events by status: ' || string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM booking.outbox GROUP BY 1 ORDER BY 1) s;
CREATE TEMP TABLE checks AS
SELECT 'every event delivered at least once' AS what,
       NOT EXISTS (SELECT FROM booking.outbox o WHERE NOT EXISTS (SELECT FROM bench_delivery d WHERE d.id = o.id)) AS holds
UNION ALL
SELECT 'every event acknowledged exactly once',
       NOT EXISTS (SELECT FROM booking.outbox o LEFT JOIN bench_ack a ON a.id = o.id GROUP BY o.id HAVING count(a.id) <> 1)
UNION ALL
SELECT 'every event done', NOT EXISTS (SELECT FROM booking.outbox WHERE status <> 'done')
UNION ALL
SELECT 'per-booking order: each event first delivered after the previous one of its booking was acknowledged',
       (WITH f AS MATERIALIZED (SELECT id, min(seq) AS s FROM bench_delivery GROUP BY id),
             a AS MATERIALIZED (SELECT id, min(seq) AS s FROM bench_ack GROUP BY id),
             p AS MATERIALIZED (SELECT o.id, lag(o.id) OVER (PARTITION BY o.order_key ORDER BY o.id) AS prev FROM booking.outbox o)
        SELECT count(*) FROM p JOIN f ON f.id = p.id JOIN a ON a.id = p.prev WHERE f.s < a.s) = 0
UNION ALL
SELECT 'the killed relay''s claimed batch was delivered again by another relay',
       EXISTS (SELECT FROM bench_delivery d WHERE d.relay = 'relay-2'
                 AND NOT EXISTS (SELECT FROM bench_ack a WHERE a.claim_id = d.claim_id))
       AND NOT EXISTS (SELECT FROM bench_delivery d WHERE d.relay = 'relay-2'
                         AND NOT EXISTS (SELECT FROM bench_ack a WHERE a.claim_id = d.claim_id)
                         AND NOT EXISTS (SELECT FROM bench_ack a WHERE a.id = d.id));
SELECT CASE WHEN holds THEN 'ok' ELSE 'FAILED' END || ' - ' || what FROM checks;
SQL
)
echo "$report"
[ -n "${KEEP:-}" ] || dropdb "$db"
psql -d postgres -c "DROP ROLE IF EXISTS bench_outbox_relay" >/dev/null 2>&1 || true
! echo "$report" | grep -q '^FAILED'
