#!/usr/bin/env bash
# bench/identity.sh: what an application's transaction pays for its
# identity: booking.act_as() and then one read through the row-level
# security policies, per transaction, as a trusted application role.
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/identity.sh [clients] [seconds]
#
# Creates (and drops) the database booking_bench_identity: one org with an
# owner, an instructor (one resource, 2000 bookings) and a student (one
# client, 20 of those bookings).  Three pgbench runs, each transaction
# BEGIN; act_as; one query; COMMIT: the owner counting the org's services,
# the student counting the bookings they see, the instructor likewise.
# Prints transactions per second of each.
set -eu
clients=${1:-2}
seconds=${2:-5}
db=booking_bench_identity
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dropdb --if-exists "$db" >/dev/null 2>&1
dropuser --if-exists regress_bench_identity >/dev/null 2>&1
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION booking CASCADE;
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'owner@bench.example', 'Owner'),
  ('00000000-0000-0000-0000-0000000000c2', 'instructor@bench.example', 'Instructor'),
  ('00000000-0000-0000-0000-0000000000c3', 'student@bench.example', 'Student');
INSERT INTO booking.org (id, name, time_zone, currency)
VALUES ('00000000-0000-0000-0000-0000000000c0', 'Org', 'UTC', 'EUR');
INSERT INTO booking.membership VALUES
  ('00000000-0000-0000-0000-0000000000c0', '00000000-0000-0000-0000-0000000000c1', 'owner'),
  ('00000000-0000-0000-0000-0000000000c0', '00000000-0000-0000-0000-0000000000c2', 'instructor'),
  ('00000000-0000-0000-0000-0000000000c0', '00000000-0000-0000-0000-0000000000c3', 'student');
SET session_replication_role = replica;
INSERT INTO booking.service (org_id, id, name, duration_minutes)
SELECT '00000000-0000-0000-0000-0000000000c0', md5('s' || i)::uuid, 'S' || i, 60 FROM generate_series(1, 20) i;
INSERT INTO booking.resource (org_id, id, display_name, user_id)
VALUES ('00000000-0000-0000-0000-0000000000c0', '00000000-0000-0000-0000-0000000000d1', 'R', '00000000-0000-0000-0000-0000000000c2');
INSERT INTO booking.client (org_id, id, full_name, user_id)
SELECT '00000000-0000-0000-0000-0000000000c0', md5('c' || c)::uuid, 'C' || c,
       CASE WHEN c = 1 THEN '00000000-0000-0000-0000-0000000000c3'::uuid END
  FROM generate_series(1, 100) c;
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
SELECT '00000000-0000-0000-0000-0000000000c0', md5('b' || b)::uuid, md5('c' || (1 + b % 100))::uuid,
       '00000000-0000-0000-0000-0000000000d1', md5('s1')::uuid,
       timestamptz '2030-01-01 08:00+00' + b * interval '1 hour', timestamptz '2030-01-01 09:00+00' + b * interval '1 hour',
       'EUR', 'confirmed'
  FROM generate_series(1, 2000) b;
SET session_replication_role = origin;
ANALYZE;
CREATE ROLE regress_bench_identity LOGIN;
SELECT booking.grant_app_role('regress_bench_identity', trusted => true) IS NULL AS granted \gset
SQL
bench() {
	cat >"$work/t.sql" <<S
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000000c0', '$1');
$2;
COMMIT;
S
	pgbench -n -U regress_bench_identity -d "$db" -c "$clients" -j 2 -T "$seconds" -M prepared -f "$work/t.sql" 2>&1 |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
echo "clients $clients, $seconds s a run: transactions per second"
echo "owner, services:     $(bench 00000000-0000-0000-0000-0000000000c1 'SELECT count(*) FROM booking.service')"
echo "student, bookings:   $(bench 00000000-0000-0000-0000-0000000000c3 'SELECT count(*) FROM booking.booking')"
echo "instructor, bookings: $(bench 00000000-0000-0000-0000-0000000000c2 'SELECT count(*) FROM booking.booking')"
dropdb "$db"
dropuser regress_bench_identity
