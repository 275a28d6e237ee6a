-- Messaging and integration: outgoing messages, stored notifications with
-- real-time delivery, inbound webhook events, the transactional outbox and
-- the audit log.

CREATE TABLE booking.message (
  org_id        pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id            pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  to_address    pg_catalog.text NOT NULL CHECK (pg_catalog.length(to_address) BETWEEN 3 AND 320),
  channel       booking.message_channel NOT NULL,
  template_key  pg_catalog.text,
  subject       pg_catalog.text,
  body          pg_catalog.text,
  provider_id   pg_catalog.text,
  status        booking.message_status NOT NULL DEFAULT 'queued',
  error         pg_catalog.text,
  related_type  pg_catalog.text,
  related_id    pg_catalog.uuid,
  created_at    pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at    pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX message_status_idx ON booking.message (org_id, status, created_at);
COMMENT ON TABLE booking.message IS 'an e-mail, SMS or WhatsApp message to send or sent, with its provider id and status';

CREATE TABLE booking.notification (
  org_id        pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id            pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  user_id       pg_catalog.uuid NOT NULL REFERENCES booking.app_user (id) ON DELETE CASCADE,
  booking_id    pg_catalog.uuid,
  kind          pg_catalog.text NOT NULL CHECK (kind OPERATOR(pg_catalog.~) '^[a-z_.]{1,60}$'::pg_catalog.text),
  payload       pg_catalog.jsonb NOT NULL DEFAULT '{}',
  delivered     pg_catalog.bool NOT NULL DEFAULT false,
  delivered_at  pg_catalog.timestamptz,
  created_at    pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_undelivered_idx ON booking.notification (org_id, user_id, created_at) WHERE NOT delivered;
COMMENT ON TABLE booking.notification IS
  'a notification for a user (e.g. a facilitator told of a new booking): stored for when they are offline, and announced at once with NOTIFY on channel booking_user_<user id without dashes> for when they are online';

CREATE TABLE booking.webhook_event (
  org_id        pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id            pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  provider      pg_catalog.text NOT NULL CHECK (provider OPERATOR(pg_catalog.~) '^[a-z_]{1,40}$'::pg_catalog.text),
  event_id      pg_catalog.text NOT NULL CHECK (pg_catalog.length(event_id) BETWEEN 1 AND 200),
  event_type    pg_catalog.text NOT NULL,
  payload       pg_catalog.jsonb NOT NULL,
  received_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  processed_at  pg_catalog.timestamptz,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, provider, event_id)
);
COMMENT ON TABLE booking.webhook_event IS 'an inbound webhook event, deduplicated by the provider''s event id';

CREATE TABLE booking.outbox (
  org_id        pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id            pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  topic         pg_catalog.text NOT NULL CHECK (topic OPERATOR(pg_catalog.~) '^[a-z_.]{1,100}$'::pg_catalog.text),
  payload       pg_catalog.jsonb NOT NULL,
  attempts      pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (attempts OPERATOR(pg_catalog.>=) 0),
  last_error    pg_catalog.text,
  processed_at  pg_catalog.timestamptz,
  created_at    pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX outbox_pending_idx ON booking.outbox (id) WHERE processed_at IS NULL;
COMMENT ON TABLE booking.outbox IS
  'transactional outbox: events written in the same transaction as the change, delivered later by a worker that records attempts and the last error';

CREATE TABLE booking.audit_log (
  org_id         pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id             pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  actor_user_id  pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  action         pg_catalog.text NOT NULL,
  entity         pg_catalog.text NOT NULL,
  entity_id      pg_catalog.text,
  detail         pg_catalog.jsonb NOT NULL DEFAULT '{}',
  created_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX audit_log_entity_idx ON booking.audit_log (org_id, entity, entity_id);
COMMENT ON TABLE booking.audit_log IS 'append-only log of administrative actions (memberships, org settings), with the acting user';
