-- Bad input gets a clear error with a SQLSTATE.
SET client_min_messages = warning;
\i test/sql/include/try.psql
\i test/sql/include/week.psql

INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'Owner.A@example.com', 'Owner A'),
  ('00000000-0000-0000-0000-0000000000b1', 'owner.b@example.com', 'Owner B');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  ('00000000-0000-0000-0000-00000000000a', 'Org A', 'Europe/Berlin', 'EUR'),
  ('00000000-0000-0000-0000-00000000000b', 'Org B', 'America/New_York', 'USD');

-- time zones: IANA names only
SELECT left(z, 30) AS zone, pg_temp.try(format('UPDATE booking.org SET time_zone = %L WHERE name = %L', z, 'Org A'))
  FROM unnest(ARRAY['Australia/Lord_Howe', 'UTC', 'Etc/GMT+5', 'Mars/Olympus', 'UTC+5', 'EST5EDTX', '',
                    'europe/berlin', '+02:00', 'Europe/../../etc/passwd', repeat('x', 300)]) AS z;
SELECT pg_temp.try($$SELECT booking.check_time_zone(NULL)$$) AS null_zone, booking.check_time_zone(NULL) IS NULL AS strict;

-- currencies: ISO 4217 codes only
SELECT c, pg_temp.try(format('UPDATE booking.org SET currency = %L WHERE name = %L', c, 'Org A'))
  FROM unnest(ARRAY['JPY', 'XYZ', 'eur', 'EURO', 'E1R']) AS c;
SELECT code, minor_unit FROM booking.currency WHERE code IN ('EUR', 'JPY', 'KWD', 'XAU') ORDER BY code;

-- e-mail: format, and uniqueness regardless of case
SELECT pg_temp.try($$INSERT INTO booking.app_user (email, full_name) VALUES ('OWNER.a@EXAMPLE.com', 'Copy')$$);
SELECT pg_temp.try($$INSERT INTO booking.app_user (email, full_name) VALUES ('not-an-email', 'X')$$);
SELECT pg_temp.try($$SELECT booking.register_user('owner.B@example.COM', 'Copy')$$);

-- durations, ranges, money
SELECT pg_temp.try($$INSERT INTO booking.service (org_id, name, duration_minutes)
                     VALUES ('00000000-0000-0000-0000-00000000000a', 'Backwards', -30)$$);
SELECT pg_temp.try($$INSERT INTO booking.service (org_id, name, duration_minutes)
                     VALUES ('00000000-0000-0000-0000-00000000000a', 'Forever', 100000)$$);
INSERT INTO booking.service (org_id, id, name, duration_minutes) VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000005a1', 'Lesson', 60),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000005b1', 'Lesson', 60);
INSERT INTO booking.resource (org_id, id, display_name) VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000007a1', 'Instructor A'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000007b1', 'Instructor B');
INSERT INTO booking.client (org_id, id, full_name) VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000006a1', 'Student A'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000006b1', 'Student B');
SELECT pg_temp.try($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000006a1', '00000000-0000-0000-0000-0000000007a1',
          '00000000-0000-0000-0000-0000000005a1', pg_temp.at(0, '10:00'), pg_temp.at(0, '09:00'), 'EUR')$$) AS end_before_start;
SELECT pg_temp.try($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency, price_cents, platform_fee_cents)
  VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000006a1', '00000000-0000-0000-0000-0000000007a1',
          '00000000-0000-0000-0000-0000000005a1', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR', 5000, 6000)$$) AS bad_split;
SELECT pg_temp.try($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency, price_cents)
  VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000006a1', '00000000-0000-0000-0000-0000000007a1',
          '00000000-0000-0000-0000-0000000005a1', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR', -1)$$) AS negative_price;
SELECT pg_temp.try($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency, seats)
  VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000006a1', '00000000-0000-0000-0000-0000000007a1',
          '00000000-0000-0000-0000-0000000005a1', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR', 0)$$) AS zero_seats;
SELECT pg_temp.try($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency, status)
  VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000006a1', '00000000-0000-0000-0000-0000000007a1',
          '00000000-0000-0000-0000-0000000005a1', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR', 'booked')$$) AS unknown_status;

-- a cross-tenant reference: org A's booking of org B's student, instructor or service
SELECT col, pg_temp.try(format($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES ('00000000-0000-0000-0000-00000000000a', %L, %L, %L, pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR')$$,
  CASE col WHEN 'client' THEN '00000000-0000-0000-0000-0000000006b1' ELSE '00000000-0000-0000-0000-0000000006a1' END,
  CASE col WHEN 'resource' THEN '00000000-0000-0000-0000-0000000007b1' ELSE '00000000-0000-0000-0000-0000000007a1' END,
  CASE col WHEN 'service' THEN '00000000-0000-0000-0000-0000000005b1' ELSE '00000000-0000-0000-0000-0000000005a1' END))
  FROM unnest(ARRAY['client', 'resource', 'service']) AS col;

-- locations: WGS 84 points only
SELECT p, pg_temp.try(format($$INSERT INTO booking.location (org_id, name, point) VALUES ('00000000-0000-0000-0000-00000000000a', 'x', %L)$$, p))
  FROM unnest(ARRAY['SRID=4326;POINT(13.4 52.5)', 'SRID=4326;POLYGON((0 0,1 0,1 1,0 0))', 'SRID=3857;POINT(1 1)']) AS p;

-- working hours: windows inside a day, breaks inside windows, no overlaps
SELECT h, b, pg_temp.try(format($$INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours, break)
  VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000007a1', 1, %L, %L)$$, h, b))
  FROM (VALUES ('[08:00,12:00)', NULL), ('[11:00,14:00)', NULL), ('[13:00,24:00)', '[18:00,19:00)'),
               ('[13:00,12:00)', NULL), ('[08:00,)', NULL), ('[02:00,04:00)', '[05:00,06:00)')) AS t(h, b);
SELECT pg_temp.try($$INSERT INTO booking.working_hours (org_id, resource_id, weekday, hours)
  VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000007a1', 8, '[08:00,12:00)')$$) AS weekday_8;
SELECT pg_temp.try($$INSERT INTO booking.availability_exception (org_id, resource_id, on_date, available)
  VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000007a1', pg_temp.day(0), true)$$) AS available_without_hours;

-- org settings that eligibility reads: a malformed age of majority is refused
-- when written (it used to be accepted and then break every booking)
SELECT v, pg_temp.try(format($$UPDATE booking.org SET settings = jsonb_build_object('age_of_majority', %s::jsonb) WHERE name = 'Org A'$$,
                             quote_literal(v)))
  FROM unnest(ARRAY['"eighteen"', '18', '18.5', '-1', '151', '1e9', 'null', '[18]']) AS v;
SELECT settings FROM booking.org WHERE name = 'Org A';

-- extreme buffers and ranges: an error with a SQLSTATE, never a wrap-around
-- or XX000
SELECT b, a, pg_temp.try(format($$SELECT booking.padded_range('2030-01-01 10:00+00', '2030-01-01 11:00+00', %s, %s)$$, b, a))
  FROM (VALUES (-2147483648, 0), (0, -2147483648), (2147483647, 0), (0, 2147483647), (-60, 0)) AS t(b, a);
SELECT pg_temp.try($$SELECT booking.local_days('UTC', tstzrange('4713-01-01 00:00+00 BC', '294276-12-31 00:00+00'), 1)$$) AS widest_range;

-- the transition rules' decision: NULL array elements and unknown values
SELECT what, pg_temp.try(format($$SELECT booking.transition_decide('transition', '00000000-0000-0000-0000-0000000000e1', 'pending', 'confirmed',
                                  false, %s, %s, false, now(), now() + interval '1 day', now() + interval '2 days', now(), %s, %s, %s)$$,
                                  r, rel, ids, actors, conds))
  FROM (VALUES ('null role', 'ARRAY[NULL]::text[]', 'NULL', 'NULL', 'NULL', 'NULL'),
               ('null relation', $$'{student}'$$, 'ARRAY[NULL]::text[]', 'NULL', 'NULL', 'NULL'),
               ('unknown relation', $$'{student}'$$, $$'{parent}'$$, 'NULL', 'NULL', 'NULL'),
               ('null rule id', $$'{student}'$$, 'NULL', 'ARRAY[NULL]::uuid[]', $$'{student}'$$, $$'{"{}"}'$$),
               ('null rule actor', $$'{student}'$$, 'NULL', $$ARRAY['00000000-0000-0000-0000-0000000000f1']::uuid[]$$, 'ARRAY[NULL]::text[]', $$'{"{}"}'$$),
               ('rules of different lengths', $$'{student}'$$, 'NULL', $$ARRAY['00000000-0000-0000-0000-0000000000f1']::uuid[]$$, $$'{student,staff}'$$, $$'{"{}"}'$$))
       AS t(what, r, rel, ids, actors, conds);
