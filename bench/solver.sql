-- bench/solver.sql: the availability solver against the independent SQL
-- reference (test/reference/slots_reference.sql, loaded by bench/solver.sh)
-- on the data of issue 4: one org, 200 instructors with realistic hours and
-- breaks, 60 days, about 8 bookings per instructor and working day with
-- pickup points in one city, every travel time between the points cached.
-- Timed (best of :runs, one backend, no parallel workers, same run):
--   * reading the solver's input rows with a plain query (the floor),
--   * booking.find_slots over 7 days (every instructor, scored, best first),
--   * booking.available_slots for each of the 200 instructors over 7 days,
--   * slots_ref.available_slots, the SQL reference, for the same calls,
-- after checking that the three give the same slots; then the latency of
-- single calls (median and p99 of booking.available_slots for one
-- instructor over 30 days, of booking.check_slot, the write path's check)
-- and the backend's memory before and after 100,000 calls.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SET jit = off;
SET max_parallel_workers_per_gather = 0;
\ir solver_data.sql

-- The request: next Monday for 7 days, a 45-minute lesson picked up at a
-- point of the city.
SELECT tstzrange(((current_date + 8 - extract(isodow FROM current_date)::int) + '00:00'::time) AT TIME ZONE 'Europe/Berlin',
                 ((current_date + 15 - extract(isodow FROM current_date)::int) + '00:00'::time) AT TIME ZONE 'Europe/Berlin') AS during,
       (SELECT p FROM pts WHERE i = 77) AS pickup \gset
-- find_slots is paged since 0.2.0 (page_size NULL: every slot); builds
-- before return every slot (bench/before_after.sh runs them too).
SELECT CASE WHEN EXISTS (SELECT FROM pg_proc p WHERE p.pronamespace = 'booking'::regnamespace AND p.proname = 'find_slots'
                                                 AND 'page_size' = ANY (p.proargnames))
            THEN ', page_size => NULL' ELSE '' END AS all_pages \gset
CREATE TABLE req AS SELECT :'during'::tstzrange AS during;
SELECT set_config('booking.identity', '00000000-0000-0000-0000-00000000be00 00000000-0000-0000-0000-00000000be01 admin', false) \g /dev/null

CREATE TABLE result (what text, n bigint, seconds float8);
CREATE FUNCTION timed(what text, sql text, runs int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best float8 := 'Infinity'; n bigint;
BEGIN
  FOR r IN 1..runs LOOP
    t0 := clock_timestamp();
    EXECUTE sql INTO n;
    best := least(best, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  INSERT INTO result VALUES (what, n, best);
END $$;

-- The three agree before anything is timed.
CREATE TABLE c AS SELECT resource_id, starts_at, ends_at FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', :'during', :'pickup' :all_pages);
CREATE TABLE a AS SELECT r.id AS resource_id, s.* FROM booking.resource r,
  booking.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', :'during', :'pickup') AS s;
CREATE TABLE q AS SELECT r.id AS resource_id, s.* FROM booking.resource r,
  slots_ref.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', :'during', :'pickup') AS s;
SELECT (SELECT count(*) FROM q) AS slots,
       (SELECT count(*) FROM (TABLE c EXCEPT TABLE q) x) + (SELECT count(*) FROM (TABLE q EXCEPT TABLE c) x) AS find_slots_differ,
       (SELECT count(*) FROM (TABLE a EXCEPT TABLE q) x) + (SELECT count(*) FROM (TABLE q EXCEPT TABLE a) x) AS available_slots_differ;

-- What the solver reads, as one plain query: the org, the weekly rows and
-- exceptions of the days, the occupying bookings and scheduled sessions
-- within four days of the range (the busy margin) with their points
-- (counted column by column, so every row is read).  The occupying
-- condition is written out: booking.occupies_now() has a SET clause, which
-- keeps the planner from inlining it and costs about 7 us a row.
SELECT timed('plain read of the solver''s input rows', format($q$
  SELECT (SELECT count(o.time_zone) FROM booking.org o WHERE o.id = booking.current_org_id())
       + (SELECT count(w.hours) + count(w.break) FROM booking.working_hours w
           WHERE w.org_id = booking.current_org_id() AND w.active)
       + (SELECT count(x.hours) + count(x.on_date) FROM booking.availability_exception x
           WHERE x.org_id = booking.current_org_id()
             AND x.on_date BETWEEN (lower(%1$L::tstzrange) AT TIME ZONE 'Europe/Berlin')::date - 1
                               AND (upper(%1$L::tstzrange) AT TIME ZONE 'Europe/Berlin')::date)
       + (SELECT count(b.starts_at) + count(b.ends_at) + count(b.pickup_point) + count(b.dropoff_point)
            FROM booking.booking b
           WHERE b.org_id = booking.current_org_id() AND b.session_id IS NULL
             AND b.status IN ('pending', 'confirmed', 'in_progress')
             AND (b.hold_expires_at IS NULL OR b.hold_expires_at > now())
             AND b.starts_at < upper(%1$L::tstzrange) + interval '4 days'
             AND b.ends_at > lower(%1$L::tstzrange) - interval '4 days')
       + (SELECT count(s.starts_at) + count(s.location_id) FROM booking.session s
           WHERE s.org_id = booking.current_org_id() AND s.status = 'scheduled'
             AND s.starts_at < upper(%1$L::tstzrange) + interval '4 days'
             AND s.ends_at > lower(%1$L::tstzrange) - interval '4 days')$q$, :'during'), 5) \g /dev/null
SELECT timed('booking.find_slots, 200 instructors, 7 days', format($q$
  SELECT count(*) FROM booking.find_slots('00000000-0000-0000-0000-00000000be45', %L, %L%s)$q$, :'during', :'pickup', :'all_pages'), 5) \g /dev/null
SELECT timed('booking.available_slots x 200, 7 days', format($q$
  SELECT count(*) FROM booking.resource r,
         booking.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', %L, %L) AS s$q$, :'during', :'pickup'), 5) \g /dev/null
SELECT timed('slots_ref.available_slots x 200, 7 days (SQL reference)', format($q$
  SELECT count(*) FROM booking.resource r,
         slots_ref.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', %L, %L) AS s$q$, :'during', :'pickup'), 3) \g /dev/null

-- The same without a pickup: no travel lookups, only the travel buffer.
SELECT timed('booking.available_slots x 200, 7 days, no pickup', format($q$
  SELECT count(*) FROM booking.resource r,
         booking.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', %L) AS s$q$, :'during'), 5) \g /dev/null
SELECT timed('slots_ref.available_slots x 200, 7 days, no pickup', format($q$
  SELECT count(*) FROM booking.resource r,
         slots_ref.available_slots(r.id, '00000000-0000-0000-0000-00000000be45', %L) AS s$q$, :'during'), 3) \g /dev/null

-- Single calls, one at a time: available_slots of one instructor over 30
-- days (the instructors in turn, with the pickup), and booking.check_slot
-- (the write path's check of one appointment: a free start of each
-- instructor, the pickup, a booking id that does not exist).
CREATE TABLE latency (what text, calls int, median_us numeric, p99_us numeric);
CREATE FUNCTION latencies(what text, sqls text[], rounds int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; x bigint; us float8[] := '{}'; q text;
BEGIN
  FOREACH q IN ARRAY sqls LOOP EXECUTE q INTO x; END LOOP;   -- warm up
  FOR r IN 1..rounds LOOP
    FOREACH q IN ARRAY sqls LOOP
      t0 := clock_timestamp();
      EXECUTE q INTO x;
      us := us || extract(epoch FROM clock_timestamp() - t0) * 1e6;
    END LOOP;
  END LOOP;
  INSERT INTO latency
  SELECT what, count(*), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY u)::numeric),
         round(percentile_cont(0.99) WITHIN GROUP (ORDER BY u)::numeric)
    FROM unnest(us) u;
END $$;
SELECT latencies('booking.available_slots, one instructor, 30 days',
                 array_agg(format($q$SELECT count(*) FROM booking.available_slots(%L, '00000000-0000-0000-0000-00000000be45',
                                   tstzrange(lower(%L::tstzrange), lower(%L::tstzrange) + interval '30 days'), %L)$q$,
                                  id, :'during', :'during', :'pickup') ORDER BY i), 5)
  FROM ins \g /dev/null
SELECT latencies('booking.check_slot, one appointment',
                 array_agg(format($q$SELECT cardinality(booking.check_slot('00000000-0000-0000-0000-00000000be00',
                                   '00000000-0000-0000-0000-0000000000ff', %L, '00000000-0000-0000-0000-00000000be45', %L, %L, NULL, false))$q$,
                                  c.resource_id, c.starts_at, :'pickup') ORDER BY c.resource_id), 5)
  FROM (SELECT DISTINCT ON (resource_id) resource_id, starts_at FROM c ORDER BY resource_id, starts_at) c \g /dev/null

-- Memory over 100,000 calls in this backend: available_slots for one
-- working day of each instructor in turn, with the pickup, in ten
-- statements of 10,000 calls; the backend's resident set (VmRSS, which
-- counts the shared buffers it touched, and RssAnon, its private memory) and
-- the total of its memory contexts after 1,000 calls of warm-up, half-way
-- and at the end.
CREATE TABLE memory (at text, calls int, vm_rss_kb bigint, rss_anon_kb bigint, contexts_kb bigint);
CREATE FUNCTION proc_status_kb(field text) RETURNS bigint LANGUAGE sql AS $$
  SELECT substring(l FROM '\d+')::bigint
    FROM regexp_split_to_table(pg_read_file('/proc/' || pg_backend_pid() || '/status'), E'\n') l
   WHERE l LIKE field || ':%' $$;
CREATE FUNCTION memory_now(at text, calls int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO memory
  SELECT at, calls, proc_status_kb('VmRSS'), proc_status_kb('RssAnon'),
         (SELECT sum(total_bytes)::bigint / 1024 FROM pg_backend_memory_contexts) $$;
CREATE FUNCTION calls(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE ids uuid[] := (SELECT array_agg(id ORDER BY i) FROM ins); x bigint;
BEGIN
  FOR k IN 1..n LOOP
    SELECT count(*) INTO x
      FROM booking.available_slots(ids[1 + k % 200], '00000000-0000-0000-0000-00000000be45',
                                   tstzrange(lower(current_setting('bench.during')::tstzrange) + interval '1 day',
                                             lower(current_setting('bench.during')::tstzrange) + interval '2 days'),
                                   current_setting('bench.pickup')::geography);
  END LOOP;
END $$;
SELECT set_config('bench.during', :'during', false), set_config('bench.pickup', :'pickup', false) \g /dev/null
SELECT calls(1000) \g /dev/null
SELECT memory_now('after 1,000 calls (warm-up)', 1000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT memory_now('after 51,000 calls', 51000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT calls(10000) \g /dev/null
SELECT memory_now('after 101,000 calls', 101000) \g /dev/null

SELECT what, n AS rows, round((seconds * 1000)::numeric, 1) AS ms FROM result;
SELECT what, calls, median_us, p99_us FROM latency;
SELECT at, calls, vm_rss_kb, rss_anon_kb, contexts_kb FROM memory ORDER BY calls;
SELECT round(((SELECT seconds FROM result WHERE what LIKE 'slots_ref%(SQL reference)')
              / (SELECT seconds FROM result WHERE what LIKE 'booking.find_slots%'))::numeric, 1) AS reference_over_find_slots,
       round(((SELECT seconds FROM result WHERE what LIKE 'slots_ref%(SQL reference)')
              / (SELECT seconds FROM result WHERE what = 'booking.available_slots x 200, 7 days'))::numeric, 1) AS reference_over_available_slots,
       round(((SELECT seconds FROM result WHERE what LIKE 'slots_ref%no pickup')
              / (SELECT seconds FROM result WHERE what LIKE 'booking.available_slots%no pickup'))::numeric, 1) AS same_without_pickup,
       round(((SELECT seconds FROM result WHERE what LIKE 'booking.find_slots%')
              / (SELECT seconds FROM result WHERE what LIKE 'plain read%'))::numeric, 1) AS find_slots_over_plain_read;
