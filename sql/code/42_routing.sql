-- Optional road network: an org's road graph, and the routing source of
-- travel times.  booking.route_travel_times() routes between points over the
-- org's graph with pgrouting and stores the times in the travel time cache
-- (source 'pgrouting'), where booking.travel_time() and travel_matrix() find
-- them like any other entry.  Nothing here references pgrouting when the
-- extension is created: the function finds it at run time, so booking
-- installs and works without it (route_travel_times then raises 0A000).

CREATE OR REPLACE FUNCTION booking.road_snap(org_id pg_catalog.uuid, points geography[], max_meters pg_catalog.float8)
  RETURNS TABLE (point_index pg_catalog.int4, node_id pg_catalog.int8, snap_meters pg_catalog.float8)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  gis pg_catalog.name;
BEGIN
  -- PL/pgSQL: it reads road_node (see booking.seats_taken_except); PostGIS,
  -- whose names a PL/pgSQL body cannot bind at creation, is found at run
  -- time as route_travel_times finds pgrouting.  The arguments carry
  -- PostGIS's exact types so that no other overload matches.
  SELECT s.nspname INTO gis
    FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace s ON s.oid OPERATOR(pg_catalog.=) x.extnamespace
   WHERE x.extname OPERATOR(pg_catalog.=) 'postgis';
  RETURN QUERY EXECUTE pg_catalog.format(
    $q$SELECT u.i::pg_catalog.int4, n.id, n.meters
         FROM pg_catalog.unnest($2) WITH ORDINALITY AS u(p, i)
         LEFT JOIN LATERAL (
           SELECT r.id, %1$I.ST_Distance(r.point::%1$I.geography, u.p, false) AS meters
             FROM booking.road_node r
            WHERE r.org_id OPERATOR(pg_catalog.=) $1
            ORDER BY r.point::%1$I.geography OPERATOR(%1$I.<->) u.p, r.id
            LIMIT 1) AS n ON n.meters OPERATOR(pg_catalog.<=) $3
        ORDER BY u.i$q$, gis)
    USING road_snap.org_id, road_snap.points, road_snap.max_meters;
END
$$;
COMMENT ON FUNCTION booking.road_snap(pg_catalog.uuid, geography[], pg_catalog.float8) IS
  'for each point (1-based point_index) the nearest booking.road_node of the org and its great-circle distance in metres, or NULLs when the nearest is farther than max_meters (or the org has no graph); row-level security applies';

CREATE OR REPLACE FUNCTION booking.route_travel_times(
    org_id pg_catalog.uuid, points geography[],
    valid_for pg_catalog.interval DEFAULT '30 days',
    max_snap_meters pg_catalog.float8 DEFAULT 500,
    access_kmh pg_catalog.float8 DEFAULT 20,
    traffic_multiplier pg_catalog.float8 DEFAULT 1,
    peak_hour_multiplier pg_catalog.float8 DEFAULT 1,
    time_of_day_factors pg_catalog.float8[] DEFAULT NULL,
    OUT from_index pg_catalog.int4, OUT to_index pg_catalog.int4, OUT status pg_catalog.text,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4)
  RETURNS SETOF record
  LANGUAGE plpgsql VOLATILE ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  n pg_catalog.int4;
  i pg_catalog.int4;
  pgr pg_catalog.name;
  nodes pg_catalog.int8[];
  snaps pg_catalog.float8[];
  cells pg_catalog.text[];
  vids pg_catalog.int8[];
  r_from pg_catalog.int8[];
  r_to pg_catalog.int8[];
  r_seconds pg_catalog.float8[];
  r_meters pg_catalog.float8[];
  access_mps pg_catalog.float8;
  valid_until pg_catalog.timestamptz;
  pair record;
  stored booking.travel_time_cache;
BEGIN
  -- the arguments
  IF route_travel_times.org_id IS NULL OR points IS NULL OR valid_for IS NULL OR max_snap_meters IS NULL
     OR access_kmh IS NULL OR traffic_multiplier IS NULL OR peak_hour_multiplier IS NULL THEN
    RAISE EXCEPTION 'arguments of route_travel_times must not be null (but time_of_day_factors)'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF pg_catalog.array_ndims(points) OPERATOR(pg_catalog.>) 1 THEN
    RAISE EXCEPTION 'points must be a one-dimensional array' USING ERRCODE = 'array_subscript_error';
  END IF;
  n := pg_catalog.cardinality(points);
  IF n OPERATOR(pg_catalog.>) 100 THEN
    RAISE EXCEPTION 'points: too many points to route'
      USING ERRCODE = 'program_limit_exceeded',
            DETAIL = pg_catalog.format('The array has %s points; the limit is 100 (9,900 pairs).', n),
            HINT = 'Route the points in batches: pairs between batches need both points in one call.';
  END IF;
  FOR i IN 1 .. n LOOP
    IF points[i] IS NULL THEN
      RAISE EXCEPTION 'points[%] must not be null', i USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM booking.checked_point(points[i], pg_catalog.format('points[%s]', i));
  END LOOP;
  IF valid_for OPERATOR(pg_catalog.<=) '0'::pg_catalog.interval THEN
    RAISE EXCEPTION 'valid_for must be a positive interval' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Cache entries must stay valid for some time after now(), e.g. interval ''30 days''.';
  END IF;
  IF NOT (max_snap_meters OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
          AND max_snap_meters OPERATOR(pg_catalog.<=) 100000::pg_catalog.float8) THEN
    RAISE EXCEPTION 'max_snap_meters must lie in [0, 100000], not %', max_snap_meters
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (access_kmh OPERATOR(pg_catalog.>) 0::pg_catalog.float8
          AND access_kmh OPERATOR(pg_catalog.<=) 300::pg_catalog.float8) THEN
    RAISE EXCEPTION 'access_kmh must lie in (0, 300], not %', access_kmh
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- pgrouting, found at run time
  SELECT s.nspname INTO pgr
    FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace s ON s.oid OPERATOR(pg_catalog.=) x.extnamespace
   WHERE x.extname OPERATOR(pg_catalog.=) 'pgrouting';
  IF pgr IS NULL THEN
    RAISE EXCEPTION 'routing travel times needs the pgrouting extension'
      USING ERRCODE = 'feature_not_supported',
            DETAIL = 'Extension pgrouting is not installed in this database; booking works without it, using cached and estimated times.',
            HINT = 'CREATE EXTENSION pgrouting';
  END IF;

  -- who: the acting org's staff, or a role that bypasses row-level security
  IF NOT booking.caller_bypasses_rls() THEN
    IF booking.current_org_id() IS DISTINCT FROM route_travel_times.org_id THEN
      RAISE EXCEPTION 'route_travel_times works for the acting org only'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Call booking.act_as(org_id, user_id) first, or run it as a role that bypasses row-level security.';
    END IF;
    IF NOT booking.acting_is_staff() THEN
      RAISE EXCEPTION 'routing travel times needs an owner, admin or staff member'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF n OPERATOR(pg_catalog.<) 2 THEN
    RETURN;
  END IF;

  -- snap every point to its nearest vertex, and find its cache cell
  SELECT pg_catalog.array_agg(s.node_id ORDER BY s.point_index), pg_catalog.array_agg(s.snap_meters ORDER BY s.point_index)
    INTO nodes, snaps
    FROM booking.road_snap(route_travel_times.org_id, points, max_snap_meters) AS s;
  SELECT pg_catalog.array_agg(booking.travel_cell(route_travel_times.org_id, u.p) ORDER BY u.i)
    INTO cells
    FROM pg_catalog.unnest(points) WITH ORDINALITY AS u(p, i);
  SELECT pg_catalog.array_agg(DISTINCT v) INTO vids
    FROM pg_catalog.unnest(nodes) AS v WHERE v IS NOT NULL;

  -- one many-to-many Dijkstra over the org's edges: per pair of vertices
  -- the cost of the fastest route and the length of its edges.  The edge
  -- query is ours, reads only booking.road_edge of this org, and quotes the
  -- org as a literal.  pgrouting's SQL functions call their helpers
  -- unqualified, so its schema is on the path for this statement only,
  -- after pg_catalog.
  IF pg_catalog.cardinality(vids) OPERATOR(pg_catalog.>) 1 THEN
    PERFORM pg_catalog.set_config('search_path', pg_catalog.format('pg_catalog, %I, pg_temp', pgr), true);
    EXECUTE pg_catalog.format(
      'SELECT pg_catalog.array_agg(r.start_vid), pg_catalog.array_agg(r.end_vid),
              pg_catalog.array_agg(r.seconds), pg_catalog.array_agg(r.meters)
         FROM (SELECT d.start_vid, d.end_vid, pg_catalog.max(d.agg_cost) AS seconds,
                      coalesce(pg_catalog.sum(e.length_meters), 0::pg_catalog.float8) AS meters
                 FROM %I.pgr_dijkstra(%L, $1, $1, true) AS d
                 LEFT JOIN booking.road_edge e
                        ON e.org_id OPERATOR(pg_catalog.=) %L::pg_catalog.uuid AND e.id OPERATOR(pg_catalog.=) d.edge
                GROUP BY d.start_vid, d.end_vid) AS r',
      pgr,
      pg_catalog.format(
        'SELECT e.id, e.source, e.target, e.cost_seconds AS cost,
                coalesce(e.reverse_cost_seconds, ''-1''::pg_catalog.float8) AS reverse_cost
           FROM booking.road_edge e
          WHERE e.org_id OPERATOR(pg_catalog.=) %L::pg_catalog.uuid',
        route_travel_times.org_id),
      route_travel_times.org_id)
      INTO r_from, r_to, r_seconds, r_meters
      USING vids;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  END IF;

  -- every ordered pair of points: judge it, store the routable ones.  A pair
  -- is stored only if no earlier pair (in index order) was stored for the
  -- same two cells, since one cache entry serves both.
  access_mps := access_kmh OPERATOR(pg_catalog.*) 1000::pg_catalog.float8 OPERATOR(pg_catalog./) 3600::pg_catalog.float8;
  valid_until := pg_catalog.now() OPERATOR(pg_catalog.+) valid_for;
  FOR pair IN
    WITH pt AS (
      SELECT u.i::pg_catalog.int4 AS i, u.p, nodes[u.i] AS node, snaps[u.i] AS snap, cells[u.i] AS cell
        FROM pg_catalog.unnest(points) WITH ORDINALITY AS u(p, i)),
    route AS (
      SELECT x.src, x.dst, x.seconds, x.meters
        FROM ROWS FROM (pg_catalog.unnest(r_from), pg_catalog.unnest(r_to), pg_catalog.unnest(r_seconds),
                       pg_catalog.unnest(r_meters)) AS x(src, dst, seconds, meters)),
    judged AS (
      SELECT a.i AS fi, b.i AS ti, a.p AS fp, b.p AS tp, a.cell AS fc, b.cell AS tc,
             CASE WHEN a.cell OPERATOR(pg_catalog.=) b.cell THEN 'same_cell'
                  WHEN a.node IS NULL OR b.node IS NULL THEN 'not_snapped'
                  WHEN a.node OPERATOR(pg_catalog.<>) b.node AND r.src IS NULL THEN 'unreachable'
                  ELSE 'stored' END AS st,
             -- (OPERATOR() syntax gives every operator one precedence: parenthesize)
             coalesce(r.seconds, 0::pg_catalog.float8)
               OPERATOR(pg_catalog.+) ((a.snap OPERATOR(pg_catalog.+) b.snap) OPERATOR(pg_catalog./) access_mps) AS seconds,
             coalesce(r.meters, 0::pg_catalog.float8) OPERATOR(pg_catalog.+) a.snap OPERATOR(pg_catalog.+) b.snap AS meters
        FROM pt a
        JOIN pt b ON a.i OPERATOR(pg_catalog.<>) b.i
        LEFT JOIN route r ON r.src OPERATOR(pg_catalog.=) a.node AND r.dst OPERATOR(pg_catalog.=) b.node)
    SELECT j.fi, j.ti, j.fp, j.tp, j.seconds, j.meters,
           CASE WHEN j.st OPERATOR(pg_catalog.=) 'stored'
                 AND pg_catalog.row_number() OVER (PARTITION BY j.st, j.fc, j.tc ORDER BY j.fi, j.ti) OPERATOR(pg_catalog.>) 1
                THEN 'duplicate' ELSE j.st END AS st
      FROM judged j
     ORDER BY j.fi, j.ti
  LOOP
    from_index := pair.fi;
    to_index := pair.ti;
    status := pair.st;
    minutes := NULL;
    distance_meters := NULL;
    IF pair.st OPERATOR(pg_catalog.=) 'stored' THEN
      stored := booking.store_travel_time(
        route_travel_times.org_id, pair.fp, pair.tp,
        booking.travel_round_minutes(pair.seconds OPERATOR(pg_catalog./) 60::pg_catalog.float8),
        pg_catalog.round(LEAST(pair.meters, 40000000::pg_catalog.float8))::pg_catalog.int4,
        valid_until, traffic_multiplier, peak_hour_multiplier, time_of_day_factors,
        'pgrouting', 'high');
      minutes := stored.driving_minutes;
      distance_meters := stored.distance_meters;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.route_travel_times(pg_catalog.uuid, geography[], pg_catalog.interval, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8[]) IS
  'routes every ordered pair of points (at most 100) over org_id''s road graph with pgrouting and stores each time in the travel time cache (source pgrouting, reliability high, valid for valid_for); a point is snapped to its nearest vertex within max_snap_meters and the snapping distance is driven at access_kmh. Returns per pair: status stored (with the minutes and metres), unreachable, not_snapped, same_cell or duplicate. Runs with the caller''s rights: the acting org''s staff, or a role that bypasses row-level security for any org. Needs pgrouting (0A000 without it)';

CREATE OR REPLACE FUNCTION booking.route_travel_times(
    points geography[],
    valid_for pg_catalog.interval DEFAULT '30 days',
    max_snap_meters pg_catalog.float8 DEFAULT 500,
    access_kmh pg_catalog.float8 DEFAULT 20,
    traffic_multiplier pg_catalog.float8 DEFAULT 1,
    peak_hour_multiplier pg_catalog.float8 DEFAULT 1,
    time_of_day_factors pg_catalog.float8[] DEFAULT NULL,
    OUT from_index pg_catalog.int4, OUT to_index pg_catalog.int4, OUT status pg_catalog.text,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4)
  RETURNS SETOF record
  LANGUAGE plpgsql VOLATILE ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF booking.current_org_id() IS NULL THEN
    RAISE EXCEPTION 'no acting org'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Call booking.act_as(org_id, user_id) first, or use the overload that takes an org_id.';
  END IF;
  RETURN QUERY
    SELECT r.from_index, r.to_index, r.status, r.minutes, r.distance_meters
      FROM booking.route_travel_times(booking.current_org_id(), points, valid_for, max_snap_meters, access_kmh,
                                      traffic_multiplier, peak_hour_multiplier, time_of_day_factors) AS r;
END
$$;
COMMENT ON FUNCTION booking.route_travel_times(geography[], pg_catalog.interval, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8[]) IS
  'booking.route_travel_times for the acting org (owner, admin or staff)';
