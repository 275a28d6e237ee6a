-- Invoice numbers at the turn of the year, by the internal function the
-- issuers call with the instant of issue (their now(), also their
-- issued_at), here with explicit instants so that nothing depends on
-- today's date: the series is the year of the org's local date, a new year
-- starts at 1 from local midnight of January 1st, the numbers of a year go
-- past 999999 without being cut.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

INSERT INTO booking.org (id, name, time_zone, currency) VALUES
  ('00000000-0000-0000-0000-0000000018a0', 'Inv Year Berlin', 'Europe/Berlin', 'EUR'),
  ('00000000-0000-0000-0000-0000000018b0', 'Inv Year New York', 'America/New_York', 'USD');

-- 1. Berlin: the last microsecond of 2030 there (22:59:59.999999 UTC) takes
-- 2030's numbers, its midnight (23:00 UTC on December 31st) 2031's from 1;
-- an issuer that comes back to 2030 continues that series.
SELECT n.year, n.seq, n.number
  FROM (VALUES (1, '2030-12-31 23:59:59.999999 Europe/Berlin'::timestamptz),
               (2, '2030-12-31 23:59:59.999999 Europe/Berlin'),
               (3, '2031-01-01 00:00:00 Europe/Berlin'),
               (4, '2031-01-01 00:00:01 Europe/Berlin'),
               (5, '2030-12-31 23:59:59 Europe/Berlin')) AS t(i, at),
       LATERAL booking.invoice_take_number('00000000-0000-0000-0000-0000000018a0', t.at) AS n
 ORDER BY t.i;
-- 2. New York: at midnight UTC on January 1st it is still December 31st
-- there (19:00): the old year; from its own midnight (05:00 UTC) the new.
SELECT n.year, n.seq, n.number
  FROM (VALUES (1, '2031-01-01 00:00:00 UTC'::timestamptz),
               (2, '2031-01-01 04:59:59.999999 UTC'),
               (3, '2031-01-01 05:00:00 UTC')) AS t(i, at),
       LATERAL booking.invoice_take_number('00000000-0000-0000-0000-0000000018b0', t.at) AS n
 ORDER BY t.i;
SELECT o.name, c.year, c.last_seq FROM booking.invoice_counter c JOIN booking.org o ON o.id = c.org_id
 WHERE c.org_id IN ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018b0')
 ORDER BY o.name, c.year;
-- 3. Past 999999 the number grows a digit (it was cut to six, and the
-- millionth number of a year repeated the 100000th).
UPDATE booking.invoice_counter SET last_seq = 999998
 WHERE org_id = '00000000-0000-0000-0000-0000000018a0' AND year = 2031;
SELECT n.seq, n.number
  FROM (VALUES (1, '2031-06-01 12:00 Europe/Berlin'::timestamptz), (2, '2031-06-01 12:01 Europe/Berlin'),
               (3, '2031-06-01 12:02 Europe/Berlin')) AS t(i, at),
       LATERAL booking.invoice_take_number('00000000-0000-0000-0000-0000000018a0', t.at) AS n
 ORDER BY t.i;

-- Leave the database as found.
DELETE FROM booking.org WHERE id IN ('00000000-0000-0000-0000-0000000018a0', '00000000-0000-0000-0000-0000000018b0');
