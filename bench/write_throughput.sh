#!/usr/bin/env bash
# bench/write_throughput.sh: insert throughput of valid appointments through
# every check of the write path, against a plain INSERT of the same rows into
# an unconstrained copy of booking.booking (no constraints but NOT NULL, no
# indexes, triggers or row-level security), in the same run; and, between
# the two, the floor: the rows a checked insert writes, with every
# constraint, written by one plain statement without the rules.
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/write_throughput.sh [clients] [seconds] [rounds] [parts]
#
# Creates (and drops first) the database booking_write_throughput.  Row n
# goes to resource n mod 200, local hour (n / 200) mod 10 of day n / 2000
# (Berlin time, so daylight saving does not push a slot out), so no two
# rows conflict, and every row is inside its instructor's working hours
# (08:00-18:00, every day), so the solver's rules are evaluated and pass.
# The checked run acts as the org's owner (booking.identity
# set per connection), and the students have license rules, a guardian with
# consent and a date of birth, so eligibility is evaluated in full.  Prints
# the rates and ratios of each round (plain, floor, checked, seconds apart),
# the median ratios, what each run wrote and the functions the time goes to.
set -eu
clients=${1:-4}
seconds=${2:-10}
rounds=${3:-3}
parts=${4:-}
db=booking_write_throughput
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dropdb --if-exists $db >/dev/null 2>&1
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -d $db -f "$(dirname "$0")/write_setup.sql"

# Row n of a run whose days start at $1: resource, client, start.  Plain and
# checked write the same rows; the floor writes its own days.
row() {
	echo 'md5('"'"'r'"'"' || (:n % 200))::uuid, md5('"'"'c'"'"' || (:n % 1000))::uuid,
     ((date '"'"$1"'"' + :n / 2000) + time '"'"'08:00'"'"' + ((:n / 200) % 10) * interval '"'"'1 hour'"'"') AT TIME ZONE '"'"'Europe/Berlin'"'"''
}
cat >"$work/plain.sql" <<S
SELECT nextval('bench.n_plain') AS n \gset
INSERT INTO bench.plain (org_id, id, resource_id, client_id, starts_at, ends_at, service_id, currency, status, seats,
                         price_cents, platform_fee_cents, resource_share_cents, buffer_before_minutes, buffer_after_minutes, created_at, updated_at)
SELECT '00000000-0000-0000-0000-00000000bb00', gen_random_uuid(), r, c, s, s + interval '45 minutes',
       '00000000-0000-0000-0000-00000000bb51', 'EUR', 'pending', 1, 0, 0, 0, 0, 10, now(), now()
  FROM (SELECT $(row 2031-01-06)) AS x(r, c, s);
S
cat >"$work/checked.sql" <<S
SELECT nextval('bench.n_checked') AS n \gset
INSERT INTO booking.booking (resource_id, client_id, starts_at, ends_at, service_id, currency)
SELECT r, c, s, s + interval '45 minutes', '00000000-0000-0000-0000-00000000bb51', 'EUR'
  FROM (SELECT $(row 2031-01-06)) AS x(r, c, s);
S
# The floor: the rows a checked insert writes (the booking with what the
# triggers fill in, its three day locks, the history row, the outbox event
# and the expiry of a pending booking), written by one plain statement with
# the write path's own triggers disabled.  The table's keys, foreign keys,
# CHECKs, indexes, exclusion constraint and row-level security still apply.
# No implementation of the rules can write these rows faster; checked/floor
# is what the rules themselves cost.
floor_head() {
	cat <<PART
SELECT nextval('bench.n_floor') AS n \gset
WITH x (r, c, s) AS (SELECT $(row $1)),
b AS (
  INSERT INTO booking.booking (resource_id, client_id, starts_at, ends_at, service_id, currency, buffer_after_minutes,
                               status_changed_at, status_changed_by)
  SELECT r, c, s, s + interval '45 minutes', '00000000-0000-0000-0000-00000000bb51', 'EUR', 10,
         now(), '00000000-0000-0000-0000-00000000bb01'
    FROM x
  RETURNING org_id, id, resource_id, client_id, starts_at, ends_at, status)
PART
}
cat >"$work/lock.part" <<'PART'
l AS (
  INSERT INTO booking.write_lock AS w (org_id, scope_id, day)
  SELECT b.org_id, b.resource_id, (b.starts_at AT TIME ZONE 'Europe/Berlin')::date + i FROM b, generate_series(-1, 1) i ORDER BY i
  ON CONFLICT ON CONSTRAINT write_lock_pkey DO UPDATE SET writes = w.writes + 1)
PART
cat >"$work/history.part" <<'PART'
h AS (
  INSERT INTO booking.status_history (org_id, booking_id, from_status, to_status, actor_user_id, reason, metadata)
  SELECT b.org_id, b.id, NULL, b.status, '00000000-0000-0000-0000-00000000bb01', NULL, '{"actor": "user"}' FROM b
  RETURNING id),
o AS (
  INSERT INTO booking.outbox (org_id, topic, payload)
  SELECT b.org_id, 'booking.status.pending',
         jsonb_build_object('history_id', h.id, 'org_id', b.org_id, 'booking_id', b.id, 'from', NULL, 'to', b.status,
                            'at', now(), 'actor', 'user', 'actor_user_id', '00000000-0000-0000-0000-00000000bb01',
                            'reason', NULL, 'client_id', b.client_id, 'resource_id', b.resource_id, 'session_id', NULL,
                            'starts_at', b.starts_at, 'ends_at', b.ends_at)
    FROM b, h)
PART
cat >"$work/expiry.part" <<'PART'
INSERT INTO booking.scheduled_transition (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
SELECT b.org_id, b.id, 'expiry', 'expired', LEAST(now() + interval '1440 minutes', b.starts_at), '{pending}', b.starts_at,
       'not confirmed within 1440 minutes'
  FROM b;
PART
printf '%s,\n%s,\n%s\n%s\n' "$(floor_head 2041-01-07)" "$(cat "$work/lock.part")" "$(cat "$work/history.part")" \
	"$(cat "$work/expiry.part")" >"$work/floor.sql"
# With a fourth argument, parts: the floor without the day locks, and the
# booking row alone, to show what each kind of row costs (days from 2051).
printf '%s,\n%s\n%s\n' "$(floor_head 2051-01-05)" "$(cat "$work/history.part")" "$(cat "$work/expiry.part")" \
	>"$work/floor_no_locks.sql"
printf '%s\nSELECT 1 FROM b;\n' "$(floor_head 2051-01-05)" >"$work/floor_booking.sql"

run() {
	psql -X -q -d $db -c "VACUUM ANALYZE" >/dev/null
	PGOPTIONS="-c booking.identity=00000000-0000-0000-0000-00000000bb00\\ 00000000-0000-0000-0000-00000000bb01\\ owner" \
		pgbench -n -d $db -c "$clients" -j 2 -T "$seconds" -M prepared -f "$1" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
write_path_triggers() {
	psql -X -q -d $db -c "ALTER TABLE booking.booking $1 TRIGGER write_check, $1 TRIGGER lifecycle_check, $1 TRIGGER lifecycle_record_insert" >/dev/null
}
ratio() { echo "scale=2; $1 / $2" | bc; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The runs of one round follow each other, so that each ratio compares
# runs seconds apart; the rounds' ratios are reported with their median.
echo "clients $clients, $seconds s a run, $rounds rounds"
echo "round  plain  floor  checked  checked/plain  floor/plain  checked/floor${parts:+  floor-no-locks/plain  booking-alone/plain}"
psql -X -q -d $db -c "SELECT pg_stat_reset()" >/dev/null
r_cp=(); r_fp=(); r_cf=(); r_np=(); r_bp=()
for round in $(seq 1 "$rounds"); do
	plain=$(run "$work/plain.sql")
	write_path_triggers DISABLE
	floor=$(run "$work/floor.sql")
	if [ -n "$parts" ]; then
		no_locks=$(run "$work/floor_no_locks.sql")
		alone=$(run "$work/floor_booking.sql")
	fi
	write_path_triggers ENABLE
	checked=$(run "$work/checked.sql")
	r_cp+=("$(ratio "$checked" "$plain")"); r_fp+=("$(ratio "$floor" "$plain")"); r_cf+=("$(ratio "$checked" "$floor")")
	line="$round  ${plain%.*}  ${floor%.*}  ${checked%.*}  ${r_cp[-1]}  ${r_fp[-1]}  ${r_cf[-1]}"
	if [ -n "$parts" ]; then
		r_np+=("$(ratio "$no_locks" "$plain")"); r_bp+=("$(ratio "$alone" "$plain")")
		line="$line  ${r_np[-1]}  ${r_bp[-1]}"
	fi
	echo "$line"
done
echo "median ratio checked/plain: $(median "${r_cp[@]}") (aim 0.5)"
echo "median ratio floor/plain: $(median "${r_fp[@]}")"
echo "median ratio checked/floor: $(median "${r_cf[@]}")"
if [ -n "$parts" ]; then
	echo "median ratio floor without the day locks/plain: $(median "${r_np[@]}")"
	echo "median ratio booking row alone/plain: $(median "${r_bp[@]}")"
fi
psql -X -q -d $db <<'SQL'
\pset footer off
-- what each run wrote per booking (the 20,000 bookings of 2030 were loaded
-- before): the floor must write what the checks write
SELECT CASE WHEN b.starts_at < '2041-01-01' THEN 'checked' WHEN b.starts_at < '2051-01-01' THEN 'floor' ELSE 'floor parts' END AS run,
       count(*) AS bookings,
       count(*) FILTER (WHERE b.buffer_after_minutes = 10 AND b.status_changed_by IS NOT NULL) AS filled_in,
       sum((SELECT count(*) FROM booking.status_history h WHERE h.org_id = b.org_id AND h.booking_id = b.id)) AS history,
       sum((SELECT count(*) FROM booking.scheduled_transition t WHERE t.org_id = b.org_id AND t.booking_id = b.id)) AS scheduled
  FROM booking.booking b WHERE b.starts_at >= '2031-01-01' GROUP BY 1 ORDER BY 1;
SELECT CASE WHEN w.day < '2041-01-01' THEN 'checked' WHEN w.day < '2051-01-01' THEN 'floor' ELSE 'floor parts' END AS run,
       count(*) AS lock_rows, sum(w.writes) AS lock_writes
  FROM booking.write_lock w GROUP BY 1 ORDER BY 1;
SELECT count(*) AS outbox_events FROM booking.outbox;
SELECT funcname, calls, round(total_time::numeric / calls, 4) AS ms_per_call_total, round(self_time::numeric / calls, 4) AS ms_per_call_self
  FROM pg_stat_user_functions WHERE schemaname = 'booking' ORDER BY self_time DESC LIMIT 12;
SQL
