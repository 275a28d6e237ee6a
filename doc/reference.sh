#!/usr/bin/env bash
# doc/reference.sh: print the README's Reference section from the catalog of a
# fresh install, so that it names every function of schema booking with its
# arguments, its result and the version it appeared in, and cannot go stale
# (test/pg_suites.sh compares it with README.md).
#
#   bash doc/reference.sh            print the generated section
#   bash doc/reference.sh --update   write it into README.md between the markers
#
# Needs a server (the PG* variables) where booking is installable.  It makes two
# scratch databases, one with 0.1.0 (for "since") and one with the default
# version, and drops them.  A function is for applications when PUBLIC, or a
# role given booking.grant_app_role(..., trusted => true) or
# booking.grant_relay_role(...), may execute it; every other function is
# internal and listed by concern.  The concern is the sql/code file that
# defines the function.
set -eu
cd "$(dirname "$0")/.."
old=booking_ref_old_$$ new=booking_ref_new_$$ role=booking_ref_app_$$ relay=booking_ref_relay_$$
cleanup() {
	dropdb --if-exists -q "$old" 2>/dev/null || true
	dropdb --if-exists -q "$new" 2>/dev/null || true
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" -c "DROP ROLE IF EXISTS $relay" >/dev/null 2>&1 || true
}
trap cleanup EXIT
createdb "$old"; createdb "$new"
psql -X -q -v ON_ERROR_STOP=1 -d "$old" -c "CREATE EXTENSION booking VERSION '0.1.0' CASCADE" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d "$new" -c "CREATE EXTENSION booking CASCADE" \
	-c "CREATE ROLE $role" -c "CREATE ROLE $relay" \
	-c "SELECT booking.grant_app_role('$role', trusted => true)" \
	-c "SELECT booking.grant_relay_role('$relay')" >/dev/null 2>&1

# The functions of 0.1.0, by name and argument types, and by name alone.
old_list=$(psql -X -At -d "$old" -c "
  SELECT p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'
    FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'booking'::regnamespace ORDER BY 1")

# Which sql/code file defines each function: its concern.
files=$(grep -oE '^CREATE (OR REPLACE )?(FUNCTION|PROCEDURE) booking\.[a-z_0-9]+' sql/code/*.sql |
	sed -E 's/^sql\/code\/([^:]+)\.sql:CREATE (OR REPLACE )?(FUNCTION|PROCEDURE) booking\./\1 /' | sort -u)

{
	printf '%s\n' "$old_list" | sed 's/^/old\t/; s/$/\t/'
	printf '%s\n' "$files" | awk '{print "file\t" $2 "\t" $1}'
} >"/tmp/booking_ref_$$.tsv"
sed "s|__TSV__|/tmp/booking_ref_$$.tsv|" <<'SQL' | psql -X -q -At -v ON_ERROR_STOP=1 -d "$new" -v role="$role" -v relay="$relay" >"/tmp/booking_ref_$$.md"
CREATE TEMP TABLE input (kind text, a text, b text);
\copy input FROM '__TSV__' WITH (FORMAT text)
CREATE TEMP TABLE concern (prefix text PRIMARY KEY, title text, ord int);
INSERT INTO concern VALUES
  ('00_used_by_tables', 'Predicates the tables use', 10), ('02_identity', 'Identity', 1),
  ('40_scheduling', 'Schedules', 12), ('41_travel', 'Travel time', 20), ('42_routing', 'Road network', 21),
  ('43_write_locks', 'Write locks', 13), ('44_seats', 'Seats, holds and waitlists', 6),
  ('39_places', 'Places and times', 5), ('45_eligibility', 'Eligibility', 7), ('46_idempotency', 'Idempotency', 14), ('47_book', 'Booking', 4),
  ('48_solver', 'Availability', 3), ('49_write_trigger', 'Write path', 15), ('50_session_triggers', 'Sessions', 16),
  ('52_lifecycle_rules', 'Life-cycle rules', 17), ('60_execution', 'Lessons and GPS trips', 31), ('61_tracking', 'Lessons and GPS trips', 31),
  ('72_pricing', 'Prices', 40), ('73_payments', 'Payments', 41), ('74_webhooks', 'Provider webhooks', 42),
  ('75_invoices', 'Invoices', 43), ('76_payouts', 'Payouts', 44), ('77_money_reports', 'Money reports', 45),
  ('85_triggers', 'Shared triggers', 90), ('86_guards', 'Guards', 91), ('86_messaging', 'Messaging', 50),
  ('87_templates', 'Message templates', 51), ('88_reminders', 'Reminders', 52), ('90_security', 'Row-level security', 92),
  ('92_enrolment', 'Enrolment and e-mail changes', 2), ('95_api', 'Users, orgs and roles', 2), ('96_lifecycle_api', 'Life cycle', 5), ('97_money_grants', 'Money', 46),
  ('99_schema_rules', 'Schema rules', 99);

CREATE TEMP TABLE fn AS
SELECT p.oid, p.proname,
       p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS ident,
       -- arguments as written, without the schema and the casts of defaults
       regexp_replace(regexp_replace(pg_catalog.pg_get_function_arguments(p.oid),
                      '(pg_catalog|booking|public)\.', '', 'g'),
                      '::[a-z_ ]+(\[\])?', '', 'g') AS args,
       CASE WHEN p.prokind = 'p' THEN NULL
            ELSE regexp_replace(pg_catalog.pg_get_function_result(p.oid), '(pg_catalog|booking|public)\.', '', 'g') END AS result,
       p.prorettype = 'trigger'::regtype AS is_trigger,
       p.prokind,
       coalesce(obj_description(p.oid, 'pg_proc'), '') AS comment,
       has_function_privilege('public', p.oid, 'EXECUTE')
         OR has_function_privilege(:'role', p.oid, 'EXECUTE')
         OR has_function_privilege(:'relay', p.oid, 'EXECUTE') AS for_apps,
       (SELECT b FROM input i WHERE i.kind = 'file' AND i.a = p.proname LIMIT 1) AS file
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = 'booking'::regnamespace
   -- not the constructors PostgreSQL makes for a range type
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type t
                    WHERE t.typnamespace = p.pronamespace AND t.typname = p.proname);

-- Three kinds: what applications call (PUBLIC, an application role or a relay
-- role may execute it), what administrators and the engine call (no
-- application may), and trigger functions.
CREATE TEMP TABLE row_md AS
SELECT coalesce(c.title, 'Other') AS title, coalesce(c.ord, 98) AS ord, f.proname, f.ident,
       CASE WHEN f.is_trigger THEN 'trigger' WHEN f.for_apps THEN 'app' ELSE 'admin' END AS kind,
       '| `' || f.proname || '(' || f.args || ')`' ||
       coalesce(' → `' || f.result || '`', '') || ' | ' ||
       CASE WHEN EXISTS (SELECT 1 FROM input i WHERE i.kind = 'old' AND i.a = f.ident) THEN '0.1.0'
            WHEN EXISTS (SELECT 1 FROM input i WHERE i.kind = 'old' AND split_part(i.a, '(', 1) = f.proname)
              THEN '0.1.0; arguments changed in 0.2.0'
            ELSE '0.2.0' END || ' | ' ||
       replace(replace(f.comment, '|', '\|'), E'\n', ' ') || ' |' AS md
  FROM fn f LEFT JOIN concern c ON c.prefix = f.file;

SELECT '<!-- reference:begin (generated by doc/reference.sh from a fresh install; do not edit by hand) -->';
SELECT '';
SELECT 'Every function of schema `booking`: its arguments with their defaults, what it returns, the version it appeared in, and what it does (its `COMMENT`), by concern. Call row-returning functions as `SELECT * FROM booking.f(...)`.';
SELECT s FROM (
  SELECT k0, ord, title, 0 AS k, NULL::text AS ident, s FROM (
    SELECT DISTINCT 0 AS k0, -1 AS ord, '' AS title, E'\n### Functions for applications\n\nExecutable by PUBLIC, or by the roles `grant_app_role` and `grant_relay_role` set up.' AS s FROM row_md WHERE kind = 'app'
    UNION ALL
    SELECT DISTINCT 1, -1, '', E'\n### Functions for administrators and the engine\n\nNot executable by applications: a superuser runs them (or grants them to a trusted role), or the engine calls them.' FROM row_md WHERE kind = 'admin') h
  UNION ALL
  SELECT CASE kind WHEN 'app' THEN 0 ELSE 1 END, ord, title, 0, NULL,
         E'\n#### ' || title || E'\n\n| function | since | what it does |\n| --- | --- | --- |'
    FROM (SELECT DISTINCT kind, ord, title FROM row_md WHERE kind <> 'trigger') t
  UNION ALL
  SELECT CASE kind WHEN 'app' THEN 0 ELSE 1 END, ord, title, 1, ident, md FROM row_md WHERE kind <> 'trigger'
) x ORDER BY k0, ord, title, k, ident;
SELECT '';
SELECT '### Trigger functions';
SELECT '';
SELECT '| concern | functions |';
SELECT '| --- | --- |';
SELECT '| ' || title || ' | ' || string_agg('`' || proname || '`', ', ' ORDER BY proname) || ' |'
  FROM (SELECT DISTINCT ord, title, proname FROM row_md WHERE kind = 'trigger') t
 GROUP BY ord, title ORDER BY ord, title;
SELECT '';
SELECT '<!-- reference:end -->';
SQL
rm -f "/tmp/booking_ref_$$.tsv"
if [ "${1:-}" = --update ]; then
	python3 - "/tmp/booking_ref_$$.md" <<'PY'
import re, sys
gen = open(sys.argv[1]).read().rstrip('\n') + '\n'
s = open('README.md').read()
pat = re.compile(r'<!-- reference:begin.*?<!-- reference:end -->\n', re.S)
if not pat.search(s):
    sys.exit('README.md has no reference markers')
open('README.md', 'w').write(pat.sub(lambda m: gen, s, count=1))
PY
else
	cat "/tmp/booking_ref_$$.md"
fi
rm -f "/tmp/booking_ref_$$.md"
