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
