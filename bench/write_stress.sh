#!/usr/bin/env bash
# bench/write_stress.sh: many clients hammer one resource-day and one session
# for a while, then the invariants are checked.
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/write_stress.sh [clients] [seconds]
#
# Creates (and drops first) the database booking_write_stress on the server
# given by the PG* variables.  The scripts book random overlapping
# appointments of one instructor on one day from three pickup places
# (READ COMMITTED and REPEATABLE READ, and booking.book_first_available), take, cancel and re-take seats of one session with a waitlist, and
# move its capacity up and down; holds of seats, staff confirmations (of
# holds too), reschedules and the runner of scheduled transitions run
# among them, and bookings carry idempotency keys that the clients reuse
# (a retry returns the booking).  Every attempt runs in a function that
# catches the error and records its SQLSTATE (pgbench would stop a client at
# the first error).  Then: 0 overlapping active pairs, 0 consecutive
# appointments closer than their travel time, 0 sessions over
# capacity, 0 waiting entries behind free seats, 0 confirmed bookings still
# holding, 0 promotions recorded with another booking's scheduled row,
# every SQLSTATE documented.  Exit status 1 if a check fails.
# The database is left behind (test/dump_restore.sh dumps it).  CHECK_ONLY=1
# runs only the checks of the rows, on the database as it is (test/crash.sh,
# after a crash: bench.outcome is unlogged and gone).
set -eu
clients=${1:-32}
seconds=${2:-60}
db=booking_write_stress
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail=0
check() {
	local label=$1 sql=$2 got
	got=$(psql -X -At -d $db -c "$sql")
	if [ "$got" = 0 ]; then echo "ok - $label"; else echo "not ok - $label: $got"; fail=1; fi
}
if [ "${CHECK_ONLY:-0}" != 1 ]; then
dropdb --if-exists $db >/dev/null 2>&1
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -d $db <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION booking CASCADE;
CREATE SCHEMA bench;
-- the hot day: the Monday two weeks ahead, in Berlin (any day the bench runs)
CREATE TABLE bench.day AS SELECT (date_trunc('week', now() AT TIME ZONE 'Europe/Berlin') + interval '14 days')::date AS monday;
CREATE FUNCTION bench.at(t time) RETURNS timestamptz LANGUAGE sql STABLE
  AS $$ SELECT (monday + t) AT TIME ZONE 'Europe/Berlin' FROM bench.day $$;
INSERT INTO booking.app_user (id, email, full_name) VALUES ('00000000-0000-0000-0000-00000000aa01', 'owner@stress.example', 'Owner');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES ('00000000-0000-0000-0000-00000000aa00', 'Stress', 'Europe/Berlin', 'EUR');
INSERT INTO booking.membership (org_id, user_id, role) VALUES ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa01', 'owner');
SELECT booking.seed_lifecycle_defaults('00000000-0000-0000-0000-00000000aa00') > 0 AS lifecycle_rules;
INSERT INTO booking.service (org_id, id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes) VALUES
  ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa51', 'Lesson', 45, 5, 10),
  ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa52', 'Workshop', 120, 0, 0);
INSERT INTO booking.resource (org_id, id, display_name) VALUES
  ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa71', 'Hot instructor'),
  ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa72', 'Facilitator');
INSERT INTO booking.client (org_id, id, full_name)
SELECT '00000000-0000-0000-0000-00000000aa00', md5('client' || n)::uuid, 'Client ' || n FROM generate_series(1, 500) n;
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency) VALUES
  ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa91', '00000000-0000-0000-0000-00000000aa72',
   '00000000-0000-0000-0000-00000000aa52', 'Hot session', bench.at('18:00'), bench.at('20:00'), 20, 'EUR');
-- The hot instructor works 08:00-18:00 on the hot Monday (a 5-minute grid);
-- pickups are at one of three places 0, 25 and 40 minutes apart, so the
-- travel gap is tested too.
UPDATE booking.org SET booking_horizon_days = 3660, slot_step_minutes = 5 WHERE id = '00000000-0000-0000-0000-00000000aa00';
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, travel_buffer_minutes) VALUES
  ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa71', 1, '[08:00,18:00)', 5),
  ('00000000-0000-0000-0000-00000000aa00', '00000000-0000-0000-0000-00000000aa72', 1, '[08:00,22:00)', 0);
CREATE TABLE bench.place (i int PRIMARY KEY, p geography);
INSERT INTO bench.place VALUES (0, 'SRID=4326;POINT(13.40 52.52)'), (1, 'SRID=4326;POINT(13.45 52.50)'), (2, 'SRID=4326;POINT(13.55 52.45)');
SET booking.identity = '00000000-0000-0000-0000-00000000aa00 00000000-0000-0000-0000-00000000aa01 owner';
SELECT count(booking.store_travel_time(a.p, b.p, CASE WHEN a.i + b.i = 1 THEN 25 WHEN a.i + b.i = 2 THEN 40 ELSE 30 END, 10000,
                                 now() + interval '10 years')) AS travel_times
  FROM bench.place a, bench.place b WHERE a.i <> b.i;
RESET booking.identity;
CREATE UNLOGGED TABLE bench.outcome (script text, sqlstate text);

CREATE FUNCTION bench.attempt(script text, cmd text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  state text := '00000';
BEGIN
  PERFORM set_config('booking.identity', '00000000-0000-0000-0000-00000000aa00 00000000-0000-0000-0000-00000000aa01 owner', true);
  BEGIN
    EXECUTE cmd;
  EXCEPTION WHEN OTHERS THEN
    state := SQLSTATE;
  END;
  INSERT INTO bench.outcome
  VALUES (script || CASE current_setting('transaction_isolation') WHEN 'read committed' THEN ''
                     ELSE ' (' || current_setting('transaction_isolation') || ')' END, state);
END $$;

-- an appointment on the hot day: a random 5-minute grid start between 08:00 and 16:00
CREATE FUNCTION bench.appointment(m int, c int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('appointment', format(
    $q$SELECT booking.book(%L, '00000000-0000-0000-0000-00000000aa51', %L, '00000000-0000-0000-0000-00000000aa71', pickup_point => %L,
                           idempotency_key => %L)$q$,
    md5('client' || c)::uuid, bench.at('08:00') + m * interval '5 minutes',
    (SELECT p FROM bench.place WHERE i = c % 3), format('a-%s-%s', m, c)));
$$;
-- find and book the best slot of the hot day from one of the places
CREATE FUNCTION bench.first_available(c int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('first_available', format(
    $q$SELECT booking.book_first_available('00000000-0000-0000-0000-00000000aa51', %L, %L, %L)$q$,
    tstzrange(bench.at('08:00'), bench.at('18:00')),
    (SELECT p FROM bench.place WHERE i = c % 3), md5('client' || c)::uuid));
$$;
-- cancel a random active appointment of the hot day
CREATE FUNCTION bench.cancel_appointment(m int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('cancel_appointment', format(
    $q$UPDATE booking.booking SET status = 'cancelled'
        WHERE id = (SELECT id FROM booking.booking WHERE resource_id = '00000000-0000-0000-0000-00000000aa71'
                       AND status = 'pending' ORDER BY starts_at OFFSET %s LIMIT 1)$q$, m % 5));
$$;
-- a seat (or two), joining the waitlist when full
CREATE FUNCTION bench.seat(c int, n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('seat', format(
    $q$SELECT booking.book(%L, session_id => '00000000-0000-0000-0000-00000000aa91', seats => %s, waitlist => %L,
                           idempotency_key => %L)$q$,
    md5('client' || c)::uuid, n, c % 2 = 0, format('s-%s-%s', c, n)));
$$;
-- a held seat (30 minutes), joining the waitlist when full
CREATE FUNCTION bench.hold_seat(c int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('hold_seat', format(
    $q$SELECT booking.book(%L, session_id => '00000000-0000-0000-0000-00000000aa91', hold_minutes => 30, waitlist => true,
                           idempotency_key => %L)$q$,
    md5('client' || c)::uuid, format('h-%s', c)));
$$;
-- staff confirm a random pending booking (a hold one time in three)
CREATE FUNCTION bench.confirm(m int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('confirm', format(
    $q$SELECT booking.transition(id, 'confirmed') FROM booking.booking
        WHERE id = (SELECT id FROM booking.booking WHERE status = 'pending' AND (hold_expires_at IS NULL OR %L::boolean)
                     ORDER BY created_at OFFSET %s LIMIT 1)$q$, m % 3 = 0, m % 10));
$$;
-- move a random pending appointment of the hot day by 5 to 30 minutes
CREATE FUNCTION bench.reschedule(m int, d int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('reschedule', format(
    $q$SELECT booking.reschedule(id, starts_at + %L::interval, reason => 'stress') FROM booking.booking
        WHERE id = (SELECT id FROM booking.booking WHERE resource_id = '00000000-0000-0000-0000-00000000aa71'
                       AND session_id IS NULL AND status IN ('pending', 'confirmed') ORDER BY starts_at OFFSET %s LIMIT 1)$q$,
    make_interval(mins => CASE WHEN m % 2 = 0 THEN 5 ELSE -5 END * d), m % 5));
$$;
-- the runner of scheduled transitions (and of lapsed holds)
CREATE FUNCTION bench.runner() RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('runner', 'SELECT booking.run_due_transitions(50)');
$$;
-- cancel a random seat (promotes the waitlist)
CREATE FUNCTION bench.cancel_seat(m int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('cancel_seat', format(
    $q$UPDATE booking.booking SET status = 'cancelled'
        WHERE id = (SELECT id FROM booking.booking WHERE session_id = '00000000-0000-0000-0000-00000000aa91'
                       AND status IN ('pending', 'waitlisted') ORDER BY created_at OFFSET %s LIMIT 1)$q$, m % 10));
$$;
-- move the capacity between 10 and 30
CREATE FUNCTION bench.capacity(n int) RETURNS void LANGUAGE sql AS $$
  SELECT bench.attempt('capacity', format(
    $q$UPDATE booking.session SET capacity = %s WHERE id = '00000000-0000-0000-0000-00000000aa91'$q$, n));
$$;
SQL

cat >"$work/appointment.sql" <<'S'
\set m random(0, 96)
\set c random(1, 500)
SELECT bench.appointment(:m, :c);
S
cat >"$work/appointment_rr.sql" <<'S'
\set m random(0, 96)
\set c random(1, 500)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT bench.appointment(:m, :c);
COMMIT;
S
cat >"$work/first_available.sql" <<'S'
\set c random(1, 500)
SELECT bench.first_available(:c);
S
cat >"$work/cancel_appointment.sql" <<'S'
\set m random(0, 100)
SELECT bench.cancel_appointment(:m);
S
cat >"$work/seat.sql" <<'S'
\set c random(1, 500)
\set n random(1, 2)
SELECT bench.seat(:c, :n);
S
cat >"$work/cancel_seat.sql" <<'S'
\set m random(0, 100)
SELECT bench.cancel_seat(:m);
S
cat >"$work/hold_seat.sql" <<'S'
\set c random(1, 500)
SELECT bench.hold_seat(:c);
S
cat >"$work/confirm.sql" <<'S'
\set m random(0, 100)
SELECT bench.confirm(:m);
S
cat >"$work/reschedule.sql" <<'S'
\set m random(0, 100)
\set d random(1, 6)
SELECT bench.reschedule(:m, :d);
S
cat >"$work/runner.sql" <<'S'
SELECT bench.runner();
S
cat >"$work/capacity.sql" <<'S'
\set n random(10, 30)
SELECT bench.capacity(:n);
S

echo "== $clients clients, $seconds s, one resource-day and one session"
pgbench -n -d $db -c "$clients" -j 2 -T "$seconds" -M prepared \
  -f "$work/appointment.sql@30" -f "$work/appointment_rr.sql@10" -f "$work/first_available.sql@10" -f "$work/cancel_appointment.sql@10" \
  -f "$work/seat.sql@30" -f "$work/cancel_seat.sql@8" -f "$work/capacity.sql@2" \
  -f "$work/hold_seat.sql@10" -f "$work/confirm.sql@8" -f "$work/reschedule.sql@5" -f "$work/runner.sql@1" 2>&1 \
  | grep -E '^(number of (transactions|failed)|tps|latency average|number of clients)' || true

fi
if [ "${CHECK_ONLY:-0}" != 1 ]; then
psql -X -q -d $db <<'SQL'
\pset footer off
SELECT script, sqlstate, count(*) AS attempts FROM bench.outcome GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) FILTER (WHERE session_id IS NULL AND booking.status_occupies(status)) AS active_appointments,
       count(*) FILTER (WHERE session_id IS NOT NULL AND booking.occupies_now(status, hold_expires_at)) AS active_seat_bookings,
       count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled
  FROM booking.booking;
SQL
fi

check "0 overlapping active pairs (padded intervals)" "
  SELECT count(*) FROM booking.booking a JOIN booking.booking b
    ON a.org_id = b.org_id AND a.resource_id = b.resource_id AND a.id < b.id
   WHERE a.session_id IS NULL AND b.session_id IS NULL
     AND booking.status_occupies(a.status) AND booking.status_occupies(b.status)
     AND booking.padded_range(a.starts_at, a.ends_at, a.buffer_before_minutes, a.buffer_after_minutes)
         && booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)"
check "0 consecutive active appointments closer than their travel time (or the travel buffer)" "
  SELECT count(*) FROM (
    SELECT b.starts_at, b.ends_at, b.pickup_point, COALESCE(b.dropoff_point, b.pickup_point) AS dropoff,
           lead(b.starts_at) OVER w AS next_start, lead(b.pickup_point) OVER w AS next_pickup
      FROM booking.booking b
     WHERE b.resource_id = '00000000-0000-0000-0000-00000000aa71' AND b.session_id IS NULL AND booking.status_occupies(b.status)
    WINDOW w AS (ORDER BY b.starts_at)) x
   WHERE x.next_start IS NOT NULL
     AND x.next_start - x.ends_at < make_interval(mins => GREATEST(5,
           (booking.travel_time('00000000-0000-0000-0000-00000000aa00', x.dropoff, x.next_pickup, x.ends_at)).minutes))"
check "0 sessions over capacity" "
  SELECT count(*) FROM booking.session s WHERE booking.seats_taken(s.org_id, s.id) > s.capacity"
check "0 waitlist entries left behind free seats they fit in" "
  SELECT count(*) FROM booking.session s
   WHERE (SELECT min(b.seats) FROM booking.booking b WHERE b.session_id = s.id AND b.status = 'waitlisted'
           AND b.created_at = (SELECT min(w.created_at) FROM booking.booking w WHERE w.session_id = s.id AND w.status = 'waitlisted'))
         <= s.capacity - booking.seats_taken(s.org_id, s.id)"
check "0 confirmed (or later) bookings still holding" "
  SELECT count(*) FROM booking.booking
   WHERE hold_expires_at IS NOT NULL AND booking.status_occupies(status) AND status <> 'pending'"
check "0 promotions recorded with another booking's scheduled transition" "
  SELECT count(*) FROM booking.status_history
   WHERE from_status = 'waitlisted' AND to_status = 'pending' AND metadata ? 'scheduled_transition_id'"
check "0 pending bookings promoted from the waitlist without a seat" "
  SELECT count(*) FROM booking.status_history h JOIN booking.booking b ON b.org_id = h.org_id AND b.id = h.booking_id
   WHERE h.from_status = 'waitlisted' AND h.to_status = 'pending' AND b.hold_expires_at <= h.created_at"
check "every booking's status is the last status of its history" "
  SELECT count(*) FROM booking.booking b
   WHERE b.status IS DISTINCT FROM (SELECT h.to_status FROM booking.status_history h
                                     WHERE h.org_id = b.org_id AND h.booking_id = b.id ORDER BY h.id DESC LIMIT 1)"
check "every history row has its outbox event" "
  SELECT count(*) FROM booking.status_history h
   WHERE NOT EXISTS (SELECT 1 FROM booking.outbox o WHERE o.org_id = h.org_id AND (o.payload ->> 'history_id')::bigint = h.id)"
check "every open booking's status has its scheduled transitions" "
  SELECT count(*) FROM booking.booking b
   WHERE b.status IN ('pending', 'waitlisted', 'confirmed')
     AND NOT EXISTS (SELECT 1 FROM booking.scheduled_transition t WHERE t.org_id = b.org_id AND t.booking_id = b.id
                        AND b.status = ANY (t.expected_status) AND t.expected_starts_at = b.starts_at)"
[ "${CHECK_ONLY:-0}" = 1 ] && exit $fail
check "every error is a documented SQLSTATE" "
  SELECT count(*) FROM bench.outcome
   WHERE sqlstate NOT IN ('00000', '23P01', '23K01', '23K02', '23K03', '23K04', '23K05', '23K06', '23K07', '23K08',
                          '23K09', '23K10', '23K11', '23K12', '23K13', '23K14', '23K15',
                          '22K01', '22K02', '22K03', '22K04', '22K05', '40001', '40P01', 'P0002',
                          '22023', '55000')"
# (a busy machine can leave a kind without a success in a short run: the
# test command's short run asks only for the invariants, REQUIRE_EVERY_KIND=0)
[ "${REQUIRE_EVERY_KIND:-1}" = 1 ] && check "at least one attempt of each kind succeeded" "
  SELECT 11 - count(DISTINCT script) FROM bench.outcome WHERE sqlstate = '00000'"
exit $fail
