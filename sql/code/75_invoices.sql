-- Invoices: a booking issues one to its client when it is confirmed (or
-- when its payment succeeds: org setting settings.money.invoice_on =
-- 'paid'); a session (a launch) issues one to the supplier of its resource
-- for the seats sold when it completes; a cancellation with a refund issues
-- a credit note that refers to the booking's invoice.
--
-- Numbers are gapless and unique per org and year (YYYY-NNNNNN, NNNNNN
-- growing a digit after 999999; the year of the org's local date at issue,
-- that is of issued_at, the start of the issuing transaction: from local
-- midnight of January 1st on, the new year's series starts at 1).  The
-- number is taken at issue time from booking.invoice_counter, whose row for
-- (org, year) the issuing transaction holds locked until it ends, so a
-- rollback gives the number back and two issuers of one org and year take
-- turns while other orgs, and the other year's issuers, never wait.
-- Credit notes share the series.
--
-- An issued invoice is immutable (23M04): only its status may move on
-- (issued -> paid or void); its lines can no longer change and must sum to
-- its amount when it is issued (23M06).

CREATE OR REPLACE FUNCTION booking.invoice_take_number(org pg_catalog.uuid, at pg_catalog.timestamptz,
                                            OUT year pg_catalog.int4,
                                            OUT seq pg_catalog.int4, OUT number pg_catalog.text)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  SELECT pg_catalog.date_part('year', pg_catalog.timezone(o.time_zone::pg_catalog.text, at))::pg_catalog.int4
    INTO year FROM booking.org o WHERE o.id = org;
  -- Issuers of one org and year queue on a transaction-level advisory
  -- lock of the series first: the lock manager serves its waiters in the
  -- order they came.  (A row lock alone does not: once the holder has
  -- updated the row, the waiters all move on to its new version and race
  -- for it.)  Two series that share the lock's hash only take turns.
  -- The first issue of a year inserts the row (ON CONFLICT: two firsts).
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('booking.invoice_counter'),
                                           pg_catalog.hashtext(org::pg_catalog.text OPERATOR(pg_catalog.||) ':'
                                                               OPERATOR(pg_catalog.||) year::pg_catalog.text));
  PERFORM 1 FROM booking.invoice_counter c WHERE c.org_id = org AND c.year = invoice_take_number.year FOR UPDATE;
  IF FOUND THEN
    UPDATE booking.invoice_counter c SET last_seq = c.last_seq + 1
     WHERE c.org_id = org AND c.year = invoice_take_number.year
    RETURNING c.last_seq INTO seq;
  ELSE
    INSERT INTO booking.invoice_counter AS c (org_id, year, last_seq) VALUES (org, year, 1)
    ON CONFLICT ON CONSTRAINT invoice_counter_pkey DO UPDATE SET last_seq = c.last_seq + 1
    RETURNING c.last_seq INTO seq;
  END IF;
  -- lpad cuts a longer string to the length: a seventh digit is kept
  number := pg_catalog.format('%s-%s', year, pg_catalog.lpad(seq::pg_catalog.text, GREATEST(6, pg_catalog.length(seq::pg_catalog.text)), '0'));
END
$$;
COMMENT ON FUNCTION booking.invoice_take_number(pg_catalog.uuid, pg_catalog.timestamptz) IS
  'internal: the next number of org''s gapless invoice series of the year of at in the org''s time zone (the issuers pass now(), their issued_at), held by the calling transaction';
REVOKE EXECUTE ON FUNCTION booking.invoice_take_number(pg_catalog.uuid, pg_catalog.timestamptz) FROM PUBLIC;

-- One line of an invoice, as booking.invoice_issue takes it, for units
-- (seats) that cost amount_cents in all: a quantity of units at
-- amount_cents / units when the amount divides evenly, else a quantity of 1
-- at the whole amount.  The one place the issuers build a line.
CREATE OR REPLACE FUNCTION booking.invoice_line_json(kind pg_catalog.text, description pg_catalog.text,
                                     units pg_catalog.int4, amount_cents pg_catalog.int8)
  RETURNS pg_catalog.jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  q pg_catalog.int4 := CASE WHEN units > 0 AND amount_cents % units = 0 THEN units ELSE 1 END;
BEGIN
  RETURN pg_catalog.jsonb_build_object('kind', kind, 'description', description, 'quantity', q,
                                       'unit_cents', amount_cents / q, 'amount_cents', amount_cents);
END
$$;
COMMENT ON FUNCTION booking.invoice_line_json(pg_catalog.text, pg_catalog.text, pg_catalog.int4, pg_catalog.int8) IS
  'internal: one invoice line (JSON for booking.invoice_issue) of kind and description for units that cost amount_cents in all: quantity units at amount_cents / units when that divides evenly, else one at amount_cents';
REVOKE EXECUTE ON FUNCTION booking.invoice_line_json(pg_catalog.text, pg_catalog.text, pg_catalog.int4, pg_catalog.int8) FROM PUBLIC;

-- Issue an invoice with its lines: inserted as a draft, lines added, then
-- issued (the check of the lines' sum runs on that last step).
CREATE OR REPLACE FUNCTION booking.invoice_issue(org pg_catalog.uuid, kind pg_catalog.text,
                                      booking_id pg_catalog.uuid, session_id pg_catalog.uuid,
                                      client_id pg_catalog.uuid, supplier_id pg_catalog.uuid,
                                      credit_for_id pg_catalog.uuid, currency booking.currency_code,
                                      lines pg_catalog.jsonb)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n record;
  inv pg_catalog.uuid;
  total pg_catalog.int8;
BEGIN
  SELECT COALESCE(pg_catalog.sum((l ->> 'amount_cents')::pg_catalog.int8), 0) INTO total
    FROM pg_catalog.jsonb_array_elements(lines) l;
  n := booking.invoice_take_number(org, pg_catalog.now());
  INSERT INTO booking.invoice (org_id, number, booking_id, session_id, client_id, supplier_id, currency, amount_cents,
                               status, kind, credit_for_id, year, seq, processed_by)
  VALUES (org, n.number, invoice_issue.booking_id, invoice_issue.session_id, invoice_issue.client_id,
          invoice_issue.supplier_id, invoice_issue.currency, total, 'draft', invoice_issue.kind,
          invoice_issue.credit_for_id, n.year, n.seq, booking.current_user_id())
  RETURNING id INTO inv;
  INSERT INTO booking.invoice_line (org_id, invoice_id, line_no, kind, description, quantity, unit_cents, amount_cents)
  SELECT org, inv, l.ord::pg_catalog.int4, l.v ->> 'kind', l.v ->> 'description', (l.v ->> 'quantity')::pg_catalog.int4,
         (l.v ->> 'unit_cents')::pg_catalog.int8, (l.v ->> 'amount_cents')::pg_catalog.int8
    FROM pg_catalog.jsonb_array_elements(lines) WITH ORDINALITY AS l(v, ord);
  UPDATE booking.invoice i SET status = 'issued', issued_at = pg_catalog.now()
   WHERE i.org_id = org AND i.id = inv;
  RETURN inv;
END
$$;
COMMENT ON FUNCTION booking.invoice_issue(pg_catalog.uuid, pg_catalog.text, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, booking.currency_code, pg_catalog.jsonb) IS
  'internal: issue an invoice or credit note of org with the given lines (JSON array of kind, description, quantity, unit_cents, amount_cents) and the next gapless number; returns its id';
REVOKE EXECUTE ON FUNCTION booking.invoice_issue(pg_catalog.uuid, pg_catalog.text, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, booking.currency_code, pg_catalog.jsonb) FROM PUBLIC;

-- The invoice (not a credit note) issued for a booking or for a session,
-- or NULL: what the issuers return instead of issuing a second one.
CREATE OR REPLACE FUNCTION booking.invoice_of(org pg_catalog.uuid, booking_id pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus cannot plan an SQL function's parameters
  RETURN (SELECT i.id FROM booking.invoice i
           WHERE i.org_id = invoice_of.org AND i.kind = 'invoice'
             AND (i.booking_id = invoice_of.booking_id OR i.session_id = invoice_of.session_id));
END
$$;
COMMENT ON FUNCTION booking.invoice_of(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid) IS
  'internal: the invoice (kind invoice, at most one each) of org issued for booking_id or for session_id (pass NULL for the other), or NULL';
REVOKE EXECUTE ON FUNCTION booking.invoice_of(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid) FROM PUBLIC;

-- The invoice of a booking, issued once.
CREATE OR REPLACE FUNCTION booking.issue_booking_invoice(org pg_catalog.uuid, booking_id pg_catalog.uuid)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  b record;
  inv pg_catalog.uuid;
BEGIN
  inv := booking.invoice_of(org, issue_booking_invoice.booking_id, NULL);
  IF inv IS NOT NULL THEN
    RETURN inv;
  END IF;
  SELECT x.id, x.client_id, x.seats, x.currency, x.price_cents, s.name AS service_name, x.session_id
    INTO b
    FROM booking.booking x JOIN booking.service s ON s.org_id = x.org_id AND s.id = x.service_id
   WHERE x.org_id = org AND x.id = issue_booking_invoice.booking_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = 'no such booking',
      DETAIL = pg_catalog.format('Booking %s does not exist in org %s.', issue_booking_invoice.booking_id, org);
  END IF;
  RETURN booking.invoice_issue(org, 'invoice', b.id, NULL, b.client_id, NULL, NULL, b.currency,
           pg_catalog.jsonb_build_array(booking.invoice_line_json(
             CASE WHEN b.session_id IS NULL THEN 'service' ELSE 'seats' END, b.service_name, b.seats, b.price_cents)));
END
$$;
COMMENT ON FUNCTION booking.issue_booking_invoice(pg_catalog.uuid, pg_catalog.uuid) IS
  'issue the invoice of a booking to its client (once: the existing one is returned), one line for the service or seats at the stored price';

-- A credit note for a refund of a booking, referring to its invoice (none
-- when the booking was not invoiced); never more than the invoice less the
-- credit notes already issued for it.
CREATE OR REPLACE FUNCTION booking.issue_credit_note(org pg_catalog.uuid, booking_id pg_catalog.uuid,
                                          amount_cents pg_catalog.int8)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  i record;
  credited pg_catalog.int8;
  amt pg_catalog.int8;
BEGIN
  SELECT x.id, x.number, x.client_id, x.currency, x.amount_cents INTO i FROM booking.invoice x
   WHERE x.org_id = org AND x.booking_id = issue_credit_note.booking_id AND x.kind = 'invoice'
   FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT COALESCE(pg_catalog.sum(c.amount_cents), 0) INTO credited FROM booking.invoice c
   WHERE c.org_id = org AND c.credit_for_id = i.id;
  amt := LEAST(issue_credit_note.amount_cents, i.amount_cents - credited);
  IF amt <= 0 THEN
    RETURN NULL;
  END IF;
  RETURN booking.invoice_issue(org, 'credit_note', issue_credit_note.booking_id, NULL, i.client_id, NULL, i.id, i.currency,
           pg_catalog.jsonb_build_array(booking.invoice_line_json('refund', 'refund for invoice ' || i.number, 1, amt)));
END
$$;
COMMENT ON FUNCTION booking.issue_credit_note(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.int8) IS
  'issue a credit note for a refund of amount_cents of a booking, referring to its invoice (capped at what is left to credit); NULL when the booking has no invoice';

-- The invoice of a session (a launch) to the supplier of its resource, for
-- the seats sold, when it completes.
CREATE OR REPLACE FUNCTION booking.issue_session_invoice(org pg_catalog.uuid, session_id pg_catalog.uuid)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET booking.internal = on
  AS $$
DECLARE
  s record;
  sold record;
  inv pg_catalog.uuid;
BEGIN
  inv := booking.invoice_of(org, NULL, issue_session_invoice.session_id);
  IF inv IS NOT NULL THEN
    RETURN inv;
  END IF;
  SELECT x.id, x.title, x.currency, x.price_cents, r.supplier_id INTO s
    FROM booking.session x LEFT JOIN booking.resource r ON r.org_id = x.org_id AND r.id = x.resource_id
   WHERE x.org_id = org AND x.id = issue_session_invoice.session_id;
  SELECT COALESCE(pg_catalog.sum(b.seats), 0)::pg_catalog.int4 AS seats,
         COALESCE(pg_catalog.sum(b.price_cents), 0)::pg_catalog.int8 AS cents
    INTO sold FROM booking.booking b
   WHERE b.org_id = org AND b.session_id = issue_session_invoice.session_id
     AND b.status IN ('confirmed', 'in_progress', 'completed', 'no_show');
  IF sold.seats = 0 THEN
    RETURN NULL;
  END IF;
  RETURN booking.invoice_issue(org, 'invoice', NULL, s.id, NULL, s.supplier_id, NULL, s.currency,
           pg_catalog.jsonb_build_array(booking.invoice_line_json('seats', 'seats sold: ' || s.title, sold.seats, sold.cents)));
END
$$;
COMMENT ON FUNCTION booking.issue_session_invoice(pg_catalog.uuid, pg_catalog.uuid) IS
  'issue the invoice of a session (a launch) to the supplier of its resource for the seats sold (confirmed, in progress, completed, no-show), once; NULL when none were sold';

CREATE OR REPLACE FUNCTION booking.tg_invoice_issue_booking() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  invoice_on pg_catalog.text;
BEGIN
  IF booking.writing_as_maintenance() THEN
    RETURN NULL;
  END IF;
  IF NEW.status = 'confirmed' AND (TG_OP = 'INSERT' OR OLD.status <> 'confirmed') THEN
    SELECT COALESCE(o.settings #>> '{money,invoice_on}', 'confirmed') INTO invoice_on
      FROM booking.org o WHERE o.id = NEW.org_id;
    IF invoice_on = 'confirmed' THEN
      PERFORM booking.issue_booking_invoice(NEW.org_id, NEW.id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_invoice_issue_booking() IS
  'trigger (AFTER INSERT OR UPDATE OF status on booking): a booking confirmed issues its invoice, unless the org''s settings.money.invoice_on is ''paid''';
CREATE OR REPLACE TRIGGER money_invoice AFTER INSERT OR UPDATE OF status ON booking.booking
  FOR EACH ROW EXECUTE FUNCTION booking.tg_invoice_issue_booking();

CREATE OR REPLACE FUNCTION booking.tg_invoice_issue_paid() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NEW.status = 'succeeded' AND OLD.status <> 'succeeded'
     AND EXISTS (SELECT 1 FROM booking.org o WHERE o.id = NEW.org_id
                    AND o.settings #>> '{money,invoice_on}' = 'paid') THEN
    PERFORM booking.issue_booking_invoice(NEW.org_id, NEW.booking_id);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_invoice_issue_paid() IS
  'trigger (AFTER UPDATE OF status on payment): a payment that succeeds issues its booking''s invoice when the org''s settings.money.invoice_on is ''paid''';
CREATE OR REPLACE TRIGGER payment_invoice AFTER UPDATE OF status ON booking.payment
  FOR EACH ROW EXECUTE FUNCTION booking.tg_invoice_issue_paid();

CREATE OR REPLACE FUNCTION booking.tg_invoice_issue_session() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NEW.status = 'completed' AND OLD.status <> 'completed' AND NOT booking.writing_as_maintenance() THEN
    PERFORM booking.issue_session_invoice(NEW.org_id, NEW.id);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION booking.tg_invoice_issue_session() IS
  'trigger (AFTER UPDATE OF status on session): a session that completes issues its invoice to the supplier for the seats sold';
CREATE OR REPLACE TRIGGER session_invoice AFTER UPDATE OF status ON booking.session
  FOR EACH ROW EXECUTE FUNCTION booking.tg_invoice_issue_session();

-- Issued is final.
CREATE OR REPLACE FUNCTION booking.tg_invoice_immutable() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  total pg_catalog.int8;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' AND pg_catalog.pg_trigger_depth() <= 1 AND NOT booking.writing_as_maintenance() THEN
      RAISE EXCEPTION USING ERRCODE = '23M04', MESSAGE = 'an issued invoice is immutable',
        DETAIL = pg_catalog.format('Invoice %s is %s.', OLD.number, OLD.status),
        HINT = 'Issue a credit note instead.';
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' AND NOT booking.acting_is_system() AND NOT booking.writing_as_maintenance() THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = 'invoices are issued by the extension',
      DETAIL = 'Their numbers are taken from the org''s gapless series at issue.',
      HINT = 'A confirmed booking, a completed session and a refund issue them.';
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status <> 'draft' AND NOT booking.writing_as_maintenance() THEN
    IF (NEW.status, NEW.number, NEW.booking_id, NEW.session_id, NEW.client_id, NEW.supplier_id, NEW.currency,
        NEW.amount_cents, NEW.issued_at, NEW.due_at, NEW.kind, NEW.credit_for_id, NEW.year, NEW.seq)
       IS DISTINCT FROM
       (NEW.status, OLD.number, OLD.booking_id, OLD.session_id, OLD.client_id, OLD.supplier_id, OLD.currency,
        OLD.amount_cents, OLD.issued_at, OLD.due_at, OLD.kind, OLD.credit_for_id, OLD.year, OLD.seq)
       OR NOT (NEW.status = OLD.status OR (OLD.status = 'issued' AND NEW.status IN ('paid', 'void'))) THEN
      RAISE EXCEPTION USING ERRCODE = '23M04', MESSAGE = 'an issued invoice is immutable',
        DETAIL = pg_catalog.format('Invoice %s is %s; only its status may move on (issued to paid or void).', OLD.number, OLD.status),
        HINT = 'Issue a credit note instead.';
    END IF;
  END IF;
  IF NEW.status <> 'draft' AND (TG_OP = 'INSERT' OR OLD.status = 'draft') AND NOT booking.writing_as_maintenance() THEN
    SELECT COALESCE(pg_catalog.sum(l.amount_cents), 0) INTO total FROM booking.invoice_line l
     WHERE l.org_id = NEW.org_id AND l.invoice_id = NEW.id;
    IF total <> NEW.amount_cents THEN
      RAISE EXCEPTION USING ERRCODE = '23M06', MESSAGE = 'invoice lines do not sum to its amount',
        DETAIL = pg_catalog.format('Invoice %s: lines %s, amount %s.', NEW.number, total, NEW.amount_cents);
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_invoice_immutable() IS
  'trigger (BEFORE INSERT OR UPDATE OR DELETE on invoice): an issued invoice changes only its status (issued to paid or void) and is never deleted but with its org or booking (23M04); on issue its lines must sum to its amount (23M06)';
CREATE OR REPLACE TRIGGER invoice_immutable BEFORE INSERT OR UPDATE OR DELETE ON booking.invoice
  FOR EACH ROW EXECUTE FUNCTION booking.tg_invoice_immutable();

CREATE OR REPLACE FUNCTION booking.tg_invoice_line_immutable() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r record;
  st booking.invoice_status;
BEGIN
  r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  IF pg_catalog.pg_trigger_depth() > 1 AND TG_OP = 'DELETE' OR booking.writing_as_maintenance() THEN
    RETURN r;
  END IF;
  SELECT i.status INTO st FROM booking.invoice i WHERE i.org_id = r.org_id AND i.id = r.invoice_id;
  IF st IS DISTINCT FROM 'draft' AND st IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '23M04', MESSAGE = 'an issued invoice is immutable',
      DETAIL = pg_catalog.format('Invoice %s is %s: its lines are final.', r.invoice_id, st),
      HINT = 'Issue a credit note instead.';
  END IF;
  RETURN r;
END
$$;
COMMENT ON FUNCTION booking.tg_invoice_line_immutable() IS
  'trigger (BEFORE INSERT OR UPDATE OR DELETE on invoice_line): the lines of an issued invoice are final (23M04)';
CREATE OR REPLACE TRIGGER invoice_line_immutable BEFORE INSERT OR UPDATE OR DELETE ON booking.invoice_line
  FOR EACH ROW EXECUTE FUNCTION booking.tg_invoice_line_immutable();

DROP POLICY IF EXISTS invoice_line_read ON booking.invoice_line;
CREATE POLICY invoice_line_read ON booking.invoice_line FOR SELECT
  USING (booking.acting_is_staff());
