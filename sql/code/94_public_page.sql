-- The public booking page (issue 19, point 4): what a visitor, who is no
-- member of any org and has no identity, may see and do.  A visitor role
-- (booking.grant_visitor_role) has no table privilege and cannot call
-- act_as; it reaches an org by its slug through the three functions below
-- only, and only when an admin has published the org (org.published) and
-- staff the service (service.published).
--
--   booking.public_services(org_slug)                     published services and prices
--   booking.public_slots(org_slug, service_id, during, pickup_point, ...)  their free slots, in pages
--   booking.public_sessions(org_slug, service_id, during, ...)  its sessions with free seats
--   booking.public_book(org_slug, service_id, starts_at, email, full_name, ...)
--                                                          become a client and book, under a key
--
-- They are SECURITY DEFINER (they read the org's rows for a caller that may
-- read none) with the pinned search_path, and each keeps the identity it
-- takes to itself: the SET clause on booking.identity restores the caller's
-- (none) when it returns, so nothing of the identity outlives the call.
-- The slots are computed by booking.available_slots as the org's owner
-- would see them (the solver needs an acting org); a booking is written by
-- booking.book acting as the visitor's own new client user (role student),
-- so that every trigger of the write path, eligibility, pricing and the
-- life cycle judges it as it judges any client booking for themselves.
--
-- E-mail: a visitor's e-mail is not verified, so it is never matched to a
-- registered user or to a client staff made (that would attach a stranger
-- to someone's data, and the answer would tell whether the address is
-- registered).  A first request makes a new client of the org (name,
-- e-mail and phone as given) and a user without a login that can act for
-- that client only; its e-mail is a placeholder under the reserved domain
-- visitor.invalid, so it never takes a real address away from its owner.
-- A returning visitor, whose e-mail and name (both case-insensitively)
-- are those of such a visitor client of the org (one the page made: its
-- user is a placeholder, in this org a student and nothing more, and the
-- client is active),
-- books as that client again: the booking is attached to it, nothing of it
-- is updated (a new phone is not written) and nothing of it is returned,
-- and an eligibility refusal (23K04) says no more than that, since staff
-- may have added a date of birth or licence to that client.  Someone who
-- knows a visitor's name and e-mail can so book in their name, as they
-- could before under a client of their own; they read nothing.  Staff
-- merge or link other clients afterwards if they wish.  The same
-- idempotency key (per org) with the same request returns the same
-- booking and makes no second client.

-- The published org of a slug; the same answer (P0002) for an unknown slug
-- and for an org that is not published.
CREATE OR REPLACE FUNCTION booking.public_page_org(org_slug pg_catalog.text)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  found_id pg_catalog.uuid;
BEGIN
  IF org_slug IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'org_slug must not be null';
  END IF;
  SELECT o.id INTO found_id FROM booking.org o
   WHERE o.slug OPERATOR(pg_catalog.=) public_page_org.org_slug AND o.published;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('no public booking page for %L', pg_catalog.left(org_slug, 64)),
      HINT = 'An org''s page exists once an admin sets booking.org.published (and a slug).';
  END IF;
  RETURN found_id;
END
$$;
COMMENT ON FUNCTION booking.public_page_org(pg_catalog.text) IS
  'internal: the id of the published org with this slug; P0002 alike for an unknown slug and an org that is not published';

-- A published, active service of a published org, or P0002 (the same for a
-- service of another org, unpublished or unknown).
CREATE OR REPLACE FUNCTION booking.public_page_service(org_id pg_catalog.uuid, service_id pg_catalog.uuid)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  minutes pg_catalog.int4;
BEGIN
  IF service_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'service_id must not be null';
  END IF;
  SELECT s.duration_minutes INTO minutes FROM booking.service s
   WHERE s.org_id OPERATOR(pg_catalog.=) public_page_service.org_id
     AND s.id OPERATOR(pg_catalog.=) public_page_service.service_id
     AND s.published AND s.active;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('no published service %s on this booking page', public_page_service.service_id),
      HINT = 'booking.public_services() lists the services a visitor may book.';
  END IF;
  RETURN minutes;
END
$$;
COMMENT ON FUNCTION booking.public_page_service(pg_catalog.uuid, pg_catalog.uuid) IS
  'internal: the duration of a published, active service of the org; P0002 alike for an unknown, unpublished, inactive or other org''s service';

-- Act, for the rest of the calling public_* function only, as an active
-- owner of the org: the solver computes slots for an acting org.
CREATE OR REPLACE FUNCTION booking.public_page_act(org_id pg_catalog.uuid)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  owner_id pg_catalog.uuid;
BEGIN
  SELECT m.user_id INTO owner_id
    FROM booking.membership m JOIN booking.app_user u ON u.id OPERATOR(pg_catalog.=) m.user_id
   WHERE m.org_id OPERATOR(pg_catalog.=) public_page_act.org_id
     AND m.role OPERATOR(pg_catalog.=) 'owner'::booking.org_role AND u.active
   ORDER BY m.user_id
   LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
      MESSAGE = 'this booking page is not available',
      DETAIL = 'The org has no active owner.';
  END IF;
  PERFORM booking.act_as(public_page_act.org_id, owner_id);
END
$$;
COMMENT ON FUNCTION booking.public_page_act(pg_catalog.uuid) IS
  'internal: act as an active owner of the org until the end of the calling public_* function (whose SET clause on booking.identity ends it); P0002 if there is none';

CREATE OR REPLACE FUNCTION booking.public_services(org_slug pg_catalog.text)
  RETURNS TABLE (service_id pg_catalog.uuid, name pg_catalog.text, lesson_type pg_catalog.text,
                 duration_minutes pg_catalog.int4, price_cents pg_catalog.int8, currency pg_catalog.text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.public_page_org(org_slug);
BEGIN
  RETURN QUERY
  SELECT s.id, s.name, s.lesson_type, s.duration_minutes, i.price_cents::pg_catalog.int8, c.currency::pg_catalog.text
    FROM booking.service s
    LEFT JOIN booking.rate_card c
      ON c.org_id OPERATOR(pg_catalog.=) s.org_id AND c.is_default
    LEFT JOIN booking.rate_card_item i
      ON i.org_id OPERATOR(pg_catalog.=) s.org_id AND i.rate_card_id OPERATOR(pg_catalog.=) c.id
     AND i.service_id OPERATOR(pg_catalog.=) s.id
   WHERE s.org_id OPERATOR(pg_catalog.=) org AND s.published AND s.active
   ORDER BY s.name, s.id;
END
$$;
COMMENT ON FUNCTION booking.public_services(pg_catalog.text) IS
  'for visitors (booking.grant_visitor_role): the published, active services of the published org org_slug, with their price on the org''s default rate card (NULL when it has none); P0002 for an unknown or unpublished slug';

-- The paging arguments of the visitors' listings, checked before anything is
-- read: a page of 1 to 500 rows, a bounded range of at most max_days, and
-- a keyset cursor (after_starts_at with after_<id_name>) given whole or not
-- at all.  during_hint: the hint of a bad range, or NULL for none.
CREATE OR REPLACE FUNCTION booking.public_page_paging(page_size pg_catalog.int4, during pg_catalog.tstzrange,
                                           max_days pg_catalog.int4, during_hint pg_catalog.text,
                                           after_starts_at pg_catalog.timestamptz, after_id pg_catalog.uuid,
                                           id_name pg_catalog.text, row_word pg_catalog.text)
  RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF page_size IS NULL OR page_size NOT BETWEEN 1 AND 500 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('page_size must be between 1 and 500, not %s', COALESCE(page_size::pg_catalog.text, 'null'));
  END IF;
  IF during IS NULL OR pg_catalog.isempty(during) OR pg_catalog.lower_inf(during) OR pg_catalog.upper_inf(during)
     OR pg_catalog.upper(during) OPERATOR(pg_catalog.-) pg_catalog.lower(during)
        OPERATOR(pg_catalog.>) pg_catalog.make_interval(days => max_days) THEN
    IF during_hint IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
        MESSAGE = pg_catalog.format('during must be a bounded range of at most %s days', max_days);
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('during must be a bounded range of at most %s days', max_days),
      HINT = during_hint;
  END IF;
  IF (after_starts_at IS NULL) IS DISTINCT FROM (after_id IS NULL) THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('after_starts_at and after_%s go together', id_name),
      HINT = pg_catalog.format('Pass the starts_at and %s of the last %s of the previous page, or neither.', id_name, row_word);
  END IF;
END
$$;
COMMENT ON FUNCTION booking.public_page_paging(pg_catalog.int4, pg_catalog.tstzrange, pg_catalog.int4, pg_catalog.text, pg_catalog.timestamptz, pg_catalog.uuid, pg_catalog.text, pg_catalog.text) IS
  'internal: checks the paging arguments of public_slots and public_sessions (22023): page_size 1 to 500, a bounded during of at most max_days, a keyset cursor given whole or not at all';
REVOKE EXECUTE ON FUNCTION booking.public_page_paging(pg_catalog.int4, pg_catalog.tstzrange, pg_catalog.int4, pg_catalog.text, pg_catalog.timestamptz, pg_catalog.uuid, pg_catalog.text, pg_catalog.text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION booking.public_slots(org_slug pg_catalog.text, service_id pg_catalog.uuid,
                                     during pg_catalog.tstzrange,
                                     pickup_point booking.point DEFAULT NULL,
                                     page_size pg_catalog.int4 DEFAULT 50,
                                     after_starts_at pg_catalog.timestamptz DEFAULT NULL,
                                     after_resource_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz,
                 resource_id pg_catalog.uuid, resource_name pg_catalog.text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.identity = ''
  AS $$
DECLARE
  org pg_catalog.uuid;
  names pg_catalog.bool;
  ids pg_catalog.uuid[];
  labels pg_catalog.text[];
BEGIN
  -- Everything the caller gives is checked before anything is read.
  PERFORM booking.public_page_paging(page_size, during, 31, 'Ask for the next weeks in further calls.',
                                     after_starts_at, after_resource_id, 'resource_id', 'slot');
  org := booking.public_page_org(org_slug);
  PERFORM booking.public_page_service(org, service_id);
  SELECT o.publishes_resource_names INTO names FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) org;
  PERFORM booking.public_page_act(org);
  -- The org's resources first, then the solver for each: a query of
  -- resource that called the solver per row would run on a Citus worker,
  -- where the solver's own queries cannot run (a distributed query from a
  -- query on a shard); each call is the solver's, delegated on its own.
  SELECT pg_catalog.array_agg(r.id ORDER BY r.id), pg_catalog.array_agg(r.display_name ORDER BY r.id)
    INTO ids, labels
    FROM booking.resource r WHERE r.org_id OPERATOR(pg_catalog.=) org AND r.active;
  RETURN QUERY
  SELECT s.starts_at, s.ends_at, r.id, CASE WHEN names THEN r.label END
    FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(labels)) AS r(id, label)
   CROSS JOIN LATERAL booking.available_slots(r.id, public_slots.service_id, public_slots.during,
                                              public_slots.pickup_point) s
   WHERE (public_slots.after_starts_at IS NULL
          OR (s.starts_at, r.id) > (public_slots.after_starts_at, public_slots.after_resource_id))
   ORDER BY s.starts_at, r.id
   LIMIT page_size;
END
$$;
COMMENT ON FUNCTION booking.public_slots(pg_catalog.text, pg_catalog.uuid, pg_catalog.tstzrange, booking.point, pg_catalog.int4, pg_catalog.timestamptz, pg_catalog.uuid) IS
  'for visitors: the free slots of a published service of the published org org_slug inside during (bounded, at most 31 days), with travel to and from pickup_point when given (booking.lat_lng; none outside the org''s service area), by start then resource, page_size (1 to 500) at a time; continue after the last row with after_starts_at and after_resource_id. The resource is named only when the org publishes resource names. P0002 for an unknown or unpublished org or service, 22023 for a bad page size, range or cursor';

CREATE OR REPLACE FUNCTION booking.public_sessions(org_slug pg_catalog.text, service_id pg_catalog.uuid,
                                        during pg_catalog.tstzrange,
                                        page_size pg_catalog.int4 DEFAULT 50,
                                        after_starts_at pg_catalog.timestamptz DEFAULT NULL,
                                        after_session_id pg_catalog.uuid DEFAULT NULL)
  RETURNS TABLE (session_id pg_catalog.uuid, title pg_catalog.text, starts_at pg_catalog.timestamptz,
                 ends_at pg_catalog.timestamptz, seats_free pg_catalog.int8, price_cents pg_catalog.int8,
                 currency pg_catalog.text, resource_name pg_catalog.text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid;
  names pg_catalog.bool;
  rec record;
BEGIN
  PERFORM booking.public_page_paging(page_size, during, 366, NULL, after_starts_at, after_session_id,
                                     'session_id', 'row');
  org := booking.public_page_org(org_slug);
  PERFORM booking.public_page_service(org, service_id);
  SELECT o.publishes_resource_names INTO names FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) org;
  -- The page's sessions first, then the seats taken of each (not in the
  -- query of session: on a Citus worker seats_taken's own query could not
  -- run, a distributed query from a query on a shard).
  FOR rec IN
  SELECT se.id, se.title, se.starts_at, se.ends_at, se.capacity,
         se.price_cents::pg_catalog.int8 AS price_cents, se.currency::pg_catalog.text AS currency,
         CASE WHEN names THEN r.display_name END AS resource_name
    FROM booking.session se
    JOIN booking.resource r ON r.org_id OPERATOR(pg_catalog.=) se.org_id AND r.id OPERATOR(pg_catalog.=) se.resource_id
   WHERE se.org_id OPERATOR(pg_catalog.=) org AND se.service_id OPERATOR(pg_catalog.=) public_sessions.service_id
     AND se.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status
     AND se.starts_at OPERATOR(pg_catalog.>) pg_catalog.now()
     AND se.starts_at OPERATOR(pg_catalog.<@) public_sessions.during
     AND (public_sessions.after_starts_at IS NULL
          OR (se.starts_at, se.id) > (public_sessions.after_starts_at, public_sessions.after_session_id))
   ORDER BY se.starts_at, se.id
   LIMIT page_size
  LOOP
    session_id := rec.id; title := rec.title; starts_at := rec.starts_at; ends_at := rec.ends_at;
    seats_free := GREATEST(rec.capacity OPERATOR(pg_catalog.-) booking.seats_taken(org, rec.id), 0);
    price_cents := rec.price_cents; currency := rec.currency; resource_name := rec.resource_name;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.public_sessions(pg_catalog.text, pg_catalog.uuid, pg_catalog.tstzrange, pg_catalog.int4, pg_catalog.timestamptz, pg_catalog.uuid) IS
  'for visitors: the scheduled sessions (a workshop, a launch) of a published service of the published org org_slug that start inside during (bounded, at most 366 days) and later than now, with their title, free seats (capacity less seats taken) and price per seat, by start then id, page_size (1 to 500) at a time after after_starts_at and after_session_id; the resource is named only when the org publishes names. Book seats with booking.public_book(session_id => ...). P0002 and 22023 as public_slots';

CREATE OR REPLACE FUNCTION booking.public_book(org_slug pg_catalog.text, service_id pg_catalog.uuid,
                                    starts_at pg_catalog.timestamptz,
                                    email pg_catalog.text, full_name pg_catalog.text,
                                    phone pg_catalog.text DEFAULT NULL,
                                    resource_id pg_catalog.uuid DEFAULT NULL,
                                    session_id pg_catalog.uuid DEFAULT NULL,
                                    seats pg_catalog.int4 DEFAULT 1,
                                    pickup_point booking.point DEFAULT NULL,
                                    pickup_address pg_catalog.text DEFAULT NULL,
                                    notes pg_catalog.text DEFAULT NULL,
                                    idempotency_key pg_catalog.text DEFAULT NULL)
  RETURNS booking.public_booking
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.identity = ''
  AS $$
DECLARE
  org pg_catalog.uuid;
  names pg_catalog.bool;
  minutes pg_catalog.int4;
  key pg_catalog.text;
  lock_key pg_catalog.int8;
  prior record;
  new_client pg_catalog.uuid;
  new_user pg_catalog.uuid;
  known_visitor pg_catalog.bool;
  b booking.booking;
  candidate pg_catalog.uuid;
  candidates pg_catalog.uuid[];
  booked pg_catalog.bool := false;
  tried pg_catalog.int4 := 0;
  err_state pg_catalog.text;
  err_message pg_catalog.text;
  err_detail pg_catalog.text;
  err_hint pg_catalog.text;
  res booking.public_booking;
BEGIN
  -- On Citus the visitor's user goes into the reference table app_user after
  -- queries of the org's shards: Citus allows that only over one connection
  -- per node (the table has foreign keys to it).
  IF booking.is_distributed() THEN
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
  END IF;
  -- Everything the caller gives is checked before anything is read or written.
  IF idempotency_key IS NULL OR email IS NULL OR full_name IS NULL OR starts_at IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'a public booking needs starts_at, email, full_name and idempotency_key',
      HINT = 'Choose the idempotency key once per booking form (e.g. a random UUID) and send it again on every retry.';
  END IF;
  IF pg_catalog.length(idempotency_key) NOT BETWEEN 1 AND 128 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'idempotency_key must have 1 to 128 characters';
  END IF;
  BEGIN
    PERFORM email::booking.email;
  EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'email is not an e-mail address',
      HINT = 'Give local@domain.tld, at most 254 characters.';
  END;
  IF pg_catalog.length(pg_catalog.btrim(full_name)) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'full_name must have 1 to 200 characters';
  END IF;
  IF phone IS NOT NULL AND phone OPERATOR(pg_catalog.!~) '^\+?[0-9 ()-]{3,32}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'phone is not a phone number',
      HINT = 'Give digits, spaces, parentheses and dashes, optionally after a +, 3 to 32 characters.';
  END IF;
  IF seats IS NULL OR seats NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'seats must be between 1 and 100';
  END IF;
  IF session_id IS NOT NULL AND resource_id IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'give session_id or resource_id, not both',
      HINT = 'A session has its resource.';
  END IF;
  IF pg_catalog.length(pickup_address) OPERATOR(pg_catalog.>) 500 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'pickup_address must have at most 500 characters';
  END IF;
  IF pg_catalog.length(notes) OPERATOR(pg_catalog.>) 2000 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'notes must have at most 2000 characters';
  END IF;
  org := booking.public_page_org(org_slug);
  minutes := booking.public_page_service(org, service_id);
  SELECT o.publishes_resource_names INTO names FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) org;

  -- One request per key at a time: a second one waits here for the first
  -- to commit or roll back, then finds its booking.  Under REPEATABLE READ
  -- or SERIALIZABLE this transaction's snapshot cannot see the first one's
  -- commit: retry (40001), which then returns it.
  key := 'public:' OPERATOR(pg_catalog.||) idempotency_key;
  lock_key := pg_catalog.hashtextextended(org::pg_catalog.text OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) key, 19);
  IF NOT pg_catalog.pg_try_advisory_xact_lock(lock_key) THEN
    PERFORM pg_catalog.pg_advisory_xact_lock(lock_key);
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
      RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
        MESSAGE = 'could not serialize access due to a concurrent public booking with the same idempotency key',
        HINT = 'Retry the transaction: it will return that booking.';
    END IF;
  END IF;
  SELECT bk.id, bk.status, bk.starts_at, bk.ends_at, bk.resource_id, bk.service_id, bk.price_cents, bk.currency,
         bk.session_id, bk.seats,
         bk.pickup_point::pg_catalog.text AS pickup, bk.pickup_address, bk.notes,
         c.email AS c_email, c.full_name AS c_name, c.phone AS c_phone, r.display_name,
         -- the client has other bookings: a returning visitor's (or staff's)
         EXISTS (SELECT 1 FROM booking.booking o
                  WHERE o.org_id OPERATOR(pg_catalog.=) bk.org_id AND o.client_id OPERATOR(pg_catalog.=) bk.client_id
                    AND o.id OPERATOR(pg_catalog.<>) bk.id) AS c_returning
    INTO prior
    FROM booking.booking bk
    JOIN booking.client c ON c.org_id OPERATOR(pg_catalog.=) bk.org_id AND c.id OPERATOR(pg_catalog.=) bk.client_id
    LEFT JOIN booking.resource r ON r.org_id OPERATOR(pg_catalog.=) bk.org_id AND r.id OPERATOR(pg_catalog.=) bk.resource_id
   WHERE bk.org_id OPERATOR(pg_catalog.=) org AND bk.idempotency_key OPERATOR(pg_catalog.=) key;
  IF FOUND THEN
    IF pg_catalog.lower(prior.c_email) OPERATOR(pg_catalog.=) pg_catalog.lower(email)
       AND pg_catalog.lower(prior.c_name) OPERATOR(pg_catalog.=) pg_catalog.lower(pg_catalog.btrim(full_name))
       -- a returning visitor's client keeps the phone it had: the
       -- request's is not compared with it
       AND (prior.c_phone IS NOT DISTINCT FROM phone OR prior.c_returning)
       AND prior.service_id OPERATOR(pg_catalog.=) public_book.service_id
       AND prior.starts_at OPERATOR(pg_catalog.=) public_book.starts_at
       AND (public_book.resource_id IS NULL OR prior.resource_id OPERATOR(pg_catalog.=) public_book.resource_id)
       AND prior.pickup IS NOT DISTINCT FROM public_book.pickup_point::pg_catalog.text
       AND prior.pickup_address IS NOT DISTINCT FROM public_book.pickup_address
       AND prior.notes IS NOT DISTINCT FROM public_book.notes
       AND prior.session_id IS NOT DISTINCT FROM public_book.session_id
       AND prior.seats OPERATOR(pg_catalog.=) public_book.seats THEN
      res := ROW(prior.id, prior.status, prior.starts_at, prior.ends_at, prior.resource_id,
                 CASE WHEN names THEN prior.display_name END, prior.price_cents, prior.currency);
      RETURN res;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23K03',
      MESSAGE = 'idempotency key already used for another request',
      HINT = 'Use a new key for a new booking.';
  END IF;

  -- A returning visitor books as the visitor client the page made for the
  -- same e-mail and name before (the oldest, if several); anyone else
  -- becomes a client of this org, with a user that can act for that client
  -- only (never a registered user or a client staff made: see the top).
  -- Requests of one e-mail queue here, so that the first one's client is
  -- the one the next finds.
  PERFORM pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended(org::pg_catalog.text OPERATOR(pg_catalog.||) ' visitor ' OPERATOR(pg_catalog.||) pg_catalog.lower(email), 19));
  SELECT c.id, c.user_id INTO new_client, new_user
    FROM booking.client c
    JOIN booking.app_user u ON u.id OPERATOR(pg_catalog.=) c.user_id
   WHERE c.org_id OPERATOR(pg_catalog.=) org
     AND pg_catalog.lower(c.email::pg_catalog.text) OPERATOR(pg_catalog.=) pg_catalog.lower(public_book.email)
     AND pg_catalog.lower(c.full_name) OPERATOR(pg_catalog.=) pg_catalog.lower(pg_catalog.btrim(public_book.full_name))
     AND c.active
     AND u.email::pg_catalog.text OPERATOR(pg_catalog.=)
         ('visitor-' OPERATOR(pg_catalog.||) pg_catalog.replace(u.id::pg_catalog.text, '-', '') OPERATOR(pg_catalog.||) '@visitor.invalid')
     AND u.external_id IS NULL
     -- acting in this org, the user has no more than a student's rights
     -- (memberships of other orgs do not act here; one org: a router query)
     AND NOT EXISTS (SELECT 1 FROM booking.membership m
                      WHERE m.org_id OPERATOR(pg_catalog.=) org AND m.user_id OPERATOR(pg_catalog.=) u.id
                        AND m.role OPERATOR(pg_catalog.<>) 'student'::booking.org_role)
   ORDER BY c.created_at, c.id
   LIMIT 1;
  known_visitor := FOUND;
  IF NOT known_visitor THEN
    new_client := pg_catalog.gen_random_uuid();
    new_user := pg_catalog.gen_random_uuid();
    INSERT INTO booking.app_user (id, email, full_name, phone)
    VALUES (new_user, 'visitor-' OPERATOR(pg_catalog.||) pg_catalog.replace(new_user::pg_catalog.text, '-', '') OPERATOR(pg_catalog.||) '@visitor.invalid',
            pg_catalog.btrim(full_name), phone);
    PERFORM booking.membership_refresh_on_workers(true);
    INSERT INTO booking.membership (org_id, user_id, role) VALUES (org, new_user, 'student');
    PERFORM booking.membership_refresh_on_workers(false, ARRAY[new_user]);
    INSERT INTO booking.client (org_id, id, user_id, full_name, email, phone)
    VALUES (org, new_client, new_user, pg_catalog.btrim(full_name), email, phone);
  END IF;
  PERFORM booking.act_as(org, new_user);

  BEGIN
    -- Seats in a session of the published service, starting at starts_at.
    IF public_book.session_id IS NOT NULL THEN
      PERFORM 1 FROM booking.session se
       WHERE se.org_id OPERATOR(pg_catalog.=) org AND se.id OPERATOR(pg_catalog.=) public_book.session_id
         AND se.service_id OPERATOR(pg_catalog.=) public_book.service_id
         AND se.starts_at OPERATOR(pg_catalog.=) public_book.starts_at;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
          MESSAGE = pg_catalog.format('no session %s of this service at starts_at on this booking page', public_book.session_id),
          HINT = 'booking.public_sessions() lists the sessions and their starts.';
      END IF;
      b := booking.book(client_id => new_client, session_id => public_book.session_id, seats => public_book.seats,
                        idempotency_key => key, notes => public_book.notes);
      booked := true;
    END IF;

    -- The booking, through booking.book and so every trigger of the write
    -- path.  Without a resource: each one offering the slot, in turn, until
    -- one takes it (another visitor may take a slot meanwhile).
    -- (the org's resources read first, then the solver asked for each:
    -- see booking.public_slots)
    candidates := ARRAY(SELECT x.id FROM booking.resource x
                         WHERE x.org_id OPERATOR(pg_catalog.=) org AND x.active
                           AND public_book.resource_id IS NULL AND public_book.session_id IS NULL);
    FOR candidate IN
      SELECT r.id FROM pg_catalog.unnest(candidates) AS r(id)
       WHERE EXISTS (SELECT 1 FROM booking.available_slots(r.id, public_book.service_id,
                                     pg_catalog.tstzrange(public_book.starts_at,
                                                          public_book.starts_at OPERATOR(pg_catalog.+) pg_catalog.make_interval(mins => minutes), '[]'),
                                     public_book.pickup_point) s
                      WHERE s.starts_at OPERATOR(pg_catalog.=) public_book.starts_at)
       ORDER BY r.id
    LOOP
      tried := tried OPERATOR(pg_catalog.+) 1;
      BEGIN
        b := booking.book(client_id => new_client, service_id => public_book.service_id,
                          starts_at => public_book.starts_at, resource_id => candidate,
                          pickup_point => public_book.pickup_point, pickup_address => public_book.pickup_address,
                          idempotency_key => key, notes => public_book.notes);
        booked := true;
        EXIT;
      EXCEPTION WHEN exclusion_violation OR SQLSTATE '23K13' OR SQLSTATE '23K14' OR SQLSTATE '23K15' THEN
        GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                err_detail = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT;
      END;
    END LOOP;
    IF NOT booked THEN
      IF public_book.resource_id IS NULL AND tried OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
          MESSAGE = 'no resource is free for this service at starts_at',
          HINT = 'booking.public_slots() lists the free slots.';
      ELSIF public_book.resource_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = err_state, MESSAGE = err_message, DETAIL = err_detail, HINT = err_hint;
      END IF;
      -- A resource chosen from booking.public_slots: of this org, active.
      PERFORM 1 FROM booking.resource r
       WHERE r.org_id OPERATOR(pg_catalog.=) org AND r.id OPERATOR(pg_catalog.=) public_book.resource_id AND r.active;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
          MESSAGE = pg_catalog.format('no resource %s on this booking page', public_book.resource_id),
          HINT = 'booking.public_slots() lists the free slots and their resources.';
      END IF;
      b := booking.book(client_id => new_client, service_id => public_book.service_id,
                        starts_at => public_book.starts_at, resource_id => public_book.resource_id,
                        pickup_point => public_book.pickup_point, pickup_address => public_book.pickup_address,
                        idempotency_key => key, notes => public_book.notes);
    END IF;
  EXCEPTION WHEN SQLSTATE '23K04' THEN
    IF NOT known_visitor THEN
      RAISE;
    END IF;
    -- the reasons would tell what staff know of the client (age, licence)
    RAISE EXCEPTION USING ERRCODE = '23K04',
      MESSAGE = 'client is not eligible for this booking',
      HINT = 'Contact the org to book this service.';
  END;
  res := ROW(b.id, b.status, b.starts_at, b.ends_at, b.resource_id,
             CASE WHEN names THEN (SELECT r.display_name FROM booking.resource r
                                    WHERE r.org_id OPERATOR(pg_catalog.=) org AND r.id OPERATOR(pg_catalog.=) b.resource_id) END,
             b.price_cents, b.currency);
  RETURN res;
END
$$;
COMMENT ON FUNCTION booking.public_book(pg_catalog.text, pg_catalog.uuid, pg_catalog.timestamptz, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.int4, booking.point, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
  'for visitors: become a client of the published org org_slug (a new client with the name, e-mail and phone given; a returning visitor, whose e-mail and name match a client this page made before, books as that client, which is neither updated nor returned; never matched to a registered user or a client staff made) and book the published service at starts_at (on resource_id, or the first resource free then; or seats in session_id, which starts then), with an optional pickup (booking.lat_lng) and address, through booking.book and the whole write path, as a pending booking; the same idempotency_key (required, per org) with the same request returns the same booking and makes no second client, another request under it is 23K03. 22004/22023 for missing or bad input, P0002 for an unknown or unpublished org, service or resource; the write path''s refusals as for anyone';

CREATE OR REPLACE FUNCTION booking.grant_visitor_role(role pg_catalog.regrole) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  f pg_catalog.regprocedure;
BEGIN
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA booking TO %s', role);
  FOREACH f IN ARRAY ARRAY[
      'booking.public_services(text)',
      'booking.public_slots(text,uuid,tstzrange,booking.point,integer,timestamp with time zone,uuid)',
      'booking.public_sessions(text,uuid,tstzrange,integer,timestamp with time zone,uuid)',
      'booking.public_book(text,uuid,timestamp with time zone,text,text,text,uuid,uuid,integer,booking.point,text,text,text)']::pg_catalog.regprocedure[]
  LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s', f, role);
  END LOOP;
END
$$;
COMMENT ON FUNCTION booking.grant_visitor_role(pg_catalog.regrole) IS
  'grant a visitor role (a public booking page''s connection, no membership) the public booking page: booking.public_services, public_slots, public_sessions and public_book; no table privilege, no act_as. Run by a superuser';
REVOKE EXECUTE ON FUNCTION booking.grant_visitor_role(pg_catalog.regrole) FROM PUBLIC;
