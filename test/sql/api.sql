-- The application API of issue 19 (points 1, 2, 5) and the rate card of
-- booking.book (issue 17), as an application role acting for real members:
-- points from latitude and longitude; an org's service area (23K16, which
-- also catches swapped coordinates); book, book_first_available and
-- reschedule with what a booking has; the gravest SQLSTATE of a refusal;
-- times in messages with the org's zone; a client who is not yours and an
-- unknown client; explain_slot's repeated hour.
SET client_min_messages = warning;
SET timezone = 'UTC';
\i test/sql/include/try.psql
\i test/sql/include/week.psql

\set org '''00000000-0000-0000-0000-0000000019f0'''
\set owner '''00000000-0000-0000-0000-0000000019a1'''
\set sam '''00000000-0000-0000-0000-0000000019a2'''
\set tina '''00000000-0000-0000-0000-0000000019a3'''
\set c_sam '''00000000-0000-0000-0000-0000000019c2'''
\set c_tina '''00000000-0000-0000-0000-0000000019c3'''
\set ingo '''00000000-0000-0000-0000-0000000019b1'''
\set rita '''00000000-0000-0000-0000-0000000019b2'''
\set lesson '''00000000-0000-0000-0000-0000000019e1'''
\set intensive '''00000000-0000-0000-0000-0000000019d2'''
INSERT INTO booking.app_user (id, email, full_name) VALUES
  (:owner, 'api.owner@example.com', 'Owner'), (:sam, 'api.sam@example.com', 'Sam'), (:tina, 'api.tina@example.com', 'Tina');
-- a Berlin school serving 30 km around its base at Alexanderplatz
INSERT INTO booking.org (id, name, time_zone, currency, booking_horizon_days, service_area_center, service_area_radius_meters)
VALUES (:org, 'API School', 'Europe/Berlin', 'EUR', 3660, booking.lat_lng(lat => 52.5219, lng => 13.4132), 30000);
SELECT booking.seed_lifecycle_defaults(:org) > 0 AS rules_seeded;
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:org, :owner, 'owner'), (:org, :sam, 'student'), (:org, :tina, 'student');
INSERT INTO booking.service (org_id, id, name, duration_minutes) VALUES (:org, :lesson, 'Lesson', 60);
INSERT INTO booking.resource (org_id, id, display_name) VALUES (:org, :ingo, 'Ingo'), (:org, :rita, 'Rita');
INSERT INTO booking.client (org_id, id, full_name, user_id, active) VALUES
  (:org, :c_sam, 'Sam', :sam, true), (:org, :c_tina, 'Tina', :tina, true),
  (:org, '00000000-0000-0000-0000-0000000019c4', 'Ulla (inactive)', NULL, false);
-- Ingo: 08:00-18:00, one booking a day; Rita: around the clock, no maximum
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, max_bookings_per_day)
SELECT :org, :ingo, d, '[08:00,18:00)', 1 FROM generate_series(1, 7) d;
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :org, :rita, d, '[00:00,24:00)' FROM generate_series(1, 7) d;
INSERT INTO booking.rate_card (org_id, id, name, currency, is_default) VALUES
  (:org, '00000000-0000-0000-0000-0000000019d1', 'Standard', 'EUR', true), (:org, :intensive, 'Intensive course', 'EUR', false);
INSERT INTO booking.rate_card_item (org_id, rate_card_id, service_id, price_cents) VALUES
  (:org, '00000000-0000-0000-0000-0000000019d1', :lesson, 5000), (:org, :intensive, :lesson, 4200);

CREATE ROLE regress_api_app;
SELECT booking.grant_app_role('regress_api_app', trusted => true);
-- what the role does, as one member: pg_temp.as_(user, statement) -> try
CREATE FUNCTION pg_temp.as_(member uuid, cmd text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM booking.act_as('00000000-0000-0000-0000-0000000019f0', member);
  RETURN pg_temp.try(cmd);
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.as_(uuid, text) TO PUBLIC;
SET ROLE regress_api_app;

-- 1. booking.lat_lng: a checked point; bad input names its argument.
SELECT round(ST_Y(p::geometry)::numeric, 4) AS lat, round(ST_X(p::geometry)::numeric, 4) AS lng, ST_SRID(p) AS srid
  FROM (SELECT booking.lat_lng(lat => 52.52, lng => 13.405) AS p) x;
SELECT booking.lat_lng(lat => NULL, lng => NULL) IS NULL AS both_null_is_null;
SELECT label, pg_temp.try(cmd) AS result
  FROM (VALUES ('latitude above 90', $$SELECT booking.lat_lng(lat => 91, lng => 13.4)$$),
               ('longitude below -180', $$SELECT booking.lat_lng(lat => 52.5, lng => -180.5)$$),
               ('NaN latitude', $$SELECT booking.lat_lng(lat => 'NaN', lng => 13.4)$$),
               ('infinite longitude', $$SELECT booking.lat_lng(lat => 52.5, lng => 'Infinity')$$),
               ('latitude missing', $$SELECT booking.lat_lng(lat => NULL, lng => 13.4)$$)) AS t(label, cmd);

-- 2. The service area.  Swapped coordinates (lat 13.4, lng 52.5: near
-- Yemen) are refused by the write path with 23K16, whatever the path, and
-- nothing is written; the solver offers no slot for them.
SELECT label, pg_temp.as_(:sam, cmd) AS result
  FROM (VALUES
    ('book, swapped pickup', format($$SELECT booking.book(%L, %L, %L, %L, pickup_point => booking.lat_lng(lat => 13.4, lng => 52.5))$$,
                                   :c_sam, :lesson, pg_temp.at(0, '10:00'), :rita)),
    ('book, dropoff in Hamburg', format($$SELECT booking.book(%L, %L, %L, %L, pickup_point => booking.lat_lng(lat => 52.52, lng => 13.40),
                                                             dropoff_point => booking.lat_lng(lat => 53.55, lng => 9.99))$$,
                                        :c_sam, :lesson, pg_temp.at(0, '10:00'), :rita)),
    ('book, latitude 95', format($$SELECT booking.book(%L, %L, %L, %L, pickup_point => booking.lat_lng(lat => 95, lng => 13.4))$$,
                               :c_sam, :lesson, pg_temp.at(0, '10:00'), :rita)),
    ('plain INSERT, swapped', format($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency, pickup_point)
                                      VALUES (%L, %L, %L, %L, %L, 'EUR', booking.lat_lng(lat => 13.4, lng => 52.5))$$,
                                     :c_sam, :rita, :lesson, pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'))),
    ('book_first_available, swapped', format($$SELECT booking.book_first_available(%L, tstzrange(%L, %L), booking.lat_lng(lat => 13.4, lng => 52.5))$$,
                                             :lesson, pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')))) AS t(label, cmd);
RESET ROLE;
SELECT count(*) AS bookings_written FROM booking.booking WHERE org_id = :org;
SET ROLE regress_api_app;
BEGIN;
SELECT booking.act_as(:org, :sam) IS NOT NULL AS acting;
SELECT (SELECT count(*) FROM booking.available_slots(:rita, :lesson, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '12:00')),
                                                     pickup_point => booking.lat_lng(lat => 52.50, lng => 13.40))) AS slots_in_berlin,
       (SELECT count(*) FROM booking.available_slots(:rita, :lesson, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '12:00')),
                                                     pickup_point => booking.lat_lng(lat => 13.40, lng => 52.50))) AS slots_swapped,
       (SELECT count(*) FROM booking.find_slots(:lesson, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '12:00')),
                                                pickup_point => booking.lat_lng(lat => 52.50, lng => 13.40))) > 0 AS find_slots_in_berlin,
       (SELECT count(*) FROM booking.find_slots(:lesson, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '12:00')),
                                                pickup_point => booking.lat_lng(lat => 13.40, lng => 52.50))) AS find_slots_swapped;
SELECT reason, detail FROM booking.explain_slot(:rita, :lesson, pg_temp.at(0, '10:00'),
                                                pickup_point => booking.lat_lng(lat => 13.4, lng => 52.5));
COMMIT;
-- a polygon instead: a box over the city centre (Potsdam is outside)
RESET ROLE;
UPDATE booking.org SET service_area_center = NULL, service_area_radius_meters = NULL,
       service_area_polygon = 'SRID=4326;POLYGON((13.2 52.4, 13.6 52.4, 13.6 52.6, 13.2 52.6, 13.2 52.4))'
 WHERE id = :org;
SELECT pg_temp.try($$UPDATE booking.org SET service_area_polygon = 'SRID=4326;POINT(13.4 52.5)' WHERE id = '00000000-0000-0000-0000-0000000019f0'$$) AS a_point_is_no_area,
       pg_temp.try($$UPDATE booking.org SET service_area_radius_meters = 1000 WHERE id = '00000000-0000-0000-0000-0000000019f0'$$) AS radius_without_centre;
SET ROLE regress_api_app;
BEGIN;
SELECT booking.act_as(:org, :sam) IS NOT NULL AS acting;
SELECT (SELECT count(*) FROM booking.available_slots(:rita, :lesson, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '12:00')),
                                                     pickup_point => booking.lat_lng(lat => 52.39, lng => 13.06))) AS slots_in_potsdam,
       (SELECT count(*) FROM booking.available_slots(:rita, :lesson, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '12:00')),
                                                     pickup_point => booking.lat_lng(lat => 52.50, lng => 13.40))) > 0 AS slots_in_the_box;
ROLLBACK;
SELECT pg_temp.as_(:sam, format($$SELECT booking.book(%L, %L, %L, %L, pickup_point => booking.lat_lng(lat => 52.39, lng => 13.06))$$,
                                :c_sam, :lesson, pg_temp.at(0, '10:00'), :rita)) AS book_in_potsdam;

-- 3. book_first_available takes what a booking has; book takes a rate card
-- (default: the org's default card).
BEGIN;
SELECT booking.act_as(:org, :sam) IS NOT NULL AS acting;
SELECT resource_id = :ingo AS ingo_first_by_id, client_id = :c_sam AS for_sam, pickup_address, dropoff_address, notes,
       ST_Y(dropoff_point::geometry) AS dropoff_lat, hold_expires_at > now() AS held, price_cents, status
  FROM booking.book_first_available(service_id => :lesson, during => tstzrange(pg_temp.at(1, '08:00'), pg_temp.at(1, '09:00')),
                                    pickup_point => booking.lat_lng(lat => 52.50, lng => 13.40),
                                    pickup_address => 'Alexanderplatz 1', dropoff_point => booking.lat_lng(lat => 52.51, lng => 13.38),
                                    dropoff_address => 'Potsdamer Platz', notes => 'first lesson', hold_minutes => 30,
                                    idempotency_key => 'api-bfa-1');
-- Another card than the default: staff only (below staff it would choose
-- one's own price).
SELECT pg_temp.try(format($$SELECT booking.book(%L, %L, %L, %L, rate_card_id => %L)$$, :c_sam, :lesson, pg_temp.at(2, '10:00'), :rita,
                          :intensive)) AS student_names_a_card;
SELECT booking.act_as(:org, :owner) IS NOT NULL AS acting;
SELECT price_cents, rate_card_id = :intensive AS intensive_card
  FROM booking.book(:c_sam, :lesson, pg_temp.at(2, '10:00'), :rita, rate_card_id => :intensive);
SELECT booking.act_as(:org, :sam) IS NOT NULL AS acting;
SELECT price_cents, rate_card_id IS NOT NULL AS default_card
  FROM booking.book(:c_sam, :lesson, pg_temp.at(2, '12:00'), :rita);
SELECT pg_temp.try(format($$SELECT booking.book(%L, %L, %L, %L, rate_card_id => %L)$$, :c_sam, :lesson, pg_temp.at(2, '14:00'), :rita,
                          '00000000-0000-0000-0000-0000000019ff')) AS unknown_card;
COMMIT;

-- 4. reschedule: a new resource and a new pickup, judged by the write
-- path's rules; what it is not given stays.
BEGIN;
SELECT booking.act_as(:org, :owner) IS NOT NULL AS acting;
SELECT id AS moved FROM booking.booking WHERE org_id = :org AND starts_at = pg_temp.at(2, '10:00') \gset
SELECT resource_id = :ingo AS now_ingo, starts_at = pg_temp.at(2, '10:00') AS same_time, pickup_address,
       round(ST_Y(pickup_point::geometry)::numeric, 2) AS pickup_lat, reschedule_reason
  FROM booking.reschedule(:'moved', resource_id => :ingo, pickup_point => booking.lat_lng(lat => 52.45, lng => 13.30),
                          pickup_address => 'Steglitz', reason => 'Rita is ill');
-- a move to another resource is a reschedule in the history and the outbox
SELECT h.reason, h.metadata ->> 'event' AS event, (h.metadata ->> 'from_resource_id')::uuid = :rita AS from_rita,
       (h.metadata ->> 'resource_id')::uuid = :ingo AS to_ingo
  FROM booking.status_history h WHERE h.booking_id = :'moved' AND h.metadata ->> 'event' = 'rescheduled';
SELECT count(*) AS rescheduled_events FROM booking.outbox o
 WHERE o.topic = 'booking.rescheduled' AND (o.payload ->> 'booking_id')::uuid = :'moved';
SELECT pg_temp.try(format($$SELECT booking.reschedule(%L, pickup_point => booking.lat_lng(lat => 13.3, lng => 52.45))$$, :'moved')) AS swapped_pickup,
       regexp_replace(pg_temp.try(format($$SELECT booking.reschedule(%L, starts_at => %L, resource_id => %L)$$, :'moved', pg_temp.at(2, '12:30'), :rita)),
                      '\d{4}-\d\d-\d\d ', '') AS onto_another_booking,
       pg_temp.try(format($$SELECT booking.reschedule(%L)$$, :'moved')) AS nothing_given;
SELECT resource_id = :ingo AS still_ingo, pickup_address FROM booking.booking WHERE id = :'moved';
COMMIT;

-- 5. The gravest reason gives the SQLSTATE.  Ingo takes one booking a day
-- and has one on day 2 (the one just moved, 10:00-11:00): Tina at 10:30 is
-- refused for the overlap (23P01, which nobody may override), not for the
-- daily maximum (23K13, which an admin may).  The message carries the
-- org's local time with its zone.
SELECT regexp_replace(pg_temp.as_(:tina, format($$SELECT booking.book(%L, %L, %L, %L)$$, :c_tina, :lesson, pg_temp.at(2, '10:30'), :ingo)),
                      '\d{4}-\d\d-\d\d ', '') AS overlap_on_a_full_day;
CREATE FUNCTION pg_temp.detail_of(member uuid, cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  PERFORM booking.act_as('00000000-0000-0000-0000-0000000019f0', member);
  EXECUTE cmd;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ' / ' || d;
END $$;
SELECT m LIKE '23P01:%' AS overlap_state, m ~ 'daily maximum of 1 bookings reached' AS daily_maximum_listed,
       m ~ 'cannot be booked at \d{4}-\d\d-\d\d 10:30 CES?T / ' AS start_with_zone,
       m ~ 'conflicts with booking from \d{4}-\d\d-\d\d 10:00 CES?T to \d{4}-\d\d-\d\d 11:00 CES?T' AS times_with_zone
  FROM pg_temp.detail_of(:tina, format($$SELECT booking.book(%L, %L, %L, %L)$$, :c_tina, :lesson, pg_temp.at(2, '10:30'), :ingo)) AS m;

-- An inactive client (not eligible: nobody may override it) at 10:05, off
-- the 15-minute grid (which an admin may override): 23K04, not 23K10.
SELECT regexp_replace(pg_temp.as_(:owner, format($$SELECT booking.book(%L, %L, %L, %L)$$, '00000000-0000-0000-0000-0000000019c4',
                                                 :lesson, pg_temp.at(3, '10:05'), :rita)),
                      '\d{4}-\d\d-\d\d ', '') AS ineligible_off_grid;

-- 6. A client who is not yours, and an unknown client: their own errors.
SELECT label, pg_temp.as_(who, cmd) AS result
  FROM (VALUES
    ('Sam books for Tina', :sam::uuid, format($$SELECT booking.book(%L, %L, %L, %L)$$, :c_tina, :lesson, pg_temp.at(3, '10:00'), :rita)),
    ('Sam asks slots for Tina', :sam::uuid, format($$SELECT count(*) FROM booking.available_slots(%L, %L, tstzrange(%L, %L), client_id => %L)$$,
                                                   :rita, :lesson, pg_temp.at(3, '08:00'), pg_temp.at(3, '12:00'), :c_tina)),
    ('the owner books an unknown client', :owner::uuid, format($$SELECT booking.book(%L, %L, %L, %L)$$,
                                                               '00000000-0000-0000-0000-0000000019cf', :lesson, pg_temp.at(3, '10:00'), :rita)),
    ('Sam books an unknown client', :sam::uuid, format($$SELECT booking.book(%L, %L, %L, %L)$$,
                                                       '00000000-0000-0000-0000-0000000019cf', :lesson, pg_temp.at(3, '10:00'), :rita))) AS t(label, who, cmd);

-- 7. Life-cycle errors print times in the org's zone (CET or CEST: the
-- regression's DateStyle is Postgres), not the session's (UTC here), and
-- leave the session's TimeZone as it was.
BEGIN;
SELECT booking.act_as(:org, :owner) IS NOT NULL AS acting;
SELECT status FROM booking.transition(:'moved', 'confirmed');
SELECT m ~ '^55000: too early' AS too_early,
       m ~ 'allows it from \w{3} \w{3} \d\d 10:00:00 \d{4} CES?T \(not_before "start"\); it is now .* CES?T\.$' AS times_in_berlin_time,
       m !~ 'UTC' AS no_utc_time
  FROM pg_temp.detail_of(:owner, format($$SELECT booking.transition(%L, 'completed')$$, :'moved')) AS m;
SELECT current_setting('TimeZone') AS session_zone_kept;
COMMIT;

-- 8. explain_slot on the autumn night: next year's last Sunday of October,
-- clocks go back from 03:00 CEST to 02:00 CET.  The first 02:45 (CEST,
-- 00:45 UTC) is not on the grid, and the reason says why; the second
-- (CET, 01:45 UTC) is bookable.
CREATE TEMP TABLE fall AS
SELECT max(d)::date AS day FROM generate_series(make_date(extract(year FROM now())::int + 1, 10, 1),
                                                make_date(extract(year FROM now())::int + 1, 10, 31), '1 day') d
 WHERE extract(isodow FROM d) = 7;
BEGIN;
SELECT booking.act_as(:org, :owner) IS NOT NULL AS acting;
SELECT pass, reason, regexp_replace(detail, '\d{4}-\d\d-\d\d ', '', 'g') AS detail
  FROM fall, LATERAL (VALUES ('first 02:45', (day + time '00:45') AT TIME ZONE 'UTC'),
                             ('second 02:45', (day + time '01:45') AT TIME ZONE 'UTC')) AS p(pass, t),
       LATERAL booking.explain_slot(:rita, :lesson, t)
 ORDER BY pass;
COMMIT;

RESET ROLE;
DELETE FROM booking.org WHERE id = :org;
REVOKE ALL ON SCHEMA booking FROM regress_api_app;
DROP OWNED BY regress_api_app;
DROP ROLE regress_api_app;
