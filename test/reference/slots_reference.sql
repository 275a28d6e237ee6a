-- test/reference/slots_reference.sql: an independent reference
-- implementation, in plain set-based SQL, of the free slots that
-- booking.available_slots computes in C.
--
-- Written from the rules in the header of src/core/slots.h (rules 1-8 and
-- THE DAY MAP) and from how the glue reads its inputs from the tables, not
-- from the C code.  The C solver examines one candidate start at a time; this
-- reference instead computes, per local day, the multirange of starts that
-- every rule allows and then keeps the grid points inside it:
--
--   allowed starts of day d = starts(open time of d)
--                           - starts whose buffers meet a busy item   (rule 7)
--                           - starts too close after the previous item (rule 8)
--                           - starts too close before the next item    (rule 8)
--
-- with s the start, e = s + duration:
--   starts(O)  = union of [o.lower, o.upper - duration] over the intervals o
--                of the open time O: [s, e) lies inside one interval of O.
--   rule 7     : [s - B, e + A) meets [x.start - x.B, x.end + x.A) exactly
--                for s in (x.start - x.B - duration - A, x.end + x.A + B).
--   rule 8 (previous): the previous items of s are those with the greatest
--                end E <= s.  So s in [E, next greater end) has them as its
--                previous items, and is refused while s < E + need(E), where
--                need(E) = max over the items ending at E of
--                max(travel(x.dropoff -> pickup, departing E), tb), where
--                a booking without a dropoff point is left at its pickup.
--   rule 8 (next): likewise e in (previous smaller start, S] has the items
--                starting at S as its next items, and is refused while
--                e > S - need(S), need(S) = max over those items of
--                max(travel(pickup -> x.pickup, departing S), tb).
--   The notice, horizon, range and daily maximum (rules 1, 2, 6) and the
--   grid (rule 5) are plain predicates on the candidates.
--
-- Loaded into a database that has the booking extension:
--   psql -f test/reference/slots_reference.sql
-- It creates schema slots_ref; everything runs with the caller's rights and
-- the acting identity (booking.act_as), as booking.available_slots does.

CREATE SCHEMA slots_ref;
COMMENT ON SCHEMA slots_ref IS
  'independent SQL reference of booking.available_slots, for the differential test and the benchmark';

-- The request's scalars: the acting org's settings and the service, after
-- the checks.  PL/pgSQL only because it raises the errors, with the SQLSTATEs
-- of booking.available_slots: NULL argument 22004, empty range 22000,
-- unbounded range 22023, longer than 366 days 54000, unknown resource or
-- service P0002, inactive one 55000, no identity 42501.
CREATE FUNCTION slots_ref.request(
    resource_id uuid, service_id uuid, during tstzrange,
    OUT org_id uuid, OUT tz text, OUT grid int4,
    OUT earliest timestamptz, OUT latest timestamptz,
    OUT duration interval, OUT buffer_before interval, OUT buffer_after interval)
  RETURNS record
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  org_id := booking.current_org_id();
  IF org_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'no acting org',
      HINT = 'Call booking.act_as(org_id, user_id) in this transaction first.';
  END IF;
  IF resource_id IS NULL OR service_id IS NULL OR during IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'resource_id, service_id and during must not be NULL';
  END IF;
  IF pg_catalog.isempty(during) THEN
    RAISE EXCEPTION USING ERRCODE = '22000', MESSAGE = 'the range is empty';
  END IF;
  IF pg_catalog.lower_inf(during) OR pg_catalog.upper_inf(during)
     OR NOT pg_catalog.isfinite(pg_catalog.lower(during))
     OR NOT pg_catalog.isfinite(pg_catalog.upper(during)) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the range must have finite bounds';
  END IF;
  IF pg_catalog.upper(during) OPERATOR(pg_catalog.-) pg_catalog.lower(during)
     OPERATOR(pg_catalog.>) pg_catalog.make_interval(hours => 366 * 24) THEN
    RAISE EXCEPTION USING ERRCODE = '54000', MESSAGE = 'the range is longer than 366 days';
  END IF;
  -- "now": the transaction's start, or booking.solver_now when a superuser
  -- set it (tests of dates the clock has passed)
  SELECT o.time_zone, o.slot_step_minutes,
         n.t OPERATOR(pg_catalog.+) pg_catalog.make_interval(mins => o.min_notice_minutes),
         n.t OPERATOR(pg_catalog.+) pg_catalog.make_interval(hours => o.booking_horizon_days OPERATOR(pg_catalog.*) 24)
    INTO tz, grid, earliest, latest
    FROM booking.org o
   CROSS JOIN (SELECT COALESCE(NULLIF(pg_catalog.current_setting('booking.solver_now', true), '')::timestamptz,
                               pg_catalog.now()) AS t) AS n
   WHERE o.id OPERATOR(pg_catalog.=) request.org_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = 'the acting org is not visible';
  END IF;
  IF NOT EXISTS (SELECT FROM booking.resource r
                  WHERE r.org_id OPERATOR(pg_catalog.=) request.org_id
                    AND r.id OPERATOR(pg_catalog.=) request.resource_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = 'no resource with this id in the acting org';
  END IF;
  IF NOT EXISTS (SELECT FROM booking.resource r
                  WHERE r.org_id OPERATOR(pg_catalog.=) request.org_id
                    AND r.id OPERATOR(pg_catalog.=) request.resource_id AND r.active) THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'the resource is not active';
  END IF;
  SELECT pg_catalog.make_interval(mins => s.duration_minutes),
         pg_catalog.make_interval(mins => s.buffer_before_minutes),
         pg_catalog.make_interval(mins => s.buffer_after_minutes)
    INTO duration, buffer_before, buffer_after
    FROM booking.service s
   WHERE s.org_id OPERATOR(pg_catalog.=) request.org_id
     AND s.id OPERATOR(pg_catalog.=) request.service_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = 'no service with this id in the acting org';
  END IF;
  IF NOT EXISTS (SELECT FROM booking.service s
                  WHERE s.org_id OPERATOR(pg_catalog.=) request.org_id
                    AND s.id OPERATOR(pg_catalog.=) request.service_id AND s.active) THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'the service is not active';
  END IF;
END
$$;
COMMENT ON FUNCTION slots_ref.request(uuid, uuid, tstzrange) IS
  'the checked scalars of a slot request: acting org, its zone, grid, earliest and latest start (now() + notice, now() + horizon in exact hours), and the service''s duration and buffers';

-- Travel minutes as rule 8 uses them: 0 without both points, capped at a day.
-- No SET search_path (every name in it is qualified): the clause would keep
-- the planner from inlining it, and cost a GUC save and restore per call.
CREATE FUNCTION slots_ref.travel_minutes(origin geography, destination geography, depart_at timestamptz)
  RETURNS int4
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT COALESCE(
           LEAST(1440, GREATEST(0, (booking.travel_time(origin, destination, depart_at)).minutes)),
           0);
END;
COMMENT ON FUNCTION slots_ref.travel_minutes(geography, geography, timestamptz) IS
  'booking.travel_time minutes clamped to 0..1440; 0 when either point is NULL';

-- The first instant of local date d: (d + 00:00) AT TIME ZONE tz, or, when
-- the instant before it already has local date d (midnight happens twice),
-- the first pass of midnight, at the offset in effect before the change.
CREATE FUNCTION slots_ref.date_start(d date, tz text)
  RETURNS timestamptz
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN (p AT TIME ZONE tz) >= d::timestamp
              THEN (d::timestamp - ((p AT TIME ZONE tz) - (p AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC'
              ELSE a END
    FROM (SELECT (d + '00:00'::time) AT TIME ZONE tz AS a) x,
         LATERAL (SELECT x.a - '1 microsecond'::interval AS p) y
$$;
COMMENT ON FUNCTION slots_ref.date_start(date, text) IS
  'the first instant whose local date in tz is d: so every instant belongs to the day of its local date';

CREATE FUNCTION slots_ref.available_slots(
    resource_id uuid, service_id uuid, during tstzrange, pickup geography DEFAULT NULL)
  RETURNS TABLE (starts_at timestamptz, ends_at timestamptz)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  WITH req AS MATERIALIZED (
    SELECT r.*
      FROM slots_ref.request(available_slots.resource_id, available_slots.service_id, available_slots.during) AS r
  ),
  -- every local date from the day before the range's first local date to
  -- its last, with its span: from its first instant to the next date's (the
  -- instants whose local date it is)
  days AS MATERIALIZED (
    SELECT d.day,
           pg_catalog.tstzrange(slots_ref.date_start(d.day, q.tz),
                                slots_ref.date_start(d.day OPERATOR(pg_catalog.+) 1, q.tz)) AS span
      FROM req q
     CROSS JOIN LATERAL (
       SELECT (pg_catalog.lower(available_slots.during) AT TIME ZONE q.tz)::date AS first_day,
              (pg_catalog.upper(available_slots.during) AT TIME ZONE q.tz)::date AS last_day) AS b
     CROSS JOIN LATERAL pg_catalog.generate_series(-1, b.last_day OPERATOR(pg_catalog.-) b.first_day) AS g(i)
     CROSS JOIN LATERAL (SELECT b.first_day OPERATOR(pg_catalog.+) g.i AS day) AS d
  ),
  -- the active weekly rows that apply to each date (also on exception days:
  -- they give the daily maximum and the travel buffer)
  weekly AS MATERIALIZED (
    SELECT d.day, w.hours, w.break, w.max_bookings_per_day, w.travel_buffer_minutes
      FROM days d
      JOIN booking.working_hours w
        ON w.org_id OPERATOR(pg_catalog.=) (SELECT q.org_id FROM req q)
       AND w.resource_id OPERATOR(pg_catalog.=) available_slots.resource_id
       AND w.active
       AND w.weekday::int4 OPERATOR(pg_catalog.=) EXTRACT(isodow FROM d.day)::int4
       AND w.effective OPERATOR(pg_catalog.@>) d.day
  ),
  exceptions AS MATERIALIZED (
    SELECT x.on_date AS day, x.available, x.hours
      FROM booking.availability_exception x
     WHERE x.org_id OPERATOR(pg_catalog.=) (SELECT q.org_id FROM req q)
       AND x.resource_id OPERATOR(pg_catalog.=) available_slots.resource_id
       AND x.on_date OPERATOR(pg_catalog.=) ANY (SELECT d.day FROM days d)
  ),
  -- local working windows of each date as local timestamps [lo, hi): the
  -- exception's hours (no breaks; an exclusive lower bound starts a
  -- microsecond later, an inclusive upper bound ends one later but not after
  -- 24:00, an open bound is midnight), none on an exception day off, else the
  -- weekly windows with their breaks
  windows AS (
    SELECT wk.day,
           wk.day OPERATOR(pg_catalog.+) pg_catalog.lower(wk.hours) AS lo,
           wk.day OPERATOR(pg_catalog.+) pg_catalog.upper(wk.hours) AS hi,
           wk.day OPERATOR(pg_catalog.+) pg_catalog.lower(wk.break) AS blo,
           wk.day OPERATOR(pg_catalog.+) pg_catalog.upper(wk.break) AS bhi
      FROM weekly wk
     WHERE NOT EXISTS (SELECT FROM exceptions x WHERE x.day OPERATOR(pg_catalog.=) wk.day)
    UNION ALL
    SELECT x.day,
           x.day OPERATOR(pg_catalog.+) COALESCE(pg_catalog.lower(h.win), '00:00'::time)
             OPERATOR(pg_catalog.+) CASE WHEN pg_catalog.lower_inc(h.win) OR pg_catalog.lower_inf(h.win)
                                         THEN '0'::interval ELSE '1 microsecond'::interval END,
           LEAST(x.day OPERATOR(pg_catalog.+) COALESCE(pg_catalog.upper(h.win), '24:00'::time)
                   OPERATOR(pg_catalog.+) CASE WHEN pg_catalog.upper_inc(h.win)
                                               THEN '1 microsecond'::interval ELSE '0'::interval END,
                 x.day OPERATOR(pg_catalog.+) '24:00'::time),
           NULL::timestamp, NULL::timestamp
      FROM exceptions x
     CROSS JOIN LATERAL pg_catalog.unnest(x.hours) AS h(win)
     WHERE x.available
  ),
  -- the windows and breaks in absolute time: local time t of date d is
  -- (d + t) AT TIME ZONE zone, 24:00 the next local midnight; an interval
  -- whose mapped end is not after its mapped start is empty
  mapped AS (
    SELECT w.day, w.lo AT TIME ZONE q.tz AS wfrom, w.hi AT TIME ZONE q.tz AS wto,
           w.blo AT TIME ZONE q.tz AS bfrom, w.bhi AT TIME ZONE q.tz AS bto
      FROM windows w
     CROSS JOIN req q
     WHERE w.hi OPERATOR(pg_catalog.>) w.lo
  ),
  -- open time of each day: the union of (window minus its own break),
  -- clipped to the day's span; with it the daily maximum and travel buffer
  day_info AS MATERIALIZED (
    SELECT d.day, d.span,
           COALESCE(
             (SELECT pg_catalog.range_agg(
                       pg_catalog.tstzmultirange(CASE WHEN m.wto OPERATOR(pg_catalog.>) m.wfrom
                                                      THEN pg_catalog.tstzrange(m.wfrom, m.wto)
                                                      ELSE 'empty'::tstzrange END)
                       OPERATOR(pg_catalog.-)
                       pg_catalog.tstzmultirange(CASE WHEN m.bto OPERATOR(pg_catalog.>) m.bfrom
                                                      THEN pg_catalog.tstzrange(m.bfrom, m.bto)
                                                      ELSE 'empty'::tstzrange END))
                FROM mapped m WHERE m.day OPERATOR(pg_catalog.=) d.day),
             '{}'::tstzmultirange)
             OPERATOR(pg_catalog.*) pg_catalog.tstzmultirange(d.span) AS open,
           (SELECT pg_catalog.min(NULLIF(wk.max_bookings_per_day, 0))
              FROM weekly wk WHERE wk.day OPERATOR(pg_catalog.=) d.day) AS max_bookings,
           pg_catalog.make_interval(mins => COALESCE(
             (SELECT pg_catalog.max(wk.travel_buffer_minutes)
                FROM weekly wk WHERE wk.day OPERATOR(pg_catalog.=) d.day), 0)) AS tb
      FROM days d
  ),
  -- busy items of the resource near the range: appointments that occupy it
  -- now (booking.occupies_now: lapsed holds do not) with the buffers stored
  -- on them, and scheduled sessions with their service's buffers and their
  -- location's point.
  -- No rule looks further than two days from a slot (buffers, travel and
  -- travel buffer are at most a day each), and a relevant day's span is at
  -- most two days from the range; four days is ample.
  busy AS MATERIALIZED (
    SELECT b.starts_at AS xs, b.ends_at AS xe,
           pg_catalog.make_interval(mins => b.buffer_before_minutes) AS xb,
           pg_catalog.make_interval(mins => b.buffer_after_minutes) AS xa,
           b.pickup_point::geography AS xpick,
           COALESCE(b.dropoff_point, b.pickup_point)::geography AS xdrop
      FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) (SELECT q.org_id FROM req q)
       AND b.resource_id OPERATOR(pg_catalog.=) available_slots.resource_id
       AND b.session_id IS NULL AND booking.status_occupies(b.status)
       AND booking.occupies_now(b.status, b.hold_expires_at)
       -- (the condition of the exclusion constraint's index, which serves it)
       AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
           OPERATOR(pg_catalog.&&)
           pg_catalog.tstzrange(pg_catalog.lower(available_slots.during) OPERATOR(pg_catalog.-) '96 hours'::interval,
                                pg_catalog.upper(available_slots.during) OPERATOR(pg_catalog.+) '96 hours'::interval)
    UNION ALL
    SELECT s.starts_at, s.ends_at,
           pg_catalog.make_interval(mins => sv.buffer_before_minutes),
           pg_catalog.make_interval(mins => sv.buffer_after_minutes),
           l.point::geography, l.point::geography
      FROM booking.session s
      JOIN booking.service sv
        ON sv.org_id OPERATOR(pg_catalog.=) s.org_id AND sv.id OPERATOR(pg_catalog.=) s.service_id
      LEFT JOIN booking.location l
        ON l.org_id OPERATOR(pg_catalog.=) s.org_id AND l.id OPERATOR(pg_catalog.=) s.location_id
     WHERE s.org_id OPERATOR(pg_catalog.=) (SELECT q.org_id FROM req q)
       AND s.resource_id OPERATOR(pg_catalog.=) available_slots.resource_id
       AND s.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status
       AND pg_catalog.tstzrange(s.starts_at, s.ends_at) OPERATOR(pg_catalog.&&)
           pg_catalog.tstzrange(pg_catalog.lower(available_slots.during) OPERATOR(pg_catalog.-) '96 hours'::interval,
                                pg_catalog.upper(available_slots.during) OPERATOR(pg_catalog.+) '96 hours'::interval)
  ),
  -- rule 7: starts whose occupied interval meets an item's
  buffer_forbidden AS MATERIALIZED (
    SELECT COALESCE(pg_catalog.range_agg(pg_catalog.tstzrange(
             x.xs OPERATOR(pg_catalog.-) x.xb OPERATOR(pg_catalog.-) q.duration OPERATOR(pg_catalog.-) q.buffer_after,
             x.xe OPERATOR(pg_catalog.+) x.xa OPERATOR(pg_catalog.+) q.buffer_before, '()')),
           '{}'::tstzmultirange) AS starts
      FROM busy x CROSS JOIN req q
  ),
  -- rule 8: the distinct ends with the next greater end and the travel from
  -- the items ending there; the distinct starts with the previous smaller
  -- start and the travel to the items starting there
  ends AS MATERIALIZED (
    SELECT x.xe, pg_catalog.lead(x.xe) OVER (ORDER BY x.xe) AS next_end,
           pg_catalog.max(slots_ref.travel_minutes(x.xdrop, available_slots.pickup, x.xe)) AS travel
      FROM busy x
     GROUP BY x.xe
  ),
  starts AS MATERIALIZED (
    SELECT x.xs, pg_catalog.lag(x.xs) OVER (ORDER BY x.xs) AS previous_start,
           pg_catalog.max(slots_ref.travel_minutes(available_slots.pickup, x.xpick, x.xs)) AS travel
      FROM busy x
     GROUP BY x.xs
  ),
  -- starts refused by rule 8 on each day (the day's travel buffer applies)
  travel_forbidden AS (
    SELECT di.day, pg_catalog.range_agg(f.r) AS starts
      FROM day_info di
     CROSS JOIN req q
     CROSS JOIN LATERAL (
       SELECT pg_catalog.tstzrange(
                en.xe,
                LEAST(en.xe OPERATOR(pg_catalog.+)
                                   GREATEST(pg_catalog.make_interval(mins => en.travel), di.tb),
                                 en.next_end)) AS r
         FROM ends en
        WHERE en.xe OPERATOR(pg_catalog.<=) pg_catalog.upper(di.span)
          AND en.xe OPERATOR(pg_catalog.>=) (pg_catalog.lower(di.span) OPERATOR(pg_catalog.-) '72 hours'::interval)
       UNION ALL
       SELECT pg_catalog.tstzrange(
                GREATEST(st.xs OPERATOR(pg_catalog.-)
                                      GREATEST(pg_catalog.make_interval(mins => st.travel), di.tb),
                                    st.previous_start) OPERATOR(pg_catalog.-) q.duration,
                st.xs OPERATOR(pg_catalog.-) q.duration, '(]')
         FROM starts st
        WHERE st.xs OPERATOR(pg_catalog.>=) pg_catalog.lower(di.span)
          AND st.xs OPERATOR(pg_catalog.<=) (pg_catalog.upper(di.span) OPERATOR(pg_catalog.+) '72 hours'::interval)
     ) AS f
     GROUP BY di.day
  ),
  -- the starts every rule but the grid, range, notice, horizon and daily
  -- maximum allows, per day
  allowed AS MATERIALIZED (
    SELECT di.day, di.span, di.max_bookings,
           COALESCE(
             (SELECT pg_catalog.range_agg(pg_catalog.tstzrange(pg_catalog.lower(o.r),
                                                               pg_catalog.upper(o.r) OPERATOR(pg_catalog.-) q.duration, '[]'))
                FROM pg_catalog.unnest(di.open) AS o(r)
               WHERE pg_catalog.upper(o.r) OPERATOR(pg_catalog.-) q.duration OPERATOR(pg_catalog.>=) pg_catalog.lower(o.r)),
             '{}'::tstzmultirange)
             OPERATOR(pg_catalog.-) bf.starts
             OPERATOR(pg_catalog.-) COALESCE(tf.starts, '{}'::tstzmultirange) AS starts
      FROM day_info di
     CROSS JOIN req q
     CROSS JOIN buffer_forbidden bf
      LEFT JOIN travel_forbidden tf ON tf.day OPERATOR(pg_catalog.=) di.day
     WHERE NOT pg_catalog.isempty(di.open)
       -- rule 6: a day with as many items starting in it as its maximum is full
       AND (di.max_bookings IS NULL
            OR (SELECT pg_catalog.count(*) FROM busy x WHERE di.span OPERATOR(pg_catalog.@>) x.xs)
               OPERATOR(pg_catalog.<) di.max_bookings)
  ),
  -- rule 5: the grid points of each day, local k * grid from midnight (two
  -- local times that map to one instant give one candidate: DISTINCT)
  grid AS (
    SELECT a.day, a.span, a.starts,
           (a.day OPERATOR(pg_catalog.+) pg_catalog.make_interval(mins => k.k OPERATOR(pg_catalog.*) q.grid)) AT TIME ZONE q.tz AS s
      FROM allowed a
     CROSS JOIN req q
     CROSS JOIN LATERAL pg_catalog.generate_series(0, 1439 OPERATOR(pg_catalog./) q.grid) AS k(k)
  )
  SELECT DISTINCT g.s, g.s OPERATOR(pg_catalog.+) q.duration
    FROM grid g CROSS JOIN req q
   WHERE g.span OPERATOR(pg_catalog.@>) g.s
     AND g.starts OPERATOR(pg_catalog.@>) g.s
     -- rule 1: inside the request range
     AND CASE WHEN pg_catalog.lower_inc(available_slots.during)
              THEN g.s OPERATOR(pg_catalog.>=) pg_catalog.lower(available_slots.during)
              ELSE g.s OPERATOR(pg_catalog.>) pg_catalog.lower(available_slots.during) END
     AND g.s OPERATOR(pg_catalog.+) q.duration OPERATOR(pg_catalog.<=) pg_catalog.upper(available_slots.during)
     -- rule 2: notice and horizon
     AND g.s OPERATOR(pg_catalog.>=) q.earliest
     AND g.s OPERATOR(pg_catalog.<=) q.latest
   ORDER BY 1;
END;
COMMENT ON FUNCTION slots_ref.available_slots(uuid, uuid, tstzrange, geography) IS
  'reference of booking.available_slots in set-based SQL: the free slots [starts_at, ends_at) of a resource for a service inside during, for the acting org, in start order (no eligibility check)';
