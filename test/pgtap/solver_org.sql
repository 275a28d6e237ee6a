-- The solver's org_id argument and its delegated functions (issue 15): the
-- optional trailing org_id of available_slots, find_slots, explain_slot,
-- free_time and open_payment must be the acting org (42501 otherwise), NULL
-- or left out means the acting org; the delegated functions (*_on, which
-- booking.distribute() hands to Citus) give exactly the rows of the C
-- solver, refuse another org and fold a NULL argument to NULL; the path the
-- functions take on Citus (citus.propagate_set_commands = local) gives the
-- same rows on a single node too.
BEGIN;
SET client_min_messages = warning;
\ir include/two_orgs.psql
SELECT plan(30);

SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'staff')) IS NOT NULL AS acting \gset
\set A '''00000000-0000-0000-0000-00000000000a'''
\set B '''00000000-0000-0000-0000-00000000000b'''
SELECT pg_temp.id('0a', 'r1') AS r1, pg_temp.id('0a', 'service') AS svc, pg_temp.id('0a', 'c1') AS c1, pg_temp.id('0a', 'b1') AS b1,
       tstzrange(pg_temp.at(0, '06:00'), pg_temp.at(2, '20:00')) AS during, pg_temp.at(0, '10:00') AS busy_at, pg_temp.at(0, '14:00') AS free_at \gset

-- the reference: the C solver itself
CREATE TEMP TABLE ref_slots AS SELECT * FROM booking.solve_available_slots(:'r1', :'svc', :'during');
CREATE TEMP TABLE ref_find AS SELECT * FROM booking.solve_find_slots(:'svc', :'during', NULL, :'c1', NULL, NULL);
SELECT ok((SELECT count(*) FROM ref_slots) > 10, 'the reference: the org''s resource has slots in those days');

-- org_id: the acting org, NULL or left out give the same rows
SELECT results_eq(format('SELECT * FROM booking.available_slots(%L, %L, %L, org_id => %L)', :'r1', :'svc', :'during', :A),
                  'SELECT * FROM ref_slots', 'available_slots with org_id => the acting org: the solver''s rows');
SELECT results_eq(format('SELECT * FROM booking.available_slots(%L, %L, %L, org_id => NULL)', :'r1', :'svc', :'during'),
                  'SELECT * FROM ref_slots', '... with org_id => NULL: the same (the acting org)');
SELECT results_eq(format('SELECT * FROM booking.available_slots(%L, %L, %L)', :'r1', :'svc', :'during'),
                  'SELECT * FROM ref_slots', '... without org_id: the same');
SELECT results_eq(format('SELECT * FROM booking.find_slots(%L, %L, client_id => %L, page_size => NULL, org_id => %L)', :'svc', :'during', :'c1', :A),
                  'SELECT * FROM ref_find', 'find_slots with org_id => the acting org: the solver''s rows, in its order');
SELECT is(booking.free_time(:'r1', :'during', org_id => :A), booking.solve_free_time(:'r1', :'during'),
          'free_time with org_id => the acting org');
SELECT results_eq(format('SELECT * FROM booking.explain_slot(%L, %L, %L, org_id => %L)', :'r1', :'svc', :'busy_at', :A),
                  format('SELECT * FROM booking.solve_explain_slot(%L, %L, %L)', :'r1', :'svc', :'busy_at'),
                  'explain_slot with org_id => the acting org');

-- another org: 42501, before anything is read
SELECT throws_ok(format('SELECT * FROM booking.available_slots(%L, %L, %L, org_id => %L)', :'r1', :'svc', :'during', :B),
                 '42501', 'org_id 00000000-0000-0000-0000-00000000000b is not the acting org',
                 'available_slots with org_id => another org: 42501');
SELECT throws_ok(format('SELECT * FROM booking.find_slots(%L, %L, org_id => %L)', :'svc', :'during', :B),
                 '42501', NULL, 'find_slots with org_id => another org: 42501');
SELECT throws_ok(format('SELECT * FROM booking.explain_slot(%L, %L, %L, org_id => %L)', :'r1', :'svc', :'busy_at', :B),
                 '42501', NULL, 'explain_slot with org_id => another org: 42501');
SELECT throws_ok(format('SELECT booking.free_time(%L, %L, org_id => %L)', :'r1', :'during', :B),
                 '42501', NULL, 'free_time with org_id => another org: 42501');
SELECT throws_ok(format('SELECT * FROM booking.open_payment(%L, %L, %L, org_id => %L)', :'b1', 'stripe', 'pi_org_b', :B),
                 '42501', NULL, 'open_payment with org_id => another org: 42501');
SELECT throws_ok(format('SELECT * FROM booking.find_slots(%L, %L, org_id => %s)', :'svc', :'during', 'gen_random_uuid()'),
                 '42501', NULL, 'find_slots with org_id => an org that does not exist: 42501');

-- the delegated functions: the solver's rows, as jsonb in order
SELECT results_eq(format($$SELECT (e->>0)::timestamptz, (e->>1)::timestamptz
                             FROM jsonb_array_elements(booking.available_slots_on(%L, jsonb_build_array(%L::uuid, %L::uuid, %L::tstzrange, NULL, NULL))) e$$,
                         :A, :'r1', :'svc', :'during'),
                  'SELECT * FROM ref_slots', 'available_slots_on: the solver''s rows');
SELECT is(booking.find_slots_on(:A, jsonb_build_array(:'svc'::uuid, :'during'::tstzrange, NULL, :'c1'::uuid, NULL, NULL)),
          (SELECT jsonb_agg(jsonb_build_array(resource_id, starts_at, ends_at, travel_minutes_before, travel_minutes_after,
                                              idle_minutes, score, page_cursor)) FROM ref_find),
          'find_slots_on: the solver''s rows, every column, in order');
SELECT is(booking.explain_slot_on(:A, jsonb_build_array(:'r1'::uuid, :'svc'::uuid, :'busy_at'::timestamptz, NULL, NULL)) -> 0 ->> 0,
          'overlap', 'explain_slot_on: the reason of a booked time');
SELECT is(booking.free_time_on(:A, :'r1', :'during'), booking.solve_free_time(:'r1', :'during'), 'free_time_on: the solver''s free time');
SELECT throws_ok(format($$SELECT booking.available_slots_on(%L, jsonb_build_array(%L::uuid, %L::uuid, %L::tstzrange, NULL, NULL))$$, :B, :'r1', :'svc', :'during'),
                 '42501', NULL, 'available_slots_on for another org: 42501');
SELECT throws_ok(format('SELECT booking.free_time_on(%L, %L, %L)', :B, :'r1', :'during'),
                 '42501', NULL, 'free_time_on for another org: 42501');
SELECT throws_ok(format('SELECT booking.open_payment_on(%L, %L, %L, %L, gen_random_uuid())', :B, :'b1', 'stripe', 'pi_org_b'),
                 '42501', NULL, 'open_payment_on for another org: 42501');
-- STRICT: a NULL org (the argument Citus would hash) gives NULL
SELECT is(booking.available_slots_on(NULL, '[]') IS NULL AND booking.find_slots_on(NULL, '[]') IS NULL
          AND booking.explain_slot_on(NULL, '[]') IS NULL AND booking.free_time_on(NULL, :'r1', :'during') IS NULL
          AND (booking.open_payment_on(NULL, :'b1', 'stripe', 'pi_null', gen_random_uuid())).id IS NULL, true,
          'the delegated functions give NULL for a NULL org_id');

-- The path of a distributed database (the wrappers call the delegated
-- functions when citus.propagate_set_commands is local): the same rows.
SET LOCAL citus.propagate_set_commands = 'local';
SELECT results_eq(format('SELECT * FROM booking.available_slots(%L, %L, %L)', :'r1', :'svc', :'during'),
                  'SELECT * FROM ref_slots', 'the delegated path: available_slots gives the solver''s rows');
SELECT results_eq(format('SELECT * FROM booking.find_slots(%L, %L, client_id => %L, page_size => NULL)', :'svc', :'during', :'c1'),
                  'SELECT * FROM ref_find', '... find_slots the solver''s rows, in order');
SELECT results_eq(format('SELECT * FROM booking.find_slots(%L, %L, NULL, %L, 3, (SELECT page_cursor FROM booking.find_slots(%L, %L, NULL, %L, 3) OFFSET 2))',
                         :'svc', :'during', :'c1', :'svc', :'during', :'c1'),
                  'SELECT * FROM ref_find OFFSET 3 LIMIT 3', '... the second page of find_slots after the first''s cursor');
SELECT results_eq(format('SELECT * FROM booking.explain_slot(%L, %L, %L)', :'r1', :'svc', :'busy_at'),
                  format('SELECT * FROM booking.solve_explain_slot(%L, %L, %L)', :'r1', :'svc', :'busy_at'),
                  '... explain_slot the solver''s reasons');
SELECT is(booking.free_time(:'r1', :'during'), booking.solve_free_time(:'r1', :'during'), '... free_time the solver''s free time');
SELECT results_eq(format('SELECT * FROM booking.available_slots(%L, %L, %L, %L)', :'r1', :'svc', :'during', 'SRID=4326;POINT(13.41 52.51)'),
                  format('SELECT * FROM booking.solve_available_slots(%L, %L, %L, %L)', :'r1', :'svc', :'during', 'SRID=4326;POINT(13.41 52.51)'),
                  '... available_slots from a pickup point (a geography through jsonb) the solver''s rows');
SELECT throws_ok(format('SELECT * FROM booking.find_slots(%L, %L, page_size => 0)', :'svc', :'during'),
                 '22023', NULL, '... and the solver''s own errors (page_size 0: 22023)');
-- open_payment (of a new booking: b1 has its payment): the payment and
-- its routing row
SELECT id AS b3 FROM booking.book(:'c1', :'svc', :'free_at', :'r1') \gset
SELECT is((SELECT status::text FROM booking.open_payment(:'b3', 'stripe', 'pi_solver_org', org_id => :A)), 'pending',
          'open_payment with org_id => the acting org: a pending payment');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM booking.provider_ref r JOIN booking.payment p ON p.org_id = r.target_org_id AND p.id = r.target_id
            WHERE r.provider = 'stripe' AND r.ref = 'pi_solver_org' AND p.provider_payment_id = 'pi_solver_org'), 1,
          '... with its routing row to it');
SELECT * FROM finish();
ROLLBACK;
