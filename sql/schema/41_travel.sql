-- Travel time: an org's settings, the checks on the cache table, and the
-- lookup functions (src/travel_time.c and its neighbours, src/core/travel.c).

CREATE TABLE booking.travel_setting (
  org_id             pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  geohash_precision  pg_catalog.int4 NOT NULL DEFAULT 7 CHECK (geohash_precision BETWEEN 1 AND 12),
  detour_factor      pg_catalog.float8 NOT NULL DEFAULT 1.3
                       CHECK (detour_factor OPERATOR(pg_catalog.>=) 1::pg_catalog.float8 AND detour_factor OPERATOR(pg_catalog.<=) 5::pg_catalog.float8),
  speed_kmh          pg_catalog.float8[] NOT NULL
                       DEFAULT '{40,40,40,40,40,40,35,20,20,30,30,30,30,30,30,30,20,20,30,35,35,35,40,40}'
                       CHECK (pg_catalog.array_ndims(speed_kmh) OPERATOR(pg_catalog.=) 1
                              AND pg_catalog.cardinality(speed_kmh) OPERATOR(pg_catalog.=) 24
                              AND pg_catalog.array_position(speed_kmh, NULL) IS NULL
                              AND 0::pg_catalog.float8 OPERATOR(pg_catalog.<) ALL (speed_kmh)
                              AND 300::pg_catalog.float8 OPERATOR(pg_catalog.>=) ALL (speed_kmh)),
  min_minutes        pg_catalog.int4 NOT NULL DEFAULT 5 CHECK (min_minutes BETWEEN 0 AND 1440),
  peak_windows       booking.timemultirange NOT NULL DEFAULT '{[07:00,09:00),[16:00,18:00)}'
                       CHECK (booking.minute_windows_ok(peak_windows)),
  created_at         pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at         pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id)
);
COMMENT ON TABLE booking.travel_setting IS
  'an org''s travel-time settings; an org without a row uses the defaults of the columns';
COMMENT ON COLUMN booking.travel_setting.geohash_precision IS
  'characters of the geohash cells that key booking.travel_time_cache: 7 is about 153 m x 153 m at the equator (92 m x 153 m at Berlin)';
COMMENT ON COLUMN booking.travel_setting.detour_factor IS
  'road distance over great-circle distance assumed by the estimate, 1 to 5';
COMMENT ON COLUMN booking.travel_setting.speed_kmh IS
  'estimate speed in km/h by local hour of departure, 24 values (index 1 = 00:00-00:59), each in (0, 300]';
COMMENT ON COLUMN booking.travel_setting.min_minutes IS
  'the estimate between two distinct points is never below this';
COMMENT ON COLUMN booking.travel_setting.peak_windows IS
  'local times of day in which a cache entry''s peak_hour_multiplier applies; [inclusive, exclusive) ranges on whole minutes';
