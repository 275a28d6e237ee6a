-- Invoice lines: the issuers build them in one place (booking.invoice_line_json),
-- units at the unit price when the amount divides evenly, else one of the
-- whole amount; as a staff member of the org.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  ('00000000-0000-0000-0000-0000000018a0', 'Inv Lines', 'Europe/Berlin', 'EUR');

-- 1. Staff complete two sessions.  One sold 3 seats for 4500 in all: one
-- line of 3 at 1500; the other 2 seats for 3001, which does not divide: one
-- line of 1 at 3001.  (The sum of the seats' prices is numeric: the unit
-- price once came out as 1500.0000000000000000, which is no int8, and
-- completing such a session failed.)
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000018a9', 'inv18.staff@example.com', 'Staff');
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018a9', 'staff');
CREATE ROLE regress_inv18_app;
SELECT booking.grant_app_role('regress_inv18_app', trusted => true);
INSERT INTO booking.supplier (org_id, id, name) VALUES
  ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018a1', 'Rockets Ltd');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES
  ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018a2', 'Launch', 60, false);
INSERT INTO booking.resource (org_id, id, display_name, supplier_id) VALUES
  ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018a3', 'Rocket', '00000000-0000-0000-0000-0000000018a1');
INSERT INTO booking.client (org_id, id, full_name) VALUES
  ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018a4', 'Ann');
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency, price_cents) VALUES
  ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018c1', '00000000-0000-0000-0000-0000000018a3',
   '00000000-0000-0000-0000-0000000018a2', 'Moon', now() - interval '3 hours', now() - interval '2 hours', 10, 'EUR', 1500),
  ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018c2', '00000000-0000-0000-0000-0000000018a3',
   '00000000-0000-0000-0000-0000000018a2', 'Mars', now() - interval '5 hours', now() - interval '4 hours', 10, 'EUR', 1500);
-- bookings loaded as data (priced as given)
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, session_id, seats, starts_at, ends_at, currency,
                             price_cents, resource_share_cents, status)
SELECT '00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018a4', '00000000-0000-0000-0000-0000000018a3',
       '00000000-0000-0000-0000-0000000018a2', s.id, b.seats, s.starts_at, s.ends_at, 'EUR', b.cents, b.cents, 'confirmed'
  FROM booking.session s
  JOIN (VALUES ('00000000-0000-0000-0000-0000000018c1'::uuid, 1, 1500), ('00000000-0000-0000-0000-0000000018c1', 2, 3000),
               ('00000000-0000-0000-0000-0000000018c2', 1, 1500), ('00000000-0000-0000-0000-0000000018c2', 1, 1501)) AS b(session_id, seats, cents)
    ON b.session_id = s.id
 WHERE s.org_id = '00000000-0000-0000-0000-0000000018a0';
SET ROLE regress_inv18_app;
BEGIN;
SELECT booking.act_as('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018a9') IS NOT NULL AS acting;
UPDATE booking.session SET status = 'completed' WHERE org_id = '00000000-0000-0000-0000-0000000018a0';
COMMIT;
RESET ROLE;
SELECT s.title, i.supplier_id IS NOT NULL AS to_supplier, i.amount_cents, l.kind, l.description, l.quantity, l.unit_cents, l.amount_cents
  FROM booking.invoice i
  JOIN booking.session s ON s.org_id = i.org_id AND s.id = i.session_id
  JOIN booking.invoice_line l ON l.org_id = i.org_id AND l.invoice_id = i.id
 WHERE i.org_id = '00000000-0000-0000-0000-0000000018a0'
 ORDER BY s.title, l.line_no;

-- Issued once: issuing again returns the session's invoice (and a
-- booking's), no second one.
SELECT booking.issue_session_invoice('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018c1')
       = (SELECT i.id FROM booking.invoice i WHERE i.org_id = '00000000-0000-0000-0000-0000000018a0'
             AND i.session_id = '00000000-0000-0000-0000-0000000018c1') AS same_session_invoice;
SELECT booking.issue_booking_invoice('00000000-0000-0000-0000-0000000018a0', b.id) = booking.issue_booking_invoice('00000000-0000-0000-0000-0000000018a0', b.id) AS same_booking_invoice
  FROM booking.booking b WHERE b.org_id = '00000000-0000-0000-0000-0000000018a0' AND b.price_cents = 1501;
SELECT count(*) FILTER (WHERE session_id IS NOT NULL) AS session_invoices, count(*) FILTER (WHERE booking_id IS NOT NULL) AS booking_invoices
  FROM booking.invoice WHERE org_id = '00000000-0000-0000-0000-0000000018a0';

-- Leave the database as found.
DROP OWNED BY regress_inv18_app;
DROP ROLE regress_inv18_app;
DELETE FROM booking.org WHERE id = '00000000-0000-0000-0000-0000000018a0';
DELETE FROM booking.app_user WHERE email LIKE 'inv18.%';
