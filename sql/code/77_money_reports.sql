-- The reports of seed 003 as views.  security_invoker: they read with the
-- caller's row-level security, so staff see their org, an instructor what
-- their resource's rows show them, and nobody another org.

CREATE OR REPLACE VIEW booking.report_resource_revenue WITH (security_invoker = true) AS
  SELECT b.org_id, b.resource_id,
         pg_catalog.date_trunc('month', pg_catalog.timezone(o.time_zone::pg_catalog.text, b.starts_at))::pg_catalog.date AS month,
         p.currency,
         pg_catalog.count(*) AS bookings,
         pg_catalog.sum(p.amount_cents OPERATOR(pg_catalog.-) p.refunded_cents)::pg_catalog.int8 AS net_revenue_cents,
         pg_catalog.sum(p.platform_fee_cents OPERATOR(pg_catalog.-) p.refunded_fee_cents)::pg_catalog.int8 AS platform_fee_cents,
         pg_catalog.sum(p.resource_share_cents OPERATOR(pg_catalog.-) p.refunded_share_cents)::pg_catalog.int8 AS resource_share_cents,
         pg_catalog.sum(p.refunded_cents)::pg_catalog.int8 AS refunded_cents
    FROM booking.booking b
    JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) b.org_id
    JOIN booking.payment p ON p.org_id OPERATOR(pg_catalog.=) b.org_id AND p.booking_id OPERATOR(pg_catalog.=) b.id
   WHERE b.resource_id IS NOT NULL
     AND p.status OPERATOR(pg_catalog.=) ANY ('{succeeded,partially_refunded,refunded}'::booking.payment_status[])
   GROUP BY b.org_id, b.resource_id, 3, p.currency;
COMMENT ON VIEW booking.report_resource_revenue IS
  'instructor (resource) revenue per month of the org''s local calendar and currency: captured payments of its bookings, net of refunds, split into platform fee and resource share (security_invoker: the caller''s row-level security applies)';

CREATE OR REPLACE VIEW booking.report_payments_by_status WITH (security_invoker = true) AS
  SELECT p.org_id, p.status, p.currency, pg_catalog.count(*) AS payments,
         pg_catalog.sum(p.amount_cents)::pg_catalog.int8 AS amount_cents,
         pg_catalog.sum(p.refunded_cents)::pg_catalog.int8 AS refunded_cents
    FROM booking.payment p
   GROUP BY p.org_id, p.status, p.currency;
COMMENT ON VIEW booking.report_payments_by_status IS
  'payments per status and currency: how many, their amount and what was refunded (security_invoker)';

CREATE OR REPLACE VIEW booking.report_outstanding_payouts WITH (security_invoker = true) AS
  WITH owed AS (
    SELECT b.org_id, b.resource_id, p.currency,
           (p.resource_share_cents OPERATOR(pg_catalog.-) p.refunded_share_cents)::pg_catalog.int8 AS owed_cents,
           COALESCE((SELECT pg_catalog.sum(i.amount_cents) FROM booking.payout_item i
                      WHERE i.org_id OPERATOR(pg_catalog.=) b.org_id AND i.booking_id OPERATOR(pg_catalog.=) b.id
                        AND NOT i.released), 0)::pg_catalog.int8 AS covered_cents
      FROM booking.booking b
      JOIN booking.payment p ON p.org_id OPERATOR(pg_catalog.=) b.org_id AND p.booking_id OPERATOR(pg_catalog.=) b.id
     WHERE b.status OPERATOR(pg_catalog.=) 'completed' AND b.resource_id IS NOT NULL
       AND p.status OPERATOR(pg_catalog.=) ANY ('{succeeded,partially_refunded,refunded}'::booking.payment_status[]))
  SELECT w.org_id, w.resource_id, w.currency,
         pg_catalog.sum(w.owed_cents OPERATOR(pg_catalog.-) w.covered_cents)::pg_catalog.int8 AS outstanding_cents,
         pg_catalog.count(*) FILTER (WHERE w.owed_cents OPERATOR(pg_catalog.<>) w.covered_cents) AS bookings
    FROM owed w
   GROUP BY w.org_id, w.resource_id, w.currency
  HAVING pg_catalog.sum(w.owed_cents OPERATOR(pg_catalog.-) w.covered_cents) OPERATOR(pg_catalog.<>) 0;
COMMENT ON VIEW booking.report_outstanding_payouts IS
  'per resource and currency, what completed bookings with a captured payment owe the resource and no live payout covers yet (negative: a refund after payout still to be deducted), whatever the hold period (security_invoker)';
