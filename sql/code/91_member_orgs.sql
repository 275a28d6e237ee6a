-- The orgs a user is a member of, on the user's row (issue 15): the policy
-- app_user_org_member (sql/code/90_security.sql) lets the staff of the
-- acting org see the users whose booking.app_user.member_org_ids holds it,
-- so that no policy reads booking.membership.  The column is the sorted
-- set of org ids of the user's membership rows, whatever their roles.
--
-- Who keeps it true:
--   * on one node, the trigger member_orgs of booking.membership, for every
--     write (the engine's functions, direct DML, cascades of a deleted org
--     or user, maintenance);
--   * on a distributed install (Citus) that trigger runs on a worker's
--     shard, which cannot write booking.app_user (a reference table).  The
--     engine's functions that write memberships (create_org,
--     accept_invitation, public_book's sign-up, remove_member_role) run on
--     the coordinator: they set booking.membership_refresh and refresh the
--     column there themselves (booking.refresh_member_orgs).  On the shard,
--     the trigger lets through the writes that leave the user's set of orgs
--     as it is (another role of a member, a change of role), the deletions
--     of a deleted org's or user's rows (a deleted org's id left on a user
--     gives nobody anything: nobody acts in it) and the writes of the
--     engine's functions; any other write (a new member, the removal of a
--     member's last role) is refused with 0A000: through
--     booking.remove_member_role, or as maintenance with
--     booking.membership_refresh set and booking.refresh_member_orgs()
--     called afterwards.

-- Recompute the column of the given users (NULL: every user) from the
-- membership rows, the user's row locked first (FOR NO KEY UPDATE, which
-- the key share of a membership's foreign key does not block): two
-- writers of one user's memberships in two orgs take turns here, and the
-- second reads the rows after the first committed (a fresh snapshot per
-- statement), so that neither org id is lost (test/specs/member_orgs_race.spec).
-- Users in ascending order: two writers lock them in the same order.
CREATE OR REPLACE FUNCTION booking.refresh_member_orgs(user_ids pg_catalog.uuid[] DEFAULT NULL)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  -- the system's write of an engine column (a2_column_owner lets it be; on
  -- Citus the reference table's local placement does not see the write as
  -- its owner's)
  SET booking.internal = on
  AS $$
DECLARE
  u pg_catalog.uuid;
  ids pg_catalog.uuid[];
  n pg_catalog.int4 := 0;
BEGIN
  -- On Citus the memberships of a user are read from every worker and then
  -- the reference table app_user is written, which a foreign key of
  -- membership refers to: Citus allows that only over one connection per
  -- worker (not after a parallel query of membership).
  IF booking.is_distributed() THEN
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
  END IF;
  IF user_ids IS NULL THEN
    SELECT pg_catalog.array_agg(a.id ORDER BY a.id) INTO user_ids FROM booking.app_user a;
  END IF;
  FOR u IN SELECT DISTINCT x FROM pg_catalog.unnest(user_ids) x WHERE x IS NOT NULL ORDER BY x LOOP
    PERFORM 1 FROM booking.app_user a WHERE a.id OPERATOR(pg_catalog.=) u FOR NO KEY UPDATE;
    CONTINUE WHEN NOT FOUND;
    -- (DISTINCT in a subquery: on Citus a query over every org's shard)
    SELECT COALESCE(pg_catalog.array_agg(x.org_id ORDER BY x.org_id), '{}') INTO ids
      FROM (SELECT DISTINCT m.org_id FROM booking.membership m WHERE m.user_id OPERATOR(pg_catalog.=) u) x;
    UPDATE booking.app_user a SET member_org_ids = ids
     WHERE a.id OPERATOR(pg_catalog.=) u AND a.member_org_ids OPERATOR(pg_catalog.<>) ids;
    IF FOUND THEN
      n := n OPERATOR(pg_catalog.+) 1;
    END IF;
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.refresh_member_orgs(pg_catalog.uuid[]) IS
  'recompute booking.app_user.member_org_ids of the given users (NULL: all) from booking.membership, each user''s row locked first; returns how many changed. Called by the trigger member_orgs on one node and by the functions that write memberships; on a distributed install, a DBA calls it after a maintenance write of memberships (with booking.membership_refresh set). Not for application roles';
REVOKE EXECUTE ON FUNCTION booking.refresh_member_orgs(pg_catalog.uuid[]) FROM PUBLIC;

-- The engine's functions that write memberships, on a distributed install:
-- booking.membership_refresh on (SET LOCAL, which Citus forwards to the
-- workers) before their write; off after it, and the refresh of the users
-- written.  On one node nothing (the trigger refreshes).
CREATE OR REPLACE FUNCTION booking.membership_refresh_on_workers(turn_on pg_catalog.bool,
                                                                 user_ids pg_catalog.uuid[] DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF booking.is_distributed() THEN
    IF turn_on THEN
      SET LOCAL booking.membership_refresh = on;
    ELSE
      SET LOCAL booking.membership_refresh = off;
      PERFORM booking.refresh_member_orgs(user_ids) WHERE user_ids IS NOT NULL;
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION booking.membership_refresh_on_workers(pg_catalog.bool, pg_catalog.uuid[]) IS
  'once distributed on Citus: SET LOCAL booking.membership_refresh on before a membership write of the extension''s own functions (Citus forwards it to the workers, where the trigger member_orgs then lets the write through), off after it, refreshing member_org_ids of user_ids on the coordinator; does nothing on one node (the trigger refreshes); internal';
REVOKE EXECUTE ON FUNCTION booking.membership_refresh_on_workers(pg_catalog.bool, pg_catalog.uuid[]) FROM PUBLIC;

-- On a shard: whether a membership row (org o, user u, role rl) coming
-- (leaving false) or going (true) leaves the user's set of orgs as it is:
-- the user has another role in the org, or (going) the org or the user is
-- being deleted.  The other rows are key-share locked, so that a
-- concurrent removal of them waits and then sees this write (one org: the
-- co-located shard).  As the owner: every row, whoever writes.
CREATE OR REPLACE FUNCTION booking.membership_orgs_stay(o pg_catalog.uuid, u pg_catalog.uuid, rl booking.org_role,
                                                        leaving pg_catalog.bool)
  RETURNS pg_catalog.bool
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF leaving AND (NOT EXISTS (SELECT 1 FROM booking.org x WHERE x.id = o)
                  OR NOT EXISTS (SELECT 1 FROM booking.app_user x WHERE x.id = u)) THEN
    RETURN true;
  END IF;
  PERFORM 1 FROM booking.membership m
    WHERE m.org_id = o AND m.user_id = u AND m.role <> rl
    FOR KEY SHARE;
  RETURN FOUND;
END
$$;
COMMENT ON FUNCTION booking.membership_orgs_stay(pg_catalog.uuid, pg_catalog.uuid, booking.org_role, pg_catalog.bool) IS
  'internal to the trigger member_orgs on a distributed install: whether a membership row of org o, user u and role rl coming (leaving false) or going leaves the user''s orgs as they are (another role of the user in the org, locked; or the org or user being deleted)';
REVOKE EXECUTE ON FUNCTION booking.membership_orgs_stay(pg_catalog.uuid, pg_catalog.uuid, booking.org_role, pg_catalog.bool) FROM PUBLIC;

-- The trigger.  One node: the users of the old and new rows are refreshed.
-- On a worker's shard: see the head of this file.  As the owner (it reads
-- every row and calls the owner's functions); who writes is the role the
-- session acts as: on a worker, the engine's SECURITY DEFINER functions
-- arrive over a connection of the tables' owner.
CREATE OR REPLACE FUNCTION booking.tg_member_orgs() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  -- (scalars, not a booking.membership row: on a shard the rows are of the
  -- shard's type)
  o pg_catalog.uuid;
  u pg_catalog.uuid;
  rl booking.org_role;
  leaving pg_catalog.bool;
  i pg_catalog.int4;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.org_id = OLD.org_id AND NEW.user_id = OLD.user_id THEN
    RETURN NULL;
  END IF;
  IF NOT booking.is_distributed() THEN
    PERFORM booking.refresh_member_orgs(CASE TG_OP WHEN 'INSERT' THEN ARRAY[NEW.user_id]
                                                   WHEN 'DELETE' THEN ARRAY[OLD.user_id]
                                                   ELSE ARRAY[OLD.user_id, NEW.user_id] END);
    RETURN NULL;
  END IF;
  IF pg_catalog.current_setting('booking.membership_refresh', true) = 'on'
     AND (booking.caller_bypasses_rls()
          OR SESSION_USER::pg_catalog.text::pg_catalog.regrole::pg_catalog.oid
             OPERATOR(pg_catalog.=) (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) TG_RELID)) THEN
    RETURN NULL;
  END IF;
  -- Does the write change a user's set of orgs?
  FOR i IN 1 .. 2 LOOP
    IF i = 1 THEN
      CONTINUE WHEN TG_OP = 'INSERT';
      o := OLD.org_id; u := OLD.user_id; rl := OLD.role; leaving := true;
    ELSE
      CONTINUE WHEN TG_OP = 'DELETE';
      o := NEW.org_id; u := NEW.user_id; rl := NEW.role; leaving := false;
    END IF;
    IF NOT booking.membership_orgs_stay(o, u, rl, leaving) THEN
      RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
        MESSAGE = CASE WHEN leaving
                       THEN 'on a distributed install, a member''s last role is removed with booking.remove_member_role'
                       ELSE 'on a distributed install, a new member of an org is made by the engine''s functions' END,
        DETAIL = 'The orgs of a user (booking.app_user.member_org_ids, a reference table) are written on the coordinator, not by a trigger on a worker''s shard.',
        HINT = CASE WHEN booking.caller_bypasses_rls()
                    THEN 'As maintenance: SET LOCAL booking.membership_refresh = on, write, then SELECT booking.refresh_member_orgs(ARRAY[user_id]) in the same transaction.'
                    WHEN leaving THEN 'Call booking.remove_member_role(user_id, role).'
                    ELSE 'Invite the user with booking.invite; they accept with booking.accept_invitation.' END;
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_member_orgs() IS
  'trigger (member_orgs, AFTER INSERT OR UPDATE OR DELETE on membership): keeps booking.app_user.member_org_ids; on a distributed install refuses (0A000) a write that changes a user''s orgs but by the engine''s functions (which refresh it on the coordinator), a maintenance write with booking.membership_refresh set, or the deletion of an org or user';

CREATE OR REPLACE TRIGGER member_orgs AFTER INSERT OR UPDATE OR DELETE ON booking.membership
  FOR EACH ROW EXECUTE FUNCTION booking.tg_member_orgs();

-- An owner or admin removes one role of a member of the acting org (only
-- an owner an owner's role, as the policy membership_admin_delete says);
-- the org's last owner stays (keep_an_owner).  The one way to remove a
-- member's last role on a distributed install; the same on one node.
-- Returns whether a row was removed.
CREATE OR REPLACE FUNCTION booking.remove_member_role(user_id pg_catalog.uuid, role booking.org_role)
  RETURNS pg_catalog.bool
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
  n pg_catalog.int8;
BEGIN
  -- the condition of the policy membership_admin_delete
  IF org IS NULL OR NOT (booking.acting_is_admin()
                         AND (remove_member_role.role <> 'owner'::booking.org_role
                              OR booking.acting_has_role('owner'::booking.org_role))) THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'only an owner or admin of the acting org removes a member''s role (an owner''s only an owner)',
      HINT = 'Call booking.act_as(org_id, user_id) as an owner or admin first.';
  END IF;
  PERFORM booking.membership_refresh_on_workers(true);
  DELETE FROM booking.membership m
   WHERE m.org_id = org AND m.user_id = remove_member_role.user_id AND m.role = remove_member_role.role;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM booking.membership_refresh_on_workers(false, ARRAY[remove_member_role.user_id]);
  RETURN n > 0;
END
$$;
COMMENT ON FUNCTION booking.remove_member_role(pg_catalog.uuid, booking.org_role) IS
  'an owner or admin of the acting org removes the role of a member (an owner''s role only an owner; the last owner stays, 23001); returns whether the row existed. On a distributed install the one way to remove a member''s last role (direct DELETE: 0A000)';
