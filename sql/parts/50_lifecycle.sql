-- Life cycle: state-transition rules, the append-only status history,
-- scheduled transitions and cancellation policies.

CREATE TABLE booking.transition_rule (
  org_id         pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id             pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  from_status    booking.booking_status NOT NULL,
  to_status      booking.booking_status NOT NULL,
  required_role  booking.org_role NOT NULL,
  conditions     pg_catalog.jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(conditions) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text),
  active         pg_catalog.bool NOT NULL DEFAULT true,
  description    pg_catalog.text,
  created_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, from_status, to_status, required_role),
  CONSTRAINT transition_rule_changes_status CHECK (from_status OPERATOR(pg_catalog.<>) to_status)
);
COMMENT ON TABLE booking.transition_rule IS
  'which role may move a booking from one status to another, under which conditions (a JSON object), while active';

CREATE TABLE booking.status_history (
  org_id         pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id             pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  booking_id     pg_catalog.uuid NOT NULL,
  from_status    booking.booking_status,
  to_status      booking.booking_status NOT NULL,
  actor_user_id  pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  reason         pg_catalog.text,
  metadata       pg_catalog.jsonb NOT NULL DEFAULT '{}',
  created_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE
);
CREATE INDEX status_history_booking_idx ON booking.status_history (org_id, booking_id, created_at);
COMMENT ON TABLE booking.status_history IS
  'append-only history of every status change of a booking (seed 003: LessonStateHistory); rows are never updated or deleted except with their booking';
COMMENT ON COLUMN booking.status_history.from_status IS 'NULL for the creation of the booking';

CREATE TABLE booking.scheduled_transition (
  org_id        pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id            pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  booking_id    pg_catalog.uuid NOT NULL,
  to_status     booking.booking_status NOT NULL,
  execute_at    pg_catalog.timestamptz NOT NULL,
  reason        pg_catalog.text,
  metadata      pg_catalog.jsonb NOT NULL DEFAULT '{}',
  attempts      pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (attempts OPERATOR(pg_catalog.>=) 0),
  last_error    pg_catalog.text,
  processed_at  pg_catalog.timestamptz,
  created_at    pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE
);
CREATE INDEX scheduled_transition_due_idx ON booking.scheduled_transition (execute_at) WHERE processed_at IS NULL;
CREATE INDEX scheduled_transition_booking_idx ON booking.scheduled_transition (org_id, booking_id);
COMMENT ON TABLE booking.scheduled_transition IS
  'a status change to run at a time (no-show after the start, auto-completion, expiry of an unconfirmed booking), with attempts and the last error';

CREATE TABLE booking.cancellation_policy (
  org_id              pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                  pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  actor               booking.cancellation_actor NOT NULL,
  hours_before_start  pg_catalog.int4 NOT NULL CHECK (hours_before_start BETWEEN 0 AND 8760),
  refund_percentage   pg_catalog.int4 NOT NULL CHECK (refund_percentage BETWEEN 0 AND 100),
  fee_cents           booking.cents NOT NULL DEFAULT 0,
  active              pg_catalog.bool NOT NULL DEFAULT true,
  description         pg_catalog.text,
  created_at          pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at          pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, actor, hours_before_start)
);
COMMENT ON TABLE booking.cancellation_policy IS
  'refund and fee when an actor cancels at least hours_before_start hours before the start (the row with the largest such threshold applies)';
