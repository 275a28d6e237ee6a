-- bench/write_setup.sql: the data set of the write-path benches
-- (write_throughput.sh, write_cpu.sh), loaded into an empty database.
--
-- One org (Europe/Berlin) with its owner, one 45-minute service with a
-- 10-minute buffer after, 200 instructors who work 08:00-18:00 every day,
-- 1,000 students with a date of birth, a license type and a guardian who
-- gave consent, and a license rule that checks all of it.  The schema
-- bench holds an unconstrained copy of booking.booking (bench.plain) and
-- the sequences that number each run's rows.
SET client_min_messages = warning;
CREATE EXTENSION booking CASCADE;
ALTER DATABASE :"DBNAME" SET track_functions = 'all';
CREATE SCHEMA bench;
INSERT INTO booking.app_user (id, email, full_name) VALUES ('00000000-0000-0000-0000-00000000bb01', 'owner@tp.example', 'Owner');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES ('00000000-0000-0000-0000-00000000bb00', 'Throughput', 'Europe/Berlin', 'EUR');
INSERT INTO booking.membership (org_id, user_id, role) VALUES ('00000000-0000-0000-0000-00000000bb00', '00000000-0000-0000-0000-00000000bb01', 'owner');
INSERT INTO booking.service (org_id, id, name, lesson_type, duration_minutes, buffer_after_minutes) VALUES
  ('00000000-0000-0000-0000-00000000bb00', '00000000-0000-0000-0000-00000000bb51', 'Lesson', 'standard', 45, 10);
-- Since 0.2.0 a service without a price is booked only if marked free
-- (issue 17); builds before have no such column (bench/before_after.sh).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'booking.service'::regclass AND attname = 'free') THEN
    UPDATE booking.service SET free = true;
  END IF;
END $$;
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
CREATE SEQUENCE bench.n_floor;
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
