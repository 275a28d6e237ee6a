-- Travel time: an org's settings, the checks on the cache table, and the
-- lookup functions (src/travel_time.c and its neighbours, src/core/travel.c).

CREATE OR REPLACE FUNCTION booking.tg_travel_cache_check() RETURNS trigger
  LANGUAGE c
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_cache_check';
COMMENT ON FUNCTION booking.tg_travel_cache_check() IS
  'checks a travel time cache entry (points, factors, validity in the future) and sets its cell hashes and last_updated';

CREATE OR REPLACE TRIGGER travel_time_cache_check BEFORE INSERT OR UPDATE ON booking.travel_time_cache
  FOR EACH ROW EXECUTE FUNCTION booking.tg_travel_cache_check();

CREATE OR REPLACE FUNCTION booking.travel_time(
    origin geography, destination geography, depart_at pg_catalog.timestamptz,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4,
    OUT source pg_catalog.text, OUT reliability pg_catalog.text)
  RETURNS record
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  -- no SET search_path: resolves no name at run time, and on PostgreSQL 15
  -- the SET clause would cost a third of a cached lookup (see test/pgtap/schema.sql)
  AS 'MODULE_PATHNAME', 'booking_travel_time';
COMMENT ON FUNCTION booking.travel_time(geography, geography, pg_catalog.timestamptz) IS
  'driving time from origin to destination departing at depart_at, for the acting org: 0 for the same point (source same_point), else a valid cache entry of the two cells (source cache), else the estimate (source estimate, reliability low)';

CREATE OR REPLACE FUNCTION booking.travel_time(
    org_id pg_catalog.uuid, origin geography, destination geography, depart_at pg_catalog.timestamptz,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4,
    OUT source pg_catalog.text, OUT reliability pg_catalog.text)
  RETURNS record
  LANGUAGE c STABLE STRICT PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_time';
COMMENT ON FUNCTION booking.travel_time(pg_catalog.uuid, geography, geography, pg_catalog.timestamptz) IS
  'booking.travel_time for the given org, without an acting identity; for administrative roles (EXECUTE is revoked from PUBLIC)';

CREATE OR REPLACE FUNCTION booking.travel_matrix(
    points geography[], depart_at pg_catalog.timestamptz,
    OUT from_index pg_catalog.int4, OUT to_index pg_catalog.int4,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4,
    OUT source pg_catalog.text, OUT reliability pg_catalog.text)
  RETURNS SETOF record
  LANGUAGE c STABLE STRICT PARALLEL SAFE ROWS 2500
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_matrix';
COMMENT ON FUNCTION booking.travel_matrix(geography[], pg_catalog.timestamptz) IS
  'booking.travel_time between every ordered pair of points (1-based indexes, diagonal included), for the acting org, with one cache scan per distinct origin cell';

CREATE OR REPLACE FUNCTION booking.travel_matrix(
    org_id pg_catalog.uuid, points geography[], depart_at pg_catalog.timestamptz,
    OUT from_index pg_catalog.int4, OUT to_index pg_catalog.int4,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4,
    OUT source pg_catalog.text, OUT reliability pg_catalog.text)
  RETURNS SETOF record
  LANGUAGE c STABLE STRICT PARALLEL SAFE SECURITY DEFINER ROWS 2500
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_matrix';
COMMENT ON FUNCTION booking.travel_matrix(pg_catalog.uuid, geography[], pg_catalog.timestamptz) IS
  'booking.travel_matrix for the given org, without an acting identity; for administrative roles (EXECUTE is revoked from PUBLIC)';

CREATE OR REPLACE FUNCTION booking.store_travel_time(
    org_id pg_catalog.uuid,
    origin geography, destination geography,
    driving_minutes pg_catalog.int4, distance_meters pg_catalog.int4,
    valid_until pg_catalog.timestamptz,
    traffic_multiplier pg_catalog.float8 DEFAULT 1,
    peak_hour_multiplier pg_catalog.float8 DEFAULT 1,
    time_of_day_factors pg_catalog.float8[] DEFAULT NULL,
    source pg_catalog.text DEFAULT 'manual',
    reliability pg_catalog.text DEFAULT 'medium')
  RETURNS booking.travel_time_cache
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  stored booking.travel_time_cache;
BEGIN
  -- PL/pgSQL: it writes travel_time_cache (see booking.seats_taken_except);
  -- use_column: the conflict target's names are the table's columns
  INSERT INTO booking.travel_time_cache AS c
         (org_id, from_point, to_point, driving_minutes, distance_meters, traffic_multiplier,
          peak_hour_multiplier, time_of_day_factors, cache_valid_until, source, reliability)
  VALUES (store_travel_time.org_id, booking.checked_point(store_travel_time.origin, 'origin'),
          booking.checked_point(store_travel_time.destination, 'destination'),
          store_travel_time.driving_minutes, store_travel_time.distance_meters, store_travel_time.traffic_multiplier,
          store_travel_time.peak_hour_multiplier, store_travel_time.time_of_day_factors, store_travel_time.valid_until,
          store_travel_time.source, store_travel_time.reliability)
  ON CONFLICT (org_id, from_hash, to_hash) DO UPDATE
     SET from_point = excluded.from_point, to_point = excluded.to_point,
         driving_minutes = excluded.driving_minutes, distance_meters = excluded.distance_meters,
         traffic_multiplier = excluded.traffic_multiplier,
         peak_hour_multiplier = excluded.peak_hour_multiplier,
         time_of_day_factors = excluded.time_of_day_factors,
         cache_valid_until = excluded.cache_valid_until,
         source = excluded.source, reliability = excluded.reliability
  RETURNING * INTO stored;
  RETURN stored;
END
$$;
COMMENT ON FUNCTION booking.store_travel_time(pg_catalog.uuid, geography, geography, pg_catalog.int4, pg_catalog.int4, pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8[], pg_catalog.text, pg_catalog.text) IS
  'stores or refreshes org_id''s cache entry for the cells of origin and destination (every field checked by the table''s trigger) and returns it; runs with the caller''s rights, so row-level security limits it to the acting org (staff) unless the caller bypasses it';

CREATE OR REPLACE FUNCTION booking.store_travel_time(
    origin geography, destination geography,
    driving_minutes pg_catalog.int4, distance_meters pg_catalog.int4,
    valid_until pg_catalog.timestamptz,
    traffic_multiplier pg_catalog.float8 DEFAULT 1,
    peak_hour_multiplier pg_catalog.float8 DEFAULT 1,
    time_of_day_factors pg_catalog.float8[] DEFAULT NULL,
    source pg_catalog.text DEFAULT 'manual',
    reliability pg_catalog.text DEFAULT 'medium')
  RETURNS booking.travel_time_cache
  LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT s.*
    FROM booking.store_travel_time(booking.current_org_id(), origin, destination, driving_minutes, distance_meters,
                                   valid_until, traffic_multiplier, peak_hour_multiplier, time_of_day_factors,
                                   source, reliability) AS s;
END;
COMMENT ON FUNCTION booking.store_travel_time(geography, geography, pg_catalog.int4, pg_catalog.int4, pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8[], pg_catalog.text, pg_catalog.text) IS
  'stores or refreshes the acting org''s cache entry for the cells of origin and destination (every field checked by the table''s trigger) and returns it';

CREATE OR REPLACE FUNCTION booking.travel_cell(org_id pg_catalog.uuid, point geography) RETURNS pg_catalog.text
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_cell';
COMMENT ON FUNCTION booking.travel_cell(pg_catalog.uuid, geography) IS
  'the cache cell of a point for an org: its geohash at the org''s geohash_precision, as from_hash/to_hash of booking.travel_time_cache';

CREATE OR REPLACE FUNCTION booking.travel_round_minutes(raw_minutes pg_catalog.float8) RETURNS pg_catalog.int4
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_round_minutes';
COMMENT ON FUNCTION booking.travel_round_minutes(pg_catalog.float8) IS
  'whole minutes of a travel time as every travel function rounds them: ceil(raw_minutes - 0.000001), at most 100000; 22003 for NaN, infinite or negative input';
