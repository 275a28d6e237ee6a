-- The availability solver (src/slots.c, src/core/slots.c).

CREATE FUNCTION booking.available_slots(
    resource_id pg_catalog.uuid, service_id pg_catalog.uuid, during pg_catalog.tstzrange,
    pickup geography DEFAULT NULL, student_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz)
  LANGUAGE c STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 100
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_available_slots';
COMMENT ON FUNCTION booking.available_slots(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.tstzrange, geography, pg_catalog.uuid) IS
  'the bookable slots [starts_at, ends_at) of a resource of the acting org for a service inside during (at most 366 days): working hours in the org''s local time, exceptions, breaks, the slot grid, notice and horizon, the daily maximum, buffers and travel to and from the neighbouring appointments; none when student_id is given and not eligible';
