#!/usr/bin/env bash
# test/differential.sh: the randomized differential test of the availability
# solver: booking.available_slots (C) against slots_ref.available_slots, the
# independent SQL reference in test/reference/slots_reference.sql, on CASES
# generated cases (default 1000) in a fresh database of the server given by
# the PG* environment variables.  Prints TAP; the last line is
#   # differential all passed=P failed=F
# SEED=n (0..999999) reproduces a run's data and cases (ranges near now() and
# the horizon are relative to the time of the run; ANCHOR=YYYY-MM-DD fixes
# the other dates, default today in UTC).  IMPL names the function under test
# (default booking.available_slots; called with resource, service, range,
# pickup).  KEEP=1 keeps the database booking_differential for inspection.
set -eu
cd "$(dirname "$0")/.."
seed=${SEED:-$(( $(od -An -N4 -tu4 /dev/urandom) % 1000000 ))}
cases=${CASES:-1000}
anchor=${ANCHOR:-$(date -u +%F)}
impl=${IMPL:-booking.available_slots}
db=booking_differential
echo "# differential test: seed $seed (SEED=$seed ANCHOR=$anchor bash test/differential.sh reproduces it)"

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning" \
	-c "CREATE EXTENSION booking CASCADE" -f test/reference/slots_reference.sql >/dev/null
if [ "$(psql -X -At -d "$db" -c "SELECT to_regproc('$impl') IS NOT NULL")" != t ]; then
	echo "1..0 # SKIP $impl does not exist"
	echo "# differential all passed=0 failed=0"
	dropdb "$db"
	exit 0
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
psql -X -q -v ON_ERROR_STOP=1 -v seed="$seed" -v cases="$cases" -v anchor="$anchor" -v impl="$impl" \
	-d "$db" -f test/differential.sql >"$out" 2>&1 || status=1
cat "$out"
if ! grep -q '^# differential all passed=[0-9]* failed=0$' "$out"; then
	status=1
	grep -q '^# differential all' "$out" || echo "# differential all passed=0 failed=1"
fi
[ "${KEEP:-0}" = 1 ] || dropdb "$db"
exit $status
