#!/usr/bin/env bash
# test/citus.sh: booking distributed on a real Citus cluster (issue 15).
# Prints TAP and one "# citus all passed=N failed=M" line.
#
# Builds Citus from its source when it is not installed in the PostgreSQL of
# PG_CONFIG (default Debian's 15) and the source is there: $CITUS_SRC (a tree
# or a .tar.gz), else ../shared/vendor/citus-*.tar.gz beside the repository,
# with the build-citus.sh found beside it.  With neither, it prints
# "skipped: no Citus" and "# citus all skipped" (test/run.sh counts it as
# skipped).  Starts a coordinator and two workers on loopback (ports
# CITUS_PORT, +1, +2; default 57630) as postgres, installs booking (built
# and installed into that PostgreSQL beforehand, as test/run.sh does),
# calls booking.distribute() and runs, on the coordinator as the
# application role through act_as, the flows of test/citus/*.sql.  Leaves
# nothing running (CITUS_KEEP=1 leaves the cluster up and prints how to
# reach it; "test/citus.sh stop DIR" stops it).
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bin=$("$PG_CONFIG" --bindir)
share=$("$PG_CONFIG" --sharedir)
port=${CITUS_PORT:-57630}

. test/include/citus_cluster.sh

if [ "${1:-}" = stop ]; then
	stop_nodes "$2" immediate; exit 0
fi

n=0; failed=0; todo=0; after_todo=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
is() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got '$1', expected '$2'"; failed=$((failed + 1)); fi; }
# TAP TODO checks (known not to hold yet) count neither as passed nor failed.
finish() { echo "# citus all passed=$((n - failed - todo)) failed=$failed"; [ "$failed" -eq 0 ]; exit $?; }

# --- Citus: installed, or built from the vendored source -------------------
if [ ! -f "$share/extension/citus.control" ]; then
	src=${CITUS_SRC:-}
	if [ -z "$src" ]; then
		src=$(ls "$root"/../shared/vendor/citus-*.tar.gz 2>/dev/null | sort -V | head -n 1)
	fi
	if [ -z "$src" ] || [ ! -e "$src" ]; then
		echo "skipped: no Citus (not installed in $("$PG_CONFIG" --pkglibdir), no source in \$CITUS_SRC or ../shared/vendor)"
		echo "# citus all skipped"
		exit 0
	fi
	builder=$(dirname "$src")/build-citus.sh
	[ -f "$builder" ] || builder=$root/../shared/vendor/build-citus.sh
	echo "# building Citus from $(basename "$src")"
	if ! PG_CONFIG=$PG_CONFIG bash "$builder" "$src" 2 | sed 's/^/# /'; then
		echo "not ok 1 - Citus builds from $(basename "$src")"
		echo "# citus all passed=0 failed=1"
		exit 1
	fi
fi

# --- the cluster: a coordinator (n0) and two workers (n1, n2) ---------------
# Three free ports from $port on (another cluster may hold the default ones).
port=$(free_ports "$port" 3)
dir=$(mktemp -d /tmp/booking-citus.XXXXXX)
[ "${CITUS_KEEP:-0}" = 1 ] || trap 'stop_nodes "$dir"' EXIT
export PGHOST=$dir PGUSER=postgres PGDATABASE=booking_citus
export PATH="$bin:$PATH" PGOPTIONS='-c client_min_messages=warning'
start_nodes "$dir" "$port" 3 citus ||
	{ ok 1 "$cluster_error"; sed 's/^/# /' "$dir"/n*.log; finish; }
q() { local p=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -p "$p" "$@"; }
echo "# cluster up: coordinator 127.0.0.1:$port, workers :$((port + 1)) :$((port + 2)) ($dir)"
if [ "${CITUS_KEEP:-0}" = 1 ]; then
	echo "# kept: PGHOST=$dir PGPORT=$port PGDATABASE=booking_citus; stop: test/citus.sh stop $dir"
fi

# --- booking, distributed ----------------------------------------------------
q $port -c "SET client_min_messages = warning; CREATE EXTENSION booking CASCADE"
ok $? "booking installs on the coordinator (and, through Citus, on the workers)"

[ -n "${CITUS_DEV_PRE:-}" ] && for i in 0 1 2; do q $((port + i)) -f "$CITUS_DEV_PRE" >/dev/null 2>&1; done

# --- distribute ---------------------------------------------------------------
out=$(q $port -c "SET citus.enable_unsafe_triggers = off" -c "SELECT booking.distribute()" 2>&1)
case $out in *"needs citus.enable_unsafe_triggers"*) r=0 ;; *) r=1; echo "# $out" ;; esac
ok $r "distribute() without citus.enable_unsafe_triggers is refused (55000)"
out=$(q $port -c "SELECT booking.distribute()" 2>&1)
r=$?; [ $r = 0 ] || echo "$out" | sed 's/^/# /'
ok $r "booking.distribute() on the coordinator"
out=$(q $port -c "SELECT booking.distribute()" 2>&1)
case $out in *"booking is already distributed"*) r=0 ;; *) r=1; echo "# $out" ;; esac
ok $r "a second booking.distribute() is refused (55000)"
is "$(q $port -c "SELECT count(*) FILTER (WHERE partmethod = 'h' AND colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'booking.org'::regclass)),
                          count(*) FILTER (WHERE partmethod = 'n'),
                          count(*) FILTER (WHERE partmethod = 'h' AND column_to_column_name(logicalrelid, partkey) <> CASE WHEN logicalrelid = 'booking.org'::regclass THEN 'id' ELSE 'org_id' END)
                     FROM pg_dist_partition WHERE logicalrelid::text LIKE 'booking.%'")" \
	"$(q $port -c "SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'booking'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition AND EXISTS (SELECT FROM pg_attribute WHERE attrelid = pg_class.oid AND attname = 'org_id')) + 1")|$(q $port -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'booking'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition AND relname NOT IN ('org', 'identity_key') AND NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = pg_class.oid AND attname = 'org_id')")|0" \
	"every tenant table distributed by org_id with org (by id) in one co-location group; every table without org_id (but identity_key) a reference table"

# --- the flows, as the application role through act_as ----------------------
q $port >/dev/null <<'SQL' || echo "# roles failed"
CREATE ROLE regress_citus_app LOGIN;
SELECT booking.grant_app_role('regress_citus_app', trusted => true);
CREATE ROLE regress_citus_untrusted LOGIN;
SELECT booking.grant_app_role('regress_citus_untrusted', trusted => false);
SQL
# One session (the cast lives in its temporary tables); each check prints
# "ok - ..." or "not ok - ..."; an error outside a check is a failure.
psql -X -q -p $port -v ON_ERROR_STOP=0 >"$dir/flows.out" 2>&1 <<'SQL'
\i test/citus/setup.sql
\set o a
\i test/citus/org.sql
\set o b
\i test/citus/org.sql
\set o c
\i test/citus/org.sql
\i test/citus/flows.sql
\i test/citus/solver.sql
\i test/citus/rls.sql
\i test/citus/runners.sql
\i test/citus/rls_matrix.sql
\i test/citus/gaps.sql
\i test/citus/members.sql
\i test/citus/functions.sql
\i test/citus/writes.sql
\i test/citus/tracking.sql
\i test/citus/public_page.sql
SQL
while IFS= read -r line; do
	case $line in
		*"# TODO"*) n=$((n + 1)); todo=$((todo + 1)); echo "${line%% - *} $n - ${line#* - }" ;;
		"ok - "*) ok 0 "${line#ok - }" ;;
		"not ok - "*) ok 1 "${line#not ok - }" ;;
		"#"*) echo "$line" ;;
		*ERROR:*) case $after_todo in 1) ;; *) ok 1 "no error outside a check: $line" ;; esac ;;
	esac
	case $line in *"# TODO"*) after_todo=1 ;; "ok - "*|"not ok - "*) after_todo=0 ;; esac
done <"$dir/flows.out"
[ "$todo" -gt 0 ] && echo "# citus: $todo checks TODO (not counted as passed or failed)"

# --- two concurrent writers of one resource-day, through the coordinator ---
# Org b's instructor, two overlapping hours the day after tomorrow: both
# sessions book, the first holds its transaction open a second; the loser
# must get its SQLSTATE (23P01 or a 23K code), never a second booking.
ids=$(q $port -F ' ' -c "SELECT s.org_id, s.id, r.id, c.id, m.user_id, date_trunc('hour', now()) + interval '2 days'
                           FROM booking.service s
                           JOIN booking.resource r ON r.org_id = s.org_id AND r.display_name = 'Instructor b'
                           JOIN booking.client c ON c.org_id = s.org_id AND c.full_name = 'Student b'
                           JOIN booking.membership m ON m.org_id = s.org_id AND m.role = 'staff'
                          WHERE s.name = 'Lesson b'")
read -r race_org race_svc race_res race_client race_staff race_day race_time <<<"$ids"
race_start="$race_day $race_time"
go=$(q $port -c "SELECT clock_timestamp() + interval '2 seconds'")
race() {	# $1: minutes after race_start
	psql -X -q -At -p $port -v VERBOSITY=sqlstate <<SQL 2>&1
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as('$race_org', '$race_staff') IS NOT NULL;
SELECT pg_sleep(greatest(0, extract(epoch FROM '$go'::timestamptz - clock_timestamp())));
SELECT 'booked' FROM booking.book('$race_client', '$race_svc', '$race_start'::timestamptz + interval '$1 minutes', '$race_res');
SELECT pg_sleep(1);
COMMIT;
SQL
}
race 0 >"$dir/race1.out" & p1=$!
race 30 >"$dir/race2.out" & p2=$!
wait $p1 $p2
won=$(cat "$dir/race1.out" "$dir/race2.out" | grep -c '^booked$')
lost=$(cat "$dir/race1.out" "$dir/race2.out" | grep -oE 'ERROR: +(23P01|23K[0-9A-Z]{2})' | wc -l)
[ "$won" = 1 ] && [ "$lost" = 1 ] || sed 's/^/# /' "$dir/race1.out" "$dir/race2.out"
is "$won/$lost" "1/1" "two concurrent writers of one resource-day: one books, the other gets its SQLSTATE ($(cat "$dir/race1.out" "$dir/race2.out" | grep -oE '(23P01|23K[0-9A-Z]{2})' | head -n 1))"
is "$(q $port -c "SELECT count(*) FROM booking.booking WHERE org_id = '$race_org' AND resource_id = '$race_res'
                    AND tstzrange(starts_at, ends_at) && tstzrange('$race_start'::timestamptz, '$race_start'::timestamptz + interval '90 minutes')
                    AND status <> 'cancelled'")" 1 "... and no overlap: one booking in that window"

# --- two concurrent runners of run_due_transitions: never the same row ----
# Four bookings of org c with a due transition each (to cancelled); two
# runners of two rows each at once, the first holding its claim a second.
q $port >/dev/null <<'SQL' || echo "# the runners' bookings failed"
SELECT s.org_id AS org, s.id AS svc, r.id AS res, c.id AS client, m.user_id AS staff
  FROM booking.service s
  JOIN booking.resource r ON r.org_id = s.org_id AND r.display_name = 'Instructor c'
  JOIN booking.client c ON c.org_id = s.org_id AND c.full_name = 'Student c'
  JOIN booking.membership m ON m.org_id = s.org_id AND m.role = 'staff'
 WHERE s.name = 'Lesson c' \gset
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as(:'org', :'staff') IS NOT NULL;
SELECT format('SELECT id FROM booking.book(%L, %L, %L, %L)', :'client', :'svc',
              date_trunc('hour', now()) + interval '3 days' + k * interval '1 hour', :'res')
  FROM generate_series(1, 4) k \gexec
COMMIT;
RESET ROLE;
SELECT format('INSERT INTO booking.scheduled_transition (org_id, booking_id, to_status, execute_at, reason) VALUES (%L, %L, %L, now() - interval ''1 minute'', %L)',
              org_id, id, 'cancelled', 'citus runner test')
  FROM booking.booking WHERE org_id = :'org' AND client_id = :'client'
   AND starts_at > now() + interval '2 days 12 hours' AND starts_at < now() + interval '4 days' \gexec
SQL
go=$(q $port -c "SELECT clock_timestamp() + interval '2 seconds'")
runner() {	# $1: seconds to hold the claim
	psql -X -q -At -p $port <<SQL 2>&1
BEGIN;
SELECT pg_sleep(greatest(0, extract(epoch FROM '$go'::timestamptz - clock_timestamp())));
SELECT 'executed ' || executed FROM booking.run_due_transitions(2);
SELECT pg_sleep($1);
COMMIT;
SQL
}
runner 1 >"$dir/runner1.out" & p1=$!
runner 0 >"$dir/runner2.out" & p2=$!
wait $p1 $p2
is "$(cat "$dir/runner1.out" "$dir/runner2.out" | grep '^executed' | sort | tr '\n' ' ')" "executed 2 executed 2 " \
	"two concurrent runners (2 rows each): each runs two due transitions (FOR UPDATE SKIP LOCKED, per org)"
is "$(q $port -c "SELECT count(*) FILTER (WHERE outcome = 'done' AND attempts = 1)::text || '/' || count(*)
                    FROM booking.scheduled_transition WHERE reason = 'citus runner test'")|$(q $port -c "SELECT count(*) FROM booking.booking b
                    JOIN booking.scheduled_transition t ON t.org_id = b.org_id AND t.booking_id = b.id AND t.reason = 'citus runner test'
                   WHERE b.status = 'cancelled'")" "4/4|4" "... no row run twice (one attempt each) and every booking cancelled once"
# The runner writes as the system on the workers too (booking.system_on_workers),
# not as a maintenance write: each cancellation has its history row with the
# runner's reason and its outbox event.
is "$(q $port -c "SELECT count(*) FILTER (WHERE h.reason = 'citus runner test' AND h.metadata ? 'scheduled_transition_id')
                    FROM booking.status_history h JOIN booking.scheduled_transition t ON t.org_id = h.org_id AND t.booking_id = h.booking_id AND t.reason = 'citus runner test'
                   WHERE h.to_status = 'cancelled'")/$(q $port -c "SELECT count(*) FROM booking.outbox x JOIN booking.scheduled_transition t ON t.org_id = x.org_id AND x.order_key = t.booking_id::text
                   WHERE t.reason = 'citus runner test' AND x.topic = 'booking.status.cancelled'")" "4/4" "... each cancellation in the history with the runner's reason and in the outbox (the system's writes on the workers, not maintenance)"

# --- two concurrent relays claim the outbox: never the same event --------
# Six events of their own topic, three in org a and three in org c (other
# workers' shards, maybe); two relays claim three each at once through the
# coordinator (per org, router queries with FOR UPDATE SKIP LOCKED), the
# first holding its claim a second; then each acknowledges its claim.
q $port >/dev/null <<'SQL' || echo "# the relays' events failed"
SELECT format('INSERT INTO booking.outbox (org_id, topic, payload) VALUES (%L, %L, %L)', o.id, 'regress_citus.relay', jsonb_build_object('n', k))
  FROM booking.org o, generate_series(1, 3) k WHERE o.name IN ('Org c', 'Fahrschule Spree') \gexec
SQL
go=$(q $port -c "SELECT clock_timestamp() + interval '2 seconds'")
claimer() {	# $1: relay name, $2: seconds to hold the claim
	psql -X -q -At -p $port <<SQL 2>&1
BEGIN;
SELECT pg_sleep(greatest(0, extract(epoch FROM '$go'::timestamptz - clock_timestamp())));
SELECT 'claimed ' || claim_id || ' ' || org_id || ':' || id FROM booking.outbox_claim('$1', 3, topic_filter => 'regress_citus');
SELECT pg_sleep($2);
COMMIT;
SQL
}
claimer r1 1 >"$dir/claim1.out" & p1=$!
claimer r2 0 >"$dir/claim2.out" & p2=$!
wait $p1 $p2
c1=$(grep -c '^claimed' "$dir/claim1.out"); c2=$(grep -c '^claimed' "$dir/claim2.out")
both=$(cat "$dir/claim1.out" "$dir/claim2.out" | grep '^claimed' | awk '{print $3}' | sort | uniq -d | wc -l)
[ "$c1/$c2/$both" = 3/3/0 ] || sed 's/^/# /' "$dir/claim1.out" "$dir/claim2.out"
is "$c1/$c2/$both" "3/3/0" "two concurrent relays (outbox_claim of 3 each, per org): three events each, none claimed by both"
acked=""
for f in claim1 claim2; do
	for c in $(grep '^claimed' "$dir/$f.out" | awk '{print $2}' | sort -u); do
		acked="$acked$(q $port -c "SELECT booking.outbox_ack('$c')" 2>&1) "
	done
done
is "$acked|$(q $port -c "SELECT count(*) FILTER (WHERE status = 'done' AND attempts = 1) || '/' || count(*) FROM booking.outbox WHERE topic = 'regress_citus.relay'")|$(q $port -c "SELECT count(*) FROM booking.outbox_claim('r3', 10, topic_filter => 'regress_citus')")" \
	"3 3 |6/6|0" "... each relay acknowledges its claim (outbox_ack), every event done once, nothing left to claim"

# --- a listener on the coordinator hears a booking written through it -----
# The notification (and its NOTIFY) is written by a trigger on the worker of
# org a; book() NOTIFYs on the coordinator too.  The listener LISTENs, then
# sleeps while another session books and commits; psql prints the
# notifications it received after the sleep.
ids=$(q $port -F ' ' -c "SELECT s.id, r.id, c.id, m.user_id, s.org_id FROM booking.service s
                           JOIN booking.resource r ON r.org_id = s.org_id AND r.display_name = 'Instructor a'
                           JOIN booking.client c ON c.org_id = s.org_id AND c.full_name = 'Student a'
                           JOIN booking.membership m ON m.org_id = s.org_id AND m.role = 'staff'
                          WHERE s.name = 'Lesson a'")
read -r n_svc n_res n_client n_staff n_org <<<"$ids"
psql -X -q -At -p $port -c "LISTEN booking_notification" -c "SELECT pg_sleep(4)" -c "SELECT 'listened'" >"$dir/listen.out" 2>&1 & p1=$!
sleep 1
q $port >"$dir/notify_writer.out" 2>&1 <<SQL
SET ROLE regress_citus_app;
BEGIN;
SELECT booking.act_as('$n_org', '$n_staff') IS NOT NULL;
SELECT 'booked' FROM booking.book('$n_client', '$n_svc', date_trunc('hour', now()) + interval '6 days', '$n_res');
COMMIT;
SQL
wait $p1
heard=$(grep -c 'Asynchronous notification "booking_notification" received' "$dir/listen.out")
[ "$heard" = 1 ] || sed 's/^/# /' "$dir/listen.out" "$dir/notify_writer.out"
is "$(grep -c '^booked$' "$dir/notify_writer.out")/$heard" "1/1" "a listener on the coordinator is notified (booking_notification) of a booking written through the coordinator"

# --- bad input: refused with its SQLSTATE, nothing half-distributed ---------
# In databases of their own: a table of an extension cannot be undistributed.
for i in 0 1 2; do
	psql -X -q -p $((port + i)) -d postgres -c "CREATE DATABASE booking_bad" -c "CREATE DATABASE booking_plain" >/dev/null &&
		q $((port + i)) -d booking_bad -c "CREATE EXTENSION citus" || echo "# citus in booking_bad on node $i failed"
done
q $port -d booking_plain -c "CREATE EXTENSION booking CASCADE" >/dev/null
out=$(q $port -d booking_plain -c "SELECT booking.distribute()" 2>&1)
case $out in *"needs Citus: the extension citus is not installed"*) r=0 ;; *) r=1; echo "# $out" ;; esac
ok $r "distribute() where Citus is absent is refused (0A000)"
q $port -d booking_bad >/dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', $port);
SELECT citus_add_node('127.0.0.1', $((port + 1)));
SELECT citus_add_node('127.0.0.1', $((port + 2)));
CREATE EXTENSION booking CASCADE;
SELECT create_distributed_table('booking.payment_transition', 'from_status');
SQL
[ -n "${CITUS_DEV_PRE:-}" ] && for i in 0 1 2; do q $((port + i)) -d booking_bad -f "$CITUS_DEV_PRE" >/dev/null 2>&1; done
out=$(q $port -d booking_bad -c "SELECT booking.distribute()" 2>&1)
case $out in *"booking.payment_transition is already distributed by from_status, but booking keeps it as a reference table"*) r=0 ;; *) r=1; echo "# $out" ;; esac
ok $r "distribute() after a table was distributed by another column is refused (42P16)"
is "$(q $port -d booking_bad -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'booking.%'")|$(q $port -d booking_bad -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'booking'::regnamespace")" \
	"1|$(q $port -d booking_plain -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'booking'::regnamespace")" \
	"... and nothing else was distributed, every foreign key is still there"

finish
