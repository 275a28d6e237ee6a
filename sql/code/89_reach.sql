-- Who reaches a row, carried onto the row (issue 15, point 2): the policies
-- of sql/code/90_security.sql compare these columns with the identity and
-- read no other table, so they hold on a Citus worker as on one node.
--
-- payment, invoice and status_history carry the client, resource and
-- session of their booking (booking_client_id, booking_resource_id,
-- booking_session_id); a client carries the resources and sessions of its
-- bookings (booking_resource_ids, booking_session_ids, sorted).  Whatever a
-- writer puts there, the BEFORE triggers below replace it by what the
-- bookings say (but a restore's: a maintenance writer's INSERT that gives
-- them, see booking.writing_as_maintenance); the AFTER trigger booking_reach on booking carries a change
-- of a booking's client, resource or session to them.  Every query names
-- the org: on Citus it is one co-located shard, which a trigger on a shard
-- may read and write.

-- payment, invoice, status_history: the booking's client, resource and
-- session, from the booking (NULL without one: an invoice of a session).
CREATE OR REPLACE FUNCTION booking.tg_booking_carry() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- a restore (or a load bypassing row-level security) brings them along
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT'
     AND (NEW.booking_client_id IS NOT NULL OR NEW.booking_resource_id IS NOT NULL OR NEW.booking_session_id IS NOT NULL)
     AND booking.writing_as_maintenance() THEN
    RETURN NEW;
  END IF;
  NEW.booking_client_id := NULL;
  NEW.booking_resource_id := NULL;
  NEW.booking_session_id := NULL;
  IF NEW.booking_id IS NOT NULL THEN
    SELECT b.client_id, b.resource_id, b.session_id
      INTO NEW.booking_client_id, NEW.booking_resource_id, NEW.booking_session_id
      FROM booking.booking b
     WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.id OPERATOR(pg_catalog.=) NEW.booking_id;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_booking_carry() IS
  'trigger (booking_carry, BEFORE INSERT OR UPDATE on payment, invoice and status_history): copies the booking''s client_id, resource_id and session_id into booking_client_id, booking_resource_id and booking_session_id, whatever the writer gave (NULL without a booking), but on a maintenance writer''s INSERT that gives them (a restore)';
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY '{payment,invoice,status_history}'::pg_catalog.text[]
  LOOP
    EXECUTE pg_catalog.format(
      'CREATE OR REPLACE TRIGGER booking_carry
         BEFORE INSERT OR UPDATE OF org_id, booking_id, booking_client_id, booking_resource_id, booking_session_id ON booking.%I
         FOR EACH ROW EXECUTE FUNCTION booking.tg_booking_carry()', t);
  END LOOP;
END
$$;

-- client: the resources and sessions of its bookings, sorted.  Recomputed
-- from the client's bookings whenever a write names the columns (and on
-- INSERT when they are not empty: a new client has no booking yet).
CREATE OR REPLACE FUNCTION booking.tg_client_reach() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT'
     AND pg_catalog.cardinality(NEW.booking_resource_ids) OPERATOR(pg_catalog.=) 0
     AND pg_catalog.cardinality(NEW.booking_session_ids) OPERATOR(pg_catalog.=) 0 THEN
    RETURN NEW;
  END IF;
  -- a restore (or a load bypassing row-level security) brings them along
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND booking.writing_as_maintenance() THEN
    RETURN NEW;
  END IF;
  SELECT COALESCE(pg_catalog.array_agg(DISTINCT b.resource_id ORDER BY b.resource_id)
                    FILTER (WHERE b.resource_id IS NOT NULL), '{}'),
         COALESCE(pg_catalog.array_agg(DISTINCT b.session_id ORDER BY b.session_id)
                    FILTER (WHERE b.session_id IS NOT NULL), '{}')
    INTO NEW.booking_resource_ids, NEW.booking_session_ids
    FROM booking.booking b
   WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.client_id OPERATOR(pg_catalog.=) NEW.id;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_client_reach() IS
  'trigger (client_reach, BEFORE INSERT OR UPDATE OF booking_resource_ids, booking_session_ids on client): recomputes them from the client''s bookings (distinct, sorted), whatever the writer gave, but on a maintenance writer''s INSERT that gives them (a restore)';
CREATE OR REPLACE TRIGGER client_reach
  BEFORE INSERT OR UPDATE OF org_id, id, booking_resource_ids, booking_session_ids ON booking.client
  FOR EACH ROW EXECUTE FUNCTION booking.tg_client_reach();

-- booking: a new booking adds its resource and session to its client's
-- (only when they are new there: a student's next lesson with the same
-- instructor writes nothing); a change of client, resource or session is
-- carried to the booking's payment, invoice and history and recomputes the
-- clients concerned; a deleted booking recomputes its client (its payment,
-- invoice and history go with it).
CREATE OR REPLACE FUNCTION booking.tg_booking_reach() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
     AND NEW.client_id IS NOT DISTINCT FROM OLD.client_id
     AND NEW.resource_id IS NOT DISTINCT FROM OLD.resource_id
     AND NEW.session_id IS NOT DISTINCT FROM OLD.session_id THEN
    RETURN NULL;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    UPDATE booking.payment x SET booking_client_id = NEW.client_id
     WHERE x.org_id OPERATOR(pg_catalog.=) NEW.org_id AND x.booking_id OPERATOR(pg_catalog.=) NEW.id;
    UPDATE booking.invoice x SET booking_client_id = NEW.client_id
     WHERE x.org_id OPERATOR(pg_catalog.=) NEW.org_id AND x.booking_id OPERATOR(pg_catalog.=) NEW.id;
    UPDATE booking.status_history x SET booking_client_id = NEW.client_id
     WHERE x.org_id OPERATOR(pg_catalog.=) NEW.org_id AND x.booking_id OPERATOR(pg_catalog.=) NEW.id;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
    UPDATE booking.client c SET booking_resource_ids = c.booking_resource_ids
     WHERE c.org_id OPERATOR(pg_catalog.=) OLD.org_id AND c.id OPERATOR(pg_catalog.=) OLD.client_id;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
    UPDATE booking.client c SET booking_resource_ids = c.booking_resource_ids
     WHERE c.org_id OPERATOR(pg_catalog.=) NEW.org_id AND c.id OPERATOR(pg_catalog.=) NEW.client_id
       AND (TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.client_id IS DISTINCT FROM OLD.client_id
            OR NOT (NEW.resource_id IS NULL OR NEW.resource_id OPERATOR(pg_catalog.=) ANY (c.booking_resource_ids))
            OR NOT (NEW.session_id IS NULL OR NEW.session_id OPERATOR(pg_catalog.=) ANY (c.booking_session_ids)));
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_booking_reach() IS
  'trigger (booking_reach, AFTER INSERT OR DELETE OR UPDATE OF client_id, resource_id, session_id on booking): carries a new client, resource or session of the booking to its payment, invoice and status_history (booking_carry copies them), and has the client rows concerned recompute booking_resource_ids and booking_session_ids (client_reach) where they change';
CREATE OR REPLACE TRIGGER booking_reach
  AFTER INSERT OR DELETE OR UPDATE OF client_id, resource_id, session_id ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_booking_reach();
