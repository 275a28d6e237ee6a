-- test/citus/writes.sql: the write path delegated to the worker of the org
-- (booking.book_on, book_first_available_on, transition_on, cancel_on,
-- reschedule_on: distributed functions made by booking.distribute()),
-- through the coordinator as the application role: each call's booking
-- with its history and outbox rows, its arguments carried whole, and the
-- SQLSTATEs of the refusals.  Org a, day 6 of the week of week.psql (no
-- other test writes there).  Uses the pg_temp checks of flows.sql and
-- solver.sql (the same session).
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
RESET ROLE;
SELECT org_id AS wa FROM org_ids WHERE o = 'a' \gset
SELECT org_id AS wb FROM org_ids WHERE o = 'b' \gset
SELECT user_id AS wstaff FROM cast_member WHERE o = 'a' AND role = 'staff' \gset
SELECT id AS wsvc FROM booking.service WHERE org_id = :'wa' AND name = 'Lesson a' \gset
SELECT id AS wres FROM booking.resource WHERE org_id = :'wa' AND display_name = 'Instructor a' \gset
SELECT id AS wclient FROM booking.client WHERE org_id = :'wa' AND full_name = 'Student a' \gset
SELECT pg_temp.at(6, '08:00') AS w08, pg_temp.at(6, '10:00') AS w10, pg_temp.at(6, '10:30') AS w1030,
       pg_temp.at(6, '12:00') AS w12, pg_temp.at(6, '14:00') AS w14, pg_temp.at(6, '16:00') AS w16,
       pg_temp.at(6, '18:00') AS w18, pg_temp.at(6, '20:00') AS w20 \gset
SELECT n.nodeport AS worker_a FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
 WHERE p.shardid = get_shard_id_for_distribution_column('booking.org', :'wa') \gset
\set wb1 00000000-0000-0000-0000-000000000000
\set wb2 00000000-0000-0000-0000-000000000000
\set wb2_at 2000-01-01

SELECT pg_temp.is((SELECT string_agg(p.proname, ',' ORDER BY p.proname) FROM pg_dist_object o JOIN pg_proc p ON p.oid = o.objid
                    WHERE o.classid = 'pg_proc'::regclass AND p.pronamespace = 'booking'::regnamespace
                      AND p.proname IN ('book_on', 'book_first_available_on', 'transition_on', 'cancel_on', 'reschedule_on')
                      AND o.distribution_argument_index = 0 AND o.force_delegation
                      AND o.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'booking.org'::regclass)),
                  'book_first_available_on,book_on,cancel_on,reschedule_on,transition_on',
                  'writes: distribute() made the write path''s functions distributed by org_id, co-located with org, force_delegation');
SET ROLE regress_citus_app;

BEGIN;
SELECT booking.act_as(:'wa', :'wstaff') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.explain_node(format($$SELECT * FROM booking.book_on(%L, jsonb_build_array(%L::uuid, %L::uuid, %L::timestamptz, %L::uuid))$$,
                                              :'wa', :'wclient', :'wsvc', :'w10', :'wres')),
                  'Custom Scan (Citus Adaptive); Task Count: 1; port=' || :'worker_a' || '; ',
                  'writes: EXPLAIN: a delegated book is one task on the worker of the org (port ' || :'worker_a' || ')');
-- book: every argument carried (pickup point, notes, hold, idempotency key)
SELECT pg_temp.val(format($$SELECT id FROM booking.book(%L, %L, %L, %L, pickup_point => booking.lat_lng(52.52, 13.40),
                                                         pickup_address => 'Main St 1', notes => 'first', hold_minutes => 30, idempotency_key => 'w-1')$$,
                          :'wclient', :'wsvc', :'w10', :'wres')) AS wb1 \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT status || '/' || notes || '/' || pickup_address || '/' || round(ST_Y(pickup_point::geometry)::numeric, 2)
                                            || '/' || (hold_expires_at > now() + interval '29 minutes') || '/' || (created_by = %L)
                                       FROM booking.booking WHERE org_id = %L AND id = %L$$, :'wstaff', :'wa', :'wb1')),
                  'pending/first/Main St 1/52.52/true/true', 'writes: book through its delegated function, every argument carried');
SELECT pg_temp.is(pg_temp.val(format($$SELECT id FROM booking.book(%L, %L, %L, %L, pickup_point => booking.lat_lng(52.52, 13.40),
                                                                   pickup_address => 'Main St 1', notes => 'first', hold_minutes => 30, idempotency_key => 'w-1')$$,
                                     :'wclient', :'wsvc', :'w10', :'wres')), :'wb1', '... the same request under its key again returns the booking');
SELECT pg_temp.is(split_part(pg_temp.state(format($$SELECT booking.book(%L, %L, %L, %L, idempotency_key => 'w-1')$$, :'wclient', :'wsvc', :'w14', :'wres')), ' ', 1),
                  '23K03', '... another request under the key: 23K03');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.status_history WHERE org_id = %L AND booking_id = %L AND to_status = 'pending'$$, :'wa', :'wb1'))
                  || '/' || pg_temp.val(format($$SELECT count(*) FROM booking.outbox WHERE org_id = %L AND topic = 'booking.status.pending' AND payload ->> 'booking_id' = %L$$, :'wa', :'wb1'))
                  || '/' || pg_temp.val(format($$SELECT count(*) > 0 FROM booking.notification WHERE org_id = %L AND booking_id = %L$$, :'wa', :'wb1')),
                  '1/1/true', '... its history, outbox event and notifications, written by the triggers on the worker');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.book(%L, %L, %L, %L)', :'wclient', :'wsvc', :'w1030', :'wres')), ' ', 1),
                  '23P01', 'writes: an overlapping book is refused on the worker with its SQLSTATE (23P01)');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.book(%L, %L)', :'wclient', :'wsvc')), ' ', 1),
                  '22004', 'writes: an appointment without resource and start: 22004');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.book(%L, %L, %L, %L)', :'wclient', gen_random_uuid(), :'w16', :'wres')), ' ', 1),
                  '23503', 'writes: an unknown service: 23503');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.book(%L, %L, %L, %L, hold_minutes => 0)', :'wclient', :'wsvc', :'w16', :'wres')), ' ', 1),
                  '22023', 'writes: hold_minutes out of range: 22023');
SELECT pg_temp.is(split_part(pg_temp.state(format($$SELECT * FROM booking.book_on(%L, jsonb_build_array(%L::uuid, %L::uuid, %L::timestamptz, %L::uuid))$$,
                                                  :'wb', :'wclient', :'wsvc', :'w16', :'wres')), ' ', 1),
                  '42501', 'writes: book_on for another org than the acting one: 42501 (on the worker of that org)');

-- book_first_available: find and book on the worker in one call
SELECT pg_temp.val(format('SELECT id FROM booking.book_first_available(%L, tstzrange(%L, %L), NULL, %L, notes => %L)',
                          :'wsvc', :'w12', :'w16', :'wclient', 'second')) AS wb2 \gset
SELECT pg_temp.val(format('SELECT starts_at FROM booking.booking WHERE org_id = %L AND id = %L', :'wa', :'wb2')) AS wb2_at \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT (starts_at >= %L AND ends_at <= %L) || '/' || notes FROM booking.booking WHERE org_id = %L AND id = %L$$, :'w12', :'w16', :'wa', :'wb2')),
                  'true/second', 'writes: book_first_available through its delegated function books a slot of the range');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.outbox WHERE org_id = %L AND topic = 'booking.status.pending' AND payload ->> 'booking_id' = %L$$, :'wa', :'wb2')),
                  '1', '... with its outbox event');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.book_first_available(%L, tstzrange(now() - interval %L, now() - interval %L), NULL, %L)',
                                                  :'wsvc', '2 days', '1 day', :'wclient')), ' ', 1),
                  'P0002', 'writes: book_first_available with nothing available: P0002');

-- transition, reschedule, cancel
SELECT pg_temp.is(pg_temp.val(format('SELECT status FROM booking.transition(%L, %L, %L)', :'wb1', 'confirmed', 'by phone')), 'confirmed',
                  'writes: transition through its delegated function');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.status_history WHERE org_id = %L AND booking_id = %L AND to_status = 'confirmed' AND reason = 'by phone'$$, :'wa', :'wb1'))
                  || '/' || pg_temp.val(format($$SELECT count(*) FROM booking.outbox WHERE org_id = %L AND topic = 'booking.status.confirmed' AND payload ->> 'booking_id' = %L$$, :'wa', :'wb1')),
                  '1/1', '... its history row with the reason, and its outbox event');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.transition(%L, %L)', :'wb1', 'confirmed')), ' ', 1),
                  '22023', 'writes: a transition to the same status: 22023');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.transition(%L, %L, expected_status => %L)', :'wb1', 'completed', 'pending')), ' ', 1),
                  '40001', 'writes: a transition expecting another status: 40001');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.transition(%L, %L)', gen_random_uuid(), 'confirmed')), ' ', 1),
                  'P0002', 'writes: a transition of an unknown booking: P0002');
SELECT pg_temp.is(pg_temp.val(format($$SELECT (starts_at = %L) || '/' || pickup_address || '/' || round(ST_X(pickup_point::geometry)::numeric, 2)
                                       FROM booking.reschedule(%L, %L, pickup_point => booking.lat_lng(52.50, 13.45), pickup_address => 'Broadway 2', reason => 'moved')$$,
                                     :'w18', :'wb1', :'w18')),
                  'true/Broadway 2/13.45', 'writes: reschedule through its delegated function, its arguments carried');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.status_history WHERE org_id = %L AND booking_id = %L AND metadata ->> 'event' = 'rescheduled'$$, :'wa', :'wb1'))
                  || '/' || pg_temp.val(format($$SELECT count(*) FROM booking.outbox WHERE org_id = %L AND topic = 'booking.rescheduled' AND payload ->> 'booking_id' = %L$$, :'wa', :'wb1')),
                  '1/1', '... its history row and outbox event');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.reschedule(%L)', :'wb1')), ' ', 1),
                  '22004', 'writes: a reschedule without anything to change: 22004');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.reschedule(%L, %L)', :'wb1', :'wb2_at')), ' ', 1),
                  '23P01', 'writes: a reschedule onto another booking: 23P01');
SELECT pg_temp.is(pg_temp.val(format($$SELECT actor || '/' || (refund_cents IS NOT NULL) FROM booking.cancel(%L, 'plans changed')$$, :'wb2')),
                  'admin/true', 'writes: cancel through its delegated function returns the cancellation terms');
SELECT pg_temp.is(pg_temp.val(format($$SELECT status || '/' || cancellation_reason FROM booking.booking WHERE org_id = %L AND id = %L$$, :'wa', :'wb2'))
                  || '/' || pg_temp.val(format($$SELECT count(*) FROM booking.outbox WHERE org_id = %L AND topic = 'booking.status.cancelled' AND payload ->> 'booking_id' = %L$$, :'wa', :'wb2')),
                  'cancelled/plans changed/1', '... the booking cancelled with its reason and outbox event');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.cancel(%L)', :'wb2')), ' ', 1),
                  '22023', 'writes: cancelling a cancelled booking: 22023');
-- the solver in the same transaction sees the writes (the worker's rows)
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FILTER (WHERE starts_at = %L) || ''/'' || count(*) FILTER (WHERE starts_at = %L) FROM booking.available_slots(%L, %L, tstzrange(%L, %L))',
                                     :'w18', :'wb2_at', :'wres', :'wsvc', :'w08', :'w20')),
                  '0/1', 'writes: available_slots in the same transaction: the rescheduled start taken, the cancelled one free again');
COMMIT;

-- committed: the rows are there for a later transaction
BEGIN;
SELECT booking.act_as(:'wa', :'wstaff') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT string_agg(status::text, ',' ORDER BY starts_at) FROM booking.booking WHERE org_id = %L AND id IN (%L, %L)$$, :'wa', :'wb1', :'wb2'))
                  || '/' || pg_temp.val(format($$SELECT count(*) FROM booking.status_history WHERE org_id = %L AND booking_id IN (%L, %L)$$, :'wa', :'wb1', :'wb2')),
                  'cancelled,confirmed/5', 'writes: after COMMIT the bookings and their five history rows are there');
COMMIT;
RESET ROLE;
