-- booking.find_slots paged (issue 19): pages after a cursor concatenate to
-- the unpaged list, the first k are its first k, the order is (score,
-- start, resource) with ties of score and start across resources and
-- resource ids on both sides of 0x7f, on next year's daylight-saving days
-- in Berlin; a cursor is bound to its query; bad page sizes and cursors
-- are refused.  Dates are next year's, so the output does not depend on
-- the day the test runs; times are shown local.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\i test/sql/include/try.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000039a1', 'admin.paged@example.com', 'Admin');
INSERT INTO booking.org (id, name, time_zone, currency, min_notice_minutes, booking_horizon_days, slot_step_minutes)
VALUES ('00000000-0000-0000-0000-000000003901', 'Paged', 'Europe/Berlin', 'EUR', 0, 730, 30);
INSERT INTO booking.membership (org_id, user_id, role)
VALUES ('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-0000000039a1', 'admin');
INSERT INTO booking.service (org_id, id, name, duration_minutes, buffer_after_minutes) VALUES
  ('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-0000000039f1', 'Lesson', 60, 0),
  ('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-0000000039f2', 'Long lesson', 90, 15);
INSERT INTO booking.client (org_id, id, full_name) VALUES
  ('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-0000000039c1', 'Client One'),
  ('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-0000000039c2', 'Client Two');
-- five resources whose ids sort as unsigned bytes (0x00 < 0x7f < 0x80 < 0xff)
INSERT INTO booking.resource (org_id, id, display_name) VALUES
  ('00000000-0000-0000-0000-000000003901', 'ff000000-0000-0000-0000-000000003901', 'R ff'),
  ('00000000-0000-0000-0000-000000003901', '80000000-0000-0000-0000-000000003901', 'R 80'),
  ('00000000-0000-0000-0000-000000003901', '7f000000-0000-0000-0000-000000003901', 'R 7f'),
  ('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-000000003911', 'R 00'),
  ('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-000000003912', 'R 00b');
-- the same hours for all (ties), 01:00-05:00 over the change of the clocks
-- and 08:00-12:00 with a break
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, break, travel_buffer_minutes)
SELECT r.org_id, r.id, wd, h::booking.timerange, b::booking.timerange, 0
  FROM booking.resource r, generate_series(1, 7) wd,
       (VALUES ('[01:00,05:00)', NULL), ('[08:00,12:00)', '[10:00,10:30)')) AS w(h, b)
 WHERE r.org_id = '00000000-0000-0000-0000-000000003901';

-- next year's change days in Berlin and the days around them
CREATE TEMP TABLE dst AS
WITH y AS (SELECT extract(year FROM now())::int + 1 AS y),
sundays AS (SELECT d::date AS d FROM y, generate_series(make_date(y, 1, 1), make_date(y, 12, 31), '1 day') d
             WHERE extract(isodow FROM d) = 7)
SELECT (SELECT max(d) FROM sundays WHERE extract(month FROM d) = 3) AS spring,
       (SELECT max(d) FROM sundays WHERE extract(month FROM d) = 10) AS fall;
GRANT SELECT ON dst TO PUBLIC;
-- bookings with pickups on the change days, so that scores differ by
-- resource and day (idle and travel)
SELECT booking.act_as('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-0000000039a1');
INSERT INTO booking.booking (org_id, resource_id, service_id, client_id, starts_at, ends_at, status, currency, pickup_point)
SELECT '00000000-0000-0000-0000-000000003901', r, '00000000-0000-0000-0000-0000000039f1', '00000000-0000-0000-0000-0000000039c1',
       (d + t::time) AT TIME ZONE 'Europe/Berlin', (d + t::time) AT TIME ZONE 'Europe/Berlin' + interval '1 hour', 'confirmed', 'EUR',
       ST_Point(13.30 + k * 0.02, 52.50, 4326)::geography
  FROM dst, LATERAL (VALUES
    ('ff000000-0000-0000-0000-000000003901'::uuid, spring, '09:00', 1),
    ('7f000000-0000-0000-0000-000000003901'::uuid, spring, '03:30', 2),
    ('00000000-0000-0000-0000-000000003911'::uuid, spring - 1, '08:30', 3),
    ('80000000-0000-0000-0000-000000003901'::uuid, fall, '02:00', 4),
    ('00000000-0000-0000-0000-000000003912'::uuid, fall, '11:00', 5),
    ('ff000000-0000-0000-0000-000000003901'::uuid, fall + 1, '01:30', 1)) AS v(r, d, t, k);

CREATE ROLE regress_paged_app;
SELECT booking.grant_app_role('regress_paged_app', true);
SET ROLE regress_paged_app;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000003901', '00000000-0000-0000-0000-0000000039a1') IS NOT NULL AS acting;

-- The requests: three days around each change day, with and without a
-- pickup, from a time inside a day.
CREATE TEMP TABLE req AS
SELECT n, tstzrange(((CASE WHEN n <= 2 THEN spring ELSE fall END) - 1 + interval '02:00') AT TIME ZONE 'Europe/Berlin',
                    ((CASE WHEN n <= 2 THEN spring ELSE fall END) + 2)::timestamp AT TIME ZONE 'Europe/Berlin') AS during,
       CASE WHEN n % 2 = 1 THEN ST_Point(13.31, 52.51, 4326)::geography END AS pickup
  FROM dst, generate_series(1, 4) n;

-- Every slot (page_size => NULL), numbered in the order returned.
CREATE TEMP TABLE unpaged AS
SELECT q.n AS req, row_number() OVER (PARTITION BY q.n ORDER BY f.ord) AS k, f.resource_id, f.starts_at, f.score
  FROM req q, LATERAL (SELECT s.*, row_number() OVER () AS ord
                         FROM booking.find_slots('00000000-0000-0000-0000-0000000039f1', q.during, q.pickup, page_size => NULL) s) f;

-- The order is (score, start, resource), with ties of score and start
-- across resources, slots on the change days, and the same slots as
-- available_slots of each resource.
SELECT req, count(*) AS slots,
       bool_and(k = k_sorted) AS sorted_by_score_start_resource,
       count(*) FILTER (WHERE tie) AS tied_with_the_next,
       bool_or(byte_order) AS ids_tie_broken_as_unsigned_bytes,
       count(*) FILTER (WHERE (starts_at AT TIME ZONE 'Europe/Berlin')::date IN (d.spring, d.fall)) AS on_change_day,
       count(DISTINCT score) AS scores
  FROM (SELECT u.*, row_number() OVER (PARTITION BY req ORDER BY score, starts_at, resource_id) AS k_sorted,
               lead(score) OVER w = score AND lead(starts_at) OVER w = starts_at AS tie,
               lead(score) OVER w = score AND lead(starts_at) OVER w = starts_at
                 AND resource_id = '7f000000-0000-0000-0000-000000003901' AND lead(resource_id) OVER w = '80000000-0000-0000-0000-000000003901' AS byte_order
          FROM unpaged u WINDOW w AS (PARTITION BY req ORDER BY k)) x, dst d
 GROUP BY req ORDER BY req;
SELECT q.n AS req,
       (SELECT count(*) FROM ((SELECT resource_id, starts_at FROM unpaged WHERE req = q.n)
                              EXCEPT (SELECT r.id, s.starts_at FROM booking.resource r,
                                             booking.available_slots(r.id, '00000000-0000-0000-0000-0000000039f1', q.during, q.pickup) s)) x)
       + (SELECT count(*) FROM ((SELECT r.id, s.starts_at FROM booking.resource r,
                                        booking.available_slots(r.id, '00000000-0000-0000-0000-0000000039f1', q.during, q.pickup) s)
                                EXCEPT (SELECT resource_id, starts_at FROM unpaged WHERE req = q.n)) x) AS differ_from_available_slots
  FROM req q ORDER BY 1;

-- Pages of 1, 2, 3, 7 and 50, each after the page_cursor of the last row
-- of the page before, concatenate to the unpaged list.
CREATE FUNCTION pg_temp.pages(q int, page int, service uuid DEFAULT '00000000-0000-0000-0000-0000000039f1')
RETURNS TABLE (k bigint, resource_id uuid, starts_at timestamptz, score int, pages int)
LANGUAGE plpgsql AS $$
DECLARE cur text; got int; r record; rq record;
BEGIN
  SELECT * INTO rq FROM req WHERE n = q;
  k := 0; pages := 0;
  LOOP
    got := 0; pages := pages + 1;
    FOR r IN SELECT * FROM booking.find_slots(service, rq.during, rq.pickup, page_size => page, after_cursor => cur) LOOP
      got := got + 1; k := k + 1; cur := r.page_cursor;
      resource_id := r.resource_id; starts_at := r.starts_at; score := r.score;
      RETURN NEXT;
    END LOOP;
    EXIT WHEN got < page;
  END LOOP;
END $$;
SELECT q.n AS req, p.page,
       (SELECT count(*) FROM pg_temp.pages(q.n, p.page)) AS paged,
       (SELECT count(*) FROM ((SELECT k, resource_id, starts_at, score FROM pg_temp.pages(q.n, p.page))
                              EXCEPT (SELECT k, resource_id, starts_at, score FROM unpaged WHERE req = q.n)) x) AS differ
  FROM req q, (VALUES (1), (2), (3), (7), (50)) p(page)
 ORDER BY 1, 2;

-- The first k are the first k of the unpaged list.
SELECT q.n AS req, p.k AS page_size,
       (SELECT count(*) FROM (SELECT row_number() OVER () AS k, s.resource_id, s.starts_at, s.score
                                FROM booking.find_slots('00000000-0000-0000-0000-0000000039f1', q.during, q.pickup, page_size => p.k) s) f
                        JOIN unpaged u ON u.req = q.n AND u.k = f.k AND u.resource_id = f.resource_id
                                      AND u.starts_at = f.starts_at AND u.score = f.score) AS equal
  FROM req q, (VALUES (1), (4), (9)) p(k)
 ORDER BY 1, 2;
-- the default page is 50
SELECT count(*) AS default_page FROM req q, booking.find_slots('00000000-0000-0000-0000-0000000039f1', q.during, q.pickup) WHERE q.n = 1;

-- The first rows of the first request, as a reader sees them.
-- (the day as days from the spring change: the dates move with the year)
SELECT (u.starts_at AT TIME ZONE 'Europe/Berlin')::date - d.spring AS day_from_change,
       to_char(u.starts_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI') AS local_time, r.display_name, score
  FROM unpaged u JOIN booking.resource r ON r.id = u.resource_id CROSS JOIN dst d
 WHERE req = 1 AND k <= 12 ORDER BY k;

-- A cursor continues only its own query; after the last row nothing is left.
SELECT q.during AS d1, q.pickup AS p1, q2.during AS d3,
       (SELECT page_cursor FROM booking.find_slots('00000000-0000-0000-0000-0000000039f1', q.during, q.pickup, page_size => 1)) AS c1,
       (SELECT page_cursor FROM booking.find_slots('00000000-0000-0000-0000-0000000039f1', q.during, q.pickup, page_size => NULL)
         ORDER BY score DESC, starts_at DESC, resource_id DESC LIMIT 1) AS c_last
  FROM req q, req q2 WHERE q.n = 1 AND q2.n = 3 \gset
SELECT count(*) AS after_last FROM booking.find_slots('00000000-0000-0000-0000-0000000039f1', :'d1', :'p1', after_cursor => :'c_last');
SELECT what, pg_temp.try(sql) AS result FROM (VALUES
  ('same query', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, %L, after_cursor => %L)$$, :'d1', :'p1', :'c1')),
  ('same query, another page size', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, %L, page_size => 3, after_cursor => %L)$$, :'d1', :'p1', :'c1')),
  ('another range', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, %L, after_cursor => %L)$$, :'d3', :'p1', :'c1')),
  ('another pickup', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, ST_Point(13.5, 52.5, 4326)::geography, after_cursor => %L)$$, :'d1', :'c1')),
  ('no pickup', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, after_cursor => %L)$$, :'d1', :'c1')),
  ('another service', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f2', %L, %L, after_cursor => %L)$$, :'d1', :'p1', :'c1')),
  ('another client', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, %L, '00000000-0000-0000-0000-0000000039c2', after_cursor => %L)$$, :'d1', :'p1', :'c1')),
  ('another key, its hash intact', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, %L, after_cursor => %L)$$, :'d1', :'p1', overlay(:'c1' placing '0' from 10 for 1))),
  ('a damaged hash', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, %L, after_cursor => %L)$$, :'d1', :'p1', overlay(:'c1' placing (CASE WHEN right(:'c1', 1) = '0' THEN '1' ELSE '0' END) from length(:'c1') for 1))),
  ('not a cursor', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, %L, after_cursor => 'page 2')$$, :'d1', :'p1')),
  ('not hex', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, %L, after_cursor => %L)$$, :'d1', :'p1', overlay(:'c1' placing 'zz' from 5 for 2))),
  ('page size 0', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, page_size => 0)$$, :'d1')),
  ('page size -5', format($$SELECT booking.find_slots('00000000-0000-0000-0000-0000000039f1', %L, page_size => -5)$$, :'d1'))
) AS t(what, sql);
-- a damaged cursor whose hash still matches moves the start, nothing else:
-- its rows are rows of the query
SELECT count(*) > 0 AND bool_and(f.starts_at >= lower(:'d1'::tstzrange)) AS damaged_key_rows_of_the_query
  FROM booking.find_slots('00000000-0000-0000-0000-0000000039f1', :'d1', :'p1', after_cursor => overlay(:'c1' placing '0' from 5 for 1)) f;
COMMIT;
RESET ROLE;
