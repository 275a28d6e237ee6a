#!/usr/bin/env bash
# test/update.sh: the update from every released version to the current one,
# tested the way contrib tests its upgrades.  Prints TAP; needs PGHOST etc. of
# a server where we may create databases and roles (test/pg_suites.sh runs it
# inside pg_virtualenv), with this build installed.
#
# For each released version OLD (a committed sql/booking--OLD.sql):
#   1. install OLD from its frozen script, with the current C library (which
#      must still serve OLD's SQL definitions), load the demo data through
#      OLD's functions, and plant the hostile objects of test/sql/security.sql
#      on the search path;
#   2. ALTER EXTENSION booking UPDATE, with that search path;
#   3. require: the version is the current one; no hostile object was called;
#      every row of every table is still there, unchanged; the schema equals
#      a fresh install's (see describe below); the pgTAP schema contract
#      passes on the updated database.
# Then the refusals: an update to a version that does not exist, and from a
# database whose extension objects were altered by hand, fail with a clear
# error and change nothing.
set -u
cd "$(dirname "$0")/.."
out=${1:-build/test}/update
rm -rf "$out" && mkdir -p "$out"
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" booking.control)
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got '$1', wanted '$2')"; fi; }
q() { psql -X -At -v ON_ERROR_STOP=1 -d "$@"; }

# describe DB FILE: the schema booking of DB as text, for comparison.
# pg_dump leaves out the members of an extension, so the description is made
# on a copy of DB in which booking's objects are released from the extension
# (their pg_depend rows removed); pg_dump --schema-only --schema=booking then
# prints every table, function, policy, trigger, comment and privilege, in
# pg_dump's own order (by kind and name, never by OID).  The extension's own
# record follows: its members, config tables and their filter conditions.
describe() {
	local copy="$1_described"
	dropdb --if-exists "$copy" 2>/dev/null
	createdb -T "$1" "$copy"
	q "$copy" -q >"$2.members" <<'SQL'
SELECT pg_describe_object(classid, objid, objsubid)
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'booking')
 ORDER BY 1;
SELECT 'config ' || c::regclass::text || ' ' || coalesce(w, '')
  FROM pg_extension x, unnest(x.extconfig, x.extcondition) AS u(c, w)
 WHERE x.extname = 'booking'
 ORDER BY 1;
DELETE FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'booking');
SQL
	# (\restrict lines carry a random key of each dump)
	pg_dump --schema-only --schema=booking --no-comments -d "$copy" | grep -v -e '^--' -e '^$' -e '^\\restrict ' -e '^\\unrestrict ' >"$2.ddl"
	# comments separately, so that a difference names its object
	pg_dump --schema-only --schema=booking -d "$copy" | grep -A1 '^COMMENT ON' >"$2.comments"
	cat "$2.members" "$2.ddl" "$2.comments" >"$2"
	dropdb "$copy"
}

# fingerprint DB: per table, the row count and an md5 of its rows, over the
# columns it had before the update (kept in public.update_columns, written
# by remember_columns before the update).
remember_columns() {
	q "$1" -q <<'SQL'
CREATE TABLE public.update_columns AS
SELECT c.relname, c.oid::regclass::text AS tab,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS cols
  FROM pg_class c WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p');
SQL
}
fingerprint() {
	q "$1" <<'SQL'
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(r::text, E''\n'' ORDER BY r::text)), ''-'') FROM (SELECT %s FROM %s) r',
              relname, cols, tab)
  FROM public.update_columns ORDER BY relname
\gexec
SQL
}

fresh=booking_update_fresh
dropdb --if-exists $fresh 2>/dev/null
createdb $fresh
q $fresh -c "SET client_min_messages = warning" -c "CREATE EXTENSION booking CASCADE" >/dev/null
describe $fresh "$out/fresh.schema"

for script in $(ls sql/booking--*.sql | grep -v -- '--.*--' | sort -V); do
	old=$(basename "$script" .sql); old=${old#booking--}
	[ "$old" = "$current" ] && continue
	git ls-files --error-unmatch "$script" >/dev/null 2>&1 || continue	# released = committed
	db=booking_update_from_${old//./_}
	dropdb --if-exists $db 2>/dev/null
	createdb $db
	echo "# from $old to $current"

	# 1. the old version, its data, the traps
	if q $db -c "SET client_min_messages = warning" -c "CREATE EXTENSION booking VERSION '$old' CASCADE" >/dev/null; then
		ok "$old installs from its frozen script with the current library"
	else
		not_ok "$old installs from its frozen script with the current library"
		continue
	fi
	if [ -f sql/updates/$old.check.sql ]; then
		if bash test/release_check.sh $db $old | diff -q - sql/updates/$old.check.sql >/dev/null; then
			ok "sql/updates/$old.check.sql lists what a fresh $old install has"
		else
			not_ok "sql/updates/$old.check.sql differs from what a fresh $old install has (test/release_check.sh)"
		fi
	fi
	if psql -X -q -v ON_ERROR_STOP=1 -v scale=0.1 -d $db -f test/data/demo.sql >"$out/demo-$old.log" 2>&1; then
		ok "the demo data loads into $old through its functions"
	else
		not_ok "the demo data loads into $old through its functions (see $out/demo-$old.log)"
	fi
	check "$(q $db -c "SELECT count(*) > 0 FROM booking.booking")" t "$old has bookings to carry over"
	# a copy for the application roles (below): an extension script that
	# changes an object's privileges records them all as its initial ones
	# (pg_init_privs), a dropped role's too, which the schema comparison
	# would then see
	dropdb --if-exists ${db}_roles 2>/dev/null; createdb -T $db ${db}_roles
	remember_columns $db
	fingerprint $db >"$out/rows-before-$old"
	q $db -q -f test/sql/include/hostile.psql >/dev/null

	# 2. the update, with the traps first on the search path
	if PGOPTIONS="-c search_path=public,pg_catalog -c client_min_messages=warning" \
		psql -X -q -v ON_ERROR_STOP=1 -d $db -c "ALTER EXTENSION booking UPDATE" >"$out/update-$old.log" 2>&1; then
		ok "ALTER EXTENSION booking UPDATE from $old"
	else
		not_ok "ALTER EXTENSION booking UPDATE from $old: $(head -3 "$out/update-$old.log")"
	fi

	# 3. what must hold afterwards
	check "$(q $db -c "SELECT extversion FROM pg_extension WHERE extname = 'booking'")" "$current" "updated from $old to $current"
	calls=$(q $db -c "SELECT count(*) || coalesce(': ' || string_agg(DISTINCT what, ', '), '') FROM public.hostile_calls")
	check "$calls" 0 "no hostile object on the search path was called by the update"
	q $db -q -f test/sql/include/hostile_drop.psql >/dev/null
	fingerprint $db >"$out/rows-after-$old"
	lost=$(diff "$out/rows-before-$old" "$out/rows-after-$old" | grep -c '^[<>]')
	check "$lost" 0 "every row of $(wc -l <"$out/rows-before-$old") tables kept, unchanged ($(awk '{s += $2} END {print s}' "$out/rows-before-$old") rows)"
	describe $db "$out/updated-$old.schema"
	if diff -u "$out/fresh.schema" "$out/updated-$old.schema" >"$out/schema-$old.diff"; then
		ok "the schema updated from $old equals a fresh $current install ($(wc -l <"$out/fresh.schema") lines of description)"
	else
		not_ok "the schema updated from $old differs from a fresh $current install:"
		head -60 "$out/schema-$old.diff" | sed 's/^/#   /'
	fi
	q $db -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pgtap" >/dev/null
	if pg_prove -d $db test/pgtap/schema.sql >"$out/pgtap-$old.log" 2>&1; then
		ok "the pgTAP schema contract passes on the database updated from $old"
	else
		not_ok "the pgTAP schema contract fails on the database updated from $old:"
		grep -E '^not ok|#' "$out/pgtap-$old.log" | head -20 | sed 's/^/#   /'
	fi
	# application roles granted on the old version (grant_app_role as it was),
	# in the copy: updated, granted again as README "Upgrading" says, they
	# have what a role granted now has (the update cannot grant them itself:
	# grants made by an extension script become its initial privileges,
	# which pg_dump leaves out)
	main=$db; db=${main}_roles
	app=regress_upd_app_${old//./_}; plain=regress_upd_plain_${old//./_}; fresh_app=regress_upd_fresh_${old//./_}
	for r in $app $plain $fresh_app ${fresh_app}_plain; do q $db -q -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1; done
	q $db -q -c "CREATE ROLE $app" -c "CREATE ROLE $plain" \
		-c "SELECT booking.grant_app_role('$app', trusted => true)" -c "SELECT booking.grant_app_role('$plain')" >/dev/null
	PGOPTIONS="-c client_min_messages=warning" q $db -q -c "ALTER EXTENSION booking UPDATE" >/dev/null
	q $db -q -c "SELECT booking.grant_app_role('$app', trusted => true)" -c "SELECT booking.grant_app_role('$plain')" >/dev/null
	q $db -q -c "CREATE ROLE $fresh_app" -c "SELECT booking.grant_app_role('$fresh_app', trusted => true)" >/dev/null
	privs() {
		q $db -c "SELECT count(*) || ' ' || md5(string_agg(x, ',' ORDER BY x)) FROM (
			SELECT 'f ' || p.oid::regprocedure FROM pg_proc p
			 WHERE p.pronamespace = 'booking'::regnamespace AND has_function_privilege('$1', p.oid, 'EXECUTE')
			UNION ALL
			SELECT 't ' || c.oid::regclass || ' ' || v FROM pg_class c, unnest('{SELECT,INSERT,UPDATE,DELETE}'::text[]) v
			 WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND has_table_privilege('$1', c.oid, v)) s(x)"
	}
	check "$(privs $app)" "$(privs $fresh_app)" "a trusted application role granted on $old and again after the update has what grant_app_role gives now"
	q $db -q -c "CREATE ROLE ${fresh_app}_plain" -c "SELECT booking.grant_app_role('${fresh_app}_plain')" >/dev/null
	check "$(privs $plain)" "$(privs ${fresh_app}_plain)" "an untrusted one too (and still may not call act_as)"
	org=$(q $db -c "SELECT org_id FROM booking.membership WHERE role = 'owner' ORDER BY org_id, user_id LIMIT 1")
	owner=$(q $db -c "SELECT user_id FROM booking.membership WHERE role = 'owner' AND org_id = '$org' ORDER BY user_id LIMIT 1")
	check "$(q $db -q -c "SET ROLE $app" -c "BEGIN" -c "SELECT booking.act_as('$org', '$owner') IS NOT NULL" \
		-c "SELECT count(*) > 0 FROM booking.invitation" -c "SELECT (booking.invite(email => 'upd.invitee@example.com')).invitation_id IS NOT NULL" -c "ROLLBACK" 2>&1 | tr '\n' ' ')" \
		"t f t " "... it acts and reaches what 0.2.0 added (invitations)"
	for r in $app $plain $fresh_app ${fresh_app}_plain; do q $db -q -c "DROP OWNED BY $r" >/dev/null; done
	dropdb $db
	for r in $app $plain $fresh_app ${fresh_app}_plain; do q $main -q -c "DROP ROLE $r" >/dev/null; done
	db=$main
	dropdb $db
done

# Refusals: nothing half-updated.
echo "# refusals"
db=booking_update_refusals
dropdb --if-exists $db 2>/dev/null
createdb $db
oldest=$(ls sql/booking--*.sql | grep -v -- '--.*--' | sort -V | head -1 | sed 's/.*booking--\(.*\)\.sql/\1/')
q $db -c "SET client_min_messages = warning" -c "CREATE EXTENSION booking VERSION '$oldest' CASCADE" >/dev/null
err=$(q $db -c "ALTER EXTENSION booking UPDATE TO '99.0.0'" 2>&1)
case "$err" in
	*'has no update path from version'*) ok "an update to a version that does not exist is refused: ${err#ERROR:  }" ;;
	*) not_ok "an update to a version that does not exist: $err" ;;
esac
check "$(q $db -c "SELECT extversion FROM pg_extension WHERE extname = 'booking'")" "$oldest" "the refused update changed nothing"
if [ "$oldest" != "$current" ]; then
	q $db -c "DROP POLICY booking_read ON booking.booking" >/dev/null
	before=$(q $db -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'booking'::regnamespace")
	err=$(q $db -c "ALTER EXTENSION booking UPDATE" 2>&1)
	case "$err" in
		*'booking_read'*) ok "an update over a hand-altered schema is refused and names what is missing" ;;
		*) not_ok "an update over a hand-altered schema (a dropped policy): ${err:-it succeeded}" ;;
	esac
	check "$(q $db -c "SELECT extversion || ' ' || (SELECT count(*) FROM pg_proc WHERE pronamespace = 'booking'::regnamespace) FROM pg_extension WHERE extname = 'booking'")" \
		"$oldest $before" "the refused update left the old version whole"
	echo "$err" | sed 's/^/#   /'
fi
dropdb $db
dropdb $fresh

echo "1..$n"
echo "# update all passed=$((n - failed)) failed=$failed"
[ "$failed" -eq 0 ]
