#!/usr/bin/env bash
# test/dump_restore.sh: pg_dump and pg_restore of a database that uses booking
# keep every row (the tables are marked with pg_extension_config_dump).
# First on the demo data, then on a state a live system reaches: a short run
# of bench/write_stress.sh (bookings, holds, waitlists, cancellations,
# confirmations, reschedules, the runner), dumped once while its writers run
# and once after, when its holds have lapsed unnoticed.  Requires pg_restore
# to exit 0, every table equal row by row, every sequence where it was, and a
# retry of every stored idempotency key to return its booking.
# Prints TAP.  Needs PGHOST etc. of a server where we may create databases.
# STRESS_SECONDS (default 20) bounds the stress run.
set -u
cd "$(dirname "$0")/.."
src=booking_dump_src
dst=booking_dump_dst
dropdb --if-exists $src 2>/dev/null; dropdb --if-exists $dst 2>/dev/null
createdb $src && createdb $dst
psql -X -q -d $src -c "SET client_min_messages = warning" -c "CREATE EXTENSION booking CASCADE"
psql -X -q -d $src -v scale=0.2 -f test/data/demo.sql >/dev/null

dump=$(mktemp)
pg_dump -Fc -d $src -f "$dump"
pg_restore -d $dst "$dump" 2>&1 | grep -v '^$'
rc=${PIPESTATUS[0]}

# one fingerprint per table: row count and md5 of its rows in key order
fingerprint() {
	psql -X -At -d "$1" <<'SQL'
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, '','' ORDER BY t::text)), '''') FROM %s t',
              c.relname, c.oid::regclass)
  FROM pg_class c WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p')
   AND c.relname <> 'write_lock'	-- the write path's lock rows: not dumped (WHERE false), not data
   AND c.relname <> 'identity_key'	-- the identity signing key: not dumped (a secret; act_as makes one)
 ORDER BY c.relname
\gexec
SQL
}
fingerprint $src >"$dump.src"
fingerprint $dst >"$dump.dst"

failed=0
n=1
if [ "$rc" -eq 0 ]; then echo "ok $n - pg_restore succeeded"; else failed=1; echo "not ok $n - pg_restore exited with $rc"; fi
while read -r table count sum; do
	n=$((n + 1))
	other=$(grep "^$table " "$dump.dst")
	if [ "$other" = "$table $count $sum" ]; then
		echo "ok $n - $table: $count rows restored identically"
	else
		failed=1
		echo "not ok $n - $table: $count rows before, after: ${other:-nothing}"
	fi
done <"$dump.src"
n=$((n + 1))
seq=$(psql -X -At -d $dst -c "SELECT last_value >= (SELECT max(id) FROM booking.status_history) FROM booking.status_history_id_seq")
if [ "$seq" = t ]; then echo "ok $n - identity sequences keep their position"; else failed=1; echo "not ok $n - status_history_id_seq was reset"; fi
rm -f "$dump.src" "$dump.dst"
dropdb $src; dropdb $dst

# --- A state a live system reaches -------------------------------------
live=booking_write_stress
dst2=booking_dump_live_dst
mid=booking_dump_mid_dst
dropdb --if-exists $dst2 2>/dev/null; dropdb --if-exists $mid 2>/dev/null
dropdb --if-exists $live 2>/dev/null
log=$(mktemp)
REQUIRE_EVERY_KIND=0 bash bench/write_stress.sh 6 "${STRESS_SECONDS:-20}" >"$log" 2>&1 &
stress=$!
# a dump taken while the writers run: one snapshot, restored as it was
until psql -X -At -d $live -c "SELECT count(*) > 200 FROM bench.outcome" 2>/dev/null | grep -q t; do sleep 1; done
pg_dump -Fc -d $live -f "$dump.mid"
wait $stress
stress_rc=$?
n=$((n + 1))
if [ $stress_rc -eq 0 ]; then echo "ok $n - the stress run's own checks hold"; else failed=1; echo "not ok $n - the stress run failed:"; grep '^not ok' "$log" | sed 's/^/# /'; fi

createdb $mid
pg_restore -d $mid "$dump.mid" 2>&1 | grep -v '^$'
rc=${PIPESTATUS[0]}
n=$((n + 1))
got=$(psql -X -At -d $mid -c "SELECT count(*) FROM booking.booking")
if [ "$rc" -eq 0 ] && [ "${got:-0}" -gt 0 ]; then echo "ok $n - a dump taken while writers ran restores ($got bookings)";
else failed=1; echo "not ok $n - the dump taken while writers ran: pg_restore exited with $rc, ${got:-no} bookings"; fi

# The state of the issue that lost a backup, made as a live system makes it:
# a session of capacity 1, a held seat, two waiting entries.
psql -X -q -v ON_ERROR_STOP=1 -d $live >/dev/null <<'SQL'
BEGIN;
SET LOCAL booking.identity = '00000000-0000-0000-0000-00000000aa00 00000000-0000-0000-0000-00000000aa01 owner';
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency) VALUES
  ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa92', '00000000-0000-0000-0000-00000000aa72',
   '00000000-0000-0000-0000-00000000aa52', 'Small session', bench.at('20:00'), bench.at('22:00'), 1, 'EUR');
SELECT booking.book(md5('client' || n)::uuid, session_id => '00000000-0000-0000-0000-00000000aa92', hold_minutes => 30,
                    waitlist => true, idempotency_key => 'small-' || n)
  FROM generate_series(1, 3) n;
COMMIT;
SQL

# Time passes: the holds lapse with no writer to notice (their expiry moved
# back two hours, which is what the clock does to them).
psql -X -q -d $live -c "UPDATE booking.booking SET hold_expires_at = hold_expires_at - interval '2 hours' WHERE hold_expires_at IS NOT NULL"
lapsed=$(psql -X -At -d $live -c "
  SELECT count(*) FILTER (WHERE h.status = 'pending') || ' held seats and ' || count(*) FILTER (WHERE h.status = 'waitlisted')
         || ' waiting entries whose hold lapsed, before a waitlist of ' || (SELECT count(*) FROM booking.booking w WHERE w.status = 'waitlisted')
    FROM booking.booking h
   WHERE h.hold_expires_at <= now() AND h.session_id IS NOT NULL")
pg_dump -Fc -d $live -f "$dump.live"
createdb $dst2
pg_restore -d $dst2 "$dump.live" 2>&1 | grep -v '^$'
rc=${PIPESTATUS[0]}
n=$((n + 1))
if [ "$rc" -eq 0 ]; then echo "ok $n - pg_restore of the stressed database succeeded ($lapsed)";
else failed=1; echo "not ok $n - pg_restore of the stressed database exited with $rc"; fi

fingerprint $live >"$dump.src"
fingerprint $dst2 >"$dump.dst"
while read -r table count sum; do
	n=$((n + 1))
	other=$(grep "^$table " "$dump.dst")
	if [ "$other" = "$table $count $sum" ]; then
		echo "ok $n - stressed $table: $count rows restored identically"
	else
		failed=1
		echo "not ok $n - stressed $table: $count rows before, after: ${other:-nothing}"
	fi
done <"$dump.src"

sequences() {
	psql -X -At -d "$1" -c "SELECT schemaname || '.' || sequencename || ' ' || coalesce(last_value::text, 'unused')
	                          FROM pg_sequences WHERE schemaname IN ('booking', 'bench') ORDER BY 1"
}
n=$((n + 1))
if [ "$(sequences $live)" = "$(sequences $dst2)" ] && [ -n "$(sequences $live)" ]; then
	echo "ok $n - every sequence restored at its position ($(sequences $live | wc -l) sequences)"
else
	failed=1; echo "not ok $n - sequences differ:"; diff <(sequences $live) <(sequences $dst2) | sed 's/^/# /'
fi

# Every stored idempotency key, retried as its first request (an appointment
# at the time it was first asked for, before any reschedule; seats by
# session), returns its booking.
retry() {
	psql -X -At -d "$1" <<'SQL'
SELECT set_config('booking.identity', '00000000-0000-0000-0000-00000000aa00 00000000-0000-0000-0000-00000000aa01 owner', false) IS NULL;
SELECT count(*) || ' ' || count(*) FILTER (WHERE r.id = b.id)
  FROM booking.booking b
  LEFT JOIN LATERAL (
    SELECT (h.metadata ->> 'from_starts_at')::timestamptz AS first_start
      FROM booking.status_history h
     WHERE h.org_id = b.org_id AND h.booking_id = b.id AND h.metadata ->> 'event' = 'rescheduled'
     ORDER BY h.id LIMIT 1) f ON true
  CROSS JOIN LATERAL booking.book(b.client_id,
      service_id => CASE WHEN b.session_id IS NULL THEN b.service_id END,
      starts_at => CASE WHEN b.session_id IS NULL THEN coalesce(f.first_start, b.starts_at) END,
      resource_id => CASE WHEN b.session_id IS NULL THEN b.resource_id END,
      session_id => b.session_id, seats => b.seats, idempotency_key => b.idempotency_key,
      pickup_point => b.pickup_point, pickup_address => b.pickup_address,
      dropoff_point => b.dropoff_point, dropoff_address => b.dropoff_address) r
 WHERE b.idempotency_key IS NOT NULL;
SQL
}
for db in $live $dst2; do
	n=$((n + 1))
	got=$(retry $db 2>&1 | tail -1)
	if [ -n "$got" ] && [ "${got% *}" = "${got#* }" ] && [ "${got% *}" -gt 0 ]; then
		echo "ok $n - $db: a retry of each of the ${got% *} stored idempotency keys returns its booking"
	else
		failed=1; echo "not ok $n - $db: retries of stored keys (keys, returning their booking): $got"
	fi
done

echo "1..$n"
rm -f "$dump" "$dump.mid" "$dump.live" "$dump.src" "$dump.dst" "$log"
dropdb $dst2; dropdb $mid; dropdb $live
[ "$failed" -eq 0 ]
