-- Enrolment by invitation (issue 21).  Nobody joins an org, and no client,
-- guardian or resource record of an org is linked to a login, without the
-- user's acceptance:
--
--   booking.invite(...)             an owner or admin invites an e-mail
--                                   address or a user id with a role (and
--                                   optionally a client record); returns the
--                                   invitation id and a token, once;
--   booking.accept_invitation(...)  the invited user (through the trusted
--                                   application role that authenticated
--                                   them) accepts with the token: the
--                                   membership is made, the client linked.
--
-- Until then the org sees only what the admin typed (the invitation row);
-- the user's own e-mail and phone become visible to staff with the
-- membership (app_user_org_member).  Direct writes are refused:
--   INSERT INTO booking.membership   (a1_enrol, below) but by the engine's own
--                                    functions (create_org, accept_invitation)
--                                    and maintenance (superuser or BYPASSRLS
--                                    without identity: restores, fixtures);
--   membership.user_id on UPDATE     (a2_column_owner, 86_guards.sql);
--   client/guardian/resource.user_id (a3_user_link, below): only a member of
--                                    the org (who accepted).
--
-- A user's e-mail change (issue 21): the address is the engine's column of
-- booking.app_user; booking.request_email_change stores the new address
-- with a token the application sends there, booking.confirm_email_change
-- applies it.  The request answers the same whether or not another account
-- has the address; only the holder of the new mailbox learns it (23505 on
-- confirming).

-- A fresh random token: 32 bytes of two random UUIDs' 244 random bits, hex.
CREATE OR REPLACE FUNCTION booking.new_token() RETURNS pg_catalog.text
  LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT pg_catalog.replace(pg_catalog.gen_random_uuid()::pg_catalog.text
                              OPERATOR(pg_catalog.||) pg_catalog.gen_random_uuid()::pg_catalog.text, '-', '');
  END;
COMMENT ON FUNCTION booking.new_token() IS
  'a fresh random token (64 hex digits, 244 random bits) for invitations and e-mail changes; only its SHA-256 is stored';

CREATE OR REPLACE FUNCTION booking.invite(email booking.email DEFAULT NULL, user_id pg_catalog.uuid DEFAULT NULL,
                                          role booking.org_role DEFAULT 'student',
                                          client_id pg_catalog.uuid DEFAULT NULL,
                                          valid_for pg_catalog.interval DEFAULT '7 days',
                                          OUT invitation_id pg_catalog.uuid, OUT token pg_catalog.text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
BEGIN
  IF org IS NULL OR NOT booking.acting_is_admin() THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'only an owner or admin of the acting org invites',
      HINT = 'Call booking.act_as(org_id, user_id) as an owner or admin first.';
  END IF;
  IF invite.role IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'an invitation needs a role';
  END IF;
  IF invite.role = 'owner' AND NOT booking.acting_has_role('owner') THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'only an owner invites an owner';
  END IF;
  IF invite.email IS NULL AND invite.user_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'an invitation needs an e-mail address or a user id';
  END IF;
  IF valid_for IS NULL OR valid_for < interval '1 minute' OR valid_for > interval '90 days' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('valid_for must be between 1 minute and 90 days, not %s', COALESCE(valid_for::pg_catalog.text, 'null'));
  END IF;
  IF invite.client_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM booking.client c WHERE c.org_id = org AND c.id = invite.client_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
      MESSAGE = 'no such client in the acting org';
  END IF;
  token := booking.new_token();
  INSERT INTO booking.invitation (org_id, email, user_id, role, client_id, token_hash, expires_at, invited_by)
  VALUES (org, invite.email, invite.user_id, invite.role, invite.client_id,
          pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8')), pg_catalog.now() + valid_for,
          booking.current_user_id())
  RETURNING id INTO invitation_id;
END
$$;
COMMENT ON FUNCTION booking.invite(booking.email, pg_catalog.uuid, booking.org_role, pg_catalog.uuid, pg_catalog.interval) IS
  'an owner or admin of the acting org invites an e-mail address or a user id with a role (an owner only by an owner), optionally to a client record of the org, valid for 1 minute to 90 days (default 7 days); returns the invitation id and its token, which is stored only as a hash: send it to the invited person';

CREATE OR REPLACE FUNCTION booking.accept_invitation(org_id pg_catalog.uuid, user_id pg_catalog.uuid, token pg_catalog.text)
  RETURNS booking.org_role
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  inv booking.invitation;
  login booking.app_user;
BEGIN
  -- One answer for every refusal: the token, the org, the user or the
  -- invitation's state are not told apart.
  SELECT * INTO login FROM booking.app_user u
   WHERE u.id = accept_invitation.user_id AND u.active
     FOR KEY SHARE;
  IF FOUND AND token IS NOT NULL
     AND (booking.current_user_id() IS NULL OR booking.current_user_id() = accept_invitation.user_id) THEN
    SELECT * INTO inv FROM booking.invitation i
     WHERE i.org_id = accept_invitation.org_id
       AND i.token_hash = pg_catalog.sha256(pg_catalog.convert_to(accept_invitation.token, 'UTF8'))
       AND i.accepted_at IS NULL AND i.expires_at > pg_catalog.now()
       AND (i.user_id = login.id OR (i.user_id IS NULL AND pg_catalog.lower(i.email) = pg_catalog.lower(login.email)))
       FOR UPDATE;
  END IF;
  IF inv.id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'no valid invitation',
      DETAIL = 'The token is unknown, expired, already used, or for another user.';
  END IF;
  IF inv.client_id IS NOT NULL THEN
    UPDATE booking.client c SET user_id = login.id
     WHERE c.org_id = inv.org_id AND c.id = inv.client_id AND (c.user_id IS NULL OR c.user_id = login.id);
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'no valid invitation',
        DETAIL = 'The client record of the invitation is linked to another user.';
    END IF;
  END IF;
  PERFORM booking.membership_refresh_on_workers(true);
  INSERT INTO booking.membership (org_id, user_id, role)
  VALUES (inv.org_id, login.id, inv.role)
  ON CONFLICT DO NOTHING;
  PERFORM booking.membership_refresh_on_workers(false, ARRAY[login.id]);
  UPDATE booking.invitation i SET accepted_at = pg_catalog.now(), accepted_by = login.id
   WHERE i.org_id = inv.org_id AND i.id = inv.id;
  RETURN inv.role;
END
$$;
COMMENT ON FUNCTION booking.accept_invitation(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text) IS
  'the invited user (authenticated by the trusted role that calls this, and the acting user if an identity is set) accepts an invitation of org_id with its token: the membership is made and the invitation''s client record linked; returns the role. Any refusal (unknown, expired or used token, another user''s invitation, an inactive user) is the same 42501';

-- Whether a write may put user_id in org_id (a membership, a login linked
-- to a record): the user is already a member of the org, as far as the
-- writer sees its members, or the write is the engine's own (its functions,
-- its system actions) or maintenance (a caller that bypasses row-level
-- security).  relid: the table written (TG_RELID).  With the caller's
-- rights, for the two triggers below.
CREATE OR REPLACE FUNCTION booking.user_may_join(org_id pg_catalog.uuid, user_id pg_catalog.uuid, relid pg_catalog.oid)
  RETURNS pg_catalog.bool
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus cannot plan an SQL function's parameters in a
  -- query of a distributed table (here a router query of the org's shard)
  RETURN booking.caller_bypasses_rls() OR booking.acting_is_system() OR booking.caller_owns_table(relid)
         OR EXISTS (SELECT 1 FROM booking.membership m
                     WHERE m.org_id = user_may_join.org_id AND m.user_id = user_may_join.user_id);
END
$$;
COMMENT ON FUNCTION booking.user_may_join(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.oid) IS
  'internal to the triggers a3_user_link and a1_enrol: whether a write to table relid may put user_id in org_id (already a member as far as the writer sees, the engine''s own write, a system action, or maintenance)';

-- Who links a login to a record of the org: only a member of the org
-- (who accepted an invitation).  With the caller's rights: the caller sees
-- the org's membership rows only as far as row-level security lets them.
CREATE OR REPLACE FUNCTION booking.tg_user_link() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NEW.user_id IS NULL
     OR (TG_OP = 'UPDATE' AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id)
     OR booking.user_may_join(NEW.org_id, NEW.user_id, TG_RELID) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
    -- the table's name as an argument: on Citus a shard has a name of its own
    MESSAGE = pg_catalog.format('user_id of table %s must be a member of the org', TG_ARGV[0]),
    DETAIL = 'A login is linked only to a user who accepted an invitation to the org.',
    HINT = 'Invite the user (booking.invite, with client_id for a client record); accepting makes the membership.';
END
$$;
COMMENT ON FUNCTION booking.tg_user_link() IS
  'trigger (a3_user_link on client, guardian, resource): a record is linked to a login (user_id) only if that user is a member of the org, as far as the writer sees the org''s members (42501, the same for an unknown user); the engine''s own functions and maintenance excepted';

CREATE OR REPLACE TRIGGER a3_user_link BEFORE INSERT OR UPDATE OF user_id ON booking.client
  FOR EACH ROW EXECUTE FUNCTION booking.tg_user_link('client');
CREATE OR REPLACE TRIGGER a3_user_link BEFORE INSERT OR UPDATE OF user_id ON booking.guardian
  FOR EACH ROW EXECUTE FUNCTION booking.tg_user_link('guardian');
CREATE OR REPLACE TRIGGER a3_user_link BEFORE INSERT OR UPDATE OF user_id ON booking.resource
  FOR EACH ROW EXECUTE FUNCTION booking.tg_user_link('resource');

-- Nobody but the engine and maintenance adds a user to an org.  A member
-- may be given another role (a row of its own) by an owner or admin, as
-- the policy membership_admin_insert says: they accepted the org already.
-- With the caller's rights: an admin sees the org's memberships.
CREATE OR REPLACE FUNCTION booking.tg_enrol_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF booking.user_may_join(NEW.org_id, NEW.user_id, TG_RELID) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
    MESSAGE = 'a membership is made by accepting an invitation',
    DETAIL = 'Nobody is enrolled in an org without their acceptance.',
    HINT = 'Invite the user with booking.invite; they accept with booking.accept_invitation.';
END
$$;
COMMENT ON FUNCTION booking.tg_enrol_guard() IS
  'trigger (a1_enrol on membership): refuses (42501) an INSERT of a user who is not yet a member of the org (as far as the writer sees its members), but by the engine''s own functions (create_org, accept_invitation), its system actions and maintenance (superuser or BYPASSRLS: restores, data loads, test fixtures)';

-- a1_ and then a1_org_guard: fires before everything else of the row
CREATE OR REPLACE TRIGGER a1_enrol BEFORE INSERT ON booking.membership
  FOR EACH ROW EXECUTE FUNCTION booking.tg_enrol_guard();

-- Invitations: owners and admins read and withdraw (delete) them; an admin
-- not an owner's.  Written by booking.invite and accept_invitation only.
DROP POLICY IF EXISTS invitation_admin_read ON booking.invitation;
CREATE POLICY invitation_admin_read ON booking.invitation FOR SELECT
  USING (booking.acting_is_admin());
COMMENT ON POLICY invitation_admin_read ON booking.invitation IS 'owners and admins read the org''s invitations';
DROP POLICY IF EXISTS invitation_admin_delete ON booking.invitation;
CREATE POLICY invitation_admin_delete ON booking.invitation FOR DELETE
  USING (booking.acting_is_admin()
         AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
              OR booking.acting_has_role('owner'::booking.org_role)));
COMMENT ON POLICY invitation_admin_delete ON booking.invitation IS 'owners and admins withdraw invitations (an owner''s invitation only an owner)';

-- The pending e-mail change: its user reads it.
DROP POLICY IF EXISTS email_change_self ON booking.email_change;
CREATE POLICY email_change_self ON booking.email_change FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) booking.current_user_id());
COMMENT ON POLICY email_change_self ON booking.email_change IS 'a user reads their own pending e-mail change';

CREATE OR REPLACE FUNCTION booking.request_email_change(user_id pg_catalog.uuid, new_email booking.email,
                                                        valid_for pg_catalog.interval DEFAULT '1 day')
  RETURNS pg_catalog.text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  token pg_catalog.text := booking.new_token();
BEGIN
  IF new_email IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'new_email must not be null';
  END IF;
  IF valid_for IS NULL OR valid_for < interval '1 minute' OR valid_for > interval '7 days' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('valid_for must be between 1 minute and 7 days, not %s', COALESCE(valid_for::pg_catalog.text, 'null'));
  END IF;
  IF booking.current_user_id() IS DISTINCT FROM request_email_change.user_id AND booking.current_user_id() IS NOT NULL
     OR NOT EXISTS (SELECT 1 FROM booking.app_user u WHERE u.id = request_email_change.user_id AND u.active) THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'no e-mail change for this user',
      DETAIL = 'The user does not exist, is not active, or is not the acting user.';
  END IF;
  -- Whether another account has the address is not looked at here.
  INSERT INTO booking.email_change AS e (user_id, new_email, token_hash, expires_at)
  VALUES (request_email_change.user_id, new_email, pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8')),
          pg_catalog.now() + valid_for)
  ON CONFLICT ON CONSTRAINT email_change_pkey DO UPDATE
     SET new_email = EXCLUDED.new_email, token_hash = EXCLUDED.token_hash,
         expires_at = EXCLUDED.expires_at, requested_at = EXCLUDED.requested_at;
  RETURN token;
END
$$;
COMMENT ON FUNCTION booking.request_email_change(pg_catalog.uuid, booking.email, pg_catalog.interval) IS
  'a user asks to change their e-mail address: stores it as pending (replacing an earlier request) and returns a token for the application to send to the new address; answers the same whether or not another account has it. For trusted roles';

CREATE OR REPLACE FUNCTION booking.confirm_email_change(user_id pg_catalog.uuid, token pg_catalog.text)
  RETURNS booking.email
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  e booking.email_change;
BEGIN
  SELECT * INTO e FROM booking.email_change x
   WHERE x.user_id = confirm_email_change.user_id
     AND x.token_hash = pg_catalog.sha256(pg_catalog.convert_to(confirm_email_change.token, 'UTF8'))
     AND x.expires_at > pg_catalog.now()
     FOR UPDATE;
  IF NOT FOUND OR (booking.current_user_id() IS NOT NULL AND booking.current_user_id() <> confirm_email_change.user_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'no valid e-mail change',
      DETAIL = 'The token is unknown, expired, or for another user.';
  END IF;
  -- The confirmer holds the new mailbox: telling them that it already has
  -- an account tells its own holder.
  IF EXISTS (SELECT 1 FROM booking.app_user u
              WHERE pg_catalog.lower(u.email) = pg_catalog.lower(e.new_email) AND u.id <> e.user_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'unique_violation',
      MESSAGE = 'this e-mail address belongs to another account',
      HINT = 'Log in with that account instead.';
  END IF;
  UPDATE booking.app_user u SET email = e.new_email WHERE u.id = e.user_id;
  DELETE FROM booking.email_change x WHERE x.user_id = e.user_id;
  RETURN e.new_email;
END
$$;
COMMENT ON FUNCTION booking.confirm_email_change(pg_catalog.uuid, pg_catalog.text) IS
  'applies a pending e-mail change with the token sent to the new address and returns the new address; 42501 for an unknown, expired or wrong token; 23505 if another account took the address (only the holder of the new mailbox gets this far). For trusted roles';
