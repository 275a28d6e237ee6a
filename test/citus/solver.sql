-- test/citus/solver.sql: the solver functions and open_payment through the
-- coordinator in the transaction of a write (issue 15): booking.distribute()
-- made their delegated functions (booking.*_on) distributed functions, so
-- that Citus runs them on the worker of the org over the application's own
-- connection (without, the solver's reads as the extension's owner were
-- refused with 25001).  Org b, day 3 of the week of week.psql.  Uses the
-- check functions of flows.sql (the same session).
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
RESET ROLE;
SELECT org_id AS sb FROM org_ids WHERE o = 'b' \gset
SELECT org_id AS sa FROM org_ids WHERE o = 'a' \gset
SELECT user_id AS staff_b FROM cast_member WHERE o = 'b' AND role = 'staff' \gset
SELECT id AS svc_b FROM booking.service WHERE org_id = :'sb' AND name = 'Lesson b' \gset
SELECT id AS res_b FROM booking.resource WHERE org_id = :'sb' AND display_name = 'Instructor b' \gset
SELECT id AS client_b FROM booking.client WHERE org_id = :'sb' \gset
SELECT pg_temp.at(3, '08:00') AS s08, pg_temp.at(3, '09:00') AS s09, pg_temp.at(3, '13:00') AS s13 \gset
-- the worker that holds org b
SELECT n.nodeport AS worker_b FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
 WHERE p.shardid = get_shard_id_for_distribution_column('booking.org', :'sb') \gset
-- the first column of a query's rows in order, as one text (or its error)
CREATE FUNCTION pg_temp.rows(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN EXECUTE 'SELECT string_agg(x::text, '';'') FROM (' || q || ') AS s(x)' INTO v; RETURN v;
EXCEPTION WHEN OTHERS THEN RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM; END $$;
-- the Node line of a one-task plan and its task count
CREATE FUNCTION pg_temp.explain_node(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; t text := '';
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    IF l ~ 'Task Count:|Custom Scan \(Citus' THEN t := t || btrim(l, ' ->') || '; '; END IF;
    IF l ~ 'Node: ' THEN t := t || substring(l from 'port=[0-9]+') || '; '; END IF;
  END LOOP;
  RETURN t;
EXCEPTION WHEN OTHERS THEN RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM; END $$;
SET ROLE regress_citus_app;

-- Before any write: the delegated calls give what the C solver gives on the
-- coordinator (booking.solve_*, each of its queries a router query).
BEGIN;
SELECT booking.act_as(:'sb', :'staff_b') IS NOT NULL AS acting \gset
SELECT pg_temp.rows(format('SELECT s FROM booking.solve_available_slots(%L, %L, tstzrange(%L, %L)) s', :'res_b', :'svc_b', :'s08', :'s13')) AS ref_slots,
       pg_temp.rows(format('SELECT s FROM booking.solve_find_slots(%L, tstzrange(%L, %L), NULL, %L, NULL, NULL) s', :'svc_b', :'s08', :'s13', :'client_b')) AS ref_find,
       pg_temp.rows(format('SELECT s FROM booking.solve_explain_slot(%L, %L, %L) s', :'res_b', :'svc_b', :'s09')) AS ref_explain,
       pg_temp.val(format('SELECT booking.solve_free_time(%L, tstzrange(%L, %L))', :'res_b', :'s08', :'s13')) AS ref_free \gset
SELECT pg_temp.val(format('SELECT count(*) FROM booking.solve_available_slots(%L, %L, tstzrange(%L, %L))', :'res_b', :'svc_b', :'s08', :'s13')) AS n_before,
       pg_temp.val(format($$SELECT count(*) FROM booking.solve_available_slots(%L, %L, tstzrange(%L, %L))
                            WHERE tstzrange(starts_at, ends_at) && tstzrange(%L, %L::timestamptz + interval '1 hour')$$,
                          :'res_b', :'svc_b', :'s08', :'s13', :'s09', :'s09')) AS n_overlap \gset
COMMIT;
BEGIN;
SELECT booking.act_as(:'sb', :'staff_b') IS NOT NULL AS acting \gset
SELECT pg_temp.is((:'n_before'::int > 4 AND :'n_overlap'::int > 0)::text, 'true', 'solver (Citus): org b''s instructor has slots on day 3, some at 09:00-10:00');
SELECT pg_temp.is(pg_temp.rows(format('SELECT s FROM booking.available_slots(%L, %L, tstzrange(%L, %L), org_id => %L) s', :'res_b', :'svc_b', :'s08', :'s13', :'sb')),
                  :'ref_slots', 'delegated available_slots (org_id) = the solver''s rows on the coordinator');
SELECT pg_temp.is(pg_temp.rows(format('SELECT s FROM booking.find_slots(%L, tstzrange(%L, %L), client_id => %L, page_size => NULL, org_id => %L) s', :'svc_b', :'s08', :'s13', :'client_b', :'sb')),
                  :'ref_find', 'delegated find_slots (org_id) = the solver''s rows, every column and the order');
SELECT pg_temp.is(pg_temp.rows(format('SELECT s FROM booking.explain_slot(%L, %L, %L, org_id => %L) s', :'res_b', :'svc_b', :'s09', :'sb')),
                  :'ref_explain', 'delegated explain_slot (org_id) = the solver''s reasons');
SELECT pg_temp.is(pg_temp.val(format('SELECT booking.free_time(%L, tstzrange(%L, %L), org_id => %L)', :'res_b', :'s08', :'s13', :'sb')),
                  :'ref_free', 'delegated free_time (org_id) = the solver''s free time');
-- the call the functions make is one task on org b's worker
SELECT pg_temp.is(pg_temp.explain_node(format($$SELECT r FROM booking.available_slots_on(%L, jsonb_build_array(%L::uuid, %L::uuid, tstzrange(%L, %L), NULL, NULL)) AS r$$,
                                              :'sb', :'res_b', :'svc_b', :'s08', :'s13')),
                  'Custom Scan (Citus Adaptive); Task Count: 1; port=' || :'worker_b' || '; ',
                  'EXPLAIN: the delegated call is one task on the worker of the org (port ' || :'worker_b' || ')');
COMMIT;

-- In the transaction of a write: the slot just booked is gone, with and
-- without org_id.
BEGIN;
SELECT booking.act_as(:'sb', :'staff_b') IS NOT NULL AS acting \gset
SELECT id AS bx FROM booking.book(:'client_b', :'svc_b', :'s09', :'res_b') \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) || '/' || count(*) FILTER (WHERE tstzrange(starts_at, ends_at) && tstzrange(%L, %L::timestamptz + interval '1 hour'))
                                        FROM booking.available_slots(%L, %L, tstzrange(%L, %L), org_id => %L)$$, :'s09', :'s09', :'res_b', :'svc_b', :'s08', :'s13', :'sb')),
                  (:'n_before'::int - :'n_overlap'::int) || '/0',
                  'after book in the same transaction: available_slots (org_id) runs, without the slots the booking took');
SELECT pg_temp.is(pg_temp.rows(format('SELECT s FROM booking.available_slots(%L, %L, tstzrange(%L, %L)) s', :'res_b', :'svc_b', :'s08', :'s13')),
                  pg_temp.rows(format('SELECT s FROM booking.available_slots(%L, %L, tstzrange(%L, %L), org_id => %L) s', :'res_b', :'svc_b', :'s08', :'s13', :'sb')),
                  '... and without org_id the same rows (the acting org, delegated too)');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FILTER (WHERE resource_id = %L AND tstzrange(starts_at, ends_at) && tstzrange(%L, %L::timestamptz + interval '1 hour'))
                                        FROM booking.find_slots(%L, tstzrange(%L, %L), page_size => NULL)$$, :'res_b', :'s09', :'s09', :'svc_b', :'s08', :'s13')),
                  '0', '... find_slots (no org_id) offers nothing of the instructor at the booked hour');
SELECT pg_temp.is(pg_temp.val(format($$SELECT reason || '/' || (booking_id = %L) FROM booking.explain_slot(%L, %L, %L) WHERE reason = 'overlap'$$, :'bx', :'res_b', :'svc_b', :'s09')),
                  'overlap/true', '... explain_slot names the booking just made');
SELECT pg_temp.is(pg_temp.val(format($$SELECT booking.free_time(%L, tstzrange(%L, %L)) @> %L::timestamptz$$, :'res_b', :'s08', :'s13', :'s09')),
                  'false', '... free_time no longer contains it');
SELECT pg_temp.rows(format('SELECT s.starts_at FROM booking.find_slots(%L, tstzrange(%L, %L), NULL, %L, 1) s', :'svc_b', :'s08', :'s13', :'client_b')) AS first_free \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT starts_at = %L FROM booking.book_first_available(%L, tstzrange(%L, %L), NULL, %L)', :'first_free', :'svc_b', :'s08', :'s13', :'client_b')),
                  'true', '... book_first_available (a second write) takes the best slot find_slots offered');
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.booking WHERE org_id = %L AND resource_id = %L AND starts_at >= %L AND starts_at < %L AND status <> 'cancelled'$$,
                                     :'sb', :'res_b', :'s08', :'s13')), '2', '... two bookings in the window, no overlap refused');
COMMIT;

-- open_payment in the transaction of a write of the org (a booking's
-- notes): the payment on the worker, its routing row from the coordinator.
BEGIN;
SELECT booking.act_as(:'sb', :'staff_b') IS NOT NULL AS acting \gset
UPDATE booking.booking SET notes = 'pay at the office' WHERE org_id = :'sb' AND id = :'bx';
SELECT pg_temp.is(pg_temp.val(format('SELECT status FROM booking.open_payment(%L, %L, %L)', :'bx', 'stripe', 'pi_citus_after_write')), 'pending',
                  'open_payment after a write in the same transaction: a pending payment');
SELECT pg_temp.is(pg_temp.val(format('SELECT status FROM booking.open_payment(%L, %L, %L, org_id => %L)', :'bx', 'stripe', 'pi_citus_after_write', :'sb')), 'pending',
                  '... the same call again (org_id) returns it');
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FROM booking.payment WHERE org_id = %L AND booking_id = %L', :'sb', :'bx')), '1',
                  '... and the application reads it in the same transaction');
COMMIT;
RESET ROLE;
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.provider_ref r JOIN booking.payment p ON p.org_id = r.target_org_id AND p.id = r.target_id
                                        WHERE r.provider = 'stripe' AND r.ref = 'pi_citus_after_write' AND p.org_id = %L AND p.booking_id = %L$$, :'sb', :'bx'))
                  || '/' || pg_temp.val(format('SELECT count(*) FROM booking.payment_history h JOIN booking.payment p ON p.org_id = h.org_id AND p.id = h.payment_id WHERE p.org_id = %L AND p.booking_id = %L', :'sb', :'bx')),
                  '1/1', '... committed: its routing row points to it, its history was written on the worker');
SET ROLE regress_citus_app;

-- The identity on the worker, another org, a NULL org.
BEGIN;
SELECT booking.act_as(:'sb', :'staff_b') IS NOT NULL AS acting \gset
SELECT pg_temp.is(split_part(pg_temp.val(format('SELECT count(*) FROM booking.available_slots(%L, %L, tstzrange(%L, %L), org_id => %L)', :'res_b', :'svc_b', :'s08', :'s13', :'sa')), ' ', 2),
                  '42501', 'available_slots with org_id => another org: 42501');
SELECT pg_temp.is(split_part(pg_temp.val(format($$SELECT booking.find_slots_on(%L, jsonb_build_array(%L::uuid, tstzrange(%L, %L), NULL, NULL, 5, NULL))$$, :'sa', :'svc_b', :'s08', :'s13')), ' ', 2),
                  '42501', 'find_slots_on for org a, delegated to org a''s worker, acting for org b: refused there (42501: the worker checks the identity it was sent)');
SELECT pg_temp.is(pg_temp.val($$SELECT coalesce(booking.available_slots_on(NULL, '[]')::text, 'null') || '/' || coalesce((SELECT r::text FROM booking.find_slots_on(NULL, '[]') r), 'null')$$),
                  'null/null', 'a NULL org_id: NULL (the STRICT call is folded before Citus would hash the NULL), and the coordinator is still up');
COMMIT;
