#!/usr/bin/env bash
# test/docs.sh: the README says what the code does, checked where a machine
# can check it (run by test/pg_suites.sh with a server, TAP on stdout):
#   - the Reference is what doc/reference.sh generates from a fresh install;
#   - every SQLSTATE of booking's own (src/errcodes.h, the one index) has a row
#     in the README's SQLSTATE table, and every one the sources raise is in
#     that index;
#   - the availability rules are numbered and named as in src/core/slots.h.
set -u
cd "$(dirname "$0")/.."
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

gen=$(mktemp); have=$(mktemp)
trap 'rm -f "$gen" "$have"' EXIT
if bash doc/reference.sh >"$gen" 2>/dev/null; then
	sed -n '/^<!-- reference:begin/,/^<!-- reference:end -->$/p' README.md >"$have"
	if diff -u "$have" "$gen" >/dev/null; then ok 0 "README Reference equals doc/reference.sh's"
	else diff -u "$have" "$gen" | head -40 | sed 's/^/# /'; ok 1 "README Reference equals doc/reference.sh's (run: bash doc/reference.sh --update)"; fi
else
	ok 1 "doc/reference.sh runs"
fi

own='2[23][KGMN][0-9]{2}'
indexed=$(grep -oE "\b$own\b" src/errcodes.h | sort -u)
table=$(sed -n '/^## SQLSTATEs$/,/^## /p' README.md | grep -oE "^\| $own \|" | grep -oE "$own" | sort -u)
missing=$(comm -23 <(echo "$indexed") <(echo "$table") | tr '\n' ' ')
ok "$([ -z "$missing" ] && echo 0 || echo 1)" "every code of src/errcodes.h has a row in the README's SQLSTATE table${missing:+ (missing: $missing)}"
extra=$(comm -13 <(echo "$indexed") <(echo "$table") | tr '\n' ' ')
ok "$([ -z "$extra" ] && echo 0 || echo 1)" "every code of the README's SQLSTATE table is in src/errcodes.h${extra:+ (not indexed: $extra)}"
raised=$(grep -ohE "'$own'|MAKE_SQLSTATE\('2','[23]','[KGMN]','[0-9]','[0-9]'\)" sql/code/*.sql sql/updates/*--*.sql src/*.c src/*.h 2>/dev/null |
	sed -E "s/MAKE_SQLSTATE\('(.)','(.)','(.)','(.)','(.)'\)/\1\2\3\4\5/; s/'//g" | sort -u)
unindexed=$(comm -23 <(echo "$raised") <(echo "$indexed") | tr '\n' ' ')
ok "$([ -z "$unindexed" ] && echo 0 || echo 1)" "every code the sources raise is in src/errcodes.h${unindexed:+ (not indexed: $unindexed)}"

core=$(grep -E '^ \*  [0-9]+\. [A-Z]' src/core/slots.h | sed -E 's/^ \*  ([0-9]+)\. ([^.]*)\..*/\1. \2/')
doc=$(sed -n '/is bookable when:/,/^\*\*Local time/p' README.md | grep -E '^[0-9]+\. \*\*' | sed -E 's/^([0-9]+)\. \*\*([^*]*)\.\*\*.*/\1. \2/')
if [ "$core" = "$doc" ] && [ -n "$core" ]; then ok 0 "the README's availability rules are src/core/slots.h's, by number and name"
else diff <(echo "$core") <(echo "$doc") | sed 's/^/# /'; ok 1 "the README's availability rules are src/core/slots.h's, by number and name"; fi

# The README's Getting started runs as written: its first block as a
# superuser, the others as an application role given grant_app_role(trusted).
db=booking_docs_$$
createdb "$db"
psql -X -q -d "$db" -c "CREATE EXTENSION booking CASCADE" -c "DROP ROLE IF EXISTS booking_docs_app" \
	-c "CREATE ROLE booking_docs_app" -c "SELECT booking.grant_app_role('booking_docs_app', trusted => true)" >/dev/null 2>&1
script=$(mktemp)
awk '/^## Getting started$/ {on=1; next} on && /^## / {exit}
     on && /^```sql$/ {blk++; if (blk == 2) print "SET ROLE booking_docs_app;"; code=1; next}
     on && /^```$/ {code=0; next} on && code {print}' README.md >"$script"
if gs=$(psql -X -v ON_ERROR_STOP=1 -d "$db" -f "$script" 2>&1); then
	booked=$(psql -X -At -d "$db" -c "SELECT count(*) FROM booking.booking WHERE status = 'pending'")
	ok "$([ "$booked" = 1 ] && echo 0 || echo 1)" "the README's Getting started runs as written and books one appointment (booked: $booked)"
else
	echo "$gs" | tail -5 | sed 's/^/# /'
	ok 1 "the README's Getting started runs as written"
fi
rm -f "$script"
dropdb "$db"; psql -X -q -d postgres -c "DROP ROLE IF EXISTS booking_docs_app" >/dev/null 2>&1

echo "# docs all passed=$((n - failed)) failed=$failed"
[ $failed = 0 ]
