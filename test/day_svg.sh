#!/usr/bin/env bash
# test/day_svg.sh: the pictures of booking.day_svg are well-formed SVG by
# xmllint (Debian libxml2-utils), as an admin (a day with a service, a week)
# and as a student, on the data of test/sql/include/day_svg_fixture.psql,
# in a database of its own on the server of the PG* environment variables;
# and they mark what test/sql/day_svg.sql counts (xmllint --xpath here).
# Prints TAP lines and "# day_svg all passed=N failed=M".
set -u
cd "$(dirname "$0")/.."
db=booking_test_day_svg
out=${1:-build/day_svg}
mkdir -p "$out"
pass=0; fail=0
ok() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok - $2"; else fail=$((fail + 1)); echo "not ok - $2"; fi; }
if ! command -v xmllint >/dev/null; then
	echo "not ok - xmllint is not installed (Debian libxml2-utils; test/setup.sh installs it)"
	echo "# day_svg all passed=0 failed=1"; exit 1
fi
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" && psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning" \
	-c "CREATE EXTENSION booking CASCADE" -f test/sql/include/day_svg_fixture.psql \
	-c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_day_svg_app') THEN CREATE ROLE regress_day_svg_app; END IF; END \$\$" \
	-c "SELECT booking.grant_app_role('regress_day_svg_app', true)" >/dev/null
ok $? "fixture loaded"
picture() { # user, day expression, service (or NULL), days -> file
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" >"$5" <<SQL
BEGIN;
SET LOCAL ROLE regress_day_svg_app;
SELECT booking.act_as('00000000-0000-0000-0000-000000006901', '$1') \g /dev/null
SELECT booking.day_svg('00000000-0000-0000-0000-0000000069e1', $2, $3, $4) FROM public.picture_day;
COMMIT;
SQL
}
admin=00000000-0000-0000-0000-0000000069a1
student=00000000-0000-0000-0000-0000000069a2
picture $admin day "'00000000-0000-0000-0000-0000000069f1'" 1 "$out/admin-day.svg"; ok $? "admin's day drawn"
picture $admin "day - 2" NULL 7 "$out/admin-week.svg"; ok $? "admin's week drawn"
picture $student day "'00000000-0000-0000-0000-0000000069f1'" 1 "$out/student-day.svg"; ok $? "student's day drawn"
for f in admin-day admin-week student-day; do
	xmllint --noout "$out/$f.svg" 2>"$out/$f.xmllint"
	ok $? "$f.svg is well-formed (xmllint)"
done
count() { xmllint --xpath "count(//*[local-name()='$2'][@class='$3'])" "$out/$1.svg" 2>/dev/null; }
[ "$(count admin-day rect booking)" = 2 ] && [ "$(count admin-day rect hours)" = 2 ] && [ "$(count admin-day rect break)" = 1 ] &&
	[ "$(count admin-day rect buffer)" = 2 ] && [ "$(count admin-day line travel)" = 1 ] && [ "$(count admin-day rect blocked)" -ge 1 ]
ok $? "admin's day: 2 bookings, 2 working windows, 1 break, 2 buffers, 1 travel, something blocked (xmllint --xpath)"
[ "$(count admin-week text day-label)" = 7 ]
ok $? "admin's week: seven day rows"
[ "$(count student-day rect booking)" = 1 ] && ! grep -q 'Client Two' "$out/student-day.svg"
ok $? "student's day: their own booking, no other client's name"
dropdb --if-exists "$db" >/dev/null 2>&1
echo "# day_svg all passed=$pass failed=$fail"
[ "$fail" = 0 ]
