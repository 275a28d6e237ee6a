-- 0.1.0 to 0.2.0: the objects created once that change, and the code of
-- 0.1.0 that 0.2.0 no longer has.  Runs after sql/code/00_used_by_tables.sql
-- and before the rest of sql/code/, in the update from 0.1.0 and in every
-- later fresh install (where the DROP ... IF EXISTS find nothing).

-- One privileged-caller predicate (booking.caller_bypasses_rls, and
-- booking.writing_as_maintenance on top of it) replaces the three tests of
-- 0.1.0; writing_as_maintenance is dropped to be created anew, since its
-- 0.1.0 body depends on login_bypasses_rls.
DROP FUNCTION IF EXISTS booking.writing_as_maintenance();
DROP FUNCTION IF EXISTS booking.login_bypasses_rls();
DROP FUNCTION IF EXISTS booking.lifecycle_is_maintenance();

-- The lock wrappers nothing called: booking.lock_scope takes every lock.
DROP FUNCTION IF EXISTS booking.lock_resource_days(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.tstzrange, pg_catalog.int4);
DROP FUNCTION IF EXISTS booking.lock_resource_day(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date);

-- Issue 20: lessons as they happen.  A lesson, its trips and their points
-- carry the resource and client of their booking, so that their policies
-- compare columns with the identity (no subquery); a trip keeps the
-- incremental state of its figures (src/core/track.c) and the figures;
-- points are unique per trip and time (duplicates are absorbed).
ALTER TABLE booking.service ADD COLUMN tracked_as_lesson pg_catalog.bool NOT NULL DEFAULT true;
COMMENT ON COLUMN booking.service.tracked_as_lesson IS
  'an appointment of this service executes as a lesson (started, ended, GPS trips); false for workshops, launches and the like';

ALTER TABLE booking.lesson
  ADD COLUMN resource_id pg_catalog.uuid,
  ADD COLUMN client_id pg_catalog.uuid,
  ADD COLUMN closed_at pg_catalog.timestamptz,
  ADD COLUMN moving_seconds pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN stationary_seconds pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN max_speed_kph pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN avg_moving_speed_kph pg_catalog.float8 NOT NULL DEFAULT 0;
-- carried columns are derived: the rows' updated_at stays as it was
ALTER TABLE booking.lesson DISABLE TRIGGER USER;
UPDATE booking.lesson l
   SET resource_id = COALESCE(b.resource_id, s.resource_id), client_id = b.client_id
  FROM booking.booking b
  LEFT JOIN booking.session s ON s.org_id OPERATOR(pg_catalog.=) b.org_id AND s.id OPERATOR(pg_catalog.=) b.session_id
 WHERE b.org_id OPERATOR(pg_catalog.=) l.org_id AND b.id OPERATOR(pg_catalog.=) l.booking_id;
ALTER TABLE booking.lesson ENABLE TRIGGER USER;
ALTER TABLE booking.lesson ADD CONSTRAINT lesson_carry_key UNIQUE (org_id, id, resource_id, client_id);
CREATE INDEX lesson_resource_idx ON booking.lesson (org_id, resource_id);
CREATE INDEX lesson_client_idx ON booking.lesson (org_id, client_id);
COMMENT ON COLUMN booking.lesson.resource_id IS 'the booking''s resource (instructor), kept by booking.tg_lesson_carry';
COMMENT ON COLUMN booking.lesson.client_id IS 'the booking''s client (student), kept by booking.tg_lesson_carry';
COMMENT ON COLUMN booking.lesson.closed_at IS 'when the booking was cancelled (or marked a no-show): the lesson takes no more trips or points';
COMMENT ON COLUMN booking.lesson.moving_seconds IS 'sum of the trips'' moving time';
COMMENT ON COLUMN booking.lesson.stationary_seconds IS 'sum of the trips'' stationary time';
COMMENT ON COLUMN booking.lesson.max_speed_kph IS 'fastest of the trips'' maximum moving speeds';
COMMENT ON COLUMN booking.lesson.avg_moving_speed_kph IS 'moving distance over moving time, over all trips';

ALTER TABLE booking.trip
  ADD COLUMN resource_id pg_catalog.uuid,
  ADD COLUMN client_id pg_catalog.uuid,
  ADD COLUMN track_state pg_catalog.float8[],
  ADD COLUMN distance_meters pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN moving_seconds pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN stationary_seconds pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN max_speed_kph pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN avg_moving_speed_kph pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN moving_distance_meters pg_catalog.float8 NOT NULL DEFAULT 0,
  ADD COLUMN fixes_used pg_catalog.int8 NOT NULL DEFAULT 0,
  ADD COLUMN fixes_filtered pg_catalog.int8 NOT NULL DEFAULT 0,
  ADD COLUMN recomputed pg_catalog.int8 NOT NULL DEFAULT 0;
UPDATE booking.trip t SET resource_id = l.resource_id, client_id = l.client_id
  FROM booking.lesson l
 WHERE l.org_id OPERATOR(pg_catalog.=) t.org_id AND l.id OPERATOR(pg_catalog.=) t.lesson_id;
ALTER TABLE booking.trip ADD CONSTRAINT trip_carry_key UNIQUE (org_id, id, resource_id, client_id);
ALTER TABLE booking.trip ADD CONSTRAINT trip_carry_fkey FOREIGN KEY (org_id, lesson_id, resource_id, client_id)
  REFERENCES booking.lesson (org_id, id, resource_id, client_id) ON UPDATE CASCADE;
COMMENT ON COLUMN booking.trip.resource_id IS 'the lesson''s resource, kept equal by trip_carry_fkey (ON UPDATE CASCADE)';
COMMENT ON COLUMN booking.trip.client_id IS 'the lesson''s client, kept equal by trip_carry_fkey (ON UPDATE CASCADE)';
COMMENT ON COLUMN booking.trip.track_state IS 'incremental state of the figures (src/core/track.h, TRACK_STATE_LEN values); NULL before the first point';
COMMENT ON COLUMN booking.trip.distance_meters IS 'distance driven, noise handled (see README, "GPS trips")';
COMMENT ON COLUMN booking.trip.moving_seconds IS 'time of the legs at walking pace or faster';
COMMENT ON COLUMN booking.trip.stationary_seconds IS 'time of the slower legs and of the stops';
COMMENT ON COLUMN booking.trip.max_speed_kph IS 'fastest average over four consecutive moving legs';
COMMENT ON COLUMN booking.trip.avg_moving_speed_kph IS 'moving distance over moving time';
COMMENT ON COLUMN booking.trip.moving_distance_meters IS 'distance of the moving legs';
COMMENT ON COLUMN booking.trip.fixes_used IS 'stored points the figures accepted';
COMMENT ON COLUMN booking.trip.fixes_filtered IS 'stored points the figures left out (teleports, inaccurate fixes)';
COMMENT ON COLUMN booking.trip.recomputed IS 'times the figures were recomputed from every point because a batch reached back before the last point';

ALTER TABLE booking.trip_point
  ADD COLUMN resource_id pg_catalog.uuid,
  ADD COLUMN client_id pg_catalog.uuid,
  ADD COLUMN accuracy_m pg_catalog.float8
    CHECK (accuracy_m OPERATOR(pg_catalog.>=) 0::pg_catalog.float8 AND accuracy_m OPERATOR(pg_catalog.<=) 100000::pg_catalog.float8);
UPDATE booking.trip_point p SET resource_id = t.resource_id, client_id = t.client_id
  FROM booking.trip t
 WHERE t.org_id OPERATOR(pg_catalog.=) p.org_id AND t.id OPERATOR(pg_catalog.=) p.trip_id;
-- 0.1.0 allowed two fixes of a trip at one time: the first stored stays.
DELETE FROM booking.trip_point p
 USING booking.trip_point q
 WHERE q.org_id OPERATOR(pg_catalog.=) p.org_id AND q.trip_id OPERATOR(pg_catalog.=) p.trip_id
   AND q.ts OPERATOR(pg_catalog.=) p.ts AND q.id OPERATOR(pg_catalog.<) p.id;
DROP INDEX booking.trip_point_trip_ts_idx;
ALTER TABLE booking.trip_point ADD CONSTRAINT trip_point_trip_ts_idx UNIQUE (org_id, trip_id, ts);
ALTER TABLE booking.trip_point ADD CONSTRAINT trip_point_carry_fkey FOREIGN KEY (org_id, trip_id, resource_id, client_id)
  REFERENCES booking.trip (org_id, id, resource_id, client_id) ON UPDATE CASCADE;
COMMENT ON COLUMN booking.trip_point.resource_id IS 'the trip''s resource, kept equal by trip_point_carry_fkey (ON UPDATE CASCADE)';
COMMENT ON COLUMN booking.trip_point.client_id IS 'the trip''s client, kept equal by trip_point_carry_fkey (ON UPDATE CASCADE)';
COMMENT ON COLUMN booking.trip_point.accuracy_m IS 'the device''s horizontal accuracy in metres (NULL: unknown)';

-- An org's tracking settings; an org without a row uses the column defaults.
CREATE TABLE booking.tracking_setting (
  org_id            pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  slack             pg_catalog.interval NOT NULL DEFAULT '15 minutes'
                      CHECK (slack OPERATOR(pg_catalog.>=) '0'::pg_catalog.interval AND slack OPERATOR(pg_catalog.<=) '1 day'::pg_catalog.interval),
  max_speed_kph     pg_catalog.float8 NOT NULL DEFAULT 250
                      CHECK (max_speed_kph OPERATOR(pg_catalog.>) 0::pg_catalog.float8 AND max_speed_kph OPERATOR(pg_catalog.<=) 400::pg_catalog.float8),
  merge_min_m       pg_catalog.float8 NOT NULL DEFAULT 5
                      CHECK (merge_min_m OPERATOR(pg_catalog.>=) 0::pg_catalog.float8 AND merge_min_m OPERATOR(pg_catalog.<=) 1000::pg_catalog.float8),
  max_gap_s         pg_catalog.float8 NOT NULL DEFAULT 60
                      CHECK (max_gap_s OPERATOR(pg_catalog.>) 0::pg_catalog.float8 AND max_gap_s OPERATOR(pg_catalog.<=) 86400::pg_catalog.float8),
  max_accuracy_m    pg_catalog.float8 NOT NULL DEFAULT 100
                      CHECK (max_accuracy_m OPERATOR(pg_catalog.>) 0::pg_catalog.float8 AND max_accuracy_m OPERATOR(pg_catalog.<=) 100000::pg_catalog.float8),
  retention_months  pg_catalog.int4 CHECK (retention_months BETWEEN 1 AND 1200),
  PRIMARY KEY (org_id)
);
COMMENT ON TABLE booking.tracking_setting IS
  'an org''s GPS tracking settings; an org without a row uses the defaults of the columns';
COMMENT ON COLUMN booking.tracking_setting.slack IS 'points up to this long before the lesson''s start or after its end are accepted';
COMMENT ON COLUMN booking.tracking_setting.max_speed_kph IS 'a fix implying a faster leg is a teleport, left out of the figures';
COMMENT ON COLUMN booking.tracking_setting.merge_min_m IS 'smallest radius within which fixes merge (a parked car''s jitter)';
COMMENT ON COLUMN booking.tracking_setting.max_gap_s IS 'longer gaps between fixes are not bridged';
COMMENT ON COLUMN booking.tracking_setting.max_accuracy_m IS 'fixes reported less accurate than this are left out of the figures';
COMMENT ON COLUMN booking.tracking_setting.retention_months IS 'booking.drop_old_trip_points deletes points older than this many months; NULL keeps them';


-- trip_point partitioned by month of ts (issue 20), org_id first in every
-- key of every partition.  The partitions live in
-- schema booking_trip_point, are not members of the extension (they are
-- made as months come, by booking.trip_point_partition), and are dumped and
-- restored by pg_dump as ordinary tables attached to the parent; the parent
-- keeps row-level security, the tenant policy and the dump marking (by
-- apply_schema_rules), and only the parent is granted to applications.
-- The 0.1.0 table is converted: the partitioned table is created, the rows
-- moved (ids kept, the identity continues where it was), the old table
-- dropped and the new one takes its name, constraints and comments.
CREATE SCHEMA booking_trip_point;
COMMENT ON SCHEMA booking_trip_point IS 'the monthly partitions of booking.trip_point (made by booking.trip_point_partition)';
CREATE TABLE booking.trip_point_by_month (
  org_id       pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id(),
  id           pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  trip_id      pg_catalog.uuid NOT NULL,
  ts           pg_catalog.timestamptz NOT NULL,
  point        booking.point NOT NULL,
  speed_kph    pg_catalog.float8,
  resource_id  pg_catalog.uuid,
  client_id    pg_catalog.uuid,
  accuracy_m   pg_catalog.float8,
  CONSTRAINT trip_point_speed_kph_check
    CHECK (speed_kph OPERATOR(pg_catalog.>=) 0::pg_catalog.float8 AND speed_kph OPERATOR(pg_catalog.<=) 400::pg_catalog.float8),
  CONSTRAINT trip_point_accuracy_m_check
    CHECK (accuracy_m OPERATOR(pg_catalog.>=) 0::pg_catalog.float8 AND accuracy_m OPERATOR(pg_catalog.<=) 100000::pg_catalog.float8)
) PARTITION BY RANGE (ts);
DO $$
DECLARE
  m pg_catalog.date;
  part pg_catalog.text;
BEGIN
  FOR m IN SELECT DISTINCT pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', p.ts))::pg_catalog.date
             FROM booking.trip_point p ORDER BY 1
  LOOP
    part := pg_catalog.format('booking_trip_point.trip_point_%s', pg_catalog.to_char(m, 'YYYY_MM'));
    EXECUTE pg_catalog.format('CREATE TABLE %s PARTITION OF booking.trip_point_by_month FOR VALUES FROM (%L) TO (%L)',
                              part, pg_catalog.timezone('UTC', m::pg_catalog.timestamp),
                              pg_catalog.timezone('UTC', m OPERATOR(pg_catalog.+) '1 month'::pg_catalog.interval));
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (org_id, id), ADD CONSTRAINT %I UNIQUE (org_id, trip_id, ts)',
                              part, 'trip_point_' || pg_catalog.to_char(m, 'YYYY_MM') || '_pkey',
                              'trip_point_' || pg_catalog.to_char(m, 'YYYY_MM') || '_trip_ts_key');
    EXECUTE pg_catalog.format('ALTER EXTENSION booking DROP TABLE %s', part);
  END LOOP;
END
$$;
INSERT INTO booking.trip_point_by_month (org_id, id, trip_id, ts, point, speed_kph, resource_id, client_id, accuracy_m)
  OVERRIDING SYSTEM VALUE
  SELECT org_id, id, trip_id, ts, point, speed_kph, resource_id, client_id, accuracy_m FROM booking.trip_point;
SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('booking.trip_point_by_month', 'id'), s.last_value, s.is_called)
  FROM booking.trip_point_id_seq s;
-- lesson_distance's body is bound to the old table; sql/code makes it anew
DROP FUNCTION IF EXISTS booking.lesson_distance(pg_catalog.uuid, pg_catalog.uuid);
-- out of the extension first, which also takes it (and its identity
-- sequence) off pg_dump's list of configuration tables
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
              WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                AND d.objid OPERATOR(pg_catalog.=) 'booking.trip_point_id_seq'::pg_catalog.regclass
                AND d.deptype OPERATOR(pg_catalog.=) 'e') THEN
    ALTER EXTENSION booking DROP SEQUENCE booking.trip_point_id_seq;
  END IF;
END
$$;
ALTER EXTENSION booking DROP TABLE booking.trip_point;
DROP TABLE booking.trip_point;
ALTER TABLE booking.trip_point_by_month RENAME TO trip_point;
ALTER SEQUENCE booking.trip_point_by_month_id_seq RENAME TO trip_point_id_seq;
-- Keys and indexes are the partitions' own (each made with the primary key
-- (org_id, id) and the unique (org_id, trip_id, ts) by
-- booking.trip_point_partition): an index on the parent would be made again
-- by pg_restore when it attaches a dumped partition, and the restore would
-- fail.  A time is in one partition only, so a partition's unique key on
-- (org_id, trip_id, ts) holds for the whole table.
ALTER TABLE booking.trip_point
  ADD CONSTRAINT trip_point_org_id_fkey FOREIGN KEY (org_id) REFERENCES booking.org (id) ON DELETE CASCADE,
  ADD CONSTRAINT trip_point_org_id_trip_id_fkey FOREIGN KEY (org_id, trip_id) REFERENCES booking.trip (org_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT trip_point_carry_fkey FOREIGN KEY (org_id, trip_id, resource_id, client_id)
    REFERENCES booking.trip (org_id, id, resource_id, client_id) ON UPDATE CASCADE;
COMMENT ON TABLE booking.trip_point IS 'a GPS fix of a trip; partitioned by month of ts (partitions in schema booking_trip_point)';
COMMENT ON COLUMN booking.trip_point.resource_id IS 'the trip''s resource, kept equal by trip_point_carry_fkey (ON UPDATE CASCADE)';
COMMENT ON COLUMN booking.trip_point.client_id IS 'the trip''s client, kept equal by trip_point_carry_fkey (ON UPDATE CASCADE)';
COMMENT ON COLUMN booking.trip_point.accuracy_m IS 'the device''s horizontal accuracy in metres (NULL: unknown)';
-- Issue 14: seats, holds and the waitlist.
-- The runner promotes the waitlists of sessions with a lapsed hold
-- (booking.run_due_transitions); this index finds those holds.
CREATE INDEX booking_session_hold_idx ON booking.booking (hold_expires_at)
  WHERE session_id IS NOT NULL AND hold_expires_at IS NOT NULL
    AND status OPERATOR(pg_catalog.=) ANY ('{pending,waitlisted}'::booking.booking_status[]);
-- A waitlisted booking now expires when its session starts (a scheduled
-- transition, booking.lifecycle_schedule): the waiting entries of 0.1.0 get
-- theirs.
INSERT INTO booking.scheduled_transition
  (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
SELECT b.org_id, b.id, 'expiry', 'expired', b.starts_at, '{waitlisted}', b.starts_at,
       'still waitlisted when the session started'
  FROM booking.booking b
 WHERE b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status;

-- Issue 18, messaging.
-- Notifications get a cursor for the pull path (seq, in insertion order)
-- and the inserting transaction's id (xid), so that a trusted relay can
-- read them in an order no later commit can go back behind: rows whose
-- xid is below the oldest running transaction are final.
ALTER TABLE booking.notification
  ADD COLUMN seq pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  ADD COLUMN xid pg_catalog.xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id();
CREATE INDEX notification_user_seq_idx ON booking.notification (org_id, user_id, seq) WHERE NOT delivered;
CREATE INDEX notification_relay_idx ON booking.notification (xid, seq) WHERE NOT delivered;
COMMENT ON COLUMN booking.notification.seq IS 'the pull cursor: increases with every notification (booking.notifications_after)';
COMMENT ON COLUMN booking.notification.xid IS 'the inserting transaction: the relay cursor is (xid, seq), read only below the oldest running transaction (booking.relay_notifications)';

-- The outbox relay protocol: an event is pending (claimable from
-- available_at), claimed (leased until available_at), done (acknowledged at
-- processed_at) or dead (failed max_attempts times, replayable).  Events of
-- one booking (order_key, from payload.booking_id) are handed out one at a
-- time, in id order.  Existing INSERTs, which name only org_id, topic and
-- payload, get a pending event.
ALTER TABLE booking.outbox
  ADD COLUMN status pg_catalog.text NOT NULL DEFAULT 'pending'
    CONSTRAINT outbox_status_check CHECK (status OPERATOR(pg_catalog.=) ANY ('{pending,claimed,done,dead}'::pg_catalog.text[])),
  ADD COLUMN available_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  ADD COLUMN claim_id pg_catalog.uuid,
  ADD COLUMN claimed_by pg_catalog.text CHECK (pg_catalog.length(claimed_by) BETWEEN 1 AND 200),
  ADD COLUMN dead_at pg_catalog.timestamptz,
  ADD COLUMN order_key pg_catalog.text GENERATED ALWAYS AS (payload OPERATOR(pg_catalog.->>) 'booking_id'::pg_catalog.text) STORED;
UPDATE booking.outbox SET status = 'done' WHERE processed_at IS NOT NULL;
CREATE INDEX outbox_open_idx ON booking.outbox (id)
  WHERE status OPERATOR(pg_catalog.=) ANY ('{pending,claimed}'::pg_catalog.text[]);
CREATE INDEX outbox_order_idx ON booking.outbox (order_key, id)
  WHERE status OPERATOR(pg_catalog.=) ANY ('{pending,claimed}'::pg_catalog.text[]);
CREATE INDEX outbox_claim_idx ON booking.outbox (claim_id) WHERE status OPERATOR(pg_catalog.=) 'claimed'::pg_catalog.text;
COMMENT ON COLUMN booking.outbox.status IS 'pending, claimed (by claim_id until available_at), done (acknowledged at processed_at) or dead (replay with booking.outbox_replay)';
COMMENT ON COLUMN booking.outbox.available_at IS 'pending: claimable from then on (back-off after a failure); claimed: the end of the lease';
COMMENT ON COLUMN booking.outbox.order_key IS 'payload.booking_id: events of one key are handed out one at a time, in id order';

-- Issue 18, messages from templates: per-org templates by key, channel and
-- locale; a message knows its provider and locale; a provider may report a
-- bounce.
ALTER TYPE booking.message_status ADD VALUE IF NOT EXISTS 'bounced';
CREATE TABLE booking.message_template (
  org_id      pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id          pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  key         pg_catalog.text NOT NULL CHECK (key OPERATOR(pg_catalog.~) '^[a-z_.]{1,100}$'::pg_catalog.text),
  channel     booking.message_channel NOT NULL,
  locale      pg_catalog.text NOT NULL DEFAULT 'en' CHECK (locale OPERATOR(pg_catalog.~) '^[a-z]{2}(-[A-Z]{2})?$'::pg_catalog.text),
  subject     pg_catalog.text CHECK (pg_catalog.length(subject) BETWEEN 1 AND 500),
  body        pg_catalog.text NOT NULL CHECK (pg_catalog.length(body) BETWEEN 1 AND 10000),
  active      pg_catalog.bool NOT NULL DEFAULT true,
  created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, key, channel, locale)
);
COMMENT ON TABLE booking.message_template IS
  'a message template of an org by key (booking.confirmed, booking.cancelled, booking.rescheduled, booking.reminder), channel and locale: subject and body with {{placeholders}}, checked when written';
ALTER TABLE booking.message
  ADD COLUMN provider pg_catalog.text CHECK (provider OPERATOR(pg_catalog.~) '^[a-z_]{1,40}$'::pg_catalog.text),
  ADD COLUMN locale pg_catalog.text,
  ADD COLUMN status_at pg_catalog.timestamptz;
CREATE UNIQUE INDEX message_provider_key ON booking.message (org_id, provider, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX message_provider_idx ON booking.message (provider, provider_id) WHERE provider_id IS NOT NULL;
COMMENT ON COLUMN booking.message.provider IS 'the provider that took the message (booking.message_sent); with provider_id it identifies the message in status reports';
COMMENT ON COLUMN booking.message.status_at IS 'when the status last changed';

-- Issue 18, reminders: a message N hours before the start, per channel,
-- scheduled when a booking is confirmed, moved with it, dropped with it.
CREATE TABLE booking.scheduled_reminder (
  org_id              pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                  pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  booking_id          pg_catalog.uuid NOT NULL,
  channel             booking.message_channel NOT NULL,
  execute_at          pg_catalog.timestamptz NOT NULL,
  expected_starts_at  pg_catalog.timestamptz NOT NULL,
  attempts            pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (attempts OPERATOR(pg_catalog.>=) 0),
  last_error          pg_catalog.text,
  outcome             pg_catalog.text CHECK (outcome OPERATOR(pg_catalog.=) ANY ('{done,skipped,dropped,failed}'::pg_catalog.text[])),
  processed_at        pg_catalog.timestamptz,
  created_at          pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE,
  CONSTRAINT scheduled_reminder_outcome_when_processed CHECK ((outcome IS NULL) OPERATOR(pg_catalog.=) (processed_at IS NULL))
);
CREATE INDEX scheduled_reminder_due_idx ON booking.scheduled_reminder (execute_at) WHERE processed_at IS NULL;
CREATE INDEX scheduled_reminder_booking_idx ON booking.scheduled_reminder (org_id, booking_id) WHERE processed_at IS NULL;
COMMENT ON TABLE booking.scheduled_reminder IS
  'a reminder message due before a confirmed booking''s start, per channel (org settings.reminders, quiet_hours); run by booking.run_due_reminders';

-- Issue 17 (money): prices from rate cards stored on the booking, payments
-- with a life cycle declared as data and a history, provider webhooks,
-- refunds, invoices with gapless numbers and credit notes.

-- Prices.  A service may be marked free (no price needed on a rate card);
-- a booking keeps the rate card its price came from.
ALTER TABLE booking.service ADD COLUMN free pg_catalog.bool NOT NULL DEFAULT false;
COMMENT ON COLUMN booking.service.free IS 'booked at price 0 without a price on any rate card';
ALTER TABLE booking.booking ADD COLUMN rate_card_id pg_catalog.uuid;
ALTER TABLE booking.booking ADD CONSTRAINT booking_rate_card_fkey
  FOREIGN KEY (org_id, rate_card_id) REFERENCES booking.rate_card (org_id, id);
COMMENT ON COLUMN booking.booking.rate_card_id IS
  'the rate card the price was taken from (named on INSERT, else the org''s default card); NULL for sessions and free services';

-- Payments.  Provider ids are unique per org and provider (a global unique
-- cannot be distributed by org_id); the refund is split like the amount.
ALTER TABLE booking.payment DROP CONSTRAINT payment_provider_payment_id_key;
ALTER TABLE booking.payment ADD CONSTRAINT payment_provider_payment_id_key UNIQUE (org_id, provider, provider_payment_id);
ALTER TABLE booking.payment
  ADD COLUMN refunded_fee_cents booking.cents NOT NULL DEFAULT 0,
  ADD COLUMN refunded_share_cents booking.cents NOT NULL DEFAULT 0,
  ADD COLUMN refund_confirmed_cents booking.cents NOT NULL DEFAULT 0;
-- Rows of 0.1.0 with a refund: split it like the amount (as data: the
-- triggers, updated_at's included, stay out of it).
ALTER TABLE booking.payment DISABLE TRIGGER USER;
UPDATE booking.payment
   SET refunded_share_cents = CASE WHEN amount_cents OPERATOR(pg_catalog.=) 0 THEN 0
                                   ELSE refunded_cents OPERATOR(pg_catalog.*) resource_share_cents OPERATOR(pg_catalog./) amount_cents END,
       refunded_fee_cents = refunded_cents OPERATOR(pg_catalog.-)
                            CASE WHEN amount_cents OPERATOR(pg_catalog.=) 0 THEN 0
                                 ELSE refunded_cents OPERATOR(pg_catalog.*) resource_share_cents OPERATOR(pg_catalog./) amount_cents END
 WHERE refunded_cents OPERATOR(pg_catalog.>) 0;
ALTER TABLE booking.payment ENABLE TRIGGER USER;
ALTER TABLE booking.payment
  ADD CONSTRAINT payment_refund_split CHECK (
    refunded_fee_cents OPERATOR(pg_catalog.+) refunded_share_cents OPERATOR(pg_catalog.=) refunded_cents
    AND refunded_fee_cents OPERATOR(pg_catalog.<=) platform_fee_cents
    AND refunded_share_cents OPERATOR(pg_catalog.<=) resource_share_cents),
  ADD CONSTRAINT payment_refund_confirmed_within_amount CHECK (refund_confirmed_cents OPERATOR(pg_catalog.<=) amount_cents);
COMMENT ON COLUMN booking.payment.refunded_cents IS
  'refunded so far (recorded by a cancellation or confirmed by the provider, whichever is more), split into refunded_fee_cents and refunded_share_cents';
COMMENT ON COLUMN booking.payment.refund_confirmed_cents IS 'refunded as the provider confirmed it (charge.refunded, cumulative)';

-- The payment life cycle as data: which status may follow which.
CREATE TABLE booking.payment_transition (
  from_status  booking.payment_status NOT NULL,
  to_status    booking.payment_status NOT NULL,
  description  pg_catalog.text NOT NULL,
  PRIMARY KEY (from_status, to_status),
  CONSTRAINT payment_transition_changes_status CHECK (from_status OPERATOR(pg_catalog.<>) to_status)
);
COMMENT ON TABLE booking.payment_transition IS
  'the allowed moves of a payment''s status (reference data shipped with the extension, like booking.currency; a Citus reference table): any other move is refused with 23M02';
INSERT INTO booking.payment_transition (from_status, to_status, description) VALUES
  ('pending', 'authorized', 'the provider holds the amount'),
  ('pending', 'succeeded', 'captured at once'),
  ('pending', 'failed', 'the attempt failed'),
  ('pending', 'cancelled', 'voided before capture'),
  ('authorized', 'succeeded', 'captured'),
  ('authorized', 'failed', 'capture failed'),
  ('authorized', 'cancelled', 'authorization released'),
  ('failed', 'succeeded', 'a later attempt succeeded'),
  ('failed', 'cancelled', 'given up'),
  ('succeeded', 'partially_refunded', 'part refunded'),
  ('succeeded', 'refunded', 'all refunded'),
  ('partially_refunded', 'refunded', 'the rest refunded');

-- Every change of a payment, appended by its trigger.
CREATE TABLE booking.payment_history (
  org_id          pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id(),
  id              pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  payment_id      pg_catalog.uuid NOT NULL,
  from_status     booking.payment_status,
  to_status       booking.payment_status NOT NULL,
  amount_cents    booking.cents NOT NULL,
  refunded_cents  booking.cents NOT NULL,
  cause           pg_catalog.text NOT NULL,
  webhook_event_id pg_catalog.uuid,
  actor_user_id   pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  created_at      pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, payment_id) REFERENCES booking.payment (org_id, id) ON DELETE CASCADE
);
CREATE INDEX payment_history_payment_idx ON booking.payment_history (org_id, payment_id, id);
COMMENT ON TABLE booking.payment_history IS
  'append-only history of every payment change: status from and to, amount and refunded after it, the cause (insert, webhook event type, cancellation, update) and the webhook event or user behind it';

-- Where a provider's id belongs: the one table the webhook reads before it
-- knows the org (a Citus reference table; org_id is the answer, not the key).
CREATE TABLE booking.provider_ref (
  provider   pg_catalog.text NOT NULL CHECK (provider OPERATOR(pg_catalog.~) '^[a-z_]{1,40}$'::pg_catalog.text),
  ref        pg_catalog.text NOT NULL CHECK (pg_catalog.length(ref) BETWEEN 1 AND 200),
  target_org_id pg_catalog.uuid NOT NULL REFERENCES booking.org (id) ON DELETE CASCADE,
  kind       pg_catalog.text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY ('{payment,payout}'::pg_catalog.text[])),
  target_id  pg_catalog.uuid NOT NULL,
  PRIMARY KEY (provider, ref)
);
CREATE INDEX provider_ref_target_idx ON booking.provider_ref (target_org_id, target_id);
COMMENT ON TABLE booking.provider_ref IS
  'routing of inbound provider events: a provider''s payment (or payout) id to the org (target_org_id) and row it belongs to; not a tenant table but a directory (a Citus reference table), keyed by the provider''s id; written by the triggers of payment and payout, read only by booking.ingest_webhook (no policy: no application role reads it)';
INSERT INTO booking.provider_ref (provider, ref, target_org_id, kind, target_id)
SELECT p.provider, p.provider_payment_id, p.org_id, 'payment', p.id
  FROM booking.payment p WHERE p.provider_payment_id IS NOT NULL;

-- Webhook events: their outcome, and who may deliver them for an org.
ALTER TABLE booking.webhook_event
  ADD COLUMN outcome pg_catalog.text CHECK (outcome OPERATOR(pg_catalog.=) ANY ('{applied,stale,ignored,failed}'::pg_catalog.text[])),
  ADD COLUMN error_code pg_catalog.text,
  ADD COLUMN error pg_catalog.text,
  ADD COLUMN payment_id pg_catalog.uuid;
COMMENT ON COLUMN booking.webhook_event.outcome IS
  'applied (changed something), stale (older than what is known: nothing to change), ignored (unknown type), failed (error_code and error say why; nothing else changed)';
CREATE TABLE booking.webhook_grant (
  org_id      pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  role_name   pg_catalog.name NOT NULL,
  created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, role_name)
);
COMMENT ON TABLE booking.webhook_grant IS 'which database role may deliver provider events for which org (booking.grant_webhook_role)';

-- Invoices: gapless numbers per org and year, credit notes, line items.
ALTER TABLE booking.invoice DROP CONSTRAINT invoice_org_id_booking_id_key;
ALTER TABLE booking.invoice DROP CONSTRAINT invoice_org_id_session_id_key;
ALTER TABLE booking.invoice
  ADD COLUMN kind pg_catalog.text NOT NULL DEFAULT 'invoice'
    CHECK (kind OPERATOR(pg_catalog.=) ANY ('{invoice,credit_note}'::pg_catalog.text[])),
  ADD COLUMN credit_for_id pg_catalog.uuid,
  ADD COLUMN year pg_catalog.int4,
  ADD COLUMN seq pg_catalog.int4 CHECK (seq OPERATOR(pg_catalog.>) 0),
  ADD CONSTRAINT invoice_credit_for_fkey FOREIGN KEY (org_id, credit_for_id) REFERENCES booking.invoice (org_id, id),
  ADD CONSTRAINT invoice_credit_note_refers CHECK ((kind OPERATOR(pg_catalog.=) 'credit_note') OPERATOR(pg_catalog.=) (credit_for_id IS NOT NULL)),
  ADD CONSTRAINT invoice_org_id_year_seq_key UNIQUE (org_id, year, seq);
CREATE UNIQUE INDEX invoice_one_per_booking ON booking.invoice (org_id, booking_id) WHERE kind OPERATOR(pg_catalog.=) 'invoice';
CREATE UNIQUE INDEX invoice_one_per_session ON booking.invoice (org_id, session_id) WHERE kind OPERATOR(pg_catalog.=) 'invoice';
COMMENT ON COLUMN booking.invoice.kind IS 'invoice, or credit_note (refers to the invoice it credits in credit_for_id)';
COMMENT ON COLUMN booking.invoice.seq IS 'position in the org''s gapless series of the year; number is year-seq (e.g. 2026-000042)';
CREATE TABLE booking.invoice_line (
  org_id        pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id(),
  invoice_id    pg_catalog.uuid NOT NULL,
  line_no       pg_catalog.int4 NOT NULL CHECK (line_no OPERATOR(pg_catalog.>) 0),
  kind          pg_catalog.text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY ('{service,seats,fee,refund}'::pg_catalog.text[])),
  description   pg_catalog.text NOT NULL,
  quantity      pg_catalog.int4 NOT NULL CHECK (quantity OPERATOR(pg_catalog.>) 0),
  unit_cents    booking.cents NOT NULL,
  amount_cents  booking.cents NOT NULL,
  PRIMARY KEY (org_id, invoice_id, line_no),
  FOREIGN KEY (org_id, invoice_id) REFERENCES booking.invoice (org_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE booking.invoice_line IS 'the lines of an invoice or credit note (service, seats, fees); they sum to its amount';
CREATE TABLE booking.invoice_counter (
  org_id    pg_catalog.uuid NOT NULL REFERENCES booking.org (id) ON DELETE CASCADE,
  year      pg_catalog.int4 NOT NULL,
  last_seq  pg_catalog.int4 NOT NULL,
  PRIMARY KEY (org_id, year)
);
COMMENT ON TABLE booking.invoice_counter IS
  'the last invoice number issued per org and year: taken by the issuing transaction (row lock until commit), so numbers have no gap after a rollback and orgs never wait for each other';

-- Issue 17 (money), payouts: a provider and a per-org unique transfer id;
-- the items a payout is made of (a booking's resource share, or a negative
-- adjustment for a refund after payout), each share paid at most once.
ALTER TABLE booking.payout DROP CONSTRAINT payout_provider_transfer_id_key;
ALTER TABLE booking.payout
  ADD COLUMN provider pg_catalog.text NOT NULL DEFAULT 'stripe' CHECK (provider OPERATOR(pg_catalog.~) '^[a-z_]{1,40}$'::pg_catalog.text),
  ADD CONSTRAINT payout_provider_transfer_id_key UNIQUE (org_id, provider, provider_transfer_id);
INSERT INTO booking.provider_ref (provider, ref, target_org_id, kind, target_id)
SELECT p.provider, p.id::pg_catalog.text, p.org_id, 'payout', p.id FROM booking.payout p
UNION ALL
SELECT p.provider, p.provider_transfer_id, p.org_id, 'payout', p.id FROM booking.payout p
 WHERE p.provider_transfer_id IS NOT NULL;
CREATE TABLE booking.payout_item (
  org_id          pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id(),
  id              pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  payout_id       pg_catalog.uuid NOT NULL,
  booking_id      pg_catalog.uuid NOT NULL,
  resource_id     pg_catalog.uuid NOT NULL,
  kind            pg_catalog.text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY ('{share,adjustment}'::pg_catalog.text[])),
  amount_cents    pg_catalog.int8 NOT NULL,
  refunded_basis  pg_catalog.int8 NOT NULL CHECK (refunded_basis OPERATOR(pg_catalog.>=) 0),
  released        pg_catalog.bool NOT NULL DEFAULT false,
  created_at      pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, payout_id) REFERENCES booking.payout (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE,
  CONSTRAINT payout_item_sign CHECK (CASE WHEN kind OPERATOR(pg_catalog.=) 'share'
                                          THEN amount_cents OPERATOR(pg_catalog.>=) 0
                                          ELSE amount_cents OPERATOR(pg_catalog.<) 0 END)
);
CREATE UNIQUE INDEX payout_item_share_once ON booking.payout_item (org_id, booking_id)
  WHERE kind OPERATOR(pg_catalog.=) 'share' AND NOT released;
CREATE UNIQUE INDEX payout_item_adjustment_once ON booking.payout_item (org_id, booking_id, refunded_basis)
  WHERE kind OPERATOR(pg_catalog.=) 'adjustment' AND NOT released;
CREATE INDEX payout_item_payout_idx ON booking.payout_item (org_id, payout_id);
COMMENT ON TABLE booking.payout_item IS
  'what a payout pays: a booking''s resource share (less what was refunded of it by then: refunded_basis), or a negative adjustment for a refund of the share after it was paid (refunded_basis: the refunded share covered so far); a booking''s share is in at most one payout not released (unique index), an adjustment likewise per basis; released when its payout failed, so that it is payable again';

-- ---------------------------------------------------------------------------
-- issue 15 (points 3, 4): a schema that Citus can distribute by org_id.
--
-- Citus refuses ON DELETE SET NULL (column) foreign keys (it drops the column
-- list, which would null org_id too): the five keys become NO ACTION keys,
-- and a BEFORE DELETE trigger of the parent (booking.tg_set_null_refs,
-- sql/code/85_triggers.sql) nulls the referring column of that org's rows
-- first, as the key's action did.  Same behaviour on one node.
ALTER TABLE booking.booking DROP CONSTRAINT booking_org_id_resource_id_fkey,
  ADD CONSTRAINT booking_org_id_resource_id_fkey FOREIGN KEY (org_id, resource_id)
    REFERENCES booking.resource (org_id, id);
ALTER TABLE booking.invoice DROP CONSTRAINT invoice_org_id_client_id_fkey,
  ADD CONSTRAINT invoice_org_id_client_id_fkey FOREIGN KEY (org_id, client_id)
    REFERENCES booking.client (org_id, id);
ALTER TABLE booking.invoice DROP CONSTRAINT invoice_org_id_supplier_id_fkey,
  ADD CONSTRAINT invoice_org_id_supplier_id_fkey FOREIGN KEY (org_id, supplier_id)
    REFERENCES booking.supplier (org_id, id);
ALTER TABLE booking.resource DROP CONSTRAINT resource_org_id_supplier_id_fkey,
  ADD CONSTRAINT resource_org_id_supplier_id_fkey FOREIGN KEY (org_id, supplier_id)
    REFERENCES booking.supplier (org_id, id);
ALTER TABLE booking.session DROP CONSTRAINT session_org_id_location_id_fkey,
  ADD CONSTRAINT session_org_id_location_id_fkey FOREIGN KEY (org_id, location_id)
    REFERENCES booking.location (org_id, id);

-- The slugs of the orgs, unique across all orgs (a slug names an org's public
-- booking page).  On one node org.slug's own UNIQUE constraint holds it and
-- this table stays empty; booking.distribute() fills it and replaces that
-- constraint (global uniqueness of a table distributed by id is impossible)
-- by a foreign key (slug, id) to it: a reference table, on every node.
CREATE TABLE booking.org_slug (
  slug  pg_catalog.text PRIMARY KEY,
  id    pg_catalog.uuid NOT NULL,     -- the org's id (no org_id column: not a tenant table)
  UNIQUE (slug, id)
);
COMMENT ON TABLE booking.org_slug IS
  'the slug of every org once booking is distributed on Citus (a reference table: one slug, one org, across all workers); empty on a single node, where org.slug is unique by its own constraint';
-- Issue 21 (boundaries), enrolment by invitation: a membership (and a
-- client record linked to a login) needs the user's acceptance.  An admin
-- invites an e-mail address or a user id; the invited user accepts with the
-- token (booking.accept_invitation).  Only the token's SHA-256 is stored.
-- No foreign key on user_id: an invitation of an unknown id must not fail
-- differently from one of a known id (that would tell who exists).
CREATE TABLE booking.invitation (
  org_id       pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id           pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  email        booking.email,
  user_id      pg_catalog.uuid,
  role         booking.org_role NOT NULL,
  client_id    pg_catalog.uuid,
  token_hash   pg_catalog.bytea NOT NULL CHECK (pg_catalog.length(token_hash) OPERATOR(pg_catalog.=) 32),
  expires_at   pg_catalog.timestamptz NOT NULL,
  invited_by   pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  accepted_at  pg_catalog.timestamptz,
  accepted_by  pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, client_id) REFERENCES booking.client (org_id, id) ON DELETE CASCADE,
  CONSTRAINT invitation_addressee CHECK (email IS NOT NULL OR user_id IS NOT NULL),
  CONSTRAINT invitation_accepted CHECK ((accepted_at IS NULL) OPERATOR(pg_catalog.=) (accepted_by IS NULL))
);
CREATE UNIQUE INDEX invitation_token_key ON booking.invitation (org_id, token_hash);
CREATE INDEX invitation_client_idx ON booking.invitation (org_id, client_id) WHERE client_id IS NOT NULL;
COMMENT ON TABLE booking.invitation IS
  'an invitation of a person (by e-mail or user id) to an org with a role, and optionally to a client record; accepted by the invited user with its token (booking.accept_invitation), which makes the membership';
COMMENT ON COLUMN booking.invitation.email IS 'the address the admin typed; the invitation is for the user who logs in with it (case-insensitively)';
COMMENT ON COLUMN booking.invitation.user_id IS 'the user id the admin typed (no foreign key: an unknown id is not told apart)';
COMMENT ON COLUMN booking.invitation.client_id IS 'a client record that accepting links to the user (client.user_id)';
COMMENT ON COLUMN booking.invitation.token_hash IS 'SHA-256 of the token booking.invite returned once';

-- Issue 21, a user's own e-mail change goes through a verified pending
-- value: booking.request_email_change stores it with a token for the new
-- address, booking.confirm_email_change applies it.  Asking never tells
-- whether another account has the address; only the holder of the new
-- mailbox (who has the token) learns it on confirming.
CREATE TABLE booking.email_change (
  user_id       pg_catalog.uuid PRIMARY KEY REFERENCES booking.app_user (id) ON DELETE CASCADE,
  new_email     booking.email NOT NULL,
  token_hash    pg_catalog.bytea NOT NULL CHECK (pg_catalog.length(token_hash) OPERATOR(pg_catalog.=) 32),
  expires_at    pg_catalog.timestamptz NOT NULL,
  requested_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE booking.email_change IS
  'a user''s pending e-mail change (global, one per user): applied by booking.confirm_email_change with the token sent to the new address';

-- Issue 21, keys per org where the domain means per org: a payout account
-- is an account of one org's resource (a provider's connected account may
-- serve two orgs); a global unique key told one org that another used it.
ALTER TABLE booking.resource DROP CONSTRAINT resource_payout_account_key;
ALTER TABLE booking.resource ADD CONSTRAINT resource_payout_account_key UNIQUE (org_id, payout_account);
COMMENT ON COLUMN booking.resource.payout_account IS 'account at the payout provider (e.g. a Stripe connected account), unique per org';

-- Issue 21, every index of a tenant table leads with org_id, so that a
-- member's query never reads (and EXPLAIN ANALYZE never counts in "Rows
-- Removed by Filter") another org's rows.  The user_id indexes are covered
-- by the (org_id, user_id ...) keys; deleting a user then scans the four
-- tables, as it already scanned booking for its audit columns.  The queues
-- of the system's workers (outbox relay, scheduled transitions and
-- reminders, lapsed holds, the notification relay, message status by
-- provider id) stay global: those workers serve every org at once
-- (test/pgtap/tenant_indexes.sql lists them).  Staff read those queues
-- too: each queue staff would list by the same predicate gets an index of
-- its own that leads with org_id (partial, so only the open rows), which
-- the planner takes for a member's query (test/pgtap/tenant_explain.sql).
DROP INDEX booking.membership_user_idx;
DROP INDEX booking.client_user_idx;
DROP INDEX booking.guardian_user_idx;
DROP INDEX booking.resource_user_idx;
CREATE INDEX scheduled_transition_org_due_idx ON booking.scheduled_transition (org_id, execute_at)
  WHERE processed_at IS NULL;
CREATE INDEX scheduled_reminder_org_due_idx ON booking.scheduled_reminder (org_id, execute_at)
  WHERE processed_at IS NULL;
CREATE INDEX outbox_org_open_idx ON booking.outbox (org_id, id)
  WHERE status OPERATOR(pg_catalog.=) ANY ('{pending,claimed}'::pg_catalog.text[]);
CREATE INDEX outbox_org_pending_idx ON booking.outbox (org_id, id)
  WHERE processed_at IS NULL;
CREATE INDEX booking_org_session_hold_idx ON booking.booking (org_id, hold_expires_at)
  WHERE session_id IS NOT NULL AND hold_expires_at IS NOT NULL
    AND status OPERATOR(pg_catalog.=) ANY ('{pending,waitlisted}'::booking.booking_status[]);
-- Issue 19 (points 1, 2, 5) and issue 17's rate card argument of book():
-- one naming scheme for the public API (README, "API conventions").  The
-- 0.1.0 signatures are dropped, not kept as wrappers: the functions are
-- created anew by sql/code/ with client_id for student_id, pickup_point for
-- pickup, starts_at for new_start, and the booking's
-- columns as arguments of book, book_first_available and reschedule.
DROP FUNCTION IF EXISTS booking.book_first_available(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid, pg_catalog.text);
DROP FUNCTION IF EXISTS booking.book(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.int4, pg_catalog.text, booking.point, pg_catalog.text, booking.point, pg_catalog.text, pg_catalog.text, pg_catalog.int4, pg_catalog.bool);
DROP FUNCTION IF EXISTS booking.available_slots(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid);
DROP FUNCTION IF EXISTS booking.find_slots(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid);
DROP FUNCTION IF EXISTS booking.explain_slot(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, geography, pg_catalog.uuid);
DROP FUNCTION IF EXISTS booking.reschedule(pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.text);

-- An org's service area: a circle (a centre, e.g. the school's base, and a
-- radius) and/or a polygon; a pickup or dropoff outside it is refused by the
-- write path (23K16) and gets no slot from the solver.  Both NULL: no area.
ALTER TABLE booking.org
  ADD COLUMN service_area_center booking.point,
  ADD COLUMN service_area_radius_meters pg_catalog.int4,
  ADD COLUMN service_area_polygon geography,
  ADD CONSTRAINT org_service_area_circle CHECK (
    (service_area_center IS NULL) OPERATOR(pg_catalog.=) (service_area_radius_meters IS NULL)
    AND service_area_radius_meters BETWEEN 1 AND 20037509
    AND (service_area_center IS NULL
         OR booking.checked_point(service_area_center, 'service_area_center') IS NOT NULL)),
  ADD CONSTRAINT org_service_area_polygon CHECK (
    ST_SRID(service_area_polygon) OPERATOR(pg_catalog.=) 4326
    AND GeometryType(service_area_polygon) OPERATOR(pg_catalog.=) ANY ('{POLYGON,MULTIPOLYGON}'::pg_catalog.text[])
    AND NOT ST_IsEmpty(service_area_polygon::geometry));
COMMENT ON COLUMN booking.org.service_area_center IS
  'centre of the org''s service area circle (with service_area_radius_meters), e.g. its base; NULL: no circle';
COMMENT ON COLUMN booking.org.service_area_radius_meters IS
  'radius of the service area circle in metres (great-circle distance from service_area_center)';
COMMENT ON COLUMN booking.org.service_area_polygon IS
  'the org''s service area as a POLYGON or MULTIPOLYGON (SRID 4326); NULL: no polygon. With a circle too, a point must lie in both';


-- Issue 19 (point 4), the public booking page: visitors (a role given
-- booking.grant_visitor_role, no membership, no identity) see an org's
-- published services and their free slots, and book one, by the org's slug
-- (sql/code/94_public_page.sql).  Nothing is public until an admin publishes
-- the org and staff publish a service; resource names only when the org
-- says so.  A published org needs a slug: visitors know it by nothing else.
ALTER TABLE booking.org
  ADD COLUMN published pg_catalog.bool NOT NULL DEFAULT false,
  ADD COLUMN publishes_resource_names pg_catalog.bool NOT NULL DEFAULT false,
  ADD CONSTRAINT org_published_has_slug CHECK (NOT published OR slug IS NOT NULL);
COMMENT ON COLUMN booking.org.published IS
  'the org has a public booking page (booking.public_services, public_slots, public_book by its slug)';
COMMENT ON COLUMN booking.org.publishes_resource_names IS
  'its public booking page names the resource of each free slot (display_name); otherwise only an opaque resource id';
ALTER TABLE booking.service ADD COLUMN published pg_catalog.bool NOT NULL DEFAULT false;
COMMENT ON COLUMN booking.service.published IS
  'shown and bookable on the org''s public booking page (when the org is published and the service active)';
-- What booking.public_book returns to a visitor: the booking's own facts,
-- none of the client's or the org's internals.
CREATE TYPE booking.public_booking AS (
  booking_id     pg_catalog.uuid,
  status         booking.booking_status,
  starts_at      pg_catalog.timestamptz,
  ends_at        pg_catalog.timestamptz,
  resource_id    pg_catalog.uuid,
  resource_name  pg_catalog.text,
  price_cents    pg_catalog.int8,
  currency       pg_catalog.text
);
COMMENT ON TYPE booking.public_booking IS
  'a booking as its visitor sees it (booking.public_book): id, status, times, resource (named only when the org publishes names), price';

-- Issue 17 (money), no price no booking: a service without a price is
-- refused (23M01) unless it is marked free, also in an org with no rate
-- card at all.  The services of an org of 0.1.0 that has no rate card were
-- booked at price 0; they are marked free here so that the update does not
-- stop such an org from booking (it gives prices by adding a rate card and
-- clearing the flag).
-- (As data: the triggers, updated_at's included, stay out of it.)
ALTER TABLE booking.service DISABLE TRIGGER USER;
UPDATE booking.service s SET free = true
 WHERE NOT s.free
   AND NOT EXISTS (SELECT 1 FROM booking.rate_card c WHERE c.org_id OPERATOR(pg_catalog.=) s.org_id);
ALTER TABLE booking.service ENABLE TRIGGER USER;


-- Issue 15, an identity every node can check: the key booking.act_as()
-- signs identities with (HMAC-SHA256).  Nobody has a privilege on it and
-- row-level security is forced with no policy: only the extension's C code
-- reads it (directly, without an ACL check) and superusers.  Several rows
-- while a key is rotated (booking.rotate_identity_key()); act_as signs with
-- the newest.  Not dumped: act_as makes a key where there is none.  On
-- Citus it is a reference table, so every node verifies with the same key.
CREATE TABLE booking.identity_key (
  id          pg_catalog.int4 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  secret      pg_catalog.bytea NOT NULL CHECK (pg_catalog.octet_length(secret) OPERATOR(pg_catalog.>=) 32),
  created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
REVOKE ALL ON booking.identity_key FROM PUBLIC;
COMMENT ON TABLE booking.identity_key IS
  'the keys booking.act_as() signs identities with (the newest) and the identity functions verify them with; readable by no role but superusers, the C code reads it directly; rotate with booking.rotate_identity_key()';
INSERT INTO booking.identity_key (secret)
VALUES (pg_catalog.decode(pg_catalog.replace(pg_catalog.gen_random_uuid()::pg_catalog.text
          OPERATOR(pg_catalog.||) pg_catalog.gen_random_uuid()::pg_catalog.text
          OPERATOR(pg_catalog.||) pg_catalog.gen_random_uuid()::pg_catalog.text, '-', ''), 'hex'));

-- Issue 15, row-level security without a RESTRICTIVE policy: the tenant
-- condition is folded into every permissive policy by
-- booking.apply_schema_rules(), which also drops tenant_isolation (it runs
-- after this file, in the install and in every update).

-- Issue 20 (leftovers): ingestion at fleet scale and one definition of the
-- tracking defaults.
-- The defaults of tracking_setting come from booking.tracking_defaults()
-- (sql/code/00_used_by_tables.sql), which booking.tracking_settings() also
-- returns for an org without a row.
ALTER TABLE booking.tracking_setting
  ALTER COLUMN slack SET DEFAULT (booking.tracking_defaults()).slack,
  ALTER COLUMN max_speed_kph SET DEFAULT (booking.tracking_defaults()).max_speed_kph,
  ALTER COLUMN merge_min_m SET DEFAULT (booking.tracking_defaults()).merge_min_m,
  ALTER COLUMN max_gap_s SET DEFAULT (booking.tracking_defaults()).max_gap_s,
  ALTER COLUMN max_accuracy_m SET DEFAULT (booking.tracking_defaults()).max_accuracy_m,
  ALTER COLUMN retention_months SET DEFAULT (booking.tracking_defaults()).retention_months;
COMMENT ON TABLE booking.tracking_setting IS
  'an org''s GPS tracking settings; an org without a row uses booking.tracking_defaults(), which are also the column defaults';
-- A point costs one index, not two, and no per-row foreign-key check: the
-- key of a partition is (org_id, trip_id, ts) (id stays, an identity that no
-- key needs), and the three foreign keys of trip_point (to org, to trip, and
-- the carried resource and client) are checked once per statement by the
-- triggers trip_point_refs_insert/update, with the cascades from trip done
-- by trip_point_follow (sql/code/61_tracking.sql).
ALTER TABLE booking.trip_point
  DROP CONSTRAINT trip_point_org_id_fkey,
  DROP CONSTRAINT trip_point_org_id_trip_id_fkey,
  DROP CONSTRAINT trip_point_carry_fkey;
DO $$
DECLARE
  part pg_catalog.regclass;
  name pg_catalog.text;
BEGIN
  FOR part, name IN
    SELECT i.inhrelid::pg_catalog.regclass, c.relname::pg_catalog.text
      FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.inhrelid
     WHERE i.inhparent OPERATOR(pg_catalog.=) 'booking.trip_point'::pg_catalog.regclass
  LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', part, name || '_pkey');
    EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', part, name || '_trip_ts_key');
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (org_id, trip_id, ts)', part, name || '_pkey');
  END LOOP;
END
$$;
COMMENT ON TABLE booking.trip_point IS
  'a GPS fix of a trip; partitioned by month of ts (partitions in schema booking_trip_point, each keyed by (org_id, trip_id, ts)); its references to trip are checked per statement (trip_point_refs_insert/update)';
COMMENT ON COLUMN booking.trip_point.resource_id IS 'the trip''s resource, checked by trip_point_refs_insert/update and kept equal by trip_point_follow';
COMMENT ON COLUMN booking.trip_point.client_id IS 'the trip''s client, checked by trip_point_refs_insert/update and kept equal by trip_point_follow';
-- Saved states of a trip's figures, so that a batch reaching back before
-- the trip's last fix refolds from the last one before it, not from the
-- trip's first fix.
ALTER TABLE booking.trip ADD COLUMN track_checkpoints pg_catalog.float8[];
COMMENT ON COLUMN booking.trip.track_checkpoints IS
  'saved figure states of the trip (TRACK_STATE_LEN values each, one per 600 stored fixes, oldest first): a batch reaching back refolds from the last one before its earliest fix';
COMMENT ON COLUMN booking.trip.recomputed IS
  'times a batch reached back before the trip''s last fix (the figures were refolded from the last saved state before it)';
-- Issue 19 (point 3), paged best-first search: booking.find_slots takes
-- pickup_point and client_id (the names of the booking's columns), a
-- page_size and an after_cursor, and returns a page_cursor with each row;
-- the result type changes, so the 0.1.0 function is dropped to be created
-- anew by sql/code/48_solver.sql.
DROP FUNCTION IF EXISTS booking.find_slots(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid);
-- Issue 15 (Citus, the solver in the transaction of a write): the solver
-- functions and open_payment take a trailing org_id (the acting org) and
-- run through functions that booking.distribute() delegates to the worker
-- of the org; their C solvers are booking.solve_* (sql/code/48_solver.sql).
DROP FUNCTION IF EXISTS booking.available_slots(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid);
DROP FUNCTION IF EXISTS booking.find_slots(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid, pg_catalog.int4, pg_catalog.text);
DROP FUNCTION IF EXISTS booking.explain_slot(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, geography, pg_catalog.uuid);
DROP FUNCTION IF EXISTS booking.free_time(pg_catalog.uuid, pg_catalog.tstzrange);
DROP FUNCTION IF EXISTS booking.open_payment(pg_catalog.uuid, pg_catalog.text, pg_catalog.text);

-- Issue 15 (point 2), row-level security that needs nothing but the row and
-- the identity: what a member sees of the rows that hang off a booking
-- (payment, invoice, status_history) and of the org's clients no longer
-- follows from a query at run time (my_booking_ids, my_booking_client_ids:
-- on a Citus worker a policy that queries runs a distributed query from a
-- shard).  The rows carry the booking's client, resource and session
-- (booking_client_id, booking_resource_id, booking_session_id), copied from
-- the booking by the trigger booking_carry on every insert and update and
-- carried to them by booking_reach when the booking changes hands; a client
-- carries the resources and sessions of its bookings (sorted arrays, kept by
-- booking_reach).  sql/code/90_security.sql compares them with the
-- identity.  Existing rows: filled here (triggers off: updated_at and the
-- append-only history stay as they were).
DROP FUNCTION IF EXISTS booking.my_booking_ids();
DROP FUNCTION IF EXISTS booking.my_booking_client_ids();
ALTER TABLE booking.payment
  ADD COLUMN booking_client_id pg_catalog.uuid,
  ADD COLUMN booking_resource_id pg_catalog.uuid,
  ADD COLUMN booking_session_id pg_catalog.uuid;
ALTER TABLE booking.invoice
  ADD COLUMN booking_client_id pg_catalog.uuid,
  ADD COLUMN booking_resource_id pg_catalog.uuid,
  ADD COLUMN booking_session_id pg_catalog.uuid;
ALTER TABLE booking.status_history
  ADD COLUMN booking_client_id pg_catalog.uuid,
  ADD COLUMN booking_resource_id pg_catalog.uuid,
  ADD COLUMN booking_session_id pg_catalog.uuid;
ALTER TABLE booking.client
  ADD COLUMN booking_resource_ids pg_catalog.uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN booking_session_ids pg_catalog.uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE booking.payment DISABLE TRIGGER USER;
UPDATE booking.payment x
   SET booking_client_id = b.client_id, booking_resource_id = b.resource_id, booking_session_id = b.session_id
  FROM booking.booking b
 WHERE b.org_id OPERATOR(pg_catalog.=) x.org_id AND b.id OPERATOR(pg_catalog.=) x.booking_id;
ALTER TABLE booking.payment ENABLE TRIGGER USER;
ALTER TABLE booking.invoice DISABLE TRIGGER USER;
UPDATE booking.invoice x
   SET booking_client_id = b.client_id, booking_resource_id = b.resource_id, booking_session_id = b.session_id
  FROM booking.booking b
 WHERE b.org_id OPERATOR(pg_catalog.=) x.org_id AND b.id OPERATOR(pg_catalog.=) x.booking_id;
ALTER TABLE booking.invoice ENABLE TRIGGER USER;
ALTER TABLE booking.status_history DISABLE TRIGGER USER;
UPDATE booking.status_history x
   SET booking_client_id = b.client_id, booking_resource_id = b.resource_id, booking_session_id = b.session_id
  FROM booking.booking b
 WHERE b.org_id OPERATOR(pg_catalog.=) x.org_id AND b.id OPERATOR(pg_catalog.=) x.booking_id;
ALTER TABLE booking.status_history ENABLE TRIGGER USER;
ALTER TABLE booking.client DISABLE TRIGGER USER;
UPDATE booking.client c
   SET booking_resource_ids = COALESCE((SELECT pg_catalog.array_agg(DISTINCT b.resource_id ORDER BY b.resource_id)
                                          FROM booking.booking b
                                         WHERE b.org_id OPERATOR(pg_catalog.=) c.org_id AND b.client_id OPERATOR(pg_catalog.=) c.id
                                           AND b.resource_id IS NOT NULL), '{}'),
       booking_session_ids = COALESCE((SELECT pg_catalog.array_agg(DISTINCT b.session_id ORDER BY b.session_id)
                                         FROM booking.booking b
                                        WHERE b.org_id OPERATOR(pg_catalog.=) c.org_id AND b.client_id OPERATOR(pg_catalog.=) c.id
                                          AND b.session_id IS NOT NULL), '{}');
ALTER TABLE booking.client ENABLE TRIGGER USER;
COMMENT ON COLUMN booking.payment.booking_client_id IS 'the booking''s client, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.payment.booking_resource_id IS 'the booking''s resource, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.payment.booking_session_id IS 'the booking''s session, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.invoice.booking_client_id IS 'for an invoice of a booking, the booking''s client, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.invoice.booking_resource_id IS 'for an invoice of a booking, the booking''s resource, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.invoice.booking_session_id IS 'for an invoice of a booking, the booking''s session, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.status_history.booking_client_id IS 'the booking''s client, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.status_history.booking_resource_id IS 'the booking''s resource, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.status_history.booking_session_id IS 'the booking''s session, kept by the triggers booking_carry and booking_reach (for row-level security)';
COMMENT ON COLUMN booking.client.booking_resource_ids IS 'the resources of the client''s bookings, sorted, kept by the trigger booking_reach: their users see the client (row-level security)';
COMMENT ON COLUMN booking.client.booking_session_ids IS 'the sessions of the client''s bookings, sorted, kept by the trigger booking_reach: the users of their resources see the client (row-level security)';
-- Invoice numbers (debts): booking.invoice_take_number takes the instant of
-- issue (the issuers pass now()), so the turn of the year is testable.
DROP FUNCTION IF EXISTS booking.invoice_take_number(pg_catalog.uuid);
-- Issue 20 (performance of GPS ingestion): booking.trip_point_store
-- (sql/code/61_tracking.sql) takes a point's id from the identity for every
-- fix it writes; a backend takes 100 values at a time instead of locking
-- and logging the sequence for each (ids stay unique, not gapless, which no
-- key needs).
ALTER SEQUENCE booking.trip_point_id_seq CACHE 100;
-- Issue 15 (members): the orgs a user is a member of travel on the user's
-- row, for the policy app_user_org_member by which staff see the org's
-- members (no policy reads another table).  Kept by the trigger
-- member_orgs of booking.membership, and on a distributed install by the
-- engine's functions that write memberships on the coordinator
-- (sql/code/91_member_orgs.sql).
ALTER TABLE booking.app_user ADD COLUMN member_org_ids pg_catalog.uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE booking.app_user DISABLE TRIGGER USER;
UPDATE booking.app_user u
   SET member_org_ids = COALESCE((SELECT pg_catalog.array_agg(DISTINCT m.org_id ORDER BY m.org_id)
                                    FROM booking.membership m
                                   WHERE m.user_id OPERATOR(pg_catalog.=) u.id), '{}');
ALTER TABLE booking.app_user ENABLE TRIGGER USER;
COMMENT ON COLUMN booking.app_user.member_org_ids IS 'the orgs where the user has a membership, sorted, kept by the trigger member_orgs of membership (on Citus by the functions that write memberships): staff of those orgs see the user (row-level security)';

-- Issue 15 (GPS ingestion on Citus): the defaults of tracking_setting as a
-- field of booking.tracking_defaults() cast through text.  Citus evaluates
-- a distributed INSERT's defaults on the coordinator and sends them as
-- constants: the bare field selection went as a field of an anonymous
-- record constant, which the worker cannot read (0A000 "input of anonymous
-- composite types"); the cast makes the whole default one constant of the
-- column's type (the text form of these types is exact).
ALTER TABLE booking.tracking_setting
  ALTER COLUMN slack SET DEFAULT ((booking.tracking_defaults()).slack::pg_catalog.text)::pg_catalog.interval,
  ALTER COLUMN max_speed_kph SET DEFAULT ((booking.tracking_defaults()).max_speed_kph::pg_catalog.text)::pg_catalog.float8,
  ALTER COLUMN merge_min_m SET DEFAULT ((booking.tracking_defaults()).merge_min_m::pg_catalog.text)::pg_catalog.float8,
  ALTER COLUMN max_gap_s SET DEFAULT ((booking.tracking_defaults()).max_gap_s::pg_catalog.text)::pg_catalog.float8,
  ALTER COLUMN max_accuracy_m SET DEFAULT ((booking.tracking_defaults()).max_accuracy_m::pg_catalog.text)::pg_catalog.float8,
  ALTER COLUMN retention_months SET DEFAULT ((booking.tracking_defaults()).retention_months::pg_catalog.text)::pg_catalog.int4;
