-- Row-level security.
--
-- Permissive policies say who inside the org sees and writes what; they
-- are expressions of the row and the identity only (no subquery, no other
-- table), and booking.apply_schema_rules() folds the tenant condition
-- org_id = booking.current_org_id() into every one of them on a table with
-- an org_id, so they are written as if it were there.  Without an identity
-- (see act_as) it is NULL and nothing is visible.  RLS is FORCEd, so the
-- table owner is no exception (superusers and BYPASSRLS roles always are).
-- The identity functions are C, cached per transaction: called per row.

-- The resources, clients, sessions and guardians the acting user stands
-- for travel in the signed identity (computed by act_as, see
-- src/identity.c): these functions read no table, so a policy that calls
-- them runs on any node.  In C and without a SET clause: policies call them
-- for every row, and they answer from the transaction's cache (ascending
-- arrays, to be tested with booking.sorted_uuids_contain or = ANY).
CREATE OR REPLACE FUNCTION booking.my_resource_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_my_resource_ids';
COMMENT ON FUNCTION booking.my_resource_ids() IS
  'resources (instructor, facilitator) linked to the acting user in the acting org, from the signed identity; sorted';

CREATE OR REPLACE FUNCTION booking.my_client_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_my_client_ids';
COMMENT ON FUNCTION booking.my_client_ids() IS
  'clients the acting user acts for in the acting org: their own client record and, as a guardian, their students; from the signed identity; sorted';

CREATE OR REPLACE FUNCTION booking.my_session_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_my_session_ids';
COMMENT ON FUNCTION booking.my_session_ids() IS
  'sessions run by a resource linked to the acting user (a facilitator''s workshops), from the signed identity; sorted';

CREATE OR REPLACE FUNCTION booking.my_guardian_ids() RETURNS pg_catalog.uuid[]
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'booking_my_guardian_ids';
COMMENT ON FUNCTION booking.my_guardian_ids() IS
  'the guardians of the clients the acting user acts for, from the signed identity; sorted';

-- binary search of a sorted array, for the policies below
CREATE OR REPLACE FUNCTION booking.sorted_uuids_contain(ids pg_catalog.uuid[], id pg_catalog.uuid) RETURNS pg_catalog.bool
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  -- no SET search_path: resolves no name, and runs once per row in policies
  AS 'MODULE_PATHNAME', 'booking_sorted_uuids_contain';
COMMENT ON FUNCTION booking.sorted_uuids_contain(pg_catalog.uuid[], pg_catalog.uuid) IS
  'true if id is an element of ids, an ascending array without NULLs (as built by the my_*_ids functions), by binary search';

-- What a member sees of the rows that hang off bookings (payments,
-- invoices, history) and of the org's clients is carried onto those rows
-- (sql/code/89_reach.sql), and the orgs a user is a member of onto the
-- user (app_user.member_org_ids, sql/code/91_member_orgs.sql): the
-- policies compare those columns with the identity.

-- Policies call them as the querying role: every role may.
DO $$
DECLARE
  f pg_catalog.text;
BEGIN
  FOREACH f IN ARRAY '{my_resource_ids,my_client_ids,my_session_ids,my_guardian_ids}'::pg_catalog.text[]
  LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION booking.%I() TO PUBLIC', f);
  END LOOP;
END
$$;

-- org: members read their org; owners and admins change it.
DROP POLICY IF EXISTS org_member_read ON booking.org;
CREATE POLICY org_member_read ON booking.org FOR SELECT
  USING (id OPERATOR(pg_catalog.=) booking.current_org_id());
DROP POLICY IF EXISTS org_admin_update ON booking.org;
CREATE POLICY org_admin_update ON booking.org FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) booking.current_org_id() AND booking.acting_is_admin())
  WITH CHECK (id OPERATOR(pg_catalog.=) booking.current_org_id() AND booking.acting_is_admin());

-- app_user (global): a user sees and edits themself; staff of the acting
-- org see its members (the users whose member_org_ids holds the org), as
-- they see the org's membership rows.
DROP POLICY IF EXISTS app_user_self ON booking.app_user;
CREATE POLICY app_user_self ON booking.app_user FOR SELECT
  USING (id OPERATOR(pg_catalog.=) booking.current_user_id());
DROP POLICY IF EXISTS app_user_org_member ON booking.app_user;
CREATE POLICY app_user_org_member ON booking.app_user FOR SELECT
  USING (booking.acting_is_staff() AND booking.sorted_uuids_contain(member_org_ids, booking.current_org_id()));
DROP POLICY IF EXISTS app_user_self_update ON booking.app_user;
CREATE POLICY app_user_self_update ON booking.app_user FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) booking.current_user_id())
  WITH CHECK (id OPERATOR(pg_catalog.=) booking.current_user_id());

-- refresh_token: the user's own tokens, read-only (written by the functions).
DROP POLICY IF EXISTS refresh_token_self ON booking.refresh_token;
CREATE POLICY refresh_token_self ON booking.refresh_token FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) booking.current_user_id());

-- membership: staff see the org's members, everyone their own rows; owners
-- and admins change and remove them, and only an owner changes or removes
-- an owner (an admin sees owner rows but cannot update or delete them).
-- They give a member another role (a row of its own); nobody adds a user
-- who is not a member yet: that is made by accepting an invitation
-- (trigger a1_enrol, sql/code/92_enrolment.sql) or by create_org.
DROP POLICY IF EXISTS membership_read ON booking.membership;
CREATE POLICY membership_read ON booking.membership FOR SELECT
  USING (booking.acting_is_staff() OR user_id OPERATOR(pg_catalog.=) booking.current_user_id());
DROP POLICY IF EXISTS membership_admin ON booking.membership;
DROP POLICY IF EXISTS membership_admin_update ON booking.membership;
CREATE POLICY membership_admin_update ON booking.membership FOR UPDATE
  USING (booking.acting_is_admin()
         AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
              OR booking.acting_has_role('owner'::booking.org_role)))
  WITH CHECK (booking.acting_is_admin()
              AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
                   OR booking.acting_has_role('owner'::booking.org_role)));
DROP POLICY IF EXISTS membership_admin_insert ON booking.membership;
CREATE POLICY membership_admin_insert ON booking.membership FOR INSERT
  WITH CHECK (booking.acting_is_admin()
              AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
                   OR booking.acting_has_role('owner'::booking.org_role)));
DROP POLICY IF EXISTS membership_admin_delete ON booking.membership;
CREATE POLICY membership_admin_delete ON booking.membership FOR DELETE
  USING (booking.acting_is_admin()
         AND (role OPERATOR(pg_catalog.<>) 'owner'::booking.org_role
              OR booking.acting_has_role('owner'::booking.org_role)));

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
         USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff())', t);
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
    EXECUTE pg_catalog.format('CREATE POLICY staff_read ON booking.%I FOR SELECT USING (booking.acting_is_staff())', t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY admin_write ON booking.%I FOR ALL
         USING (booking.acting_is_admin()) WITH CHECK (booking.acting_is_admin())', t);
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
  USING (resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()))
  WITH CHECK (resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));

-- Schedules: staff and the resource's own user.
DROP POLICY IF EXISTS schedule_own ON booking.working_hours;
CREATE POLICY schedule_own ON booking.working_hours FOR ALL
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()))
  WITH CHECK (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));
DROP POLICY IF EXISTS schedule_own ON booking.availability_exception;
CREATE POLICY schedule_own ON booking.availability_exception FOR ALL
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()))
  WITH CHECK (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));

-- Bookings: staff all; an instructor those of their resources and sessions;
-- a student their own; a guardian those of their students.
DROP POLICY IF EXISTS booking_read ON booking.booking;
CREATE POLICY booking_read ON booking.booking FOR SELECT
  USING (booking.acting_is_staff()
         OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())
         OR client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())
         OR session_id OPERATOR(pg_catalog.=) ANY (booking.my_session_ids()));
DROP POLICY IF EXISTS booking_insert ON booking.booking;
CREATE POLICY booking_insert ON booking.booking FOR INSERT
  WITH CHECK (booking.acting_is_staff()
              OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())
              OR client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids()));
DROP POLICY IF EXISTS booking_update ON booking.booking;
CREATE POLICY booking_update ON booking.booking FOR UPDATE
  USING (booking.acting_is_staff()
         OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())
         OR client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())
         OR session_id OPERATOR(pg_catalog.=) ANY (booking.my_session_ids()))
  WITH CHECK (booking.acting_is_staff()
              OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())
              OR client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())
              OR session_id OPERATOR(pg_catalog.=) ANY (booking.my_session_ids()));
DROP POLICY IF EXISTS booking_admin_delete ON booking.booking;
CREATE POLICY booking_admin_delete ON booking.booking FOR DELETE
  USING (booking.acting_is_admin());

-- People.  Below staff: one's own client rows (and a guardian's students)
-- and the clients of the bookings of one's resources and sessions, which
-- the client row carries (booking_resource_ids, booking_session_ids).
DROP POLICY IF EXISTS client_read ON booking.client;
CREATE POLICY client_read ON booking.client FOR SELECT
  USING (booking.acting_is_staff()
         OR id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())
         OR booking_resource_ids OPERATOR(pg_catalog.&&) booking.my_resource_ids()
         OR booking_session_ids OPERATOR(pg_catalog.&&) booking.my_session_ids());
DROP POLICY IF EXISTS client_staff_write ON booking.client;
CREATE POLICY client_staff_write ON booking.client FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());
DROP POLICY IF EXISTS client_self_update ON booking.client;
CREATE POLICY client_self_update ON booking.client FOR UPDATE
  USING (id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids()))
  WITH CHECK (id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids()));

DROP POLICY IF EXISTS guardian_read ON booking.guardian;
CREATE POLICY guardian_read ON booking.guardian FOR SELECT
  USING (booking.acting_is_staff()
         OR user_id OPERATOR(pg_catalog.=) booking.current_user_id()
         OR booking.sorted_uuids_contain(booking.my_guardian_ids(), id));
DROP POLICY IF EXISTS guardian_staff_write ON booking.guardian;
CREATE POLICY guardian_staff_write ON booking.guardian FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());

DROP POLICY IF EXISTS client_guardian_read ON booking.client_guardian;
CREATE POLICY client_guardian_read ON booking.client_guardian FOR SELECT
  USING (booking.acting_is_staff() OR client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids()));
DROP POLICY IF EXISTS client_guardian_staff_write ON booking.client_guardian;
CREATE POLICY client_guardian_staff_write ON booking.client_guardian FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());

-- What hangs off a booking is visible with the booking.  A lesson, its trips
-- and their points carry the booking's resource_id and client_id (kept by
-- sql/code/61_tracking.sql and the trip*_carry_fkey foreign keys), so these
-- policies compare columns with the identity: no subquery, no other table.
-- Staff see and write everything of the org; an instructor the lessons,
-- trips and points of their bookings; a student and their guardians the
-- lessons and trips (with their figures) of the student, not the raw points.
DROP POLICY IF EXISTS lesson_read ON booking.lesson;
CREATE POLICY lesson_read ON booking.lesson FOR SELECT
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()) OR client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids()));
DROP POLICY IF EXISTS lesson_instructor_write ON booking.lesson;
CREATE POLICY lesson_instructor_write ON booking.lesson FOR ALL
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()))
  WITH CHECK (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));

DROP POLICY IF EXISTS trip_read ON booking.trip;
CREATE POLICY trip_read ON booking.trip FOR SELECT
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()) OR client_id OPERATOR(pg_catalog.=) ANY (booking.my_client_ids()));
DROP POLICY IF EXISTS trip_instructor_write ON booking.trip;
CREATE POLICY trip_instructor_write ON booking.trip FOR ALL
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()))
  WITH CHECK (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));

DROP POLICY IF EXISTS trip_point_read ON booking.trip_point;
CREATE POLICY trip_point_read ON booking.trip_point FOR SELECT
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));
DROP POLICY IF EXISTS trip_point_instructor_write ON booking.trip_point;
CREATE POLICY trip_point_instructor_write ON booking.trip_point FOR ALL
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()))
  WITH CHECK (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));

-- Tracking settings: members read them, staff write them.
DROP POLICY IF EXISTS member_read ON booking.tracking_setting;
CREATE POLICY member_read ON booking.tracking_setting FOR SELECT USING (true);
DROP POLICY IF EXISTS staff_write ON booking.tracking_setting;
CREATE POLICY staff_write ON booking.tracking_setting FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());

-- A payment, an invoice of a booking and a history row are visible with
-- their booking: they carry its client, resource and session
-- (sql/code/89_reach.sql); an invoice also to the client it bills.
DROP POLICY IF EXISTS payment_read ON booking.payment;
CREATE POLICY payment_read ON booking.payment FOR SELECT
  USING (booking.acting_is_staff()
         OR booking.sorted_uuids_contain(booking.my_client_ids(), booking_client_id)
         OR booking.sorted_uuids_contain(booking.my_resource_ids(), booking_resource_id)
         OR booking.sorted_uuids_contain(booking.my_session_ids(), booking_session_id));
DROP POLICY IF EXISTS payment_staff_write ON booking.payment;
CREATE POLICY payment_staff_write ON booking.payment FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());

DROP POLICY IF EXISTS status_history_read ON booking.status_history;
CREATE POLICY status_history_read ON booking.status_history FOR SELECT
  USING (booking.acting_is_staff()
         OR booking.sorted_uuids_contain(booking.my_client_ids(), booking_client_id)
         OR booking.sorted_uuids_contain(booking.my_resource_ids(), booking_resource_id)
         OR booking.sorted_uuids_contain(booking.my_session_ids(), booking_session_id));
DROP POLICY IF EXISTS status_history_staff_append ON booking.status_history;
CREATE POLICY status_history_staff_append ON booking.status_history FOR INSERT
  WITH CHECK (booking.acting_is_staff());

DROP POLICY IF EXISTS invoice_read ON booking.invoice;
CREATE POLICY invoice_read ON booking.invoice FOR SELECT
  USING (booking.acting_is_staff()
         OR booking.sorted_uuids_contain(booking.my_client_ids(), client_id)
         OR booking.sorted_uuids_contain(booking.my_client_ids(), booking_client_id)
         OR booking.sorted_uuids_contain(booking.my_resource_ids(), booking_resource_id)
         OR booking.sorted_uuids_contain(booking.my_session_ids(), booking_session_id));
DROP POLICY IF EXISTS invoice_staff_write ON booking.invoice;
CREATE POLICY invoice_staff_write ON booking.invoice FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());

DROP POLICY IF EXISTS payout_read ON booking.payout;
CREATE POLICY payout_read ON booking.payout FOR SELECT
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));
DROP POLICY IF EXISTS payout_admin_write ON booking.payout;
CREATE POLICY payout_admin_write ON booking.payout FOR ALL
  USING (booking.acting_is_admin()) WITH CHECK (booking.acting_is_admin());

DROP POLICY IF EXISTS notification_recipient ON booking.notification;
CREATE POLICY notification_recipient ON booking.notification FOR SELECT
  USING (user_id OPERATOR(pg_catalog.=) booking.current_user_id() OR booking.acting_is_admin());
DROP POLICY IF EXISTS notification_mark_delivered ON booking.notification;
CREATE POLICY notification_mark_delivered ON booking.notification FOR UPDATE
  USING (user_id OPERATOR(pg_catalog.=) booking.current_user_id())
  WITH CHECK (user_id OPERATOR(pg_catalog.=) booking.current_user_id());
DROP POLICY IF EXISTS notification_staff_write ON booking.notification;
CREATE POLICY notification_staff_write ON booking.notification FOR ALL
  USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff());

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
         USING (booking.acting_is_staff()) WITH CHECK (booking.acting_is_staff())', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY staff_all ON booking.%I IS %L', t,
                              'owner, admin and staff only');
  END LOOP;
END
$$;
DROP POLICY IF EXISTS audit_log_admin_read ON booking.audit_log;
CREATE POLICY audit_log_admin_read ON booking.audit_log FOR SELECT
  USING (booking.acting_is_admin());
