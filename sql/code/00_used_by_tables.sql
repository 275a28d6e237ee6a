-- Functions that table definitions call (defaults, checks, the exclusion
-- constraint, domains).  They must exist before the tables are created, so
-- this file runs before sql/schema/ in a fresh install and first in every
-- update.  They use no table; each stays documented with its concern.

CREATE OR REPLACE FUNCTION booking.current_org_id() RETURNS pg_catalog.uuid
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_current_org_id';
COMMENT ON FUNCTION booking.current_org_id() IS
  'org the current transaction acts for (set by booking.act_as), or NULL';

CREATE OR REPLACE FUNCTION booking.check_time_zone(name pg_catalog.text) RETURNS pg_catalog.bool
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_check_time_zone';
COMMENT ON FUNCTION booking.check_time_zone(pg_catalog.text) IS
  'true if name is a zone of the IANA tz database as listed in pg_timezone_names; raises invalid_parameter_value (22023) otherwise';

-- The status predicates below have SQL-standard bodies (every name is bound
-- when they are created, none at run time) and no SET clause, so the
-- planner inlines them: into the exclusion constraint's predicate, the
-- solver's queries and the write triggers, at no cost per row.
CREATE OR REPLACE FUNCTION booking.status_occupies(status booking.booking_status) RETURNS pg_catalog.bool
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT status OPERATOR(pg_catalog.=) ANY ('{pending,confirmed,in_progress}'::booking.booking_status[]);
  END;
COMMENT ON FUNCTION booking.status_occupies(booking.booking_status) IS
  'true for the statuses that hold the resource''s time or a seat: pending, confirmed, in_progress';

-- The time an appointment keeps its resource busy: from its start minus the
-- buffer before to its end plus the buffer after.  Minutes only, so the
-- arithmetic does not depend on the time zone (hence IMMUTABLE, which lets
-- the exclusion constraint index it).  In C and without a SET clause: it is
-- evaluated for every booking row written and every index recheck, and it
-- resolves no name.
CREATE OR REPLACE FUNCTION booking.padded_range(starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz,
                                     buffer_before_minutes pg_catalog.int4, buffer_after_minutes pg_catalog.int4)
  RETURNS pg_catalog.tstzrange
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_padded_range';
COMMENT ON FUNCTION booking.padded_range(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.int4, pg_catalog.int4) IS
  'the interval an appointment keeps its resource busy: [starts_at - buffer_before, ends_at + buffer_after)';

CREATE OR REPLACE FUNCTION booking.minute_windows_ok(windows booking.timemultirange) RETURNS pg_catalog.bool
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT pg_catalog.bool_and(pg_catalog.lower_inc(r) AND NOT pg_catalog.upper_inc(r)
                             AND NOT pg_catalog.lower_inf(r) AND NOT pg_catalog.upper_inf(r)
                             AND pg_catalog.extract('second', pg_catalog.lower(r)) OPERATOR(pg_catalog.=) 0
                             AND pg_catalog.extract('second', pg_catalog.upper(r)) OPERATOR(pg_catalog.=) 0)
           IS NOT FALSE
    FROM pg_catalog.unnest(windows) AS r;
END;
COMMENT ON FUNCTION booking.minute_windows_ok(booking.timemultirange) IS
  'true when every range is bounded, [inclusive, exclusive) and starts and ends on a whole minute, e.g. {[07:00,09:00),[16:00,18:00)}';

CREATE OR REPLACE FUNCTION booking.checked_point(point geography, name pg_catalog.text DEFAULT 'point')
  RETURNS booking.point
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_checked_point';
COMMENT ON FUNCTION booking.checked_point(geography, pg_catalog.text) IS
  'the point itself if it is a non-empty, finite POINT in SRID 4326; otherwise an error (SQLSTATE 22023 or 22003) that names it';

CREATE OR REPLACE FUNCTION booking.transition_conditions_check(conditions pg_catalog.jsonb) RETURNS pg_catalog.bool
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_transition_conditions_check';
COMMENT ON FUNCTION booking.transition_conditions_check(pg_catalog.jsonb) IS
  'true if conditions is a valid condition document of a transition rule (keys not_before, not_after, reason_required, relation); raises invalid_parameter_value (22023) naming the problem otherwise';

-- The defaults of an org's GPS tracking settings (issue 20): the one
-- definition, which the columns of booking.tracking_setting take as their
-- defaults and booking.tracking_settings() returns for an org without a row.
CREATE OR REPLACE FUNCTION booking.tracking_defaults(
    OUT slack pg_catalog.interval, OUT max_speed_kph pg_catalog.float8, OUT merge_min_m pg_catalog.float8,
    OUT max_gap_s pg_catalog.float8, OUT max_accuracy_m pg_catalog.float8, OUT retention_months pg_catalog.int4)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT '15 minutes'::pg_catalog.interval, 250::pg_catalog.float8, 5::pg_catalog.float8,
           60::pg_catalog.float8, 100::pg_catalog.float8, NULL::pg_catalog.int4;
  END;
COMMENT ON FUNCTION booking.tracking_defaults() IS
  'the default GPS tracking settings (slack, max_speed_kph, merge_min_m, max_gap_s, max_accuracy_m, retention_months): the column defaults of booking.tracking_setting and the settings of an org without a row';
