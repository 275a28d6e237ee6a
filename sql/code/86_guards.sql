-- Guards that run before any other trigger of a tenant table, so that no
-- trigger reads or reports a row of another org, and no member writes a
-- column that is not theirs.  Their names start with a1_ and a2_ because
-- PostgreSQL fires the BEFORE triggers of a row by name: these fire first
-- (test/pgtap/schema.sql lists the order of booking.booking's triggers).
--
--   a1_org_guard     on every table with an org_id (booking.apply_schema_rules
--                    creates it): the row written, before and after, belongs
--                    to the acting org.  Row-level security says the same in
--                    its WITH CHECK, but only after the BEFORE triggers have
--                    run, and those read with the owner's rights: without
--                    this guard an org id chosen by the caller made them read
--                    that org and print its bookings and seats in an error.
--   a2_column_owner  on the tables that members other than staff write
--                    (booking, client, notification, app_user): the columns
--                    named in its arguments (booking: its own function) are
--                    written only by staff, by the engine's own functions
--                    and triggers, or by a role that bypasses row-level
--                    security.  The README's table "Who writes which
--                    column" lists them, test/pgtap/column_owners.sql walks
--                    it as every role.

-- The write is the engine's own: current_user owns the table relid, as the
-- engine's SECURITY DEFINER functions and triggers do (they run as the
-- tables' owner).  The one test of it for the guards below and those of
-- sql/code/92_enrolment.sql, which pass TG_RELID.  No SECURITY DEFINER: it
-- asks about the caller.
CREATE OR REPLACE FUNCTION booking.caller_owns_table(relid pg_catalog.oid) RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                  WHERE c.oid OPERATOR(pg_catalog.=) relid
                    AND c.relowner OPERATOR(pg_catalog.=) CURRENT_USER::pg_catalog.regrole::pg_catalog.oid);
COMMENT ON FUNCTION booking.caller_owns_table(pg_catalog.oid) IS
  'whether current_user owns the table relid: the write is the engine''s own (its SECURITY DEFINER functions and triggers run as the tables'' owner); for the guard triggers, which pass TG_RELID';

-- The row's org is the acting org.  No SECURITY DEFINER: it reads nothing
-- of the row's table, and current_user must be the one of the statement.
CREATE OR REPLACE FUNCTION booking.tg_org_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF (NEW.org_id IS DISTINCT FROM booking.current_org_id()
      OR (TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.org_id IS DISTINCT FROM OLD.org_id))
     AND NOT booking.caller_bypasses_rls()
     -- the engine's own SECURITY DEFINER functions (create_org, book, ...)
     -- run as the table's owner and choose the org themselves
     AND NOT booking.caller_owns_table(TG_RELID) THEN
    IF booking.current_org_id() IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = pg_catalog.format('writing to table "%s" needs an identity', TG_TABLE_NAME),
        HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = pg_catalog.format('new row violates row-level security policy for table "%s"', TG_TABLE_NAME),
      DETAIL = 'The row''s org is not the acting org.',
      HINT = 'A row is written only in the acting org and never moves to another.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_org_guard() IS
  'trigger (a1_org_guard, first of every tenant table): refuses (42501) a row whose org, before or after the write, is not the acting org, before any other trigger reads anything, unless the caller bypasses row-level security or the write is the engine''s own (a SECURITY DEFINER function running as the table''s owner)';

-- The columns of TG_ARGV[1:] belong to TG_ARGV[0]: 'staff' (owner, admin,
-- staff of the acting org) or 'engine' (nobody but the engine).  Either way
-- the engine itself (its SECURITY DEFINER functions and triggers, which run
-- as the table's owner, or its system actions) and a role that bypasses
-- row-level security write them.  An argument 'column=value' names the
-- value an INSERT may give (the column's default); otherwise an INSERT
-- leaves it NULL.  An UPDATE leaves it unchanged.  No SECURITY DEFINER:
-- current_user must be the one of the statement.
CREATE OR REPLACE FUNCTION booking.tg_column_owner() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  new_row pg_catalog.jsonb;
  old_row pg_catalog.jsonb;
  arg pg_catalog.text;
  col pg_catalog.text;
  allowed pg_catalog.text;
  written pg_catalog.bool;
  i pg_catalog.int4;
BEGIN
  IF booking.caller_bypasses_rls() OR booking.acting_is_system()
     OR (TG_ARGV[0] OPERATOR(pg_catalog.=) 'staff' AND booking.acting_is_staff())
     OR booking.caller_owns_table(TG_RELID) THEN
    RETURN NEW;
  END IF;
  new_row := pg_catalog.to_jsonb(NEW);
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    old_row := pg_catalog.to_jsonb(OLD);
  END IF;
  FOR i IN 1 .. TG_NARGS OPERATOR(pg_catalog.-) 1 LOOP
    arg := TG_ARGV[i];
    col := pg_catalog.split_part(arg, '=', 1);
    allowed := NULLIF(pg_catalog.substr(arg, pg_catalog.length(col) OPERATOR(pg_catalog.+) 2), '');
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
      written := (new_row -> col) IS DISTINCT FROM (old_row -> col);
    ELSE
      written := (new_row ->> col) IS DISTINCT FROM allowed;
    END IF;
    IF written THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = pg_catalog.format('permission denied to write column %s of table %s', col, TG_TABLE_NAME),
        DETAIL = CASE TG_ARGV[0] WHEN 'staff'
                   THEN 'Only an owner, admin or staff member of the org, or the engine''s own functions, write it.'
                   ELSE 'Only the engine''s own functions write it.' END,
        HINT = CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN 'Leave the column unchanged.'
                    ELSE 'Leave the column out of the INSERT.' END;
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_column_owner() IS
  'trigger (a2_column_owner): refuses (42501) a write of the columns named in its arguments by anyone but their owner (TG_ARGV[0]: staff or engine), the engine''s own functions and triggers, or a role that bypasses row-level security';

-- Money, holds, overrides and the author of a booking.  Below staff, a
-- writer (booking.book runs with its caller's rights, so it is one) gives
-- on INSERT no price or exactly booking.book_price's, a hold of at most
-- seven days (booking.book's limit), itself or nobody as the author, and
-- no override record; on UPDATE it changes none of them, but may end its
-- hold (booking.confirm_hold), and other seats, service or session reprice
-- the booking as booking.book would.  The write path's own SECURITY DEFINER
-- triggers fire after this one and set overridden_rules and overridden_by.
CREATE OR REPLACE FUNCTION booking.tg_booking_column_owner() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  col pg_catalog.text;
  q record;
  repriced pg_catalog.bool := false;
BEGIN
  IF booking.caller_bypasses_rls() OR booking.acting_is_system() OR booking.acting_is_staff()
     OR booking.caller_owns_table(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.price_cents <> 0 OR NEW.platform_fee_cents <> 0 OR NEW.resource_share_cents <> 0 THEN
      SELECT * INTO q FROM booking.book_price(NEW.org_id, NEW.service_id, NEW.session_id, NEW.seats);
      IF (NEW.price_cents, NEW.platform_fee_cents, NEW.resource_share_cents)
         IS DISTINCT FROM (q.price_cents, q.platform_fee_cents, q.resource_share_cents) THEN
        col := 'price_cents';
      END IF;
    END IF;
    IF NEW.hold_expires_at > pg_catalog.now() + interval '7 days' THEN
      col := 'hold_expires_at';
    ELSIF NEW.created_by IS DISTINCT FROM booking.current_user_id() AND NEW.created_by IS NOT NULL THEN
      col := 'created_by';
    ELSIF NEW.overridden_rules IS NOT NULL THEN
      col := 'overridden_rules';
    ELSIF NEW.overridden_by IS NOT NULL THEN
      col := 'overridden_by';
    ELSIF NEW.rate_card_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM booking.rate_card c
                           WHERE c.org_id = NEW.org_id AND c.id = NEW.rate_card_id AND c.is_default) THEN
      -- Below staff the price is the default card's: naming another card
      -- would choose one's own price.
      col := 'rate_card_id';
    END IF;
  ELSE
    -- Other seats, service or session: the price follows (booking.book's),
    -- unless the writer gave one, which is refused below.
    IF (NEW.seats, NEW.service_id, NEW.session_id) IS DISTINCT FROM (OLD.seats, OLD.service_id, OLD.session_id)
       AND (NEW.price_cents, NEW.platform_fee_cents, NEW.resource_share_cents)
           IS NOT DISTINCT FROM (OLD.price_cents, OLD.platform_fee_cents, OLD.resource_share_cents) THEN
      SELECT * INTO q FROM booking.book_price(NEW.org_id, NEW.service_id, NEW.session_id, NEW.seats);
      NEW.price_cents := q.price_cents;
      NEW.platform_fee_cents := q.platform_fee_cents;
      NEW.resource_share_cents := q.resource_share_cents;
      repriced := true;
    END IF;
    IF NEW.hold_expires_at IS DISTINCT FROM OLD.hold_expires_at AND NEW.hold_expires_at IS NOT NULL THEN
      col := 'hold_expires_at';
    ELSIF NEW.created_by IS DISTINCT FROM OLD.created_by THEN
      col := 'created_by';
    ELSIF NEW.overridden_rules IS DISTINCT FROM OLD.overridden_rules THEN
      col := 'overridden_rules';
    ELSIF NEW.overridden_by IS DISTINCT FROM OLD.overridden_by THEN
      col := 'overridden_by';
    ELSIF NEW.rate_card_id IS DISTINCT FROM OLD.rate_card_id THEN
      col := 'rate_card_id';
    ELSIF repriced THEN
      NULL;
    ELSIF NEW.price_cents IS DISTINCT FROM OLD.price_cents THEN
      col := 'price_cents';
    ELSIF NEW.platform_fee_cents IS DISTINCT FROM OLD.platform_fee_cents THEN
      col := 'platform_fee_cents';
    ELSIF NEW.resource_share_cents IS DISTINCT FROM OLD.resource_share_cents THEN
      col := 'resource_share_cents';
    END IF;
  END IF;
  IF col IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = pg_catalog.format('permission denied to write column %s of table booking', col),
      DETAIL = CASE col
                 WHEN 'price_cents' THEN 'Below staff, a booking gets the price booking.book gives it (booking.book_price).'
                 WHEN 'hold_expires_at' THEN 'Below staff, a hold lasts at most 7 days and is only ended, never extended.'
                 WHEN 'created_by' THEN 'A booking''s author is the acting user.'
                 WHEN 'rate_card_id' THEN 'Below staff, a booking takes the org''s default rate card.'
                 ELSE 'The write path records overrides itself.' END,
      HINT = 'Leave the column out (booking.book fills it in), or ask staff.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_booking_column_owner() IS
  'trigger (a2_column_owner on booking): below staff (and outside the engine''s own SECURITY DEFINER code and system actions, and roles bypassing row-level security), refuses (42501) a price other than none or booking.book_price''s, a rate card other than the org''s default (and any change of it), a hold of more than 7 days or one extended, an author other than the acting user, and any override record; on UPDATE none of these change (a hold may end), and new seats, service or session reprice the booking by booking.book_price';

CREATE OR REPLACE TRIGGER a2_column_owner BEFORE INSERT OR UPDATE ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_booking_column_owner();
-- The facts eligibility reads, staff's notes, and the login a client row
-- stands for: staff.  A client edits their name, e-mail and phone.
CREATE OR REPLACE TRIGGER a2_column_owner BEFORE INSERT OR UPDATE ON booking.client
  FOR EACH ROW EXECUTE FUNCTION booking.tg_column_owner(
    'staff', 'date_of_birth', 'license_type', 'active=true', 'notes', 'user_id');
-- A recipient marks a notification delivered, nothing else.
CREATE OR REPLACE TRIGGER a2_column_owner BEFORE UPDATE ON booking.notification
  FOR EACH ROW EXECUTE FUNCTION booking.tg_column_owner(
    'staff', 'user_id', 'booking_id', 'kind', 'payload', 'created_at');
-- A user edits their name and phone; whether the account is active, which
-- external login it is and its e-mail address: the engine (or a role
-- bypassing row-level security).  The address changes through a verified
-- pending value (booking.request_email_change, sql/code/92_enrolment.sql):
-- a unique_violation of a direct UPDATE told whether another account had it.
CREATE OR REPLACE TRIGGER a2_column_owner BEFORE UPDATE ON booking.app_user
  FOR EACH ROW EXECUTE FUNCTION booking.tg_column_owner('engine', 'active', 'external_id', 'email', 'member_org_ids');
-- A membership stays the user's: moving it to another user would enrol
-- them without their acceptance (sql/code/92_enrolment.sql).
CREATE OR REPLACE TRIGGER a2_column_owner BEFORE UPDATE ON booking.membership
  FOR EACH ROW EXECUTE FUNCTION booking.tg_column_owner('engine', 'user_id');

-- An org keeps an owner.  The policies membership_admin_update and
-- membership_admin_delete keep admins from
-- touching owner rows; this trigger keeps the last owner row from going
-- (deleted, demoted, moved to another user), whoever acts, but for
-- maintenance (no identity, bypassing row-level security), the deletion of
-- the org itself and the deletion of the owner's user (both cascade here).
-- The other owner rows are locked, so that two owners removing each other
-- at once cannot both succeed: the second waits for the first and then
-- finds no other owner (test/specs/last_owner.spec).
CREATE OR REPLACE FUNCTION booking.tg_keep_an_owner() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF OLD.role <> 'owner'::booking.org_role
     OR (TG_OP = 'UPDATE' AND NEW.role = 'owner'::booking.org_role AND NEW.user_id = OLD.user_id AND NEW.org_id = OLD.org_id)
     OR booking.writing_as_maintenance()
     OR NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id = OLD.org_id)
     OR NOT EXISTS (SELECT 1 FROM booking.app_user u WHERE u.id = OLD.user_id) THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  PERFORM 1 FROM booking.membership m
    WHERE m.org_id = OLD.org_id AND m.role = 'owner'::booking.org_role AND m.user_id <> OLD.user_id
    FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
      MESSAGE = 'an org must keep an owner',
      DETAIL = 'This is the org''s last owner.',
      HINT = 'Make another member an owner first.';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION booking.tg_keep_an_owner() IS
  'trigger (BEFORE UPDATE OR DELETE on membership): the last owner row of an org is not deleted, demoted or moved (23001), except in maintenance or when the org or the user is being deleted; other owner rows are locked meanwhile';

CREATE OR REPLACE TRIGGER keep_an_owner BEFORE UPDATE OR DELETE ON booking.membership
  FOR EACH ROW EXECUTE FUNCTION booking.tg_keep_an_owner();
