#!/usr/bin/env bash
# bench/citus.sh: booking on Citus against a single node, side by side in one
# run (issue 15, "Performance on Citus").
#
#   PG_CONFIG=.../pg_config CITUS_PORT=57630 bash bench/citus.sh [instructors] [seconds] [calls]
#
# Starts, in a directory of its own, a Citus coordinator and two workers on
# loopback (test/include/citus_cluster.sh, as test/citus.sh does: ports
# CITUS_PORT to +2, or the next three free ones) and a plain single node of
# the same PostgreSQL with the same settings (BENCH_SINGLE_PORT, default
# CITUS_PORT + 5, or the next free one).  Installs booking on both,
# distributes the Citus side with booking.distribute(), and loads the same
# rows into both (bench/citus_data.sql: the solver org of
# bench/solver_data.sql with `instructors` instructors, default 50, and 30
# days of bookings; 16 orgs of 20 instructors with 250 bookings each for the
# writes).  Then, as the
# application role through act_as, the single node and the coordinator in
# turn, two rounds:
#   - single calls (`calls`, default 200, after 10 of warm-up, as seen by
#     the client): available_slots of one instructor over a week (the
#     instructors in turn, with a pickup), find_slots of the org over the week
#     (first page of 10), and a router query (one row of the org) for the
#     cost of one round trip through the coordinator; the delegated solver
#     call (an org_id argument) when the solver has one, else a "skipped"
#     line;
#   - booking throughput: pgbench, 8 clients for `seconds` (default 10), each
#     booking through booking.book in its own org, four orgs on each worker.
# Prints the medians and p95 and the ratios Citus / single node.  A
# benchmark, not a test: not part of test/run.sh.  Leaves nothing running.
set -u
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bin=$("$PG_CONFIG" --bindir)
instructors=${1:-50}
seconds=${2:-10}
calls=${3:-200}
rounds=2
. test/include/citus_cluster.sh
if [ "${1:-}" = stop ]; then
	stop_nodes "$2/citus"; stop_nodes "$2/single"; rm -rf "$2"; exit 0
fi

if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/citus.control" ]; then
	echo "skipped: no Citus installed in the PostgreSQL of $PG_CONFIG"
	exit 0
fi
export PATH="$bin:$PATH" PGUSER=postgres PGDATABASE=booking_bench PGOPTIONS='-c client_min_messages=warning'
unset PGPORT PGHOST
work=$(mktemp -d /tmp/booking-bench-citus.XXXXXX)
mkdir "$work/citus" "$work/single"
chmod 755 "$work"
if [ "${BENCH_KEEP:-0}" = 1 ]; then
	trap 'echo "# kept: $work (stop: bash bench/citus.sh stop $work)"' EXIT
else
	trap 'stop_nodes "$work/citus"; stop_nodes "$work/single"; rm -rf "$work"' EXIT
fi
trap 'exit 1' INT TERM
die() { echo "bench/citus.sh: $*" >&2; exit 1; }

cport=$(free_ports "${CITUS_PORT:-57630}" 3)
start_nodes "$work/citus" "$cport" 3 citus || die "$cluster_error (logs: $(tail -n 5 "$work"/citus/n*.log))"
sport=$(free_ports "${BENCH_SINGLE_PORT:-$((cport + 5))}" 1)
start_nodes "$work/single" "$sport" 1 plain || die "$cluster_error (logs: $(tail -n 5 "$work"/single/n*.log))"
# side: c (the coordinator) or s (the single node)
host() { case $1 in c) echo "$work/citus" ;; s) echo "$work/single" ;; esac; }
port() { case $1 in c) echo "$cport" ;; s) echo "$sport" ;; esac; }
q() { local side=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "$(host $side)" -p "$(port $side)" "$@"; }
echo "# Citus 13: coordinator 127.0.0.1:$cport, workers :$((cport + 1)) :$((cport + 2)); single node :$sport"

# --- booking and the data, the same rows on both sides ------------------------
t0=$(date +%s)
for side in s c; do
	q $side -c "CREATE EXTENSION booking CASCADE" >/dev/null || die "CREATE EXTENSION booking on $side"
	[ $side = c ] && { q c -c "SELECT booking.distribute()" >/dev/null || die "booking.distribute()"; }
	q $side >/dev/null <<'SQL' || die "the application role on $side"
CREATE ROLE bench_citus_app LOGIN;
SELECT booking.grant_app_role('bench_citus_app', trusted => true);
SQL
	t1=$(date +%s)
	q $side -v orgs=16 -v instructors="$instructors" -v days=30 -v history=250 -f bench/citus_data.sql >"$work/data-$side.out" ||
		die "bench/citus_data.sql on $side"
	echo "# data loaded on the $([ $side = c ] && echo "Citus cluster (through the coordinator)" || echo "single node") in $(($(date +%s) - t1)) s"
done
echo "# solver org: $(head -n 1 "$work/data-s.out" | tr '|' ' ' | awk '{print $1 " instructors, " $3 " bookings with pickups, " $5 " cached travel times"}')"
[ "$(q s -c "SELECT count(*) FROM booking.booking")" = "$(q c -c "SELECT count(*) FROM booking.booking")" ] ||
	die "the two sides do not hold the same bookings"

# Where the orgs live: the worker of each org's shard.
q c -F ' ' -c "SELECT k, n.nodeport
                 FROM (SELECT 0 AS k, '00000000-0000-0000-0000-00000000be00'::uuid AS org
                       UNION ALL SELECT k, md5('citus-org' || k)::uuid FROM generate_series(1, 16) k) o
                 JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('booking.org', o.org)
                 JOIN pg_dist_node n ON n.groupid = p.groupid
                ORDER BY k" >"$work/placement" || die "placement"
solver_worker=$(awk '$1 == 0 {print $2}' "$work/placement")
w1=$(awk -v p=$((cport + 1)) '$1 > 0 && $2 == p {print $1}' "$work/placement" | head -n 4)
w2=$(awk -v p=$((cport + 2)) '$1 > 0 && $2 == p {print $1}' "$work/placement" | head -n 4)
tp_orgs=($w1 $w2)
[ ${#tp_orgs[@]} = 8 ] || die "fewer than four of the 16 write orgs on a worker: $(tr '\n' ' ' <"$work/placement")"
echo "# solver org on the worker :$solver_worker; the 8 writing orgs: $(echo $w1 | tr ' ' ',') on :$((cport + 1)), $(echo $w2 | tr ' ' ',') on :$((cport + 2))"

# --- single calls ---------------------------------------------------------------
org=00000000-0000-0000-0000-00000000be00
admin=00000000-0000-0000-0000-00000000be01
svc=00000000-0000-0000-0000-00000000be45
# next Monday for 7 days (Berlin), and pickup point 77 of the data
during=$(q s -c "SELECT tstzrange(((current_date + 8 - extract(isodow FROM current_date)::int) + '00:00'::time) AT TIME ZONE 'Europe/Berlin',
                                  ((current_date + 15 - extract(isodow FROM current_date)::int) + '00:00'::time) AT TIME ZONE 'Europe/Berlin')")
pickup=$(q s -c "SELECT p FROM pts WHERE i = 77")
res() { printf '00000000-0000-0000-0001-%012d' $((1 + $1 % instructors)); }
delegated=$(q c -c "SELECT count(*) FROM pg_proc WHERE oid::regprocedure::text LIKE 'booking.available_slots(%' AND 'org_id' = ANY (proargnames)")
# stmt NAME I: the statement of call I of measurement NAME
stmt() {
	case $1 in
		router) echo "SELECT id FROM booking.resource WHERE org_id = '$org' AND id = '$(res $2)'" ;;
		available_slots) echo "SELECT * FROM booking.available_slots('$(res $2)', '$svc', '$during', '$pickup')" ;;
		find_slots) echo "SELECT * FROM booking.find_slots('$svc', '$during', '$pickup', page_size => 10)" ;;
		available_slots_delegated) echo "SELECT * FROM booking.available_slots(org_id => '$org', resource_id => '$(res $2)', service_id => '$svc', during => '$during', pickup_point => '$pickup')" ;;
		find_slots_delegated) echo "SELECT * FROM booking.find_slots(org_id => '$org', service_id => '$svc', during => '$during', pickup_point => '$pickup', page_size => 10)" ;;
	esac
}
# timed SIDE NAME N: N calls, each in a transaction of its own after act_as
# (as the application role); appends the client's time of each call (ms) to
# $work/NAME-SIDE.ms and that of its act_as to $work/act_as-SIDE.ms; the
# first 10 of each run are warm-up.
timed() {
	local side=$1 name=$2 n=$3 i
	for i in $(seq 1 $((n + 10))); do
		echo "BEGIN;"
		[ "$i" -gt 10 ] && echo "\\timing on"
		echo "SELECT booking.act_as('$org', '$admin') IS NOT NULL \\g /dev/null"
		echo "$(stmt "$name" "$i") \\g /dev/null"
		echo "\\timing off"
		echo "COMMIT;"
	done >"$work/$name.sql"
	psql -X -q -v ON_ERROR_STOP=1 -h "$(host $side)" -p "$(port $side)" -U bench_citus_app -f "$work/$name.sql" >"$work/$name-$side.out" 2>&1 ||
		{ echo "# $name on $side failed: $(grep -m 1 ERROR "$work/$name-$side.out")"; return 1; }
	grep '^Time:' "$work/$name-$side.out" | awk 'NR % 2 == 1 {print $2 >>"'"$work/act_as-$side.ms"'"} NR % 2 == 0 {print $2}' >>"$work/$name-$side.ms"
}
# stats FILE: "median p95" (ms) of the times in FILE
stats() { sort -g "$1" | awk '{a[NR] = $1} END {if (NR == 0) {print "- -"; exit} m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; p = a[int(0.95 * NR + 0.999)]; printf "%.3f %.3f\n", m, p}'; }

names="router available_slots find_slots"
if [ "$delegated" -gt 0 ]; then
	names="$names available_slots_delegated find_slots_delegated"
	skipped=
else
	skipped="skipped: the delegated solver call (booking.available_slots has no org_id argument: the solver is not delegated to the org's worker yet)"
fi
per_round=$(((calls + rounds - 1) / rounds))
t1=$(date +%s)
for r in $(seq 1 $rounds); do
	for name in $names; do
		for side in s c; do timed $side $name $per_round || die "single calls of $name"; done
	done
done
echo "# single calls: $((per_round * rounds)) of each on each side in $rounds rounds, $(($(date +%s) - t1)) s"

# --- booking throughput -----------------------------------------------------------
# Client c (0..7) books in org tp_orgs[c] as its owner: its n-th booking is on
# instructor n % 20, at hour n / 20 from 2031-01-06 (none overlaps).
{
	printf '\\set k case'
	for c in 0 1 2 3 4 5 6 7; do printf ' when :client_id = %d then %d' $c "${tp_orgs[$c]}"; done
	printf ' else 0 end\n'
	cat <<'S'
\set r :n % 20
\set h :n / 20
BEGIN;
SELECT booking.act_as(md5('citus-org' || :k)::uuid, md5('citus-owner' || :k)::uuid) IS NOT NULL;
SELECT id FROM booking.book(md5('citus-client' || :k || '-' || (:n % 200))::uuid, md5('citus-svc' || :k)::uuid,
                            timestamptz '2031-01-06 00:00+00' + :h * interval '1 hour', md5('citus-res' || :k || '-' || :r)::uuid);
COMMIT;
\set n :n + 1
S
} >"$work/book.sql"
: >"$work/tps-s"; : >"$work/tps-c"
for r in $(seq 1 $rounds); do
	for side in s c; do
		# each client's n goes on past what any org has from the round before
		start=$(q $side -c "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM booking.booking WHERE starts_at >= '2031-01-06 00:00+00' GROUP BY org_id) x")
		pgbench -n -h "$(host $side)" -p "$(port $side)" -U bench_citus_app -c 8 -j 2 -T "$seconds" -D n="$start" \
			-f "$work/book.sql" >"$work/pgbench-$side-$r.out" 2>&1
		rc=$?
		tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench-$side-$r.out")
		done_tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench-$side-$r.out")
		[ $rc = 0 ] && [ -n "$tps" ] || die "pgbench on $side: $(grep -m 3 -E 'ERROR|abort' "$work/pgbench-$side-$r.out")"
		echo "$tps $done_tx" >>"$work/tps-$side"
	done
done
n_s=$(q s -c "SELECT count(*) FROM booking.booking WHERE starts_at >= '2031-01-06 00:00+00'")
n_c=$(q c -c "SELECT count(*) FROM booking.booking WHERE starts_at >= '2031-01-06 00:00+00'")
[ "$n_s" = "$(awk '{s += $2} END {print s}' "$work/tps-s")" ] && [ "$n_c" = "$(awk '{s += $2} END {print s}' "$work/tps-c")" ] ||
	die "bookings written ($n_s, $n_c) differ from the transactions pgbench counted"

# --- the table ------------------------------------------------------------------------
echo
echo "bench/citus.sh $instructors $seconds $calls: solver org of $instructors instructors, $calls single calls a measurement, 8 writers for ${seconds} s x $rounds rounds; $(nproc) cores"
fmt='%-66s %12s %12s %8s\n'
printf "$fmt" "measurement (client's time)" "single node" "Citus" "ratio"
for name in act_as $names; do
	read -r sm sp <<<"$(stats "$work/$name-s.ms")"
	read -r cm cp <<<"$(stats "$work/$name-c.ms")"
	case $name in
		act_as) label="act_as (every transaction of the application)" ;;
		router) label="one router query (a row of the org): one round trip" ;;
		available_slots) label="available_slots, one instructor, a week, pickup" ;;
		find_slots) label="find_slots, the org, a week, pickup, first 10" ;;
		available_slots_delegated) label="available_slots with org_id (delegated)" ;;
		find_slots_delegated) label="find_slots with org_id (delegated)" ;;
	esac
	printf "$fmt" "$label, median ms" "$sm" "$cm" "$(awk -v a="$cm" -v b="$sm" 'BEGIN {printf "%.2f", a / b}')"
	printf "$fmt" "  p95 ms" "$sp" "$cp" "$(awk -v a="$cp" -v b="$sp" 'BEGIN {printf "%.2f", a / b}')"
	eval "med_${name}_s=$sm med_${name}_c=$cm"
done
[ -n "$skipped" ] && echo "$skipped"
ts=$(awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}' "$work/tps-s")
tc=$(awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}' "$work/tps-c")
ms=$(awk '{s += $1} END {printf "%.0f", s / NR}' "$work/tps-s")
mc=$(awk '{s += $1} END {printf "%.0f", s / NR}' "$work/tps-c")
printf "$fmt" "booking.book, 8 clients in 8 orgs, tps (rounds: $ts / $tc)" "$ms" "$mc" "$(awk -v a="$mc" -v b="$ms" 'BEGIN {printf "%.2f", a / b}')"
echo "bookings written: $n_s on the single node, $n_c on Citus (each a transaction pgbench counted)"
rt=$(awk -v a="$med_router_c" -v b="$med_router_s" 'BEGIN {printf "%.3f", a - b}')
echo "one round trip through the coordinator to a worker costs $rt ms (router query, Citus - single, medians)"
for f in available_slots find_slots; do
	eval "x=\$med_${f}_c y=\$med_${f}_s"
	echo "$f: Citus - single = $(awk -v a="$x" -v b="$y" -v r="$rt" 'BEGIN {printf "%.3f ms, %.1f round trips", a - b, (a - b) / r}')"
	if [ -z "$skipped" ]; then
		eval "x=\$med_${f}_delegated_c y=\$med_${f}_delegated_s"
		echo "$f delegated: Citus - single = $(awk -v a="$x" -v b="$y" -v r="$rt" 'BEGIN {printf "%.3f ms, %.1f round trips", a - b, (a - b) / r}')"
	fi
done
