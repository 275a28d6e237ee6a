-- Privacy by role in the solver (issue 14): below staff (and other than the
-- resource's own user), explain_slot's reasons, check_slot's refusals and
-- find_slots' travel columns and score carry no minutes derived from other
-- people's bookings; travel still decides what is bookable.  A student
-- probes from a grid of chosen pickup points for a start right after
-- another client's lesson, to trilaterate that client's dropoff, and learns
-- nothing but whether the slot is bookable; staff keep the figures.
SET client_min_messages = warning;
SET timezone = 'UTC';

\set org '''00000000-0000-0000-0000-0000000016f0'''
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000016a1', 'privacy.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-0000000016a2', 'privacy.sam@example.com', 'Sam Student'),
  ('00000000-0000-0000-0000-0000000016a3', 'privacy.ingo@example.com', 'Ingo');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES (:org, 'Privacy School', 'UTC', 'EUR');
SELECT booking.seed_lifecycle_defaults(:org) > 0 AS rules_seeded;
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:org, '00000000-0000-0000-0000-0000000016a1', 'owner'),
  (:org, '00000000-0000-0000-0000-0000000016a2', 'student'),
  (:org, '00000000-0000-0000-0000-0000000016a3', 'instructor');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:org, '00000000-0000-0000-0000-0000000016e1', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name, user_id)
VALUES (:org, '00000000-0000-0000-0000-0000000016b1', 'Ingo', '00000000-0000-0000-0000-0000000016a3');
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES
  (:org, '00000000-0000-0000-0000-0000000016c1', 'Sam', '00000000-0000-0000-0000-0000000016a2'),
  (:org, '00000000-0000-0000-0000-0000000016c2', 'Olga', NULL);
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :org, '00000000-0000-0000-0000-0000000016b1', d, '[06:00,20:00)' FROM generate_series(1, 7) d;

-- Olga's lesson ten days ahead, 10:00-11:00, dropped off at her home (the
-- secret); the probe asks about 11:00, right after it.
CREATE TABLE pg_temp.probe_day AS SELECT (date_trunc('day', now()) + interval '10 days')::date AS day;
GRANT SELECT ON pg_temp.probe_day TO PUBLIC;
CREATE FUNCTION pg_temp.at(t time) RETURNS timestamptz LANGUAGE sql
  AS $$ SELECT (d.day + t) AT TIME ZONE 'UTC' FROM pg_temp.probe_day d $$;
GRANT EXECUTE ON FUNCTION pg_temp.at(time) TO PUBLIC;
-- pickups: a 5 x 5 grid around the city, 2 to 20 km from the secret
CREATE TABLE pg_temp.pickup AS
SELECT i, j, format('SRID=4326;POINT(%s %s)', 13.30 + 0.05 * i, 52.45 + 0.03 * j)::geography AS p
  FROM generate_series(0, 4) i, generate_series(0, 4) j;
GRANT SELECT ON pg_temp.pickup TO PUBLIC;
-- refusal(start, pickup): the SQLSTATE and detail of Sam's lesson there
CREATE FUNCTION pg_temp.refusal(t timestamptz, p geography) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, pickup_point)
  VALUES ('00000000-0000-0000-0000-0000000016c1', '00000000-0000-0000-0000-0000000016b1', '00000000-0000-0000-0000-0000000016e1',
          t, t + interval '1 hour', 'EUR', p);
  RAISE EXCEPTION 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || coalesce(NULLIF(d, ''), SQLERRM);
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.refusal(timestamptz, geography) TO PUBLIC;

CREATE ROLE regress_privacy_app;
SELECT booking.grant_app_role('regress_privacy_app', trusted => true);
SET ROLE regress_privacy_app;

BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-0000000016a1') IS NOT NULL AS acting;
INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, pickup_point, dropoff_point)
VALUES ('00000000-0000-0000-0000-0000000016c2', '00000000-0000-0000-0000-0000000016b1', '00000000-0000-0000-0000-0000000016e1',
        pg_temp.at('10:00'), pg_temp.at('11:00'), 'EUR', 'SRID=4326;POINT(13.41 52.52)', 'SRID=4326;POINT(13.47 52.49)');
COMMIT;

-- 1. The probe, as Sam: explain_slot at 11:00 from each of the 25 pickups.
-- Every answer is the same sentence, with no minutes in it.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-0000000016a2') IS NOT NULL AS acting;
SELECT e.reason, e.detail, e.booking_id IS NULL AS booking_hidden, count(*) AS pickups
  FROM pg_temp.pickup q,
       LATERAL booking.explain_slot('00000000-0000-0000-0000-0000000016b1', '00000000-0000-0000-0000-0000000016e1',
                                    pg_temp.at('11:00'), q.p) e
 GROUP BY 1, 2, 3 ORDER BY 1, 2;
-- find_slots from each pickup: the travel columns are empty and the score
-- is the idle time alone, so neither figures nor ranking depend on travel;
-- only which starts are bookable does.
SELECT count(*) > 0 AS slots, count(*) FILTER (WHERE s.travel_minutes_before IS NOT NULL OR s.travel_minutes_after IS NOT NULL) AS with_travel,
       count(*) FILTER (WHERE s.score <> s.idle_minutes) AS scored_by_travel
  FROM pg_temp.pickup q,
       LATERAL booking.find_slots('00000000-0000-0000-0000-0000000016e1', tstzrange(pg_temp.at('06:00'), pg_temp.at('20:00')), q.p) s;
-- the write path's refusal of a lesson at 11:00 says what is missing, not
-- how far away the lesson before is
SELECT pg_temp.refusal(pg_temp.at('11:00'), 'SRID=4326;POINT(13.30 52.45)') AS refusal;
COMMIT;

-- 2. The same probe as the owner (staff) and as Ingo (the resource's own
-- user): the figures are there, and they differ from pickup to pickup (what
-- would locate the dropoff).
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-0000000016a1') IS NOT NULL AS acting;
SELECT count(DISTINCT e.detail) > 10 AS details_differ, bool_and(e.detail ~ '\d+ minutes driving') AS with_minutes,
       bool_and(e.booking_id IS NOT NULL) AS booking_named
  FROM pg_temp.pickup q,
       LATERAL booking.explain_slot('00000000-0000-0000-0000-0000000016b1', '00000000-0000-0000-0000-0000000016e1',
                                    pg_temp.at('11:00'), q.p) e;
SELECT count(*) FILTER (WHERE s.travel_minutes_before IS NOT NULL) > 0 AS with_travel
  FROM pg_temp.pickup q,
       LATERAL booking.find_slots('00000000-0000-0000-0000-0000000016e1', tstzrange(pg_temp.at('06:00'), pg_temp.at('20:00')), q.p) s;
COMMIT;
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-0000000016a3') IS NOT NULL AS acting;
SELECT count(DISTINCT e.detail) > 10 AS details_differ, bool_and(e.detail ~ '\d+ minutes driving') AS with_minutes
  FROM pg_temp.pickup q,
       LATERAL booking.explain_slot('00000000-0000-0000-0000-0000000016b1', '00000000-0000-0000-0000-0000000016e1',
                                    pg_temp.at('11:00'), q.p) e;
COMMIT;

RESET ROLE;
DELETE FROM booking.org WHERE id = :org;
DELETE FROM booking.app_user WHERE id IN ('00000000-0000-0000-0000-0000000016a1', '00000000-0000-0000-0000-0000000016a2',
                                          '00000000-0000-0000-0000-0000000016a3');
DROP OWNED BY regress_privacy_app;
DROP ROLE regress_privacy_app;
