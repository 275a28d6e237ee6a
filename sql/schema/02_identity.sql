-- Identity: the org, user and roles the current transaction acts for.  See
-- src/identity.c for why this cannot be forged by setting a variable.
--
-- These functions run in every policy and write trigger.  They resolve no
-- name at run time (C, or SQL-standard bodies whose names are bound when
-- they are created), so they have no SET clause: on PostgreSQL 15 one costs
-- a save and restore of the settings at every call, and it would keep the
-- SQL ones from being inlined.  test/pgtap/schema.sql lists every such
-- exception to the pinned search_path.

CREATE DOMAIN booking.time_zone AS pg_catalog.text
  CONSTRAINT time_zone_is_iana CHECK (booking.check_time_zone(VALUE));
COMMENT ON DOMAIN booking.time_zone IS 'name of an IANA tz database zone, e.g. Europe/Berlin';
