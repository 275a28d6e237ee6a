#!/usr/bin/env bash
# bench/lifecycle_runner.sh: throughput of booking.run_due_transitions().
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/lifecycle_runner.sh [BOOKINGS] [BATCH]
#
# Creates its own database (booking_bench_lifecycle, dropped at the end),
# loads BOOKINGS (default 5000) confirmed bookings that started 30 minutes
# ago, each with a due no-show check, and runs the runner in batches of
# BATCH (default 500) rows, one transaction per batch, until nothing is due.
# Every executed row is a full transition: rule check in C, history row,
# outbox event, scheduled-row update.  Prints transitions per second, and
# the same for two runners at once.
set -eu
n=${1:-5000}
batch=${2:-500}
db=booking_bench_lifecycle
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

load() {
	dropdb --if-exists "$db" 2>/dev/null
	createdb "$db"
	psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION booking CASCADE" >/dev/null
	psql -d "$db" >/dev/null <<SQL
SELECT booking.register_user('bench.owner@example.com', 'Owner') AS owner \gset
SELECT booking.create_org('Bench', 'Europe/Berlin', 'EUR', :'owner') AS org \gset
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', :'org', 'Lesson', 60, true);
INSERT INTO booking.client (org_id, id, full_name) VALUES (:'org', :'org', 'Ann');
INSERT INTO booking.resource (org_id, id, display_name)
SELECT :'org', md5('r' || i)::uuid, 'Car ' || i FROM generate_series(1, $n) i;
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
SELECT :'org', md5('b' || i)::uuid, :'org', md5('r' || i)::uuid, :'org',
       now() - interval '30 minutes', now() + interval '30 minutes', 'EUR', 'confirmed'
  FROM generate_series(1, $n) i;
INSERT INTO booking.scheduled_transition (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
SELECT org_id, id, 'no_show', 'no_show', starts_at + interval '15 minutes', '{confirmed}', starts_at, 'no-show check'
  FROM booking.booking;
VACUUM ANALYZE;
SQL
}

runner() {	# prints the number of transitions this runner executed
	local total=0 got
	while :; do
		got=$(command psql -X -At -d "$db" -c "SELECT executed FROM booking.run_due_transitions($batch)")
		[ "$got" -eq 0 ] && break
		total=$((total + got))
	done
	echo "$total"
}

load
start=$(date +%s.%N)
done1=$(runner)
end=$(date +%s.%N)
rate=$(echo "$done1 / ($end - $start)" | bc -l)
printf 'one runner:  %d transitions in %.2f s: %.0f transitions/s (batches of %d)\n' "$done1" "$(echo "$end - $start" | bc -l)" "$rate" "$batch"

load
start=$(date +%s.%N)
runner >"/tmp/$db.r1" & runner >"/tmp/$db.r2" & wait
end=$(date +%s.%N)
a=$(cat "/tmp/$db.r1"); b=$(cat "/tmp/$db.r2")
rate=$(echo "($a + $b) / ($end - $start)" | bc -l)
dup=$(command psql -X -At -d "$db" -c "SELECT count(*) FROM (SELECT booking_id FROM booking.status_history WHERE to_status = 'no_show' GROUP BY booking_id HAVING count(*) > 1) d")
printf 'two runners: %d + %d transitions in %.2f s: %.0f transitions/s; bookings changed twice: %s\n' "$a" "$b" "$(echo "$end - $start" | bc -l)" "$rate" "$dup"

rm -f "/tmp/$db.r1" "/tmp/$db.r2"
dropdb "$db"
