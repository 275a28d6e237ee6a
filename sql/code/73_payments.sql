-- Payments: the life cycle of a booking's payment, declared as data in
-- booking.payment_transition and enforced by the triggers of this file for
-- every writer (the webhook, a cancellation, staff's plain UPDATE); every
-- change appended to booking.payment_history; provider ids registered in
-- booking.provider_ref for the webhook's routing.
--
--   * a new payment takes its currency, amount, platform fee and resource
--     share from its booking (the engine's price), status pending;
--   * the amount, currency, split, booking and provider never change later;
--   * refunded_cents only grows, never above the amount (23M03), and only
--     on a captured payment; its split into refunded_fee_cents and
--     refunded_share_cents follows the amount's (share rounded down, the
--     fee the rest), and the status follows it: partially_refunded, then
--     refunded;
--   * a status change not in booking.payment_transition is refused (23M02):
--     the moves are data, decided by the C rules engine that decides the
--     booking transitions (rules_plan_move() in src/core/rules.c, glue in
--     src/payment_moves.c), which also tells the webhook whether an event
--     lies ahead of a payment's status (apply it along the declared moves)
--     or behind it (stale).
--
-- A writer without identity that booking.writing_as_maintenance() accepts
-- (restores, data loads) writes rows as given, and unrecorded.
--
-- The cause recorded in the history is the extension's own: the functions
-- that change payments set the transaction-local parameter
-- booking_money.cause (and booking_money.event for a webhook event) around
-- their UPDATE; a plain UPDATE is recorded as 'update'.

CREATE OR REPLACE FUNCTION booking.move_plan(from_state pg_catalog.text, to_state pg_catalog.text,
                                  move_from pg_catalog.text[], move_to pg_catalog.text[],
                                  OUT kind pg_catalog.text, OUT path pg_catalog.text[])
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_move_plan';
COMMENT ON FUNCTION booking.move_plan(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.text[]) IS
  'the moves engine (C, src/core/rules.c): how to_state stands to from_state in the life cycle of the declared moves move_from[i] -> move_to[i]; kind: allowed (a declared move), forward (reachable through several), stay, backward (to_state lies behind), unrelated, unknown; path: the states of a shortest way after from_state, ending with to_state (empty unless allowed or forward)';

CREATE OR REPLACE FUNCTION booking.payment_move_decide(payment_id pg_catalog.uuid, from_status pg_catalog.text,
                                            to_status pg_catalog.text,
                                            move_from pg_catalog.text[], move_to pg_catalog.text[])
  RETURNS void
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_payment_move_decide';
COMMENT ON FUNCTION booking.payment_move_decide(pg_catalog.uuid, pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.text[]) IS
  'the moves engine (C): allow a payment''s status change from_status -> to_status when it is one of the declared moves (or no change), else raise 23M02 saying whether it skips states, goes backwards or leads nowhere; internal to the payment trigger';

-- The payment life cycle as the engine takes it: the declared moves of
-- booking.payment_transition as two aligned arrays.
CREATE OR REPLACE FUNCTION booking.payment_moves(OUT move_from pg_catalog.text[], OUT move_to pg_catalog.text[])
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT pg_catalog.array_agg(t.from_status::pg_catalog.text ORDER BY t.from_status, t.to_status),
           pg_catalog.array_agg(t.to_status::pg_catalog.text ORDER BY t.from_status, t.to_status)
      FROM booking.payment_transition t;
  END;
COMMENT ON FUNCTION booking.payment_moves() IS
  'the declared moves of the payment life cycle (booking.payment_transition) as two aligned arrays, for booking.move_plan and booking.payment_move_decide';

-- How a wanted payment status stands to the current one, by the declared
-- moves (the webhook's test of order: ahead, stale or contradicting).
CREATE OR REPLACE FUNCTION booking.payment_plan(from_status booking.payment_status, to_status booking.payment_status,
                                     OUT kind pg_catalog.text, OUT path pg_catalog.text[])
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT p.kind, p.path
      FROM booking.payment_moves() m,
           booking.move_plan(from_status::pg_catalog.text, to_status::pg_catalog.text, m.move_from, m.move_to) p;
  END;
COMMENT ON FUNCTION booking.payment_plan(booking.payment_status, booking.payment_status) IS
  'booking.move_plan over the payment life cycle: how to_status stands to from_status (allowed, forward, stay, backward, unrelated) and the statuses of the way there';

CREATE OR REPLACE FUNCTION booking.tg_payment_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  b record;
BEGIN
  IF booking.writing_as_maintenance() THEN
    -- as given; a refund loaded without its split gets the amount's
    IF NEW.refunded_fee_cents + NEW.refunded_share_cents <> NEW.refunded_cents THEN
      NEW.refunded_share_cents := CASE WHEN NEW.amount_cents = 0 THEN 0
                                       ELSE NEW.refunded_cents * NEW.resource_share_cents / NEW.amount_cents END;
      NEW.refunded_fee_cents := NEW.refunded_cents - NEW.refunded_share_cents;
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT x.currency, x.price_cents, x.platform_fee_cents, x.resource_share_cents INTO b
      FROM booking.booking x WHERE x.org_id = NEW.org_id AND x.id = NEW.booking_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = 'payment for an unknown booking',
        DETAIL = pg_catalog.format('Booking %s does not exist in org %s.', NEW.booking_id, NEW.org_id);
    END IF;
    IF NEW.status <> 'pending' OR NEW.refunded_cents <> 0 OR NEW.refund_confirmed_cents <> 0 THEN
      RAISE EXCEPTION USING ERRCODE = '23M02', MESSAGE = 'a new payment starts pending with nothing refunded',
        DETAIL = pg_catalog.format('Status %s, refunded %s.', NEW.status, NEW.refunded_cents),
        HINT = 'The provider''s events move it on (booking.ingest_webhook).';
    END IF;
    NEW.currency := b.currency;
    NEW.amount_cents := b.price_cents;
    NEW.platform_fee_cents := b.platform_fee_cents;
    NEW.resource_share_cents := b.resource_share_cents;
    NEW.refunded_fee_cents := 0;
    NEW.refunded_share_cents := 0;
    RETURN NEW;
  END IF;

  IF NEW.amount_cents <> OLD.amount_cents OR NEW.currency <> OLD.currency
     OR NEW.platform_fee_cents <> OLD.platform_fee_cents OR NEW.resource_share_cents <> OLD.resource_share_cents
     OR NEW.booking_id <> OLD.booking_id OR NEW.provider <> OLD.provider
     OR NEW.provider_payment_id IS DISTINCT FROM COALESCE(OLD.provider_payment_id, NEW.provider_payment_id) THEN
    RAISE EXCEPTION USING ERRCODE = '23M02', MESSAGE = 'a payment''s amount, currency, split, booking and provider ids are fixed',
      DETAIL = pg_catalog.format('Payment %s.', OLD.id),
      HINT = 'A change of price is a refund and a new payment.';
  END IF;
  IF NEW.refunded_cents < OLD.refunded_cents OR NEW.refund_confirmed_cents < OLD.refund_confirmed_cents THEN
    RAISE EXCEPTION USING ERRCODE = '23M02', MESSAGE = 'a refund cannot be taken back',
      DETAIL = pg_catalog.format('Refunded %s, was %s.', NEW.refunded_cents, OLD.refunded_cents);
  END IF;
  IF NEW.refunded_cents > NEW.amount_cents OR NEW.refund_confirmed_cents > NEW.amount_cents THEN
    RAISE EXCEPTION USING ERRCODE = '23M03', MESSAGE = 'refund above the captured amount',
      DETAIL = pg_catalog.format('Refund of %s requested on a payment of %s %s.',
                                 GREATEST(NEW.refunded_cents, NEW.refund_confirmed_cents), NEW.amount_cents, NEW.currency);
  END IF;
  IF NEW.refunded_cents <> OLD.refunded_cents THEN
    IF OLD.status NOT IN ('succeeded', 'partially_refunded') THEN
      RAISE EXCEPTION USING ERRCODE = '23M03', MESSAGE = 'refund of a payment that was not captured',
        DETAIL = pg_catalog.format('Payment %s is %s.', OLD.id, OLD.status);
    END IF;
    NEW.status := CASE WHEN NEW.refunded_cents = NEW.amount_cents THEN 'refunded' ELSE 'partially_refunded' END;
  END IF;
  NEW.refunded_share_cents := CASE WHEN NEW.amount_cents = 0 THEN 0
                                   ELSE NEW.refunded_cents * NEW.resource_share_cents / NEW.amount_cents END;
  NEW.refunded_fee_cents := NEW.refunded_cents - NEW.refunded_share_cents;
  IF NEW.status <> OLD.status THEN
    -- the declared moves, decided in C (raises 23M02 with the reason)
    PERFORM booking.payment_move_decide(OLD.id, OLD.status::pg_catalog.text, NEW.status::pg_catalog.text,
                                        m.move_from, m.move_to)
       FROM booking.payment_moves() m;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_payment_check() IS
  'trigger (BEFORE INSERT OR UPDATE on payment): a new payment is pending and takes currency, amount and split from its booking; later the amount, split, booking and provider are fixed, refunds only grow up to the amount (23M03) on a captured payment and set the status, and a status change must be one of the moves of booking.payment_transition, decided in C by booking.payment_move_decide (23M02)';

CREATE OR REPLACE FUNCTION booking.tg_payment_record() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  cause pg_catalog.text := COALESCE(NULLIF(pg_catalog.current_setting('booking_money.cause', true), ''),
                                    pg_catalog.lower(TG_OP));
  ev pg_catalog.uuid := NULLIF(pg_catalog.current_setting('booking_money.event', true), '')::pg_catalog.uuid;
  maintenance pg_catalog.bool := booking.writing_as_maintenance();
BEGIN
  -- Restores and data loads bring their history with them (a restore
  -- also its routing rows: booking.provider_ref is not dumped, this
  -- trigger makes it anew).
  IF NOT maintenance AND (TG_OP = 'INSERT' OR NEW.status <> OLD.status OR NEW.refunded_cents <> OLD.refunded_cents
     OR NEW.refund_confirmed_cents <> OLD.refund_confirmed_cents) THEN
    INSERT INTO booking.payment_history (org_id, payment_id, from_status, to_status, amount_cents, refunded_cents,
                                         cause, webhook_event_id, actor_user_id)
    VALUES (NEW.org_id, NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, NEW.amount_cents,
            NEW.refunded_cents, cause, ev, booking.current_user_id());
  END IF;
  -- (a routing row already there, e.g. written by open_payment, is not
  -- written again: under Citus this trigger runs on a shard, which reads
  -- the reference table but cannot write it; open_payment_on names the
  -- payment whose row booking.open_payment_route wrote over another
  -- connection, which this one does not see yet: booking_money.routed)
  IF NEW.provider_payment_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR OLD.provider_payment_id IS NULL)
     AND NEW.id::pg_catalog.text IS DISTINCT FROM NULLIF(pg_catalog.current_setting('booking_money.routed', true), '')
     AND NOT EXISTS (SELECT 1 FROM booking.provider_ref r
                      WHERE r.provider = NEW.provider AND r.ref = NEW.provider_payment_id) THEN
    INSERT INTO booking.provider_ref (provider, ref, target_org_id, kind, target_id)
    VALUES (NEW.provider, NEW.provider_payment_id, NEW.org_id, 'payment', NEW.id)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_payment_record() IS
  'trigger (AFTER INSERT OR UPDATE on payment): append the change to booking.payment_history with its cause (not for maintenance writers: restores and data loads), and register the provider''s payment id in booking.provider_ref';

CREATE OR REPLACE TRIGGER payment_check BEFORE INSERT OR UPDATE ON booking.payment
  FOR EACH ROW EXECUTE FUNCTION booking.tg_payment_check();
CREATE OR REPLACE TRIGGER payment_record AFTER INSERT OR UPDATE ON booking.payment
  FOR EACH ROW EXECUTE FUNCTION booking.tg_payment_record();

-- The history is append-only: its trigger is in 97_money_grants.sql, after
-- booking.tg_append_only (85_triggers.sql).

-- Open the payment of a booking for a provider's payment (a Stripe
-- PaymentIntent created by the application for the booking's price).
-- Three parts, so that it works on a Citus coordinator in the transaction
-- of a write too (issue 15): booking.open_payment (SECURITY INVOKER) checks
-- the call, has booking.open_payment_route write the payment's routing row
-- in booking.provider_ref (a reference table: written from the coordinator,
-- as the extension's owner, touching no placement of the org), then calls
-- booking.open_payment_on, which booking.distribute() delegates to the
-- worker of the org: there, as the owner and over the caller's own
-- connection, it reads the booking and writes the payment (Citus refuses a
-- coordinator connection of another user to placements the transaction
-- already wrote, 25001).  The payment's trigger on the shard cannot write
-- the reference table, and does not see the routing row written over the
-- owner's connection: open_payment_on tells it (booking_money.routed) that
-- the row is written.
CREATE OR REPLACE FUNCTION booking.open_payment_route(provider pg_catalog.text, provider_payment_id pg_catalog.text)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
  pid pg_catalog.uuid := pg_catalog.gen_random_uuid();
BEGIN
  IF org IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = 'booking.open_payment needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
  END IF;
  IF NOT (booking.acting_is_staff() OR pg_catalog.cardinality(booking.my_client_ids()) OPERATOR(pg_catalog.>) 0) THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = 'no such booking',
      DETAIL = 'The acting user acts for no client of the acting org.';
  END IF;
  INSERT INTO booking.provider_ref (provider, ref, target_org_id, kind, target_id)
  VALUES (open_payment_route.provider, open_payment_route.provider_payment_id, org, 'payment', pid)
  ON CONFLICT DO NOTHING;
  RETURN pid;
END
$$;
COMMENT ON FUNCTION booking.open_payment_route(pg_catalog.text, pg_catalog.text) IS
  'internal (booking.open_payment): write the routing row of the provider''s payment id to a new payment id of the acting org, unless the id is routed already; returns the new payment id';

CREATE OR REPLACE FUNCTION booking.open_payment_on(org_id pg_catalog.uuid, booking_id pg_catalog.uuid, provider pg_catalog.text,
                                        provider_payment_id pg_catalog.text, payment_id pg_catalog.uuid)
  RETURNS booking.payment
  LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.solver_org(open_payment_on.org_id, 'open_payment');
  b record;
  p booking.payment;
BEGIN
  SELECT x.id, x.client_id INTO b FROM booking.booking x
   WHERE x.org_id = org AND x.id = open_payment_on.booking_id;
  IF NOT FOUND OR NOT (booking.acting_is_staff() OR b.client_id = ANY (booking.my_client_ids())) THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = 'no such booking',
      DETAIL = pg_catalog.format('No booking %s of yours in the acting org.', open_payment_on.booking_id);
  END IF;
  SELECT * INTO p FROM booking.payment x WHERE x.org_id = org AND x.booking_id = open_payment_on.booking_id FOR UPDATE;
  IF FOUND THEN
    IF p.provider = open_payment_on.provider AND p.provider_payment_id = open_payment_on.provider_payment_id THEN
      RETURN p;                           -- the same call again
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'unique_violation', MESSAGE = 'the booking already has a payment',
      DETAIL = pg_catalog.format('Payment %s (%s %s).', p.id, p.provider, p.provider_payment_id);
  END IF;
  PERFORM pg_catalog.set_config('booking_money.cause', 'open', true);
  -- the routing row is written (booking.open_payment_route): the trigger
  -- leaves it alone
  PERFORM pg_catalog.set_config('booking_money.routed', open_payment_on.payment_id::pg_catalog.text, true);
  INSERT INTO booking.payment (org_id, id, booking_id, currency, amount_cents, provider, provider_payment_id)
  VALUES (org, open_payment_on.payment_id, open_payment_on.booking_id, 'XXX', 0, open_payment_on.provider, open_payment_on.provider_payment_id)
  RETURNING * INTO p;
  PERFORM pg_catalog.set_config('booking_money.cause', '', true);
  PERFORM pg_catalog.set_config('booking_money.routed', '', true);
  RETURN p;
END
$$;
COMMENT ON FUNCTION booking.open_payment_on(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.text, pg_catalog.uuid) IS
  'internal (booking.open_payment): create the pending payment payment_id of a booking of the acting user (staff: any booking of the org) in org_id (the acting org, else 42501), its routing row already written; the same call again returns it; on Citus delegated to the worker of org_id (STRICT: a NULL argument gives NULL)';

CREATE OR REPLACE FUNCTION booking.open_payment(booking_id pg_catalog.uuid, provider pg_catalog.text,
                                     provider_payment_id pg_catalog.text, org_id pg_catalog.uuid DEFAULT NULL)
  RETURNS booking.payment
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.solver_org(open_payment.org_id, 'open_payment');
  pid pg_catalog.uuid;
  p booking.payment;
BEGIN
  IF org IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = 'booking.open_payment needs an identity',
      HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
  END IF;
  IF open_payment.provider IS NULL OR open_payment.provider_payment_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'provider and provider_payment_id must not be null';
  END IF;
  IF open_payment.booking_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = 'no such booking',
      DETAIL = 'No booking NULL of yours in the acting org.';
  END IF;
  pid := booking.open_payment_route(open_payment.provider, open_payment.provider_payment_id);
  -- a FROM item: Citus delegates it (to the worker of org) from PL/pgSQL
  SELECT * INTO p FROM booking.open_payment_on(org, open_payment.booking_id, open_payment.provider,
                                               open_payment.provider_payment_id, pid) AS x;
  RETURN p;
END
$$;
COMMENT ON FUNCTION booking.open_payment(pg_catalog.uuid, pg_catalog.text, pg_catalog.text, pg_catalog.uuid) IS
  'create the pending payment of a booking of the acting user (staff: any booking of the org) for the provider''s payment id, with the booking''s currency, price and split; the same call again returns it; org_id, when given, must be the acting org (42501): on Citus the payment is then written on the worker of the org, in the transaction of a write too';

-- Payments, their history: staff see the org's, the others those of the
-- bookings they see through booking_read (expressions of the row only).
DROP POLICY IF EXISTS payment_history_staff_read ON booking.payment_history;
CREATE POLICY payment_history_staff_read ON booking.payment_history FOR SELECT
  USING (booking.acting_is_staff());
DROP POLICY IF EXISTS payment_transition_read ON booking.payment_transition;
CREATE POLICY payment_transition_read ON booking.payment_transition FOR SELECT USING (true);
