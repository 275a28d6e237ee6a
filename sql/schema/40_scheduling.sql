-- Scheduling: weekly working hours, availability exceptions, sessions with a
-- capacity, bookings, license compatibility rules and the travel-time cache.

CREATE TABLE booking.working_hours (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  resource_id           pg_catalog.uuid NOT NULL,
  weekday               pg_catalog.int2 NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  hours                 booking.timerange NOT NULL,
  break                 booking.timerange,
  max_bookings_per_day  pg_catalog.int4 CHECK (max_bookings_per_day BETWEEN 0 AND 1000),
  travel_buffer_minutes pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (travel_buffer_minutes BETWEEN 0 AND 1440),
  effective             pg_catalog.daterange NOT NULL DEFAULT '(,)',
  active                pg_catalog.bool NOT NULL DEFAULT true,
  created_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE CASCADE,
  CONSTRAINT working_hours_window CHECK (
    NOT pg_catalog.isempty(hours) AND pg_catalog.lower_inc(hours) AND NOT pg_catalog.upper_inc(hours)
    AND NOT pg_catalog.lower_inf(hours) AND NOT pg_catalog.upper_inf(hours)),
  CONSTRAINT working_hours_break_inside CHECK (
    break IS NULL OR (NOT pg_catalog.isempty(break) AND hours OPERATOR(pg_catalog.@>) break
                      AND pg_catalog.lower_inc(break) AND NOT pg_catalog.upper_inc(break))),
  CONSTRAINT working_hours_effective CHECK (NOT pg_catalog.isempty(effective)),
  CONSTRAINT working_hours_no_overlap EXCLUDE USING gist (
    org_id WITH OPERATOR(pg_catalog.=), resource_id WITH OPERATOR(pg_catalog.=),
    weekday WITH OPERATOR(pg_catalog.=), effective WITH OPERATOR(pg_catalog.&&),
    hours WITH OPERATOR(pg_catalog.&&)) WHERE (active)
);
COMMENT ON TABLE booking.working_hours IS
  'a weekly working window of a resource in the org''s local wall-clock time; several windows per weekday are allowed, overlapping ones are not';
COMMENT ON COLUMN booking.working_hours.weekday IS 'ISO day of week: 1 = Monday ... 7 = Sunday';
COMMENT ON COLUMN booking.working_hours.hours IS 'local time window, e.g. [08:00,17:00); the upper bound may be 24:00';
COMMENT ON COLUMN booking.working_hours.break IS 'optional break inside the window';
COMMENT ON COLUMN booking.working_hours.max_bookings_per_day IS 'most bookings the resource takes on such a day; NULL for no limit';
COMMENT ON COLUMN booking.working_hours.travel_buffer_minutes IS 'least time kept between two appointments for travel';
COMMENT ON COLUMN booking.working_hours.effective IS 'local dates on which this window applies';

CREATE TABLE booking.availability_exception (
  org_id       pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id           pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  resource_id  pg_catalog.uuid NOT NULL,
  on_date      pg_catalog.date NOT NULL,
  available    pg_catalog.bool NOT NULL DEFAULT false,
  hours        booking.timemultirange,
  note         pg_catalog.text,
  created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, resource_id, on_date),
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE CASCADE,
  CONSTRAINT availability_exception_hours CHECK (
    (available AND hours IS NOT NULL AND NOT pg_catalog.isempty(hours))
    OR (NOT available AND hours IS NULL))
);
COMMENT ON TABLE booking.availability_exception IS
  'a date on which a resource''s weekly hours do not apply: a day off (available = false) or different hours';
COMMENT ON COLUMN booking.availability_exception.on_date IS 'local date in the org''s time zone';
COMMENT ON COLUMN booking.availability_exception.hours IS 'the hours of that day when available; NULL for a day off';

CREATE TABLE booking.session (
  org_id       pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id           pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  resource_id  pg_catalog.uuid NOT NULL,
  service_id   pg_catalog.uuid NOT NULL,
  location_id  pg_catalog.uuid,
  title        pg_catalog.text NOT NULL CHECK (pg_catalog.length(title) BETWEEN 1 AND 200),
  description  pg_catalog.text,
  starts_at    pg_catalog.timestamptz NOT NULL,
  ends_at      pg_catalog.timestamptz NOT NULL,
  capacity     pg_catalog.int4 NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
  currency     booking.currency_code NOT NULL REFERENCES booking.currency (code),
  price_cents  booking.cents NOT NULL DEFAULT 0,
  status       booking.session_status NOT NULL DEFAULT 'scheduled',
  created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, service_id) REFERENCES booking.service (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, location_id) REFERENCES booking.location (org_id, id) ON DELETE SET NULL (location_id),
  CONSTRAINT session_ends_after_start CHECK (ends_at OPERATOR(pg_catalog.>) starts_at)
);
CREATE INDEX session_org_start_idx ON booking.session (org_id, starts_at);
CREATE INDEX session_resource_start_idx ON booking.session (org_id, resource_id, starts_at);
COMMENT ON TABLE booking.session IS
  'a scheduled occurrence with a capacity, run by a resource: a group lesson, a workshop or retreat (facilitator), a launch (rocket, from a spaceport location)';
COMMENT ON COLUMN booking.session.capacity IS 'seats; active bookings never take more';

CREATE TABLE booking.booking (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  client_id             pg_catalog.uuid NOT NULL,
  resource_id           pg_catalog.uuid,
  service_id            pg_catalog.uuid NOT NULL,
  session_id            pg_catalog.uuid,
  seats                 pg_catalog.int4 NOT NULL DEFAULT 1 CONSTRAINT booking_seats_positive CHECK (seats BETWEEN 1 AND 100000),
  starts_at             pg_catalog.timestamptz NOT NULL,
  ends_at               pg_catalog.timestamptz NOT NULL,
  status                booking.booking_status NOT NULL DEFAULT 'pending',
  pickup_address        pg_catalog.text,
  pickup_point          booking.point,
  dropoff_address       pg_catalog.text,
  dropoff_point         booking.point,
  currency              booking.currency_code NOT NULL REFERENCES booking.currency (code),
  price_cents           booking.cents NOT NULL DEFAULT 0,
  platform_fee_cents    booking.cents NOT NULL DEFAULT 0,
  resource_share_cents  booking.cents NOT NULL DEFAULT 0,
  notes                 pg_catalog.text,
  cancelled_by          pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  cancelled_at          pg_catalog.timestamptz,
  cancellation_reason   pg_catalog.text,
  rescheduled_from      pg_catalog.timestamptz,
  rescheduled_at        pg_catalog.timestamptz,
  reschedule_reason     pg_catalog.text,
  previous_status       booking.booking_status,
  status_changed_at     pg_catalog.timestamptz,
  status_changed_by     pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  idempotency_key       pg_catalog.text CHECK (pg_catalog.length(idempotency_key) BETWEEN 1 AND 200),
  idempotency_fingerprint pg_catalog.text,
  buffer_before_minutes pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 1440),
  buffer_after_minutes  pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 1440),
  hold_expires_at       pg_catalog.timestamptz,
  override_reason       pg_catalog.text CHECK (pg_catalog.length(override_reason) BETWEEN 1 AND 1000),
  overridden_rules      pg_catalog.text[],
  overridden_by         pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  created_by            pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  created_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, idempotency_key),
  FOREIGN KEY (org_id, client_id) REFERENCES booking.client (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE SET NULL (resource_id),
  FOREIGN KEY (org_id, service_id) REFERENCES booking.service (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, session_id) REFERENCES booking.session (org_id, id) ON DELETE RESTRICT,
  CONSTRAINT booking_ends_after_start CHECK (ends_at OPERATOR(pg_catalog.>) starts_at),
  CONSTRAINT booking_price_split CHECK (
    platform_fee_cents OPERATOR(pg_catalog.+) resource_share_cents OPERATOR(pg_catalog.=) price_cents),
  CONSTRAINT booking_resource_or_session CHECK (resource_id IS NOT NULL OR session_id IS NOT NULL),
  CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    org_id WITH OPERATOR(pg_catalog.=), resource_id WITH OPERATOR(pg_catalog.=),
    booking.padded_range(starts_at, ends_at, buffer_before_minutes, buffer_after_minutes) WITH OPERATOR(pg_catalog.&&))
    WHERE (session_id IS NULL AND booking.status_occupies(status))
);
CREATE INDEX booking_org_start_idx ON booking.booking (org_id, starts_at);
CREATE INDEX booking_resource_start_idx ON booking.booking (org_id, resource_id, starts_at);
CREATE INDEX booking_client_start_idx ON booking.booking (org_id, client_id, starts_at);
CREATE INDEX booking_session_idx ON booking.booking (org_id, session_id) WHERE session_id IS NOT NULL;
COMMENT ON TABLE booking.booking IS
  'a booking of a client: an appointment with a resource (a driving lesson with pickup and dropoff) or seats in a session (a workshop, a launch)';
COMMENT ON COLUMN booking.booking.resource_id IS 'the instructor or other resource of an appointment; for a session booking, NULL or the session''s resource';
COMMENT ON COLUMN booking.booking.session_id IS 'the session whose seats this booking takes, if any';
COMMENT ON COLUMN booking.booking.seats IS 'seats taken in the session (1 for an appointment)';
COMMENT ON COLUMN booking.booking.status IS 'life-cycle status; changes are recorded in booking.status_history';
COMMENT ON COLUMN booking.booking.price_cents IS 'price in the minor unit of currency; equals platform_fee_cents + resource_share_cents';
COMMENT ON COLUMN booking.booking.rescheduled_from IS 'start time before the last reschedule';
COMMENT ON COLUMN booking.booking.idempotency_key IS 'client-chosen key; the same key within an org identifies the same booking';
COMMENT ON COLUMN booking.booking.idempotency_fingerprint IS 'md5 of the request (who, what, when, where, seats) the key was first used with; a retry with the same key must match it';
COMMENT ON COLUMN booking.booking.buffer_before_minutes IS 'the service''s buffer before, copied at insert (and when the service changes) so that later changes of the service do not move existing bookings';
COMMENT ON COLUMN booking.booking.buffer_after_minutes IS 'the service''s buffer after, copied like buffer_before_minutes';
COMMENT ON COLUMN booking.booking.hold_expires_at IS 'set for a hold (e.g. during checkout): the booking takes its time or seats only until then, unless confirmed by setting this to NULL before it passes';
COMMENT ON COLUMN booking.booking.override_reason IS 'set by an owner or admin to book a time the rules refuse (working hours, grid, notice, horizon, daily maximum; never an overlap, buffer or travel gap): why';
COMMENT ON COLUMN booking.booking.overridden_rules IS 'the rules the booking''s time breaks, overridden with override_reason (set by the write path; NULL when none)';
COMMENT ON COLUMN booking.booking.overridden_by IS 'the owner or admin whose write overrode overridden_rules';
COMMENT ON CONSTRAINT booking_no_overlap ON booking.booking IS
  'no two appointments of one resource overlap, buffers included (booking.padded_range), while pending, confirmed or in progress';

CREATE TABLE booking.license_rule (
  org_id                     pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                         pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  client_license_type        pg_catalog.text NOT NULL CHECK (pg_catalog.length(client_license_type) BETWEEN 1 AND 20),
  lesson_type                pg_catalog.text NOT NULL CHECK (pg_catalog.length(lesson_type) BETWEEN 1 AND 40),
  required_resource_license  pg_catalog.text CHECK (pg_catalog.length(required_resource_license) BETWEEN 1 AND 20),
  is_compatible              pg_catalog.bool NOT NULL DEFAULT true,
  min_client_age             pg_catalog.int4 CHECK (min_client_age BETWEEN 0 AND 150),
  max_client_age             pg_catalog.int4 CHECK (max_client_age BETWEEN 0 AND 150),
  prerequisites              pg_catalog.jsonb NOT NULL DEFAULT '[]' CHECK (pg_catalog.jsonb_typeof(prerequisites) OPERATOR(pg_catalog.=) 'array'::pg_catalog.text),
  restrictions               pg_catalog.jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(restrictions) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text),
  min_duration_minutes       pg_catalog.int4 CHECK (min_duration_minutes BETWEEN 1 AND 1440),
  max_duration_minutes       pg_catalog.int4 CHECK (max_duration_minutes BETWEEN 1 AND 1440),
  requires_parental_consent  pg_catalog.bool NOT NULL DEFAULT false,
  active                     pg_catalog.bool NOT NULL DEFAULT true,
  created_at                 pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at                 pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, client_license_type, lesson_type),
  CONSTRAINT license_rule_age_order CHECK (min_client_age OPERATOR(pg_catalog.<=) max_client_age),
  CONSTRAINT license_rule_duration_order CHECK (min_duration_minutes OPERATOR(pg_catalog.<=) max_duration_minutes)
);
COMMENT ON TABLE booking.license_rule IS
  'license compatibility: a student''s license type and a lesson type give the instructor license required, age limits, prerequisites, lesson length limits and whether parental consent is needed';
COMMENT ON COLUMN booking.license_rule.prerequisites IS 'JSON array of lesson types the student must have completed first';

CREATE TABLE booking.travel_time_cache (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  from_hash             pg_catalog.text NOT NULL CHECK (from_hash OPERATOR(pg_catalog.~) '^[0-9b-hjkmnp-z]{1,12}$'::pg_catalog.text),
  to_hash               pg_catalog.text NOT NULL CHECK (to_hash OPERATOR(pg_catalog.~) '^[0-9b-hjkmnp-z]{1,12}$'::pg_catalog.text),
  from_point            booking.point NOT NULL,
  to_point              booking.point NOT NULL,
  driving_minutes       pg_catalog.int4 NOT NULL CHECK (driving_minutes BETWEEN 0 AND 100000),
  distance_meters       pg_catalog.int4 NOT NULL CHECK (distance_meters BETWEEN 0 AND 40000000),
  traffic_multiplier    pg_catalog.float8 NOT NULL DEFAULT 1 CHECK (traffic_multiplier OPERATOR(pg_catalog.>) 0::pg_catalog.float8 AND traffic_multiplier OPERATOR(pg_catalog.<=) 10::pg_catalog.float8),
  peak_hour_multiplier  pg_catalog.float8 NOT NULL DEFAULT 1 CHECK (peak_hour_multiplier OPERATOR(pg_catalog.>) 0::pg_catalog.float8 AND peak_hour_multiplier OPERATOR(pg_catalog.<=) 10::pg_catalog.float8),
  time_of_day_factors   pg_catalog.float8[] CHECK (pg_catalog.cardinality(time_of_day_factors) OPERATOR(pg_catalog.=) 24),
  last_updated          pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  cache_valid_until     pg_catalog.timestamptz NOT NULL,
  source                pg_catalog.text NOT NULL DEFAULT 'manual' CHECK (source OPERATOR(pg_catalog.~) '^[a-z_]{1,40}$'::pg_catalog.text),
  reliability           pg_catalog.text NOT NULL DEFAULT 'medium' CHECK (reliability OPERATOR(pg_catalog.=) ANY ('{high,medium,low}'::pg_catalog.text[])),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, from_hash, to_hash)
);
COMMENT ON TABLE booking.travel_time_cache IS
  'driving times between two location cells (geohashes), with traffic, peak-hour and time-of-day factors; used while valid, else the estimate applies';
COMMENT ON COLUMN booking.travel_time_cache.time_of_day_factors IS 'factor by local hour of departure, 24 values (index 1 = 00:00-00:59); NULL for all 1';
