-- Other orgs' ids in every argument: every function an application role may
-- call that takes an id, called by the owner and by a student of org A with
-- org B's ids, answers with an error that has a SQLSTATE other than XX000,
-- or with a result, and neither names anything of B beyond the ids it was
-- given (B's other ids, names, times) nor shows B's rows.
BEGIN;
SET client_min_messages = warning;
\ir include/two_orgs.psql

-- What of B must never appear: its ids and names, and its bookings' times.
CREATE TEMP TABLE b_secret AS
SELECT DISTINCT secret FROM (
  SELECT id::text AS secret FROM booking.booking WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT id::text FROM booking.session WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT id::text FROM booking.client WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT full_name FROM booking.client WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT display_name FROM booking.resource WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT title FROM booking.session WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT name FROM booking.service WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT to_char(starts_at AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD HH24:MI') || ':00'
    FROM booking.booking WHERE org_id = '00000000-0000-0000-0000-00000000000b' AND session_id IS NULL) s;
-- A's appointment starts when B's does: a time in an answer could be A's
DELETE FROM b_secret WHERE secret LIKE '____-__-__ __:__:00';
GRANT SELECT ON b_secret TO regress_orgs_app;

-- the calls, with B's ids (B's org id written as :B, and so on)
CREATE TEMP TABLE probe (fn text, call text);
INSERT INTO probe VALUES
  ('store_travel_time', $$SELECT booking.store_travel_time(:B, 'SRID=4326;POINT(13.4 52.5)', 'SRID=4326;POINT(13.6 52.5)', 10, 5000, now() + interval '1 day')$$),
  ('travel_cell', $$SELECT booking.travel_cell(:B, 'SRID=4326;POINT(13.4 52.5)')$$),
  ('road_snap', $$SELECT array_agg(s) FROM booking.road_snap(:B, ARRAY['SRID=4326;POINT(13.41 52.5)'::geography], 1000) s$$),
  ('route_travel_times', $$SELECT array_agg(r) FROM booking.route_travel_times(:B, ARRAY['SRID=4326;POINT(13.41 52.5)'::geography, 'SRID=4326;POINT(13.42 52.5)'::geography]) r$$),
  ('seats_taken', $$SELECT booking.seats_taken(:B, :B_session)$$),
  ('seats_taken_except', $$SELECT booking.seats_taken_except(:B, :B_session, :B_b1)$$),
  ('eligibility_problems', $$SELECT array_agg(p) FROM booking.eligibility_problems(:B, :B_r1, :B_service, :B_c1, current_date) p$$),
  ('idempotency_match', $$SELECT booking.idempotency_match(:B, 'key', 'x')$$),
  ('book_price', $$SELECT booking.book_price(:B, :B_service, :B_session, 1)$$),
  ('book (B client)', $$SELECT booking.book(:B_c1, :B_service, pg_temp.at(4, '10:00'), :B_r1)$$),
  ('book (B session)', $$SELECT booking.book(:A_c1, session_id => :B_session)$$),
  ('confirm_hold', $$SELECT booking.confirm_hold(:B_b1)$$),
  ('book_first_available', $$SELECT booking.book_first_available(:B_service, tstzrange(pg_temp.at(4, '08:00'), pg_temp.at(4, '18:00')))$$),
  ('available_slots', $$SELECT count(*) FROM booking.available_slots(:B_r1, :B_service, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')))$$),
  ('find_slots', $$SELECT count(*) FROM booking.find_slots(:B_service, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')))$$),
  ('explain_slot', $$SELECT array_agg(e) FROM booking.explain_slot(:B_r1, :B_service, pg_temp.at(0, '10:00')) e$$),
  ('free_time', $$SELECT booking.free_time(:B_r1, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')))$$),
  ('available_slots (org_id B)', $$SELECT count(*) FROM booking.available_slots(:B_r1, :B_service, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')), org_id => :B)$$),
  ('find_slots (org_id B)', $$SELECT count(*) FROM booking.find_slots(:B_service, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')), org_id => :B)$$),
  ('available_slots_on', $$SELECT booking.available_slots_on(:B, jsonb_build_array(:B_r1, :B_service, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')), NULL, NULL))$$),
  ('find_slots_on', $$SELECT booking.find_slots_on(:B, jsonb_build_array(:B_service, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')), NULL, NULL, 50, NULL))$$),
  ('explain_slot_on', $$SELECT booking.explain_slot_on(:B, jsonb_build_array(:B_r1, :B_service, pg_temp.at(0, '10:00'), NULL, NULL))$$),
  ('free_time_on', $$SELECT booking.free_time_on(:B, :B_r1, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')))$$),
  ('solve_available_slots', $$SELECT count(*) FROM booking.solve_available_slots(:B_r1, :B_service, tstzrange(pg_temp.at(0, '08:00'), pg_temp.at(0, '18:00')))$$),
  ('solve_explain_slot', $$SELECT array_agg(e) FROM booking.solve_explain_slot(:B_r1, :B_service, pg_temp.at(0, '10:00')) e$$),
  ('open_payment_on', $$SELECT booking.open_payment_on(:B, :B_b1, 'stripe', 'pi_probe', gen_random_uuid())$$),
  ('book_on', $$SELECT booking.book_on(:B, jsonb_build_array(:B_c1, :B_service, pg_temp.at(4, '10:00'), :B_r1))$$),
  ('book_first_available_on', $$SELECT booking.book_first_available_on(:B, jsonb_build_array(:B_service, tstzrange(pg_temp.at(4, '08:00'), pg_temp.at(4, '18:00'))))$$),
  ('transition_on', $$SELECT booking.transition_on(:B, jsonb_build_array(:B_b1, 'cancelled'))$$),
  ('cancel_on', $$SELECT booking.cancel_on(:B, jsonb_build_array(:B_b1, 'x'))$$),
  ('reschedule_on', $$SELECT booking.reschedule_on(:B, jsonb_build_array(:B_b1, pg_temp.at(4, '10:00')))$$),
  ('seed_lifecycle_defaults', $$SELECT booking.seed_lifecycle_defaults(:B)$$),
  ('cancellation_terms', $$SELECT booking.cancellation_terms(:B, 'student', 5000, pg_temp.at(0, '10:00'), now())$$),
  ('lesson_distance', $$SELECT booking.lesson_distance(:B, :B_lesson)$$),
  ('lifecycle_lock', $$SELECT booking.lifecycle_lock(:B_b1)$$),
  ('transition', $$SELECT booking.transition(:B_b1, 'cancelled')$$),
  ('cancel', $$SELECT booking.cancel(:B_b1, 'x')$$),
  ('cancellation_quote', $$SELECT booking.cancellation_quote(:B_b1)$$),
  ('reschedule', $$SELECT booking.reschedule(:B_b1, pg_temp.at(4, '10:00'), reason => 'x')$$),
  ('status_at', $$SELECT booking.status_at(:B_b1, now())$$),
  ('act_as (B)', $$SELECT booking.act_as(:B, pg_temp.usr('0b', 'owner'))$$);
UPDATE probe SET call = replace(replace(replace(replace(replace(replace(replace(replace(replace(call,
  ':B_session', quote_literal(pg_temp.id('0b', 's1'))), ':B_service', quote_literal(pg_temp.id('0b', 'service'))),
  ':B_lesson', quote_literal(pg_temp.id('0b', 'lesson'))), ':B_b1', quote_literal(pg_temp.id('0b', 'b1'))),
  ':B_r1', quote_literal(pg_temp.id('0b', 'r1'))), ':B_c1', quote_literal(pg_temp.id('0b', 'c1'))),
  ':A_c1', quote_literal(pg_temp.id('0a', 'c1'))), ':B', quote_literal('00000000-0000-0000-0000-00000000000b')), '::uuid', '');
UPDATE probe SET call = replace(call, '''' || pg_temp.id('0b', 's1') || '''', '''' || pg_temp.id('0b', 's1') || '''::uuid');
CREATE TEMP TABLE answer (actor text, fn text, sqlstate text, answer text);
GRANT SELECT ON probe TO regress_orgs_app;
GRANT INSERT ON answer TO regress_orgs_app;
CREATE FUNCTION pg_temp.ask(actor text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  p record;
  r text;
  st text;
  msg text;
  det text;
  hnt text;
BEGIN
  FOR p IN SELECT * FROM probe ORDER BY fn LOOP
    BEGIN
      EXECUTE 'SELECT (' || p.call || ')::text' INTO r;
      RAISE EXCEPTION USING ERRCODE = 'P0004', MESSAGE = coalesce(r, '');      -- undo what it wrote
    EXCEPTION WHEN assert_failure THEN
      INSERT INTO answer VALUES (actor, p.fn, 'ok', SQLERRM);
    WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
      INSERT INTO answer VALUES (actor, p.fn, st, concat_ws(' ', msg, det, hnt));
    END;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.ask(text) TO regress_orgs_app;

SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'owner')) IS NOT NULL AS acting;
SELECT pg_temp.ask('owner of A');
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'student')) IS NOT NULL AS acting;
SELECT pg_temp.ask('student of A');
RESET ROLE;

SELECT plan(1 + (SELECT count(*)::int FROM answer));
SELECT is((SELECT count(*)::int FROM answer), 2 * (SELECT count(*)::int FROM probe), 'every call was answered');
SELECT is(CASE WHEN a.sqlstate = 'XX000' THEN 'XX000: ' || a.answer
               WHEN s.secret IS NOT NULL THEN 'names ' || s.secret || ': ' || a.answer
               ELSE 'clean' END, 'clean',
          format('%s: %s with B''s ids answers %s, naming nothing of B', a.actor, a.fn,
                 CASE WHEN a.sqlstate = 'ok' THEN 'a result' ELSE a.sqlstate END))
  FROM answer a JOIN probe p USING (fn)
  LEFT JOIN LATERAL (SELECT min(secret) AS secret FROM b_secret
                      WHERE strpos(a.answer, secret) > 0 AND strpos(p.call, secret) = 0) s ON true
 ORDER BY a.actor, a.fn;
SELECT * FROM finish();
ROLLBACK;
