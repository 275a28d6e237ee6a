-- Seat invariants as a property test (issue 14).  Random sequences of
-- events on sessions (book, join the waitlist, hold, confirm, cancel,
-- change seats, change capacity, a hold lapsing, the session starting, the
-- runner running), each event in its own transaction, checked after every
-- step against a simple model written here, independently of the
-- extension:
--
--   the model: entries in arrival order, each seated or waiting (a hold may
--   lapse: a lapsed seat counts for nothing); free = capacity - seated
--   seats; the waitlist is strictly first come, first served: while the
--   first waiting entry fits into the free seats it is seated (one whose
--   hold lapsed leaves instead), and a newcomer is seated only when nobody
--   waits and it fits.  Promotion happens when seats are freed (a
--   cancellation, fewer seats, more capacity), when a writer claims seats
--   and when the runner runs; never in a session that has started, whose
--   waiting entries the runner expires (with the requests not confirmed
--   by then: the life cycle's pending expiry, at the start at the latest).
--
-- After every step: the database's seated and waiting entries are the
-- model's; seats taken <= capacity; no free seat that the order would give
-- to the first waiting entry (unless a lapsed hold still waits for its
-- expiry); no waiting entry left in a started session once the runner ran;
-- nobody promoted after the start; every status change in the history with
-- its own reason.  Prints what ran and the violations found (none).
SET client_min_messages = warning;
SET timezone = 'UTC';

INSERT INTO booking.app_user (id, email, full_name) VALUES ('00000000-0000-0000-0000-0000000015a1', 'prop.owner@example.com', 'Owner');
SELECT booking.create_org('Property Studio', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-0000000015a1') AS org \gset
INSERT INTO booking.service (org_id, id, name, duration_minutes, free) VALUES (:'org', '00000000-0000-0000-0000-0000000015e1', 'Workshop', 60, true);
-- a facilitator per sequence: each session is moved to have started
INSERT INTO booking.resource (org_id, id, display_name)
SELECT :'org', md5('prop resource ' || n)::uuid, 'Facilitator ' || n FROM generate_series(1, 40) n;
INSERT INTO booking.client (org_id, id, full_name)
SELECT :'org', md5('prop client ' || n)::uuid, 'Client ' || n FROM generate_series(1, 40) n;

CREATE TABLE pg_temp.model (seq int, id uuid, pos serial, seats int, st text, hold bool, lapsed bool, confirmed bool DEFAULT false);
CREATE TABLE pg_temp.tally (what text, n int);
CREATE TABLE pg_temp.cfg (org uuid, owner uuid);
INSERT INTO pg_temp.cfg VALUES (:'org', '00000000-0000-0000-0000-0000000015a1');

-- the model's free seats and its promotion
CREATE FUNCTION pg_temp.m_free(q int, cap int) RETURNS int LANGUAGE sql AS $$
  SELECT cap - coalesce(sum(seats), 0)::int FROM pg_temp.model WHERE seq = q AND st = 'seat' AND NOT lapsed $$;
CREATE FUNCTION pg_temp.m_promote(q int, cap int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE h record;
BEGIN
  UPDATE pg_temp.model SET st = 'gone' WHERE seq = q AND st = 'seat' AND lapsed;
  LOOP
    SELECT * INTO h FROM pg_temp.model WHERE seq = q AND st = 'wait' ORDER BY pos LIMIT 1;
    EXIT WHEN NOT FOUND;
    IF h.lapsed THEN
      UPDATE pg_temp.model SET st = 'gone' WHERE seq = q AND pos = h.pos;
    ELSIF h.seats <= pg_temp.m_free(q, cap) THEN
      UPDATE pg_temp.model SET st = 'seat' WHERE seq = q AND pos = h.pos;
    ELSE
      EXIT;
    END IF;
  END LOOP;
END $$;
-- a lapsed held seat (or, with waiting, a waiting entry whose hold lapsed)
-- while somebody waits: what makes a writer or the runner promote
CREATE FUNCTION pg_temp.m_lapsed(q int, waiting bool DEFAULT false) RETURNS bool LANGUAGE sql AS $$
  SELECT EXISTS (SELECT 1 FROM pg_temp.model WHERE seq = q AND st = 'wait')
     AND EXISTS (SELECT 1 FROM pg_temp.model WHERE seq = q AND lapsed AND (st = 'seat' OR (waiting AND st = 'wait'))) $$;
CREATE FUNCTION pg_temp.tally(what text) RETURNS void LANGUAGE sql AS $$ INSERT INTO pg_temp.tally VALUES (what, 1) $$;

-- the checks after a step; returns nothing, tallies violations
CREATE FUNCTION pg_temp.check(q int, sid uuid, cap int, start_time timestamptz, ran bool, ev int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  started bool := start_time IS NOT NULL;
  org uuid := (SELECT c.org FROM pg_temp.cfg c);
  taken int;
  head int;
BEGIN
  PERFORM set_config('booking.identity', '', true);
  taken := booking.seats_taken(org, sid);
  IF taken > cap THEN PERFORM pg_temp.tally('violation: seats taken over capacity'); END IF;
  IF EXISTS (SELECT id FROM booking.booking WHERE session_id = sid AND booking.occupies_now(status, hold_expires_at)
             EXCEPT SELECT id FROM pg_temp.model WHERE seq = q AND st = 'seat' AND NOT lapsed)
     OR EXISTS (SELECT id FROM pg_temp.model WHERE seq = q AND st = 'seat' AND NOT lapsed
                EXCEPT SELECT id FROM booking.booking WHERE session_id = sid AND booking.occupies_now(status, hold_expires_at)) THEN
    PERFORM pg_temp.tally('violation: seated entries differ from the model after event ' || ev);
  END IF;
  IF ARRAY(SELECT id FROM booking.booking WHERE session_id = sid AND status = 'waitlisted' ORDER BY created_at, id)
     IS DISTINCT FROM ARRAY(SELECT id FROM pg_temp.model WHERE seq = q AND st = 'wait' ORDER BY pos) THEN
    PERFORM pg_temp.tally('violation: the waitlist differs from the model after event ' || ev);
  END IF;
  SELECT seats INTO head FROM booking.booking WHERE session_id = sid AND status = 'waitlisted' ORDER BY created_at, id LIMIT 1;
  IF NOT started AND head <= cap - taken
     AND NOT EXISTS (SELECT 1 FROM booking.booking WHERE session_id = sid AND status IN ('pending', 'waitlisted')
                        AND hold_expires_at <= now()) THEN
    PERFORM pg_temp.tally('violation: a free seat the first in line fits into');
  END IF;
  IF started AND ran AND head IS NOT NULL THEN
    PERFORM pg_temp.tally('violation: a waiting entry in a started session');
  END IF;
  IF EXISTS (SELECT 1 FROM booking.status_history h JOIN booking.booking b ON b.org_id = h.org_id AND b.id = h.booking_id
              JOIN booking.session s ON s.org_id = b.org_id AND s.id = b.session_id
             WHERE b.session_id = sid AND h.from_status = 'waitlisted' AND booking.status_occupies(h.to_status)
               AND h.created_at > start_time) THEN
    PERFORM pg_temp.tally('violation: promoted after the start');
  END IF;
  IF EXISTS (SELECT 1 FROM booking.booking b
             WHERE b.session_id = sid
               AND b.status IS DISTINCT FROM (SELECT h.to_status FROM booking.status_history h
                                               WHERE h.org_id = b.org_id AND h.booking_id = b.id ORDER BY h.id DESC LIMIT 1)) THEN
    PERFORM pg_temp.tally('violation: a status without its history row');
  END IF;
  IF EXISTS (SELECT 1 FROM booking.status_history h JOIN booking.booking b ON b.org_id = h.org_id AND b.id = h.booking_id
             WHERE b.session_id = sid AND h.metadata ->> 'actor' = 'system' AND h.from_status IS DISTINCT FROM h.to_status
               AND (h.reason IS NULL
                    OR EXISTS (SELECT 1 FROM booking.scheduled_transition t
                                WHERE t.id = (h.metadata ->> 'scheduled_transition_id')::uuid AND t.booking_id <> h.booking_id))) THEN
    PERFORM pg_temp.tally('violation: a system change without its own reason');
  END IF;
END $$;

CREATE PROCEDURE pg_temp.run(sequences int, steps int) LANGUAGE plpgsql AS $$
DECLARE
  org uuid := (SELECT c.org FROM pg_temp.cfg c);
  owner uuid := (SELECT c.owner FROM pg_temp.cfg c);
  sid uuid;
  cap int;
  started bool;
  ran bool;
  ev int;
  k int;
  r record;
  b booking.booking;
  state text;
  pred bool;
  start_time timestamptz;
BEGIN
  FOR q IN 1..sequences LOOP
    cap := 1 + floor(random() * 5)::int;
    started := false;
    start_time := NULL;
    ran := false;
    PERFORM booking.act_as(org, owner);
    INSERT INTO booking.session (org_id, resource_id, service_id, title, starts_at, ends_at, capacity, currency)
    VALUES (org, md5('prop resource ' || q)::uuid, '00000000-0000-0000-0000-0000000015e1', 'Run ' || q,
            date_trunc('hour', now()) + make_interval(days => 10 + q), date_trunc('hour', now()) + make_interval(days => 10 + q, hours => 1),
            cap, 'EUR')
    RETURNING id INTO sid;
    COMMIT;
    FOR step IN 1..steps LOOP
      PERFORM booking.act_as(org, owner);
      -- every sequence ends with the start and a run of the runner
      ev := CASE WHEN step = steps THEN 10 WHEN step = steps - 1 THEN 9 ELSE floor(random() * 90)::int / 10 END;
      k := 1 + floor(random() * 3)::int;
      state := '00000';
      pred := NULL;
      BEGIN
        CASE ev
        WHEN 0, 1, 2 THEN   -- book (0), join the waitlist (1), hold (2)
          IF pg_temp.m_lapsed(q) THEN
            PERFORM pg_temp.m_promote(q, cap);
          END IF;
          pred := NOT EXISTS (SELECT 1 FROM pg_temp.model WHERE seq = q AND st = 'wait') AND k <= pg_temp.m_free(q, cap);
          b := booking.book(md5('prop client ' || (1 + floor(random() * 40)::int))::uuid, session_id => sid, seats => k,
                            waitlist => ev > 0, hold_minutes => CASE WHEN ev = 2 THEN 30 END);
          INSERT INTO pg_temp.model (seq, id, seats, st, hold, lapsed)
          VALUES (q, b.id, k, CASE WHEN pred THEN 'seat' ELSE 'wait' END, ev = 2, false);
          PERFORM pg_temp.tally(CASE ev WHEN 0 THEN 'book' WHEN 1 THEN 'join the waitlist' ELSE 'hold' END);
        WHEN 3 THEN         -- confirm a pending booking
          -- random() once per entry of the model, in its order, whatever
          -- plan the bookings' statistics give (a join drew them in the
          -- order of booking.booking's rows, which the earlier tests move)
          SELECT m.* INTO r FROM pg_temp.model m
           WHERE m.seq = q AND m.id = ANY (ARRAY(SELECT x.id FROM booking.booking x WHERE x.status = 'pending'))
           ORDER BY random() LIMIT 1;
          IF FOUND THEN
            pred := NOT r.lapsed;
            PERFORM booking.transition(r.id, 'confirmed');
            IF r.lapsed THEN PERFORM pg_temp.tally('violation: a lapsed hold confirmed'); END IF;
            UPDATE pg_temp.model SET hold = false, confirmed = true WHERE id = r.id;
            PERFORM pg_temp.tally('confirm');
          END IF;
        WHEN 4 THEN         -- cancel a seated or waiting entry
          SELECT m.* INTO r FROM pg_temp.model m WHERE m.seq = q AND m.st IN ('seat', 'wait') ORDER BY random() LIMIT 1;
          IF FOUND THEN
            PERFORM booking.cancel(r.id);
            UPDATE pg_temp.model SET st = 'gone' WHERE id = r.id;
            PERFORM pg_temp.m_promote(q, cap);
            PERFORM pg_temp.tally('cancel');
          END IF;
        WHEN 5 THEN         -- change the seats of an entry
          SELECT m.* INTO r FROM pg_temp.model m WHERE m.seq = q AND m.st IN ('seat', 'wait') AND m.seats <> k ORDER BY random() LIMIT 1;
          IF FOUND THEN
            IF r.st = 'seat' AND NOT r.lapsed AND k > r.seats AND pg_temp.m_lapsed(q) THEN
              PERFORM pg_temp.m_promote(q, cap);
            END IF;
            pred := NOT (r.st = 'seat' AND (r.lapsed OR (k > r.seats AND (EXISTS (SELECT 1 FROM pg_temp.model WHERE seq = q AND st = 'wait')
                                                                          OR k - r.seats > pg_temp.m_free(q, cap)))));
            UPDATE booking.booking SET seats = k WHERE id = r.id;
            UPDATE pg_temp.model SET seats = k WHERE id = r.id;
            IF NOT pred THEN
              PERFORM pg_temp.tally('violation: the model refuses a change of seats the database made');
            END IF;
            IF k < r.seats THEN PERFORM pg_temp.m_promote(q, cap); END IF;
            PERFORM pg_temp.tally('change seats');
          END IF;
        WHEN 6 THEN         -- change the capacity
          k := 1 + floor(random() * 6)::int;
          pred := k >= cap - pg_temp.m_free(q, cap);
          UPDATE booking.session SET capacity = k WHERE id = sid;
          IF NOT pred THEN
            PERFORM pg_temp.tally('violation: the model refuses a capacity the database took');
          END IF;
          IF k > cap THEN cap := k; PERFORM pg_temp.m_promote(q, cap); ELSE cap := k; END IF;
          PERFORM pg_temp.tally('change capacity');
        WHEN 7 THEN         -- a hold lapses (time passes; nobody writes)
          SELECT m.* INTO r FROM pg_temp.model m WHERE m.seq = q AND m.st IN ('seat', 'wait') AND m.hold AND NOT m.lapsed
           ORDER BY random() LIMIT 1;
          IF FOUND THEN
            PERFORM set_config('booking.identity', '', true);   -- the clock, as a loader writes it
            UPDATE booking.booking SET hold_expires_at = now() - interval '1 second' WHERE id = r.id;
            UPDATE pg_temp.model SET lapsed = true WHERE id = r.id;
            PERFORM pg_temp.tally('a hold lapses');
          END IF;
        WHEN 8 THEN         -- the runner
          PERFORM booking.run_due_transitions(1000);
          IF pg_temp.m_lapsed(q, true) THEN
            PERFORM pg_temp.m_promote(q, cap);
          END IF;
          PERFORM pg_temp.tally('the runner');
        WHEN 9 THEN         -- the session starts (moved to have started a minute ago)
          UPDATE booking.session SET starts_at = now() - interval '1 minute', ends_at = now() + interval '59 minutes' WHERE id = sid;
          started := true;
          start_time := now();
          PERFORM pg_temp.tally('the session starts');
        ELSE                -- after the start: the runner expires the waiting entries
          PERFORM booking.run_due_transitions(1000);
          -- (and a request not confirmed by the start expires then, the
          -- life cycle's pending expiry)
          UPDATE pg_temp.model SET st = 'gone' WHERE seq = q AND (st = 'wait' OR (st = 'seat' AND NOT confirmed));
          ran := true;
          PERFORM pg_temp.tally('the runner after the start');
        END CASE;
      EXCEPTION WHEN OTHERS THEN
        state := SQLSTATE;
      END;
      IF state <> '00000' THEN
        -- refused: the model must refuse it too (and nothing changed)
        IF pred THEN
          PERFORM pg_temp.tally('violation: refused (' || state || ') what the model allows, event ' || ev);
        ELSIF state = '23K01' AND ev IN (0, 5) THEN
          PERFORM pg_temp.tally('refused: session full (23K01)');
        ELSIF state = '23K02' AND ev = 6 THEN
          PERFORM pg_temp.tally('refused: capacity below seats taken (23K02)');
        ELSIF state = '23K05' AND ev IN (3, 5) THEN
          PERFORM pg_temp.tally('refused: hold lapsed (23K05)');
        ELSE
          PERFORM pg_temp.tally('violation: unexpected ' || state || ' for event ' || ev);
        END IF;
      END IF;
      PERFORM pg_temp.check(q, sid, cap, start_time, ran, ev);
      COMMIT;
    END LOOP;
  END LOOP;
END $$;

SELECT setseed(0.14);
CALL pg_temp.run(30, 30);
SELECT what, sum(n) AS times FROM pg_temp.tally GROUP BY what ORDER BY what LIKE 'violation%' DESC, what;

DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE id = '00000000-0000-0000-0000-0000000015a1';
