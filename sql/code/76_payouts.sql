-- Payouts: the resource share of a completed booking becomes payable once
-- its payment is captured and the org's hold period
-- (settings.money.payout_hold_days, default 7) after its end has passed;
-- booking.run_payouts pays what is payable up to a time, per booking or in
-- bulk per resource and currency (settings.money.payout_mode: 'per_booking'
-- or 'bulk', the default).
--
--   * a share is paid at most once: the unique index payout_item_share_once
--     refuses a second live item for a booking, whoever inserts it;
--   * what a share pays is the resource share less what was refunded of it
--     by then; a refund after payout becomes a negative adjustment of the
--     resource's next payout (payout_item_adjustment_once: once per
--     refunded amount);
--   * runs of one org are serialised (the org row, FOR NO KEY UPDATE, which
--     bookings' key locks do not wait for); a refund racing a run is
--     serialised with it by the payment row (the run share-locks the
--     payments it pays), so the run pays either before the refund (which
--     then becomes an adjustment) or after it (less the refund);
--   * a payout failed or reversed at the provider releases its items: they
--     are payable again.
--
-- Each payout is announced in the outbox (payout.requested) for the
-- application's provider worker; the provider's transfer.created,
-- payout.paid, payout.failed and transfer.reversed move it on
-- (booking.ingest_webhook, routed by data.object.metadata.payout_id or the
-- transfer id).

-- The routing rows of a payout (booking.provider_ref, a reference table):
-- its own id, and its transfer id once known.  Written by the functions
-- that write payouts (run_payouts, the webhook's transfer.created), in the
-- function: under Citus on the coordinator, since the payout's trigger runs
-- on the worker's shard, which cannot write a reference table (nor see what
-- another connection of the transaction wrote to it).  On a single node the
-- trigger writes them too (for restores and plain writes; the second write
-- is a no-op).
CREATE OR REPLACE FUNCTION booking.payout_route(org pg_catalog.uuid, payout_id pg_catalog.uuid,
                                                provider pg_catalog.text, ref pg_catalog.text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- (PL/pgSQL: Citus plans its statement with the values, not an SQL
  -- function's parameters)
  INSERT INTO booking.provider_ref (provider, ref, target_org_id, kind, target_id)
  VALUES (payout_route.provider, payout_route.ref, payout_route.org, 'payout', payout_route.payout_id)
  ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION booking.payout_route(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.text) IS
  'internal to booking.run_payouts and the webhook: register payout_id of org under the provider''s ref (the payout''s own id, later its transfer id) in booking.provider_ref for webhook routing; written by the function, never by a shard''s trigger (Citus)';
REVOKE EXECUTE ON FUNCTION booking.payout_route(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION booking.run_payouts(up_to pg_catalog.timestamptz DEFAULT pg_catalog.now())
  RETURNS TABLE (payout_id pg_catalog.uuid, resource_id pg_catalog.uuid, booking_id pg_catalog.uuid,
                 currency booking.currency_code, amount_cents pg_catalog.int8, items pg_catalog.int4)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  org pg_catalog.uuid := booking.current_org_id();
  hold pg_catalog.int4;
  mode pg_catalog.text;
  g record;
  s record;
  pid pg_catalog.uuid;
  prov pg_catalog.text;
  adj pg_catalog.int8;
  n pg_catalog.int4;
BEGIN
  IF org IS NULL OR NOT booking.acting_is_admin() THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = 'booking.run_payouts needs an owner or admin identity',
      HINT = 'Call booking.act_as(org_id, user_id) for an owner or admin first.';
  END IF;
  IF run_payouts.up_to IS NULL OR NOT pg_catalog.isfinite(run_payouts.up_to) THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'up_to must be a finite time';
  END IF;
  SELECT COALESCE(o.settings #>> '{money,payout_hold_days}', '7'), COALESCE(o.settings #>> '{money,payout_mode}', 'bulk')
    INTO STRICT s FROM booking.org o WHERE o.id = org FOR NO KEY UPDATE;
  IF s.coalesce !~ '^[0-9]{1,4}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'settings.money.payout_hold_days must be a whole number of days',
      DETAIL = pg_catalog.format('It is %L.', s.coalesce);
  END IF;
  hold := s.coalesce::pg_catalog.int4;
  SELECT COALESCE(o.settings #>> '{money,payout_mode}', 'bulk') INTO mode FROM booking.org o WHERE o.id = org;
  IF mode NOT IN ('bulk', 'per_booking') THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'settings.money.payout_mode must be bulk or per_booking',
      DETAIL = pg_catalog.format('It is %L.', mode);
  END IF;

  -- Lock the payments concerned, then read them as committed (a refund
  -- that held one is now visible).
  PERFORM 1 FROM booking.payment p JOIN booking.booking b ON b.org_id = p.org_id AND b.id = p.booking_id
   WHERE p.org_id = org AND b.status = 'completed' AND b.resource_id IS NOT NULL
     AND p.status IN ('succeeded', 'partially_refunded', 'refunded')
     AND b.ends_at + pg_catalog.make_interval(days => hold) <= run_payouts.up_to
   FOR SHARE OF p;

  IF pg_catalog.to_regclass('pg_temp.payout_run_item') IS NULL THEN
    CREATE TEMP TABLE payout_run_item (
      resource_id pg_catalog.uuid, booking_id pg_catalog.uuid, currency pg_catalog.bpchar(3), kind pg_catalog.text,
      amount_cents pg_catalog.int8, refunded_basis pg_catalog.int8) ON COMMIT DELETE ROWS;
  END IF;
  DELETE FROM pg_temp.payout_run_item;
  INSERT INTO pg_temp.payout_run_item
  -- (a share paid again after its payout failed takes back the live
  -- adjustments made against it meanwhile)
  SELECT b.resource_id, b.id, p.currency, 'share',
         p.resource_share_cents - p.refunded_share_cents
         - COALESCE((SELECT pg_catalog.sum(a.amount_cents) FROM booking.payout_item a
                      WHERE a.org_id = org AND a.booking_id = b.id AND NOT a.released), 0),
         p.refunded_share_cents
    FROM booking.payment p JOIN booking.booking b ON b.org_id = p.org_id AND b.id = p.booking_id
   WHERE p.org_id = org AND b.status = 'completed' AND b.resource_id IS NOT NULL
     AND p.status IN ('succeeded', 'partially_refunded', 'refunded')
     AND b.ends_at + pg_catalog.make_interval(days => hold) <= run_payouts.up_to
     AND NOT EXISTS (SELECT 1 FROM booking.payout_item i
                      WHERE i.org_id = org AND i.booking_id = b.id AND i.kind = 'share' AND NOT i.released);
  INSERT INTO pg_temp.payout_run_item
  SELECT i.resource_id, i.booking_id, p.currency, 'adjustment', pg_catalog.max(i.refunded_basis) - p.refunded_share_cents,
         p.refunded_share_cents
    FROM booking.payout_item i
    JOIN booking.payment p ON p.org_id = i.org_id AND p.booking_id = i.booking_id
   WHERE i.org_id = org AND NOT i.released
   GROUP BY i.resource_id, i.booking_id, p.currency, p.refunded_share_cents
  HAVING p.refunded_share_cents > pg_catalog.max(i.refunded_basis);

  FOR g IN
    SELECT t.resource_id, t.currency, pg_catalog.sum(t.amount_cents)::pg_catalog.int8 AS total,
           COALESCE(pg_catalog.sum(t.amount_cents) FILTER (WHERE t.kind = 'adjustment'), 0)::pg_catalog.int8 AS adjustments
      FROM pg_temp.payout_run_item t GROUP BY t.resource_id, t.currency ORDER BY t.resource_id, t.currency
  LOOP
    IF mode = 'bulk' THEN
      CONTINUE WHEN g.total <= 0;        -- adjustments wait for more shares
      INSERT INTO booking.payout (org_id, resource_id, booking_id, currency, amount_cents)
      VALUES (org, g.resource_id, NULL, g.currency, g.total) RETURNING id, provider INTO pid, prov;
      PERFORM booking.payout_route(org, pid, prov, pid::pg_catalog.text);
      INSERT INTO booking.payout_item (org_id, payout_id, booking_id, resource_id, kind, amount_cents, refunded_basis)
      SELECT org, pid, t.booking_id, t.resource_id, t.kind, t.amount_cents, t.refunded_basis
        FROM pg_temp.payout_run_item t WHERE t.resource_id = g.resource_id AND t.currency = g.currency;
      GET DIAGNOSTICS n = ROW_COUNT;
      RETURN QUERY SELECT pid, g.resource_id, NULL::pg_catalog.uuid, g.currency::booking.currency_code, g.total, n;
    ELSE
      adj := g.adjustments;              -- negative: goes with the first share that covers it
      FOR s IN
        SELECT t.* FROM pg_temp.payout_run_item t
         WHERE t.resource_id = g.resource_id AND t.currency = g.currency AND t.kind = 'share' AND t.amount_cents > 0
         ORDER BY t.amount_cents DESC, t.booking_id
      LOOP
        INSERT INTO booking.payout (org_id, resource_id, booking_id, currency, amount_cents)
        VALUES (org, g.resource_id, s.booking_id, g.currency,
                s.amount_cents + CASE WHEN adj < 0 AND s.amount_cents + adj > 0 THEN adj ELSE 0 END)
        RETURNING id, provider INTO pid, prov;
        PERFORM booking.payout_route(org, pid, prov, pid::pg_catalog.text);
        INSERT INTO booking.payout_item (org_id, payout_id, booking_id, resource_id, kind, amount_cents, refunded_basis)
        SELECT org, pid, t.booking_id, t.resource_id, t.kind, t.amount_cents, t.refunded_basis
          FROM pg_temp.payout_run_item t
         WHERE t.resource_id = g.resource_id AND t.currency = g.currency
           AND ((t.kind = 'share' AND t.booking_id = s.booking_id)
                OR (t.kind = 'adjustment' AND adj < 0 AND s.amount_cents + adj > 0));
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN QUERY SELECT pid, g.resource_id, s.booking_id, g.currency::booking.currency_code,
                            s.amount_cents + CASE WHEN adj < 0 AND s.amount_cents + adj > 0 THEN adj ELSE 0 END, n;
        IF adj < 0 AND s.amount_cents + adj > 0 THEN
          adj := 0;
        END IF;
      END LOOP;
    END IF;
  END LOOP;
  -- the outbox's wake-up (payout.requested) where the relays listen
  PERFORM booking.notify_from_coordinator();
END
$$;
COMMENT ON FUNCTION booking.run_payouts(pg_catalog.timestamptz) IS
  'make the acting org''s payouts of what is payable up to up_to (owner or admin): the resource shares of completed bookings with a captured payment whose end is the hold period (settings.money.payout_hold_days, default 7) before up_to, less refunds, plus negative adjustments for refunds after an earlier payout; in bulk per resource and currency or one per booking (settings.money.payout_mode); each announced in the outbox as payout.requested. Returns the payouts made';

CREATE OR REPLACE FUNCTION booking.tg_payout_record() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  acct pg_catalog.text;
  distributed pg_catalog.bool;
BEGIN
  -- Routing rows (booking.provider_ref is not dumped: a restore makes them
  -- here anew).  Once distributed (Citus), this trigger runs on the
  -- payout's shard, which cannot write a reference table: there the
  -- functions that write payouts register them (booking.payout_route).
  distributed := booking.is_distributed();
  IF TG_OP = 'INSERT' THEN
    IF NOT distributed THEN
      INSERT INTO booking.provider_ref (provider, ref, target_org_id, kind, target_id)
      VALUES (NEW.provider, NEW.id::pg_catalog.text, NEW.org_id, 'payout', NEW.id)
      ON CONFLICT DO NOTHING;
      IF NEW.provider_transfer_id IS NOT NULL THEN
        INSERT INTO booking.provider_ref (provider, ref, target_org_id, kind, target_id)
        VALUES (NEW.provider, NEW.provider_transfer_id, NEW.org_id, 'payout', NEW.id)
        ON CONFLICT DO NOTHING;
      END IF;
    END IF;
    IF booking.writing_as_maintenance() THEN
      RETURN NULL;                        -- restores and data loads: no request
    END IF;
    SELECT r.payout_account INTO acct FROM booking.resource r WHERE r.org_id = NEW.org_id AND r.id = NEW.resource_id;
    INSERT INTO booking.outbox (org_id, topic, payload)
    VALUES (NEW.org_id, 'payout.requested', pg_catalog.jsonb_build_object(
              'org_id', NEW.org_id, 'payout_id', NEW.id, 'resource_id', NEW.resource_id, 'booking_id', NEW.booking_id,
              'payout_account', acct, 'provider', NEW.provider, 'currency', NEW.currency, 'amount_cents', NEW.amount_cents,
              'idempotency_key', NEW.id::pg_catalog.text));
  ELSIF NEW.provider_transfer_id IS NOT NULL AND OLD.provider_transfer_id IS NULL AND NOT distributed THEN
    INSERT INTO booking.provider_ref (provider, ref, target_org_id, kind, target_id)
    VALUES (NEW.provider, NEW.provider_transfer_id, NEW.org_id, 'payout', NEW.id)
    ON CONFLICT DO NOTHING;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status = 'failed' AND OLD.status <> 'failed' THEN
    UPDATE booking.payout_item i SET released = true WHERE i.org_id = NEW.org_id AND i.payout_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_payout_record() IS
  'trigger (AFTER INSERT OR UPDATE on payout): register the payout (and later its transfer id) for webhook routing (on a single node; once distributed the functions that write payouts do, booking.payout_route), announce a new payout in the outbox (payout.requested), and release the items of a failed payout so that they are payable again';
CREATE OR REPLACE TRIGGER payout_record AFTER INSERT OR UPDATE ON booking.payout
  FOR EACH ROW EXECUTE FUNCTION booking.tg_payout_record();

-- One payout event, the payout locked.
CREATE OR REPLACE FUNCTION booking.webhook_apply_payout(org pg_catalog.uuid, target pg_catalog.uuid,
                                             event_type pg_catalog.text, obj pg_catalog.jsonb)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  p booking.payout;
BEGIN
  SELECT * INTO p FROM booking.payout x WHERE x.org_id = org AND x.id = target FOR UPDATE;
  IF event_type NOT IN ('transfer.created', 'transfer.reversed', 'payout.paid', 'payout.failed') THEN
    RETURN 'ignored';
  END IF;
  IF pg_catalog.jsonb_typeof(obj -> 'amount') IS DISTINCT FROM 'number' OR (obj ->> 'amount') !~ '^[0-9]{1,18}$'
     OR pg_catalog.jsonb_typeof(obj -> 'currency') IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION USING ERRCODE = '22M01', MESSAGE = 'malformed webhook payload',
      DETAIL = 'data.object.amount must be a non-negative integer and data.object.currency a string.';
  END IF;
  IF (obj ->> 'amount')::pg_catalog.int8 <> p.amount_cents OR pg_catalog.upper(obj ->> 'currency') <> p.currency THEN
    RAISE EXCEPTION USING ERRCODE = '23M05', MESSAGE = 'webhook event does not match the payout',
      DETAIL = pg_catalog.format('The event says %s %s, payout %s is %s %s.', obj ->> 'amount',
                                 pg_catalog.upper(obj ->> 'currency'), p.id, p.amount_cents, p.currency);
  END IF;
  IF event_type = 'transfer.created' THEN
    IF p.status = 'pending' THEN
      UPDATE booking.payout x SET status = 'in_transit', provider_transfer_id = COALESCE(x.provider_transfer_id, obj ->> 'id')
       WHERE x.org_id = org AND x.id = target;
      IF p.provider_transfer_id IS NULL AND obj ->> 'id' IS NOT NULL THEN
        PERFORM booking.payout_route(org, target, p.provider, obj ->> 'id');
      END IF;
      RETURN 'applied';
    END IF;
  ELSIF event_type = 'payout.paid' THEN
    IF p.status IN ('pending', 'in_transit') THEN
      UPDATE booking.payout x SET status = 'paid', paid_at = pg_catalog.now() WHERE x.org_id = org AND x.id = target;
      RETURN 'applied';
    END IF;
  ELSIF p.status IN ('pending', 'in_transit', 'paid') THEN   -- payout.failed, transfer.reversed
    UPDATE booking.payout x SET status = 'failed' WHERE x.org_id = org AND x.id = target;
    RETURN 'applied';
  END IF;
  RETURN 'stale';
END
$$;
COMMENT ON FUNCTION booking.webhook_apply_payout(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.jsonb) IS
  'internal to booking.webhook_apply: apply one payout event (transfer.created: in transit; payout.paid: paid; payout.failed, transfer.reversed: failed, its items payable again), forwards only';
REVOKE EXECUTE ON FUNCTION booking.webhook_apply_payout(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.jsonb) FROM PUBLIC;

-- A resource's balance, in one query, per currency: earned (the shares of
-- its completed bookings with a captured payment, less refunds), paid
-- (items of paid payouts), in flight (items of pending or in-transit
-- payouts) and payable (the rest: not yet paid out, held or not).
CREATE OR REPLACE FUNCTION booking.resource_balance(resource_id pg_catalog.uuid)
  RETURNS TABLE (currency booking.currency_code, earned_cents pg_catalog.int8, paid_cents pg_catalog.int8,
                 in_flight_cents pg_catalog.int8, payable_cents pg_catalog.int8)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL: it reads tenant tables (see booking.seats_taken_except)
  RETURN QUERY
    WITH earned AS (
      SELECT p.currency, pg_catalog.sum(p.resource_share_cents OPERATOR(pg_catalog.-) p.refunded_share_cents)::pg_catalog.int8 AS cents
        FROM booking.booking b JOIN booking.payment p
          ON p.org_id OPERATOR(pg_catalog.=) b.org_id AND p.booking_id OPERATOR(pg_catalog.=) b.id
       WHERE b.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
         AND b.resource_id OPERATOR(pg_catalog.=) resource_balance.resource_id
         AND b.status OPERATOR(pg_catalog.=) 'completed'
         AND p.status OPERATOR(pg_catalog.=) ANY ('{succeeded,partially_refunded,refunded}'::booking.payment_status[])
       GROUP BY p.currency),
    out AS (
      SELECT o.currency,
             COALESCE(pg_catalog.sum(i.amount_cents) FILTER (WHERE o.status OPERATOR(pg_catalog.=) 'paid'), 0)::pg_catalog.int8 AS paid,
             COALESCE(pg_catalog.sum(i.amount_cents) FILTER (WHERE o.status OPERATOR(pg_catalog.=) ANY ('{pending,in_transit}'::booking.payout_status[])), 0)::pg_catalog.int8 AS flight
        FROM booking.payout o JOIN booking.payout_item i
          ON i.org_id OPERATOR(pg_catalog.=) o.org_id AND i.payout_id OPERATOR(pg_catalog.=) o.id
       WHERE o.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
         AND o.resource_id OPERATOR(pg_catalog.=) resource_balance.resource_id AND NOT i.released
       GROUP BY o.currency)
    SELECT COALESCE(e.currency, x.currency)::booking.currency_code, COALESCE(e.cents, 0), COALESCE(x.paid, 0), COALESCE(x.flight, 0),
           COALESCE(e.cents, 0) OPERATOR(pg_catalog.-) COALESCE(x.paid, 0) OPERATOR(pg_catalog.-) COALESCE(x.flight, 0)
      FROM earned e FULL JOIN out x ON x.currency OPERATOR(pg_catalog.=) e.currency
     ORDER BY 1;
END
$$;
COMMENT ON FUNCTION booking.resource_balance(pg_catalog.uuid) IS
  'a resource''s balance in the acting org per currency, in one query with the caller''s row-level security: earned (shares of completed bookings with a captured payment, less refunds), paid, in flight (pending or in-transit payouts) and payable (earned - paid - in flight)';

-- The policy of payout_item is in 97_money_grants.sql (it uses my_resource_ids).
