-- Columns have owners (README, "Who writes which column"): money, holds,
-- overrides and the author of a booking only through the engine's functions
-- or by staff; the facts eligibility reads (and staff's notes) of a client
-- only by staff; a notification's recipient marks it delivered, nothing
-- else; whether a user is active, their external login and their e-mail
-- address (changed through booking.request_email_change) only by the
-- engine.  Walked as every role of the org through a trusted pooled role.
BEGIN;
SET client_min_messages = warning;
\ir include/two_orgs.psql

-- table, column(s) owned, value(s) to write, the row (as the role sees it), a
-- column of the same row the role may write (to tell "refused" from "not
-- yours to update at all"), and who owns the column
CREATE TEMP TABLE owned (t text, col text, val text, row_filter text, free_col text, free_val text, owner text);
INSERT INTO owned VALUES
  ('booking', 'price_cents, resource_share_cents', '6000, 5000', $$id = pg_temp.id('0a', 'b1')$$, 'notes', $$'x'$$, 'staff'),
  ('booking', 'platform_fee_cents, resource_share_cents', '2000, 3000', $$id = pg_temp.id('0a', 'b1')$$, 'notes', $$'x'$$, 'staff'),
  ('booking', 'resource_share_cents, platform_fee_cents', '4500, 500', $$id = pg_temp.id('0a', 'b1')$$, 'notes', $$'x'$$, 'staff'),
  ('booking', 'hold_expires_at',      $$now() + interval '1000 days'$$, $$id = pg_temp.id('0a', 'b1')$$, 'notes', $$'x'$$, 'staff'),
  ('booking', 'overridden_rules',     $$'{horizon}'$$, $$id = pg_temp.id('0a', 'b1')$$, 'notes', $$'x'$$, 'staff'),
  ('booking', 'overridden_by',        $$booking.current_user_id()$$, $$id = pg_temp.id('0a', 'b1')$$, 'notes', $$'x'$$, 'staff'),
  ('booking', 'created_by',           $$booking.current_user_id()$$, $$id = pg_temp.id('0a', 'b1')$$, 'notes', $$'x'$$, 'staff'),
  ('client', 'date_of_birth',         $$'2015-01-01'$$, $$id = pg_temp.id('0a', 'c1')$$, 'phone', $$'+49 30 1'$$, 'staff'),
  ('client', 'license_type',          $$'A'$$,         $$id = pg_temp.id('0a', 'c1')$$, 'phone', $$'+49 30 1'$$, 'staff'),
  ('client', 'active',                'false',         $$id = pg_temp.id('0a', 'c1')$$, 'phone', $$'+49 30 1'$$, 'staff'),
  ('client', 'notes',                 $$'mine now'$$,  $$id = pg_temp.id('0a', 'c1')$$, 'phone', $$'+49 30 1'$$, 'staff'),
  ('client', 'user_id',               $$pg_temp.usr('0a', 'guardian')$$, $$id = pg_temp.id('0a', 'c1')$$, 'phone', $$'+49 30 1'$$, 'staff'),
  ('notification', 'user_id',         $$pg_temp.usr('0a', 'owner')$$, 'user_id = booking.current_user_id()', 'delivered', 'true', 'staff'),
  ('notification', 'booking_id',      'NULL',          'user_id = booking.current_user_id()', 'delivered', 'true', 'staff'),
  ('notification', 'kind',            $$'forged'$$,    'user_id = booking.current_user_id()', 'delivered', 'true', 'staff'),
  ('notification', 'payload',         $$'{"a": 1}'$$,  'user_id = booking.current_user_id()', 'delivered', 'true', 'staff'),
  ('notification', 'created_at',      $$now() - interval '1 year'$$, 'user_id = booking.current_user_id()', 'delivered', 'true', 'staff'),
  ('app_user', 'active',              'false',         'id = booking.current_user_id()', 'full_name', $$'New name'$$, 'engine'),
  ('app_user', 'external_id',         $$'idp|someone-else'$$, 'id = booking.current_user_id()', 'full_name', $$'New name'$$, 'engine'),
  ('app_user', 'email',               $$'new.address@orgs.example'$$, 'id = booking.current_user_id()', 'full_name', $$'New name'$$, 'engine');
CREATE TEMP TABLE outcome (role text, t text, col text, owner text, free text, owned text);
GRANT SELECT ON owned TO regress_orgs_app;
GRANT INSERT ON outcome TO regress_orgs_app;

-- 'written', 'no row' or the SQLSTATE of an UPDATE, always undone
CREATE FUNCTION pg_temp.try_update(t text, col text, val text, row_filter text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format('UPDATE booking.%I SET (%s) = ROW(%s) WHERE %s', t, col, val, row_filter);
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE EXCEPTION USING ERRCODE = 'P0004', MESSAGE = CASE WHEN n > 0 THEN 'written' ELSE 'no row' END;
EXCEPTION WHEN assert_failure THEN
  RETURN SQLERRM;
WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
CREATE FUNCTION pg_temp.walk() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  m record;
  w record;
BEGIN
  FOR m IN SELECT * FROM cast_member WHERE o = '0a' ORDER BY role LOOP
    PERFORM booking.act_as('00000000-0000-0000-0000-00000000000a', m.user_id);
    FOR w IN SELECT * FROM owned ORDER BY t, col LOOP
      INSERT INTO outcome VALUES (m.role, w.t, w.col, w.owner,
        pg_temp.try_update(w.t, w.free_col, w.free_val, w.row_filter),
        pg_temp.try_update(w.t, w.col, w.val, w.row_filter));
    END LOOP;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.try_update(text, text, text, text), pg_temp.walk() TO regress_orgs_app;

SET ROLE regress_orgs_app;
SELECT pg_temp.walk();
RESET ROLE;

SELECT plan(1 + (SELECT count(*)::int FROM outcome) + 14);
SELECT is((SELECT count(*)::int FROM outcome WHERE role = 'student' AND free = 'written'), (SELECT count(*)::int FROM owned),
          'the student may update their booking, client row, notification and user row (the walk reaches every owned column)');
SELECT is(o.owned,
          CASE WHEN o.free <> 'written' THEN o.free
               WHEN o.owner = 'staff' AND o.role::text IN ('owner', 'admin', 'staff') THEN 'written'
               ELSE '42501' END,
          format('%s: %s.%s (owned by %s) is %s', o.role, o.t, o.col, o.owner,
                 CASE WHEN o.free <> 'written' THEN 'out of reach with the whole row'
                      WHEN o.owner = 'staff' AND o.role::text IN ('owner', 'admin', 'staff') THEN 'written'
                      ELSE 'refused' END))
  FROM outcome o ORDER BY o.role, o.t, o.col;

-- A student's plain INSERT: no price, or exactly booking.book's; a hold of
-- at most 7 days; themselves as the author; no override record.
SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'student')) IS NOT NULL AS acting;
CREATE FUNCTION pg_temp.student_insert(extra_cols text, extra_vals text, day int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($q$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, currency%s)
                    VALUES (%L, %L, %L, %L::timestamptz, %L::timestamptz + interval '1 hour', 'EUR'%s)$q$,
                 extra_cols, pg_temp.id('0a', 'c1'), pg_temp.id('0a', 'r1'), pg_temp.id('0a', 'service'),
                 pg_temp.at(2, '06:00') + day * interval '90 minutes', pg_temp.at(2, '06:00') + day * interval '90 minutes',
                 extra_vals);
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT is(pg_temp.student_insert(', price_cents, resource_share_cents', ', 0, 0', 1), 'ok',
          'a student''s INSERT without a price passes');
SELECT is(pg_temp.student_insert(', price_cents, resource_share_cents', ', 5000, 5000', 2), 'ok',
          'a student''s INSERT with booking.book''s price passes');
SELECT is(pg_temp.student_insert(', price_cents, resource_share_cents', ', 1, 1', 3),
          '42501: permission denied to write column price_cents of table booking',
          'a student''s INSERT at a price of their own is refused');
SELECT is(pg_temp.student_insert(', hold_expires_at', $$, now() + interval '1000 days'$$, 4),
          '42501: permission denied to write column hold_expires_at of table booking',
          'a student''s INSERT with a hold of 1,000 days is refused');
SELECT is(pg_temp.student_insert(', hold_expires_at', $$, now() + interval '1 day'$$, 5), 'ok',
          'a student''s INSERT with a hold of a day passes');
SELECT is(pg_temp.student_insert(', created_by', format(', %L', pg_temp.usr('0a', 'owner')), 6),
          '42501: permission denied to write column created_by of table booking',
          'a student''s INSERT in the owner''s name is refused');
SELECT is(pg_temp.student_insert(', overridden_rules, overridden_by', format($$, '{horizon}', %L$$, pg_temp.usr('0a', 'owner')), 7),
          '42501: permission denied to write column overridden_rules of table booking',
          'a student''s INSERT with an override record is refused');
SELECT is((SELECT price_cents FROM booking.book(pg_temp.id('0a', 'c1'), pg_temp.id('0a', 'service'), pg_temp.at(3, '10:00'),
                                                pg_temp.id('0a', 'r1'), seats => 1))::bigint, 5000::bigint,
          'booking.book, called by the student, prices the booking from the default rate card');
SELECT is((SELECT created_by FROM booking.booking WHERE starts_at = pg_temp.at(3, '10:00')), pg_temp.usr('0a', 'student'),
          'booking.book records the student as the author');
-- more seats: the price follows, as booking.book would give it
UPDATE booking.booking SET seats = 2 WHERE id = pg_temp.id('0a', 'b1');
SELECT is((SELECT price_cents::bigint FROM booking.booking WHERE id = pg_temp.id('0a', 'b1')), 10000::bigint,
          'a student booking two seats instead of one pays for two');
SELECT is(pg_temp.try_update('booking', 'seats, price_cents, resource_share_cents', '3, 5000, 4000', $$id = pg_temp.id('0a', 'b1')$$),
          '42501', 'a student giving a price of their own with more seats is refused');
RESET ROLE;

-- Below staff the price is the default card's: naming another rate card
-- would choose one's own price.  Staff may.
INSERT INTO booking.rate_card (org_id, id, name, currency, is_default)
VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000ca', 'Friends', 'EUR', false);
INSERT INTO booking.rate_card_item (org_id, rate_card_id, service_id, price_cents)
VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000ca', pg_temp.id('0a', 'service'), 1);
SET ROLE regress_orgs_app;
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'student')) IS NOT NULL AS acting;
SELECT is(pg_temp.student_insert(', rate_card_id', $$, '00000000-0000-0000-0000-0000000000ca'$$, 8),
          '42501: permission denied to write column rate_card_id of table booking',
          'a student''s INSERT on a rate card other than the default is refused');
SELECT throws_ok(format('SELECT booking.book(%L, %L, %L, %L, rate_card_id => %L)', pg_temp.id('0a', 'c1'), pg_temp.id('0a', 'service'),
                        pg_temp.at(4, '10:00'), pg_temp.id('0a', 'r1'), '00000000-0000-0000-0000-0000000000ca'),
                 '42501', 'permission denied to write column rate_card_id of table booking',
                 'booking.book, called by a student on another rate card, is refused');
SELECT booking.act_as('00000000-0000-0000-0000-00000000000a', pg_temp.usr('0a', 'owner')) IS NOT NULL AS acting;
SELECT is((SELECT price_cents FROM booking.book(pg_temp.id('0a', 'c1'), pg_temp.id('0a', 'service'), pg_temp.at(4, '10:00'),
                                                pg_temp.id('0a', 'r1'), rate_card_id => '00000000-0000-0000-0000-0000000000ca'))::bigint,
          1::bigint, 'an owner books on another rate card, at its price');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
