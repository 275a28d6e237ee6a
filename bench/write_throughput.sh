#!/usr/bin/env bash
# bench/write_throughput.sh: insert throughput of valid appointments through
# every check of the write path, against a plain INSERT of the same rows into
# an unconstrained copy of booking.booking (no constraints but NOT NULL, no
# indexes, triggers or row-level security), in the same run.
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/write_throughput.sh [clients] [seconds]
#
# Creates (and drops first) the database booking_write_throughput.  Row n
# goes to resource n mod 200, slot (n / 200) mod 10 of day n / 2000, so no
# two rows conflict, and every row is inside its instructor's working hours
# (08:00-18:00, every day), so the solver's rules are evaluated and pass.
# The checked run acts as the org's owner (booking.identity
# set per connection), and the students have license rules, a guardian with
# consent and a date of birth, so eligibility is evaluated in full.  Prints
# both rates, their ratio and the functions the time goes to.
set -eu
clients=${1:-4}
seconds=${2:-20}
db=booking_write_throughput
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dropdb --if-exists $db >/dev/null 2>&1
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -d $db <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION booking CASCADE;
ALTER DATABASE booking_write_throughput SET track_functions = 'all';
CREATE SCHEMA bench;
INSERT INTO booking.app_user (id, email, full_name) VALUES ('00000000-0000-0000-0000-00000000bb01', 'owner@tp.example', 'Owner');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES ('00000000-0000-0000-0000-00000000bb00', 'Throughput', 'Europe/Berlin', 'EUR');
INSERT INTO booking.membership (org_id, user_id, role) VALUES ('00000000-0000-0000-0000-00000000bb00', '00000000-0000-0000-0000-00000000bb01', 'owner');
INSERT INTO booking.service (org_id, id, name, lesson_type, duration_minutes, buffer_after_minutes) VALUES
  ('00000000-0000-0000-0000-00000000bb00', '00000000-0000-0000-0000-00000000bb51', 'Lesson', 'standard', 45, 10);
INSERT INTO booking.resource (org_id, id, display_name, license_classes)
SELECT '00000000-0000-0000-0000-00000000bb00', md5('r' || n)::uuid, 'Instructor ' || n, '{B}' FROM generate_series(0, 199) n;
INSERT INTO booking.client (org_id, id, full_name, date_of_birth, license_type)
SELECT '00000000-0000-0000-0000-00000000bb00', md5('c' || n)::uuid, 'Student ' || n, date '2012-01-01' - n, 'B' FROM generate_series(0, 999) n;
INSERT INTO booking.guardian (org_id, id, full_name) VALUES ('00000000-0000-0000-0000-00000000bb00', '00000000-0000-0000-0000-00000000bb81', 'Parent');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id, consent_given_at)
SELECT '00000000-0000-0000-0000-00000000bb00', md5('c' || n)::uuid, '00000000-0000-0000-0000-00000000bb81', now() FROM generate_series(0, 999) n;
INSERT INTO booking.license_rule (org_id, client_license_type, lesson_type, required_resource_license, min_client_age, max_duration_minutes, requires_parental_consent)
VALUES ('00000000-0000-0000-0000-00000000bb00', 'B', 'standard', 'B', 16, 90, true);
-- every instructor works 08:00-18:00 every day; bookings years ahead are fine
UPDATE booking.org SET booking_horizon_days = 3660 WHERE id = '00000000-0000-0000-0000-00000000bb00';
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT '00000000-0000-0000-0000-00000000bb00', md5('r' || n)::uuid, d, '[08:00,18:00)' FROM generate_series(0, 199) n, generate_series(1, 7) d;
CREATE TABLE bench.plain (LIKE booking.booking);
CREATE SEQUENCE bench.n_plain;
CREATE SEQUENCE bench.n_checked;
-- A booking table is never empty: both tables start with the same 20,000
-- bookings of earlier days (written as maintenance, which keeps the
-- invariants), and both are analyzed, so the plans are those of a live
-- system rather than of an empty table.
INSERT INTO booking.booking (org_id, resource_id, client_id, starts_at, ends_at, service_id, currency, status)
SELECT '00000000-0000-0000-0000-00000000bb00', md5('r' || (n % 200))::uuid, md5('c' || (n % 1000))::uuid, s, s + interval '45 minutes',
       '00000000-0000-0000-0000-00000000bb51', 'EUR', 'confirmed'
  FROM generate_series(0, 19999) n,
       LATERAL (SELECT timestamptz '2030-06-03 08:00+02' + ((n / 2000) * interval '1 day') + (((n / 200) % 10) * interval '1 hour')) AS x(s);
INSERT INTO bench.plain SELECT * FROM booking.booking;
ANALYZE;
SQL

# The same row n for both: resource, client, start.
row='md5('"'"'r'"'"' || (:n % 200))::uuid, md5('"'"'c'"'"' || (:n % 1000))::uuid,
     timestamptz '"'"'2031-01-06 08:00+01'"'"' + ((:n / 2000) * interval '"'"'1 day'"'"') + (((:n / 200) % 10) * interval '"'"'1 hour'"'"')'
cat >"$work/plain.sql" <<S
SELECT nextval('bench.n_plain') AS n \gset
INSERT INTO bench.plain (org_id, id, resource_id, client_id, starts_at, ends_at, service_id, currency, status, seats,
                         price_cents, platform_fee_cents, resource_share_cents, buffer_before_minutes, buffer_after_minutes, created_at, updated_at)
SELECT '00000000-0000-0000-0000-00000000bb00', gen_random_uuid(), r, c, s, s + interval '45 minutes',
       '00000000-0000-0000-0000-00000000bb51', 'EUR', 'pending', 1, 0, 0, 0, 0, 10, now(), now()
  FROM (SELECT $row) AS x(r, c, s);
S
cat >"$work/checked.sql" <<S
SELECT nextval('bench.n_checked') AS n \gset
INSERT INTO booking.booking (resource_id, client_id, starts_at, ends_at, service_id, currency)
SELECT r, c, s, s + interval '45 minutes', '00000000-0000-0000-0000-00000000bb51', 'EUR'
  FROM (SELECT $row) AS x(r, c, s);
S

run() {
	pgbench -n -d $db -c "$clients" -j 2 -T "$seconds" -M prepared -f "$1" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
plain=$(run "$work/plain.sql")
psql -X -q -d $db -c "SELECT pg_stat_reset()" >/dev/null
checked=$(PGOPTIONS="-c booking.identity=00000000-0000-0000-0000-00000000bb00\\ 00000000-0000-0000-0000-00000000bb01\\ owner" run "$work/checked.sql")
echo "clients $clients, $seconds s each"
echo "plain INSERT into an unconstrained copy: $plain tps"
echo "INSERT into booking.booking, every check: $checked tps"
echo "ratio: $(echo "scale=2; $checked / $plain" | bc)"
psql -X -q -d $db <<'SQL'
\pset footer off
SELECT count(*) AS checked_rows, count(*) FILTER (WHERE buffer_after_minutes = 10) AS with_buffers FROM booking.booking;
SELECT funcname, calls, round(total_time::numeric / calls, 4) AS ms_per_call_total, round(self_time::numeric / calls, 4) AS ms_per_call_self
  FROM pg_stat_user_functions WHERE schemaname = 'booking' ORDER BY self_time DESC LIMIT 12;
SQL
