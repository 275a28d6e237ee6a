-- People and places: suppliers, resources (instructors, facilitators,
-- rockets), locations (spaceports, studios), clients (students, participants,
-- customers) and their guardians.  Every tenant table leads its key with
-- org_id, and every reference between tenant tables includes it.

CREATE TABLE booking.supplier (
  org_id         pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id             pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  name           pg_catalog.text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
  user_id        pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  contact_email  booking.email,
  created_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id)
);
COMMENT ON TABLE booking.supplier IS 'a company that owns resources operated for the org (seed 000: the supplier owning rockets)';

CREATE TABLE booking.resource (
  org_id             pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                 pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  kind               booking.resource_kind NOT NULL DEFAULT 'instructor',
  display_name       pg_catalog.text NOT NULL CHECK (pg_catalog.length(display_name) BETWEEN 1 AND 200),
  user_id            pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  supplier_id        pg_catalog.uuid,
  license_classes    pg_catalog.text[] NOT NULL DEFAULT '{}',
  home_base          booking.point,
  home_base_address  pg_catalog.text,
  seats              pg_catalog.int4 CHECK (seats BETWEEN 1 AND 100000),
  payout_account     pg_catalog.text UNIQUE CHECK (pg_catalog.length(payout_account) BETWEEN 1 AND 200),
  active             pg_catalog.bool NOT NULL DEFAULT true,
  created_at         pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at         pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, user_id),
  FOREIGN KEY (org_id, supplier_id) REFERENCES booking.supplier (org_id, id) ON DELETE SET NULL (supplier_id)
);
CREATE INDEX resource_user_idx ON booking.resource (user_id);
COMMENT ON TABLE booking.resource IS
  'something bookable with a schedule: an instructor (driving school), a facilitator (studio), a rocket (launch operator)';
COMMENT ON COLUMN booking.resource.user_id IS 'optional login of the resource (the instructor or facilitator); set to NULL when the user is deleted';
COMMENT ON COLUMN booking.resource.license_classes IS 'license classes the instructor may teach (e.g. B, BE, A2)';
COMMENT ON COLUMN booking.resource.home_base IS 'where the resource starts and ends its day';
COMMENT ON COLUMN booking.resource.seats IS 'seats of a vehicle or rocket; default capacity of its sessions';
COMMENT ON COLUMN booking.resource.payout_account IS 'account at the payout provider (e.g. a Stripe connected account), unique';

CREATE TABLE booking.location (
  org_id      pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id          pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  name        pg_catalog.text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
  kind        pg_catalog.text NOT NULL DEFAULT 'venue' CHECK (kind OPERATOR(pg_catalog.~) '^[a-z_]{1,40}$'::pg_catalog.text),
  address     pg_catalog.text,
  point       booking.point,
  created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id)
);
COMMENT ON TABLE booking.location IS 'a named place where sessions happen: a spaceport, a studio, a meeting point';

CREATE TABLE booking.client (
  org_id         pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id             pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  user_id        pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  full_name      pg_catalog.text NOT NULL CHECK (pg_catalog.length(full_name) BETWEEN 1 AND 200),
  email          booking.email,
  phone          pg_catalog.text CHECK (phone OPERATOR(pg_catalog.~) '^\+?[0-9 ()-]{3,32}$'::pg_catalog.text),
  date_of_birth  pg_catalog.date CHECK (date_of_birth OPERATOR(pg_catalog.>=) '1900-01-01'::pg_catalog.date),
  license_type   pg_catalog.text CHECK (pg_catalog.length(license_type) BETWEEN 1 AND 20),
  notes          pg_catalog.text,
  active         pg_catalog.bool NOT NULL DEFAULT true,
  created_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at     pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, user_id)
);
CREATE INDEX client_user_idx ON booking.client (user_id);
COMMENT ON TABLE booking.client IS
  'who books: a student (driving school), a participant (studio), a customer (launch operator); may have a login user';
COMMENT ON COLUMN booking.client.license_type IS 'license the student trains for (e.g. B); read by the license compatibility rules';
COMMENT ON COLUMN booking.client.date_of_birth IS 'for age limits and parental consent';

CREATE TABLE booking.guardian (
  org_id      pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id          pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  user_id     pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  full_name   pg_catalog.text NOT NULL CHECK (pg_catalog.length(full_name) BETWEEN 1 AND 200),
  email       booking.email,
  phone       pg_catalog.text CHECK (phone OPERATOR(pg_catalog.~) '^\+?[0-9 ()-]{3,32}$'::pg_catalog.text),
  created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, user_id)
);
CREATE INDEX guardian_user_idx ON booking.guardian (user_id);
COMMENT ON TABLE booking.guardian IS 'a parent or guardian who may act for one or more clients';

CREATE TABLE booking.client_guardian (
  org_id            pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  client_id         pg_catalog.uuid NOT NULL,
  guardian_id       pg_catalog.uuid NOT NULL,
  relationship      pg_catalog.text,
  consent_given_at  pg_catalog.timestamptz,
  created_at        pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, client_id, guardian_id),
  FOREIGN KEY (org_id, client_id) REFERENCES booking.client (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, guardian_id) REFERENCES booking.guardian (org_id, id) ON DELETE CASCADE
);
CREATE INDEX client_guardian_guardian_idx ON booking.client_guardian (org_id, guardian_id);
COMMENT ON TABLE booking.client_guardian IS 'which guardian acts for which client (many-to-many)';
COMMENT ON COLUMN booking.client_guardian.consent_given_at IS 'when the guardian gave parental consent; NULL while not given';
