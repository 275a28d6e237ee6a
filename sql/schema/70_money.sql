-- Money: the payment of a booking, payouts to resources, invoices.

CREATE TABLE booking.payment (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  booking_id            pg_catalog.uuid NOT NULL,
  status                booking.payment_status NOT NULL DEFAULT 'pending',
  currency              booking.currency_code NOT NULL REFERENCES booking.currency (code),
  amount_cents          booking.cents NOT NULL,
  platform_fee_cents    booking.cents NOT NULL DEFAULT 0,
  resource_share_cents  booking.cents NOT NULL DEFAULT 0,
  refunded_cents        booking.cents NOT NULL DEFAULT 0,
  provider              pg_catalog.text NOT NULL DEFAULT 'stripe' CHECK (provider OPERATOR(pg_catalog.~) '^[a-z_]{1,40}$'::pg_catalog.text),
  provider_payment_id   pg_catalog.text UNIQUE,
  provider_charge_id    pg_catalog.text,
  provider_refund_id    pg_catalog.text,
  created_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, booking_id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE,
  CONSTRAINT payment_split CHECK (
    platform_fee_cents OPERATOR(pg_catalog.+) resource_share_cents OPERATOR(pg_catalog.=) amount_cents),
  CONSTRAINT payment_refund_within_amount CHECK (refunded_cents OPERATOR(pg_catalog.<=) amount_cents)
);
CREATE INDEX payment_org_status_idx ON booking.payment (org_id, status);
COMMENT ON TABLE booking.payment IS 'the payment of a booking (one per booking), split into platform fee and resource share, with refunds';
COMMENT ON COLUMN booking.payment.provider_payment_id IS 'id at the payment provider (e.g. a Stripe PaymentIntent), unique';

CREATE TABLE booking.payout (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  resource_id           pg_catalog.uuid NOT NULL,
  booking_id            pg_catalog.uuid,
  currency              booking.currency_code NOT NULL REFERENCES booking.currency (code),
  amount_cents          booking.cents NOT NULL CHECK (amount_cents OPERATOR(pg_catalog.>) 0::pg_catalog.int8),
  status                booking.payout_status NOT NULL DEFAULT 'pending',
  provider_transfer_id  pg_catalog.text UNIQUE,
  paid_at               pg_catalog.timestamptz,
  created_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE
);
CREATE INDEX payout_resource_idx ON booking.payout (org_id, resource_id, created_at);
CREATE INDEX payout_booking_idx ON booking.payout (org_id, booking_id) WHERE booking_id IS NOT NULL;
COMMENT ON TABLE booking.payout IS 'money paid to a resource''s payout account, for one booking or in bulk (booking_id NULL)';

CREATE TABLE booking.invoice (
  org_id        pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id            pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  number        pg_catalog.text NOT NULL CHECK (pg_catalog.length(number) BETWEEN 1 AND 40),
  booking_id    pg_catalog.uuid,
  session_id    pg_catalog.uuid,
  client_id     pg_catalog.uuid,
  supplier_id   pg_catalog.uuid,
  currency      booking.currency_code NOT NULL REFERENCES booking.currency (code),
  amount_cents  booking.cents NOT NULL,
  status        booking.invoice_status NOT NULL DEFAULT 'draft',
  issued_at     pg_catalog.timestamptz,
  due_at        pg_catalog.timestamptz,
  processed_by  pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  created_at    pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at    pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, number),
  UNIQUE (org_id, booking_id),
  UNIQUE (org_id, session_id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, session_id) REFERENCES booking.session (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, client_id) REFERENCES booking.client (org_id, id) ON DELETE SET NULL (client_id),
  FOREIGN KEY (org_id, supplier_id) REFERENCES booking.supplier (org_id, id) ON DELETE SET NULL (supplier_id),
  CONSTRAINT invoice_for_booking_or_session CHECK ((booking_id IS NULL) OPERATOR(pg_catalog.<>) (session_id IS NULL))
);
COMMENT ON TABLE booking.invoice IS
  'an invoice for one booking (to its client) or for one session such as a launch (to the supplier); seed 000''s customer and supplier invoices';
COMMENT ON COLUMN booking.invoice.processed_by IS 'the employee who processed it';
