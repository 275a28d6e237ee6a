-- The write path of sessions: a scheduled session occupies its resource
-- like an appointment (never over its appointments or other sessions,
-- buffers included, under the same resource-day locks); its capacity never
-- drops below the seats taken; a change of time or resource carries its
-- bookings along, and more capacity promotes the waitlist.

-- Sessions: capacity never below the seats taken; more capacity promotes
-- the waitlist; new times, resource or service carry over to the open
-- bookings.
CREATE OR REPLACE FUNCTION booking.tg_write_session_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  taken pg_catalog.int8;
BEGIN
  PERFORM booking.lock_session(NEW.org_id, NEW.id);
  taken := booking.seats_taken(NEW.org_id, NEW.id);
  IF NEW.capacity OPERATOR(pg_catalog.<) taken THEN
    RAISE EXCEPTION USING ERRCODE = '23K02',
      MESSAGE = 'capacity below the seats taken',
      DETAIL = pg_catalog.format('Session %s has %s seat(s) taken; the new capacity is %s.', NEW.id, taken, NEW.capacity),
      HINT = 'Cancel bookings first, or keep the capacity.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_check() IS
  'trigger: refuse to lower a session''s capacity below its seats taken (23K02), under booking.lock_session';

CREATE OR REPLACE FUNCTION booking.tg_write_session_follow() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
BEGIN
  IF NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
     OR NEW.resource_id OPERATOR(pg_catalog.<>) OLD.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id THEN
    -- The lapsed holds of the session expire first (promoting its waitlist
    -- if it has not started): the write trigger of a booking moved below
    -- would otherwise expire them, and promote, while this UPDATE runs,
    -- changing rows it has still to move (27000, "already modified by an
    -- operation triggered by the current command").
    PERFORM booking.expire_holds(NEW.org_id, NULL, NEW.id, NULL);
    UPDATE booking.booking b
       SET starts_at = NEW.starts_at, ends_at = NEW.ends_at, resource_id = NEW.resource_id, service_id = NEW.service_id
     WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.session_id OPERATOR(pg_catalog.=) NEW.id
       AND booking.status_is_open(b.status);
  END IF;
  IF NEW.capacity OPERATOR(pg_catalog.>) OLD.capacity OR NEW.status OPERATOR(pg_catalog.<>) OLD.status THEN
    PERFORM booking.promote_waitlist(NEW.org_id, NEW.id);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_follow() IS
  'trigger: after a session changed, move its open bookings to its new times, resource and service (a system change; its lapsed holds expire first), and promote its waitlist when it has more capacity';

-- A scheduled session occupies its resource like an appointment (the
-- solver counts it): it may not overlap the resource's appointments or
-- other scheduled sessions, buffers included, checked under the same
-- resource-day locks the appointments' writers take.
CREATE OR REPLACE FUNCTION booking.tg_write_session_time() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  zone pg_catalog.text;
  padded pg_catalog.tstzrange;
  other record;
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
     AND NEW.starts_at OPERATOR(pg_catalog.=) OLD.starts_at AND NEW.ends_at OPERATOR(pg_catalog.=) OLD.ends_at
     AND NEW.resource_id OPERATOR(pg_catalog.=) OLD.resource_id AND NEW.service_id OPERATOR(pg_catalog.=) OLD.service_id
     AND OLD.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status THEN
    RETURN NEW;
  END IF;
  IF booking.writing_as_maintenance() OR NEW.ends_at OPERATOR(pg_catalog.<=) NEW.starts_at THEN
    RETURN NEW;                           -- restores; the CHECK reports the rest
  END IF;
  SELECT o.time_zone::pg_catalog.text AS zone,
         booking.padded_range(NEW.starts_at, NEW.ends_at, s.buffer_before_minutes, s.buffer_after_minutes) AS padded
    INTO zone, padded
    FROM booking.service s JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) s.org_id
   WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.id OPERATOR(pg_catalog.=) NEW.service_id;
  IF NOT FOUND THEN
    RETURN NEW;                           -- the foreign key reports it
  END IF;
  PERFORM booking.lock_scope(NEW.org_id, NEW.resource_id, booking.local_days(zone, padded, 0));
  SELECT 'booking' AS kind, b.id, b.starts_at, b.ends_at INTO other
    FROM booking.booking b
   WHERE b.org_id OPERATOR(pg_catalog.=) NEW.org_id AND b.resource_id OPERATOR(pg_catalog.=) NEW.resource_id
     AND b.session_id IS NULL AND booking.occupies_now(b.status, b.hold_expires_at)
     AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)
         OPERATOR(pg_catalog.&&) padded
   ORDER BY b.starts_at LIMIT 1;
  IF NOT FOUND THEN
    SELECT 'session' AS kind, x.id, x.starts_at, x.ends_at INTO other
      FROM booking.session x JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) x.org_id
                                                   AND s.id OPERATOR(pg_catalog.=) x.service_id
     WHERE x.org_id OPERATOR(pg_catalog.=) NEW.org_id AND x.resource_id OPERATOR(pg_catalog.=) NEW.resource_id
       AND x.id OPERATOR(pg_catalog.<>) NEW.id AND x.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status
       AND booking.padded_range(x.starts_at, x.ends_at, s.buffer_before_minutes, s.buffer_after_minutes)
           OPERATOR(pg_catalog.&&) padded
     ORDER BY x.starts_at LIMIT 1;
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'exclusion_violation',
      MESSAGE = 'session overlaps another commitment of its resource',
      DETAIL = pg_catalog.format('Resource %s has %s %s from %s to %s (buffers included).',
                                 NEW.resource_id, other.kind, other.id,
                                 booking.local_time_text(other.starts_at, booking.org_zone(NEW.org_id)),
                                 booking.local_time_text(other.ends_at, booking.org_zone(NEW.org_id))),
      HINT = 'Move the session, or cancel what it overlaps first.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_write_session_time() IS
  'trigger: a scheduled session may not overlap its resource''s appointments or other scheduled sessions, buffers included (23P01), checked under the same day locks as the appointments'' writers (booking.lock_scope over booking.local_days)';

CREATE OR REPLACE TRIGGER write_session_time BEFORE INSERT OR UPDATE ON booking.session
  FOR EACH ROW WHEN (NEW.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status)
  EXECUTE FUNCTION booking.tg_write_session_time();
CREATE OR REPLACE TRIGGER write_session_check BEFORE UPDATE OF capacity ON booking.session
  FOR EACH ROW WHEN (NEW.capacity OPERATOR(pg_catalog.<) OLD.capacity)
  EXECUTE FUNCTION booking.tg_write_session_check();
CREATE OR REPLACE TRIGGER write_session_follow AFTER UPDATE ON booking.session
  FOR EACH ROW
  WHEN (NEW.starts_at OPERATOR(pg_catalog.<>) OLD.starts_at OR NEW.ends_at OPERATOR(pg_catalog.<>) OLD.ends_at
        OR NEW.resource_id OPERATOR(pg_catalog.<>) OLD.resource_id OR NEW.service_id OPERATOR(pg_catalog.<>) OLD.service_id
        OR NEW.capacity OPERATOR(pg_catalog.>) OLD.capacity OR NEW.status OPERATOR(pg_catalog.<>) OLD.status)
  EXECUTE FUNCTION booking.tg_write_session_follow();
