-- Places and times as applications give them and read them (issue 19):
-- a checked point from latitude and longitude, an org's service area, and
-- a time as the org's wall-clock time with its zone (for messages).

CREATE OR REPLACE FUNCTION booking.lat_lng(lat pg_catalog.float8, lng pg_catalog.float8)
  RETURNS booking.point
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF lat IS NULL AND lng IS NULL THEN
    RETURN NULL;
  END IF;
  IF lat IS NULL OR lng IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = pg_catalog.format('%s must not be null when %s is given',
                                  CASE WHEN lat IS NULL THEN 'lat' ELSE 'lng' END,
                                  CASE WHEN lat IS NULL THEN 'lng' ELSE 'lat' END);
  END IF;
  IF lat OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8 OR lng OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('%s must be a number, not NaN', CASE WHEN lat OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8 THEN 'lat' ELSE 'lng' END);
  END IF;
  IF lat NOT BETWEEN -90 AND 90 THEN
    RAISE EXCEPTION USING ERRCODE = 'numeric_value_out_of_range',
      MESSAGE = pg_catalog.format('lat must be between -90 and 90, not %s', lat),
      HINT = CASE WHEN lng BETWEEN -90 AND 90 THEN 'Are lat and lng swapped? lat is the latitude (north-south), lng the longitude (east-west).' END;
  END IF;
  IF lng NOT BETWEEN -180 AND 180 THEN
    RAISE EXCEPTION USING ERRCODE = 'numeric_value_out_of_range',
      MESSAGE = pg_catalog.format('lng must be between -180 and 180, not %s', lng);
  END IF;
  -- float8 prints its shortest exact form: the point has these coordinates
  RETURN pg_catalog.format('SRID=4326;POINT(%s %s)', lng, lat)::booking.point;
END
$$;
COMMENT ON FUNCTION booking.lat_lng(pg_catalog.float8, pg_catalog.float8) IS
  'the point at latitude lat (-90..90, north positive) and longitude lng (-180..180, east positive), e.g. booking.lat_lng(lat => 52.52, lng => 13.405) for Berlin; NULL when both are NULL; out of range 22003, NaN 22023, one of them NULL 22004, naming the argument';

-- A point as {"lat": .., "lng": ..} (NULL for NULL), the inverse of
-- booking.lat_lng: how the history and the outbox name a place.
CREATE OR REPLACE FUNCTION booking.point_lat_lng(point booking.point)
  RETURNS pg_catalog.jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  -- PostGIS names are bound here, when the extension is created
  SELECT pg_catalog.jsonb_build_object('lat', ST_Y(point_lat_lng.point::geometry), 'lng', ST_X(point_lat_lng.point::geometry))
   WHERE point_lat_lng.point IS NOT NULL;
END;
COMMENT ON FUNCTION booking.point_lat_lng(booking.point) IS
  'the point as a JSON object {"lat": latitude, "lng": longitude} (NULL for NULL), the inverse of booking.lat_lng';

-- Whether a place (a point and an address) has changed: the life cycle's
-- test of a move of pickup or dropoff (points compared exactly, as text).
CREATE OR REPLACE FUNCTION booking.place_moved(old_point booking.point, old_address pg_catalog.text,
                                               new_point booking.point, new_address pg_catalog.text)
  RETURNS pg_catalog.bool
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT (place_moved.old_point::pg_catalog.text IS DISTINCT FROM place_moved.new_point::pg_catalog.text)
         OR (place_moved.old_address IS DISTINCT FROM place_moved.new_address);
END;
COMMENT ON FUNCTION booking.place_moved(booking.point, pg_catalog.text, booking.point, pg_catalog.text) IS
  'whether a place moved: the point (compared exactly) or the address differs, NULL and a value being different';

-- Whether a pickup and dropoff lie in the org's service area: NULL when they
-- do (or the org has none), else the first outside, named with its
-- coordinates ('pickup_point (lat 13.4, lng 52.5)').  The write path refuses (23K16) and
-- the solver offers no slot where this is not NULL.
-- The test of the area for given points (no table: an SQL function whose
-- PostGIS names are bound here, when the extension is created).
CREATE OR REPLACE FUNCTION booking.service_area_outside(center geography, radius_meters pg_catalog.int4, polygon geography,
                                             pickup_point booking.point, dropoff_point booking.point)
  RETURNS pg_catalog.text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  -- one test of the area for both points, the pickup first
  SELECT pg_catalog.format('%s (lat %s, lng %s)', p.name, ST_Y(p.point::geometry), ST_X(p.point::geometry))
    FROM (VALUES (1, 'pickup_point', service_area_outside.pickup_point),
                 (2, 'dropoff_point', service_area_outside.dropoff_point)) AS p(i, name, point)
   WHERE p.point IS NOT NULL
     AND NOT ((service_area_outside.center IS NULL
               OR ST_DWithin(p.point, service_area_outside.center, service_area_outside.radius_meters))
              AND (service_area_outside.polygon IS NULL OR ST_Covers(service_area_outside.polygon, p.point)))
   ORDER BY p.i
   LIMIT 1;
END;
COMMENT ON FUNCTION booking.service_area_outside(geography, pg_catalog.int4, geography, booking.point, booking.point) IS
  'internal (booking.service_area_refusal): NULL when pickup_point and dropoff_point (either may be NULL) lie in the area of center and radius_meters and of polygon (each NULL: everywhere), else the first outside, named with its coordinates';

-- The org's row read by PL/pgSQL, a router query on Citus (which cannot
-- plan an SQL function's parameters in a query of a distributed table: a
-- booking with a pickup point failed in the write trigger on the worker).
CREATE OR REPLACE FUNCTION booking.service_area_refusal(org_id pg_catalog.uuid, pickup_point booking.point,
                                             dropoff_point booking.point DEFAULT NULL)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  o record;
BEGIN
  SELECT x.service_area_center, x.service_area_radius_meters, x.service_area_polygon INTO o
    FROM booking.org x WHERE x.id OPERATOR(pg_catalog.=) service_area_refusal.org_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  RETURN booking.service_area_outside(o.service_area_center, o.service_area_radius_meters, o.service_area_polygon,
                                      service_area_refusal.pickup_point, service_area_refusal.dropoff_point);
END
$$;
COMMENT ON FUNCTION booking.service_area_refusal(pg_catalog.uuid, booking.point, booking.point) IS
  'NULL when pickup_point and dropoff_point (either may be NULL) lie in the org''s service area (org.service_area_center/_radius_meters and org.service_area_polygon; none set: everywhere), else the first outside, named with its coordinates; booking.check_service_area raises 23K16 for it and the solver offers no slot';

-- The one raiser of 23K16: the write path (booking.tg_write_check) and
-- booking.book_first_available call it.
CREATE OR REPLACE FUNCTION booking.check_service_area(org_id pg_catalog.uuid, pickup_point booking.point,
                                           dropoff_point booking.point DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  outside pg_catalog.text;
BEGIN
  IF pickup_point IS NULL AND dropoff_point IS NULL THEN
    RETURN;
  END IF;
  outside := booking.service_area_refusal(org_id, pickup_point, dropoff_point);
  IF outside IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '23K16',
      MESSAGE = pg_catalog.format('%s is outside the org''s service area', pg_catalog.split_part(outside, ' ', 1)),
      DETAIL = pg_catalog.format('The %s lies outside the service area of org %s.', outside, org_id),
      HINT = 'Check the coordinates: booking.lat_lng(lat => ..., lng => ...) takes the latitude first; swapped ones land far away.';
  END IF;
END
$$;
COMMENT ON FUNCTION booking.check_service_area(pg_catalog.uuid, booking.point, booking.point) IS
  'raise 23K16 when pickup_point or dropoff_point lies outside the org''s service area (booking.service_area_refusal); the write path''s check, never overridden';

CREATE OR REPLACE FUNCTION booking.local_time_text(at pg_catalog.timestamptz, zone pg_catalog.text)
  RETURNS pg_catalog.text
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_local_time_text';
COMMENT ON FUNCTION booking.local_time_text(pg_catalog.timestamptz, pg_catalog.text) IS
  'at as the wall-clock time of zone with its abbreviation (or UTC offset), e.g. ''2026-12-09 16:15 CET'': how the engine''s messages print times';

CREATE OR REPLACE FUNCTION booking.org_zone(org_id pg_catalog.uuid)
  RETURNS pg_catalog.text
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT o.time_zone::pg_catalog.text FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) org_zone.org_id;
END;
COMMENT ON FUNCTION booking.org_zone(pg_catalog.uuid) IS
  'the IANA time zone of the org (NULL for an unknown or invisible org), in which messages print its times';
