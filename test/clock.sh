#!/usr/bin/env bash
# test/clock.sh [INSTANT...]: the PostgreSQL suites (pg_regress over
# test/sql, the isolation tester over test/specs, pgTAP over test/pgtap) on a
# throwaway cluster whose wall clock is moved to a fixed instant; with no
# argument at every instant below, else at the named ones ("test/clock.sh
# --list" names them; "now" is the real time).  The tests must pass whatever the date and time.
#
# The clock is moved by test/clock/offset_clock.c, an LD_PRELOAD library
# built here into build/clock/: it adds a constant number of seconds to the
# wall clock only (never to the monotonic clock), in the postmaster and
# every process it starts.  (libfaketime 0.9.10 gives signal handlers the
# real time, so children forked from the postmaster's handlers run on the
# real clock and lock_timeout never fires.)  Before the suites, checks that
# now() is at the instant in every process of the cluster and that
# lock_timeout still fires.
#
# Uses the PostgreSQL of $PG_CONFIG (default /usr/lib/postgresql/15/bin/
# pg_config) and the booking extension already installed there; installs
# nothing.  Runs the server as postgres when root, else as the current user.
# Prints TAP-like lines and "# clock INSTANT passed=N failed=M" per instant
# (the summary of test/run.sh reads these); exits non-zero on any failure.
# Keeps each instant's outputs and server log in build/clock/INSTANT/.
set -u
cd "$(dirname "$0")/.."
root=$PWD

# name|instant (UTC)|why; the run takes about 15 s, so an instant a few
# seconds before a boundary puts the boundary inside the run
instants='
berlin-dst-eve|2027-03-27 21:30:00Z|Sat 22:30 CET in Berlin, the eve of spring forward (Sun 02:00 -> 03:00)
berlin-dst-day|2027-03-28 01:30:00Z|Sun 03:30 CEST in Berlin, just after spring forward: a 23-hour day
ny-dst-eve|2027-11-07 02:30:00Z|Sat 22:30 EDT in New York, the eve of fall back (Sun 02:00 -> 01:00)
ny-dst-day|2027-11-07 06:30:00Z|Sun 01:30 EST in New York, the second 01:30 of fall back: a 25-hour day
berlin-2350|2027-06-13 21:50:00Z|Sun 23:50 CEST in Berlin: ten minutes before a Monday, so now() + notice is another day and week
berlin-midnight|2027-10-31 22:59:54Z|Sun 23:59:54 CET in Berlin on the 25-hour day of fall back: the run crosses midnight into a Monday
new-year-eve|2027-12-31 23:30:00Z|Fri 23:30 UTC on New Year'"'"'s Eve (Sat 00:30 in Berlin, Fri 18:30 in New York)
leap-day|2028-02-29 12:00:00Z|Tue 29 February 2028, 13:00 in Berlin
year-2032|2032-08-02 07:00:00Z|Mon 2 August 2032, 09:00 in Berlin: past every date the tests once fixed (2030, 2031)
year-2038|2038-01-19 03:14:00Z|Tue 19 January 2038, 04:14 in Berlin: the run crosses 2^31 seconds since 1970 (03:14:08 UTC)
past-2025|2025-09-15 10:00:00Z|Mon 15 September 2025, before the fixed dates the tests keep as plain data (2026-12-01 departures, 2026 eligibility dates)
'

instant_line() {
	if [ "$1" = now ]; then		# the real time, for comparison
		echo "now|$(date -u '+%F %T')Z|the real time"
	else
		printf '%s\n' "$instants" | grep "^$1|"
	fi
}

if [ "${1:-}" = --list ]; then
	printf '%s\n' "$instants" | sed '/^$/d' | awk -F'|' '{ printf "%-15s %s  %s\n", $1, $2, $3 }'
	exit 0
fi
if [ $# -eq 0 ]; then
	set -- $(printf '%s\n' "$instants" | sed -n 's/^\([a-z0-9-]*\)|.*/\1/p')
fi
for name in "$@"; do
	instant_line "$name" >/dev/null || { echo "clock.sh: unknown instant '$name' (see test/clock.sh --list)" >&2; exit 2; }
done

export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bindir=$("$PG_CONFIG" --bindir) || { echo "clock.sh: no pg_config at $PG_CONFIG" >&2; exit 2; }
export PATH="$bindir:$PATH"

# the library
build=$root/build/clock
mkdir -p "$build"
if ! gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$build/offset_clock.so" test/clock/offset_clock.c -ldl \
	2>"$build/offset_clock.log"; then
	echo "not ok 1 - test/clock/offset_clock.c does not compile"; sed 's/^/# /' "$build/offset_clock.log"
	echo "# clock build passed=0 failed=1"
	exit 1
fi

# as root the server runs as postgres; as anyone else, as that user
if [ "$(id -u)" -eq 0 ]; then
	as_server() { runuser -u postgres -- "$@"; }
	export PGUSER=postgres
else
	as_server() { "$@"; }
	export PGUSER=$(id -un)
fi

tmp=
server_env=
stop_cluster() {
	if [ -n "$tmp" ] && [ -d "$tmp" ]; then
		[ -f "$tmp/data/postmaster.pid" ] && as_server env $server_env pg_ctl -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1
		rm -rf "$tmp"
	fi
	tmp=
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

# ok/not ok with a running number; the counts go into the instant's summary
n=0; pass=0; fail=0
tap() {		# tap t|f DESCRIPTION [FILE WITH DIAGNOSTICS]
	n=$((n + 1))
	if [ "$1" = t ]; then
		echo "ok $n - $2"; pass=$((pass + 1))
	else
		echo "not ok $n - $2"; fail=$((fail + 1))
		[ -n "${3:-}" ] && [ -s "$3" ] && head -60 "$3" | sed 's/^/#   /'
	fi
}
q() { psql -X -At -v ON_ERROR_STOP=1 -d postgres -c "$1" 2>&1; }

status=0
for name in "$@"; do
	IFS='|' read -r _ at why <<<"$(instant_line "$name")"
	out=$build/$name
	rm -rf "$out"; mkdir -p "$out"
	n=0; pass=0; fail=0
	started=$(date +%s)
	echo "# clock $name: $at ($why)"

	# a cluster of its own, the library and the offset in its environment
	tmp=$(mktemp -d /tmp/booking-clock.XXXXXX)
	chmod 755 "$tmp"
	cp "$build/offset_clock.so" "$tmp/"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$tmp"
	target=$(date -u -d "$at" +%s)
	offset=$((target - $(date -u +%s)))
	server_env="LD_PRELOAD=$tmp/offset_clock.so OFFSET_CLOCK_SECONDS=$offset"
	port=$((50000 + RANDOM % 10000))	# free: the socket's directory is the cluster's own, no TCP
	export PGHOST=$tmp PGPORT=$port
	if ! as_server env $server_env initdb -D "$tmp/data" -A trust -E UTF8 --no-instructions >"$out/initdb.log" 2>&1 ||
		! as_server env $server_env pg_ctl -D "$tmp/data" -l "$tmp/postmaster.log" -w -t 60 \
			-o "-c listen_addresses='' -k $tmp -p $port -c max_connections=40 -c fsync=off" start >"$out/pg_ctl.log" 2>&1; then
		cat "$out/initdb.log" "$out/pg_ctl.log" "$tmp/postmaster.log" >"$out/start.log" 2>/dev/null
		tap f "cluster starts at $at" "$out/start.log"
		echo "# clock $name passed=$pass failed=$fail"
		stop_cluster; status=1; continue
	fi

	# the clock: now() at the instant, in a backend and in every process the
	# postmaster started (from its signal handlers too), within a minute
	now=$(q "SELECT now()")
	tap "$(q "SELECT abs(extract(epoch FROM now()) - $target) < 60")" "now() is $now, at $at"
	q "SELECT backend_type, backend_start FROM pg_stat_activity WHERE backend_start IS NOT NULL ORDER BY 1" >"$out/processes.log"
	tap "$(q "SELECT count(*) >= 3 AND bool_and(abs(extract(epoch FROM backend_start) - $target) < 60)
	            FROM pg_stat_activity WHERE backend_start IS NOT NULL")" \
		"every process of the cluster started at the instant ($(q "SELECT count(*) FROM pg_stat_activity WHERE backend_start IS NOT NULL") processes)" \
		"$out/processes.log"
	# lock_timeout fires: a session holds an advisory lock, another waits 100 ms
	psql -X -q -d postgres -c "SELECT pg_advisory_lock(4242)" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
	holder=$!
	for _ in $(seq 50); do
		[ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted")" = 1 ] && break
		sleep 0.1
	done
	q "CREATE FUNCTION pg_temp.waited() RETURNS text LANGUAGE plpgsql AS \$\$
	   DECLARE t0 timestamptz := clock_timestamp();
	   BEGIN
	     SET LOCAL lock_timeout = '100ms';
	     PERFORM pg_advisory_lock(4242);
	     RETURN 'got the lock after ' || (clock_timestamp() - t0);
	   EXCEPTION WHEN lock_not_available THEN
	     RETURN SQLSTATE || ' after ' || (clock_timestamp() - t0) || CASE WHEN clock_timestamp() - t0 < interval '5 seconds' THEN '' ELSE ' (late)' END;
	   END \$\$;
	   SELECT pg_temp.waited()" >"$out/lock_timeout.log"
	q "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted" >/dev/null
	wait $holder 2>/dev/null
	result=$(tail -1 "$out/lock_timeout.log")
	case "$result" in 55P03\ after\ 00:00:0*) ok=t ;; *) ok=f ;; esac
	[[ $result == *late* ]] && ok=f
	tap $ok "lock_timeout = 100ms fires on a held lock: $result" "$out/lock_timeout.log"

	# pg_regress and the isolation tester through PGXS, as test/pg_suites.sh
	# runs them; the output directories are the instant's own
	for suite in pg_regress isolation; do
		if [ $suite = pg_regress ]; then vars="ISOLATION="; else vars="REGRESS="; fi
		mkdir -p "$out/$suite"
		make -s installcheck PG_CONFIG="$PG_CONFIG" $vars EXTRA_REGRESS_OPTS="--outputdir=$out/$suite" >"$out/$suite.out" 2>&1
		rc=$?
		# PostgreSQL 15 prints "test NAME ... ok" (or "     NAME ... ok" in a
		# parallel group; "... FAILED" when it fails)
		grep -E '^(test +| +)[a-z_0-9]+ +\.\.\. ' "$out/$suite.out" >"$out/$suite.tests"
		while read -r _ t _ result _; do
			if [ "$result" = ok ]; then tap t "$suite $t"
			else
				# the test's own part of regression.diffs
				awk -v t="/$t.out" 'index($0, "diff ") == 1 { on = index($0, t) > 0 } on' \
					"$out/$suite/regression.diffs" >"$out/$suite/$t.diff" 2>/dev/null
				tap f "$suite $t" "$out/$suite/$t.diff"
			fi
		done < <(sed -E 's/^ +/test /' "$out/$suite.tests")
		if [ "$rc" -ne 0 ] && ! grep -qE '\.\.\. +FAILED' "$out/$suite.out"; then
			tap f "$suite runs (make installcheck exited $rc)" "$out/$suite.out"
		fi
		[ -s "$out/$suite.tests" ] || tap f "$suite ran no test" "$out/$suite.out"
	done

	# pgTAP, one file at a time, in a database of its own
	createdb booking_tap && psql -X -q -d booking_tap -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
		-c "CREATE EXTENSION booking CASCADE" -c "CREATE EXTENSION pgtap" >"$out/pgtap-setup.log" 2>&1
	[ $? -eq 0 ] || tap f "pgtap database set up" "$out/pgtap-setup.log"
	for f in test/pgtap/*.sql; do
		t=$(basename "$f" .sql)
		pg_prove -v -d booking_tap "$f" >"$out/pgtap-$t.out" 2>&1
		rc=$?
		okn=$(grep -c '^ok [0-9]' "$out/pgtap-$t.out"); notok=$(grep -c '^not ok [0-9]' "$out/pgtap-$t.out")
		planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out/pgtap-$t.out" | head -1)
		grep -vE '^ok [0-9]|^\s*$' "$out/pgtap-$t.out" >"$out/pgtap-$t.diag"
		if [ "$rc" -eq 0 ] && [ "$notok" -eq 0 ] && [ "$okn" -gt 0 ] && [ "$okn" = "$planned" ]; then
			tap t "pgtap $t ($okn assertions)"
		else
			tap f "pgtap $t ($notok of $((okn + notok)) assertions failed, ${planned:-no} planned, pg_prove exited $rc)" "$out/pgtap-$t.diag"
		fi
	done

	# the clock moved on with the real one
	tap "$(q "SELECT extract(epoch FROM now()) - $target BETWEEN 0 AND extract(epoch FROM now() - pg_postmaster_start_time()) + 60")" \
		"the clock ran on from the instant: $(q "SELECT now()")"

	cp "$tmp/postmaster.log" "$out/" 2>/dev/null
	stop_cluster
	echo "# clock $name: $(( $(date +%s) - started )) s"
	echo "# clock $name passed=$pass failed=$fail"
	[ "$fail" -eq 0 ] || status=1
done
exit $status
