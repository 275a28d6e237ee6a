-- bench/citus_data.sql: the data set of bench/citus.sh, loaded the same way
-- into a single node and into a Citus cluster (there through the
-- coordinator, after booking.distribute()), as maintenance (a superuser
-- without an identity):
--
--   psql -v orgs=K -v history=H -v instructors=N -v days=D -f bench/citus_data.sql
--
-- The solver org of bench/solver_data.sql (N instructors, D days of
-- bookings with pickups, every travel time cached), then K throughput orgs
-- (k = 1..K, ids md5('citus-org' || k) and so on): an
-- owner, a 45-minute lesson (10 minutes buffer after) with a price on the
-- default rate card, 20 instructors who work around the clock, 200 clients,
-- H confirmed bookings of 2030 as history.  Row values are
-- written out (VALUES and generate_series), so the same rows go into both
-- clusters.
SET client_min_messages = warning;
\set ON_ERROR_STOP 1
\ir solver_data.sql

INSERT INTO booking.app_user (id, email, full_name)
SELECT md5('citus-owner' || k)::uuid, 'owner' || k || '@citus.example', 'Owner ' || k FROM generate_series(1, :orgs) k;
INSERT INTO booking.org (id, name, time_zone, currency, min_notice_minutes, booking_horizon_days)
SELECT md5('citus-org' || k)::uuid, 'Citus ' || k, 'Europe/Berlin', 'EUR', 0, 3660 FROM generate_series(1, :orgs) k;
INSERT INTO booking.membership (org_id, user_id, role)
SELECT md5('citus-org' || k)::uuid, md5('citus-owner' || k)::uuid, 'owner' FROM generate_series(1, :orgs) k;
INSERT INTO booking.service (org_id, id, name, lesson_type, duration_minutes, buffer_after_minutes)
SELECT md5('citus-org' || k)::uuid, md5('citus-svc' || k)::uuid, 'Lesson', 'standard', 45, 10 FROM generate_series(1, :orgs) k;
INSERT INTO booking.rate_card (org_id, id, name, currency, is_default)
SELECT md5('citus-org' || k)::uuid, md5('citus-card' || k)::uuid, 'Standard', 'EUR', true FROM generate_series(1, :orgs) k;
INSERT INTO booking.rate_card_item (org_id, rate_card_id, service_id, price_cents)
SELECT md5('citus-org' || k)::uuid, md5('citus-card' || k)::uuid, md5('citus-svc' || k)::uuid, 5500 FROM generate_series(1, :orgs) k;
INSERT INTO booking.resource (org_id, id, display_name, license_classes)
SELECT md5('citus-org' || k)::uuid, md5('citus-res' || k || '-' || r)::uuid, 'Instructor ' || r, '{B}'
  FROM generate_series(1, :orgs) k, generate_series(0, 19) r;
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT md5('citus-org' || k)::uuid, md5('citus-res' || k || '-' || r)::uuid, d, '[00:00,24:00)'
  FROM generate_series(1, :orgs) k, generate_series(0, 19) r, generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, date_of_birth, license_type)
SELECT md5('citus-org' || k)::uuid, md5('citus-client' || k || '-' || c)::uuid, 'Student ' || c, date '2005-01-01' + c, 'B'
  FROM generate_series(1, :orgs) k, generate_series(0, 199) c;
-- history: H bookings an org, an hour apart on each instructor in 2030
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, status, currency, price_cents, resource_share_cents)
SELECT md5('citus-org' || k)::uuid, md5('citus-client' || k || '-' || (n % 200))::uuid,
       md5('citus-res' || k || '-' || (n % 20))::uuid, md5('citus-svc' || k)::uuid,
       timestamptz '2030-06-03 00:00+00' + (n / 20) * interval '1 hour',
       timestamptz '2030-06-03 00:45+00' + (n / 20) * interval '1 hour', 'confirmed', 'EUR', 5500, 5500
  FROM generate_series(1, :orgs) k, generate_series(0, :history - 1) n;

ANALYZE;
