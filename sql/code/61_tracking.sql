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

-- An org's tracking settings: its row, or booking.tracking_defaults().
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
    -- the one definition of the defaults, also the table's column defaults
    SELECT tracking_settings.org_id, d.slack, d.max_speed_kph, d.merge_min_m, d.max_gap_s, d.max_accuracy_m, d.retention_months
      INTO r FROM booking.tracking_defaults() d;
  END IF;
  RETURN r;
END
$$;
COMMENT ON FUNCTION booking.tracking_settings(pg_catalog.uuid) IS
  'an org''s tracking settings: its booking.tracking_setting row, or booking.tracking_defaults()';

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
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
    -- PL/pgSQL: it writes lesson (see booking.seats_taken_except)
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
END
$$;
COMMENT ON FUNCTION booking.lesson_refresh_figures(pg_catalog.uuid, pg_catalog.uuid) IS
  'sets a lesson''s distance, moving and stationary time and speeds from its trips'' figures (no point is read)';

-- A trip's stored fixes after a time (all of them for NULL), for a refold
-- from a saved state: an index range scan of each month's key.  PL/pgSQL:
-- it reads trip_point (see booking.seats_taken_except); the coordinates are
-- booking.point_degrees, inlined.
CREATE OR REPLACE FUNCTION booking.trip_fixes_after(org pg_catalog.uuid, trip pg_catalog.uuid, after pg_catalog.timestamptz)
  RETURNS TABLE (ts pg_catalog.timestamptz, lat pg_catalog.float8, lng pg_catalog.float8, accuracy_m pg_catalog.float8)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN QUERY
    SELECT p.ts, booking.point_degrees(p.point, true), booking.point_degrees(p.point, false), p.accuracy_m
      FROM booking.trip_point p
     WHERE p.org_id OPERATOR(pg_catalog.=) trip_fixes_after.org AND p.trip_id OPERATOR(pg_catalog.=) trip_fixes_after.trip
       AND p.ts OPERATOR(pg_catalog.>) COALESCE(trip_fixes_after.after, '-infinity'::pg_catalog.timestamptz);
END
$$;
-- A trip's stored fixes as numbers: all of them after no time.
CREATE OR REPLACE FUNCTION booking.trip_fixes(org pg_catalog.uuid, trip pg_catalog.uuid)
  RETURNS TABLE (ts pg_catalog.timestamptz, lat pg_catalog.float8, lng pg_catalog.float8, accuracy_m pg_catalog.float8)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN QUERY SELECT f.ts, f.lat, f.lng, f.accuracy_m FROM booking.trip_fixes_after(trip_fixes.org, trip_fixes.trip, NULL) f;
END
$$;
COMMENT ON FUNCTION booking.trip_fixes(pg_catalog.uuid, pg_catalog.uuid) IS
  'the stored GPS fixes of a trip as time, latitude, longitude and accuracy (unordered)';
COMMENT ON FUNCTION booking.trip_fixes_after(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz) IS
  'the stored GPS fixes of a trip later than a time (all for NULL) as time, latitude, longitude and accuracy (unordered)';

-- trip_point's references to trip, checked once per statement (not per
-- row as a foreign key would): every point's trip exists in its org
-- (locked FOR KEY SHARE, as a foreign key's check locks it) and the
-- point carries the trip's resource and client.  SECURITY DEFINER: the
-- check sees every trip, as a foreign key's does; the writer's own rights
-- were checked by the policies of trip_point.
CREATE OR REPLACE FUNCTION booking.tg_trip_point_refs() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n record;
  t record;
BEGIN
  -- each distinct trip of the statement's points looked up (and locked)
  -- once, by its key: on Citus a query of the org's shard where the
  -- trigger runs (a join of the transition table with booking.trip would
  -- be a join of a local table with a distributed one there)
  FOR n IN SELECT DISTINCT p.org_id, p.trip_id, p.resource_id, p.client_id FROM new_points p LOOP
    SELECT x.id, x.resource_id, x.client_id INTO t FROM booking.trip x
     WHERE x.org_id = n.org_id AND x.id = n.trip_id FOR KEY SHARE;
    IF NOT FOUND OR t.resource_id IS DISTINCT FROM n.resource_id OR t.client_id IS DISTINCT FROM n.client_id THEN
      RAISE EXCEPTION 'insert or update on table "trip_point" violates its reference to table "trip"'
        USING ERRCODE = 'foreign_key_violation',
              DETAIL = CASE WHEN t.id IS NULL
                            THEN pg_catalog.format('Trip %s is not present in org %s.', n.trip_id, n.org_id)
                            ELSE pg_catalog.format('The point''s resource %s and client %s are not those of trip %s.',
                                                   n.resource_id, n.client_id, n.trip_id) END,
              HINT = 'Give neither resource_id nor client_id: they are taken from the trip.';
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_trip_point_refs() IS
  'trip_point (per statement, transition table new_points): every point''s trip exists in its org (locked FOR KEY SHARE) and the point carries the trip''s resource and client, else 23503; what three foreign keys checked per row';
CREATE OR REPLACE TRIGGER trip_point_refs_insert AFTER INSERT ON booking.trip_point
  REFERENCING NEW TABLE AS new_points
  FOR EACH STATEMENT EXECUTE FUNCTION booking.tg_trip_point_refs();
CREATE OR REPLACE TRIGGER trip_point_refs_update AFTER UPDATE ON booking.trip_point
  REFERENCING NEW TABLE AS new_points
  FOR EACH STATEMENT EXECUTE FUNCTION booking.tg_trip_point_refs();

-- The other side of those references, as the foreign keys' actions did: a
-- deleted trip takes its points with it, a trip's new resource or client is
-- carried to its points, and a trip with points keeps its key.  In C
-- (src/track_refs.c) like PostgreSQL's own: the points are found with the
-- latest snapshot (also those a concurrent transaction committed after a
-- repeatable-read snapshot was taken) and written as the table's owner
-- without row-level security.
CREATE OR REPLACE FUNCTION booking.tg_trip_point_follow() RETURNS trigger
  LANGUAGE c
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_tg_trip_point_follow';
COMMENT ON FUNCTION booking.tg_trip_point_follow() IS
  'trip: deletes a deleted trip''s points, carries a new resource or client to them, refuses (23503) a new key while points use the old one; the actions of the foreign keys trip_point had';
CREATE OR REPLACE TRIGGER trip_point_follow AFTER DELETE OR UPDATE OF org_id, id, resource_id, client_id ON booking.trip
  FOR EACH ROW EXECUTE FUNCTION booking.tg_trip_point_follow();

-- The monthly partition of booking.trip_point holding ts (months in UTC),
-- made if missing.  SECURITY DEFINER: applications cannot create tables.
-- On a single node the partition is made in the caller's transaction; once
-- distributed (Citus) in a transaction of its own on the coordinator
-- (booking.run_alone), since DDL of the owner's in the application's
-- transaction would leave the org's placements unreadable to the
-- application there ("modified in this transaction by a different user").
CREATE OR REPLACE FUNCTION booking.trip_point_partition(ts pg_catalog.timestamptz)
  RETURNS pg_catalog.regclass
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  part pg_catalog.regclass := pg_catalog.to_regclass('booking_trip_point.trip_point_'
                                || pg_catalog.to_char(pg_catalog.timezone('UTC', ts), 'YYYY_MM'));
BEGIN
  IF ts IS NULL OR NOT pg_catalog.isfinite(ts) THEN
    RAISE EXCEPTION 'a partition needs a finite time' USING ERRCODE = '22G01';
  END IF;
  IF part IS NOT NULL THEN
    RETURN part;
  END IF;
  IF booking.is_distributed() THEN
    PERFORM booking.run_alone(pg_catalog.format('SELECT booking.trip_point_partition_here(%L::pg_catalog.timestamptz)', ts));
    -- (pg_class read afresh: the name's cache here still says it is missing)
    RETURN (SELECT c.oid::pg_catalog.regclass FROM pg_catalog.pg_class c
             WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking_trip_point'::pg_catalog.regnamespace
               AND c.relname OPERATOR(pg_catalog.=) ('trip_point_' || pg_catalog.to_char(pg_catalog.timezone('UTC', ts), 'YYYY_MM')));
  END IF;
  RETURN booking.trip_point_partition_here(ts);
END
$$;
COMMENT ON FUNCTION booking.trip_point_partition(pg_catalog.timestamptz) IS
  'the monthly partition of booking.trip_point (schema booking_trip_point, months in UTC) that holds ts, created if missing with the primary key (org_id, trip_id, ts) (on Citus in a transaction of its own on the coordinator); ingest_trip_points calls it, other writers of trip_point call it before they write a new month';

-- The work of trip_point_partition, in the current transaction; a partition
-- made while the extension is created or updated is taken out of it, so that
-- every partition is an ordinary table that pg_dump dumps.
CREATE OR REPLACE FUNCTION booking.trip_point_partition_here(ts pg_catalog.timestamptz)
  RETURNS pg_catalog.regclass
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  m pg_catalog.timestamp := pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', ts));
  name pg_catalog.text := 'trip_point_' || pg_catalog.to_char(m, 'YYYY_MM');
  part pg_catalog.regclass;
BEGIN
  IF ts IS NULL OR NOT pg_catalog.isfinite(ts) THEN
    RAISE EXCEPTION 'a partition needs a finite time' USING ERRCODE = '22G01';
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('booking.trip_point_partition'));
  part := pg_catalog.to_regclass('booking_trip_point.' || name);
  IF part IS NULL THEN
    EXECUTE pg_catalog.format('CREATE TABLE booking_trip_point.%I PARTITION OF booking.trip_point FOR VALUES FROM (%L) TO (%L)',
                              name, pg_catalog.timezone('UTC', m), pg_catalog.timezone('UTC', m + '1 month'::pg_catalog.interval));
    part := pg_catalog.to_regclass('booking_trip_point.' || name);
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (org_id, trip_id, ts)', part, name || '_pkey');
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = part
                  AND d.deptype = 'e') THEN
      EXECUTE pg_catalog.format('ALTER EXTENSION booking DROP TABLE %s', part);
    END IF;
  END IF;
  RETURN part;
END
$$;
COMMENT ON FUNCTION booking.trip_point_partition_here(pg_catalog.timestamptz) IS
  'internal (booking.trip_point_partition): makes the monthly partition of booking.trip_point holding ts in the current transaction, if missing';
REVOKE EXECUTE ON FUNCTION booking.trip_point_partition_here(pg_catalog.timestamptz) FROM PUBLIC;

-- Store one trip's fixes as COPY writes a table (src/track_store.c): rows
-- formed in C, written a page at a time into the month's partition, index
-- entries made directly; no per-row trigger, transition table or routing.
-- It checks what an INSERT by the caller into trip_point would: the INSERT
-- privilege, the trip (read as the caller, locked FOR KEY SHARE), the
-- acting org and the write policy where row-level security applies, the
-- carried resource and client, each fix's time and coordinates, the
-- partition's constraints and its unique key (org_id, trip_id, ts).
CREATE OR REPLACE FUNCTION booking.trip_point_store(org pg_catalog.uuid, trip pg_catalog.uuid,
    ts pg_catalog.timestamptz[], lat pg_catalog.float8[], lng pg_catalog.float8[],
    speed_kph pg_catalog.float8[] DEFAULT NULL, accuracy_m pg_catalog.float8[] DEFAULT NULL)
  RETURNS pg_catalog.int4
  LANGUAGE c
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_trip_point_store';
COMMENT ON FUNCTION booking.trip_point_store(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) IS
  'writes fixes of one trip into trip_point (the month''s partition, made if missing) as a multi-row insert, with the checks an INSERT by the caller has: INSERT privilege, the trip visible and locked FOR KEY SHARE (23503), acting org and write policy (42501), resource and client from the trip, finite in-range fixes (22G01), CHECKs and the unique key (23505); returns the rows written. booking.ingest_fixes stores with it';

-- A fix as a point (inlined: no SET clause, names bound at creation).
CREATE OR REPLACE FUNCTION booking.fix_point(lat pg_catalog.float8, lng pg_catalog.float8)
  RETURNS booking.point
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT (st_setsrid(st_makepoint(fix_point.lng, fix_point.lat), 4326))::geography::booking.point;
  END;
COMMENT ON FUNCTION booking.fix_point(pg_catalog.float8, pg_catalog.float8) IS
  'the point (WGS 84) of a GPS fix''s latitude and longitude';

-- Why a fix is refused (NULL: it is not), in the order of the README's
-- table.  Inlined into ingest_fixes' statement: no SET clause, names bound
-- at creation.
CREATE OR REPLACE FUNCTION booking.fix_refusal(ts pg_catalog.timestamptz, lat pg_catalog.float8, lng pg_catalog.float8,
    speed_kph pg_catalog.float8, accuracy_m pg_catalog.float8,
    lo pg_catalog.timestamptz, hi pg_catalog.timestamptz, future pg_catalog.timestamptz)
  RETURNS pg_catalog.text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT CASE WHEN ts IS NULL OR lat IS NULL OR lng IS NULL THEN 'missing'
                WHEN NOT pg_catalog.isfinite(ts) OR lat OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.float8[])
                     OR lng OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.float8[]) THEN 'not_finite'
                WHEN lat OPERATOR(pg_catalog.<) -90::pg_catalog.float8 OR lat OPERATOR(pg_catalog.>) 90::pg_catalog.float8 THEN 'latitude'
                WHEN lng OPERATOR(pg_catalog.<) -180::pg_catalog.float8 OR lng OPERATOR(pg_catalog.>) 180::pg_catalog.float8 THEN 'longitude'
                WHEN ts OPERATOR(pg_catalog.>) future THEN 'in_future'
                WHEN ts OPERATOR(pg_catalog.<) lo OR ts OPERATOR(pg_catalog.>) hi THEN 'outside_lesson'
                WHEN speed_kph IS NOT NULL AND NOT (speed_kph OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                                    AND speed_kph OPERATOR(pg_catalog.<=) 400::pg_catalog.float8) THEN 'speed'
                WHEN accuracy_m IS NOT NULL AND NOT (accuracy_m OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                                     AND accuracy_m OPERATOR(pg_catalog.<=) 100000::pg_catalog.float8) THEN 'accuracy'
           END;
  END;
COMMENT ON FUNCTION booking.fix_refusal(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
  'why ingest_fixes refuses a fix (missing, not_finite, latitude, longitude, in_future, outside_lesson, speed, accuracy), given the trip''s window [lo, hi] and the latest time accepted; NULL if it is stored';

-- Ingest fixes of one or more trips: the work of ingest_trip_points (the
-- arrays) and ingest_staged (staged: the rows of pg_temp.trip_point_staging),
-- as a few statements over the whole batch: no statement per fix, and per
-- trip only its store (booking.trip_point_store) and the fold of its
-- figures.  work_mem: the batch's sort and the materialised classification
-- stay in memory (a COPY of 100,000 fixes is some 15 MB).  jit off: the
-- classifying statement's estimated cost passes the JIT thresholds once
-- the month's partition exists, and compiling it (with optimisation) cost
-- more CPU than the whole ingestion (bench/README.md, "GPS ingestion").
CREATE OR REPLACE FUNCTION booking.ingest_fixes(trips pg_catalog.uuid[], staged pg_catalog.bool,
    trip_ids pg_catalog.uuid[], ts pg_catalog.timestamptz[], lat pg_catalog.float8[], lng pg_catalog.float8[],
    speed_kph pg_catalog.float8[], accuracy_m pg_catalog.float8[])
  RETURNS TABLE (trip_id pg_catalog.uuid, received pg_catalog.int4, stored pg_catalog.int4,
                 duplicates pg_catalog.int4, refused pg_catalog.int4, refusals pg_catalog.jsonb)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  SET work_mem = '64MB'
  SET jit = off
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
  cfg booking.tracking_setting := booking.tracking_settings(org);
  n pg_catalog.int4 := COALESCE(pg_catalog.cardinality(ts), 0);
  future pg_catalog.timestamptz := pg_catalog.now() + cfg.slack;
  every constant pg_catalog.int4 := 600;     -- fixes between saved states
  w_trip pg_catalog.uuid[];
  w_lesson pg_catalog.uuid[];
  w_lo pg_catalog.timestamptz[];
  w_hi pg_catalog.timestamptz[];
  w_last pg_catalog.timestamptz[];
  w_res pg_catalog.uuid[];
  w_cli pg_catalog.uuid[];
  bad record;
  r record;
  t record;
  st pg_catalog.float8[];
  ck pg_catalog.float8[];
  base pg_catalog.float8[];
  len pg_catalog.int4;
  k pg_catalog.int4;
  i pg_catalog.int4;
  seen pg_catalog.float8;
  first_new pg_catalog.float8;
  before_n pg_catalog.int8;
  after_n pg_catalog.int8;
  s_ts pg_catalog.timestamptz[];
  s_lat pg_catalog.float8[];
  s_lng pg_catalog.float8[];
  s_acc pg_catalog.float8[];
  fig record;
  reached_back pg_catalog.bool;
BEGIN
  -- the statement below reads the staging table (or the arrays): it exists
  PERFORM booking.stage_trip_points();
  IF NOT staged AND (COALESCE(pg_catalog.cardinality(trip_ids), 0) <> n
     OR COALESCE(pg_catalog.cardinality(lat), 0) <> n OR COALESCE(pg_catalog.cardinality(lng), 0) <> n
     OR (speed_kph IS NOT NULL AND pg_catalog.cardinality(speed_kph) <> n)
     OR (accuracy_m IS NOT NULL AND pg_catalog.cardinality(accuracy_m) <> n)) THEN
    RAISE EXCEPTION 'fix arrays differ in length' USING ERRCODE = '22G05',
      DETAIL = pg_catalog.format('%s times, %s latitudes, %s longitudes, %s speeds, %s accuracies.',
                 n, pg_catalog.cardinality(lat), pg_catalog.cardinality(lng),
                 pg_catalog.cardinality(speed_kph), pg_catalog.cardinality(accuracy_m));
  END IF;
  -- every trip of the batch, besides those given
  SELECT COALESCE(trips, '{}') || COALESCE(pg_catalog.array_agg(d.v), '{}') INTO trips
    FROM (SELECT DISTINCT y.v
            FROM (SELECT v FROM pg_catalog.unnest(trip_ids) v WHERE NOT staged
                  UNION ALL SELECT s.trip_id FROM pg_temp.trip_point_staging s WHERE staged) y
           WHERE y.v IS NOT NULL AND y.v <> ALL (COALESCE(trips, '{}'))) d;
  -- the trips, locked in id order: one writer per trip at a time, so that
  -- batches of a trip fold in order and see each other's points
  SELECT pg_catalog.array_agg(x.id ORDER BY x.id), pg_catalog.array_agg(x.lesson_id ORDER BY x.id),
         pg_catalog.array_agg(x.resource_id ORDER BY x.id), pg_catalog.array_agg(x.client_id ORDER BY x.id)
    INTO w_trip, w_lesson, w_res, w_cli
    FROM (SELECT y.id, y.lesson_id, y.resource_id, y.client_id FROM booking.trip y
           WHERE y.org_id = org AND y.id = ANY (trips)
           ORDER BY y.id FOR UPDATE) x;
  SELECT q.id INTO bad FROM pg_catalog.unnest(trips) AS q(id)
   WHERE q.id IS NULL OR q.id <> ALL (COALESCE(w_trip, '{}')) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'trip not found' USING ERRCODE = '23G02',
      DETAIL = pg_catalog.format('No trip %s of the acting org is visible to the acting user.', bad.id);
  END IF;
  SELECT l.id, l.closed_at, l.started_at INTO bad FROM booking.lesson l
   WHERE l.org_id = org AND l.id = ANY (w_lesson) AND (l.closed_at IS NOT NULL OR l.started_at IS NULL)
   ORDER BY l.closed_at IS NULL LIMIT 1;
  IF FOUND AND bad.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'lesson is closed' USING ERRCODE = '23G03',
      DETAIL = 'Its booking was cancelled or marked a no-show; it takes no points.';
  ELSIF FOUND THEN
    RAISE EXCEPTION 'lesson not started' USING ERRCODE = '23G04',
      HINT = 'Move the booking to in_progress first.';
  END IF;
  -- each trip's window (the lesson with the slack) and its latest stored fix
  SELECT pg_catalog.array_agg(l.started_at - cfg.slack ORDER BY o),
         pg_catalog.array_agg(COALESCE(l.ended_at + cfg.slack, future) ORDER BY o),
         pg_catalog.array_agg((SELECT pg_catalog.max(p.ts) FROM booking.trip_point p
                                WHERE p.org_id = org AND p.trip_id = w.trip) ORDER BY o)
    INTO w_lo, w_hi, w_last
    FROM ROWS FROM (pg_catalog.unnest(w_trip), pg_catalog.unnest(w_lesson)) WITH ORDINALITY AS w(trip, lesson, o)
    JOIN booking.lesson l ON l.org_id = org AND l.id = w.lesson;
  -- one statement: classify every fix, keep the good ones (the first of a
  -- trip and time in the batch; one already stored is a duplicate: only a
  -- fix at or before the trip's latest is looked up), count the refused by
  -- reason; one row per trip with its new fixes in time order, which
  -- booking.trip_point_store writes and the fold folds.  The source (the
  -- arrays or the staging table) is read twice, for the fixes to keep and
  -- for the counts.  The arrays are aggregated in the order of the sort
  -- that removes the duplicates (by trip and time; no sort per array):
  -- track_fold refuses fixes out of order (22G02), so an order lost would
  -- fail, not fold wrongly.
  FOR r IN
    WITH win AS (
      SELECT * FROM ROWS FROM (pg_catalog.unnest(w_trip), pg_catalog.unnest(w_lo), pg_catalog.unnest(w_hi),
                               pg_catalog.unnest(w_last))
                 WITH ORDINALITY AS w(trip, lo, hi, last, o)),
    -- i: a fix's place in the batch, for the first of a trip and time to
    -- win: the arrays' index, or the staged row's place in the table (its
    -- ctid: the order rows were copied or inserted in after the TRUNCATE
    -- that ingest_staged ends with)
    src AS (
      SELECT a.trip, a.ts, a.lat, a.lng, a.speed, a.acc, pg_catalog.format('(%s,1)', a.o)::pg_catalog.tid AS i
        FROM ROWS FROM (pg_catalog.unnest(trip_ids), pg_catalog.unnest(ts), pg_catalog.unnest(lat), pg_catalog.unnest(lng),
                        pg_catalog.unnest(COALESCE(speed_kph, pg_catalog.array_fill(NULL::pg_catalog.float8, ARRAY[n]))),
                        pg_catalog.unnest(COALESCE(accuracy_m, pg_catalog.array_fill(NULL::pg_catalog.float8, ARRAY[n]))))
                     WITH ORDINALITY AS a(trip, ts, lat, lng, speed, acc, o)
       WHERE NOT staged
      UNION ALL
      SELECT s.trip_id, s.ts, s.lat, s.lng, s.speed_kph, s.accuracy_m, s.ctid
        FROM pg_temp.trip_point_staging s WHERE staged),
    -- each fix with its trip's number in the batch (sorting by it is cheaper
    -- than by the uuid) and why it is refused (NULL: it is not)
    cls AS MATERIALIZED (
      SELECT w.o, x.trip, w.last, x.ts, x.lat, x.lng, x.speed, x.acc, x.i,
             CASE WHEN w.o IS NULL THEN 'missing_trip'
                  ELSE booking.fix_refusal(x.ts, x.lat, x.lng, x.speed, x.acc, w.lo, w.hi, future) END AS reason
        FROM src x LEFT JOIN win w ON w.trip = x.trip),
    got AS (
      SELECT f.o, pg_catalog.count(*)::pg_catalog.int4 AS stored,
             pg_catalog.array_agg(f.ts) AS ts, pg_catalog.array_agg(f.lat) AS lat, pg_catalog.array_agg(f.lng) AS lng,
             pg_catalog.array_agg(f.speed) AS speed, pg_catalog.array_agg(f.acc) AS acc
        FROM (SELECT DISTINCT ON (c.o, c.ts) c.o, c.ts, c.lat, c.lng, c.speed, c.acc
                FROM cls c
               WHERE c.reason IS NULL
                 AND (c.last IS NULL OR c.ts > c.last
                      OR NOT EXISTS (SELECT FROM booking.trip_point p
                                      WHERE p.org_id = org AND p.trip_id = c.trip AND p.ts = c.ts))
               ORDER BY c.o, c.ts, c.i) f
       GROUP BY f.o),
    why AS (
      SELECT b.o, pg_catalog.sum(b.c)::pg_catalog.int4 AS received,
             (pg_catalog.sum(b.c) FILTER (WHERE b.reason IS NOT NULL))::pg_catalog.int4 AS refused,
             pg_catalog.jsonb_object_agg(b.reason, b.c) FILTER (WHERE b.reason IS NOT NULL) AS refusals
        FROM (SELECT c.o, c.reason, pg_catalog.count(*) AS c FROM cls c GROUP BY 1, 2) b
       GROUP BY b.o)
    SELECT k.trip, COALESCE(y.received, 0) AS received, COALESCE(g.stored, 0) AS stored,
           COALESCE(y.refused, 0) AS refused, COALESCE(y.refusals, '{}') AS refusals,
           g.ts, g.lat, g.lng, g.speed, g.acc
      FROM (SELECT w.o, w.trip FROM win w UNION ALL SELECT y.o, NULL FROM why y WHERE y.o IS NULL) k
      LEFT JOIN got g ON g.o = k.o
      LEFT JOIN why y ON y.o IS NOT DISTINCT FROM k.o
     ORDER BY k.trip
  LOOP
    trip_id := r.trip; received := r.received; stored := r.stored; refused := r.refused;
    duplicates := r.received - r.refused - r.stored; refusals := r.refusals;
    RETURN NEXT;
    CONTINUE WHEN r.stored = 0;

    -- store them (into the months' partitions, made if missing)
    PERFORM booking.trip_point_store(org, r.trip, r.ts, r.lat, r.lng, r.speed, r.acc);

    -- fold the trip's new fixes into its figures
    SELECT x.track_state, x.fixes_used + x.fixes_filtered AS n INTO t
      FROM booking.trip x WHERE x.org_id = org AND x.id = r.trip;
    seen := t.track_state[2];
    first_new := pg_catalog.date_part('epoch', r.ts[1]) - 946684800;
    reached_back := false;
    ck := NULL;
    IF t.track_state IS NULL OR (seen IS NOT NULL AND seen <> 'NaN' AND first_new > seen) THEN
      -- in order: the batch folds onto the state; a saved state every
      -- `every` fixes
      st := booking.track_fold(t.track_state, r.ts, r.lat, r.lng, r.acc,
                               cfg.max_speed_kph, cfg.merge_min_m, cfg.max_gap_s, cfg.max_accuracy_m);
      before_n := t.n;
      after_n := t.n + r.stored;
      IF after_n / every > before_n / every THEN
        SELECT COALESCE(x.track_checkpoints, '{}') || st INTO ck
          FROM booking.trip x WHERE x.org_id = org AND x.id = r.trip;
      END IF;
    ELSE
      -- reaching back: refold from the last saved state before the batch's
      -- earliest fix, over the stored fixes after it (the new ones among them)
      reached_back := true;
      SELECT COALESCE(x.track_checkpoints, '{}') INTO ck
        FROM booking.trip x WHERE x.org_id = org AND x.id = r.trip;
      len := pg_catalog.cardinality(t.track_state);
      k := pg_catalog.cardinality(ck) / len;
      WHILE k > 0 AND NOT (ck[(k - 1) * len + 2] < first_new) LOOP
        k := k - 1;
      END LOOP;
      ck := ck[1:k * len];
      base := CASE WHEN k > 0 THEN ck[(k - 1) * len + 1:k * len] END;
      SELECT pg_catalog.array_agg(f.ts ORDER BY f.ts), pg_catalog.array_agg(f.lat ORDER BY f.ts),
             pg_catalog.array_agg(f.lng ORDER BY f.ts), pg_catalog.array_agg(f.accuracy_m ORDER BY f.ts)
        INTO s_ts, s_lat, s_lng, s_acc
        FROM booking.trip_fixes_after(org, r.trip,
               CASE WHEN k > 0 THEN pg_catalog.to_timestamp(base[2] + 946684800) END) f;
      -- folded in steps of `every` fixes, saving a state after each full step
      st := base;
      i := 1;
      WHILE i <= COALESCE(pg_catalog.cardinality(s_ts), 0) LOOP
        st := booking.track_fold(st, s_ts[i:i + every - 1], s_lat[i:i + every - 1], s_lng[i:i + every - 1],
                                 s_acc[i:i + every - 1],
                                 cfg.max_speed_kph, cfg.merge_min_m, cfg.max_gap_s, cfg.max_accuracy_m);
        IF i + every - 1 < pg_catalog.cardinality(s_ts) THEN
          ck := ck || st;
        END IF;
        i := i + every;
      END LOOP;
    END IF;
    SELECT * INTO fig FROM booking.track_figures(st, cfg.max_speed_kph, cfg.merge_min_m, cfg.max_gap_s, cfg.max_accuracy_m);
    UPDATE booking.trip x
       SET track_state = st, track_checkpoints = COALESCE(ck, x.track_checkpoints),
           distance_meters = fig.distance_m, moving_distance_meters = fig.moving_distance_m,
           moving_seconds = fig.moving_s, stationary_seconds = fig.stationary_s,
           max_speed_kph = fig.max_speed_kph, avg_moving_speed_kph = fig.avg_moving_speed_kph,
           fixes_used = fig.fixes_used, fixes_filtered = fig.fixes_filtered,
           recomputed = x.recomputed + reached_back::pg_catalog.int4
     WHERE x.org_id = org AND x.id = r.trip;
  END LOOP;
  -- the lessons' figures from their trips'
  PERFORM booking.lesson_refresh_figures(org, l.lesson)
     FROM (SELECT DISTINCT v AS lesson FROM pg_catalog.unnest(w_lesson) v) l;
END
$$;
COMMENT ON FUNCTION booking.ingest_fixes(pg_catalog.uuid[], pg_catalog.bool, pg_catalog.uuid[], pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) IS
  'the ingestion of ingest_trip_points and ingest_staged (staged: the rows of pg_temp.trip_point_staging; else the arrays): locks the given trips and those of the fixes (in id order), classifies the fixes in one statement, stores each trip''s good ones with booking.trip_point_store, folds them into its figures (reaching back: from its last saved state before the batch), one row of counts per trip';

-- Once distributed (Citus: booking.distribute() has run, so that
-- citus.propagate_set_commands = local), an acting org's ingestion runs on
-- the worker that holds the org: booking.ingest_delegated (on the
-- coordinator) makes the months' partitions the fixes need and calls
-- booking.ingest_fixes_on, a delegated function (create_distributed_function
-- on org_id, with booking.org, force_delegation), which runs
-- booking.ingest_fixes there over the caller's own connection: its queries
-- are local to the org's shards and booking.trip_point_store writes into
-- the shard of the month's partition as on one node (an INSERT through the
-- distributed table becomes a COPY into the shards, which Citus refuses
-- under row-level security).
CREATE OR REPLACE FUNCTION booking.ingest_delegates()
  RETURNS pg_catalog.bool
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.current_org_id() IS NOT NULL
       AND pg_catalog.current_setting('citus.propagate_set_commands', true) OPERATOR(pg_catalog.=) 'local';
  END;
COMMENT ON FUNCTION booking.ingest_delegates() IS
  'internal: true when ingest_trip_points and ingest_staged run on the worker of the acting org (Citus, after booking.distribute())';

-- The delegated function (see booking.ingest_delegates): STRICT, so that a
-- NULL org folds the call to NULL before Citus looks at it; the rows of
-- booking.ingest_fixes as a jsonb array of [trip_id, received, stored,
-- duplicates, refused, refusals].
CREATE OR REPLACE FUNCTION booking.ingest_fixes_on(org_id pg_catalog.uuid, trips pg_catalog.uuid[],
    trip_ids pg_catalog.uuid[], ts pg_catalog.timestamptz[], lat pg_catalog.float8[], lng pg_catalog.float8[],
    speed_kph pg_catalog.float8[], accuracy_m pg_catalog.float8[])
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql STRICT
  SET search_path = pg_catalog, pg_temp
  SET jit = off
  AS $$
BEGIN
  PERFORM booking.solver_org(ingest_fixes_on.org_id, 'ingest_trip_points');
  RETURN (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(f.trip_id, f.received, f.stored, f.duplicates,
                                                                          f.refused, f.refusals) ORDER BY f.n), '[]')
            FROM booking.ingest_fixes(trips, false, trip_ids, ts, lat, lng, speed_kph, accuracy_m)
                 WITH ORDINALITY AS f(trip_id, received, stored, duplicates, refused, refusals, n));
END
$$;
COMMENT ON FUNCTION booking.ingest_fixes_on(pg_catalog.uuid, pg_catalog.uuid[], pg_catalog.uuid[], pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) IS
  'internal: booking.ingest_fixes of the arrays for org_id (the acting org, else 42501), its rows as [[trip_id, received, stored, duplicates, refused, refusals], ...]; on Citus delegated to the worker of org_id (STRICT: a NULL argument gives NULL)';

-- On the coordinator: the months' partitions first (in a transaction of
-- their own, booking.trip_point_partition; only when a month of the batch
-- has none: the months of the fixes that their trip's window admits), then
-- the delegated call, one round trip to the org's worker.
CREATE OR REPLACE FUNCTION booking.ingest_delegated(trips pg_catalog.uuid[], trip_ids pg_catalog.uuid[],
    ts pg_catalog.timestamptz[], lat pg_catalog.float8[], lng pg_catalog.float8[],
    speed_kph pg_catalog.float8[], accuracy_m pg_catalog.float8[])
  RETURNS TABLE (trip_id pg_catalog.uuid, received pg_catalog.int4, stored pg_catalog.int4,
                 duplicates pg_catalog.int4, refused pg_catalog.int4, refusals pg_catalog.jsonb)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  SET jit = off
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
  n pg_catalog.int4 := COALESCE(pg_catalog.cardinality(ts), 0);
  none pg_catalog.float8[] := pg_catalog.array_fill(NULL::pg_catalog.float8, ARRAY[n]);
  cfg booking.tracking_setting;
  future pg_catalog.timestamptz;
  w_trip pg_catalog.uuid[];
  w_lo pg_catalog.timestamptz[];
  w_hi pg_catalog.timestamptz[];
  m record;
  res pg_catalog.jsonb;
BEGIN
  -- (pg_class by name: the caller has no usage on the partitions' schema)
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT 'trip_point_' || pg_catalog.to_char(pg_catalog.timezone('UTC', t), 'YYYY_MM') AS name
                              FROM pg_catalog.unnest(ts) t WHERE pg_catalog.isfinite(t)) x
              WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                 WHERE c.relnamespace = 'booking_trip_point'::pg_catalog.regnamespace AND c.relname = x.name)) THEN
    cfg := booking.tracking_settings(org);
    future := pg_catalog.now() + cfg.slack;
    SELECT pg_catalog.array_agg(t.id), pg_catalog.array_agg(l.started_at - cfg.slack),
           pg_catalog.array_agg(COALESCE(l.ended_at + cfg.slack, future))
      INTO w_trip, w_lo, w_hi
      FROM booking.trip t JOIN booking.lesson l ON l.org_id = t.org_id AND l.id = t.lesson_id
     WHERE t.org_id = org AND t.id = ANY (COALESCE(trips, '{}') || COALESCE(trip_ids, '{}'));
    FOR m IN
      SELECT pg_catalog.min(f.t) AS t
        FROM ROWS FROM (pg_catalog.unnest(trip_ids), pg_catalog.unnest(ts), pg_catalog.unnest(lat), pg_catalog.unnest(lng),
                        pg_catalog.unnest(COALESCE(speed_kph, none)), pg_catalog.unnest(COALESCE(accuracy_m, none)))
               AS f(trip, t, la, lo, sp, ac)
        JOIN ROWS FROM (pg_catalog.unnest(w_trip), pg_catalog.unnest(w_lo), pg_catalog.unnest(w_hi)) AS w(trip, lo, hi)
          ON w.trip = f.trip
       WHERE booking.fix_refusal(f.t, f.la, f.lo, f.sp, f.ac, w.lo, w.hi, future) IS NULL
       GROUP BY pg_catalog.to_char(pg_catalog.timezone('UTC', f.t), 'YYYY_MM')
    LOOP
      PERFORM booking.trip_point_partition(m.t);
    END LOOP;
  END IF;
  -- (a FROM item, which Citus delegates from PL/pgSQL)
  SELECT r INTO res
    FROM booking.ingest_fixes_on(org, COALESCE(trips, '{}'), COALESCE(trip_ids, '{}'), COALESCE(ts, '{}'),
                                 COALESCE(lat, '{}'), COALESCE(lng, '{}'), COALESCE(speed_kph, none),
                                 COALESCE(accuracy_m, none)) AS r;
  RETURN QUERY
    SELECT (e OPERATOR(pg_catalog.->>) 0)::pg_catalog.uuid, (e OPERATOR(pg_catalog.->>) 1)::pg_catalog.int4,
           (e OPERATOR(pg_catalog.->>) 2)::pg_catalog.int4, (e OPERATOR(pg_catalog.->>) 3)::pg_catalog.int4,
           (e OPERATOR(pg_catalog.->>) 4)::pg_catalog.int4, e OPERATOR(pg_catalog.->) 5
      FROM pg_catalog.jsonb_array_elements(res) WITH ORDINALITY AS x(e, o) ORDER BY x.o;
END
$$;
COMMENT ON FUNCTION booking.ingest_delegated(pg_catalog.uuid[], pg_catalog.uuid[], pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) IS
  'internal (Citus): the ingestion of ingest_trip_points and ingest_staged for the acting org on the worker that holds it: makes the partitions of the months the fixes need (in their own transaction), then one delegated call of booking.ingest_fixes_on; the rows of booking.ingest_fixes';

-- Ingest one batch of fixes of one trip.
CREATE OR REPLACE FUNCTION booking.ingest_trip_points(trip_id pg_catalog.uuid, ts pg_catalog.timestamptz[],
    lat pg_catalog.float8[], lng pg_catalog.float8[],
    speed_kph pg_catalog.float8[] DEFAULT NULL, accuracy_m pg_catalog.float8[] DEFAULT NULL,
    OUT received pg_catalog.int4, OUT stored pg_catalog.int4, OUT duplicates pg_catalog.int4,
    OUT refused pg_catalog.int4, OUT refusals pg_catalog.jsonb)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  SET jit = off
  AS $$
DECLARE
  n pg_catalog.int4 := COALESCE(pg_catalog.cardinality(ts), 0);
BEGIN
  IF trip_id IS NULL THEN
    RAISE EXCEPTION 'trip not found' USING ERRCODE = '23G02', DETAIL = 'The trip is NULL.';
  END IF;
  IF COALESCE(pg_catalog.cardinality(lat), 0) <> n OR COALESCE(pg_catalog.cardinality(lng), 0) <> n
     OR (speed_kph IS NOT NULL AND pg_catalog.cardinality(speed_kph) <> n)
     OR (accuracy_m IS NOT NULL AND pg_catalog.cardinality(accuracy_m) <> n) THEN
    RAISE EXCEPTION 'fix arrays differ in length' USING ERRCODE = '22G05',
      DETAIL = pg_catalog.format('%s times, %s latitudes, %s longitudes, %s speeds, %s accuracies.',
                 n, pg_catalog.cardinality(lat), pg_catalog.cardinality(lng),
                 pg_catalog.cardinality(speed_kph), pg_catalog.cardinality(accuracy_m));
  END IF;
  IF booking.ingest_delegates() THEN
    SELECT f.received, f.stored, f.duplicates, f.refused, f.refusals
      INTO received, stored, duplicates, refused, refusals
      FROM booking.ingest_delegated(ARRAY[trip_id], pg_catalog.array_fill(trip_id, ARRAY[n]), ts, lat, lng,
                                    speed_kph, accuracy_m) f;
    RETURN;
  END IF;
  SELECT f.received, f.stored, f.duplicates, f.refused, f.refusals
    INTO received, stored, duplicates, refused, refusals
    FROM booking.ingest_fixes(ARRAY[trip_id], false, pg_catalog.array_fill(trip_id, ARRAY[n]), ts, lat, lng,
                              speed_kph, accuracy_m) f;
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
  IF pg_catalog.to_regclass('pg_temp.trip_point_staging') IS NULL THEN
    CREATE TEMP TABLE trip_point_staging (
      trip_id     pg_catalog.uuid,
      ts          pg_catalog.timestamptz,
      lat         pg_catalog.float8,
      lng         pg_catalog.float8,
      speed_kph   pg_catalog.float8,
      accuracy_m  pg_catalog.float8);
  END IF;
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
  SET jit = off
  AS $$
DECLARE
  a_trip pg_catalog.uuid[];
  a_ts pg_catalog.timestamptz[];
  a_lat pg_catalog.float8[];
  a_lng pg_catalog.float8[];
  a_speed pg_catalog.float8[];
  a_acc pg_catalog.float8[];
BEGIN
  PERFORM booking.stage_trip_points();
  IF booking.ingest_delegates() THEN
    -- the staged rows travel to the org's worker as arrays, in the
    -- staging table's order (the first of a trip and time wins)
    SELECT pg_catalog.array_agg(s.trip_id ORDER BY s.ctid), pg_catalog.array_agg(s.ts ORDER BY s.ctid),
           pg_catalog.array_agg(s.lat ORDER BY s.ctid), pg_catalog.array_agg(s.lng ORDER BY s.ctid),
           pg_catalog.array_agg(s.speed_kph ORDER BY s.ctid), pg_catalog.array_agg(s.accuracy_m ORDER BY s.ctid)
      INTO a_trip, a_ts, a_lat, a_lng, a_speed, a_acc
      FROM pg_temp.trip_point_staging s;
    RETURN QUERY SELECT * FROM booking.ingest_delegated('{}', a_trip, a_ts, a_lat, a_lng, a_speed, a_acc);
  ELSE
    RETURN QUERY SELECT * FROM booking.ingest_fixes('{}', true, NULL, NULL, NULL, NULL, NULL, NULL);
  END IF;
  -- the staged rows are consumed (with the caller's transaction)
  TRUNCATE pg_temp.trip_point_staging;
END
$$;
COMMENT ON FUNCTION booking.ingest_staged() IS
  'moves the rows of the session''s pg_temp.trip_point_staging into trip_point (booking.ingest_fixes: the checks of ingest_trip_points, one classifying statement for every trip), one row of counts per trip; all or nothing with the caller''s transaction';

-- Drop the partitions of trip_point that end before cutoff and hold no row.
CREATE OR REPLACE FUNCTION booking.drop_empty_trip_point_partitions_here(cutoff pg_catalog.timestamptz)
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
COMMENT ON FUNCTION booking.drop_empty_trip_point_partitions_here(pg_catalog.timestamptz) IS
  'internal (booking.drop_empty_trip_point_partitions): drops, in the current transaction, the monthly partitions of trip_point that end before cutoff and hold no row of any org';
REVOKE EXECUTE ON FUNCTION booking.drop_empty_trip_point_partitions_here(pg_catalog.timestamptz) FROM PUBLIC;

-- The partitions of trip_point that end before cutoff and hold no row of
-- any org, dropped: in the caller's transaction on a single node, in a
-- transaction of its own on the coordinator once distributed (Citus: see
-- booking.trip_point_partition), where it sees only committed rows.
CREATE OR REPLACE FUNCTION booking.drop_empty_trip_point_partitions(cutoff pg_catalog.timestamptz)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF booking.is_distributed() THEN
    RETURN booking.run_alone(pg_catalog.format('SELECT booking.drop_empty_trip_point_partitions_here(%L::pg_catalog.timestamptz)', cutoff))::pg_catalog.int4;
  END IF;
  RETURN booking.drop_empty_trip_point_partitions_here(cutoff);
END
$$;
COMMENT ON FUNCTION booking.drop_empty_trip_point_partitions(pg_catalog.timestamptz) IS
  'drops the monthly partitions of trip_point that end before cutoff and hold no row of any org (on Citus in a transaction of its own on the coordinator); called by drop_old_trip_points';

-- Retention: delete an org's points older than its retention_months.
CREATE OR REPLACE FUNCTION booking.drop_old_trip_points()
  RETURNS pg_catalog.int8
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  cfg booking.tracking_setting := booking.tracking_settings(booking.current_org_id());
  n pg_catalog.int8;
  cutoff pg_catalog.timestamptz;
  distributed pg_catalog.bool;
BEGIN
  IF NOT booking.acting_is_admin() THEN
    RAISE EXCEPTION 'only an owner or admin applies the retention' USING ERRCODE = '42501';
  END IF;
  IF cfg.retention_months IS NULL THEN
    RETURN 0;
  END IF;
  cutoff := pg_catalog.now() - pg_catalog.make_interval(months => cfg.retention_months);
  -- a month wholly before the cutoff whose partition no org still uses
  -- goes: on Citus first, in a transaction of its own (which sees the rows
  -- committed before: a month this call empties goes at the next call),
  -- as this transaction's delete would hold it
  distributed := booking.is_distributed();
  IF distributed THEN
    PERFORM booking.drop_empty_trip_point_partitions(cutoff);
  END IF;
  DELETE FROM booking.trip_point p
   WHERE p.org_id = cfg.org_id
     AND p.ts < cutoff;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF NOT distributed THEN
    PERFORM booking.drop_empty_trip_point_partitions(cutoff);
  END IF;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.drop_old_trip_points() IS
  'owner or admin: deletes the acting org''s GPS points older than its tracking_setting.retention_months (none if NULL), then drops the monthly partitions before that age that no org uses any more (on Citus before the delete, in a transaction of its own: a month emptied by this call goes at the next); trips keep their figures';

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

