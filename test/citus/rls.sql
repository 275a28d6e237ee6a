-- test/citus/rls.sql: tenant isolation through the coordinator, for every
-- role of orgs a, b and c: no row of another org in any tenant table, the
-- own org's service visible; an untrusted role gets no identity.
\set ON_ERROR_STOP 0
\pset tuples_only on
\pset format unaligned
RESET ROLE;
CREATE FUNCTION pg_temp.foreign_rows(own uuid) RETURNS text LANGUAGE plpgsql AS $$
DECLARE t regclass; n bigint; bad text := '';
BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c
            WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id')
              AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1
  LOOP
    EXECUTE format('SELECT count(*) FROM %s WHERE org_id <> $1', t) INTO n USING own;
    IF n > 0 THEN bad := bad || t || ':' || n || ' '; END IF;
  END LOOP;
  RETURN bad;
END $$;
GRANT SELECT ON cast_member, org_ids TO regress_citus_untrusted;
SET ROLE regress_citus_app;
SELECT 'BEGIN',
       format('SELECT booking.act_as(%L, %L)', o.org_id, m.user_id),
       format('SELECT pg_temp.is(pg_temp.foreign_rows(%L), %L, %L)', o.org_id, '', 'org ' || o.o || ', ' || m.role || ': no row of another org in any tenant table'),
       format('SELECT pg_temp.is(pg_temp.val(%L), %L, %L)', format('SELECT count(*) > 0 FROM booking.service WHERE org_id = %L', o.org_id), 'true', 'org ' || o.o || ', ' || m.role || ': the org''s services'),
       'COMMIT'
  FROM org_ids o JOIN cast_member m USING (o) ORDER BY o.o, m.role \gexec
RESET ROLE;
SET ROLE regress_citus_untrusted;
SELECT pg_temp.is(split_part(pg_temp.state(format('SELECT booking.act_as(%L, %L)', org_id, user_id)), ' ', 1), '42501',
                  'an untrusted role cannot act_as')
  FROM org_ids JOIN cast_member USING (o) WHERE o = 'a' AND role = 'owner';
BEGIN;
SELECT pg_temp.is(pg_temp.foreign_rows('00000000-0000-0000-0000-000000000000'), '', 'without an identity: no row of any org');
SELECT pg_temp.is(split_part(pg_temp.state($$SET LOCAL booking.identity = 'v1.1.AAAA.AAAA'$$ ), ' ', 1) || '/' || pg_temp.foreign_rows('00000000-0000-0000-0000-000000000000'),
                  'ok/', 'a forged identity set by SET LOCAL gives no row of any org');
COMMIT;
RESET ROLE;
