-- Hostile objects planted on the search path before CREATE EXTENSION (in the
-- style of contrib's seg/sql/security.sql) are never called: not by the
-- install script, not by the functions, policies and triggers afterwards.
SET client_min_messages = warning;
-- (day 0 is a Monday three weeks ahead; made before the trap is laid)
\i test/sql/include/week.psql
DROP EXTENSION booking;
\i test/sql/include/hostile.psql

SET search_path = public, pg_catalog;
CREATE EXTENSION booking;
SELECT count(*) AS calls_during_install FROM public.hostile_calls;

-- exercise functions, defaults, checks, triggers and policies as a
-- non-superuser whose search_path starts with public
CREATE ROLE regress_hostile_app;
SELECT booking.grant_app_role('regress_hostile_app', trusted => true);
SELECT booking.register_user('Sec.Owner@example.com', 'Owner') AS owner_id \gset
SELECT booking.create_org('Secure', 'Europe/Berlin', 'EUR', :'owner_id') AS org_id \gset
SET ROLE regress_hostile_app;
SET search_path = public, pg_catalog;
BEGIN;
SELECT booking.act_as(:'org_id', :'owner_id');
INSERT INTO booking.service (name, duration_minutes, free) VALUES ('Lesson', 45, true);
INSERT INTO booking.resource (display_name) VALUES ('Ingo');
INSERT INTO booking.client (full_name, email) VALUES ('Stu', 'stu@example.com');
-- (no working hours, beyond the horizon: the owner overrides, saying why)
INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, override_reason)
SELECT c.id, r.id, s.id, pg_temp.at(200, '10:00'), pg_temp.at(200, '10:45'), 'EUR', 'exam day agreed by phone'
  FROM booking.client c, booking.resource r, booking.service s;
UPDATE booking.booking SET notes = 'moved';
SELECT count(*) AS bookings, bool_and(id <> '00000000-0000-0000-0000-000000000000') AS real_ids,
       bool_and(created_at > 'epoch') AS real_now FROM booking.booking;
SELECT booking.acting_is_staff(), booking.acting_has_role('owner'), cardinality(booking.my_client_ids());
INSERT INTO booking.membership (user_id, role) VALUES (:'owner_id', 'staff');
COMMIT;
RESET ROLE;
SELECT count(*) AS calls_at_run_time FROM public.hostile_calls;
-- the trap is live: an unqualified call from this search_path does hit it
SELECT now() = 'epoch' AS trapped;
SELECT what FROM public.hostile_calls;

RESET search_path;
DROP OWNED BY regress_hostile_app;
DROP ROLE regress_hostile_app;
\i test/sql/include/hostile_drop.psql
