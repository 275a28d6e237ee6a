-- The application API of the foundation: creating orgs and users, refresh
-- token rotation, and granting an application role what it needs.

CREATE OR REPLACE FUNCTION booking.register_user(email pg_catalog.text, full_name pg_catalog.text,
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

CREATE OR REPLACE FUNCTION booking.create_org(name pg_catalog.text, time_zone pg_catalog.text,
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
  new_id := pg_catalog.gen_random_uuid();
  -- Distributed on Citus, the slug's global uniqueness is held by the
  -- reference table org_slug (sql/code/98_distribute.sql); the org's key
  -- (slug, id) refers to it.
  IF create_org.slug IS NOT NULL AND booking.is_distributed() THEN
    INSERT INTO booking.org_slug (slug, id) VALUES (create_org.slug, new_id);
  END IF;
  INSERT INTO booking.org (id, name, time_zone, currency, slug)
  VALUES (new_id, create_org.name, create_org.time_zone, create_org.currency, create_org.slug);
  -- (on Citus the owner's member_org_ids is written here, on the
  -- coordinator: sql/code/91_member_orgs.sql)
  PERFORM booking.membership_refresh_on_workers(true);
  INSERT INTO booking.membership (org_id, user_id, role)
  VALUES (new_id, owner_user_id, 'owner');
  PERFORM booking.membership_refresh_on_workers(false, ARRAY[owner_user_id]);
  -- life cycle: the default transition rules (sql/code/52_lifecycle_rules.sql)
  PERFORM booking.seed_lifecycle_defaults(new_id);
  RETURN new_id;
END
$$;
COMMENT ON FUNCTION booking.create_org(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.uuid, pg_catalog.text) IS
  'create an org with its IANA time zone and ISO 4217 currency, owned by an existing user, with the default transition rules; returns the org id';

CREATE OR REPLACE FUNCTION booking.issue_refresh_token(user_id pg_catalog.uuid, jti pg_catalog.text,
                                            token_hash pg_catalog.bytea, expires_at pg_catalog.timestamptz)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  family pg_catalog.uuid;
BEGIN
  -- A deactivated (or unknown) user gets no new login, as rotation gives
  -- them none; the same answer for both, so it tells nothing of who exists.
  PERFORM 1 FROM booking.app_user u
   WHERE u.id OPERATOR(pg_catalog.=) issue_refresh_token.user_id AND u.active
     FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'no refresh token for this user',
      DETAIL = 'The user does not exist or is not active.';
  END IF;
  INSERT INTO booking.refresh_token (user_id, jti, rotation_id, token_hash, expires_at)
  VALUES (issue_refresh_token.user_id, issue_refresh_token.jti, pg_catalog.gen_random_uuid(),
          issue_refresh_token.token_hash, issue_refresh_token.expires_at)
  RETURNING rotation_id INTO family;
  RETURN family;
END
$$;
COMMENT ON FUNCTION booking.issue_refresh_token(pg_catalog.uuid, pg_catalog.text, pg_catalog.bytea, pg_catalog.timestamptz) IS
  'store the first refresh token of a login (a new rotation family) and return the family id; refused (42501) for a user that does not exist or is not active';

CREATE OR REPLACE FUNCTION booking.rotate_refresh_token(jti pg_catalog.text, token_hash pg_catalog.bytea,
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
  -- A deactivated user's logins end: the family is revoked.
  IF NOT EXISTS (SELECT 1 FROM booking.app_user u
                  WHERE u.id OPERATOR(pg_catalog.=) t.user_id AND u.active) THEN
    UPDATE booking.refresh_token r SET revoked_at = pg_catalog.now()
     WHERE r.rotation_id OPERATOR(pg_catalog.=) t.rotation_id AND r.revoked_at IS NULL;
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
  'exchange a refresh token for a new one of the same family; outcome is rotated, invalid (unknown jti or wrong hash), expired (expired or revoked, or its user deactivated: the family is then revoked) or reused (a used token again: the whole family is revoked)';

CREATE OR REPLACE FUNCTION booking.grant_app_role(role pg_catalog.regrole, trusted pg_catalog.bool DEFAULT false)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  t pg_catalog.regclass;
  f pg_catalog.regprocedure;
  fns pg_catalog.regprocedure[] := '{}';
  fgrants pg_catalog.text := '';
  failure pg_catalog.text;
BEGIN
  -- On Citus the grants go to every shard: one connection per worker
  -- (grants on reference and distributed tables in one transaction).
  IF booking.is_distributed() THEN
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
  END IF;
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA booking TO %s', role);
  FOR t IN
    SELECT c.oid::pg_catalog.regclass
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::"char"[])
       -- the identity key: no role but superusers reads it
       AND c.oid OPERATOR(pg_catalog.<>) 'booking.identity_key'::pg_catalog.regclass
  LOOP
    EXECUTE pg_catalog.format('GRANT %s ON %s TO %s',
      CASE
        WHEN t OPERATOR(pg_catalog.=) 'booking.currency'::pg_catalog.regclass THEN 'SELECT'
        WHEN t OPERATOR(pg_catalog.=) 'booking.refresh_token'::pg_catalog.regclass THEN 'SELECT'
        -- written by the extension's triggers only (as its owner)
        WHEN t OPERATOR(pg_catalog.=) ANY ('{booking.audit_log,booking.status_history}'::pg_catalog.regclass[]) THEN 'SELECT'
        -- money: written by the extension's functions and triggers only
        WHEN t OPERATOR(pg_catalog.=) ANY ('{booking.payment_history,booking.payment_transition,booking.provider_ref,booking.invoice_counter,booking.invoice_line,booking.webhook_grant,booking.payout_item}'::pg_catalog.regclass[]) THEN 'SELECT'
        WHEN t OPERATOR(pg_catalog.=) ANY ('{booking.org,booking.app_user}'::pg_catalog.regclass[]) THEN 'SELECT, UPDATE'
        -- enrolment (issue 21): written by invite, accept_invitation and the
        -- e-mail change functions only; admins withdraw invitations
        WHEN t OPERATOR(pg_catalog.=) 'booking.invitation'::pg_catalog.regclass THEN 'SELECT, DELETE'
        WHEN t OPERATOR(pg_catalog.=) 'booking.email_change'::pg_catalog.regclass THEN 'SELECT'
        ELSE 'SELECT, INSERT, UPDATE, DELETE'
      END, t, role);
  END LOOP;
  -- The report views (security_invoker: row-level security applies).
  FOR t IN
    SELECT c.oid::pg_catalog.regclass FROM pg_catalog.pg_class c
     WHERE c.relnamespace OPERATOR(pg_catalog.=) 'booking'::pg_catalog.regnamespace
       AND c.relkind OPERATOR(pg_catalog.=) 'v'
  LOOP
    EXECUTE pg_catalog.format('GRANT SELECT ON %s TO %s', t, role);
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
            OR p.proname OPERATOR(pg_catalog.=) ANY ('{eligibility_problems,idempotency_match,solve_available_slots,solve_find_slots,solve_explain_slot,solve_free_time,available_slots_on,find_slots_on,explain_slot_on,free_time_on,open_payment_on,open_payment_route,run_payouts,trip_point_partition,drop_empty_trip_point_partitions,invite,remove_member_role}'::pg_catalog.name[])
            OR (trusted AND p.proname OPERATOR(pg_catalog.=) ANY
                ('{act_as,register_user,create_org,issue_refresh_token,rotate_refresh_token,accept_invitation,request_email_change,confirm_email_change}'::pg_catalog.name[])))
  LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s', f, role);
    fns := fns OPERATOR(pg_catalog.||) f;
  END LOOP;
  -- On Citus the functions run on the workers too (the delegated calls, the
  -- triggers on the shards), where Citus forwards no GRANT on a function it
  -- does not distribute itself: the same grants there (but on the
  -- distributed functions, which Citus forwards and refuses on a worker).
  IF booking.is_distributed() THEN
    EXECUTE 'SELECT COALESCE(pg_catalog.string_agg(pg_catalog.format(''GRANT EXECUTE ON FUNCTION %s TO %s;'', f.f, $2), '' ''), '''')
               FROM pg_catalog.unnest($1) AS f(f)
              WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_object o
                                 WHERE o.classid OPERATOR(pg_catalog.=) ''pg_catalog.pg_proc''::pg_catalog.regclass
                                   AND o.objid OPERATOR(pg_catalog.=) f.f::pg_catalog.oid)'
      INTO fgrants USING fns, role::pg_catalog.text;
  END IF;
  IF fgrants OPERATOR(pg_catalog.<>) '' THEN
    FOR failure IN EXECUTE 'SELECT pg_catalog.format(''node %s:%s: %s'', nodename, nodeport, result)
                              FROM pg_catalog.run_command_on_workers($1) WHERE NOT success' USING fgrants
    LOOP
      RAISE EXCEPTION USING ERRCODE = 'connection_failure',
        MESSAGE = 'booking.grant_app_role() could not grant the functions on a worker', DETAIL = failure;
    END LOOP;
  END IF;
END
$$;
COMMENT ON FUNCTION booking.grant_app_role(pg_catalog.regrole, pg_catalog.bool) IS
  'grant an application role the privileges it needs on the booking schema; trusted = true also lets it set identities (act_as), register users, create orgs, rotate refresh tokens, accept invitations and change e-mail addresses for the users it authenticated (on a Citus coordinator once distributed, the function grants on every worker too). Run by a superuser';
