-- Idempotency: a booking written with an idempotency key stands for one
-- request (who, what, when, where, how many), kept as its fingerprint.  The
-- same key with the same request is the same booking (booking.book returns
-- it, a plain INSERT meets the unique key); with another request it is an
-- error (23K03, raised by the write trigger and by booking.book).

-- The request a booking row stands for, for idempotency: who, what, when,
-- where and how many, as the writer gave them (before the write trigger
-- fills anything in).  Status, price, notes and the hold's expiry are not
-- part of it.
CREATE OR REPLACE FUNCTION booking.request_fingerprint(b booking.booking) RETURNS pg_catalog.text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT pg_catalog.md5(pg_catalog.concat_ws('|', b.client_id, b.resource_id, b.service_id, b.session_id, b.seats,
             pg_catalog.date_part('epoch', b.starts_at), pg_catalog.date_part('epoch', b.ends_at),
             b.pickup_point::pg_catalog.text, b.pickup_address, b.dropoff_point::pg_catalog.text, b.dropoff_address));
  END;
COMMENT ON FUNCTION booking.request_fingerprint(booking.booking) IS
  'md5 of the request a booking row stands for (client, resource, service, session, seats, start, end, pickup and dropoff); equal fingerprints under one idempotency key mean the same request';

-- Compares a request with the booking that holds its idempotency key,
-- whether or not the caller may see that booking.
CREATE OR REPLACE FUNCTION booking.idempotency_match(org_id pg_catalog.uuid, idempotency_key pg_catalog.text,
                                          fingerprint pg_catalog.text)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  stored pg_catalog.text;
BEGIN
  IF idempotency_match.org_id IS DISTINCT FROM booking.current_org_id() AND NOT booking.caller_bypasses_rls() THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'idempotency keys can only be looked up in the acting org';
  END IF;
  SELECT b.idempotency_fingerprint INTO stored FROM booking.booking b
   WHERE b.org_id OPERATOR(pg_catalog.=) idempotency_match.org_id
     AND b.idempotency_key OPERATOR(pg_catalog.=) idempotency_match.idempotency_key;
  IF NOT FOUND THEN
    RETURN 'none';
  END IF;
  RETURN CASE WHEN stored IS NOT DISTINCT FROM idempotency_match.fingerprint THEN 'same' ELSE 'different' END;
END
$$;
COMMENT ON FUNCTION booking.idempotency_match(pg_catalog.uuid, pg_catalog.text, pg_catalog.text) IS
  'none, same or different: whether a booking of the acting org visible to this transaction''s snapshot holds idempotency_key, and whether its request fingerprint equals fingerprint (row-level security aside, so that a key taken by a booking the caller cannot see is still reported)';
