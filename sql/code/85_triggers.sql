-- Triggers: updated_at, deletion of people with open bookings, append-only
-- logs, real-time notifications and the audit of administrative changes.

CREATE OR REPLACE FUNCTION booking.tg_touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_touch_updated_at() IS 'trigger: set updated_at to the transaction time on every update';

-- A client or resource with open bookings cannot be deleted (seed 003's
-- restrict rules).  TG_ARGV[0] names the referencing column of
-- booking.booking, TG_ARGV[1] the table (for the message: on Citus
-- TG_TABLE_NAME is a shard's name).  The deletion of a whole org cascades regardless: when
-- the org row is already gone, the check steps aside.
CREATE OR REPLACE FUNCTION booking.tg_restrict_open_bookings() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  open_count pg_catalog.int8;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) OLD.org_id) THEN
    RETURN OLD;
  END IF;
  EXECUTE pg_catalog.format(
    'SELECT pg_catalog.count(*) FROM booking.booking b
      WHERE b.org_id OPERATOR(pg_catalog.=) $1 AND b.%I OPERATOR(pg_catalog.=) $2
        AND booking.status_is_open(b.status)', TG_ARGV[0])
    INTO open_count USING OLD.org_id, OLD.id;
  IF open_count OPERATOR(pg_catalog.>) 0 THEN
    RAISE EXCEPTION USING
      ERRCODE = 'foreign_key_violation',
      MESSAGE = pg_catalog.format('cannot delete %s %s: it has %s open booking(s)', TG_ARGV[1], OLD.id, open_count),
      DETAIL = 'Bookings that are pending, waitlisted, confirmed or in progress still refer to it.',
      HINT = 'Cancel or complete those bookings first, or set active = false instead of deleting.';
  END IF;
  RETURN OLD;
END
$$;
COMMENT ON FUNCTION booking.tg_restrict_open_bookings() IS
  'trigger: refuse to delete a client or resource that still has open bookings (SQLSTATE 23503)';

-- History and audit rows are append-only.  They go away only with their
-- booking or org (the cascade finds the parent already deleted).
CREATE OR REPLACE FUNCTION booking.tg_append_only() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) OLD.org_id) THEN
      RETURN OLD;
    END IF;
    -- (nested: OLD.booking_id exists only in status_history, and an AND
    -- does not keep the field from being looked up in the other logs)
    IF TG_ARGV[0] OPERATOR(pg_catalog.=) 'status_history' THEN
      IF NOT EXISTS (SELECT 1 FROM booking.booking b
                      WHERE b.org_id OPERATOR(pg_catalog.=) OLD.org_id AND b.id OPERATOR(pg_catalog.=) OLD.booking_id) THEN
        RETURN OLD;
      END IF;
    END IF;
  END IF;
  IF booking.writing_as_maintenance() THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  -- the booking's client, resource and session that a history row carries
  -- for row-level security follow the booking (booking_reach, then
  -- booking_carry copies them from the booking whatever was written)
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND TG_ARGV[0] OPERATOR(pg_catalog.=) 'status_history'
     AND (pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) '{booking_client_id,booking_resource_id,booking_session_id}'::pg_catalog.text[])
         OPERATOR(pg_catalog.=)
         (pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) '{booking_client_id,booking_resource_id,booking_session_id}'::pg_catalog.text[]) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION USING
    ERRCODE = 'insufficient_privilege',
    MESSAGE = pg_catalog.format('%s rows are append-only', TG_ARGV[0]),
    HINT = 'Append a new row instead of changing or deleting one.';
END
$$;
COMMENT ON FUNCTION booking.tg_append_only() IS
  'trigger (TG_ARGV[0]: the table''s name, never TG_TABLE_NAME, which is a shard''s name on Citus): refuse UPDATE and DELETE on append-only logs (but, on status_history, an UPDATE of the carried booking_client_id, booking_resource_id and booking_session_id alone) except in maintenance (booking.writing_as_maintenance: a superuser or BYPASSRLS caller without an identity) or through the deletion of the parent (SQLSTATE 42501)';

CREATE OR REPLACE FUNCTION booking.tg_notify_user() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- No content and no per-user channel: any role may LISTEN on any
  -- channel, and behind a transaction pooler a LISTEN outlives the client's
  -- transaction.  A trusted relay reads what is new (booking.relay_notifications).
  -- Once distributed (Citus) this trigger runs on a worker's shard: a NOTIFY
  -- there reaches no listener of the coordinator, and a worker's
  -- transaction that has sent one cannot be prepared for the two-phase
  -- commit of a transaction that wrote several nodes.  There the functions
  -- that write through the coordinator NOTIFY (booking.notify_from_coordinator).
  IF NOT booking.is_distributed() THEN
    PERFORM pg_catalog.pg_notify('booking_notification', '');
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_notify_user() IS
  'trigger: NOTIFY booking_notification with an empty payload when a notification is inserted (on a single node; on Citus the coordinator''s functions do, booking.notify_from_coordinator): a listener learns that some notification exists, nothing else; the trusted relay reads them with booking.relay_notifications, applications with booking.notifications_after';

-- A notification goes to a member of its org: staff cannot write to (and
-- so signal, and learn the existence of) users outside it.  Restores and
-- loads (a caller bypassing row-level security) write rows as given.
CREATE OR REPLACE FUNCTION booking.tg_notification_recipient() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NOT booking.caller_bypasses_rls()
     AND NOT EXISTS (SELECT 1 FROM booking.membership m
                      WHERE m.org_id = NEW.org_id AND m.user_id = NEW.user_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
      MESSAGE = 'the recipient of a notification must be a member of its org',
      DETAIL = pg_catalog.format('User %s is not a member of the acting org.', NEW.user_id);
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_notification_recipient() IS
  'trigger (BEFORE INSERT OR UPDATE OF user_id on notification): the recipient is a member of the notification''s org (23503), unless the caller bypasses row-level security';

CREATE OR REPLACE FUNCTION booking.tg_audit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r pg_catalog.jsonb := pg_catalog.to_jsonb(CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END);
  org pg_catalog.uuid := COALESCE(r OPERATOR(pg_catalog.->>) 'org_id', r OPERATOR(pg_catalog.->>) 'id')::pg_catalog.uuid;
BEGIN
  -- The log records what identified users do; changes made without an
  -- identity (a superuser's maintenance, pg_restore) are not attributed.
  IF booking.current_user_id() IS NULL THEN
    RETURN NULL;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'DELETE'
     AND NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) org) THEN
    RETURN NULL;
  END IF;
  INSERT INTO booking.audit_log (org_id, actor_user_id, action, entity, entity_id, detail)
  VALUES (org, booking.current_user_id(), pg_catalog.lower(TG_OP), TG_ARGV[0],
          COALESCE(r OPERATOR(pg_catalog.->>) 'user_id', r OPERATOR(pg_catalog.->>) 'id'),
          -- a searched CASE: Citus deparses a simple CASE over a parameter
          -- wrongly (CASE 'INSERT' WHEN NULL::boolean ...) on a shard
          CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
            THEN pg_catalog.jsonb_build_object('old', pg_catalog.to_jsonb(OLD), 'new', r)
            ELSE r END);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_audit() IS 'trigger (TG_ARGV[0]: the table''s name, which a shard does not have): append the change of an administrative row made by an acting user (see booking.act_as) to booking.audit_log';

CREATE OR REPLACE TRIGGER restrict_open_bookings BEFORE DELETE ON booking.client
  FOR EACH ROW EXECUTE FUNCTION booking.tg_restrict_open_bookings('client_id', 'client');
CREATE OR REPLACE TRIGGER restrict_open_bookings BEFORE DELETE ON booking.resource
  FOR EACH ROW EXECUTE FUNCTION booking.tg_restrict_open_bookings('resource_id', 'resource');

CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON booking.status_history
  FOR EACH ROW EXECUTE FUNCTION booking.tg_append_only('status_history');
CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON booking.audit_log
  FOR EACH ROW EXECUTE FUNCTION booking.tg_append_only('audit_log');

CREATE OR REPLACE TRIGGER notification_recipient BEFORE INSERT OR UPDATE OF user_id ON booking.notification
  FOR EACH ROW EXECUTE FUNCTION booking.tg_notification_recipient();
CREATE OR REPLACE TRIGGER notify_user AFTER INSERT ON booking.notification
  FOR EACH ROW EXECUTE FUNCTION booking.tg_notify_user();

CREATE OR REPLACE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON booking.membership
  FOR EACH ROW EXECUTE FUNCTION booking.tg_audit('membership');
CREATE OR REPLACE TRIGGER audit AFTER UPDATE ON booking.org
  FOR EACH ROW EXECUTE FUNCTION booking.tg_audit('org');

-- The action of a foreign key ON DELETE SET NULL (column), which Citus
-- refuses: before a parent row goes, the referring column of its org's
-- child rows is nulled (the key itself is NO ACTION, checked after).
-- TG_ARGV[0]: the child table, TG_ARGV[1]: its referring column.  As an RI
-- action, it runs with the owner's rights (the child's triggers still run).
-- The query names the org: on Citus it goes to the co-located shard only.
CREATE OR REPLACE FUNCTION booking.tg_set_null_refs() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- The deletion of a whole org cascades to the children too: step aside
  -- (as the key's action found them already gone).
  IF NOT EXISTS (SELECT 1 FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) OLD.org_id) THEN
    RETURN OLD;
  END IF;
  EXECUTE pg_catalog.format(
    'UPDATE %s SET %I = NULL WHERE org_id OPERATOR(pg_catalog.=) $1 AND %I OPERATOR(pg_catalog.=) $2',
    TG_ARGV[0]::pg_catalog.regclass, TG_ARGV[1], TG_ARGV[1])
    USING OLD.org_id, OLD.id;
  RETURN OLD;
END
$$;
COMMENT ON FUNCTION booking.tg_set_null_refs() IS
  'trigger (BEFORE DELETE on a parent; TG_ARGV: child table, column): set the column of the org''s child rows that refer to the deleted row to NULL, the ON DELETE SET NULL (column) action that Citus does not support';

CREATE OR REPLACE TRIGGER set_null_booking_resource BEFORE DELETE ON booking.resource
  FOR EACH ROW EXECUTE FUNCTION booking.tg_set_null_refs('booking.booking', 'resource_id');
CREATE OR REPLACE TRIGGER set_null_invoice_client BEFORE DELETE ON booking.client
  FOR EACH ROW EXECUTE FUNCTION booking.tg_set_null_refs('booking.invoice', 'client_id');
CREATE OR REPLACE TRIGGER set_null_invoice_supplier BEFORE DELETE ON booking.supplier
  FOR EACH ROW EXECUTE FUNCTION booking.tg_set_null_refs('booking.invoice', 'supplier_id');
CREATE OR REPLACE TRIGGER set_null_resource_supplier BEFORE DELETE ON booking.supplier
  FOR EACH ROW EXECUTE FUNCTION booking.tg_set_null_refs('booking.resource', 'supplier_id');
CREATE OR REPLACE TRIGGER set_null_session_location BEFORE DELETE ON booking.location
  FOR EACH ROW EXECUTE FUNCTION booking.tg_set_null_refs('booking.session', 'location_id');
