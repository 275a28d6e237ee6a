-- Life cycle, the rules engine: the decision in C, the facts it needs (the
-- acting user's relations to a booking, the org's settings), the default
-- rule set of a new org and the terms of a cancellation.

CREATE OR REPLACE FUNCTION booking.transition_decide(
    action pg_catalog.text, booking_id pg_catalog.uuid,
    from_status pg_catalog.text, to_status pg_catalog.text,
    is_system pg_catalog.bool, roles pg_catalog.text[], relations pg_catalog.text[],
    has_reason pg_catalog.bool, at pg_catalog.timestamptz,
    starts_at pg_catalog.timestamptz, ends_at pg_catalog.timestamptz, created_at pg_catalog.timestamptz,
    rule_ids pg_catalog.uuid[], rule_actors pg_catalog.text[], rule_conditions pg_catalog.text[])
  RETURNS pg_catalog.uuid
  LANGUAGE c STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'booking_transition_decide';
COMMENT ON FUNCTION booking.transition_decide(pg_catalog.text, pg_catalog.uuid, pg_catalog.text, pg_catalog.text, pg_catalog.bool, pg_catalog.text[], pg_catalog.text[], pg_catalog.bool, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.uuid[], pg_catalog.text[], pg_catalog.text[]) IS
  'the rules engine (C): given the active rules of one (from, to) pair as three aligned arrays and the facts of a change, return the id of the rule that allows it or raise the error naming the missing rule (55000), role (42501) or failed condition (55000 too early or too late, 22004 reason, 42501 relation); internal to the life-cycle triggers';

-- The relations of a user to a booking, as the relation condition names
-- them: client (their own client record), guardian (a guardian of the
-- client), resource (the user of the booking's resource or of the resource
-- running its session).
CREATE OR REPLACE FUNCTION booking.booking_relations(b booking.booking, user_id pg_catalog.uuid)
  RETURNS pg_catalog.text[]
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
-- PL/pgSQL: Citus cannot plan the statements of an SQL function with
-- parameters on a shard's trigger; the one query's EXISTS are not
-- correlated (parameters only), each a router query of the org
BEGIN
  RETURN pg_catalog.array_remove(ARRAY[
      CASE WHEN EXISTS (SELECT 1 FROM booking.client c
                         WHERE c.org_id OPERATOR(pg_catalog.=) b.org_id AND c.id OPERATOR(pg_catalog.=) b.client_id
                           AND c.user_id OPERATOR(pg_catalog.=) booking_relations.user_id)
           THEN 'client' END,
      CASE WHEN EXISTS (SELECT 1 FROM booking.client_guardian cg
                          JOIN booking.guardian g
                            ON g.org_id OPERATOR(pg_catalog.=) cg.org_id AND g.id OPERATOR(pg_catalog.=) cg.guardian_id
                         WHERE cg.org_id OPERATOR(pg_catalog.=) b.org_id AND cg.client_id OPERATOR(pg_catalog.=) b.client_id
                           AND g.user_id OPERATOR(pg_catalog.=) booking_relations.user_id)
           THEN 'guardian' END,
      CASE WHEN EXISTS (SELECT 1 FROM booking.resource r
                         WHERE r.org_id OPERATOR(pg_catalog.=) b.org_id AND r.id OPERATOR(pg_catalog.=) b.resource_id
                           AND r.user_id OPERATOR(pg_catalog.=) booking_relations.user_id)
             OR EXISTS (SELECT 1 FROM booking.session s
                          JOIN booking.resource r
                            ON r.org_id OPERATOR(pg_catalog.=) s.org_id AND r.id OPERATOR(pg_catalog.=) s.resource_id
                         WHERE s.org_id OPERATOR(pg_catalog.=) b.org_id AND s.id OPERATOR(pg_catalog.=) b.session_id
                           AND r.user_id OPERATOR(pg_catalog.=) booking_relations.user_id)
           THEN 'resource' END]::pg_catalog.text[], NULL::pg_catalog.text);
END
$$;
COMMENT ON FUNCTION booking.booking_relations(booking.booking, pg_catalog.uuid) IS
  'what user_id is to booking b: client (their own client record), guardian (a guardian of its client), resource (the user of its resource or of its session''s resource); read with the caller''s row-level security';

-- Decide one change of booking b to to_status for the current actor: read
-- the org's active rules for the pair and the acting user's roles and
-- relations, and ask the C engine.  Returns the allowing rule's id.
CREATE OR REPLACE FUNCTION booking.lifecycle_decide(action pg_catalog.text, b booking.booking,
                                         to_status booking.booking_status, has_reason pg_catalog.bool)
  RETURNS pg_catalog.uuid
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  sys pg_catalog.bool := booking.acting_is_system();
  ids pg_catalog.uuid[];
  actors pg_catalog.text[];
  docs pg_catalog.text[];
  needs_relation pg_catalog.bool;
  rels pg_catalog.text[] := '{}';
  saved_zone pg_catalog.text;
  rule pg_catalog.uuid;
BEGIN
  SELECT pg_catalog.array_agg(r.id ORDER BY r.required_role, r.id),
         pg_catalog.array_agg(r.required_role::pg_catalog.text ORDER BY r.required_role, r.id),
         pg_catalog.array_agg(r.conditions::pg_catalog.text ORDER BY r.required_role, r.id),
         pg_catalog.bool_or(r.conditions OPERATOR(pg_catalog.?) 'relation')
    INTO ids, actors, docs, needs_relation
    FROM booking.transition_rule r
   WHERE r.org_id OPERATOR(pg_catalog.=) b.org_id
     AND r.from_status OPERATOR(pg_catalog.=) b.status
     AND r.to_status OPERATOR(pg_catalog.=) lifecycle_decide.to_status
     AND r.active;
  IF needs_relation AND NOT sys AND booking.current_user_id() IS NOT NULL THEN
    rels := booking.booking_relations(b, booking.current_user_id());
  END IF;
  -- The engine's messages print times (too early / too late) in the
  -- session's TimeZone: the org's, for the call (issue 19).  An error
  -- leaves the setting to the rollback of the (sub)transaction it aborts.
  saved_zone := pg_catalog.current_setting('TimeZone');
  PERFORM pg_catalog.set_config('TimeZone', booking.org_zone(b.org_id), true);
  rule := booking.transition_decide(
    action, b.id, b.status::pg_catalog.text, lifecycle_decide.to_status::pg_catalog.text,
    sys, booking.current_roles()::pg_catalog.text[], rels, has_reason,
    pg_catalog.now(), b.starts_at, b.ends_at, b.created_at, ids, actors, docs);
  PERFORM pg_catalog.set_config('TimeZone', saved_zone, true);
  RETURN rule;
END
$$;
COMMENT ON FUNCTION booking.lifecycle_decide(pg_catalog.text, booking.booking, booking.booking_status, pg_catalog.bool) IS
  'check that the acting user (or the system, while booking.internal is on) may move booking b to to_status now, by the active rules of its org; returns the allowing rule''s id or raises (see booking.transition_decide)';

-- Org settings of the life cycle: settings -> 'lifecycle' -> key, in
-- minutes; a missing key gives the default, JSON null turns it off.
-- PL/pgSQL rather than a BEGIN ATOMIC body: the life-cycle trigger calls it
-- for every new booking, and an SQL function with a SET clause is never
-- inlined, so each call would read its stored body and plan it again; here
-- the expression's plan is cached for the session.
CREATE OR REPLACE FUNCTION booking.lifecycle_minutes(settings pg_catalog.jsonb, key pg_catalog.text)
  RETURNS pg_catalog.int4
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  RETURN CASE
           WHEN COALESCE((settings OPERATOR(pg_catalog.->) 'lifecycle') OPERATOR(pg_catalog.?) key, false)
             THEN (settings OPERATOR(pg_catalog.->) 'lifecycle' OPERATOR(pg_catalog.->>) key)::pg_catalog.int4
           WHEN key OPERATOR(pg_catalog.=) 'pending_expiry_minutes' THEN 1440
           WHEN key OPERATOR(pg_catalog.=) 'no_show_after_minutes' THEN 15
           WHEN key OPERATOR(pg_catalog.=) 'auto_complete_after_minutes' THEN 60
         END;
END
$$;
COMMENT ON FUNCTION booking.lifecycle_minutes(pg_catalog.jsonb, pg_catalog.text) IS
  'a life-cycle setting of an org in minutes, from settings.lifecycle: pending_expiry_minutes (default 1440), no_show_after_minutes (15), auto_complete_after_minutes (60); JSON null turns the scheduled transition off (NULL)';

CREATE OR REPLACE FUNCTION booking.lifecycle_settings_check(settings pg_catalog.jsonb) RETURNS pg_catalog.bool
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  lc pg_catalog.jsonb := settings OPERATOR(pg_catalog.->) 'lifecycle';
  k pg_catalog.text;
  v pg_catalog.jsonb;
BEGIN
  IF lc IS NULL THEN
    RETURN true;
  END IF;
  IF pg_catalog.jsonb_typeof(lc) OPERATOR(pg_catalog.<>) 'object' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = 'org setting lifecycle must be a JSON object',
      HINT = 'For example {"lifecycle": {"pending_expiry_minutes": 1440, "no_show_after_minutes": 15, "auto_complete_after_minutes": 60}}.';
  END IF;
  FOR k, v IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(lc) e LOOP
    IF k OPERATOR(pg_catalog.<>) ALL ('{pending_expiry_minutes,no_show_after_minutes,auto_complete_after_minutes}'::pg_catalog.text[]) THEN
      RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
        MESSAGE = pg_catalog.format('unknown org setting lifecycle.%s', k),
        HINT = 'The life-cycle settings are pending_expiry_minutes, no_show_after_minutes and auto_complete_after_minutes.';
    END IF;
    IF pg_catalog.jsonb_typeof(v) OPERATOR(pg_catalog.<>) 'null'
       AND (pg_catalog.jsonb_typeof(v) OPERATOR(pg_catalog.<>) 'number'
            OR v::pg_catalog.text OPERATOR(pg_catalog.!~) '^[0-9]{1,6}$'
            OR v::pg_catalog.text::pg_catalog.int4 OPERATOR(pg_catalog.>) 525600) THEN
      RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
        MESSAGE = pg_catalog.format('org setting lifecycle.%s must be a whole number of minutes from 0 to 525600, or null, not %s', k, v),
        HINT = 'null turns the scheduled transition off.';
    END IF;
  END LOOP;
  RETURN true;
END
$$;
COMMENT ON FUNCTION booking.lifecycle_settings_check(pg_catalog.jsonb) IS
  'true if the lifecycle object of org settings has only known keys with whole minutes (0 to 525600) or null; raises invalid_parameter_value (22023) otherwise';

-- The default rule set of a new org (see the README for the table).
CREATE OR REPLACE FUNCTION booking.seed_lifecycle_defaults(org_id pg_catalog.uuid) RETURNS pg_catalog.int4
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_column
-- PL/pgSQL rather than SQL: Citus cannot plan an SQL function's statements
-- with parameters (create_org on a coordinator).  One INSERT ... SELECT of
-- constants for one org: a router query.
DECLARE
  n pg_catalog.int4;
BEGIN
      INSERT INTO booking.transition_rule (org_id, from_status, to_status, required_role, conditions, description)
      SELECT seed_lifecycle_defaults.org_id, d.f::booking.booking_status, d.t::booking.booking_status,
             d.a::booking.transition_actor, d.c::pg_catalog.jsonb, d.descr
        FROM (VALUES
          ('pending', 'confirmed', 'staff', '{}', 'staff confirm a request'),
          ('pending', 'confirmed', 'instructor', '{"relation": ["resource"]}', 'the instructor confirms a request for them'),
          ('pending', 'cancelled', 'staff', '{}', 'staff cancel a request'),
          ('pending', 'cancelled', 'instructor', '{"relation": ["resource"], "reason_required": true}', 'the instructor declines a request, with a reason'),
          ('pending', 'cancelled', 'student', '{"relation": ["client"], "not_after": "start"}', 'the student withdraws a request before the start'),
          ('pending', 'cancelled', 'guardian', '{"relation": ["guardian"], "not_after": "start"}', 'a guardian withdraws a request before the start'),
          ('pending', 'cancelled', 'system', '{}', 'the system cancels a request (e.g. its session was cancelled)'),
          ('pending', 'expired', 'system', '{}', 'a request not confirmed in time expires'),
          ('waitlisted', 'confirmed', 'system', '{}', 'waitlist promotion when a seat is freed'),
          ('waitlisted', 'pending', 'system', '{}', 'waitlist promotion to a request that needs confirmation'),
          ('waitlisted', 'confirmed', 'staff', '{}', 'staff admit from the waitlist'),
          ('waitlisted', 'cancelled', 'staff', '{}', 'staff remove from the waitlist'),
          ('waitlisted', 'cancelled', 'student', '{"relation": ["client"]}', 'the student leaves the waitlist'),
          ('waitlisted', 'cancelled', 'guardian', '{"relation": ["guardian"]}', 'a guardian takes the student off the waitlist'),
          ('waitlisted', 'cancelled', 'system', '{}', 'the system cancels a waiting booking'),
          ('waitlisted', 'expired', 'system', '{}', 'still waiting when the session starts'),
          ('confirmed', 'in_progress', 'staff', '{"not_before": "start-30m"}', 'staff start a lesson at most 30 minutes early'),
          ('confirmed', 'in_progress', 'instructor', '{"relation": ["resource"], "not_before": "start-30m"}', 'the instructor starts their lesson at most 30 minutes early'),
          ('confirmed', 'completed', 'staff', '{"not_before": "start"}', 'staff complete a booking after its start'),
          ('confirmed', 'completed', 'instructor', '{"relation": ["resource"], "not_before": "start"}', 'the instructor completes their lesson after its start'),
          ('confirmed', 'completed', 'system', '{"not_before": "end"}', 'auto-completion after the end'),
          ('confirmed', 'no_show', 'staff', '{"not_before": "start+15m"}', 'staff record a no-show 15 minutes after the start'),
          ('confirmed', 'no_show', 'instructor', '{"relation": ["resource"], "not_before": "start+15m"}', 'the instructor records a no-show 15 minutes after the start'),
          ('confirmed', 'no_show', 'system', '{"not_before": "start+15m"}', 'the scheduled no-show check'),
          ('confirmed', 'cancelled', 'staff', '{}', 'staff cancel at any time'),
          ('confirmed', 'cancelled', 'instructor', '{"relation": ["resource"], "reason_required": true, "not_after": "start"}', 'the instructor cancels before the start, with a reason'),
          ('confirmed', 'cancelled', 'student', '{"relation": ["client"], "not_after": "start-24h"}', 'the student cancels until 24 hours before the start'),
          ('confirmed', 'cancelled', 'guardian', '{"relation": ["guardian"], "not_after": "start-24h"}', 'a guardian cancels until 24 hours before the start'),
          ('confirmed', 'cancelled', 'system', '{}', 'the system cancels (e.g. its session was cancelled)'),
          ('in_progress', 'completed', 'staff', '{}', 'staff complete a running lesson'),
          ('in_progress', 'completed', 'instructor', '{"relation": ["resource"]}', 'the instructor completes their running lesson'),
          ('in_progress', 'completed', 'system', '{"not_before": "end"}', 'auto-completion after the end'),
          ('in_progress', 'cancelled', 'staff', '{"reason_required": true}', 'staff abort a running lesson, with a reason'),
          ('no_show', 'completed', 'staff', '{"reason_required": true}', 'staff correct a wrong no-show, with a reason')
        ) AS d(f, t, a, c, descr)
      ON CONFLICT ON CONSTRAINT transition_rule_org_id_from_status_to_status_required_role_key DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION booking.seed_lifecycle_defaults(pg_catalog.uuid) IS
  'add the default transition rules to an org (booking.create_org does this for every new org); rules the org already has for the same from, to and role are kept; returns the number added';

-- Who cancels, for the cancellation policy.
CREATE OR REPLACE FUNCTION booking.cancellation_actor_of(b booking.booking) RETURNS booking.cancellation_actor
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  rels pg_catalog.text[];
BEGIN
  IF booking.acting_is_system() OR booking.current_user_id() IS NULL OR booking.acting_is_staff() THEN
    RETURN 'admin';
  END IF;
  rels := booking.booking_relations(b, booking.current_user_id());
  RETURN CASE
    WHEN 'resource' OPERATOR(pg_catalog.=) ANY (rels) THEN 'instructor'
    WHEN 'client' OPERATOR(pg_catalog.=) ANY (rels) THEN 'student'
    WHEN 'guardian' OPERATOR(pg_catalog.=) ANY (rels) THEN 'guardian'
    WHEN booking.acting_has_role('instructor') THEN 'instructor'
    WHEN booking.acting_has_role('guardian') THEN 'guardian'
    ELSE 'student'
  END::booking.cancellation_actor;
END
$$;
COMMENT ON FUNCTION booking.cancellation_actor_of(booking.booking) IS
  'who cancels booking b in the sense of the cancellation policy: admin for owner, admin, staff and the system; instructor for the user of its resource; student for its client; guardian for a guardian of the client; otherwise by role';

-- The terms of a cancellation: the active policy of the actor with the
-- largest hours_before_start not above the hours left (0 after the start).
CREATE OR REPLACE FUNCTION booking.cancellation_terms(org_id pg_catalog.uuid, actor booking.cancellation_actor,
                                           price_cents pg_catalog.int8, starts_at pg_catalog.timestamptz,
                                           at pg_catalog.timestamptz,
                                           OUT policy_id pg_catalog.uuid, OUT hours_before_start pg_catalog.numeric,
                                           OUT refund_percentage pg_catalog.int4, OUT fee_cents pg_catalog.int8,
                                           OUT refund_cents pg_catalog.int8)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  p record;
BEGIN
  hours_before_start := pg_catalog.round(EXTRACT(epoch FROM starts_at OPERATOR(pg_catalog.-) at)
                                         OPERATOR(pg_catalog./) 3600::pg_catalog.numeric, 2);
  SELECT c.id, c.refund_percentage, c.fee_cents INTO p
    FROM booking.cancellation_policy c
   WHERE c.org_id OPERATOR(pg_catalog.=) cancellation_terms.org_id
     AND c.actor OPERATOR(pg_catalog.=) cancellation_terms.actor AND c.active
     AND c.hours_before_start::pg_catalog.numeric OPERATOR(pg_catalog.<=)
         GREATEST(cancellation_terms.hours_before_start, 0::pg_catalog.numeric)
   ORDER BY c.hours_before_start DESC
   LIMIT 1;
  IF FOUND THEN
    policy_id := p.id;
    refund_percentage := p.refund_percentage;
    fee_cents := p.fee_cents;
  ELSIF EXISTS (SELECT 1 FROM booking.cancellation_policy c
                 WHERE c.org_id OPERATOR(pg_catalog.=) cancellation_terms.org_id
                   AND c.actor OPERATOR(pg_catalog.=) cancellation_terms.actor AND c.active) THEN
    refund_percentage := 0;     -- later than every tier of the actor
    fee_cents := 0;
  ELSE
    refund_percentage := 100;   -- no policy for this actor
    fee_cents := 0;
  END IF;
  refund_cents := GREATEST(0::pg_catalog.int8,
                    price_cents OPERATOR(pg_catalog.*) refund_percentage OPERATOR(pg_catalog./) 100
                    OPERATOR(pg_catalog.-) fee_cents);
END
$$;
COMMENT ON FUNCTION booking.cancellation_terms(pg_catalog.uuid, booking.cancellation_actor, pg_catalog.int8, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
  'terms of cancelling at time at: the active policy of actor with the largest hours_before_start not above the hours left before starts_at (0 once started) gives refund_percentage and fee_cents; refund_cents = max(0, floor(price_cents * refund_percentage / 100) - fee_cents). Later than every tier of the actor: no refund; no policy for the actor at all: full refund, no fee';
