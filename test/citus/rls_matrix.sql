-- test/citus/rls_matrix.sql: what each role of orgs a, b and c reads
-- through the coordinator, table by table, against what the single-node
-- matrix (test/pgtap/rls.sql, test/pgtap/reach.sql) says they read: staff
-- every row of their org, an instructor the rows of their resources'
-- bookings and the clients of those, a student and a guardian the rows of
-- the student's bookings and the student's client row, everyone their own
-- memberships.  The expected counts are computed here from the base
-- tables by joins (as the superuser), the seen ones are counted by the
-- application role through act_as with no filter of its own (every shard
-- applies the policies).  Each org gets a second resource and client and
-- two confirmed, paid bookings (one the cast's, one not), written through
-- the coordinator with book, transition and open_payment.
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
RESET ROLE;
SELECT pg_temp.at(5, '08:00') AS t5_08 \gset
CREATE TEMP TABLE matrix_booking (o text, b text, booking_id uuid);
GRANT ALL ON matrix_booking TO regress_citus_app, regress_citus_untrusted;
-- (plain VALUES, row by row: Citus copies INSERT ... SELECT rows with COPY,
-- which row-level security refuses)
CREATE FUNCTION pg_temp.matrix_catalog(o text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r uuid; d int;
BEGIN
  EXECUTE format($q$INSERT INTO booking.resource (display_name) VALUES ('Other %s') RETURNING id$q$, o) INTO r;
  FOR d IN 1..7 LOOP
    EXECUTE format('INSERT INTO booking.working_hours (resource_id, weekday, hours) VALUES (%L, %s, %L)', r, d, '[00:00,24:00)');
  END LOOP;
  EXECUTE format($q$INSERT INTO booking.client (full_name) VALUES ('Other %s')$q$, o);
END $$;
CREATE FUNCTION pg_temp.matrix_book(o text, org uuid, at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE svc uuid; c uuid; r uuid; b uuid; k text;
BEGIN
  EXECUTE format($q$SELECT id FROM booking.service WHERE org_id = %L AND name = 'Lesson %s'$q$, org, o) INTO svc;
  FOREACH k IN ARRAY '{b1,b2}'::text[] LOOP
    EXECUTE format($q$SELECT id FROM booking.client WHERE org_id = %L AND full_name = %L$q$, org,
                   CASE k WHEN 'b1' THEN 'Student ' ELSE 'Other ' END || o) INTO c;
    EXECUTE format($q$SELECT id FROM booking.resource WHERE org_id = %L AND display_name = %L$q$, org,
                   CASE k WHEN 'b1' THEN 'Instructor ' ELSE 'Other ' END || o) INTO r;
    EXECUTE format('SELECT id FROM booking.book(%L, %L, %L, %L)', c, svc, at, r) INTO b;
    EXECUTE format('SELECT status FROM booking.transition(%L, %L)', b, 'confirmed');
    INSERT INTO matrix_booking VALUES (o, k, b);
  END LOOP;
END $$;
CREATE FUNCTION pg_temp.matrix_pay(o text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE m record;
BEGIN
  FOR m IN SELECT * FROM matrix_booking x WHERE x.o = matrix_pay.o LOOP
    EXECUTE format('SELECT status FROM booking.open_payment(%L, %L, %L)', m.booking_id, 'stripe', 'pi_matrix_' || m.o || m.b);
  END LOOP;
END $$;
SET ROLE regress_citus_app;
-- a second resource and client (the owner), the cast's booking (b1) and the
-- other one (b2), confirmed: history, invoice (staff); their payments
-- (open_payment: a transaction of its own)
SELECT 'BEGIN', format('SELECT booking.act_as(%L, %L) IS NOT NULL', o.org_id, m.user_id),
       format('SELECT pg_temp.matrix_catalog(%L)', o.o), 'COMMIT'
  FROM org_ids o JOIN cast_member m ON m.o = o.o AND m.role = 'owner' ORDER BY o.o \gexec
SELECT 'BEGIN', format('SELECT booking.act_as(%L, %L) IS NOT NULL', o.org_id, m.user_id),
       format('SELECT pg_temp.matrix_book(%L, %L, %L)', o.o, o.org_id, :'t5_08'), 'COMMIT',
       'BEGIN', format('SELECT booking.act_as(%L, %L) IS NOT NULL', o.org_id, m.user_id),
       format('SELECT pg_temp.matrix_pay(%L)', o.o), 'COMMIT'
  FROM org_ids o JOIN cast_member m ON m.o = o.o AND m.role = 'staff' ORDER BY o.o \gexec
RESET ROLE;
SELECT pg_temp.is((SELECT count(*) FROM matrix_booking)::text, '6', 'matrix: two bookings in each of the three orgs, through the coordinator');

-- What the role of user u in org should read, from the base tables.
CREATE FUNCTION pg_temp.expected(org uuid, u uuid, staff bool) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r uuid[]; c uuid[]; s uuid[];
  reach text;
  n_pay bigint; n_inv bigint; n_hist bigint; n_client bigint; n_booking bigint; n_member bigint;
BEGIN
  EXECUTE format('SELECT coalesce(array_agg(id), ''{}'') FROM booking.resource WHERE org_id = %L AND user_id = %L', org, u) INTO r;
  EXECUTE format('SELECT coalesce(array_agg(id), ''{}'') FROM (SELECT id FROM booking.client WHERE org_id = %L AND user_id = %L
                  UNION SELECT cg.client_id FROM booking.client_guardian cg JOIN booking.guardian g ON g.org_id = cg.org_id AND g.id = cg.guardian_id
                   WHERE cg.org_id = %L AND g.user_id = %L) x', org, u, org, u) INTO c;
  EXECUTE format('SELECT coalesce(array_agg(id), ''{}'') FROM booking.session WHERE org_id = %L AND resource_id = ANY (%L)', org, r) INTO s;
  reach := CASE WHEN staff THEN 'true'
                ELSE format('(b.client_id = ANY (%L) OR b.resource_id = ANY (%L) OR b.session_id = ANY (%L))', c, r, s) END;
  EXECUTE format('SELECT count(*) FROM booking.booking b WHERE b.org_id = %L AND %s', org, reach) INTO n_booking;
  EXECUTE format('SELECT count(*) FROM booking.payment x JOIN booking.booking b ON b.org_id = x.org_id AND b.id = x.booking_id WHERE x.org_id = %L AND %s', org, reach) INTO n_pay;
  EXECUTE format('SELECT count(*) FROM booking.status_history x JOIN booking.booking b ON b.org_id = x.org_id AND b.id = x.booking_id WHERE x.org_id = %L AND %s', org, reach) INTO n_hist;
  EXECUTE format('SELECT count(*) FROM booking.invoice x LEFT JOIN booking.booking b ON b.org_id = x.org_id AND b.id = x.booking_id
                   WHERE x.org_id = %L AND (%s OR x.client_id = ANY (%L))', org, reach, c) INTO n_inv;
  EXECUTE format('SELECT count(*) FROM booking.client x WHERE x.org_id = %L AND (%L OR x.id = ANY (%L)
                   OR EXISTS (SELECT FROM booking.booking b WHERE b.org_id = x.org_id AND b.client_id = x.id AND %s))',
                 org, staff, c, reach) INTO n_client;
  EXECUTE format('SELECT count(*) FROM booking.membership WHERE org_id = %L AND (%L OR user_id = %L)', org, staff, u) INTO n_member;
  RETURN format('booking=%s payment=%s invoice=%s status_history=%s client=%s membership=%s',
                n_booking, n_pay, n_inv, n_hist, n_client, n_member);
END $$;
-- What the acting role reads (no filter: the policies decide on every shard).
CREATE FUNCTION pg_temp.seen() RETURNS text LANGUAGE plpgsql AS $$
DECLARE t text; n bigint; res text := '';
BEGIN
  FOREACH t IN ARRAY '{booking,payment,invoice,status_history,client,membership}'::text[] LOOP
    EXECUTE format('SELECT count(*) FROM booking.%I', t) INTO n;
    res := res || CASE WHEN res = '' THEN '' ELSE ' ' END || t || '=' || n;
  END LOOP;
  RETURN res;
EXCEPTION WHEN OTHERS THEN RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
END $$;
CREATE TEMP TABLE matrix_expected AS
SELECT o.o, m.role, pg_temp.expected(o.org_id, m.user_id, m.role IN ('owner', 'admin', 'staff')) AS expected
  FROM org_ids o JOIN cast_member m USING (o);
GRANT SELECT ON matrix_expected TO regress_citus_app;
-- a matrix that could fail: below staff every role reads less of every
-- table but membership than staff, and more than nothing
SELECT pg_temp.is(count(*)::text, '9', 'matrix: below staff each role of each org is expected to read some but not all rows of every table')
  FROM matrix_expected e JOIN matrix_expected s ON s.o = e.o AND s.role = 'staff'
 WHERE e.role IN ('instructor', 'student', 'guardian')
   AND (SELECT bool_and(split_part(x, '=', 2)::int > 0 AND split_part(x, '=', 2)::int < split_part(y, '=', 2)::int)
          FROM unnest(string_to_array(e.expected, ' '), string_to_array(s.expected, ' ')) u(x, y)
         WHERE x NOT LIKE 'membership=%');

SET ROLE regress_citus_app;
SELECT 'BEGIN',
       format('SELECT booking.act_as(%L, %L) IS NOT NULL', o.org_id, m.user_id),
       format('SELECT pg_temp.is(pg_temp.seen(), %L, %L)', e.expected,
              'matrix: org ' || o.o || ', ' || m.role || ' reads through the coordinator what one node says (' || e.expected || ')'),
       'COMMIT'
  FROM org_ids o JOIN cast_member m USING (o) JOIN matrix_expected e ON e.o = o.o AND e.role = m.role
 ORDER BY o.o, m.role \gexec
RESET ROLE;

-- app_user (a reference table, global): staff see the org's members by
-- the orgs each user carries (member_org_ids, README "Identity"), on the
-- coordinator's copy and on a worker's alike.
CREATE FUNCTION pg_temp.members(org uuid) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(DISTINCT user_id) FROM booking.membership WHERE org_id = %L', org) INTO n;
  RETURN n;
END $$;
CREATE TEMP TABLE matrix_users AS
SELECT o.o, m.role, m.user_id,
       CASE WHEN m.role IN ('owner', 'admin', 'staff') THEN pg_temp.members(o.org_id) ELSE 1 END AS expected
  FROM org_ids o JOIN cast_member m USING (o);
GRANT SELECT ON matrix_users TO regress_citus_app;
SET ROLE regress_citus_app;
SELECT 'BEGIN',
       format('SELECT booking.act_as(%L, %L) IS NOT NULL', o.org_id, u.user_id),
       format('SELECT pg_temp.is(pg_temp.val(%L), %L, %L)', 'SELECT count(*) FROM booking.app_user', u.expected,
              'matrix: org ' || o.o || ', ' || u.role || ' reads ' || u.expected || ' app_user row(s) through the coordinator'),
       'COMMIT'
  FROM org_ids o JOIN matrix_users u USING (o) ORDER BY o.o, u.role \gexec
-- ... and in a query that Citus sends to a worker: the join of the org's
-- memberships and their users (refused there while the policy queried
-- the memberships: a distributed query from a shard)
SELECT 'BEGIN',
       format('SELECT booking.act_as(%L, %L) IS NOT NULL', o.org_id, u.user_id),
       format('SELECT pg_temp.is(pg_temp.val(%L), %L, %L)',
              format('SELECT count(*) FROM booking.membership m JOIN booking.app_user u ON u.id = m.user_id WHERE m.org_id = %L', o.org_id),
              (SELECT count(*) FROM cast_member c WHERE c.o = o.o)::text,
              'staff''s join of membership and app_user, sent to the worker, sees every member there'),
       'COMMIT'
  FROM org_ids o JOIN matrix_users u USING (o) WHERE o.o = 'a' AND u.role = 'staff' \gexec
RESET ROLE;

-- The fixture goes (the suite's later checks take the org's one client and
-- instructor): the bookings with their payments, invoices and history,
-- then the second client and resource.
SELECT format('DELETE FROM booking.booking WHERE org_id = %L AND id = %L', o.org_id, m.booking_id)
  FROM matrix_booking m JOIN org_ids o USING (o) \gexec
SELECT format($$DELETE FROM booking.client WHERE org_id = %L AND full_name = 'Other %s'$$, org_id, o),
       format($$DELETE FROM booking.resource WHERE org_id = %L AND display_name = 'Other %s'$$, org_id, o)
  FROM org_ids \gexec
