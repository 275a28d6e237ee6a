-- What must hold for every table and every function of the schema, written
-- once and applied by the install script and by every update (this file is
-- the last of each), so that a table or function added later cannot miss it:
--
--   every table but the ISO 4217 reference data: row-level security enabled
--     and forced, and marked for pg_dump (the write path's transient lock
--     rows, the shipped payment_transition rows and the routing rows of
--     provider_ref, which restored payments and payouts make anew, with
--     'WHERE false'), its
--     identity sequences too;
--   every table with an org_id: the tenant condition
--     org_id = booking.current_org_id() folded into every policy (no
--     RESTRICTIVE policy: Citus turns them permissive on shards) and
--     the trigger a1_org_guard (sql/code/86_guards.sql), which refuses a row
--     of another org before any other trigger reads anything; its WHEN
--     clause calls the guard only for a row whose org is not the acting
--     one, so that a row of the acting org costs no PL/pgSQL call (a row
--     that moves from another org to the acting one is one the tenant
--     condition of the caller's policies never lets an UPDATE reach);
--   every table with an updated_at: the touch_updated_at trigger;
--   every SECURITY DEFINER function: no EXECUTE for PUBLIC (grant_app_role
--     hands out the ones applications need).
--
-- Idempotent: applying it twice changes nothing.  pg_extension_config_dump
-- works only inside CREATE EXTENSION or ALTER EXTENSION UPDATE, so outside
-- them the procedure fails (and nobody but the owner may call it).

CREATE OR REPLACE PROCEDURE booking.apply_schema_rules()
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  t pg_catalog.regclass;
  s pg_catalog.regclass;
  f pg_catalog.regprocedure;
  pol record;
  -- the tenant condition as pg_get_expr shows it under this search_path
  tenant constant pg_catalog.text := '(org_id = booking.current_org_id())';
BEGIN
  FOR t IN
    SELECT c.oid::pg_catalog.regclass
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::"char"[])
       AND NOT c.relispartition
     ORDER BY c.relname
  LOOP
    CONTINUE WHEN t OPERATOR(pg_catalog.=) 'booking.currency'::pg_catalog.regclass;
    EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    -- The write path's lock rows are transient: restoring bookings makes them
    -- anew; the payment life cycle's rows are the extension's, like currency's;
    -- the webhook's routing rows are made anew by the payment and payout
    -- triggers as their rows are restored; the identity key stays out of
    -- dumps (act_as makes a new one where there is none).
    PERFORM pg_catalog.pg_extension_config_dump(t,
      CASE WHEN t OPERATOR(pg_catalog.=) ANY ('{booking.write_lock,booking.payment_transition,booking.provider_ref,booking.identity_key}'::pg_catalog.regclass[])
           THEN 'WHERE false' ELSE '' END);
    FOR s IN
      SELECT pg_catalog.pg_get_serial_sequence(t::pg_catalog.text, a.attname)::pg_catalog.regclass
        FROM pg_catalog.pg_attribute a
       WHERE a.attrelid OPERATOR(pg_catalog.=) t AND a.attidentity OPERATOR(pg_catalog.<>) '' AND NOT a.attisdropped
    LOOP
      PERFORM pg_catalog.pg_extension_config_dump(s, '');
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid OPERATOR(pg_catalog.=) t AND a.attname OPERATOR(pg_catalog.=) 'org_id'
                  AND NOT a.attisdropped) THEN
      -- The tenant condition, folded into every permissive policy (a
      -- RESTRICTIVE policy would do, but Citus makes restrictive policies
      -- permissive on the shards).  Idempotent: a policy that starts with it
      -- keeps it once; the code files re-create their policies without it.
      EXECUTE pg_catalog.format('DROP POLICY IF EXISTS tenant_isolation ON %s', t);
      FOR pol IN
        SELECT p.polname, p.polcmd,
               pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
               pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS checks
          FROM pg_catalog.pg_policy p
         WHERE p.polrelid OPERATOR(pg_catalog.=) t
         ORDER BY p.polname
      LOOP
        IF pol.qual IS NOT NULL AND NOT (pol.qual OPERATOR(pg_catalog.=) tenant
                                         OR pg_catalog.starts_with(pol.qual, '(' OPERATOR(pg_catalog.||) tenant OPERATOR(pg_catalog.||) ' AND ')) THEN
          EXECUTE pg_catalog.format('ALTER POLICY %I ON %s USING (org_id OPERATOR(pg_catalog.=) booking.current_org_id() AND (%s))',
                                    pol.polname, t, pol.qual);
        END IF;
        IF pol.checks IS NOT NULL AND NOT (pol.checks OPERATOR(pg_catalog.=) tenant
                                           OR pg_catalog.starts_with(pol.checks, '(' OPERATOR(pg_catalog.||) tenant OPERATOR(pg_catalog.||) ' AND ')) THEN
          EXECUTE pg_catalog.format('ALTER POLICY %I ON %s WITH CHECK (org_id OPERATOR(pg_catalog.=) booking.current_org_id() AND (%s))',
                                    pol.polname, t, pol.checks);
        END IF;
      END LOOP;
      EXECUTE pg_catalog.format(
        'CREATE OR REPLACE TRIGGER a1_org_guard BEFORE INSERT OR UPDATE ON %s
           FOR EACH ROW
           WHEN (NEW.org_id IS NULL OR NEW.org_id IS DISTINCT FROM booking.current_org_id())
           EXECUTE FUNCTION booking.tg_org_guard()', t);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid OPERATOR(pg_catalog.=) t AND a.attname OPERATOR(pg_catalog.=) 'updated_at'
                  AND NOT a.attisdropped) THEN
      EXECUTE pg_catalog.format(
        'CREATE OR REPLACE TRIGGER touch_updated_at BEFORE UPDATE ON %s
           FOR EACH ROW EXECUTE FUNCTION booking.tg_touch_updated_at()', t);
    END IF;
  END LOOP;

  FOR f IN
    SELECT p.oid::pg_catalog.regprocedure
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND p.prosecdef
     ORDER BY 1
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$$;
COMMENT ON PROCEDURE booking.apply_schema_rules() IS
  'applies what must hold for every table and function of the schema (forced row-level security, the tenant condition in every policy and the org guard, pg_dump marking, updated_at triggers, no PUBLIC EXECUTE on SECURITY DEFINER functions); called by the install script and every update';
REVOKE EXECUTE ON PROCEDURE booking.apply_schema_rules() FROM PUBLIC;

-- grant_app_role hands out privileges: a superuser's tool, not PUBLIC's.
REVOKE EXECUTE ON FUNCTION booking.grant_app_role(pg_catalog.regrole, pg_catalog.bool) FROM PUBLIC;

CALL booking.apply_schema_rules();

-- Internal functions that nothing runs with an application's rights (only
-- the engine's SECURITY DEFINER functions, as the owner, and superusers):
-- not executable by PUBLIC, so not by application roles
-- (test/pgtap/app_functions.sql lists what an application role executes).
DO $$
DECLARE
  f pg_catalog.regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc p
     WHERE p.pronamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND p.proname OPERATOR(pg_catalog.=) ANY ('{grant_relay_role,seed_lifecycle_defaults,new_token,booking_event_of,notification_recipients,template_values,render_template,reminder_time}'::pg_catalog.name[])
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$$;
