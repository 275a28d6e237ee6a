-- Bad input to the write path: every refusal has its SQLSTATE.
SET client_min_messages = warning;
\i test/sql/include/try.psql

\set org '''00000000-0000-0000-0000-00000000d000'''
\set other '''00000000-0000-0000-0000-00000000d00f'''
\set owner '''00000000-0000-0000-0000-00000000d0a1'''
INSERT INTO booking.app_user (id, email, full_name) VALUES (:owner, 'owner@bad.example', 'Owner');
INSERT INTO booking.org (id, name, time_zone, currency) VALUES (:org, 'Bad Input', 'Europe/Berlin', 'EUR'), (:other, 'Other', 'UTC', 'USD');
INSERT INTO booking.membership (org_id, user_id, role) VALUES (:org, :owner, 'owner');
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES
  (:org, '00000000-0000-0000-0000-00000000d051', 'Lesson', 60, true), (:org, '00000000-0000-0000-0000-00000000d052', 'Workshop', 120, true),
  (:other, '00000000-0000-0000-0000-00000000d0f5', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name) VALUES
  (:org, '00000000-0000-0000-0000-00000000d071', 'Ingo'), (:other, '00000000-0000-0000-0000-00000000d0f7', 'Otto');
INSERT INTO booking.client (org_id, id, full_name) VALUES
  (:org, '00000000-0000-0000-0000-00000000d061', 'Ann'), (:other, '00000000-0000-0000-0000-00000000d0f6', 'Olga');
-- day 0 is a Monday three weeks ahead, day -28 one or two weeks ago
\i test/sql/include/week.psql
INSERT INTO booking.session (org_id, id, resource_id, service_id, title, starts_at, ends_at, capacity, currency, status) VALUES
  (:org, '00000000-0000-0000-0000-00000000d091', '00000000-0000-0000-0000-00000000d071', '00000000-0000-0000-0000-00000000d052',
   'Future', pg_temp.at(0, '18:00'), pg_temp.at(0, '20:00'), 5, 'EUR', 'scheduled'),
  (:org, '00000000-0000-0000-0000-00000000d092', '00000000-0000-0000-0000-00000000d071', '00000000-0000-0000-0000-00000000d052',
   'Past', pg_temp.at(-28, '18:00'), pg_temp.at(-28, '20:00'), 5, 'EUR', 'scheduled'),
  (:org, '00000000-0000-0000-0000-00000000d093', '00000000-0000-0000-0000-00000000d071', '00000000-0000-0000-0000-00000000d052',
   'Called off', pg_temp.at(1, '18:00'), pg_temp.at(1, '20:00'), 5, 'EUR', 'cancelled');
\i test/sql/include/open_hours.psql
SELECT set_config('booking.identity', :org || ' ' || :owner || ' owner', false) IS NOT NULL AS acting;

CREATE FUNCTION pg_temp.appt(label text, cols text, vals text) RETURNS TABLE (label text, result text)
LANGUAGE sql AS $$
  SELECT label, pg_temp.try(format($q$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency%s)
    VALUES ('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-00000000d071', '00000000-0000-0000-0000-00000000d051',
            pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR'%s)$q$, cols, vals))
$$;

-- appointments
SELECT 'start after end' AS label, pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES ('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-00000000d071', '00000000-0000-0000-0000-00000000d051',
          pg_temp.at(0, '11:00'), pg_temp.at(0, '10:00'), 'EUR')$$)
UNION ALL
SELECT 'start equals end', pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES ('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-00000000d071', '00000000-0000-0000-0000-00000000d051',
          pg_temp.at(0, '11:00'), pg_temp.at(0, '11:00'), 'EUR')$$)
UNION ALL
SELECT 'duration not the service''s', pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES ('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-00000000d071', '00000000-0000-0000-0000-00000000d051',
          pg_temp.at(0, '10:00'), pg_temp.at(0, '10:45'), 'EUR')$$)
UNION ALL
SELECT 'no resource and no session', pg_temp.try($$INSERT INTO booking.booking (client_id, service_id, starts_at, ends_at, currency)
  VALUES ('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-00000000d051', pg_temp.at(0, '10:00'), pg_temp.at(0, '11:00'), 'EUR')$$);
SELECT * FROM pg_temp.appt('seats = 0', ', seats', ', 0')
UNION ALL SELECT * FROM pg_temp.appt('seats < 0', ', seats', ', -2')
UNION ALL SELECT * FROM pg_temp.appt('unknown status', ', status', ', ''booked''')
UNION ALL SELECT * FROM pg_temp.appt('waitlisted appointment', ', status', ', ''waitlisted''')
UNION ALL SELECT * FROM pg_temp.appt('hold already expired', ', hold_expires_at', ', now() - interval ''1 minute''')
UNION ALL SELECT * FROM pg_temp.appt('empty idempotency key', ', idempotency_key', ', ''''')
UNION ALL SELECT * FROM pg_temp.appt('another org''s row (as a superuser: its foreign keys)', ', org_id', ', ' || quote_literal(:other));

-- references to another org's client, resource or service
SELECT col, pg_temp.try(format($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency)
  VALUES (%L, %L, %L, pg_temp.at(0, '12:00'), pg_temp.at(0, '13:00'), 'EUR')$$,
  CASE col WHEN 'client' THEN '00000000-0000-0000-0000-00000000d0f6' ELSE '00000000-0000-0000-0000-00000000d061' END,
  CASE col WHEN 'resource' THEN '00000000-0000-0000-0000-00000000d0f7' ELSE '00000000-0000-0000-0000-00000000d071' END,
  CASE col WHEN 'service' THEN '00000000-0000-0000-0000-00000000d0f5' ELSE '00000000-0000-0000-0000-00000000d051' END))
  FROM unnest(ARRAY['client', 'resource', 'service']) AS col;

-- sessions
CREATE FUNCTION pg_temp.seat(label text, session text, extra_cols text DEFAULT '', extra_vals text DEFAULT '') RETURNS TABLE (label text, result text)
LANGUAGE sql AS $$
  SELECT label, pg_temp.try(format($q$INSERT INTO booking.booking (client_id, session_id%s) VALUES ('00000000-0000-0000-0000-00000000d061', %L%s)$q$,
                                   extra_cols, session, extra_vals))
$$;
SELECT * FROM pg_temp.seat('session in the past', '00000000-0000-0000-0000-00000000d092')
UNION ALL SELECT * FROM pg_temp.seat('waitlist of a past session', '00000000-0000-0000-0000-00000000d092', ', status', ', ''waitlisted''')
UNION ALL SELECT * FROM pg_temp.seat('cancelled session', '00000000-0000-0000-0000-00000000d093')
UNION ALL SELECT * FROM pg_temp.seat('times differ from the session', '00000000-0000-0000-0000-00000000d091', ', starts_at, ends_at',
                                     ', pg_temp.at(0, ''18:30''), pg_temp.at(0, ''20:30'')')
UNION ALL SELECT * FROM pg_temp.seat('service differs from the session', '00000000-0000-0000-0000-00000000d091', ', service_id',
                                     ', ''00000000-0000-0000-0000-00000000d051''')
UNION ALL SELECT * FROM pg_temp.seat('seats = 0', '00000000-0000-0000-0000-00000000d091', ', seats', ', 0')
UNION ALL SELECT * FROM pg_temp.seat('more seats than capacity', '00000000-0000-0000-0000-00000000d091', ', seats', ', 6')
UNION ALL SELECT * FROM pg_temp.seat('unknown session', '00000000-0000-0000-0000-0000000000ff');
SELECT pg_temp.try($$UPDATE booking.session SET capacity = 0 WHERE id = '00000000-0000-0000-0000-00000000d091'$$) AS capacity_zero;

-- book()
SELECT label, pg_temp.try(cmd) FROM (VALUES
  ('appointment without start', $$SELECT booking.book('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-00000000d051', NULL, '00000000-0000-0000-0000-00000000d071')$$),
  ('hold of 0 minutes', $$SELECT booking.book('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-00000000d051', pg_temp.at(0, '10:00'), '00000000-0000-0000-0000-00000000d071', hold_minutes => 0)$$),
  ('seats = 0', $$SELECT booking.book('00000000-0000-0000-0000-00000000d061', session_id => '00000000-0000-0000-0000-00000000d091', seats => 0)$$),
  ('unknown service', $$SELECT booking.book('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-0000000000ff', pg_temp.at(0, '10:00'), '00000000-0000-0000-0000-00000000d071')$$),
  ('another org''s client', $$SELECT booking.book('00000000-0000-0000-0000-00000000d0f6', '00000000-0000-0000-0000-00000000d051', pg_temp.at(2, '10:00'), '00000000-0000-0000-0000-00000000d071')$$)
) AS t(label, cmd);
RESET booking.identity;
SELECT pg_temp.try($$SELECT booking.book('00000000-0000-0000-0000-00000000d061', '00000000-0000-0000-0000-00000000d051', pg_temp.at(0, '10:00'), '00000000-0000-0000-0000-00000000d071')$$) AS book_without_identity;
SELECT count(*) AS nothing_was_written FROM booking.booking WHERE org_id IN (:org, :other);

DELETE FROM booking.org WHERE id IN (:org, :other);
DELETE FROM booking.app_user WHERE id = :owner;
