-- Lessons as they happen (issue 20): the life cycle drives the lesson, GPS
-- points are ingested per trip (arrays, or COPY into a staging table), and
-- each batch folds into the trip's figures in C (src/core/track.c).
--
-- SQLSTATEs raised here (documented in the README):
--   22G01-22G05 from the C figures (src/track.c): bad fix, order, parameter,
--               damaged state, arrays of different lengths
--   23G01 a lesson for a booking that is not an appointment of a lesson service
--   23G02 trip not found (unknown, or of another org)
--   23G03 lesson closed (its booking was cancelled or a no-show)
--   23G04 lesson not started

CREATE OR REPLACE FUNCTION booking.track_fold(state pg_catalog.float8[], ts pg_catalog.timestamptz[],
    lat pg_catalog.float8[], lng pg_catalog.float8[], accuracy_m pg_catalog.float8[],
    max_speed_kph pg_catalog.float8 DEFAULT 250, merge_min_m pg_catalog.float8 DEFAULT 5,
    max_gap_s pg_catalog.float8 DEFAULT 60, max_accuracy_m pg_catalog.float8 DEFAULT 100)
  RETURNS pg_catalog.float8[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_track_fold';
COMMENT ON FUNCTION booking.track_fold(pg_catalog.float8[], pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'folds fixes (strictly increasing times, after the state''s last) into a trip''s figure state (NULL: empty); see README, "GPS trips"';

CREATE OR REPLACE FUNCTION booking.track_figures(state pg_catalog.float8[],
    max_speed_limit_kph pg_catalog.float8 DEFAULT 250, merge_min_m pg_catalog.float8 DEFAULT 5,
    max_gap_s pg_catalog.float8 DEFAULT 60, max_accuracy_m pg_catalog.float8 DEFAULT 100,
    OUT distance_m pg_catalog.float8, OUT moving_distance_m pg_catalog.float8,
    OUT moving_s pg_catalog.float8, OUT stationary_s pg_catalog.float8,
    OUT max_speed_kph pg_catalog.float8, OUT avg_moving_speed_kph pg_catalog.float8,
    OUT fixes_used pg_catalog.int8, OUT fixes_filtered pg_catalog.int8,
    OUT merged pg_catalog.int8, OUT segments pg_catalog.int8)
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_track_figures';
COMMENT ON FUNCTION booking.track_figures(pg_catalog.float8[], pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
  'the figures of a trip''s state as if the trip ended at its last fix: distance, moving and stationary time, maximum and average moving speed, counts';

-- An org's tracking settings: its row, or the column defaults.
CREATE OR REPLACE FUNCTION booking.tracking_settings(org_id pg_catalog.uuid)
  RETURNS booking.tracking_setting
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r booking.tracking_setting;
BEGIN
  SELECT * INTO r FROM booking.tracking_setting s WHERE s.org_id = tracking_settings.org_id;
  IF NOT FOUND THEN
    -- the defaults of the table's columns (sql/updates/0.1.0--0.2.0.sql)
    r.org_id := tracking_settings.org_id; r.slack := '15 minutes'; r.max_speed_kph := 250; r.merge_min_m := 5;
    r.max_gap_s := 60; r.max_accuracy_m := 100; r.retention_months := NULL;
  END IF;
  RETURN r;
END
$$;
COMMENT ON FUNCTION booking.tracking_settings(pg_catalog.uuid) IS
  'an org''s tracking settings: its booking.tracking_setting row, or the defaults';

-- A lesson carries its booking's resource and client, and exists only for
-- an appointment of a service tracked as a lesson.
CREATE OR REPLACE FUNCTION booking.tg_lesson_carry() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b record;
BEGIN
  SELECT bk.resource_id, bk.client_id, bk.session_id, s.tracked_as_lesson INTO b
    FROM booking.booking bk
    JOIN booking.service s ON s.org_id = bk.org_id AND s.id = bk.service_id
   WHERE bk.org_id = NEW.org_id AND bk.id = NEW.booking_id;
  IF NOT FOUND THEN
    RETURN NEW;                 -- the foreign key refuses it
  END IF;
  IF b.session_id IS NOT NULL OR NOT b.tracked_as_lesson THEN
    RAISE EXCEPTION 'a lesson needs an appointment of a service tracked as a lesson'
      USING ERRCODE = '23G01',
            DETAIL = pg_catalog.format('Booking %s is %s.', NEW.booking_id,
                       CASE WHEN b.session_id IS NOT NULL THEN 'a seat in a session'
                            ELSE 'of a service with tracked_as_lesson = false' END);
  END IF;
  NEW.resource_id := b.resource_id;
  NEW.client_id := b.client_id;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_lesson_carry() IS
  'lesson: refuses a lesson of a session seat or of a service not tracked as a lesson (23G01); copies the booking''s resource and client onto the row';
CREATE OR REPLACE TRIGGER lesson_carry BEFORE INSERT OR UPDATE OF booking_id, resource_id, client_id ON booking.lesson
  FOR EACH ROW EXECUTE FUNCTION booking.tg_lesson_carry();

-- A trip carries its lesson's resource and client (trip_carry_fkey keeps
-- them equal afterwards) and is refused on a closed lesson.
CREATE OR REPLACE FUNCTION booking.tg_trip_carry() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  l record;
BEGIN
  SELECT le.resource_id, le.client_id, le.closed_at INTO l
    FROM booking.lesson le WHERE le.org_id = NEW.org_id AND le.id = NEW.lesson_id;
  IF NOT FOUND THEN
    RETURN NEW;
  END IF;
  IF l.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'lesson is closed' USING ERRCODE = '23G03',
      DETAIL = 'Its booking was cancelled or marked a no-show.';
  END IF;
  NEW.resource_id := l.resource_id;
  NEW.client_id := l.client_id;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_trip_carry() IS
  'trip: copies the lesson''s resource and client onto a new trip; refuses a trip of a closed lesson (23G03)';
CREATE OR REPLACE TRIGGER trip_carry BEFORE INSERT ON booking.trip
  FOR EACH ROW EXECUTE FUNCTION booking.tg_trip_carry();

-- A point written without the carried columns gets them from its trip;
-- written with them, trip_point_carry_fkey checks them.
CREATE OR REPLACE FUNCTION booking.tg_trip_point_carry() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  SELECT t.resource_id, t.client_id INTO NEW.resource_id, NEW.client_id
    FROM booking.trip t WHERE t.org_id = NEW.org_id AND t.id = NEW.trip_id;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_trip_point_carry() IS
  'trip_point: fills resource_id and client_id from the trip when a writer gives neither';
CREATE OR REPLACE TRIGGER trip_point_carry BEFORE INSERT ON booking.trip_point
  FOR EACH ROW WHEN (NEW.resource_id IS NULL AND NEW.client_id IS NULL)
  EXECUTE FUNCTION booking.tg_trip_point_carry();

-- The life cycle drives the lesson: in_progress starts it, completed ends
-- it (at the transition's time), cancelled and no_show close it; a new
-- resource or client of the booking is carried down to its lesson, trips
-- and points.  SECURITY DEFINER: whoever may move the booking moves its
-- lesson.
CREATE OR REPLACE FUNCTION booking.tg_booking_lesson() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  at pg_catalog.timestamptz := COALESCE(NEW.status_changed_at, pg_catalog.now());
  tracked pg_catalog.bool;
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    SELECT s.tracked_as_lesson INTO tracked
      FROM booking.service s WHERE s.org_id = NEW.org_id AND s.id = NEW.service_id;
    IF NEW.status = 'in_progress' AND NEW.session_id IS NULL AND tracked THEN
      INSERT INTO booking.lesson AS l (org_id, booking_id, started_at)
      VALUES (NEW.org_id, NEW.id, at)
      ON CONFLICT (org_id, booking_id) DO UPDATE
        SET started_at = COALESCE(l.started_at, EXCLUDED.started_at), closed_at = NULL;
    ELSIF NEW.status = 'completed' THEN
      UPDATE booking.lesson l SET ended_at = GREATEST(at, l.started_at)
       WHERE l.org_id = NEW.org_id AND l.booking_id = NEW.id AND l.ended_at IS NULL;
    ELSIF NEW.status IN ('cancelled', 'no_show', 'expired') THEN
      UPDATE booking.lesson l SET closed_at = at
       WHERE l.org_id = NEW.org_id AND l.booking_id = NEW.id AND l.closed_at IS NULL;
    END IF;
  END IF;
  IF NEW.resource_id IS DISTINCT FROM OLD.resource_id OR NEW.client_id IS DISTINCT FROM OLD.client_id THEN
    UPDATE booking.lesson l SET resource_id = NEW.resource_id, client_id = NEW.client_id
     WHERE l.org_id = NEW.org_id AND l.booking_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_booking_lesson() IS
  'booking: in_progress starts the lesson (of an appointment of a tracked service), completed ends it, cancelled/no_show/expired close it, at status_changed_at; carries a new resource or client down to the lesson, its trips and points';
CREATE OR REPLACE TRIGGER lesson_follow AFTER UPDATE OF status, resource_id, client_id ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_booking_lesson();

-- Recompute a lesson's figures from its trips' figures.
CREATE OR REPLACE FUNCTION booking.lesson_refresh_figures(org pg_catalog.uuid, lesson pg_catalog.uuid)
  RETURNS void
  LANGUAGE sql
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    UPDATE booking.lesson l
       SET distance_meters = f.d::pg_catalog.int4, moving_seconds = f.m, stationary_seconds = f.s,
           max_speed_kph = f.x, avg_moving_speed_kph = f.a
      FROM (SELECT pg_catalog.round(COALESCE(pg_catalog.sum(t.distance_meters), 0::pg_catalog.float8)) AS d,
                   COALESCE(pg_catalog.sum(t.moving_seconds), 0::pg_catalog.float8) AS m,
                   COALESCE(pg_catalog.sum(t.stationary_seconds), 0::pg_catalog.float8) AS s,
                   COALESCE(pg_catalog.max(t.max_speed_kph), 0::pg_catalog.float8) AS x,
                   CASE WHEN COALESCE(pg_catalog.sum(t.moving_seconds), 0::pg_catalog.float8) OPERATOR(pg_catalog.>) 0::pg_catalog.float8
                        THEN pg_catalog.sum(t.moving_distance_meters) OPERATOR(pg_catalog./) pg_catalog.sum(t.moving_seconds) OPERATOR(pg_catalog.*) 3.6::pg_catalog.float8
                        ELSE 0::pg_catalog.float8 END AS a
              FROM booking.trip t
             WHERE t.org_id OPERATOR(pg_catalog.=) lesson_refresh_figures.org
               AND t.lesson_id OPERATOR(pg_catalog.=) lesson_refresh_figures.lesson) f
     WHERE l.org_id OPERATOR(pg_catalog.=) lesson_refresh_figures.org
       AND l.id OPERATOR(pg_catalog.=) lesson_refresh_figures.lesson;
  END;
COMMENT ON FUNCTION booking.lesson_refresh_figures(pg_catalog.uuid, pg_catalog.uuid) IS
  'sets a lesson''s distance, moving and stationary time and speeds from its trips'' figures (no point is read)';

-- A trip's stored fixes as numbers (PostGIS names bound at creation).
CREATE OR REPLACE FUNCTION booking.trip_fixes(org pg_catalog.uuid, trip pg_catalog.uuid)
  RETURNS TABLE (ts pg_catalog.timestamptz, lat pg_catalog.float8, lng pg_catalog.float8, accuracy_m pg_catalog.float8)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT p.ts, st_y(p.point::geometry), st_x(p.point::geometry), p.accuracy_m
      FROM booking.trip_point p
     WHERE p.org_id OPERATOR(pg_catalog.=) trip_fixes.org AND p.trip_id OPERATOR(pg_catalog.=) trip_fixes.trip;
  END;
COMMENT ON FUNCTION booking.trip_fixes(pg_catalog.uuid, pg_catalog.uuid) IS
  'the stored GPS fixes of a trip as time, latitude, longitude and accuracy (unordered)';

-- The monthly partition of booking.trip_point holding ts (months in UTC),
-- made if missing.  SECURITY DEFINER: applications cannot create tables;
-- a partition made while the extension is created or updated is taken out
-- of it, so that every partition is an ordinary table that pg_dump dumps.
CREATE OR REPLACE FUNCTION booking.trip_point_partition(ts pg_catalog.timestamptz)
  RETURNS pg_catalog.regclass
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  m pg_catalog.timestamp := pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', ts));
  name pg_catalog.text := 'trip_point_' || pg_catalog.to_char(m, 'YYYY_MM');
  part pg_catalog.regclass := pg_catalog.to_regclass('booking_trip_point.' || name);
BEGIN
  IF ts IS NULL OR NOT pg_catalog.isfinite(ts) THEN
    RAISE EXCEPTION 'a partition needs a finite time' USING ERRCODE = '22G01';
  END IF;
  IF part IS NOT NULL THEN
    RETURN part;
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('booking.trip_point_partition'));
  part := pg_catalog.to_regclass('booking_trip_point.' || name);
  IF part IS NULL THEN
    EXECUTE pg_catalog.format('CREATE TABLE booking_trip_point.%I PARTITION OF booking.trip_point FOR VALUES FROM (%L) TO (%L)',
                              name, pg_catalog.timezone('UTC', m), pg_catalog.timezone('UTC', m + '1 month'::pg_catalog.interval));
    part := pg_catalog.to_regclass('booking_trip_point.' || name);
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (org_id, id), ADD CONSTRAINT %I UNIQUE (org_id, trip_id, ts)',
                              part, name || '_pkey', name || '_trip_ts_key');
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = part
                  AND d.deptype = 'e') THEN
      EXECUTE pg_catalog.format('ALTER EXTENSION booking DROP TABLE %s', part);
    END IF;
  END IF;
  RETURN part;
END
$$;
COMMENT ON FUNCTION booking.trip_point_partition(pg_catalog.timestamptz) IS
  'the monthly partition of booking.trip_point (schema booking_trip_point, months in UTC) that holds ts, created if missing with the primary key (org_id, id) and the unique key (org_id, trip_id, ts); ingest_trip_points calls it, other writers of trip_point call it before they write a new month';

-- Ingest one batch of fixes of one trip.
CREATE OR REPLACE FUNCTION booking.ingest_trip_points(trip_id pg_catalog.uuid, ts pg_catalog.timestamptz[],
    lat pg_catalog.float8[], lng pg_catalog.float8[],
    speed_kph pg_catalog.float8[] DEFAULT NULL, accuracy_m pg_catalog.float8[] DEFAULT NULL,
    OUT received pg_catalog.int4, OUT stored pg_catalog.int4, OUT duplicates pg_catalog.int4,
    OUT refused pg_catalog.int4, OUT refusals pg_catalog.jsonb)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
  t booking.trip;
  l booking.lesson;
  cfg booking.tracking_setting;
  n pg_catalog.int4 := COALESCE(pg_catalog.cardinality(ts), 0);
  lo pg_catalog.timestamptz;
  hi pg_catalog.timestamptz;
  future pg_catalog.timestamptz;
  new_ts pg_catalog.timestamptz[];
  new_lat pg_catalog.float8[];
  new_lng pg_catalog.float8[];
  new_acc pg_catalog.float8[];
  seen pg_catalog.float8;
  st pg_catalog.float8[];
  fig record;
BEGIN
  IF COALESCE(pg_catalog.cardinality(lat), 0) <> n OR COALESCE(pg_catalog.cardinality(lng), 0) <> n
     OR (speed_kph IS NOT NULL AND pg_catalog.cardinality(speed_kph) <> n)
     OR (accuracy_m IS NOT NULL AND pg_catalog.cardinality(accuracy_m) <> n) THEN
    RAISE EXCEPTION 'fix arrays differ in length' USING ERRCODE = '22G05',
      DETAIL = pg_catalog.format('%s times, %s latitudes, %s longitudes, %s speeds, %s accuracies.',
                 n, pg_catalog.cardinality(lat), pg_catalog.cardinality(lng),
                 pg_catalog.cardinality(speed_kph), pg_catalog.cardinality(accuracy_m));
  END IF;
  -- one writer per trip at a time: batches of a trip fold in order
  SELECT * INTO t FROM booking.trip x
   WHERE x.org_id = org AND x.id = ingest_trip_points.trip_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'trip not found' USING ERRCODE = '23G02',
      DETAIL = 'No trip of the acting org with this id is visible to the acting user.';
  END IF;
  SELECT * INTO l FROM booking.lesson x WHERE x.org_id = org AND x.id = t.lesson_id;
  IF l.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'lesson is closed' USING ERRCODE = '23G03',
      DETAIL = 'Its booking was cancelled or marked a no-show; it takes no points.';
  END IF;
  IF l.started_at IS NULL THEN
    RAISE EXCEPTION 'lesson not started' USING ERRCODE = '23G04',
      HINT = 'Move the booking to in_progress first.';
  END IF;
  cfg := booking.tracking_settings(org);
  lo := l.started_at - cfg.slack;
  future := pg_catalog.now() + cfg.slack;
  hi := COALESCE(l.ended_at + cfg.slack, future);

  received := n;
  -- the months of the batch have their partitions
  PERFORM booking.trip_point_partition(x.m)
     FROM (SELECT DISTINCT pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', y.t)) AS m
             FROM pg_catalog.unnest(ts) AS y(t)
            WHERE y.t >= lo AND y.t <= LEAST(hi, future)) z,
          LATERAL (SELECT pg_catalog.timezone('UTC', z.m) AS m) x;
  -- one statement: classify every fix, store the good ones (the first of a
  -- time in the batch; one already stored is a duplicate), count the rest
  WITH u AS (
    SELECT x.i, x.ts, x.lat, x.lng, x.speed, x.acc,
           CASE WHEN x.ts IS NULL OR x.lat IS NULL OR x.lng IS NULL THEN 'missing'
                WHEN NOT pg_catalog.isfinite(x.ts) OR x.lat IN ('NaN', 'Infinity', '-Infinity')
                     OR x.lng IN ('NaN', 'Infinity', '-Infinity') THEN 'not_finite'
                WHEN x.lat NOT BETWEEN -90 AND 90 THEN 'latitude'
                WHEN x.lng NOT BETWEEN -180 AND 180 THEN 'longitude'
                WHEN x.ts > future THEN 'in_future'
                WHEN x.ts < lo OR x.ts > hi THEN 'outside_lesson'
                WHEN x.speed IS NOT NULL AND NOT (x.speed >= 0 AND x.speed <= 400) THEN 'speed'
                WHEN x.acc IS NOT NULL AND NOT (x.acc >= 0 AND x.acc <= 100000) THEN 'accuracy'
           END AS reason
      FROM ROWS FROM (pg_catalog.unnest(ts), pg_catalog.unnest(lat), pg_catalog.unnest(lng),
                      pg_catalog.unnest(COALESCE(speed_kph, pg_catalog.array_fill(NULL::pg_catalog.float8, ARRAY[n]))),
                      pg_catalog.unnest(COALESCE(accuracy_m, pg_catalog.array_fill(NULL::pg_catalog.float8, ARRAY[n]))))
           WITH ORDINALITY AS x(ts, lat, lng, speed, acc, i)),
  firsts AS (
    SELECT DISTINCT ON (u.ts) u.* FROM u WHERE u.reason IS NULL ORDER BY u.ts, u.i),
  ins AS (
    INSERT INTO booking.trip_point AS p
           (org_id, trip_id, ts, point, speed_kph, accuracy_m, resource_id, client_id)
    SELECT org, t.id, f.ts,
           ('SRID=4326;POINT(' || f.lng::pg_catalog.text || ' ' || f.lat::pg_catalog.text || ')')::booking.point,
           f.speed, f.acc, t.resource_id, t.client_id
      FROM firsts f
    ON CONFLICT DO NOTHING        -- the partition's unique (org_id, trip_id, ts)
    RETURNING p.ts),
  bad AS (
    SELECT u.reason, pg_catalog.count(*)::pg_catalog.int4 AS c FROM u WHERE u.reason IS NOT NULL GROUP BY u.reason)
  SELECT (SELECT COALESCE(pg_catalog.jsonb_object_agg(bad.reason, bad.c), '{}') FROM bad),
         (SELECT COALESCE(pg_catalog.sum(bad.c), 0)::pg_catalog.int4 FROM bad),
         a.ts, a.lat, a.lng, a.acc
    INTO refusals, refused, new_ts, new_lat, new_lng, new_acc
    FROM (SELECT pg_catalog.array_agg(f.ts ORDER BY f.ts) AS ts, pg_catalog.array_agg(f.lat ORDER BY f.ts) AS lat,
                 pg_catalog.array_agg(f.lng ORDER BY f.ts) AS lng, pg_catalog.array_agg(f.acc ORDER BY f.ts) AS acc
            FROM ins JOIN firsts f ON f.ts = ins.ts) a;
  stored := COALESCE(pg_catalog.cardinality(new_ts), 0);
  duplicates := n - refused - stored;
  IF stored = 0 THEN
    RETURN;
  END IF;

  -- fold the batch in, or recompute the trip if the batch reaches back
  seen := t.track_state[2];
  IF t.track_state IS NULL OR
     (seen IS NOT NULL AND seen <> 'NaN' AND
      pg_catalog.date_part('epoch', new_ts[1]) - 946684800 > seen) THEN
    st := booking.track_fold(t.track_state, new_ts, new_lat, new_lng, new_acc,
                             cfg.max_speed_kph, cfg.merge_min_m, cfg.max_gap_s, cfg.max_accuracy_m);
  ELSE
    SELECT booking.track_fold(NULL, pg_catalog.array_agg(p.ts ORDER BY p.ts),
                              pg_catalog.array_agg(p.lat ORDER BY p.ts), pg_catalog.array_agg(p.lng ORDER BY p.ts),
                              pg_catalog.array_agg(p.accuracy_m ORDER BY p.ts),
                              cfg.max_speed_kph, cfg.merge_min_m, cfg.max_gap_s, cfg.max_accuracy_m)
      INTO st
      FROM booking.trip_fixes(org, t.id) p;
    t.recomputed := t.recomputed + 1;
  END IF;
  SELECT * INTO fig FROM booking.track_figures(st, cfg.max_speed_kph, cfg.merge_min_m, cfg.max_gap_s, cfg.max_accuracy_m);
  UPDATE booking.trip x
     SET track_state = st, distance_meters = fig.distance_m, moving_distance_meters = fig.moving_distance_m,
         moving_seconds = fig.moving_s, stationary_seconds = fig.stationary_s,
         max_speed_kph = fig.max_speed_kph, avg_moving_speed_kph = fig.avg_moving_speed_kph,
         fixes_used = fig.fixes_used, fixes_filtered = fig.fixes_filtered, recomputed = t.recomputed
   WHERE x.org_id = org AND x.id = t.id;
  PERFORM booking.lesson_refresh_figures(org, t.lesson_id);
END
$$;
COMMENT ON FUNCTION booking.ingest_trip_points(pg_catalog.uuid, pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) IS
  'stores one batch of fixes of a trip: refuses with a reason (counted in refusals) fixes with a missing, non-finite or out-of-range value, in the future or outside the lesson with the org''s slack; absorbs duplicates (same trip and time); accepts any order; updates the trip''s and lesson''s figures';

-- The COPY staging form: a temporary table of the session (COPY into a
-- table with row-level security is not possible for an application role,
-- and a session's staged rows are its own):
--   SELECT booking.stage_trip_points();      -- creates pg_temp.trip_point_staging
--   COPY pg_temp.trip_point_staging (trip_id, ts, lat, lng, speed_kph, accuracy_m) FROM STDIN;
--   SELECT * FROM booking.ingest_staged();   -- one row of counts per trip
CREATE OR REPLACE FUNCTION booking.stage_trip_points()
  RETURNS pg_catalog.regclass
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS trip_point_staging (
    trip_id     pg_catalog.uuid,
    ts          pg_catalog.timestamptz,
    lat         pg_catalog.float8,
    lng         pg_catalog.float8,
    speed_kph   pg_catalog.float8,
    accuracy_m  pg_catalog.float8);
  RETURN 'pg_temp.trip_point_staging'::pg_catalog.regclass;
END
$$;
COMMENT ON FUNCTION booking.stage_trip_points() IS
  'creates (if need be) the session''s staging table pg_temp.trip_point_staging (trip_id, ts, lat, lng, speed_kph, accuracy_m), the COPY form of GPS points; no checks there, so COPY never stops half-way on a bad fix';

CREATE OR REPLACE FUNCTION booking.ingest_staged()
  RETURNS TABLE (trip_id pg_catalog.uuid, received pg_catalog.int4, stored pg_catalog.int4,
                 duplicates pg_catalog.int4, refused pg_catalog.int4, refusals pg_catalog.jsonb)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  g record;
  r record;
BEGIN
  PERFORM booking.stage_trip_points();
  FOR g IN
    WITH claimed AS (DELETE FROM pg_temp.trip_point_staging RETURNING *)
    SELECT c.trip_id AS tid, pg_catalog.array_agg(c.ts) AS ts, pg_catalog.array_agg(c.lat) AS lat,
           pg_catalog.array_agg(c.lng) AS lng, pg_catalog.array_agg(c.speed_kph) AS speed,
           pg_catalog.array_agg(c.accuracy_m) AS acc
      FROM claimed c GROUP BY c.trip_id ORDER BY c.trip_id
  LOOP
    IF g.tid IS NULL THEN
      trip_id := NULL; received := pg_catalog.cardinality(g.ts); stored := 0; duplicates := 0;
      refused := received; refusals := pg_catalog.jsonb_build_object('missing_trip', received);
    ELSE
      SELECT * INTO r FROM booking.ingest_trip_points(g.tid, g.ts, g.lat, g.lng, g.speed, g.acc);
      trip_id := g.tid; received := r.received; stored := r.stored; duplicates := r.duplicates;
      refused := r.refused; refusals := r.refusals;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.ingest_staged() IS
  'moves the rows of the session''s pg_temp.trip_point_staging into trip_point through booking.ingest_trip_points, one row of counts per trip; all or nothing with the caller''s transaction';

-- Drop the partitions of trip_point that end before cutoff and hold no row.
CREATE OR REPLACE FUNCTION booking.drop_empty_trip_point_partitions(cutoff pg_catalog.timestamptz)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  p record;
  n pg_catalog.int4 := 0;
  has_rows pg_catalog.bool;
BEGIN
  FOR p IN
    SELECT c.oid::pg_catalog.regclass AS part,
           pg_catalog.substring(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']*)''\)') AS upper_bound
      FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'booking.trip_point'::pg_catalog.regclass
  LOOP
    CONTINUE WHEN p.upper_bound IS NULL OR p.upper_bound::pg_catalog.timestamptz > cutoff;
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s)', p.part) INTO has_rows;
    IF NOT has_rows THEN
      EXECUTE pg_catalog.format('DROP TABLE %s', p.part);
      n := n + 1;
    END IF;
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.drop_empty_trip_point_partitions(pg_catalog.timestamptz) IS
  'drops the monthly partitions of trip_point that end before cutoff and hold no row of any org (called by drop_old_trip_points)';

-- Retention: delete an org's points older than its retention_months.
CREATE OR REPLACE FUNCTION booking.drop_old_trip_points()
  RETURNS pg_catalog.int8
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  cfg booking.tracking_setting := booking.tracking_settings(booking.current_org_id());
  n pg_catalog.int8;
BEGIN
  IF NOT booking.acting_is_admin() THEN
    RAISE EXCEPTION 'only an owner or admin applies the retention' USING ERRCODE = '42501';
  END IF;
  IF cfg.retention_months IS NULL THEN
    RETURN 0;
  END IF;
  DELETE FROM booking.trip_point p
   WHERE p.org_id = cfg.org_id
     AND p.ts < pg_catalog.now() - pg_catalog.make_interval(months => cfg.retention_months);
  GET DIAGNOSTICS n = ROW_COUNT;
  -- a month wholly before the cutoff whose partition no org still uses goes
  PERFORM booking.drop_empty_trip_point_partitions(
    pg_catalog.now() - pg_catalog.make_interval(months => cfg.retention_months));
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.drop_old_trip_points() IS
  'owner or admin: deletes the acting org''s GPS points older than its tracking_setting.retention_months (none if NULL), then drops the monthly partitions before that age that no org uses any more; trips keep their figures';

-- Orphan checks of seed 003.
CREATE OR REPLACE VIEW booking.completed_without_lesson WITH (security_invoker = true) AS
  SELECT b.org_id, b.id AS booking_id, b.resource_id, b.client_id, b.starts_at, b.status_changed_at
    FROM booking.booking b
    JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) b.org_id AND s.id OPERATOR(pg_catalog.=) b.service_id
   WHERE b.status OPERATOR(pg_catalog.=) 'completed'::booking.booking_status AND b.session_id IS NULL AND s.tracked_as_lesson
     AND NOT EXISTS (SELECT 1 FROM booking.lesson l
                      WHERE l.org_id OPERATOR(pg_catalog.=) b.org_id AND l.booking_id OPERATOR(pg_catalog.=) b.id);
COMMENT ON VIEW booking.completed_without_lesson IS
  'orphan check: completed appointments of tracked services that never had a lesson (never moved to in_progress)';

CREATE OR REPLACE VIEW booking.lesson_without_tracking WITH (security_invoker = true) AS
  SELECT l.org_id, l.id AS lesson_id, l.booking_id, l.resource_id, l.client_id, l.started_at, l.ended_at
    FROM booking.lesson l
   WHERE l.ended_at IS NOT NULL AND l.closed_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM booking.trip t
                      WHERE t.org_id OPERATOR(pg_catalog.=) l.org_id AND t.lesson_id OPERATOR(pg_catalog.=) l.id
                        AND t.fixes_used OPERATOR(pg_catalog.>) 0);
COMMENT ON VIEW booking.lesson_without_tracking IS
  'orphan check: ended lessons without a trip that has a used GPS fix';

-- Reports of seed 003.
CREATE OR REPLACE VIEW booking.student_progress WITH (security_invoker = true) AS
  SELECT l.org_id, l.client_id,
         pg_catalog.count(*) AS completed_lessons,
         pg_catalog.round((pg_catalog.sum(l.distance_meters) OPERATOR(pg_catalog./) 1000.0)::pg_catalog.numeric, 1) AS kilometres,
         pg_catalog.round(pg_catalog.avg(l.rating), 2) AS average_rating,
         pg_catalog.array_agg(DISTINCT s.lesson_type ORDER BY s.lesson_type) AS lesson_types
    FROM booking.lesson l
    JOIN booking.booking b ON b.org_id OPERATOR(pg_catalog.=) l.org_id AND b.id OPERATOR(pg_catalog.=) l.booking_id
    JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) b.org_id AND s.id OPERATOR(pg_catalog.=) b.service_id
   WHERE l.ended_at IS NOT NULL AND l.closed_at IS NULL
   GROUP BY l.org_id, l.client_id;
COMMENT ON VIEW booking.student_progress IS
  'per student: completed lessons, kilometres driven, average rating, lesson types done (what the eligibility prerequisites count)';

CREATE OR REPLACE VIEW booking.instructor_activity_week WITH (security_invoker = true) AS
  SELECT l.org_id, l.resource_id,
         (pg_catalog.date_trunc('week', pg_catalog.timezone(o.time_zone::pg_catalog.text, l.started_at)))::pg_catalog.date AS week,
         pg_catalog.count(*) AS lessons,
         pg_catalog.round((pg_catalog.sum(l.distance_meters) OPERATOR(pg_catalog./) 1000.0)::pg_catalog.numeric, 1) AS kilometres,
         pg_catalog.round((pg_catalog.sum(l.moving_seconds) OPERATOR(pg_catalog./) 3600.0::pg_catalog.float8)::pg_catalog.numeric, 2) AS hours_moving,
         pg_catalog.round(pg_catalog.avg(l.rating), 2) AS average_rating
    FROM booking.lesson l
    JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) l.org_id
   WHERE l.started_at IS NOT NULL AND l.closed_at IS NULL
   GROUP BY l.org_id, l.resource_id, 3;
COMMENT ON VIEW booking.instructor_activity_week IS
  'per instructor and local week (Monday, in the org''s time zone): lessons started, kilometres, hours moving, average rating';

