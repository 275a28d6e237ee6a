-- The availability solver (src/solver.c, src/solver_input.c, src/explain_slot.c, src/check_slot.c over src/core/slots.c).

CREATE OR REPLACE FUNCTION booking.available_slots(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_available_slots';
COMMENT ON FUNCTION booking.available_slots(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid) IS
  'the bookable slots [starts_at, ends_at) of a resource of the acting org for a service inside during (at most 366 days): working hours in the org''s local time, exceptions, breaks, the slot grid, notice and horizon, the daily maximum, buffers and travel to and from the neighbouring appointments; none when client_id is given and not eligible, or when pickup_point lies outside the org''s service area';

CREATE OR REPLACE FUNCTION booking.find_slots(
    service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL,
    page_size pg_catalog.int4 DEFAULT 50, after_cursor pg_catalog.text DEFAULT NULL)
  RETURNS TABLE (resource_id pg_catalog.uuid, starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz,
                 travel_minutes_before pg_catalog.int4, travel_minutes_after pg_catalog.int4,
                 idle_minutes pg_catalog.int4, score pg_catalog.int4, page_cursor pg_catalog.text)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 50
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_find_slots';
COMMENT ON FUNCTION booking.find_slots(pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid, pg_catalog.int4, pg_catalog.text) IS
  'the bookable slots of every active resource of the acting org (for which client_id, if given, is eligible; none when pickup_point lies outside the org''s service area), best first: score = idle minutes created (free time beside the slot too short to sell again) + travel minutes before + travel minutes after; ties by start, then resource; at most page_size rows (NULL: all; not positive: 22023) after after_cursor (the page_cursor of the last row of the page before; a cursor of another query: 22K10); the work grows with the rows asked for, not with the range';

CREATE OR REPLACE FUNCTION booking.explain_slot(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, starts_at pg_catalog.timestamptz,
    pickup_point geography DEFAULT NULL, client_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (reason pg_catalog.text, detail pg_catalog.text, booking_id pg_catalog.uuid, rule_id pg_catalog.uuid)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_explain_slot';
COMMENT ON FUNCTION booking.explain_slot(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.timestamptz, geography, pg_catalog.uuid) IS
  'every reason why the slot at starts_at is not bookable (the solver''s own predicate, plus eligibility of client_id and the org''s service area for pickup_point; a grid time in the first pass of a repeated hour says so), or one row ''bookable''; booking_id names a conflicting booking or session to staff and the resource''s own user only';

CREATE OR REPLACE FUNCTION booking.free_time(resource_id pg_catalog.uuid, during pg_catalog.tstzrange)
  RETURNS pg_catalog.tstzmultirange
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_free_time';
COMMENT ON FUNCTION booking.free_time(pg_catalog.uuid, pg_catalog.tstzrange) IS
  'the resource''s free time inside during: working windows minus breaks and exceptions, on days below the daily maximum, minus the time its bookings and sessions occupy with their buffers (travel is not subtracted: it depends on the next appointment''s place)';

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
