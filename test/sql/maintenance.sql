-- Maintenance writes: a superuser or BYPASSRLS role without an identity
-- writes data as given (restores, data loads), whether it logs in directly
-- or through SET ROLE; one predicate, booking.writing_as_maintenance(),
-- decides it for the write path, the life cycle and the append-only logs.
-- Any other role without an identity is refused; with an identity, the
-- rules apply to everyone.
SET client_min_messages = warning;
\i test/sql/include/try.psql
SELECT current_user AS superuser \gset

SELECT booking.register_user('maint.owner@example.com', 'Owner') AS owner \gset
SELECT booking.create_org('Maintenance School', 'Europe/Berlin', 'EUR', :'owner') AS org \gset
INSERT INTO booking.service (org_id, id, name, duration_minutes, free)
VALUES (:'org', '00000000-0000-0000-0000-00000000e1e1', 'Lesson', 60, true);
INSERT INTO booking.resource (org_id, id, display_name)
VALUES (:'org', '00000000-0000-0000-0000-00000000e1b1', 'Ingo');
INSERT INTO booking.client (org_id, id, full_name)
VALUES (:'org', '00000000-0000-0000-0000-00000000e1c1', 'Sam');

-- A loader: BYPASSRLS, not a superuser, may write every table.
-- (the password pg_virtualenv gives its user, so that \c can log in; any
-- password where the server trusts local connections)
\getenv password PGPASSWORD
\if :{?password}
\else
  \set password 'regress_password'
\endif
CREATE ROLE regress_loader LOGIN BYPASSRLS PASSWORD :'password';
CREATE ROLE regress_plain LOGIN PASSWORD :'password';
GRANT USAGE ON SCHEMA booking TO regress_loader, regress_plain;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA booking TO regress_loader, regress_plain;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA booking TO regress_loader;
SELECT booking.grant_app_role('regress_plain');
SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'regress_loader';

-- What a restore writes: a booking completed last month (no working hours,
-- past its start: the rules would refuse it), its history as it was, its
-- payment.  Run once logged in as the loader, once through SET ROLE.
\set booking_login '00000000-0000-0000-0000-00000000e101'
\set booking_setrole '00000000-0000-0000-0000-00000000e102'

\c - regress_loader
SELECT current_user, booking.current_org_id() IS NULL AS no_identity, booking.writing_as_maintenance();
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, status, currency, price_cents, platform_fee_cents, resource_share_cents)
VALUES (:'org', :'booking_login', '00000000-0000-0000-0000-00000000e1c1', '00000000-0000-0000-0000-00000000e1b1',
        '00000000-0000-0000-0000-00000000e1e1', date_trunc('hour', now()) - interval '30 days',
        date_trunc('hour', now()) - interval '30 days' + interval '1 hour', 'completed', 'EUR', 5000, 500, 4500);
INSERT INTO booking.status_history (org_id, booking_id, from_status, to_status, reason, created_at)
VALUES (:'org', :'booking_login', NULL, 'pending', 'loaded', now() - interval '31 days'),
       (:'org', :'booking_login', 'pending', 'completed', 'loaded', now() - interval '29 days');
INSERT INTO booking.payment (org_id, booking_id, status, currency, amount_cents, platform_fee_cents, resource_share_cents)
VALUES (:'org', :'booking_login', 'succeeded', 'EUR', 5000, 500, 4500);
-- the loader may also correct a history row (maintenance), which an acting user may not
UPDATE booking.status_history SET reason = 'loaded and checked' WHERE booking_id = :'booking_login' AND to_status = 'completed';

\c - :superuser
\i test/sql/include/try.psql
SET ROLE regress_loader;
SELECT current_user, session_user = current_user AS logged_in_as_it, booking.writing_as_maintenance();
INSERT INTO booking.booking (org_id, id, client_id, resource_id, service_id, starts_at, ends_at, status, currency, price_cents, platform_fee_cents, resource_share_cents)
VALUES (:'org', :'booking_setrole', '00000000-0000-0000-0000-00000000e1c1', '00000000-0000-0000-0000-00000000e1b1',
        '00000000-0000-0000-0000-00000000e1e1', date_trunc('hour', now()) - interval '20 days',
        date_trunc('hour', now()) - interval '20 days' + interval '1 hour', 'completed', 'EUR', 5000, 500, 4500);
INSERT INTO booking.status_history (org_id, booking_id, from_status, to_status, reason)
VALUES (:'org', :'booking_setrole', 'pending', 'completed', 'loaded');
INSERT INTO booking.payment (org_id, booking_id, status, currency, amount_cents, platform_fee_cents, resource_share_cents)
VALUES (:'org', :'booking_setrole', 'succeeded', 'EUR', 5000, 500, 4500);
RESET ROLE;

-- Both were written as given: the status, the history rows loaded and no
-- other (no creation row, no outbox event, no scheduled transition).
SELECT b.id = :'booking_login' AS login, b.status,
       (SELECT array_agg(h.to_status::text || ':' || h.reason ORDER BY h.id) FROM booking.status_history h WHERE h.booking_id = b.id) AS history,
       (SELECT count(*) FROM booking.scheduled_transition s WHERE s.booking_id = b.id) AS scheduled,
       (SELECT p.status FROM booking.payment p WHERE p.booking_id = b.id) AS payment
  FROM booking.booking b WHERE b.org_id = :'org' ORDER BY b.id;
SELECT count(*) AS outbox_events FROM booking.outbox WHERE org_id = :'org';

-- A role without BYPASSRLS and without an identity is refused, logged in or
-- through SET ROLE from a superuser.
\c - regress_plain
\i test/sql/include/try.psql
SELECT pg_temp.try($$UPDATE booking.status_history SET reason = 'x'$$) AS plain_sees_nothing_to_change;
SELECT count(*) AS plain_sees FROM booking.booking;
SELECT pg_temp.try(format($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, status, currency)
                            VALUES (%L, '00000000-0000-0000-0000-00000000e1c1', '00000000-0000-0000-0000-00000000e1b1', '00000000-0000-0000-0000-00000000e1e1',
                                    date_trunc('hour', now()) - interval '10 days', date_trunc('hour', now()) - interval '10 days' + interval '1 hour',
                                    'completed', 'EUR')$$, :'org')) AS plain_load;
\c - :superuser
\i test/sql/include/try.psql
SET ROLE regress_plain;
SELECT booking.writing_as_maintenance() AS plain_is_maintenance;
SELECT pg_temp.try(format($$INSERT INTO booking.booking (org_id, client_id, resource_id, service_id, starts_at, ends_at, status, currency)
                            VALUES (%L, '00000000-0000-0000-0000-00000000e1c1', '00000000-0000-0000-0000-00000000e1b1', '00000000-0000-0000-0000-00000000e1e1',
                                    date_trunc('hour', now()) - interval '10 days', date_trunc('hour', now()) - interval '10 days' + interval '1 hour',
                                    'completed', 'EUR')$$, :'org')) AS plain_load_through_set_role;
RESET ROLE;

-- With an identity nobody is in maintenance: the history stays append-only
-- and the rules apply, even to a superuser.
BEGIN;
SELECT booking.act_as(:'org', :'owner') IS NOT NULL AS acting;
SELECT booking.writing_as_maintenance() AS superuser_with_identity_is_maintenance;
SELECT pg_temp.try($$UPDATE booking.status_history SET reason = 'rewritten' WHERE booking_id = '00000000-0000-0000-0000-00000000e101'$$) AS history_update;
SELECT pg_temp.try($$INSERT INTO booking.booking (client_id, resource_id, service_id, starts_at, ends_at, status, currency)
                     VALUES ('00000000-0000-0000-0000-00000000e1c1', '00000000-0000-0000-0000-00000000e1b1', '00000000-0000-0000-0000-00000000e1e1',
                             date_trunc('hour', now()) - interval '10 days', date_trunc('hour', now()) - interval '10 days' + interval '1 hour',
                             'completed', 'EUR')$$) AS completed_insert_as_owner;
ROLLBACK;

DELETE FROM booking.org WHERE id = :'org';
DELETE FROM booking.app_user WHERE id = :'owner';
DROP OWNED BY regress_loader, regress_plain;
DROP ROLE regress_loader, regress_plain;
