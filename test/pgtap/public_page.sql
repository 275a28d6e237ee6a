-- The public booking page (issue 19, point 4), as the real visitor role: a
-- role given booking.grant_visitor_role, no membership, no identity, no
-- table privilege.  It sees the published services and free slots of a
-- published org by its slug and nothing else, books under an idempotency
-- key through the write path, is never attached to an existing user by
-- e-mail (a returning visitor books as the client the page made for them,
-- which it neither updates nor reveals), and bad input is refused with its
-- SQLSTATE, nothing written.
BEGIN;
SET client_min_messages = warning;
-- day 0 is a Monday three weeks ahead (test/sql/include/week.psql)
\i test/sql/include/week.psql

CREATE ROLE regress_tap_visitor;
SELECT booking.grant_visitor_role('regress_tap_visitor');

-- Org A (page-a): published, resource names not published; services
-- Lesson (published, priced), Draft (not published), Retired (published,
-- inactive); resources R1 and R2, 09:00-12:00 every day.  Org B (page-b):
-- not published.  Org C (page-c): published, with a service of its own.
-- A person already registered: taken@example.com, a client of org A.
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000019a1', 'owner.a@page.example', 'Owner A'),
  ('00000000-0000-0000-0000-0000000019a2', 'taken@example.com', 'Taken Person'),
  ('00000000-0000-0000-0000-0000000019a3', 'owner.b@page.example', 'Owner B'),
  ('00000000-0000-0000-0000-0000000019a4', 'owner.c@page.example', 'Owner C');
INSERT INTO booking.org (id, name, slug, time_zone, currency, min_notice_minutes, published,
                         service_area_center, service_area_radius_meters) VALUES
  ('00000000-0000-0000-0000-00000000190a', 'Page A', 'page-a', 'Europe/Berlin', 'EUR', 0, true,
   booking.lat_lng(lat => 52.52, lng => 13.405), 50000),
  ('00000000-0000-0000-0000-00000000190b', 'Page B', 'page-b', 'Europe/Berlin', 'EUR', 0, false, NULL, NULL),
  ('00000000-0000-0000-0000-00000000190c', 'Page C', 'page-c', 'Europe/Berlin', 'EUR', 0, true, NULL, NULL);
DO $$ BEGIN PERFORM booking.seed_lifecycle_defaults(id) FROM booking.org WHERE slug LIKE 'page-_'; END $$;
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019a1', 'owner'),
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019a2', 'student'),
  ('00000000-0000-0000-0000-00000000190b', '00000000-0000-0000-0000-0000000019a3', 'owner'),
  ('00000000-0000-0000-0000-00000000190c', '00000000-0000-0000-0000-0000000019a4', 'owner');
INSERT INTO booking.client (org_id, id, user_id, full_name, email) VALUES
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019d2', '00000000-0000-0000-0000-0000000019a2', 'Taken Person', 'taken@example.com');
INSERT INTO booking.service (org_id, id, name, duration_minutes, published, active) VALUES
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019b1', 'Lesson', 60, true, true),
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019b2', 'Draft', 60, false, true),
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019b3', 'Retired', 60, true, false),
  ('00000000-0000-0000-0000-00000000190b', '00000000-0000-0000-0000-0000000019bb', 'Hidden', 60, true, true),
  ('00000000-0000-0000-0000-00000000190c', '00000000-0000-0000-0000-0000000019bc', 'Other', 60, true, true);
INSERT INTO booking.rate_card (org_id, id, name, currency, is_default) VALUES
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019e1', 'Card', 'EUR', true);
INSERT INTO booking.rate_card_item (org_id, rate_card_id, service_id, price_cents) VALUES
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019e1', '00000000-0000-0000-0000-0000000019b1', 5000),
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019e1', '00000000-0000-0000-0000-0000000019b2', 5000),
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019e1', '00000000-0000-0000-0000-0000000019b3', 5000);
INSERT INTO booking.resource (org_id, id, display_name) VALUES
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019c1', 'Ingo'),
  ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019c2', 'Jana'),
  ('00000000-0000-0000-0000-00000000190b', '00000000-0000-0000-0000-0000000019cb', 'Bert'),
  ('00000000-0000-0000-0000-00000000190c', '00000000-0000-0000-0000-0000000019cc', 'Carl');
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT r.org_id, r.id, d, '[09:00,12:00)' FROM booking.resource r CROSS JOIN generate_series(1, 7) d
 WHERE r.org_id IN ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-00000000190b', '00000000-0000-0000-0000-00000000190c');

-- A session of Lesson on R2 on day 1, 3 seats at 20.00 each.
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency, price_cents)
VALUES ('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019f5', '00000000-0000-0000-0000-0000000019c2',
        '00000000-0000-0000-0000-0000000019b1', 'Theory evening', pg_temp.at(1, '10:00'), pg_temp.at(1, '11:00'), 3, 'EUR', 2000);

-- What exists, counted by the test's superuser for the visitor's checks:
-- clients, users, memberships, bookings.
CREATE FUNCTION pg_temp.written() RETURNS bigint[] LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT ARRAY[(SELECT count(*) FROM booking.client), (SELECT count(*) FROM booking.app_user),
               (SELECT count(*) FROM booking.membership), (SELECT count(*) FROM booking.booking)] $$;
-- what was written since: {clients, users, memberships, bookings}
CREATE FUNCTION pg_temp.since(before bigint[]) RETURNS bigint[] LANGUAGE sql STABLE AS $$
  SELECT array_agg(n - b ORDER BY i) FROM unnest(pg_temp.written(), before) WITH ORDINALITY AS x(n, b, i) $$;
CREATE FUNCTION pg_temp.day0() RETURNS tstzrange LANGUAGE sql STABLE AS $$ SELECT tstzrange(pg_temp.at(0, '00:00'), pg_temp.at(1, '00:00')) $$;
SELECT pg_temp.written() AS before \gset

SET ROLE regress_tap_visitor;
SELECT plan(78);

-- What the visitor role may do.
SELECT ok(has_function_privilege('booking.public_services(text)', 'EXECUTE')
          AND has_function_privilege('booking.public_slots(text,uuid,tstzrange,booking.point,integer,timestamptz,uuid)', 'EXECUTE')
          AND has_function_privilege('booking.public_sessions(text,uuid,tstzrange,integer,timestamptz,uuid)', 'EXECUTE')
          AND has_function_privilege('booking.public_book(text,uuid,timestamptz,text,text,text,uuid,uuid,integer,booking.point,text,text,text)', 'EXECUTE'),
          'the visitor role may call public_services, public_slots, public_sessions and public_book');
SELECT ok(NOT has_function_privilege('booking.act_as(uuid,uuid)', 'EXECUTE'), 'the visitor role may not call act_as');
SELECT ok(NOT has_function_privilege('booking.public_page_act(uuid)', 'EXECUTE'),
          'nor the internal helper that takes an owner''s identity');
SELECT is_empty($$
  SELECT c.oid::regclass FROM pg_class c
   WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p', 'v')
     AND has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE')
$$, 'the visitor role has no privilege on any table or view of booking');
SELECT throws_ok($$SELECT count(*) FROM booking.client$$, '42501', NULL, 'it reads no table directly');
SELECT throws_ok($$SELECT booking.act_as('00000000-0000-0000-0000-00000000190a', '00000000-0000-0000-0000-0000000019a1')$$,
                 '42501', NULL, 'and takes no identity');

-- Services.
SELECT results_eq($$SELECT name, duration_minutes, price_cents, currency FROM booking.public_services('page-a')$$,
                  $$VALUES ('Lesson'::text, 60, 5000::bigint, 'EUR'::text)$$,
                  'public_services lists the published, active services of the org with their price');
SELECT throws_ok($$SELECT * FROM booking.public_services('page-b')$$, 'P0002', 'no public booking page for ''page-b''',
                 'an org that is not published has no page');
SELECT throws_ok($$SELECT * FROM booking.public_services('no-such-org')$$, 'P0002', 'no public booking page for ''no-such-org''',
                 'an unknown slug gets the same answer');
SELECT throws_ok($$SELECT * FROM booking.public_services(NULL)$$, '22004', NULL, 'a null slug is refused');

-- Slots: R1 and R2 offer 09:00 to 11:00 every 15 minutes.
SELECT is((SELECT count(*) FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 500)),
          18::bigint, 'public_slots: 9 starts on each of the two resources');
SELECT is((SELECT count(*) FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 500)
            WHERE resource_name IS NOT NULL), 0::bigint, 'resources are not named while the org does not publish names');
SELECT results_eq($$SELECT starts_at, resource_id FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 5)$$,
                  $$SELECT starts_at, resource_id FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 500) LIMIT 5$$,
                  'a page of 5 is the first 5, by start then resource');
SELECT starts_at AS last_at, resource_id AS last_resource
  FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 5) OFFSET 4 \gset
SELECT results_eq(format($$SELECT starts_at, resource_id FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 5, after_starts_at => %L, after_resource_id => %L)$$,
                         :'last_at', :'last_resource'),
                  $$SELECT starts_at, resource_id FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 500) OFFSET 5 LIMIT 5$$,
                  'the next page continues after the last row of the first (keyset)');
RESET ROLE;
UPDATE booking.org SET publishes_resource_names = true WHERE slug = 'page-a';
SET ROLE regress_tap_visitor;
SELECT results_eq($$SELECT DISTINCT resource_name FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 500) ORDER BY 1$$,
                  $$VALUES ('Ingo'::text), ('Jana')$$, 'an org that publishes names shows each slot''s resource name');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => -1)$$,
                 '22023', 'page_size must be between 1 and 500, not -1', 'a negative page size is refused');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 0)$$,
                 '22023', NULL, 'a page size of 0 is refused');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', tstzrange(now(), now() + interval '40 days'))$$,
                 '22023', 'during must be a bounded range of at most 31 days', 'a range over 31 days is refused');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', tstzrange(now(), NULL))$$,
                 '22023', NULL, 'an unbounded range is refused');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 5, after_starts_at => now())$$,
                 '22023', NULL, 'half a cursor is refused');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b2', pg_temp.day0())$$,
                 'P0002', NULL, 'an unpublished service has no slots');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b3', pg_temp.day0())$$,
                 'P0002', NULL, 'nor has an inactive one');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019bc', pg_temp.day0())$$,
                 'P0002', NULL, 'another org''s service is not on this page');
SELECT throws_ok($$SELECT * FROM booking.public_slots('page-b', '00000000-0000-0000-0000-0000000019bb', pg_temp.day0())$$,
                 'P0002', NULL, 'a published service of an unpublished org has no slots');
SELECT is(booking.current_org_id(), NULL, 'no identity outlives the call');

-- Booking.
SELECT results_eq($$SELECT status::text, starts_at = pg_temp.at(0, '10:00'), ends_at = pg_temp.at(0, '11:00'), resource_name, price_cents, currency
                      FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '10:00'),
                                               email => 'ann@example.com', full_name => 'Ann Visitor', phone => '+49 30 1234',
                                               resource_id => '00000000-0000-0000-0000-0000000019c1', idempotency_key => 'form-1')$$,
                  $$VALUES ('pending'::text, true, true, 'Ingo'::text, 5000::bigint, 'EUR'::text)$$,
                  'a visitor books a published service: pending, priced, at the time asked');
SELECT is(pg_temp.since(:'before'), '{1,1,1,1}'::bigint[],
          'one client, one user, one membership and one booking were written');
SELECT is(booking.current_org_id(), NULL, 'and no identity outlives the booking');
SELECT booking_id AS first_booking FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '10:00'),
       email => 'ANN@example.com', full_name => 'Ann Visitor', phone => '+49 30 1234',
       resource_id => '00000000-0000-0000-0000-0000000019c1', idempotency_key => 'form-1') \gset
SELECT pg_temp.written() AS after_first \gset
SELECT is((SELECT booking_id FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '10:00'),
                                                      email => 'ann@example.com', full_name => 'Ann Visitor', phone => '+49 30 1234',
                                                      idempotency_key => 'form-1')),
          :'first_booking'::uuid, 'the same key again returns the same booking');
SELECT is(pg_temp.since(:'after_first'), '{0,0,0,0}'::bigint[], 'and writes no second client');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '11:00'),
                                                     email => 'ann@example.com', full_name => 'Ann Visitor', idempotency_key => 'form-1')$$,
                 '23K03', NULL, 'the same key for another request is refused');
SELECT is((SELECT count(*) FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(), page_size => 500)),
          11::bigint, 'the booked hour is no longer offered on its resource (7 starts of R1 gone)');

-- The e-mail of a registered user: booked as any other, attached to nobody.
SELECT results_eq($$SELECT status::text, resource_name FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '10:00'),
                      email => 'Taken@Example.com', full_name => 'Taken Person', idempotency_key => 'form-2')$$,
                  $$VALUES ('pending'::text, 'Jana'::text)$$,
                  'an e-mail that a registered user has books like any other (no resource given: the free one)');
RESET ROLE;
SELECT is((SELECT count(*) FROM booking.client WHERE org_id = '00000000-0000-0000-0000-00000000190a' AND lower(email) = 'taken@example.com'),
          2::bigint, 'it made a client of its own beside the registered one');
SELECT is((SELECT count(*) FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
            WHERE c.user_id = '00000000-0000-0000-0000-0000000019a2'), 0::bigint,
          'the registered user got no booking, and kept their one client');
SELECT is((SELECT array_agg(m.role::text) FROM booking.membership m WHERE m.user_id = '00000000-0000-0000-0000-0000000019a2'),
          '{student}'::text[], 'and their one membership');
SELECT ok((SELECT bool_and(u.email LIKE 'visitor-%@visitor.invalid' AND u.external_id IS NULL AND m.role = 'student')
             FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
             JOIN booking.app_user u ON u.id = c.user_id JOIN booking.membership m ON m.org_id = c.org_id AND m.user_id = u.id
            WHERE b.org_id = '00000000-0000-0000-0000-00000000190a'),
          'each visitor''s booking is made by a user of its own with a placeholder e-mail and no login, a student of the org');
SELECT ok((SELECT bool_and(b.created_by = c.user_id AND b.idempotency_key LIKE 'public:%')
             FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
            WHERE b.org_id = '00000000-0000-0000-0000-00000000190a'),
          'and is created by that user, under its key in the public: namespace');
SET ROLE regress_tap_visitor;

-- A pickup: inside the org's service area it is the booking's; swapped
-- coordinates (a point near Yemen) get no slot and no booking (23K16).
SELECT is((SELECT count(*) FROM booking.public_slots('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.day0(),
                                                     pickup_point => booking.lat_lng(lat => 13.405, lng => 52.52), page_size => 500)),
          0::bigint, 'a pickup outside the service area (swapped coordinates) gets no slot');
SELECT results_eq($$SELECT status::text, resource_name FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                      email => 'dora@example.com', full_name => 'Dora Visitor', resource_id => '00000000-0000-0000-0000-0000000019c2',
                      pickup_point => booking.lat_lng(lat => 52.5163, lng => 13.3777), pickup_address => 'Pariser Platz 1',
                      idempotency_key => 'form-3')$$,
                  $$VALUES ('pending'::text, 'Jana'::text)$$, 'a visitor books with a pickup inside the service area');
SELECT is((SELECT booking_id FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                      email => 'dora@example.com', full_name => 'Dora Visitor', resource_id => '00000000-0000-0000-0000-0000000019c2',
                      pickup_point => booking.lat_lng(lat => 52.5163, lng => 13.3777), pickup_address => 'Pariser Platz 1',
                      idempotency_key => 'form-3')) IS NOT NULL, true, 'sent again with its pickup, the same key returns it');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                      email => 'dora@example.com', full_name => 'Dora Visitor', resource_id => '00000000-0000-0000-0000-0000000019c2',
                      pickup_point => booking.lat_lng(lat => 52.52, lng => 13.405), pickup_address => 'Pariser Platz 1',
                      idempotency_key => 'form-3')$$,
                 '23K03', NULL, 'the same key with another pickup is another request (23K03)');
RESET ROLE;
SELECT is((SELECT pickup_address FROM booking.booking WHERE idempotency_key = 'public:form-3'), 'Pariser Platz 1', 'the pickup is the booking''s');
SET ROLE regress_tap_visitor;

-- Seats in a session.
SELECT results_eq($$SELECT title, seats_free, price_cents, resource_name FROM booking.public_sessions('page-a', '00000000-0000-0000-0000-0000000019b1',
                      tstzrange(pg_temp.at(0, '00:00'), pg_temp.at(7, '00:00')))$$,
                  $$VALUES ('Theory evening'::text, 3::bigint, 2000::bigint, 'Jana'::text)$$,
                  'public_sessions lists the sessions of a published service with their free seats and price');
SELECT results_eq($$SELECT status::text, price_cents FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(1, '10:00'),
                      email => 'finn@example.com', full_name => 'Finn Visitor', session_id => '00000000-0000-0000-0000-0000000019f5', seats => 2,
                      idempotency_key => 'form-4')$$,
                  $$VALUES ('pending'::text, 4000::bigint)$$, 'a visitor books 2 seats of the session, priced per seat');
SELECT is((SELECT seats_free FROM booking.public_sessions('page-a', '00000000-0000-0000-0000-0000000019b1',
                      tstzrange(pg_temp.at(0, '00:00'), pg_temp.at(7, '00:00')))), 1::bigint, 'one seat is left');
SELECT pg_temp.written() AS before_full \gset
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(1, '10:00'),
                      email => 'gus@example.com', full_name => 'Gus Visitor', session_id => '00000000-0000-0000-0000-0000000019f5', seats => 2,
                      idempotency_key => 'form-5')$$,
                 '23K01', NULL, 'two more seats than are free: 23K01, as for anyone');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(1, '11:00'),
                      email => 'gus@example.com', full_name => 'Gus Visitor', session_id => '00000000-0000-0000-0000-0000000019f5',
                      idempotency_key => 'form-6')$$,
                 'P0002', NULL, 'a session at another start than its own is not found');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(1, '10:00'),
                      email => 'gus@example.com', full_name => 'Gus Visitor', session_id => '00000000-0000-0000-0000-0000000019f5', seats => 0,
                      idempotency_key => 'form-7')$$,
                 '22023', NULL, 'zero seats are refused');
SELECT is(pg_temp.since(:'before_full'), '{0,0,0,0}'::bigint[], 'and none of them wrote anything');

-- Bad input, and refusals of the write path: the SQLSTATE, nothing written.
SELECT pg_temp.written() AS before_bad \gset
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                                                     email => 'not-an-email', full_name => 'Eve', idempotency_key => 'bad-1')$$,
                 '22023', 'email is not an e-mail address', 'a bad e-mail is refused');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                                                     email => 'eve@example.com', full_name => 'Eve')$$,
                 '22004', NULL, 'a booking without an idempotency key is refused');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                                                     email => 'eve@example.com', full_name => 'Eve', idempotency_key => repeat('k', 129))$$,
                 '22023', NULL, 'a key over 128 characters is refused');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                                                     email => 'eve@example.com', full_name => 'Eve', phone => 'call me', idempotency_key => 'bad-2')$$,
                 '22023', NULL, 'a bad phone number is refused');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b2', pg_temp.at(0, '09:00'),
                                                     email => 'eve@example.com', full_name => 'Eve', idempotency_key => 'bad-3')$$,
                 'P0002', NULL, 'an unpublished service is not bookable');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-b', '00000000-0000-0000-0000-0000000019bb', pg_temp.at(0, '09:00'),
                                                     email => 'eve@example.com', full_name => 'Eve', idempotency_key => 'bad-4')$$,
                 'P0002', NULL, 'nor is a service of an unpublished org');
SELECT throws_ok($$SELECT * FROM booking.public_book('no-such-org', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                                                     email => 'eve@example.com', full_name => 'Eve', idempotency_key => 'bad-5')$$,
                 'P0002', NULL, 'an unknown slug books nothing');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '09:00'),
                                                     email => 'eve@example.com', full_name => 'Eve',
                                                     resource_id => '00000000-0000-0000-0000-0000000019cc', idempotency_key => 'bad-6')$$,
                 'P0002', NULL, 'another org''s resource is not on this page');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '13:00'),
                                                     email => 'eve@example.com', full_name => 'Eve',
                                                     resource_id => '00000000-0000-0000-0000-0000000019c1', idempotency_key => 'bad-7')$$,
                 '23K06', NULL, 'outside working hours: the write path''s refusal, as for anyone');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '10:30'),
                                                     email => 'eve@example.com', full_name => 'Eve',
                                                     resource_id => '00000000-0000-0000-0000-0000000019c1', idempotency_key => 'bad-8')$$,
                 '23P01', NULL, 'over another booking: 23P01, as for anyone');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '11:00'),
                                                     email => 'eve@example.com', full_name => 'Eve', resource_id => '00000000-0000-0000-0000-0000000019c1',
                                                     pickup_point => booking.lat_lng(lat => 13.405, lng => 52.52), idempotency_key => 'bad-10')$$,
                 '23K16', NULL, 'a pickup outside the service area: 23K16, as for anyone');
SELECT throws_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(0, '10:00'),
                                                     email => 'eve@example.com', full_name => 'Eve', idempotency_key => 'bad-9')$$,
                 'P0002', 'no resource is free for this service at starts_at', 'a time no resource has free: P0002');
SELECT is(pg_temp.since(:'before_bad'), '{0,0,0,0}'::bigint[], 'none of the refused requests wrote anything');

-- A returning visitor (day 2, free on both resources): the same e-mail and
-- name as a client the page made before, case and spaces aside, books as
-- that client; nothing of it is updated or returned.
SELECT pg_temp.written() AS before_back \gset
SELECT results_eq($$SELECT status::text, starts_at = pg_temp.at(2, '09:00'), resource_name
                      FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(2, '09:00'),
                                               email => 'ANN@EXAMPLE.COM', full_name => ' ann visitor ', phone => '+49 30 9999',
                                               resource_id => '00000000-0000-0000-0000-0000000019c1', idempotency_key => 'back-1')$$,
                  $$VALUES ('pending'::text, true, 'Ingo'::text)$$,
                  'a returning visitor books as before');
SELECT is(pg_temp.since(:'before_back'), '{0,0,0,1}'::bigint[], 'with no new client, user or membership');
SELECT pg_temp.written() AS before_back_again \gset
SELECT is((SELECT booking_id FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(2, '09:00'),
                                                      email => 'ANN@EXAMPLE.COM', full_name => ' ann visitor ', phone => '+49 30 9999',
                                                      resource_id => '00000000-0000-0000-0000-0000000019c1', idempotency_key => 'back-1')),
          (SELECT booking_id FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(2, '09:00'),
                                                      email => 'ann@example.com', full_name => 'Ann Visitor', phone => '+49 30 9999',
                                                      resource_id => '00000000-0000-0000-0000-0000000019c1', idempotency_key => 'back-1')),
          'its retries under the key return its booking (the new phone is the request''s, not the client''s)');
SELECT is(pg_temp.since(:'before_back_again'), '{0,0,0,0}'::bigint[], 'and write nothing');
RESET ROLE;
SELECT is((SELECT client_id FROM booking.booking WHERE idempotency_key = 'public:back-1'),
          (SELECT client_id FROM booking.booking WHERE idempotency_key = 'public:form-1'),
          'the booking is the first visit''s client''s');
SELECT results_eq($$SELECT c.full_name, c.email::text, c.phone FROM booking.client c
                     WHERE c.id = (SELECT client_id FROM booking.booking WHERE idempotency_key = 'public:back-1')$$,
                  $$VALUES ('Ann Visitor'::text, 'ann@example.com'::text, '+49 30 1234'::text)$$,
                  'and that client is as it was: name, e-mail and phone not updated');
SET ROLE regress_tap_visitor;
SELECT pg_temp.written() AS before_other \gset
SELECT lives_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(2, '10:00'),
                                                    email => 'ann@example.com', full_name => 'Ann Other',
                                                    resource_id => '00000000-0000-0000-0000-0000000019c1', idempotency_key => 'back-2')$$,
                'the same e-mail with another name books');
SELECT is(pg_temp.since(:'before_other'), '{1,1,1,1}'::bigint[], 'as a new client');
-- the registered user's e-mail: the visitor client the page made for it
-- (form-2) again, never the registered one
SELECT pg_temp.written() AS before_taken \gset
SELECT lives_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(2, '10:00'),
                                                    email => 'taken@example.com', full_name => 'Taken Person',
                                                    resource_id => '00000000-0000-0000-0000-0000000019c2', idempotency_key => 'back-3')$$,
                'a registered user''s e-mail books again');
SELECT is(pg_temp.since(:'before_taken'), '{0,0,0,1}'::bigint[], 'as the visitor client of its first visit');
RESET ROLE;
SELECT is((SELECT count(*) FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id
            WHERE c.user_id = '00000000-0000-0000-0000-0000000019a2'), 0::bigint,
          'the registered user still has no booking');
-- Staff learn Ann's date of birth and licence (15, class B; B takes
-- standard lessons from 17), and make Dora's placeholder user staff.
INSERT INTO booking.license_rule (org_id, client_license_type, lesson_type, min_client_age)
VALUES ('00000000-0000-0000-0000-00000000190a', 'B', 'standard', 17);
UPDATE booking.client SET license_type = 'B', date_of_birth = current_date - interval '15 years'
 WHERE id = (SELECT client_id FROM booking.booking WHERE idempotency_key = 'public:form-1');
INSERT INTO booking.membership (org_id, user_id, role)
SELECT c.org_id, c.user_id, 'staff' FROM booking.client c
 WHERE c.id = (SELECT client_id FROM booking.booking WHERE idempotency_key = 'public:form-3');
SET ROLE regress_tap_visitor;
CREATE FUNCTION pg_temp.refusal(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  EXECUTE cmd;
  RETURN 'booked';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ' / ' || d;
END $$;
SELECT is(pg_temp.refusal($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(2, '11:00'),
                                                              email => 'ann@example.com', full_name => 'Ann Visitor', idempotency_key => 'back-4')$$),
          '23K04: client is not eligible for this booking / ',
          'a returning visitor''s eligibility refusal does not tell what staff know of the client (no age in it)');
SELECT pg_temp.written() AS before_dora \gset
SELECT lives_ok($$SELECT * FROM booking.public_book('page-a', '00000000-0000-0000-0000-0000000019b1', pg_temp.at(2, '11:00'),
                                                    email => 'dora@example.com', full_name => 'Dora Visitor', idempotency_key => 'back-5')$$,
                'Dora, whose placeholder user staff made a member of staff, books');
SELECT is(pg_temp.since(:'before_dora'), '{1,1,1,1}'::bigint[], 'as a new client: a visitor never acts as a user with more than a student''s rights');
SELECT is(booking.current_org_id(), NULL, 'and no identity outlives the calls');

SELECT * FROM finish();
ROLLBACK;
