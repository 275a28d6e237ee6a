-- test/citus/flows.sql: the main flows through the coordinator as the
-- application role with act_as; prints "ok - ..." or "not ok - ..." per
-- check (test/citus.sh numbers them).  Times in the week of week.psql.
-- The session's temporary functions exist on the coordinator only: a check
-- runs its query with pg_temp.val (EXECUTE, so that Citus plans the query
-- alone and never ships pg_temp to a worker), times are psql variables.
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
CREATE FUNCTION pg_temp.is(got text, want text, d text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN got IS NOT DISTINCT FROM want THEN 'ok - ' || d
              ELSE 'not ok - ' || d || E'\n#   got ' || coalesce(got, 'NULL') || ', expected ' || coalesce(want, 'NULL') END $$;
-- the first column of the first row of a query, as text, or its error
CREATE FUNCTION pg_temp.val(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN EXECUTE q INTO v; RETURN v;
EXCEPTION WHEN OTHERS THEN RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM; END $$;
-- the SQLSTATE a statement fails with, or 'ok'
CREATE FUNCTION pg_temp.state(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'ok';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;
CREATE FUNCTION pg_temp.explain_tasks(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; t text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN ' || q LOOP
    IF l ~ 'Task Count:' THEN t := coalesce(t || '; ', '') || btrim(l, ' ->'); END IF;
  END LOOP;
  RETURN t;
END $$;
SELECT org_id AS a FROM org_ids WHERE o = 'a' \gset
SELECT org_id AS b FROM org_ids WHERE o = 'b' \gset
SELECT user_id AS owner_a FROM cast_member WHERE o = 'a' AND role = 'owner' \gset
SELECT user_id AS staff_a FROM cast_member WHERE o = 'a' AND role = 'staff' \gset
SELECT user_id AS student_a FROM cast_member WHERE o = 'a' AND role = 'student' \gset
SELECT pg_temp.at(0, '08:00') AS t0_08, pg_temp.at(0, '09:00') AS t0_09, pg_temp.at(0, '09:30') AS t0_0930,
       pg_temp.at(0, '12:00') AS t0_12, pg_temp.at(1, '10:00') AS t1_10 \gset
\set b1 00000000-0000-0000-0000-000000000000
\set b2 00000000-0000-0000-0000-000000000000
\set scheduled none
SET ROLE regress_citus_app;

-- The README's getting started left its rows, in org a only.
BEGIN;
SELECT booking.act_as(:'a', :'owner_a') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.working_hours w JOIN booking.resource r ON r.org_id = w.org_id AND r.id = w.resource_id
                    WHERE w.org_id = %L AND r.display_name = 'Ingo'$$, :'a')), '1', 'getting started: the service, resource and working hours of the README');
SELECT id AS svc FROM booking.service WHERE org_id = :'a' AND name = 'Lesson a' \gset
SELECT id AS res FROM booking.resource WHERE org_id = :'a' AND display_name = 'Instructor a' \gset
SELECT id AS client FROM booking.client WHERE org_id = :'a' \gset
COMMIT;
SELECT pg_temp.is((pg_temp.state($$INSERT INTO booking.org_slug VALUES ('org-b', gen_random_uuid())$$) ~ '^(23505|42501)')::text, 'true',
                  'the application cannot take another org''s slug');

-- The solver and the write path through the coordinator.
BEGIN;
SELECT booking.act_as(:'a', :'staff_a') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val('SELECT booking.current_org_id()'), :'a', 'act_as: the identity holds on the coordinator');
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FROM booking.resource WHERE org_id = %L', :'a')), '2', '... and on the worker of the org');
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) > 0 FROM booking.available_slots(%L, %L, tstzrange(%L, %L))', :'res', :'svc', :'t0_08', :'t0_12')),
                  'true', 'available_slots for a resource');
SELECT pg_temp.is(pg_temp.val(format('SELECT count(DISTINCT resource_id) FROM booking.find_slots(%L, tstzrange(%L, %L))', :'svc', :'t0_08', :'t0_12')),
                  '2', 'find_slots over the org''s two resources (NULL resource: the org and resource join)');
-- The write path: each call's triggers run on the worker of the org (the
-- history, outbox and scheduled transitions are router inserts there).
SELECT pg_temp.is(pg_temp.val(format('SELECT status FROM booking.book(%L, %L, %L, %L)', :'client', :'svc', :'t0_09', :'res')), 'pending', 'book');
SELECT id AS b1 FROM booking.booking WHERE org_id = :'a' AND starts_at = :'t0_09' \gset
-- The solver runs on the worker of the org (its delegated functions, see
-- test/citus/solver.sql): in the transaction of a write too, where a
-- coordinator connection of the extension's owner was refused (25001).
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FILTER (WHERE resource_id = %L AND starts_at = %L) || ''/'' || (count(*) > 0) FROM booking.find_slots(%L, tstzrange(%L, %L), page_size => NULL)', :'res', :'t0_09', :'svc', :'t0_08', :'t0_12')),
                  '0/true', 'in the transaction of a write, find_slots runs and no longer offers the start just booked');
COMMIT;
BEGIN;
SELECT booking.act_as(:'a', :'staff_a') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT starts_at = %L FROM booking.book_first_available(%L, tstzrange(%L, %L), NULL, %L)', :'t0_08', :'svc', :'t0_08', :'t0_12', :'client')),
                  'true', 'book_first_available takes the first free start');
SELECT id AS b2 FROM booking.booking WHERE org_id = :'a' AND starts_at = :'t0_08' \gset
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.book(%L, %L, %L, %L)', :'client', :'svc', :'t0_0930', :'res')), ' ', 1),
                  '23P01', 'an overlapping booking is refused (23P01)');
SELECT pg_temp.is(pg_temp.val(format('SELECT status FROM booking.transition(%L, %L)', :'b1', 'confirmed')), 'confirmed', 'transition pending -> confirmed');
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) FROM booking.status_history WHERE org_id = %L AND booking_id = %L', :'a', :'b1')), '2',
                  '... with its history, written by the trigger on the worker');
SELECT pg_temp.is(pg_temp.val(format('SELECT starts_at = %L FROM booking.reschedule(%L, %L)', :'t1_10', :'b1', :'t1_10')), 'true', 'reschedule');
SELECT pg_temp.is(pg_temp.state(format('SELECT * FROM booking.cancel(%L, %L)', :'b2', 'plans changed'))
                  || '/' || pg_temp.val(format('SELECT status FROM booking.booking WHERE org_id = %L AND id = %L', :'a', :'b2')),
                  'ok/cancelled', 'cancel (its cancellation terms applied on the worker)');
SELECT pg_temp.is(pg_temp.val(format('SELECT count(*) > 0 FROM booking.outbox WHERE org_id = %L', :'a')), 'true', 'outbox events written on the worker');
COMMIT;

-- A payment: its routing row (booking.provider_ref, a reference table)
-- written by open_payment on the coordinator, the payment and its history
-- on the worker.  A transaction of its own (open_payment runs as the
-- extension's owner, like the solver).
BEGIN;
SELECT booking.act_as(:'a', :'staff_a') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val(format('SELECT status FROM booking.open_payment(%L, %L, %L)', :'b1', 'stripe', 'pi_citus_1')), 'pending',
                  'open_payment: a pending payment of the booking');
COMMIT;
RESET ROLE;
SELECT pg_temp.is(pg_temp.val(format($$SELECT count(*) FROM booking.provider_ref WHERE provider = 'stripe' AND ref = 'pi_citus_1' AND target_org_id = %L$$, :'a'))
                  || '/' || pg_temp.val(format('SELECT count(*) FROM booking.payment_history h JOIN booking.payment p ON p.org_id = h.org_id AND p.id = h.payment_id WHERE p.org_id = %L AND p.provider_payment_id = %L', :'a', 'pi_citus_1')),
                  '1/1', '... its routing row (reference table) and its history (written on the worker)');
SET ROLE regress_citus_app;

-- The notifications of those events, read back through the coordinator
-- by their recipient.
BEGIN;
SELECT booking.act_as(:'a', :'student_a') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.val('SELECT count(*) > 0 FROM booking.notifications_after(0)'), 'true', 'the client''s notifications, through row-level security');
COMMIT;

-- run_due_transitions (the runner, e.g. pg_cron as its owner): a
-- transition due a minute ago.
RESET ROLE;
SELECT pg_temp.state(format($$INSERT INTO booking.scheduled_transition (org_id, booking_id, to_status, execute_at)
                               VALUES (%L, %L, 'cancelled', now() - interval '1 minute')$$, :'a', :'b1')) AS scheduled \gset
SELECT pg_temp.is(:'scheduled' || '/' || pg_temp.val('SELECT executed FROM booking.run_due_transitions()'), 'ok/1', 'run_due_transitions runs the due transition');
SELECT pg_temp.is(pg_temp.val(format('SELECT status FROM booking.booking WHERE org_id = %L AND id = %L', :'a', :'b1')), 'cancelled', '... and the booking is cancelled');
SET ROLE regress_citus_app;

-- A tenant query is one task on one worker.
BEGIN;
SELECT booking.act_as(:'a', :'staff_a') IS NOT NULL AS acting \gset
SELECT pg_temp.is(pg_temp.explain_tasks(format('SELECT * FROM booking.booking WHERE org_id = %L', :'a')), 'Task Count: 1',
                  'EXPLAIN: a query of one org runs as one task');
SELECT pg_temp.is(pg_temp.explain_tasks(format('SELECT b.id, c.full_name FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id WHERE b.org_id = %L', :'a')),
                  'Task Count: 1', 'EXPLAIN: a join of two tenant tables of one org runs as one task (co-located)');
COMMIT;
