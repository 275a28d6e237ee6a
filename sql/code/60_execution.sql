-- Execution: the lesson of a booking, its GPS trips and their points.

CREATE OR REPLACE FUNCTION booking.lesson_distance(org_id pg_catalog.uuid, lesson_id pg_catalog.uuid)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL: it reads trip and trip_point (see booking.seats_taken_except);
  -- the distance is booking.point_meters (PostGIS bound at its creation)
  RETURN (SELECT pg_catalog.round(COALESCE(pg_catalog.sum(booking.point_meters(legs.a, legs.b)), 0::pg_catalog.float8))::pg_catalog.int4
            FROM (SELECT p.point AS a,
                         pg_catalog.lag(p.point) OVER (PARTITION BY p.trip_id ORDER BY p.ts, p.id) AS b
                    FROM booking.trip t
                    JOIN booking.trip_point p
                      ON p.org_id OPERATOR(pg_catalog.=) t.org_id AND p.trip_id OPERATOR(pg_catalog.=) t.id
                   WHERE t.org_id OPERATOR(pg_catalog.=) lesson_distance.org_id
                     AND t.lesson_id OPERATOR(pg_catalog.=) lesson_distance.lesson_id) legs);
END
$$;
COMMENT ON FUNCTION booking.lesson_distance(pg_catalog.uuid, pg_catalog.uuid) IS
  'metres driven in a lesson: the sum over its trips of the geodesic distances between consecutive GPS points (in time order)';
