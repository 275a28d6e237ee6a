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
