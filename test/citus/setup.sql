-- test/citus/setup.sql: the data of test/citus.sh, written through the
-- coordinator as the application role (regress_citus_app) with act_as, as
-- an application does: the README's getting started for org a, then the
-- same cast in orgs a, b and c (owner, admin, staff, instructor, student,
-- guardian), an instructor working every day 00:00-24:00 and a client.
-- Times in the week of test/sql/include/week.psql, never printed.
\set ON_ERROR_STOP 1
\i test/sql/include/week.psql
CREATE TEMP TABLE cast_member (o text, role text, user_id uuid, PRIMARY KEY (o, role));
CREATE TEMP TABLE org_ids (o text PRIMARY KEY, org_id uuid);
GRANT ALL ON cast_member, org_ids TO regress_citus_app;
SET ROLE regress_citus_app;

-- The README's "Getting started", as written there (org a's owner is ann).
SELECT booking.register_user('ann@example.com', 'Ann Owner') AS ann \gset
SELECT booking.create_org('Fahrschule Spree', 'Europe/Berlin', 'EUR', :'ann') AS org \gset
BEGIN;                                   -- as the application role
SELECT booking.act_as(:'org', :'ann');   -- identity for this transaction only
INSERT INTO booking.service (name, duration_minutes, buffer_after_minutes) VALUES ('Lesson', 45, 10);
INSERT INTO booking.resource (display_name, license_classes) VALUES ('Ingo', '{B}');
INSERT INTO booking.working_hours (resource_id, weekday, hours, break)
SELECT id, 1, '[08:00,17:00)', '[12:00,13:00)' FROM booking.resource;
COMMIT;
INSERT INTO org_ids VALUES ('a', :'org');
INSERT INTO cast_member VALUES ('a', 'owner', :'ann');

-- Orgs b and c (b with a slug; a second org may not take it).
SELECT booking.register_user('owner.b@example.com', 'Owner b') AS u \gset
INSERT INTO cast_member VALUES ('b', 'owner', :'u');
INSERT INTO org_ids SELECT 'b', booking.create_org('Org b', 'Europe/Berlin', 'EUR', :'u', slug => 'org-b');
SELECT booking.register_user('owner.c@example.com', 'Owner c') AS u \gset
INSERT INTO cast_member VALUES ('c', 'owner', :'u');
INSERT INTO org_ids SELECT 'c', booking.create_org('Org c', 'America/New_York', 'USD', :'u', slug => 'org-c');
INSERT INTO cast_member
SELECT o, r, booking.register_user(r || '.' || o || '@example.com', r || ' ' || o)
  FROM (VALUES ('a'), ('b'), ('c')) v(o), (VALUES ('admin'), ('staff'), ('instructor'), ('student'), ('guardian')) w(r);
