-- bench/find_slots.sql: the paged best-first search of booking.find_slots
-- (issue 19) on the data of bench/solver_data.sql (200 instructors, about 8
-- bookings a working day, pickups in one city), acting as the org's admin
-- (travel ranks), a 45-minute lesson picked up at a point of the city, from
-- next Monday:
--   * the first 10 over 1 day and over 30 days (page_size => 10), whose
--     ratio issue 19 bounds by 2;
--   * the same through the unpaged call with LIMIT 10 (page_size => NULL:
--     every slot is computed and sorted first, as 0.1.0's find_slots did);
--   * the second page over 30 days (after_cursor of the first), and every
--     slot over 30 days;
-- after checking that pages of 10 and of 500 concatenate to the unpaged
-- list and that the first 10 are its first 10.  Timed: best of :runs,
-- the calls interleaved in each round, one backend, no parallel workers.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SET jit = off;
SET max_parallel_workers_per_gather = 0;
\if :{?runs}
\else
\set runs 15
\endif

SELECT set_config('booking.identity', '00000000-0000-0000-0000-00000000be00 00000000-0000-0000-0000-00000000be01 admin', false) \g /dev/null
SELECT ((current_date + 8 - extract(isodow FROM current_date)::int) + '00:00'::time) AT TIME ZONE 'Europe/Berlin' AS t0,
       (SELECT p FROM pts WHERE i = 77) AS pickup \gset
SELECT tstzrange(:'t0', :'t0'::timestamptz + interval '1 day') AS day1,
       tstzrange(:'t0', :'t0'::timestamptz + interval '30 days') AS day30 \gset

-- The unpaged list, and the pages that must equal it.
CREATE TEMP TABLE full30 AS
SELECT row_number() OVER () AS n, resource_id, starts_at, score
  FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', :'day30', :'pickup', page_size => NULL);
CREATE FUNCTION pg_temp.paged(page int) RETURNS TABLE (n bigint, resource_id uuid, starts_at timestamptz, score int)
LANGUAGE plpgsql AS $$
DECLARE cur text; got int; k bigint := 0; r record;
BEGIN
  LOOP
    got := 0;
    FOR r IN SELECT * FROM booking.find_slots('00000000-0000-0000-0000-00000000be45',
                   tstzrange(current_setting('bench.t0')::timestamptz, current_setting('bench.t0')::timestamptz + interval '30 days'),
                   current_setting('bench.pickup')::geography, page_size => page, after_cursor => cur) LOOP
      got := got + 1; k := k + 1;
      n := k; resource_id := r.resource_id; starts_at := r.starts_at; score := r.score; cur := r.page_cursor;
      RETURN NEXT;
    END LOOP;
    EXIT WHEN got < page;
  END LOOP;
END $$;
SELECT set_config('bench.t0', :'t0', false), set_config('bench.pickup', :'pickup', false) \g /dev/null
CREATE TEMP TABLE paged10 AS SELECT * FROM pg_temp.paged(10);
CREATE TEMP TABLE paged500 AS SELECT * FROM pg_temp.paged(500);
SELECT (SELECT count(*) FROM full30) AS slots_30_days,
       (SELECT count(*) FROM full30 WHERE score = 0) AS of_score_0,
       (SELECT count(*) FROM (TABLE full30 EXCEPT TABLE paged10) x) + (SELECT count(*) FROM (TABLE paged10 EXCEPT TABLE full30) x) AS pages_of_10_differ,
       (SELECT count(*) FROM (TABLE full30 EXCEPT TABLE paged500) x) + (SELECT count(*) FROM (TABLE paged500 EXCEPT TABLE full30) x) AS pages_of_500_differ,
       (SELECT count(*) FROM (SELECT row_number() OVER () AS n, resource_id, starts_at, score
                                FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', :'day30', :'pickup', page_size => 10)) f
                        JOIN full30 USING (n, resource_id, starts_at, score)) AS first_10_equal,
       (SELECT count(*) FROM (SELECT row_number() OVER () AS n, resource_id, starts_at, score
                                FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', :'day1', :'pickup', page_size => NULL)) f) AS slots_1_day;

SELECT page_cursor AS cursor10 FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', :'day30', :'pickup', page_size => 10)
OFFSET 9 \gset

CREATE TEMP TABLE q (k int, what text, sql text);
INSERT INTO q VALUES
  (1, 'first 10, 1 day', format($$SELECT count(*) FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, %L, page_size => 10)$$, :'day1', :'pickup')),
  (2, 'first 10, 30 days', format($$SELECT count(*) FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, %L, page_size => 10)$$, :'day30', :'pickup')),
  (3, 'unpaged LIMIT 10, 1 day', format($$SELECT count(*) FROM (SELECT * FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, %L, page_size => NULL) LIMIT 10) x$$, :'day1', :'pickup')),
  (4, 'unpaged LIMIT 10, 30 days', format($$SELECT count(*) FROM (SELECT * FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, %L, page_size => NULL) LIMIT 10) x$$, :'day30', :'pickup')),
  (5, 'second 10, 30 days', format($$SELECT count(*) FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, %L, page_size => 10, after_cursor => %L)$$, :'day30', :'pickup', :'cursor10')),
  (6, 'first 10, 30 days, no pickup', format($$SELECT count(*) FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, page_size => 10)$$, :'day30')),
  (7, 'first 10, 1 day, no pickup', format($$SELECT count(*) FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, page_size => 10)$$, :'day1'));

CREATE TEMP TABLE result (k int, what text, n bigint, seconds float8);
SELECT set_config('bench.runs', :'runs', false) \g /dev/null
DO $$
DECLARE r record; t0 timestamptz; n bigint; runs int := current_setting('bench.runs')::int;
BEGIN
  FOR i IN 1..runs LOOP
    FOR r IN SELECT * FROM q ORDER BY k LOOP
      t0 := clock_timestamp();
      EXECUTE r.sql INTO n;
      IF i = 1 THEN
        INSERT INTO result VALUES (r.k, r.what, n, extract(epoch FROM clock_timestamp() - t0));
      ELSE
        UPDATE result SET seconds = least(seconds, extract(epoch FROM clock_timestamp() - t0)) WHERE k = r.k;
      END IF;
    END LOOP;
  END LOOP;
END $$;
SELECT what, n AS rows, round((seconds * 1000)::numeric, 1) AS ms FROM result ORDER BY k;
SELECT round(((SELECT seconds FROM result WHERE k = 2) / (SELECT seconds FROM result WHERE k = 1))::numeric, 2) AS first10_30d_over_1d,
       round(((SELECT seconds FROM result WHERE k = 6) / (SELECT seconds FROM result WHERE k = 7))::numeric, 2) AS no_pickup_30d_over_1d,
       round(((SELECT seconds FROM result WHERE k = 4) / (SELECT seconds FROM result WHERE k = 3))::numeric, 2) AS unpaged_limit_30d_over_1d,
       round(((SELECT seconds FROM result WHERE k = 4) / (SELECT seconds FROM result WHERE k = 2))::numeric, 2) AS unpaged_limit_over_paged_30d,
       round(((SELECT seconds FROM result WHERE k = 5) / (SELECT seconds FROM result WHERE k = 2))::numeric, 2) AS second_page_over_first_30d;
