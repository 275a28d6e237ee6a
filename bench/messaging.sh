#!/usr/bin/env bash
# bench/messaging.sh: what messaging costs and how fast the outbox drains.
#
#   PGHOST=... PGPORT=... PGUSER=<superuser> bash bench/messaging.sh [EVENTS] [SECONDS] [ROUNDS]
#
# 1. Outbox relay throughput: EVENTS (default 20,000) events over 2,000
#    bookings, drained by 1 and by 4 relays with the protocol
#    (booking.outbox_claim of 100 with a lease, then booking.outbox_ack: two
#    transactions a batch), against a plain queue of the same rows drained by
#    DELETE ... RETURNING (one transaction a batch of 100, FOR UPDATE SKIP
#    LOCKED, no lease, no order, no record of delivery) by 1 and 4 consumers.
#    Events per second, each a fresh load, same run.
# 2. The extra cost per booking write of its notifications: the data set of
#    bench/write_throughput.sh (bench/write_setup.sql) with users for its 200
#    instructors, 1,000 students and their guardian, so that each booking the
#    owner writes notifies three people; pgbench of checked inserts (2
#    clients, SECONDS a run, default 10) with the notification trigger
#    enabled and disabled, alternating, ROUNDS (default 3) rounds.
# Creates and drops booking_bench_messaging.  Prints figures; asserts
# nothing but that every event was drained.
set -eu
events=${1:-20000}
seconds=${2:-10}
rounds=${3:-3}
db=booking_bench_messaging
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dropdb --if-exists $db 2>/dev/null
createdb $db
psql -d $db -f "$(dirname "$0")/write_setup.sql" >/dev/null
psql -d $db >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_messaging_relay') THEN CREATE ROLE bench_messaging_relay; END IF;
END $$;
SELECT booking.grant_relay_role('bench_messaging_relay');
CREATE TABLE bench.queue (id int8 PRIMARY KEY, org_id uuid, topic text, payload jsonb);
CREATE PROCEDURE bench.relay(name text) LANGUAGE plpgsql AS $$
DECLARE cid uuid;
BEGIN
  LOOP
    SELECT min(c.claim_id::text)::uuid INTO cid FROM booking.outbox_claim(name, 100, '30 seconds') c;
    COMMIT;
    EXIT WHEN cid IS NULL;
    PERFORM booking.outbox_ack(cid);
    COMMIT;
  END LOOP;
END $$;
CREATE PROCEDURE bench.consume() LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
  LOOP
    WITH d AS (DELETE FROM bench.queue q WHERE q.id IN (SELECT id FROM bench.queue ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED)
               RETURNING q.id, q.topic, q.payload)
    SELECT count(*) INTO n FROM d;
    COMMIT;
    EXIT WHEN n = 0;
  END LOOP;
END $$;
GRANT USAGE ON SCHEMA bench TO bench_messaging_relay;
GRANT EXECUTE ON PROCEDURE bench.relay(text) TO bench_messaging_relay;
SQL

load() {
	psql -d $db -c "TRUNCATE booking.outbox, bench.queue" -c "
		INSERT INTO booking.outbox (org_id, topic, payload)
		SELECT '00000000-0000-0000-0000-00000000bb00', 'booking.status.confirmed',
		       jsonb_build_object('booking_id', md5('b' || (g % 2000))::uuid, 'n', g)
		  FROM generate_series(1, $events) g" -c "
		INSERT INTO bench.queue SELECT id, org_id, topic, payload FROM booking.outbox" -c "VACUUM ANALYZE booking.outbox, bench.queue" >/dev/null
}
drain() { # what n
	local what=$1 n=$2 i t0 t1
	load
	t0=$(date +%s.%N)
	for i in $(seq "$n"); do
		if [ "$what" = relay ]; then
			psql -d $db -c "SET ROLE bench_messaging_relay" -c "CALL bench.relay('r$i')" &
		else
			psql -d $db -c "CALL bench.consume()" &
		fi
	done
	wait
	t1=$(date +%s.%N)
	left=$(psql -At -d $db -c "SELECT CASE WHEN '$what' = 'relay' THEN (SELECT count(*) FROM booking.outbox WHERE status <> 'done') ELSE (SELECT count(*) FROM bench.queue) END")
	[ "$left" = 0 ] || { echo "not drained: $left left" >&2; exit 1; }
	echo "scale=0; $events / ($t1 - $t0)" | bc
}
echo "outbox: $events events over 2,000 bookings, batches of 100 (events per second)"
echo "           1 consumer  4 consumers"
echo "protocol   $(drain relay 1)  $(drain relay 4)"
echo "DELETE     $(drain queue 1)  $(drain queue 4)"

# 2. The write cost of notifications.
psql -d $db >/dev/null <<'SQL'
TRUNCATE booking.outbox;
INSERT INTO booking.app_user (id, email, full_name)
SELECT md5('ur' || n)::uuid, 'r' || n || '@tp.example', 'Instructor ' || n FROM generate_series(0, 199) n
UNION ALL
SELECT md5('uc' || n)::uuid, 'c' || n || '@tp.example', 'Student ' || n FROM generate_series(0, 999) n
UNION ALL
SELECT md5('ug')::uuid, 'parent@tp.example', 'Parent';
INSERT INTO booking.membership (org_id, user_id, role)
SELECT '00000000-0000-0000-0000-00000000bb00'::uuid, md5('ur' || n)::uuid, 'instructor'::booking.org_role FROM generate_series(0, 199) n
UNION ALL
SELECT '00000000-0000-0000-0000-00000000bb00', md5('uc' || n)::uuid, 'student' FROM generate_series(0, 999) n
UNION ALL
SELECT '00000000-0000-0000-0000-00000000bb00', md5('ug')::uuid, 'guardian';
UPDATE booking.resource SET user_id = md5('u' || 'r' || substr(display_name, 12))::uuid;
UPDATE booking.client SET user_id = md5('u' || 'c' || substr(full_name, 9))::uuid;
UPDATE booking.guardian SET user_id = md5('ug')::uuid;
VACUUM ANALYZE;
SQL
cat >"$work/checked.sql" <<'S'
SELECT nextval('bench.n_checked') AS n \gset
INSERT INTO booking.booking (resource_id, client_id, starts_at, ends_at, service_id, currency)
SELECT md5('r' || (:n % 200))::uuid, md5('c' || (:n % 1000))::uuid, s, s + interval '45 minutes', '00000000-0000-0000-0000-00000000bb51', 'EUR'
  FROM (SELECT ((date '2031-01-06' + :n / 2000) + time '08:00' + ((:n / 200) % 10) * interval '1 hour') AT TIME ZONE 'Europe/Berlin') AS x(s);
S
run() {
	PGOPTIONS="-c booking.identity=00000000-0000-0000-0000-00000000bb00\\ 00000000-0000-0000-0000-00000000bb01\\ owner" \
		pgbench -n -d $db -c 2 -j 2 -T "$seconds" -M prepared -f "$work/checked.sql" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
echo "booking writes per second (2 clients, $seconds s a run): with notifications (3 a booking), without, ratio"
for round in $(seq "$rounds"); do
	psql -d $db -c "ALTER TABLE booking.status_history ENABLE TRIGGER notify_booking_event" >/dev/null
	with=$(run)
	psql -d $db -c "ALTER TABLE booking.status_history DISABLE TRIGGER notify_booking_event" >/dev/null
	without=$(run)
	echo "round $round  ${with%.*}  ${without%.*}  $(echo "scale=2; $with / $without" | bc)"
done
psql -d $db -At -c "SELECT 'notifications written: ' || count(*) || ' for ' || (SELECT count(*) FROM booking.booking WHERE starts_at > '2031-01-01') || ' bookings' FROM booking.notification"
dropdb $db
psql -d postgres -c "DROP ROLE IF EXISTS bench_messaging_relay" >/dev/null 2>&1 || true
