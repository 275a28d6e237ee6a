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
