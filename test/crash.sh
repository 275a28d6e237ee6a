#!/usr/bin/env bash
# test/crash.sh: crash safety.  Starts a cluster of its own (the pg_ctl of
# PG_CONFIG's bindir, or of PATH; as postgres when run as root), runs the
# concurrent write load of bench/write_stress.sh against it, kills the
# postmaster with kill -9 in the middle of it, starts the cluster again
# (crash recovery), then requires amcheck to find every btree index of schema
# booking clean (bt_index_check with heapallindexed) and the invariants of
# the write path and the life cycle to hold (bench/write_stress.sh's checks
# of the rows).  Prints TAP.  Leaves nothing running.  CRASH_PORT (default
# 5499) is the port it uses.
set -u
cd "$(dirname "$0")/.."
bindir=$( (${PG_CONFIG:-pg_config} --bindir) 2>/dev/null || dirname "$(command -v pg_ctl)")
base=$(mktemp -d /tmp/booking-crash.XXXXXX)
data=$base/data
port=${CRASH_PORT:-5499}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$base"
export PGHOST=$base PGPORT=$port PGUSER=postgres PGDATABASE=postgres
unset PGPASSWORD
start() {
	as_pg "$bindir/pg_ctl" -D "$data" -l "$base/log" -w -t 60 \
		-o "-p $port -k $base -c listen_addresses='' -c max_connections=40" start >/dev/null
}
cleanup() {
	as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$base"
}
trap cleanup EXIT

n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=1; echo "not ok $n - $2"; fi; }

as_pg "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
start
ok $? "a cluster of its own started"

# The load: many clients writing appointments, seats, holds, waitlists,
# cancellations, confirmations, reschedules and capacity; killed once it
# has done a few hundred of them.
bash bench/write_stress.sh 6 60 >"$base/stress.log" 2>&1 &
stress=$!
for _ in $(seq 1 120); do
	got=$(psql -X -At -d booking_write_stress -c "SELECT count(*) FROM bench.outcome" 2>/dev/null)
	[ "${got:-0}" -gt 400 ] && break
	sleep 0.5
done
before=$(psql -X -At -d booking_write_stress -c "SELECT count(*) FROM booking.booking")
pid=$(head -1 "$data/postmaster.pid")
kill -9 "$pid"
ok $? "kill -9 of the postmaster ($pid) after ${got:-0} attempts, $before bookings committed"
wait $stress 2>/dev/null

# The orphaned backends end when they notice; until then the old shared
# memory is in use and the new postmaster refuses to start.
for _ in $(seq 1 60); do start 2>/dev/null && break; sleep 1; done
psql -X -At -c "SELECT 1" >/dev/null 2>&1
ok $? "the cluster starts again (crash recovery)"
after=$(psql -X -At -d booking_write_stress -c "SELECT count(*) FROM booking.booking")
[ "${after:-0}" -ge "${before:-1}" ]
ok $? "every booking committed before the kill is there ($after >= $before)"

# amcheck on every btree index of schema booking, heap included.
psql -X -q -d booking_write_stress -c "CREATE EXTENSION IF NOT EXISTS amcheck" >/dev/null
res=$(psql -X -At -d booking_write_stress 2>&1 <<'SQL'
SELECT count(*) || ' ' || count(bt_index_check(c.oid, heapallindexed => true))  -- an error if one is not clean
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
 WHERE c.relnamespace = 'booking'::regnamespace AND a.amname = 'btree' AND c.relpersistence = 'p';
SQL
)
[ -n "$res" ] && [ "${res% *}" = "${res#* }" ] && [ "${res% *}" -gt 0 ] 2>/dev/null
ok $? "amcheck: bt_index_check(heapallindexed) clean on every btree index of schema booking (${res% *} indexes)"
[ "${res% *}" = "${res#* }" ] || echo "$res" | sed 's/^/# /'

# The invariants of the rows: overlap, travel, capacity, the waitlist's
# order, holds, history, outbox and scheduled transitions.
CHECK_ONLY=1 bash bench/write_stress.sh >"$base/checks.log" 2>&1
rc=$?
ok $rc "the write path's and the life cycle's invariants hold ($(grep -c '^ok' "$base/checks.log") checks)"
grep '^not ok' "$base/checks.log" | sed 's/^/# /'

echo "1..$n"
[ "$failed" -eq 0 ]
