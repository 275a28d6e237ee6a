-- Catalog and pricing: services, rate cards and their prices.

CREATE TABLE booking.service (
  org_id             pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                 pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  name               pg_catalog.text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
  lesson_type        pg_catalog.text NOT NULL DEFAULT 'standard' CHECK (pg_catalog.length(lesson_type) BETWEEN 1 AND 40),
  duration_minutes   pg_catalog.int4 NOT NULL CONSTRAINT service_duration_positive CHECK (duration_minutes BETWEEN 1 AND 1440),
  default_capacity   pg_catalog.int4 NOT NULL DEFAULT 1 CHECK (default_capacity BETWEEN 1 AND 100000),
  buffer_before_minutes pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 1440),
  buffer_after_minutes  pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 1440),
  active             pg_catalog.bool NOT NULL DEFAULT true,
  created_at         pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at         pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id)
);
COMMENT ON TABLE booking.service IS 'what can be booked: a driving lesson type, a workshop format, a launch seat';
COMMENT ON COLUMN booking.service.lesson_type IS 'kind of lesson, read by the license compatibility rules (e.g. standard, highway, night)';
COMMENT ON COLUMN booking.service.default_capacity IS 'seats of a session of this service unless the session says otherwise';
COMMENT ON COLUMN booking.service.buffer_before_minutes IS 'time kept free before each booking of this service';
COMMENT ON COLUMN booking.service.buffer_after_minutes IS 'time kept free after each booking of this service';

CREATE TABLE booking.rate_card (
  org_id      pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id          pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  name        pg_catalog.text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
  currency    booking.currency_code NOT NULL REFERENCES booking.currency (code),
  is_default  pg_catalog.bool NOT NULL DEFAULT false,
  created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, id, currency)
);
CREATE UNIQUE INDEX rate_card_one_default ON booking.rate_card (org_id) WHERE is_default;
COMMENT ON TABLE booking.rate_card IS 'a price list in one currency; at most one default per org';

CREATE TABLE booking.rate_card_item (
  org_id        pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  rate_card_id  pg_catalog.uuid NOT NULL,
  service_id    pg_catalog.uuid NOT NULL,
  price_cents   booking.cents NOT NULL,
  PRIMARY KEY (org_id, rate_card_id, service_id),
  FOREIGN KEY (org_id, rate_card_id) REFERENCES booking.rate_card (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, service_id) REFERENCES booking.service (org_id, id) ON DELETE CASCADE
);
CREATE INDEX rate_card_item_service_idx ON booking.rate_card_item (org_id, service_id);
COMMENT ON TABLE booking.rate_card_item IS 'the price of one service on one rate card, in the card''s currency';
