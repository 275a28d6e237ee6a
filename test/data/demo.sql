-- test/data/demo.sql: a realistic, deterministic data set for three tenants.
--
--   psql -v scale=1 -f test/data/demo.sql
--
-- A driving school in Europe/Berlin (reference vertical), a workshop studio
-- in America/New_York and a launch operator in UTC.  Run as a superuser (it
-- writes every tenant's rows).  scale multiplies the number of people and
-- bookings (1: about 800 users and 4,000 bookings).  Bookings start from the
-- Monday of the current week, four weeks back and four weeks ahead.
\set ON_ERROR_STOP on
\if :{?scale}
\else
  \set scale 1
\endif
SET client_min_messages = warning;
SELECT setseed(0.42) \gset

BEGIN;

-- Users: everyone in one table, tagged by what they will become.
CREATE TEMP TABLE demo_user AS
SELECT booking.register_user(
         format('%s.%s@%s.example', kind, n, org), initcap(kind) || ' ' || n) AS id,
       org, kind, n
  FROM (VALUES ('drive', 'owner', 1), ('drive', 'staff', 2), ('drive', 'instructor', 20 * :scale),
               ('drive', 'student', 300 * :scale), ('drive', 'guardian', 50 * :scale),
               ('studio', 'owner', 1), ('studio', 'facilitator', 8 * :scale), ('studio', 'participant', 200 * :scale),
               ('launch', 'owner', 1), ('launch', 'staff', 3), ('launch', 'supplier', 2),
               ('launch', 'customer', 150 * :scale)) AS k(org, kind, cnt),
       generate_series(1, cnt) AS n;

CREATE TEMP TABLE demo_org AS
SELECT 'drive' AS org, booking.create_org('Fahrschule Spree', 'Europe/Berlin', 'EUR',
         (SELECT id FROM demo_user WHERE org = 'drive' AND kind = 'owner'), 'fahrschule-spree') AS id
UNION ALL
SELECT 'studio', booking.create_org('Hudson Clay Studio', 'America/New_York', 'USD',
         (SELECT id FROM demo_user WHERE org = 'studio' AND kind = 'owner'), 'hudson-clay')
UNION ALL
SELECT 'launch', booking.create_org('Orbital Launch Co', 'UTC', 'USD',
         (SELECT id FROM demo_user WHERE org = 'launch' AND kind = 'owner'), 'orbital-launch');
UPDATE booking.org SET min_notice_minutes = 720, booking_horizon_days = 60, platform_fee_bps = 1500
 WHERE id = (SELECT id FROM demo_org WHERE org = 'drive');

INSERT INTO booking.membership (org_id, user_id, role)
SELECT o.id, u.id,
       CASE u.kind WHEN 'staff' THEN 'staff' WHEN 'instructor' THEN 'instructor'
                   WHEN 'facilitator' THEN 'instructor' WHEN 'supplier' THEN 'instructor'
                   WHEN 'guardian' THEN 'guardian' ELSE 'student' END::booking.org_role
  FROM demo_user u JOIN demo_org o USING (org)
 WHERE u.kind <> 'owner';

----------------------------------------------------------------------------
-- Driving school
----------------------------------------------------------------------------
CREATE TEMP TABLE d AS SELECT id AS org_id FROM demo_org WHERE org = 'drive';

INSERT INTO booking.service (org_id, name, lesson_type, duration_minutes, buffer_after_minutes)
SELECT org_id, s.name, s.lt, s.dur, 10 FROM d,
  (VALUES ('Standard lesson', 'standard', 45), ('Double lesson', 'standard', 90),
          ('Highway drive', 'highway', 90), ('Night drive', 'night', 45),
          ('Exam preparation', 'exam', 60)) AS s(name, lt, dur);

INSERT INTO booking.rate_card (org_id, name, currency, is_default)
SELECT org_id, 'Standard 2026', 'EUR', true FROM d;
INSERT INTO booking.rate_card_item (org_id, rate_card_id, service_id, price_cents)
SELECT s.org_id, r.id, s.id, s.duration_minutes * 120
  FROM booking.service s JOIN booking.rate_card r USING (org_id) JOIN d USING (org_id);

INSERT INTO booking.resource (org_id, kind, display_name, user_id, license_classes, home_base, home_base_address, payout_account)
SELECT d.org_id, 'instructor', 'Instructor ' || u.n, u.id,
       CASE WHEN u.n % 4 = 0 THEN '{B,BE,A2}' ELSE '{B}' END::text[],
       ST_SetSRID(ST_MakePoint(13.30 + random() * 0.2, 52.45 + random() * 0.12), 4326)::geography,
       'Depot ' || u.n || ', Berlin', 'acct_drive_' || u.n
  FROM demo_user u, d WHERE u.org = 'drive' AND u.kind = 'instructor';

INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, break, max_bookings_per_day, travel_buffer_minutes)
SELECT r.org_id, r.id, wd, '[08:00,18:30)'::booking.timerange, '[12:00,13:00)'::booking.timerange, 6, 10
  FROM booking.resource r JOIN d USING (org_id), generate_series(1, 5) wd
UNION ALL
SELECT r.org_id, r.id, 6, '[09:00,14:00)', NULL, 3, 10
  FROM booking.resource r JOIN d USING (org_id);

INSERT INTO booking.availability_exception (org_id, resource_id, on_date, available, hours, note)
SELECT r.org_id, r.id, date_trunc('week', now())::date + (random() * 40)::int - 14, false, NULL, 'day off'
  FROM booking.resource r JOIN d USING (org_id)
ON CONFLICT DO NOTHING;

INSERT INTO booking.client (org_id, user_id, full_name, email, date_of_birth, license_type)
SELECT d.org_id, u.id, 'Student ' || u.n, format('student.%s@drive.example', u.n),
       date '1990-01-01' + (random() * 6000)::int, CASE WHEN u.n % 10 = 0 THEN 'A2' ELSE 'B' END
  FROM demo_user u, d WHERE u.org = 'drive' AND u.kind = 'student';

INSERT INTO booking.guardian (org_id, user_id, full_name, email)
SELECT d.org_id, u.id, 'Guardian ' || u.n, format('guardian.%s@drive.example', u.n)
  FROM demo_user u, d WHERE u.org = 'drive' AND u.kind = 'guardian';
-- the youngest students get a guardian with consent
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id, relationship, consent_given_at)
SELECT c.org_id, c.id, g.id, 'parent', now() - interval '30 days'
  FROM (SELECT c.*, row_number() OVER (ORDER BY date_of_birth DESC, id) rn
          FROM booking.client c JOIN d USING (org_id)) c
  JOIN (SELECT g.*, row_number() OVER (ORDER BY full_name) rn
          FROM booking.guardian g JOIN d USING (org_id)) g ON g.rn = c.rn;

INSERT INTO booking.license_rule (org_id, client_license_type, lesson_type, required_resource_license,
                                  min_client_age, min_duration_minutes, max_duration_minutes, requires_parental_consent)
SELECT org_id, lt, ls, req, age, 45, 90, age < 18 FROM d,
  (VALUES ('B', 'standard', 'B', 17), ('B', 'highway', 'B', 17), ('B', 'night', 'B', 17),
          ('B', 'exam', 'B', 17), ('A2', 'standard', 'A2', 18)) AS r(lt, ls, req, age);

INSERT INTO booking.cancellation_policy (org_id, actor, hours_before_start, refund_percentage, fee_cents, description)
SELECT org_id, a::booking.cancellation_actor, h, pct, fee, descr FROM d,
  (VALUES ('student', 48, 100, 0, 'free until 48 h before'), ('student', 24, 50, 1000, 'half refund until 24 h before'),
          ('student', 0, 0, 2500, 'no refund later'), ('guardian', 24, 100, 0, 'free until 24 h before'),
          ('guardian', 0, 0, 2500, 'no refund later'), ('instructor', 0, 100, 0, 'instructor cancels: full refund'),
          ('admin', 0, 100, 0, 'admin cancels: full refund')) AS p(a, h, pct, fee, descr);

-- Appointments: on working days, slots two hours apart; about four a day.
CREATE TEMP TABLE drive_slot AS
SELECT r.org_id, r.id AS resource_id, day::date AS day, t AS local_start
  FROM booking.resource r JOIN d USING (org_id),
       generate_series(date_trunc('week', now()) - interval '28 days',
                       date_trunc('week', now()) + interval '27 days', interval '1 day') day,
       unnest('{08:00,10:00,13:00,15:00,17:00}'::time[]) t
 WHERE extract(isodow FROM day) <= 5
   AND NOT EXISTS (SELECT 1 FROM booking.availability_exception e
                    WHERE e.org_id = r.org_id AND e.resource_id = r.id AND e.on_date = day::date)
   AND random() < 0.8;

INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, status,
                             pickup_address, pickup_point, dropoff_address, dropoff_point,
                             currency, price_cents, platform_fee_cents, resource_share_cents, created_at)
SELECT x.org_id, x.client_id, x.resource_id, x.service_id, x.starts_at,
       x.starts_at + make_interval(mins => x.duration_minutes),
       CASE WHEN x.starts_at > now() THEN (CASE WHEN random() < 0.8 THEN 'confirmed' ELSE 'pending' END)
            ELSE (CASE WHEN random() < 0.86 THEN 'completed' WHEN random() < 0.5 THEN 'no_show' ELSE 'cancelled' END)
       END::booking.booking_status,
       'Pickup ' || x.n || ', Berlin', x.pickup, 'Dropoff ' || x.n || ', Berlin', x.pickup,
       'EUR', x.price, x.price * 15 / 100, x.price - x.price * 15 / 100,
       x.starts_at - interval '10 days'
  FROM (SELECT s.org_id, s.resource_id, row_number() OVER () AS n,
               (s.day + s.local_start) AT TIME ZONE 'Europe/Berlin' AS starts_at,
               (SELECT c.id FROM booking.client c WHERE c.org_id = s.org_id
                 ORDER BY c.id OFFSET floor(random() * 300 * :scale)::int LIMIT 1) AS client_id,
               sv.id AS service_id, sv.duration_minutes, i.price_cents AS price,
               ST_SetSRID(ST_MakePoint(13.25 + random() * 0.3, 52.42 + random() * 0.18), 4326)::geography AS pickup
          FROM drive_slot s
          CROSS JOIN LATERAL (SELECT * FROM booking.service v
                               WHERE v.org_id = s.org_id AND v.duration_minutes <= 90
                                 AND s.resource_id IS NOT NULL
                               ORDER BY v.id OFFSET floor(random() * 5)::int LIMIT 1) sv
          JOIN booking.rate_card_item i ON i.org_id = sv.org_id AND i.service_id = sv.id) x;

UPDATE booking.booking b SET cancelled_at = b.starts_at - interval '30 hours', cancellation_reason = 'ill',
       cancelled_by = c.user_id, previous_status = 'confirmed', status_changed_at = b.starts_at - interval '30 hours',
       status_changed_by = c.user_id
  FROM booking.client c
 WHERE c.org_id = b.org_id AND c.id = b.client_id AND b.status = 'cancelled';

INSERT INTO booking.status_history (org_id, booking_id, from_status, to_status, actor_user_id, reason, created_at)
SELECT b.org_id, b.id, NULL::booking.booking_status, 'pending'::booking.booking_status, b.created_by, 'booked', b.created_at FROM booking.booking b JOIN d USING (org_id)
UNION ALL
SELECT b.org_id, b.id, 'pending', 'confirmed', NULL::uuid, 'confirmed by staff', b.created_at + interval '1 hour'
  FROM booking.booking b JOIN d USING (org_id) WHERE b.status <> 'pending'
UNION ALL
SELECT b.org_id, b.id, 'confirmed', b.status, NULL, NULL, b.ends_at
  FROM booking.booking b JOIN d USING (org_id) WHERE b.status IN ('completed', 'no_show', 'cancelled');

INSERT INTO booking.payment (org_id, booking_id, status, currency, amount_cents, platform_fee_cents,
                             resource_share_cents, refunded_cents, provider_payment_id)
SELECT org_id, id, CASE status WHEN 'cancelled' THEN 'partially_refunded' ELSE 'succeeded' END::booking.payment_status,
       currency, price_cents, platform_fee_cents, resource_share_cents,
       CASE status WHEN 'cancelled' THEN price_cents / 2 ELSE 0 END, 'pi_' || replace(id::text, '-', '')
  FROM booking.booking JOIN d USING (org_id) WHERE status <> 'pending';

INSERT INTO booking.payout (org_id, resource_id, booking_id, currency, amount_cents, status, provider_transfer_id, paid_at)
SELECT org_id, resource_id, id, currency, resource_share_cents, 'paid', 'tr_' || replace(id::text, '-', ''), ends_at + interval '2 days'
  FROM booking.booking JOIN d USING (org_id) WHERE status = 'completed' AND ends_at < now() - interval '2 days';

INSERT INTO booking.lesson (org_id, booking_id, started_at, ended_at, rating)
SELECT org_id, id, starts_at + interval '3 min', ends_at - interval '2 min', 3 + (random() * 2)::int
  FROM booking.booking JOIN d USING (org_id) WHERE status = 'completed';
INSERT INTO booking.trip (org_id, lesson_id, started_at, ended_at)
SELECT org_id, id, started_at, ended_at FROM booking.lesson JOIN d USING (org_id) WHERE random() < 0.1;
-- from 0.2.0 trip_point is partitioned by month: make the months' partitions first
DO $$
BEGIN
  IF to_regprocedure('booking.trip_point_partition(timestamptz)') IS NOT NULL THEN
    EXECUTE 'SELECT count(booking.trip_point_partition(m)) FROM (SELECT DISTINCT date_trunc(''month'', started_at) AS m FROM booking.trip
             UNION SELECT DISTINCT date_trunc(''month'', started_at + interval ''40 minutes'') FROM booking.trip) x';
  END IF;
END $$;
INSERT INTO booking.trip_point (org_id, trip_id, ts, point, speed_kph)
SELECT t.org_id, t.id, t.started_at + make_interval(mins => k * 2),
       ST_SetSRID(ST_MakePoint(13.40 + k * 0.004 + random() * 0.001, 52.50 + k * 0.002), 4326)::geography,
       20 + random() * 40
  FROM booking.trip t JOIN d USING (org_id), generate_series(0, 20) k;
UPDATE booking.lesson l SET distance_meters = booking.lesson_distance(l.org_id, l.id)
  FROM d WHERE l.org_id = d.org_id AND EXISTS (SELECT 1 FROM booking.trip t WHERE t.org_id = l.org_id AND t.lesson_id = l.id);

INSERT INTO booking.scheduled_transition (org_id, booking_id, to_status, execute_at, reason)
SELECT org_id, id, 'no_show', starts_at + interval '15 min', 'no-show check'
  FROM booking.booking JOIN d USING (org_id) WHERE status = 'confirmed';

INSERT INTO booking.message (org_id, to_address, channel, template_key, subject, status, related_type, related_id)
SELECT b.org_id, c.email, 'email', 'booking_confirmed', 'Your lesson is confirmed', 'sent', 'booking', b.id
  FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
  JOIN d ON d.org_id = b.org_id
 WHERE b.status = 'confirmed';

----------------------------------------------------------------------------
-- Workshop studio: facilitators run sessions with seats; participants book.
----------------------------------------------------------------------------
CREATE TEMP TABLE s AS SELECT id AS org_id FROM demo_org WHERE org = 'studio';

INSERT INTO booking.service (org_id, name, lesson_type, duration_minutes, default_capacity)
SELECT org_id, v.name, v.lt, v.dur, v.cap FROM s,
  (VALUES ('Wheel throwing', 'workshop', 120, 10), ('Glazing', 'workshop', 90, 12),
          ('Weekend retreat', 'retreat', 480, 16)) AS v(name, lt, dur, cap);
INSERT INTO booking.location (org_id, name, kind, address, point)
SELECT org_id, 'Studio Hudson St', 'studio', '500 Hudson St, New York',
       ST_SetSRID(ST_MakePoint(-74.0071, 40.7323), 4326)::geography FROM s;
INSERT INTO booking.resource (org_id, kind, display_name, user_id)
SELECT s.org_id, 'facilitator', 'Facilitator ' || u.n, u.id
  FROM demo_user u, s WHERE u.org = 'studio' AND u.kind = 'facilitator';
INSERT INTO booking.client (org_id, user_id, full_name, email)
SELECT s.org_id, u.id, 'Participant ' || u.n, format('participant.%s@studio.example', u.n)
  FROM demo_user u, s WHERE u.org = 'studio' AND u.kind = 'participant';

INSERT INTO booking.session (org_id, resource_id, service_id, location_id, title, starts_at, ends_at, capacity, currency, price_cents)
SELECT r.org_id, r.id, v.id, l.id, v.name || ' with ' || r.display_name,
       (day::date + time '18:00') AT TIME ZONE 'America/New_York',
       (day::date + time '18:00') AT TIME ZONE 'America/New_York' + make_interval(mins => v.duration_minutes),
       v.default_capacity, 'USD', 4500
  FROM booking.resource r JOIN s USING (org_id)
  JOIN booking.location l USING (org_id)
  CROSS JOIN generate_series(date_trunc('week', now()) - interval '28 days',
                             date_trunc('week', now()) + interval '27 days', interval '7 days') day
  CROSS JOIN LATERAL (SELECT * FROM booking.service v WHERE v.org_id = r.org_id AND v.lesson_type = 'workshop'
                       ORDER BY v.name OFFSET (extract(week FROM day)::int % 2) LIMIT 1) v;

-- each session gets seats from distinct participants, never beyond capacity
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, session_id, seats, starts_at, ends_at,
                             status, currency, price_cents, resource_share_cents)
SELECT ss.org_id, c.id, ss.resource_id, ss.service_id, ss.id, 1, ss.starts_at, ss.ends_at,
       CASE WHEN ss.starts_at < now() THEN 'completed' ELSE 'confirmed' END::booking.booking_status,
       'USD', ss.price_cents, ss.price_cents
  FROM booking.session ss JOIN s USING (org_id)
  CROSS JOIN LATERAL (SELECT c.id FROM booking.client c WHERE c.org_id = ss.org_id
                       ORDER BY md5(c.id::text || ss.id::text)
                       LIMIT floor(random() * ss.capacity)::int + 1) c;

INSERT INTO booking.notification (org_id, user_id, booking_id, kind, payload, delivered, delivered_at)
SELECT b.org_id, r.user_id, b.id, 'booking.created',
       jsonb_build_object('session', ss.title, 'starts_at', ss.starts_at),
       b.starts_at < now(), CASE WHEN b.starts_at < now() THEN b.created_at END
  FROM booking.booking b JOIN s USING (org_id)
  JOIN booking.session ss ON ss.org_id = b.org_id AND ss.id = b.session_id
  JOIN booking.resource r ON r.org_id = ss.org_id AND r.id = ss.resource_id;

----------------------------------------------------------------------------
-- Launch operator: suppliers own rockets; launches leave from spaceports;
-- customers book seats; every booking and every launch is invoiced.
----------------------------------------------------------------------------
CREATE TEMP TABLE l AS SELECT id AS org_id FROM demo_org WHERE org = 'launch';

INSERT INTO booking.supplier (org_id, name, user_id, contact_email)
SELECT l.org_id, 'Supplier ' || u.n, u.id, format('ops%s@supplier.example', u.n)
  FROM demo_user u, l WHERE u.org = 'launch' AND u.kind = 'supplier';
INSERT INTO booking.resource (org_id, kind, display_name, supplier_id, seats, user_id)
SELECT sp.org_id, 'rocket', 'Rocket ' || sp.name || '-' || k, sp.id, 4 + k * 2, CASE WHEN k = 1 THEN sp.user_id END
  FROM booking.supplier sp JOIN l USING (org_id), generate_series(1, 2) k;
INSERT INTO booking.location (org_id, name, kind, point)
SELECT org_id, p.name, 'spaceport', ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography FROM l,
  (VALUES ('Kourou', -52.77, 5.24), ('Cape Canaveral', -80.60, 28.49), ('Esrange', 21.10, 67.89)) AS p(name, lon, lat);
INSERT INTO booking.service (org_id, name, lesson_type, duration_minutes, default_capacity)
SELECT org_id, 'Suborbital seat', 'suborbital', 180, 6 FROM l;
INSERT INTO booking.client (org_id, user_id, full_name, email, date_of_birth)
SELECT l.org_id, u.id, 'Customer ' || u.n, format('customer.%s@launch.example', u.n), date '1970-01-01' + (random() * 12000)::int
  FROM demo_user u, l WHERE u.org = 'launch' AND u.kind = 'customer';

INSERT INTO booking.session (org_id, resource_id, service_id, location_id, title, starts_at, ends_at, capacity, currency, price_cents)
SELECT r.org_id, r.id, v.id, p.id, 'Launch ' || r.display_name || ' #' || k,
       date_trunc('week', now()) + make_interval(days => k * 3 - 20, hours => 14),
       date_trunc('week', now()) + make_interval(days => k * 3 - 20, hours => 17),
       r.seats, 'USD', 25000000
  FROM booking.resource r JOIN l USING (org_id)
  JOIN booking.service v USING (org_id)
  CROSS JOIN generate_series(1, 5) k
  CROSS JOIN LATERAL (SELECT id FROM booking.location x WHERE x.org_id = r.org_id ORDER BY name OFFSET k % 3 LIMIT 1) p;

INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, session_id, seats, starts_at, ends_at,
                             status, currency, price_cents, platform_fee_cents, resource_share_cents)
SELECT ss.org_id, c.id, ss.resource_id, ss.service_id, ss.id, 1, ss.starts_at, ss.ends_at,
       CASE WHEN ss.starts_at < now() THEN 'completed' ELSE 'confirmed' END::booking.booking_status,
       'USD', ss.price_cents, ss.price_cents / 10, ss.price_cents - ss.price_cents / 10
  FROM booking.session ss JOIN l USING (org_id)
  CROSS JOIN LATERAL (SELECT c.id FROM booking.client c WHERE c.org_id = ss.org_id
                       ORDER BY md5(c.id::text || ss.id::text) LIMIT ss.capacity - 1) c;

INSERT INTO booking.invoice (org_id, number, booking_id, client_id, currency, amount_cents, status, issued_at)
SELECT b.org_id, 'C-' || lpad(row_number() OVER (ORDER BY b.starts_at, b.id)::text, 6, '0'), b.id, b.client_id,
       b.currency, b.price_cents, 'issued', b.created_at
  FROM booking.booking b JOIN l USING (org_id);
INSERT INTO booking.invoice (org_id, number, session_id, supplier_id, currency, amount_cents, status, issued_at)
SELECT ss.org_id, 'S-' || lpad(row_number() OVER (ORDER BY ss.starts_at, ss.id)::text, 6, '0'), ss.id, r.supplier_id,
       'USD', (SELECT sum(b.resource_share_cents) FROM booking.booking b WHERE b.org_id = ss.org_id AND b.session_id = ss.id),
       'issued', ss.ends_at
  FROM booking.session ss JOIN l USING (org_id)
  JOIN booking.resource r ON r.org_id = ss.org_id AND r.id = ss.resource_id;

INSERT INTO booking.webhook_event (org_id, provider, event_id, event_type, payload)
SELECT org_id, 'stripe', 'evt_' || g, 'payment_intent.succeeded', jsonb_build_object('n', g)
  FROM l, generate_series(1, 20) g;
INSERT INTO booking.outbox (org_id, topic, payload)
SELECT org_id, 'booking.confirmed', jsonb_build_object('booking_id', id)
  FROM booking.booking JOIN l USING (org_id) WHERE status = 'confirmed';

-- Travel times of the driving school: tuned settings (a wider detour in a
-- city of rivers and canals, 10-minute floor) and measured times between
-- the pickup points of each instructor's consecutive lessons, valid for 30
-- days; a few measured long ago have expired and fall back to the estimate.
INSERT INTO booking.travel_setting (org_id, geohash_precision, detour_factor, min_minutes)
SELECT org_id, 7, 1.4, 10 FROM d;
INSERT INTO booking.travel_time_cache (org_id, from_point, to_point, driving_minutes, distance_meters,
                                       traffic_multiplier, peak_hour_multiplier, cache_valid_until,
                                       last_updated, source, reliability)
SELECT DISTINCT ON (ST_GeoHash(a.dropoff_point::geometry, 7), ST_GeoHash(b.pickup_point::geometry, 7))
       a.org_id, a.dropoff_point, b.pickup_point,
       5 + ceil(ST_Distance(a.dropoff_point, b.pickup_point) * 1.35 / 450)::int,
       ceil(ST_Distance(a.dropoff_point, b.pickup_point) * 1.35)::int, 1.05, 1.4,
       CASE WHEN a.id::text < '1' THEN now() - interval '10 days' ELSE now() + interval '30 days' END,
       CASE WHEN a.id::text < '1' THEN now() - interval '40 days' ELSE now() END,
       'survey', 'high'
  FROM booking.booking a JOIN d USING (org_id)
  JOIN LATERAL (SELECT * FROM booking.booking n
                 WHERE n.org_id = a.org_id AND n.resource_id = a.resource_id AND n.starts_at >= a.ends_at
                   AND n.starts_at < a.ends_at + interval '4 hours'
                 ORDER BY n.starts_at LIMIT 1) b ON true
 WHERE NOT ST_Equals(a.dropoff_point::geometry, b.pickup_point::geometry)
 ORDER BY ST_GeoHash(a.dropoff_point::geometry, 7), ST_GeoHash(b.pickup_point::geometry, 7), a.id;

COMMIT;
ANALYZE;
