-- Execution: the lesson of a booking, its GPS trips and their points.

CREATE TABLE booking.lesson (
  org_id           pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id               pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  booking_id       pg_catalog.uuid NOT NULL,
  started_at       pg_catalog.timestamptz,
  ended_at         pg_catalog.timestamptz,
  distance_meters  pg_catalog.int4 CHECK (distance_meters OPERATOR(pg_catalog.>=) 0),
  rating           pg_catalog.int2 CHECK (rating BETWEEN 1 AND 5),
  notes            pg_catalog.text,
  created_at       pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at       pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, booking_id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE,
  CONSTRAINT lesson_ends_after_start CHECK (ended_at OPERATOR(pg_catalog.>=) started_at)
);
COMMENT ON TABLE booking.lesson IS 'the execution of a booking (one per booking): when it really started and ended, distance driven';
COMMENT ON COLUMN booking.lesson.distance_meters IS 'length of the lesson''s GPS tracks (see booking.lesson_distance)';

CREATE TABLE booking.trip (
  org_id      pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id          pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  lesson_id   pg_catalog.uuid NOT NULL,
  started_at  pg_catalog.timestamptz NOT NULL,
  ended_at    pg_catalog.timestamptz,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, lesson_id) REFERENCES booking.lesson (org_id, id) ON DELETE CASCADE,
  CONSTRAINT trip_ends_after_start CHECK (ended_at OPERATOR(pg_catalog.>=) started_at)
);
CREATE INDEX trip_lesson_idx ON booking.trip (org_id, lesson_id);
COMMENT ON TABLE booking.trip IS 'a GPS-tracked drive within a lesson';

CREATE TABLE booking.trip_point (
  org_id     pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id         pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  trip_id    pg_catalog.uuid NOT NULL,
  ts         pg_catalog.timestamptz NOT NULL,
  point      booking.point NOT NULL,
  speed_kph  pg_catalog.float8 CHECK (speed_kph OPERATOR(pg_catalog.>=) 0::pg_catalog.float8 AND speed_kph OPERATOR(pg_catalog.<=) 400::pg_catalog.float8),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, trip_id) REFERENCES booking.trip (org_id, id) ON DELETE CASCADE
);
CREATE INDEX trip_point_trip_ts_idx ON booking.trip_point (org_id, trip_id, ts);
COMMENT ON TABLE booking.trip_point IS 'a GPS fix of a trip';
