-- Types: enums for every status and role, domains for checked scalars, and a
-- range type for local wall-clock times.

COMMENT ON SCHEMA booking IS
  'booking extension: multi-tenant scheduling, booking rules, capacity and travel time';

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
