#!/usr/bin/env bash
# bench/before_after.sh REV [NAME...]: the single-node benchmarks of this
# tree against the extension as of git revision REV, in one run.
#
#   bash bench/before_after.sh be84e39
#   ROUNDS=5 bash bench/before_after.sh be84e39 write_cpu policy_jit
#
# Builds REV (git archive into a temporary directory) and this work tree,
# installs each into a PostgreSQL installation of its own, starts a
# throwaway cluster of each (both up at once, Unix socket only), then runs
# the scripts bench/NAME.sh of THIS tree against the two clusters in turn,
# ROUNDS rounds, the order switching every round (before first in odd
# rounds), and prints every value, the medians of the rounds and the ratio
# after/before of each measurement.  NAME defaults to write_throughput,
# write_cpu, solver, policy_jit and identity; the scripts detect what an
# older build lacks (the services' free mark, find_slots' pages, the
# carried columns) and fill in or leave out only that.
#
# Environment:
#   ROUNDS             rounds (default 3)
#   BEFORE_PG_CONFIG   pg_config of the PostgreSQL installation REV is
#   AFTER_PG_CONFIG    installed into, and this tree; they must be two
#                      installations (the extension's files have one name).
#                      Unset: a copy of the installation of $PG_CONFIG (or
#                      the pg_config on PATH) made in the temporary
#                      directory (PostgreSQL finds its files relative to its
#                      binaries, so the copy is an installation of its own;
#                      its extensions, PostGIS among them, come along).
#   BEFORE_PORT        the clusters' ports (default 5432 and 5433; the
#   AFTER_PORT         sockets are in the temporary directory, so no other
#                      server is in the way)
#   PGSYSUSER          the user that runs the servers when this script runs
#                      as root (default postgres)
#   WRITE_THROUGHPUT_ARGS, WRITE_CPU_ARGS, POLICY_JIT_ARGS, IDENTITY_ARGS
#                      the scripts' arguments (defaults "2 5 1", "2000 2",
#                      "3 20000", "2 5"; bench/solver.sh takes none)
#   KEEP=1             leaves the temporary directory (logs, installations)
# The logs of every run are in the temporary directory; its path is printed
# first.  Nothing is asserted: the figures are for bench/README.md.
set -eu
cd "$(dirname "$0")/.."
rev=${1:?usage: bench/before_after.sh REV [NAME...]}
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(write_throughput write_cpu solver policy_jit identity)
rounds=${ROUNDS:-3}
git rev-parse --verify -q "$rev^{commit}" >/dev/null || { echo "not a commit: $rev" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/booking_before_after.XXXXXX")
chmod 755 "$work"
echo "work directory $work; before = $rev ($(git rev-parse --short "$rev")), after = this tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src sql || echo ' with changes')"

as_server() {
	if [ "$(id -u)" = 0 ]; then runuser -u "${PGSYSUSER:-postgres}" -- "$@"; else "$@"; fi
}
# An installation of its own for SIDE: the given pg_config's, or a copy.
installation() {
	local side=$1 given=$2 pgc dir
	if [ -n "$given" ]; then echo "$given"; return; fi
	pgc=${PG_CONFIG:-pg_config}
	for dir in "$($pgc --bindir)" "$($pgc --sharedir)" "$($pgc --pkglibdir)" "$($pgc --includedir-server)"; do
		mkdir -p "$work/$side/pg$(dirname "$dir")"
		cp -a "$dir" "$work/$side/pg$dir"
	done
	echo "$work/$side/pg$($pgc --bindir)/pg_config"
}
stop_all() {
	local side
	for side in before after; do
		[ -f "$work/$side/data/postmaster.pid" ] && as_server "$(cat "$work/$side/bindir")/pg_ctl" -D "$work/$side/data" -m fast -w stop >/dev/null 2>&1
	done
	[ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap stop_all EXIT

# Build and install both, start both.
mkdir -p "$work/before/src" "$work/after"
git archive "$rev" | tar -x -C "$work/before/src"
pgc_before=$(installation before "${BEFORE_PG_CONFIG:-}")
pgc_after=$(installation after "${AFTER_PG_CONFIG:-}")
[ "$("$pgc_before" --pkglibdir)" != "$("$pgc_after" --pkglibdir)" ] || { echo "BEFORE_PG_CONFIG and AFTER_PG_CONFIG name one installation" >&2; exit 2; }
echo "building $rev into $("$pgc_before" --bindir)"
(cd "$work/before/src" && make -s -j2 PG_CONFIG="$pgc_before" >/dev/null && make -s install PG_CONFIG="$pgc_before" >/dev/null)
echo "building this tree into $("$pgc_after" --bindir)"
make -s -j2 PG_CONFIG="$pgc_after" >/dev/null && make -s install PG_CONFIG="$pgc_after" >/dev/null
port_before=${BEFORE_PORT:-5432}
port_after=${AFTER_PORT:-5433}
for side in before after; do
	pgc=pgc_$side; port=port_$side
	bindir=$("${!pgc}" --bindir)
	echo "$bindir" >"$work/$side/bindir"
	mkdir -p "$work/$side/data" "$work/$side/run"
	[ "$(id -u)" != 0 ] || chown "${PGSYSUSER:-postgres}" "$work/$side/data" "$work/$side/run"
	as_server "$bindir/initdb" -D "$work/$side/data" -A trust -U postgres >/dev/null
	cat >>"$work/$side/data/postgresql.conf" <<CONF
port = ${!port}
unix_socket_directories = '$work/$side/run'
listen_addresses = ''
shared_buffers = 256MB
fsync = off
max_connections = 100
CONF
	as_server "$bindir/pg_ctl" -D "$work/$side/data" -l "$work/$side/run/server.log" -w start >/dev/null
done

# bench/NAME.sh against SIDE; its output in the log of the round.
run() {
	local name=$1 side=$2 round=$3 port=port_$2 args_var
	args_var=$(echo "$name" | tr a-z A-Z)_ARGS
	case $name in
	write_throughput) args=${!args_var:-2 5 1};;
	write_cpu) args=${!args_var:-2000 2};;
	policy_jit) args=${!args_var:-3 20000};;
	identity) args=${!args_var:-2 5};;
	*) args=${!args_var:-};;
	esac
	# shellcheck disable=SC2086
	PATH="$(cat "$work/$side/bindir"):$PATH" PGHOST="$work/$side/run" PGPORT=${!port} PGUSER=postgres PGDATABASE=postgres \
		bash "bench/$name.sh" $args >"$work/$name.$side.$round.log" 2>&1 ||
		echo "bench/$name.sh failed against $side in round $round: $work/$name.$side.$round.log" >&2
}
# The measurements of a log, one "measurement<TAB>value" a line.
measure() {
	local name=$1 log=$2
	case $name in
	write_throughput)
		awk '$1 ~ /^[0-9]+$/ && NF >= 7 { print "checked tps\t" $4; print "checked/plain\t" $5; print "checked/floor\t" $7 }' "$log";;
	write_cpu)
		awk '/^mean over/ { for (i = 1; i < NF; i++) { if ($i == "plain") p = $(i + 1); if ($i == "checked") c = $(i + 1) }
		                    print "checked ms per row\t" c; printf "checked/plain\t%.1f\n", c / p }' "$log";;
	solver)
		awk -F'|' '
			{ for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i) }
			$1 == "booking.find_slots, 200 instructors, 7 days" { print "find_slots ms\t" $3 }
			$1 == "booking.available_slots x 200, 7 days" { print "available_slots x 200 ms\t" $3 }
			$1 == "booking.available_slots, one instructor, 30 days" { print "available_slots median us\t" $3 }
			$1 == "booking.check_slot, one appointment" { print "check_slot median us\t" $3 }
			hdr && NF == 4 && $4 ~ /^[0-9.]+$/ { print "find_slots / plain read\t" $4; hdr = 0 }
			$4 == "find_slots_over_plain_read" { hdr = 1 }' "$log";;
	policy_jit)
		awk -F'|' '
			{ for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i) }
			$3 == "off" && $2 ~ /^(payment|invoice|status_history|client)$/ { print $1 " " $2 " ms\t" $4 }' "$log";;
	identity)
		sed -n 's/^\(owner\|student\|instructor\), [a-z]*: *\([0-9.]*\)$/\1 act_as+read tps\t\2/p' "$log";;
	esac
}
for round in $(seq 1 "$rounds"); do
	if [ $((round % 2)) = 1 ]; then order=(before after); else order=(after before); fi
	for name in "${names[@]}"; do
		for side in "${order[@]}"; do
			echo "round $round: bench/$name.sh against $side ($(uptime | sed 's/.*load average: //'))"
			run "$name" "$side" "$round"
			measure "$name" "$work/$name.$side.$round.log" | awk -v n="$name" -v s="$side" -v r="$round" -F'\t' \
				'{ print n "\t" $1 "\t" s "\t" r "\t" $2 }' >>"$work/values.tsv"
		done
	done
done

# The table: each measurement's values per round, medians, after/before.
echo
echo "| bench | measurement | before (rounds) | after (rounds) | median before | median after | after/before |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
awk -F'\t' '
	function median(list,    v, n, i, j, t) {
		n = split(list, v, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	{ k = $1 "\t" $2; if (!(k in seen)) { seen[k] = 1; order[++m] = k }; vals[k, $3] = vals[k, $3] (vals[k, $3] == "" ? "" : " ") $5 }
	END {
		for (i = 1; i <= m; i++) {
			k = order[i]; split(k, p, "\t")
			b = median(vals[k, "before"]); a = median(vals[k, "after"])
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2], vals[k, "before"], vals[k, "after"], b, a,
				(b + 0 > 0 ? sprintf("%.2f", a / b) : "")
		}
	}' "$work/values.tsv"
