-- EXPLAIN ANALYZE of a member's typical queries counts nothing of another
-- org (issue 21).  In a data set of three orgs of the same shape, the rows
-- every plan node of a staff member's or a student's queries of org 0a
-- removes by a filter (or an index recheck) are counted, then counted again
-- with the other two orgs deleted (same plans: no new statistics; deleted
-- rows are skipped before any filter): the two counts are equal, so no
-- row of another org was read, and no query scans a table of booking
-- sequentially.  Sequential scans are disabled (the tables are small; a
-- sequential scan reads every org's rows by nature): what is measured is
-- whether the indexes lead with org_id.  With the 0.1.0 indexes put back
-- (a user_id index, a global payout account key) and without the queues'
-- org-leading indexes, the counts differ: the measure can fail.
BEGIN;
SET client_min_messages = warning;
SELECT plan(5);
\i test/sql/include/week.psql

CREATE TEMP TABLE org3 AS
SELECT o, ('00000000-0000-0000-0000-0000000000' || o)::uuid AS org_id FROM (VALUES ('0a'), ('0b'), ('0c')) v(o);
CREATE FUNCTION pg_temp.id(o text, name text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT md5(o || name)::uuid $$;
INSERT INTO booking.app_user (id, email, full_name)
SELECT pg_temp.id(o, 'u' || r), r || '.' || o || '@orgs.example', r || ' ' || o
  FROM org3, (VALUES ('staff'), ('student')) v(r);
-- one person, a client in all three orgs (their user's id is the same)
INSERT INTO booking.app_user (id, email, full_name) VALUES (md5('everywhere')::uuid, 'everywhere@orgs.example', 'Every Where');
INSERT INTO booking.org (id, name, time_zone, currency, booking_horizon_days, min_notice_minutes)
SELECT org_id, 'Org ' || o, 'Europe/Berlin', 'EUR', 3660, 0 FROM org3;
INSERT INTO booking.membership (org_id, user_id, role)
SELECT org_id, pg_temp.id(o, 'u' || r), r::booking.org_role FROM org3, (VALUES ('staff'), ('student')) v(r)
UNION ALL SELECT org_id, md5('everywhere')::uuid, 'student' FROM org3;
INSERT INTO booking.service (org_id, id, name, duration_minutes) SELECT org_id, pg_temp.id(o, 'service'), 'Lesson', 60 FROM org3;
INSERT INTO booking.resource (org_id, id, display_name, payout_account)
SELECT org_id, pg_temp.id(o, 'r' || n), 'Instructor ' || n, 'acct_' || o || '_' || n FROM org3, generate_series(1, 20) n;
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT org_id, pg_temp.id(o, 'r' || n), d, '[00:00,24:00)' FROM org3, generate_series(1, 20) n, generate_series(1, 7) d;
INSERT INTO booking.client (org_id, id, full_name, user_id)
SELECT org_id, pg_temp.id(o, 'c1'), 'Student', pg_temp.id(o, 'ustudent') FROM org3
UNION ALL SELECT org_id, pg_temp.id(o, 'c2'), 'Every Where', md5('everywhere')::uuid FROM org3
UNION ALL SELECT org_id, pg_temp.id(o, 'c' || n), 'Walk-in ' || n, NULL FROM org3, generate_series(3, 40) n;
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
SELECT org_id, pg_temp.id(o, 'b' || n || '.' || d || '.' || h), pg_temp.id(o, 'c' || (1 + (n + d + h) % 40)),
       pg_temp.id(o, 'r' || n), pg_temp.id(o, 'service'),
       pg_temp.at(d, make_time(h, 0, 0)), pg_temp.at(d, make_time(h + 1, 0, 0)), 'EUR', 'confirmed'
  FROM org3, generate_series(1, 20) n, generate_series(0, 4) d, generate_series(8, 15) h;
-- the queues staff read: scheduled transitions and reminders, outbox events
INSERT INTO booking.scheduled_transition (org_id, booking_id, to_status, execute_at)
SELECT org_id, id, 'completed', ends_at + interval '1 hour' FROM booking.booking;
INSERT INTO booking.scheduled_reminder (org_id, booking_id, channel, execute_at, expected_starts_at)
SELECT org_id, id, 'email', starts_at - interval '1 day', starts_at FROM booking.booking;
INSERT INTO booking.outbox (org_id, topic, payload) SELECT org_id, 'test.created', '{}' FROM booking.booking;
ANALYZE booking.org, booking.app_user, booking.membership, booking.resource, booking.client, booking.booking,
        booking.scheduled_transition, booking.scheduled_reminder, booking.outbox;

CREATE ROLE regress_explain_app;
SELECT booking.grant_app_role('regress_explain_app', trusted => true);

-- The rows every plan node removed by a filter or a recheck, and the
-- sequential scans of booking's tables, over the queries of a staff member
-- and of a student of org 0a.
CREATE FUNCTION pg_temp.removed_by_filter() RETURNS TABLE (query text, removed bigint, seq_scans bigint)
  LANGUAGE plpgsql AS $$
DECLARE
  q text;
  who text;
  plan jsonb;
BEGIN
  SET LOCAL enable_seqscan = off;
  FOR who, q IN VALUES
    ('staff', $q$SELECT id, starts_at FROM booking.booking WHERE starts_at >= pg_temp.at(1, '00:00') AND starts_at < pg_temp.at(2, '00:00') ORDER BY starts_at$q$),
    ('staff', $q$SELECT id FROM booking.booking WHERE resource_id = md5('0ar3')::uuid AND starts_at >= pg_temp.at(0, '00:00') ORDER BY starts_at$q$),
    ('staff', $q$SELECT id FROM booking.booking WHERE client_id = md5('0ac2')::uuid ORDER BY starts_at$q$),
    ('staff', $q$SELECT id, full_name FROM booking.client WHERE user_id = md5('everywhere')::uuid$q$),
    ('staff', $q$SELECT user_id, role FROM booking.membership WHERE user_id = md5('everywhere')::uuid$q$),
    ('staff', $q$SELECT id FROM booking.resource WHERE payout_account >= 'acct_' ORDER BY payout_account DESC LIMIT 5$q$),
    ('staff', $q$SELECT id FROM booking.resource WHERE payout_account = 'acct_0b_1'$q$),
    ('staff', $q$SELECT id, execute_at FROM booking.scheduled_transition WHERE processed_at IS NULL ORDER BY execute_at LIMIT 20$q$),
    ('staff', $q$SELECT id, execute_at FROM booking.scheduled_reminder WHERE processed_at IS NULL ORDER BY execute_at LIMIT 20$q$),
    ('staff', $q$SELECT id, topic FROM booking.outbox WHERE status IN ('pending', 'claimed') ORDER BY id LIMIT 20$q$),
    ('student', $q$SELECT user_id, role FROM booking.membership WHERE user_id = md5('0austudent')::uuid$q$)
  LOOP
    PERFORM booking.act_as('00000000-0000-0000-0000-00000000000a', md5('0au' || who)::uuid);
    EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON, COSTS OFF, TIMING OFF) ' || q INTO plan;
    query := who || ': ' || q;
    SELECT COALESCE(sum((n ->> 'Rows Removed by Filter')::bigint), 0)
           + COALESCE(sum((n ->> 'Rows Removed by Index Recheck')::bigint), 0),
           count(*) FILTER (WHERE n ->> 'Node Type' = 'Seq Scan' AND n ->> 'Schema' = 'booking')
      INTO removed, seq_scans
      FROM jsonb_path_query(plan, 'strict $.**') n
     WHERE jsonb_typeof(n) = 'object' AND n ? 'Node Type';
    RETURN NEXT;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.removed_by_filter() TO regress_explain_app;
GRANT EXECUTE ON FUNCTION pg_temp.at(int, time, text), pg_temp.day(int) TO regress_explain_app;

CREATE TEMP TABLE measured (setting text, query text, removed bigint, seq_scans bigint);
GRANT INSERT ON measured TO regress_explain_app;

SET ROLE regress_explain_app;
INSERT INTO measured SELECT 'three orgs', * FROM pg_temp.removed_by_filter();
RESET ROLE;
SAVEPOINT alone;
DELETE FROM booking.org WHERE id <> '00000000-0000-0000-0000-00000000000a';
SET ROLE regress_explain_app;
INSERT INTO measured SELECT 'org 0a alone', * FROM pg_temp.removed_by_filter();
RESET ROLE;
-- (carried over the rollback in a psql variable)
SELECT jsonb_agg(to_jsonb(m)) AS alone FROM measured m WHERE setting = 'org 0a alone' \gset
ROLLBACK TO SAVEPOINT alone;
INSERT INTO measured SELECT * FROM jsonb_populate_recordset(NULL::measured, :'alone');

SELECT is((SELECT count(*) FROM measured WHERE setting = 'three orgs'), 11::bigint, 'eleven queries measured');
SELECT is_empty($$SELECT t.query, t.removed, a.removed FROM measured t JOIN measured a USING (query)
                   WHERE t.setting = 'three orgs' AND a.setting = 'org 0a alone' AND t.removed <> a.removed$$,
                'no member query''s plan counts a row of another org in "Rows Removed by Filter"');
SELECT is_empty($$SELECT query FROM measured WHERE seq_scans > 0$$,
                'and none scans a table of booking sequentially');

-- The indexes of 0.1.0 back, and the org-leading twins of the workers'
-- queues gone (in this transaction): the same queries count other orgs'
-- rows.
DELETE FROM measured;
ALTER TABLE booking.resource DROP CONSTRAINT resource_payout_account_key;
CREATE UNIQUE INDEX resource_payout_account_key ON booking.resource (payout_account);
CREATE INDEX client_user_idx ON booking.client (user_id);
CREATE INDEX membership_user_idx ON booking.membership (user_id);
DROP INDEX booking.scheduled_transition_org_due_idx, booking.scheduled_reminder_org_due_idx,
           booking.outbox_org_open_idx, booking.outbox_org_pending_idx, booking.booking_org_session_hold_idx;
ANALYZE booking.resource, booking.client, booking.membership;
SET ROLE regress_explain_app;
INSERT INTO measured SELECT 'three orgs', * FROM pg_temp.removed_by_filter();
RESET ROLE;
SAVEPOINT alone;
DELETE FROM booking.org WHERE id <> '00000000-0000-0000-0000-00000000000a';
SET ROLE regress_explain_app;
INSERT INTO measured SELECT 'org 0a alone', * FROM pg_temp.removed_by_filter();
RESET ROLE;
-- (carried over the rollback in a psql variable)
SELECT jsonb_agg(to_jsonb(m)) AS alone FROM measured m WHERE setting = 'org 0a alone' \gset
ROLLBACK TO SAVEPOINT alone;
INSERT INTO measured SELECT * FROM jsonb_populate_recordset(NULL::measured, :'alone');
SELECT isnt_empty($$SELECT t.query FROM measured t JOIN measured a USING (query)
                     WHERE t.setting = 'three orgs' AND a.setting = 'org 0a alone' AND t.removed <> a.removed$$,
                  'with the 0.1.0 indexes, a member query''s plan counts the other orgs'' rows');
SELECT ok((SELECT t.removed - a.removed FROM measured t JOIN measured a USING (query)
            WHERE t.setting = 'three orgs' AND a.setting = 'org 0a alone' AND t.query LIKE '%payout_account >=%') = 40,
          'for instance the 40 resources of the other two orgs, in the last five by payout account');
SELECT * FROM finish();
ROLLBACK;
