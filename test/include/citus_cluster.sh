# test/include/citus_cluster.sh: sourced by test/citus.sh and bench/citus.sh
# to start and stop throwaway clusters on loopback, as postgres (they run as
# root).  Needs $bin (the PostgreSQL bindir).
#
#   free_ports PORT COUNT      prints the first of PORT, PORT+COUNT, ... whose
#                              COUNT consecutive ports nobody listens on
#   start_nodes DIR PORT N citus|plain
#                              N clusters DIR/n0 .. DIR/n(N-1) on PORT ..
#                              PORT+N-1 (sockets in DIR, logs DIR/nI.log),
#                              the settings of the Citus suite (fsync off;
#                              with citus: Citus preloaded, unsafe triggers
#                              on); then the database $PGDATABASE on each,
#                              and with citus the extension citus and n0 a
#                              coordinator with the others as workers.  On a
#                              failure returns 1 with $cluster_error saying
#                              what (the node's log is in DIR).
#   stop_nodes DIR [immediate] stops every DIR/n* and removes DIR
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_ports() {
	local p=$1 count=$2 i busy
	for _ in $(seq 1 30); do
		busy=0
		for i in $(seq 0 $((count - 1))); do listening $((p + i)) && busy=1; done
		[ $busy = 0 ] && break
		p=$((p + count))
	done
	echo "$p"
}
start_nodes() {
	local dir=$1 port=$2 nodes=$3 kind=$4 i
	cluster_error=
	chown postgres "$dir"
	for i in $(seq 0 $((nodes - 1))); do
		runuser -u postgres -- "$bin/initdb" -D "$dir/n$i" -A trust -U postgres --no-sync >"$dir/n$i.log" 2>&1 ||
			{ cluster_error="initdb of node $i"; return 1; }
		chown postgres "$dir/n$i.log"
		cat >>"$dir/n$i/postgresql.conf" <<EOF
port = $((port + i))
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 120
max_prepared_transactions = 120
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
		[ "$kind" = citus ] && cat >>"$dir/n$i/postgresql.conf" <<EOF
shared_preload_libraries = 'citus'
citus.enable_unsafe_triggers = on
EOF
		runuser -u postgres -- "$bin/pg_ctl" -D "$dir/n$i" -l "$dir/n$i.log" -w start >/dev/null ||
			{ cluster_error="node $i starts on port $((port + i))"; return 1; }
	done
	for i in $(seq 0 $((nodes - 1))); do
		"$bin/psql" -X -q -h "$dir" -p $((port + i)) -U postgres -d postgres -c "CREATE DATABASE $PGDATABASE" >/dev/null ||
			{ cluster_error="database $PGDATABASE on node $i"; return 1; }
		[ "$kind" = citus ] || continue
		"$bin/psql" -X -q -h "$dir" -p $((port + i)) -U postgres -c "SET client_min_messages = warning" -c "CREATE EXTENSION citus" >/dev/null ||
			{ cluster_error="citus on node $i"; return 1; }
	done
	[ "$kind" = citus ] || return 0
	{
		echo "SELECT citus_set_coordinator_host('127.0.0.1', $port);"
		for i in $(seq 1 $((nodes - 1))); do echo "SELECT citus_add_node('127.0.0.1', $((port + i)));"; done
	} | "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 >/dev/null ||
		{ cluster_error="workers added"; return 1; }
}
stop_nodes() {
	local dir=$1 mode=${2:-fast} n
	[ -d "$dir" ] || return 0
	for n in "$dir"/n*/; do
		[ -f "$n/PG_VERSION" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$n" -m "$mode" -w stop >/dev/null 2>&1
	done
	rm -rf "$dir"
}
