-- A picture of a resource's day or week as SVG (issue 19): drawn from what
-- the caller may read (working hours, breaks, exceptions, bookings and
-- clients under row-level security) and from the solver's own functions
-- (free_time, available_slots, explain_slot), so it shows what they say.

-- The x position of local wall-clock time t (minutes after local
-- midnight) on a picture whose axis runs from hour h0 to hour h1.
CREATE OR REPLACE FUNCTION booking.day_svg_x(minutes pg_catalog.float8, h0 pg_catalog.int4, h1 pg_catalog.int4)
  RETURNS pg_catalog.numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN pg_catalog.round((110 + (minutes - h0 * 60) * 900.0 / ((h1 - h0) * 60))::pg_catalog.numeric, 1);
COMMENT ON FUNCTION booking.day_svg_x(pg_catalog.float8, pg_catalog.int4, pg_catalog.int4) IS
  'internal: the x coordinate of booking.day_svg for a local time in minutes after midnight, on an axis from hour h0 to hour h1 (110 to 1010)';

-- One rectangle of booking.day_svg: class, local minutes from and to after
-- midnight, top and height, the axis, and a title (a tooltip).
CREATE OR REPLACE FUNCTION booking.day_svg_rect(
    class pg_catalog.text, from_minutes pg_catalog.float8, to_minutes pg_catalog.float8,
    y pg_catalog.int4, height pg_catalog.int4, h0 pg_catalog.int4, h1 pg_catalog.int4, title pg_catalog.text)
  RETURNS pg_catalog.xml
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN xmlelement(name rect,
           xmlattributes(class AS class, booking.day_svg_x(from_minutes, h0, h1) AS x, y AS y,
                         greatest(booking.day_svg_x(to_minutes, h0, h1) - booking.day_svg_x(from_minutes, h0, h1), 1) AS width,
                         height AS height),
           xmlelement(name title, title));
COMMENT ON FUNCTION booking.day_svg_rect(pg_catalog.text, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.text) IS
  'internal: one rectangle of booking.day_svg, from and to in local minutes after midnight, with a title';

-- Local minutes after the midnight of day d in zone tz of instant t.
CREATE OR REPLACE FUNCTION booking.day_svg_minutes(t pg_catalog.timestamptz, d pg_catalog.date, tz pg_catalog.text)
  RETURNS pg_catalog.float8
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN extract(epoch FROM (t AT TIME ZONE tz) - d::pg_catalog.timestamp) / 60;
COMMENT ON FUNCTION booking.day_svg_minutes(pg_catalog.timestamptz, pg_catalog.date, pg_catalog.text) IS
  'internal: the local wall-clock minutes after the midnight of d in zone tz of instant t, for booking.day_svg';

-- A run of starts of the grid that look free but are not bookable, from
-- run_from to run_to of day d in zone tz, for the reasons given: a
-- rectangle (with a tooltip) and the reasons as a label below it, the n-th
-- run's label on the upper or lower of two lines, in the row at y.
CREATE OR REPLACE FUNCTION booking.day_svg_blocked(
    run_from pg_catalog.timestamptz, run_to pg_catalog.timestamptz, reasons pg_catalog.text, n pg_catalog.int4,
    d pg_catalog.date, tz pg_catalog.text, y pg_catalog.int4, h0 pg_catalog.int4, h1 pg_catalog.int4)
  RETURNS pg_catalog.xml[]
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN ARRAY[booking.day_svg_rect('blocked', booking.day_svg_minutes(run_from, d, tz), booking.day_svg_minutes(run_to, d, tz), y + 70, 14, h0, h1,
                                    pg_catalog.to_char(run_from AT TIME ZONE tz, 'HH24:MI') || '-' || pg_catalog.to_char(run_to AT TIME ZONE tz, 'HH24:MI')
                                    || ' looks free, not bookable: ' || reasons),
               xmlelement(name text, xmlattributes('reason' AS class, booking.day_svg_x(booking.day_svg_minutes(run_from, d, tz), h0, h1) + 1 AS x,
                                                   y + 93 + (n % 2) * 10 AS y), reasons)];
END
$$;
COMMENT ON FUNCTION booking.day_svg_blocked(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.text, pg_catalog.int4, pg_catalog.date, pg_catalog.text, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) IS
  'internal: the rectangle and label of booking.day_svg for a run of grid starts that look free but are not bookable (run_from to run_to, the reasons), the n-th run of the row at y';

CREATE OR REPLACE FUNCTION booking.day_svg(
    resource_id pg_catalog.uuid, day pg_catalog.date,
    service_id pg_catalog.uuid DEFAULT NULL, days pg_catalog.int4 DEFAULT 1)
  RETURNS pg_catalog.xml
  LANGUAGE plpgsql STABLE SECURITY INVOKER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rid pg_catalog.uuid := day_svg.resource_id;
  sid pg_catalog.uuid := day_svg.service_id;
  tz pg_catalog.text;
  step pg_catalog.int4;
  dur pg_catalog.int4;
  rname pg_catalog.text;
  sname pg_catalog.text;
  h0 pg_catalog.int4 := 24;
  h1 pg_catalog.int4 := 0;
  parts pg_catalog.xml[] := '{}';
  d pg_catalog.date;
  i pg_catalog.int4;
  y pg_catalog.int4;
  day_from pg_catalog.timestamptz;
  day_to pg_catalog.timestamptz;
  free pg_catalog.tstzmultirange;
  r record;
  g record;
  run_from pg_catalog.timestamptz;
  run_to pg_catalog.timestamptz;
  run_reasons pg_catalog.text;
  reasons pg_catalog.text;
  s pg_catalog.timestamptz;
  mins pg_catalog.int4;
  height pg_catalog.int4;
  nb pg_catalog.int4;
BEGIN
  IF rid IS NULL OR day_svg.day IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'resource_id and day must not be null';
  END IF;
  IF days IS NULL OR days < 1 OR days > 31 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('days must be between 1 and 31, not %s', coalesce(days::pg_catalog.text, 'null')),
      HINT = 'Draw a week with days => 7.';
  END IF;
  SELECT o.time_zone, o.slot_step_minutes, x.display_name INTO tz, step, rname
    FROM booking.resource x JOIN booking.org o ON o.id = x.org_id
   WHERE x.id = rid AND x.org_id = booking.current_org_id();
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('resource %s does not exist in the acting org', rid),
      HINT = 'Call booking.act_as first, with the org of the resource.';
  END IF;
  IF sid IS NOT NULL THEN
    SELECT v.duration_minutes, v.name INTO dur, sname FROM booking.service v
     WHERE v.id = sid AND v.org_id = booking.current_org_id();
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'no_data_found',
        MESSAGE = pg_catalog.format('service %s does not exist in the acting org', sid);
    END IF;
  END IF;

  -- the axis: the working hours of the days shown (readable by staff and
  -- the resource's own user), else the free time, else 06:00-20:00
  FOR i IN 0 .. days - 1 LOOP
    d := day_svg.day + i;
    day_from := d::pg_catalog.timestamp AT TIME ZONE tz;
    day_to := (d + 1)::pg_catalog.timestamp AT TIME ZONE tz;
    SELECT pg_catalog.min(extract(hour FROM pg_catalog.lower(w.hours)))::pg_catalog.int4,
           pg_catalog.max(pg_catalog.ceil(extract(epoch FROM pg_catalog.upper(w.hours)) / 3600))::pg_catalog.int4
      INTO r FROM booking.working_hours w
     WHERE w.resource_id = rid AND w.active AND w.weekday = extract(isodow FROM d) AND w.effective @> d;
    IF r.min IS NOT NULL THEN
      h0 := least(h0, r.min); h1 := greatest(h1, r.max);
    END IF;
    FOR r IN SELECT f FROM pg_catalog.unnest(booking.free_time(rid, pg_catalog.tstzrange(day_from, day_to))) f LOOP
      h0 := least(h0, extract(hour FROM pg_catalog.lower(r.f) AT TIME ZONE tz)::pg_catalog.int4);
      h1 := greatest(h1, pg_catalog.ceil(extract(epoch FROM (pg_catalog.upper(r.f) AT TIME ZONE tz)
                                                        - d::pg_catalog.timestamp) / 3600)::pg_catalog.int4);
    END LOOP;
  END LOOP;
  IF h0 >= h1 THEN h0 := 6; h1 := 20; END IF;
  h0 := greatest(h0 - 1, 0); h1 := least(h1 + 1, 24);

  -- the hour grid
  FOR i IN h0 .. h1 LOOP
    parts := parts || xmlelement(name line, xmlattributes('hour' AS class, booking.day_svg_x(i * 60, h0, h1) AS x1, 34 AS y1,
                                                          booking.day_svg_x(i * 60, h0, h1) AS x2, 44 + days * 110 AS y2))
                   || xmlelement(name text, xmlattributes('hour-label' AS class, booking.day_svg_x(i * 60, h0, h1) AS x, 28 AS y,
                                                          'middle' AS "text-anchor"), pg_catalog.lpad(i::pg_catalog.text, 2, '0') || ':00');
  END LOOP;

  FOR i IN 0 .. days - 1 LOOP
    d := day_svg.day + i;
    y := 44 + i * 110;
    day_from := d::pg_catalog.timestamp AT TIME ZONE tz;
    day_to := (d + 1)::pg_catalog.timestamp AT TIME ZONE tz;
    parts := parts || xmlelement(name text, xmlattributes('day-label' AS class, 8 AS x, y + 22 AS y), pg_catalog.to_char(d, 'Dy DD Mon'));

    -- working hours and breaks, or the exception of the day
    SELECT e.available, e.hours INTO r FROM booking.availability_exception e
     WHERE e.resource_id = rid AND e.on_date = d;
    IF FOUND AND NOT r.available THEN
      parts := parts || xmlelement(name text, xmlattributes('exception' AS class, booking.day_svg_x(h0 * 60 + 10, h0, h1) AS x, y + 24 AS y),
                                   'day off (exception)');
    ELSIF FOUND THEN
      FOR g IN SELECT h FROM pg_catalog.unnest(r.hours) h LOOP
        parts := parts || booking.day_svg_rect('hours exception-hours',
                   extract(epoch FROM coalesce(pg_catalog.lower(g.h), '00:00')) / 60,
                   extract(epoch FROM coalesce(pg_catalog.upper(g.h), '24:00')) / 60,
                   y, 40, h0, h1, 'exception hours');
      END LOOP;
    ELSE
      FOR g IN SELECT w.hours, w.break FROM booking.working_hours w
                WHERE w.resource_id = rid AND w.active AND w.weekday = extract(isodow FROM d) AND w.effective @> d
                ORDER BY pg_catalog.lower(w.hours) LOOP
        parts := parts || booking.day_svg_rect('hours',
                   extract(epoch FROM pg_catalog.lower(g.hours)) / 60, extract(epoch FROM pg_catalog.upper(g.hours)) / 60,
                   y, 40, h0, h1, 'working hours ' || pg_catalog.to_char(pg_catalog.lower(g.hours), 'HH24:MI') || '-'
                                  || pg_catalog.to_char(pg_catalog.upper(g.hours), 'HH24:MI'));
        IF g.break IS NOT NULL THEN
          parts := parts || booking.day_svg_rect('break',
                     extract(epoch FROM pg_catalog.lower(g.break)) / 60, extract(epoch FROM pg_catalog.upper(g.break)) / 60,
                     y, 40, h0, h1, 'break ' || pg_catalog.to_char(pg_catalog.lower(g.break), 'HH24:MI') || '-'
                                    || pg_catalog.to_char(pg_catalog.upper(g.break), 'HH24:MI'));
        END IF;
      END LOOP;
    END IF;

    -- the free time (free_time: hours minus breaks and occupied time)
    free := booking.free_time(rid, pg_catalog.tstzrange(day_from, day_to));
    FOR g IN SELECT f FROM pg_catalog.unnest(free) f ORDER BY f LOOP
      parts := parts || booking.day_svg_rect('free',
                 booking.day_svg_minutes(pg_catalog.lower(g.f), d, tz), booking.day_svg_minutes(pg_catalog.upper(g.f), d, tz),
                 y + 42, 5, h0, h1, 'free ' || pg_catalog.to_char(pg_catalog.lower(g.f) AT TIME ZONE tz, 'HH24:MI') || '-'
                                    || pg_catalog.to_char(pg_catalog.upper(g.f) AT TIME ZONE tz, 'HH24:MI'));
    END LOOP;

    -- the bookings the caller may read, with their buffers and the travel
    -- between consecutive ones (a client's name only where the caller may
    -- read the client)
    FOR g IN WITH v AS (
               SELECT b.starts_at, b.ends_at, b.buffer_before_minutes AS bb, b.buffer_after_minutes AS ba, b.pickup_point,
                      c.full_name, v.name AS service,
                      pg_catalog.lag(coalesce(b.dropoff_point, b.pickup_point)) OVER w AS prev_dropoff,
                      pg_catalog.lag(b.ends_at) OVER w AS prev_end
                 FROM booking.booking b
                 LEFT JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
                 LEFT JOIN booking.service v ON v.org_id = b.org_id AND v.id = b.service_id
                WHERE b.resource_id = rid AND b.org_id = booking.current_org_id() AND booking.status_occupies(b.status)
                  AND b.starts_at < day_to AND b.ends_at > day_from
               WINDOW w AS (ORDER BY b.starts_at))
             SELECT v.*, (SELECT t.minutes FROM booking.travel_time(v.prev_dropoff, v.pickup_point, v.prev_end) t) AS travel_minutes
               FROM v ORDER BY v.starts_at LOOP
      IF g.bb > 0 THEN
        parts := parts || booking.day_svg_rect('buffer', booking.day_svg_minutes(g.starts_at, d, tz) - g.bb,
                                               booking.day_svg_minutes(g.starts_at, d, tz), y + 6, 28, h0, h1, 'buffer before, ' || g.bb || ' min');
      END IF;
      IF g.ba > 0 THEN
        parts := parts || booking.day_svg_rect('buffer', booking.day_svg_minutes(g.ends_at, d, tz),
                                               booking.day_svg_minutes(g.ends_at, d, tz) + g.ba, y + 6, 28, h0, h1, 'buffer after, ' || g.ba || ' min');
      END IF;
      parts := parts || booking.day_svg_rect('booking', booking.day_svg_minutes(g.starts_at, d, tz), booking.day_svg_minutes(g.ends_at, d, tz), y + 4, 32, h0, h1,
                   pg_catalog.to_char(g.starts_at AT TIME ZONE tz, 'HH24:MI') || '-' || pg_catalog.to_char(g.ends_at AT TIME ZONE tz, 'HH24:MI')
                   || ' ' || coalesce(g.full_name, 'booked') || coalesce(' (' || g.service || ')', ''))
                     || xmlelement(name text, xmlattributes('booking-label' AS class,
                          booking.day_svg_x(booking.day_svg_minutes(g.starts_at, d, tz), h0, h1) + 2 AS x,
                          y + 24 AS y), pg_catalog.left(coalesce(g.full_name, 'booked'), 14));
      IF g.travel_minutes IS NOT NULL THEN
        mins := g.travel_minutes;
        parts := parts || xmlelement(name line, xmlattributes('travel' AS class,
                   booking.day_svg_x(booking.day_svg_minutes(g.prev_end, d, tz), h0, h1) AS x1, y + 38 AS y1,
                   booking.day_svg_x(booking.day_svg_minutes(g.prev_end, d, tz) + mins, h0, h1) AS x2, y + 38 AS y2),
                   xmlelement(name title, 'travel ' || mins || ' min'));
      END IF;
    END LOOP;

    CONTINUE WHEN sid IS NULL;

    -- the free slots of the service (their starts), and why each start of
    -- the grid that looks free (its whole duration in free time) is not one
    FOR g IN SELECT a.starts_at, a.ends_at FROM booking.available_slots(rid, sid, pg_catalog.tstzrange(day_from, day_to)) a LOOP
      parts := parts || booking.day_svg_rect('slot', booking.day_svg_minutes(g.starts_at, d, tz),
                                             booking.day_svg_minutes(g.starts_at, d, tz) + least(step, dur) * 0.6,
                                             y + 52, 14, h0, h1,
                                             'free slot ' || pg_catalog.to_char(g.starts_at AT TIME ZONE tz, 'HH24:MI') || '-'
                                             || pg_catalog.to_char(g.ends_at AT TIME ZONE tz, 'HH24:MI'));
    END LOOP;
    run_from := NULL;
    nb := 0;
    FOR g IN
      SELECT t, (SELECT pg_catalog.string_agg(x.reason, ', ' ORDER BY x.reason)
                   FROM booking.explain_slot(rid, sid, t) x WHERE x.reason <> 'bookable') AS why
        FROM pg_catalog.generate_series(d::pg_catalog.timestamp, (d + 1)::pg_catalog.timestamp - pg_catalog.make_interval(mins => step),
                                        pg_catalog.make_interval(mins => step)) lt,
             LATERAL (SELECT lt AT TIME ZONE tz AS t) z
       WHERE t >= day_from AND t < day_to
         AND free @> pg_catalog.tstzrange(t, t + pg_catalog.make_interval(mins => dur))
       ORDER BY t
    LOOP
      IF run_from IS NOT NULL AND (g.why IS DISTINCT FROM run_reasons OR g.t <> run_to) THEN
        nb := nb + 1;
        parts := parts || booking.day_svg_blocked(run_from, run_to, run_reasons, nb, d, tz, y, h0, h1);
        run_from := NULL;
      END IF;
      IF g.why IS NOT NULL AND run_from IS NULL THEN
        run_from := g.t; run_reasons := g.why;
      END IF;
      IF g.why IS NOT NULL THEN
        run_to := g.t + pg_catalog.make_interval(mins => step);
      END IF;
    END LOOP;
    IF run_from IS NOT NULL THEN
      nb := nb + 1;
      parts := parts || booking.day_svg_blocked(run_from, run_to, run_reasons, nb, d, tz, y, h0, h1);
    END IF;
  END LOOP;

  height := 76 + days * 110;
  RETURN xmlelement(name svg,
    xmlattributes('http://www.w3.org/2000/svg' AS xmlns, 1040 AS width, height AS height,
                  '0 0 1040 ' || height AS "viewBox", 'sans-serif' AS "font-family", 11 AS "font-size"),
    xmlelement(name title, coalesce(rname, 'resource') || ', ' || pg_catalog.to_char(day_svg.day, 'YYYY-MM-DD')
                           || CASE WHEN days > 1 THEN ' + ' || (days - 1) || ' days' ELSE '' END
                           || coalesce(', ' || sname, '') || ' (' || tz || ')'),
    xmlelement(name style,
      '.hours{fill:#e3f2e5}.exception-hours{fill:#fff3cd}.break{fill:#d6d6d6}.free{fill:#43a047}'
      '.booking{fill:#1565c0}.buffer{fill:#90caf9}.travel{stroke:#e65100;stroke-width:3}.travel-key{fill:#e65100}'
      '.slot{fill:#2e7d32}.blocked{fill:#ef9a9a}.hour{stroke:#e0e0e0}.hour-label,.legend{fill:#555}'
      '.booking-label{fill:#fff;font-size:10px}.reason{fill:#b71c1c;font-size:9px}.day-label{font-weight:bold}.exception{fill:#8a6d3b}'),
    xmlelement(name text, xmlattributes('legend' AS class, 8 AS x, 14 AS y),
      coalesce(rname, 'resource') || coalesce(', free slots of ' || sname, '') || ', ' || pg_catalog.to_char(day_svg.day, 'YYYY-MM-DD')
      || CASE WHEN days > 1 THEN ' + ' || (days - 1) || ' days' ELSE '' END || ' (' || tz || ')'),
    (SELECT xmlagg(xmlconcat(
              xmlelement(name rect, xmlattributes('key ' || l.c AS class, 110 + (l.k - 1) * 115 AS x, height - 18 AS y, 12 AS width, 10 AS height)),
              xmlelement(name text, xmlattributes('legend' AS class, 126 + (l.k - 1) * 115 AS x, height - 9 AS y), l.t)) ORDER BY l.k)
       FROM unnest('{hours,break,booking,buffer,travel-key,free,slot,blocked}'::pg_catalog.text[],
                              '{working hours,break,booking,buffer,travel,free time,slot start,not bookable}'::pg_catalog.text[])
            WITH ORDINALITY AS l(c, t, k)),
    (SELECT xmlagg(p ORDER BY k) FROM pg_catalog.unnest(parts) WITH ORDINALITY AS u(p, k)));
END
$$;
COMMENT ON FUNCTION booking.day_svg(pg_catalog.uuid, pg_catalog.date, pg_catalog.uuid, pg_catalog.int4) IS
  'an SVG picture of a resource''s day (or days days from day, at most 31) in the org''s local time: working hours (class hours), breaks (break), exceptions, free time (free), the bookings the caller may read (booking; the client''s name only where the caller may read the client) with their buffers (buffer) and the travel between consecutive ones (travel); with service_id, the starts of its free slots (slot) and every run of grid starts that looks free but is not bookable, with the reasons of booking.explain_slot (blocked); security invoker: row-level security decides what it shows';
