-- Provider webhooks: one function takes an inbound event for a trusted
-- webhook role, stores it once and applies it in the same transaction.
--
-- Routing.  The event names the provider's object (Stripe: data.object.id
-- for payment_intent.*, data.object.payment_intent for charge.refunded);
-- booking.provider_ref maps (provider, that id) to the org and the payment
-- (the one lookup that runs before the org is known: a reference table
-- under Citus).  Events of other objects are routed by
-- data.object.metadata.org_id, which the application sets on every object
-- it creates at the provider.  An event that cannot be routed raises 22M02
-- and is not stored (there is no org to store it in; the provider retries).
--
-- Idempotency.  The event is stored under (org_id, provider, event_id);
-- the same event again returns the outcome of the first delivery and
-- changes nothing, also when both deliveries run at once (the second waits
-- for the first on the unique key).
--
-- Order.  Every known type moves a payment forwards only: a success after
-- a refund, a failure after a success are stale (stored, nothing changes);
-- a refund before the success captures first (pending -> succeeded ->
-- refunded, both in the history); charge.refunded carries the cumulative
-- amount refunded, so an older refund event never lowers it.
--
-- Failure.  An event whose amount or currency does not match the payment
-- (23M05), that refunds more than the amount (23M03), that a payment's
-- status refuses (23M02) or whose payload lacks a field (22M01) is stored
-- as failed with its SQLSTATE and message, and nothing else changes.
-- Unknown types are stored as ignored.
--
-- Run it in READ COMMITTED (the default): concurrent events of one payment
-- are serialised by its row lock.

CREATE OR REPLACE FUNCTION booking.webhook_apply(caller pg_catalog.name, provider pg_catalog.text,
                                      event_id pg_catalog.text, event_type pg_catalog.text,
                                      payload pg_catalog.jsonb)
  RETURNS TABLE (webhook_event_id pg_catalog.uuid, org_id pg_catalog.uuid, payment_id pg_catalog.uuid,
                 outcome pg_catalog.text, error_code pg_catalog.text, error pg_catalog.text,
                 replayed pg_catalog.bool)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  obj pg_catalog.jsonb;
  obj_ref pg_catalog.text;
  r record;
  org pg_catalog.uuid;
  target pg_catalog.uuid;
  ev pg_catalog.uuid;
  done record;
  res pg_catalog.text;
  st pg_catalog.text;
  msg pg_catalog.text;
  det pg_catalog.text;
  meta_org pg_catalog.text;
  payout pg_catalog.uuid;
BEGIN
  IF webhook_apply.provider IS NULL OR webhook_apply.provider !~ '^[a-z_]{1,40}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'provider must be 1 to 40 lowercase letters',
      DETAIL = pg_catalog.format('provider is %L.', webhook_apply.provider);
  END IF;
  IF webhook_apply.event_id IS NULL OR pg_catalog.length(webhook_apply.event_id) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'event_id must be 1 to 200 characters';
  END IF;
  IF webhook_apply.event_type IS NULL OR pg_catalog.length(webhook_apply.event_type) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'event_type must be 1 to 200 characters';
  END IF;
  IF webhook_apply.payload IS NULL OR pg_catalog.jsonb_typeof(webhook_apply.payload) <> 'object'
     OR pg_catalog.jsonb_typeof(webhook_apply.payload #> '{data,object}') IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION USING ERRCODE = '22M01', MESSAGE = 'malformed webhook payload',
      DETAIL = 'The payload must be a JSON object with an object data.object.';
  END IF;
  obj := webhook_apply.payload #> '{data,object}';
  IF NOT pg_catalog.pg_has_role(pg_catalog."session_user"(), webhook_apply.caller, 'MEMBER') THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = 'the caller is not the webhook role it names';
  END IF;

  -- Routing.
  obj_ref := CASE WHEN webhook_apply.event_type LIKE 'charge.%' THEN obj ->> 'payment_intent' ELSE obj ->> 'id' END;
  SELECT p.target_org_id AS org_id, p.target_id INTO r FROM booking.provider_ref p
   WHERE p.provider = webhook_apply.provider AND p.ref = obj_ref AND p.kind = 'payment';
  IF NOT FOUND THEN
    -- a payout: its transfer id, or our payout id in the metadata
    SELECT p.target_org_id AS org_id, p.target_id INTO r FROM booking.provider_ref p
     WHERE p.provider = webhook_apply.provider AND p.kind = 'payout'
       AND p.ref IN (obj ->> 'id', obj #>> '{metadata,payout_id}')
     LIMIT 1;
    IF FOUND THEN
      payout := r.target_id;
    END IF;
  END IF;
  IF FOUND THEN
    org := r.org_id;
    target := r.target_id;
  ELSE
    meta_org := obj #>> '{metadata,org_id}';
    IF meta_org ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
      SELECT o.id INTO org FROM booking.org o WHERE o.id = meta_org::pg_catalog.uuid;
    END IF;
    IF org IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22M02', MESSAGE = 'webhook event for an unknown payment',
        DETAIL = pg_catalog.format('No payment of provider %s has id %L, and data.object.metadata.org_id names no org.',
                                   webhook_apply.provider, obj_ref),
        HINT = 'Open the payment first (booking.open_payment), or set metadata.org_id on the provider''s object.';
    END IF;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM booking.webhook_grant g
                  WHERE g.org_id = org AND g.role_name = webhook_apply.caller) THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'webhook role may not deliver events for this org',
      DETAIL = pg_catalog.format('Role %s has no webhook grant for org %s.', webhook_apply.caller, org),
      HINT = 'A superuser grants it with booking.grant_webhook_role(role, org_id).';
  END IF;

  -- Store once.
  INSERT INTO booking.webhook_event AS w (org_id, provider, event_id, event_type, payload, payment_id)
  VALUES (org, webhook_apply.provider, webhook_apply.event_id, webhook_apply.event_type, webhook_apply.payload,
          CASE WHEN payout IS NULL THEN target END)
  ON CONFLICT ON CONSTRAINT webhook_event_org_id_provider_event_id_key DO NOTHING
  RETURNING w.id INTO ev;
  IF ev IS NULL THEN
    RETURN QUERY
      SELECT w.id, w.org_id, w.payment_id, w.outcome, w.error_code, w.error, true
        FROM booking.webhook_event w
       WHERE w.org_id = org AND w.provider = webhook_apply.provider AND w.event_id = webhook_apply.event_id;
    RETURN;
  END IF;

  -- Apply, all or nothing.
  BEGIN
    -- SET LOCAL, which Citus propagates to the worker where the payment's
    -- trigger records them (set_config would stay on the coordinator)
    EXECUTE pg_catalog.format('SET LOCAL booking_money.cause = %L', webhook_apply.event_type);
    EXECUTE pg_catalog.format('SET LOCAL booking_money.event = %L', ev);
    -- the system's writes on the workers, not a maintenance write (the
    -- owner's connection there): booking.system_on_workers
    PERFORM booking.system_on_workers(true);
    IF target IS NULL THEN
      res := 'ignored';
    ELSIF payout IS NOT NULL THEN
      res := booking.webhook_apply_payout(org, target, webhook_apply.event_type, obj);
    ELSE
      res := booking.webhook_apply_payment(org, target, webhook_apply.event_type, obj);
    END IF;
    SET LOCAL booking_money.cause = '';
    SET LOCAL booking_money.event = '';
    PERFORM booking.system_on_workers(false);
  EXCEPTION
    WHEN serialization_failure OR deadlock_detected OR query_canceled THEN
      RAISE;
    WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
      SET LOCAL booking_money.cause = '';
      SET LOCAL booking_money.event = '';
      res := 'failed';
  END;
  UPDATE booking.webhook_event w
     SET outcome = res, error_code = st,
         error = CASE WHEN msg IS NOT NULL THEN msg || COALESCE(': ' || NULLIF(det, ''), '') END,
         processed_at = pg_catalog.now()
   WHERE w.org_id = org AND w.id = ev;
  IF res = 'applied' THEN
    PERFORM booking.notify_from_coordinator();
  END IF;
  RETURN QUERY SELECT ev, org, CASE WHEN payout IS NULL THEN target END, res, st,
                      CASE WHEN msg IS NOT NULL THEN msg || COALESCE(': ' || NULLIF(det, ''), '') END, false;
END
$$;
COMMENT ON FUNCTION booking.webhook_apply(pg_catalog.name, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.jsonb) IS
  'internal to booking.ingest_webhook: route, check the webhook grant of caller, store the event once and apply it';

-- One payment event, the payment locked.  Returns applied or stale, or
-- raises (the caller stores the event as failed).
CREATE OR REPLACE FUNCTION booking.webhook_apply_payment(org pg_catalog.uuid, target pg_catalog.uuid,
                                              event_type pg_catalog.text, obj pg_catalog.jsonb)
  RETURNS pg_catalog.text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  p booking.payment;
  amount pg_catalog.int8;
  refunded pg_catalog.int8;
  cur pg_catalog.text;
  want booking.payment_status;
  plan record;
  step pg_catalog.text;
BEGIN
  SELECT * INTO p FROM booking.payment x WHERE x.org_id = org AND x.id = target FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '22M02', MESSAGE = 'webhook event for an unknown payment',
      DETAIL = pg_catalog.format('Payment %s is gone.', target);
  END IF;
  IF event_type NOT IN ('payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled',
                        'payment_intent.amount_capturable_updated', 'charge.refunded') THEN
    RETURN 'ignored';
  END IF;
  -- Amount and currency must be the payment's.
  IF pg_catalog.jsonb_typeof(obj -> 'amount') IS DISTINCT FROM 'number' OR (obj ->> 'amount') !~ '^[0-9]{1,18}$'
     OR pg_catalog.jsonb_typeof(obj -> 'currency') IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION USING ERRCODE = '22M01', MESSAGE = 'malformed webhook payload',
      DETAIL = 'data.object.amount must be a non-negative integer and data.object.currency a string.';
  END IF;
  amount := (obj ->> 'amount')::pg_catalog.int8;
  cur := pg_catalog.upper(obj ->> 'currency');
  IF amount <> p.amount_cents OR cur <> p.currency THEN
    RAISE EXCEPTION USING ERRCODE = '23M05', MESSAGE = 'webhook event does not match the payment',
      DETAIL = pg_catalog.format('The event says %s %s, payment %s is %s %s.', amount, cur, p.id, p.amount_cents, p.currency);
  END IF;

  -- charge.refunded: amount_refunded is the cumulative refund.
  IF event_type = 'charge.refunded' THEN
    IF pg_catalog.jsonb_typeof(obj -> 'amount_refunded') IS DISTINCT FROM 'number'
       OR (obj ->> 'amount_refunded') !~ '^[0-9]{1,18}$' THEN
      RAISE EXCEPTION USING ERRCODE = '22M01', MESSAGE = 'malformed webhook payload',
        DETAIL = 'data.object.amount_refunded must be a non-negative integer.';
    END IF;
    refunded := (obj ->> 'amount_refunded')::pg_catalog.int8;
    IF refunded > p.amount_cents THEN
      RAISE EXCEPTION USING ERRCODE = '23M03', MESSAGE = 'refund above the captured amount',
        DETAIL = pg_catalog.format('The event refunds %s of payment %s of %s %s.', refunded, p.id, p.amount_cents, p.currency);
    END IF;
    IF refunded <= p.refund_confirmed_cents THEN
      RETURN 'stale';
    END IF;
  END IF;

  -- The status the event stands for, and how it stands to the payment's by
  -- the declared moves (booking.payment_plan, decided in C): ahead (applied
  -- along the moves), the same or behind (stale), or contradicting it.
  want := CASE event_type WHEN 'payment_intent.succeeded' THEN 'succeeded'
                          WHEN 'payment_intent.amount_capturable_updated' THEN 'authorized'
                          WHEN 'payment_intent.payment_failed' THEN 'failed'
                          WHEN 'payment_intent.canceled' THEN 'cancelled'
                          ELSE 'succeeded' END;      -- charge.refunded: captured first
  plan := booking.payment_plan(p.status, want);
  IF plan.kind = 'unrelated' THEN
    RAISE EXCEPTION USING ERRCODE = '23M02', MESSAGE = 'payment status change not allowed',
      DETAIL = pg_catalog.format('Payment %s is %s; the event (%s) wants %s, and no way leads from one to the other (booking.payment_transition).',
                                 p.id, p.status, event_type, want),
      HINT = CASE WHEN p.status = 'cancelled'
                  THEN 'The provider reports money for a cancelled payment: refund it at the provider.'
                  ELSE 'A captured payment is not cancelled: it is refunded (charge.refunded).' END;
  END IF;
  IF plan.kind IN ('allowed', 'forward') THEN
    FOREACH step IN ARRAY plan.path LOOP
      UPDATE booking.payment x SET status = step::booking.payment_status WHERE x.org_id = org AND x.id = target;
    END LOOP;
  END IF;
  IF event_type <> 'charge.refunded' THEN
    RETURN CASE WHEN plan.kind IN ('allowed', 'forward') THEN 'applied' ELSE 'stale' END;
  END IF;

  UPDATE booking.payment x
     SET refund_confirmed_cents = refunded,
         refunded_cents = GREATEST(x.refunded_cents, refunded),
         provider_charge_id = COALESCE(x.provider_charge_id, obj ->> 'id')
   WHERE x.org_id = org AND x.id = target;
  RETURN 'applied';
END
$$;
COMMENT ON FUNCTION booking.webhook_apply_payment(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.jsonb) IS
  'internal to booking.webhook_apply: apply one known payment event to the locked payment, forwards only; returns applied, stale or ignored, or raises 22M01, 22M02, 23M02, 23M03, 23M05';
REVOKE EXECUTE ON FUNCTION booking.webhook_apply_payment(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.text, pg_catalog.jsonb) FROM PUBLIC;

CREATE OR REPLACE FUNCTION booking.ingest_webhook(provider pg_catalog.text, event_id pg_catalog.text,
                                       event_type pg_catalog.text, payload pg_catalog.jsonb)
  RETURNS TABLE (webhook_event_id pg_catalog.uuid, org_id pg_catalog.uuid, payment_id pg_catalog.uuid,
                 outcome pg_catalog.text, error_code pg_catalog.text, error pg_catalog.text,
                 replayed pg_catalog.bool)
  LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT * FROM booking.webhook_apply(CURRENT_USER, provider, event_id, event_type, payload);
  $$;
COMMENT ON FUNCTION booking.ingest_webhook(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.jsonb) IS
  'take one inbound provider event (e.g. Stripe''s payment_intent.succeeded, payment_intent.payment_failed, payment_intent.canceled, payment_intent.amount_capturable_updated, charge.refunded) for a webhook role granted the org (booking.grant_webhook_role): store it once and apply it in the same transaction; the same event again returns the first outcome with replayed = true. outcome: applied, stale (older than what is known), ignored (unknown type), failed (error_code, error; nothing else changed). Raises 22M01 for a malformed payload, 22M02 for an event no payment or org is known for, 42501 for a role without a grant for the org';

-- Who may deliver: a role granted per org by a superuser.
CREATE OR REPLACE FUNCTION booking.grant_webhook_role(role pg_catalog.regrole, org_id pg_catalog.uuid)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF grant_webhook_role.role IS NULL OR grant_webhook_role.org_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'role and org_id must not be null';
  END IF;
  INSERT INTO booking.webhook_grant (org_id, role_name)
  VALUES (grant_webhook_role.org_id, grant_webhook_role.role::pg_catalog.text::pg_catalog.name)
  ON CONFLICT DO NOTHING;
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA booking TO %s', grant_webhook_role.role);
  EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION booking.webhook_apply(pg_catalog.name, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.jsonb) TO %s', grant_webhook_role.role);
END
$$;
COMMENT ON FUNCTION booking.grant_webhook_role(pg_catalog.regrole, pg_catalog.uuid) IS
  'let role deliver provider events for org_id through booking.ingest_webhook (a superuser''s tool); the role needs no other privilege, neither superuser nor BYPASSRLS';

CREATE OR REPLACE FUNCTION booking.revoke_webhook_role(role pg_catalog.regrole, org_id pg_catalog.uuid)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  DELETE FROM booking.webhook_grant g
   WHERE g.org_id = revoke_webhook_role.org_id AND g.role_name = revoke_webhook_role.role::pg_catalog.text::pg_catalog.name;
END
$$;
COMMENT ON FUNCTION booking.revoke_webhook_role(pg_catalog.regrole, pg_catalog.uuid) IS
  'take back booking.grant_webhook_role for one org (a superuser''s tool)';

DROP POLICY IF EXISTS webhook_grant_staff_read ON booking.webhook_grant;
CREATE POLICY webhook_grant_staff_read ON booking.webhook_grant FOR SELECT
  USING (booking.acting_is_staff());
