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
