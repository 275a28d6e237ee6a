-- CREATE EXTENSION refuses a schema booking that another role owns (on
-- PostgreSQL 15 it would use it as it is, and that role could then replace
-- the extension's functions, among them those a superuser's scheduled job
-- runs).  A schema booking of a superuser, or one CREATE EXTENSION makes
-- itself, is fine.
SET client_min_messages = warning;
DROP EXTENSION booking;
DROP SCHEMA booking;                  -- left behind: DROP EXTENSION keeps it
CREATE ROLE regress_schema_squatter;
CREATE SCHEMA booking AUTHORIZATION regress_schema_squatter;
\set VERBOSITY default
CREATE EXTENSION booking;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'booking';
-- nothing of the extension was made in the squatter's schema
SELECT count(*) AS functions FROM pg_proc p WHERE p.pronamespace = 'booking'::regnamespace;
DROP SCHEMA booking CASCADE;

-- a pre-existing schema booking of a superuser is used
CREATE SCHEMA booking;
CREATE EXTENSION booking;
SELECT n.nspname, pg_get_userbyid(n.nspowner) = current_user AS owned_by_installer
  FROM pg_namespace n WHERE n.nspname = 'booking';
DROP EXTENSION booking;
DROP SCHEMA booking;

-- an owner who is a superuser is as good as the installer
CREATE ROLE regress_schema_admin SUPERUSER;
CREATE SCHEMA booking AUTHORIZATION regress_schema_admin;
CREATE EXTENSION booking;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'booking';
DROP EXTENSION booking;
DROP SCHEMA booking;
DROP ROLE regress_schema_admin;

-- the usual case: CREATE EXTENSION creates the schema
CREATE EXTENSION booking;
SELECT e.extname, n.nspname, pg_get_userbyid(n.nspowner) = current_user AS owned_by_installer
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'booking';
DROP ROLE regress_schema_squatter;
