-- test/citus/public_page.sql: the public booking page through the
-- coordinator as a visitor role (booking.grant_visitor_role: no identity,
-- no table): public_services, public_slots, public_sessions and
-- public_book of org c.  Their queries of the org's resources and sessions
-- are router queries, and the solver and seat counts are asked for each row
-- apart (inside one query of a distributed table they would run on a
-- worker's shard, where their own queries cannot run).  Uses the pg_temp
-- checks of flows.sql (the same session).
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
RESET ROLE;
SELECT org_id AS pc FROM org_ids WHERE o = 'c' \gset
SELECT slug AS pc_slug FROM booking.org WHERE id = :'pc' \gset
SELECT id AS pc_svc FROM booking.service WHERE org_id = :'pc' AND name = 'Lesson c' \gset
SELECT id AS pc_res FROM booking.resource WHERE org_id = :'pc' AND display_name = 'Instructor c' \gset
UPDATE booking.org SET published = true WHERE id = :'pc';
UPDATE booking.service SET published = true WHERE org_id = :'pc' AND id = :'pc_svc';
-- a session of the service in 40 days, 3 seats (a maintenance write)
INSERT INTO booking.session (org_id, resource_id, service_id, title, starts_at, ends_at, capacity, currency, price_cents)
VALUES (:'pc', :'pc_res', :'pc_svc', 'Workshop c', date_trunc('hour', now()) + interval '40 days',
        date_trunc('hour', now()) + interval '40 days 2 hours', 3, 'EUR', 5000)
RETURNING id AS pc_ses, starts_at AS pc_ses_at \gset
DROP ROLE IF EXISTS regress_citus_web;
CREATE ROLE regress_citus_web;
SELECT booking.grant_visitor_role('regress_citus_web') IS NOT NULL AS granted \gset
SET ROLE regress_citus_web;
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FROM booking.public_services(%L) WHERE service_id = %L', :'pc_slug', :'pc_svc')),
                  '1', 'public page: the published service');
SELECT pg_temp.val(format($$SELECT starts_at FROM booking.public_slots(%L, %L, tstzrange(now() + interval '20 days', now() + interval '27 days'), page_size => 5) LIMIT 1$$,
                          :'pc_slug', :'pc_svc')) AS pc_at \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) || '/' || bool_and(resource_id = %L) FROM booking.public_slots(%L, %L, tstzrange(now() + interval '20 days', now() + interval '27 days'), page_size => 5)$$,
                                     :'pc_res', :'pc_slug', :'pc_svc')),
                  '5/true', 'public page: public_slots pages the free slots of the org''s resources (the solver asked per resource)');
SELECT pg_temp.is(pg_temp.val(format($$SELECT status FROM booking.public_book(%L, %L, %L, email => 'cleo@example.com', full_name => 'Cleo Visitor', phone => '+49 30 1234', idempotency_key => 'pc-1')$$,
                                     :'pc_slug', :'pc_svc', :'pc_at')),
                  'pending', 'public page: public_book books the first slot as a new client (no resource named: each resource tried)');
SELECT pg_temp.is(pg_temp.val(format($$SELECT status FROM booking.public_book(%L, %L, %L, email => 'cleo@example.com', full_name => 'Cleo Visitor', phone => '+49 30 1234', idempotency_key => 'pc-1')$$,
                                     :'pc_slug', :'pc_svc', :'pc_at')),
                  'pending', '... the same request again returns the booking');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.public_slots(%L, %L, tstzrange(now() + interval '20 days', now() + interval '27 days'), page_size => 50) WHERE starts_at = %L$$,
                                     :'pc_slug', :'pc_svc', :'pc_at')),
                  '0', '... and the slot is no longer offered');
SELECT pg_temp.is(pg_temp.val(format($$SELECT status FROM booking.public_book(%L, %L, %L::timestamptz + interval '3 hours', email => 'CLEO@example.com', full_name => 'cleo visitor ', idempotency_key => 'pc-2')$$,
                                     :'pc_slug', :'pc_svc', :'pc_at')),
                  'pending', 'public page: the returning visitor books again');
SELECT pg_temp.is(pg_temp.val(format($$SELECT title || '/' || seats_free FROM booking.public_sessions(%L, %L, tstzrange(now(), now() + interval '60 days')) WHERE session_id = %L$$,
                                     :'pc_slug', :'pc_svc', :'pc_ses')),
                  'Workshop c/3', 'public page: public_sessions with the free seats (seats_taken asked per session)');
SELECT pg_temp.is(pg_temp.val(format($$SELECT status FROM booking.public_book(%L, %L, %L, email => 'dan@example.com', full_name => 'Dan Visitor', session_id => %L, seats => 2, idempotency_key => 'pc-3')$$,
                                     :'pc_slug', :'pc_svc', :'pc_ses_at', :'pc_ses')),
                  'pending', 'public page: public_book takes two seats of the session');
SELECT pg_temp.is(pg_temp.val(format($$SELECT seats_free FROM booking.public_sessions(%L, %L, tstzrange(now(), now() + interval '60 days')) WHERE session_id = %L$$,
                                     :'pc_slug', :'pc_svc', :'pc_ses')),
                  '1', '... one seat left');
SELECT pg_temp.is(split_part(pg_temp.state('SELECT count(*) FROM booking.client'), ' ', 1), '42501', 'public page: the visitor reads no table (42501)');
RESET ROLE;
SELECT count(*) || '/' || bool_and(u.member_org_ids = ARRAY[:'pc'::uuid]) AS pc_visitors
  FROM booking.client c JOIN booking.app_user u ON u.id = c.user_id
 WHERE c.org_id = :'pc' AND c.full_name IN ('Cleo Visitor', 'Dan Visitor') \gset
SELECT pg_temp.is(:'pc_visitors', '2/true', 'public page: one client per visitor, a student of org c only (member_org_ids refreshed on the coordinator)');
SELECT count(*) AS pc_history FROM booking.status_history h JOIN booking.client c ON c.org_id = h.org_id AND c.id = h.booking_client_id
 WHERE h.org_id = :'pc' AND c.full_name IN ('Cleo Visitor', 'Dan Visitor') \gset
SELECT pg_temp.is(:'pc_history', '3', '... and the three bookings'' history, written on the worker');
