-- booking: a multi-tenant booking engine inside PostgreSQL.
--
-- This install script is assembled by the Makefile from sql/parts/*.sql, one
-- file per concern.  Everything is schema-qualified: built-ins with
-- pg_catalog, our own objects with booking.  PostGIS types are resolved once,
-- here, through the search_path that CREATE EXTENSION sets (booking, then the
-- schema of postgis), and are bound by OID from then on.

\echo Use "CREATE EXTENSION booking CASCADE" to load this file. \quit

COMMENT ON SCHEMA booking IS
  'booking extension: multi-tenant scheduling, booking rules, capacity and travel time';
-- Types: enums for every status and role, domains for checked scalars, and a
-- range type for local wall-clock times.

CREATE TYPE booking.org_role AS ENUM
  ('owner', 'admin', 'staff', 'instructor', 'student', 'guardian');
COMMENT ON TYPE booking.org_role IS
  'role of a user in an org: owner, admin and staff run the org; an instructor is linked to a resource (instructor, facilitator, supplier staff); a student books (student, participant, customer); a guardian acts for a student';

CREATE TYPE booking.resource_kind AS ENUM
  ('instructor', 'facilitator', 'vehicle', 'rocket', 'room', 'other');
COMMENT ON TYPE booking.resource_kind IS 'what a bookable resource is';

CREATE TYPE booking.booking_status AS ENUM
  ('pending', 'waitlisted', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show', 'expired');
COMMENT ON TYPE booking.booking_status IS
  'life cycle of a booking: pending (requested, not yet confirmed), waitlisted (waiting for a seat), confirmed, in_progress, completed, cancelled, no_show, expired (never confirmed in time)';

CREATE TYPE booking.session_status AS ENUM ('scheduled', 'cancelled', 'completed');
COMMENT ON TYPE booking.session_status IS 'life cycle of a session (group lesson, workshop, launch)';

CREATE TYPE booking.payment_status AS ENUM
  ('pending', 'authorized', 'succeeded', 'failed', 'partially_refunded', 'refunded', 'cancelled');
COMMENT ON TYPE booking.payment_status IS 'state of the payment of a booking at the payment provider';

CREATE TYPE booking.payout_status AS ENUM ('pending', 'in_transit', 'paid', 'failed', 'cancelled');
COMMENT ON TYPE booking.payout_status IS 'state of a payout to a resource (instructor share)';

CREATE TYPE booking.invoice_status AS ENUM ('draft', 'issued', 'paid', 'void');
COMMENT ON TYPE booking.invoice_status IS 'state of an invoice';

CREATE TYPE booking.cancellation_actor AS ENUM ('student', 'guardian', 'instructor', 'admin');
COMMENT ON TYPE booking.cancellation_actor IS
  'who cancels a booking, for the cancellation policy (seed 003 calls the guardian "parent")';

CREATE TYPE booking.message_channel AS ENUM ('email', 'sms', 'whatsapp');
COMMENT ON TYPE booking.message_channel IS 'channel of an outgoing message';

CREATE TYPE booking.message_status AS ENUM ('queued', 'sent', 'delivered', 'failed');
COMMENT ON TYPE booking.message_status IS 'delivery state of an outgoing message';

-- Local wall-clock times of day.  '[09:00,17:00)' is a working window; the
-- upper bound may be 24:00.  The multirange holds the hours of an exception day.
CREATE TYPE booking.timerange AS RANGE (
  subtype = pg_catalog.time,
  multirange_type_name = booking.timemultirange
);
COMMENT ON TYPE booking.timerange IS
  'range of local wall-clock times of day, e.g. [09:00,17:00); interpreted in the org''s time zone on each date';
COMMENT ON TYPE booking.timemultirange IS 'set of local wall-clock time ranges of one day';

CREATE DOMAIN booking.currency_code AS pg_catalog.bpchar(3)
  CONSTRAINT currency_code_format CHECK (VALUE OPERATOR(pg_catalog.~) '^[A-Z]{3}$'::pg_catalog.text);
COMMENT ON DOMAIN booking.currency_code IS 'ISO 4217 alphabetic currency code; also a foreign key to booking.currency';

CREATE DOMAIN booking.cents AS pg_catalog.int8
  CONSTRAINT cents_not_negative CHECK (VALUE OPERATOR(pg_catalog.>=) 0::pg_catalog.int8);
COMMENT ON DOMAIN booking.cents IS 'a non-negative amount of money in the minor unit of its currency';

CREATE DOMAIN booking.email AS pg_catalog.text
  CONSTRAINT email_format CHECK (
    pg_catalog.length(VALUE) OPERATOR(pg_catalog.<=) 254
    AND VALUE OPERATOR(pg_catalog.~) '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'::pg_catalog.text);
COMMENT ON DOMAIN booking.email IS 'an e-mail address (local@domain.tld, at most 254 characters); compared case-insensitively where unique';

CREATE DOMAIN booking.point AS geography(Point, 4326);
COMMENT ON DOMAIN booking.point IS 'a WGS 84 longitude/latitude point (PostGIS geography, SRID 4326)';
-- Identity: the org, user and roles the current transaction acts for.  See
-- src/identity.c for why this cannot be forged by setting a variable.
--
-- These functions run in every policy and write trigger.  They resolve no
-- name at run time (C, or SQL-standard bodies whose names are bound when
-- they are created), so they have no SET clause: on PostgreSQL 15 one costs
-- a save and restore of the settings at every call, and it would keep the
-- SQL ones from being inlined.  test/pgtap/schema.sql lists every such
-- exception to the pinned search_path.

CREATE FUNCTION booking.current_org_id() RETURNS pg_catalog.uuid
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_current_org_id';
COMMENT ON FUNCTION booking.current_org_id() IS
  'org the current transaction acts for (set by booking.act_as), or NULL';

CREATE FUNCTION booking.current_user_id() RETURNS pg_catalog.uuid
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_current_user_id';
COMMENT ON FUNCTION booking.current_user_id() IS
  'user the current transaction acts for (set by booking.act_as), or NULL';

CREATE FUNCTION booking.current_roles() RETURNS booking.org_role[]
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_current_roles';
COMMENT ON FUNCTION booking.current_roles() IS
  'roles of the acting user in the acting org; empty when no identity is set';

CREATE FUNCTION booking.acting_is_system() RETURNS pg_catalog.bool
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_acting_is_system';
COMMENT ON FUNCTION booking.acting_is_system() IS
  'true while one of the extension''s own functions (waitlist promotion, the scheduled-transition runner) changes rows for the system; they turn booking.internal on with a SET clause, ordinary roles cannot';

CREATE FUNCTION booking.act_as(org_id pg_catalog.uuid, user_id pg_catalog.uuid)
  RETURNS booking.org_role[]
  LANGUAGE c VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_act_as';
COMMENT ON FUNCTION booking.act_as(pg_catalog.uuid, pg_catalog.uuid) IS
  'act for user_id in org_id until the end of the current transaction (like SET LOCAL); refuses a user who is not an active member; returns the user''s roles. Only roles granted EXECUTE (see booking.grant_app_role) may call it';

CREATE FUNCTION booking.check_time_zone(name pg_catalog.text) RETURNS pg_catalog.bool
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_check_time_zone';
COMMENT ON FUNCTION booking.check_time_zone(pg_catalog.text) IS
  'true if name is a zone of the IANA tz database as listed in pg_timezone_names; raises invalid_parameter_value (22023) otherwise';

CREATE DOMAIN booking.time_zone AS pg_catalog.text
  CONSTRAINT time_zone_is_iana CHECK (booking.check_time_zone(VALUE));
COMMENT ON DOMAIN booking.time_zone IS 'name of an IANA tz database zone, e.g. Europe/Berlin';

-- Role tests used by the row-level security policies.  Policies call them as
-- (SELECT booking.f()) so that they run once per statement, not once per row.

CREATE FUNCTION booking.acting_is_staff() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT booking.current_roles() OPERATOR(pg_catalog.&&)
           '{owner,admin,staff}'::booking.org_role[];
  END;
COMMENT ON FUNCTION booking.acting_is_staff() IS
  'true when the acting user is owner, admin or staff of the acting org (sees the whole org)';

CREATE FUNCTION booking.acting_is_admin() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT booking.current_roles() OPERATOR(pg_catalog.&&) '{owner,admin}'::booking.org_role[];
  END;
COMMENT ON FUNCTION booking.acting_is_admin() IS
  'true when the acting user is owner or admin of the acting org';

CREATE FUNCTION booking.acting_has_role(role booking.org_role) RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT role OPERATOR(pg_catalog.=) ANY (booking.current_roles());
  END;
COMMENT ON FUNCTION booking.acting_has_role(booking.org_role) IS
  'true when the acting user holds role in the acting org';
-- Tenancy and identity: currencies, orgs, users, memberships, refresh tokens.

CREATE TABLE booking.currency (
  code          booking.currency_code PRIMARY KEY,
  numeric_code  pg_catalog.int4 NOT NULL UNIQUE,
  minor_unit    pg_catalog.int4 CHECK (minor_unit BETWEEN 0 AND 4),
  name          pg_catalog.text NOT NULL
);
COMMENT ON TABLE booking.currency IS 'ISO 4217 currencies (reference data shipped with the extension, not tenant data)';
COMMENT ON COLUMN booking.currency.minor_unit IS 'decimals of the minor unit (2 for EUR cents, 0 for JPY); NULL for units without one';

-- ISO 4217 currencies (from the iso-codes data set); minor_unit is the number
-- of decimals of the currency's cents, NULL for units without one (metals,
-- fund codes).  Amounts everywhere are integers in the minor unit.
INSERT INTO booking.currency (code, numeric_code, minor_unit, name) VALUES
('AED', 784, 2, 'UAE Dirham'),
('AFN', 971, 2, 'Afghani'),
('ALL', 8, 2, 'Lek'),
('AMD', 51, 2, 'Armenian Dram'),
('ANG', 532, 2, 'Netherlands Antillean Guilder'),
('AOA', 973, 2, 'Kwanza'),
('ARS', 32, 2, 'Argentine Peso'),
('AUD', 36, 2, 'Australian Dollar'),
('AWG', 533, 2, 'Aruban Florin'),
('AZN', 944, 2, 'Azerbaijan Manat'),
('BAM', 977, 2, 'Convertible Mark'),
('BBD', 52, 2, 'Barbados Dollar'),
('BDT', 50, 2, 'Taka'),
('BGN', 975, 2, 'Bulgarian Lev'),
('BHD', 48, 3, 'Bahraini Dinar'),
('BIF', 108, 0, 'Burundi Franc'),
('BMD', 60, 2, 'Bermudian Dollar'),
('BND', 96, 2, 'Brunei Dollar'),
('BOB', 68, 2, 'Boliviano'),
('BOV', 984, 2, 'Mvdol'),
('BRL', 986, 2, 'Brazilian Real'),
('BSD', 44, 2, 'Bahamian Dollar'),
('BTN', 64, 2, 'Ngultrum'),
('BWP', 72, 2, 'Pula'),
('BYN', 933, 2, 'Belarusian Ruble'),
('BZD', 84, 2, 'Belize Dollar'),
('CAD', 124, 2, 'Canadian Dollar'),
('CDF', 976, 2, 'Congolese Franc'),
('CHE', 947, 2, 'WIR Euro'),
('CHF', 756, 2, 'Swiss Franc'),
('CHW', 948, 2, 'WIR Franc'),
('CLF', 990, 4, 'Unidad de Fomento'),
('CLP', 152, 0, 'Chilean Peso'),
('CNY', 156, 2, 'Yuan Renminbi'),
('COP', 170, 2, 'Colombian Peso'),
('COU', 970, 2, 'Unidad de Valor Real'),
('CRC', 188, 2, 'Costa Rican Colon'),
('CUC', 931, 2, 'Peso Convertible'),
('CUP', 192, 2, 'Cuban Peso'),
('CVE', 132, 2, 'Cabo Verde Escudo'),
('CZK', 203, 2, 'Czech Koruna'),
('DJF', 262, 0, 'Djibouti Franc'),
('DKK', 208, 2, 'Danish Krone'),
('DOP', 214, 2, 'Dominican Peso'),
('DZD', 12, 2, 'Algerian Dinar'),
('EGP', 818, 2, 'Egyptian Pound'),
('ERN', 232, 2, 'Nakfa'),
('ETB', 230, 2, 'Ethiopian Birr'),
('EUR', 978, 2, 'Euro'),
('FJD', 242, 2, 'Fiji Dollar'),
('FKP', 238, 2, 'Falkland Islands Pound'),
('GBP', 826, 2, 'Pound Sterling'),
('GEL', 981, 2, 'Lari'),
('GHS', 936, 2, 'Ghana Cedi'),
('GIP', 292, 2, 'Gibraltar Pound'),
('GMD', 270, 2, 'Dalasi'),
('GNF', 324, 0, 'Guinean Franc'),
('GTQ', 320, 2, 'Quetzal'),
('GYD', 328, 2, 'Guyana Dollar'),
('HKD', 344, 2, 'Hong Kong Dollar'),
('HNL', 340, 2, 'Lempira'),
('HRK', 191, 2, 'Kuna'),
('HTG', 332, 2, 'Gourde'),
('HUF', 348, 2, 'Forint'),
('IDR', 360, 2, 'Rupiah'),
('ILS', 376, 2, 'New Israeli Sheqel'),
('INR', 356, 2, 'Indian Rupee'),
('IQD', 368, 3, 'Iraqi Dinar'),
('IRR', 364, 2, 'Iranian Rial'),
('ISK', 352, 0, 'Iceland Krona'),
('JMD', 388, 2, 'Jamaican Dollar'),
('JOD', 400, 3, 'Jordanian Dinar'),
('JPY', 392, 0, 'Yen'),
('KES', 404, 2, 'Kenyan Shilling'),
('KGS', 417, 2, 'Som'),
('KHR', 116, 2, 'Riel'),
('KMF', 174, 0, 'Comorian Franc'),
('KPW', 408, 2, 'North Korean Won'),
('KRW', 410, 0, 'Won'),
('KWD', 414, 3, 'Kuwaiti Dinar'),
('KYD', 136, 2, 'Cayman Islands Dollar'),
('KZT', 398, 2, 'Tenge'),
('LAK', 418, 2, 'Lao Kip'),
('LBP', 422, 2, 'Lebanese Pound'),
('LKR', 144, 2, 'Sri Lanka Rupee'),
('LRD', 430, 2, 'Liberian Dollar'),
('LSL', 426, 2, 'Loti'),
('LYD', 434, 3, 'Libyan Dinar'),
('MAD', 504, 2, 'Moroccan Dirham'),
('MDL', 498, 2, 'Moldovan Leu'),
('MGA', 969, 2, 'Malagasy Ariary'),
('MKD', 807, 2, 'Denar'),
('MMK', 104, 2, 'Kyat'),
('MNT', 496, 2, 'Tugrik'),
('MOP', 446, 2, 'Pataca'),
('MRU', 929, 2, 'Ouguiya'),
('MUR', 480, 2, 'Mauritius Rupee'),
('MVR', 462, 2, 'Rufiyaa'),
('MWK', 454, 2, 'Malawi Kwacha'),
('MXN', 484, 2, 'Mexican Peso'),
('MXV', 979, 2, 'Mexican Unidad de Inversion (UDI)'),
('MYR', 458, 2, 'Malaysian Ringgit'),
('MZN', 943, 2, 'Mozambique Metical'),
('NAD', 516, 2, 'Namibia Dollar'),
('NGN', 566, 2, 'Naira'),
('NIO', 558, 2, 'Cordoba Oro'),
('NOK', 578, 2, 'Norwegian Krone'),
('NPR', 524, 2, 'Nepalese Rupee'),
('NZD', 554, 2, 'New Zealand Dollar'),
('OMR', 512, 3, 'Rial Omani'),
('PAB', 590, 2, 'Balboa'),
('PEN', 604, 2, 'Sol'),
('PGK', 598, 2, 'Kina'),
('PHP', 608, 2, 'Philippine Peso'),
('PKR', 586, 2, 'Pakistan Rupee'),
('PLN', 985, 2, 'Zloty'),
('PYG', 600, 0, 'Guarani'),
('QAR', 634, 2, 'Qatari Rial'),
('RON', 946, 2, 'Romanian Leu'),
('RSD', 941, 2, 'Serbian Dinar'),
('RUB', 643, 2, 'Russian Ruble'),
('RWF', 646, 0, 'Rwanda Franc'),
('SAR', 682, 2, 'Saudi Riyal'),
('SBD', 90, 2, 'Solomon Islands Dollar'),
('SCR', 690, 2, 'Seychelles Rupee'),
('SDG', 938, 2, 'Sudanese Pound'),
('SEK', 752, 2, 'Swedish Krona'),
('SGD', 702, 2, 'Singapore Dollar'),
('SHP', 654, 2, 'Saint Helena Pound'),
('SLE', 925, 2, 'Leone'),
('SLL', 694, 2, 'Leone'),
('SOS', 706, 2, 'Somali Shilling'),
('SRD', 968, 2, 'Surinam Dollar'),
('SSP', 728, 2, 'South Sudanese Pound'),
('STN', 930, 2, 'Dobra'),
('SVC', 222, 2, 'El Salvador Colon'),
('SYP', 760, 2, 'Syrian Pound'),
('SZL', 748, 2, 'Lilangeni'),
('THB', 764, 2, 'Baht'),
('TJS', 972, 2, 'Somoni'),
('TMT', 934, 2, 'Turkmenistan New Manat'),
('TND', 788, 3, 'Tunisian Dinar'),
('TOP', 776, 2, 'Pa’anga'),
('TRY', 949, 2, 'Turkish Lira'),
('TTD', 780, 2, 'Trinidad and Tobago Dollar'),
('TWD', 901, 2, 'New Taiwan Dollar'),
('TZS', 834, 2, 'Tanzanian Shilling'),
('UAH', 980, 2, 'Hryvnia'),
('UGX', 800, 0, 'Uganda Shilling'),
('USD', 840, 2, 'US Dollar'),
('USN', 997, 2, 'US Dollar (Next day)'),
('UYI', 940, 0, 'Uruguay Peso en Unidades Indexadas (UI)'),
('UYU', 858, 2, 'Peso Uruguayo'),
('UYW', 927, 4, 'Unidad Previsional'),
('UZS', 860, 2, 'Uzbekistan Sum'),
('VED', 926, 2, 'Bolívar Soberano'),
('VES', 928, 2, 'Bolívar Soberano'),
('VND', 704, 0, 'Dong'),
('VUV', 548, 0, 'Vatu'),
('WST', 882, 2, 'Tala'),
('XAF', 950, 0, 'CFA Franc BEAC'),
('XAG', 961, NULL, 'Silver'),
('XAU', 959, NULL, 'Gold'),
('XBA', 955, NULL, 'Bond Markets Unit European Composite Unit (EURCO)'),
('XBB', 956, NULL, 'Bond Markets Unit European Monetary Unit (E.M.U.-6)'),
('XBC', 957, NULL, 'Bond Markets Unit European Unit of Account 9 (E.U.A.-9)'),
('XBD', 958, NULL, 'Bond Markets Unit European Unit of Account 17 (E.U.A.-17)'),
('XCD', 951, 2, 'East Caribbean Dollar'),
('XDR', 960, NULL, 'SDR (Special Drawing Right)'),
('XOF', 952, 0, 'CFA Franc BCEAO'),
('XPD', 964, NULL, 'Palladium'),
('XPF', 953, 0, 'CFP Franc'),
('XPT', 962, NULL, 'Platinum'),
('XSU', 994, NULL, 'Sucre'),
('XTS', 963, NULL, 'Codes specifically reserved for testing purposes'),
('XUA', 965, NULL, 'ADB Unit of Account'),
('XXX', 999, NULL, 'The codes assigned for transactions where no currency is involved'),
('YER', 886, 2, 'Yemeni Rial'),
('ZAR', 710, 2, 'Rand'),
('ZMW', 967, 2, 'Zambian Kwacha'),
('ZWL', 932, 2, 'Zimbabwe Dollar');

CREATE TABLE booking.org (
  id                   pg_catalog.uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
  name                 pg_catalog.text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
  slug                 pg_catalog.text UNIQUE CHECK (slug OPERATOR(pg_catalog.~) '^[a-z0-9][a-z0-9-]{0,62}$'::pg_catalog.text),
  time_zone            booking.time_zone NOT NULL,
  currency             booking.currency_code NOT NULL REFERENCES booking.currency (code),
  booking_horizon_days pg_catalog.int4 NOT NULL DEFAULT 90 CHECK (booking_horizon_days BETWEEN 1 AND 3660),
  min_notice_minutes   pg_catalog.int4 NOT NULL DEFAULT 120 CHECK (min_notice_minutes BETWEEN 0 AND 525600),
  slot_step_minutes    pg_catalog.int4 NOT NULL DEFAULT 15 CHECK (slot_step_minutes BETWEEN 1 AND 1440),
  platform_fee_bps     pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (platform_fee_bps BETWEEN 0 AND 10000),
  settings             pg_catalog.jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(settings) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text),
  created_at           pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at           pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE booking.org IS 'a tenant: a driving school, a workshop studio, a launch operator; owns every other row through org_id';
COMMENT ON COLUMN booking.org.time_zone IS 'IANA zone in which working hours and the slot grid are read';
COMMENT ON COLUMN booking.org.currency IS 'default currency of prices and payments';
COMMENT ON COLUMN booking.org.booking_horizon_days IS 'how far ahead a booking may start';
COMMENT ON COLUMN booking.org.min_notice_minutes IS 'how soon a booking may start at the earliest';
COMMENT ON COLUMN booking.org.slot_step_minutes IS 'grid of offered start times, aligned to local wall-clock time';
COMMENT ON COLUMN booking.org.platform_fee_bps IS 'platform fee in basis points of the price (the rest is the resource''s share)';
COMMENT ON COLUMN booking.org.settings IS 'further settings as a JSON object';

CREATE TABLE booking.app_user (
  id           pg_catalog.uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
  email        booking.email NOT NULL,
  full_name    pg_catalog.text NOT NULL CHECK (pg_catalog.length(full_name) BETWEEN 1 AND 200),
  phone        pg_catalog.text CHECK (phone OPERATOR(pg_catalog.~) '^\+?[0-9 ()-]{3,32}$'::pg_catalog.text),
  external_id  pg_catalog.text UNIQUE CHECK (pg_catalog.length(external_id) BETWEEN 1 AND 200),
  active       pg_catalog.bool NOT NULL DEFAULT true,
  created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE UNIQUE INDEX app_user_email_key ON booking.app_user (pg_catalog.lower(email));
COMMENT ON TABLE booking.app_user IS 'a person who logs in; global (one row across orgs), joined to orgs by booking.membership';
COMMENT ON COLUMN booking.app_user.email IS 'login e-mail, unique case-insensitively';
COMMENT ON COLUMN booking.app_user.external_id IS 'id at the identity provider (e.g. an OAuth subject), unique';
COMMENT ON COLUMN booking.app_user.active IS 'an inactive user cannot act in any org';

CREATE TABLE booking.membership (
  org_id      pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  user_id     pg_catalog.uuid NOT NULL REFERENCES booking.app_user (id) ON DELETE CASCADE,
  role        booking.org_role NOT NULL,
  created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, user_id, role)
);
CREATE INDEX membership_user_idx ON booking.membership (user_id);
COMMENT ON TABLE booking.membership IS 'a role of a user in an org; one row per user, org and role';

CREATE TABLE booking.refresh_token (
  id           pg_catalog.uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
  user_id      pg_catalog.uuid NOT NULL REFERENCES booking.app_user (id) ON DELETE CASCADE,
  jti          pg_catalog.text NOT NULL UNIQUE CHECK (pg_catalog.length(jti) BETWEEN 8 AND 200),
  rotation_id  pg_catalog.uuid NOT NULL,
  token_hash   pg_catalog.bytea NOT NULL CHECK (pg_catalog.length(token_hash) BETWEEN 16 AND 128),
  used         pg_catalog.bool NOT NULL DEFAULT false,
  revoked_at   pg_catalog.timestamptz,
  expires_at   pg_catalog.timestamptz NOT NULL,
  created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT refresh_token_expires_after_creation CHECK (expires_at OPERATOR(pg_catalog.>) created_at)
);
CREATE INDEX refresh_token_rotation_idx ON booking.refresh_token (rotation_id);
CREATE INDEX refresh_token_user_idx ON booking.refresh_token (user_id);
COMMENT ON TABLE booking.refresh_token IS
  'refresh tokens of a user; each use rotates the token within its rotation family, and presenting a used token again revokes the whole family (reuse detection)';
COMMENT ON COLUMN booking.refresh_token.token_hash IS 'hash of the token (the token itself is never stored)';
COMMENT ON COLUMN booking.refresh_token.rotation_id IS 'family of tokens descending from one login';
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
-- Scheduling: weekly working hours, availability exceptions, sessions with a
-- capacity, bookings, license compatibility rules and the travel-time cache.

-- The status predicates below have SQL-standard bodies (every name is bound
-- when they are created, none at run time) and no SET clause, so the
-- planner inlines them: into the exclusion constraint's predicate, the
-- solver's queries and the write triggers, at no cost per row.
CREATE FUNCTION booking.status_occupies(status booking.booking_status) RETURNS pg_catalog.bool
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT status OPERATOR(pg_catalog.=) ANY ('{pending,confirmed,in_progress}'::booking.booking_status[]);
  END;
COMMENT ON FUNCTION booking.status_occupies(booking.booking_status) IS
  'true for the statuses that hold the resource''s time or a seat: pending, confirmed, in_progress';

CREATE FUNCTION booking.status_is_open(status booking.booking_status) RETURNS pg_catalog.bool
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT status OPERATOR(pg_catalog.=) ANY ('{pending,waitlisted,confirmed,in_progress}'::booking.booking_status[]);
  END;
COMMENT ON FUNCTION booking.status_is_open(booking.booking_status) IS
  'true for the statuses of a booking that is not over (the occupying ones and waitlisted); a client or resource with open bookings cannot be deleted';

-- THE predicate of the write path and the solver: a booking row takes its
-- resource's time (an appointment) or its seats (a session booking) now when
-- its status occupies and it is not a hold whose expiry has passed.  An
-- expired hold keeps its status until a writer that needs its time or seats
-- expires it (see booking.expire_holds), so the status alone is not enough.
CREATE FUNCTION booking.occupies_now(status booking.booking_status, hold_expires_at pg_catalog.timestamptz)
  RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  BEGIN ATOMIC
    SELECT booking.status_occupies(status)
           AND (hold_expires_at IS NULL OR hold_expires_at OPERATOR(pg_catalog.>) pg_catalog.now());
  END;
COMMENT ON FUNCTION booking.occupies_now(booking.booking_status, pg_catalog.timestamptz) IS
  'the one predicate for "this booking takes the resource''s time or its seats now": an occupying status (pending, confirmed, in_progress) and not a hold whose hold_expires_at has passed (now() is the transaction''s start)';

-- The time an appointment keeps its resource busy: from its start minus the
-- buffer before to its end plus the buffer after.  Minutes only, so the
-- arithmetic does not depend on the time zone (hence IMMUTABLE, which lets
-- the exclusion constraint index it).  In C and without a SET clause: it is
-- evaluated for every booking row written and every index recheck, and it
-- resolves no name.
CREATE FUNCTION booking.padded_range(starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz,
                                     buffer_before_minutes pg_catalog.int4, buffer_after_minutes pg_catalog.int4)
  RETURNS pg_catalog.tstzrange
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_padded_range';
COMMENT ON FUNCTION booking.padded_range(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.int4, pg_catalog.int4) IS
  'the interval an appointment keeps its resource busy: [starts_at - buffer_before, ends_at + buffer_after)';

CREATE TABLE booking.working_hours (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  resource_id           pg_catalog.uuid NOT NULL,
  weekday               pg_catalog.int2 NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  hours                 booking.timerange NOT NULL,
  break                 booking.timerange,
  max_bookings_per_day  pg_catalog.int4 CHECK (max_bookings_per_day BETWEEN 0 AND 1000),
  travel_buffer_minutes pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (travel_buffer_minutes BETWEEN 0 AND 1440),
  effective             pg_catalog.daterange NOT NULL DEFAULT '(,)',
  active                pg_catalog.bool NOT NULL DEFAULT true,
  created_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE CASCADE,
  CONSTRAINT working_hours_window CHECK (
    NOT pg_catalog.isempty(hours) AND pg_catalog.lower_inc(hours) AND NOT pg_catalog.upper_inc(hours)
    AND NOT pg_catalog.lower_inf(hours) AND NOT pg_catalog.upper_inf(hours)),
  CONSTRAINT working_hours_break_inside CHECK (
    break IS NULL OR (NOT pg_catalog.isempty(break) AND hours OPERATOR(pg_catalog.@>) break
                      AND pg_catalog.lower_inc(break) AND NOT pg_catalog.upper_inc(break))),
  CONSTRAINT working_hours_effective CHECK (NOT pg_catalog.isempty(effective)),
  CONSTRAINT working_hours_no_overlap EXCLUDE USING gist (
    org_id WITH OPERATOR(pg_catalog.=), resource_id WITH OPERATOR(pg_catalog.=),
    weekday WITH OPERATOR(pg_catalog.=), effective WITH OPERATOR(pg_catalog.&&),
    hours WITH OPERATOR(pg_catalog.&&)) WHERE (active)
);
COMMENT ON TABLE booking.working_hours IS
  'a weekly working window of a resource in the org''s local wall-clock time; several windows per weekday are allowed, overlapping ones are not';
COMMENT ON COLUMN booking.working_hours.weekday IS 'ISO day of week: 1 = Monday ... 7 = Sunday';
COMMENT ON COLUMN booking.working_hours.hours IS 'local time window, e.g. [08:00,17:00); the upper bound may be 24:00';
COMMENT ON COLUMN booking.working_hours.break IS 'optional break inside the window';
COMMENT ON COLUMN booking.working_hours.max_bookings_per_day IS 'most bookings the resource takes on such a day; NULL for no limit';
COMMENT ON COLUMN booking.working_hours.travel_buffer_minutes IS 'least time kept between two appointments for travel';
COMMENT ON COLUMN booking.working_hours.effective IS 'local dates on which this window applies';

CREATE TABLE booking.availability_exception (
  org_id       pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id           pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  resource_id  pg_catalog.uuid NOT NULL,
  on_date      pg_catalog.date NOT NULL,
  available    pg_catalog.bool NOT NULL DEFAULT false,
  hours        booking.timemultirange,
  note         pg_catalog.text,
  created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, resource_id, on_date),
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE CASCADE,
  CONSTRAINT availability_exception_hours CHECK (
    (available AND hours IS NOT NULL AND NOT pg_catalog.isempty(hours))
    OR (NOT available AND hours IS NULL))
);
COMMENT ON TABLE booking.availability_exception IS
  'a date on which a resource''s weekly hours do not apply: a day off (available = false) or different hours';
COMMENT ON COLUMN booking.availability_exception.on_date IS 'local date in the org''s time zone';
COMMENT ON COLUMN booking.availability_exception.hours IS 'the hours of that day when available; NULL for a day off';

CREATE TABLE booking.session (
  org_id       pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id           pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  resource_id  pg_catalog.uuid NOT NULL,
  service_id   pg_catalog.uuid NOT NULL,
  location_id  pg_catalog.uuid,
  title        pg_catalog.text NOT NULL CHECK (pg_catalog.length(title) BETWEEN 1 AND 200),
  description  pg_catalog.text,
  starts_at    pg_catalog.timestamptz NOT NULL,
  ends_at      pg_catalog.timestamptz NOT NULL,
  capacity     pg_catalog.int4 NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
  currency     booking.currency_code NOT NULL REFERENCES booking.currency (code),
  price_cents  booking.cents NOT NULL DEFAULT 0,
  status       booking.session_status NOT NULL DEFAULT 'scheduled',
  created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, service_id) REFERENCES booking.service (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, location_id) REFERENCES booking.location (org_id, id) ON DELETE SET NULL (location_id),
  CONSTRAINT session_ends_after_start CHECK (ends_at OPERATOR(pg_catalog.>) starts_at)
);
CREATE INDEX session_org_start_idx ON booking.session (org_id, starts_at);
CREATE INDEX session_resource_start_idx ON booking.session (org_id, resource_id, starts_at);
COMMENT ON TABLE booking.session IS
  'a scheduled occurrence with a capacity, run by a resource: a group lesson, a workshop or retreat (facilitator), a launch (rocket, from a spaceport location)';
COMMENT ON COLUMN booking.session.capacity IS 'seats; active bookings never take more';

CREATE TABLE booking.booking (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  client_id             pg_catalog.uuid NOT NULL,
  resource_id           pg_catalog.uuid,
  service_id            pg_catalog.uuid NOT NULL,
  session_id            pg_catalog.uuid,
  seats                 pg_catalog.int4 NOT NULL DEFAULT 1 CONSTRAINT booking_seats_positive CHECK (seats BETWEEN 1 AND 100000),
  starts_at             pg_catalog.timestamptz NOT NULL,
  ends_at               pg_catalog.timestamptz NOT NULL,
  status                booking.booking_status NOT NULL DEFAULT 'pending',
  pickup_address        pg_catalog.text,
  pickup_point          booking.point,
  dropoff_address       pg_catalog.text,
  dropoff_point         booking.point,
  currency              booking.currency_code NOT NULL REFERENCES booking.currency (code),
  price_cents           booking.cents NOT NULL DEFAULT 0,
  platform_fee_cents    booking.cents NOT NULL DEFAULT 0,
  resource_share_cents  booking.cents NOT NULL DEFAULT 0,
  notes                 pg_catalog.text,
  cancelled_by          pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  cancelled_at          pg_catalog.timestamptz,
  cancellation_reason   pg_catalog.text,
  rescheduled_from      pg_catalog.timestamptz,
  rescheduled_at        pg_catalog.timestamptz,
  reschedule_reason     pg_catalog.text,
  previous_status       booking.booking_status,
  status_changed_at     pg_catalog.timestamptz,
  status_changed_by     pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  idempotency_key       pg_catalog.text CHECK (pg_catalog.length(idempotency_key) BETWEEN 1 AND 200),
  idempotency_fingerprint pg_catalog.text,
  buffer_before_minutes pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 1440),
  buffer_after_minutes  pg_catalog.int4 NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 1440),
  hold_expires_at       pg_catalog.timestamptz,
  override_reason       pg_catalog.text CHECK (pg_catalog.length(override_reason) BETWEEN 1 AND 1000),
  overridden_rules      pg_catalog.text[],
  overridden_by         pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  created_by            pg_catalog.uuid REFERENCES booking.app_user (id) ON DELETE SET NULL,
  created_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at            pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, idempotency_key),
  FOREIGN KEY (org_id, client_id) REFERENCES booking.client (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, resource_id) REFERENCES booking.resource (org_id, id) ON DELETE SET NULL (resource_id),
  FOREIGN KEY (org_id, service_id) REFERENCES booking.service (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, session_id) REFERENCES booking.session (org_id, id) ON DELETE RESTRICT,
  CONSTRAINT booking_ends_after_start CHECK (ends_at OPERATOR(pg_catalog.>) starts_at),
  CONSTRAINT booking_price_split CHECK (
    platform_fee_cents OPERATOR(pg_catalog.+) resource_share_cents OPERATOR(pg_catalog.=) price_cents),
  CONSTRAINT booking_resource_or_session CHECK (resource_id IS NOT NULL OR session_id IS NOT NULL),
  CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    org_id WITH OPERATOR(pg_catalog.=), resource_id WITH OPERATOR(pg_catalog.=),
    booking.padded_range(starts_at, ends_at, buffer_before_minutes, buffer_after_minutes) WITH OPERATOR(pg_catalog.&&))
    WHERE (session_id IS NULL AND booking.status_occupies(status))
);
CREATE INDEX booking_org_start_idx ON booking.booking (org_id, starts_at);
CREATE INDEX booking_resource_start_idx ON booking.booking (org_id, resource_id, starts_at);
CREATE INDEX booking_client_start_idx ON booking.booking (org_id, client_id, starts_at);
CREATE INDEX booking_session_idx ON booking.booking (org_id, session_id) WHERE session_id IS NOT NULL;
COMMENT ON TABLE booking.booking IS
  'a booking of a client: an appointment with a resource (a driving lesson with pickup and dropoff) or seats in a session (a workshop, a launch)';
COMMENT ON COLUMN booking.booking.resource_id IS 'the instructor or other resource of an appointment; for a session booking, NULL or the session''s resource';
COMMENT ON COLUMN booking.booking.session_id IS 'the session whose seats this booking takes, if any';
COMMENT ON COLUMN booking.booking.seats IS 'seats taken in the session (1 for an appointment)';
COMMENT ON COLUMN booking.booking.status IS 'life-cycle status; changes are recorded in booking.status_history';
COMMENT ON COLUMN booking.booking.price_cents IS 'price in the minor unit of currency; equals platform_fee_cents + resource_share_cents';
COMMENT ON COLUMN booking.booking.rescheduled_from IS 'start time before the last reschedule';
COMMENT ON COLUMN booking.booking.idempotency_key IS 'client-chosen key; the same key within an org identifies the same booking';
COMMENT ON COLUMN booking.booking.idempotency_fingerprint IS 'md5 of the request (who, what, when, where, seats) the key was first used with; a retry with the same key must match it';
COMMENT ON COLUMN booking.booking.buffer_before_minutes IS 'the service''s buffer before, copied at insert (and when the service changes) so that later changes of the service do not move existing bookings';
COMMENT ON COLUMN booking.booking.buffer_after_minutes IS 'the service''s buffer after, copied like buffer_before_minutes';
COMMENT ON COLUMN booking.booking.hold_expires_at IS 'set for a hold (e.g. during checkout): the booking takes its time or seats only until then, unless confirmed by setting this to NULL before it passes';
COMMENT ON COLUMN booking.booking.override_reason IS 'set by an owner or admin to book a time the rules refuse (working hours, grid, notice, horizon, daily maximum; never an overlap, buffer or travel gap): why';
COMMENT ON COLUMN booking.booking.overridden_rules IS 'the rules the booking''s time breaks, overridden with override_reason (set by the write path; NULL when none)';
COMMENT ON COLUMN booking.booking.overridden_by IS 'the owner or admin whose write overrode overridden_rules';
COMMENT ON CONSTRAINT booking_no_overlap ON booking.booking IS
  'no two appointments of one resource overlap, buffers included (booking.padded_range), while pending, confirmed or in progress';

CREATE TABLE booking.license_rule (
  org_id                     pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                         pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  client_license_type        pg_catalog.text NOT NULL CHECK (pg_catalog.length(client_license_type) BETWEEN 1 AND 20),
  lesson_type                pg_catalog.text NOT NULL CHECK (pg_catalog.length(lesson_type) BETWEEN 1 AND 40),
  required_resource_license  pg_catalog.text CHECK (pg_catalog.length(required_resource_license) BETWEEN 1 AND 20),
  is_compatible              pg_catalog.bool NOT NULL DEFAULT true,
  min_client_age             pg_catalog.int4 CHECK (min_client_age BETWEEN 0 AND 150),
  max_client_age             pg_catalog.int4 CHECK (max_client_age BETWEEN 0 AND 150),
  prerequisites              pg_catalog.jsonb NOT NULL DEFAULT '[]' CHECK (pg_catalog.jsonb_typeof(prerequisites) OPERATOR(pg_catalog.=) 'array'::pg_catalog.text),
  restrictions               pg_catalog.jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(restrictions) OPERATOR(pg_catalog.=) 'object'::pg_catalog.text),
  min_duration_minutes       pg_catalog.int4 CHECK (min_duration_minutes BETWEEN 1 AND 1440),
  max_duration_minutes       pg_catalog.int4 CHECK (max_duration_minutes BETWEEN 1 AND 1440),
  requires_parental_consent  pg_catalog.bool NOT NULL DEFAULT false,
  active                     pg_catalog.bool NOT NULL DEFAULT true,
  created_at                 pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at                 pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, client_license_type, lesson_type),
  CONSTRAINT license_rule_age_order CHECK (min_client_age OPERATOR(pg_catalog.<=) max_client_age),
  CONSTRAINT license_rule_duration_order CHECK (min_duration_minutes OPERATOR(pg_catalog.<=) max_duration_minutes)
);
COMMENT ON TABLE booking.license_rule IS
  'license compatibility: a student''s license type and a lesson type give the instructor license required, age limits, prerequisites, lesson length limits and whether parental consent is needed';
COMMENT ON COLUMN booking.license_rule.prerequisites IS 'JSON array of lesson types the student must have completed first';

CREATE TABLE booking.travel_time_cache (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  from_hash             pg_catalog.text NOT NULL CHECK (from_hash OPERATOR(pg_catalog.~) '^[0-9b-hjkmnp-z]{1,12}$'::pg_catalog.text),
  to_hash               pg_catalog.text NOT NULL CHECK (to_hash OPERATOR(pg_catalog.~) '^[0-9b-hjkmnp-z]{1,12}$'::pg_catalog.text),
  from_point            booking.point NOT NULL,
  to_point              booking.point NOT NULL,
  driving_minutes       pg_catalog.int4 NOT NULL CHECK (driving_minutes BETWEEN 0 AND 100000),
  distance_meters       pg_catalog.int4 NOT NULL CHECK (distance_meters BETWEEN 0 AND 40000000),
  traffic_multiplier    pg_catalog.float8 NOT NULL DEFAULT 1 CHECK (traffic_multiplier OPERATOR(pg_catalog.>) 0::pg_catalog.float8 AND traffic_multiplier OPERATOR(pg_catalog.<=) 10::pg_catalog.float8),
  peak_hour_multiplier  pg_catalog.float8 NOT NULL DEFAULT 1 CHECK (peak_hour_multiplier OPERATOR(pg_catalog.>) 0::pg_catalog.float8 AND peak_hour_multiplier OPERATOR(pg_catalog.<=) 10::pg_catalog.float8),
  time_of_day_factors   pg_catalog.float8[] CHECK (pg_catalog.cardinality(time_of_day_factors) OPERATOR(pg_catalog.=) 24),
  last_updated          pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  cache_valid_until     pg_catalog.timestamptz NOT NULL,
  source                pg_catalog.text NOT NULL DEFAULT 'manual' CHECK (source OPERATOR(pg_catalog.~) '^[a-z_]{1,40}$'::pg_catalog.text),
  reliability           pg_catalog.text NOT NULL DEFAULT 'medium' CHECK (reliability OPERATOR(pg_catalog.=) ANY ('{high,medium,low}'::pg_catalog.text[])),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, from_hash, to_hash)
);
COMMENT ON TABLE booking.travel_time_cache IS
  'driving times between two location cells (geohashes), with traffic, peak-hour and time-of-day factors; used while valid, else the estimate applies';
COMMENT ON COLUMN booking.travel_time_cache.time_of_day_factors IS 'factor by local hour of departure, 24 values (index 1 = 00:00-00:59); NULL for all 1';
-- Travel time: an org's settings, the checks on the cache table, and the
-- lookup functions (src/travel.c, src/core/travel.c).

CREATE FUNCTION booking.minute_windows_ok(windows booking.timemultirange) RETURNS pg_catalog.bool
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT pg_catalog.bool_and(pg_catalog.lower_inc(r) AND NOT pg_catalog.upper_inc(r)
                             AND NOT pg_catalog.lower_inf(r) AND NOT pg_catalog.upper_inf(r)
                             AND pg_catalog.extract('second', pg_catalog.lower(r)) OPERATOR(pg_catalog.=) 0
                             AND pg_catalog.extract('second', pg_catalog.upper(r)) OPERATOR(pg_catalog.=) 0)
           IS NOT FALSE
    FROM pg_catalog.unnest(windows) AS r;
END;
COMMENT ON FUNCTION booking.minute_windows_ok(booking.timemultirange) IS
  'true when every range is bounded, [inclusive, exclusive) and starts and ends on a whole minute, e.g. {[07:00,09:00),[16:00,18:00)}';

CREATE TABLE booking.travel_setting (
  org_id             pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  geohash_precision  pg_catalog.int4 NOT NULL DEFAULT 7 CHECK (geohash_precision BETWEEN 1 AND 12),
  detour_factor      pg_catalog.float8 NOT NULL DEFAULT 1.3
                       CHECK (detour_factor OPERATOR(pg_catalog.>=) 1::pg_catalog.float8 AND detour_factor OPERATOR(pg_catalog.<=) 5::pg_catalog.float8),
  speed_kmh          pg_catalog.float8[] NOT NULL
                       DEFAULT '{40,40,40,40,40,40,35,20,20,30,30,30,30,30,30,30,20,20,30,35,35,35,40,40}'
                       CHECK (pg_catalog.array_ndims(speed_kmh) OPERATOR(pg_catalog.=) 1
                              AND pg_catalog.cardinality(speed_kmh) OPERATOR(pg_catalog.=) 24
                              AND pg_catalog.array_position(speed_kmh, NULL) IS NULL
                              AND 0::pg_catalog.float8 OPERATOR(pg_catalog.<) ALL (speed_kmh)
                              AND 300::pg_catalog.float8 OPERATOR(pg_catalog.>=) ALL (speed_kmh)),
  min_minutes        pg_catalog.int4 NOT NULL DEFAULT 5 CHECK (min_minutes BETWEEN 0 AND 1440),
  peak_windows       booking.timemultirange NOT NULL DEFAULT '{[07:00,09:00),[16:00,18:00)}'
                       CHECK (booking.minute_windows_ok(peak_windows)),
  created_at         pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at         pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id)
);
COMMENT ON TABLE booking.travel_setting IS
  'an org''s travel-time settings; an org without a row uses the defaults of the columns';
COMMENT ON COLUMN booking.travel_setting.geohash_precision IS
  'characters of the geohash cells that key booking.travel_time_cache: 7 is about 153 m x 153 m at the equator (92 m x 153 m at Berlin)';
COMMENT ON COLUMN booking.travel_setting.detour_factor IS
  'road distance over great-circle distance assumed by the estimate, 1 to 5';
COMMENT ON COLUMN booking.travel_setting.speed_kmh IS
  'estimate speed in km/h by local hour of departure, 24 values (index 1 = 00:00-00:59), each in (0, 300]';
COMMENT ON COLUMN booking.travel_setting.min_minutes IS
  'the estimate between two distinct points is never below this';
COMMENT ON COLUMN booking.travel_setting.peak_windows IS
  'local times of day in which a cache entry''s peak_hour_multiplier applies; [inclusive, exclusive) ranges on whole minutes';

CREATE FUNCTION booking.checked_point(point geography, name pg_catalog.text DEFAULT 'point')
  RETURNS booking.point
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_checked_point';
COMMENT ON FUNCTION booking.checked_point(geography, pg_catalog.text) IS
  'the point itself if it is a non-empty, finite POINT in SRID 4326; otherwise an error (SQLSTATE 22023 or 22003) that names it';

CREATE FUNCTION booking.tg_travel_cache_check() RETURNS trigger
  LANGUAGE c
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_cache_check';
COMMENT ON FUNCTION booking.tg_travel_cache_check() IS
  'checks a travel time cache entry (points, factors, validity in the future) and sets its cell hashes and last_updated';

CREATE TRIGGER travel_time_cache_check BEFORE INSERT OR UPDATE ON booking.travel_time_cache
  FOR EACH ROW EXECUTE FUNCTION booking.tg_travel_cache_check();

CREATE FUNCTION booking.travel_time(
    origin geography, destination geography, depart_at pg_catalog.timestamptz,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4,
    OUT source pg_catalog.text, OUT reliability pg_catalog.text)
  RETURNS record
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  -- no SET search_path: resolves no name at run time, and on PostgreSQL 15
  -- the SET clause would cost a third of a cached lookup (see test/pgtap/schema.sql)
  AS 'MODULE_PATHNAME', 'booking_travel_time';
COMMENT ON FUNCTION booking.travel_time(geography, geography, pg_catalog.timestamptz) IS
  'driving time from origin to destination departing at depart_at, for the acting org: 0 for the same point (source same_point), else a valid cache entry of the two cells (source cache), else the estimate (source estimate, reliability low)';

CREATE FUNCTION booking.travel_time(
    org_id pg_catalog.uuid, origin geography, destination geography, depart_at pg_catalog.timestamptz,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4,
    OUT source pg_catalog.text, OUT reliability pg_catalog.text)
  RETURNS record
  LANGUAGE c STABLE STRICT PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_time';
COMMENT ON FUNCTION booking.travel_time(pg_catalog.uuid, geography, geography, pg_catalog.timestamptz) IS
  'booking.travel_time for the given org, without an acting identity; for administrative roles (EXECUTE is revoked from PUBLIC)';

CREATE FUNCTION booking.travel_matrix(
    points geography[], depart_at pg_catalog.timestamptz,
    OUT from_index pg_catalog.int4, OUT to_index pg_catalog.int4,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4,
    OUT source pg_catalog.text, OUT reliability pg_catalog.text)
  RETURNS SETOF record
  LANGUAGE c STABLE STRICT PARALLEL SAFE ROWS 2500
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_matrix';
COMMENT ON FUNCTION booking.travel_matrix(geography[], pg_catalog.timestamptz) IS
  'booking.travel_time between every ordered pair of points (1-based indexes, diagonal included), for the acting org, with one cache scan per distinct origin cell';

CREATE FUNCTION booking.travel_matrix(
    org_id pg_catalog.uuid, points geography[], depart_at pg_catalog.timestamptz,
    OUT from_index pg_catalog.int4, OUT to_index pg_catalog.int4,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4,
    OUT source pg_catalog.text, OUT reliability pg_catalog.text)
  RETURNS SETOF record
  LANGUAGE c STABLE STRICT PARALLEL SAFE SECURITY DEFINER ROWS 2500
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_matrix';
COMMENT ON FUNCTION booking.travel_matrix(pg_catalog.uuid, geography[], pg_catalog.timestamptz) IS
  'booking.travel_matrix for the given org, without an acting identity; for administrative roles (EXECUTE is revoked from PUBLIC)';

CREATE FUNCTION booking.store_travel_time(
    org_id pg_catalog.uuid,
    origin geography, destination geography,
    driving_minutes pg_catalog.int4, distance_meters pg_catalog.int4,
    valid_until pg_catalog.timestamptz,
    traffic_multiplier pg_catalog.float8 DEFAULT 1,
    peak_hour_multiplier pg_catalog.float8 DEFAULT 1,
    time_of_day_factors pg_catalog.float8[] DEFAULT NULL,
    source pg_catalog.text DEFAULT 'manual',
    reliability pg_catalog.text DEFAULT 'medium')
  RETURNS booking.travel_time_cache
  LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  INSERT INTO booking.travel_time_cache AS c
         (org_id, from_point, to_point, driving_minutes, distance_meters, traffic_multiplier,
          peak_hour_multiplier, time_of_day_factors, cache_valid_until, source, reliability)
  VALUES (store_travel_time.org_id, booking.checked_point(origin, 'origin'), booking.checked_point(destination, 'destination'),
          driving_minutes, distance_meters, traffic_multiplier,
          peak_hour_multiplier, time_of_day_factors, valid_until, source, reliability)
  ON CONFLICT (org_id, from_hash, to_hash) DO UPDATE
     SET from_point = excluded.from_point, to_point = excluded.to_point,
         driving_minutes = excluded.driving_minutes, distance_meters = excluded.distance_meters,
         traffic_multiplier = excluded.traffic_multiplier,
         peak_hour_multiplier = excluded.peak_hour_multiplier,
         time_of_day_factors = excluded.time_of_day_factors,
         cache_valid_until = excluded.cache_valid_until,
         source = excluded.source, reliability = excluded.reliability
  RETURNING *;
END;
COMMENT ON FUNCTION booking.store_travel_time(pg_catalog.uuid, geography, geography, pg_catalog.int4, pg_catalog.int4, pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8[], pg_catalog.text, pg_catalog.text) IS
  'stores or refreshes org_id''s cache entry for the cells of origin and destination (every field checked by the table''s trigger) and returns it; runs with the caller''s rights, so row-level security limits it to the acting org (staff) unless the caller bypasses it';

CREATE FUNCTION booking.store_travel_time(
    origin geography, destination geography,
    driving_minutes pg_catalog.int4, distance_meters pg_catalog.int4,
    valid_until pg_catalog.timestamptz,
    traffic_multiplier pg_catalog.float8 DEFAULT 1,
    peak_hour_multiplier pg_catalog.float8 DEFAULT 1,
    time_of_day_factors pg_catalog.float8[] DEFAULT NULL,
    source pg_catalog.text DEFAULT 'manual',
    reliability pg_catalog.text DEFAULT 'medium')
  RETURNS booking.travel_time_cache
  LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT s.*
    FROM booking.store_travel_time(booking.current_org_id(), origin, destination, driving_minutes, distance_meters,
                                   valid_until, traffic_multiplier, peak_hour_multiplier, time_of_day_factors,
                                   source, reliability) AS s;
END;
COMMENT ON FUNCTION booking.store_travel_time(geography, geography, pg_catalog.int4, pg_catalog.int4, pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8[], pg_catalog.text, pg_catalog.text) IS
  'stores or refreshes the acting org''s cache entry for the cells of origin and destination (every field checked by the table''s trigger) and returns it';

CREATE FUNCTION booking.travel_cell(org_id pg_catalog.uuid, point geography) RETURNS pg_catalog.text
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_cell';
COMMENT ON FUNCTION booking.travel_cell(pg_catalog.uuid, geography) IS
  'the cache cell of a point for an org: its geohash at the org''s geohash_precision, as from_hash/to_hash of booking.travel_time_cache';

CREATE FUNCTION booking.travel_round_minutes(raw_minutes pg_catalog.float8) RETURNS pg_catalog.int4
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_travel_round_minutes';
COMMENT ON FUNCTION booking.travel_round_minutes(pg_catalog.float8) IS
  'whole minutes of a travel time as every travel function rounds them: ceil(raw_minutes - 0.000001), at most 100000; 22003 for NaN, infinite or negative input';
-- Optional road network: an org's road graph, and the routing source of
-- travel times.  booking.route_travel_times() routes between points over the
-- org's graph with pgrouting and stores the times in the travel time cache
-- (source 'pgrouting'), where booking.travel_time() and travel_matrix() find
-- them like any other entry.  Nothing here references pgrouting when the
-- extension is created: the function finds it at run time, so booking
-- installs and works without it (route_travel_times then raises 0A000).

CREATE TABLE booking.road_node (
  org_id  pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id      pg_catalog.int8 NOT NULL CHECK (id OPERATOR(pg_catalog.>) 0),
  point   booking.point NOT NULL CHECK (booking.checked_point(point, 'road_node.point') IS NOT NULL),
  PRIMARY KEY (org_id, id)
);
COMMENT ON TABLE booking.road_node IS
  'vertices of an org''s road graph (optional): the points that booking.route_travel_times snaps to; loaded by owners and admins, read by staff';
COMMENT ON COLUMN booking.road_node.id IS
  'vertex id of the graph, positive, unique in the org (the source and target of booking.road_edge)';
COMMENT ON COLUMN booking.road_node.point IS
  'position of the vertex: a finite, non-empty WGS 84 point';
-- nearest vertex of one org: btree_gist for the org, KNN on the point
CREATE INDEX road_node_point_idx ON booking.road_node USING gist (org_id, point);

CREATE TABLE booking.road_edge (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.int8 NOT NULL CHECK (id OPERATOR(pg_catalog.>) 0),
  source                pg_catalog.int8 NOT NULL,
  target                pg_catalog.int8 NOT NULL,
  -- NaN is larger than every number, so the upper bounds exclude it
  cost_seconds          pg_catalog.float8 NOT NULL
                          CHECK (cost_seconds OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                 AND cost_seconds OPERATOR(pg_catalog.<=) 86400::pg_catalog.float8),
  reverse_cost_seconds  pg_catalog.float8
                          CHECK (reverse_cost_seconds OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                 AND reverse_cost_seconds OPERATOR(pg_catalog.<=) 86400::pg_catalog.float8),
  length_meters         pg_catalog.float8 NOT NULL
                          CHECK (length_meters OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                 AND length_meters OPERATOR(pg_catalog.<=) 1000000::pg_catalog.float8),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, source) REFERENCES booking.road_node (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, target) REFERENCES booking.road_node (org_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE booking.road_edge IS
  'road segments of an org''s graph (optional), between two booking.road_node vertices; booking.route_travel_times routes over them with pgrouting';
COMMENT ON COLUMN booking.road_edge.id IS
  'edge id, positive, unique in the org';
COMMENT ON COLUMN booking.road_edge.source IS
  'vertex the edge leaves in its forward direction';
COMMENT ON COLUMN booking.road_edge.target IS
  'vertex the edge reaches in its forward direction';
COMMENT ON COLUMN booking.road_edge.cost_seconds IS
  'driving time from source to target in seconds, 0 to 86400';
COMMENT ON COLUMN booking.road_edge.reverse_cost_seconds IS
  'driving time from target to source in seconds, 0 to 86400; NULL for a one-way street (only source to target)';
COMMENT ON COLUMN booking.road_edge.length_meters IS
  'length of the segment in metres, 0 to 1,000,000 (summed along a route into distance_meters)';
CREATE INDEX road_edge_source_idx ON booking.road_edge (org_id, source);
CREATE INDEX road_edge_target_idx ON booking.road_edge (org_id, target);

CREATE FUNCTION booking.road_snap(org_id pg_catalog.uuid, points geography[], max_meters pg_catalog.float8)
  RETURNS TABLE (point_index pg_catalog.int4, node_id pg_catalog.int8, snap_meters pg_catalog.float8)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  -- PostGIS names are bound here, when the extension is created; the
  -- arguments carry PostGIS's exact types so that no other overload matches
  SELECT u.i::pg_catalog.int4, n.id, n.meters
    FROM pg_catalog.unnest(points) WITH ORDINALITY AS u(p, i)
    LEFT JOIN LATERAL (
      SELECT r.id, ST_Distance(r.point::geography, u.p, false) AS meters
        FROM booking.road_node r
       WHERE r.org_id OPERATOR(pg_catalog.=) road_snap.org_id
       ORDER BY r.point::geography <-> u.p, r.id
       LIMIT 1) AS n ON n.meters OPERATOR(pg_catalog.<=) max_meters
   ORDER BY u.i;
END;
COMMENT ON FUNCTION booking.road_snap(pg_catalog.uuid, geography[], pg_catalog.float8) IS
  'for each point (1-based point_index) the nearest booking.road_node of the org and its great-circle distance in metres, or NULLs when the nearest is farther than max_meters (or the org has no graph); row-level security applies';

CREATE FUNCTION booking.route_travel_times(
    org_id pg_catalog.uuid, points geography[],
    valid_for pg_catalog.interval DEFAULT '30 days',
    max_snap_meters pg_catalog.float8 DEFAULT 500,
    access_kmh pg_catalog.float8 DEFAULT 20,
    traffic_multiplier pg_catalog.float8 DEFAULT 1,
    peak_hour_multiplier pg_catalog.float8 DEFAULT 1,
    time_of_day_factors pg_catalog.float8[] DEFAULT NULL,
    OUT from_index pg_catalog.int4, OUT to_index pg_catalog.int4, OUT status pg_catalog.text,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4)
  RETURNS SETOF record
  LANGUAGE plpgsql VOLATILE ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  n pg_catalog.int4;
  i pg_catalog.int4;
  pgr pg_catalog.name;
  privileged pg_catalog.bool;
  nodes pg_catalog.int8[];
  snaps pg_catalog.float8[];
  cells pg_catalog.text[];
  vids pg_catalog.int8[];
  r_from pg_catalog.int8[];
  r_to pg_catalog.int8[];
  r_seconds pg_catalog.float8[];
  r_meters pg_catalog.float8[];
  access_mps pg_catalog.float8;
  valid_until pg_catalog.timestamptz;
  pair record;
  stored booking.travel_time_cache;
BEGIN
  -- the arguments
  IF route_travel_times.org_id IS NULL OR points IS NULL OR valid_for IS NULL OR max_snap_meters IS NULL
     OR access_kmh IS NULL OR traffic_multiplier IS NULL OR peak_hour_multiplier IS NULL THEN
    RAISE EXCEPTION 'arguments of route_travel_times must not be null (but time_of_day_factors)'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF pg_catalog.array_ndims(points) OPERATOR(pg_catalog.>) 1 THEN
    RAISE EXCEPTION 'points must be a one-dimensional array' USING ERRCODE = 'array_subscript_error';
  END IF;
  n := pg_catalog.cardinality(points);
  IF n OPERATOR(pg_catalog.>) 100 THEN
    RAISE EXCEPTION 'points: too many points to route'
      USING ERRCODE = 'program_limit_exceeded',
            DETAIL = pg_catalog.format('The array has %s points; the limit is 100 (9,900 pairs).', n),
            HINT = 'Route the points in batches: pairs between batches need both points in one call.';
  END IF;
  FOR i IN 1 .. n LOOP
    IF points[i] IS NULL THEN
      RAISE EXCEPTION 'points[%] must not be null', i USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM booking.checked_point(points[i], pg_catalog.format('points[%s]', i));
  END LOOP;
  IF valid_for OPERATOR(pg_catalog.<=) '0'::pg_catalog.interval THEN
    RAISE EXCEPTION 'valid_for must be a positive interval' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Cache entries must stay valid for some time after now(), e.g. interval ''30 days''.';
  END IF;
  IF NOT (max_snap_meters OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
          AND max_snap_meters OPERATOR(pg_catalog.<=) 100000::pg_catalog.float8) THEN
    RAISE EXCEPTION 'max_snap_meters must lie in [0, 100000], not %', max_snap_meters
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (access_kmh OPERATOR(pg_catalog.>) 0::pg_catalog.float8
          AND access_kmh OPERATOR(pg_catalog.<=) 300::pg_catalog.float8) THEN
    RAISE EXCEPTION 'access_kmh must lie in (0, 300], not %', access_kmh
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- pgrouting, found at run time
  SELECT s.nspname INTO pgr
    FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace s ON s.oid OPERATOR(pg_catalog.=) x.extnamespace
   WHERE x.extname OPERATOR(pg_catalog.=) 'pgrouting';
  IF pgr IS NULL THEN
    RAISE EXCEPTION 'routing travel times needs the pgrouting extension'
      USING ERRCODE = 'feature_not_supported',
            DETAIL = 'Extension pgrouting is not installed in this database; booking works without it, using cached and estimated times.',
            HINT = 'CREATE EXTENSION pgrouting';
  END IF;

  -- who: the acting org's staff, or a role that bypasses row-level security
  SELECT r.rolsuper OR r.rolbypassrls INTO privileged
    FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER;
  IF NOT coalesce(privileged, false) THEN
    IF booking.current_org_id() IS DISTINCT FROM route_travel_times.org_id THEN
      RAISE EXCEPTION 'route_travel_times works for the acting org only'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Call booking.act_as(org_id, user_id) first, or run it as a role that bypasses row-level security.';
    END IF;
    IF NOT booking.acting_is_staff() THEN
      RAISE EXCEPTION 'routing travel times needs an owner, admin or staff member'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF n OPERATOR(pg_catalog.<) 2 THEN
    RETURN;
  END IF;

  -- snap every point to its nearest vertex, and find its cache cell
  SELECT pg_catalog.array_agg(s.node_id ORDER BY s.point_index), pg_catalog.array_agg(s.snap_meters ORDER BY s.point_index)
    INTO nodes, snaps
    FROM booking.road_snap(route_travel_times.org_id, points, max_snap_meters) AS s;
  SELECT pg_catalog.array_agg(booking.travel_cell(route_travel_times.org_id, u.p) ORDER BY u.i)
    INTO cells
    FROM pg_catalog.unnest(points) WITH ORDINALITY AS u(p, i);
  SELECT pg_catalog.array_agg(DISTINCT v) INTO vids
    FROM pg_catalog.unnest(nodes) AS v WHERE v IS NOT NULL;

  -- one many-to-many Dijkstra over the org's edges: per pair of vertices
  -- the cost of the fastest route and the length of its edges.  The edge
  -- query is ours, reads only booking.road_edge of this org, and quotes the
  -- org as a literal.  pgrouting's SQL functions call their helpers
  -- unqualified, so its schema is on the path for this statement only,
  -- after pg_catalog.
  IF pg_catalog.cardinality(vids) OPERATOR(pg_catalog.>) 1 THEN
    PERFORM pg_catalog.set_config('search_path', pg_catalog.format('pg_catalog, %I, pg_temp', pgr), true);
    EXECUTE pg_catalog.format(
      'SELECT pg_catalog.array_agg(r.start_vid), pg_catalog.array_agg(r.end_vid),
              pg_catalog.array_agg(r.seconds), pg_catalog.array_agg(r.meters)
         FROM (SELECT d.start_vid, d.end_vid, pg_catalog.max(d.agg_cost) AS seconds,
                      coalesce(pg_catalog.sum(e.length_meters), 0::pg_catalog.float8) AS meters
                 FROM %I.pgr_dijkstra(%L, $1, $1, true) AS d
                 LEFT JOIN booking.road_edge e
                        ON e.org_id OPERATOR(pg_catalog.=) %L::pg_catalog.uuid AND e.id OPERATOR(pg_catalog.=) d.edge
                GROUP BY d.start_vid, d.end_vid) AS r',
      pgr,
      pg_catalog.format(
        'SELECT e.id, e.source, e.target, e.cost_seconds AS cost,
                coalesce(e.reverse_cost_seconds, ''-1''::pg_catalog.float8) AS reverse_cost
           FROM booking.road_edge e
          WHERE e.org_id OPERATOR(pg_catalog.=) %L::pg_catalog.uuid',
        route_travel_times.org_id),
      route_travel_times.org_id)
      INTO r_from, r_to, r_seconds, r_meters
      USING vids;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  END IF;

  -- every ordered pair of points: judge it, store the routable ones.  A pair
  -- is stored only if no earlier pair (in index order) was stored for the
  -- same two cells, since one cache entry serves both.
  access_mps := access_kmh OPERATOR(pg_catalog.*) 1000::pg_catalog.float8 OPERATOR(pg_catalog./) 3600::pg_catalog.float8;
  valid_until := pg_catalog.now() OPERATOR(pg_catalog.+) valid_for;
  FOR pair IN
    WITH pt AS (
      SELECT u.i::pg_catalog.int4 AS i, u.p, nodes[u.i] AS node, snaps[u.i] AS snap, cells[u.i] AS cell
        FROM pg_catalog.unnest(points) WITH ORDINALITY AS u(p, i)),
    route AS (
      SELECT x.src, x.dst, x.seconds, x.meters
        FROM ROWS FROM (pg_catalog.unnest(r_from), pg_catalog.unnest(r_to), pg_catalog.unnest(r_seconds),
                       pg_catalog.unnest(r_meters)) AS x(src, dst, seconds, meters)),
    judged AS (
      SELECT a.i AS fi, b.i AS ti, a.p AS fp, b.p AS tp, a.cell AS fc, b.cell AS tc,
             CASE WHEN a.cell OPERATOR(pg_catalog.=) b.cell THEN 'same_cell'
                  WHEN a.node IS NULL OR b.node IS NULL THEN 'not_snapped'
                  WHEN a.node OPERATOR(pg_catalog.<>) b.node AND r.src IS NULL THEN 'unreachable'
                  ELSE 'stored' END AS st,
             -- (OPERATOR() syntax gives every operator one precedence: parenthesize)
             coalesce(r.seconds, 0::pg_catalog.float8)
               OPERATOR(pg_catalog.+) ((a.snap OPERATOR(pg_catalog.+) b.snap) OPERATOR(pg_catalog./) access_mps) AS seconds,
             coalesce(r.meters, 0::pg_catalog.float8) OPERATOR(pg_catalog.+) a.snap OPERATOR(pg_catalog.+) b.snap AS meters
        FROM pt a
        JOIN pt b ON a.i OPERATOR(pg_catalog.<>) b.i
        LEFT JOIN route r ON r.src OPERATOR(pg_catalog.=) a.node AND r.dst OPERATOR(pg_catalog.=) b.node)
    SELECT j.fi, j.ti, j.fp, j.tp, j.seconds, j.meters,
           CASE WHEN j.st OPERATOR(pg_catalog.=) 'stored'
                 AND pg_catalog.row_number() OVER (PARTITION BY j.st, j.fc, j.tc ORDER BY j.fi, j.ti) OPERATOR(pg_catalog.>) 1
                THEN 'duplicate' ELSE j.st END AS st
      FROM judged j
     ORDER BY j.fi, j.ti
  LOOP
    from_index := pair.fi;
    to_index := pair.ti;
    status := pair.st;
    minutes := NULL;
    distance_meters := NULL;
    IF pair.st OPERATOR(pg_catalog.=) 'stored' THEN
      stored := booking.store_travel_time(
        route_travel_times.org_id, pair.fp, pair.tp,
        booking.travel_round_minutes(pair.seconds OPERATOR(pg_catalog./) 60::pg_catalog.float8),
        pg_catalog.round(LEAST(pair.meters, 40000000::pg_catalog.float8))::pg_catalog.int4,
        valid_until, traffic_multiplier, peak_hour_multiplier, time_of_day_factors,
        'pgrouting', 'high');
      minutes := stored.driving_minutes;
      distance_meters := stored.distance_meters;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.route_travel_times(pg_catalog.uuid, geography[], pg_catalog.interval, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8[]) IS
  'routes every ordered pair of points (at most 100) over org_id''s road graph with pgrouting and stores each time in the travel time cache (source pgrouting, reliability high, valid for valid_for); a point is snapped to its nearest vertex within max_snap_meters and the snapping distance is driven at access_kmh. Returns per pair: status stored (with the minutes and metres), unreachable, not_snapped, same_cell or duplicate. Runs with the caller''s rights: the acting org''s staff, or a role that bypasses row-level security for any org. Needs pgrouting (0A000 without it)';

CREATE FUNCTION booking.route_travel_times(
    points geography[],
    valid_for pg_catalog.interval DEFAULT '30 days',
    max_snap_meters pg_catalog.float8 DEFAULT 500,
    access_kmh pg_catalog.float8 DEFAULT 20,
    traffic_multiplier pg_catalog.float8 DEFAULT 1,
    peak_hour_multiplier pg_catalog.float8 DEFAULT 1,
    time_of_day_factors pg_catalog.float8[] DEFAULT NULL,
    OUT from_index pg_catalog.int4, OUT to_index pg_catalog.int4, OUT status pg_catalog.text,
    OUT minutes pg_catalog.int4, OUT distance_meters pg_catalog.int4)
  RETURNS SETOF record
  LANGUAGE plpgsql VOLATILE ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF booking.current_org_id() IS NULL THEN
    RAISE EXCEPTION 'no acting org'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Call booking.act_as(org_id, user_id) first, or use the overload that takes an org_id.';
  END IF;
  RETURN QUERY
    SELECT r.from_index, r.to_index, r.status, r.minutes, r.distance_meters
      FROM booking.route_travel_times(booking.current_org_id(), points, valid_for, max_snap_meters, access_kmh,
                                      traffic_multiplier, peak_hour_multiplier, time_of_day_factors) AS r;
END
$$;
COMMENT ON FUNCTION booking.route_travel_times(geography[], pg_catalog.interval, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8[]) IS
  'booking.route_travel_times for the acting org (owner, admin or staff)';
-- The write path: every INSERT or UPDATE of a booking, whoever writes it, is
-- checked here (and by the constraints of booking.booking) before it lands.
--
--   * appointments: duration equals the service's; buffers are copied from
--     the service onto the row, and the exclusion constraint
--     booking_no_overlap refuses an overlap of the padded intervals;
--     writers of one resource and local day are serialised by
--     booking.lock_scope (an appointment locks its days and the day
--     before and after, where a neighbour it must leave travel time to can
--     be), under which booking.check_slot judges the time by exactly the
--     solver's rules (working hours, grid, notice, horizon, daily maximum,
--     buffers, travel gap; an owner or admin may override the first five
--     with override_reason, never the others);
--   * sessions: a scheduled session and its resource's appointments never
--     overlap (buffers included), under the same resource-day locks;
--   * sessions: seats taken (booking.seats_taken) never exceed the capacity;
--     writers of one session are serialised by booking.lock_session; a full
--     session takes waitlist entries, and seats freed by a cancellation (or
--     any other change) go to the waitlist in the same transaction
--     (booking.promote_waitlist);
--   * holds: a booking with hold_expires_at takes its time or seats until
--     then; a writer that needs them expires it first, under the lock
--     (booking.expire_holds), so no sweeper is needed;
--   * idempotency: the same key within an org is the same request
--     (booking.book returns the existing booking), a different request with
--     it is an error;
--   * eligibility: license compatibility, age limits, lesson length,
--     prerequisites and parental consent (booking.eligibility_problems).
--
-- SQLSTATEs raised here (documented in the README):
--   22K01 duration does not match the service      23K01 session full
--   22K02 booking does not match its session       23K02 capacity below seats taken
--   22K03 session not bookable (started/cancelled) 23K03 idempotency key reused
--   22K04 waitlist entry without a session         23K04 client not eligible
--   22K05 hold expiry not in the future            23K05 hold expired
--   42501 override_reason by a non-admin           23K06-23K15, 23P01: the solver's
--                                                  rules (booking.check_slot)
-- and from the constraints: 23P01 overlap, 23503 unknown or other org's
-- reference, 23514 malformed values, 22P02 unknown status.

-- The locks of the write path are rows: one per resource and local day, one
-- per session, in booking.write_lock.  Every writer of a scope upserts its
-- row and so holds the row lock until it commits; a concurrent writer of
-- the same scope waits for it.  A row (not an advisory lock) because it also
-- protects REPEATABLE READ and SERIALIZABLE transactions, whatever isolation
-- level the other writer uses: a transaction whose snapshot predates the
-- other writer's commit cannot read that writer's booking, but its upsert
-- of the row the other writer changed fails with 40001 instead of checking
-- an old picture.  READ COMMITTED transactions read a fresh snapshot in
-- each statement of the checks that follow the lock.
CREATE TABLE booking.write_lock (
  org_id    pg_catalog.uuid NOT NULL REFERENCES booking.org (id) ON DELETE CASCADE,
  scope_id  pg_catalog.uuid NOT NULL,
  day       pg_catalog.date NOT NULL,
  writes    pg_catalog.int8 NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, scope_id, day)
);
COMMENT ON TABLE booking.write_lock IS
  'internal: the write path''s locks, one row per resource and local day and one per session (day = infinity); a writer upserts the row of every scope it writes and holds its lock until commit';
COMMENT ON COLUMN booking.write_lock.scope_id IS 'the resource (with day = a local day) or the session (with day = infinity)';
COMMENT ON COLUMN booking.write_lock.writes IS 'number of write transactions that took the lock (a version counter)';

-- The one upsert of the locks: the rows of one scope for the given days, in
-- the array's order (callers pass dates in ascending order, so that two
-- writers never take the same rows in opposite orders).
CREATE FUNCTION booking.lock_scope(org_id pg_catalog.uuid, scope_id pg_catalog.uuid, days pg_catalog.date[])
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  INSERT INTO booking.write_lock AS w (org_id, scope_id, day)
  SELECT lock_scope.org_id, lock_scope.scope_id, d.day
    FROM pg_catalog.unnest(days) WITH ORDINALITY AS d(day, n)
   ORDER BY d.n
  ON CONFLICT ON CONSTRAINT write_lock_pkey DO UPDATE SET writes = w.writes OPERATOR(pg_catalog.+) 1;
END
$$;
COMMENT ON FUNCTION booking.lock_scope(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date[]) IS
  'internal: take the write locks of one scope (a resource on the given local days, or a session with day infinity) until the end of the transaction, in the order given; a REPEATABLE READ or SERIALIZABLE transaction that missed a concurrent writer''s commit fails here with 40001';

-- The local days a writer of an interval locks: in C, since it runs for
-- every appointment written, and without a SET clause (it resolves no name).
CREATE FUNCTION booking.local_days(zone pg_catalog.text, during pg_catalog.tstzrange, margin pg_catalog.int4)
  RETURNS pg_catalog.date[]
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_local_days';
COMMENT ON FUNCTION booking.local_days(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.int4) IS
  'the local dates (in zone) the instants of during fall on, and margin days before and after, in ascending order (at most 1,000 days, margin 0 to 1,000): the days whose write locks a writer of during takes';

CREATE FUNCTION booking.lock_resource_day(org_id pg_catalog.uuid, resource_id pg_catalog.uuid, day pg_catalog.date)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.lock_scope(org_id, resource_id, ARRAY[day]);
  END;
COMMENT ON FUNCTION booking.lock_resource_day(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date) IS
  'serialise the writers of one resource and local day until the end of the transaction (a row lock in booking.write_lock; a REPEATABLE READ or SERIALIZABLE writer that missed a concurrent commit fails with 40001); the write trigger takes it for every local day an appointment''s padded interval touches, in date order, before it checks anything';

CREATE FUNCTION booking.lock_resource_days(org_id pg_catalog.uuid, resource_id pg_catalog.uuid,
                                           zone pg_catalog.text, during pg_catalog.tstzrange, margin pg_catalog.int4)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.lock_scope(org_id, resource_id, booking.local_days(zone, during, margin));
  END;
COMMENT ON FUNCTION booking.lock_resource_days(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.tstzrange, pg_catalog.int4) IS
  'booking.lock_resource_day for every local date (in zone) the interval touches and margin days before and after, in date order (booking.local_days)';

CREATE FUNCTION booking.lock_session(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.lock_scope(org_id, session_id, ARRAY['infinity'::pg_catalog.date]);
  END;
COMMENT ON FUNCTION booking.lock_session(pg_catalog.uuid, pg_catalog.uuid) IS
  'serialise the writers of one session''s seats and capacity until the end of the transaction (a row lock in booking.write_lock, like booking.lock_resource_day)';

-- The request a booking row stands for, for idempotency: who, what, when,
-- where and how many, as the writer gave them (before the write trigger
-- fills anything in).  Status, price, notes and the hold's expiry are not
-- part of it.
CREATE FUNCTION booking.request_fingerprint(b booking.booking) RETURNS pg_catalog.text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT pg_catalog.md5(pg_catalog.concat_ws('|', b.client_id, b.resource_id, b.service_id, b.session_id, b.seats,
             pg_catalog.date_part('epoch', b.starts_at), pg_catalog.date_part('epoch', b.ends_at),
             b.pickup_point::pg_catalog.text, b.pickup_address, b.dropoff_point::pg_catalog.text, b.dropoff_address));
  END;
COMMENT ON FUNCTION booking.request_fingerprint(booking.booking) IS
  'md5 of the request a booking row stands for (client, resource, service, session, seats, start, end, pickup and dropoff); equal fingerprints under one idempotency key mean the same request';

CREATE FUNCTION booking.seats_taken_except(org_id pg_catalog.uuid, session_id pg_catalog.uuid, except_id pg_catalog.uuid)
  RETURNS pg_catalog.int8
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.sum(b.seats), 0)::pg_catalog.int8
      FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) seats_taken_except.org_id
       AND b.session_id OPERATOR(pg_catalog.=) seats_taken_except.session_id
       AND b.id IS DISTINCT FROM seats_taken_except.except_id
       AND booking.occupies_now(b.status, b.hold_expires_at);
  END;
COMMENT ON FUNCTION booking.seats_taken_except(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid) IS
  'booking.seats_taken without one booking (the one being written; NULL: none left out)';

CREATE FUNCTION booking.seats_taken(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS pg_catalog.int8
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN booking.seats_taken_except(org_id, session_id, NULL);
COMMENT ON FUNCTION booking.seats_taken(pg_catalog.uuid, pg_catalog.uuid) IS
  'seats of a session taken now: the sum of seats of its bookings for which booking.occupies_now holds (as far as the caller sees them)';

-- Whether the role the session acts as (SET ROLE's role, else the login
-- role; never the owner a SECURITY DEFINER function runs as) is a superuser
-- or has BYPASSRLS.
CREATE FUNCTION booking.login_bypasses_rls() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE((SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r
                      WHERE r.rolname OPERATOR(pg_catalog.=)
                            COALESCE(NULLIF(pg_catalog.current_setting('role'), 'none'), SESSION_USER::pg_catalog.text)), false);
  END;
COMMENT ON FUNCTION booking.login_bypasses_rls() IS
  'true when the role the session acts as (the role of SET ROLE, else the login role) is a superuser or has BYPASSRLS, so that row-level security does not apply to it; SECURITY DEFINER functions use it to know their caller';

-- Who writes without an identity: a superuser or BYPASSRLS role doing
-- maintenance (pg_restore, data loads).  Such writes skip the checks that
-- depend on the time of writing or on other rows' current state
-- (eligibility, a session that has started, a hold's expiry in the past);
-- the invariants (overlap, capacity, duration, session match) still hold.
CREATE FUNCTION booking.writing_as_maintenance() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT booking.current_org_id() IS NULL AND booking.login_bypasses_rls();
  END;
COMMENT ON FUNCTION booking.writing_as_maintenance() IS
  'true when the session''s login role is a superuser or BYPASSRLS and no identity is set: the write path then skips eligibility and time-dependent checks (restores and data loads), never the invariants';

-- Eligibility: one function decides it for the write trigger and for the
-- solver.  Every problem is one row; no row means eligible.  Its queries are
-- key lookups whatever the arguments, so they keep one generic plan instead
-- of being planned again for every booking written.
CREATE FUNCTION booking.eligibility_problems(org_id pg_catalog.uuid, resource_id pg_catalog.uuid,
                                             service_id pg_catalog.uuid, client_id pg_catalog.uuid,
                                             on_date pg_catalog.date)
  RETURNS TABLE (rule_id pg_catalog.uuid, reason pg_catalog.text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  caller_org pg_catalog.uuid := booking.current_org_id();
  x record;
  prerequisite pg_catalog.text;
BEGIN
  -- Runs with the owner's rights (a client's guardians and past lessons are
  -- not visible to every caller), so it answers only about the acting org
  -- and, below staff, only for one's own clients or resources.
  IF caller_org IS NULL OR caller_org OPERATOR(pg_catalog.<>) eligibility_problems.org_id
     OR NOT (booking.acting_is_staff()
             OR eligibility_problems.client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())
             OR eligibility_problems.resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())) THEN
    IF NOT booking.login_bypasses_rls() THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'eligibility can only be asked for the acting org''s own clients or resources',
        HINT = 'Call booking.act_as first; below staff, ask only for your own client or resource.';
    END IF;
  END IF;

  -- What the rules read, in one row: the client, service and resource, the
  -- org's license rule for this license type and lesson type, and the age
  -- of majority.  A missing client, service or resource is no problem here
  -- (a foreign key reports it); without an active rule there is no license
  -- restriction.
  SELECT c.id IS NOT NULL AS client_found, c.active AS client_active, c.date_of_birth,
         pg_catalog.date_part('year', pg_catalog.age(eligibility_problems.on_date::pg_catalog.timestamp,
                                                      c.date_of_birth::pg_catalog.timestamp))::pg_catalog.int4 AS age,
         s.active AS service_active, s.duration_minutes,
         r.id IS NOT NULL AS resource_found, r.active AS resource_active, r.license_classes,
         lr.id AS rule, lr.client_license_type, lr.lesson_type, lr.is_compatible, lr.required_resource_license,
         lr.min_client_age, lr.max_client_age, lr.min_duration_minutes, lr.max_duration_minutes,
         lr.prerequisites, lr.requires_parental_consent,
         o.id IS NOT NULL AS org_found,
         COALESCE((o.settings OPERATOR(pg_catalog.->>) 'age_of_majority')::pg_catalog.int4, 18) AS majority
    INTO x
    FROM (SELECT) AS one
    LEFT JOIN booking.client c
      ON c.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND c.id OPERATOR(pg_catalog.=) eligibility_problems.client_id
    LEFT JOIN booking.service s
      ON s.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND s.id OPERATOR(pg_catalog.=) eligibility_problems.service_id
    LEFT JOIN booking.resource r
      ON r.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND r.id OPERATOR(pg_catalog.=) eligibility_problems.resource_id
    LEFT JOIN booking.license_rule lr
      ON lr.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
     AND lr.client_license_type OPERATOR(pg_catalog.=) c.license_type
     AND lr.lesson_type OPERATOR(pg_catalog.=) s.lesson_type
     AND lr.active
    LEFT JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) eligibility_problems.org_id;

  rule_id := NULL;
  IF x.client_found AND NOT x.client_active THEN
    reason := 'client is inactive'; RETURN NEXT;
  END IF;
  IF NOT x.service_active THEN
    reason := 'service is inactive'; RETURN NEXT;
  END IF;
  IF x.resource_found AND NOT x.resource_active THEN
    reason := 'resource is inactive'; RETURN NEXT;
  END IF;
  IF x.rule IS NULL THEN
    RETURN;
  END IF;

  rule_id := x.rule;
  IF NOT x.is_compatible THEN
    reason := pg_catalog.format('license type %s may not take %s lessons', x.client_license_type, x.lesson_type);
    RETURN NEXT;
  END IF;
  IF x.resource_found AND x.required_resource_license IS NOT NULL
     AND NOT x.required_resource_license OPERATOR(pg_catalog.=) ANY (x.license_classes) THEN
    reason := pg_catalog.format('the resource lacks license class %s', x.required_resource_license);
    RETURN NEXT;
  END IF;
  IF x.date_of_birth IS NULL AND (x.min_client_age IS NOT NULL OR x.max_client_age IS NOT NULL) THEN
    reason := 'date of birth unknown, the rule has an age limit'; RETURN NEXT;
  END IF;
  IF x.age OPERATOR(pg_catalog.<) x.min_client_age THEN
    reason := pg_catalog.format('client is %s on %s, younger than %s', x.age, eligibility_problems.on_date, x.min_client_age);
    RETURN NEXT;
  END IF;
  IF x.age OPERATOR(pg_catalog.>) x.max_client_age THEN
    reason := pg_catalog.format('client is %s on %s, older than %s', x.age, eligibility_problems.on_date, x.max_client_age);
    RETURN NEXT;
  END IF;
  IF x.duration_minutes OPERATOR(pg_catalog.<) x.min_duration_minutes THEN
    reason := pg_catalog.format('a %s-minute lesson is shorter than the rule''s %s minutes', x.duration_minutes, x.min_duration_minutes);
    RETURN NEXT;
  END IF;
  IF x.duration_minutes OPERATOR(pg_catalog.>) x.max_duration_minutes THEN
    reason := pg_catalog.format('a %s-minute lesson is longer than the rule''s %s minutes', x.duration_minutes, x.max_duration_minutes);
    RETURN NEXT;
  END IF;
  IF x.prerequisites OPERATOR(pg_catalog.<>) '[]'::pg_catalog.jsonb THEN
    FOR prerequisite IN SELECT pg_catalog.jsonb_array_elements_text(x.prerequisites) LOOP
      IF NOT EXISTS (
        SELECT 1 FROM booking.booking b
          JOIN booking.service ps ON ps.org_id OPERATOR(pg_catalog.=) b.org_id AND ps.id OPERATOR(pg_catalog.=) b.service_id
         WHERE b.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
           AND b.client_id OPERATOR(pg_catalog.=) eligibility_problems.client_id
           AND b.status OPERATOR(pg_catalog.=) 'completed'::booking.booking_status
           AND ps.lesson_type OPERATOR(pg_catalog.=) prerequisite) THEN
        reason := pg_catalog.format('prerequisite not completed: a %s lesson', prerequisite);
        RETURN NEXT;
      END IF;
    END LOOP;
  END IF;
  IF x.requires_parental_consent AND x.org_found
     AND (x.age IS NULL OR x.age OPERATOR(pg_catalog.<) x.majority)
     AND NOT EXISTS (
       SELECT 1 FROM booking.client_guardian cg
        WHERE cg.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
          AND cg.client_id OPERATOR(pg_catalog.=) eligibility_problems.client_id
          AND cg.consent_given_at IS NOT NULL
          AND cg.consent_given_at OPERATOR(pg_catalog.<=) pg_catalog.now()) THEN
    reason := 'parental consent missing: no guardian of the client has given consent';
    RETURN NEXT;
  END IF;
END
$$;
COMMENT ON FUNCTION booking.eligibility_problems(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date) IS
  'why client_id may not book service_id with resource_id on local date on_date: one row per problem (rule_id NULL for an inactive client, service or resource), none when eligible. The license rule of (client license type, service lesson type) applies if active: compatibility, the resource''s license class, age limits on on_date, lesson length, completed prerequisite lesson types, and parental consent (a guardian link with consent given) for a client under the org''s age of majority (settings.age_of_majority, default 18) or of unknown age. No rule, no license restriction';

-- Hold expiry: a writer that needs the time or seats of an expired hold
-- expires it first (status expired, a system transition).
CREATE FUNCTION booking.expire_holds(org_id pg_catalog.uuid, resource_id pg_catalog.uuid,
                                     session_id pg_catalog.uuid, during pg_catalog.tstzrange)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  n pg_catalog.int4;
BEGIN
  IF expire_holds.session_id IS NOT NULL THEN
    UPDATE booking.booking b SET status = 'expired'
     WHERE b.org_id OPERATOR(pg_catalog.=) expire_holds.org_id
       AND b.session_id OPERATOR(pg_catalog.=) expire_holds.session_id
       AND booking.status_occupies(b.status)
       AND b.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now();
  ELSE
    UPDATE booking.booking b SET status = 'expired'
     WHERE b.org_id OPERATOR(pg_catalog.=) expire_holds.org_id
       AND b.resource_id OPERATOR(pg_catalog.=) expire_holds.resource_id
       AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
           OPERATOR(pg_catalog.&&) expire_holds.during
       AND b.session_id IS NULL
       AND booking.status_occupies(b.status)
       AND b.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now();
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.expire_holds(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange) IS
  'internal: set the status of the expired holds of a session (session_id given) or of a resource''s appointments whose padded interval meets during to expired, as a system transition; returns how many';

-- Waitlist promotion: while the first waitlisted booking of the session
-- (by created_at, then id) fits into the free seats, it becomes pending.
-- Strictly first come, first served: a later, smaller entry never passes a
-- waiting larger one.
CREATE FUNCTION booking.promote_waitlist(org_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  cap pg_catalog.int4;
  candidate pg_catalog.uuid;
  wanted pg_catalog.int4;
  n pg_catalog.int4 := 0;
BEGIN
  PERFORM booking.lock_session(promote_waitlist.org_id, promote_waitlist.session_id);
  SELECT s.capacity INTO cap FROM booking.session s
   WHERE s.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND s.id OPERATOR(pg_catalog.=) promote_waitlist.session_id
     AND s.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  LOOP
    SELECT b.id INTO candidate FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id
       AND b.session_id OPERATOR(pg_catalog.=) promote_waitlist.session_id
       AND b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
     ORDER BY b.created_at, b.id
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    -- Lock it; a concurrent change (its cancellation) wins, then look again.
    SELECT b.seats INTO wanted FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND b.id OPERATOR(pg_catalog.=) candidate
       AND b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status
     FOR UPDATE;
    CONTINUE WHEN NOT FOUND;
    EXIT WHEN wanted OPERATOR(pg_catalog.>)
              (cap OPERATOR(pg_catalog.-) booking.seats_taken(promote_waitlist.org_id, promote_waitlist.session_id));
    UPDATE booking.booking b SET status = 'pending'
     WHERE b.org_id OPERATOR(pg_catalog.=) promote_waitlist.org_id AND b.id OPERATOR(pg_catalog.=) candidate;
    n := n OPERATOR(pg_catalog.+) 1;
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.promote_waitlist(pg_catalog.uuid, pg_catalog.uuid) IS
  'move the first waitlisted bookings of a session (first come, first served) to pending while their seats fit, as system transitions; runs by itself when seats are freed; returns how many were promoted';

CREATE FUNCTION booking.tg_write_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  is_insert pg_catalog.bool := TG_OP OPERATOR(pg_catalog.=) 'INSERT';
  maintenance pg_catalog.bool := false;
  zone pg_catalog.text;
  svc record;
  ses record;
  occupies pg_catalog.bool;
  claims pg_catalog.bool;
  padded pg_catalog.tstzrange;
  d pg_catalog.date;
  free pg_catalog.int8;
  cap pg_catalog.int4;
  problems pg_catalog.text;
  rules pg_catalog.text[];
  stored_fingerprint pg_catalog.text;
BEGIN
  IF is_insert THEN
    -- A writer without the org's identity learns nothing from our checks
    -- (this runs before row-level security's WITH CHECK).
    IF NEW.org_id IS DISTINCT FROM booking.current_org_id() AND NOT booking.login_bypasses_rls() THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'new row violates row-level security policy for table "booking"',
        DETAIL = 'The booking''s org is not the acting org.';
    END IF;
    maintenance := booking.current_org_id() IS NULL AND booking.writing_as_maintenance();
    IF NEW.idempotency_key IS NOT NULL THEN
      NEW.idempotency_fingerprint := booking.request_fingerprint(NEW);
    ELSE
      NEW.idempotency_fingerprint := NULL;
    END IF;
  ELSE
    -- Nothing the write path cares about changed: keep the copied values.
    NEW.idempotency_fingerprint := CASE WHEN NEW.idempotency_key IS NOT DISTINCT FROM OLD.idempotency_key
                                        THEN OLD.idempotency_fingerprint END;
    IF NEW.service_id IS NOT DISTINCT FROM OLD.service_id THEN
      NEW.buffer_before_minutes := OLD.buffer_before_minutes;
      NEW.buffer_after_minutes := OLD.buffer_after_minutes;
    END IF;
    IF NEW.status IS NOT DISTINCT FROM OLD.status AND NEW.starts_at IS NOT DISTINCT FROM OLD.starts_at
       AND NEW.ends_at IS NOT DISTINCT FROM OLD.ends_at AND NEW.resource_id IS NOT DISTINCT FROM OLD.resource_id
       AND NEW.session_id IS NOT DISTINCT FROM OLD.session_id AND NEW.seats IS NOT DISTINCT FROM OLD.seats
       AND NEW.service_id IS NOT DISTINCT FROM OLD.service_id AND NEW.client_id IS NOT DISTINCT FROM OLD.client_id
       AND NEW.hold_expires_at IS NOT DISTINCT FROM OLD.hold_expires_at
       AND NEW.org_id IS NOT DISTINCT FROM OLD.org_id THEN
      RETURN NEW;
    END IF;
    maintenance := booking.current_org_id() IS NULL AND booking.writing_as_maintenance();
  END IF;

  -- A session booking: what the session says, filled in where not given.
  IF NEW.session_id IS NOT NULL THEN
    SELECT s.* INTO ses FROM booking.session s
     WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.session_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = 'booking refers to an unknown session',
        DETAIL = pg_catalog.format('Session %s does not exist in org %s.', NEW.session_id, NEW.org_id);
    END IF;
    NEW.starts_at := COALESCE(NEW.starts_at, ses.starts_at);
    NEW.ends_at := COALESCE(NEW.ends_at, ses.ends_at);
    NEW.resource_id := COALESCE(NEW.resource_id, ses.resource_id);
    NEW.service_id := COALESCE(NEW.service_id, ses.service_id);
    NEW.currency := COALESCE(NEW.currency, ses.currency);
    IF NEW.starts_at OPERATOR(pg_catalog.<>) ses.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) ses.ends_at
       OR NEW.resource_id OPERATOR(pg_catalog.<>) ses.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) ses.service_id THEN
      RAISE EXCEPTION USING ERRCODE = '22K02',
        MESSAGE = 'booking does not match its session',
        DETAIL = pg_catalog.format('Session %s runs %s to %s with resource %s and service %s.',
                                   ses.id, ses.starts_at, ses.ends_at, ses.resource_id, ses.service_id),
        HINT = 'Leave starts_at, ends_at, resource_id and service_id out; they are taken from the session.';
    END IF;
  ELSIF NEW.resource_id IS NULL THEN
    RETURN NEW;                           -- booking_resource_or_session reports it
  ELSIF NEW.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status THEN
    RAISE EXCEPTION USING ERRCODE = '22K04',
      MESSAGE = 'only a session booking can be waitlisted',
      HINT = 'An appointment is either booked or refused; pick another time.';
  END IF;

  SELECT o.time_zone::pg_catalog.text AS zone, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes,
         r.id IS NOT NULL AS resource_found
    INTO svc
    FROM booking.service s JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) s.org_id
    LEFT JOIN booking.resource r ON r.org_id OPERATOR(pg_catalog.=) s.org_id AND r.id OPERATOR(pg_catalog.=) NEW.resource_id
   WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.service_id;
  IF NOT FOUND OR NOT svc.resource_found OR NEW.starts_at IS NULL OR NEW.ends_at IS NULL
     OR NEW.ends_at OPERATOR(pg_catalog.<=) NEW.starts_at THEN
    RETURN NEW;                           -- a foreign key, NOT NULL or CHECK reports it
  END IF;
  zone := svc.zone;
  IF is_insert OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id THEN
    NEW.buffer_before_minutes := svc.buffer_before_minutes;
    NEW.buffer_after_minutes := svc.buffer_after_minutes;
  END IF;

  IF NEW.session_id IS NULL
     AND (NEW.ends_at OPERATOR(pg_catalog.-) NEW.starts_at)
         OPERATOR(pg_catalog.<>) (svc.duration_minutes OPERATOR(pg_catalog.*) '1 minute'::pg_catalog.interval) THEN
    RAISE EXCEPTION USING ERRCODE = '22K01',
      MESSAGE = 'booking duration does not match its service',
      DETAIL = pg_catalog.format('The service takes %s minutes; the booking runs %s to %s.',
                                 svc.duration_minutes, NEW.starts_at, NEW.ends_at),
      HINT = 'Set ends_at to starts_at plus the service''s duration, or book another service.';
  END IF;

  occupies := booking.occupies_now(NEW.status, NEW.hold_expires_at);
  -- Does this write newly claim time or seats?
  claims := booking.status_occupies(NEW.status)
            AND (is_insert OR NOT booking.occupies_now(OLD.status, OLD.hold_expires_at)
                 OR NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
                 OR NEW.resource_id IS DISTINCT FROM OLD.resource_id OR NEW.session_id IS DISTINCT FROM OLD.session_id
                 OR NEW.seats OPERATOR(pg_catalog.>) OLD.seats OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id);

  IF NOT maintenance THEN
    -- Only an owner or admin overrides rules; what was overridden is
    -- recorded by the rule check below.
    IF NEW.override_reason IS NOT NULL AND NOT booking.acting_is_admin()
       AND (is_insert OR NEW.override_reason IS DISTINCT FROM OLD.override_reason) THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'only an owner or admin may override booking rules',
        HINT = 'Leave override_reason out; booking.available_slots() lists the bookable times.';
    END IF;
    IF NOT is_insert AND NEW.override_reason IS DISTINCT FROM OLD.override_reason THEN
      claims := claims OR booking.status_occupies(NEW.status);   -- judge the time again
    END IF;
    -- Holds: a new one must expire in the future; an expired one is over.
    IF NEW.hold_expires_at IS NOT NULL AND booking.status_occupies(NEW.status) AND NOT occupies
       AND (is_insert OR NEW.hold_expires_at IS DISTINCT FROM OLD.hold_expires_at) THEN
      RAISE EXCEPTION USING ERRCODE = '22K05',
        MESSAGE = 'hold expiry must be in the future',
        DETAIL = pg_catalog.format('hold_expires_at is %s, now is %s.', NEW.hold_expires_at, pg_catalog.now());
    END IF;
    IF NOT is_insert AND OLD.hold_expires_at IS NOT NULL
       AND booking.status_occupies(OLD.status) AND NOT booking.occupies_now(OLD.status, OLD.hold_expires_at)
       AND booking.status_occupies(NEW.status) AND NOT booking.acting_is_system() THEN
      RAISE EXCEPTION USING ERRCODE = '23K05',
        MESSAGE = 'hold has expired',
        DETAIL = pg_catalog.format('Booking %s was held until %s.', OLD.id, OLD.hold_expires_at),
        HINT = 'Its time or seats may already be taken; book again.';
    END IF;
    -- A session that has started, or is no longer scheduled, takes no new booking.
    IF NEW.session_id IS NOT NULL THEN
      IF booking.status_is_open(NEW.status) AND (is_insert OR NEW.session_id IS DISTINCT FROM OLD.session_id)
         AND (ses.starts_at OPERATOR(pg_catalog.<=) pg_catalog.now() OR ses.status OPERATOR(pg_catalog.<>) 'scheduled'::booking.session_status) THEN
        RAISE EXCEPTION USING ERRCODE = '22K03',
          MESSAGE = 'session is not open for booking',
          DETAIL = pg_catalog.format('Session %s is %s and starts at %s.', ses.id, ses.status, ses.starts_at);
      END IF;
    END IF;
  END IF;

  IF NEW.session_id IS NOT NULL AND (claims OR (is_insert AND NEW.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status)) THEN
    PERFORM booking.lock_session(NEW.org_id, NEW.session_id);
    -- Seats of lapsed holds are free (booking.seats_taken ignores them),
    -- but the waitlist gets them before a newcomer: expire those holds
    -- first, which promotes the waitlist.  (Not when the waitlist itself
    -- is being written: promotion must not touch the row being updated.)
    IF (is_insert OR OLD.status OPERATOR(pg_catalog.<>) 'waitlisted'::booking.booking_status)
       AND EXISTS (SELECT 1 FROM booking.booking b
                    WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.session_id OPERATOR(pg_catalog.=) NEW.session_id
                      AND b.status OPERATOR(pg_catalog.=) 'waitlisted'::booking.booking_status) THEN
      PERFORM booking.expire_holds(NEW.org_id, NULL, NEW.session_id, NULL);
    END IF;
  END IF;

  IF claims AND NEW.session_id IS NULL THEN
    padded := booking.padded_range(NEW.starts_at, NEW.ends_at, NEW.buffer_before_minutes, NEW.buffer_after_minutes);
    -- Its days and the day on either side: a neighbour it must leave
    -- travel time to (at most a day: booking.check_slot caps travel and
    -- the travel buffer there) starts or ends within them.
    PERFORM booking.lock_scope(NEW.org_id, NEW.resource_id, booking.local_days(zone, padded, 1));
  END IF;

  -- A request sent again under its idempotency key, after the first one
  -- committed (under the locks above, a concurrent first one has): the
  -- unique key decides, so INSERT ... ON CONFLICT DO NOTHING does nothing
  -- and a plain INSERT gets 23505, instead of the rules refusing the
  -- request as a clash with itself.  The existing booking is locked so
  -- that it cannot go away before this row meets it.  Another request
  -- under the key is refused.
  IF is_insert AND NEW.idempotency_key IS NOT NULL AND NOT maintenance THEN
    SELECT b.idempotency_fingerprint INTO stored_fingerprint FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.idempotency_key OPERATOR(pg_catalog.=) NEW.idempotency_key
       FOR KEY SHARE;
    IF FOUND THEN
      IF stored_fingerprint IS NOT DISTINCT FROM NEW.idempotency_fingerprint THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION USING ERRCODE = '23K03',
        MESSAGE = 'idempotency key already used for another request',
        DETAIL = pg_catalog.format('Key %L belongs to a booking with a different client, resource, service, session, seats, time or place.', NEW.idempotency_key),
        HINT = 'Use a new key for a new request.';
    END IF;
  END IF;

  IF claims THEN
    IF NEW.session_id IS NOT NULL THEN
      IF occupies THEN
        -- The capacity as of now, under the lock (a concurrent change of it
        -- has committed by the time the lock is ours).
        SELECT s.capacity INTO cap FROM booking.session s
         WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.session_id;
        free := cap OPERATOR(pg_catalog.-) booking.seats_taken_except(NEW.org_id, NEW.session_id, NEW.id);
        IF NEW.seats OPERATOR(pg_catalog.>) free THEN
          RAISE EXCEPTION USING ERRCODE = '23K01',
            MESSAGE = 'session is full',
            DETAIL = pg_catalog.format('%s seat(s) requested, %s of %s free.', NEW.seats, GREATEST(free, 0), cap),
            HINT = 'Insert with status waitlisted (or call booking.book with waitlist => true) to join the waitlist.';
        END IF;
      END IF;
    ELSE
      -- Expired holds in the way are expired first; anything else in the
      -- way is refused by booking_no_overlap.
      IF EXISTS (SELECT 1 FROM booking.booking b
                  WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.resource_id OPERATOR(pg_catalog.=) NEW.resource_id
                    AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
                        OPERATOR(pg_catalog.&&) padded
                    AND b.session_id IS NULL AND booking.status_occupies(b.status)
                    AND b.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()
                    AND b.id OPERATOR(pg_catalog.<>) NEW.id) THEN
        PERFORM booking.expire_holds(NEW.org_id, NEW.resource_id, NULL, padded);
      END IF;
      -- The solver's rules, under the locks, against everything else the
      -- resource has (a fresh snapshot in READ COMMITTED).
      IF NOT maintenance THEN
        rules := booking.check_slot(NEW.org_id, NEW.id, NEW.resource_id, NEW.service_id, NEW.starts_at,
                                    NEW.pickup_point, NEW.dropoff_point,
                                    NEW.override_reason IS NOT NULL AND booking.acting_is_admin());
        NEW.overridden_rules := NULLIF(rules, '{}'::pg_catalog.text[]);
        NEW.overridden_by := CASE WHEN NEW.overridden_rules IS NOT NULL THEN booking.current_user_id() END;
      END IF;
    END IF;
  END IF;

  IF NOT maintenance AND booking.status_is_open(NEW.status)
     AND (is_insert OR NOT booking.status_is_open(OLD.status)
          OR NEW.client_id OPERATOR(pg_catalog.<>) OLD.client_id OR NEW.resource_id IS DISTINCT FROM OLD.resource_id
          OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id OR NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at) THEN
    SELECT pg_catalog.string_agg(p.reason, '; ') INTO problems
      FROM booking.eligibility_problems(NEW.org_id, NEW.resource_id, NEW.service_id, NEW.client_id,
                                        pg_catalog.timezone(zone, NEW.starts_at)::pg_catalog.date) p;
    IF problems IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '23K04',
        MESSAGE = 'client is not eligible for this booking',
        DETAIL = problems || '.',
        HINT = 'See booking.eligibility_problems() and the org''s license rules.';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_check() IS
  'trigger: the write path of a booking (see sql/parts/45_write_path.sql): copies buffers and the request fingerprint, fills session bookings from their session, checks duration, session, holds, seats (under booking.lock_session) and eligibility; for appointments takes the day locks (booking.lock_scope over booking.local_days), expires holds in the way and applies the solver''s rules (booking.check_slot), recording an owner''s or admin''s override';

-- Seats freed (a cancellation, fewer seats, a move to another session, an
-- expired hold, a deletion): the waitlist gets them in the same transaction.
CREATE FUNCTION booking.tg_write_release() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- The deletion of a whole org cascades here with nothing left to promote.
  IF TG_OP OPERATOR(pg_catalog.=) 'DELETE'
     AND NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) OLD.org_id) THEN
    RETURN NULL;
  END IF;
  PERFORM booking.promote_waitlist(OLD.org_id, OLD.session_id);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_write_release() IS
  'trigger: after a booking gave up seats of a session, promote that session''s waitlist (booking.promote_waitlist)';

CREATE TRIGGER write_check BEFORE INSERT OR UPDATE ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_write_check();
CREATE TRIGGER write_release AFTER UPDATE ON booking.booking
  FOR EACH ROW
  WHEN (OLD.session_id IS NOT NULL AND booking.status_occupies(OLD.status)
        AND (NOT booking.status_occupies(NEW.status) OR NEW.session_id IS DISTINCT FROM OLD.session_id
             OR NEW.seats OPERATOR(pg_catalog.<) OLD.seats))
  EXECUTE FUNCTION booking.tg_write_release();
CREATE TRIGGER write_release_delete AFTER DELETE ON booking.booking
  FOR EACH ROW
  WHEN (OLD.session_id IS NOT NULL AND booking.status_occupies(OLD.status))
  EXECUTE FUNCTION booking.tg_write_release();

-- Sessions: capacity never below the seats taken; more capacity promotes
-- the waitlist; new times, resource or service carry over to the open
-- bookings.
CREATE FUNCTION booking.tg_write_session_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  taken pg_catalog.int8;
BEGIN
  PERFORM booking.lock_session(NEW.org_id, NEW.id);
  taken := booking.seats_taken(NEW.org_id, NEW.id);
  IF NEW.capacity OPERATOR(pg_catalog.<) taken THEN
    RAISE EXCEPTION USING ERRCODE = '23K02',
      MESSAGE = 'capacity below the seats taken',
      DETAIL = pg_catalog.format('Session %s has %s seat(s) taken; the new capacity is %s.', NEW.id, taken, NEW.capacity),
      HINT = 'Cancel bookings first, or keep the capacity.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_check() IS
  'trigger: refuse to lower a session''s capacity below its seats taken (23K02), under booking.lock_session';

CREATE FUNCTION booking.tg_write_session_follow() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
BEGIN
  IF NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
     OR NEW.resource_id OPERATOR(pg_catalog.<>) OLD.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id THEN
    UPDATE booking.booking b
       SET starts_at = NEW.starts_at, ends_at = NEW.ends_at, resource_id = NEW.resource_id, service_id = NEW.service_id
     WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.session_id OPERATOR(pg_catalog.=) NEW.id
       AND booking.status_is_open(b.status);
  END IF;
  IF NEW.capacity OPERATOR(pg_catalog.>) OLD.capacity OR NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
    PERFORM booking.promote_waitlist(NEW.org_id, NEW.id);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_follow() IS
  'trigger: after a session changed, move its open bookings to its new times, resource and service (a system change), and promote its waitlist when it has more capacity';

-- A scheduled session occupies its resource like an appointment (the
-- solver counts it): it may not overlap the resource's appointments or
-- other scheduled sessions, buffers included, checked under the same
-- resource-day locks the appointments' writers take.
CREATE FUNCTION booking.tg_write_session_time() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  zone pg_catalog.text;
  padded pg_catalog.tstzrange;
  other record;
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
     AND NEW.starts_at OPERATOR(pg_catalog.=) OLD.starts_at AND NEW.ends_at OPERATOR(pg_catalog.=) OLD.ends_at
     AND NEW.resource_id OPERATOR(pg_catalog.=) OLD.resource_id AND NEW.service_id OPERATOR(pg_catalog.=) OLD.service_id
     AND OLD.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status THEN
    RETURN NEW;
  END IF;
  IF booking.writing_as_maintenance() OR NEW.ends_at OPERATOR(pg_catalog.<=) NEW.starts_at THEN
    RETURN NEW;                           -- restores; the CHECK reports the rest
  END IF;
  SELECT o.time_zone::pg_catalog.text AS zone,
         booking.padded_range(NEW.starts_at, NEW.ends_at, s.buffer_before_minutes, s.buffer_after_minutes) AS padded
    INTO zone, padded
    FROM booking.service s JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) s.org_id
   WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.service_id;
  IF NOT FOUND THEN
    RETURN NEW;                           -- the foreign key reports it
  END IF;
  PERFORM booking.lock_scope(NEW.org_id, NEW.resource_id, booking.local_days(zone, padded, 0));
  SELECT 'booking' AS kind, b.id, b.starts_at, b.ends_at INTO other
    FROM booking.booking b
   WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.resource_id OPERATOR(pg_catalog.=) NEW.resource_id
     AND b.session_id IS NULL AND booking.occupies_now(b.status, b.hold_expires_at)
     AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
         OPERATOR(pg_catalog.&&) padded
   ORDER BY b.starts_at LIMIT 1;
  IF NOT FOUND THEN
    SELECT 'session' AS kind, x.id, x.starts_at, x.ends_at INTO other
      FROM booking.session x JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) x.org_id
                                                   AND s.id OPERATOR(pg_catalog.=) x.service_id
     WHERE x.org_id OPERATOR(pg_catalog.=) NEW.org_id AND x.resource_id OPERATOR(pg_catalog.=) NEW.resource_id
       AND x.id OPERATOR(pg_catalog.<>) NEW.id AND x.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status
       AND booking.padded_range(x.starts_at, x.ends_at, s.buffer_before_minutes, s.buffer_after_minutes)
           OPERATOR(pg_catalog.&&) padded
     ORDER BY x.starts_at LIMIT 1;
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'exclusion_violation',
      MESSAGE = 'session overlaps another commitment of its resource',
      DETAIL = pg_catalog.format('Resource %s has %s %s from %s to %s (buffers included).',
                                 NEW.resource_id, other.kind, other.id, other.starts_at, other.ends_at),
      HINT = 'Move the session, or cancel what it overlaps first.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_time() IS
  'trigger: a scheduled session may not overlap its resource''s appointments or other scheduled sessions, buffers included (23P01), checked under the same day locks as the appointments'' writers (booking.lock_scope over booking.local_days)';

CREATE TRIGGER write_session_time BEFORE INSERT OR UPDATE ON booking.session
  FOR EACH ROW WHEN (NEW.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status)
  EXECUTE FUNCTION booking.tg_write_session_time();
CREATE TRIGGER write_session_check BEFORE UPDATE OF capacity ON booking.session
  FOR EACH ROW WHEN (NEW.capacity OPERATOR(pg_catalog.<) OLD.capacity)
  EXECUTE FUNCTION booking.tg_write_session_check();
CREATE TRIGGER write_session_follow AFTER UPDATE ON booking.session
  FOR EACH ROW
  WHEN (NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
        OR NEW.resource_id OPERATOR(pg_catalog.<>) OLD.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id
        OR NEW.capacity OPERATOR(pg_catalog.>) OLD.capacity OR NEW.status OPERATOR(pg_catalog.<>) OLD.status)
  EXECUTE FUNCTION booking.tg_write_session_follow();
-- booking.book(): the convenience entry of the write path.  It computes the
-- end and the price, inserts as the caller (row-level security applies), and
-- makes the idempotency key safe to retry: the same key with the same
-- request returns the existing booking, even when two transactions send it
-- at once; with another request it is an error (23K03).

-- Compares a request with the booking that holds its idempotency key,
-- whether or not the caller may see that booking.
CREATE FUNCTION booking.idempotency_match(org_id pg_catalog.uuid, idempotency_key pg_catalog.text,
                                          fingerprint pg_catalog.text)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  stored pg_catalog.text;
BEGIN
  IF idempotency_match.org_id IS DISTINCT FROM booking.current_org_id() AND NOT booking.login_bypasses_rls() THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'idempotency keys can only be looked up in the acting org';
  END IF;
  SELECT b.idempotency_fingerprint INTO stored FROM booking.booking b
   WHERE b.org_id OPERATOR(pg_catalog.=) idempotency_match.org_id
     AND b.idempotency_key OPERATOR(pg_catalog.=) idempotency_match.idempotency_key;
  IF NOT FOUND THEN
    RETURN 'none';
  END IF;
  RETURN CASE WHEN stored IS NOT DISTINCT FROM idempotency_match.fingerprint THEN 'same' ELSE 'different' END;
END
$$;
COMMENT ON FUNCTION booking.idempotency_match(pg_catalog.uuid, pg_catalog.text, pg_catalog.text) IS
  'none, same or different: whether a booking of the acting org visible to this transaction''s snapshot holds idempotency_key, and whether its request fingerprint equals fingerprint (row-level security aside, so that a key taken by a booking the caller cannot see is still reported)';

CREATE FUNCTION booking.book(client_id pg_catalog.uuid,
                             service_id pg_catalog.uuid DEFAULT NULL,
                             starts_at pg_catalog.timestamptz DEFAULT NULL,
                             resource_id pg_catalog.uuid DEFAULT NULL,
                             session_id pg_catalog.uuid DEFAULT NULL,
                             seats pg_catalog.int4 DEFAULT 1,
                             idempotency_key pg_catalog.text DEFAULT NULL,
                             pickup_point booking.point DEFAULT NULL,
                             pickup_address pg_catalog.text DEFAULT NULL,
                             dropoff_point booking.point DEFAULT NULL,
                             dropoff_address pg_catalog.text DEFAULT NULL,
                             notes pg_catalog.text DEFAULT NULL,
                             hold_minutes pg_catalog.int4 DEFAULT NULL,
                             waitlist pg_catalog.bool DEFAULT false)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r booking.booking;
  res booking.booking;
  fp pg_catalog.text;
  cname pg_catalog.text;
  state pg_catalog.text;
  fee_bps pg_catalog.int4;
  org_currency booking.currency_code;
  unit_price pg_catalog.int8;
  match pg_catalog.text;
BEGIN
  r.org_id := booking.current_org_id();
  IF r.org_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'booking.book needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
  END IF;
  IF book.hold_minutes IS NOT NULL AND book.hold_minutes NOT BETWEEN 1 AND 10080 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'hold_minutes must be between 1 and 10080',
      DETAIL = pg_catalog.format('hold_minutes is %s.', book.hold_minutes);
  END IF;
  r.client_id := book.client_id;
  r.service_id := book.service_id;
  r.resource_id := book.resource_id;
  r.session_id := book.session_id;
  r.seats := book.seats;
  r.starts_at := book.starts_at;
  r.pickup_point := book.pickup_point;
  r.pickup_address := book.pickup_address;
  r.dropoff_point := book.dropoff_point;
  r.dropoff_address := book.dropoff_address;
  r.notes := book.notes;
  r.idempotency_key := book.idempotency_key;
  r.status := 'pending';
  r.created_by := booking.current_user_id();
  IF book.hold_minutes IS NOT NULL THEN
    r.hold_expires_at := pg_catalog.now() OPERATOR(pg_catalog.+) (book.hold_minutes OPERATOR(pg_catalog.*) '1 minute'::pg_catalog.interval);
  END IF;

  SELECT o.platform_fee_bps, o.currency INTO fee_bps, org_currency
    FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) r.org_id;
  IF r.session_id IS NOT NULL THEN
    -- The session gives times, resource, service and the price per seat.
    SELECT s.price_cents, s.currency INTO unit_price, r.currency FROM booking.session s
     WHERE s.org_id OPERATOR(pg_catalog.=) r.org_id AND s.id OPERATOR(pg_catalog.=) r.session_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = 'booking refers to an unknown session',
        DETAIL = pg_catalog.format('Session %s does not exist in org %s.', r.session_id, r.org_id);
    END IF;
  ELSE
    IF r.starts_at IS NULL OR r.service_id IS NULL OR r.resource_id IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
        MESSAGE = 'an appointment needs service_id, resource_id and starts_at',
        HINT = 'For seats in a session, pass session_id instead.';
    END IF;
    SELECT r.starts_at OPERATOR(pg_catalog.+) (s.duration_minutes OPERATOR(pg_catalog.*) '1 minute'::pg_catalog.interval)
      INTO r.ends_at
      FROM booking.service s
     WHERE s.org_id OPERATOR(pg_catalog.=) r.org_id AND s.id OPERATOR(pg_catalog.=) r.service_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = 'booking refers to an unknown service',
        DETAIL = pg_catalog.format('Service %s does not exist in org %s.', r.service_id, r.org_id);
    END IF;
    SELECT i.price_cents, c.currency INTO unit_price, r.currency
      FROM booking.rate_card c JOIN booking.rate_card_item i
        ON i.org_id OPERATOR(pg_catalog.=) c.org_id AND i.rate_card_id OPERATOR(pg_catalog.=) c.id
     WHERE c.org_id OPERATOR(pg_catalog.=) r.org_id AND c.is_default
       AND i.service_id OPERATOR(pg_catalog.=) r.service_id;
  END IF;
  r.currency := COALESCE(r.currency, org_currency);
  r.price_cents := COALESCE(unit_price, 0) OPERATOR(pg_catalog.*) GREATEST(r.seats, 0);
  r.platform_fee_cents := r.price_cents OPERATOR(pg_catalog.*) fee_bps OPERATOR(pg_catalog./) 10000;
  r.resource_share_cents := r.price_cents OPERATOR(pg_catalog.-) r.platform_fee_cents;

  -- The same request again returns its booking; another request under the
  -- key is refused by the write trigger (23K03).
  IF r.idempotency_key IS NOT NULL THEN
    fp := booking.request_fingerprint(r);
    match := booking.idempotency_match(r.org_id, r.idempotency_key, fp);
    IF match OPERATOR(pg_catalog.=) 'same' THEN
      SELECT b.* INTO res FROM booking.booking b
       WHERE b.org_id OPERATOR(pg_catalog.=) r.org_id AND b.idempotency_key OPERATOR(pg_catalog.=) r.idempotency_key;
      IF FOUND THEN
        RETURN res;
      END IF;
    END IF;
  END IF;

  FOR attempt IN 1..2 LOOP
    BEGIN
      INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, session_id, seats, starts_at, ends_at,
                                   status, pickup_address, pickup_point, dropoff_address, dropoff_point, currency,
                                   price_cents, platform_fee_cents, resource_share_cents, notes, idempotency_key,
                                   hold_expires_at, created_by)
      VALUES (r.org_id, r.client_id, r.resource_id, r.service_id, r.session_id, r.seats, r.starts_at, r.ends_at,
              r.status, r.pickup_address, r.pickup_point, r.dropoff_address, r.dropoff_point, r.currency,
              r.price_cents, r.platform_fee_cents, r.resource_share_cents, r.notes, r.idempotency_key,
              r.hold_expires_at, r.created_by)
      RETURNING * INTO res;
      RETURN res;
    EXCEPTION
      WHEN unique_violation OR exclusion_violation OR SQLSTATE '23K01' THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, cname = CONSTRAINT_NAME;
        -- Did a concurrent transaction commit this very key first?  Its
        -- booking may also be what made the slot or the seats taken.
        IF r.idempotency_key IS NOT NULL THEN
          match := booking.idempotency_match(r.org_id, r.idempotency_key, fp);
          IF match OPERATOR(pg_catalog.=) 'same' THEN
            SELECT b.* INTO res FROM booking.booking b
             WHERE b.org_id OPERATOR(pg_catalog.=) r.org_id AND b.idempotency_key OPERATOR(pg_catalog.=) r.idempotency_key;
            RETURN res;
          ELSIF match OPERATOR(pg_catalog.=) 'different' THEN
            RAISE EXCEPTION USING ERRCODE = '23K03',
              MESSAGE = 'idempotency key already used for another request',
              DETAIL = pg_catalog.format('Key %L belongs to a booking with a different client, resource, service, session, seats, time or place.', r.idempotency_key),
              HINT = 'Use a new key for a new request.';
          ELSIF cname OPERATOR(pg_catalog.=) 'booking_org_id_idempotency_key_key' THEN
            -- Committed after this transaction's snapshot was taken.
            RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
              MESSAGE = 'could not serialize access due to a concurrent booking with the same idempotency key',
              HINT = 'Retry the transaction: it will return that booking.';
          END IF;
        END IF;
        IF state OPERATOR(pg_catalog.=) '23K01' AND book.waitlist AND attempt OPERATOR(pg_catalog.=) 1 THEN
          r.status := 'waitlisted';
        ELSE
          RAISE;
        END IF;
    END;
  END LOOP;
  RETURN NULL;                            -- not reached
END
$$;
COMMENT ON FUNCTION booking.book(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.int4, pg_catalog.text, booking.point, pg_catalog.text, booking.point, pg_catalog.text, pg_catalog.text, pg_catalog.int4, pg_catalog.bool) IS
  'book as the acting user and return the booking: an appointment (service_id, resource_id, starts_at; the end follows from the service) or seats in a session (session_id). Price from the session or the org''s default rate card, split by the org''s platform fee. hold_minutes makes it a hold that lapses unless confirmed (booking.confirm_hold); waitlist => true joins the waitlist of a full session instead of failing. The same idempotency_key with the same request returns the existing booking (also under concurrency); with a different request it raises 23K03';

CREATE FUNCTION booking.confirm_hold(booking_id pg_catalog.uuid) RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  res booking.booking;
BEGIN
  UPDATE booking.booking b SET hold_expires_at = NULL
   WHERE b.org_id OPERATOR(pg_catalog.=) booking.current_org_id() AND b.id OPERATOR(pg_catalog.=) confirm_hold.booking_id
     AND b.hold_expires_at IS NOT NULL
  RETURNING b.* INTO res;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = 'no such hold',
      DETAIL = pg_catalog.format('No booking %s with a hold is visible in the acting org.', confirm_hold.booking_id);
  END IF;
  RETURN res;
END
$$;
COMMENT ON FUNCTION booking.confirm_hold(pg_catalog.uuid) IS
  'turn a hold into a plain booking (hold_expires_at := NULL) before it expires; an expired hold raises 23K05, an unknown one P0002';

-- Find-and-book in one call: the best slot of booking.find_slots, booked
-- with booking.book.  A concurrent writer may take a slot between finding
-- and booking (find_slots reads a snapshot; the write path decides under
-- the resource-day locks): the refusal (overlap, travel gap, daily
-- maximum) moves on to the next best slot, and after a round of them to a
-- fresh search.  In REPEATABLE READ or SERIALIZABLE a concurrent commit
-- surfaces as 40001 instead (the transaction must be retried as a whole).
CREATE FUNCTION booking.book_first_available(service_id pg_catalog.uuid, during pg_catalog.tstzrange,
                                             pickup geography DEFAULT NULL,
                                             student_id pg_catalog.uuid DEFAULT NULL,
                                             idempotency_key pg_catalog.text DEFAULT NULL)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  client pg_catalog.uuid := book_first_available.student_id;
  mine pg_catalog.uuid[];
  slot record;
  res booking.booking;
  found_any pg_catalog.bool;
  taken pg_catalog.int4 := 0;
BEGIN
  IF booking.current_org_id() IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'booking.book_first_available needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
  END IF;
  IF book_first_available.service_id IS NULL OR book_first_available.during IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'service_id and during must not be null';
  END IF;
  IF client IS NULL THEN
    mine := booking.my_client_ids();
    IF pg_catalog.cardinality(mine) OPERATOR(pg_catalog.<>) 1 THEN
      RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
        MESSAGE = 'student_id is required',
        DETAIL = pg_catalog.format('The acting user is the client of %s students.', COALESCE(pg_catalog.cardinality(mine), 0)),
        HINT = 'Pass the student''s client id as student_id.';
    END IF;
    client := mine[1];
  END IF;
  -- A retry with the key of a booking already made returns it.
  IF book_first_available.idempotency_key IS NOT NULL THEN
    SELECT b.* INTO res FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND b.idempotency_key OPERATOR(pg_catalog.=) book_first_available.idempotency_key;
    IF FOUND THEN
      IF res.client_id OPERATOR(pg_catalog.=) client AND res.service_id OPERATOR(pg_catalog.=) book_first_available.service_id
         AND book_first_available.during OPERATOR(pg_catalog.@>) res.starts_at THEN
        RETURN res;
      END IF;
      RAISE EXCEPTION USING ERRCODE = '23K03',
        MESSAGE = 'idempotency key already used for another request',
        DETAIL = pg_catalog.format('Key %L belongs to a booking with a different client, service or time.', book_first_available.idempotency_key),
        HINT = 'Use a new key for a new request.';
    END IF;
  END IF;

  FOR round IN 1..3 LOOP
    found_any := false;
    FOR slot IN
      SELECT f.resource_id, f.starts_at
        FROM booking.find_slots(book_first_available.service_id, book_first_available.during,
                                book_first_available.pickup, client) AS f
       LIMIT 10
    LOOP
      found_any := true;
      BEGIN
        RETURN booking.book(client, book_first_available.service_id, slot.starts_at, slot.resource_id,
                            idempotency_key => book_first_available.idempotency_key,
                            pickup_point => book_first_available.pickup::booking.point);
      EXCEPTION
        WHEN exclusion_violation OR SQLSTATE '23K13' OR SQLSTATE '23K14' OR SQLSTATE '23K15' THEN
          taken := taken OPERATOR(pg_catalog.+) 1;   -- taken meanwhile: the next one
        WHEN SQLSTATE '23K03' THEN
          -- The same key, committed by a concurrent call meanwhile: the
          -- check at the top now sees its booking and returns it (or
          -- refuses the key if the booking is another request's).
          RETURN booking.book_first_available(book_first_available.service_id, book_first_available.during,
                                              book_first_available.pickup, client,
                                              book_first_available.idempotency_key);
      END;
    END LOOP;
    EXIT WHEN NOT found_any;
  END LOOP;
  IF found_any THEN
    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
      MESSAGE = 'every slot found was taken by concurrent bookings',
      DETAIL = pg_catalog.format('%s slot(s) were taken between finding and booking.', taken),
      HINT = 'Retry the call.';
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'no_data_found',
    MESSAGE = 'no slot available',
    DETAIL = pg_catalog.format('No active resource of the org has a bookable slot of service %s in %s%s.',
                               book_first_available.service_id, book_first_available.during,
                               CASE WHEN book_first_available.pickup IS NOT NULL THEN ' from that pickup' ELSE '' END),
    HINT = 'Try a longer range, or booking.explain_slot() to see why a time is refused.';
END
$$;
COMMENT ON FUNCTION booking.book_first_available(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid, pg_catalog.text) IS
  'find the best slot (booking.find_slots) and book it (booking.book) in one call for student_id (default: the acting user''s only client record); a slot taken concurrently moves on to the next best, up to three fresh searches; raises P0002 when nothing is available, 40001 when everything found was taken meanwhile; the same idempotency_key returns the booking it made';
-- The availability solver (src/slots.c, src/core/slots.c).

CREATE FUNCTION booking.available_slots(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup geography DEFAULT NULL, student_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_available_slots';
COMMENT ON FUNCTION booking.available_slots(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid) IS
  'the bookable slots [starts_at, ends_at) of a resource of the acting org for a service inside during (at most 366 days): working hours in the org''s local time, exceptions, breaks, the slot grid, notice and horizon, the daily maximum, buffers and travel to and from the neighbouring appointments; none when student_id is given and not eligible';

CREATE FUNCTION booking.find_slots(
    service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup geography DEFAULT NULL, student_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (resource_id pg_catalog.uuid, starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz,
                 travel_minutes_before pg_catalog.int4, travel_minutes_after pg_catalog.int4,
                 idle_minutes pg_catalog.int4, score pg_catalog.int4)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 1000
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_find_slots';
COMMENT ON FUNCTION booking.find_slots(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid) IS
  'the bookable slots of every active resource of the acting org (for which student_id, if given, is eligible), best first: score = idle minutes created (free time beside the slot too short to sell again) + travel minutes before + travel minutes after; ties by start, then resource';

CREATE FUNCTION booking.explain_slot(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, starts_at pg_catalog.timestamptz,
    pickup geography DEFAULT NULL, student_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (reason pg_catalog.text, detail pg_catalog.text, booking_id pg_catalog.uuid, rule_id pg_catalog.uuid)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_explain_slot';
COMMENT ON FUNCTION booking.explain_slot(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, geography, pg_catalog.uuid) IS
  'every reason why the slot at starts_at is not bookable (the solver''s own predicate, plus eligibility), or one row ''bookable''; booking_id names a conflicting booking or session to staff and the resource''s own user only';

CREATE FUNCTION booking.free_time(resource_id pg_catalog.uuid, during pg_catalog.tstzrange)
  RETURNS pg_catalog.tstzmultirange
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_free_time';
COMMENT ON FUNCTION booking.free_time(pg_catalog.uuid, pg_catalog.tstzrange) IS
  'the resource''s free time inside during: working windows minus breaks and exceptions, on days below the daily maximum, minus the time its bookings and sessions occupy with their buffers (travel is not subtracted: it depends on the next appointment''s place)';

-- The write path's rule check (called by booking.tg_write_check under the
-- resource-day locks; not for PUBLIC).
CREATE FUNCTION booking.check_slot(
    org_id pg_catalog.uuid, booking_id pg_catalog.uuid, resource_id pg_catalog.uuid, service_id pg_catalog.uuid,
    starts_at pg_catalog.timestamptz, pickup geography, dropoff geography, may_override pg_catalog.bool)
  RETURNS pg_catalog.text[]
  LANGUAGE c VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_check_slot';
COMMENT ON FUNCTION booking.check_slot(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, geography, geography, pg_catalog.bool) IS
  'internal: judge an appointment at starts_at by exactly the rules of booking.available_slots, the booking booking_id itself left out, with its own pickup and dropoff (NULL dropoff: the pickup); raises the SQLSTATE of the first refused reason (23K06-23K15, 23P01) with all of them as detail; with may_override, working hours, grid, notice, horizon and daily maximum are not refused but returned';
-- Life cycle: state-transition rules, the append-only status history,
-- scheduled transitions and cancellation policies.  The rules engine that
-- uses them is in 52_lifecycle_rules.sql (C: src/lifecycle.c and
-- src/core/rules.c) and 96_lifecycle_api.sql (triggers and functions).

CREATE TYPE booking.transition_actor AS ENUM
  ('owner', 'admin', 'staff', 'instructor', 'student', 'guardian', 'system');
COMMENT ON TYPE booking.transition_actor IS
  'who may use a transition rule: an org role, or system (the extension''s own scheduled runner, waitlist promotion and hold expiry). owner, admin and staff are ranked: a staff rule is usable by owner, admin and staff, an admin rule by owner and admin';

CREATE FUNCTION booking.transition_conditions_check(conditions pg_catalog.jsonb) RETURNS pg_catalog.bool
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_transition_conditions_check';
COMMENT ON FUNCTION booking.transition_conditions_check(pg_catalog.jsonb) IS
  'true if conditions is a valid condition document of a transition rule (keys not_before, not_after, reason_required, relation); raises invalid_parameter_value (22023) naming the problem otherwise';

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
-- Life cycle, the rules engine: the decision in C, the facts it needs (the
-- acting user's relations to a booking, the org's settings), the default
-- rule set of a new org and the terms of a cancellation.

CREATE FUNCTION booking.transition_decide(
    action pg_catalog.text, booking_id pg_catalog.uuid,
    from_status pg_catalog.text, to_status pg_catalog.text,
    is_system pg_catalog.bool, roles pg_catalog.text[], relations pg_catalog.text[],
    has_reason pg_catalog.bool, at pg_catalog.timestamptz,
    starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz, created_at pg_catalog.timestamptz,
    rule_ids pg_catalog.uuid[], rule_actors pg_catalog.text[], rule_conditions pg_catalog.text[])
  RETURNS pg_catalog.uuid
  LANGUAGE c STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_transition_decide';
COMMENT ON FUNCTION booking.transition_decide(pg_catalog.text, pg_catalog.uuid, pg_catalog.text, pg_catalog.text, pg_catalog.bool, pg_catalog.text[], pg_catalog.text[], pg_catalog.bool, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.uuid[], pg_catalog.text[], pg_catalog.text[]) IS
  'the rules engine (C): given the active rules of one (from, to) pair as three aligned arrays and the facts of a change, return the id of the rule that allows it or raise the error naming the missing rule (55000), role (42501) or failed condition (55000 too early or too late, 22004 reason, 42501 relation); internal to the life-cycle triggers';

-- The relations of a user to a booking, as the relation condition names
-- them: client (their own client record), guardian (a guardian of the
-- client), resource (the user of the booking's resource or of the resource
-- running its session).
CREATE FUNCTION booking.booking_relations(b booking.booking, user_id pg_catalog.uuid)
  RETURNS pg_catalog.text[]
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT pg_catalog.array_remove(ARRAY[
      CASE WHEN EXISTS (SELECT 1 FROM booking.client c
                         WHERE c.org_id OPERATOR(pg_catalog.=) b.org_id AND c.id OPERATOR(pg_catalog.=) b.client_id
                           AND c.user_id OPERATOR(pg_catalog.=) booking_relations.user_id)
           THEN 'client' END,
      CASE WHEN EXISTS (SELECT 1 FROM booking.client_guardian cg
                          JOIN booking.guardian g
                            ON g.org_id OPERATOR(pg_catalog.=) cg.org_id AND g.id OPERATOR(pg_catalog.=) cg.guardian_id
                         WHERE cg.org_id OPERATOR(pg_catalog.=) b.org_id AND cg.client_id OPERATOR(pg_catalog.=) b.client_id
                           AND g.user_id OPERATOR(pg_catalog.=) booking_relations.user_id)
           THEN 'guardian' END,
      CASE WHEN EXISTS (SELECT 1 FROM booking.resource r
                         WHERE r.org_id OPERATOR(pg_catalog.=) b.org_id AND r.id OPERATOR(pg_catalog.=) b.resource_id
                           AND r.user_id OPERATOR(pg_catalog.=) booking_relations.user_id)
             OR EXISTS (SELECT 1 FROM booking.session s
                          JOIN booking.resource r
                            ON r.org_id OPERATOR(pg_catalog.=) s.org_id AND r.id OPERATOR(pg_catalog.=) s.resource_id
                         WHERE s.org_id OPERATOR(pg_catalog.=) b.org_id AND s.id OPERATOR(pg_catalog.=) b.session_id
                           AND r.user_id OPERATOR(pg_catalog.=) booking_relations.user_id)
           THEN 'resource' END]::pg_catalog.text[], NULL::pg_catalog.text);
  END;
COMMENT ON FUNCTION booking.booking_relations(booking.booking, pg_catalog.uuid) IS
  'what user_id is to booking b: client (their own client record), guardian (a guardian of its client), resource (the user of its resource or of its session''s resource); read with the caller''s row-level security';

-- Decide one change of booking b to to_status for the current actor: read
-- the org's active rules for the pair and the acting user's roles and
-- relations, and ask the C engine.  Returns the allowing rule's id.
CREATE FUNCTION booking.lifecycle_decide(action pg_catalog.text, b booking.booking,
                                         to_status booking.booking_status, has_reason pg_catalog.bool)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  sys pg_catalog.bool := booking.acting_is_system();
  ids pg_catalog.uuid[];
  actors pg_catalog.text[];
  docs pg_catalog.text[];
  needs_relation pg_catalog.bool;
  rels pg_catalog.text[] := '{}';
BEGIN
  SELECT pg_catalog.array_agg(r.id ORDER BY r.required_role, r.id),
         pg_catalog.array_agg(r.required_role::pg_catalog.text ORDER BY r.required_role, r.id),
         pg_catalog.array_agg(r.conditions::pg_catalog.text ORDER BY r.required_role, r.id),
         pg_catalog.bool_or(r.conditions OPERATOR(pg_catalog.?) 'relation')
    INTO ids, actors, docs, needs_relation
    FROM booking.transition_rule r
   WHERE r.org_id OPERATOR(pg_catalog.=) b.org_id
     AND r.from_status OPERATOR(pg_catalog.=) b.status
     AND r.to_status OPERATOR(pg_catalog.=) lifecycle_decide.to_status
     AND r.active;
  IF needs_relation AND NOT sys AND booking.current_user_id() IS NOT NULL THEN
    rels := booking.booking_relations(b, booking.current_user_id());
  END IF;
  RETURN booking.transition_decide(
    action, b.id, b.status::pg_catalog.text, lifecycle_decide.to_status::pg_catalog.text,
    sys, booking.current_roles()::pg_catalog.text[], rels, has_reason,
    pg_catalog.now(), b.starts_at, b.ends_at, b.created_at, ids, actors, docs);
END
$$;
COMMENT ON FUNCTION booking.lifecycle_decide(pg_catalog.text, booking.booking, booking.booking_status, pg_catalog.bool) IS
  'check that the acting user (or the system, while booking.internal is on) may move booking b to to_status now, by the active rules of its org; returns the allowing rule''s id or raises (see booking.transition_decide)';

-- Org settings of the life cycle: settings -> 'lifecycle' -> key, in
-- minutes; a missing key gives the default, JSON null turns it off.
-- PL/pgSQL rather than a BEGIN ATOMIC body: the life-cycle trigger calls it
-- for every new booking, and an SQL function with a SET clause is never
-- inlined, so each call would read its stored body and plan it again; here
-- the expression's plan is cached for the session.
CREATE FUNCTION booking.lifecycle_minutes(settings pg_catalog.jsonb, key pg_catalog.text)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN CASE
           WHEN COALESCE((settings OPERATOR(pg_catalog.->) 'lifecycle') OPERATOR(pg_catalog.?) key, false)
             THEN (settings OPERATOR(pg_catalog.->) 'lifecycle' OPERATOR(pg_catalog.->>) key)::pg_catalog.int4
           WHEN key OPERATOR(pg_catalog.=) 'pending_expiry_minutes' THEN 1440
           WHEN key OPERATOR(pg_catalog.=) 'no_show_after_minutes' THEN 15
           WHEN key OPERATOR(pg_catalog.=) 'auto_complete_after_minutes' THEN 60
         END;
END
$$;
COMMENT ON FUNCTION booking.lifecycle_minutes(pg_catalog.jsonb, pg_catalog.text) IS
  'a life-cycle setting of an org in minutes, from settings.lifecycle: pending_expiry_minutes (default 1440), no_show_after_minutes (15), auto_complete_after_minutes (60); JSON null turns the scheduled transition off (NULL)';

CREATE FUNCTION booking.lifecycle_settings_check(settings pg_catalog.jsonb) RETURNS pg_catalog.bool
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  lc pg_catalog.jsonb := settings OPERATOR(pg_catalog.->) 'lifecycle';
  k pg_catalog.text;
  v pg_catalog.jsonb;
BEGIN
  IF lc IS NULL THEN
    RETURN true;
  END IF;
  IF pg_catalog.jsonb_typeof(lc) OPERATOR(pg_catalog.<>) 'object' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'org setting lifecycle must be a JSON object',
      HINT = 'For example {"lifecycle": {"pending_expiry_minutes": 1440, "no_show_after_minutes": 15, "auto_complete_after_minutes": 60}}.';
  END IF;
  FOR k, v IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(lc) e LOOP
    IF k OPERATOR(pg_catalog.<>) ALL ('{pending_expiry_minutes,no_show_after_minutes,auto_complete_after_minutes}'::pg_catalog.text[]) THEN
      RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
        MESSAGE = pg_catalog.format('unknown org setting lifecycle.%s', k),
        HINT = 'The life-cycle settings are pending_expiry_minutes, no_show_after_minutes and auto_complete_after_minutes.';
    END IF;
    IF pg_catalog.jsonb_typeof(v) OPERATOR(pg_catalog.<>) 'null'
       AND (pg_catalog.jsonb_typeof(v) OPERATOR(pg_catalog.<>) 'number'
            OR v::pg_catalog.text OPERATOR(pg_catalog.!~) '^[0-9]{1,6}$'
            OR v::pg_catalog.text::pg_catalog.int4 OPERATOR(pg_catalog.>) 525600) THEN
      RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
        MESSAGE = pg_catalog.format('org setting lifecycle.%s must be a whole number of minutes from 0 to 525600, or null, not %s', k, v),
        HINT = 'null turns the scheduled transition off.';
    END IF;
  END LOOP;
  RETURN true;
END
$$;
COMMENT ON FUNCTION booking.lifecycle_settings_check(pg_catalog.jsonb) IS
  'true if the lifecycle object of org settings has only known keys with whole minutes (0 to 525600) or null; raises invalid_parameter_value (22023) otherwise';

-- The default rule set of a new org (see the README for the table).
CREATE FUNCTION booking.seed_lifecycle_defaults(org_id pg_catalog.uuid) RETURNS pg_catalog.int4
  LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    WITH added AS (
      INSERT INTO booking.transition_rule (org_id, from_status, to_status, required_role, conditions, description)
      SELECT seed_lifecycle_defaults.org_id, d.f::booking.booking_status, d.t::booking.booking_status,
             d.a::booking.transition_actor, d.c::pg_catalog.jsonb, d.descr
        FROM (VALUES
          ('pending', 'confirmed', 'staff', '{}', 'staff confirm a request'),
          ('pending', 'confirmed', 'instructor', '{"relation": ["resource"]}', 'the instructor confirms a request for them'),
          ('pending', 'cancelled', 'staff', '{}', 'staff cancel a request'),
          ('pending', 'cancelled', 'instructor', '{"relation": ["resource"], "reason_required": true}', 'the instructor declines a request, with a reason'),
          ('pending', 'cancelled', 'student', '{"relation": ["client"], "not_after": "start"}', 'the student withdraws a request before the start'),
          ('pending', 'cancelled', 'guardian', '{"relation": ["guardian"], "not_after": "start"}', 'a guardian withdraws a request before the start'),
          ('pending', 'cancelled', 'system', '{}', 'the system cancels a request (e.g. its session was cancelled)'),
          ('pending', 'expired', 'system', '{}', 'a request not confirmed in time expires'),
          ('waitlisted', 'confirmed', 'system', '{}', 'waitlist promotion when a seat is freed'),
          ('waitlisted', 'pending', 'system', '{}', 'waitlist promotion to a request that needs confirmation'),
          ('waitlisted', 'confirmed', 'staff', '{}', 'staff admit from the waitlist'),
          ('waitlisted', 'cancelled', 'staff', '{}', 'staff remove from the waitlist'),
          ('waitlisted', 'cancelled', 'student', '{"relation": ["client"]}', 'the student leaves the waitlist'),
          ('waitlisted', 'cancelled', 'guardian', '{"relation": ["guardian"]}', 'a guardian takes the student off the waitlist'),
          ('waitlisted', 'cancelled', 'system', '{}', 'the system cancels a waiting booking'),
          ('waitlisted', 'expired', 'system', '{}', 'still waiting when the session starts'),
          ('confirmed', 'in_progress', 'staff', '{"not_before": "start-30m"}', 'staff start a lesson at most 30 minutes early'),
          ('confirmed', 'in_progress', 'instructor', '{"relation": ["resource"], "not_before": "start-30m"}', 'the instructor starts their lesson at most 30 minutes early'),
          ('confirmed', 'completed', 'staff', '{"not_before": "start"}', 'staff complete a booking after its start'),
          ('confirmed', 'completed', 'instructor', '{"relation": ["resource"], "not_before": "start"}', 'the instructor completes their lesson after its start'),
          ('confirmed', 'completed', 'system', '{"not_before": "end"}', 'auto-completion after the end'),
          ('confirmed', 'no_show', 'staff', '{"not_before": "start+15m"}', 'staff record a no-show 15 minutes after the start'),
          ('confirmed', 'no_show', 'instructor', '{"relation": ["resource"], "not_before": "start+15m"}', 'the instructor records a no-show 15 minutes after the start'),
          ('confirmed', 'no_show', 'system', '{"not_before": "start+15m"}', 'the scheduled no-show check'),
          ('confirmed', 'cancelled', 'staff', '{}', 'staff cancel at any time'),
          ('confirmed', 'cancelled', 'instructor', '{"relation": ["resource"], "reason_required": true, "not_after": "start"}', 'the instructor cancels before the start, with a reason'),
          ('confirmed', 'cancelled', 'student', '{"relation": ["client"], "not_after": "start-24h"}', 'the student cancels until 24 hours before the start'),
          ('confirmed', 'cancelled', 'guardian', '{"relation": ["guardian"], "not_after": "start-24h"}', 'a guardian cancels until 24 hours before the start'),
          ('confirmed', 'cancelled', 'system', '{}', 'the system cancels (e.g. its session was cancelled)'),
          ('in_progress', 'completed', 'staff', '{}', 'staff complete a running lesson'),
          ('in_progress', 'completed', 'instructor', '{"relation": ["resource"]}', 'the instructor completes their running lesson'),
          ('in_progress', 'completed', 'system', '{"not_before": "end"}', 'auto-completion after the end'),
          ('in_progress', 'cancelled', 'staff', '{"reason_required": true}', 'staff abort a running lesson, with a reason'),
          ('no_show', 'completed', 'staff', '{"reason_required": true}', 'staff correct a wrong no-show, with a reason')
        ) AS d(f, t, a, c, descr)
      ON CONFLICT ON CONSTRAINT transition_rule_org_id_from_status_to_status_required_role_key DO NOTHING
      RETURNING 1)
    SELECT pg_catalog.count(*)::pg_catalog.int4 FROM added;
  END;
COMMENT ON FUNCTION booking.seed_lifecycle_defaults(pg_catalog.uuid) IS
  'add the default transition rules to an org (booking.create_org does this for every new org); rules the org already has for the same from, to and role are kept; returns the number added';

-- Who cancels, for the cancellation policy.
CREATE FUNCTION booking.cancellation_actor_of(b booking.booking) RETURNS booking.cancellation_actor
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  rels pg_catalog.text[];
BEGIN
  IF booking.acting_is_system() OR booking.current_user_id() IS NULL OR booking.acting_is_staff() THEN
    RETURN 'admin';
  END IF;
  rels := booking.booking_relations(b, booking.current_user_id());
  RETURN CASE
    WHEN 'resource' OPERATOR(pg_catalog.=) ANY (rels) THEN 'instructor'
    WHEN 'client' OPERATOR(pg_catalog.=) ANY (rels) THEN 'student'
    WHEN 'guardian' OPERATOR(pg_catalog.=) ANY (rels) THEN 'guardian'
    WHEN booking.acting_has_role('instructor') THEN 'instructor'
    WHEN booking.acting_has_role('guardian') THEN 'guardian'
    ELSE 'student'
  END::booking.cancellation_actor;
END
$$;
COMMENT ON FUNCTION booking.cancellation_actor_of(booking.booking) IS
  'who cancels booking b in the sense of the cancellation policy: admin for owner, admin, staff and the system; instructor for the user of its resource; student for its client; guardian for a guardian of the client; otherwise by role';

-- The terms of a cancellation: the active policy of the actor with the
-- largest hours_before_start not above the hours left (0 after the start).
CREATE FUNCTION booking.cancellation_terms(org_id pg_catalog.uuid, actor booking.cancellation_actor,
                                           price_cents pg_catalog.int8, starts_at pg_catalog.timestamptz,
                                           at pg_catalog.timestamptz,
                                           OUT policy_id pg_catalog.uuid, OUT hours_before_start pg_catalog.numeric,
                                           OUT refund_percentage pg_catalog.int4, OUT fee_cents pg_catalog.int8,
                                           OUT refund_cents pg_catalog.int8)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  p record;
BEGIN
  hours_before_start := pg_catalog.round(EXTRACT(epoch FROM starts_at OPERATOR(pg_catalog.-) at)
                                         OPERATOR(pg_catalog./) 3600::pg_catalog.numeric, 2);
  SELECT c.id, c.refund_percentage, c.fee_cents INTO p
    FROM booking.cancellation_policy c
   WHERE c.org_id OPERATOR(pg_catalog.=) cancellation_terms.org_id
     AND c.actor OPERATOR(pg_catalog.=) cancellation_terms.actor AND c.active
     AND c.hours_before_start::pg_catalog.numeric OPERATOR(pg_catalog.<=)
         GREATEST(cancellation_terms.hours_before_start, 0::pg_catalog.numeric)
   ORDER BY c.hours_before_start DESC
   LIMIT 1;
  IF FOUND THEN
    policy_id := p.id;
    refund_percentage := p.refund_percentage;
    fee_cents := p.fee_cents;
  ELSIF EXISTS (SELECT 1 FROM booking.cancellation_policy c
                 WHERE c.org_id OPERATOR(pg_catalog.=) cancellation_terms.org_id
                   AND c.actor OPERATOR(pg_catalog.=) cancellation_terms.actor AND c.active) THEN
    refund_percentage := 0;     -- later than every tier of the actor
    fee_cents := 0;
  ELSE
    refund_percentage := 100;   -- no policy for this actor
    fee_cents := 0;
  END IF;
  refund_cents := GREATEST(0::pg_catalog.int8,
                    price_cents OPERATOR(pg_catalog.*) refund_percentage OPERATOR(pg_catalog./) 100
                    OPERATOR(pg_catalog.-) fee_cents);
END
$$;
COMMENT ON FUNCTION booking.cancellation_terms(pg_catalog.uuid, booking.cancellation_actor, pg_catalog.int8, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
  'terms of cancelling at time at: the active policy of actor with the largest hours_before_start not above the hours left before starts_at (0 once started) gives refund_percentage and fee_cents; refund_cents = max(0, floor(price_cents * refund_percentage / 100) - fee_cents). Later than every tier of the actor: no refund; no policy for the actor at all: full refund, no fee';
-- Execution: the lesson of a booking, its GPS trips and their points.

CREATE TABLE booking.lesson (
  org_id           pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id               pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  booking_id       pg_catalog.uuid NOT NULL,
  started_at       pg_catalog.timestamptz,
  ended_at         pg_catalog.timestamptz,
  distance_meters  pg_catalog.int4 CHECK (distance_meters OPERATOR(pg_catalog.>=) 0),
  rating           pg_catalog.int2 CHECK (rating BETWEEN 1 AND 5),
  notes            pg_catalog.text,
  created_at       pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at       pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, booking_id),
  FOREIGN KEY (org_id, booking_id) REFERENCES booking.booking (org_id, id) ON DELETE CASCADE,
  CONSTRAINT lesson_ends_after_start CHECK (ended_at OPERATOR(pg_catalog.>=) started_at)
);
COMMENT ON TABLE booking.lesson IS 'the execution of a booking (one per booking): when it really started and ended, distance driven';
COMMENT ON COLUMN booking.lesson.distance_meters IS 'length of the lesson''s GPS tracks (see booking.lesson_distance)';

CREATE TABLE booking.trip (
  org_id      pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id          pg_catalog.uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
  lesson_id   pg_catalog.uuid NOT NULL,
  started_at  pg_catalog.timestamptz NOT NULL,
  ended_at    pg_catalog.timestamptz,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, lesson_id) REFERENCES booking.lesson (org_id, id) ON DELETE CASCADE,
  CONSTRAINT trip_ends_after_start CHECK (ended_at OPERATOR(pg_catalog.>=) started_at)
);
CREATE INDEX trip_lesson_idx ON booking.trip (org_id, lesson_id);
COMMENT ON TABLE booking.trip IS 'a GPS-tracked drive within a lesson';

CREATE TABLE booking.trip_point (
  org_id     pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id         pg_catalog.int8 GENERATED ALWAYS AS IDENTITY,
  trip_id    pg_catalog.uuid NOT NULL,
  ts         pg_catalog.timestamptz NOT NULL,
  point      booking.point NOT NULL,
  speed_kph  pg_catalog.float8 CHECK (speed_kph OPERATOR(pg_catalog.>=) 0::pg_catalog.float8 AND speed_kph OPERATOR(pg_catalog.<=) 400::pg_catalog.float8),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, trip_id) REFERENCES booking.trip (org_id, id) ON DELETE CASCADE
);
CREATE INDEX trip_point_trip_ts_idx ON booking.trip_point (org_id, trip_id, ts);
COMMENT ON TABLE booking.trip_point IS 'a GPS fix of a trip';

CREATE FUNCTION booking.lesson_distance(org_id pg_catalog.uuid, lesson_id pg_catalog.uuid)
  RETURNS pg_catalog.int4
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT pg_catalog.round(COALESCE(pg_catalog.sum(leg), 0::pg_catalog.float8))::pg_catalog.int4
      FROM (SELECT st_distance(p.point,
                     pg_catalog.lag(p.point) OVER (PARTITION BY p.trip_id ORDER BY p.ts, p.id)) AS leg
              FROM booking.trip t
              JOIN booking.trip_point p
                ON p.org_id OPERATOR(pg_catalog.=) t.org_id AND p.trip_id OPERATOR(pg_catalog.=) t.id
             WHERE t.org_id OPERATOR(pg_catalog.=) lesson_distance.org_id
               AND t.lesson_id OPERATOR(pg_catalog.=) lesson_distance.lesson_id) legs;
  END;
COMMENT ON FUNCTION booking.lesson_distance(pg_catalog.uuid, pg_catalog.uuid) IS
  'metres driven in a lesson: the sum over its trips of the geodesic distances between consecutive GPS points (in time order)';
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
-- Triggers: updated_at, deletion of people with open bookings, append-only
-- logs, real-time notifications and the audit of administrative changes.

CREATE FUNCTION booking.tg_touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_touch_updated_at() IS 'trigger: set updated_at to the transaction time on every update';

-- A client or resource with open bookings cannot be deleted (seed 003's
-- restrict rules).  TG_ARGV[0] names the referencing column of
-- booking.booking.  The deletion of a whole org cascades regardless: when
-- the org row is already gone, the check steps aside.
CREATE FUNCTION booking.tg_restrict_open_bookings() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  open_count pg_catalog.int8;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) OLD.org_id) THEN
    RETURN OLD;
  END IF;
  EXECUTE pg_catalog.format(
    'SELECT pg_catalog.count(*) FROM booking.booking b
      WHERE b.org_id OPERATOR(pg_catalog.=) $1 AND b.%I OPERATOR(pg_catalog.=) $2
        AND booking.status_is_open(b.status)', TG_ARGV[0])
    INTO open_count USING OLD.org_id, OLD.id;
  IF open_count OPERATOR(pg_catalog.>) 0 THEN
    RAISE EXCEPTION USING
      ERRCODE = 'foreign_key_violation',
      MESSAGE = pg_catalog.format('cannot delete %s %s: it has %s open booking(s)', TG_TABLE_NAME, OLD.id, open_count),
      DETAIL = 'Bookings that are pending, waitlisted, confirmed or in progress still refer to it.',
      HINT = 'Cancel or complete those bookings first, or set active = false instead of deleting.';
  END IF;
  RETURN OLD;
END
$$;
COMMENT ON FUNCTION booking.tg_restrict_open_bookings() IS
  'trigger: refuse to delete a client or resource that still has open bookings (SQLSTATE 23503)';

-- History and audit rows are append-only.  They go away only with their
-- booking or org (the cascade finds the parent already deleted).
CREATE FUNCTION booking.tg_append_only() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) OLD.org_id) THEN
      RETURN OLD;
    END IF;
    IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'status_history' AND NOT EXISTS (
         SELECT 1 FROM booking.booking b
          WHERE b.org_id OPERATOR(pg_catalog.=) OLD.org_id AND b.id OPERATOR(pg_catalog.=) OLD.booking_id) THEN
      RETURN OLD;
    END IF;
  END IF;
  IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) SESSION_USER) THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  RAISE EXCEPTION USING
    ERRCODE = 'insufficient_privilege',
    MESSAGE = pg_catalog.format('%s rows are append-only', TG_TABLE_NAME),
    HINT = 'Append a new row instead of changing or deleting one.';
END
$$;
COMMENT ON FUNCTION booking.tg_append_only() IS
  'trigger: refuse UPDATE and DELETE on append-only logs except by a superuser or through the deletion of the parent (SQLSTATE 42501)';

CREATE FUNCTION booking.tg_notify_user() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM pg_catalog.pg_notify(
    'booking_user_' OPERATOR(pg_catalog.||) pg_catalog.replace(NEW.user_id::pg_catalog.text, '-', ''),
    pg_catalog.json_build_object('org_id', NEW.org_id, 'id', NEW.id, 'kind', NEW.kind)::pg_catalog.text);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_notify_user() IS
  'trigger: announce a new notification on channel booking_user_<user id without dashes>; the payload holds ids only, the content is read through row-level security';

CREATE FUNCTION booking.tg_audit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r pg_catalog.jsonb := pg_catalog.to_jsonb(CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END);
  org pg_catalog.uuid := COALESCE(r OPERATOR(pg_catalog.->>) 'org_id', r OPERATOR(pg_catalog.->>) 'id')::pg_catalog.uuid;
BEGIN
  -- The log records what identified users do; changes made without an
  -- identity (a superuser's maintenance, pg_restore) are not attributed.
  IF booking.current_user_id() IS NULL THEN
    RETURN NULL;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'DELETE'
     AND NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) org) THEN
    RETURN NULL;
  END IF;
  INSERT INTO booking.audit_log (org_id, actor_user_id, action, entity, entity_id, detail)
  VALUES (org, booking.current_user_id(), pg_catalog.lower(TG_OP), TG_TABLE_NAME,
          COALESCE(r OPERATOR(pg_catalog.->>) 'user_id', r OPERATOR(pg_catalog.->>) 'id'),
          CASE TG_OP
            WHEN 'UPDATE' THEN pg_catalog.jsonb_build_object('old', pg_catalog.to_jsonb(OLD), 'new', r)
            ELSE r END);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_audit() IS 'trigger: append the change of an administrative row made by an acting user (see booking.act_as) to booking.audit_log';

-- Attach updated_at triggers to every table that has the column.
DO $$
DECLARE
  t pg_catalog.regclass;
BEGIN
  FOR t IN
    SELECT c.oid::pg_catalog.regclass
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid
     WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND c.relkind OPERATOR(pg_catalog.=) 'r' AND a.attname OPERATOR(pg_catalog.=) 'updated_at'
     ORDER BY c.relname
  LOOP
    EXECUTE pg_catalog.format(
      'CREATE TRIGGER touch_updated_at BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION booking.tg_touch_updated_at()', t);
  END LOOP;
END
$$;

CREATE TRIGGER restrict_open_bookings BEFORE DELETE ON booking.client
  FOR EACH ROW EXECUTE FUNCTION booking.tg_restrict_open_bookings('client_id');
CREATE TRIGGER restrict_open_bookings BEFORE DELETE ON booking.resource
  FOR EACH ROW EXECUTE FUNCTION booking.tg_restrict_open_bookings('resource_id');

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON booking.status_history
  FOR EACH ROW EXECUTE FUNCTION booking.tg_append_only();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON booking.audit_log
  FOR EACH ROW EXECUTE FUNCTION booking.tg_append_only();

CREATE TRIGGER notify_user AFTER INSERT ON booking.notification
  FOR EACH ROW EXECUTE FUNCTION booking.tg_notify_user();

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON booking.membership
  FOR EACH ROW EXECUTE FUNCTION booking.tg_audit();
CREATE TRIGGER audit AFTER UPDATE ON booking.org
  FOR EACH ROW EXECUTE FUNCTION booking.tg_audit();
-- Row-level security.
--
-- Every tenant table gets a RESTRICTIVE policy "tenant_isolation":
-- org_id = booking.current_org_id().  Without an identity (see act_as) it is
-- NULL and nothing is visible.  Permissive policies then say who inside the
-- org sees and writes what.  RLS is FORCEd, so the table owner is no
-- exception (superusers and BYPASSRLS roles always are).  Identity tests run
-- once per statement: they are written as (SELECT booking.f()).

-- The resources, clients and sessions the acting user stands for.  SECURITY
-- DEFINER so that policies can use them without recursing into each other.
CREATE FUNCTION booking.my_resource_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(r.id), '{}')
      FROM booking.resource r
     WHERE r.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND r.user_id OPERATOR(pg_catalog.=) booking.current_user_id();
  END;
COMMENT ON FUNCTION booking.my_resource_ids() IS
  'resources (instructor, facilitator) linked to the acting user in the acting org';

CREATE FUNCTION booking.my_client_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT x.id), '{}')
      FROM (SELECT c.id
              FROM booking.client c
             WHERE c.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
               AND c.user_id OPERATOR(pg_catalog.=) booking.current_user_id()
            UNION ALL
            SELECT cg.client_id
              FROM booking.guardian g
              JOIN booking.client_guardian cg
                ON cg.org_id OPERATOR(pg_catalog.=) g.org_id AND cg.guardian_id OPERATOR(pg_catalog.=) g.id
             WHERE g.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
               AND g.user_id OPERATOR(pg_catalog.=) booking.current_user_id()) x;
  END;
COMMENT ON FUNCTION booking.my_client_ids() IS
  'clients the acting user acts for in the acting org: their own client record and, as a guardian, their students';

CREATE FUNCTION booking.my_session_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(s.id), '{}')
      FROM booking.session s
     WHERE s.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND s.resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids());
  END;
COMMENT ON FUNCTION booking.my_session_ids() IS
  'sessions run by a resource linked to the acting user (a facilitator''s workshops)';

-- Enable and force RLS with the tenant restriction on every table that has
-- an org_id column; mark every table but the reference data for pg_dump.
DO $$
DECLARE
  t pg_catalog.regclass;
  s pg_catalog.regclass;
BEGIN
  FOR t IN
    SELECT c.oid::pg_catalog.regclass
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND c.relkind OPERATOR(pg_catalog.=) 'r'
     ORDER BY c.relname
  LOOP
    CONTINUE WHEN t OPERATOR(pg_catalog.=) 'booking.currency'::pg_catalog.regclass;
    EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    -- The write path's lock rows are transient: restoring bookings makes them anew.
    PERFORM pg_catalog.pg_extension_config_dump(t,
      CASE WHEN t OPERATOR(pg_catalog.=) 'booking.write_lock'::pg_catalog.regclass THEN 'WHERE false' ELSE '' END);
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid OPERATOR(pg_catalog.=) t AND a.attname OPERATOR(pg_catalog.=) 'org_id') THEN
      EXECUTE pg_catalog.format(
        'CREATE POLICY tenant_isolation ON %s AS RESTRICTIVE FOR ALL
           USING (org_id OPERATOR(pg_catalog.=) (SELECT booking.current_org_id()))
           WITH CHECK (org_id OPERATOR(pg_catalog.=) (SELECT booking.current_org_id()))', t);
      EXECUTE pg_catalog.format(
        'COMMENT ON POLICY tenant_isolation ON %s IS %L', t,
        'rows of the acting org only (restrictive: every other policy is ANDed with it)');
    END IF;
    FOR s IN
      SELECT pg_catalog.pg_get_serial_sequence(t::pg_catalog.text, a.attname)::pg_catalog.regclass
        FROM pg_catalog.pg_attribute a
       WHERE a.attrelid OPERATOR(pg_catalog.=) t AND a.attidentity OPERATOR(pg_catalog.<>) ''
    LOOP
      PERFORM pg_catalog.pg_extension_config_dump(s, '');
    END LOOP;
  END LOOP;
END
$$;

-- org: members read their org; owners and admins change it.
CREATE POLICY org_member_read ON booking.org FOR SELECT
  USING (id OPERATOR(pg_catalog.=) (SELECT booking.current_org_id()));
CREATE POLICY org_admin_update ON booking.org FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) (SELECT booking.current_org_id()) AND (SELECT booking.acting_is_admin()))
  WITH CHECK (id OPERATOR(pg_catalog.=) (SELECT booking.current_org_id()) AND (SELECT booking.acting_is_admin()));

-- app_user (global): a user sees and edits themself; members of the acting
-- org see each other as far as they see the membership rows.
CREATE POLICY app_user_self ON booking.app_user FOR SELECT
  USING (id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));
CREATE POLICY app_user_org_member ON booking.app_user FOR SELECT
  USING (EXISTS (SELECT 1 FROM booking.membership m WHERE m.user_id OPERATOR(pg_catalog.=) app_user.id));
CREATE POLICY app_user_self_update ON booking.app_user FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()))
  WITH CHECK (id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));

-- refresh_token: the user's own tokens, read-only (written by the functions).
CREATE POLICY refresh_token_self ON booking.refresh_token FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));

-- membership: staff see the org's members, everyone their own rows; owners
-- and admins manage them, and only an owner makes an owner.
CREATE POLICY membership_read ON booking.membership FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));
CREATE POLICY membership_admin ON booking.membership FOR ALL
  USING ((SELECT booking.acting_is_admin()))
  WITH CHECK ((SELECT booking.acting_is_admin())
              AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
                   OR (SELECT booking.acting_has_role('owner'::booking.org_role))));

-- The org's catalog: every member reads it, staff write it.
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY '{service,rate_card,rate_card_item,location,supplier,resource,session,cancellation_policy,transition_rule,license_rule,travel_time_cache}'::pg_catalog.text[]
  LOOP
    EXECUTE pg_catalog.format('CREATE POLICY member_read ON booking.%I FOR SELECT USING (true)', t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY staff_write ON booking.%I FOR ALL
         USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()))', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY member_read ON booking.%I IS %L', t,
                              'every member of the acting org reads the catalog');
    EXECUTE pg_catalog.format('COMMENT ON POLICY staff_write ON booking.%I IS %L', t,
                              'owner, admin and staff write the catalog');
  END LOOP;
END
$$;

-- The road graph (optional routing source): staff read it, since routing
-- runs with their rights; owners and admins load and change it.
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY '{road_node,road_edge}'::pg_catalog.text[]
  LOOP
    EXECUTE pg_catalog.format('CREATE POLICY staff_read ON booking.%I FOR SELECT USING ((SELECT booking.acting_is_staff()))', t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY admin_write ON booking.%I FOR ALL
         USING ((SELECT booking.acting_is_admin())) WITH CHECK ((SELECT booking.acting_is_admin()))', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY staff_read ON booking.%I IS %L', t,
                              'owner, admin and staff read the road graph');
    EXECUTE pg_catalog.format('COMMENT ON POLICY admin_write ON booking.%I IS %L', t,
                              'owner and admin load and change the road graph');
  END LOOP;
END
$$;

-- A facilitator manages the sessions they run.
CREATE POLICY session_own ON booking.session FOR ALL
  USING (resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK (resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));

-- Schedules: staff and the resource's own user.
CREATE POLICY schedule_own ON booking.working_hours FOR ALL
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));
CREATE POLICY schedule_own ON booking.availability_exception FOR ALL
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));

-- Bookings: staff all; an instructor those of their resources and sessions;
-- a student their own; a guardian those of their students.
CREATE POLICY booking_read ON booking.booking FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
         OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
         OR session_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_session_ids())::pg_catalog.uuid[]));
CREATE POLICY booking_insert ON booking.booking FOR INSERT
  WITH CHECK ((SELECT booking.acting_is_staff())
              OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
              OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]));
CREATE POLICY booking_update ON booking.booking FOR UPDATE
  USING ((SELECT booking.acting_is_staff())
         OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
         OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
         OR session_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_session_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff())
              OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
              OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
              OR session_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_session_ids())::pg_catalog.uuid[]));
CREATE POLICY booking_admin_delete ON booking.booking FOR DELETE
  USING ((SELECT booking.acting_is_admin()));

-- People.
CREATE POLICY client_read ON booking.client FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
         OR EXISTS (SELECT 1 FROM booking.booking b
                     WHERE b.org_id OPERATOR(pg_catalog.=) client.org_id
                       AND b.client_id OPERATOR(pg_catalog.=) client.id));
CREATE POLICY client_staff_write ON booking.client FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));
CREATE POLICY client_self_update ON booking.client FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]))
  WITH CHECK (id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]));

CREATE POLICY guardian_read ON booking.guardian FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id())
         OR EXISTS (SELECT 1 FROM booking.client_guardian cg
                     WHERE cg.org_id OPERATOR(pg_catalog.=) guardian.org_id
                       AND cg.guardian_id OPERATOR(pg_catalog.=) guardian.id));
CREATE POLICY guardian_staff_write ON booking.guardian FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

CREATE POLICY client_guardian_read ON booking.client_guardian FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]));
CREATE POLICY client_guardian_staff_write ON booking.client_guardian FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

-- What hangs off a booking is visible with the booking.
CREATE POLICY lesson_read ON booking.lesson FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.booking b
                     WHERE b.org_id OPERATOR(pg_catalog.=) lesson.org_id AND b.id OPERATOR(pg_catalog.=) lesson.booking_id));
CREATE POLICY lesson_instructor_write ON booking.lesson FOR ALL
  USING ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.booking b
                     WHERE b.org_id OPERATOR(pg_catalog.=) lesson.org_id AND b.id OPERATOR(pg_catalog.=) lesson.booking_id
                       AND b.resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])))
  WITH CHECK ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.booking b
                     WHERE b.org_id OPERATOR(pg_catalog.=) lesson.org_id AND b.id OPERATOR(pg_catalog.=) lesson.booking_id
                       AND b.resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])));

CREATE POLICY trip_read ON booking.trip FOR SELECT
  USING (EXISTS (SELECT 1 FROM booking.lesson l
                  WHERE l.org_id OPERATOR(pg_catalog.=) trip.org_id AND l.id OPERATOR(pg_catalog.=) trip.lesson_id));
CREATE POLICY trip_instructor_write ON booking.trip FOR ALL
  USING ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.lesson l JOIN booking.booking b
                      ON b.org_id OPERATOR(pg_catalog.=) l.org_id AND b.id OPERATOR(pg_catalog.=) l.booking_id
                     WHERE l.org_id OPERATOR(pg_catalog.=) trip.org_id AND l.id OPERATOR(pg_catalog.=) trip.lesson_id
                       AND b.resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])))
  WITH CHECK ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.lesson l JOIN booking.booking b
                      ON b.org_id OPERATOR(pg_catalog.=) l.org_id AND b.id OPERATOR(pg_catalog.=) l.booking_id
                     WHERE l.org_id OPERATOR(pg_catalog.=) trip.org_id AND l.id OPERATOR(pg_catalog.=) trip.lesson_id
                       AND b.resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])));

CREATE POLICY trip_point_read ON booking.trip_point FOR SELECT
  USING (EXISTS (SELECT 1 FROM booking.trip t
                  WHERE t.org_id OPERATOR(pg_catalog.=) trip_point.org_id AND t.id OPERATOR(pg_catalog.=) trip_point.trip_id));
CREATE POLICY trip_point_instructor_write ON booking.trip_point FOR ALL
  USING ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.trip t JOIN booking.lesson l
                      ON l.org_id OPERATOR(pg_catalog.=) t.org_id AND l.id OPERATOR(pg_catalog.=) t.lesson_id
                    JOIN booking.booking b
                      ON b.org_id OPERATOR(pg_catalog.=) l.org_id AND b.id OPERATOR(pg_catalog.=) l.booking_id
                     WHERE t.org_id OPERATOR(pg_catalog.=) trip_point.org_id AND t.id OPERATOR(pg_catalog.=) trip_point.trip_id
                       AND b.resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])))
  WITH CHECK ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.trip t JOIN booking.lesson l
                      ON l.org_id OPERATOR(pg_catalog.=) t.org_id AND l.id OPERATOR(pg_catalog.=) t.lesson_id
                    JOIN booking.booking b
                      ON b.org_id OPERATOR(pg_catalog.=) l.org_id AND b.id OPERATOR(pg_catalog.=) l.booking_id
                     WHERE t.org_id OPERATOR(pg_catalog.=) trip_point.org_id AND t.id OPERATOR(pg_catalog.=) trip_point.trip_id
                       AND b.resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])));

CREATE POLICY payment_read ON booking.payment FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.booking b
                     WHERE b.org_id OPERATOR(pg_catalog.=) payment.org_id AND b.id OPERATOR(pg_catalog.=) payment.booking_id));
CREATE POLICY payment_staff_write ON booking.payment FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

CREATE POLICY status_history_read ON booking.status_history FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR EXISTS (SELECT 1 FROM booking.booking b
                     WHERE b.org_id OPERATOR(pg_catalog.=) status_history.org_id
                       AND b.id OPERATOR(pg_catalog.=) status_history.booking_id));
CREATE POLICY status_history_staff_append ON booking.status_history FOR INSERT
  WITH CHECK ((SELECT booking.acting_is_staff()));

CREATE POLICY invoice_read ON booking.invoice FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
         OR EXISTS (SELECT 1 FROM booking.booking b
                     WHERE b.org_id OPERATOR(pg_catalog.=) invoice.org_id AND b.id OPERATOR(pg_catalog.=) invoice.booking_id));
CREATE POLICY invoice_staff_write ON booking.invoice FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

CREATE POLICY payout_read ON booking.payout FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));
CREATE POLICY payout_admin_write ON booking.payout FOR ALL
  USING ((SELECT booking.acting_is_admin())) WITH CHECK ((SELECT booking.acting_is_admin()));

CREATE POLICY notification_recipient ON booking.notification FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()) OR (SELECT booking.acting_is_admin()));
CREATE POLICY notification_mark_delivered ON booking.notification FOR UPDATE
  USING (user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()))
  WITH CHECK (user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));
CREATE POLICY notification_staff_write ON booking.notification FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

-- Operations tables: staff only; the audit log is read by owners and admins
-- and written only by the audit trigger.
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY '{scheduled_transition,message,webhook_event,outbox}'::pg_catalog.text[]
  LOOP
    EXECUTE pg_catalog.format(
      'CREATE POLICY staff_all ON booking.%I FOR ALL
         USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()))', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY staff_all ON booking.%I IS %L', t,
                              'owner, admin and staff only');
  END LOOP;
END
$$;
CREATE POLICY audit_log_admin_read ON booking.audit_log FOR SELECT
  USING ((SELECT booking.acting_is_admin()));
-- The application API of the foundation: creating orgs and users, refresh
-- token rotation, and granting an application role what it needs.

CREATE FUNCTION booking.register_user(email pg_catalog.text, full_name pg_catalog.text,
                                      external_id pg_catalog.text DEFAULT NULL,
                                      phone pg_catalog.text DEFAULT NULL)
  RETURNS pg_catalog.uuid
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    INSERT INTO booking.app_user (email, full_name, external_id, phone)
    VALUES (register_user.email, register_user.full_name, register_user.external_id, register_user.phone)
    RETURNING id;
  END;
COMMENT ON FUNCTION booking.register_user(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'create a user (global, before any org membership) and return its id; an e-mail that differs only in case from an existing one is a unique_violation (23505)';

CREATE FUNCTION booking.create_org(name pg_catalog.text, time_zone pg_catalog.text,
                                   currency pg_catalog.text, owner_user_id pg_catalog.uuid,
                                   slug pg_catalog.text DEFAULT NULL)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  new_id pg_catalog.uuid;
BEGIN
  IF owner_user_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'an org needs an owner: owner_user_id must not be null';
  END IF;
  INSERT INTO booking.org (name, time_zone, currency, slug)
  VALUES (create_org.name, create_org.time_zone, create_org.currency, create_org.slug)
  RETURNING id INTO new_id;
  INSERT INTO booking.membership (org_id, user_id, role)
  VALUES (new_id, owner_user_id, 'owner');
  -- life cycle: the default transition rules (sql/parts/52_lifecycle_rules.sql)
  PERFORM booking.seed_lifecycle_defaults(new_id);
  RETURN new_id;
END
$$;
COMMENT ON FUNCTION booking.create_org(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.uuid, pg_catalog.text) IS
  'create an org with its IANA time zone and ISO 4217 currency, owned by an existing user, with the default transition rules; returns the org id';

CREATE FUNCTION booking.issue_refresh_token(user_id pg_catalog.uuid, jti pg_catalog.text,
                                            token_hash pg_catalog.bytea, expires_at pg_catalog.timestamptz)
  RETURNS pg_catalog.uuid
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    INSERT INTO booking.refresh_token (user_id, jti, rotation_id, token_hash, expires_at)
    VALUES (issue_refresh_token.user_id, issue_refresh_token.jti, pg_catalog.gen_random_uuid(),
            issue_refresh_token.token_hash, issue_refresh_token.expires_at)
    RETURNING rotation_id;
  END;
COMMENT ON FUNCTION booking.issue_refresh_token(pg_catalog.uuid, pg_catalog.text, pg_catalog.bytea, pg_catalog.timestamptz) IS
  'store the first refresh token of a login (a new rotation family) and return the family id';

CREATE FUNCTION booking.rotate_refresh_token(jti pg_catalog.text, token_hash pg_catalog.bytea,
                                             new_jti pg_catalog.text, new_token_hash pg_catalog.bytea,
                                             new_expires_at pg_catalog.timestamptz,
                                             OUT user_id pg_catalog.uuid, OUT outcome pg_catalog.text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  t booking.refresh_token;
BEGIN
  SELECT * INTO t FROM booking.refresh_token r
   WHERE r.jti OPERATOR(pg_catalog.=) rotate_refresh_token.jti
   FOR UPDATE;
  IF NOT FOUND OR t.token_hash OPERATOR(pg_catalog.<>) rotate_refresh_token.token_hash THEN
    outcome := 'invalid';
    RETURN;
  END IF;
  user_id := t.user_id;
  IF t.used THEN
    -- A used token presented again: somebody holds a stolen copy.  Revoke the
    -- whole family; the change commits because no error is raised.
    UPDATE booking.refresh_token r SET revoked_at = pg_catalog.now()
     WHERE r.rotation_id OPERATOR(pg_catalog.=) t.rotation_id AND r.revoked_at IS NULL;
    outcome := 'reused';
    RETURN;
  END IF;
  IF t.revoked_at IS NOT NULL OR t.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
    outcome := 'expired';
    RETURN;
  END IF;
  UPDATE booking.refresh_token r SET used = true WHERE r.id OPERATOR(pg_catalog.=) t.id;
  INSERT INTO booking.refresh_token (user_id, jti, rotation_id, token_hash, expires_at)
  VALUES (t.user_id, new_jti, t.rotation_id, new_token_hash, new_expires_at);
  outcome := 'rotated';
END
$$;
COMMENT ON FUNCTION booking.rotate_refresh_token(pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.bytea, pg_catalog.timestamptz) IS
  'exchange a refresh token for a new one of the same family; outcome is rotated, invalid (unknown jti or wrong hash), expired (expired or revoked) or reused (a used token again: the whole family is revoked)';

CREATE FUNCTION booking.grant_app_role(role pg_catalog.regrole, trusted pg_catalog.bool DEFAULT false)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  t pg_catalog.regclass;
  f pg_catalog.regprocedure;
BEGIN
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA booking TO %s', role);
  FOR t IN
    SELECT c.oid::pg_catalog.regclass
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND c.relkind OPERATOR(pg_catalog.=) 'r'
  LOOP
    EXECUTE pg_catalog.format('GRANT %s ON %s TO %s',
      CASE
        WHEN t OPERATOR(pg_catalog.=) 'booking.currency'::pg_catalog.regclass THEN 'SELECT'
        WHEN t OPERATOR(pg_catalog.=) 'booking.refresh_token'::pg_catalog.regclass THEN 'SELECT'
        -- written by the extension's triggers only (as its owner)
        WHEN t OPERATOR(pg_catalog.=) ANY ('{booking.audit_log,booking.status_history}'::pg_catalog.regclass[]) THEN 'SELECT'
        WHEN t OPERATOR(pg_catalog.=) ANY ('{booking.org,booking.app_user}'::pg_catalog.regclass[]) THEN 'SELECT, UPDATE'
        ELSE 'SELECT, INSERT, UPDATE, DELETE'
      END, t, role);
  END LOOP;
  -- SECURITY DEFINER functions are not executable by PUBLIC; hand out those
  -- the policies need, and the identity and account functions to trusted roles.
  FOR f IN
    SELECT p.oid::pg_catalog.regprocedure
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND p.prosecdef
       AND p.prorettype OPERATOR(pg_catalog.<>) 'pg_catalog.trigger'::pg_catalog.regtype
       AND (p.proname OPERATOR(pg_catalog.~) '^my_'
            OR p.proname OPERATOR(pg_catalog.=) ANY ('{eligibility_problems,idempotency_match,available_slots,find_slots,explain_slot,free_time}'::pg_catalog.name[])
            OR (trusted AND p.proname OPERATOR(pg_catalog.=) ANY
                ('{act_as,register_user,create_org,issue_refresh_token,rotate_refresh_token}'::pg_catalog.name[])))
  LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s', f, role);
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.grant_app_role(pg_catalog.regrole, pg_catalog.bool) IS
  'grant an application role the privileges it needs on the booking schema; trusted = true also lets it set identities (act_as), register users, create orgs and rotate refresh tokens. Run by a superuser';

-- SECURITY DEFINER functions and the privilege-granting function are not for PUBLIC.
DO $$
DECLARE
  f pg_catalog.regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::pg_catalog.regprocedure
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND (p.prosecdef OR p.proname OPERATOR(pg_catalog.=) 'grant_app_role')
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$$;
-- Life cycle, the one path.  Triggers on booking.booking check every status
-- change and every reschedule against the org's rules (the same check for a
-- plain UPDATE and for the functions below) and record it in the same
-- transaction: status history, an outbox event, the scheduled transitions
-- of the new status and, for a cancellation, the refund on the payment.
-- Then the functions applications call: transition, cancel, reschedule,
-- cancellation_quote, status_at, and the runner of scheduled transitions.
--
-- Who acts: the system while booking.internal is on (the extension's own
-- SECURITY DEFINER functions); otherwise the identity set by act_as.  A
-- superuser session with neither (loading data, pg_restore) writes rows as
-- given, unchecked and unrecorded; any other session without an identity
-- is refused.

CREATE FUNCTION booking.lifecycle_is_maintenance() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT NOT booking.acting_is_system() AND booking.current_user_id() IS NULL
           AND COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r
                           WHERE r.rolname OPERATOR(pg_catalog.=) SESSION_USER), false);
  END;
COMMENT ON FUNCTION booking.lifecycle_is_maintenance() IS
  'true for a superuser session with no identity that is not the system (data loading, pg_restore): the life-cycle triggers then write booking rows as given, without rule checks or history';

-- The automatic transitions of booking b's current status, as rows for
-- booking.scheduled_transition: pending expires after
-- pending_expiry_minutes (at the start at the latest); confirmed gets the
-- no-show check and auto-completion.  One SELECT with no SET clause, so
-- that the planner inlines it into the statement that writes the history
-- row: this runs for every new booking.
CREATE FUNCTION booking.lifecycle_schedule(b booking.booking)
  RETURNS TABLE (kind pg_catalog.text, to_status booking.booking_status, execute_at pg_catalog.timestamptz,
                 expected_status booking.booking_status[], reason pg_catalog.text)
  LANGUAGE sql STABLE
  BEGIN ATOMIC
    SELECT k.kind, k.to_status,
           LEAST(k.base OPERATOR(pg_catalog.+) pg_catalog.make_interval(mins => k.m), k.latest),
           k.expected_status, pg_catalog.format(k.reason, k.m)
      FROM (SELECT) AS one
      LEFT JOIN booking.org st ON st.id OPERATOR(pg_catalog.=) b.org_id
     CROSS JOIN LATERAL (VALUES
             (1, 'pending'::booking.booking_status, 'expiry', 'expired'::booking.booking_status,
              pg_catalog.now(), b.starts_at, '{pending}'::booking.booking_status[],
              'not confirmed within %s minutes', booking.lifecycle_minutes(st.settings, 'pending_expiry_minutes')),
             (2, 'confirmed', 'no_show', 'no_show', b.starts_at, 'infinity', '{confirmed}',
              'not started %s minutes after the start', booking.lifecycle_minutes(st.settings, 'no_show_after_minutes')),
             (3, 'confirmed', 'auto_complete', 'completed', b.ends_at, 'infinity', '{confirmed,in_progress}',
              'completed automatically %s minutes after the end', booking.lifecycle_minutes(st.settings, 'auto_complete_after_minutes'))
           ) AS k(ord, status, kind, to_status, base, latest, expected_status, reason, m)
     WHERE k.status OPERATOR(pg_catalog.=) b.status AND k.m IS NOT NULL
     ORDER BY k.ord;
  END;
COMMENT ON FUNCTION booking.lifecycle_schedule(booking.booking) IS
  'the automatic transitions booking b''s status schedules, from the org''s settings.lifecycle: pending expires after pending_expiry_minutes (at the start at the latest); confirmed gets the no-show check at start + no_show_after_minutes and auto-completion at end + auto_complete_after_minutes; the life-cycle triggers write them to booking.scheduled_transition';

-- Apply the cancellation policy to a booking being cancelled and record the
-- refund on its payment; returns what was applied.
CREATE FUNCTION booking.lifecycle_settle_cancellation(b booking.booking) RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  who booking.cancellation_actor := booking.cancellation_actor_of(b);
  t record;
  p booking.payment;
  refund pg_catalog.int8;
  new_status booking.payment_status;
BEGIN
  t := booking.cancellation_terms(b.org_id, who, b.price_cents, b.starts_at, pg_catalog.now());
  SELECT * INTO p FROM booking.payment x
   WHERE x.org_id OPERATOR(pg_catalog.=) b.org_id AND x.booking_id OPERATOR(pg_catalog.=) b.id
   FOR UPDATE;
  IF NOT FOUND THEN
    refund := t.refund_cents;       -- no payment recorded here: the terms only
  ELSIF p.status OPERATOR(pg_catalog.=) ANY ('{succeeded,partially_refunded}'::booking.payment_status[]) THEN
    refund := LEAST(t.refund_cents, p.amount_cents OPERATOR(pg_catalog.-) p.refunded_cents);
    IF refund OPERATOR(pg_catalog.>) 0 THEN
      new_status := CASE WHEN p.refunded_cents OPERATOR(pg_catalog.+) refund OPERATOR(pg_catalog.=) p.amount_cents
                         THEN 'refunded' ELSE 'partially_refunded' END;
      UPDATE booking.payment x
         SET refunded_cents = x.refunded_cents OPERATOR(pg_catalog.+) refund, status = new_status
       WHERE x.org_id OPERATOR(pg_catalog.=) p.org_id AND x.id OPERATOR(pg_catalog.=) p.id;
    END IF;
  ELSIF p.status OPERATOR(pg_catalog.=) ANY ('{pending,authorized}'::booking.payment_status[]) THEN
    refund := 0;                    -- nothing was captured: the payment is voided
    new_status := 'cancelled';
    UPDATE booking.payment x SET status = new_status
     WHERE x.org_id OPERATOR(pg_catalog.=) p.org_id AND x.id OPERATOR(pg_catalog.=) p.id;
  ELSE
    refund := 0;                    -- failed, refunded or cancelled already
  END IF;
  RETURN pg_catalog.jsonb_build_object(
    'actor', who, 'policy_id', t.policy_id, 'hours_before_start', t.hours_before_start,
    'refund_percentage', t.refund_percentage, 'fee_cents', t.fee_cents, 'refund_cents', refund,
    'policy_refund_cents', t.refund_cents, 'payment_id', p.id,
    'payment_status', COALESCE(new_status, p.status));
END
$$;
COMMENT ON FUNCTION booking.lifecycle_settle_cancellation(booking.booking) IS
  'apply the org''s cancellation policy to booking b for the acting user (see booking.cancellation_terms) and record the refund on its payment: a captured payment (succeeded, partially_refunded) gets refunded_cents raised by the refund, at most to its amount; an uncaptured one (pending, authorized) is cancelled with no refund; returns actor, policy_id, hours_before_start, refund_percentage, fee_cents, refund_cents, policy_refund_cents, payment_id, payment_status';

CREATE FUNCTION booking.tg_lifecycle_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  sys pg_catalog.bool := booking.acting_is_system();
  uid pg_catalog.uuid := booking.current_user_id();
  reason pg_catalog.text := NULLIF(pg_catalog.current_setting('booking.reason', true), '');
  actor pg_catalog.uuid;
  given_cancellation_reason pg_catalog.text;
BEGIN
  IF NOT sys AND uid IS NULL THEN
    IF booking.lifecycle_is_maintenance() THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'changing a booking needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
  END IF;
  actor := CASE WHEN sys THEN NULL ELSE uid END;

  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    IF NOT sys AND NEW.status OPERATOR(pg_catalog.<>) ALL ('{pending,waitlisted,confirmed}'::booking.booking_status[]) THEN
      RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
        MESSAGE = pg_catalog.format('a new booking cannot start as %s', NEW.status),
        DETAIL = 'A booking is created pending, waitlisted or confirmed and then moves on by the org''s transition rules.',
        HINT = 'Create it, then call booking.transition().';
    END IF;
    NEW.previous_status := NULL;
    NEW.status_changed_at := pg_catalog.now();
    NEW.status_changed_by := actor;
    NEW.cancelled_by := NULL;
    NEW.cancelled_at := NULL;
    NEW.cancellation_reason := NULL;
    NEW.rescheduled_from := NULL;
    NEW.rescheduled_at := NULL;
    NEW.reschedule_reason := NULL;
    RETURN NEW;
  END IF;

  -- The columns the life cycle owns are set here, never taken from the client.
  IF NEW.cancellation_reason IS DISTINCT FROM OLD.cancellation_reason THEN
    given_cancellation_reason := NULLIF(NEW.cancellation_reason, '');
  END IF;
  NEW.previous_status := OLD.previous_status;
  NEW.status_changed_at := OLD.status_changed_at;
  NEW.status_changed_by := OLD.status_changed_by;
  NEW.cancelled_by := OLD.cancelled_by;
  NEW.cancelled_at := OLD.cancelled_at;
  NEW.cancellation_reason := OLD.cancellation_reason;
  NEW.rescheduled_from := OLD.rescheduled_from;
  NEW.rescheduled_at := OLD.rescheduled_at;
  NEW.reschedule_reason := OLD.reschedule_reason;

  IF NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
    -- A hold that has lapsed is over whatever the org's rules say: the
    -- write path expires it (as the system) when its time or seats are
    -- wanted.
    IF NOT (sys AND NEW.status OPERATOR(pg_catalog.=) 'expired'::booking.booking_status
            AND OLD.hold_expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()) THEN
      PERFORM booking.lifecycle_decide('transition', OLD, NEW.status,
        reason IS NOT NULL OR (NEW.status OPERATOR(pg_catalog.=) 'cancelled' AND given_cancellation_reason IS NOT NULL));
    END IF;
    NEW.previous_status := OLD.status;
    NEW.status_changed_at := pg_catalog.now();
    NEW.status_changed_by := actor;
    IF NEW.status OPERATOR(pg_catalog.=) 'cancelled' THEN
      NEW.cancelled_at := pg_catalog.now();
      NEW.cancelled_by := actor;
      NEW.cancellation_reason := COALESCE(reason, given_cancellation_reason);
    END IF;
  END IF;

  IF NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at THEN
    IF NOT sys THEN
      IF NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
          MESSAGE = pg_catalog.format('cannot reschedule booking %s and change its status at once', OLD.id),
          HINT = 'Change the status and the time in separate statements.';
      END IF;
      IF OLD.status OPERATOR(pg_catalog.<>) ALL ('{pending,waitlisted,confirmed}'::booking.booking_status[]) THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
          MESSAGE = pg_catalog.format('cannot reschedule booking %s: it is %s', OLD.id, OLD.status),
          DETAIL = 'Only pending, waitlisted and confirmed bookings can be rescheduled.';
      END IF;
      IF OLD.session_id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
          MESSAGE = pg_catalog.format('cannot reschedule booking %s: it takes seats in session %s and keeps its time', OLD.id, OLD.session_id),
          HINT = 'Cancel it and book another session.';
      END IF;
      PERFORM booking.lifecycle_decide('reschedule', OLD, 'cancelled', reason IS NOT NULL);
    END IF;
    NEW.rescheduled_from := OLD.starts_at;
    NEW.rescheduled_at := pg_catalog.now();
    NEW.reschedule_reason := reason;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_lifecycle_check() IS
  'trigger (BEFORE INSERT OR UPDATE on booking): refuse a status change or reschedule no active rule allows for the acting user or the system (a lapsed hold expiring by the system needs no rule), and set previous_status, status_changed_*, cancelled_* and rescheduled_* (never taken from the client)';

CREATE FUNCTION booking.tg_lifecycle_record() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  sys pg_catalog.bool := booking.acting_is_system();
  uid pg_catalog.uuid := booking.current_user_id();
  actor pg_catalog.uuid;
  reason pg_catalog.text := NULLIF(pg_catalog.current_setting('booking.reason', true), '');
  meta pg_catalog.jsonb := COALESCE(NULLIF(pg_catalog.current_setting('booking.metadata', true), '')::pg_catalog.jsonb, '{}');
  from_status booking.booking_status;
  actor_kind pg_catalog.text;
  cancellation pg_catalog.jsonb;
BEGIN
  IF NOT sys AND uid IS NULL THEN
    RETURN NULL;                -- maintenance (lifecycle_check refused anyone else)
  END IF;
  IF pg_catalog.jsonb_typeof(meta) OPERATOR(pg_catalog.<>) 'object' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'booking.metadata must be a JSON object',
      DETAIL = pg_catalog.format('It is %s.', meta);
  END IF;
  actor := CASE WHEN sys THEN NULL ELSE uid END;
  actor_kind := CASE WHEN sys THEN 'system' ELSE 'user' END;
  meta := meta OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('actor', actor_kind);

  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
      from_status := OLD.status;
    END IF;
    IF NEW.status OPERATOR(pg_catalog.=) 'cancelled' THEN
      cancellation := booking.lifecycle_settle_cancellation(NEW);
      meta := meta OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('cancellation', cancellation);
      reason := COALESCE(reason, NEW.cancellation_reason);
    END IF;
    -- the history row, its outbox event and the new status's scheduled
    -- transitions in one statement
    WITH h AS (
      INSERT INTO booking.status_history (org_id, booking_id, from_status, to_status, actor_user_id, reason, metadata)
      VALUES (NEW.org_id, NEW.id, from_status, NEW.status, actor, reason, meta)
      RETURNING id),
    o AS (
      INSERT INTO booking.outbox (org_id, topic, payload)
      SELECT NEW.org_id, 'booking.status.' OPERATOR(pg_catalog.||) NEW.status::pg_catalog.text,
             pg_catalog.jsonb_build_object(
               'history_id', h.id, 'org_id', NEW.org_id, 'booking_id', NEW.id,
               'from', from_status, 'to', NEW.status, 'at', pg_catalog.now(),
               'actor', actor_kind, 'actor_user_id', actor, 'reason', reason,
               'client_id', NEW.client_id, 'resource_id', NEW.resource_id, 'session_id', NEW.session_id,
               'starts_at', NEW.starts_at, 'ends_at', NEW.ends_at)
             OPERATOR(pg_catalog.||) CASE WHEN cancellation IS NULL THEN '{}'::pg_catalog.jsonb
                                          ELSE pg_catalog.jsonb_build_object('cancellation', cancellation) END
        FROM h)
    INSERT INTO booking.scheduled_transition
      (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
    SELECT NEW.org_id, NEW.id, t.kind, t.to_status, t.execute_at, t.expected_status, NEW.starts_at, t.reason
      FROM booking.lifecycle_schedule(NEW) AS t;
  END IF;

  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
     AND (NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at) THEN
    WITH h AS (
      INSERT INTO booking.status_history (org_id, booking_id, from_status, to_status, actor_user_id, reason, metadata)
      VALUES (NEW.org_id, NEW.id, NEW.status, NEW.status, actor, NEW.reschedule_reason,
              meta OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                'event', 'rescheduled', 'from_starts_at', OLD.starts_at, 'from_ends_at', OLD.ends_at,
                'starts_at', NEW.starts_at, 'ends_at', NEW.ends_at))
      RETURNING id),
    o AS (
      INSERT INTO booking.outbox (org_id, topic, payload)
      SELECT NEW.org_id, 'booking.rescheduled',
             pg_catalog.jsonb_build_object(
               'history_id', h.id, 'org_id', NEW.org_id, 'booking_id', NEW.id, 'status', NEW.status,
               'at', pg_catalog.now(), 'actor', actor_kind, 'actor_user_id', actor,
               'reason', NEW.reschedule_reason, 'from_starts_at', OLD.starts_at, 'from_ends_at', OLD.ends_at,
               'starts_at', NEW.starts_at, 'ends_at', NEW.ends_at,
               'client_id', NEW.client_id, 'resource_id', NEW.resource_id)
        FROM h)
    -- the new time's transitions (a new status got its own above)
    INSERT INTO booking.scheduled_transition
      (org_id, booking_id, kind, to_status, execute_at, expected_status, expected_starts_at, reason)
    SELECT NEW.org_id, NEW.id, t.kind, t.to_status, t.execute_at, t.expected_status, NEW.starts_at, t.reason
      FROM booking.lifecycle_schedule(NEW) AS t
     WHERE NEW.status OPERATOR(pg_catalog.=) OLD.status;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_lifecycle_record() IS
  'trigger (AFTER INSERT OR UPDATE on booking): in the same transaction append the change to booking.status_history, write an outbox event (booking.status.<to> or booking.rescheduled), schedule the automatic transitions of the new status and, on cancellation, apply the cancellation policy and record the refund on the payment';

CREATE FUNCTION booking.tg_lifecycle_settings_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.lifecycle_settings_check(NEW.settings);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_lifecycle_settings_check() IS
  'trigger (BEFORE INSERT OR UPDATE OF settings on org): check settings.lifecycle (SQLSTATE 22023)';

CREATE TRIGGER lifecycle_check BEFORE INSERT OR UPDATE ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_lifecycle_check();
CREATE TRIGGER lifecycle_record_insert AFTER INSERT ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_lifecycle_record();
CREATE TRIGGER lifecycle_record_update AFTER UPDATE ON booking.booking
  FOR EACH ROW
  WHEN (OLD.status OPERATOR(pg_catalog.<>) NEW.status OR OLD.starts_at OPERATOR(pg_catalog.<>) NEW.starts_at
        OR OLD.ends_at OPERATOR(pg_catalog.<>) NEW.ends_at)
  EXECUTE FUNCTION booking.tg_lifecycle_record();
CREATE TRIGGER lifecycle_settings_check BEFORE INSERT OR UPDATE OF settings ON booking.org
  FOR EACH ROW EXECUTE FUNCTION booking.tg_lifecycle_settings_check();

-- ------------------------------------------------------------------------
-- The functions applications call
-- ------------------------------------------------------------------------

-- Lock a booking visible to the caller; raise no_data_found otherwise.
CREATE FUNCTION booking.lifecycle_lock(booking_id pg_catalog.uuid) RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  org pg_catalog.uuid := booking.current_org_id();
BEGIN
  IF booking_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'booking_id must not be null';
  END IF;
  IF org IS NOT NULL THEN
    SELECT * INTO b FROM booking.booking x
     WHERE x.org_id OPERATOR(pg_catalog.=) org AND x.id OPERATOR(pg_catalog.=) lifecycle_lock.booking_id
     FOR UPDATE;
  ELSE
    SELECT * INTO b FROM booking.booking x
     WHERE x.id OPERATOR(pg_catalog.=) lifecycle_lock.booking_id
     FOR UPDATE;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('booking %s not found', booking_id),
      HINT = 'It does not exist, or the acting user may not see it.';
  END IF;
  RETURN b;
END
$$;
COMMENT ON FUNCTION booking.lifecycle_lock(pg_catalog.uuid) IS
  'lock and return a booking of the acting org that the acting user may see (no_data_found, P0002, otherwise)';

CREATE FUNCTION booking.transition(booking_id pg_catalog.uuid, to_status booking.booking_status,
                                   reason pg_catalog.text DEFAULT NULL,
                                   expected_status booking.booking_status DEFAULT NULL)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  saved pg_catalog.text := pg_catalog.current_setting('booking.reason', true);
BEGIN
  IF to_status IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'to_status must not be null';
  END IF;
  b := booking.lifecycle_lock(booking_id);
  IF expected_status IS NOT NULL AND b.status OPERATOR(pg_catalog.<>) expected_status THEN
    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
      MESSAGE = pg_catalog.format('booking %s is %s, not %s as expected', b.id, b.status, expected_status),
      DETAIL = 'Another transaction changed its status first.',
      HINT = 'Read the booking again and decide whether the change still applies.';
  END IF;
  IF b.status OPERATOR(pg_catalog.=) to_status THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('booking %s is already %s', b.id, b.status);
  END IF;
  PERFORM pg_catalog.set_config('booking.reason', COALESCE(reason, ''), true);
  UPDATE booking.booking x SET status = to_status
   WHERE x.org_id OPERATOR(pg_catalog.=) b.org_id AND x.id OPERATOR(pg_catalog.=) b.id
  RETURNING * INTO b;
  PERFORM pg_catalog.set_config('booking.reason', COALESCE(saved, ''), true);
  RETURN b;
END
$$;
COMMENT ON FUNCTION booking.transition(pg_catalog.uuid, booking.booking_status, pg_catalog.text, booking.booking_status) IS
  'move a booking to to_status, checked by the same trigger as UPDATE booking.booking SET status; reason is recorded (and required where a rule says so); with expected_status it is a compare-and-swap: serialization_failure (40001) when the booking is in another status. Returns the updated booking. Errors: P0002 not found, 22023 same status, 55000 no rule or too early/late, 42501 role or relation, 22004 reason missing';

CREATE FUNCTION booking.cancel(booking_id pg_catalog.uuid, reason pg_catalog.text DEFAULT NULL,
                               OUT refund_cents pg_catalog.int8, OUT fee_cents pg_catalog.int8,
                               OUT refund_percentage pg_catalog.int4,
                               OUT actor booking.cancellation_actor, OUT policy_id pg_catalog.uuid)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  c pg_catalog.jsonb;
BEGIN
  b := booking.transition(booking_id, 'cancelled', reason);
  SELECT h.metadata OPERATOR(pg_catalog.->) 'cancellation' INTO c
    FROM booking.status_history h
   WHERE h.org_id OPERATOR(pg_catalog.=) b.org_id AND h.booking_id OPERATOR(pg_catalog.=) b.id
   ORDER BY h.id DESC
   LIMIT 1;
  refund_cents := (c OPERATOR(pg_catalog.->>) 'refund_cents')::pg_catalog.int8;
  fee_cents := (c OPERATOR(pg_catalog.->>) 'fee_cents')::pg_catalog.int8;
  refund_percentage := (c OPERATOR(pg_catalog.->>) 'refund_percentage')::pg_catalog.int4;
  actor := (c OPERATOR(pg_catalog.->>) 'actor')::booking.cancellation_actor;
  policy_id := (c OPERATOR(pg_catalog.->>) 'policy_id')::pg_catalog.uuid;
END
$$;
COMMENT ON FUNCTION booking.cancel(pg_catalog.uuid, pg_catalog.text) IS
  'cancel a booking (booking.transition to cancelled) and return what the cancellation policy gave: refund_cents (also recorded on a captured payment), fee_cents, refund_percentage, the cancelling actor (student, guardian, instructor, admin) and the policy applied (NULL when none did)';

CREATE FUNCTION booking.cancellation_quote(booking_id pg_catalog.uuid, at pg_catalog.timestamptz DEFAULT pg_catalog.now(),
                                           OUT actor booking.cancellation_actor, OUT policy_id pg_catalog.uuid,
                                           OUT hours_before_start pg_catalog.numeric, OUT refund_percentage pg_catalog.int4,
                                           OUT fee_cents pg_catalog.int8, OUT refund_cents pg_catalog.int8)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  t record;
BEGIN
  SELECT * INTO b FROM booking.booking x
   WHERE x.org_id OPERATOR(pg_catalog.=) booking.current_org_id() AND x.id OPERATOR(pg_catalog.=) cancellation_quote.booking_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('booking %s not found', booking_id),
      HINT = 'It does not exist, or the acting user may not see it.';
  END IF;
  actor := booking.cancellation_actor_of(b);
  t := booking.cancellation_terms(b.org_id, actor, b.price_cents, b.starts_at, COALESCE(at, pg_catalog.now()));
  policy_id := t.policy_id;
  hours_before_start := t.hours_before_start;
  refund_percentage := t.refund_percentage;
  fee_cents := t.fee_cents;
  refund_cents := t.refund_cents;
END
$$;
COMMENT ON FUNCTION booking.cancellation_quote(pg_catalog.uuid, pg_catalog.timestamptz) IS
  'what cancelling the booking at time at (default now) would give the acting user under the org''s cancellation policy, without cancelling; refund_cents before capping at what the payment has left';

CREATE FUNCTION booking.reschedule(booking_id pg_catalog.uuid, new_start pg_catalog.timestamptz,
                                   reason pg_catalog.text DEFAULT NULL)
  RETURNS booking.booking
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b booking.booking;
  saved pg_catalog.text := pg_catalog.current_setting('booking.reason', true);
BEGIN
  IF new_start IS NULL OR pg_catalog.isfinite(new_start) IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'new_start must be a finite time', DETAIL = pg_catalog.format('It is %s.', COALESCE(new_start::pg_catalog.text, 'null'));
  END IF;
  b := booking.lifecycle_lock(booking_id);
  IF b.starts_at OPERATOR(pg_catalog.=) new_start THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('booking %s already starts at %s', b.id, b.starts_at);
  END IF;
  PERFORM pg_catalog.set_config('booking.reason', COALESCE(reason, ''), true);
  UPDATE booking.booking x
     SET starts_at = new_start, ends_at = new_start OPERATOR(pg_catalog.+) (x.ends_at OPERATOR(pg_catalog.-) x.starts_at)
   WHERE x.org_id OPERATOR(pg_catalog.=) b.org_id AND x.id OPERATOR(pg_catalog.=) b.id
  RETURNING * INTO b;
  PERFORM pg_catalog.set_config('booking.reason', COALESCE(saved, ''), true);
  RETURN b;
END
$$;
COMMENT ON FUNCTION booking.reschedule(pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.text) IS
  'move a pending, waitlisted or confirmed appointment to new_start, keeping its length, id and history; allowed to whoever may cancel it now (the rules for its status -> cancelled), checked like a new booking by the write-path triggers; records rescheduled_from/at/reason, a history row and a booking.rescheduled outbox event, and schedules its automatic transitions anew';

CREATE FUNCTION booking.status_at(booking_id pg_catalog.uuid, at pg_catalog.timestamptz)
  RETURNS booking.booking_status
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
  s booking.booking_status;
BEGIN
  IF org IS NULL THEN
    SELECT b.org_id INTO org FROM booking.booking b WHERE b.id OPERATOR(pg_catalog.=) status_at.booking_id;
  END IF;
  SELECT h.to_status INTO s
    FROM booking.status_history h
   WHERE h.org_id OPERATOR(pg_catalog.=) org AND h.booking_id OPERATOR(pg_catalog.=) status_at.booking_id
     AND h.created_at OPERATOR(pg_catalog.<=) status_at.at
   ORDER BY h.created_at DESC, h.id DESC
   LIMIT 1;
  RETURN s;
END
$$;
COMMENT ON FUNCTION booking.status_at(pg_catalog.uuid, pg_catalog.timestamptz) IS
  'the status booking_id had at time at, from its history (the last change at or before at; changes of one transaction are ordered by their history id); NULL before it was created or when it is not visible';

CREATE FUNCTION booking.run_due_transitions(max_rows pg_catalog.int4 DEFAULT 100,
                                            OUT executed pg_catalog.int4, OUT skipped pg_catalog.int4,
                                            OUT failed pg_catalog.int4, OUT deferred pg_catalog.int4)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  s booking.scheduled_transition;
  b record;
  msg pg_catalog.text;
  saved_reason pg_catalog.text := COALESCE(pg_catalog.current_setting('booking.reason', true), '');
  saved_metadata pg_catalog.text := COALESCE(pg_catalog.current_setting('booking.metadata', true), '');
BEGIN
  executed := 0;
  skipped := 0;
  failed := 0;
  deferred := 0;
  IF max_rows IS NULL OR max_rows OPERATOR(pg_catalog.<) 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('max_rows must be at least 1, not %s', COALESCE(max_rows::pg_catalog.text, 'null'));
  END IF;
  FOR s IN
    SELECT * FROM booking.scheduled_transition t
     WHERE t.processed_at IS NULL AND t.execute_at OPERATOR(pg_catalog.<=) pg_catalog.now()
     ORDER BY t.execute_at
     LIMIT max_rows
     FOR UPDATE SKIP LOCKED
  LOOP
    BEGIN
      -- A booking locked by a user's transaction or another runner is left
      -- for the next run: waiting here could deadlock with a runner that
      -- holds another of our bookings.
      SELECT x.status, x.starts_at INTO b FROM booking.booking x
       WHERE x.org_id OPERATOR(pg_catalog.=) s.org_id AND x.id OPERATOR(pg_catalog.=) s.booking_id
       FOR UPDATE SKIP LOCKED;
      IF NOT FOUND THEN
        deferred := deferred OPERATOR(pg_catalog.+) 1;
      ELSIF (s.expected_status IS NOT NULL AND b.status OPERATOR(pg_catalog.<>) ALL (s.expected_status))
            OR (s.expected_starts_at IS NOT NULL AND b.starts_at OPERATOR(pg_catalog.<>) s.expected_starts_at)
            OR b.status OPERATOR(pg_catalog.=) s.to_status THEN
        -- the booking has moved on: nothing to do, ever
        UPDATE booking.scheduled_transition t
           SET attempts = t.attempts OPERATOR(pg_catalog.+) 1, outcome = 'skipped', processed_at = pg_catalog.now()
         WHERE t.org_id OPERATOR(pg_catalog.=) s.org_id AND t.id OPERATOR(pg_catalog.=) s.id;
        skipped := skipped OPERATOR(pg_catalog.+) 1;
      ELSE
        PERFORM pg_catalog.set_config('booking.reason', COALESCE(s.reason, ''), true);
        PERFORM pg_catalog.set_config('booking.metadata',
          (s.metadata OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('scheduled_transition_id', s.id, 'kind', s.kind))::pg_catalog.text, true);
        UPDATE booking.booking x SET status = s.to_status
         WHERE x.org_id OPERATOR(pg_catalog.=) s.org_id AND x.id OPERATOR(pg_catalog.=) s.booking_id;
        UPDATE booking.scheduled_transition t
           SET attempts = t.attempts OPERATOR(pg_catalog.+) 1, outcome = 'done', processed_at = pg_catalog.now()
         WHERE t.org_id OPERATOR(pg_catalog.=) s.org_id AND t.id OPERATOR(pg_catalog.=) s.id;
        executed := executed OPERATOR(pg_catalog.+) 1;
      END IF;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
      -- retry after 1, 2, 4, 8 minutes; the fifth failure is final
      UPDATE booking.scheduled_transition t
         SET attempts = t.attempts OPERATOR(pg_catalog.+) 1,
             last_error = SQLSTATE OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) msg,
             execute_at = pg_catalog.now() OPERATOR(pg_catalog.+)
                          pg_catalog.make_interval(mins => 1 OPERATOR(pg_catalog.<<) LEAST(t.attempts, 6)),
             outcome = CASE WHEN t.attempts OPERATOR(pg_catalog.>=) 4 THEN 'failed' END,
             processed_at = CASE WHEN t.attempts OPERATOR(pg_catalog.>=) 4 THEN pg_catalog.now() END
       WHERE t.org_id OPERATOR(pg_catalog.=) s.org_id AND t.id OPERATOR(pg_catalog.=) s.id;
      failed := failed OPERATOR(pg_catalog.+) 1;
    END;
    PERFORM pg_catalog.set_config('booking.reason', saved_reason, true);
    PERFORM pg_catalog.set_config('booking.metadata', saved_metadata, true);
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.run_due_transitions(pg_catalog.int4) IS
  'run up to max_rows due scheduled transitions (oldest first) as the system: rows are claimed with FOR UPDATE SKIP LOCKED, so concurrent runners never take the same row; a row whose booking has moved on (status not expected, rescheduled, or already there) is skipped; a failure is recorded (attempts, last_error) and retried after 1, 2, 4, 8 minutes, the fifth is final (outcome failed); a booking locked by another transaction is deferred to the next run. Returns executed, skipped, failed, deferred. Run it in READ COMMITTED, e.g. every minute from pg_cron';

-- Like 95_api.sql: no SECURITY DEFINER function is executable by PUBLIC.
DO $$
DECLARE
  f pg_catalog.regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::pg_catalog.regprocedure
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND p.prosecdef
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$$;

-- The helpers that write (schedules, refunds) run only inside the
-- life-cycle trigger, as the extension owner.
REVOKE EXECUTE ON FUNCTION booking.lifecycle_schedule(booking.booking) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION booking.lifecycle_settle_cancellation(booking.booking) FROM PUBLIC;
