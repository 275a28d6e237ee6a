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
# bench/solver_data.sql with `instructors` instructors, default 50, and 21
# days of bookings; 16 orgs of 20 instructors with 100 bookings each for the
# writes).  Then, as the
# application role through act_as, the single node and the coordinator in
# turn, two rounds:
#   - single calls (`calls`, default 100, after 10 of warm-up, as seen by
#     the client): available_slots of one instructor over a week (the
#     instructors in turn, with a pickup), find_slots of the org over the week
#     (first page of 10), and a router query (one row of the org) for the
#     cost of one round trip through the coordinator; where the solver is
#     delegated to the org's worker (an org_id argument), also the calls
#     with org_id and the C solver called on the coordinator itself (not
#     delegated), else a "skipped" line; and the commands the coordinator
#     sends to the workers for each (citus.log_remote_commands);
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
calls=${3:-100}
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
	q $side -v orgs=16 -v instructors="$instructors" -v days=21 -v history=100 -f bench/citus_data.sql >"$work/data-$side.out" ||
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
# The solver delegated to the org's worker: booking.available_slots with an
# org_id argument (NULL: the acting org), over the C solver
# booking.solve_available_slots, which the coordinator can still call itself
# (not delegated: each of its queries a round trip to the worker).
delegated=$(q c -c "SELECT count(*) FROM pg_proc WHERE oid::regprocedure::text LIKE 'booking.available_slots(%' AND 'org_id' = ANY (proargnames)")
local_solver=$(q c -c "SELECT count(*) FROM pg_proc WHERE oid::regprocedure::text LIKE 'booking.solve_available_slots(%'")
# stmt NAME I: the statement of call I of measurement NAME
stmt() {
	case $1 in
		router) echo "SELECT id FROM booking.resource WHERE org_id = '$org' AND id = '$(res $2)'" ;;
		available_slots) echo "SELECT * FROM booking.available_slots('$(res $2)', '$svc', '$during', '$pickup')" ;;
		available_slots_org) echo "SELECT * FROM booking.available_slots('$(res $2)', '$svc', '$during', '$pickup', org_id => '$org')" ;;
		available_slots_local) echo "SELECT * FROM booking.solve_available_slots('$(res $2)', '$svc', '$during', '$pickup')" ;;
		find_slots) echo "SELECT * FROM booking.find_slots('$svc', '$during', '$pickup', page_size => 10)" ;;
		find_slots_org) echo "SELECT * FROM booking.find_slots('$svc', '$during', '$pickup', page_size => 10, org_id => '$org')" ;;
		find_slots_local) echo "SELECT * FROM booking.solve_find_slots('$svc', '$during', '$pickup', page_size => 10)" ;;
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

if [ "$delegated" -gt 0 ] && [ "$local_solver" -gt 0 ]; then
	names="router available_slots available_slots_org available_slots_local find_slots find_slots_org find_slots_local"
	skipped=
else
	names="router available_slots find_slots"
	skipped="skipped: the delegated solver call (booking.available_slots has no org_id argument: the solver is not delegated to the org's worker)"
fi
per_round=$(((calls + rounds - 1) / rounds))
t1=$(date +%s)
for r in $(seq 1 $rounds); do
	for name in $names; do
		for side in s c; do timed $side $name $per_round || die "single calls of $name"; done
	done
done
echo "# single calls: $((per_round * rounds)) of each on each side in $rounds rounds, $(($(date +%s) - t1)) s"

# What the coordinator sends to the workers (citus.log_remote_commands), per
# statement of one transaction: remote ORG USER STMT prints "act_as stmt
# commit", the counts of commands for act_as, the statement and COMMIT.
remote() {
	psql -X -q -h "$work/citus" -p "$cport" -U bench_citus_app 2>&1 >/dev/null <<SQL | awk 'BEGIN {m = 0} /^MARK/ {m++; next} /issuing/ {n[m]++} END {print n[0] + 0, n[1] + 0, n[2] + 0}'
BEGIN;
SET LOCAL client_min_messages = notice;
SET LOCAL citus.log_remote_commands = on;
SELECT booking.act_as('$1', '$2') IS NOT NULL \g /dev/null
\warn MARK
$3 \g /dev/null
\warn MARK
ROLLBACK;
SQL
}
for name in $names; do
	read -r _ "remote_$name" _ <<<"$(remote $org $admin "$(stmt $name 1)")"
done
read -r remote_act_as remote_book remote_commit <<<"$(remote "$(q c -c "SELECT md5('citus-org' || ${tp_orgs[0]})")" "$(q c -c "SELECT md5('citus-owner' || ${tp_orgs[0]})")" \
	"SELECT id FROM booking.book(md5('citus-client' || ${tp_orgs[0]} || '-0')::uuid, md5('citus-svc' || ${tp_orgs[0]})::uuid, timestamptz '2035-01-08 10:00+00', md5('citus-res' || ${tp_orgs[0]} || '-0')::uuid)")"

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
		pgbench -n -r -h "$(host $side)" -p "$(port $side)" -U bench_citus_app -c 8 -j 2 -T "$seconds" -D n="$start" \
			-f "$work/book.sql" >"$work/pgbench-$side-$r.out" 2>&1
		rc=$?
		tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench-$side-$r.out")
		done_tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench-$side-$r.out")
		[ $rc = 0 ] && [ -n "$tps" ] || die "pgbench on $side: $(grep -m 3 -E 'ERROR|abort' "$work/pgbench-$side-$r.out")"
		echo "$tps $done_tx" >>"$work/tps-$side"
		# the average latency of each statement (ms): act_as, book, COMMIT
		awk '/booking.act_as\(/ {a = $1} /booking.book\(/ {b = $1} / COMMIT;/ {c = $1} END {print a, b, c}' "$work/pgbench-$side-$r.out" >>"$work/stmt-$side"
	done
done
n_s=$(q s -c "SELECT count(*) FROM booking.booking WHERE starts_at >= '2031-01-06 00:00+00'")
n_c=$(q c -c "SELECT count(*) FROM booking.booking WHERE starts_at >= '2031-01-06 00:00+00'")
[ "$n_s" = "$(awk '{s += $2} END {print s}' "$work/tps-s")" ] && [ "$n_c" = "$(awk '{s += $2} END {print s}' "$work/tps-c")" ] ||
	die "bookings written ($n_s, $n_c) differ from the transactions pgbench counted"

# --- the table ------------------------------------------------------------------------
echo
echo "bench/citus.sh $instructors $seconds $calls: solver org of $instructors instructors, $calls single calls a measurement, 8 writers for ${seconds} s x $rounds rounds; $(nproc) cores"
fmt='%-66s %12s %12s %8s %8s\n'
printf "$fmt" "measurement (client's time)" "single node" "Citus" "ratio" "remote"
for name in act_as $names; do
	read -r sm sp <<<"$(stats "$work/$name-s.ms")"
	read -r cm cp <<<"$(stats "$work/$name-c.ms")"
	case $name in
		act_as) label="act_as (every transaction of the application)" ;;
		router) label="one router query (a row of the org): one round trip" ;;
		available_slots) label="available_slots, one instructor, a week, pickup" ;;
		find_slots) label="find_slots, the org, a week, pickup, first 10" ;;
		available_slots_org) label="  the same with org_id" ;;
		available_slots_local) label="  the C solver called on the coordinator (not delegated)" ;;
		find_slots_org) label="  the same with org_id" ;;
		find_slots_local) label="  the C solver called on the coordinator (not delegated)" ;;
	esac
	eval "rem=\$remote_$name"
	printf "$fmt" "$label, median ms" "$sm" "$cm" "$(awk -v a="$cm" -v b="$sm" 'BEGIN {printf "%.2f", a / b}')" "$rem"
	printf "$fmt" "  p95 ms" "$sp" "$cp" "$(awk -v a="$cp" -v b="$sp" 'BEGIN {printf "%.2f", a / b}')" ""
	eval "med_${name}_s=$sm med_${name}_c=$cm"
done
[ -n "$skipped" ] && echo "$skipped"
ts=$(awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}' "$work/tps-s")
tc=$(awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}' "$work/tps-c")
ms=$(awk '{s += $1} END {printf "%.0f", s / NR}' "$work/tps-s")
mc=$(awk '{s += $1} END {printf "%.0f", s / NR}' "$work/tps-c")
printf "$fmt" "booking.book, 8 clients in 8 orgs, tps (rounds: $ts / $tc)" "$ms" "$mc" "$(awk -v a="$mc" -v b="$ms" 'BEGIN {printf "%.2f", a / b}')" ""
for i in 1 2 3; do
	x=$(awk -v i=$i '{s += $i} END {printf "%.2f", s / NR}' "$work/stmt-s")
	y=$(awk -v i=$i '{s += $i} END {printf "%.2f", s / NR}' "$work/stmt-c")
	case $i in
		1) label="  act_as under that load, average ms"; rem=$remote_act_as ;;
		2) label="  booking.book under that load, average ms"; rem=$remote_book ;;
		3) label="  COMMIT under that load, average ms"; rem=$remote_commit ;;
	esac
	printf "$fmt" "$label" "$x" "$y" "$(awk -v a="$y" -v b="$x" 'BEGIN {printf "%.2f", a / b}')" "$rem"
done
echo "remote: the commands the coordinator sends to a worker for that statement (citus.log_remote_commands), each a round trip"
echo "bookings written: $n_s on the single node, $n_c on Citus (each a transaction pgbench counted)"
# What Citus adds to a call (median, Citus - single node), and per command it
# sends to the worker.
for f in $names; do
	eval "x=\$med_${f}_c y=\$med_${f}_s rem=\$remote_$f"
	echo "$f: +$(awk -v a="$x" -v b="$y" -v r="$rem" 'BEGIN {printf "%.3f ms through the coordinator, %d remote commands (%.3f ms each)", a - b, r, (a - b) / (r > 0 ? r : 1)}')"
done
