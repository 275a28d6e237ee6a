-- The availability solver (src/solver.c, src/solver_input.c, src/explain_slot.c, src/check_slot.c over src/core/slots.c).
--
-- Three layers (issue 15, Citus), so that the solver runs in the transaction
-- of a write on a Citus coordinator too:
--   booking.available_slots, find_slots, explain_slot, free_time: what
--     applications call; PL/pgSQL, SECURITY INVOKER, with an optional
--     trailing org_id (NULL: the acting org; another org: 42501).  On a
--     single node they return the rows of the C solver below; once
--     booking.distribute() has run (citus.propagate_set_commands = local
--     for the database; on a worker, inside a delegated write:
--     booking.citus_solver) they call the delegated function of the org, so
--     that Citus runs the whole solver on the worker that holds the org, in
--     one round trip and over the caller's own connection: the solver's
--     reads as the extension's owner happen there, locally, never through a
--     coordinator connection of another user, which Citus refuses (25001)
--     for placements the transaction already wrote;
--   booking.available_slots_on, find_slots_on, explain_slot_on,
--     free_time_on: the delegated functions (create_distributed_function on
--     org_id, co-located with booking.org, force_delegation); STRICT and
--     not set-returning, with the other arguments in one jsonb, so that a
--     NULL org_id folds the call to NULL before Citus looks at it (Citus
--     13.0 hashes a NULL distribution argument without a check and the
--     backend crashes); SECURITY DEFINER; refuse an org_id that is not the
--     acting org; return the rows as jsonb;
--   booking.solve_available_slots, ...: the C solver, SECURITY DEFINER.

CREATE OR REPLACE FUNCTION booking.solve_available_slots(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_available_slots';
COMMENT ON FUNCTION booking.solve_available_slots(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid) IS
  'the C solver of booking.available_slots (which calls it, or its delegated booking.available_slots_on on Citus), for the acting org: the bookable slots [starts_at, ends_at) of a resource of the acting org for a service inside during (at most 366 days): working hours in the org''s local time, exceptions, breaks, the slot grid, notice and horizon, the daily maximum, buffers and travel to and from the neighbouring appointments; none when client_id is given and not eligible, or when pickup_point lies outside the org''s service area';

CREATE OR REPLACE FUNCTION booking.solve_find_slots(
    service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL,
    page_size pg_catalog.int4 DEFAULT 50, after_cursor pg_catalog.text DEFAULT NULL)
  RETURNS TABLE (resource_id pg_catalog.uuid, starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz,
                 travel_minutes_before pg_catalog.int4, travel_minutes_after pg_catalog.int4,
                 idle_minutes pg_catalog.int4, score pg_catalog.int4, page_cursor pg_catalog.text)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 50
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_find_slots';
COMMENT ON FUNCTION booking.solve_find_slots(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid, pg_catalog.int4, pg_catalog.text) IS
  'the C solver of booking.find_slots (which calls it, or its delegated booking.find_slots_on on Citus), for the acting org: the bookable slots of every active resource of the acting org (for which client_id, if given, is eligible; none when pickup_point lies outside the org''s service area), best first: score = idle minutes created (free time beside the slot too short to sell again) + travel minutes before + travel minutes after; ties by start, then resource; at most page_size rows (NULL: all; not positive: 22023) after after_cursor (the page_cursor of the last row of the page before; a cursor of another query: 22K10); the work grows with the rows asked for, not with the range';

CREATE OR REPLACE FUNCTION booking.solve_explain_slot(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, starts_at pg_catalog.timestamptz,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (reason pg_catalog.text, detail pg_catalog.text, booking_id pg_catalog.uuid, rule_id pg_catalog.uuid)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_explain_slot';
COMMENT ON FUNCTION booking.solve_explain_slot(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, geography, pg_catalog.uuid) IS
  'the C solver of booking.explain_slot (which calls it, or its delegated booking.explain_slot_on on Citus), for the acting org: every reason why the slot at starts_at is not bookable (the solver''s own predicate, plus eligibility of client_id and the org''s service area for pickup_point; a grid time in the first pass of a repeated hour says so), or one row ''bookable''; booking_id names a conflicting booking or session to staff and the resource''s own user only';

CREATE OR REPLACE FUNCTION booking.solve_free_time(resource_id pg_catalog.uuid, during pg_catalog.tstzrange)
  RETURNS pg_catalog.tstzmultirange
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_free_time';
COMMENT ON FUNCTION booking.solve_free_time(pg_catalog.uuid, pg_catalog.tstzrange) IS
  'the C solver of booking.free_time (which calls it, or its delegated booking.free_time_on on Citus), for the acting org: the resource''s free time inside during: working windows minus breaks and exceptions, on days below the daily maximum, minus the time its bookings and sessions occupy with their buffers (travel is not subtracted: it depends on the next appointment''s place)';

-- The org a solver call is for: the acting org; an org_id given must be it.
CREATE OR REPLACE FUNCTION booking.solver_org(org_id pg_catalog.uuid, caller pg_catalog.text)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  acting pg_catalog.uuid := booking.current_org_id();
BEGIN
  IF solver_org.org_id IS NOT NULL AND solver_org.org_id IS DISTINCT FROM acting THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = pg_catalog.format('org_id %s is not the acting org', solver_org.org_id),
      DETAIL = CASE WHEN acting IS NULL THEN 'No org acts in this transaction.'
                    ELSE pg_catalog.format('The acting org is %s.', acting) END,
      HINT = pg_catalog.format('Pass the org_id given to booking.act_as(), or leave org_id out: booking.%s then works for the acting org.', caller);
  END IF;
  RETURN acting;
END
$$;
COMMENT ON FUNCTION booking.solver_org(pg_catalog.uuid, pg_catalog.text) IS
  'internal: the acting org (booking.current_org_id()) for a call of function caller with the optional argument org_id; an org_id that is not the acting org raises 42501';

-- Whether the solver's functions call their delegated function: on a Citus
-- coordinator once distributed (citus.propagate_set_commands = local, set
-- by booking.distribute()), where Citus then sends the call to the worker of
-- the org, and on that worker inside a delegated write
-- (booking_citus.delegated, see booking.delegates_writes), where it runs
-- there: the C solver is the extension owner's, and the application role
-- reaches it through the delegated function.
CREATE OR REPLACE FUNCTION booking.citus_solver() RETURNS pg_catalog.bool
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT pg_catalog.current_setting('citus.propagate_set_commands', true) OPERATOR(pg_catalog.=) 'local'
           OR pg_catalog.current_setting('booking_citus.delegated', true) OPERATOR(pg_catalog.=) 'on';
  $$;
COMMENT ON FUNCTION booking.citus_solver() IS
  'internal: true when available_slots, find_slots, explain_slot and free_time call their delegated function (booking.available_slots_on, ...): on a Citus coordinator once distributed, and on a worker inside a delegated write (booking_citus.delegated); false on a single node';

-- A geography from the text of a jsonb value (PostGIS's type bound here, at
-- creation: the bodies below run with search_path = pg_catalog, pg_temp).
CREATE OR REPLACE FUNCTION booking.jsonb_geography(value pg_catalog.jsonb)
  RETURNS geography
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT (value OPERATOR(pg_catalog.#>>) '{}'::pg_catalog.text[])::geography;
END;
COMMENT ON FUNCTION booking.jsonb_geography(pg_catalog.jsonb) IS
  'internal: the geography whose text (hex EWKB) is the jsonb string value; NULL for a JSON null';

-- The delegated functions (see the header): run on the worker of org_id.
CREATE OR REPLACE FUNCTION booking.available_slots_on(org_id pg_catalog.uuid, args pg_catalog.jsonb)
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.solver_org(available_slots_on.org_id, 'available_slots');
  RETURN (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(s.starts_at, s.ends_at) ORDER BY s.n), '[]')
            FROM booking.solve_available_slots((args OPERATOR(pg_catalog.->>) 0)::pg_catalog.uuid, (args OPERATOR(pg_catalog.->>) 1)::pg_catalog.uuid,
                                               (args OPERATOR(pg_catalog.->>) 2)::pg_catalog.tstzrange, booking.jsonb_geography(args OPERATOR(pg_catalog.->) 3),
                                               (args OPERATOR(pg_catalog.->>) 4)::pg_catalog.uuid)
                 WITH ORDINALITY AS s(starts_at, ends_at, n));
END
$$;
COMMENT ON FUNCTION booking.available_slots_on(pg_catalog.uuid, pg_catalog.jsonb) IS
  'internal: booking.available_slots for org_id (the acting org, else 42501) with args [resource_id, service_id, during, pickup_point, client_id], its rows as [[starts_at, ends_at], ...]; on Citus delegated to the worker of org_id (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.available_slots(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL, org_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz)
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.solver_org(available_slots.org_id, 'available_slots');
  args pg_catalog.jsonb;
  res pg_catalog.jsonb;
BEGIN
  IF org IS NOT NULL AND booking.citus_solver() THEN
    -- Citus: one delegated call (a FROM item, which Citus delegates from PL/pgSQL)
    -- (the arguments as one jsonb value, a parameter of a built-in type:
    -- Citus sends a NULL of an extension's type, geography, untyped)
    args := pg_catalog.jsonb_build_array(
      available_slots.resource_id, available_slots.service_id, available_slots.during,
      available_slots.pickup_point, available_slots.client_id);
    SELECT r INTO res FROM booking.available_slots_on(org, args) AS r;
    IF res IS NOT NULL THEN
      RETURN QUERY SELECT (e OPERATOR(pg_catalog.->>) 0)::pg_catalog.timestamptz, (e OPERATOR(pg_catalog.->>) 1)::pg_catalog.timestamptz
                     FROM pg_catalog.jsonb_array_elements(res) WITH ORDINALITY AS x(e, n) ORDER BY x.n;
      RETURN;
    END IF;
  END IF;
  RETURN QUERY SELECT s.starts_at, s.ends_at
                 FROM booking.solve_available_slots(available_slots.resource_id, available_slots.service_id, available_slots.during,
                                                    available_slots.pickup_point, available_slots.client_id) AS s;
END
$$;
COMMENT ON FUNCTION booking.available_slots(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid, pg_catalog.uuid) IS
  'the bookable slots [starts_at, ends_at) of a resource of the acting org for a service inside during (at most 366 days): working hours in the org''s local time, exceptions, breaks, the slot grid, notice and horizon, the daily maximum, buffers and travel to and from the neighbouring appointments; none when client_id is given and not eligible, or when pickup_point lies outside the org''s service area; org_id, when given, must be the acting org (42501): on Citus the call then runs on the worker of the org, in the transaction of a write too';

CREATE OR REPLACE FUNCTION booking.find_slots_on(org_id pg_catalog.uuid, args pg_catalog.jsonb)
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.solver_org(find_slots_on.org_id, 'find_slots');
  RETURN (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(s.resource_id, s.starts_at, s.ends_at, s.travel_minutes_before,
                                                                            s.travel_minutes_after, s.idle_minutes, s.score, s.page_cursor) ORDER BY s.n), '[]')
            FROM booking.solve_find_slots((args OPERATOR(pg_catalog.->>) 0)::pg_catalog.uuid, (args OPERATOR(pg_catalog.->>) 1)::pg_catalog.tstzrange,
                                          booking.jsonb_geography(args OPERATOR(pg_catalog.->) 2), (args OPERATOR(pg_catalog.->>) 3)::pg_catalog.uuid,
                                          (args OPERATOR(pg_catalog.->>) 4)::pg_catalog.int4, args OPERATOR(pg_catalog.->>) 5)
                 WITH ORDINALITY AS s(resource_id, starts_at, ends_at, travel_minutes_before, travel_minutes_after, idle_minutes, score, page_cursor, n));
END
$$;
COMMENT ON FUNCTION booking.find_slots_on(pg_catalog.uuid, pg_catalog.jsonb) IS
  'internal: booking.find_slots for org_id (the acting org, else 42501) with args [service_id, during, pickup_point, client_id, page_size, after_cursor], its rows as arrays in order; on Citus delegated to the worker of org_id (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.find_slots(
    service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL,
    page_size pg_catalog.int4 DEFAULT 50, after_cursor pg_catalog.text DEFAULT NULL, org_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (resource_id pg_catalog.uuid, starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz,
                 travel_minutes_before pg_catalog.int4, travel_minutes_after pg_catalog.int4,
                 idle_minutes pg_catalog.int4, score pg_catalog.int4, page_cursor pg_catalog.text)
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED ROWS 50
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.solver_org(find_slots.org_id, 'find_slots');
  args pg_catalog.jsonb;
  res pg_catalog.jsonb;
BEGIN
  IF org IS NOT NULL AND booking.citus_solver() THEN
    -- (the arguments as one jsonb value, a parameter of a built-in type:
    -- Citus sends a NULL of an extension's type, geography, untyped)
    args := pg_catalog.jsonb_build_array(
      find_slots.service_id, find_slots.during, find_slots.pickup_point, find_slots.client_id,
      find_slots.page_size, find_slots.after_cursor);
    SELECT r INTO res FROM booking.find_slots_on(org, args) AS r;
    IF res IS NOT NULL THEN
      RETURN QUERY SELECT (e OPERATOR(pg_catalog.->>) 0)::pg_catalog.uuid, (e OPERATOR(pg_catalog.->>) 1)::pg_catalog.timestamptz,
                          (e OPERATOR(pg_catalog.->>) 2)::pg_catalog.timestamptz, (e OPERATOR(pg_catalog.->>) 3)::pg_catalog.int4,
                          (e OPERATOR(pg_catalog.->>) 4)::pg_catalog.int4, (e OPERATOR(pg_catalog.->>) 5)::pg_catalog.int4,
                          (e OPERATOR(pg_catalog.->>) 6)::pg_catalog.int4, e OPERATOR(pg_catalog.->>) 7
                     FROM pg_catalog.jsonb_array_elements(res) WITH ORDINALITY AS x(e, n) ORDER BY x.n;
      RETURN;
    END IF;
  END IF;
  RETURN QUERY SELECT s.resource_id, s.starts_at, s.ends_at, s.travel_minutes_before, s.travel_minutes_after,
                      s.idle_minutes, s.score, s.page_cursor
                 FROM booking.solve_find_slots(find_slots.service_id, find_slots.during, find_slots.pickup_point,
                                               find_slots.client_id, find_slots.page_size, find_slots.after_cursor) AS s;
END
$$;
COMMENT ON FUNCTION booking.find_slots(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid, pg_catalog.int4, pg_catalog.text, pg_catalog.uuid) IS
  'the bookable slots of every active resource of the acting org (for which client_id, if given, is eligible; none when pickup_point lies outside the org''s service area), best first: score = idle minutes created (free time beside the slot too short to sell again) + travel minutes before + travel minutes after; ties by start, then resource; at most page_size rows (NULL: all; not positive: 22023) after after_cursor (the page_cursor of the last row of the page before; a cursor of another query: 22K10); the work grows with the rows asked for, not with the range; org_id, when given, must be the acting org (42501): on Citus the call then runs on the worker of the org, in the transaction of a write too';

CREATE OR REPLACE FUNCTION booking.explain_slot_on(org_id pg_catalog.uuid, args pg_catalog.jsonb)
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.solver_org(explain_slot_on.org_id, 'explain_slot');
  RETURN (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(s.reason, s.detail, s.booking_id, s.rule_id) ORDER BY s.n), '[]')
            FROM booking.solve_explain_slot((args OPERATOR(pg_catalog.->>) 0)::pg_catalog.uuid, (args OPERATOR(pg_catalog.->>) 1)::pg_catalog.uuid,
                                            (args OPERATOR(pg_catalog.->>) 2)::pg_catalog.timestamptz, booking.jsonb_geography(args OPERATOR(pg_catalog.->) 3),
                                            (args OPERATOR(pg_catalog.->>) 4)::pg_catalog.uuid)
                 WITH ORDINALITY AS s(reason, detail, booking_id, rule_id, n));
END
$$;
COMMENT ON FUNCTION booking.explain_slot_on(pg_catalog.uuid, pg_catalog.jsonb) IS
  'internal: booking.explain_slot for org_id (the acting org, else 42501) with args [resource_id, service_id, starts_at, pickup_point, client_id], its rows as arrays in order; on Citus delegated to the worker of org_id (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.explain_slot(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, starts_at pg_catalog.timestamptz,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL, org_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (reason pg_catalog.text, detail pg_catalog.text, booking_id pg_catalog.uuid, rule_id pg_catalog.uuid)
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED ROWS 3
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.solver_org(explain_slot.org_id, 'explain_slot');
  args pg_catalog.jsonb;
  res pg_catalog.jsonb;
BEGIN
  IF org IS NOT NULL AND booking.citus_solver() THEN
    -- (the arguments as one jsonb value, a parameter of a built-in type:
    -- Citus sends a NULL of an extension's type, geography, untyped)
    args := pg_catalog.jsonb_build_array(
      explain_slot.resource_id, explain_slot.service_id, explain_slot.starts_at,
      explain_slot.pickup_point, explain_slot.client_id);
    SELECT r INTO res FROM booking.explain_slot_on(org, args) AS r;
    IF res IS NOT NULL THEN
      RETURN QUERY SELECT e OPERATOR(pg_catalog.->>) 0, e OPERATOR(pg_catalog.->>) 1,
                          (e OPERATOR(pg_catalog.->>) 2)::pg_catalog.uuid, (e OPERATOR(pg_catalog.->>) 3)::pg_catalog.uuid
                     FROM pg_catalog.jsonb_array_elements(res) WITH ORDINALITY AS x(e, n) ORDER BY x.n;
      RETURN;
    END IF;
  END IF;
  RETURN QUERY SELECT s.reason, s.detail, s.booking_id, s.rule_id
                 FROM booking.solve_explain_slot(explain_slot.resource_id, explain_slot.service_id, explain_slot.starts_at,
                                                 explain_slot.pickup_point, explain_slot.client_id) AS s;
END
$$;
COMMENT ON FUNCTION booking.explain_slot(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, geography, pg_catalog.uuid, pg_catalog.uuid) IS
  'every reason why the slot at starts_at is not bookable (the solver''s own predicate, plus eligibility of client_id and the org''s service area for pickup_point; a grid time in the first pass of a repeated hour says so), or one row ''bookable''; booking_id names a conflicting booking or session to staff and the resource''s own user only; org_id, when given, must be the acting org (42501): on Citus the call then runs on the worker of the org, in the transaction of a write too';

CREATE OR REPLACE FUNCTION booking.free_time_on(org_id pg_catalog.uuid, resource_id pg_catalog.uuid, during pg_catalog.tstzrange)
  RETURNS pg_catalog.tstzmultirange
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.solver_org(free_time_on.org_id, 'free_time');
  RETURN booking.solve_free_time(free_time_on.resource_id, free_time_on.during);
END
$$;
COMMENT ON FUNCTION booking.free_time_on(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange) IS
  'internal: booking.free_time for org_id (the acting org, else 42501); on Citus delegated to the worker of org_id (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.free_time(resource_id pg_catalog.uuid, during pg_catalog.tstzrange, org_id pg_catalog.uuid DEFAULT NULL)
  RETURNS pg_catalog.tstzmultirange
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.solver_org(free_time.org_id, 'free_time');
  res pg_catalog.tstzmultirange;
BEGIN
  IF org IS NOT NULL AND free_time.resource_id IS NOT NULL AND free_time.during IS NOT NULL
     AND booking.citus_solver() THEN
    SELECT r INTO res FROM booking.free_time_on(org, free_time.resource_id, free_time.during) AS r;
    RETURN res;
  END IF;
  RETURN booking.solve_free_time(free_time.resource_id, free_time.during);
END
$$;
COMMENT ON FUNCTION booking.free_time(pg_catalog.uuid, pg_catalog.tstzrange, pg_catalog.uuid) IS
  'the resource''s free time inside during: working windows minus breaks and exceptions, on days below the daily maximum, minus the time its bookings and sessions occupy with their buffers (travel is not subtracted: it depends on the next appointment''s place); org_id, when given, must be the acting org (42501): on Citus the call then runs on the worker of the org, in the transaction of a write too';

-- The write path's rule check (called by booking.tg_write_check under the
-- resource-day locks; not for PUBLIC).
CREATE OR REPLACE FUNCTION booking.check_slot(
    org_id pg_catalog.uuid, booking_id pg_catalog.uuid, resource_id pg_catalog.uuid, service_id pg_catalog.uuid,
    starts_at pg_catalog.timestamptz, pickup geography, dropoff geography, may_override pg_catalog.bool)
  RETURNS pg_catalog.text[]
  LANGUAGE c VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_check_slot';
COMMENT ON FUNCTION booking.check_slot(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, geography, geography, pg_catalog.bool) IS
  'internal: judge an appointment at starts_at by exactly the rules of booking.available_slots, the booking booking_id itself left out, with its own pickup and dropoff (NULL dropoff: the pickup); raises the SQLSTATE of the gravest refused reason (the first nobody may override: 23P01, 23K14, 23K15; else the first of 23K06-23K13) with all of them as detail; with may_override, working hours, grid, notice, horizon and daily maximum are not refused but returned';
