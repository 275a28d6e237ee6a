-- booking.day_svg (issue 19): the picture of a resource's day marks what
-- the data says, counted by class (xpath) against the rows and the
-- solver's functions, as an admin and as a student (row-level security:
-- no other client's name, no working hours); well-formed; bad input.
-- test/day_svg.sh checks the same pictures with xmllint.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\i test/sql/include/try.psql
\i test/sql/include/day_svg_fixture.psql
CREATE ROLE regress_picture_app;
SELECT booking.grant_app_role('regress_picture_app', true);
SET ROLE regress_picture_app;

CREATE FUNCTION pg_temp.n(svg xml, class text) RETURNS int LANGUAGE sql AS $$
  SELECT (xpath(format('count(//s:*[@class=%L])', class), svg, '{{s,http://www.w3.org/2000/svg}}'))[1]::text::int $$;

BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000006901', '00000000-0000-0000-0000-0000000069a1') IS NOT NULL AS acting_as_admin;
CREATE TEMP TABLE pic AS
SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', day, '00000000-0000-0000-0000-0000000069f1') AS svg,
       (SELECT count(*) FROM booking.available_slots('00000000-0000-0000-0000-0000000069e1', '00000000-0000-0000-0000-0000000069f1',
                               tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 1)::timestamp AT TIME ZONE 'Europe/Berlin'))) AS slots,
       (SELECT count(*) FROM unnest(booking.free_time('00000000-0000-0000-0000-0000000069e1',
                               tstzrange(day::timestamp AT TIME ZONE 'Europe/Berlin', (day + 1)::timestamp AT TIME ZONE 'Europe/Berlin')))) AS free_ranges
  FROM picture_day;
SELECT xml_is_well_formed_document(svg::text) AS well_formed,
       (xpath('name(/*)', svg))[1]::text AS root,
       (xpath('namespace-uri(/*)', svg))[1]::text AS namespace,
       pg_temp.n(svg, 'hours') AS hours, pg_temp.n(svg, 'break') AS breaks,
       pg_temp.n(svg, 'booking') AS bookings, pg_temp.n(svg, 'buffer') AS buffers, pg_temp.n(svg, 'travel') AS travel,
       pg_temp.n(svg, 'free') = free_ranges AS free_as_free_time, free_ranges,
       pg_temp.n(svg, 'slot') = slots AS slots_as_available_slots, slots,
       pg_temp.n(svg, 'blocked') AS blocked
  FROM pic;
-- what the titles say
SELECT t FROM pic, unnest(xpath('//s:rect[@class="booking" or @class="break" or @class="hours" or @class="buffer"]/s:title/text()', svg,
                                '{{s,http://www.w3.org/2000/svg}}')::text[]) t ORDER BY t;
SELECT (xpath('//s:line[@class="travel"]/s:title/text()', svg, '{{s,http://www.w3.org/2000/svg}}'))[1]::text ~ '^travel [0-9]+ min$' AS travel_titled
  FROM pic;
-- every start of a blocked run looks free and explain_slot gives its reasons
SELECT b AS blocked_title FROM pic, unnest(xpath('//s:rect[@class="blocked"]/s:title/text()', svg, '{{s,http://www.w3.org/2000/svg}}')::text[]) b ORDER BY b;
SELECT bool_and(position(e.reasons IN b) > 0) AS blocked_reasons_are_explain_slot
  FROM pic, picture_day p,
       unnest(xpath('//s:rect[@class="blocked"]/s:title/text()', svg, '{{s,http://www.w3.org/2000/svg}}')::text[]) b,
       LATERAL (SELECT string_agg(x.reason, ', ' ORDER BY x.reason) AS reasons
                  FROM booking.explain_slot('00000000-0000-0000-0000-0000000069e1', '00000000-0000-0000-0000-0000000069f1',
                                            (p.day + left(b, 5)::time) AT TIME ZONE 'Europe/Berlin') x) e;
-- a week: seven day rows, the bookings of its one Wednesday
SELECT pg_temp.n(w, 'day-label') AS day_rows, pg_temp.n(w, 'booking') AS bookings, xml_is_well_formed_document(w::text) AS well_formed
  FROM (SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', day - 2, days => 7) AS w FROM picture_day) x;
-- without a service: no slots, nothing blocked
SELECT pg_temp.n(w, 'slot') AS slots, pg_temp.n(w, 'blocked') AS blocked, pg_temp.n(w, 'booking') AS bookings
  FROM (SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', day) AS w FROM picture_day) x;
SELECT what, pg_temp.try(sql) AS result FROM (VALUES
  ('days 0', $$SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', current_date, days => 0)$$),
  ('days 32', $$SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', current_date, days => 32)$$),
  ('no day', $$SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', NULL)$$),
  ('unknown resource', $$SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e9', current_date)$$),
  ('unknown service', $$SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', current_date, '00000000-0000-0000-0000-0000000069f9')$$)
) AS t(what, sql);
COMMIT;

-- The student: their own booking with their name, the other as what
-- explain_slot says of its time; no other client's name; no working hours
-- (staff and the resource's user read those).
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-000000006901', '00000000-0000-0000-0000-0000000069a2') IS NOT NULL AS acting_as_student;
SELECT pg_temp.n(svg, 'booking') AS bookings, pg_temp.n(svg, 'hours') AS hours, pg_temp.n(svg, 'travel') AS travel,
       position('Client One' IN svg::text) > 0 AS own_name_shown, position('Client Two' IN svg::text) > 0 AS other_name_shown,
       pg_temp.n(svg, 'slot') AS slots
  FROM (SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', day, '00000000-0000-0000-0000-0000000069f1') AS svg FROM picture_day) x;
COMMIT;
RESET ROLE;
