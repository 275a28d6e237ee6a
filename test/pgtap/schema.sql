-- Contract of the schema, read from the catalog: keys, foreign keys, row-level
-- security, comments, search_path pinning and privileges.
BEGIN;
SELECT plan(36);

-- functions we wrote (not the constructors PostgreSQL generates for range types)
CREATE TEMP VIEW our_function AS
SELECT p.* FROM pg_proc p
 WHERE p.pronamespace = 'booking'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i');

CREATE TEMP VIEW tenant_table AS
SELECT c.oid::regclass AS t FROM pg_class c
 WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind = 'r'
   AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id');

SELECT cmp_ok((SELECT count(*) FROM tenant_table), '>=', 30::bigint, 'at least 30 tenant tables');

SELECT is_empty($$
  SELECT t FROM tenant_table tt JOIN pg_constraint k ON k.conrelid = tt.t AND k.contype = 'p'
   WHERE (SELECT attname FROM pg_attribute WHERE attrelid = tt.t AND attnum = k.conkey[1]) <> 'org_id'
  UNION ALL
  SELECT t FROM tenant_table tt WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = tt.t AND k.contype = 'p')
$$, 'every tenant table has a primary key led by org_id');

SELECT is_empty($$
  SELECT k.conname FROM pg_constraint k JOIN tenant_table a ON a.t = k.conrelid JOIN tenant_table b ON b.t = k.confrelid
   WHERE k.contype = 'f'
     AND NOT ((SELECT attnum FROM pg_attribute WHERE attrelid = k.conrelid AND attname = 'org_id') = ANY (k.conkey)
          AND (SELECT attnum FROM pg_attribute WHERE attrelid = k.confrelid AND attname = 'org_id') = ANY (k.confkey))
$$, 'every foreign key between tenant tables includes org_id on both sides');

SELECT is_empty($$
  SELECT k.conname FROM pg_constraint k JOIN tenant_table a ON a.t = k.conrelid
   WHERE k.contype = 'u'
     AND NOT (SELECT attnum FROM pg_attribute WHERE attrelid = k.conrelid AND attname = 'org_id') = ANY (k.conkey)
     AND k.conname NOT IN ('resource_payout_account_key', 'payment_provider_payment_id_key', 'payout_provider_transfer_id_key')
$$, 'unique keys of tenant tables include org_id (except globally unique provider ids)');

SELECT is_empty($$
  SELECT c.relname FROM pg_class c
   WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind = 'r' AND c.relname <> 'currency'
     AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
$$, 'row-level security is enabled and forced on every table but the currency reference data');

-- Row-level security that needs nothing but the row and the identity (it
-- must hold on a Citus shard): no policy has a sublink (a subquery, EXISTS,
-- or a (SELECT f()) wrapper) in its node tree, none is RESTRICTIVE (Citus
-- makes them permissive on shards), and the tenant condition is part of
-- every policy of every tenant table.
SELECT is_empty($$
  SELECT p.polrelid::regclass, p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
   WHERE c.relnamespace = 'booking'::regnamespace
     AND (coalesce(p.polqual::text, '') LIKE '%{SUBLINK %' OR coalesce(p.polwithcheck::text, '') LIKE '%{SUBLINK %')
$$, 'no policy of schema booking contains a sublink');
SELECT is_empty($$
  SELECT p.polrelid::regclass, p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
   WHERE c.relnamespace = 'booking'::regnamespace AND NOT p.polpermissive
$$, 'no policy of schema booking is restrictive');
SELECT is_empty($$
  SELECT p.polrelid::regclass, p.polname FROM pg_policy p JOIN tenant_table tt ON tt.t = p.polrelid
   WHERE NOT (coalesce(pg_get_expr(p.polqual, p.polrelid), '') LIKE '((org_id = booking.current_org_id()) AND %'
              OR (p.polqual IS NULL AND p.polcmd = 'a'))
      OR NOT (coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') LIKE '((org_id = booking.current_org_id()) AND %'
              OR (p.polwithcheck IS NULL AND p.polcmd <> 'a'))
$$, 'every policy of every tenant table starts with the tenant condition');
SELECT ok((SELECT count(*) FROM pg_policy p JOIN tenant_table tt ON tt.t = p.polrelid) > 50
          AND EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = 'booking.booking'::regclass
                        AND p.polqual::text LIKE '%{FUNCEXPR %'),
          'the policy checks above read the policies of the tenant tables');

SELECT is_empty($$
  SELECT c.relname FROM pg_class c
   WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NULL
$$, 'every table has a comment');

SELECT is_empty($$
  SELECT p.oid::regprocedure FROM our_function p WHERE obj_description(p.oid, 'pg_proc') IS NULL
$$, 'every function has a comment');

-- The exceptions run for every row or call on the hot paths and resolve no
-- name at run time: C functions whose queries are schema-qualified and
-- prepared once, and SQL-standard bodies (names bound at creation) that the
-- planner inlines.  On PostgreSQL 15 a SET clause costs a save and restore
-- of the settings at each call (a third of a cached travel-time lookup) and
-- keeps an SQL function from being inlined.  They must stay SECURITY
-- INVOKER, and the list is explicit: adding one is a decision.
CREATE TEMP TABLE unpinned (f regprocedure);
INSERT INTO unpinned VALUES
  ('booking.travel_time(geography,geography,timestamp with time zone)'), ('booking.checked_point(geography,text)'),
  ('booking.padded_range(timestamp with time zone,timestamp with time zone,integer,integer)'),
  ('booking.local_days(text,tstzrange,integer)'), ('booking.lifecycle_schedule(booking.booking)'),
  ('booking.current_org_id()'), ('booking.current_user_id()'), ('booking.current_roles()'), ('booking.acting_is_system()'),
  ('booking.caller_bypasses_rls()'), ('booking.sorted_uuids_contain(uuid[],uuid)'),
  ('booking.writing_as_maintenance()'), ('booking.my_resource_ids()'), ('booking.my_client_ids()'),
  ('booking.my_session_ids()'), ('booking.my_guardian_ids()'),
  ('booking.acting_is_staff()'), ('booking.acting_is_admin()'), ('booking.acting_has_role(booking.org_role)'),
  ('booking.status_occupies(booking.booking_status)'), ('booking.status_is_open(booking.booking_status)'),
  ('booking.occupies_now(booking.booking_status,timestamp with time zone)'),
  ('booking.fix_point(double precision,double precision)'), ('booking.point_degrees(booking.point,boolean)'),
  ('booking.fix_refusal(timestamp with time zone,double precision,double precision,double precision,double precision,timestamp with time zone,timestamp with time zone,timestamp with time zone)');
SELECT is_empty($$
  SELECT p.oid::regprocedure FROM our_function p
   WHERE NOT coalesce(p.proconfig @> '{"search_path=pg_catalog, pg_temp"}', false)
     AND p.oid <> ALL (SELECT f FROM unpinned)
$$, 'every function pins search_path to pg_catalog, pg_temp, but for the listed hot ones');

-- Citus cannot plan an SQL function's parameters in a query of a
-- distributed table ("possibly this is caused by the use of parameters in
-- SQL functions"), so no function of schema booking in LANGUAGE sql with a
-- parameter queries a table that Citus distributes: a tenant table (one
-- with org_id) or org.  Such functions are PL/pgSQL (its cached plans make
-- them no slower: an SQL function with a SET clause is never inlined).  An
-- SQL-standard body names its tables as range table entries of its parse
-- tree; a body in a string names them schema-qualified (search_path is
-- pinned), not followed by a parenthesis (a function of the same name).
CREATE TEMP VIEW distributed_table AS
SELECT c.oid, c.relname FROM pg_class c
 WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p')
   AND (c.oid = 'booking.org'::regclass
        OR EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped));
CREATE TEMP VIEW sql_function_querying_tenant AS
SELECT p.oid::regprocedure AS f, string_agg(DISTINCT d.relname, ', ') AS tables
  FROM pg_proc p JOIN distributed_table d
    ON CASE WHEN p.prosqlbody IS NOT NULL
            THEN d.oid::text IN (SELECT m[1] FROM regexp_matches(p.prosqlbody::text, ':rtekind 0 :relid (\d+)', 'g') m)
            ELSE p.prosrc ~* ('\mbooking\s*\.\s*"?' || d.relname || '\M"?(?!\s*\()') END
 WHERE p.pronamespace = 'booking'::regnamespace AND p.pronargs > 0
   AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
 GROUP BY p.oid;
SELECT is_empty($$SELECT f, tables FROM sql_function_querying_tenant$$,
                'no LANGUAGE sql function with a parameter queries a table that Citus distributes (tenant tables, org)');
-- the rule sees such functions, whichever form their body has
SAVEPOINT bad_functions;
CREATE FUNCTION booking.regress_bad_std(o uuid) RETURNS bigint LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC SELECT count(*) FROM booking.service s WHERE s.org_id = o; END;
CREATE FUNCTION booking.regress_bad_string(o uuid) RETURNS text LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT o.name FROM booking.org o WHERE o.id = $1 $$;
CREATE FUNCTION booking.regress_fine_string(o uuid) RETURNS text LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT booking.org_zone($1) $$;
SELECT is((SELECT array_agg(f::text || ': ' || tables ORDER BY f::text) FROM sql_function_querying_tenant),
          ARRAY['booking.regress_bad_std(uuid): service', 'booking.regress_bad_string(uuid): org'],
          'the rule names an SQL function that queries a tenant table (SQL-standard body) or org (string body), not one that only calls a function (org_zone)');
ROLLBACK TO SAVEPOINT bad_functions;
SELECT ok(EXISTS (SELECT FROM pg_proc p WHERE p.oid = 'booking.org_zone(uuid)'::regprocedure AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql'))
          AND EXISTS (SELECT FROM pg_proc p WHERE p.oid = 'booking.seats_taken(uuid,uuid)'::regprocedure AND p.prosqlbody IS NOT NULL),
          'the converted functions are PL/pgSQL; an SQL function that only calls them stays SQL');

SELECT is_empty($$
  SELECT p.oid::regprocedure FROM our_function p
   WHERE p.proconfig IS NULL
     AND (p.prosecdef OR NOT (p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
                              OR (p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql') AND p.prosqlbody IS NOT NULL)))
$$, 'the functions without a pinned search_path are SECURITY INVOKER, in C or with an SQL-standard body');

SELECT is_empty($$
  SELECT p.oid::regprocedure FROM pg_proc p
   WHERE p.pronamespace = 'booking'::regnamespace AND p.prosecdef
     AND has_function_privilege('public', p.oid, 'EXECUTE')
$$, 'no SECURITY DEFINER function is executable by PUBLIC');

SELECT is_empty($$
  SELECT c.oid::regclass FROM pg_class c
   WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'S') AND c.relname <> 'currency'
     AND NOT c.oid = ANY (SELECT unnest(extconfig) FROM pg_extension WHERE extname = 'booking')
$$, 'every table and sequence but currency is marked for pg_dump (pg_extension_config_dump)');

SELECT ok(NOT has_schema_privilege('public', 'booking', 'USAGE'), 'PUBLIC has no usage on schema booking');

-- pgrouting is optional: booking.route_travel_times finds it at run time
SELECT is((SELECT requires FROM pg_available_extension_versions WHERE name = 'booking' AND version = (SELECT extversion FROM pg_extension WHERE extname = 'booking')),
          '{btree_gist,postgis}'::name[], 'booking requires btree_gist and postgis only (pgrouting stays optional)');

SELECT indexes_are('booking', 'booking', ARRAY['booking_pkey', 'booking_org_id_idempotency_key_key', 'booking_no_overlap',
  'booking_org_start_idx', 'booking_resource_start_idx', 'booking_client_start_idx', 'booking_session_idx',
  'booking_session_hold_idx', 'booking_org_session_hold_idx'],
  'bookings are indexed by (org, start), (org, instructor, start), (org, student, start), and the holds of sessions (the runner''s, and per org for staff)');
SELECT has_index('booking', 'payment', 'payment_org_status_idx', ARRAY['org_id', 'status'], 'payments by (org, status)');
-- trip_point is partitioned by month; its keys and indexes are the
-- partitions' own (see sql/updates/0.1.0--0.2.0.sql, issue 20)
SELECT is((SELECT pg_get_partkeydef('booking.trip_point'::regclass)), 'RANGE (ts)', 'trip points are partitioned by time');
SELECT isnt_empty($$SELECT booking.trip_point_partition(now())$$, 'a partition is made for the current month');
SELECT is_empty($$
  SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = 'booking.trip_point'::regclass
     AND NOT (EXISTS (SELECT 1 FROM pg_constraint k JOIN pg_index x ON x.indexrelid = k.conindid WHERE k.conrelid = i.inhrelid AND k.contype = 'p'
                        AND pg_get_indexdef(x.indexrelid) ~ 'UNIQUE INDEX .* \(org_id, trip_id, ts\)$')
              AND (SELECT count(*) FROM pg_index x WHERE x.indrelid = i.inhrelid) = 1)
$$, 'every partition of trip_point has one index: its primary key, trip points by (org_id, trip_id, ts)');
SELECT is((SELECT count(*)::int FROM pg_constraint k WHERE k.conrelid = 'booking.trip_point'::regclass AND k.contype = 'f'), 0,
          'trip_point has no per-row foreign key: its references to trip are checked per statement (trip_point_refs_insert/update)');
SELECT is_empty($$
  SELECT c.oid::regclass FROM pg_class c WHERE c.relnamespace = 'booking_trip_point'::regnamespace
     AND EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner)
$$, 'no partition of trip_point is granted to anyone (applications reach the points through the parent and its policies)');

-- The triggers of booking.booking in firing order (timing, then name), as
-- documented at the top of sql/code/49_write_trigger.sql.
SELECT is((SELECT array_agg(t.tgname::text ORDER BY (t.tgtype & 2) = 0, t.tgname)
             FROM pg_trigger t WHERE t.tgrelid = 'booking.booking'::regclass AND NOT t.tgisinternal),
          ARRAY['a1_org_guard', 'a2_column_owner', 'lifecycle_check', 'money_price', 'touch_updated_at', 'write_check',
                'booking_reach', 'lesson_follow', 'lifecycle_record_insert', 'lifecycle_record_update', 'money_invoice', 'write_release', 'write_release_delete'],
          'the triggers of booking.booking fire in the documented order');

-- What must hold for every table is applied by one procedure, which the
-- install and every update call and no application may.
SELECT is_empty($$
  SELECT c.oid::regclass FROM pg_class c
   WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'currency'
     AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
$$, 'every table but currency has row-level security enabled and forced');
SELECT is_empty($$
  SELECT c.oid::regclass FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id'
   WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p')
     AND NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid)
     AND c.oid <> ALL ('{booking.invoice_counter,booking.write_lock}'::regclass[])
$$, 'every table with an org_id has a policy (with the tenant condition), but the two only the extension''s functions use');
SELECT is_empty($$
  SELECT c.oid::regclass FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at'
   WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p')
     AND NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'touch_updated_at')
$$, 'every table with an updated_at has the touch_updated_at trigger');
SELECT ok(NOT has_function_privilege('public', 'booking.apply_schema_rules()', 'EXECUTE'),
          'PUBLIC may not run booking.apply_schema_rules');
SELECT throws_ok('CALL booking.apply_schema_rules()', '0A000', NULL,
                 'booking.apply_schema_rules runs only inside CREATE or ALTER EXTENSION');

CREATE ROLE regress_tap_app;
SELECT booking.grant_app_role('regress_tap_app');
SELECT table_privs_are('booking', 'status_history', 'regress_tap_app', ARRAY['SELECT'],
  'an application role may read the history, which the life-cycle triggers write');
SELECT function_privs_are('booking', 'act_as', ARRAY['uuid', 'uuid'], 'regress_tap_app', ARRAY[]::text[],
  'an untrusted application role may not call act_as');

-- Policies are expressions of the row and the identity only: no policy
-- reads a table (a subquery over one is refused by Citus, and its cost
-- estimate made a member's every query JIT-compiled; bench/policy_jit.sh).
-- (lesson, trip and trip_point compare the resource and client they carry.)
SELECT is_empty($$
  SELECT polrelid::regclass::text || ' ' || polname FROM pg_policy
   WHERE (polqual::text ~ ':rtekind 0' OR polwithcheck::text ~ ':rtekind 0')
$$, 'no policy reads a table');

SELECT * FROM finish();
ROLLBACK;
