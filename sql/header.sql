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
