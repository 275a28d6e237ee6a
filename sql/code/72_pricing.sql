-- Prices: the engine prices every booking when it is written, from the
-- org's rate cards, and stores the price on the booking with its currency,
-- platform fee and resource share.  A later change of the rate card never
-- touches a booking already made.
--
--   * an appointment: the price of its service on the rate card named in
--     rate_card_id, else on the org's default card, times its seats; a
--     service without a price there is refused (23M01) unless the service is
--     marked free (price 0 in the org's currency), also in an org with no
--     rate card at all;
--   * seats in a session: the session's price per seat, in its currency;
--   * the platform fee is price * org.platform_fee_bps / 10000 rounded down,
--     the resource share the rest, so fee + share = price exactly.
--
-- On UPDATE the stored price stays unless the service, seats, session or
-- rate card change (then it is taken anew, at today's prices).  Staff may
-- price by hand: their explicit price on INSERT, or their change on UPDATE,
-- is kept.  A writer without identity that booking.writing_as_maintenance()
-- accepts (restores, data loads) writes prices as given.  price_of reads
-- with the caller's rights (the catalog is readable by every member): the
-- column-owner guard compares a member's price with it.
--
-- SQLSTATE raised here (README, "Money"): 23M01 no price for the service.

CREATE OR REPLACE FUNCTION booking.price_of(org_id pg_catalog.uuid, service_id pg_catalog.uuid,
                                 session_id pg_catalog.uuid, seats pg_catalog.int4,
                                 rate_card_id pg_catalog.uuid,
                                 OUT currency booking.currency_code, OUT price_cents pg_catalog.int8,
                                 OUT platform_fee_cents pg_catalog.int8, OUT resource_share_cents pg_catalog.int8,
                                 OUT used_rate_card_id pg_catalog.uuid)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  o record;
  unit pg_catalog.int8;
  card record;
  is_free pg_catalog.bool;
BEGIN
  SELECT x.currency, x.platform_fee_bps INTO o FROM booking.org x WHERE x.id = price_of.org_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = 'unknown org',
      DETAIL = pg_catalog.format('Org %s does not exist.', price_of.org_id);
  END IF;
  IF price_of.session_id IS NOT NULL THEN
    SELECT s.price_cents, s.currency INTO unit, currency FROM booking.session s
     WHERE s.org_id = price_of.org_id AND s.id = price_of.session_id;
    used_rate_card_id := NULL;
  ELSE
    IF price_of.rate_card_id IS NOT NULL THEN
      SELECT c.id, c.currency INTO card FROM booking.rate_card c
       WHERE c.org_id = price_of.org_id AND c.id = price_of.rate_card_id;
    ELSE
      SELECT c.id, c.currency INTO card FROM booking.rate_card c
       WHERE c.org_id = price_of.org_id AND c.is_default;
    END IF;
    IF card.id IS NOT NULL THEN
      SELECT i.price_cents INTO unit FROM booking.rate_card_item i
       WHERE i.org_id = price_of.org_id AND i.rate_card_id = card.id AND i.service_id = price_of.service_id;
    END IF;
    IF unit IS NOT NULL THEN
      currency := card.currency;
      used_rate_card_id := card.id;
    ELSE
      SELECT s.free INTO is_free FROM booking.service s
       WHERE s.org_id = price_of.org_id AND s.id = price_of.service_id;
      -- a service the org does not have is left to the foreign key (23503)
      IF is_free IS NULL OR is_free THEN
        unit := 0;
        currency := o.currency;
        used_rate_card_id := NULL;
      ELSE
        RAISE EXCEPTION USING ERRCODE = '23M01',
          MESSAGE = 'no price for the service',
          DETAIL = CASE WHEN card.id IS NULL AND NOT EXISTS (SELECT 1 FROM booking.rate_card c WHERE c.org_id = price_of.org_id)
                        THEN pg_catalog.format('Org %s has no rate card, and service %s is not marked free.', price_of.org_id, price_of.service_id)
                        WHEN card.id IS NULL
                        THEN pg_catalog.format('Org %s has rate cards but no default one, and the booking names none.', price_of.org_id)
                        ELSE pg_catalog.format('Rate card %s has no price for service %s.', card.id, price_of.service_id) END,
          HINT = 'Add the service to the rate card (booking.rate_card_item), name another card in rate_card_id, or mark the service free.';
      END IF;
    END IF;
  END IF;
  price_cents := COALESCE(unit, 0) * GREATEST(COALESCE(price_of.seats, 1), 1);
  platform_fee_cents := price_cents * o.platform_fee_bps / 10000;
  resource_share_cents := price_cents - platform_fee_cents;
  currency := COALESCE(currency, o.currency);
END
$$;
COMMENT ON FUNCTION booking.price_of(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.int4, pg_catalog.uuid) IS
  'the price a booking of service_id (or seats in session_id) with seats seats would get now: from the named rate card, else the org''s default card, else 0 for a service marked free; raises 23M01 for any other service with no price (also in an org with no rate card); returns currency, price_cents, platform_fee_cents (org.platform_fee_bps, rounded down), resource_share_cents (the rest) and the rate card used';

CREATE OR REPLACE FUNCTION booking.tg_money_price() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  p record;
BEGIN
  IF booking.writing_as_maintenance() THEN
    RETURN NEW;                           -- restores and data loads: as given
  END IF;
  -- Staff may price by hand (a discount, a correction): an explicit price
  -- on INSERT, a change on UPDATE (the a2_column_owner guard keeps it to
  -- staff and the engine; 86_guards.sql).
  IF booking.acting_is_staff()
     AND (CASE WHEN TG_OP = 'INSERT'
               THEN NEW.price_cents <> 0 OR NEW.platform_fee_cents <> 0 OR NEW.resource_share_cents <> 0
               ELSE (NEW.price_cents, NEW.platform_fee_cents, NEW.resource_share_cents)
                    IS DISTINCT FROM (OLD.price_cents, OLD.platform_fee_cents, OLD.resource_share_cents) END) THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE'
     AND NEW.service_id IS NOT DISTINCT FROM OLD.service_id AND NEW.seats IS NOT DISTINCT FROM OLD.seats
     AND NEW.session_id IS NOT DISTINCT FROM OLD.session_id AND NEW.rate_card_id IS NOT DISTINCT FROM OLD.rate_card_id THEN
    NEW.currency := OLD.currency;
    NEW.price_cents := OLD.price_cents;
    NEW.platform_fee_cents := OLD.platform_fee_cents;
    NEW.resource_share_cents := OLD.resource_share_cents;
    RETURN NEW;
  END IF;
  p := booking.price_of(NEW.org_id, NEW.service_id, NEW.session_id, NEW.seats, NEW.rate_card_id);
  NEW.currency := p.currency;
  NEW.price_cents := p.price_cents;
  NEW.platform_fee_cents := p.platform_fee_cents;
  NEW.resource_share_cents := p.resource_share_cents;
  NEW.rate_card_id := p.used_rate_card_id;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_money_price() IS
  'trigger (BEFORE INSERT OR UPDATE on booking): the price, currency, platform fee and resource share from booking.price_of on insert or when service, seats, session or rate card change; otherwise the stored ones are kept; staff''s explicit price (INSERT) or price change (UPDATE) and maintenance writers'' rows are kept as given';

CREATE OR REPLACE TRIGGER money_price BEFORE INSERT OR UPDATE ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_money_price();
