-- Eligibility: booking.eligibility_problems (procedural: one row read, then
-- each rule) against an independent declarative reference (one query, a
-- branch per rule) on every combination of a grid of clients, services,
-- resources, license rules, guardians, completed lessons and dates, as an
-- application role acting as staff.  The grid covers every reason.
BEGIN;
SET client_min_messages = warning;
SELECT plan(5);

-- The reference: each rule one branch of a UNION ALL.
CREATE FUNCTION pg_temp.ref(org_id uuid, resource_id uuid, service_id uuid, client_id uuid, on_date date)
  RETURNS TABLE (rule_id uuid, reason text) LANGUAGE sql STABLE AS $ref$
  WITH c AS (
    SELECT c.active, c.license_type, c.date_of_birth,
           pg_catalog.date_part('year', pg_catalog.age(ref.on_date::pg_catalog.timestamp,
                                                        c.date_of_birth::pg_catalog.timestamp))::pg_catalog.int4 AS age
      FROM booking.client c
     WHERE c.org_id OPERATOR(pg_catalog.=) ref.org_id
       AND c.id OPERATOR(pg_catalog.=) ref.client_id
  ), s AS (
    SELECT s.active, s.lesson_type, s.duration_minutes
      FROM booking.service s
     WHERE s.org_id OPERATOR(pg_catalog.=) ref.org_id
       AND s.id OPERATOR(pg_catalog.=) ref.service_id
  ), r AS (
    SELECT r.active, r.license_classes
      FROM booking.resource r
     WHERE r.org_id OPERATOR(pg_catalog.=) ref.org_id
       AND r.id OPERATOR(pg_catalog.=) ref.resource_id
  ), lr AS (
    SELECT lr.* FROM booking.license_rule lr, c, s
     WHERE lr.org_id OPERATOR(pg_catalog.=) ref.org_id
       AND lr.client_license_type OPERATOR(pg_catalog.=) c.license_type
       AND lr.lesson_type OPERATOR(pg_catalog.=) s.lesson_type
       AND lr.active
  ), majority AS (
    SELECT COALESCE((o.settings OPERATOR(pg_catalog.->>) 'age_of_majority')::pg_catalog.int4, 18) AS age
      FROM booking.org o WHERE o.id OPERATOR(pg_catalog.=) ref.org_id
  )
  SELECT NULL::pg_catalog.uuid, 'client is inactive'::pg_catalog.text FROM c WHERE NOT c.active
  UNION ALL
  SELECT NULL, 'service is inactive' FROM s WHERE NOT s.active
  UNION ALL
  SELECT NULL, 'resource is inactive' FROM r WHERE NOT r.active
  UNION ALL
  SELECT lr.id, pg_catalog.format('license type %s may not take %s lessons', lr.client_license_type, lr.lesson_type)
    FROM lr WHERE NOT lr.is_compatible
  UNION ALL
  SELECT lr.id, pg_catalog.format('the resource lacks license class %s', lr.required_resource_license)
    FROM lr, r
   WHERE lr.required_resource_license IS NOT NULL
     AND NOT lr.required_resource_license OPERATOR(pg_catalog.=) ANY (r.license_classes)
  UNION ALL
  SELECT lr.id, 'date of birth unknown, the rule has an age limit'
    FROM lr, c WHERE c.date_of_birth IS NULL AND (lr.min_client_age IS NOT NULL OR lr.max_client_age IS NOT NULL)
  UNION ALL
  SELECT lr.id, pg_catalog.format('client is %s on %s, younger than %s', c.age, ref.on_date, lr.min_client_age)
    FROM lr, c WHERE c.age OPERATOR(pg_catalog.<) lr.min_client_age
  UNION ALL
  SELECT lr.id, pg_catalog.format('client is %s on %s, older than %s', c.age, ref.on_date, lr.max_client_age)
    FROM lr, c WHERE c.age OPERATOR(pg_catalog.>) lr.max_client_age
  UNION ALL
  SELECT lr.id, pg_catalog.format('a %s-minute lesson is shorter than the rule''s %s minutes', s.duration_minutes, lr.min_duration_minutes)
    FROM lr, s WHERE s.duration_minutes OPERATOR(pg_catalog.<) lr.min_duration_minutes
  UNION ALL
  SELECT lr.id, pg_catalog.format('a %s-minute lesson is longer than the rule''s %s minutes', s.duration_minutes, lr.max_duration_minutes)
    FROM lr, s WHERE s.duration_minutes OPERATOR(pg_catalog.>) lr.max_duration_minutes
  UNION ALL
  SELECT lr.id, pg_catalog.format('prerequisite not completed: a %s lesson', p.lesson_type)
    FROM lr, pg_catalog.jsonb_array_elements_text(lr.prerequisites) AS p(lesson_type)
   WHERE NOT EXISTS (
     SELECT 1 FROM booking.booking b
       JOIN booking.service ps ON ps.org_id OPERATOR(pg_catalog.=) b.org_id AND ps.id OPERATOR(pg_catalog.=) b.service_id
      WHERE b.org_id OPERATOR(pg_catalog.=) ref.org_id
        AND b.client_id OPERATOR(pg_catalog.=) ref.client_id
        AND b.status OPERATOR(pg_catalog.=) 'completed'::booking.booking_status
        AND ps.lesson_type OPERATOR(pg_catalog.=) p.lesson_type)
  UNION ALL
  SELECT lr.id, 'parental consent missing: no guardian of the client has given consent'
    FROM lr, c, majority m
   WHERE lr.requires_parental_consent
     AND (c.age IS NULL OR c.age OPERATOR(pg_catalog.<) m.age)
     AND NOT EXISTS (
       SELECT 1 FROM booking.client_guardian cg
        WHERE cg.org_id OPERATOR(pg_catalog.=) ref.org_id
          AND cg.client_id OPERATOR(pg_catalog.=) ref.client_id
          AND cg.consent_given_at IS NOT NULL
          AND cg.consent_given_at OPERATOR(pg_catalog.<=) pg_catalog.now());
$ref$;
GRANT EXECUTE ON FUNCTION pg_temp.ref(uuid, uuid, uuid, uuid, date) TO PUBLIC;

\set org '''00000000-0000-0000-0000-0000000f00a0'''
INSERT INTO booking.app_user (id, email, full_name) VALUES ('00000000-0000-0000-0000-0000000f0001', 'staff@tap-elig.example', 'Staff');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES (:org, 'Tap Eligibility', 'Europe/Berlin', 'EUR');
INSERT INTO booking.membership (org_id, user_id, role) VALUES (:org, '00000000-0000-0000-0000-0000000f0001', 'staff');
INSERT INTO booking.service (org_id, id, name, lesson_type, duration_minutes, active, free) VALUES
  (:org, '00000000-0000-0000-0000-0000000f0051', 'Standard', 'standard', 45, true, true),
  (:org, '00000000-0000-0000-0000-0000000f0052', 'Old standard', 'standard', 45, false, true),
  (:org, '00000000-0000-0000-0000-0000000f0053', 'Night drive', 'night', 120, true, true),
  (:org, '00000000-0000-0000-0000-0000000f0054', 'Theory', 'theory', 30, true, true);
INSERT INTO booking.resource (org_id, id, display_name, license_classes, active) VALUES
  (:org, '00000000-0000-0000-0000-0000000f0071', 'Car B', '{B}', true),
  (:org, '00000000-0000-0000-0000-0000000f0072', 'Retired car', '{B}', false),
  (:org, '00000000-0000-0000-0000-0000000f0073', 'Motorbike', '{A}', true),
  (:org, '00000000-0000-0000-0000-0000000f0074', 'Classroom', '{}', true);
INSERT INTO booking.client (org_id, id, full_name, license_type, date_of_birth, active) VALUES
  (:org, '00000000-0000-0000-0000-0000000f0061', 'Turns 17 on 2026-03-15', 'B', '2009-03-15', true),
  (:org, '00000000-0000-0000-0000-0000000f0062', 'Left the school', 'B', '2000-01-01', false),
  (:org, '00000000-0000-0000-0000-0000000f0063', 'Birthday unknown', 'B', NULL, true),
  (:org, '00000000-0000-0000-0000-0000000f0064', 'Born 1940', 'B', '1940-05-05', true),
  (:org, '00000000-0000-0000-0000-0000000f0065', 'No license type', NULL, '2005-01-01', true),
  (:org, '00000000-0000-0000-0000-0000000f0066', 'Motorbike learner', 'A', '2012-07-01', true),
  (:org, '00000000-0000-0000-0000-0000000f0067', 'Minor with consent', 'B', '2010-02-28', true),
  (:org, '00000000-0000-0000-0000-0000000f0068', 'Truck learner', 'C', '1990-10-10', true);
INSERT INTO booking.license_rule (org_id, client_license_type, lesson_type, required_resource_license, is_compatible,
                                  min_client_age, max_client_age, min_duration_minutes, max_duration_minutes,
                                  prerequisites, requires_parental_consent, active) VALUES
  (:org, 'B', 'standard', 'B', true, 17, 75, 30, 90, '["theory"]', true, true),
  (:org, 'A', 'standard', 'A', false, NULL, NULL, NULL, NULL, '[]', false, true),
  (:org, 'B', 'night', 'C', true, 18, NULL, 150, 200, '["theory", "standard"]', false, true),
  (:org, 'A', 'night', NULL, false, 99, 99, NULL, NULL, '[]', true, false),
  (:org, 'B', 'theory', NULL, true, NULL, NULL, NULL, 20, '[]', false, true);
INSERT INTO booking.guardian (org_id, id, full_name) VALUES (:org, '00000000-0000-0000-0000-0000000f0081', 'Parent');
INSERT INTO booking.client_guardian (org_id, client_id, guardian_id, consent_given_at) VALUES
  (:org, '00000000-0000-0000-0000-0000000f0067', '00000000-0000-0000-0000-0000000f0081', now() - interval '1 day'),
  (:org, '00000000-0000-0000-0000-0000000f0061', '00000000-0000-0000-0000-0000000f0081', NULL),
  (:org, '00000000-0000-0000-0000-0000000f0063', '00000000-0000-0000-0000-0000000f0081', now() + interval '1 day');
-- Lessons loaded as data (no identity: the rules are not applied): the
-- 1940 client completed theory; the minor's theory was cancelled.
INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency, status) VALUES
  (:org, '00000000-0000-0000-0000-0000000f0064', '00000000-0000-0000-0000-0000000f0074', '00000000-0000-0000-0000-0000000f0054',
   '2026-01-05 10:00+01', '2026-01-05 10:30+01', 'EUR', 'completed'),
  (:org, '00000000-0000-0000-0000-0000000f0067', '00000000-0000-0000-0000-0000000f0074', '00000000-0000-0000-0000-0000000f0054',
   '2026-01-06 10:00+01', '2026-01-06 10:30+01', 'EUR', 'cancelled');

CREATE ROLE regress_tap_elig;
SELECT booking.grant_app_role('regress_tap_elig', trusted => true);
SET ROLE regress_tap_elig;
SELECT booking.act_as(:org, '00000000-0000-0000-0000-0000000f0001') IS NOT NULL AS acting \gset

-- Every combination, with an unknown id of each kind.
CREATE TEMP TABLE answers AS
SELECT r, s, c, d,
       ARRAY(SELECT coalesce(p.rule_id::text, '-') || ' ' || p.reason FROM booking.eligibility_problems(:org, r, s, c, d) p ORDER BY 1) AS got,
       ARRAY(SELECT coalesce(p.rule_id::text, '-') || ' ' || p.reason FROM pg_temp.ref(:org, r, s, c, d) p ORDER BY 1) AS want
  FROM (SELECT id FROM booking.resource UNION ALL SELECT '00000000-0000-0000-0000-0000000f0079') AS rr(r),
       (SELECT id FROM booking.service UNION ALL SELECT '00000000-0000-0000-0000-0000000f0059') AS ss(s),
       (SELECT id FROM booking.client UNION ALL SELECT '00000000-0000-0000-0000-0000000f0069') AS cc(c),
       (VALUES (date '2026-03-14'), (date '2026-03-15'), (date '2027-03-14'), (date '2030-01-01')) AS dd(d);

SELECT is((SELECT count(*) FROM answers), 900::bigint, '900 cases: 5 resources, 5 services, 9 clients, 4 dates');
SELECT is_empty($$SELECT r, s, c, d, got, want FROM answers WHERE got IS DISTINCT FROM want$$,
  'eligibility_problems agrees with the reference in every case');
SELECT is_empty($$
  SELECT p FROM unnest(ARRAY['client is inactive', 'service is inactive', 'resource is inactive', '% may not take %',
                             '% lacks license class %', '%date of birth unknown%', '% younger than %', '% older than %',
                             '% shorter than %', '% longer than %', '%prerequisite not completed%', '%parental consent missing%']) p
   WHERE NOT EXISTS (SELECT 1 FROM answers, unnest(got) g WHERE g LIKE '%' || p)
$$, 'the cases cover every reason');
SELECT results_eq($$
  SELECT p.reason FROM booking.eligibility_problems('00000000-0000-0000-0000-0000000f00a0', '00000000-0000-0000-0000-0000000f0071', '00000000-0000-0000-0000-0000000f0051',
                                                    '00000000-0000-0000-0000-0000000f0061', '2026-03-14') p$$,
  ARRAY['client is 16 on 2026-03-14, younger than 17', 'prerequisite not completed: a theory lesson',
        'parental consent missing: no guardian of the client has given consent'],
  'the day before the 17th birthday: too young, no theory, no consent, in the order of the rules');
SELECT results_eq($$
  SELECT p.reason FROM booking.eligibility_problems('00000000-0000-0000-0000-0000000f00a0', '00000000-0000-0000-0000-0000000f0071', '00000000-0000-0000-0000-0000000f0051',
                                                    '00000000-0000-0000-0000-0000000f0064', '2026-03-15') p$$,
  ARRAY['client is 85 on 2026-03-15, older than 75'],
  'born in 1940 with theory done: only too old');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
