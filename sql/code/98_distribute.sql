-- Scaling out on Citus (issue 15): booking.distribute(), the one call a DBA
-- makes on a Citus coordinator to spread the tenants over its workers, and
-- booking.is_distributed(), which the few code paths that differ ask.
--
-- Layout: booking.org is distributed by id, every table with an org_id by
-- org_id in org's co-location group (a tenant's rows of every table sit in
-- one shard group, on one worker: a query for one org is one task there);
-- the tables without an org_id are reference tables (a copy on every node,
-- joined locally): every table without an org_id (currency, app_user,
-- payment_transition, provider_ref, refresh_token, org_slug, ...).  booking.identity_key stays out of Citus: a
-- local table on every node with the same rows (booking.push_identity_key).
--
-- Uniqueness that was global on a table now distributed:
--   org.slug               stays global (it names the public booking page):
--                          booking.org_slug, a reference table keyed by
--                          slug, and a foreign key (id, slug) from org;
--   resource.payout_account is unique per org (issue 21), as the domain
--                          means: one instructor's payout account may be
--                          paid by two schools;
--   payment and payout provider ids stay global through provider_ref
--                          (already a table without org_id).
-- The ON DELETE SET NULL (column) foreign keys are replaced by the update
-- script (0.1.0--0.2.0, issue 15) with NO ACTION keys and a trigger
-- (booking.tg_set_null_refs), since Citus refuses the column list.

CREATE OR REPLACE FUNCTION booking.is_distributed() RETURNS pg_catalog.bool
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  d pg_catalog.bool;
BEGIN
  -- (first the server without Citus loaded, a setting's lookup: triggers
  -- ask this on every row once distributed tables are possible)
  IF pg_catalog.current_setting('citus.version', true) IS NULL
     OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
    RETURN false;
  END IF;
  EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition
                           WHERE logicalrelid OPERATOR(pg_catalog.=) ''booking.org''::pg_catalog.regclass)'
    INTO d;
  RETURN d;
END
$$;
COMMENT ON FUNCTION booking.is_distributed() IS
  'true when booking.org is a Citus distributed table (booking.distribute() has run on this coordinator)';

-- The ON UPDATE CASCADE of the carry keys (trip -> lesson, trip_point ->
-- trip: org_id, parent id, resource_id, client_id), which Citus refuses:
-- once distributed, the parent's change of resource or client is carried to
-- the children by this trigger (the key is then deferred).  TG_ARGV[0]: the
-- child table, TG_ARGV[1]: its column referring to the parent's id.  The
-- query names the org: one co-located shard.
CREATE OR REPLACE FUNCTION booking.tg_carry_cascade() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NEW.resource_id IS DISTINCT FROM OLD.resource_id OR NEW.client_id IS DISTINCT FROM OLD.client_id THEN
    EXECUTE pg_catalog.format(
      'UPDATE %s SET resource_id = $3, client_id = $4
        WHERE org_id OPERATOR(pg_catalog.=) $1 AND %I OPERATOR(pg_catalog.=) $2
          AND resource_id OPERATOR(pg_catalog.=) $5 AND client_id OPERATOR(pg_catalog.=) $6',
      TG_ARGV[0]::pg_catalog.regclass, TG_ARGV[1])
      USING OLD.org_id, OLD.id, NEW.resource_id, NEW.client_id, OLD.resource_id, OLD.client_id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_carry_cascade() IS
  'trigger (AFTER UPDATE OF resource_id, client_id on lesson and trip, made by booking.distribute(); TG_ARGV: child table, its parent column): carry the change to the children, the ON UPDATE CASCADE that Citus refuses';

-- The keys that sign identities (booking.identity_key) are read by the C
-- code from the table's own heap on every node: the table is left out of
-- Citus (a local table on every node) and its rows are copied from the
-- coordinator to every worker, by booking.distribute() and again after each
-- booking.rotate_identity_key() on the coordinator.  The command carries the
-- secrets over the cluster's own connections.
CREATE OR REPLACE FUNCTION booking.push_identity_key() RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  cmd pg_catalog.text;
  failure pg_catalog.text;
  n pg_catalog.int4;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
    RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
      MESSAGE = 'booking.push_identity_key() needs Citus: the extension citus is not installed in this database';
  END IF;
  SELECT 'BEGIN; DELETE FROM booking.identity_key; '
         OPERATOR(pg_catalog.||) COALESCE('INSERT INTO booking.identity_key (id, secret, created_at) OVERRIDING SYSTEM VALUE VALUES '
         OPERATOR(pg_catalog.||) pg_catalog.string_agg(pg_catalog.format('(%s, %L::pg_catalog.bytea, %L::pg_catalog.timestamptz)', k.id, k.secret, k.created_at), ', ')
         OPERATOR(pg_catalog.||) '; ', '') OPERATOR(pg_catalog.||) 'COMMIT;',
         pg_catalog.count(*)
    INTO cmd, n
    FROM booking.identity_key k;
  FOR failure IN EXECUTE 'SELECT pg_catalog.format(''node %s:%s: %s'', nodename, nodeport, result)
                            FROM pg_catalog.run_command_on_workers($1) WHERE NOT success' USING cmd
  LOOP
    RAISE EXCEPTION USING ERRCODE = 'connection_failure',
      MESSAGE = 'booking.push_identity_key() could not copy the keys to a worker', DETAIL = failure;
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.push_identity_key() IS
  'on a Citus coordinator: copy the identity keys (booking.identity_key) to every worker, which verify identities with them; called by booking.distribute(), and to be called after booking.rotate_identity_key() and after adding a worker; returns the number of keys. Superuser only';
REVOKE EXECUTE ON FUNCTION booking.push_identity_key() FROM PUBLIC;

CREATE OR REPLACE FUNCTION booking.distribute() RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  reference_tables pg_catalog.regclass[];
  tenant_tables pg_catalog.regclass[];
  t pg_catalog.regclass;
  col pg_catalog.text;
  kind pg_catalog.text;
  n_dist pg_catalog.int4 := 0;
  n_ref pg_catalog.int4 := 0;
  fkeys pg_catalog.jsonb;
  ddl pg_catalog.text;
  f pg_catalog.regprocedure;
  n_fn pg_catalog.int4 := 0;
BEGIN
  -- Everything is checked before anything changes, and all of it runs in
  -- the caller's one transaction: an error leaves nothing distributed.
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
    RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
      MESSAGE = 'booking.distribute() needs Citus: the extension citus is not installed in this database',
      HINT = 'Add citus to shared_preload_libraries, CREATE EXTENSION citus on the coordinator and on every worker, add the workers, then call booking.distribute() on the coordinator.';
  END IF;
  IF NOT pg_catalog.current_setting('citus.enable_unsafe_triggers')::pg_catalog.bool THEN
    RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
      MESSAGE = 'booking.distribute() needs citus.enable_unsafe_triggers = on',
      DETAIL = 'The tables of booking have triggers, which Citus distributes only with that setting.',
      HINT = 'Set citus.enable_unsafe_triggers = on in postgresql.conf of every node (ALTER SYSTEM) and reload.';
  END IF;

  -- Every table without an org_id is global: a reference table (but
  -- identity_key, see booking.push_identity_key).
  SELECT pg_catalog.array_agg(c.oid::pg_catalog.regclass ORDER BY c.relname)
    INTO reference_tables
    FROM pg_catalog.pg_class c
   WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
     AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::"char"[])
     AND NOT c.relispartition
     AND NOT c.relname OPERATOR(pg_catalog.=) ANY ('{identity_key,org}'::pg_catalog.name[])
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attname OPERATOR(pg_catalog.=) 'org_id'
                        AND NOT a.attisdropped);
  SELECT pg_catalog.array_agg(c.oid::pg_catalog.regclass ORDER BY c.relname)
    INTO tenant_tables
    FROM pg_catalog.pg_class c
   WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
     AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::"char"[])
     AND NOT c.relispartition
     AND NOT c.oid::pg_catalog.regclass OPERATOR(pg_catalog.=) ANY (reference_tables)
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attname OPERATOR(pg_catalog.=) 'org_id'
                    AND NOT a.attisdropped);

  -- Already distributed, wholly or in part, and how.
  FOR t, col, kind IN
    EXECUTE 'SELECT p.logicalrelid::pg_catalog.regclass,
                    CASE WHEN p.partkey IS NULL THEN NULL
                         ELSE pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END,
                    p.partmethod::pg_catalog.text
               FROM pg_catalog.pg_dist_partition p
               JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid
              WHERE c.relnamespace OPERATOR(pg_catalog.=) ''booking''::pg_catalog.regnamespace
              ORDER BY c.relname'
  LOOP
    IF t OPERATOR(pg_catalog.=) 'booking.org'::pg_catalog.regclass THEN
      IF col IS DISTINCT FROM 'id' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_table_definition',
          MESSAGE = pg_catalog.format('table %s is already distributed by %s, not by id', t, COALESCE(col, 'none (a reference or local table)')),
          HINT = 'Undistribute it (undistribute_table) and call booking.distribute() again.';
      END IF;
    ELSIF t OPERATOR(pg_catalog.=) ANY (tenant_tables) THEN
      IF col IS DISTINCT FROM 'org_id' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_table_definition',
          MESSAGE = pg_catalog.format('table %s is already distributed by %s, not by org_id', t, COALESCE(col, 'none (a reference or local table)')),
          HINT = 'Undistribute it (undistribute_table) and call booking.distribute() again.';
      END IF;
    ELSIF t OPERATOR(pg_catalog.=) ANY (reference_tables) THEN
      IF kind OPERATOR(pg_catalog.<>) 'n' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_table_definition',
          MESSAGE = pg_catalog.format('table %s is already distributed by %s, but booking keeps it as a reference table', t, col),
          HINT = 'Undistribute it (undistribute_table) and call booking.distribute() again.';
      END IF;
    END IF;
  END LOOP;
  IF booking.is_distributed() THEN
    RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
      MESSAGE = 'booking is already distributed',
      DETAIL = 'booking.org is a distributed table: booking.distribute() runs once per database.';
  END IF;
  EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                            JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid
                           WHERE c.relnamespace OPERATOR(pg_catalog.=) ''booking''::pg_catalog.regnamespace)'
    INTO STRICT kind;
  IF kind::pg_catalog.bool THEN
    RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
      MESSAGE = 'some tables of booking are already distributed, booking.org is not',
      HINT = 'Undistribute them (undistribute_table) and call booking.distribute() again.';
  END IF;
  IF (SELECT pg_catalog.count(*) FROM pg_catalog.pg_dist_node
       WHERE noderole OPERATOR(pg_catalog.=) 'primary' AND isactive AND groupid OPERATOR(pg_catalog.<>) 0) OPERATOR(pg_catalog.=) 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
      MESSAGE = 'booking.distribute() found no worker node',
      HINT = 'Add the workers first: SELECT citus_add_node(host, port) for each.';
  END IF;

  -- One connection per worker for all of it: the tables are related by
  -- foreign keys (to reference tables too), which Citus requires to be
  -- created sequentially within one transaction.
  SET LOCAL citus.multi_shard_modify_mode = 'sequential';

  -- Global uniqueness (see the header): the slugs move to their reference
  -- table.  Then the constraints that stand in the way go: the global
  -- UNIQUEs (a distributed table's must include its distribution column),
  -- provider_ref's key to org (a reference table cannot refer to a
  -- distributed one: an org's deletion leaves its routing rows, which then
  -- route nothing), and every foreign key while the tables change hands
  -- (Citus turns a local table that refers to a new reference table into a
  -- local Citus table, and refuses a key to a table not distributed yet);
  -- the keys come back once every table is in place.  The extension's
  -- tables exist on the workers too (CREATE EXTENSION was propagated): they
  -- become the shells of the distributed tables there, so the same DDL runs
  -- on them first (one transaction per worker, committed before ours: it
  -- is written with IF EXISTS, so that a call that fails later can simply
  -- be repeated; a worker's shells hold no rows).
  INSERT INTO booking.org_slug (slug, id)
  SELECT o.slug, o.id FROM booking.org o WHERE o.slug IS NOT NULL;
  SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'tbl', k.conrelid::pg_catalog.regclass::pg_catalog.text, 'name', k.conname,
           'def', pg_catalog.pg_get_constraintdef(k.oid)) ORDER BY k.conrelid::pg_catalog.regclass::pg_catalog.text, k.conname)
    INTO fkeys
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) k.conrelid
   WHERE k.contype OPERATOR(pg_catalog.=) 'f'
     AND c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
     AND k.conname OPERATOR(pg_catalog.<>) 'provider_ref_target_org_id_fkey';
  ddl := 'ALTER TABLE booking.org DROP CONSTRAINT IF EXISTS org_slug_key;
          ALTER TABLE booking.provider_ref DROP CONSTRAINT IF EXISTS provider_ref_target_org_id_fkey;';
  FOR t, col IN SELECT x.tbl, x.name FROM pg_catalog.jsonb_to_recordset(fkeys) x(tbl pg_catalog.regclass, name pg_catalog.text)
  LOOP
    ddl := ddl OPERATOR(pg_catalog.||) pg_catalog.format(' ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I;', t, col);
  END LOOP;
  FOR col IN EXECUTE 'SELECT pg_catalog.format(''node %s:%s: %s'', nodename, nodeport, result)
                        FROM pg_catalog.run_command_on_workers($1) WHERE NOT success' USING ddl
  LOOP
    RAISE EXCEPTION USING ERRCODE = 'connection_failure',
      MESSAGE = 'booking.distribute() could not prepare a worker',
      DETAIL = col;
  END LOOP;
  EXECUTE ddl;
  -- act_as's SET LOCAL of booking.identity reaches the workers only when
  -- Citus propagates SET LOCAL: for every new session of this database.
  EXECUTE pg_catalog.format('ALTER DATABASE %I SET citus.propagate_set_commands = local', pg_catalog.current_database());
  -- A worker's own install made a key of its own: the coordinator's keys
  -- replace it (act_as signs on the coordinator, every node verifies).
  PERFORM booking.push_identity_key();

  FOREACH t IN ARRAY reference_tables LOOP
    PERFORM pg_catalog.create_reference_table(t);
    n_ref := n_ref OPERATOR(pg_catalog.+) 1;
  END LOOP;
  PERFORM pg_catalog.create_distributed_table('booking.org', 'id', colocate_with => 'none');
  FOREACH t IN ARRAY tenant_tables LOOP
    PERFORM pg_catalog.create_distributed_table(t, 'org_id', colocate_with => 'booking.org');
    n_dist := n_dist OPERATOR(pg_catalog.+) 1;
  END LOOP;
  -- The bigint sequences of the tables (outbox, histories, notifications,
  -- ...): a worker's copies came with its own CREATE EXTENSION and count
  -- from 1 like the coordinator's, so a row its triggers write and a row
  -- written through the coordinator (a plain INSERT INTO booking.outbox)
  -- took the same id in one org.  Each worker counts from its group's
  -- range instead, as Citus does for the sequences it creates itself:
  -- (group << 48) + 1; the coordinator (group 0) goes on from where it is.
  FOR col IN EXECUTE 'SELECT pg_catalog.format(''node %s:%s: %s'', nodename, nodeport, result)
                        FROM pg_catalog.run_command_on_workers($1) WHERE NOT success'
    USING 'SELECT pg_catalog.count(pg_catalog.setval(c.oid::pg_catalog.regclass,
                    ((SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)::pg_catalog.int8 OPERATOR(pg_catalog.<<) 48) OPERATOR(pg_catalog.+) 1, false))
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence q ON q.seqrelid OPERATOR(pg_catalog.=) c.oid
            WHERE c.relnamespace OPERATOR(pg_catalog.=) ''booking''::pg_catalog.regnamespace
              AND q.seqtypid OPERATOR(pg_catalog.=) ''pg_catalog.int8''::pg_catalog.regtype'
  LOOP
    RAISE EXCEPTION USING ERRCODE = 'connection_failure',
      MESSAGE = 'booking.distribute() could not set the sequences of a worker',
      DETAIL = col;
  END LOOP;
  -- The foreign keys back, now between distributed and reference tables
  -- (Citus checks each: between tenant tables they include org_id), and
  -- the global uniqueness of slugs.
  ALTER TABLE booking.org ADD CONSTRAINT org_slug_fkey FOREIGN KEY (slug, id)
    REFERENCES booking.org_slug (slug, id);
  -- Citus refuses ON UPDATE CASCADE on a key with the distribution column:
  -- the carry keys of trips and their points (they follow a lesson's
  -- resource and client) come back deferred, and the cascade is done by
  -- booking.tg_carry_cascade on the parent.
  FOR t, col, kind IN SELECT x.tbl, x.name, x.def FROM pg_catalog.jsonb_to_recordset(fkeys) x(tbl pg_catalog.regclass, name pg_catalog.text, def pg_catalog.text)
  LOOP
    IF kind LIKE '% ON UPDATE CASCADE%' THEN
      kind := pg_catalog.replace(kind, ' ON UPDATE CASCADE', '') OPERATOR(pg_catalog.||) ' DEFERRABLE INITIALLY DEFERRED';
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', t, col, kind);
  END LOOP;
  CREATE TRIGGER carry_cascade AFTER UPDATE OF resource_id, client_id ON booking.lesson
    FOR EACH ROW EXECUTE FUNCTION booking.tg_carry_cascade('booking.trip', 'lesson_id');
  CREATE TRIGGER carry_cascade AFTER UPDATE OF resource_id, client_id ON booking.trip
    FOR EACH ROW EXECUTE FUNCTION booking.tg_carry_cascade('booking.trip_point', 'trip_id');
  -- The solver, open_payment, the write path and the GPS ingestion run on
  -- the worker of the org (see sql/code/48_solver.sql, 47_book.sql and
  -- 61_tracking.sql): their delegated functions, by org_id, with
  -- booking.org; force_delegation, so that Citus delegates them inside a
  -- transaction block too (and pins their queries to the org's shards).
  FOREACH f IN ARRAY ARRAY['booking.available_slots_on(pg_catalog.uuid, pg_catalog.jsonb)',
                           'booking.find_slots_on(pg_catalog.uuid, pg_catalog.jsonb)',
                           'booking.explain_slot_on(pg_catalog.uuid, pg_catalog.jsonb)',
                           'booking.free_time_on(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange)',
                           'booking.open_payment_on(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.text, pg_catalog.uuid)',
                           'booking.book_on(pg_catalog.uuid, pg_catalog.jsonb)',
                           'booking.book_first_available_on(pg_catalog.uuid, pg_catalog.jsonb)',
                           'booking.transition_on(pg_catalog.uuid, pg_catalog.jsonb)',
                           'booking.cancel_on(pg_catalog.uuid, pg_catalog.jsonb)',
                           'booking.reschedule_on(pg_catalog.uuid, pg_catalog.jsonb)',
                           'booking.ingest_fixes_on(pg_catalog.uuid, pg_catalog.uuid[], pg_catalog.uuid[], pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[])']::pg_catalog.regprocedure[] LOOP
    PERFORM pg_catalog.create_distributed_function(f, 'org_id', colocate_with => 'booking.org', force_delegation => true);
    n_fn := n_fn OPERATOR(pg_catalog.+) 1;
  END LOOP;
  RETURN pg_catalog.jsonb_build_object('reference_tables', n_ref, 'distributed_tables', n_dist OPERATOR(pg_catalog.+) 1,
                                       'delegated_functions', n_fn);
END
$$;
COMMENT ON FUNCTION booking.distribute() IS
  'on a Citus coordinator with its workers added: distribute booking.org by id and every tenant table by org_id in its co-location group, make the global tables reference tables, delegate the functions of the solver, open_payment and the write path (book, book_first_available, transition, cancel, reschedule) and the GPS ingestion (ingest_fixes_on) to the worker of the org; once (55000 when called again, 0A000 without Citus, 42P16 when a table is already distributed another way); all or nothing';
REVOKE EXECUTE ON FUNCTION booking.distribute() FROM PUBLIC;

-- The extension's own system actions on the workers (issue 15, the
-- runners).  A runner (run_due_transitions, the webhook's apply) runs as
-- the extension's owner, without an identity; it marks its writes as the
-- system's with booking.internal (a SET clause), so that the triggers do
-- not take them for a maintenance write (a restore, which skips the rules,
-- the history, the outbox and the notifications).  A SET clause stays on
-- the coordinator, and the triggers run on the workers, whose connection
-- is the owner's: once distributed, the runner also sets it with SET LOCAL,
-- which Citus propagates to the workers of the transaction, and turns it
-- off again when it is done.  booking.internal is superuser-only
-- (PGC_SUSET): only the owner's functions call this.
CREATE OR REPLACE FUNCTION booking.system_on_workers(turn_on pg_catalog.bool) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF booking.is_distributed() THEN
    IF turn_on THEN
      SET LOCAL booking.internal = on;
    ELSE
      SET LOCAL booking.internal = off;
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION booking.system_on_workers(pg_catalog.bool) IS
  'once distributed on Citus: SET LOCAL booking.internal on or off, which Citus propagates to the workers, so that the triggers there take the calling runner''s writes (run_due_transitions, the webhook''s apply) as the system''s, not as a maintenance write; does nothing on a single node (the runner''s SET clause is enough there); internal to the extension''s own functions';
REVOKE EXECUTE ON FUNCTION booking.system_on_workers(pg_catalog.bool) FROM PUBLIC;

-- A command of the extension's own run in a transaction of its own on the
-- coordinator (Citus's run_command_on_coordinator: a new connection of the
-- current user, committed before this returns), for the owner's DDL that
-- an application's transaction needs (trip_point's month partitions, their
-- drop): done in that transaction, it would leave the placements it touched
-- unreadable to the application role there.  With a lock timeout, as the
-- calling transaction may hold a lock the command waits for, a wait no
-- deadlock detector sees.  Returns the command's one value.
CREATE OR REPLACE FUNCTION booking.run_alone(command pg_catalog.text) RETURNS pg_catalog.text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  ok pg_catalog.bool;
  res pg_catalog.text;
BEGIN
  EXECUTE 'SELECT success, result FROM pg_catalog.run_command_on_coordinator($1)'
    INTO ok, res
    USING pg_catalog.format('SELECT (%s) FROM pg_catalog.set_config(''lock_timeout'', ''10s'', true) AS lock_timeout', command);
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
      MESSAGE = 'a command in a transaction of its own on the coordinator failed',
      DETAIL = pg_catalog.format('%s: %s', command, COALESCE(res, 'no result')),
      HINT = 'A lock timeout: this transaction holds a lock on booking.trip_point; run booking.trip_point_partition(ts) for the month first, in a transaction of its own.';
  END IF;
  RETURN res;
END
$$;
COMMENT ON FUNCTION booking.run_alone(pg_catalog.text) IS
  'internal (Citus): runs a query of the extension''s own (one value) in a transaction of its own on the coordinator, as the current user, with a 10 s lock timeout, and returns its value (55000 when it fails); used by trip_point_partition and drop_empty_trip_point_partitions once distributed';
REVOKE EXECUTE ON FUNCTION booking.run_alone(pg_catalog.text) FROM PUBLIC;
