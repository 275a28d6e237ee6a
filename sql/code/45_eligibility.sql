-- Eligibility of a client for a booking: license compatibility, age limits,
-- lesson length, prerequisites and parental consent, by the org's license
-- rules.  One function answers the write trigger (23K04) and the solver.

-- Eligibility: one function decides it for the write trigger and for the
-- solver.  Every problem is one row; no row means eligible.  Its queries are
-- key lookups whatever the arguments, so they keep one generic plan instead
-- of being planned again for every booking written.
CREATE OR REPLACE FUNCTION booking.eligibility_problems(org_id pg_catalog.uuid, resource_id pg_catalog.uuid,
                                             service_id pg_catalog.uuid, client_id pg_catalog.uuid,
                                             on_date pg_catalog.date)
  RETURNS TABLE (rule_id pg_catalog.uuid, reason pg_catalog.text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  caller_org pg_catalog.uuid := booking.current_org_id();
  x record;
  prerequisite pg_catalog.text;
BEGIN
  -- Runs with the owner's rights (a client's guardians and past lessons are
  -- not visible to every caller), so it answers only about the acting org
  -- and, below staff, only for one's own clients or resources.
  IF caller_org IS NULL OR caller_org OPERATOR(pg_catalog.<>) eligibility_problems.org_id
     OR NOT (booking.acting_is_staff()
             OR eligibility_problems.client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())
             OR eligibility_problems.resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())) THEN
    IF caller_org IS NULL AND NOT booking.caller_bypasses_rls() THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'eligibility needs an identity',
        HINT = 'Call booking.act_as(org_id, user_id) in the same transaction first.';
    ELSIF caller_org OPERATOR(pg_catalog.<>) eligibility_problems.org_id AND NOT booking.caller_bypasses_rls() THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'eligibility can only be asked for the acting org';
    ELSIF NOT booking.caller_bypasses_rls() THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = pg_catalog.format('client %s is not one of yours', eligibility_problems.client_id),
        DETAIL = 'Below staff, eligibility is asked for one''s own client record (or, as a guardian, one''s students) or one''s own resource.',
        HINT = 'Pass a client_id of booking.my_client_ids().';
    END IF;
  END IF;

  -- What the rules read, in one row: the client, service and resource, the
  -- org's license rule for this license type and lesson type, and the age
  -- of majority.  A missing client, service or resource is no problem here
  -- (a foreign key reports it); without an active rule there is no license
  -- restriction.
  SELECT c.id IS NOT NULL AS client_found, c.active AS client_active, c.date_of_birth,
         pg_catalog.date_part('year', pg_catalog.age(eligibility_problems.on_date::pg_catalog.timestamp,
                                                      c.date_of_birth::pg_catalog.timestamp))::pg_catalog.int4 AS age,
         s.active AS service_active, s.duration_minutes,
         r.id IS NOT NULL AS resource_found, r.active AS resource_active, r.license_classes,
         lr.id AS rule, lr.client_license_type, lr.lesson_type, lr.is_compatible, lr.required_resource_license,
         lr.min_client_age, lr.max_client_age, lr.min_duration_minutes, lr.max_duration_minutes,
         lr.prerequisites, lr.requires_parental_consent,
         o.id IS NOT NULL AS org_found,
         -- checked when written (booking.eligibility_settings_check); a
         -- value of before that check that is no whole number counts as 18
         COALESCE(CASE WHEN (o.settings OPERATOR(pg_catalog.->>) 'age_of_majority') OPERATOR(pg_catalog.~) '^[0-9]{1,3}$'
                       THEN (o.settings OPERATOR(pg_catalog.->>) 'age_of_majority')::pg_catalog.int4 END, 18) AS majority
    INTO x
    FROM (SELECT) AS one
    LEFT JOIN booking.client c
      ON c.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND c.id OPERATOR(pg_catalog.=) eligibility_problems.client_id
    LEFT JOIN booking.service s
      ON s.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND s.id OPERATOR(pg_catalog.=) eligibility_problems.service_id
    LEFT JOIN booking.resource r
      ON r.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id AND r.id OPERATOR(pg_catalog.=) eligibility_problems.resource_id
    LEFT JOIN booking.license_rule lr
      ON lr.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
     AND lr.client_license_type OPERATOR(pg_catalog.=) c.license_type
     AND lr.lesson_type OPERATOR(pg_catalog.=) s.lesson_type
     AND lr.active
    LEFT JOIN booking.org o ON o.id OPERATOR(pg_catalog.=) eligibility_problems.org_id;

  rule_id := NULL;
  IF x.client_found AND NOT x.client_active THEN
    reason := 'client is inactive'; RETURN NEXT;
  END IF;
  IF NOT x.service_active THEN
    reason := 'service is inactive'; RETURN NEXT;
  END IF;
  IF x.resource_found AND NOT x.resource_active THEN
    reason := 'resource is inactive'; RETURN NEXT;
  END IF;
  IF x.rule IS NULL THEN
    RETURN;
  END IF;

  rule_id := x.rule;
  IF NOT x.is_compatible THEN
    reason := pg_catalog.format('license type %s may not take %s lessons', x.client_license_type, x.lesson_type);
    RETURN NEXT;
  END IF;
  IF x.resource_found AND x.required_resource_license IS NOT NULL
     AND NOT x.required_resource_license OPERATOR(pg_catalog.=) ANY (x.license_classes) THEN
    reason := pg_catalog.format('the resource lacks license class %s', x.required_resource_license);
    RETURN NEXT;
  END IF;
  IF x.date_of_birth IS NULL AND (x.min_client_age IS NOT NULL OR x.max_client_age IS NOT NULL) THEN
    reason := 'date of birth unknown, the rule has an age limit'; RETURN NEXT;
  END IF;
  IF x.age OPERATOR(pg_catalog.<) x.min_client_age THEN
    reason := pg_catalog.format('client is %s on %s, younger than %s', x.age, eligibility_problems.on_date, x.min_client_age);
    RETURN NEXT;
  END IF;
  IF x.age OPERATOR(pg_catalog.>) x.max_client_age THEN
    reason := pg_catalog.format('client is %s on %s, older than %s', x.age, eligibility_problems.on_date, x.max_client_age);
    RETURN NEXT;
  END IF;
  IF x.duration_minutes OPERATOR(pg_catalog.<) x.min_duration_minutes THEN
    reason := pg_catalog.format('a %s-minute lesson is shorter than the rule''s %s minutes', x.duration_minutes, x.min_duration_minutes);
    RETURN NEXT;
  END IF;
  IF x.duration_minutes OPERATOR(pg_catalog.>) x.max_duration_minutes THEN
    reason := pg_catalog.format('a %s-minute lesson is longer than the rule''s %s minutes', x.duration_minutes, x.max_duration_minutes);
    RETURN NEXT;
  END IF;
  IF x.prerequisites OPERATOR(pg_catalog.<>) '[]'::pg_catalog.jsonb THEN
    FOR prerequisite IN SELECT pg_catalog.jsonb_array_elements_text(x.prerequisites) LOOP
      IF NOT EXISTS (
        SELECT 1 FROM booking.booking b
          JOIN booking.service ps ON ps.org_id OPERATOR(pg_catalog.=) b.org_id AND ps.id OPERATOR(pg_catalog.=) b.service_id
         WHERE b.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
           AND b.client_id OPERATOR(pg_catalog.=) eligibility_problems.client_id
           AND b.status OPERATOR(pg_catalog.=) 'completed'::booking.booking_status
           AND ps.lesson_type OPERATOR(pg_catalog.=) prerequisite) THEN
        reason := pg_catalog.format('prerequisite not completed: a %s lesson', prerequisite);
        RETURN NEXT;
      END IF;
    END LOOP;
  END IF;
  IF x.requires_parental_consent AND x.org_found
     AND (x.age IS NULL OR x.age OPERATOR(pg_catalog.<) x.majority)
     AND NOT EXISTS (
       SELECT 1 FROM booking.client_guardian cg
        WHERE cg.org_id OPERATOR(pg_catalog.=) eligibility_problems.org_id
          AND cg.client_id OPERATOR(pg_catalog.=) eligibility_problems.client_id
          AND cg.consent_given_at IS NOT NULL
          AND cg.consent_given_at OPERATOR(pg_catalog.<=) pg_catalog.now()) THEN
    reason := 'parental consent missing: no guardian of the client has given consent';
    RETURN NEXT;
  END IF;
END
$$;
COMMENT ON FUNCTION booking.eligibility_problems(pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.uuid, pg_catalog.date) IS
  'why client_id may not book service_id with resource_id on local date on_date: one row per problem (rule_id NULL for an inactive client, service or resource), none when eligible. The license rule of (client license type, service lesson type) applies if active: compatibility, the resource''s license class, age limits on on_date, lesson length, completed prerequisite lesson types, and parental consent (a guardian link with consent given) for a client under the org''s age of majority (settings.age_of_majority, default 18) or of unknown age. No rule, no license restriction';

-- The org's settings that eligibility reads: settings.age_of_majority, a
-- whole number of years from 0 to 150 (or absent or null: 18).  Checked
-- when the settings are written, so that a malformed value cannot reach,
-- and break, every booking's eligibility check.
CREATE OR REPLACE FUNCTION booking.eligibility_settings_check(settings pg_catalog.jsonb) RETURNS pg_catalog.bool
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v pg_catalog.jsonb := settings -> 'age_of_majority';
BEGIN
  IF v IS NOT NULL AND pg_catalog.jsonb_typeof(v) <> 'null'
     AND (pg_catalog.jsonb_typeof(v) <> 'number' OR v::pg_catalog.text !~ '^[0-9]{1,3}$'
          OR v::pg_catalog.text::pg_catalog.int4 > 150) THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('org setting age_of_majority must be a whole number of years from 0 to 150, or null, not %s', v),
      HINT = 'For example {"age_of_majority": 18}; null or no key means 18.';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION booking.eligibility_settings_check(pg_catalog.jsonb) IS
  'check settings.age_of_majority of an org (a whole number of years from 0 to 150, or null); raises invalid_parameter_value (22023) otherwise';

CREATE OR REPLACE FUNCTION booking.tg_eligibility_settings_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM booking.eligibility_settings_check(NEW.settings);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION booking.tg_eligibility_settings_check() IS
  'trigger (BEFORE INSERT OR UPDATE OF settings on org): check settings.age_of_majority (SQLSTATE 22023)';

CREATE OR REPLACE TRIGGER eligibility_settings_check BEFORE INSERT OR UPDATE OF settings ON booking.org
  FOR EACH ROW EXECUTE FUNCTION booking.tg_eligibility_settings_check();
