-- No trigger reads or reports a row of another org before the write is known
-- to be allowed.  For every tenant table, a copy of one of org B's rows (B's
-- org id, B's ids in every column) is planted through INSERT, and through
-- an UPDATE of a row of the acting org, by an owner and by a student of org
-- A (a trusted pooled role with act_as) and, for INSERT, by an untrusted
-- role with no identity; as it is, with a new id (no key clash, so the
-- checks against B's other rows come into play) and with every number 1
-- (a capacity below B's seats taken).  Every attempt must fail with 42501, and its
-- message, detail and hint must name nothing of B: none of B's ids, names
-- or times.  (Before sql/code/86_guards.sql the write triggers answered
-- such an INSERT of a session with B's booking and an UPDATE of a session
-- with B's seats taken.)
BEGIN;
SET client_min_messages = warning;
\ir include/two_orgs.psql

-- The tenant tables, and a row of B of each (as jsonb).
CREATE TEMP TABLE tenant_table AS
SELECT c.oid::regclass AS t, c.relname::text AS name
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
 WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p');
CREATE TEMP TABLE planted (t regclass, name text, variant text, b_row jsonb);
CREATE TEMP TABLE a_target (t regclass, name text, actor text, target tid);
CREATE FUNCTION pg_temp.collect() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
  j jsonb;
BEGIN
  FOR r IN SELECT * FROM tenant_table ORDER BY name LOOP
    EXECUTE format('SELECT to_jsonb(x) FROM %s x WHERE org_id = %L ORDER BY ctid LIMIT 1', r.t,
                   '00000000-0000-0000-0000-00000000000b') INTO j;
    IF j IS NOT NULL THEN
      INSERT INTO planted VALUES (r.t, r.name, 'as is', j);
      -- a new id: no key clashes, so the triggers' checks against B's
      -- other rows (overlaps, seats) come into play
      IF j ? 'id' AND jsonb_typeof(j -> 'id') = 'string' THEN
        INSERT INTO planted VALUES (r.t, r.name, 'with a new id', j || jsonb_build_object('id', md5(r.name || 'new')::uuid));
      END IF;
      -- every number 1: a capacity below the seats taken, one seat
      INSERT INTO planted
      SELECT r.t, r.name, 'with every number 1',
             jsonb_object_agg(e.key, CASE WHEN jsonb_typeof(e.value) = 'number' THEN '1'::jsonb ELSE e.value END)
        FROM jsonb_each(j) e;
    END IF;
  END LOOP;
END $$;
SELECT pg_temp.collect();
-- What of B must never appear in an error: every uuid of its rows, its
-- names, and the times of its bookings and sessions (as text and in UTC).
CREATE TEMP TABLE b_secret AS
SELECT DISTINCT v AS secret FROM (
  SELECT e.value #>> '{}' AS v
    FROM planted p, jsonb_each(p.b_row) e
   WHERE jsonb_typeof(e.value) = 'string'
     AND (e.value #>> '{}' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-' OR e.key IN ('name', 'full_name', 'title', 'display_name', 'email'))
     AND e.key <> 'org_id' OR (e.key = 'org_id' AND false)
  UNION ALL SELECT '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT id::text FROM booking.booking WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT id::text FROM booking.session WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT to_char(starts_at AT TIME ZONE z, 'YYYY-MM-DD HH24:MI') FROM booking.booking, (VALUES ('UTC'), ('Europe/Berlin')) v(z)
   WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT to_char(starts_at AT TIME ZONE z, 'YYYY-MM-DD HH24:MI') FROM booking.session, (VALUES ('UTC'), ('Europe/Berlin')) v(z)
   WHERE org_id = '00000000-0000-0000-0000-00000000000b'
  UNION ALL SELECT 'seat(s)') s
 WHERE v IS NOT NULL;
-- B's and A's sessions and bookings share their times: a time in an error
-- could be A's own.  Times of B are checked only where they differ.
DELETE FROM b_secret WHERE secret IN
  (SELECT to_char(starts_at AT TIME ZONE z, 'YYYY-MM-DD HH24:MI') FROM booking.booking, (VALUES ('UTC'), ('Europe/Berlin')) v(z)
    WHERE org_id = '00000000-0000-0000-0000-00000000000a');
CREATE TEMP TABLE outcome (actor text, op text, name text, variant text, sqlstate text, error text);
GRANT SELECT ON tenant_table, planted, b_secret TO regress_orgs_app, regress_orgs_untrusted;
GRANT SELECT, INSERT ON a_target, outcome TO regress_orgs_app, regress_orgs_untrusted;

-- Plant B's row of every table: INSERT, and UPDATE of the first row of the
-- acting org the actor may update.
CREATE FUNCTION pg_temp.plant(actor text, do_update boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  p record;
  ins_cols text;
  upd_cols text;
  target tid;
  n bigint;
  st text;
  msg text;
  det text;
  hnt text;
BEGIN
  FOR p IN SELECT * FROM planted ORDER BY name, variant LOOP
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE a.attidentity <> 'a')
      INTO ins_cols, upd_cols
      FROM pg_attribute a
     WHERE a.attrelid = p.t AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
    BEGIN
      EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM jsonb_populate_record(NULL::%s, $1)',
                     p.t, ins_cols, ins_cols, p.t) USING p.b_row;
      INSERT INTO outcome VALUES (actor, 'INSERT', p.name, p.variant, 'none: the row was written', '');
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
      INSERT INTO outcome VALUES (actor, 'INSERT', p.name, p.variant, st, concat_ws(' ', msg, det, hnt));
    END;
    CONTINUE WHEN NOT do_update;
    -- the first row of the acting org this actor sees, if they may update
    -- it (tried by updating it to itself, then undone)
    EXECUTE format('SELECT min(y.ctid) FROM %s y', p.t) INTO target;
    CONTINUE WHEN target IS NULL;
    BEGIN
      EXECUTE format('UPDATE %s x SET org_id = x.org_id WHERE x.ctid = $1', p.t) USING target;
      GET DIAGNOSTICS n = ROW_COUNT;
      RAISE EXCEPTION USING ERRCODE = 'P0004', MESSAGE = n::text;    -- undo
    EXCEPTION WHEN assert_failure THEN
      n := SQLERRM::int;
    WHEN OTHERS THEN
      n := 0;
    END;
    CONTINUE WHEN n = 0;
    CONTINUE WHEN target IS NULL;
    INSERT INTO a_target VALUES (p.t, p.name, actor, target);
    BEGIN
      EXECUTE format('UPDATE %s x SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%s, $1)) WHERE x.ctid = $2',
                     p.t, upd_cols, upd_cols, p.t) USING p.b_row, target;
      GET DIAGNOSTICS n = ROW_COUNT;
      INSERT INTO outcome VALUES (actor, 'UPDATE', p.name, p.variant, 'none: ' || n || ' row(s)', '');
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
      INSERT INTO outcome VALUES (actor, 'UPDATE', p.name, p.variant, st, concat_ws(' ', msg, det, hnt));
    END;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.plant(text, boolean) TO regress_orgs_app, regress_orgs_untrusted;

SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'owner')) IS NOT NULL AS acting;
SELECT pg_temp.plant('owner of A', true);
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'student')) IS NOT NULL AS acting;
SELECT pg_temp.plant('student of A', true);
RESET ROLE;
SET ROLE regress_orgs_untrusted;
SELECT pg_temp.plant('untrusted role, no identity', false);
RESET ROLE;

SELECT plan(3 + (SELECT count(*)::int FROM outcome));
SELECT is((SELECT count(DISTINCT t) FROM planted), (SELECT count(*) FROM tenant_table),
          'the fixture has a row of B in every tenant table');
SELECT is((SELECT count(DISTINCT t) FROM a_target WHERE actor = 'owner of A'), (SELECT count(*) FROM tenant_table)
          - (SELECT count(*) FROM tenant_table WHERE name IN ('audit_log', 'status_history', 'write_lock',
                                                              'payment_history', 'payout_item', 'invoice_line',
                                                              'invoice_counter', 'webhook_grant', 'invitation')),
          'the owner of A updates a row of every tenant table but the append-only logs, the lock rows, the money rows and the invitations only the engine writes');
SELECT ok((SELECT count(DISTINCT t) FROM a_target WHERE actor = 'student of A' AND name IN ('booking', 'client', 'notification')) = 3,
          'the student of A updates their booking, client row and notification');
SELECT is(o.sqlstate || CASE WHEN s.secret IS NULL THEN '' ELSE ' naming ' || s.secret END, '42501',
          format('%s: %s of B''s row of %s %s is refused, naming nothing of B', o.actor, o.op, o.name, o.variant))
  FROM outcome o
  LEFT JOIN LATERAL (SELECT min(secret) AS secret FROM b_secret WHERE strpos(o.error, secret) > 0) s ON true
 ORDER BY o.actor, o.op, o.name, o.variant;
SELECT * FROM finish();
ROLLBACK;
