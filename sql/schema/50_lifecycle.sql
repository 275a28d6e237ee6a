-- Life cycle: state-transition rules, the append-only status history,
-- scheduled transitions and cancellation policies.  The rules engine that
-- uses them is in 52_lifecycle_rules.sql (C: src/lifecycle.c and
-- src/core/rules.c) and 96_lifecycle_api.sql (triggers and functions).

CREATE TYPE booking.transition_actor AS ENUM
  ('owner', 'admin', 'staff', 'instructor', 'student', 'guardian', 'system');
COMMENT ON TYPE booking.transition_actor IS
  'who may use a transition rule: an org role, or system (the extension''s own scheduled runner, waitlist promotion and hold expiry). owner, admin and staff are ranked: a staff rule is usable by owner, admin and staff, an admin rule by owner and admin';

CREATE TABLE booking.transition_rule (
  org_id         pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id             pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  from_status    booking.booking_status NOT NULL,
  to_status      booking.booking_status NOT NULL,
  required_role  booking.transition_actor NOT NULL,
  conditions     pg_catalog.jsonb NOT NULL DEFAULT '{}'
                 CONSTRAINT transition_rule_conditions_valid CHECK (booking.transition_conditions_check(conditions)),
  active         pg_catalog.bool NOT NULL DEFAULT true,
  description    pg_catalog.text,
  created_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, from_status, to_status, required_role),
  CONSTRAINT transition_rule_changes_status CHECK (from_status OPERATOR(pg_catalog.<>) to_status)
);
COMMENT ON TABLE booking.transition_rule IS
  'which actor may move a booking from one status to another, under which conditions, while active; a status change no active rule allows is refused';
COMMENT ON COLUMN booking.transition_rule.required_role IS
  'the actor who may use the rule: an org role (owner, admin and staff ranked) or system';
COMMENT ON COLUMN booking.transition_rule.conditions IS
  'JSON object, every key optional: not_before and not_after ("start", "end" or "created" with an offset such as "start-24h", inclusive), reason_required (bool), relation (array of client, guardian, resource: what the acting user must be to the booking)';

-- The history and the scheduled transitions of a booking belong to the org
-- through their booking (and go with it); no key of their own on booking.org,
-- whose row every booking written would otherwise lock three more times.
CREATE TABLE booking.status_history (
  org_id         pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id(),
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
  org_id              pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id(),
  id                  pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  booking_id          pg_catalog.uuid NOT NULL,
  kind                pg_catalog.text NOT NULL DEFAULT 'manual'
                      CHECK (kind OPERATOR(pg_catalog.=) ANY ('{expiry,no_show,auto_complete,manual}'::pg_catalog.text[])),
  to_status           booking.booking_status NOT NULL,
  execute_at          pg_catalog.timestamptz NOT NULL,
  expected_status     booking.booking_status[],
  expected_starts_at  pg_catalog.timestamptz,
  reason              pg_catalog.text,
  metadata            pg_catalog.jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(metadata) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text),
  attempts            pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (attempts OPERATOR(pg_catalog.>=) 0),
  last_error          pg_catalog.text,
  outcome             pg_catalog.text CHECK (outcome OPERATOR(pg_catalog.=) ANY ('{done,skipped,failed}'::pg_catalog.text[])),
  processed_at        pg_catalog.timestamptz,
  created_at          pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE,
  CONSTRAINT scheduled_transition_outcome_when_processed CHECK ((outcome IS NULL) OPERATOR(pg_catalog.=) (processed_at IS NULL))
);
CREATE INDEX scheduled_transition_due_idx ON booking.scheduled_transition (execute_at) WHERE processed_at IS NULL;
CREATE INDEX scheduled_transition_booking_idx ON booking.scheduled_transition (org_id, booking_id);
COMMENT ON TABLE booking.scheduled_transition IS
  'a status change to run at a time (expiry of an unconfirmed booking, the no-show check after the start, auto-completion after the end), run by booking.run_due_transitions() with attempts and the last error';
COMMENT ON COLUMN booking.scheduled_transition.kind IS
  'expiry, no_show and auto_complete are scheduled by the life-cycle triggers; manual rows are written by staff';
COMMENT ON COLUMN booking.scheduled_transition.expected_status IS
  'run only while the booking is in one of these statuses (NULL: any); otherwise the row is skipped, because the booking has moved on';
COMMENT ON COLUMN booking.scheduled_transition.expected_starts_at IS
  'run only while the booking still starts at this time (NULL: any); a rescheduled booking gets new rows and its old ones are skipped';
COMMENT ON COLUMN booking.scheduled_transition.outcome IS
  'done (the status changed), skipped (the booking had moved on) or failed (the last of the attempts failed); NULL while pending';
COMMENT ON COLUMN booking.scheduled_transition.attempts IS 'how often the runner tried this row';
COMMENT ON COLUMN booking.scheduled_transition.last_error IS 'SQLSTATE and message of the last failed attempt';

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
