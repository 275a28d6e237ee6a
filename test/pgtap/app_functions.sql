-- What an application role may execute (issue 15): every function of
-- schema booking that a role set up by grant_app_role can call, trusted or
-- not, is in the table below, and nothing else.  A new function is
-- executable by PUBLIC by default (SECURITY INVOKER) or handed out by
-- grant_app_role's list: this test fails until it is added here (an API
-- function, documented in the README Reference under "Functions for
-- applications") or made not executable (REVOKE ... FROM PUBLIC, as
-- sql/code/99_schema_rules.sql does for the internal ones nothing runs
-- with an application's rights).  Internal functions that stay executable
-- must be called with the caller's rights (by a SECURITY INVOKER function,
-- a policy, a default or a check), and check the identity themselves.
BEGIN;
SET client_min_messages = warning;
SELECT plan(6);

CREATE ROLE regress_fn_trusted;
CREATE ROLE regress_fn_plain;
SELECT booking.grant_app_role('regress_fn_trusted', true);
SELECT booking.grant_app_role('regress_fn_plain');

-- who: all (every application role) or trusted (grant_app_role(..., true))
CREATE TEMP TABLE intended (f text PRIMARY KEY, who text NOT NULL CHECK (who IN ('all', 'trusted')));
INSERT INTO intended VALUES
  ('booking.accept_invitation(uuid,uuid,text)', 'trusted'),
  ('booking.act_as(uuid,uuid)', 'trusted'),
  ('booking.acting_has_role(booking.org_role)', 'all'),
  ('booking.acting_is_admin()', 'all'),
  ('booking.acting_is_staff()', 'all'),
  ('booking.acting_is_system()', 'all'),
  ('booking.area_refusal(booking.point,integer,geography,booking.point,booking.point)', 'all'),
  ('booking.available_slots(uuid,uuid,tstzrange,geography,uuid,uuid)', 'all'),
  ('booking.available_slots_on(uuid,jsonb)', 'all'),
  ('booking.book(uuid,uuid,timestamp with time zone,uuid,booking.point,text,booking.point,text,text,uuid,integer,integer,boolean,uuid,text)', 'all'),
  ('booking.book_first_available(uuid,tstzrange,booking.point,uuid,text,booking.point,text,text,integer,uuid,text)', 'all'),
  ('booking.book_first_available_on(uuid,jsonb)', 'all'),
  ('booking.book_on(uuid,jsonb)', 'all'),
  ('booking.book_price(uuid,uuid,uuid,integer)', 'all'),
  ('booking.booking_relations(booking.booking,uuid)', 'all'),
  ('booking.caller_bypasses_rls()', 'all'),
  ('booking.caller_owns_table(oid)', 'all'),
  ('booking.cancel(uuid,text)', 'all'),
  ('booking.cancel_on(uuid,jsonb)', 'all'),
  ('booking.cancellation_actor_of(booking.booking)', 'all'),
  ('booking.cancellation_quote(uuid,timestamp with time zone)', 'all'),
  ('booking.cancellation_terms(uuid,booking.cancellation_actor,bigint,timestamp with time zone,timestamp with time zone)', 'all'),
  ('booking.channel_address(booking.message_channel,text)', 'all'),
  ('booking.check_service_area(uuid,booking.point,booking.point)', 'all'),
  ('booking.check_time_zone(text)', 'all'),
  ('booking.checked_point(geography,text)', 'all'),
  ('booking.citus_solver()', 'all'),
  ('booking.confirm_email_change(uuid,text)', 'trusted'),
  ('booking.confirm_hold(uuid)', 'all'),
  ('booking.create_org(text,text,text,uuid,text)', 'trusted'),
  ('booking.current_org_id()', 'all'),
  ('booking.current_roles()', 'all'),
  ('booking.current_user_id()', 'all'),
  ('booking.day_svg(uuid,date,uuid,integer)', 'all'),
  ('booking.day_svg_blocked(timestamp with time zone,timestamp with time zone,text,integer,date,text,integer,integer,integer)', 'all'),
  ('booking.day_svg_minutes(timestamp with time zone,date,text)', 'all'),
  ('booking.day_svg_rect(text,double precision,double precision,integer,integer,integer,integer,text)', 'all'),
  ('booking.day_svg_x(double precision,integer,integer)', 'all'),
  ('booking.delegated(boolean)', 'all'),
  ('booking.delegates_writes()', 'all'),
  ('booking.drop_empty_trip_point_partitions(timestamp with time zone)', 'all'),
  ('booking.drop_old_trip_points()', 'all'),
  ('booking.eligibility_problems(uuid,uuid,uuid,uuid,date)', 'all'),
  ('booking.eligibility_settings_check(jsonb)', 'all'),
  ('booking.explain_slot(uuid,uuid,timestamp with time zone,geography,uuid,uuid)', 'all'),
  ('booking.explain_slot_on(uuid,jsonb)', 'all'),
  ('booking.find_slots(uuid,tstzrange,geography,uuid,integer,text,uuid)', 'all'),
  ('booking.find_slots_on(uuid,jsonb)', 'all'),
  ('booking.fix_point(double precision,double precision)', 'all'),
  ('booking.fix_refusal(timestamp with time zone,double precision,double precision,double precision,double precision,timestamp with time zone,timestamp with time zone,timestamp with time zone)', 'all'),
  ('booking.format_money(bigint,text)', 'all'),
  ('booking.free_time(uuid,tstzrange,uuid)', 'all'),
  ('booking.free_time_on(uuid,uuid,tstzrange)', 'all'),
  ('booking.idempotency_match(uuid,text,text)', 'all'),
  ('booking.ingest_delegated(uuid[],uuid[],timestamp with time zone[],double precision[],double precision[],double precision[],double precision[])', 'all'),
  ('booking.ingest_delegates()', 'all'),
  ('booking.ingest_fixes(uuid[],boolean,uuid[],timestamp with time zone[],double precision[],double precision[],double precision[],double precision[])', 'all'),
  ('booking.ingest_fixes_on(uuid,uuid[],uuid[],timestamp with time zone[],double precision[],double precision[],double precision[],double precision[])', 'all'),
  ('booking.ingest_staged()', 'all'),
  ('booking.ingest_trip_points(uuid,timestamp with time zone[],double precision[],double precision[],double precision[],double precision[])', 'all'),
  ('booking.ingest_webhook(text,text,text,jsonb)', 'all'),
  ('booking.invite(booking.email,uuid,booking.org_role,uuid,interval)', 'all'),
  ('booking.is_distributed()', 'all'),
  ('booking.issue_refresh_token(uuid,text,bytea,timestamp with time zone)', 'trusted'),
  ('booking.jsonb_geography(jsonb)', 'all'),
  ('booking.lat_lng(double precision,double precision)', 'all'),
  ('booking.lesson_distance(uuid,uuid)', 'all'),
  ('booking.lesson_refresh_figures(uuid,uuid)', 'all'),
  ('booking.lifecycle_decide(text,booking.booking,booking.booking_status,boolean)', 'all'),
  ('booking.lifecycle_lock(uuid)', 'all'),
  ('booking.lifecycle_minutes(jsonb,text)', 'all'),
  ('booking.lifecycle_settings_check(jsonb)', 'all'),
  ('booking.local_days(text,tstzrange,integer)', 'all'),
  ('booking.local_time_text(timestamp with time zone,text)', 'all'),
  ('booking.mark_notifications_delivered(uuid[])', 'all'),
  ('booking.minute_windows_ok(booking.timemultirange)', 'all'),
  ('booking.move_plan(text,text,text[],text[])', 'all'),
  ('booking.my_client_ids()', 'all'),
  ('booking.my_guardian_ids()', 'all'),
  ('booking.my_resource_ids()', 'all'),
  ('booking.my_session_ids()', 'all'),
  ('booking.notification_settings_check(jsonb)', 'all'),
  ('booking.notifications_after(bigint,integer,boolean)', 'all'),
  ('booking.notify_from_coordinator()', 'all'),
  ('booking.occupies_now(booking.booking_status,timestamp with time zone)', 'all'),
  ('booking.open_payment(uuid,text,text,uuid)', 'all'),
  ('booking.open_payment_on(uuid,uuid,text,text,uuid)', 'all'),
  ('booking.open_payment_route(text,text)', 'all'),
  ('booking.org_zone(uuid)', 'all'),
  ('booking.padded_range(timestamp with time zone,timestamp with time zone,integer,integer)', 'all'),
  ('booking.payment_move_decide(uuid,text,text,text[],text[])', 'all'),
  ('booking.payment_moves()', 'all'),
  ('booking.payment_plan(booking.payment_status,booking.payment_status)', 'all'),
  ('booking.place_moved(booking.point,text,booking.point,text)', 'all'),
  ('booking.point_degrees(booking.point,boolean)', 'all'),
  ('booking.point_lat_lng(booking.point)', 'all'),
  ('booking.point_meters(booking.point,booking.point)', 'all'),
  ('booking.price_of(uuid,uuid,uuid,integer,uuid)', 'all'),
  ('booking.register_user(text,text,text,text)', 'trusted'),
  ('booking.reminder_settings_check(jsonb)', 'all'),
  ('booking.remove_member_role(uuid,booking.org_role)', 'all'),
  ('booking.request_email_change(uuid,booking.email,interval)', 'trusted'),
  ('booking.request_fingerprint(booking.booking)', 'all'),
  ('booking.reschedule(uuid,timestamp with time zone,uuid,booking.point,text,booking.point,text,text,text)', 'all'),
  ('booking.reschedule_on(uuid,jsonb)', 'all'),
  ('booking.resource_balance(uuid)', 'all'),
  ('booking.road_snap(uuid,geography[],double precision)', 'all'),
  ('booking.rotate_refresh_token(text,bytea,text,bytea,timestamp with time zone)', 'trusted'),
  ('booking.route_travel_times(geography[],interval,double precision,double precision,double precision,double precision,double precision[])', 'all'),
  ('booking.route_travel_times(uuid,geography[],interval,double precision,double precision,double precision,double precision,double precision[])', 'all'),
  ('booking.run_payouts(timestamp with time zone)', 'all'),
  ('booking.seats_taken(uuid,uuid)', 'all'),
  ('booking.seats_taken_except(uuid,uuid,uuid)', 'all'),
  ('booking.service_area_refusal(uuid,booking.point,booking.point)', 'all'),
  ('booking.solve_available_slots(uuid,uuid,tstzrange,geography,uuid)', 'all'),
  ('booking.solve_explain_slot(uuid,uuid,timestamp with time zone,geography,uuid)', 'all'),
  ('booking.solve_find_slots(uuid,tstzrange,geography,uuid,integer,text)', 'all'),
  ('booking.solve_free_time(uuid,tstzrange)', 'all'),
  ('booking.solver_org(uuid,text)', 'all'),
  ('booking.sorted_uuids_contain(uuid[],uuid)', 'all'),
  ('booking.stage_trip_points()', 'all'),
  ('booking.status_at(uuid,timestamp with time zone)', 'all'),
  ('booking.status_is_open(booking.booking_status)', 'all'),
  ('booking.status_occupies(booking.booking_status)', 'all'),
  ('booking.store_travel_time(geography,geography,integer,integer,timestamp with time zone,double precision,double precision,double precision[],text,text)', 'all'),
  ('booking.store_travel_time(uuid,geography,geography,integer,integer,timestamp with time zone,double precision,double precision,double precision[],text,text)', 'all'),
  ('booking.template_check(text,booking.message_channel,text,text)', 'all'),
  ('booking.template_placeholders(text)', 'all'),
  ('booking.timemultirange()', 'all'),
  ('booking.timemultirange(booking.timerange)', 'all'),
  ('booking.timemultirange(booking.timerange[])', 'all'),
  ('booking.timerange(time without time zone,time without time zone)', 'all'),
  ('booking.timerange(time without time zone,time without time zone,text)', 'all'),
  ('booking.track_figures(double precision[],double precision,double precision,double precision,double precision)', 'all'),
  ('booking.track_fold(double precision[],timestamp with time zone[],double precision[],double precision[],double precision[],double precision,double precision,double precision,double precision)', 'all'),
  ('booking.tracking_defaults()', 'all'),
  ('booking.tracking_settings(uuid)', 'all'),
  ('booking.transition(uuid,booking.booking_status,text,booking.booking_status)', 'all'),
  ('booking.transition_conditions_check(jsonb)', 'all'),
  ('booking.transition_decide(text,uuid,text,text,boolean,text[],text[],boolean,timestamp with time zone,timestamp with time zone,timestamp with time zone,timestamp with time zone,uuid[],text[],text[])', 'all'),
  ('booking.transition_on(uuid,jsonb)', 'all'),
  ('booking.travel_cell(uuid,geography)', 'all'),
  ('booking.travel_matrix(geography[],timestamp with time zone)', 'all'),
  ('booking.travel_round_minutes(double precision)', 'all'),
  ('booking.travel_time(geography,geography,timestamp with time zone)', 'all'),
  ('booking.trip_fixes(uuid,uuid)', 'all'),
  ('booking.trip_fixes_after(uuid,uuid,timestamp with time zone)', 'all'),
  ('booking.trip_point_partition(timestamp with time zone)', 'all'),
  ('booking.trip_point_store(uuid,uuid,timestamp with time zone[],double precision[],double precision[],double precision[],double precision[])', 'all'),
  ('booking.user_may_join(uuid,uuid,oid)', 'all'),
  ('booking.writing_as_maintenance()', 'all');

CREATE TEMP VIEW executable AS
SELECT p.oid, p.oid::regprocedure::text AS f,
       CASE WHEN has_function_privilege('regress_fn_plain', p.oid, 'EXECUTE') THEN 'all' ELSE 'trusted' END AS who
  FROM pg_proc p
 WHERE p.pronamespace = 'booking'::regnamespace AND p.prorettype <> 'trigger'::regtype
   AND has_function_privilege('regress_fn_trusted', p.oid, 'EXECUTE');

SELECT set_eq('SELECT f, who FROM executable', 'SELECT f, who FROM intended',
              'an application role executes exactly the intended functions (trusted: also the trusted ones)');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_proc p
                   WHERE p.pronamespace = 'booking'::regnamespace AND p.prorettype <> 'trigger'::regtype
                     AND has_function_privilege('regress_fn_plain', p.oid, 'EXECUTE')
                     AND NOT has_function_privilege('regress_fn_trusted', p.oid, 'EXECUTE')$$,
                'an untrusted role executes nothing a trusted one does not');

-- Code that runs with the caller's rights, where an internal function may
-- be called from: SECURITY INVOKER functions (triggers too), policies,
-- column defaults, check constraints, report views.
CREATE TEMP VIEW caller_code AS
SELECT p.proname::text AS who, pg_get_functiondef(p.oid) AS src FROM pg_proc p
 WHERE p.pronamespace = 'booking'::regnamespace AND NOT p.prosecdef AND p.prokind = 'f'
UNION ALL SELECT 'policy', coalesce(pg_get_expr(polqual, polrelid), '') || coalesce(pg_get_expr(polwithcheck, polrelid), '') FROM pg_policy
UNION ALL SELECT 'default', pg_get_expr(adbin, adrelid) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
 WHERE c.relnamespace = 'booking'::regnamespace
UNION ALL SELECT 'check', pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'booking'::regnamespace
UNION ALL SELECT 'view', pg_get_viewdef(c.oid) FROM pg_class c WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind = 'v';

SELECT is_empty($$SELECT e.f FROM executable e
                   WHERE obj_description(e.oid, 'pg_proc') ILIKE 'internal%'
                     AND NOT EXISTS (SELECT 1 FROM caller_code c
                                      WHERE c.who <> (SELECT proname FROM pg_proc WHERE oid = e.oid)
                                        AND c.src ~ ('\mbooking\.' || (SELECT proname FROM pg_proc WHERE oid = e.oid) || '\s*\('))$$,
                'every executable function documented as internal is called with the caller''s rights (else it is revoked)');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_proc p
                   WHERE p.pronamespace = 'booking'::regnamespace AND p.prorettype <> 'trigger'::regtype
                     AND p.proname IN ('refresh_member_orgs', 'membership_refresh_on_workers', 'membership_orgs_stay',
                                       'grant_relay_role', 'seed_lifecycle_defaults', 'new_token', 'system_on_workers',
                                       'push_identity_key', 'distribute', 'apply_schema_rules', 'grant_app_role')
                     AND has_function_privilege('regress_fn_trusted', p.oid, 'EXECUTE')$$,
                'the engine''s and the DBA''s own functions are not executable by application roles');

-- The internal functions that stay executable check the identity: called
-- directly without one they refuse.
SET ROLE regress_fn_trusted;
SELECT throws_ok($$SELECT booking.open_payment_route('stripe', 'pi_direct')$$, '42501', NULL,
                 'booking.open_payment_route called directly without an identity is refused');
SELECT throws_ok($$SELECT booking.open_payment_on('00000000-0000-0000-0000-00000000000a', gen_random_uuid(), 'stripe', 'pi_direct', gen_random_uuid())$$,
                 '42501', NULL, 'booking.open_payment_on for an org that is not the acting one is refused');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
