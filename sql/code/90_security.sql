-- Row-level security.
--
-- Every tenant table gets a RESTRICTIVE policy "tenant_isolation":
-- org_id = booking.current_org_id().  Without an identity (see act_as) it is
-- NULL and nothing is visible.  Permissive policies then say who inside the
-- org sees and writes what.  RLS is FORCEd, so the table owner is no
-- exception (superusers and BYPASSRLS roles always are).  Identity tests run
-- once per statement: they are written as (SELECT booking.f()).

-- The resources, clients and sessions the acting user stands for.  SECURITY
-- DEFINER so that policies can use them without recursing into each other.
CREATE OR REPLACE FUNCTION booking.my_resource_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(r.id), '{}')
      FROM booking.resource r
     WHERE r.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND r.user_id OPERATOR(pg_catalog.=) booking.current_user_id();
  END;
COMMENT ON FUNCTION booking.my_resource_ids() IS
  'resources (instructor, facilitator) linked to the acting user in the acting org';

CREATE OR REPLACE FUNCTION booking.my_client_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT x.id), '{}')
      FROM (SELECT c.id
              FROM booking.client c
             WHERE c.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
               AND c.user_id OPERATOR(pg_catalog.=) booking.current_user_id()
            UNION ALL
            SELECT cg.client_id
              FROM booking.guardian g
              JOIN booking.client_guardian cg
                ON cg.org_id OPERATOR(pg_catalog.=) g.org_id AND cg.guardian_id OPERATOR(pg_catalog.=) g.id
             WHERE g.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
               AND g.user_id OPERATOR(pg_catalog.=) booking.current_user_id()) x;
  END;
COMMENT ON FUNCTION booking.my_client_ids() IS
  'clients the acting user acts for in the acting org: their own client record and, as a guardian, their students';

CREATE OR REPLACE FUNCTION booking.my_session_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(s.id), '{}')
      FROM booking.session s
     WHERE s.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND s.resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids());
  END;
COMMENT ON FUNCTION booking.my_session_ids() IS
  'sessions run by a resource linked to the acting user (a facilitator''s workshops)';

-- The rows that hang off a member's bookings (payments, invoices, history),
-- the clients they teach, their students' guardians and the org's members
-- a staff member sees: one sorted array per statement, which the policies
-- test each row against with booking.sorted_uuids_contain (a binary
-- search).  An EXISTS subquery in the policy did the same, but its cost
-- estimate grows with the table and made PostgreSQL JIT-compile a member's
-- every query (3 to 10 times slower); "= ANY (array)" is linear in the
-- array (seconds for an instructor of 20,000 bookings).  Below staff only:
-- staff see the whole org and get an empty array.
CREATE OR REPLACE FUNCTION booking.sorted_uuids_contain(ids pg_catalog.uuid[], id pg_catalog.uuid) RETURNS pg_catalog.bool
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  -- no SET search_path: resolves no name, and runs once per row in policies
  AS 'MODULE_PATHNAME', 'booking_sorted_uuids_contain';
COMMENT ON FUNCTION booking.sorted_uuids_contain(pg_catalog.uuid[], pg_catalog.uuid) IS
  'true if id is an element of ids, an ascending array without NULLs (as built by the my_*_ids functions), by binary search';

CREATE OR REPLACE FUNCTION booking.my_booking_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(b.id ORDER BY b.id), '{}')
      FROM booking.booking b
     WHERE NOT (SELECT booking.acting_is_staff())
       AND b.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND (b.client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
            OR b.resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
            OR b.session_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_session_ids())::pg_catalog.uuid[]));
  END;
COMMENT ON FUNCTION booking.my_booking_ids() IS
  'below staff, the bookings the acting user sees (their clients'', their resources'' and their sessions''), sorted; empty for staff';

CREATE OR REPLACE FUNCTION booking.my_booking_client_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT b.client_id ORDER BY b.client_id), '{}')
      FROM booking.booking b
     WHERE NOT (SELECT booking.acting_is_staff())
       AND b.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND (b.client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
            OR b.resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
            OR b.session_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_session_ids())::pg_catalog.uuid[]));
  END;
COMMENT ON FUNCTION booking.my_booking_client_ids() IS
  'below staff, the clients of the bookings the acting user sees (an instructor''s students), sorted; empty for staff';

CREATE OR REPLACE FUNCTION booking.my_guardian_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT cg.guardian_id ORDER BY cg.guardian_id), '{}')
      FROM booking.client_guardian cg
     WHERE NOT (SELECT booking.acting_is_staff())
       AND cg.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND cg.client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]);
  END;
COMMENT ON FUNCTION booking.my_guardian_ids() IS
  'below staff, the guardians of the clients the acting user acts for, sorted; empty for staff';

CREATE OR REPLACE FUNCTION booking.my_member_user_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT m.user_id ORDER BY m.user_id), '{}')
      FROM booking.membership m
     WHERE m.org_id OPERATOR(pg_catalog.=) booking.current_org_id()
       AND (booking.acting_is_staff() OR m.user_id OPERATOR(pg_catalog.=) booking.current_user_id());
  END;
COMMENT ON FUNCTION booking.my_member_user_ids() IS
  'the users whose membership rows the acting user sees: every member of the acting org for staff, else themselves; sorted';

-- org: members read their org; owners and admins change it.
DROP POLICY IF EXISTS org_member_read ON booking.org;
CREATE POLICY org_member_read ON booking.org FOR SELECT
  USING (id OPERATOR(pg_catalog.=) (SELECT booking.current_org_id()));
DROP POLICY IF EXISTS org_admin_update ON booking.org;
CREATE POLICY org_admin_update ON booking.org FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) (SELECT booking.current_org_id()) AND (SELECT booking.acting_is_admin()))
  WITH CHECK (id OPERATOR(pg_catalog.=) (SELECT booking.current_org_id()) AND (SELECT booking.acting_is_admin()));

-- app_user (global): a user sees and edits themself; members of the acting
-- org see each other as far as they see the membership rows.
DROP POLICY IF EXISTS app_user_self ON booking.app_user;
CREATE POLICY app_user_self ON booking.app_user FOR SELECT
  USING (id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));
DROP POLICY IF EXISTS app_user_org_member ON booking.app_user;
CREATE POLICY app_user_org_member ON booking.app_user FOR SELECT
  USING (booking.sorted_uuids_contain((SELECT booking.my_member_user_ids()), id));
DROP POLICY IF EXISTS app_user_self_update ON booking.app_user;
CREATE POLICY app_user_self_update ON booking.app_user FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()))
  WITH CHECK (id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));

-- refresh_token: the user's own tokens, read-only (written by the functions).
DROP POLICY IF EXISTS refresh_token_self ON booking.refresh_token;
CREATE POLICY refresh_token_self ON booking.refresh_token FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));

-- membership: staff see the org's members, everyone their own rows; owners
-- and admins change and remove them, and only an owner changes or removes
-- an owner (an admin sees owner rows but cannot update or delete them).
-- They give a member another role (a row of its own); nobody adds a user
-- who is not a member yet: that is made by accepting an invitation
-- (trigger a1_enrol, sql/code/92_enrolment.sql) or by create_org.
DROP POLICY IF EXISTS membership_read ON booking.membership;
CREATE POLICY membership_read ON booking.membership FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));
DROP POLICY IF EXISTS membership_admin ON booking.membership;
DROP POLICY IF EXISTS membership_admin_update ON booking.membership;
CREATE POLICY membership_admin_update ON booking.membership FOR UPDATE
  USING ((SELECT booking.acting_is_admin())
         AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
              OR (SELECT booking.acting_has_role('owner'::booking.org_role))))
  WITH CHECK ((SELECT booking.acting_is_admin())
              AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
                   OR (SELECT booking.acting_has_role('owner'::booking.org_role))));
DROP POLICY IF EXISTS membership_admin_insert ON booking.membership;
CREATE POLICY membership_admin_insert ON booking.membership FOR INSERT
  WITH CHECK ((SELECT booking.acting_is_admin())
              AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
                   OR (SELECT booking.acting_has_role('owner'::booking.org_role))));
DROP POLICY IF EXISTS membership_admin_delete ON booking.membership;
CREATE POLICY membership_admin_delete ON booking.membership FOR DELETE
  USING ((SELECT booking.acting_is_admin())
         AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
              OR (SELECT booking.acting_has_role('owner'::booking.org_role))));

-- The org's catalog: every member reads it, staff write it.  Its travel
-- settings too: booking.travel_time() and the cache's trigger read them with
-- the caller's rights (without a policy they fell back to the defaults).
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY '{service,rate_card,rate_card_item,location,supplier,resource,session,cancellation_policy,transition_rule,license_rule,travel_setting}'::pg_catalog.text[]
  LOOP
    EXECUTE pg_catalog.format('DROP POLICY IF EXISTS member_read ON booking.%I', t);
    EXECUTE pg_catalog.format('DROP POLICY IF EXISTS staff_write ON booking.%I', t);
    EXECUTE pg_catalog.format('CREATE POLICY member_read ON booking.%I FOR SELECT USING (true)', t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY staff_write ON booking.%I FOR ALL
         USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()))', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY member_read ON booking.%I IS %L', t,
                              'every member of the acting org reads the catalog');
    EXECUTE pg_catalog.format('COMMENT ON POLICY staff_write ON booking.%I IS %L', t,
                              'owner, admin and staff write the catalog');
  END LOOP;
END
$$;

-- The road graph (optional routing source): staff read it, since routing
-- runs with their rights; owners and admins load and change it.
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY '{road_node,road_edge}'::pg_catalog.text[]
  LOOP
    EXECUTE pg_catalog.format('DROP POLICY IF EXISTS staff_read ON booking.%I', t);
    EXECUTE pg_catalog.format('DROP POLICY IF EXISTS admin_write ON booking.%I', t);
    EXECUTE pg_catalog.format('CREATE POLICY staff_read ON booking.%I FOR SELECT USING ((SELECT booking.acting_is_staff()))', t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY admin_write ON booking.%I FOR ALL
         USING ((SELECT booking.acting_is_admin())) WITH CHECK ((SELECT booking.acting_is_admin()))', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY staff_read ON booking.%I IS %L', t,
                              'owner, admin and staff read the road graph');
    EXECUTE pg_catalog.format('COMMENT ON POLICY admin_write ON booking.%I IS %L', t,
                              'owner and admin load and change the road graph');
  END LOOP;
END
$$;

-- A facilitator manages the sessions they run.
DROP POLICY IF EXISTS session_own ON booking.session;
CREATE POLICY session_own ON booking.session FOR ALL
  USING (resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK (resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));

-- Schedules: staff and the resource's own user.
DROP POLICY IF EXISTS schedule_own ON booking.working_hours;
CREATE POLICY schedule_own ON booking.working_hours FOR ALL
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS schedule_own ON booking.availability_exception;
CREATE POLICY schedule_own ON booking.availability_exception FOR ALL
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));

-- Bookings: staff all; an instructor those of their resources and sessions;
-- a student their own; a guardian those of their students.
DROP POLICY IF EXISTS booking_read ON booking.booking;
CREATE POLICY booking_read ON booking.booking FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
         OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
         OR session_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_session_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS booking_insert ON booking.booking;
CREATE POLICY booking_insert ON booking.booking FOR INSERT
  WITH CHECK ((SELECT booking.acting_is_staff())
              OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
              OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS booking_update ON booking.booking;
CREATE POLICY booking_update ON booking.booking FOR UPDATE
  USING ((SELECT booking.acting_is_staff())
         OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
         OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
         OR session_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_session_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff())
              OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[])
              OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
              OR session_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_session_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS booking_admin_delete ON booking.booking;
CREATE POLICY booking_admin_delete ON booking.booking FOR DELETE
  USING ((SELECT booking.acting_is_admin()));

-- People.
DROP POLICY IF EXISTS client_read ON booking.client;
CREATE POLICY client_read ON booking.client FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
         OR booking.sorted_uuids_contain((SELECT booking.my_booking_client_ids()), id));
DROP POLICY IF EXISTS client_staff_write ON booking.client;
CREATE POLICY client_staff_write ON booking.client FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));
DROP POLICY IF EXISTS client_self_update ON booking.client;
CREATE POLICY client_self_update ON booking.client FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]))
  WITH CHECK (id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]));

DROP POLICY IF EXISTS guardian_read ON booking.guardian;
CREATE POLICY guardian_read ON booking.guardian FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id())
         OR booking.sorted_uuids_contain((SELECT booking.my_guardian_ids()), id));
DROP POLICY IF EXISTS guardian_staff_write ON booking.guardian;
CREATE POLICY guardian_staff_write ON booking.guardian FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

DROP POLICY IF EXISTS client_guardian_read ON booking.client_guardian;
CREATE POLICY client_guardian_read ON booking.client_guardian FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS client_guardian_staff_write ON booking.client_guardian;
CREATE POLICY client_guardian_staff_write ON booking.client_guardian FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

-- What hangs off a booking is visible with the booking.  A lesson, its trips
-- and their points carry the booking's resource_id and client_id (kept by
-- sql/code/61_tracking.sql and the trip*_carry_fkey foreign keys), so these
-- policies compare columns with the identity: no subquery, no other table.
-- Staff see and write everything of the org; an instructor the lessons,
-- trips and points of their bookings; a student and their guardians the
-- lessons and trips (with their figures) of the student, not the raw points.
DROP POLICY IF EXISTS lesson_read ON booking.lesson;
CREATE POLICY lesson_read ON booking.lesson FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]) OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS lesson_instructor_write ON booking.lesson;
CREATE POLICY lesson_instructor_write ON booking.lesson FOR ALL
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));

DROP POLICY IF EXISTS trip_read ON booking.trip;
CREATE POLICY trip_read ON booking.trip FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]) OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS trip_instructor_write ON booking.trip;
CREATE POLICY trip_instructor_write ON booking.trip FOR ALL
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));

DROP POLICY IF EXISTS trip_point_read ON booking.trip_point;
CREATE POLICY trip_point_read ON booking.trip_point FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS trip_point_instructor_write ON booking.trip_point;
CREATE POLICY trip_point_instructor_write ON booking.trip_point FOR ALL
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]))
  WITH CHECK ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));

-- Tracking settings: members read them, staff write them.
DROP POLICY IF EXISTS member_read ON booking.tracking_setting;
CREATE POLICY member_read ON booking.tracking_setting FOR SELECT USING (true);
DROP POLICY IF EXISTS staff_write ON booking.tracking_setting;
CREATE POLICY staff_write ON booking.tracking_setting FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

DROP POLICY IF EXISTS payment_read ON booking.payment;
CREATE POLICY payment_read ON booking.payment FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR booking.sorted_uuids_contain((SELECT booking.my_booking_ids()), booking_id));
DROP POLICY IF EXISTS payment_staff_write ON booking.payment;
CREATE POLICY payment_staff_write ON booking.payment FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

DROP POLICY IF EXISTS status_history_read ON booking.status_history;
CREATE POLICY status_history_read ON booking.status_history FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR booking.sorted_uuids_contain((SELECT booking.my_booking_ids()), booking_id));
DROP POLICY IF EXISTS status_history_staff_append ON booking.status_history;
CREATE POLICY status_history_staff_append ON booking.status_history FOR INSERT
  WITH CHECK ((SELECT booking.acting_is_staff()));

DROP POLICY IF EXISTS invoice_read ON booking.invoice;
CREATE POLICY invoice_read ON booking.invoice FOR SELECT
  USING ((SELECT booking.acting_is_staff())
         OR client_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_client_ids())::pg_catalog.uuid[])
         OR booking.sorted_uuids_contain((SELECT booking.my_booking_ids()), booking_id));
DROP POLICY IF EXISTS invoice_staff_write ON booking.invoice;
CREATE POLICY invoice_staff_write ON booking.invoice FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

DROP POLICY IF EXISTS payout_read ON booking.payout;
CREATE POLICY payout_read ON booking.payout FOR SELECT
  USING ((SELECT booking.acting_is_staff()) OR resource_id OPERATOR(pg_catalog.=) ANY ((SELECT booking.my_resource_ids())::pg_catalog.uuid[]));
DROP POLICY IF EXISTS payout_admin_write ON booking.payout;
CREATE POLICY payout_admin_write ON booking.payout FOR ALL
  USING ((SELECT booking.acting_is_admin())) WITH CHECK ((SELECT booking.acting_is_admin()));

DROP POLICY IF EXISTS notification_recipient ON booking.notification;
CREATE POLICY notification_recipient ON booking.notification FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()) OR (SELECT booking.acting_is_admin()));
DROP POLICY IF EXISTS notification_mark_delivered ON booking.notification;
CREATE POLICY notification_mark_delivered ON booking.notification FOR UPDATE
  USING (user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()))
  WITH CHECK (user_id OPERATOR(pg_catalog.=) (SELECT booking.current_user_id()));
DROP POLICY IF EXISTS notification_staff_write ON booking.notification;
CREATE POLICY notification_staff_write ON booking.notification FOR ALL
  USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()));

-- Operations tables: staff only; the audit log is read by owners and admins
-- and written only by the audit trigger.  The travel time cache is one of
-- them: its points are clients' pickup and drop-off points (the travel
-- functions read it with a scan of their own, filtered on the acting org,
-- so every member still gets its times).
DROP POLICY IF EXISTS member_read ON booking.travel_time_cache;
DROP POLICY IF EXISTS staff_write ON booking.travel_time_cache;
DO $$
DECLARE
  t pg_catalog.text;
BEGIN
  FOREACH t IN ARRAY '{scheduled_transition,message,webhook_event,outbox,travel_time_cache}'::pg_catalog.text[]
  LOOP
    EXECUTE pg_catalog.format('DROP POLICY IF EXISTS staff_all ON booking.%I', t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY staff_all ON booking.%I FOR ALL
         USING ((SELECT booking.acting_is_staff())) WITH CHECK ((SELECT booking.acting_is_staff()))', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY staff_all ON booking.%I IS %L', t,
                              'owner, admin and staff only');
  END LOOP;
END
$$;
DROP POLICY IF EXISTS audit_log_admin_read ON booking.audit_log;
CREATE POLICY audit_log_admin_read ON booking.audit_log FOR SELECT
  USING ((SELECT booking.acting_is_admin()));
