-- test/citus/org.sql: org :o's cast, resource, hours, client (run by
-- test/citus.sh for a, b and c, as the application role).
\set ON_ERROR_STOP 1
SELECT org_id AS org FROM org_ids WHERE o = :'o' \gset
SELECT user_id AS owner FROM cast_member WHERE o = :'o' AND role = 'owner' \gset
-- The cast's memberships as a maintenance write (the superuser, no
-- identity): enrolment by invitation is not what this suite tests.
-- (VALUES, not INSERT ... SELECT from the session's temporary table: Citus
-- copies such rows with COPY, which row-level security refuses.)  New
-- members on a distributed install: the writer says it refreshes the users'
-- member_org_ids on the coordinator, and does (README, "Identity").
RESET ROLE;
BEGIN;
SET LOCAL booking.membership_refresh = on;
SELECT format('INSERT INTO booking.membership (org_id, user_id, role) VALUES (%L, %L, %L)', :'org', user_id, role)
  FROM cast_member WHERE o = :'o' AND role <> 'owner' \gexec
SELECT booking.refresh_member_orgs(array_agg(user_id)) > 0 AS refreshed FROM cast_member WHERE o = :'o' \gset
COMMIT;
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'org', :'owner') IS NOT NULL AS acting \gset
UPDATE booking.org SET min_notice_minutes = 0, booking_horizon_days = 3660 WHERE id = :'org';
INSERT INTO booking.service (name, duration_minutes) VALUES ('Lesson ' || :'o', 60) RETURNING id AS svc \gset
-- a price (a service without one is refused, 23M01): the pricing trigger
-- reads the org's rate card on the worker
INSERT INTO booking.rate_card (name, currency, is_default) VALUES ('Standard', 'EUR', true) RETURNING id AS card \gset
INSERT INTO booking.rate_card_item (rate_card_id, service_id, price_cents) VALUES (:'card', :'svc', 5500);
SELECT user_id AS instructor FROM cast_member WHERE o = :'o' AND role = 'instructor' \gset
SELECT user_id AS student FROM cast_member WHERE o = :'o' AND role = 'student' \gset
SELECT user_id AS guardian FROM cast_member WHERE o = :'o' AND role = 'guardian' \gset
INSERT INTO booking.resource (display_name, user_id) VALUES ('Instructor ' || :'o', :'instructor');
SELECT id AS res FROM booking.resource WHERE org_id = :'org' AND display_name = 'Instructor ' || :'o' \gset
SELECT format('INSERT INTO booking.working_hours (resource_id, weekday, hours) VALUES (%L, %s, %L)', :'res', d, '[00:00,24:00)')
  FROM generate_series(1, 7) d \gexec
INSERT INTO booking.client (full_name, user_id, date_of_birth, license_type)
VALUES ('Student ' || :'o', :'student', '2000-01-01', 'B');
INSERT INTO booking.guardian (full_name, user_id) VALUES ('Parent ' || :'o', :'guardian');
SELECT id AS client FROM booking.client WHERE org_id = :'org' \gset
SELECT id AS guardian_row FROM booking.guardian WHERE org_id = :'org' \gset
INSERT INTO booking.client_guardian (client_id, guardian_id) VALUES (:'client', :'guardian_row');
COMMIT;
