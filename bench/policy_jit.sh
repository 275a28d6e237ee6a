#!/usr/bin/env bash
# bench/policy_jit.sh: what a member's query costs through the row-level
# security policies, with JIT on and off.
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/policy_jit.sh [ORGS] [BOOKINGS]
#
# Creates its own database (booking_bench_jit, dropped at the end) with ORGS
# (default 10) orgs of BOOKINGS (default 20000) session bookings each, a
# payment, an invoice and a history row per booking, loaded without
# triggers.  Then, as a trusted application role, a student (1 client of
# 2000) and a facilitator (every booking of their org) count the rows of
# payment, invoice, status_history, client, guardian and app_user, with
# jit = on (PostgreSQL's default thresholds) and jit = off, and print the
# milliseconds, the plan's total cost and the functions JIT compiled.
# lesson, trip and trip_point are measured by bench/tracking.sh.
set -eu
orgs=${1:-10}
n=${2:-20000}
db=booking_bench_jit
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
dropdb --if-exists "$db" 2>/dev/null
dropuser --if-exists regress_bench_jit_app 2>/dev/null
createdb "$db"
psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION booking CASCADE"
psql -d "$db" -v orgs="$orgs" -v n="$n" <<'SQL'
SET client_min_messages = warning;
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000000a5', 'student@bench.example', 'Student'),
  ('00000000-0000-0000-0000-0000000000a4', 'facilitator@bench.example', 'Facilitator');
INSERT INTO booking.org (id, name, time_zone, currency)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Org ' || i, 'UTC', 'EUR' FROM generate_series(1, :orgs) i;
INSERT INTO booking.membership VALUES
  ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a5', 'student'),
  ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a4', 'instructor');
SET session_replication_role = replica;
INSERT INTO booking.service (org_id, id, name, duration_minutes) SELECT id, id, 'S', 60 FROM booking.org;
INSERT INTO booking.resource (org_id, id, display_name, user_id)
SELECT id, id, 'R', CASE WHEN id = '00000000-0000-0000-0000-000000000001' THEN '00000000-0000-0000-0000-0000000000a4'::uuid END FROM booking.org;
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency)
SELECT id, id, id, id, 'W', '2030-01-01 10:00+00', '2030-01-01 11:00+00', 100000, 'EUR' FROM booking.org;
INSERT INTO booking.client (org_id, id, full_name, user_id)
SELECT o.id, md5(o.id::text || c)::uuid, 'C' || c,
       CASE WHEN c = 1 AND o.id = '00000000-0000-0000-0000-000000000001' THEN '00000000-0000-0000-0000-0000000000a5'::uuid END
  FROM booking.org o, generate_series(1, 2000) c;
INSERT INTO booking.guardian (org_id, id, full_name) SELECT org_id, id, 'G' FROM booking.client;
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id) SELECT org_id, id, id FROM booking.client;
INSERT INTO booking.booking (org_id, id, client_id, service_id, session_id, starts_at, ends_at, currency, status)
SELECT o.id, md5(o.id::text || 'b' || b)::uuid, md5(o.id::text || (1 + b % 2000))::uuid, o.id, o.id,
       '2030-01-01 10:00+00', '2030-01-01 11:00+00', 'EUR', 'confirmed'
  FROM booking.org o, generate_series(1, :n) b;
INSERT INTO booking.payment (org_id, booking_id, currency, amount_cents) SELECT org_id, id, 'EUR', 0 FROM booking.booking;
INSERT INTO booking.status_history (org_id, booking_id, to_status) SELECT org_id, id, 'confirmed' FROM booking.booking;
INSERT INTO booking.invoice (org_id, number, booking_id, currency, amount_cents) SELECT org_id, id::text, id, 'EUR', 0 FROM booking.booking;
-- Since 0.2.0 (issue 15) the rows carry who reaches them, which the
-- triggers (off for this load) would have written: filled as the update
-- fills them (this script also runs against builds before them).
-- Likewise the services' free mark (issue 17).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'booking.service'::regclass AND attname = 'free') THEN
    UPDATE booking.service SET free = true;
  END IF;
  IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'booking.client'::regclass AND attname = 'booking_resource_ids') THEN
    UPDATE booking.payment x SET booking_client_id = b.client_id, booking_resource_id = b.resource_id, booking_session_id = b.session_id
      FROM booking.booking b WHERE b.org_id = x.org_id AND b.id = x.booking_id;
    UPDATE booking.invoice x SET booking_client_id = b.client_id, booking_resource_id = b.resource_id, booking_session_id = b.session_id
      FROM booking.booking b WHERE b.org_id = x.org_id AND b.id = x.booking_id;
    UPDATE booking.status_history x SET booking_client_id = b.client_id, booking_resource_id = b.resource_id, booking_session_id = b.session_id
      FROM booking.booking b WHERE b.org_id = x.org_id AND b.id = x.booking_id;
    UPDATE booking.client c SET booking_resource_ids = coalesce(r.resources, '{}'), booking_session_ids = coalesce(r.sessions, '{}')
      FROM (SELECT org_id, client_id, array_agg(DISTINCT resource_id ORDER BY resource_id) FILTER (WHERE resource_id IS NOT NULL) AS resources,
                   array_agg(DISTINCT session_id ORDER BY session_id) FILTER (WHERE session_id IS NOT NULL) AS sessions
              FROM booking.booking GROUP BY org_id, client_id) r
     WHERE r.org_id = c.org_id AND r.client_id = c.id;
  END IF;
END $$;
SET session_replication_role = origin;
VACUUM FULL booking.payment, booking.invoice, booking.status_history, booking.client;
ANALYZE;
CREATE ROLE regress_bench_jit_app;
SELECT booking.grant_app_role('regress_bench_jit_app', trusted => true) IS NULL AS granted \gset
SQL
psql -d "$db" <<'SQL'
CREATE FUNCTION pg_temp.measure(actor text, user_id uuid) RETURNS TABLE (who text, tbl text, jit text, ms numeric, cost numeric, jit_functions int)
LANGUAGE plpgsql AS $$
DECLARE
  t text;
  j text;
  plan json;
BEGIN
  PERFORM booking.act_as('00000000-0000-0000-0000-000000000001', user_id);
  FOREACH t IN ARRAY '{payment,invoice,status_history,client,guardian,app_user}'::text[] LOOP
    PERFORM set_config('jit', 'off', true);
    EXECUTE format('SELECT count(*) FROM booking.%I', t);         -- warm the cache
    FOREACH j IN ARRAY '{on,off}'::text[] LOOP
      PERFORM set_config('jit', j, true);
      EXECUTE format('EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM booking.%I', t) INTO plan;
      RETURN QUERY SELECT actor, t, j,
        round(((plan -> 0 ->> 'Execution Time')::numeric + (plan -> 0 ->> 'Planning Time')::numeric), 1),
        round((plan -> 0 -> 'Plan' ->> 'Total Cost')::numeric),
        COALESCE((plan -> 0 -> 'JIT' ->> 'Functions')::int, 0);
    END LOOP;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.measure(text, uuid) TO regress_bench_jit_app;
SET ROLE regress_bench_jit_app;
BEGIN;
SELECT * FROM pg_temp.measure('student', '00000000-0000-0000-0000-0000000000a5');
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.measure('facilitator', '00000000-0000-0000-0000-0000000000a4');
ROLLBACK;
SQL
dropdb "$db"
dropuser regress_bench_jit_app
