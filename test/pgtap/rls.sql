-- Tenant isolation, acting as a real non-owner application role, over three
-- orgs and every role: zero rows of another org are read or written through
-- SELECT, INSERT, UPDATE, DELETE, INSERT ... ON CONFLICT or foreign keys, and
-- inside an org each role sees what it should.
BEGIN;
SET client_min_messages = warning;
-- day 0 is a Monday three weeks ahead (test/sql/include/week.psql)
\i test/sql/include/week.psql

-- Three orgs with the same cast: an owner, admin, staff member, instructor
-- (linked to a resource), student (linked to a client) and guardian (of
-- that student); each org has a second, unrelated instructor and student
-- with a booking of their own.
CREATE TEMP TABLE cast_member AS
SELECT o, r::booking.org_role AS role,
       ('00000000-0000-0000-' || o || r_n || '-000000000000')::uuid AS user_id
  FROM (VALUES ('0a'), ('0b'), ('0c')) AS orgs(o),
       (VALUES ('owner', '01'), ('admin', '02'), ('staff', '03'), ('instructor', '04'),
               ('student', '05'), ('guardian', '06')) AS roles(r, r_n);
CREATE TEMP TABLE org_ids AS
SELECT o, ('00000000-0000-0000-0000-0000000000' || o)::uuid AS org_id FROM (VALUES ('0a'), ('0b'), ('0c')) AS v(o);

INSERT INTO booking.app_user (id, email, full_name)
SELECT user_id, role || '.' || o || '@rls.example', role || ' ' || o FROM cast_member;
INSERT INTO booking.org (id, name, time_zone, currency)
SELECT org_id, 'Org ' || o, 'Europe/Berlin', 'EUR' FROM org_ids;
INSERT INTO booking.membership (org_id, user_id, role)
SELECT org_id, user_id, role FROM cast_member JOIN org_ids USING (o);
INSERT INTO booking.service (org_id, id, name, duration_minutes, free)
SELECT org_id, org_id, 'Lesson', 60, true FROM org_ids;                      -- service id = org id, for brevity
INSERT INTO booking.resource (org_id, id, display_name, user_id)
SELECT org_id, md5(o || 'r1')::uuid, 'Mine', (SELECT user_id FROM cast_member c WHERE c.o = i.o AND c.role = 'instructor') FROM org_ids i
UNION ALL SELECT org_id, md5(o || 'r2')::uuid, 'Other', NULL FROM org_ids i;
-- bookable around the clock, years ahead (the rules themselves: test/sql/write_rules.sql)
UPDATE booking.org SET booking_horizon_days = 3660 WHERE id IN (SELECT org_id FROM org_ids);
INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
SELECT r.org_id, r.id, d, '[00:00,24:00)' FROM booking.resource r CROSS JOIN generate_series(1, 7) d
 WHERE r.org_id IN (SELECT org_id FROM org_ids);
INSERT INTO booking.client (org_id, id, full_name, user_id)
SELECT org_id, md5(o || 'c1')::uuid, 'Mine', (SELECT user_id FROM cast_member c WHERE c.o = i.o AND c.role = 'student') FROM org_ids i
UNION ALL SELECT org_id, md5(o || 'c2')::uuid, 'Other', NULL FROM org_ids i;
INSERT INTO booking.guardian (org_id, id, full_name, user_id)
SELECT org_id, md5(o || 'g1')::uuid, 'Parent', (SELECT user_id FROM cast_member c WHERE c.o = i.o AND c.role = 'guardian') FROM org_ids i;
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id)
SELECT org_id, md5(o || 'c1')::uuid, md5(o || 'g1')::uuid FROM org_ids;
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency)
SELECT org_id, md5(o || 'b1')::uuid, md5(o || 'c1')::uuid, md5(o || 'r1')::uuid, org_id, pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR' FROM org_ids
UNION ALL
SELECT org_id, md5(o || 'b2')::uuid, md5(o || 'c2')::uuid, md5(o || 'r2')::uuid, org_id, pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR' FROM org_ids;
INSERT INTO booking.payment (org_id, booking_id, currency, amount_cents)
SELECT org_id, md5(o || b)::uuid, 'EUR', 0 FROM org_ids, (VALUES ('b1'), ('b2')) v(b);
INSERT INTO booking.lesson (org_id, booking_id)
SELECT org_id, md5(o || b)::uuid FROM org_ids, (VALUES ('b1'), ('b2')) v(b);
INSERT INTO booking.trip (org_id, id, lesson_id, started_at)
SELECT l.org_id, md5(l.booking_id::text || 't')::uuid, l.id, pg_temp.at(0, '10:00') FROM booking.lesson l;
DO $$ BEGIN PERFORM booking.trip_point_partition(pg_temp.at(0, '10:01')); END $$;
INSERT INTO booking.trip_point (org_id, trip_id, ts, point)
SELECT t.org_id, t.id, pg_temp.at(0, '10:01'), 'SRID=4326;POINT(13.4 52.5)' FROM booking.trip t;
INSERT INTO booking.notification (org_id, user_id, kind)
SELECT org_id, user_id, 'hello' FROM cast_member JOIN org_ids USING (o);
INSERT INTO booking.outbox (org_id, topic, payload) SELECT org_id, 'booking.created', '{}' FROM org_ids;
INSERT INTO booking.location (org_id, name) SELECT org_id, 'Depot' FROM org_ids;
INSERT INTO booking.road_node (org_id, id, point)
SELECT org_id, n, ST_MakePoint(13.4 + n / 100.0, 52.5)::geography FROM org_ids, generate_series(1, 2) n;
INSERT INTO booking.road_edge (org_id, id, source, target, cost_seconds, reverse_cost_seconds, length_meters)
SELECT org_id, 1, 1, 2, 60, NULL, 700 FROM org_ids;
INSERT INTO booking.travel_setting (org_id, geohash_precision) SELECT org_id, 6 FROM org_ids;
INSERT INTO booking.travel_time_cache (org_id, from_point, to_point, driving_minutes, distance_meters, cache_valid_until)
SELECT org_id, 'SRID=4326;POINT(13.4 52.5)', 'SRID=4326;POINT(13.5 52.5)', 12, 7000, now() + interval '30 days' FROM org_ids;

CREATE ROLE regress_rls_app;
SELECT booking.grant_app_role('regress_rls_app', trusted => true);
GRANT SELECT ON cast_member, org_ids TO regress_rls_app;

-- Rows of other orgs visible through every tenant table, org and app_user.
CREATE FUNCTION pg_temp.foreign_rows() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  t regclass;
  n bigint;
  total bigint := 0;
BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p') AND a.attname = 'org_id' LOOP
    EXECUTE format('SELECT count(*) FROM %s WHERE org_id IS DISTINCT FROM booking.current_org_id()', t) INTO n;
    total := total + n;
  END LOOP;
  SELECT total + count(*) INTO total FROM booking.org WHERE id <> booking.current_org_id();
  SELECT total + count(*) INTO total FROM booking.app_user u
   WHERE NOT EXISTS (SELECT 1 FROM cast_member c JOIN org_ids i USING (o)
                      WHERE c.user_id = u.id AND i.org_id = booking.current_org_id());
  RETURN total;
END $$;

CREATE FUNCTION pg_temp.rls_checks() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  m record;
  other uuid;
  other_o text;
  n bigint;
  expect_bookings int;
BEGIN
  FOR m IN SELECT c.*, i.org_id FROM cast_member c JOIN org_ids i USING (o) ORDER BY c.o, c.role LOOP
    PERFORM booking.act_as(m.org_id, m.user_id);
    other_o := CASE m.o WHEN '0a' THEN '0b' WHEN '0b' THEN '0c' ELSE '0a' END;
    other := ('00000000-0000-0000-0000-0000000000' || other_o)::uuid;

    RETURN NEXT is(pg_temp.foreign_rows(), 0::bigint, format('%s of org %s reads no row of another org', m.role, m.o));

    expect_bookings := CASE WHEN m.role IN ('owner', 'admin', 'staff') THEN 2 ELSE 1 END;
    RETURN NEXT is((SELECT count(*)::int FROM booking.booking), expect_bookings,
                   format('%s of org %s sees %s booking(s)', m.role, m.o, expect_bookings));
    RETURN NEXT is((SELECT count(*)::int FROM booking.payment), expect_bookings,
                   format('%s of org %s sees the payments of those bookings only', m.role, m.o));
    RETURN NEXT is((SELECT count(*)::int FROM booking.notification),
                   CASE WHEN m.role IN ('owner', 'admin', 'staff') THEN 6 ELSE 1 END,
                   format('%s of org %s sees %s notifications', m.role, m.o,
                          CASE WHEN m.role IN ('owner', 'admin', 'staff') THEN 'the org''s' ELSE 'their own' END));

    -- writes into another org
    RETURN NEXT throws_ok(format($q$INSERT INTO booking.location (org_id, name) VALUES (%L, 'x')$q$, other), '42501', NULL,
                          format('%s of org %s cannot INSERT into another org', m.role, m.o));
    RETURN NEXT throws_ok(format($q$INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, currency)
                                    VALUES (%L, %L, %L, %L, %L, pg_temp.at(2, '10:00'), pg_temp.at(2, '11:00'), 'EUR')
                                    ON CONFLICT (org_id, id) DO UPDATE SET notes = 'stolen'$q$,
                                 other, md5(other_o || 'b1'), md5(other_o || 'c1'), md5(other_o || 'r1'), other), '42501', NULL,
                          format('%s of org %s cannot INSERT ... ON CONFLICT DO UPDATE a booking of another org', m.role, m.o));
    UPDATE booking.booking SET notes = 'stolen' WHERE org_id = other;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN NEXT is(n, 0::bigint, format('%s of org %s UPDATEs no booking of another org', m.role, m.o));
    DELETE FROM booking.client WHERE org_id = other;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN NEXT is(n, 0::bigint, format('%s of org %s DELETEs no client of another org', m.role, m.o));
    -- a reference to another org's row from one's own org fails on the key
    RETURN NEXT throws_ok(format($q$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency)
                                    VALUES (%L, %L, %L, %L, pg_temp.at(2, '10:00'), pg_temp.at(2, '11:00'), 'EUR')$q$,
                                 m.org_id, md5(other_o || 'c1'), md5(m.o || 'r1'), m.org_id),
                          CASE WHEN m.role IN ('owner', 'admin', 'staff', 'instructor') THEN '23503' ELSE '42501' END, NULL,
                          format('%s of org %s cannot book another org''s student', m.role, m.o));
  END LOOP;

  -- role-specific reach inside one org (org 0a)
  PERFORM booking.act_as('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0a05-000000000000'::uuid);
  RETURN NEXT is((SELECT array_agg(full_name) FROM booking.client), '{Mine}', 'a student sees their own client row only');
  RETURN NEXT throws_ok($q$INSERT INTO booking.service (name, duration_minutes) VALUES ('Free lesson', 30)$q$, '42501', NULL,
                        'a student cannot change the catalog');
  RETURN NEXT is((SELECT count(*)::int FROM booking.service), 1, 'a student reads the catalog');
  RETURN NEXT is((SELECT count(*)::int FROM booking.outbox), 0, 'a student sees no outbox events');
  RETURN NEXT is((SELECT count(*)::int FROM booking.road_node), 0, 'a student does not see the road graph');
  RETURN NEXT is((SELECT count(*)::int FROM booking.lesson) * 10 + (SELECT count(*)::int FROM booking.trip), 11,
                 'a student sees their lesson and its trip (the figures)');
  RETURN NEXT is((SELECT count(*)::int FROM booking.trip_point), 0, 'a student does not see raw GPS points');
  RETURN NEXT is((SELECT count(*)::int FROM booking.tracking_setting), 0, 'a student reads the tracking settings (none set)');
  RETURN NEXT throws_ok($q$INSERT INTO booking.tracking_setting (slack) VALUES ('1 hour')$q$, '42501', NULL,
                        'a student cannot change the tracking settings');
  RETURN NEXT is((SELECT count(*)::int FROM booking.travel_time_cache), 0,
                 'a student does not read the travel time cache (other clients'' pickup points)');
  RETURN NEXT is((SELECT (booking.travel_time('SRID=4326;POINT(13.4 52.5)', 'SRID=4326;POINT(13.5 52.5)', now())).source), 'cache',
                 'a student''s travel_time still finds the cached time');
  RETURN NEXT is((SELECT geohash_precision FROM booking.travel_setting), 6, 'a student reads the org''s travel settings');
  PERFORM booking.act_as('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0a06-000000000000'::uuid);
  RETURN NEXT is((SELECT array_agg(c.full_name) FROM booking.booking b JOIN booking.client c ON c.org_id = b.org_id AND c.id = b.client_id),
                 '{Mine}', 'a guardian sees the bookings of their student');
  RETURN NEXT is((SELECT count(*)::int FROM booking.trip) * 10 + (SELECT count(*)::int FROM booking.trip_point), 10,
                 'a guardian sees their student''s trip, not its points');
  PERFORM booking.act_as('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0a04-000000000000'::uuid);
  RETURN NEXT is((SELECT count(*)::int FROM booking.lesson), 1, 'an instructor sees the lessons of their bookings');
  RETURN NEXT is((SELECT count(*)::int FROM booking.trip) * 10 + (SELECT count(*)::int FROM booking.trip_point), 11,
                 'an instructor sees the trips and points of their lessons only');
  RETURN NEXT throws_ok(format($q$INSERT INTO booking.trip_point (trip_id, ts, point) VALUES (%L, pg_temp.at(0, '10:02'), 'SRID=4326;POINT(13.4 52.5)')$q$,
                               md5(md5('0a' || 'b2')::uuid::text || 't')),
                        '42501', NULL, 'an instructor cannot add a point to another instructor''s trip');
  RETURN NEXT is((SELECT array_agg(full_name) FROM booking.client), '{Mine}', 'an instructor sees the students they teach');
  PERFORM booking.act_as('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0a03-000000000000'::uuid);
  RETURN NEXT is((SELECT count(*)::int FROM booking.outbox), 1, 'staff see the org''s outbox');
  RETURN NEXT is((SELECT count(*)::int FROM booking.trip) * 10 + (SELECT count(*)::int FROM booking.trip_point), 22,
                 'staff see every trip and point of the org');
  RETURN NEXT is((SELECT count(*)::int FROM booking.travel_time_cache), 1, 'staff read the travel time cache');
  RETURN NEXT throws_ok($q$INSERT INTO booking.notification (user_id, kind) VALUES ('00000000-0000-0000-0b05-000000000000', 'hello')$q$,
                        '23503', 'the recipient of a notification must be a member of its org',
                        'staff cannot notify a user outside the org');
  RETURN NEXT lives_ok($q$INSERT INTO booking.notification (user_id, kind) VALUES ('00000000-0000-0000-0a05-000000000000', 'hello')$q$,
                       'staff notify a member');
  RETURN NEXT is((SELECT count(*)::int FROM booking.road_node) + (SELECT count(*)::int FROM booking.road_edge), 3,
                 'staff read the road graph');
  RETURN NEXT throws_ok($q$INSERT INTO booking.road_node (id, point) VALUES (3, 'POINT(13.5 52.5)')$q$, '42501', NULL,
                        'staff cannot change the road graph');
  RETURN NEXT throws_ok($q$INSERT INTO booking.membership (user_id, role) VALUES ('00000000-0000-0000-0a05-000000000000', 'admin')$q$,
                        '42501', NULL, 'staff cannot grant roles');
  PERFORM booking.act_as('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0a02-000000000000'::uuid);
  RETURN NEXT lives_ok($q$INSERT INTO booking.membership (user_id, role) VALUES ('00000000-0000-0000-0a05-000000000000', 'staff')$q$,
                       'an admin grants a role');
  RETURN NEXT lives_ok($q$INSERT INTO booking.road_node (id, point) VALUES (3, 'POINT(13.5 52.5)')$q$,
                       'an admin loads the road graph');
  RETURN NEXT throws_ok($q$INSERT INTO booking.membership (user_id, role) VALUES ('00000000-0000-0000-0a05-000000000000', 'owner')$q$,
                        '42501', NULL, 'an admin cannot make an owner');
  UPDATE booking.membership SET role = 'staff' WHERE role = 'owner';
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN NEXT is(n, 0::bigint, 'an admin cannot demote the owner');
  DELETE FROM booking.membership WHERE role = 'owner';
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN NEXT is(n, 0::bigint, 'an admin cannot remove the owner');
  RETURN NEXT is((SELECT count(*)::int FROM booking.membership WHERE role = 'owner'), 1, 'the org keeps its owner');
  PERFORM booking.act_as('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0a01-000000000000'::uuid);
  RETURN NEXT lives_ok($q$INSERT INTO booking.membership (user_id, role) VALUES ('00000000-0000-0000-0a02-000000000000', 'owner')$q$,
                       'an owner makes an admin an owner');
  DELETE FROM booking.membership WHERE role = 'owner' AND user_id = '00000000-0000-0000-0a02-000000000000';
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN NEXT is(n, 1::bigint, 'an owner removes another owner');
  RETURN NEXT throws_ok($q$INSERT INTO booking.membership (org_id, user_id, role) VALUES ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0a05-000000000000', 'admin')$q$,
                        '42501', NULL, 'an admin cannot grant a role in another org');
END $$;

SET ROLE regress_rls_app;
SELECT plan(3 * 6 * 9 + 16 + 4 + 5 + 2 + 8);
SELECT * FROM pg_temp.rls_checks();
SELECT * FROM finish();
ROLLBACK;
