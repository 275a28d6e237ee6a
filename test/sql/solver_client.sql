-- The client a solver call is asked for: available_slots, find_slots,
-- explain_slot and book_first_available answer for an existing client of
-- the acting org only.  Staff (and an instructor for their own resource)
-- asking for a client that does not exist get 23503 "unknown client", the
-- error booking.book() raises; a client of another org gets exactly the
-- same answer (the acting org's clients are all that is read).  Below
-- staff, a client that is not one's own is 42501 before anything is read,
-- whether it exists or not, as booking.book() refuses it.  Each call runs
-- as the application role, with the identity of each member in turn.
SET client_min_messages = warning;
SET TimeZone = 'UTC';

\set org '''00000000-0000-0000-0000-00000005c0f0'''
\set org2 '''00000000-0000-0000-0000-00000005c0f9'''
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-00000005c0a1', 'solver.client.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-00000005c0a2', 'solver.client.sam@example.com', 'Sam Student'),
  ('00000000-0000-0000-0000-00000005c0a3', 'solver.client.ingo@example.com', 'Ingo'),
  ('00000000-0000-0000-0000-00000005c0a4', 'solver.client.stan@example.com', 'Stan Staff'),
  ('00000000-0000-0000-0000-00000005c0a9', 'solver.client.other@example.com', 'Other Owner');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  (:org, 'Client School', 'UTC', 'EUR'), (:org2, 'Other School', 'UTC', 'EUR');
SELECT booking.seed_lifecycle_defaults(:org) > 0 AS rules_seeded;
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:org, '00000000-0000-0000-0000-00000005c0a1', 'owner'),
  (:org, '00000000-0000-0000-0000-00000005c0a2', 'student'),
  (:org, '00000000-0000-0000-0000-00000005c0a3', 'instructor'),
  (:org, '00000000-0000-0000-0000-00000005c0a4', 'staff'),
  (:org2, '00000000-0000-0000-0000-00000005c0a9', 'owner');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free)
VALUES (:org, '00000000-0000-0000-0000-00000005c0e1', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name, user_id)
VALUES (:org, '00000000-0000-0000-0000-00000005c0b1', 'Ingo', '00000000-0000-0000-0000-00000005c0a3');
-- Sam (the student's own record), Olga (of the org, nobody's login), and a
-- client of the other org; ...c0cf exists nowhere
INSERT INTO booking.client (org_id, id, full_name, user_id) VALUES
  (:org, '00000000-0000-0000-0000-00000005c0c1', 'Sam', '00000000-0000-0000-0000-00000005c0a2'),
  (:org, '00000000-0000-0000-0000-00000005c0c2', 'Olga', NULL),
  (:org2, '00000000-0000-0000-0000-00000005c0c9', 'Foreign', NULL);
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT :org, '00000000-0000-0000-0000-00000005c0b1', d, '[06:00,20:00)' FROM generate_series(1, 7) d;

-- ask(call, client): 'slots' when the call returns rows, 'none' when it
-- returns none, else SQLSTATE, message and detail with the client's and
-- the org's ids masked; what book_first_available books is undone.
CREATE FUNCTION pg_temp.ask(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  d text;
BEGIN
  BEGIN
    EXECUTE 'SELECT count(*) FROM (' || cmd || ') q' INTO n;
    RAISE EXCEPTION USING ERRCODE = 'XX999', MESSAGE = CASE WHEN n > 0 THEN 'slots' ELSE 'none' END;
  EXCEPTION WHEN SQLSTATE 'XX999' THEN
    RETURN SQLERRM;
  END;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || ' / ' || d,
                        '00000000-0000-0000-0000-00000005c0(c.|f0)', '<\1>', 'g');
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.ask(text) TO PUBLIC;
CREATE TABLE pg_temp.call (fn int, sql text);
INSERT INTO pg_temp.call VALUES
  (1, $$SELECT * FROM booking.available_slots('00000000-0000-0000-0000-00000005c0b1', '00000000-0000-0000-0000-00000005c0e1',
        tstzrange(date_trunc('day', now()) + interval '2 days 6 hours', date_trunc('day', now()) + interval '2 days 20 hours'),
        client_id => %L)$$),
  (2, $$SELECT * FROM booking.find_slots('00000000-0000-0000-0000-00000005c0e1',
        tstzrange(date_trunc('day', now()) + interval '2 days 6 hours', date_trunc('day', now()) + interval '2 days 20 hours'),
        client_id => %L)$$),
  (3, $$SELECT * FROM booking.explain_slot('00000000-0000-0000-0000-00000005c0b1', '00000000-0000-0000-0000-00000005c0e1',
        date_trunc('day', now()) + interval '2 days 10 hours', client_id => %L)$$),
  (4, $$SELECT * FROM booking.book_first_available('00000000-0000-0000-0000-00000005c0e1',
        tstzrange(date_trunc('day', now()) + interval '2 days 6 hours', date_trunc('day', now()) + interval '2 days 20 hours'),
        client_id => %L)$$),
  (5, $$SELECT * FROM booking.book(%L, '00000000-0000-0000-0000-00000005c0e1',
        date_trunc('day', now()) + interval '2 days 10 hours', '00000000-0000-0000-0000-00000005c0b1')$$);
GRANT SELECT ON pg_temp.call TO PUBLIC;
CREATE TABLE pg_temp.who (client text, id uuid);
INSERT INTO pg_temp.who VALUES
  ('own', '00000000-0000-0000-0000-00000005c0c1'), ('olga', '00000000-0000-0000-0000-00000005c0c2'),
  ('foreign', '00000000-0000-0000-0000-00000005c0c9'), ('missing', '00000000-0000-0000-0000-00000005c0cf');
GRANT SELECT ON pg_temp.who TO PUBLIC;
-- matrix(): every call for every client, as the acting member
CREATE FUNCTION pg_temp.matrix() RETURNS TABLE (client text, available_slots text, find_slots text,
                                                explain_slot text, book_first_available text, book text)
LANGUAGE sql AS $$
  SELECT w.client,
         max(pg_temp.ask(format(c.sql, w.id))) FILTER (WHERE c.fn = 1),
         max(pg_temp.ask(format(c.sql, w.id))) FILTER (WHERE c.fn = 2),
         max(pg_temp.ask(format(c.sql, w.id))) FILTER (WHERE c.fn = 3),
         max(pg_temp.ask(format(c.sql, w.id))) FILTER (WHERE c.fn = 4),
         max(pg_temp.ask(format(c.sql, w.id))) FILTER (WHERE c.fn = 5)
    FROM pg_temp.who w CROSS JOIN pg_temp.call c
   GROUP BY w.client ORDER BY min(w.id::text)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.matrix() TO PUBLIC;

CREATE ROLE regress_solver_client_app;
SELECT booking.grant_app_role('regress_solver_client_app', trusted => true);
SET ROLE regress_solver_client_app;
\x on

-- 1. Staff (the owner and a staff member): the foreign and the missing
-- client get the same 23503 as booking.book(); the org's clients get slots.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005c0a1') IS NOT NULL AS acting_owner;
SELECT * FROM pg_temp.matrix();
COMMIT;
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005c0a4') IS NOT NULL AS acting_staff;
SELECT * FROM pg_temp.matrix();
COMMIT;

-- 2. The instructor, for their own resource: as staff (find_slots asks
-- about every resource of the org: the instructor's is the only one).
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005c0a3') IS NOT NULL AS acting_instructor;
SELECT * FROM pg_temp.matrix();
COMMIT;

-- 3. The student: their own record gets slots; any other client, of the
-- org, of another org or none, the same 42501.
BEGIN;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-00000005c0a2') IS NOT NULL AS acting_student;
SELECT * FROM pg_temp.matrix();
COMMIT;

\x off

RESET ROLE;
DELETE FROM booking.org WHERE id IN (:org, :org2);
DELETE FROM booking.app_user WHERE id::text LIKE '00000000-0000-0000-0000-00000005c0a_';
DROP OWNED BY regress_solver_client_app;
DROP ROLE regress_solver_client_app;
