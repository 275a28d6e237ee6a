-- test/data/demo_show.sql: what the demo prints, after test/data/demo.sql.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;

\echo
\echo '== Three tenants in one database =='
SELECT o.name AS org, o.time_zone, o.currency,
       (SELECT count(*) FROM booking.membership m WHERE m.org_id = o.id) AS members,
       (SELECT count(*) FROM booking.resource r WHERE r.org_id = o.id) AS resources,
       (SELECT count(*) FROM booking.client c WHERE c.org_id = o.id) AS clients,
       (SELECT count(*) FROM booking.session s WHERE s.org_id = o.id) AS sessions,
       (SELECT count(*) FROM booking.booking b WHERE b.org_id = o.id) AS bookings
  FROM booking.org o ORDER BY o.name;

-- An application role, as a connection pooler would use it.
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'booking_demo_app') THEN
    CREATE ROLE booking_demo_app;
  END IF;
END $$;
SELECT booking.grant_app_role('booking_demo_app', trusted => true) \gset

SELECT o.id AS drive, (SELECT m.user_id FROM booking.membership m JOIN booking.app_user u ON u.id = m.user_id
                        WHERE m.org_id = o.id AND m.role = 'instructor' ORDER BY u.email LIMIT 1) AS instructor,
       (SELECT c.user_id FROM booking.client c WHERE c.org_id = o.id AND EXISTS
          (SELECT 1 FROM booking.booking b WHERE b.org_id = c.org_id AND b.client_id = c.id AND b.starts_at > now())
         ORDER BY c.full_name LIMIT 1) AS student,
       (SELECT m.user_id FROM booking.membership m WHERE m.org_id = o.id AND m.role = 'owner') AS owner
  FROM booking.org o WHERE o.slug = 'fahrschule-spree' \gset
SELECT id AS studio, (SELECT user_id FROM booking.resource r WHERE r.org_id = o.id ORDER BY display_name LIMIT 1) AS facilitator
  FROM booking.org o WHERE slug = 'hudson-clay' \gset

\echo
\echo '== An instructor of the driving school, acting through the application role =='
\echo '   (SET ROLE booking_demo_app; SELECT booking.act_as(org, user); ...)'
BEGIN;
SET LOCAL ROLE booking_demo_app;
SELECT booking.act_as(:'drive', :'instructor') AS roles;
SELECT to_char(b.starts_at AT TIME ZONE 'Europe/Berlin', 'Dy DD Mon HH24:MI') AS local_start,
       s.name AS service, c.full_name AS student, b.status, b.pickup_address
  FROM booking.booking b
  JOIN booking.service s ON s.org_id = b.org_id AND s.id = b.service_id
  JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
 WHERE b.starts_at >= now() ORDER BY b.starts_at LIMIT 8;
SELECT count(*) AS bookings_visible_to_this_instructor,
       (SELECT count(DISTINCT resource_id) FROM booking.booking) AS instructors_seen
  FROM booking.booking;
\echo '   The drive between consecutive lessons (booking.travel_time: measured, or estimated):'
SELECT to_char(a.ends_at AT TIME ZONE 'Europe/Berlin', 'Dy HH24:MI') AS leaves,
       to_char(n.starts_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI') AS next_start,
       (extract(epoch FROM n.starts_at - a.ends_at) / 60)::int AS gap_minutes,
       t.minutes AS drive_minutes, t.distance_meters, t.source, t.reliability
  FROM booking.booking a
  JOIN LATERAL (SELECT * FROM booking.booking x WHERE x.resource_id = a.resource_id AND x.starts_at >= a.ends_at
                 ORDER BY x.starts_at LIMIT 1) n ON true
  CROSS JOIN LATERAL booking.travel_time(a.dropoff_point, n.pickup_point, a.ends_at) t
 WHERE a.starts_at >= now() AND n.starts_at < a.ends_at + interval '3 hours'
 ORDER BY a.starts_at LIMIT 6;
COMMIT;

\echo
\echo '== A student sees only their own bookings =='
BEGIN;
SET LOCAL ROLE booking_demo_app;
SELECT booking.act_as(:'drive', :'student') AS roles;
SELECT to_char(b.starts_at AT TIME ZONE 'Europe/Berlin', 'Dy DD Mon HH24:MI') AS local_start, r.display_name AS instructor,
       b.status, to_char(b.price_cents / 100.0, 'FM990.00') AS price_eur
  FROM booking.booking b JOIN booking.resource r ON r.org_id = b.org_id AND r.id = b.resource_id
 ORDER BY b.starts_at DESC LIMIT 5;
SELECT count(*) AS bookings_visible, (SELECT count(*) FROM booking.client) AS client_rows_visible FROM booking.booking;
COMMIT;

\echo
\echo '== A booking page: when can this student take a standard lesson, picked up at home? =='
\echo '   (booking.find_slots: every instructor, every rule, best first)'
BEGIN;
SET LOCAL ROLE booking_demo_app;
SELECT booking.act_as(:'drive', :'student') AS roles;
SELECT r.display_name AS instructor, to_char(f.starts_at AT TIME ZONE 'Europe/Berlin', 'Dy DD Mon HH24:MI') AS local_start,
       f.travel_minutes_before AS travel_before, f.travel_minutes_after AS travel_after, f.idle_minutes, f.score
  FROM booking.service s,
       booking.find_slots(s.id, tstzrange(date_trunc('day', now()) + interval '1 day', date_trunc('day', now()) + interval '4 days'),
                          booking.lat_lng(lat => 52.50, lng => 13.40)) f
  JOIN booking.resource r ON r.id = f.resource_id
 WHERE s.name = 'Standard lesson'
 LIMIT 6;
\echo '   Why not tomorrow at 07:00? (booking.explain_slot)'
SELECT e.reason, e.detail
  FROM booking.service s, booking.resource r,
       booking.explain_slot(r.id, s.id, ((now() AT TIME ZONE 'Europe/Berlin')::date + 1 + time '07:00') AT TIME ZONE 'Europe/Berlin',
                            booking.lat_lng(lat => 52.50, lng => 13.40)) e
 WHERE s.name = 'Standard lesson' AND r.display_name = 'Instructor 1';
COMMIT;

\echo
\echo '== A picture of an instructor''s busiest coming day (booking.day_svg), as its owner sees it =='
BEGIN;
SET LOCAL ROLE booking_demo_app;
SELECT booking.act_as(:'drive', :'owner') IS NOT NULL AS acting \g /dev/null
SELECT b.resource_id AS picture_resource, (b.starts_at AT TIME ZONE 'Europe/Berlin')::date AS picture_day
  FROM booking.booking b
 WHERE b.starts_at > date_trunc('day', now()) + interval '1 day' AND booking.status_occupies(b.status)
 GROUP BY 1, 2 ORDER BY count(*) DESC, 2, 1 LIMIT 1 \gset
SELECT id AS picture_service FROM booking.service WHERE name = 'Standard lesson' \gset
\pset format unaligned
\pset tuples_only on
\o build/demo-day.svg
SELECT booking.day_svg(:'picture_resource', :'picture_day', :'picture_service');
\o
\pset tuples_only off
\pset format aligned
SELECT r.display_name AS instructor, :'picture_day' AS day, 'build/demo-day.svg' AS written_to
  FROM booking.resource r WHERE r.id = :'picture_resource';
COMMIT;

\echo
\echo '== The student books the best slot in one call (booking.book_first_available), then asks for'
\echo '   a second lesson 15 minutes after it, picked up across town: the database refuses it =='
\set ON_ERROR_STOP off
\set VERBOSITY default
\set SHOW_CONTEXT never
BEGIN;
SET LOCAL ROLE booking_demo_app;
SELECT booking.act_as(:'drive', :'student') AS roles;
SELECT r.display_name AS instructor, to_char(b.starts_at AT TIME ZONE 'Europe/Berlin', 'Dy DD Mon HH24:MI') AS local_start,
       b.status, b.id AS first_id, b.resource_id AS first_resource, b.service_id AS first_service, b.client_id AS first_client,
       b.ends_at AS first_end
  FROM booking.service s
 CROSS JOIN LATERAL booking.book_first_available(s.id, tstzrange(date_trunc('day', now()) + interval '1 day', date_trunc('day', now()) + interval '4 days'),
                                                 booking.lat_lng(lat => 52.50, lng => 13.40)) b
  JOIN booking.resource r ON r.org_id = b.org_id AND r.id = b.resource_id
 WHERE s.name = 'Standard lesson' \gset
\echo '   booked:' :instructor :local_start :status
SAVEPOINT second_lesson;
SELECT id FROM booking.book(:'first_client', :'first_service', :'first_end'::timestamptz + interval '15 minutes', :'first_resource',
                            pickup_point => booking.lat_lng(lat => 52.40, lng => 13.70));
\echo '   SQLSTATE' :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT second_lesson;
COMMIT;  -- the first lesson stays booked: its events wait in the outbox for the relay below
\set ON_ERROR_STOP on
\set VERBOSITY default

\echo
\echo '== A facilitator of the studio: the bookings of their workshops, and their notifications =='
BEGIN;
SET LOCAL ROLE booking_demo_app;
SELECT booking.act_as(:'studio', :'facilitator') AS roles;
SELECT s.title, to_char(s.starts_at AT TIME ZONE 'America/New_York', 'Dy DD Mon HH24:MI') AS local_start,
       sum(b.seats) AS seats_taken, s.capacity
  FROM booking.session s JOIN booking.booking b ON b.org_id = s.org_id AND b.session_id = s.id
 WHERE s.starts_at >= now() GROUP BY s.org_id, s.id ORDER BY s.starts_at LIMIT 4;
SELECT count(*) FILTER (WHERE NOT delivered) AS undelivered_notifications, count(*) AS notifications FROM booking.notification;
COMMIT;

\echo
\echo '== The launch operator: launches, seats and invoices (superuser view) =='
SELECT s.title, p.name AS spaceport, sp.name AS supplier, to_char(s.starts_at, 'YYYY-MM-DD HH24:MI "UTC"') AS launch,
       sum(b.seats) AS seats_sold, s.capacity, count(i.id) AS customer_invoices
  FROM booking.session s
  JOIN booking.org o ON o.id = s.org_id AND o.slug = 'orbital-launch'
  JOIN booking.location p ON p.org_id = s.org_id AND p.id = s.location_id
  JOIN booking.resource r ON r.org_id = s.org_id AND r.id = s.resource_id
  JOIN booking.supplier sp ON sp.org_id = r.org_id AND sp.id = r.supplier_id
  LEFT JOIN booking.booking b ON b.org_id = s.org_id AND b.session_id = s.id
  LEFT JOIN booking.invoice i ON i.org_id = b.org_id AND i.booking_id = b.id
 GROUP BY s.org_id, s.id, p.name, sp.name ORDER BY s.starts_at LIMIT 6;

\echo
\echo '== Tenant isolation and bad input: each refused with a SQLSTATE =='
\set ON_ERROR_STOP off
\set VERBOSITY default
\set SHOW_CONTEXT never
BEGIN;
SET LOCAL ROLE booking_demo_app;
SELECT booking.act_as(:'drive', :'owner') AS roles;
SELECT count(*) AS studio_rows_visible_to_driving_school_owner FROM booking.session WHERE org_id = :'studio';
\echo '-- a driving-school owner writes a row into the studio:'
INSERT INTO booking.location (org_id, name) VALUES (:'studio', 'sneaky');
\echo '   SQLSTATE' :LAST_ERROR_SQLSTATE
ROLLBACK;
\echo '-- a time zone that is not an IANA zone:'
SELECT booking.create_org('Mars Base', 'Mars/Olympus_Mons', 'EUR', :'owner');
\echo '   SQLSTATE' :LAST_ERROR_SQLSTATE
\echo '-- an e-mail that differs only in case from an existing one:'
SELECT booking.register_user(upper(email), 'Copy') FROM booking.app_user ORDER BY email LIMIT 1;
\echo '   SQLSTATE' :LAST_ERROR_SQLSTATE
\echo '-- two overlapping lessons for one instructor:'
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency)
SELECT org_id, client_id, resource_id, service_id, starts_at + interval '10 min', ends_at + interval '10 min', currency
  FROM booking.booking WHERE org_id = :'drive' AND status = 'confirmed' ORDER BY starts_at LIMIT 1;
\echo '   SQLSTATE' :LAST_ERROR_SQLSTATE
