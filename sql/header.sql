-- booking: a multi-tenant booking engine inside PostgreSQL.
--
-- This script is built by the Makefile from sql/ (see README, "Changing the
-- schema"): sql/schema/ (the objects created once, as released in 0.1.0),
-- sql/updates/ (the hand-written changes of each later version), and
-- sql/code/ (functions, policies, triggers and grants, replayed by the
-- install script and by every update).  Everything is schema-qualified:
-- built-ins with pg_catalog, our own objects with booking.  PostGIS types
-- are resolved once, here, through the search_path that CREATE EXTENSION
-- sets (booking, then the schema of postgis), and are bound by OID from then
-- on.

\echo Use "CREATE EXTENSION booking CASCADE" (or ALTER EXTENSION booking UPDATE) to load this file. \quit

-- The schema booking is the extension's: CREATE EXTENSION uses one that
-- already exists as it is (PostgreSQL 15 creates it only when it is
-- missing), and its owner could then replace our functions, among them the
-- ones a superuser's scheduled job runs.  contrib's extensions get a new
-- schema from CREATE EXTENSION; we refuse one owned by anyone but the role
-- creating or updating the extension or a superuser.
DO LANGUAGE plpgsql $booking_schema_owner$
DECLARE
  owner_name pg_catalog.name;
  owner_is_super pg_catalog.bool;
BEGIN
  SELECT r.rolname, r.rolsuper INTO owner_name, owner_is_super
    FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
   WHERE n.nspname OPERATOR(pg_catalog.=) 'booking';
  IF owner_name IS DISTINCT FROM CURRENT_USER AND owner_is_super IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = pg_catalog.format('schema "booking" is owned by role "%s", not by the extension''s owner', owner_name),
      DETAIL = 'The extension''s objects would be replaceable by that role, and superusers run some of them.',
      HINT = 'Drop or rename the schema (or ALTER SCHEMA booking OWNER TO a superuser) before CREATE EXTENSION booking.';
  END IF;
END
$booking_schema_owner$;
