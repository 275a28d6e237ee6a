-- test/citus/gaps.sql: through the coordinator, in org b (the rows of
-- test/citus/org.sql; org c's later bookings are the runners' test's), the
-- client a solver call asks for and a move of place as a reschedule; uses
-- the pg_temp checks of test/citus/flows.sql.
SELECT org_id AS gorg FROM org_ids WHERE o = 'b' \gset
SELECT org_id AS ga FROM org_ids WHERE o = 'a' \gset
SELECT user_id AS staff_b FROM cast_member WHERE o = 'b' AND role = 'staff' \gset
SELECT pg_temp.at(3, '10:00', 'Europe/Berlin') AS g3_10, pg_temp.at(3, '08:00', 'Europe/Berlin') AS g3_08,
       pg_temp.at(3, '12:00', 'Europe/Berlin') AS g3_12 \gset
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'gorg', :'staff_b') IS NOT NULL AS acting \gset
SELECT id AS gsvc FROM booking.service WHERE org_id = :'gorg' \gset
SELECT id AS gres FROM booking.resource WHERE org_id = :'gorg' \gset
SELECT id AS gclient FROM booking.client WHERE org_id = :'gorg' \gset
COMMIT;
RESET ROLE;
SELECT id AS aclient FROM booking.client WHERE org_id = :'ga' LIMIT 1 \gset
SET ROLE regress_citus_app;

BEGIN;
SELECT booking.act_as(:'gorg', :'staff_b') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) > 0 FROM booking.available_slots(%L, %L, tstzrange(%L, %L), client_id => %L)',
                                     :'gres', :'gsvc', :'g3_08', :'g3_12', :'gclient')), 'true', 'gaps: available_slots for a client of the org');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT * FROM booking.find_slots(%L, tstzrange(%L, %L), client_id => %L)',
                                                  :'gsvc', :'g3_08', :'g3_12', gen_random_uuid())), ' ', 1),
                  '23503', 'gaps: find_slots for a client that does not exist: 23503');
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT * FROM booking.available_slots(%L, %L, tstzrange(%L, %L), client_id => %L)',
                                                  :'gres', :'gsvc', :'g3_08', :'g3_12', :'aclient')), ' ', 1),
                  '23503', 'gaps: available_slots for a client of another org: the same 23503');
COMMIT;
BEGIN;
SELECT booking.act_as(:'gorg', :'staff_b') IS NOT NULL AS acting \gset
SELECT pg_temp.val(format('SELECT id FROM booking.book(%L, %L, %L, %L, pickup_address => %L)', :'gclient', :'gsvc', :'g3_10', :'gres', 'Main St 1')) AS gb \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT pickup_address FROM booking.reschedule(%L, pickup_address => %L)', :'gb', 'Broadway 2')),
                  'Broadway 2', 'gaps: a reschedule of the place alone');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.status_history WHERE org_id = %L AND booking_id = %L AND metadata ->> 'event' = 'rescheduled' AND metadata ->> 'from_pickup_address' = 'Main St 1'$$, :'gorg', :'gb'))
                  || '/' || pg_temp.val(format($$SELECT count(*) FROM booking.outbox WHERE org_id = %L AND topic = 'booking.rescheduled' AND payload ->> 'booking_id' = %L$$, :'gorg', :'gb')),
                  '1/1', '... recorded in the history and the outbox on the worker');
COMMIT;
RESET ROLE;
